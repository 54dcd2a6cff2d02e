#include "pdf_revisions.h"

#include "cms_support.h"
#include "pdf_diff.h"
#include "pdf_objects.h"
#include "signature_checks.h"

#include <securedoc/crypto/error.h>
#include <securedoc/crypto/timestamp.h>
#include <securedoc/i18n.h>

#include <openssl/err.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <tuple>
#include <cerrno>
#include <functional>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace securedoc::pdf {

namespace fs = std::filesystem;
using namespace PoDoFo;

namespace {

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
    t -= sign * (oh * 3600 + om * 60);
  }
  return t;
}

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
    for (const auto& k : kids->GetArray()) collectFields(objects, resolve(objects, &k), name, type, seen, depth + 1, out);
  }
  if (type == "Sig") {
    const PdfObject* v = key(objects, field, "V");
    if (v && v->IsDictionary()) out.push_back(SignatureField{name.empty() ? "Signature" : name, const_cast<PdfObject*>(v)});
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

/// At most this many revisions are read from one file: each later revision
/// is loaded and compared with every signed one (real documents have a few
/// dozen at most).
constexpr std::size_t kMaxRevisions = 300;
/// Objects that hold /ByteRange: at most this many are parsed, each at most
/// this large (a signature dictionary with its /Contents is kilobytes; a
/// few MiB with embedded validation data).
constexpr std::size_t kMaxSignatureCandidates = 2000;
constexpr std::size_t kMaxSignatureObject = 16u << 20;
constexpr std::size_t kMaxSignatureTokens = 10000;  ///< names and arrays in one such object

/// RAII for a read-only mapping of a file.
class MappedFile {
 public:
  explicit MappedFile(const fs::path& file) {
    m_fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) throw Error(Category::Io, format(tr("cannot open the file: {0}"), {std::strerror(errno)}), file.string());
    struct stat st {};
    if (::fstat(m_fd, &st) == 0 && st.st_size > 0) {
      m_size = static_cast<std::size_t>(st.st_size);
      void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, m_fd, 0);
      if (p != MAP_FAILED) m_data = static_cast<const char*>(p);
    }
  }
  ~MappedFile() {
    if (m_data) ::munmap(const_cast<char*>(m_data), m_size);
    if (m_fd >= 0) ::close(m_fd);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view() const { return m_data ? std::string_view(m_data, m_size) : std::string_view(); }

 private:
  int m_fd = -1;
  const char* m_data = nullptr;
  std::size_t m_size = 0;
};

}  // namespace

namespace {

/// Whether a cross-reference section starts at `at`: "xref" (§7.5.4) or an
/// object header "N G obj" (a cross-reference stream, §7.5.8).
bool sectionAt(std::string_view data, std::size_t at) {
  while (at < data.size() && std::isspace(static_cast<unsigned char>(data[at]))) ++at;
  if (data.substr(at, 4) == "xref") return true;
  const std::string_view head = data.substr(at, 32);
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t from = i;
    while (i < head.size() && std::isdigit(static_cast<unsigned char>(head[i]))) ++i;
    return i > from;
  };
  auto spaces = [&] {
    const std::size_t from = i;
    while (i < head.size() && std::isspace(static_cast<unsigned char>(head[i]))) ++i;
    return i > from;
  };
  return digits() && spaces() && digits() && spaces() && head.substr(i, 3) == "obj";
}

}  // namespace

std::vector<std::uint64_t> revisionEnds(const fs::path& file) {
  std::vector<std::uint64_t> ends;
  const MappedFile mapped(file);
  const std::string_view data = mapped.view();
  std::string lastOffset;
  // ISO 32000-1 §7.5.5: a revision ends with "startxref", the offset and
  // "%%EOF"; a bare "%%EOF" (inside a stream, say) ends nothing.
  for (std::size_t pos = data.find("%%EOF"); pos != std::string_view::npos; pos = data.find("%%EOF", pos + 5)) {
    std::size_t i = pos;
    const std::size_t floor = pos > 64 ? pos - 64 : 0;
    while (i > floor && std::isspace(static_cast<unsigned char>(data[i - 1]))) --i;
    const std::size_t digitsEnd = i;
    while (i > floor && std::isdigit(static_cast<unsigned char>(data[i - 1]))) --i;
    if (i == digitsEnd) continue;
    const std::string offset(data.substr(i, digitsEnd - i));
    while (i > floor && std::isspace(static_cast<unsigned char>(data[i - 1]))) --i;
    if (i < 9 || data.substr(i - 9, 9) != "startxref") continue;
    // The same cross-reference section again adds no revision: a reader
    // sees the same objects (a flood of repeated trailers costs nothing).
    if (offset == lastOffset) continue;
    // An update's cross-reference section follows the revision it updates
    // (ISO 32000-1 §7.5.6) and starts with "xref" or an object (a stream,
    // §7.5.8): a startxref inside an embedded PDF's data points elsewhere.
    std::uint64_t at = 0;
    if (offset.size() > 15) continue;
    for (const char c : offset) at = at * 10 + static_cast<std::uint64_t>(c - '0');
    if (at >= pos || (!ends.empty() && at < ends.back()) || !sectionAt(data, static_cast<std::size_t>(at))) continue;
    lastOffset = offset;
    if (ends.size() == kMaxRevisions) {
      throw Error(Category::Malformed,
                  format(tr("the PDF has more than {0} revisions; it is refused as hostile"), {std::to_string(kMaxRevisions)}),
                  file.string());
    }
    std::size_t end = pos + 5;
    if (end < data.size() && data[end] == '\r') ++end;
    if (end < data.size() && data[end] == '\n') ++end;
    ends.push_back(end);
  }
  return ends;
}

namespace {

bool isHexDigit(std::uint8_t c) { return std::isxdigit(c) != 0; }

/// The facts about one signature dictionary before any cryptography.
struct Field {
  SignatureField field;
  std::string subFilter;
  bool docTimestamp = false;
  std::vector<std::int64_t> byteRange;
  Bytes contents;
  /// A structural failure that leaves nothing to verify (no usable range or
  /// value): ETSI EN 319 102-1 §5.2.2 format checking, FORMAT_FAILURE.
  Note problem;
  /// Structural failures that still leave ranges to hash: universal forgery,
  /// wrapping.  The signature is TOTAL-FAILED either way; the hash and value
  /// are still checked so the report says which of them fails too.
  std::vector<Note> suspicious;
  /// The second range runs past the end of the file although the signature
  /// is well formed (the /Contents is exactly the excluded gap): signed bytes
  /// were cut from the file.  That is a change of the signed data, not of the
  /// signature's format: the digest over what is left is checked and fails
  /// (EN 319 102-1 §5.2.7, HASH_FAILURE).
  Note missingBytes;
  std::uint64_t end = 0;
  /// The ranges to hash: the /ByteRange, cut at the end of the file.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges() const {
    const auto a1 = static_cast<std::uint64_t>(byteRange[2]);
    return {{0, static_cast<std::uint64_t>(byteRange[1])},
            {a1, std::min<std::uint64_t>(static_cast<std::uint64_t>(byteRange[3]), fileSize - a1)}};
  }
  std::uint64_t fileSize = 0;
};

