#include "pdf_signature_fields.h"

#include "pdf_objects.h"

#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <cctype>
#include <cmath>
#include <set>
#include <tuple>

namespace securedoc::pdf {

namespace fs = std::filesystem;
using namespace PoDoFo;

std::optional<std::time_t> parsePdfDate(const std::string& s) {
  // D:YYYYMMDDHHmmSSOHH'mm' (ISO 32000-1 §7.9.4); every part after the year optional.
  std::string d = s.rfind("D:", 0) == 0 ? s.substr(2) : s;
  if (d.size() < 4) return std::nullopt;
  auto num = [&d](std::size_t pos, std::size_t len, int def) {
    if (d.size() < pos + len) return def;
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (d[i] < '0' || d[i] > '9') return def;
      v = v * 10 + (d[i] - '0');
    }
    return v;
  };
  struct tm tm {};
  tm.tm_year = num(0, 4, 1970) - 1900;
  tm.tm_mon = num(4, 2, 1) - 1;
  tm.tm_mday = num(6, 2, 1);
  tm.tm_hour = num(8, 2, 0);
  tm.tm_min = num(10, 2, 0);
  tm.tm_sec = num(12, 2, 0);
  std::time_t t = timegm(&tm);
  if (d.size() > 14 && (d[14] == '+' || d[14] == '-')) {
    const int sign = d[14] == '+' ? 1 : -1;
    const int oh = num(15, 2, 0);
    const int om = d.size() >= 20 ? num(18, 2, 0) : 0;
    t -= static_cast<std::time_t>(sign) * (std::time_t{oh} * 3600 + std::time_t{om} * 60);
  }
  return t;
}

namespace {

void collectFields(const PdfVecObjects& objects, const PdfObject* field, const std::string& parentName,
                   const std::string& inheritedType, std::set<const PdfObject*>& seen, int depth,
                   std::vector<SignatureField>& out) {
  if (!field || !field->IsDictionary() || depth > 32 || !seen.insert(field).second) return;
  const std::string partial = textOf(key(objects, field, "T"));
  const std::string name = parentName.empty() ? partial : (partial.empty() ? parentName : parentName + "." + partial);
  std::string type = nameOf(key(objects, field, "FT"));
  if (type.empty()) type = inheritedType;
  const PdfObject* kids = key(objects, field, "Kids");
  if (kids && kids->IsArray()) {
    for (const auto& k : kids->GetArray())
      collectFields(objects, resolve(objects, &k), name, type, seen, depth + 1, out);
  }
  if (type == "Sig") {
    const PdfObject* v = key(objects, field, "V");
    if (v && v->IsDictionary()) {
      const PdfObject* widget = key(objects, field, "Rect") ? field : nullptr;
      if (!widget && kids && kids->IsArray()) {
        for (const auto& k : kids->GetArray()) {
          const PdfObject* kid = resolve(objects, &k);
          if (kid && kid->IsDictionary() && key(objects, kid, "Rect")) {
            widget = kid;
            break;
          }
        }
      }
      out.push_back(SignatureField{name.empty() ? "Signature" : name, const_cast<PdfObject*>(v), widget});
    }
  }
}

}  // namespace

void rethrowPdfError(const PdfError& e, const std::string& file) {
  switch (e.GetError()) {
    case ePdfError_CannotEncryptedForUpdate:
    case ePdfError_InvalidPassword:
    case ePdfError_UnsupportedFilter:
      throw Error(Category::Malformed, tr("the PDF is encrypted; SecureDoc cannot sign or check encrypted PDFs"), file);
    case ePdfError_FileNotFound:
      throw Error(Category::Io, tr("cannot open the file"), file);
    case ePdfError_OutOfMemory:
      throw Error(Category::Malformed, tr("the PDF is too large or damaged"), file);
    default:
      throw Error(Category::Malformed,
                  format(tr("the PDF is damaged or not a PDF ({0})"), {PdfError::ErrorName(e.GetError())}), file);
  }
}

