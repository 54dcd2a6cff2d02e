#pragma once
// RFC 3161 time-stamp tokens: checking a token found in a signature.
#include <securedoc/base/bytes.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/chain.h>

#include <ctime>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace securedoc {

struct TimestampCheck {
  bool parsed = false;          ///< the token is a SignedData with TSTInfo
  bool imprintMatches = false;  ///< messageImprint = hash(imprinted data)
  bool signatureValid = false;  ///< the TSA's signature over TSTInfo verifies
  /// RFC 3161 §2.3: the TSA certificate has exactly one extendedKeyUsage
  /// extension, critical, whose only purpose is id-kp-timeStamping.
  bool ekuValid = false;
  /// RFC 3161 §2.4.2 and RFC 5816 §2.2.1: the token's signed ESS
  /// signing-certificate or signing-certificate-v2 attribute identifies the
  /// certificate that verifies it (and is present: it is required).
  bool essCertificateMatches = false;
  /// genTime is known and not after the validation time (a token from the
  /// future proves nothing; genTime is defined in RFC 3161 §2.4.2).
  bool genTimeAcceptable = false;
  std::optional<std::time_t> genTime;
  std::optional<Certificate> tsa;
  ChainResult chain;   ///< the TSA certificate's chain at genTime
  std::string detail;  ///< the first thing that failed, untranslated technical text

  /// Cryptographically sound and within the TSA rules above; says nothing
  /// about trust (`chain`).
  bool ok() const {
    return parsed && imprintMatches && signatureValid && tsa && ekuValid && essCertificateMatches && genTimeAcceptable;
  }
};

/// RFC 3161 §2.3: the TSA certificate has exactly one extendedKeyUsage
/// extension, critical, holding id-kp-timeStamping and nothing else.  The
/// one test of it, for tokens found in signatures and for the client's
/// answers.
bool isTimeStampingOnly(X509* cert);

/// Checks the DER ContentInfo `token` against `imprintedData` (RFC 3161 §2.4.2
/// "messageImprint ... the hash of the datum to be time-stamped").
/// `extraCerts` are certificates from the enclosing signature (and any the
/// user gave: chain material, never trusted).  `validationTime` is the time
/// genTime must not be after; now when empty.  Never throws for bad tokens:
/// the result says what failed.
TimestampCheck checkTimestampToken(const Bytes& token, const Bytes& imprintedData,
                                   const std::vector<Certificate>& anchors, const std::vector<Certificate>& extraCerts,
                                   std::optional<std::time_t> validationTime = std::nullopt);

/// The same check when the imprinted data is not in memory (a PDF's byte
/// ranges): `hashOf(name)` returns the digest of the data with the OpenSSL
/// digest `name` ("SHA256", "SHA1"...), or nullopt if it cannot.
TimestampCheck checkTimestampTokenWith(const Bytes& token,
                                       const std::function<std::optional<Bytes>(const std::string& digestName)>& hashOf,
                                       const std::vector<Certificate>& anchors,
                                       const std::vector<Certificate>& extraCerts,
                                       std::optional<std::time_t> validationTime = std::nullopt);

}  // namespace securedoc