Field inspectField(const PdfVecObjects& objects, const SignatureField& sf, const fs::path& file, std::uint64_t size) {
  Field f;
  f.field = sf;
  f.fileSize = size;
  const PdfObject* v = sf.value;
  f.subFilter = nameOf(key(objects, v, "SubFilter"));
  f.docTimestamp = nameOf(key(objects, v, "Type")) == "DocTimeStamp" || f.subFilter == "ETSI.RFC3161";
  const PdfObject* br = key(objects, v, "ByteRange");
  if (!br || !br->IsArray()) {
    f.problem = Note{"byte-range-missing", N_("the signature has no /ByteRange")};
    return f;
  }
  for (const auto& e : br->GetArray()) {
    const PdfObject* n = resolve(objects, &e);
    if (!n || !n->IsNumber()) {
      f.problem = Note{"byte-range-not-integers", N_("the /ByteRange holds something other than integers")};
      return f;
    }
    f.byteRange.push_back(n->GetNumber());
  }
  // ISO 32000-1 §12.8.1: the ByteRange covers the whole file except the
  // /Contents value; PAdES (EN 319 142-1 §5.1) requires exactly two ranges.
  if (f.byteRange.size() != 4) {
    f.problem = Note{"byte-range-count",
                     N_("the /ByteRange has {count} numbers instead of 4"),
                     {{"count", std::to_string(f.byteRange.size())}}};
    return f;
  }
  const auto [a0, l0, a1, l1] = std::tuple(f.byteRange[0], f.byteRange[1], f.byteRange[2], f.byteRange[3]);
  // Compare with the file size before any arithmetic: hostile values must
  // not overflow.
  const auto fileSize = static_cast<std::int64_t>(size);
  if (l0 > fileSize || a1 > fileSize || l1 > fileSize) {
    f.problem = Note{"byte-range-beyond-file", N_("the /ByteRange goes beyond the end of the file")};
    return f;
  }
  if (a0 != 0) {
    f.problem = Note{"byte-range-not-from-start", N_("the signed range does not start at the beginning of the file")};
    return f;
  }
  if (l0 <= 0 || a1 < 0 || l1 < 0) {
    f.problem = Note{"byte-range-negative", N_("the /ByteRange has negative or empty parts")};
    return f;
  }
  if (a1 < l0 + 2) {
    f.problem = Note{"byte-range-overlap", N_("the two signed ranges overlap or leave no room for the signature")};
    return f;
  }
  f.end = static_cast<std::uint64_t>(a1 + l1);
  // Past the end of the file: only the second range may be cut short (the
  // first and the gap are checked below against /Contents); whether that is
  // a malformed signature or removed signed bytes is decided after them.
  const bool cut = f.end > size;
  // The gap must be exactly the hex string that /Contents holds.
  const Bytes gap = readFileRange(file, static_cast<std::uint64_t>(l0), static_cast<std::uint64_t>(a1 - l0));
  const bool hexGap = gap.size() >= 2 && gap.front() == '<' && gap.back() == '>' &&
                      std::all_of(gap.begin() + 1, gap.end() - 1, isHexDigit);
  const PdfObject* contents = key(objects, v, "Contents");
  if (!contents || !(contents->IsHexString() || contents->IsString())) {
    f.problem = Note{"contents-missing", N_("the signature has no /Contents")};
    return f;
  }
  f.contents = bytesOf(contents);
  if (f.contents.empty() || std::all_of(f.contents.begin(), f.contents.end(), [](std::uint8_t b) { return b == 0; })) {
    f.problem = Note{"contents-empty", N_("the /Contents of the signature is empty")};
    return f;
  }
  if (!hexGap) {
    f.suspicious.push_back(Note{"byte-range-gap-not-contents",
                                N_("the bytes excluded by the /ByteRange are not exactly the signature's /Contents")});
  } else {
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
  if (cut) {
    // ISO 32000-1 §12.8.1: the ranges cover the file except /Contents.  A
    // well-formed signature whose ranges reach past the end of the file
    // signed bytes that are no longer there (DSS's pdf-signed-corrupted.pdf:
    // ten bytes cut from the signed part); a malformed one (its gap is not
    // the /Contents) is a format failure, as above.
    const Note beyond{"byte-range-beyond-file-signed-bytes-missing",
                      N_("the /ByteRange goes beyond the end of the file: the signed bytes end at byte {end}, the file "
                         "has {size} bytes; signed bytes were removed"),
                      {{"end", std::to_string(f.end)}, {"size", std::to_string(size)}}};
    if (f.suspicious.empty()) {
      f.missingBytes = beyond;
    } else {
      f.problem = Note{"byte-range-beyond-file", N_("the /ByteRange goes beyond the end of the file")};
    }
    return f;
  }
  // The signed range must end where a revision ends (after "%%EOF").
  const std::uint64_t tailLen = std::min<std::uint64_t>(f.end, 32);
  const Bytes tail = readFileRange(file, f.end - tailLen, tailLen);
  std::string t(tail.begin(), tail.end());
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.size() < 5 || t.compare(t.size() - 5, 5, "%%EOF") != 0) {
    f.suspicious.push_back(
        Note{"byte-range-not-revision-end", N_("the signed range does not end at the end of a revision")});
  }
  return f;
}

/// Signature dictionaries found by scanning the file's bytes, so that a
/// broken cross-reference chain (a reader sees only some revisions) or a file
/// PoDoFo cannot load still has every signature checked.
struct RawSignatures {
  PdfVecObjects owner;
  std::vector<std::unique_ptr<PdfParserObject>> objects;
};

/// At most this many signature dictionaries are read from one file: real
/// documents hold a few dozen, and each costs a CMS verification.
constexpr std::size_t kMaxSignatures = 500;

