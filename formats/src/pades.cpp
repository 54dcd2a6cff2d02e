// PAdES on PoDoFo 0.9.8.  Signing follows the call order of PoDoFo's own
// podofosign (tools/podofosign/podofosign.cpp at tag 0.9.8) up to the writing of the update, whose
// cross-reference section we make ourselves (see "incremental update"
// below); the scratch file written in phase 1 is
// patched in phase 3 at the /Contents gap, so no PoDoFo state is kept
// between the phases.  Verification reads every signature field and checks
// it against the bytes of its own revision.
#include "cms_support.h"
#include "der.h"
#include "ltv.h"
#include "pades_verify.h"
#include "pdf_dss.h"
#include "pdf_objects.h"
#include "pdf_revision_analysis.h"
#include "pdf_signature_fields.h"

#include <securedoc/base/file.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/timestamp.h>
#include <securedoc/formats/pades.h>
#include <securedoc/i18n.h>

#include <podofo/podofo.h>

#include <openssl/err.h>

#include <algorithm>
#include <fstream>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unistd.h>

namespace securedoc {

namespace fs = std::filesystem;
using namespace PoDoFo;
using namespace cms;
using pdf::quietPodofo;

namespace {

bool hasPdfHeader(const ContentSniff& c) {
  // ISO 32000-1 §7.5.2: the header; readers accept it within the first 1024 bytes.
  // A DER structure (a CMS that carries a PDF) is not a PDF itself.
  if (!c.head.empty() && (c.head[0] == 0x30 || startsWith(c.head, "-----BEGIN"))) return false;
  const std::string_view magic = "%PDF-";
  const std::size_t window = std::min<std::size_t>(c.head.size(), 1024);
  const auto it = std::search(c.head.begin(), c.head.begin() + static_cast<std::ptrdiff_t>(window), magic.begin(),
                              magic.end(), [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); });
  return it != c.head.begin() + static_cast<std::ptrdiff_t>(window);
}

/// ISO 32000-1 §7.9.4, in UTC.
std::string pdfDateUtc(std::time_t t) { return formatUtc(t, UtcLayout::PdfDate); }

PdfString utf8String(const std::string& s) { return PdfString(reinterpret_cast<const pdf_utf8*>(s.c_str())); }

[[noreturn]] void throwWriteError(const fs::path& file, int err) {
  throw Error(Category::Io, format(tr("cannot write the file: {0}"), {std::strerror(err)}), file.string());
}

/// Writes `data` into `file` at `offset`; with `truncate`, `data` becomes
/// the whole file.  With `endsFile`, the file is cut right after `data`.
void writeAt(const fs::path& file, std::uint64_t offset, const std::string& data, bool truncate,
             bool endsFile = false) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC | (truncate ? O_TRUNC : 0)));
  if (fd.get() < 0)
    throw Error(Category::Io, format(tr("cannot write the file: {0}"), {std::strerror(errno)}), file.string());
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd.get(), data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throwWriteError(file, n < 0 ? errno : EIO);
    done += static_cast<std::size_t>(n);
  }
  if (endsFile && ::ftruncate(fd.get(), static_cast<off_t>(offset + data.size())) != 0) throwWriteError(file, errno);
  if (const int err = fd.close()) throwWriteError(file, err);
}

// ------------------------------------------------- incremental update ---
//
// PoDoFo 0.9.8's PdfMemDocument::WriteUpdate() handles an input whose last
// cross-reference section is a stream (ISO 32000-1 §7.5.8; every PDF 1.5+
// file with object streams) or that is linearized by re-listing every object
// in a classic table without /Prev: objects that were in object streams are
// written again in full, the earlier revisions drop out of the /Prev chain,
// and the offsets of the other objects are guessed from where their "obj"
// keyword ended.  So we drive PdfWriter ourselves, writing only what changed,
// and then replace the section it appended (ISO 32000-1 §7.5.6):
//   - a cross-reference stream after a stream, a table after a table (a
//     hybrid file's last section is a table, §7.5.8.4): some readers (Adobe,
//     Apple) refuse a /Prev chain that mixes the two forms;
//   - /Prev to the input's last section, and the previous trailer's entries
//     (/Root, /Info, /ID...) but /Prev, /XRefStm and the stream's own keys;
//   - /Size one past the highest object number of the whole file;
//   - /ID: the first string kept (§14.4), the second new.

/// The last cross-reference section of the input, which the update chains to.
struct PreviousSection {
  std::uint64_t offset = 0;  ///< the input's last startxref
  bool stream = false;       ///< a cross-reference stream (§7.5.8), else a table (§7.5.4)
};

