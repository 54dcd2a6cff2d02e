#pragma once
// The cryptography behind store.cpp: random tokens, SHA-256/HMAC, AES-256-GCM
// sealing, Argon2id password hashing and the password policy.
#include <securedoc/cloud/store.h>
#include <securedoc/base/bytes.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace securedoc::cloud::detail {

/// `n` bytes from the OpenSSL CSPRNG; Error(Crypto) if it fails.
Bytes randomBytes(std::size_t n);
/// base64url without padding (RFC 4648 §5).
std::string base64Url(const Bytes& data);
/// base64url of 32 random bytes: tokens, session tokens, SADs (256 bits).
std::string newToken();
/// A uniformly random 8-digit decimal string.
std::string newEightDigitCode();

Bytes sha256(std::string_view data);
Bytes sha256(const Bytes& data);
Bytes hmacSha256(const SecretBytes& key, const Bytes& data);
/// Constant-time equality (different lengths: false).
bool equalConstantTime(const Bytes& a, const Bytes& b);

/// Purpose-separated subkeys of the service key: HMAC-SHA256(key, label).
SecretBytes deriveKey(const SecretBytes& serviceKey, std::string_view label);

/// AES-256-GCM: nonce(12) || ciphertext || tag(16); `aad` is authenticated.
Bytes seal(const SecretBytes& key, const SecretBytes& plaintext, std::string_view aad);
/// Error(Crypto) when the tag does not verify.
SecretBytes unseal(const SecretBytes& key, const Bytes& sealed, std::string_view aad);

/// Argon2id (t=2, m=19 MiB, p=1, 16-byte salt, 32-byte hash) encoded string.
std::string hashPassword(std::string_view password);
/// True when `password` matches `encoded`; false for a mismatch or an
/// encoded string argon2 cannot read.
bool verifyPassword(const std::string& encoded, std::string_view password);

/// Throws ServiceError(InvalidRequest) unless the password is valid UTF-8
/// without NUL, 12..256 code points, and not the login itself.
void checkPasswordPolicy(std::string_view password, std::string_view login);

}  // namespace securedoc::cloud::detail
