#pragma once
// RFC 3161 client: asks a time-stamp authority (TSA) over HTTP(S) for a
// time-stamp token and checks the answer before handing it out.
#include <securedoc/base/bytes.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/digest.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace securedoc {

struct TsaOptions {
  /// http:// or https:// address of the TSA ("http://tsa.example/tsa").
  std::string url;
  /// The hash algorithm of the message imprint.
  DigestAlgorithm digest = DigestAlgorithm::Sha256;
  /// Trust anchors for the TSA certificate's chain.  When empty, every check
  /// below runs except the chain: the token's signature is still verified with
  /// the TSA certificate the token carries, but nothing says that certificate
  /// belongs to a TSA anyone trusts.  Only for tests and diagnostics.
  std::vector<Certificate> trustAnchors;
  /// CA bundle for an https:// URL (the system store when unset).
  std::optional<std::filesystem::path> tlsCaFile;
  /// Whole-exchange limit, connecting included.
  long timeoutSeconds = 30;
};

/// The largest TimeStampResp accepted (a token with a long chain is a few KiB).
inline constexpr std::size_t kMaxTsaResponseSize = 1u << 20;

/// The DER of one checked exchange, for archiving or for checking it with
/// another tool (`openssl ts -verify -queryfile ... -in ...`).
struct TimestampExchange {
  Bytes request;   ///< the TimeStampReq sent
  Bytes response;  ///< the TimeStampResp received
  Bytes token;     ///< its TimeStampToken: the ContentInfo (SignedData over TSTInfo)
};

/// Sends a TimeStampReq (version 1, messageImprint = `digest`, a random 64-bit
/// nonce, certReq true) as `application/timestamp-query` and checks the answer:
///  - HTTP 200, Content-Type `application/timestamp-reply`, at most
///    kMaxTsaResponseSize bytes, otherwise Error(Network);
///  - a DER TimeStampResp with status granted (or grantedWithMods), whose
///    TSTInfo has version 1 and echoes our imprint and nonce, whose signature
///    verifies, whose ESS signing-certificate names the signer, and whose
///    signer chains to `trustAnchors` now, otherwise Error(Crypto);
///  - RFC 3161 §2.3: the TSA certificate "MUST contain only one instance of
///    the extended key usage field extension ... with KeyPurposeID having value
///    id-kp-timeStamping. This extension MUST be critical." otherwise Error(Crypto).
/// `digest` must be `options.digest`'s size (Error(Usage)).  Messages name
/// the URL (without any user:password part).  Not checked: revocation of the
/// TSA certificate, the policy, and whether genTime is plausible.
TimestampExchange requestTimestampExchange(const Bytes& digest, const TsaOptions& options);

/// requestTimestampExchange(hash of `imprintedData`).token: the DER
/// TimeStampToken over `imprintedData` (e.g. a SignerInfo's signature value).
Bytes requestTimestampToken(const Bytes& imprintedData, const TsaOptions& options);

/// Same, for a digest already computed with `options.digest`.
Bytes requestTimestampTokenForDigest(const Bytes& digest, const TsaOptions& options);

/// The media type of an HTTP Content-Type value, lower case, without
/// parameters: "Application/TimeStamp-Reply; x=y" -> "application/timestamp-reply".
std::string mediaType(std::string_view contentType);

}  // namespace securedoc
