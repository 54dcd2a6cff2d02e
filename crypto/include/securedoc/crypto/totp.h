#pragma once
// TOTP (RFC 6238) over HOTP (RFC 4226), Base32 (RFC 4648) and the otpauth://
// key URI the authenticator apps read (google-authenticator wiki, "Key Uri
// Format").  Codes are computed by liboath; only SHA1, SHA256 and SHA512 exist
// there (oath_totp_generate2), so those are the algorithms we accept.
#include <securedoc/base/bytes.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace securedoc {

/// RFC 4648 §6 Base32, upper case, without "=" padding (the key URI form).
std::string base32Encode(const Bytes& data);
/// RFC 4648 §6 Base32: case-insensitive, spaces ignored, trailing "=" padding
/// optional.  Throws Error(Malformed) on any other character, "=" before the
/// end, or a length no encoding can have.
Bytes base32Decode(std::string_view text);

/// One otpauth://totp/ key URI.
struct OtpAuth {
  std::string issuer;   ///< may be empty
  std::string account;  ///< never empty after parse()
  Bytes secret;
  int digits = 8;  ///< ours are 8; parse() takes 6 when the URI says nothing (Key Uri Format default)
  int period = 30;
  std::string algorithm = "SHA1";  ///< "SHA1", "SHA256" or "SHA512"

  /// Parses `otpauth://totp/ISSUER:account?secret=BASE32&issuer=ISSUER&...`.
  /// Throws Error(Malformed) with a translated message for anything else:
  /// hotp, a missing, empty, undecodable or short (< 10 bytes) secret, digits
  /// outside 6..8, a period outside 15..120 s, an algorithm liboath cannot
  /// compute, an issuer prefix that contradicts the issuer parameter, bad
  /// percent escapes, control characters, or a URI over 4096 characters.
  static OtpAuth parse(const std::string& uri);
  /// The canonical URI (every parameter written out, secret unpadded).
  std::string uri() const;
  /// "ISSUER:account", or the account alone without issuer.
  std::string name() const;
};

/// The TOTP code at `unixTime` (seconds since 1970, T0 = 0), `digits` long
/// with leading zeros.  Throws Error(Usage) for digits outside 6..8, a period
/// outside 1..3600, a negative time, an empty secret or an unknown algorithm.
/// Thread-safe.
std::string totpCode(const Bytes& secret, std::int64_t unixTime, int digits = 8, int period = 30,
                     std::string_view algorithm = "SHA1");
/// The code of `auth` at `unixTime`.
inline std::string totpCode(const OtpAuth& auth, std::int64_t unixTime) {
  return totpCode(auth.secret, unixTime, auth.digits, auth.period, auth.algorithm);
}

/// Seconds until the code at `unixTime` expires: 1..period.
int secondsLeft(std::int64_t unixTime, int period = 30);

/// The time step (floor(unixTime / period)) whose code equals `code`, looking
/// at steps T-window..T+window (RFC 6238 §5.2 allows one step of network delay;
/// securedoc-cloud accepts T-1, T and T+1: T+1 for a client clock that runs ahead).  Every candidate is computed and
/// compared in constant time (CRYPTO_memcmp); when several match, the one
/// nearest T wins (T first, then the earlier).  The caller keeps the returned
/// step to refuse replays (accept only a step greater than the last one used).
/// A code of the wrong length or with non-digits matches nothing.
std::optional<std::int64_t> totpMatchStep(const Bytes& secret, std::string_view code, std::int64_t unixTime,
                                          int window = 1, int digits = 8, int period = 30,
                                          std::string_view algorithm = "SHA1");

/// 20 random bytes from RAND_bytes (RFC 4226 R6 recommends 160 bits).
Bytes randomOtpSecret();

}  // namespace securedoc
