#include "store_crypto.h"

#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <cstring>
#include <thread>

namespace securedoc::cloud {

SecretBytes loadOrCreateServiceKey(const std::filesystem::path& file) {
  const std::string name = file.string();
  struct stat existing {};
  if (::lstat(name.c_str(), &existing) != 0) {
    if (errno != ENOENT)
      throw Error(Category::Io, tr("cannot create the service key file"), name, std::strerror(errno));
    SecretBytes key(kServiceKeySize);
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
      throwOpenSsl(Category::Crypto, tr("no random bytes for the service key"), name);
    try {
      AtomicFile out(file, 0600);
      out.write(key.data(), key.size());
      // Never over a key another process made meanwhile: that one is read.
      if (out.placeAsNew()) return key;
    } catch (const Error& e) {
      throw Error(Category::Io, tr("cannot write the service key file"), name, e.message());
    }
  }
  UniqueFd in(::open(name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) throw Error(Category::Io, tr("cannot read the service key file"), name, std::strerror(errno));
  struct stat st {};
  if (::fstat(in.get(), &st) != 0)
    throw Error(Category::Io, tr("cannot read the service key file"), name, std::strerror(errno));
  if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0)
    throw Error(Category::Policy,
                tr("the service key file must be a regular file only its owner may access (mode 0600)"), name);
  SecretBytes key(kServiceKeySize + 1);
  std::size_t got = 0;
  while (got < key.size()) {
    const ssize_t n = ::read(in.get(), key.data() + got, key.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(Category::Io, tr("cannot read the service key file"), name, std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got != kServiceKeySize)
    throw Error(Category::Malformed, tr("the service key file must hold exactly 32 bytes"), name);
  key.resize(kServiceKeySize);
  return key;
}

namespace detail {

namespace {

using CipherCtx = ossl::Ptr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;

constexpr std::uint32_t kArgonTime = 2;
constexpr std::uint32_t kArgonMemoryKiB = 19 * 1024;
constexpr std::uint32_t kArgonLanes = 1;
constexpr std::size_t kArgonSaltSize = 16;
constexpr std::size_t kArgonHashSize = 32;
constexpr std::size_t kGcmNonceSize = 12;
constexpr std::size_t kGcmTagSize = 16;

/// Each Argon2id run takes 19 MiB: bound how many run at once, so a burst of
/// logins cannot exhaust memory.
class ArgonSlots {
 public:
  ArgonSlots() : m_free(std::max(2u, std::thread::hardware_concurrency())) {}
  void acquire() {
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return m_free > 0; });
    --m_free;
  }
  void release() {
    {
      std::lock_guard lock(m_mutex);
      ++m_free;
    }
    m_cv.notify_one();
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  unsigned m_free;
};

ArgonSlots& argonSlots() {
  static ArgonSlots slots;
  return slots;
}

struct ArgonSlot {
  ArgonSlot() { argonSlots().acquire(); }
  ~ArgonSlot() { argonSlots().release(); }
  ArgonSlot(const ArgonSlot&) = delete;
  ArgonSlot& operator=(const ArgonSlot&) = delete;
};

}  // namespace

Bytes randomBytes(std::size_t n) {
  Bytes out(n);
  if (n != 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1)
    throwOpenSsl(Category::Crypto, tr("the random number generator failed"));
  return out;
}

std::string base64Url(const Bytes& data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{data[i]} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::string newToken() {
  Bytes raw = randomBytes(32);
  std::string token = base64Url(raw);
  wipe(raw.data(), raw.size());
  return token;
}

std::string newEightDigitCode() {
  // Rejection sampling: 4 200 000 000 is the largest multiple of 10^8 below
  // 2^32, so the accepted values map uniformly onto 00000000..99999999.
  for (;;) {
    Bytes r = randomBytes(4);
    const std::uint32_t v =
        (std::uint32_t{r[0]} << 24) | (std::uint32_t{r[1]} << 16) | (std::uint32_t{r[2]} << 8) | r[3];
    wipe(r.data(), r.size());
    if (v >= 4200000000u) continue;
    std::string code(8, '0');
    std::uint32_t x = v % 100000000u;
    for (int i = 7; i >= 0; --i) {
      code[static_cast<std::size_t>(i)] = static_cast<char>('0' + x % 10);
      x /= 10;
    }
    return code;
  }
}

Bytes sha256(std::string_view data) { return digest(DigestAlgorithm::Sha256, data.data(), data.size()); }
Bytes sha256(const Bytes& data) { return digest(DigestAlgorithm::Sha256, data); }

Bytes hmacSha256(const SecretBytes& key, const Bytes& data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len) ==
      nullptr)
    throwOpenSsl(Category::Crypto, tr("HMAC-SHA256 failed"));
  out.resize(len);
  return out;
}

bool equalConstantTime(const Bytes& a, const Bytes& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

SecretBytes deriveKey(const SecretBytes& serviceKey, std::string_view label) {
  Bytes mac = hmacSha256(serviceKey, Bytes(label.begin(), label.end()));
  SecretBytes out(mac.begin(), mac.end());
  wipe(mac.data(), mac.size());
  return out;
}

Bytes seal(const SecretBytes& key, const SecretBytes& plaintext, std::string_view aad) {
  Bytes out = randomBytes(kGcmNonceSize);
  out.resize(kGcmNonceSize + plaintext.size() + kGcmTagSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  int total = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), out.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data() + kGcmNonceSize, &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1)
    throwOpenSsl(Category::Crypto, tr("AES-256-GCM encryption failed"));
  total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), out.data() + kGcmNonceSize + total, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kGcmTagSize),
                          out.data() + kGcmNonceSize + plaintext.size()) != 1)
    throwOpenSsl(Category::Crypto, tr("AES-256-GCM encryption failed"));
  return out;
}