bool isPdfWhiteSpace(char c) {
  // ISO 32000-1 §7.2.2, Table 1.
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

/// Reads the input's last startxref (ISO 32000-1 §7.5.5) and looks at the
/// section it points to.  `tail` is the end of the file, `at(offset, n)`
/// reads n bytes from an offset; `device` is the input for PoDoFo's parser.
PreviousSection previousSection(std::string_view tail, std::uint64_t size,
                                const std::function<std::string(std::uint64_t, std::size_t)>& at,
                                const PdfRefCountedInputDevice& device, const std::string& file) {
  const auto damaged = [&] {
    return Error(Category::Malformed, tr("the PDF's last cross-reference section cannot be found"), file);
  };
  const std::size_t kw = tail.rfind("startxref");
  if (kw == std::string_view::npos) throw damaged();
  std::size_t i = kw + 9;
  while (i < tail.size() && isPdfWhiteSpace(tail[i])) ++i;
  std::uint64_t offset = 0;
  std::size_t digits = 0;
  for (; i < tail.size() && tail[i] >= '0' && tail[i] <= '9' && digits < 19; ++i, ++digits) {
    offset = offset * 10 + static_cast<std::uint64_t>(tail[i] - '0');
  }
  if (digits == 0 || offset >= size) throw damaged();
  PreviousSection prev;
  prev.offset = offset;
  const std::string head = at(offset, static_cast<std::size_t>(std::min<std::uint64_t>(size - offset, 64)));
  std::size_t j = 0;
  while (j < head.size() && isPdfWhiteSpace(head[j])) ++j;
  if (head.compare(j, 4, "xref") == 0) return prev;
  // Not a table: it must be an indirect object, a stream of /Type /XRef.
  try {
    PdfVecObjects owner;
    PdfRefCountedBuffer buffer(4096);  // the tokenizer's work space, as PdfParser's
    PdfParserObject section(&owner, device, buffer, static_cast<pdf_long>(offset));
    section.ParseFile(nullptr);
    const PdfObject* type = section.IsDictionary() ? section.GetDictionary().GetKey("Type") : nullptr;
    prev.stream = type && type->IsName() && type->GetName() == PdfName("XRef");
  } catch (const PdfError&) {
    prev.stream = false;
  }
  if (!prev.stream) throw damaged();
  return prev;
}

/// One entry of a cross-reference section (ISO 32000-1 §7.5.4 and Table 18).
struct XrefEntry {
  bool inUse = false;
  std::uint64_t offset = 0;  ///< in use: byte offset; free: next free object number
  std::uint32_t generation = 0;
};

/// The cross-reference table PdfWriter appended at `at` in `update`, as
/// object number -> entry (its trailer is not needed: ours replaces it).
std::map<std::uint32_t, XrefEntry> parseWrittenTable(std::string_view update, std::size_t at, const std::string& file) {
  const auto broken = [&] {
    return Error(Category::Internal, "PoDoFo wrote an unreadable cross-reference table", file);
  };
  std::size_t i = at;
  const auto token = [&]() -> std::string_view {
    while (i < update.size() && isPdfWhiteSpace(update[i])) ++i;
    const std::size_t start = i;
    while (i < update.size() && !isPdfWhiteSpace(update[i])) ++i;
    return update.substr(start, i - start);
  };
  const auto number = [&](std::string_view t) {
    std::uint64_t v = 0;
    if (t.empty() || t.size() > 19) throw broken();
    for (char c : t) {
      if (c < '0' || c > '9') throw broken();
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
  };
  if (token() != "xref") throw broken();
  std::map<std::uint32_t, XrefEntry> entries;
  for (;;) {
    const std::string_view first = token();
    if (first == "trailer") break;
    const std::uint64_t start = number(first);
    const std::uint64_t count = number(token());
    if (start + count > std::numeric_limits<std::uint32_t>::max()) throw broken();
    for (std::uint64_t k = 0; k < count; ++k) {
      XrefEntry e;
      e.offset = number(token());
      const std::uint64_t gen = number(token());
      const std::string_view kind = token();
      if (gen > 65535 || (kind != "n" && kind != "f")) throw broken();
      e.generation = static_cast<std::uint32_t>(gen);
      e.inUse = kind == "n";
      entries[static_cast<std::uint32_t>(start + k)] = e;
    }
  }
  return entries;
}

/// Consecutive runs of object numbers: the subsections of a table, the
/// /Index of a stream (ISO 32000-1 §7.5.4, §7.5.8.2).
std::vector<std::pair<std::uint32_t, std::uint32_t>> subsections(const std::map<std::uint32_t, XrefEntry>& entries) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
  for (const auto& [n, e] : entries) {
    (void)e;
    if (!runs.empty() && runs.back().first + runs.back().second == n) {
      ++runs.back().second;
    } else {
      runs.emplace_back(n, 1);
    }
  }
  return runs;
}

/// The trailer of the update: the previous trailer's entries but those that
/// belong to one section only, then /Size, /Prev and /ID (ISO 32000-1
/// §7.5.6: "The added trailer shall contain all the entries except the Prev
/// entry (if present) from the previous trailer").
PdfDictionary updateTrailer(const PdfObject& previous, std::uint64_t size, std::uint64_t prev, const Bytes& newId) {
  // /XRefStm (§7.5.8.4) and the stream dictionary's own keys (§7.3.8.2,
  // Table 17) describe the previous section, not this one.
  static const char* const kSectionKeys[] = {"Prev",   "XRefStm",     "Type", "W",       "Index",        "Length",
                                             "Filter", "DecodeParms", "F",    "FFilter", "FDecodeParms", "DL"};
  PdfDictionary trailer;
  if (previous.IsDictionary()) {
    for (const auto& entry : previous.GetDictionary().GetKeys()) {
      const PdfName& name = entry.first;
      const bool own = std::any_of(std::begin(kSectionKeys), std::end(kSectionKeys),
                                   [&name](const char* k) { return name == PdfName(k); });
      if (!own) trailer.AddKey(name, *entry.second);
    }
  }
  trailer.AddKey(PdfName::KeySize, static_cast<pdf_int64>(size));
  trailer.AddKey("Prev", static_cast<pdf_int64>(prev));
  // §14.4: "the first byte string shall be a permanent identifier ... the
  // second ... a changing identifier", computed anew for each update.
  const PdfString changing(reinterpret_cast<const char*>(newId.data()), static_cast<pdf_long>(newId.size()), true);
  PdfArray id;
  const PdfObject* old = previous.IsDictionary() ? previous.GetDictionary().GetKey("ID") : nullptr;
  if (old && old->IsArray() && old->GetArray().size() == 2 &&
      (old->GetArray()[0].IsString() || old->GetArray()[0].IsHexString())) {
    id.push_back(old->GetArray()[0]);
  } else {
    id.push_back(changing);
  }
  id.push_back(changing);
  trailer.AddKey("ID", id);
  return trailer;
}

std::string serialise(const PdfDictionary& dict, EPdfWriteMode mode) {
  std::string out;
  PdfVariant(dict).ToString(out, mode);
  return out;
}

/// Where PdfWriter's cross-reference table starts in `update`, from the
/// startxref it wrote (ISO 32000-1 §7.5.5); `base` is the input's size.
std::size_t writtenTableAt(const std::string& update, std::uint64_t base, const std::string& file) {
  const std::size_t kw = update.rfind("startxref");
  if (kw == std::string::npos) throw Error(Category::Internal, "PoDoFo wrote no startxref", file);
  std::uint64_t written = 0;
  {
    std::size_t i = kw + 9;
    while (i < update.size() && isPdfWhiteSpace(update[i])) ++i;
    for (; i < update.size() && update[i] >= '0' && update[i] <= '9'; ++i) {
      written = written * 10 + static_cast<std::uint64_t>(update[i] - '0');
    }
  }
  if (written < base || written - base >= kw)
    throw Error(Category::Internal, "PoDoFo's startxref is outside its update", file);
  return static_cast<std::size_t>(written - base);
}

/// The update's /Size: the previous trailer's, or more if an object
/// numbered past it exists (ISO 32000-1 §7.5.5, Table 15).
std::uint64_t updateSize(const PdfObject& previousTrailer, std::uint64_t objectsEnd,
                         const std::map<std::uint32_t, XrefEntry>& entries) {
  std::uint64_t size = 1;
  const PdfObject* oldSize =
      previousTrailer.IsDictionary() ? previousTrailer.GetDictionary().GetKey(PdfName::KeySize) : nullptr;
  if (oldSize && oldSize->IsNumber() && oldSize->GetNumber() > 0)
    size = static_cast<std::uint64_t>(oldSize->GetNumber());
  // Past every object PoDoFo knows too, in case the input's /Size was short.
  size = std::max(size, objectsEnd);
  if (!entries.empty()) size = std::max<std::uint64_t>(size, entries.rbegin()->first + 1ull);
  return size;
}

/// A new changing identifier (ISO 32000-1 §14.4): a digest of the objects of this update.
Bytes changingIdentifier(std::string_view objects) {
  Digester idDigest(DigestAlgorithm::Sha256);
  idDigest.update(objects);
  Bytes newId = idDigest.finish();
  newId.resize(16);
  return newId;
}

/// A classic section (ISO 32000-1 §7.5.4): "xref", subsections "first
/// count", 20-byte entries, then the trailer (§7.5.5).
std::string tableSection(const std::map<std::uint32_t, XrefEntry>& entries, const PdfDictionary& trailer,
                         EPdfWriteMode mode) {
  std::string out = "xref\n";
  for (const auto& [first, count] : subsections(entries)) {
    out += std::to_string(first) + ' ' + std::to_string(count) + '\n';
    for (std::uint32_t n = first; n < first + count; ++n) {
      const XrefEntry& e = entries.at(n);
      char line[32];
      std::snprintf(line, sizeof line, "%010llu %05u %c \n", static_cast<unsigned long long>(e.offset),
                    static_cast<unsigned>(e.generation), e.inUse ? 'n' : 'f');
      out += line;
    }
  }
  out += "trailer\n" + serialise(trailer, mode) + "\n";
  return out;
}

/// The bytes of a cross-reference stream's entries (ISO 32000-1 §7.5.8.2,
/// Table 18): type 0 (free: next free object, generation), type 1 (in use:
/// offset, generation); fields high-order byte first, the offset `width` bytes.
std::string streamEntries(const std::map<std::uint32_t, XrefEntry>& entries, int width) {
  std::string data;
  for (const auto& [n, e] : entries) {
    (void)n;
    data.push_back(static_cast<char>(e.inUse ? 1 : 0));
    for (int b = width - 1; b >= 0; --b) data.push_back(static_cast<char>((e.offset >> (8 * b)) & 0xFF));
    data.push_back(static_cast<char>((e.generation >> 8) & 0xFF));
    data.push_back(static_cast<char>(e.generation & 0xFF));
  }
  return data;
}

/// A cross-reference stream (ISO 32000-1 §7.5.8): an object of its own at
/// `sectionAt`, with an entry for itself (§7.5.8.3), numbered `size`, after
/// every other object; `dict` starts as the update's trailer, its /Size
/// counting the stream.
std::string streamSection(std::map<std::uint32_t, XrefEntry> entries, std::uint64_t sectionAt, std::uint64_t size,
                          PdfDictionary dict, EPdfWriteMode mode, const std::string& file) {
  const std::uint32_t self = static_cast<std::uint32_t>(size);
  if (self == std::numeric_limits<std::uint32_t>::max())
    throw Error(Category::Unsupported, tr("the PDF is too large to sign"), file);
  entries[self] = XrefEntry{true, sectionAt, 0};
  std::uint64_t widest = 0;
  for (const auto& [n, e] : entries) {
    (void)n;
    widest = std::max(widest, e.offset);
  }
  int width = 1;
  while (width < 8 && (widest >> (8 * width)) != 0) ++width;
  const std::string data = streamEntries(entries, width);
  dict.AddKey("Type", PdfName("XRef"));
  PdfArray w;
  w.push_back(static_cast<pdf_int64>(1));
  w.push_back(static_cast<pdf_int64>(width));
  w.push_back(static_cast<pdf_int64>(2));
  dict.AddKey("W", w);
  PdfArray index;
  for (const auto& [first, count] : subsections(entries)) {
    index.push_back(static_cast<pdf_int64>(first));
    index.push_back(static_cast<pdf_int64>(count));
  }
  dict.AddKey("Index", index);
  dict.AddKey("Length", static_cast<pdf_int64>(data.size()));
  // §7.3.8.1: "stream" then CRLF or LF, the data, an EOL, "endstream".
  return std::to_string(self) + " 0 obj\n" + serialise(dict, mode) + "\nstream\n" + data + "\nendstream\nendobj\n";
}

/// Replaces the cross-reference section PdfWriter appended to `update` (the
/// bytes after the input; `base` is the input's size) by the one the update
/// needs: a table or a stream, chained to `prev`.  Returns the new update.
std::string rewriteUpdateSection(const std::string& update, std::uint64_t base, const PreviousSection& prev,
                                 const PdfObject& previousTrailer, std::uint64_t objectsEnd, EPdfWriteMode mode,
                                 const std::string& file) {
  const std::size_t tableAt = writtenTableAt(update, base, file);
  const std::map<std::uint32_t, XrefEntry> entries = parseWrittenTable(update, tableAt, file);
  const std::uint64_t size = updateSize(previousTrailer, objectsEnd, entries);
  const Bytes newId = changingIdentifier(std::string_view(update).substr(0, tableAt));
  std::string out = update.substr(0, tableAt);
  const std::uint64_t sectionAt = base + tableAt;
  if (!prev.stream) {
    out += tableSection(entries, updateTrailer(previousTrailer, size, prev.offset, newId), mode);
  } else {
    out += streamSection(entries, sectionAt, size, updateTrailer(previousTrailer, size + 1, prev.offset, newId), mode,
                         file);
  }
  out += "startxref\n" + std::to_string(sectionAt) + "\n%%EOF\n";
  return out;
}

/// Where PoDoFo put the placeholders in the update it appended (`tail`,
/// starting at file offset `from` of a file of `total` bytes), and the real
/// /ByteRange to write over its placeholder.  PoDoFo's own AdjustByteRange()
/// assumes /ByteRange sits right before /Contents, which other keys
/// (/ContactInfo sorts between them) break, so this does it instead.
struct Placeholders {
  std::uint64_t byteRangeAt = 0;  ///< file offset of the /ByteRange placeholder
  std::string byteRange;          ///< same length as the placeholder
  std::uint64_t gapStart = 0;     ///< the /Contents hex string, brackets included
  std::uint64_t gapEnd = 0;
  std::uint64_t rest = 0;  ///< length of the second signed range
};

Placeholders locatePlaceholders(std::string_view tail, std::uint64_t from, std::uint64_t total,
                                const std::string& beacon, const std::string& file) {
  const std::size_t at = tail.rfind(beacon);
  if (beacon.empty() || at == std::string_view::npos || at == 0 || at + beacon.size() >= tail.size()) {
    throw Error(Category::Internal, "the /Contents placeholder was not written", file);
  }
  std::size_t open = at;
  while (open > 0 && tail[open] != '<') --open;
  std::size_t close = at + beacon.size();
  while (close < tail.size() && tail[close] != '>') ++close;
  if (tail[open] != '<' || close >= tail.size())
    throw Error(Category::Internal, "the /Contents placeholder is malformed", file);
  static constexpr std::string_view kPlaceholder = "[ 0 1234567890 1234567890 1234567890]";
  const std::size_t brAt = tail.rfind(kPlaceholder, open);
  if (brAt == std::string_view::npos)
    throw Error(Category::Internal, "the /ByteRange placeholder was not written", file);
  Placeholders p;
  p.gapStart = from + open;
  p.gapEnd = from + close + 1;
  p.rest = total - p.gapEnd;
  p.byteRangeAt = from + brAt;
  p.byteRange =
      "[0 " + std::to_string(p.gapStart) + " " + std::to_string(p.gapEnd) + " " + std::to_string(p.rest) + "]";
  if (p.byteRange.size() > kPlaceholder.size())
    throw Error(Category::Unsupported, tr("the PDF is too large to sign"), file);
  p.byteRange.insert(p.byteRange.size() - 1, kPlaceholder.size() - p.byteRange.size(), ' ');
  return p;
}

const char* appearanceFont(const std::string& file) {
  static const char* const kFonts[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                                       "/usr/share/fonts/TTF/DejaVuSans.ttf"};
  for (const char* f : kFonts) {
    if (::access(f, R_OK) == 0) return f;
  }
  throw Error(Category::Unsupported,
              tr("visible signatures need the DejaVu Sans font (Debian package fonts-dejavu-core)"), file);
}

}  // namespace

