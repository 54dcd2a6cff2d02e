#pragma once
// Internal to formats/: the checks every signature format shares once it
// knows the signer's certificate and its signature time-stamps (ETSI EN
// 319 102-1 §5.2.6 X.509 certificate validation, §5.4 time-stamp validation).
// CMS (CAdES, PAdES) and XML (XAdES) verifiers feed them.
#include <securedoc/base/bytes.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/timestamp.h>
#include <securedoc/formats/format.h>
#include <securedoc/formats/report.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace securedoc::checks {

Check makeCheck(const char* id, Check::Status status, Note detail = {});

/// Lowers a signature's result: the first TOTAL-FAILED stays; otherwise the
/// first INDETERMINATE reason stays.
void lower(SignatureReport& r, Indication i, SubIndication s);

/// Checks signature time-stamp tokens over `imprinted` (the bytes the token's
/// message imprint must hash: a SignerInfo's signature value, or the
/// canonical ds:SignatureValue element) and appends their reports to `r`,
/// each with its checks ("parsed", "imprint", "signatureValue",
/// "tsaCertificate", "extendedKeyUsage", "essCertificate",
/// "certificateChain", "genTime").  A token that breaks a TSA rule (RFC 3161
/// §2.3 EKU, §2.4.2 / RFC 5816 ESS reference, genTime after
/// `options.time`) is TOTAL-FAILED.  `pool` plus `options.extraCertificates`
/// are the chain material.  Returns the earliest time a TOTAL-PASSED (valid
/// and trusted) token proves; failed or untrusted tokens prove nothing.
/// A checked RFC 3161 token as a report entry of `type` ("signature",
/// "document"...): its checks in order, TOTAL-FAILED with the first failed
/// rule's sub-indication and note, INDETERMINATE when only its chain is not
/// trusted, else TOTAL-PASSED.  The one home of these rules for every format.
TimestampReport timestampReport(const TimestampCheck& tc, const char* type, const VerifyOptions& options);

std::optional<std::time_t> signatureTimestamps(SignatureReport& r, const std::vector<Bytes>& tokens,
                                               const Bytes& imprinted, const VerifyOptions& options,
                                               const std::vector<Certificate>& pool);

/// ETSI EN 319 122-1 §5.3 / EN 319 132-1 §5.3 / EN 319 142-1 §5.3: a
/// signature is B-T only when a signature time-stamp exists; one that failed
/// (TOTAL-FAILED) proves nothing, so it cannot make the level.  True when at
/// least one of `r.timestamps` of type "signature" is not TOTAL-FAILED.
bool hasUsableSignatureTimestamp(const SignatureReport& r);

/// Cryptographic constraints after ETSI TS 119 312 (see crypto_policy.h):
/// the digest (`r.digestAlgorithm` and `moreDigests`, e.g. XML reference
/// digests), the signature algorithm (`r.signatureAlgorithm`) and the
/// signer's key (`r.signer`) must be acceptable at `now`, or at the proof of
/// existence `poe` when one is given (ETSI EN 319 102-1 §5.2.8).  Adds the
/// check "cryptographicConstraints" and lowers `r` to INDETERMINATE /
/// CRYPTO_CONSTRAINTS_FAILURE(_NO_POE) when not.
void cryptographicConstraints(SignatureReport& r, std::optional<std::time_t> poe, std::time_t now,
                              const std::vector<std::string>& moreDigests = {});

/// Marks archive time-stamps as present but not validated (a kind this
/// version cannot check, e.g. CAdES archive-time-stamp v1).
void archiveTimestampNotValidated(SignatureReport& r);

/// An archive time-stamp (ETSI EN 319 122-1 §5.5.3 CAdES
/// archive-time-stamp-v3, EN 319 132-1 §5.5.2 XAdES ArchiveTimeStamp),
/// already checked by its format (`tc`: its imprint over what that format
/// archives, computed by the format), added to `r` as a time-stamp of type
/// "archive" under the same rules as every token (timestampReport).  One
/// that failed proves nothing and says so.  Returns its genTime when it is
/// TOTAL-PASSED: a proof of existence of everything it covers (the
/// signature, its time-stamps and validation data; EN 319 102-1 §5.6.2.3).
std::optional<std::time_t> archiveTimestamp(SignatureReport& r, const TimestampCheck& tc, const VerifyOptions& options);

/// Whether one of `r.timestamps` of `type` ("signature", "archive") is not
/// TOTAL-FAILED: B-LTA needs a usable archive time-stamp as B-T needs a
/// usable signature time-stamp.
bool hasUsableTimestamp(const SignatureReport& r, const char* type);

/// The earlier of two proofs of existence (either may be missing).
std::optional<std::time_t> earliest(std::optional<std::time_t> a, std::optional<std::time_t> b);

/// The signer's certificate (`r.signer`, which must be set): its chain to
/// the trust anchors at `now` (through `pool` and
/// `options.extraCertificates`), whether it is meant for signatures (check
/// "keyUsage": keyUsage with nonRepudiation or digitalSignature, an
/// extendedKeyUsage allowing document signing; otherwise INDETERMINATE /
/// CHAIN_CONSTRAINTS_FAILURE), revocation.  `poe` is the proof of existence
/// a time-stamp gives, for expired certificates.
/// What a signature embeds for long-term validation (B-LT): OCSPResponses
/// and CRLs, DER.
struct ValidationData {
  std::vector<Bytes> ocspResponses;
  std::vector<Bytes> crls;
};

/// ... and revocation: every certificate of the path but the trust anchor,
/// from `embedded`, then options.revocation's cache and sources (check
/// "revocation", `r.revocation`), judged at `poe` when there is one (ETSI
/// EN 319 102-1 §5.6.2.4).  An expired certificate with a `poe` inside
/// its validity is judged at `poe` with revocation data from its validity.
void signerCertificate(SignatureReport& r, const std::vector<Certificate>& pool, const VerifyOptions& options,
                       std::time_t now, std::optional<std::time_t> poe, const ValidationData& embedded = {});

}  // namespace securedoc::checks
