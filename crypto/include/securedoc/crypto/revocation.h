#pragma once
// Revocation status of a certificate: OCSP (RFC 6960) and CRLs (RFC 5280
// §5), each checked before it is believed, found where the signature embeds
// them, in a cache on disk, or online from the certificate's own
// authorityInfoAccess and CRL distribution points (over libcurl, loaded on
// first use).  Which status counts at which time is the verifier's business
// (formats/src/signature_checks.cpp, ETSI EN 319 102-1 §5.2.5 and §5.6); this
// layer says what each piece of evidence proves.
#include <securedoc/base/bytes.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/note.h>

#include <cstddef>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace securedoc {

enum class RevocationStatus { Good, Revoked, Unknown };
/// "good", "revoked", "unknown".
const char* revocationStatusCode(RevocationStatus s);
/// RFC 5280 §5.3.1 CRLReason by its number ("keyCompromise"...); "" for -1
/// (no reason given) and numbers the RFC does not define.
const char* revocationReasonName(int reason);

/// One OCSP response or CRL that was checked and found to speak, with
/// authority, about one certificate.
struct RevocationEvidence {
  enum class Kind { Ocsp, Crl };
  enum class Origin { Embedded, Cache, Online };
  Kind kind = Kind::Ocsp;
  Origin origin = Origin::Embedded;
  RevocationStatus status = RevocationStatus::Unknown;
  std::time_t thisUpdate = 0;
  std::optional<std::time_t> nextUpdate;
  std::optional<std::time_t> producedAt;  ///< OCSP only
  std::optional<std::time_t> revocationTime;
  int reason = -1;  ///< RFC 5280 CRLReason, -1 when none is given
  /// Who signed it: the OCSP responder, or the CRL's issuer.
  std::optional<Certificate> signer;
  std::string url;  ///< where it came from online or for the cache; "" when embedded
  /// The OCSPResponse or CertificateList as found, to embed it (B-LT).
  std::shared_ptr<const Bytes> der;
};
const char* evidenceKindCode(RevocationEvidence::Kind k);      ///< "ocsp", "crl"
const char* evidenceOriginCode(RevocationEvidence::Origin o);  ///< "embedded", "cache", "online"

/// A piece of revocation data after its checks: the evidence, or why it
/// was refused.
struct CheckedRevocation {
  std::optional<RevocationEvidence> evidence;
  Note problem;
};

/// An OCSPRequest (RFC 6960 §4.1) for `cert`, issued by `issuer`: one
/// CertID with SHA-1 (what every responder answers, RFC 5019 §2.1.1) and a
/// 32-byte nonce (RFC 8954 §2.1).
Bytes makeOcspRequest(const Certificate& cert, const Certificate& issuer);

/// Checks an OCSPResponse (RFC 6960 §3.2) about `cert`, issued by `issuer`:
///  - a successful response of type id-pkix-ocsp-basic;
///  - a SingleResponse whose CertID names exactly this certificate (issuer
///    name and key hashes with the CertID's own hash, and the serial);
///  - signed by the issuer itself, or by a delegated responder the issuer
///    certified for id-kp-OCSPSigning, or by one a trust anchor in
///    `trustAnchors` certified for it (the "local configuration" of
///    §4.2.2.2), valid when the response was produced; any other signer is
///    refused however valid its signature;
///  - with `requestDer` (an online answer), the request's nonce echoed: a
///    different nonce is refused, none at all is accepted (RFC 8954 §2.1
///    lets responders leave it out; freshness then rests on thisUpdate);
///  - thisUpdate and producedAt not after `now` plus five minutes of clock
///    skew, nextUpdate not before thisUpdate.
/// `pool`: more certificates that may hold the responder's (besides those
/// in the response).
CheckedRevocation checkOcspResponse(const Bytes& der, const Certificate& cert, const Certificate& issuer,
                                    const std::vector<Certificate>& pool, const Bytes* requestDer, std::time_t now,
                                    const std::vector<Certificate>& trustAnchors = {});