/// Whether "obj" at `hit` ends an object header "N G obj" (ISO 32000-1
/// §7.3.10); the header's offset.  Looks back a bounded distance, so a
/// flood of "obj" tokens costs linear time.
std::optional<std::size_t> headerBefore(std::string_view data, std::size_t hit) {
  const std::size_t floor = hit > 48 ? hit - 48 : 0;
  std::size_t i = hit;
  auto skipSpace = [&] {
    const std::size_t before = i;
    while (i > floor && std::isspace(static_cast<unsigned char>(data[i - 1]))) --i;
    return i != before;
  };
  auto skipDigits = [&] {
    const std::size_t before = i;
    while (i > floor && std::isdigit(static_cast<unsigned char>(data[i - 1]))) --i;
    return i != before;
  };
  skipSpace();
  if (!skipDigits() || !skipSpace() || !skipDigits()) return std::nullopt;
  // The object number must start a token.
  if (i > 0 && !std::isspace(static_cast<unsigned char>(data[i - 1])) && data[i - 1] != '>' && data[i - 1] != ']' &&
      data[i - 1] != ')' && data[i - 1] != '}') {
    return std::nullopt;
  }
  return i;
}

/// Where a stream's data starts in `span`: the keyword "stream" right after
/// the dictionary's ">>" (ISO 32000-1 §7.3.8.1); npos when it does not.  A
/// /ByteRange in stream data (an embedded signed PDF, say) is no signature
/// dictionary.
std::size_t streamStart(std::string_view span) {
  for (std::size_t at = span.find("stream"); at != std::string_view::npos; at = span.find("stream", at + 6)) {
    std::size_t i = at;
    while (i > 0 && std::isspace(static_cast<unsigned char>(span[i - 1]))) --i;
    if (i >= 2 && span.substr(i - 2, 2) == ">>") return at;
  }
  return std::string_view::npos;
}

bool streamBetween(std::string_view data, std::size_t from, std::size_t to) {
  return streamStart(data.substr(from, to - from)) != std::string_view::npos;
}

/// One forward pass: the objects (by their "N G obj" headers) that hold a
/// /ByteRange, each parsed once; the later definition of a number wins.
void scanSignatures(const fs::path& file, RawSignatures& out) {
  const MappedFile mapped(file);
  const std::string_view data = mapped.view();
  constexpr std::size_t npos = std::string_view::npos;
  // Object headers whose body holds /ByteRange, in file order, with where
  // the object ends (its "endobj" or the next header).
  struct Candidate {
    std::size_t start;
    std::size_t end = npos;
  };
  std::vector<Candidate> starts;
  std::size_t open = npos;  // the header of the object the scan is in, if any
  auto close = [&](std::size_t at) {
    if (!starts.empty() && starts.back().start == open && starts.back().end == npos) starts.back().end = at;
  };
  std::size_t nextObj = data.find("obj");
  std::size_t nextRange = data.find("/ByteRange");
  while (nextRange != npos) {
    if (nextObj != npos && nextObj < nextRange) {
      if (nextObj >= 3 && data.substr(nextObj - 3, 3) == "end") {
        close(nextObj);
        open = npos;  // "endobj": outside any object until the next header
      } else if (const auto h = headerBefore(data, nextObj)) {
        close(*h);
        open = *h;
      }
      nextObj = data.find("obj", nextObj + 3);
      continue;
    }
    if (open != npos && (starts.empty() || starts.back().start != open) && !streamBetween(data, open, nextRange)) {
      if (starts.size() == kMaxSignatureCandidates) {
        throw Error(Category::Malformed,
                    format(tr("the PDF holds more than {0} signature dictionaries; it is refused as hostile"),
                           {std::to_string(kMaxSignatures)}),
                    file.string());
      }
      starts.push_back(Candidate{open});
    }
    nextRange = data.find("/ByteRange", nextRange + 10);
  }
  if (!starts.empty() && starts.back().end == npos) {
    const std::size_t e = data.find("endobj", starts.back().start);
    starts.back().end = e == npos ? data.size() : e;
  }
  std::map<pdf_objnum, std::size_t> latest;  // object number -> index in out.objects
  PdfRefCountedInputDevice device(file.c_str(), "rb");
  PdfRefCountedBuffer buffer(4096);
  for (const auto& [start, end] : starts) {
    // PoDoFo spends about seventy bytes of memory per byte of names and
    // arrays it parses; a signature dictionary holds a few dozen of them
    // (its /Contents is one hex string).
    // Only the dictionary counts, not the data of a stream after it.
    std::string_view body = data.substr(start, end - start);
    body = body.substr(0, std::min(body.size(), streamStart(body)));
    if (end - start > kMaxSignatureObject ||
        static_cast<std::size_t>(std::count(body.begin(), body.end(), '/') + std::count(body.begin(), body.end(), '[')) >
            kMaxSignatureTokens) {
      throw Error(Category::Malformed, tr("a signature dictionary of the PDF is too large; it is refused as hostile"),
                  file.string());
    }
    auto obj = std::make_unique<PdfParserObject>(&out.owner, device, buffer, static_cast<pdf_long>(start));
    try {
      obj->ParseFile(nullptr);
    } catch (const PdfError&) {
      continue;  // not an object we can read: the structural checks report nothing for it
    }
    if (!obj->IsDictionary() || !obj->GetDictionary().HasKey("ByteRange") || !obj->GetDictionary().HasKey("Contents")) continue;
    const pdf_objnum num = obj->Reference().ObjectNumber();
    // An incremental update may redefine the object: the later one is what readers see.
    if (auto it = latest.find(num); it != latest.end()) {
      out.objects[it->second] = std::move(obj);
    } else {
      if (out.objects.size() == kMaxSignatures) {
        throw Error(Category::Malformed,
                    format(tr("the PDF holds more than {0} signature dictionaries; it is refused as hostile"),
                           {std::to_string(kMaxSignatures)}),
                    file.string());
      }
      latest[num] = out.objects.size();
      out.objects.push_back(std::move(obj));
    }
  }
}

struct ChangeInputs {
  const fs::path& file;
  std::uint64_t size;
  PdfMemDocument* finalDocument;  ///< null when PoDoFo cannot read the file
  const std::string& loadError;
  const std::vector<std::uint64_t>& revisionEnds;
  const SignatureVerified& verified;
  const std::function<PdfMemDocument&(std::uint64_t)>& revisionAt;
  /// Object definitions follow the last revision (no cross-reference section
  /// lists them; a viewer that repairs the file may show them).
  bool objectsAfterLastRevision;
};

