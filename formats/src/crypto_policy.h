#pragma once
// Internal to formats/: the cryptographic constraints a signature's
// algorithms must meet (ETSI EN 319 102-1 §5.2.8 "signature acceptance
// validation", cryptographic constraints; the algorithms and their end
// dates after ETSI TS 119 312).  ONE table, in crypto_policy.cpp; every
// format asks it through checks::cryptographicConstraints.
#include <securedoc/crypto/certificate.h>

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace securedoc::crypto_policy {

enum class Status {
  Acceptable,  ///< no end date known
  Legacy,      ///< acceptable only for signatures proven to exist before `end`
  Forbidden,   ///< never acceptable, whatever the proof of existence
  Unknown,     ///< not in the table: reported, not refused
};

struct Verdict {
  std::string algorithm;  ///< display name: "SHA-1", "RSA-1024", "ECDSA P-256"...
  Status status = Status::Unknown;
  std::optional<std::time_t> end;  ///< Legacy: first moment it is no longer acceptable
  const char* source = "";         ///< where the rule comes from, for the report
};

/// A digest algorithm by any usual spelling: "SHA-256", "sha256", "SHA256",
/// an XML-DSig URI ("http://www.w3.org/2001/04/xmlenc#sha256"), "md5"...
Verdict digest(std::string_view name);
/// The digest a signature algorithm name implies ("sha1WithRSAEncryption",
/// "ecdsa-with-SHA1", "...xmldsig#rsa-sha1", "RSA-MD5"), if it names one.
std::optional<Verdict> digestOfSignatureAlgorithm(std::string_view name);
/// The signer's public key: algorithm and size (RSA modulus, DSA modulus,
/// EC curve, EdDSA).
Verdict signingKey(const Certificate& cert);

/// Normalised digest name ("SHA-256"), or "" when `name` is not a digest.
std::string canonicalDigestName(std::string_view name);

}  // namespace securedoc::crypto_policy