/// Checks a CRL (RFC 5280 §5, §6.3) about `cert`, issued by `issuer`: a
/// complete CRL (no deltaCRLIndicator, no critical extension or entry
/// extension we do not know, no issuingDistributionPoint scope that leaves
/// the certificate out), issued under the certificate's issuer name, signed
/// by `issuer` (with cRLSign when it states key usages), thisUpdate not
/// after `now` plus five minutes.  The status is Revoked when the serial is
/// listed (removeFromCRL entries do not count), else Good.
CheckedRevocation checkCrl(const Bytes& der, const Certificate& cert, const Certificate& issuer, std::time_t now);

/// ETSI EN 319 102-1 §5.2.5.4 (revocation freshness) without a constraint of
/// the policy: revocation data answers for `controlTime` when it was issued
/// at or after it, or when the issuer's promise reaches it (thisUpdate <=
/// controlTime <= nextUpdate).  A revocation is final, so Revoked evidence
/// always answers.
bool answersFor(const RevocationEvidence& e, std::time_t controlTime);

struct RevocationOptions {
  /// Only the signature's own data and the cache; never the network.
  bool offline = true;
  /// Where OCSP responses and CRLs fetched online are kept (ocsp/, crl/;
  /// files re-checked on every use); none when empty.
  std::optional<std::filesystem::path> cacheDir;
  long timeoutSeconds = 15;  ///< per request, connecting included
  std::size_t maxOcspSize = std::size_t{1} << 20;
  std::size_t maxCrlSize = std::size_t{64} << 20;  ///< national CRLs reach tens of MiB
  /// "Now" for the plausibility of thisUpdate; the system clock when 0.
  std::time_t now = 0;
};

/// What a verifier asks about one certificate of a path.
struct RevocationQuery {
  Certificate cert;
  Certificate issuer;
  /// The time the status must be known for (the best-signature-time,
  /// ETSI EN 319 102-1 §5.6.2.1).
  std::time_t controlTime = 0;
  /// Good evidence must have been issued no later than this: for an
  /// expired certificate its notAfter, since CAs drop expired certificates
  /// from CRLs and OCSP (RFC 5280 §3.3).
  std::optional<std::time_t> issuedNoLaterThan;
  /// What the signature embeds (DER OCSPResponses and CRLs).
  std::vector<Bytes> ocspResponses;
  std::vector<Bytes> crls;
  /// More certificates that may hold an OCSP responder's.
  std::vector<Certificate> pool;
  /// The user's trust anchors: a responder one of them certified for OCSP
  /// signing may answer for any certificate below it.
  std::vector<Certificate> trustAnchors;
};

struct RevocationResult {
  enum class Outcome {
    Good,         ///< evidence says good for the control time
    Revoked,      ///< evidence says revoked (at evidence->revocationTime)
    Unknown,      ///< the issuer's responder does not know the certificate
    NoSource,     ///< nothing embedded, and the certificate names no OCSP or CRL
    Unavailable,  ///< sources exist, but nothing usable was found
  };
  Outcome outcome = Outcome::Unavailable;
  std::optional<RevocationEvidence> evidence;
  /// Each piece of data refused and each source that failed, as notes.
  std::vector<Note> problems;
};

/// Answers RevocationQuery: embedded data first, then the cache, then
/// (unless offline) the certificate's OCSP responders and CRLs.  One object
/// per batch: it remembers what it fetched and what failed, so a thousand
/// signatures by one certificate make one request.  Thread-safe.
class RevocationChecker {
 public:
  explicit RevocationChecker(RevocationOptions options = {});
  ~RevocationChecker();
  RevocationChecker(const RevocationChecker&) = delete;
  RevocationChecker& operator=(const RevocationChecker&) = delete;

  RevocationResult check(const RevocationQuery& query);
  const RevocationOptions& options() const;
  /// Requests sent over the network so far (OCSP and CRL).
  std::size_t onlineRequests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// The folder for the revocation cache: $XDG_CACHE_HOME/securedoc/revocation,
/// else ~/.cache/securedoc/revocation; nullopt without a home.
std::optional<std::filesystem::path> defaultRevocationCacheDir();

}  // namespace securedoc