/// Whether an "N G obj" header stands after `from`.
bool objectsAfterLastRevision(const fs::path& file, std::uint64_t from) {
  const MappedFile mapped(file);
  const std::string_view data = mapped.view();
  for (std::size_t at = data.find("obj", from); at != std::string_view::npos; at = data.find("obj", at + 3)) {
    if (at >= 3 && data.substr(at - 3, 3) == "end") continue;
    if (const auto h = headerBefore(data, at); h && *h >= from) return true;
  }
  return false;
}

/// Not TOTAL-PASSED when the changes after the signature cannot be judged.
void demote(SignatureReport& r) {
  if (r.indication == Indication::TotalPassed) {
    r.indication = Indication::Indeterminate;
    r.subIndication = SubIndication::SigConstraintsFailure;
  }
}

/// Compares the revision the signature covers with every later revision in
/// turn (a change that a later revision undoes is still seen) and with the
/// file as readers show it, and holds the most they change to what the
/// certification allows (ISO 32000-1 §12.8.2.2).
void judgeChangesAfter(SignatureReport& r, const Field& f, const ChangeInputs& in) {
  r.coversWholeDocument = f.end == in.size;
  r.signedBytes = f.end;
  const auto at = std::find(in.revisionEnds.begin(), in.revisionEnds.end(), f.end);
  if (at != in.revisionEnds.end()) r.signedRevision = static_cast<int>(at - in.revisionEnds.begin()) + 1;
  if (f.end > in.size) {
    // Signed bytes were cut from the file: the signed revision is not in it,
    // so there is nothing to compare the file with (the signature already
    // failed its digest).
    r.checks.push_back(
        checks::makeCheck("modifications", Check::Status::NotChecked,
                          Note{"signed-revision-missing",
                               N_("the signed revision is not in the file: it ends at byte {end}, the file "
                                  "has {size} bytes"),
                               {{"end", std::to_string(f.end)}, {"size", std::to_string(in.size)}}}));
    return;
  }
  if (f.end == in.size) {
    r.modificationLevel = ModificationLevel::None;
    r.checks.push_back(checks::makeCheck("modifications", Check::Status::Passed));
    return;
  }
  if (!in.finalDocument) {
    r.checks.push_back(checks::makeCheck(
        "modifications", Check::Status::NotChecked,
        Note{"pdf-unreadable", N_("the PDF's structure cannot be read ({error})"), {{"error", in.loadError}}}));
    r.messages.push_back(
        Note{"changes-not-checked-pdf-unreadable",
             N_("The PDF's structure cannot be read, so the changes after this signature cannot be checked.")});
    demote(r);
    return;
  }
  PdfMemDocument* signedRevision = nullptr;
  try {
    signedRevision = &in.revisionAt(f.end);
  } catch (const PdfError& e) {
    r.checks.push_back(checks::makeCheck("modifications", Check::Status::NotChecked,
                                         Note{"signed-revision-unreadable",
                                              N_("the signed revision cannot be read ({error})"),
                                              {{"error", PdfError::ErrorName(e.GetError())}}}));
    r.messages.push_back(
        Note{"changes-not-checked-signed-revision-unreadable",
             N_("The signed revision cannot be read, so the changes after signing cannot be checked.")});
    demote(r);
    return;
  }
  try {
    const SignedRoles roles(*signedRevision);
    const int permission = docMdpPermission(*signedRevision);
    const FieldLock lock = fieldLockOf(*signedRevision, f.field.name);
    ModificationLevel level = ModificationLevel::None;
    std::vector<Modification> changes;
    Note unreadable;
    std::vector<Footprint> footprints;
    std::vector<std::uint64_t> later;
    for (const auto e : in.revisionEnds) {
      if (e > f.end && e < in.size) later.push_back(e);
    }
    // The last revision (read without the bytes after it) is the final document.
    if (!later.empty() && later.back() == in.revisionEnds.back()) later.pop_back();
    later.push_back(in.size);
    if (in.objectsAfterLastRevision) {
      level = ModificationLevel::Other;
      addModification(changes, Modification{ModificationLevel::Other, "objects-after-last-revision", {}});
    }
    for (const auto e : later) {
      PdfMemDocument* revision = in.finalDocument;
      if (e != in.size) {
        try {
          revision = &in.revisionAt(e);
        } catch (const PdfError& err) {
          if (unreadable.empty()) {
            unreadable = Note{"revision-unreadable",
                              N_("the revision ending at byte {end} cannot be read ({error})"),
                              {{"end", std::to_string(e)}, {"error", PdfError::ErrorName(err.GetError())}}};
          }
          continue;
        }
      }
      DiffResult d;
      try {
        d = diffRevision(roles, *signedRevision, *revision, *in.finalDocument, in.verified, lock);
      } catch (const PdfError& err) {
        d.unreadable = true;
        if (unreadable.empty()) {
          unreadable = Note{"later-revision-unreadable",
                            N_("a later revision cannot be read ({error})"),
                            {{"error", PdfError::ErrorName(err.GetError())}}};
        }
      }
      if (d.unreadable && unreadable.empty()) {
        unreadable = Note{"revisions-not-linked", N_("the later revisions do not link back to the signed one")};
      }
      level = std::max(level, d.level);
      for (const auto& m : d.changes) addModification(changes, m);
      footprints.insert(footprints.end(), d.footprints.begin(), d.footprints.end());
    }
    const ModificationLevel allowed = allowedLevel(permission);
    // What the structure allows must also look the same where nothing allowed
    // drew, and nothing allowed may paint over what was signed.  Also when no
    // object changed: a viewer that repairs a damaged cross-reference section
    // may show other objects than PoDoFo reads.
    if (level <= allowed && unreadable.empty()) {
      const VisualResult v = compareVisually(in.file, f.end, footprints);
      if (!v.compared) {
        r.checks.push_back(checks::makeCheck("visualComparison", Check::Status::NotChecked, v.notCompared));
      } else if (v.findings.empty()) {
        r.checks.push_back(checks::makeCheck("visualComparison", Check::Status::Passed));
      } else {
        r.checks.push_back(
            checks::makeCheck("visualComparison", Check::Status::Failed,
                              Note{"page-looks-different", N_("a page does not look like the signed version")}));
        for (const auto& m : v.findings) {
          addModification(changes, m);
          level = std::max(level, m.level);
        }
      }
    }
    // A revision that cannot be read leaves the level unknown, not "none".
    if (unreadable.empty() || level > allowedLevel(permission)) r.modificationLevel = level;
    r.modifications = std::move(changes);
    if (level > allowed) {
      r.checks.push_back(checks::makeCheck(
          "modifications", Check::Status::Failed,
          Note{"changes-beyond-allowed",
               N_("changes after signing reach the level \"{level}\"; this signature allows up to \"{allowed}\""),
               {{"level", modificationLevelCode(level)}, {"allowed", modificationLevelCode(allowed)}}}));
      r.messages.push_back(Note{"changed-after-signing-not-allowed",
                                N_("The document was changed after this signature in a way the signature does not "
                                   "allow; what is shown now is not what was signed.")});
      if (r.indication != Indication::TotalFailed) {
        r.indication = Indication::TotalFailed;
        r.subIndication = SubIndication::FormatFailure;
      }
    } else if (!unreadable.empty()) {
      r.checks.push_back(checks::makeCheck("modifications", Check::Status::NotChecked, unreadable));
      r.messages.push_back(Note{"changes-not-all-checked", N_("A later revision of the PDF cannot be read, so the "
                                                              "changes after this signature cannot all be checked.")});
      demote(r);
    } else {
      r.checks.push_back(checks::makeCheck(
          "modifications", Check::Status::Passed,
          level == ModificationLevel::None ? Note{}
                                           : Note{"only-allowed-changes", N_("only allowed changes were made later")}));
    }
    if (level >= ModificationLevel::FormFilling && level <= allowed) {
      r.messages.push_back(
          Note{"possible-shadow-attack",
               N_("Form fields or annotations changed after signing: content hidden in the signed version and revealed "
                  "by these changes (a shadow attack) cannot be ruled out; compare with the signed revision.")});
    }
  } catch (const PdfError& e) {
    // PoDoFo reads objects when first used: a damaged one may surface only
    // here.  What was found so far stays in the report; the verdict cannot
    // be TOTAL-PASSED.
    r.checks.push_back(checks::makeCheck("modifications", Check::Status::NotChecked,
                                         Note{"later-revision-unreadable",
                                              N_("a later revision cannot be read ({error})"),
                                              {{"error", PdfError::ErrorName(e.GetError())}}}));
    r.messages.push_back(Note{
        "changes-not-all-checked",
        N_("A later revision of the PDF cannot be read, so the changes after this signature cannot all be checked.")});
    r.modificationLevel.reset();
    demote(r);
  }
}

