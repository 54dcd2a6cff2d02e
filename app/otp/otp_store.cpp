#include "otp_store.h"

#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include <argon2.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace securedoc::otp {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'S', 'D', 'O', 'C', '-', 'O', 'T', 'P'};
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kSaltSize = 16;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kCheckSize = 16;
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kHeaderSize = sizeof kMagic + 1 + kSaltSize + kNonceSize + kCheckSize + 4;
// A store of a few hundred entries is a few tens of KiB; anything near this
// is not ours.
constexpr std::size_t kMaxStoreSize = 1u << 20;

// Argon2id, t=3 passes over m=64 MiB with p=1 lane.  The PIN has only 10^4
// values, so the KDF is all that stands between a copied store file and its
// secrets: 64 MiB makes every guess cost memory as well as time, which is what
// blunts GPU and ASIC guessing (RFC 9106 §4, the "memory-constrained" choice is
// t=3, m=64 MiB); one lane because the CLI derives one key a run on one
// thread, and several lanes would only make the attacker's work cheaper to
// parallelise.  About 0.2 s a guess here: the PIN keeps a casual reader of the
// file or of a backup out, it does not stop someone who has the file and an
// hour of CPU.  The OTP codes are the second factor, the account password the
// first.
constexpr std::uint32_t kArgonPasses = 3;
constexpr std::uint32_t kArgonMemoryKiB = 64u * 1024u;
constexpr std::uint32_t kArgonLanes = 1;

using CipherCtx = ossl::Ptr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;

Bytes randomBytes(std::size_t n) {
  Bytes b(n);
  if (RAND_bytes(b.data(), static_cast<int>(n)) != 1) throwOpenSsl(Category::Crypto, tr("no random bytes"));
  return b;
}

/// Argon2id(PIN, salt) -> 48 bytes: the AES key, then the key check.
void deriveKey(std::string_view pin, const Bytes& salt, Bytes& key, Bytes& check) {
  Bytes out(kKeySize + kCheckSize);
  const int rc = argon2id_hash_raw(kArgonPasses, kArgonMemoryKiB, kArgonLanes, pin.data(), pin.size(), salt.data(),
                                   salt.size(), out.data(), out.size());
  if (rc != ARGON2_OK) {
    wipe(out);
    throw Error(Category::Crypto, tr("the key for the OTP store could not be derived"), {}, argon2_error_message(rc));
  }
  key.assign(out.begin(), out.begin() + kKeySize);
  check.assign(out.begin() + kKeySize, out.end());
  wipe(out);
}

Error damaged(const fs::path& file, const std::string& why) {
  return Error(Category::Malformed, tr("the OTP store is damaged"), file.string(), why);
}

void putU32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

/// Writes `data` to `file` (mode 0600) whole (AtomicFile), replacing what is there.
void writeAtomically(const fs::path& file, const Bytes& data) {
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::exists(dir, ec)) {
    fs::create_directories(dir, ec);
    if (ec) throw Error(Category::Io, tr("cannot create the folder of the OTP store"), dir.string(), ec.message());
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  try {
    AtomicFile out(file, S_IRUSR | S_IWUSR);
    out.write(data.data(), data.size());
    out.placeReplacing();
  } catch (const Error& e) {
    throw Error(Category::Io, tr("cannot write the OTP store"), file.string(), e.message());
  }
}

}  // namespace

bool isValidPin(std::string_view pin) {
  return pin.size() == 4 && std::all_of(pin.begin(), pin.end(), [](char c) { return c >= '0' && c <= '9'; });
}

fs::path defaultStorePath() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg && *xdg == '/') return fs::path(xdg) / "securedoc" / "otp-store";
  const char* home = std::getenv("HOME");
  if (home && *home) return fs::path(home) / ".local" / "share" / "securedoc" / "otp-store";
  throw Error(Category::Usage, tr("neither XDG_DATA_HOME nor HOME is set: name the store with --store"));
}

Store::Store(fs::path file, Bytes salt, Bytes key, Bytes keyCheck)
    : m_file(std::move(file)), m_salt(std::move(salt)), m_key(std::move(key)), m_keyCheck(std::move(keyCheck)) {}

Store::~Store() {
  wipe(m_key);
  for (auto& e : m_entries) wipe(e.uri);
}

Store Store::create(const fs::path& file, std::string_view pin) {
  if (!isValidPin(pin)) throw Error(Category::Usage, tr("the PIN must be exactly 4 digits"));
  Bytes salt = randomBytes(kSaltSize);
  Bytes key, check;
  deriveKey(pin, salt, key, check);
  return Store(file, std::move(salt), std::move(key), std::move(check));
}