SecretBytes unseal(const SecretBytes& key, const Bytes& sealed, std::string_view aad) {
  if (sealed.size() < kGcmNonceSize + kGcmTagSize)
    throw Error(Category::Crypto, tr("a sealed OTP secret is truncated"));
  const std::size_t n = sealed.size() - kGcmNonceSize - kGcmTagSize;
  SecretBytes out(n);
  Bytes tag(sealed.end() - static_cast<std::ptrdiff_t>(kGcmTagSize), sealed.end());
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), sealed.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, sealed.data() + kGcmNonceSize, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kGcmTagSize), tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &len) != 1) {
    drainOpenSslErrors();
    throw Error(Category::Crypto, tr("an OTP secret does not decrypt: tampered, or another service key"));
  }
  return out;
}

std::string hashPassword(std::string_view password) {
  Bytes salt = randomBytes(kArgonSaltSize);
  std::string encoded(
      argon2_encodedlen(kArgonTime, kArgonMemoryKiB, kArgonLanes, kArgonSaltSize, kArgonHashSize, Argon2_id), '\0');
  int rc = ARGON2_OK;
  {
    ArgonSlot slot;
    rc = argon2id_hash_encoded(kArgonTime, kArgonMemoryKiB, kArgonLanes, password.data(), password.size(), salt.data(),
                               salt.size(), kArgonHashSize, encoded.data(), encoded.size());
  }
  if (rc != ARGON2_OK) throw Error(Category::Crypto, tr("Argon2id hashing failed"), {}, argon2_error_message(rc));
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool verifyPassword(const std::string& encoded, std::string_view password) {
  ArgonSlot slot;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

void checkPasswordPolicy(std::string_view password, std::string_view login) {
  // Count code points of well-formed UTF-8 (RFC 3629: no overlongs, no
  // surrogates, nothing above U+10FFFF).
  std::size_t points = 0;
  bool valid = true;
  for (std::size_t i = 0; i < password.size() && valid;) {
    const auto c = static_cast<unsigned char>(password[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80 && c != 0) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07u;
    } else {  // NUL, a continuation byte or 0xF8..0xFF
      valid = false;
      break;
    }
    if (i + len > password.size()) {
      valid = false;
      break;
    }
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(password[i + k]);
      if ((cc & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    static constexpr std::uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) valid = false;
    i += len;
    ++points;
  }
  if (!valid) throw ServiceError(ServiceErrc::InvalidRequest, tr("the password is not valid UTF-8 text"));
  if (points < kMinPasswordLength || points > kMaxPasswordLength)
    throw ServiceError(ServiceErrc::InvalidRequest, tr("the password must have 12 to 256 characters"));
  if (password == login) throw ServiceError(ServiceErrc::InvalidRequest, tr("the password must not be the login"));
}

}  // namespace detail
}  // namespace securedoc::cloud
