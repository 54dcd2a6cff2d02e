#pragma once
// Internal to formats/: the checks every signature format shares once it
// knows the signer's certificate and its signature time-stamps (ETSI EN
// 319 102-1 §5.2.6 X.509 certificate validation, §5.4 time-stamp validation).
// CMS (CAdES, PAdES) and XML (XAdES) verifiers feed them.
#include <securedoc/crypto/bytes.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/formats/format.h>
#include <securedoc/formats/report.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace securedoc::checks {

Check makeCheck(const char* id, Check::Status status, std::string detail = {});

/// Lowers a signature's result: the first TOTAL-FAILED stays; otherwise the
/// first INDETERMINATE reason stays.
void lower(SignatureReport& r, Indication i, SubIndication s);

/// Checks signature time-stamp tokens over `imprinted` (the bytes the token's
/// message imprint must hash: a SignerInfo's signature value, or the
/// canonical ds:SignatureValue element) and appends their reports to `r`.
/// Returns the earliest time a valid, trusted token proves.
std::optional<std::time_t> signatureTimestamps(SignatureReport& r, const std::vector<Bytes>& tokens,
                                               const Bytes& imprinted, const VerifyOptions& options,
                                               const std::vector<Certificate>& pool);

/// Marks archive time-stamps as present but not validated.
void archiveTimestampNotValidated(SignatureReport& r);

/// The signer's certificate (`r.signer`, which must be set): its chain to
/// the trust anchors at `now`, key usage, revocation.  `poe` is the proof of
/// existence a time-stamp gives, for expired certificates.
void signerCertificate(SignatureReport& r, const std::vector<Certificate>& pool, const VerifyOptions& options,
                       std::time_t now, std::optional<std::time_t> poe);

}  // namespace securedoc::checks
