#pragma once
// The authenticator's encrypted store (securedoc-otp): the
// otpauth:// URIs of the user's OTP accounts, encrypted under a 4-digit PIN.
//
// File format, version 1 (all of it before the ciphertext is authenticated as
// GCM additional data):
//
//   offset  size  field
//   0       8     magic "SDOC-OTP"
//   8       1     version (1: Argon2id t=3, m=64 MiB, p=1; AES-256-GCM)
//   9       16    Argon2id salt (random; new on every PIN change)
//   25      12    GCM nonce (random; new on every write)
//   37      16    key check: bytes 32..47 of the Argon2id output
//   53      4     ciphertext length, big-endian
//   57      n     ciphertext of the JSON payload
//   57+n    16    GCM tag
//
// The key check tells a wrong PIN (exit 1) from a damaged file (exit 4); it
// gives an attacker nothing the GCM tag would not (both need one Argon2id run
// a guess).  The payload is {"entries": [{"name": "ISSUER:account", "uri": "otpauth://..."}]}.
#include <securedoc/base/bytes.h>
#include <securedoc/base/secret.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace securedoc::otp {

/// Exactly four ASCII digits.
bool isValidPin(std::string_view pin);

struct Entry {
  std::string name;  ///< "ISSUER:account" (OtpAuth::name)
  std::string uri;   ///< the canonical otpauth:// URI (OtpAuth::uri), holds the secret
};

/// `$XDG_DATA_HOME/securedoc/otp-store`, else `~/.local/share/securedoc/otp-store`.
/// Throws Error(Usage) when neither variable is set.
std::filesystem::path defaultStorePath();

class Store {
 public:
  /// A new, empty store under `pin` (written by save()).  Throws Error(Usage)
  /// when the PIN is not 4 digits.
  static Store create(const std::filesystem::path& file, std::string_view pin);
  /// Opens and decrypts.  Throws Error(Io) when unreadable, Error(Password)
  /// "wrong PIN", Error(Malformed) when damaged or truncated, and
  /// Error(Unsupported) for a later format version; each names the file.
  static Store open(const std::filesystem::path& file, std::string_view pin);

  Store(Store&&) noexcept = default;
  Store& operator=(Store&&) = delete;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  const std::filesystem::path& file() const { return m_file; }
  std::vector<Entry>& entries() { return m_entries; }
  const std::vector<Entry>& entries() const { return m_entries; }

  /// Encrypts under a new nonce and writes mode 0600 through a temporary
  /// file in the same folder, fsync and rename (a crash leaves the old or the
  /// new store, never half of one).  Throws Error(Io) naming the file.
  void save() const;
  /// Derives a new key from `newPin` with a new salt (save() writes it).
  void changePin(std::string_view newPin);

 private:
  Store(std::filesystem::path file, Bytes salt, Bytes key, Bytes keyCheck);

  std::filesystem::path m_file;
  Bytes m_salt;
  Bytes m_key;
  Bytes m_keyCheck;
  std::vector<Entry> m_entries;
};

}  // namespace securedoc::otp