/// A document time-stamp (ETSI EN 319 142-1 §5.4, /SubFilter ETSI.RFC3161):
/// an RFC 3161 token whose message imprint is the digest of the byte ranges.
/// It is held to the same rules as a signature time-stamp and as the RFC
/// 3161 client's answers (DESIGN.md §4): imprint, TSA signature, the TSA
/// certificate with the critical id-kp-timeStamping EKU and nothing else
/// (RFC 3161 §2.3), the ESS reference to it (RFC 3161 §2.4.2, RFC 5816),
/// genTime not after the validation time, then the TSA's chain.  One that
/// breaks a rule is TOTAL-FAILED and proves nothing (EN 319 102-1 §5.4).
void documentTimestamp(SignatureReport& r, const Field& f, const cms::DigestFn& rangeDigest,
                       const VerifyOptions& options, std::time_t now) {
  r.level = "DocTimeStamp";
  const TimestampCheck tc = checkTimestampTokenWith(
      f.contents,
      [&](const std::string& name) -> std::optional<Bytes> {
        const Bytes* d = rangeDigest(EVP_get_digestbyname(name.c_str()));
        return d ? std::optional<Bytes>(*d) : std::nullopt;
      },
      options.trustAnchors, options.extraCertificates, now);
  VerifyOptions at = options;
  at.time = now;
  TimestampReport t = checks::timestampReport(tc, "document", at);
  if (tc.tsa) r.signer = tc.tsa;
  r.signingTime = tc.genTime;
  r.chain = tc.chain.path;
  const auto checkOf = [&t](const char* id) {
    const auto it = std::find_if(t.checks.begin(), t.checks.end(), [id](const Check& c) { return c.id == id; });
    return it == t.checks.end() ? nullptr : &*it;
  };

  // The signature's checks, in EN 319 102-1 order: format (the token), the
  // signing certificate, integrity (imprint = messageDigest, TSA signature =
  // signatureValue), then the TSA rules and the chain.
  if (!tc.parsed) {
    r.checks.push_back(checks::makeCheck("contents", Check::Status::Failed, checkOf("parsed")->detail));
  } else {
    r.checks.push_back(checks::makeCheck("messageDigest", checkOf("imprint")->status, checkOf("imprint")->detail));
    r.checks.push_back(checks::makeCheck("signatureValue", checkOf("signatureValue")->status,
                                         checkOf("signatureValue")->detail));
  }
  for (const auto& c : t.checks) {
    if (c.id == "extendedKeyUsage" || c.id == "essCertificate" || c.id == "genTime" || c.id == "certificateChain") {
      r.checks.push_back(c);
    }
  }
  // The time-stamp's verdict is this signature's verdict.
  r.indication = t.indication;
  r.subIndication = t.subIndication;
  r.messages.push_back(
      t.indication == Indication::TotalFailed
          ? Note{"document-timestamp-not-valid",
                 N_("This document time-stamp is not valid: it proves nothing about when the document existed.")}
          : Note{"document-timestamp", N_("This is a document time-stamp: it proves the document existed at that time.")});
  t.indication = r.indication;
  t.subIndication = r.subIndication;
  r.timestamps.push_back(std::move(t));
}

}  // namespace