std::vector<SignatureField> findSignatures(PdfMemDocument& doc) {
  std::vector<SignatureField> out;
  const PdfVecObjects& objects = doc.GetObjects();
  const PdfObject* acroForm = key(objects, doc.GetCatalog(), "AcroForm");
  const PdfObject* fields = key(objects, acroForm, "Fields");
  if (!fields || !fields->IsArray()) return out;
  std::set<const PdfObject*> seen;
  for (const auto& f : fields->GetArray()) collectFields(objects, resolve(objects, &f), "", "", seen, 0, out);
  return out;
}

namespace {

/// The 1-based number of the page whose /Annots lists `widget`, else of the
/// page its /P names; 0 when none does.
int pageOfWidget(PdfMemDocument& doc, const PdfObject* widget) {
  const PdfVecObjects& objects = doc.GetObjects();
  const PdfObject* named = key(objects, widget, "P");
  const int count = doc.GetPageCount();
  int byP = 0;
  for (int i = 0; i < count; ++i) {
    const PdfPage* page = doc.GetPage(i);
    if (!page) continue;
    const PdfObject* pageObject = page->GetObject();
    if (named && byP == 0 && pageObject == named) byP = i + 1;
    const PdfObject* annots = key(objects, pageObject, "Annots");
    if (!annots || !annots->IsArray()) continue;
    for (const auto& a : annots->GetArray()) {
      if (resolve(objects, &a) == widget) return i + 1;
    }
  }
  return byP;
}

}  // namespace

std::optional<SignatureAppearance> appearanceOf(PdfMemDocument& doc, const SignatureField& field) {
  if (!field.widget) return std::nullopt;
  const PdfVecObjects& objects = doc.GetObjects();
  const PdfObject* rect = key(objects, field.widget, "Rect");
  if (!rect || !rect->IsArray() || rect->GetArray().size() != 4) return std::nullopt;
  double v[4];
  for (std::size_t i = 0; i < 4; ++i) {
    const PdfObject* n = resolve(objects, &rect->GetArray()[i]);
    if (!n || (!n->IsNumber() && !n->IsReal())) return std::nullopt;
    v[i] = n->GetReal();
  }
  // §12.5.3: Hidden (bit 2) and NoView (bit 6) are not displayed.
  const PdfObject* flags = key(objects, field.widget, "F");
  if (flags && flags->IsNumber() && (flags->GetNumber() & ((1 << 1) | (1 << 5))) != 0) return std::nullopt;
  // §7.9.5: a rectangle's corners in either order.
  SignatureAppearance a;
  a.x = std::min(v[0], v[2]);
  a.y = std::min(v[1], v[3]);
  a.width = std::abs(v[2] - v[0]);
  a.height = std::abs(v[3] - v[1]);
  if (!(a.width >= 1 && a.height >= 1) || !std::isfinite(a.width) || !std::isfinite(a.height)) return std::nullopt;
  try {
    a.page = pageOfWidget(doc, field.widget);
  } catch (const PdfError&) {
    return std::nullopt;  // a damaged page tree: where it shows is unknown
  }
  if (a.page == 0) return std::nullopt;
  return a;
}

int docMdpPermission(PdfMemDocument& doc) {
  const PdfVecObjects& objects = doc.GetObjects();
  const PdfObject* perms = key(objects, doc.GetCatalog(), "Perms");
  const PdfObject* sig = key(objects, perms, "DocMDP");
  const PdfObject* refs = key(objects, sig, "Reference");
  if (!refs || !refs->IsArray()) return 0;
  for (const auto& r : refs->GetArray()) {
    const PdfObject* sr = resolve(objects, &r);
    if (nameOf(key(objects, sr, "TransformMethod")) != "DocMDP") continue;
    const PdfObject* params = key(objects, sr, "TransformParams");
    const PdfObject* p = key(objects, params, "P");
    // ISO 32000-1 Table 254: "Default value: 2".
    if (!p || !p->IsNumber()) return 2;
    const auto v = p->GetNumber();
    return v >= 1 && v <= 3 ? static_cast<int>(v) : 2;
  }
  return 0;
}

