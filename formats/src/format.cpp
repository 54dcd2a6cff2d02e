#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/formats/cades.h>
#include <securedoc/formats/format.h>
#include <securedoc/formats/pades.h>
#include <securedoc/formats/xades.h>
#include <securedoc/i18n.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <fcntl.h>
#include <unistd.h>

namespace securedoc {

namespace {
std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool startsWith(const Bytes& b, std::string_view prefix) {
  return b.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), b.begin(), [](char p, std::uint8_t c) {
           return static_cast<std::uint8_t>(p) == c;
         });
}

/// Whether `head` reads as text: UTF-8 (a sequence cut at the end of the
/// sniffed bytes allowed) without control characters but tab, line breaks
/// and form feed.
bool looksLikeText(const Bytes& head) {
  std::size_t i = 0;
  while (i < head.size()) {
    const std::uint8_t b = head[i];
    if (b < 0x80) {
      if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f') || b == 0x7F) return false;
      ++i;
      continue;
    }
    const std::size_t n = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && b < 0xC2) || b > 0xF4) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if (i + k >= head.size()) return true;  // cut by the sniff
      if ((head[i + k] & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

/// The media type a zip package names in its first entry: OpenDocument 1.2
/// part 3 §3.3 puts a file "mimetype" first, stored uncompressed and without
/// an extra field, holding the package's media type (EPUB's container does
/// the same).  Zip local file header (APPNOTE.TXT §4.3.7): method at 8,
/// compressed size at 18, name length at 26, extra length at 28, name at 30.
std::optional<std::string> zipOwnMediaType(const Bytes& h) {
  constexpr std::size_t kName = 30, kValue = 38;
  if (h.size() < kValue) return std::nullopt;
  const auto u16 = [&h](std::size_t at) { return static_cast<unsigned>(h[at] | h[at + 1] << 8); };
  if (u16(8) != 0 || u16(26) != 8 || u16(28) != 0 || !std::equal(h.begin() + kName, h.begin() + kValue, "mimetype")) {
    return std::nullopt;
  }
  const std::size_t length = u16(18) | static_cast<std::size_t>(u16(20)) << 16;
  if (length == 0 || length > 127 || h.size() < kValue + length) return std::nullopt;
  const std::string type(h.begin() + kValue, h.begin() + kValue + static_cast<std::ptrdiff_t>(length));
  // RFC 6838 §4.2: type "/" subtype, each a restricted name.
  const auto slash = type.find('/');
  const bool wellFormed =
      slash != std::string::npos && slash > 0 && slash + 1 < type.size() &&
      std::all_of(type.begin(), type.end(),
                  [](unsigned char c) { return std::isalnum(c) || std::strchr("!#$&^_.+-/", c); }) &&
      type.find('/', slash + 1) == std::string::npos;
  return wellFormed ? std::optional<std::string>(type) : std::nullopt;
}
}  // namespace

const char* levelName(SignatureLevel l) {
  switch (l) {
    case SignatureLevel::B_B:
      return "B-B";
    case SignatureLevel::B_T:
      return "B-T";
    case SignatureLevel::B_LT:
      return "B-LT";
    case SignatureLevel::B_LTA:
      return "B-LTA";
  }
  return "B-B";
}

SignatureLevel parseLevel(const std::string& s) {
  const std::string u = upper(s);
  if (u == "B-B" || u == "BB" || u == "B") return SignatureLevel::B_B;
  if (u == "B-T" || u == "T") return SignatureLevel::B_T;
  if (u == "B-LT" || u == "LT") return SignatureLevel::B_LT;
  if (u == "B-LTA" || u == "LTA") return SignatureLevel::B_LTA;
  throw Error(Category::Usage, format(tr("unknown signature level \"{0}\" (use B-B, B-T, B-LT or B-LTA)"), {s}));
}

const char* packagingName(Packaging p) {
  switch (p) {
    // TRANSLATORS: signature packaging; the untranslated word is also a --mode value.
    case Packaging::Default:
      return N_("default");
    case Packaging::Detached:
      return N_("detached");
    case Packaging::Attached:
      return N_("attached");
    case Packaging::Enveloped:
      return N_("enveloped");
    case Packaging::Enveloping:
      return N_("enveloping");
  }
  return "default";
}

Packaging parsePackaging(const std::string& s) {
  if (s.empty() || s == "default") return Packaging::Default;
  if (s == "detached") return Packaging::Detached;
  if (s == "attached") return Packaging::Attached;
  if (s == "enveloped") return Packaging::Enveloped;
  if (s == "enveloping") return Packaging::Enveloping;
  throw Error(Category::Usage,
              format(tr("unknown signature mode \"{0}\" (use detached, attached, enveloped or enveloping)"), {s}));
}

ContentSniff ContentSniff::of(const std::filesystem::path& file) {
  ContentSniff c;
  c.file = file;
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw Error(Category::Io, tr("is a folder, not a file"), file.string());
  const UniqueFd owner(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!owner) {
    throw Error(Category::Io, format(tr("cannot open the file: {0}"), {std::strerror(errno)}), file.string());
  }
  const int fd = owner.get();
  c.head.resize(4096);
  std::size_t got = 0;
  while (got < c.head.size()) {
    const ssize_t n = ::read(fd, c.head.data() + got, c.head.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw Error(Category::Io, format(tr("cannot read the file: {0}"), {std::strerror(errno)}), file.string());
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  c.head.resize(got);
  c.size = std::filesystem::file_size(file, ec);
  return c;
}

bool looksLikeXml(const Bytes& head) {
  std::size_t i = 0;
  if (head.size() >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) i = 3;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
  return i < head.size() && head[i] == '<';
}

bool looksLikePdf(const Bytes& head) {
  if (!head.empty() && (head[0] == 0x30 || startsWith(head, "-----BEGIN"))) return false;
  const std::string_view magic = "%PDF-";
  const std::size_t window = std::min<std::size_t>(head.size(), 1024);
  const auto end = head.begin() + static_cast<std::ptrdiff_t>(window);
  return std::search(head.begin(), end, magic.begin(), magic.end(),
                     [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); }) != end;
}

std::string ContentSniff::mediaType() const {
  using namespace std::string_view_literals;
  const Bytes& h = head;
  if (h.empty()) return "application/x-zerosize";
  // XML first: a document XAdES signs as XML (looksLikeXml) is described as XML.
  if (looksLikeXml(h)) return "text/xml";
  if (looksLikePdf(h)) return "application/pdf";
  if (startsWith(h, "\x89PNG\r\n\x1a\n"sv)) return "image/png";
  if (startsWith(h, "\xFF\xD8\xFF"sv)) return "image/jpeg";
  if (startsWith(h, "GIF87a"sv) || startsWith(h, "GIF89a"sv)) return "image/gif";
  if (startsWith(h, "II*\0"sv) || startsWith(h, "MM\0*"sv)) return "image/tiff";
  if (startsWith(h, "PK\x03\x04"sv)) return zipOwnMediaType(h).value_or("application/zip");
  if (looksLikeText(h)) return "text/plain";
  return "application/octet-stream";
}

void FormatRegistry::add(std::unique_ptr<FormatModule> module) { m_modules.push_back(std::move(module)); }

FormatModule& FormatRegistry::byId(const std::string& id) const {
  for (const auto& m : m_modules) {
    if (m->id() == id) return *m;
  }
  throw Error(Category::Usage, format(tr("the signature format \"{0}\" is not available in this build"), {id}));
}

FormatModule& FormatRegistry::forSigning(const ContentSniff& content) const {
  // Modules are asked in registration order: specific envelopes (PAdES for
  // PDF, XAdES for XML) come before CAdES, which takes any content.
  for (const auto& m : m_modules) {
    if (m->isDefaultFor(content)) return *m;
  }
  throw Error(Category::Unsupported, tr("no signature format can sign this file"), content.file.string());
}

FormatModule* FormatRegistry::forVerifying(const ContentSniff& content) const {
  for (const auto& m : m_modules) {
    if (m->recognises(content)) return m.get();
  }
  return nullptr;
}

void registerBuiltinFormats(FormatRegistry& registry) {
  // Specific envelopes first: CAdES takes any content.
  registry.add(std::make_unique<PadesModule>());
  registry.add(std::make_unique<XadesModule>());
  registry.add(std::make_unique<CadesModule>());
}

std::vector<ExtendedSignature> FormatModule::extend(const std::filesystem::path& file, AtomicFile& out,
                                                    const SignParams& params) {
  (void)out;
  throw Error(Category::Unsupported,
              format(tr("{0} signatures cannot be raised to {1} yet"), {displayName(), levelName(params.level)}),
              file.string());
}

}  // namespace securedoc