VerificationReport verifyPdf(const fs::path& file, const VerifyOptions& options) {
  VerificationReport report;
  report.file = file.string();
  report.format = "PAdES";
  const std::time_t now = options.time.value_or(std::time(nullptr));
  report.validationTime = now;
  std::error_code ec;
  const std::uint64_t size = fs::file_size(file, ec);
  if (ec) throw Error(Category::Io, format(tr("cannot open the file: {0}"), {ec.message()}), file.string());

  RawSignatures raw;
  scanSignatures(file, raw);
  const std::vector<std::uint64_t> ends = revisionEnds(file);
  // Bytes after the last revision are no part of any revision; PoDoFo would
  // look for the trailer through them a byte at a time, so it reads the
  // revisions alone.  What a repairing viewer might make of such bytes is
  // judged below (objectsAfterLastRevision) and by the page images.
  const bool trailing = !ends.empty() && ends.back() < size;
  Bytes revisionsOnly;
  PdfMemDocument doc;
  bool loaded = true;
  std::string loadError;
  try {
    if (trailing) {
      revisionsOnly = readFileRange(file, 0, ends.back());
      doc.LoadFromBuffer(reinterpret_cast<const char*>(revisionsOnly.data()), static_cast<long>(revisionsOnly.size()));
    } else {
      doc.Load(file.c_str());
    }
    forgetInventedInfo(doc);
  } catch (const PdfError& e) {
    if (e.GetError() == ePdfError_InvalidPassword || e.GetError() == ePdfError_UnsupportedFilter) rethrowPdfError(e, file.string());
    if (raw.objects.empty()) rethrowPdfError(e, file.string());
    loaded = false;
    loadError = PdfError::ErrorName(e.GetError());
  }
  if (loaded && doc.GetEncrypted()) {
    throw Error(Category::Malformed, tr("the PDF is encrypted; SecureDoc cannot sign or check encrypted PDFs"),
                file.string());
  }
  const PdfVecObjects& objects = loaded ? doc.GetObjects() : raw.owner;
  std::vector<Field> fields;
  try {
    std::vector<SignatureField> found = loaded ? findSignatures(doc) : std::vector<SignatureField>();
    // Signature dictionaries the reader's view misses (a broken /Prev chain,
    // an unreadable file) are checked too; a field name is used where known.
    for (const auto& obj : raw.objects) {
      const std::string br = serialise(obj->GetDictionary().GetKey("ByteRange"));
      const bool known = std::any_of(found.begin(), found.end(), [&](const SignatureField& sf) {
        return serialise(sf.value->GetDictionary().GetKey("ByteRange")) == br;
      });
      if (!known) {
        // An id is data, the same in every language (DESIGN.md §4): not translated.
        found.push_back(
            SignatureField{"signature in object " + std::to_string(obj->Reference().ObjectNumber()), obj.get()});
      }
    }
    if (found.size() > kMaxSignatures) {
      throw Error(Category::Malformed,
                  format(tr("the PDF holds more than {0} signature dictionaries; it is refused as hostile"),
                         {std::to_string(kMaxSignatures)}),
                  file.string());
    }
    for (const auto& sf : found) fields.push_back(inspectField(objects, sf, file, size));
  } catch (const PdfError& e) {
    rethrowPdfError(e, file.string());
  }
  if (fields.empty()) return report;
  std::stable_sort(fields.begin(), fields.end(), [](const Field& a, const Field& b) {
    return (a.end == 0 ? UINT64_MAX : a.end) < (b.end == 0 ? UINT64_MAX : b.end);
  });
  const bool hasDss = loaded && key(objects, doc.GetCatalog(), "DSS") != nullptr;

  std::map<std::uint64_t, std::unique_ptr<PdfMemDocument>> revisions;
  const std::function<PdfMemDocument&(std::uint64_t)> revisionAt = [&](std::uint64_t end) -> PdfMemDocument& {
    auto& slot = revisions[end];
    if (!slot) {
      const Bytes bytes = readFileRange(file, 0, end);
      slot = loadRevision(bytes);
    }
    return *slot;
  };

  for (std::size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    SignatureReport r;
    r.id = f.field.name;
    r.format = "PAdES";
    if (const auto m = parsePdfDate(textOf(key(objects, f.field.value, "M")))) r.signingTime = m;
    if (!f.problem.empty()) {
      r.indication = Indication::TotalFailed;
      r.subIndication = SubIndication::FormatFailure;
      r.checks.push_back(checks::makeCheck("byteRange", Check::Status::Failed, f.problem));
      r.messages.push_back(f.problem);
      r.level = f.docTimestamp ? "DocTimeStamp" : "-";
      report.signatures.push_back(std::move(r));
      continue;
    }
    // Format checking (EN 319 102-1 §5.2.2).  Signed bytes cut from the file
    // fail this check too, but the signature itself is well formed: the
    // digest decides (HASH_FAILURE below).
    r.checks.push_back(!f.suspicious.empty()
                           ? checks::makeCheck("byteRange", Check::Status::Failed, f.suspicious.front())
                       : !f.missingBytes.empty() ? checks::makeCheck("byteRange", Check::Status::Failed, f.missingBytes)
                                                 : checks::makeCheck("byteRange", Check::Status::Passed));
    const std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges = f.ranges();
    std::map<int, Bytes> digestCache;
    auto rangeDigest = [&](const EVP_MD* md) -> const Bytes* {
      if (!md) return nullptr;
      auto found = digestCache.find(EVP_MD_get_type(md));
      if (found == digestCache.end()) {
        cms::ContentDigests d;
        d.need(md);
        d.computeFromRanges(file, ranges);
        found = digestCache.emplace(EVP_MD_get_type(md), *d.get(md)).first;
      }
      return &found->second;
    };

    if (f.docTimestamp) {
      documentTimestamp(r, f, rangeDigest, options, now);
    } else {
      ossl::Cms cmsObj;
      try {
        cmsObj = cms::parseDer(f.contents, file.string());
      } catch (const Error& e) {
        r.indication = Indication::TotalFailed;
        r.subIndication = SubIndication::FormatFailure;
        r.checks.push_back(checks::makeCheck(
            "contents", Check::Status::Failed,
            Note{"contents-not-cms", N_("the /Contents is not a CMS structure: {reason}"), {{"reason", e.detail()}}}));
        r.messages.push_back(Note{"contents-unreadable", N_("The signature value in /Contents cannot be read.")});
        report.signatures.push_back(std::move(r));
        continue;
      }
      STACK_OF(CMS_SignerInfo)* sis =
          OBJ_obj2nid(CMS_get0_type(cmsObj.get())) == NID_pkcs7_signed ? CMS_get0_SignerInfos(cmsObj.get()) : nullptr;
      if (!sis || sk_CMS_SignerInfo_num(sis) < 1) {
        r.indication = Indication::TotalFailed;
        r.subIndication = SubIndication::FormatFailure;
        r.checks.push_back(
            checks::makeCheck("contents", Check::Status::Failed,
                              Note{"contents-no-signer", N_("the CMS in /Contents holds no SignerInfo")}));
        r.messages.push_back(Note{"contents-no-signer-message", N_("The signature in /Contents holds no signer.")});
        report.signatures.push_back(std::move(r));
        continue;
      }
      // Identification of the signing certificate (EN 319 102-1 §5.2.3):
      // the certificate in the signature first; only a SignerInfo whose
      // certificate is not embedded looks in the certificates the user gave
      // (VerifyOptions::extraCertificates, never trusted: OpenSSL prefers
      // given certificates to embedded ones, hence two passes).
      CMS_set1_signers_certs(cmsObj.get(), nullptr, 0);
      if (!options.extraCertificates.empty()) {
        ossl::BorrowedX509Stack given(sk_X509_new_null());
        for (const auto& c : options.extraCertificates) {
          if (given) sk_X509_push(given.get(), c.native());
        }
        if (given) CMS_set1_signers_certs(cmsObj.get(), given.get(), CMS_NOINTERN);
      }
      ERR_clear_error();
      // ISO 32000-1 §12.8.3.3.1 allows one SignerInfo.  PoDoFo's podofosign
      // writes two by the same certificate (two digests); that is tolerated
      // when every one verifies, and reported.  Different signers are not.
      const int signerCount = sk_CMS_SignerInfo_num(sis);
      bool sameSigner = true;
      for (int k = 1; k < signerCount; ++k) {
        X509* a = nullptr;
        X509* b = nullptr;
        CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, 0), nullptr, &a, nullptr, nullptr);
        CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, k), nullptr, &b, nullptr, nullptr);
        sameSigner = sameSigner && a && b && X509_cmp(a, b) == 0;
      }
      if (!sameSigner) {
        r.indication = Indication::TotalFailed;
        r.subIndication = SubIndication::FormatFailure;
        r.checks.push_back(
            checks::makeCheck("contents", Check::Status::Failed,
                              Note{"contents-several-signers",
                                   N_("the CMS in /Contents holds {count} SignerInfos by different signers"),
                                   {{"count", std::to_string(signerCount)}}}));
        r.messages.push_back(
            Note{"contents-several-signers-message",
                 N_("The signature in /Contents holds several different signers; a PDF signature has one.")});
        report.signatures.push_back(std::move(r));
        continue;
      }
      // The certificates in the signature; checks::signerCertificate and
      // checks::signatureTimestamps add VerifyOptions::extraCertificates as
      // untrusted chain material themselves.
      cms::VerifyContext vc{options, cms::certificatesOf(cmsObj.get()), now, "PAdES"};
      CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, 0);
      cms::DigestFn contentDigest = rangeDigest;
      Bytes sha1Content;
      std::optional<Note> sha1Problem;
      if (f.subFilter == "adbe.pkcs7.sha1") {
        // The encapsulated content is the SHA-1 of the byte ranges (ISO 32000-1 §12.8.3.3.1).
        ASN1_OCTET_STRING** ec2 = CMS_get0_content(cmsObj.get());
        if (ec2 && *ec2) sha1Content.assign(ASN1_STRING_get0_data(*ec2), ASN1_STRING_get0_data(*ec2) + ASN1_STRING_length(*ec2));
        const Bytes* actual = rangeDigest(EVP_sha1());
        if (!actual || sha1Content != *actual) {
          sha1Problem =
              Note{"sha1-content-mismatch", N_("the SHA-1 digest inside the signature does not match the document")};
        }
        contentDigest = [&sha1Content, cache = std::map<int, Bytes>()](const EVP_MD* md) mutable -> const Bytes* {
          if (!md) return nullptr;
          auto [it2, inserted] = cache.emplace(EVP_MD_get_type(md), Bytes());
          if (inserted) it2->second = cms::ContentDigests::hash(md, sha1Content.data(), sha1Content.size());
          return &it2->second;
        };
      } else if (f.subFilter != "adbe.pkcs7.detached" && f.subFilter != "ETSI.CAdES.detached") {
        r.messages.push_back(
            Note{"unknown-subfilter", N_("Unknown signature SubFilter /{subFilter}."), {{"subFilter", f.subFilter}}});
      }
      SignatureReport c = cms::verifySignerInfo(si, f.field.name, vc, contentDigest);
      for (int k = 1; k < signerCount; ++k) {
        const SignatureReport extra = cms::verifySignerInfo(sk_CMS_SignerInfo_value(sis, k), f.field.name, vc, contentDigest);
        if (extra.indication == Indication::TotalFailed && c.indication != Indication::TotalFailed) {
          c.indication = extra.indication;
          c.subIndication = extra.subIndication;
        }
      }
      if (signerCount > 1) {
        c.messages.push_back(
            Note{"several-signer-infos",
                 N_("The signature holds {count} signer infos by the same certificate; each was checked."),
                 {{"count", std::to_string(signerCount)}}});
      }
      if (f.subFilter != "ETSI.CAdES.detached") {
        // PAdES baseline levels (EN 319 142-1) need ETSI.CAdES.detached.
        c.level = "-";
        c.messages.push_back(Note{"not-pades-baseline",
                                  N_("A PDF signature of type /{subFilter}, not a PAdES baseline signature."),
                                  {{"subFilter", f.subFilter}}});
      }
      c.signingTime = c.signingTime ? c.signingTime : r.signingTime;
      c.checks.insert(c.checks.begin(), r.checks.begin(), r.checks.end());
      c.messages.insert(c.messages.begin(), r.messages.begin(), r.messages.end());
      r = std::move(c);
      if (sha1Problem) {
        // The digest of the document is the encapsulated content here: it is
        // the messageDigest check that fails (EN 319 102-1 §5.2.7).
        for (auto& c2 : r.checks) {
          if (c2.id == "messageDigest") c2 = checks::makeCheck("messageDigest", Check::Status::Failed, *sha1Problem);
        }
        r.indication = Indication::TotalFailed;
        r.subIndication = SubIndication::HashFailure;
        r.messages.push_back(*sha1Problem);
      }
    }

    if (!f.missingBytes.empty()) {
      // Signed bytes cut from the file: the digest over what is left cannot
      // match (it failed above); the sub-indication is HASH_FAILURE, the
      // signed data changed, whatever else failed later in the order.
      r.messages.push_back(f.missingBytes);
      if (r.indication != Indication::TotalFailed || r.subIndication != SubIndication::HashFailure) {
        r.indication = Indication::TotalFailed;
        r.subIndication = SubIndication::HashFailure;
      }
    }

    if (!f.suspicious.empty()) {
      for (const auto& m : f.suspicious) r.messages.push_back(m);
      if (r.indication != Indication::TotalFailed) {
        r.indication = Indication::TotalFailed;
        r.subIndication = SubIndication::FormatFailure;
      }
    }

    report.signatures.push_back(std::move(r));
  }

  // PAdES baseline levels (ETSI EN 319 142-1 §5.3, §5.4): B-T needs a
  // signature time-stamp, and one that failed proves nothing, so it does not
  // count; B-LT adds the validation data of a /DSS; B-LTA a document
  // time-stamp over the signature (a later revision) that did not fail.
  // Judged before the changes after each signature: a document time-stamp
  // followed by changes it does not allow still proves the revision it covers.
  for (std::size_t i = 0; i < fields.size(); ++i) {
    SignatureReport& r = report.signatures[i];
    if (fields[i].docTimestamp || r.level == "-" || !fields[i].problem.empty()) continue;
    if (r.level != "B-T" && r.level != "B-LT" && r.level != "B-LTA") continue;
    if (!checks::hasUsableSignatureTimestamp(r)) {
      r.level = "B-B";
      continue;
    }
    r.level = hasDss ? "B-LT" : "B-T";
    const bool laterDocTimestamp =
        std::any_of(fields.begin() + static_cast<std::ptrdiff_t>(i) + 1, fields.end(), [&](const Field& later) {
          const auto k = static_cast<std::size_t>(&later - fields.data());
          return later.docTimestamp && later.problem.empty() && later.end > fields[i].end &&
                 report.signatures[k].indication != Indication::TotalFailed;
        });
    if (r.level == "B-LT" && laterDocTimestamp) r.level = "B-LTA";
  }

  // What changed after each signature (pdf_diff.h).  A signature field
  // added later counts as signing only when its signature's integrity holds:
  // not TOTAL-FAILED, or TOTAL-FAILED for a reason other than its digest or
  // value (a document time-stamp by a certificate that is no TSA's still
  // added only a time-stamp; it just proves nothing).
  std::set<std::vector<std::int64_t>> intact;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].problem.empty() && fields[i].suspicious.empty() && fields[i].missingBytes.empty() &&
        (report.signatures[i].indication != Indication::TotalFailed ||
         integrityOf(report.signatures[i]) == Check::Status::Passed)) {
      intact.insert(fields[i].byteRange);
    }
  }
  const SignatureVerified verified = [&intact](const PdfVecObjects& objs, const PdfObject* sig) {
    const PdfObject* br = key(objs, sig, "ByteRange");
    if (!br || !br->IsArray()) return false;
    std::vector<std::int64_t> v;
    for (const auto& e : br->GetArray()) {
      const PdfObject* n = resolve(objs, &e);
      if (!n || !n->IsNumber()) return false;
      v.push_back(n->GetNumber());
    }
    return intact.count(v) != 0;
  };
  const bool objectsAfter = trailing && objectsAfterLastRevision(file, ends.back());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    if (!f.problem.empty()) continue;
    judgeChangesAfter(report.signatures[i], f, ChangeInputs{file, size, loaded ? &doc : nullptr, loadError, ends, verified,
                                                            revisionAt, objectsAfter});
  }
  report.computeOverall();
  return report;
}

