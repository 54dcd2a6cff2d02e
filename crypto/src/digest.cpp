#include <securedoc/crypto/digest.h>
#include <securedoc/base/file.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace securedoc {

const EVP_MD* ossl::evpDigest(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::Sha256:
      return EVP_sha256();
    case DigestAlgorithm::Sha384:
      return EVP_sha384();
    case DigestAlgorithm::Sha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

namespace {
UniqueFd openForReading(const std::filesystem::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    throw Error(Category::Io, format(tr("cannot open the file: {0}"), {std::strerror(errno)}), file.string());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw Error(Category::Io, tr("is a folder, not a file"), file.string());
  }
  return fd;
}
}  // namespace

const char* digestName(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::Sha256:
      return "SHA-256";
    case DigestAlgorithm::Sha384:
      return "SHA-384";
    case DigestAlgorithm::Sha512:
      return "SHA-512";
  }
  return "SHA-256";
}

DigestAlgorithm parseDigestAlgorithm(std::string_view name) {
  std::string n;
  for (char c : name) {
    if (c != '-' && c != '_') n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (n == "sha256") return DigestAlgorithm::Sha256;
  if (n == "sha384") return DigestAlgorithm::Sha384;
  if (n == "sha512") return DigestAlgorithm::Sha512;
  throw Error(Category::Usage, format(tr("unknown digest algorithm \"{0}\" (use sha256, sha384 or sha512)"), {name}));
}

std::size_t digestSize(DigestAlgorithm alg) { return static_cast<std::size_t>(EVP_MD_get_size(ossl::evpDigest(alg))); }

struct Digester::Impl {
  ossl::EvpMdCtx ctx{EVP_MD_CTX_new()};
  bool finished = false;
};

Digester::Digester(DigestAlgorithm alg) : m_impl(std::make_unique<Impl>()) {
  if (!m_impl->ctx || EVP_DigestInit_ex(m_impl->ctx.get(), ossl::evpDigest(alg), nullptr) != 1) {
    throwOpenSsl(Category::Crypto, tr("cannot start a digest"));
  }
}
Digester::~Digester() = default;
Digester::Digester(Digester&&) noexcept = default;
Digester& Digester::operator=(Digester&&) noexcept = default;

void Digester::update(const void* data, std::size_t len) {
  if (m_impl->finished) throw Error(Category::Internal, "Digester::update after finish");
  if (EVP_DigestUpdate(m_impl->ctx.get(), data, len) != 1) throwOpenSsl(Category::Crypto, tr("digest failed"));
}

Bytes Digester::finish() {
  if (m_impl->finished) throw Error(Category::Internal, "Digester::finish called twice");
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(m_impl->ctx.get(), out.data(), &len) != 1) throwOpenSsl(Category::Crypto, tr("digest failed"));
  m_impl->finished = true;
  out.resize(len);
  return out;
}

Bytes digest(DigestAlgorithm alg, const void* data, std::size_t len) {
  Digester d(alg);
  d.update(data, len);
  return d.finish();
}

Bytes digestFile(DigestAlgorithm alg, const std::filesystem::path& file) {
  UniqueFd fd = openForReading(file);
  Digester d(alg);
  // 64 KiB stays in the L2 cache; a larger buffer made hashing 1 GiB ~35%
  // slower here (bench/RESULTS.md).  Left uninitialised: read() fills it.
  constexpr std::size_t kBlock = 64u << 10;
  const std::unique_ptr<unsigned char[]> buf(new unsigned char[kBlock]);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.get(), kBlock);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(Category::Io, format(tr("cannot read the file: {0}"), {std::strerror(errno)}), file.string());
    }
    if (n == 0) break;
    d.update(buf.get(), static_cast<std::size_t>(n));
  }
  return d.finish();
}

Bytes readFileRange(const std::filesystem::path& file, std::uint64_t offset, std::uint64_t length) {
  UniqueFd fd = openForReading(file);
  Bytes out(static_cast<std::size_t>(length));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw Error(Category::Io, format(tr("cannot read the file: {0}"), {std::strerror(errno)}), file.string());
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return out;
}

Bytes readFile(const std::filesystem::path& file, std::size_t maxSize) {
  UniqueFd fd = openForReading(file);
  Bytes out;
  std::vector<unsigned char> buf(1u << 16);
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(Category::Io, format(tr("cannot read the file: {0}"), {std::strerror(errno)}), file.string());
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > maxSize) {
      throw Error(Category::Malformed, tr("the file is too large for this kind of data"), file.string());
    }
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  return out;
}

}  // namespace securedoc
