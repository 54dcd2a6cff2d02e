#include "pdf_scanner.h"

#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/i18n.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace securedoc::pdf {

namespace fs = std::filesystem;
using namespace PoDoFo;

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
  explicit MappedFile(const fs::path& file) : m_fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (!m_fd)
      throw Error(Category::Io, format(tr("cannot open the file: {0}"), {std::strerror(errno)}), file.string());
    struct stat st {};
    if (::fstat(m_fd.get(), &st) == 0 && st.st_size > 0) {
      m_size = static_cast<std::size_t>(st.st_size);
      void* p = ::mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, m_fd.get(), 0);
      if (p != MAP_FAILED) m_data = static_cast<const char*>(p);
    }
  }
  ~MappedFile() {
    if (m_data) ::munmap(const_cast<char*>(m_data), m_size);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view() const { return m_data ? std::string_view(m_data, m_size) : std::string_view(); }

 private:
  UniqueFd m_fd;
  const char* m_data = nullptr;
  std::size_t m_size = 0;
};

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

void refuseTooManySignatures(const fs::path& file) {
  throw Error(Category::Malformed,
              format(tr("the PDF holds more than {0} signature dictionaries; it is refused as hostile"),
                     {std::to_string(kMaxSignatures)}),
              file.string());
}

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
                  format(tr("the PDF has more than {0} revisions; it is refused as hostile"), {kMaxRevisions}),
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

/// An object header whose body holds /ByteRange, with where the object ends
/// (its "endobj" or the next header).
struct Candidate {
  std::size_t start;
  std::size_t end = std::string_view::npos;
};

/// The objects whose dictionary (not stream data) holds /ByteRange, in file
/// order: one pass over the "obj" and "/ByteRange" tokens.
std::vector<Candidate> signatureCandidates(std::string_view data, const fs::path& file) {
  constexpr std::size_t npos = std::string_view::npos;
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
      if (starts.size() == kMaxSignatureCandidates) refuseTooManySignatures(file);
      starts.push_back(Candidate{open});
    }
    nextRange = data.find("/ByteRange", nextRange + 10);
  }
  if (!starts.empty() && starts.back().end == npos) {
    const std::size_t e = data.find("endobj", starts.back().start);
    starts.back().end = e == npos ? data.size() : e;
  }
  return starts;
}

/// Refuses a candidate too large to parse: PoDoFo spends about seventy bytes
/// of memory per byte of names and arrays it parses; a signature dictionary
/// holds a few dozen of them (its /Contents is one hex string).
void refuseOversized(std::string_view data, const Candidate& c, const fs::path& file) {
  // Only the dictionary counts, not the data of a stream after it.
  std::string_view body = data.substr(c.start, c.end - c.start);
  body = body.substr(0, std::min(body.size(), streamStart(body)));
  if (c.end - c.start > kMaxSignatureObject ||
      static_cast<std::size_t>(std::count(body.begin(), body.end(), '/') + std::count(body.begin(), body.end(), '[')) >
          kMaxSignatureTokens) {
    throw Error(Category::Malformed, tr("a signature dictionary of the PDF is too large; it is refused as hostile"),
                file.string());
  }
}

/// The candidate's object parsed, or null when it is no signature dictionary
/// (unreadable, or without /ByteRange and /Contents).
std::unique_ptr<PdfParserObject> parseCandidate(PdfVecObjects& owner, PdfRefCountedInputDevice& device,
                                                PdfRefCountedBuffer& buffer, const Candidate& c) {
  auto obj = std::make_unique<PdfParserObject>(&owner, device, buffer, static_cast<pdf_long>(c.start));
  try {
    obj->ParseFile(nullptr);
  } catch (const PdfError&) {
    return nullptr;  // not an object we can read: the structural checks report nothing for it
  }
  if (!obj->IsDictionary() || !obj->GetDictionary().HasKey("ByteRange") || !obj->GetDictionary().HasKey("Contents")) {
    return nullptr;
  }
  return obj;
}

}  // namespace

void scanSignatures(const fs::path& file, RawSignatures& out) {
  const MappedFile mapped(file);
  const std::string_view data = mapped.view();
  const std::vector<Candidate> candidates = signatureCandidates(data, file);
  std::map<pdf_objnum, std::size_t> latest;  // object number -> index in out.objects
  PdfRefCountedInputDevice device(file.c_str(), "rb");
  PdfRefCountedBuffer buffer(4096);
  for (const auto& c : candidates) {
    refuseOversized(data, c, file);
    auto obj = parseCandidate(out.owner, device, buffer, c);
    if (!obj) continue;
    const pdf_objnum num = obj->Reference().ObjectNumber();
    // An incremental update may redefine the object: the later one is what readers see.
    if (auto it = latest.find(num); it != latest.end()) {
      out.objects[it->second] = std::move(obj);
    } else {
      if (out.objects.size() == kMaxSignatures) refuseTooManySignatures(file);
      latest[num] = out.objects.size();
      out.objects.push_back(std::move(obj));
    }
  }
}

bool objectsAfterLastRevision(const fs::path& file, std::uint64_t from) {
  const MappedFile mapped(file);
  const std::string_view data = mapped.view();
  for (std::size_t at = data.find("obj", from); at != std::string_view::npos; at = data.find("obj", at + 3)) {
    if (at >= 3 && data.substr(at - 3, 3) == "end") continue;
    if (const auto h = headerBefore(data, at); h && *h >= from) return true;
  }
  return false;
}

}  // namespace securedoc::pdf