namespace {

bool isHexDigit(std::uint8_t c) { return std::isxdigit(c) != 0; }

/// Reads the /ByteRange of signature dictionary `v` into `f` and checks it
/// against the file's `size`; false, with f.problem set, when it is unusable.
bool readByteRange(const PdfVecObjects& objects, const PdfObject* v, std::uint64_t size, FieldFacts& f) {
  const PdfObject* br = key(objects, v, "ByteRange");
  if (!br || !br->IsArray()) {
    f.problem = Note{"byte-range-missing", N_("the signature has no /ByteRange")};
    return false;
  }
  for (const auto& e : br->GetArray()) {
    const PdfObject* n = resolve(objects, &e);
    if (!n || !n->IsNumber()) {
      f.problem = Note{"byte-range-not-integers", N_("the /ByteRange holds something other than integers")};
      return false;
    }
    f.byteRange.push_back(n->GetNumber());
  }
  // ISO 32000-1 §12.8.1: the ByteRange covers the whole file except the
  // /Contents value; PAdES (EN 319 142-1 §5.1) requires exactly two ranges.
  if (f.byteRange.size() != 4) {
    f.problem = Note{"byte-range-count",
                     N_("the /ByteRange has {count} numbers instead of 4"),
                     {{"count", std::to_string(f.byteRange.size())}}};
    return false;
  }
  const auto [a0, l0, a1, l1] = std::tuple(f.byteRange[0], f.byteRange[1], f.byteRange[2], f.byteRange[3]);
  // Compare with the file size before any arithmetic: hostile values must
  // not overflow.
  const auto fileSize = static_cast<std::int64_t>(size);
  if (l0 > fileSize || a1 > fileSize || l1 > fileSize) {
    f.problem = Note{"byte-range-beyond-file", N_("the /ByteRange goes beyond the end of the file")};
    return false;
  }
  if (a0 != 0) {
    f.problem = Note{"byte-range-not-from-start", N_("the signed range does not start at the beginning of the file")};
    return false;
  }
  if (l0 <= 0 || a1 < 0 || l1 < 0) {
    f.problem = Note{"byte-range-negative", N_("the /ByteRange has negative or empty parts")};
    return false;
  }
  if (a1 < l0 + 2) {
    f.problem = Note{"byte-range-overlap", N_("the two signed ranges overlap or leave no room for the signature")};
    return false;
  }
  f.end = static_cast<std::uint64_t>(a1 + l1);
  return true;
}

/// Reads the /Contents of signature dictionary `v` into `f`; false, with
/// f.problem set, when it is missing or empty.
bool readContents(const PdfVecObjects& objects, const PdfObject* v, FieldFacts& f) {
  const PdfObject* contents = key(objects, v, "Contents");
  if (!contents || !(contents->IsHexString() || contents->IsString())) {
    f.problem = Note{"contents-missing", N_("the signature has no /Contents")};
    return false;
  }
  f.contents = bytesOf(contents);
  if (f.contents.empty() || std::all_of(f.contents.begin(), f.contents.end(), [](std::uint8_t b) { return b == 0; })) {
    f.problem = Note{"contents-empty", N_("the /Contents of the signature is empty")};
    return false;
  }
  return true;
}

/// The gap the /ByteRange excludes must be exactly the hex string that
/// /Contents holds; otherwise the signature is suspicious (wrapping).
void compareGapWithContents(const Bytes& gap, FieldFacts& f) {
  const bool hexGap = gap.size() >= 2 && gap.front() == '<' && gap.back() == '>' &&
                      std::all_of(gap.begin() + 1, gap.end() - 1, isHexDigit);
  if (!hexGap) {
    f.suspicious.push_back(Note{"byte-range-gap-not-contents",
                                N_("the bytes excluded by the /ByteRange are not exactly the signature's /Contents")});
    return;
  }
  // ISO 32000-1 §7.3.4.3: an odd number of digits ends with an implied 0.
  const auto hexValue = [](std::uint8_t c) {
    return static_cast<std::uint8_t>(std::isdigit(c) ? c - '0' : std::tolower(c) - 'a' + 10);
  };
  const std::size_t digits = gap.size() - 2;
  Bytes decoded;
  decoded.reserve(digits / 2 + 1);
  for (std::size_t i = 0; i < digits; i += 2) {
    const std::uint8_t hi = hexValue(gap[1 + i]);
    const std::uint8_t lo = i + 1 < digits ? hexValue(gap[2 + i]) : 0;
    decoded.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  if (decoded != f.contents) {
    f.suspicious.push_back(
        Note{"contents-wrapped",
             N_("the signature's /Contents is not the one at the excluded position (signature wrapping)")});
  }
}

/// The second range reaches past the end of the file (`size` bytes).
void judgeCut(FieldFacts& f, std::uint64_t size) {
  // ISO 32000-1 §12.8.1: the ranges cover the file except /Contents.  A
  // well-formed signature whose ranges reach past the end of the file
  // signed bytes that are no longer there (DSS's pdf-signed-corrupted.pdf:
  // ten bytes cut from the signed part); a malformed one (its gap is not
  // the /Contents: compareGapWithContents) is a format failure.
  const Note beyond{"byte-range-beyond-file-signed-bytes-missing",
                    N_("the /ByteRange goes beyond the end of the file: the signed bytes end at byte {end}, the file "
                       "has {size} bytes; signed bytes were removed"),
                    {{"end", std::to_string(f.end)}, {"size", std::to_string(size)}}};
  if (f.suspicious.empty()) {
    f.missingBytes = beyond;
  } else {
    f.problem = Note{"byte-range-beyond-file", N_("the /ByteRange goes beyond the end of the file")};
  }
}

/// The signed range must end where a revision ends (after "%%EOF").
void checkEndsAtRevision(const fs::path& file, FieldFacts& f) {
  const std::uint64_t tailLen = std::min<std::uint64_t>(f.end, 32);
  const Bytes tail = readFileRange(file, f.end - tailLen, tailLen);
  std::string t(tail.begin(), tail.end());
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.size() < 5 || t.compare(t.size() - 5, 5, "%%EOF") != 0) {
    f.suspicious.push_back(
        Note{"byte-range-not-revision-end", N_("the signed range does not end at the end of a revision")});
  }
}

}  // namespace

FieldFacts inspectField(const PdfVecObjects& objects, const SignatureField& sf, const fs::path& file,
                        std::uint64_t size) {
  FieldFacts f;
  f.field = sf;
  f.fileSize = size;
  const PdfObject* v = sf.value;
  f.subFilter = nameOf(key(objects, v, "SubFilter"));
  f.docTimestamp = nameOf(key(objects, v, "Type")) == "DocTimeStamp" || f.subFilter == "ETSI.RFC3161";
  if (!readByteRange(objects, v, size, f)) return f;
  // Past the end of the file: only the second range may be cut short (the
  // first and the gap are checked below against /Contents); whether that is
  // a malformed signature or removed signed bytes is decided after them.
  const bool cut = f.end > size;
  // The gap must be exactly the hex string that /Contents holds.
  const auto l0 = static_cast<std::uint64_t>(f.byteRange[1]);
  const Bytes gap = readFileRange(file, l0, static_cast<std::uint64_t>(f.byteRange[2]) - l0);
  if (!readContents(objects, v, f)) return f;
  compareGapWithContents(gap, f);
  if (cut) {
    judgeCut(f, size);
    return f;
  }
  checkEndsAtRevision(file, f);
  return f;
}

}  // namespace securedoc::pdf