/// Only PNG and JPEG, told by their signatures (PNG spec §5.2; JPEG's SOI
/// marker), up to 8 MiB: PoDoFo would also take TIFF, which a person does
/// not mean here.
Bytes checkSignatureImage(const fs::path& image) {
  constexpr std::uintmax_t kMaxImage = 8U << 20U;
  std::error_code ec;
  const auto size = fs::file_size(image, ec);
  if (ec) {
    throw Error(Category::Usage, format(tr("the signature image cannot be read: {0}"), {ec.message()}), image.string());
  }
  if (size > kMaxImage) throw Error(Category::Usage, tr("the signature image is larger than 8 MiB"), image.string());
  Bytes bytes = readFile(image, kMaxImage);
  static constexpr std::uint8_t kPng[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  const bool png = bytes.size() >= sizeof kPng && std::equal(std::begin(kPng), std::end(kPng), bytes.begin());
  const bool jpeg = bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff;
  if (!png && !jpeg) throw Error(Category::Usage, tr("the signature image must be a PNG or JPEG file"), image.string());
  return bytes;
}

namespace {

/// The signer's picture for the box (checked by checkSignatureImage).
std::unique_ptr<PdfImage> loadAppearanceImage(PdfMemDocument& doc, const fs::path& image) {
  const Bytes bytes = checkSignatureImage(image);
  const bool png = bytes[0] == 0x89;
  auto out = std::make_unique<PdfImage>(&doc);
  try {
    if (png) {
      out->LoadFromPngData(bytes.data(), static_cast<pdf_long>(bytes.size()));
    } else {
      out->LoadFromJpegData(bytes.data(), static_cast<pdf_long>(bytes.size()));
    }
  } catch (const PdfError&) {
    throw Error(Category::Malformed, tr("the signature image is damaged"), image.string());
  }
  if (out->GetWidth() < 1 || out->GetHeight() < 1) {
    throw Error(Category::Malformed, tr("the signature image is damaged"), image.string());
  }
  return out;
}

/// The lines of the box, in the signer's language and time zone (the
/// process's): who, when, and why and where when given.
std::vector<std::string> appearanceLines(const std::string& signer, std::time_t when, const SignParams& params) {
  std::vector<std::string> lines = {tr("Signed electronically by"), signer,
                                    format(tr("Date: {0}"), {readableTimeWithOffset(when)})};
  if (!params.reason.empty()) lines.push_back(format(tr("Reason: {0}"), {params.reason}));
  if (!params.location.empty()) lines.push_back(format(tr("Location: {0}"), {params.location}));
  return lines;
}

/// The visible box (ISO 32000-1 §12.7.4.5, the widget's normal appearance):
/// a frame, the optional image at the left, and the lines in DejaVu Sans,
/// which covers Polish letters (the standard 14 fonts do not), embedded as a
/// subset with a ToUnicode map so readers can select and search the text.
void drawAppearance(PdfMemDocument& doc, PdfSignatureField& field, const SignParams& params, const std::string& signer,
                    std::time_t when, const std::string& file) {
  const SignParams::Visible& box = *params.visible;
  const char* fontFile = appearanceFont(file);
  // A subset keeps the file small; PdfMemDocument::EmbedSubsetFonts embeds it.
  PdfFont* font = doc.CreateFontSubset("DejaVu Sans", false, false, false,
                                       PdfEncodingFactory::GlobalIdentityEncodingInstance(), fontFile);
  if (!font) throw Error(Category::Unsupported, tr("the font for the visible signature cannot be loaded"), file);
  const std::unique_ptr<PdfImage> image = box.image.empty() ? nullptr : loadAppearanceImage(doc, box.image);
  PdfXObject appearance(PdfRect(0, 0, box.width, box.height), &doc);
  PdfPainter painter;
  painter.SetPage(&appearance);
  painter.SetStrokingColor(PdfColor(0.15, 0.25, 0.55));
  painter.SetStrokeWidth(1.0);
  painter.Rectangle(0.5, 0.5, box.width - 1.0, box.height - 1.0);
  painter.Stroke();
  constexpr double kPad = 4.0;
  double textLeft = kPad;
  if (image) {
    // At most 40 % of the width, proportions kept, centred vertically.
    const double room = std::max(1.0, box.height - 2 * kPad);
    const double scale = std::min(room / image->GetHeight(), box.width * 0.4 / image->GetWidth());
    const double w = image->GetWidth() * scale;
    const double h = image->GetHeight() * scale;
    painter.DrawImage(kPad, (box.height - h) / 2, image.get(), scale, scale);
    textLeft = kPad + w + kPad;
  }
  const std::vector<std::string> lines = appearanceLines(signer, when, params);
  // As large as fits: every line's height and the widest line's width.
  double size = std::min(11.0, (box.height - 2 * kPad) / (1.2 * static_cast<double>(lines.size())));
  font->SetFontSize(1.0F);
  double widest = 0;
  for (const auto& line : lines) widest = std::max(widest, font->GetFontMetrics()->StringWidth(utf8String(line)));
  if (widest > 0) size = std::min(size, (box.width - textLeft - kPad) / widest);
  size = std::max(size, 1.0);
  font->SetFontSize(static_cast<float>(size));
  painter.SetFont(font);
  painter.SetColor(PdfColor(0.0, 0.0, 0.0));
  // The block of lines centred vertically; its first baseline one size down.
  const double block = size * 1.2 * static_cast<double>(lines.size());
  double y = (box.height + block) / 2 - size;
  for (const auto& line : lines) {
    painter.DrawText(textLeft, y, utf8String(line));
    y -= size * 1.2;
  }
  painter.FinishPage();
  field.SetAppearanceStream(&appearance);
}

/// The validation material of a B-LT signature (ETSI EN 319 142-1 §5.4):
/// the paths of the signer's certificate and of the TSA certificates of its
/// signature time-stamps, with revocation data for them (ltv::collect).
ltv::Material longTermMaterial(CMS_ContentInfo* cms, CMS_SignerInfo* si, const SignParams& params,
                               const std::string& file) {
  X509* signerX509 = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, &signerX509, nullptr, nullptr);
  if (!signerX509) {
    throw Error(Category::Unsupported, tr("the signature does not carry its signing certificate"), file);
  }
  std::vector<Certificate> pool = certificatesOf(cms);
  // The CMS and the tokens carry their chains without the root, which the
  // paths must reach; the trust anchors given for the time-stamps are the
  // roots at hand (the certificates themselves are checked by signature).
  pool.insert(pool.end(), params.tsaTrustAnchors.begin(), params.tsaTrustAnchors.end());
  std::vector<Certificate> leaves{Certificate(signerX509)};
  for (const Bytes& token : unsignedAttributeValues(si, NID_id_smime_aa_timeStampToken)) {
    for (const Certificate& c : ltv::tokenCertificates(token)) {
      pool.push_back(c);
      leaves.push_back(c);
    }
  }
  return ltv::collect(leaves, pool, params, file);
}

class PadesPending final : public PendingSignature {
 public:
  ~PadesPending() override {
    if (!scratch.empty()) ::unlink(scratch.c_str());
  }
  const Bytes& digestToSign() const override { return draft.tbsDigest; }
  SignatureScheme scheme() const override { return draft.scheme; }
  void finish(const Bytes& value, AtomicFile& out) override;

  Draft draft;
  fs::path input;
  fs::path scratch;      ///< the prepared PDF, /Contents still a placeholder (large inputs)
  std::string prepared;  ///< the same in memory (small inputs: no scratch file)
  std::uint64_t contentsOffset = 0;
  std::uint64_t contentsLength = 0;
  SignParams params;
};

/// Room for a document time-stamp's token with its TSA's chain (a few KiB).
constexpr std::size_t kDocTimestampSize = 20480;

/// Room for the CMS in /Contents: certificates, the value, attributes and,
/// for B-T, a time-stamp token with its own chain.
std::size_t placeholderSize(const OfferedCertificate& cert, SignatureLevel level) {
  std::size_t n = 4096 + cert.certificate.der().size();
  for (const auto& c : cert.chain) n += c.der().size();
  if (level != SignatureLevel::B_B) n += 16384;
  return (n + 1023) / 1024 * 1024;
}

std::set<std::string> existingFieldNames(PdfAcroForm* form) {
  std::set<std::string> names;
  PdfObject* fields = form->GetObject()->GetIndirectKey("Fields");
  if (!fields || !fields->IsArray()) return names;
  for (const auto& f : fields->GetArray()) {
    const PdfObject* field = f.IsReference() ? form->GetDocument()->GetObjects()->GetObject(f.GetReference()) : &f;
    if (!field || !field->IsDictionary()) continue;
    const PdfObject* t = field->GetDictionary().GetKey("T");
    if (t && t->IsString()) names.insert(t->GetString().GetStringUtf8());
  }
  return names;
}

/// Inputs up to this size are prepared in memory, larger ones in a scratch file.
constexpr std::uint64_t kInMemory = 2u << 20;

/// An empty scratch file in the output folder (params.workDir, else the
/// input's folder), for a large input's prepared PDF; returns its name.
fs::path makeScratchFile(const fs::path& input, const SignParams& params) {
  const fs::path dir = params.workDir.empty() ? input.parent_path() : params.workDir;
  std::string tmpl = ((dir.empty() ? fs::path(".") : dir) / ("." + input.filename().string() + ".XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!UniqueFd(::mkstemp(buf.data()))) {
    throw Error(Category::Io, format(tr("cannot write in this folder: {0}"), {std::strerror(errno)}),
                dir.empty() ? std::string(".") : dir.string());
  }
  return buf.data();
}

/// Loads the input into `doc` (from `source`, read here, when in memory) and
/// finds its last cross-reference section; `base` becomes the size read.
PreviousSection loadInput(PdfMemDocument& doc, const fs::path& input, bool inMemory, Bytes& source, std::uint64_t& base,
                          const std::string& file) {
  if (inMemory) {
    source = readFile(input, kInMemory);
    base = source.size();
    doc.LoadFromBuffer(reinterpret_cast<const char*>(source.data()), static_cast<long>(source.size()), true);
    const std::string_view all(reinterpret_cast<const char*>(source.data()), source.size());
    return previousSection(
        all.substr(all.size() - std::min<std::size_t>(all.size(), 2048)), base,
        [&](std::uint64_t at, std::size_t n) { return std::string(all.substr(at, n)); },
        PdfRefCountedInputDevice(all.data(), all.size()), file);
  }
  doc.Load(file.c_str(), true);
  const std::uint64_t n = std::min<std::uint64_t>(base, 2048);
  const Bytes tail = readFileRange(input, base - n, n);
  return previousSection(
      std::string_view(reinterpret_cast<const char*>(tail.data()), tail.size()), base,
      [&](std::uint64_t at, std::size_t len) {
        const Bytes b = readFileRange(input, at, len);
        return std::string(b.begin(), b.end());
      },
      PdfRefCountedInputDevice(file.c_str(), "rb"), file);
}

/// The catalogue of a document that can take another signature: one with
/// pages, not certified with no changes allowed (ISO 32000-1 §12.8.2.2).
PdfObject* signableCatalog(PdfMemDocument& doc, const std::string& file) {
  if (doc.GetPageCount() < 1) throw Error(Category::Malformed, tr("the PDF has no pages"), file);
  PdfObject* catalog = doc.GetCatalog();
  const int mdp = pdf::docMdpPermission(doc);
  if (mdp == 1) {
    throw Error(Category::Policy,
                tr("the document is certified with no changes allowed; another signature would break it"), file);
  }
  return catalog;
}

/// The 0-based index of the visible signature's page, counted from the
/// start or, with `fromEnd`, from the last page; Error(Usage) when the PDF
/// has no such page.
int visiblePageIndex(const PdfMemDocument& doc, const SignParams::Visible& visible, const std::string& file) {
  const int count = doc.GetPageCount();
  const int index = visible.fromEnd ? count - visible.page : visible.page - 1;
  if (visible.page < 1 || index < 0 || index >= count) {
    if (visible.fromEnd) {
      throw Error(Category::Usage,
                  format(tr("the PDF has no page {0} from the end for the visible signature"), {visible.page}), file);
    }
    throw Error(Category::Usage, format(tr("the PDF has no page {0} for the visible signature"), {visible.page}), file);
  }
  return index;
}

/// The signature's widget annotation: on its page in its box for a visible
/// signature (both checked first), else on the first page.
PdfAnnotation* createWidget(PdfMemDocument& doc, const SignParams::Visible* visible, const std::string& file) {
  const int index = visible ? visiblePageIndex(doc, *visible, file) : 0;
  if (visible && (visible->width < 20 || visible->height < 10)) {
    throw Error(Category::Usage, tr("the visible signature needs a box of at least 20 x 10 points"), file);
  }
  PdfPage* page = doc.GetPage(index);
  // An invisible signature is a widget with an empty rectangle (ISO 32000-1
  // §12.7.4.5 allows it; it is what PoDoFo's podofosign writes).
  const PdfRect rect = visible ? PdfRect(visible->x, visible->y, visible->width, visible->height) : PdfRect(0, 0, 0, 0);
  PdfAnnotation* widget = page->CreateAnnotation(ePdfAnnotation_Widget, rect);
  widget->SetFlags(static_cast<EPdfAnnotationFlags>(ePdfAnnotationFlags_Print | ePdfAnnotationFlags_Locked));
  return widget;
}

/// The first of Signature1, Signature2... that no field has.
std::string newFieldName(const std::set<std::string>& names) {
  std::string name;
  for (int n = 1;; ++n) {
    name = "Signature" + std::to_string(n);
    if (!names.count(name)) break;
  }
  return name;
}

/// Makes the signature a certification with permission `p`: ISO 32000-1
/// §12.8.2.2, a DocMDP transform in the signature and /Perms in the catalogue.
void addCertification(PdfSignatureField& field, PdfObject& catalog, int p) {
  if (p < 1 || p > 3) throw Error(Category::Usage, tr("the certification permission is 1, 2 or 3"));
  PdfDictionary transform;
  transform.AddKey("Type", PdfName("TransformParams"));
  transform.AddKey("P", PdfObject(static_cast<pdf_int64>(p)));
  transform.AddKey("V", PdfName("1.2"));
  PdfDictionary sigRef;
  sigRef.AddKey("Type", PdfName("SigRef"));
  sigRef.AddKey("TransformMethod", PdfName("DocMDP"));
  sigRef.AddKey("TransformParams", transform);
  PdfArray refs;
  refs.push_back(PdfObject(sigRef));
  field.GetSignatureObject()->GetDictionary().AddKey("Reference", refs);
  PdfDictionary perms;
  perms.AddKey("DocMDP", field.GetSignatureObject()->Reference());
  catalog.GetDictionary().AddKey("Perms", perms);
}

/// The signature dictionary's filter, time, contact and signer's name.
void describeSignature(PdfSignatureField& field, const SignParams& params, const OfferedCertificate& cert,
                       std::time_t when) {
  PdfDictionary& sig = field.GetSignatureObject()->GetDictionary();
  // PoDoFo 0.9.8 writes adbe.pkcs7.detached; PAdES baseline wants this
  // (ETSI EN 319 142-1 §5.3).  The time goes in /M, not in signing-time.
  sig.AddKey("Filter", PdfName("Adobe.PPKLite"));
  sig.AddKey("SubFilter", PdfName("ETSI.CAdES.detached"));
  sig.AddKey("M", PdfString(pdfDateUtc(when)));
  if (!params.contactInfo.empty()) sig.AddKey("ContactInfo", utf8String(params.contactInfo));
  sig.AddKey("Name", utf8String(cert.certificate.commonName()));
}

/// What phase 1's PoDoFo part leaves for the rest of prepare().
struct WrittenUpdate {
  std::string beacon;
  std::uint64_t base = 0;  ///< where the update starts: the input's size
  PreviousSection prev;
  PdfObject previousTrailer;
  EPdfWriteMode writeMode = ePdfWriteMode_Default;
  std::uint64_t objectsEnd = 0;  ///< one past the highest object number PoDoFo knows
};

/// Not doc.WriteUpdate(): see "incremental update" above.  PdfWriter
/// copies the input, then appends the objects that changed (never the
/// whole table: no rewrite) and a classic section that we replace later.
void appendUpdate(PdfMemDocument& doc, PdfSignOutputDevice& signer, const WrittenUpdate& w, bool inMemory,
                  const Bytes& source, const std::string& file) {
  doc.EmbedSubsetFonts();
  PdfWriter writer(doc.PdfDocument::GetObjects(), doc.GetTrailer());
  writer.SetPdfVersion(doc.GetPdfVersion());
  writer.SetWriteMode(w.writeMode);
  writer.SetPrevXRefOffset(static_cast<pdf_int64>(w.prev.offset));
  const std::unique_ptr<PdfInputDevice> original =
      inMemory ? std::make_unique<PdfInputDevice>(reinterpret_cast<const char*>(source.data()), source.size())
               : std::make_unique<PdfInputDevice>(file.c_str());
  writer.WriteUpdate(&signer, original.get(), false);
  signer.Flush();
}

/// A document time-stamp's dictionary (ISO 32000-2 §12.8.5, Table 255;
/// ETSI EN 319 142-1 §5.4.3): /Type /DocTimeStamp, /SubFilter
/// /ETSI.RFC3161, its /Contents an RFC 3161 token over the byte ranges.
void describeDocumentTimestamp(PdfSignatureField& field) {
  PdfDictionary& sig = field.GetSignatureObject()->GetDictionary();
  sig.AddKey("Type", PdfName("DocTimeStamp"));
  sig.AddKey("Filter", PdfName("Adobe.PPKLite"));
  sig.AddKey("SubFilter", PdfName("ETSI.RFC3161"));
  sig.RemoveKey("M");
}

/// Phase 1 with PoDoFo: loads the input, adds the signature field with its
/// placeholders and writes the input and the update after it, into
/// `pending.prepared` (in memory) or the scratch file.  Without `cert`, the
/// field is an invisible document time-stamp.
WrittenUpdate writeSignatureField(PadesPending& pending, bool inMemory, std::uint64_t inputSize,
                                  const OfferedCertificate* cert, std::time_t when, const std::string& file) {
  const SignParams& params = pending.params;
  WrittenUpdate w;
  w.base = inputSize;
  PdfRefCountedBuffer memory;
  try {
    PdfMemDocument doc;
    Bytes source;
    w.prev = loadInput(doc, pending.input, inMemory, source, w.base, file);
    w.previousTrailer = *doc.GetTrailer();
    w.writeMode = doc.GetWriteMode();
    // A document time-stamp is allowed even where a certification allows no
    // changes (ISO 32000-2 §12.8.2.2: DocMDP P=1 still permits the /DSS and
    // document time-stamps of PAdES, EN 319 142-1 §5.4).
    if (!cert && doc.GetPageCount() < 1) throw Error(Category::Malformed, tr("the PDF has no pages"), file);
    PdfObject* catalog = cert ? signableCatalog(doc, file) : doc.GetCatalog();
    PdfAcroForm* form = doc.GetAcroForm(true);
    const std::set<std::string> names = existingFieldNames(form);
    if (cert && params.certifyPermission && (!pdf::findSignatures(doc).empty())) {
      throw Error(Category::Usage, tr("a certification signature must be the first signature in the document"), file);
    }
    form->GetObject()->GetDictionary().AddKey("SigFlags", PdfObject(static_cast<pdf_int64>(3)));
    const SignParams::Visible* visible = cert && params.visible ? &*params.visible : nullptr;
    PdfSignatureField field(createWidget(doc, visible, file), form, &doc);
    if (visible) drawAppearance(doc, field, params, cert->certificate.commonName(), when, file);
    field.SetFieldName(PdfString(newFieldName(names)));
    if (cert && !params.reason.empty()) field.SetSignatureReason(utf8String(params.reason));
    if (cert && !params.location.empty()) field.SetSignatureLocation(utf8String(params.location));

    std::unique_ptr<PdfOutputDevice> out = inMemory ? std::make_unique<PdfOutputDevice>(&memory)
                                                    : std::make_unique<PdfOutputDevice>(pending.scratch.c_str(), true);
    PdfSignOutputDevice signer(out.get());
    signer.SetSignatureSize(cert ? placeholderSize(*cert, params.level) : kDocTimestampSize);
    field.SetSignature(*signer.GetSignatureBeacon());
    if (cert) {
      if (params.certifyPermission) addCertification(field, *catalog, *params.certifyPermission);
      describeSignature(field, params, *cert, when);
    } else {
      describeDocumentTimestamp(field);
    }
    appendUpdate(doc, signer, w, inMemory, source, file);
    w.objectsEnd = doc.GetObjects().GetObjectCount();
    w.beacon = signer.GetSignatureBeacon()->data();
    if (inMemory) pending.prepared.assign(memory.GetBuffer(), out->GetLength());
  } catch (const PdfError& e) {
    pdf::rethrowPdfError(e, file);
  }
  return w;
}

/// The update PdfWriter appended after the input's `base` bytes, read back
/// from memory or from the scratch file.
std::string writtenUpdate(const PadesPending& pending, bool inMemory, std::uint64_t base, const std::string& file) {
  if (inMemory) {
    if (pending.prepared.size() < base) throw Error(Category::Internal, "PoDoFo wrote less than the input", file);
    return pending.prepared.substr(base);
  }
  std::error_code ec;
  const std::uint64_t written = fs::file_size(pending.scratch, ec);
  if (ec || written < base) throw Error(Category::Io, tr("cannot write the file"), pending.scratch.string());
  const Bytes b = readFileRange(pending.scratch, base, written - base);
  return std::string(b.begin(), b.end());
}

/// Puts the final update after the input in memory, fills /ByteRange and
/// returns the digest of the signed ranges.
Bytes completeInMemory(PadesPending& pending, const std::string& update, std::uint64_t base, std::uint64_t total,
                       const std::string& beacon, const std::string& file) {
  const SignParams& params = pending.params;
  std::string& pdfBytes = pending.prepared;
  pdfBytes.resize(base);
  pdfBytes += update;
  const auto ph = locatePlaceholders(update, base, total, beacon, file);
  pdfBytes.replace(ph.byteRangeAt, ph.byteRange.size(), ph.byteRange);
  pending.contentsOffset = ph.gapStart;
  pending.contentsLength = ph.gapEnd - ph.gapStart;
  Digester h(params.digest);
  h.update(pdfBytes.data(), ph.gapStart);
  h.update(pdfBytes.data() + ph.gapEnd, ph.rest);
  return h.finish();
}

/// The same in the scratch file: the final update written over PdfWriter's,
/// /ByteRange filled, the signed ranges digested from the file.
Bytes completeInScratch(PadesPending& pending, const std::string& update, std::uint64_t base, std::uint64_t total,
                        const std::string& beacon, const std::string& file) {
  const SignParams& params = pending.params;
  ContentDigests d;
  const EVP_MD* md = ossl::evpDigest(params.digest);
  d.need(md);
  writeAt(pending.scratch, base, update, false, true);
  const auto ph = locatePlaceholders(update, base, total, beacon, file);
  writeAt(pending.scratch, ph.byteRangeAt, ph.byteRange, false);
  pending.contentsOffset = ph.gapStart;
  pending.contentsLength = ph.gapEnd - ph.gapStart;
  d.computeFromRanges(pending.scratch, {{0, ph.gapStart}, {ph.gapEnd, ph.rest}});
  return *d.get(md);
}

/// Phase 1 for a signature (`cert`) or a document time-stamp (null): the
/// field and its placeholders appended to `pending.input` as an incremental
/// update, /ByteRange filled; returns the digest of the signed ranges.
Bytes prepareUpdate(PadesPending& pending, const OfferedCertificate* cert, std::time_t when, const std::string& file) {
  // Small PDFs are prepared in memory (a batch of many files then costs no
  // scratch files); large ones in a scratch file in the output folder, so
  // that phase 3 can rename it and memory stays flat.
  std::error_code sizeError;
  const std::uint64_t inputSize = fs::file_size(pending.input, sizeError);
  const bool inMemory = !sizeError && inputSize <= kInMemory;
  if (!inMemory) pending.scratch = makeScratchFile(pending.input, pending.params);

  const WrittenUpdate w = writeSignatureField(pending, inMemory, inputSize, cert, when, file);
  // The update without PdfWriter's cross-reference section, then ours; the
  // placeholders are found in it and /ByteRange filled only after this.
  std::string update = writtenUpdate(pending, inMemory, w.base, file);
  try {
    update = rewriteUpdateSection(update, w.base, w.prev, w.previousTrailer, w.objectsEnd, w.writeMode, file);
  } catch (const PdfError& e) {
    pdf::rethrowPdfError(e, file);
  }
  const std::uint64_t total = w.base + update.size();
  return inMemory ? completeInMemory(pending, update, w.base, total, w.beacon, file)
                  : completeInScratch(pending, update, w.base, total, w.beacon, file);
}

/// Phase 3's writing: `der` as hex into the /Contents placeholder of the
/// prepared PDF, written to `output` (the scratch file renamed to it).
void fillContents(PadesPending& pending, const Bytes& der, const fs::path& output, const std::string& file) {
  const std::string hex = toHex(der);
  if (hex.size() + 2 > pending.contentsLength) {
    throw Error(Category::Internal,
                format(tr("the signature ({0} bytes) does not fit the space reserved for it"), {der.size()}), file);
  }
  // The whole placeholder is rewritten: PoDoFo's beacon text is replaced by
  // the hex DER, padded with zeros (ISO 32000-1 §12.8.1 allows the padding).
  std::string padded = hex;
  padded.resize(static_cast<std::size_t>(pending.contentsLength - 2), '0');
  if (pending.scratch.empty()) {
    pending.prepared.replace(pending.contentsOffset + 1, padded.size(), padded);
    writeAt(output, 0, pending.prepared, true);
  } else {
    if (::rename(pending.scratch.c_str(), output.c_str()) != 0) {
      throw Error(Category::Io, format(tr("cannot write the file: {0}"), {std::strerror(errno)}), output.string());
    }
    pending.scratch.clear();
    writeAt(output, pending.contentsOffset + 1, padded, false);
  }
}

}  // namespace

// ------------------------------------------------------------- detection ---

bool PadesModule::isDefaultFor(const ContentSniff& c) const { return hasPdfHeader(c); }
bool PadesModule::canSign(const ContentSniff& c) const { return hasPdfHeader(c); }
bool PadesModule::recognises(const ContentSniff& c) const { return hasPdfHeader(c); }

fs::path PadesModule::outputName(const fs::path& input, Packaging) const {
  const std::string ext = input.has_extension() ? input.extension().string() : std::string(".pdf");
  return input.parent_path() / (input.stem().string() + "-signed" + ext);
}

// ------------------------------------------------------------------ sign ---

std::unique_ptr<PendingSignature> PadesModule::prepare(const fs::path& input, const SignParams& params,
                                                       const OfferedCertificate& cert) {
  quietPodofo();
  if (params.packaging != Packaging::Default && params.packaging != Packaging::Enveloped) {
    throw Error(Category::Usage, Note{"pades-mode-not-applicable",
                                      N_("PAdES signatures are inside the PDF; the {mode} mode does not apply"),
                                      {{"mode", packagingName(params.packaging)}}});
  }
  const std::string file = input.string();
  auto pending = std::make_unique<PadesPending>();
  pending->input = input;
  pending->params = params;
  const std::time_t when = params.signingTime.value_or(std::time(nullptr));
  const Bytes contentDigest = prepareUpdate(*pending, &cert, when, file);
  pending->draft = draftSignedData(contentDigest, params.digest, cert, std::nullopt, nullptr, params.rsaPss, file);
  return pending;
}

void PadesPending::finish(const Bytes& value, AtomicFile& out) {
  // Written into the AtomicFile's temporary file; a large PDF's scratch file
  // is renamed over it (AtomicFile follows the name).
  const fs::path& output = out.temporary();
  const std::string file = input.string();
  completeSignedData(draft, value, file);
  // B-T and above carry a signature time-stamp (ETSI EN 319 142-1 §5.3, §5.4).
  if (params.level != SignatureLevel::B_B) {
    addTimestamp(draft, params, file);
  }
  // B-LT: the validation material is gathered before anything is written,
  // so a file whose revocation data cannot be had is not written at all.
  std::optional<ltv::Material> material;
  if (params.level == SignatureLevel::B_LT || params.level == SignatureLevel::B_LTA)
    material = longTermMaterial(draft.cms.get(), draft.si, params, file);
  const Bytes der = toDer(draft.cms.get());
  fillContents(*this, der, output, file);
  // ETSI EN 319 142-1 §5.4.2: the material goes into the document security
  // store, one incremental update after the signed revision.
  if (material) pdf::appendDss(output, *material, der, file);
  // B-LTA (§5.5): a document time-stamp over all of it.
  if (params.level == SignatureLevel::B_LTA) pdf::appendDocumentTimestamp(output, params, file);
}

namespace pdf {

Bytes appendDocumentTimestamp(const fs::path& pdf, const SignParams& params, const std::string& file) {
  PadesPending pending;
  pending.input = pdf;
  pending.params = params;
  const Bytes rangeDigest = prepareUpdate(pending, nullptr, std::time(nullptr), file);
  // The token's imprint is the digest of the byte ranges (ISO 32000-2
  // §12.8.5), with the digest algorithm of the job.
  Bytes token;
  try {
    token = requestTimestampTokenForDigest(rangeDigest, timestampOptions(params));
  } catch (const Error& e) {
    throw e.withFile(file);
  }
  fillContents(pending, token, pdf, file);
  return token;
}

}  // namespace pdf

// ------------------------------------------------------ incremental update ---

namespace pdf {

void appendIncrementalUpdate(const fs::path& pdf, const std::string& file,
                             const std::function<void(PdfMemDocument&)>& edit) {
  quietPodofo();
  std::error_code ec;
  const std::uint64_t base = fs::file_size(pdf, ec);
  if (ec || base == 0) throw Error(Category::Io, format(tr("cannot read the file: {0}"), {ec.message()}), file);
  // PdfWriter copies the input before the objects it appends; the copy goes
  // into a scratch file beside the PDF and only the update is kept.
  SignParams scratchIn;
  scratchIn.workDir = pdf.parent_path();
  const fs::path scratch = makeScratchFile(pdf, scratchIn);
  struct Unlink {
    const fs::path& path;
    ~Unlink() { ::unlink(path.c_str()); }
  } unlinkScratch{scratch};
  PreviousSection prev;
  PdfObject previousTrailer;
  EPdfWriteMode mode = ePdfWriteMode_Default;
  std::uint64_t objectsEnd = 0;
  // PoDoFo stamps a new /ModDate into the /Info it loads (PdfInfo's
  // constructor), so it would write /Info again; the update leaves it as it
  // is: the object is taken out of what PdfWriter writes (and kept until the
  // document that still points at it is gone).
  std::unique_ptr<PdfObject> info;
  try {
    PdfMemDocument doc;
    doc.Load(pdf.c_str(), true);
    std::optional<PdfReference> infoRef;
    if (const PdfObject* i = rawKey(doc.GetTrailer(), "Info"); i && i->IsReference()) infoRef = i->GetReference();
    forgetInventedInfo(doc);
    const std::uint64_t n = std::min<std::uint64_t>(base, 2048);
    const Bytes tail = readFileRange(pdf, base - n, n);
    prev = previousSection(
        std::string_view(reinterpret_cast<const char*>(tail.data()), tail.size()), base,
        [&](std::uint64_t at, std::size_t len) {
          const Bytes b = readFileRange(pdf, at, len);
          return std::string(b.begin(), b.end());
        },
        PdfRefCountedInputDevice(pdf.c_str(), "rb"), file);
    previousTrailer = *doc.GetTrailer();
    mode = doc.GetWriteMode();
    edit(doc);
    if (infoRef) info.reset(doc.GetObjects().RemoveObject(*infoRef, false));
    // Our section's trailer replaces PdfWriter's (rewriteUpdateSection);
    // without /Info PdfWriter does not look for the object taken out.
    PdfObject writerTrailer(*doc.GetTrailer());
    writerTrailer.GetDictionary().RemoveKey("Info");
    {
      PdfOutputDevice device(scratch.c_str(), true);
      PdfWriter writer(doc.PdfDocument::GetObjects(), &writerTrailer);
      writer.SetPdfVersion(doc.GetPdfVersion());
      writer.SetWriteMode(mode);
      writer.SetPrevXRefOffset(static_cast<pdf_int64>(prev.offset));
      PdfInputDevice original(pdf.c_str());
      writer.WriteUpdate(&device, &original, false);
      device.Flush();
    }
    objectsEnd = doc.GetObjects().GetObjectCount();
  } catch (const PdfError& e) {
    rethrowPdfError(e, file);
  }
  const std::uint64_t written = fs::file_size(scratch, ec);
  if (ec || written < base) throw Error(Category::Io, tr("cannot write the file"), file);
  const Bytes b = readFileRange(scratch, base, written - base);
  std::string update;
  try {
    update = rewriteUpdateSection(std::string(b.begin(), b.end()), base, prev, previousTrailer, objectsEnd, mode, file);
  } catch (const PdfError& e) {
    rethrowPdfError(e, file);
  }
  writeAt(pdf, base, update, false, true);
}

}  // namespace pdf

// ---------------------------------------------------------------- extend ---

namespace {

/// One signature (not a document time-stamp) of a PDF being extended.
struct Raise {
  std::string id;
  Bytes cms;                ///< its /Contents without the padding
  std::string before;       ///< its level as the file has it
  bool timeProven = false;  ///< a signature time-stamp or a later document time-stamp
};

/// The PDF's signatures with their levels as the structure claims them
/// (ETSI EN 319 142-1 §5.3-§5.5: B-T by a signature time-stamp or a later
/// document time-stamp; B-LT with a /DSS; B-LTA with a document time-stamp
/// after that).  Every /Contents must read as CMS.
std::vector<Raise> signaturesToRaise(const std::vector<pdf::SignatureContents>& found, bool hasDss,
                                     const std::string& name) {
  std::vector<Raise> raises;
  for (std::size_t i = 0; i < found.size(); ++i) {
    const pdf::SignatureContents& sc = found[i];
    if (sc.docTimestamp) continue;
    const auto first = der::first(sc.contents);
    if (!first) throw Error(Category::Malformed, tr("the signature is not a valid CMS structure"), name);
    Raise r{sc.name, first->encodingBytes(), "B-B", false};
    ossl::Cms cms = parseDer(r.cms, name);
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
    if (!sis || sk_CMS_SignerInfo_num(sis) < 1) continue;
    const bool ownTimestamp = levelOf(sk_CMS_SignerInfo_value(sis, 0)) != "B-B";
    std::size_t laterStamps = 0;
    for (std::size_t k = i + 1; k < found.size(); ++k) laterStamps += found[k].docTimestamp ? 1 : 0;
    r.timeProven = ownTimestamp || laterStamps > 0;
    // A document time-stamp that gave B-T is not also the archive one.
    const std::size_t archiveStamps = ownTimestamp ? laterStamps : (laterStamps > 0 ? laterStamps - 1 : 0);
    r.before = !r.timeProven ? "B-B" : !hasDss ? "B-T" : archiveStamps > 0 ? "B-LTA" : "B-LT";
    raises.push_back(std::move(r));
  }
  return raises;
}

int rank(const std::string& level) { return level == "B-LTA" ? 3 : level == "B-LT" ? 2 : level == "B-T" ? 1 : 0; }

/// The validation material of every signature in `cmsDer` (its signer's and
/// its time-stamps' paths), for /DSS.
ltv::Material materialOf(const Bytes& cmsDer, const SignParams& params, const std::string& name) {
  ossl::Cms cms = parseDer(cmsDer, name);
  CMS_set1_signers_certs(cms.get(), nullptr, 0);
  ERR_clear_error();
  STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
  return longTermMaterial(cms.get(), sk_CMS_SignerInfo_value(sis, 0), params, name);
}

/// The paths of the time-stamping authorities of document time-stamps, for
/// /DSS (taken as they are when they name no revocation source, as for the
/// signature time-stamps' TSAs: ltv::collect).
ltv::Material timestampMaterial(const Bytes& token, const SignParams& params, const std::string& name) {
  std::vector<Certificate> pool = ltv::tokenCertificates(token);
  pool.insert(pool.end(), params.tsaTrustAnchors.begin(), params.tsaTrustAnchors.end());
  std::vector<Certificate> leaves;
  for (const Certificate& c : ltv::tokenCertificates(token)) {
    if (!c.isCa()) leaves.push_back(c);
  }
  return ltv::collect(leaves, pool, params, name, false);
}

}  // namespace

std::vector<ExtendedSignature> PadesModule::extend(const fs::path& file, AtomicFile& out, const SignParams& params) {
  quietPodofo();
  const std::string name = file.string();
  std::vector<pdf::SignatureContents> found;
  bool hasDss = false;
  try {
    found = pdf::signatureContents(file, &hasDss);
  } catch (const PdfError& e) {
    pdf::rethrowPdfError(e, name);
  }
  std::vector<Raise> raises = signaturesToRaise(found, hasDss, name);
  if (raises.empty()) throw Error(Category::Malformed, tr("the file holds no signature"), name);
  const int wanted = params.level == SignatureLevel::B_LTA ? 3 : params.level == SignatureLevel::B_LT ? 2 : 1;
  const bool anyBelow =
      std::any_of(raises.begin(), raises.end(), [&](const Raise& r) { return rank(r.before) < wanted; });
  // B-LTA again renews: a new document time-stamp over fresh validation data
  // (EN 319 142-1 §5.5, "may be repeated").  Otherwise a file at the level
  // is left as it is.
  if (!anyBelow && wanted < 3) {
    std::vector<ExtendedSignature> same;
    same.reserve(raises.size());
    for (const Raise& r : raises) same.push_back(ExtendedSignature{r.id, r.before, r.before});
    return same;
  }
  // The signed file as it is, then the updates after it (ISO 32000-1 §7.5.6).
  std::ifstream in(file, std::ios::binary);
  std::vector<char> chunk(std::size_t{1} << 20);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (in.gcount() > 0) out.write(chunk.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(Category::Io, tr("cannot read the file"), name);
  out.sync();
  // EN 319 142-1 §5.3: a signature without a time-stamp becomes B-T with a
  // document time-stamp over it; one for all of them.
  std::vector<Bytes> stamps;
  for (const auto& sc : found) {
    if (sc.docTimestamp) stamps.push_back(sc.contents);
  }
  if (std::any_of(raises.begin(), raises.end(), [](const Raise& r) { return !r.timeProven; })) {
    stamps.push_back(pdf::appendDocumentTimestamp(out.temporary(), params, name));
  }
  if (wanted >= 2) {
    // §5.4: the validation data of each signature and of every document
    // time-stamp, one update each with its /VRI entry; a /DSS already there
    // is kept and extended (pdf_dss.h).  A renewal thus first secures the
    // previous document time-stamps (§5.5).
    for (const Raise& r : raises) pdf::appendDss(out.temporary(), materialOf(r.cms, params, name), r.cms, name);
    for (const Bytes& token : stamps) {
      const auto first = der::first(token);
      const Bytes tokenDer = first ? first->encodingBytes() : token;
      pdf::appendDss(out.temporary(), timestampMaterial(tokenDer, params, name), tokenDer, name);
    }
  }
  if (wanted == 3) pdf::appendDocumentTimestamp(out.temporary(), params, name);
  std::vector<ExtendedSignature> done;
  done.reserve(raises.size());
  for (const Raise& r : raises) {
    done.push_back(ExtendedSignature{r.id, r.before, rank(r.before) > wanted ? r.before : levelName(params.level)});
  }
  return done;
}

// ---------------------------------------------------------------- verify ---

VerificationReport PadesModule::verify(const fs::path& file, const VerifyOptions& options) {
  quietPodofo();
  try {
    return pdf::verifyPdf(file, options);
  } catch (const PdfError& e) {
    // PoDoFo parses objects when they are first used, so a damaged object
    // can throw wherever the verifier reads one: the file is unreadable.
    pdf::rethrowPdfError(e, file.string());
  }
}

Inspection PadesModule::inspect(const fs::path& file) {
  quietPodofo();
  try {
    return pdf::inspectPdf(file);
  } catch (const PdfError& e) {
    pdf::rethrowPdfError(e, file.string());  // as in verify()
  }
}

}  // namespace securedoc