Inspection inspectPdf(const fs::path& file) {
  Inspection in;
  in.file = file.string();
  in.format = "PAdES";
  in.packaging = "enveloped";
  std::error_code ec;
  const std::uint64_t size = fs::file_size(file, ec);
  PdfMemDocument doc;
  try {
    doc.Load(file.c_str());
    forgetInventedInfo(doc);
  } catch (const PdfError& e) {
    rethrowPdfError(e, file.string());
  }
  const PdfVecObjects& objects = doc.GetObjects();
  std::set<std::string> seenCerts;
  std::vector<std::pair<std::string, std::uint64_t>> signedEnds;  // signature id, end of its signed range
  for (const auto& sf : findSignatures(doc)) {
    const Field f = inspectField(objects, sf, file, size);
    if (f.end != 0) signedEnds.emplace_back(sf.name, f.end);
    InspectedSignature s;
    s.id = sf.name;
    s.level = f.docTimestamp ? "DocTimeStamp" : f.subFilter;
    s.signatureAlgorithm = "/" + f.subFilter;
    if (const auto m = parsePdfDate(textOf(key(objects, sf.value, "M")))) s.signingTime = m;
    if (!f.byteRange.empty()) {
      std::string br = "ByteRange [";
      for (std::size_t i = 0; i < f.byteRange.size(); ++i) br += (i ? " " : "") + std::to_string(f.byteRange[i]);
      s.signedAttributes.push_back(br + "]");
    }
    for (const char* k : {"Reason", "Location", "ContactInfo", "Name"}) {
      const std::string v = textOf(key(objects, sf.value, k));
      if (!v.empty()) s.signedAttributes.push_back(std::string(k) + ": " + v);
    }
    if (!f.problem.empty()) s.unsignedAttributes.push_back(f.problem.translated());
    try {
      ossl::Cms c = cms::parseDer(f.contents, file.string());
      for (const auto& cert : cms::certificatesOf(c.get())) {
        if (seenCerts.insert(cert.sha256Fingerprint()).second) in.certificates.push_back(cert);
      }
      CMS_set1_signers_certs(c.get(), nullptr, 0);
      ERR_clear_error();
      STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(c.get());
      if (sis && sk_CMS_SignerInfo_num(sis) > 0) {
        CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, 0);
        X509* signer = nullptr;
        X509_ALGOR* dig = nullptr;
        CMS_SignerInfo_get0_algs(si, nullptr, &signer, &dig, nullptr);
        if (signer) s.signer.emplace(signer);
        s.digestAlgorithm = cms::algorithmName(dig);
        if (!f.docTimestamp) s.level = cms::levelOf(si) + " (/" + f.subFilter + ")";
      }
    } catch (const Error&) {
      // Inspection holds sentences (format.h), not notes: the code's text, translated.
      s.unsignedAttributes.push_back(
          Note{"contents-unreadable", N_("the signature value in /Contents cannot be read")}.translated());
    }
    in.signatures.push_back(std::move(s));
  }
  // Revisions and what each changed.
  const auto ends = revisionEnds(file);
  std::unique_ptr<PdfMemDocument> previous;
  for (std::size_t i = 0; i < ends.size(); ++i) {
    Inspection::Revision rev;
    rev.end = ends[i];
    for (const auto& [id, end] : signedEnds) {
      if (end == rev.end) rev.signedBy.push_back(id);
    }
    try {
      const Bytes bytes = readFileRange(file, 0, ends[i]);
      auto current = loadRevision(bytes);
      if (previous) {
        // Inspection validates nothing: every signature counts as signed here.
        const SignedRoles roles(*previous);
        const DiffResult d = diffRevision(roles, *previous, *current, *current,
                                          [](const PdfVecObjects&, const PdfObject*) { return true; }, FieldLock{});
        rev.level = d.level;
        rev.changes = d.changes;
      }
      previous = std::move(current);
    } catch (const PdfError& e) {
      rev.unreadable = PdfError::ErrorName(e.GetError());
      previous.reset();
    }
    in.revisions.push_back(std::move(rev));
  }
  return in;
}

}  // namespace securedoc::pdf
