#pragma once
// RFC 3161 time-stamp tokens: checking a token found in a signature.
#include <securedoc/crypto/bytes.h>
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
  std::optional<std::time_t> genTime;
  std::optional<Certificate> tsa;
  ChainResult chain;            ///< the TSA certificate's chain at genTime
  std::string detail;           ///< what failed, untranslated technical text
};

/// Checks the DER ContentInfo `token` against `imprintedData` (RFC 3161 §2.4.2
/// "messageImprint ... the hash of the datum to be time-stamped").
/// `extraCerts` are certificates from the enclosing signature.  Never throws
/// for bad tokens: the result says what failed.
TimestampCheck checkTimestampToken(const Bytes& token, const Bytes& imprintedData,
                                   const std::vector<Certificate>& anchors,
                                   const std::vector<Certificate>& extraCerts);

/// The same check when the imprinted data is not in memory (a PDF's byte
/// ranges): `hashOf(name)` returns the digest of the data with the OpenSSL
/// digest `name` ("SHA256", "SHA1"...), or nullopt if it cannot.
TimestampCheck checkTimestampTokenWith(const Bytes& token,
                                       const std::function<std::optional<Bytes>(const std::string& digestName)>& hashOf,
                                       const std::vector<Certificate>& anchors,
                                       const std::vector<Certificate>& extraCerts);

}  // namespace securedoc
