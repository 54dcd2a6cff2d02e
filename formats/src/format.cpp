#include <securedoc/crypto/error.h>
#include <securedoc/formats/cades.h>
#include <securedoc/formats/format.h>
#include <securedoc/formats/pades.h>
#include <securedoc/formats/xades.h>
#include <securedoc/i18n.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace securedoc {

namespace {
std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}
}  // namespace

const char* levelName(SignatureLevel l) {
  switch (l) {
    case SignatureLevel::B_B: return "B-B";
    case SignatureLevel::B_T: return "B-T";
    case SignatureLevel::B_LT: return "B-LT";
    case SignatureLevel::B_LTA: return "B-LTA";
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
    case Packaging::Default: return N_("default");
    case Packaging::Detached: return N_("detached");
    case Packaging::Attached: return N_("attached");
    case Packaging::Enveloped: return N_("enveloped");
    case Packaging::Enveloping: return N_("enveloping");
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
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(Category::Io, format(tr("cannot open the file: {0}"), {std::strerror(errno)}), file.string());
  }
  c.head.resize(4096);
  std::size_t got = 0;
  while (got < c.head.size()) {
    const ssize_t n = ::read(fd, c.head.data() + got, c.head.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw Error(Category::Io, format(tr("cannot read the file: {0}"), {std::strerror(err)}), file.string());
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
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

}  // namespace securedoc