Store Store::open(const fs::path& file, std::string_view pin) {
  const Bytes data = readFile(file, kMaxStoreSize);
  if (data.size() < kHeaderSize + kTagSize) throw damaged(file, "truncated");
  if (!std::equal(std::begin(kMagic), std::end(kMagic), data.begin())) {
    throw Error(Category::Malformed, tr("not an OTP store"), file.string());
  }
  std::size_t pos = sizeof kMagic;
  if (data[pos] != kVersion) {
    throw Error(Category::Unsupported, tr("the OTP store was written by a later version of SecureDoc"), file.string());
  }
  ++pos;
  Bytes salt(data.begin() + static_cast<std::ptrdiff_t>(pos),
             data.begin() + static_cast<std::ptrdiff_t>(pos + kSaltSize));
  pos += kSaltSize;
  const std::uint8_t* nonce = data.data() + pos;
  pos += kNonceSize;
  const std::uint8_t* storedCheck = data.data() + pos;
  pos += kCheckSize;
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length = (length << 8) | data[pos++];
  if (data.size() != kHeaderSize + std::size_t{length} + kTagSize) throw damaged(file, "truncated or extended");

  // A PIN that cannot be right is just wrong: no need to spend a derivation.
  if (!isValidPin(pin)) throw Error(Category::Password, tr("wrong PIN"), file.string());
  Bytes key, check;
  deriveKey(pin, salt, key, check);
  if (CRYPTO_memcmp(check.data(), storedCheck, kCheckSize) != 0) {
    wipe(key);
    throw Error(Category::Password, tr("wrong PIN"), file.string());
  }
  Store store(file, std::move(salt), std::move(key), std::move(check));

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string plain(length, '\0');
  int n = 0;
  int total = 0;
  const std::uint8_t* ciphertext = data.data() + kHeaderSize;
  Bytes tag(data.end() - static_cast<std::ptrdiff_t>(kTagSize), data.end());
  const bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
                  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize), nullptr) == 1 &&
                  EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, store.m_key.data(), nonce) == 1 &&
                  EVP_DecryptUpdate(ctx.get(), nullptr, &n, data.data(), static_cast<int>(kHeaderSize)) == 1 &&
                  EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &n, ciphertext,
                                    static_cast<int>(length)) == 1 &&
                  (total = n, true) &&
                  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize), tag.data()) == 1 &&
                  EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + total, &n) == 1;
  if (!ok) {
    wipe(plain);
    (void)drainOpenSslErrors();
    // The key check matched, so the PIN is right and the bytes are wrong.
    throw damaged(file, "authentication tag mismatch");
  }
  try {
    const auto json = nlohmann::json::parse(plain);
    for (const auto& e : json.at("entries")) {
      store.m_entries.push_back({e.at("name").get<std::string>(), e.at("uri").get<std::string>()});
    }
  } catch (const nlohmann::json::exception&) {
    wipe(plain);
    throw damaged(file, "bad payload");
  }
  wipe(plain);
  return store;
}

void Store::save() const {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : m_entries) entries.push_back({{"name", e.name}, {"uri", e.uri}});
  std::string plain =
      nlohmann::json{{"entries", std::move(entries)}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (plain.size() > kMaxStoreSize - kHeaderSize - kTagSize) {
    wipe(plain);
    throw Error(Category::Usage, tr("the OTP store is full"), m_file.string());
  }

  Bytes out(std::begin(kMagic), std::end(kMagic));
  out.push_back(kVersion);
  out.insert(out.end(), m_salt.begin(), m_salt.end());
  const Bytes nonce = randomBytes(kNonceSize);
  out.insert(out.end(), nonce.begin(), nonce.end());
  out.insert(out.end(), m_keyCheck.begin(), m_keyCheck.end());
  putU32(out, static_cast<std::uint32_t>(plain.size()));
  out.resize(kHeaderSize + plain.size() + kTagSize);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int n = 0;
  int total = 0;
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceSize), nullptr) == 1 &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, m_key.data(), nonce.data()) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, out.data(), static_cast<int>(kHeaderSize)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), out.data() + kHeaderSize, &n, reinterpret_cast<const unsigned char*>(plain.data()),
                        static_cast<int>(plain.size())) == 1 &&
      (total = n, true) && EVP_EncryptFinal_ex(ctx.get(), out.data() + kHeaderSize + total, &n) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          out.data() + kHeaderSize + plain.size()) == 1;
  wipe(plain);
  if (!ok) throwOpenSsl(Category::Crypto, tr("the OTP store could not be encrypted"), m_file.string());
  writeAtomically(m_file, out);
}

void Store::changePin(std::string_view newPin) {
  if (!isValidPin(newPin)) throw Error(Category::Usage, tr("the PIN must be exactly 4 digits"));
  Bytes salt = randomBytes(kSaltSize);
  Bytes key, check;
  deriveKey(newPin, salt, key, check);
  wipe(m_key);
  m_salt = std::move(salt);
  m_key = std::move(key);
  m_keyCheck = std::move(check);
}

}  // namespace securedoc::otp
