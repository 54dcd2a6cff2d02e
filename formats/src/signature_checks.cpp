#include "signature_checks.h"

#include "crypto_policy.h"

#include <securedoc/crypto/chain.h>
#include <securedoc/crypto/timestamp.h>
#include <securedoc/i18n.h>

#include <algorithm>
#include <array>

namespace securedoc::checks {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

/// The signature's certificates plus those the user gave as chain material
/// (VerifyOptions::extraCertificates: untrusted, only for building paths).
std::vector<Certificate> withExtra(const std::vector<Certificate>& pool, const VerifyOptions& options) {
  std::vector<Certificate> out = pool;
  out.insert(out.end(), options.extraCertificates.begin(), options.extraCertificates.end());
  return out;
}

Check::Status passedIf(bool ok) { return ok ? Check::Status::Passed : Check::Status::Failed; }

/// Extended key usages that allow signing documents (RFC 5280 §4.2.1.12:
/// "If the extension is present, then the certificate MUST only be used for
/// one of the purposes indicated"):
///  - anyExtendedKeyUsage 2.5.29.37.0 (RFC 5280 §4.2.1.12),
///  - id-kp-emailProtection 1.3.6.1.5.5.7.3.4 (RFC 5280; S/MIME and CMS
///    signatures; many qualified signing certificates carry it),
///  - id-kp-documentSigning 1.3.6.1.5.5.7.3.36 (RFC 9336),
///  - Adobe Authentic Documents Trust 1.2.840.113583.1.1.5 (Adobe's PDF
///    document-signing purpose),
///  - Microsoft Document Signing 1.3.6.1.4.1.311.10.3.12 (szOID_KP_DOCUMENT_SIGNING).
/// serverAuth, clientAuth, codeSigning, timeStamping, OCSPSigning alone are
/// for other jobs and refuse the certificate.
constexpr std::array<const char*, 5> kDocumentSigningEkus{"2.5.29.37.0", "1.3.6.1.5.5.7.3.4", "1.3.6.1.5.5.7.3.36",
                                                          "1.2.840.113583.1.1.5", "1.3.6.1.4.1.311.10.3.12"};

}  // namespace

Check makeCheck(const char* id, Check::Status status, Note detail) { return Check{id, status, std::move(detail)}; }

void lower(SignatureReport& r, Indication i, SubIndication s) {
  if (r.indication == Indication::TotalFailed) return;  // the first failure stays
  if (r.indication == Indication::Indeterminate && r.subIndication != SubIndication::None &&
      i != Indication::TotalFailed) {
    return;  // keep the first reason for INDETERMINATE
  }
  r.indication = i;
  r.subIndication = s;
}

namespace {

/// The checks on the token itself: read, imprint, the TSA's signature and
/// its certificate in the token (RFC 3161 §2.4.2).
void tokenChecks(TimestampReport& t, const TimestampCheck& tc, const char* type, const Note::Args& why) {
  t.checks.push_back(
      makeCheck("parsed", passedIf(tc.parsed),
                tc.parsed ? Note{} : Note{"timestamp-unreadable", N_("the token cannot be read: {reason}"), why}));
  if (!tc.parsed) return;
  t.checks.push_back(
      makeCheck("imprint", passedIf(tc.imprintMatches),
                tc.imprintMatches ? Note{}
                : std::string_view(type) == "document"
                    ? Note{"document-timestamp-imprint-mismatch",
                           N_("the document changed after it was time-stamped (the message imprint differs)")}
                : std::string_view(type) == "archive"
                    ? Note{"archive-timestamp-imprint-mismatch",
                           N_("the signature or its validation data changed after the archive time-stamp "
                              "(the message imprint differs)")}
                    : Note{"timestamp-imprint-mismatch",
                           N_("the time-stamp does not cover this signature (its message imprint differs)")}));
  t.checks.push_back(makeCheck("signatureValue", passedIf(tc.signatureValid),
                               tc.signatureValid ? Note{}
                                                 : Note{"timestamp-signature-invalid",
                                                        N_("the TSA's signature does not verify: {reason}"), why}));
  t.checks.push_back(
      makeCheck("tsaCertificate", passedIf(tc.tsa.has_value()),
                tc.tsa ? Note{"timestamp-tsa", N_("issued by {subject}"), {{"subject", tc.tsa->subject()}}}
                       : Note{"timestamp-no-tsa-certificate", N_("the token does not carry the TSA's certificate")}));
}

/// The checks on the TSA's certificate (`tc.tsa`, which must be set): its
/// extended key usage (RFC 3161 §2.3), the token's ESS reference to it
/// (RFC 3161 §2.4.2 / RFC 5816) and its chain.
void tsaCertificateChecks(TimestampReport& t, const TimestampCheck& tc, const VerifyOptions& options) {
  const std::vector<std::string> ekus = tc.tsa->extendedKeyUsage();
  t.checks.push_back(
      makeCheck("extendedKeyUsage", passedIf(tc.ekuValid),
                tc.ekuValid ? Note{}
                            : Note{"timestamp-tsa-eku",
                                   N_("RFC 3161 §2.3: the TSA certificate must have one critical extended key usage, "
                                      "id-kp-timeStamping only; it has: {usages} (critical: {critical})"),
                                   {{"usages", ekus.empty() ? "-" : join(ekus)},
                                    {"critical", tc.tsa->extendedKeyUsageCritical() ? "yes" : "no"}}}));
  t.checks.push_back(makeCheck(
      "essCertificate", passedIf(tc.essCertificateMatches),
      tc.essCertificateMatches
          ? Note{}
          : Note{"timestamp-ess-mismatch", N_("RFC 3161 §2.4.2 / RFC 5816: the token's signing-certificate attribute "
                                              "is missing or does not name the TSA certificate")}));
  if (tc.chain.status == ChainStatus::Valid) {
    t.checks.push_back(makeCheck("certificateChain", Check::Status::Passed));
  } else {
    t.checks.push_back(makeCheck("certificateChain", Check::Status::Failed,
                                 options.trustAnchors.empty()
                                     ? Note{"no-trust-anchor", N_("no trust anchor was given")}
                                     : Note{"chain-not-trusted",
                                            N_("the certificate does not chain to a trusted root: {reason}"),
                                            {{"reason", tc.chain.detail}}}));
  }
}

/// genTime (RFC 3161 §2.4.2) may not be after the validation time.
void genTimeCheck(TimestampReport& t, const TimestampCheck& tc, const VerifyOptions& options) {
  const std::time_t limit = options.time.value_or(std::time(nullptr));
  t.checks.push_back(
      makeCheck("genTime", passedIf(tc.genTimeAcceptable),
                tc.genTimeAcceptable ? Note{}
                : tc.genTime         ? Note{"timestamp-gentime-future",
                                    N_("the time-stamp's time {time} is after the validation time {validationTime}"),
                                    {{"time", isoTime(*tc.genTime)}, {"validationTime", isoTime(limit)}}}
                             : Note{"timestamp-gentime-unreadable", N_("the time-stamp's time cannot be read")}));
}

/// The token's indication, sub-indication and detail from its checks.
void judgeTimestamp(TimestampReport& t, const TimestampCheck& tc, const VerifyOptions& options, const Note::Args& why) {
  // Which indication a failed rule gives.  Each of them means the token is
  // not a time-stamp over this signature, whatever trust is added later,
  // so all are TOTAL-FAILED and prove nothing (ETSI EN 319 102-1 §5.4;
  // README.md: one that fails proves nothing).  Sub-indications, after
  // EN 319 102-1 Table 5 (§5.1.3): unreadable → FORMAT_FAILURE; imprint →
  // HASH_FAILURE; TSA signature → SIG_CRYPTO_FAILURE; a TSA certificate
  // outside RFC 3161 §2.3 → CHAIN_CONSTRAINTS_FAILURE (the X.509
  // validation constraint it breaks); an ESS reference to another
  // certificate → NO_SIGNING_CERTIFICATE_FOUND (the token's signing
  // certificate is not identified, §5.2.3); genTime after the validation
  // time → SIG_CONSTRAINTS_FAILURE (a signed attribute against the
  // validation constraints).  ETSI files the last three under
  // INDETERMINATE for signatures; for a time-stamp they are definitive.
  if (!tc.ok()) {
    t.indication = Indication::TotalFailed;
    t.subIndication = !tc.parsed                      ? SubIndication::FormatFailure
                      : !tc.imprintMatches            ? SubIndication::HashFailure
                      : !tc.signatureValid || !tc.tsa ? SubIndication::SigCryptoFailure
                      : !tc.ekuValid                  ? SubIndication::ChainConstraintsFailure
                      : !tc.essCertificateMatches     ? SubIndication::NoSigningCertificateFound
                                                      : SubIndication::SigConstraintsFailure;
    // The report says why with the first rule that failed (its own code).
    const auto failed = std::find_if(t.checks.begin(), t.checks.end(), [](const Check& c) {
      return c.status == Check::Status::Failed && c.id != "certificateChain";
    });
    t.detail = failed != t.checks.end() ? failed->detail
                                        : Note{"timestamp-failed", N_("the time-stamp is not valid: {reason}"), why};
  } else if (tc.chain.status != ChainStatus::Valid) {
    t.indication = Indication::Indeterminate;
    t.subIndication = SubIndication::NoCertificateChainFound;
    t.detail = options.trustAnchors.empty() ? Note{"no-trust-anchor", N_("no trust anchor was given")}
                                            : Note{"chain-not-trusted",
                                                   N_("the certificate does not chain to a trusted root: {reason}"),
                                                   {{"reason", tc.chain.detail}}};
  } else {
    t.indication = Indication::TotalPassed;
  }
}

}  // namespace

TimestampReport timestampReport(const TimestampCheck& tc, const char* type, const VerifyOptions& options) {
  TimestampReport t;
  t.type = type;
  t.time = tc.genTime;
  t.tsa = tc.tsa;
  const Note::Args why{{"reason", tc.detail}};
  tokenChecks(t, tc, type, why);
  if (tc.tsa) tsaCertificateChecks(t, tc, options);
  if (tc.parsed) genTimeCheck(t, tc, options);
  judgeTimestamp(t, tc, options, why);
  return t;
}

std::optional<std::time_t> signatureTimestamps(SignatureReport& r, const std::vector<Bytes>& tokens,
                                               const Bytes& imprinted, const VerifyOptions& options,
                                               const std::vector<Certificate>& pool) {
  std::optional<std::time_t> poe;  // earliest proof of existence from a passed time-stamp
  const std::vector<Certificate> material = withExtra(pool, options);
  for (const Bytes& tokenDer : tokens) {
    // genTime (RFC 3161 §2.4.2) may not be after the validation time: a token
    // "from the future" proves nothing.
    const TimestampCheck tc = checkTimestampToken(tokenDer, imprinted, options.trustAnchors, material, options.time);
    TimestampReport t = timestampReport(tc, "signature", options);
    if (t.indication == Indication::TotalFailed) {
      r.messages.push_back(Note{"timestamp-not-valid",
                                N_("A signature time-stamp is not valid and gives no proof of the signing time.")});
    } else if (t.indication == Indication::TotalPassed && tc.genTime && (!poe || *tc.genTime < *poe)) {
      poe = tc.genTime;
    }
    r.timestamps.push_back(std::move(t));
  }
  return poe;
}

bool hasUsableSignatureTimestamp(const SignatureReport& r) { return hasUsableTimestamp(r, "signature"); }

bool hasUsableTimestamp(const SignatureReport& r, const char* type) {
  return std::any_of(r.timestamps.begin(), r.timestamps.end(), [type](const TimestampReport& t) {
    return t.type == type && t.indication != Indication::TotalFailed;
  });
}

std::optional<std::time_t> archiveTimestamp(SignatureReport& r, const TimestampCheck& tc,
                                            const VerifyOptions& options) {
  TimestampReport t = timestampReport(tc, "archive", options);
  std::optional<std::time_t> poe;
  if (t.indication == Indication::TotalFailed) {
    r.messages.push_back(Note{"archive-timestamp-not-valid",
                              N_("An archive time-stamp is not valid: it proves nothing about when the signature "
                                 "and its validation data existed.")});
  } else if (t.indication == Indication::TotalPassed) {
    poe = tc.genTime;
  }
  r.timestamps.push_back(std::move(t));
  return poe;
}

std::optional<std::time_t> earliest(std::optional<std::time_t> a, std::optional<std::time_t> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

namespace {

/// The signature's algorithms, each once: its digests (`r.digestAlgorithm`
/// and `moreDigests`), the digest its signature algorithm implies, the signer's key.
std::vector<crypto_policy::Verdict> algorithmsOf(const SignatureReport& r,
                                                 const std::vector<std::string>& moreDigests) {
  using crypto_policy::Verdict;
  std::vector<Verdict> items;
  auto add = [&items](Verdict v) {
    const bool seen =
        std::any_of(items.begin(), items.end(), [&v](const Verdict& o) { return o.algorithm == v.algorithm; });
    if (!seen) items.push_back(std::move(v));
  };
  if (!r.digestAlgorithm.empty()) add(crypto_policy::digest(r.digestAlgorithm));
  for (const std::string& d : moreDigests) {
    if (!d.empty()) add(crypto_policy::digest(d));
  }
  if (auto v = crypto_policy::digestOfSignatureAlgorithm(r.signatureAlgorithm)) add(std::move(*v));
  if (r.signer) add(crypto_policy::signingKey(*r.signer));
  return items;
}

/// The first algorithm of each kind of verdict (pointers into the items
/// judged), and the names of all of them.
struct AlgorithmVerdicts {
  const crypto_policy::Verdict* forbidden = nullptr;
  const crypto_policy::Verdict* expired = nullptr;
  const crypto_policy::Verdict* proven = nullptr;
  const crypto_policy::Verdict* unknown = nullptr;
  std::vector<std::string> names;
};

/// ETSI EN 319 102-1 §5.2.8 (and §5.6.2.5 for past validation): an
/// algorithm no longer acceptable at the validation time still is when a
/// proof of existence shows the signature was made before its end date.
AlgorithmVerdicts judgeAlgorithms(const std::vector<crypto_policy::Verdict>& items, std::optional<std::time_t> poe,
                                  std::time_t now) {
  using crypto_policy::Status;
  using crypto_policy::Verdict;
  AlgorithmVerdicts j;
  for (const Verdict& v : items) {
    j.names.push_back(v.algorithm);
    switch (v.status) {
      case Status::Acceptable:
        break;
      case Status::Forbidden:
        if (!j.forbidden) j.forbidden = &v;
        break;
      case Status::Legacy:
        if (v.end && now < *v.end) break;
        if (v.end && poe && *poe < *v.end) {
          if (!j.proven) j.proven = &v;
        } else if (!j.expired) {
          j.expired = &v;
        }
        break;
      case Status::Unknown:
        if (!j.unknown) j.unknown = &v;
        break;
    }
  }
  return j;
}

}  // namespace

void cryptographicConstraints(SignatureReport& r, std::optional<std::time_t> poe, std::time_t now,
                              const std::vector<std::string>& moreDigests) {
  const std::vector<crypto_policy::Verdict> items = algorithmsOf(r, moreDigests);
  const AlgorithmVerdicts j = judgeAlgorithms(items, poe, now);
  if (j.forbidden) {
    r.checks.push_back(makeCheck("cryptographicConstraints", Check::Status::Failed,
                                 Note{"crypto-algorithm-forbidden",
                                      N_("{algorithm} is not acceptable for signatures at any date ({source})"),
                                      {{"algorithm", j.forbidden->algorithm}, {"source", j.forbidden->source}}}));
    r.messages.push_back(Note{"crypto-algorithm-forbidden-message",
                              N_("The signature uses {algorithm}, which is too weak to prove anything."),
                              {{"algorithm", j.forbidden->algorithm}}});
    lower(r, Indication::Indeterminate, SubIndication::CryptoConstraintsFailure);
  } else if (j.expired) {
    const std::string end = isoTime(*j.expired->end);
    r.checks.push_back(
        makeCheck("cryptographicConstraints", Check::Status::Failed,
                  Note{"crypto-algorithm-expired",
                       N_("{algorithm} is acceptable only for signatures proven to exist before {date}, "
                          "and no proof of existence before then was found ({source})"),
                       {{"algorithm", j.expired->algorithm}, {"date", end}, {"source", j.expired->source}}}));
    r.messages.push_back(Note{"crypto-algorithm-expired-message",
                              N_("The signature uses {algorithm}, no longer acceptable since {date}, and nothing "
                                 "proves it was made before then."),
                              {{"algorithm", j.expired->algorithm}, {"date", end}}});
    lower(r, Indication::Indeterminate, SubIndication::CryptoConstraintsFailureNoPoe);
  } else if (j.proven) {
    r.checks.push_back(makeCheck(
        "cryptographicConstraints", Check::Status::Passed,
        Note{"crypto-algorithm-proven-in-time",
             N_("{algorithm} is no longer acceptable since {date}, but a time-stamp proves the "
                "signature existed at {poe}"),
             {{"algorithm", j.proven->algorithm}, {"date", isoTime(*j.proven->end)}, {"poe", isoTime(*poe)}}}));
  } else if (j.unknown) {
    r.checks.push_back(
        makeCheck("cryptographicConstraints", Check::Status::Warning,
                  Note{"crypto-algorithm-unknown",
                       N_("{algorithm} is not in the table of algorithms (ETSI TS 119 312); it was not judged"),
                       {{"algorithm", j.unknown->algorithm}}}));
  } else {
    r.checks.push_back(makeCheck("cryptographicConstraints", Check::Status::Passed,
                                 Note{"crypto-algorithms-acceptable",
                                      N_("acceptable algorithms: {algorithms}"),
                                      {{"algorithms", join(j.names)}}}));
  }
}

void archiveTimestampNotValidated(SignatureReport& r) {
  TimestampReport t;
  t.type = "archive";
  t.indication = Indication::Indeterminate;
  t.detail = Note{"archive-timestamp-not-validated", N_("archive time-stamps are not validated by this version")};
  r.timestamps.push_back(std::move(t));
  r.messages.push_back(Note{"archive-timestamps-not-validated",
                            N_("Archive time-stamps (B-LTA) are recognised but not yet validated.")});
}

namespace {

/// The check "certificateChain" of the signer's certificate `cert` from its
/// chain validated at the validation time, and for an expired one `past`,
/// the chain validated at the proof of existence `poe` (ETSI EN 319 102-1
/// §5.6.2.2: a certificate that was valid when the signature is proven to
/// exist keeps its signatures, when its revocation status at that time is
/// known: see revocationCheck).
void chainCheck(SignatureReport& r, const Certificate& cert, const ChainResult& chain, const ChainResult* past,
                const VerifyOptions& options, std::optional<std::time_t> poe) {
  const Note::Args reason{{"reason", chain.detail}};
  switch (chain.status) {
    case ChainStatus::Valid:
      r.checks.push_back(makeCheck("certificateChain", Check::Status::Passed));
      break;
    case ChainStatus::NoChain:
      if (options.trustAnchors.empty()) {
        r.checks.push_back(makeCheck("certificateChain", Check::Status::Failed,
                                     Note{"no-trust-anchor", N_("no trust anchor was given")}));
        r.messages.push_back(
            Note{"no-trust-anchor-message",
                 N_("No trust anchor was given, so the signer's certificate chain cannot be trusted.")});
      } else {
        r.checks.push_back(makeCheck(
            "certificateChain", Check::Status::Failed,
            Note{"chain-not-trusted", N_("the certificate does not chain to a trusted root: {reason}"), reason}));
        r.messages.push_back(
            Note{"chain-not-trusted-message", N_("The signer's certificate does not chain to a trusted root.")});
      }
      lower(r, Indication::Indeterminate, SubIndication::NoCertificateChainFound);
      break;
    case ChainStatus::Expired:
      if (past && past->status == ChainStatus::Valid) {
        r.checks.push_back(makeCheck("certificateChain", Check::Status::Passed,
                                     Note{"chain-valid-at-poe",
                                          N_("the chain was valid at {poe}, when a time-stamp proves the signature "
                                             "existed; it has expired since"),
                                          {{"poe", isoTime(*poe)}}}));
        break;
      }
      r.checks.push_back(
          makeCheck("certificateChain", Check::Status::Failed,
                    Note{"chain-expired", N_("a certificate of the chain has expired: {reason}"), reason}));
      if (poe && cert.validAt(*poe)) {
        r.messages.push_back(Note{"certificate-expired-poe",
                                  N_("The certificate has expired since; a time-stamp proves the signature existed "
                                     "while it was valid, but its revocation status at that time is unknown.")});
        lower(r, Indication::Indeterminate, SubIndication::OutOfBoundsNotRevoked);
      } else {
        r.messages.push_back(
            Note{"certificate-expired-no-poe",
                 N_("A certificate of the chain has expired and no time-stamp proves the signature existed before.")});
        lower(r, Indication::Indeterminate, SubIndication::OutOfBoundsNoPoe);
      }
      break;
    case ChainStatus::NotYetValid:
      r.checks.push_back(
          makeCheck("certificateChain", Check::Status::Failed,
                    Note{"chain-not-yet-valid", N_("a certificate of the chain is not yet valid: {reason}"), reason}));
      r.messages.push_back(Note{"certificate-not-yet-valid", N_("A certificate of the chain is not yet valid.")});
      lower(r, Indication::Indeterminate, SubIndication::NotYetValid);
      break;
    case ChainStatus::Invalid:
      r.checks.push_back(
          makeCheck("certificateChain", Check::Status::Failed,
                    Note{"chain-invalid", N_("the certificate chain is not acceptable: {reason}"), reason}));
      r.messages.push_back(
          Note{"chain-invalid-message", N_("The certificate chain is not acceptable: {reason}"), reason});
      lower(r, Indication::Indeterminate, SubIndication::CertificateChainGeneralFailure);
      break;
  }
}

/// The check "keyUsage": the signing certificate must be meant for
/// signatures (ETSI EN 319 102-1 §5.2.6: X.509 validation constraints; a
/// failure is INDETERMINATE / CHAIN_CONSTRAINTS_FAILURE).  keyUsage, when
/// present, must allow nonRepudiation (contentCommitment) or
/// digitalSignature (RFC 5280 §4.2.1.3); extendedKeyUsage, when present,
/// must name a document-signing purpose (RFC 5280 §4.2.1.12; the list above).
void keyUsageCheck(SignatureReport& r, const Certificate& cert) {
  const std::vector<std::string> usages = cert.keyUsage();
  const bool kuOk = !cert.hasKeyUsageExtension() || std::any_of(usages.begin(), usages.end(), [](const std::string& u) {
    return u == "nonRepudiation" || u == "digitalSignature";
  });
  const std::vector<std::string> ekuOids = cert.extendedKeyUsageOids();
  const bool ekuOk =
      !cert.hasExtendedKeyUsageExtension() || std::any_of(ekuOids.begin(), ekuOids.end(), [](const std::string& oid) {
        return std::find(kDocumentSigningEkus.begin(), kDocumentSigningEkus.end(), oid) != kDocumentSigningEkus.end();
      });
  if (!kuOk) {
    r.checks.push_back(makeCheck("keyUsage", Check::Status::Failed,
                                 Note{"signing-certificate-key-usage",
                                      N_("the certificate's key usage does not allow signatures (nonRepudiation or "
                                         "digitalSignature); it has: {usages}"),
                                      {{"usages", usages.empty() ? "-" : join(usages)}}}));
  } else if (!ekuOk) {
    const std::vector<std::string> ekus = cert.extendedKeyUsage();
    r.checks.push_back(
        makeCheck("keyUsage", Check::Status::Failed,
                  Note{"signing-certificate-extended-key-usage",
                       N_("the certificate's extended key usage does not allow signing documents; it has: {usages}"),
                       {{"usages", ekus.empty() ? "-" : join(ekus)}}}));
  } else {
    r.checks.push_back(makeCheck("keyUsage", Check::Status::Passed));
  }
  if (!kuOk || !ekuOk) {
    r.messages.push_back(Note{"signing-certificate-not-for-signatures",
                              N_("The signer's certificate is not meant for signing documents.")});
    lower(r, Indication::Indeterminate, SubIndication::ChainConstraintsFailure);
  }
}

}  // namespace

namespace {

const char* outcomeCode(RevocationResult::Outcome o) {
  switch (o) {
    case RevocationResult::Outcome::Good:
      return "good";
    case RevocationResult::Outcome::Revoked:
      return "revoked";
    case RevocationResult::Outcome::Unknown:
      return "unknown";
    case RevocationResult::Outcome::NoSource:
      return "no-source";
    case RevocationResult::Outcome::Unavailable:
      break;
  }
  return "unavailable";
}

RevocationReport revocationReport(const Certificate& cert, const RevocationResult& res) {
  RevocationReport out;
  out.subject = cert.subject();
  out.serial = cert.serialHex();
  out.status = outcomeCode(res.outcome);
  if (res.evidence) {
    const RevocationEvidence& e = *res.evidence;
    out.source = evidenceKindCode(e.kind);
    out.origin = evidenceOriginCode(e.origin);
    out.url = e.url;
    out.thisUpdate = e.thisUpdate;
    out.nextUpdate = e.nextUpdate;
    out.revocationTime = e.revocationTime;
    out.reason = revocationReasonName(e.reason);
  }
  if (res.outcome != RevocationResult::Outcome::Good) out.problems = res.problems;
  return out;
}

/// How the revocation of the path turned out, worst first.
struct RevocationVerdict {
  Check::Status status = Check::Status::Passed;
  Note detail;
};

/// Judges one certificate's revocation at the best-signature-time (ETSI EN
/// 319 102-1 §5.2.6 with §5.5.4 and §5.6.2.4): revoked at or before the time
/// a time-stamp proves is TOTAL-FAILED / REVOKED; revoked later passes, since
/// the signature provably came first; revoked without any proof of
/// existence is INDETERMINATE / REVOKED_NO_POE (the signing time is only a
/// claim).  No usable data where sources exist is INDETERMINATE / TRY_LATER,
/// or OUT_OF_BOUNDS_NOT_REVOKED for a certificate that has expired since.
void judgeRevocation(SignatureReport& r, const Certificate& cert, const RevocationReport& rep,
                     std::optional<std::time_t> poe, std::time_t now, RevocationVerdict& v) {
  const auto worsen = [&v](Check::Status s, Note n) {
    if (v.status == Check::Status::Failed) return;
    if (s == Check::Status::Warning && v.status == Check::Status::Warning) return;
    v.status = s;
    v.detail = std::move(n);
  };
  const Note::Args who{{"subject", rep.subject}};
  if (rep.status == "good") return;
  if (rep.status == "revoked") {
    const std::string when = rep.revocationTime ? isoTime(*rep.revocationTime) : "?";
    Note::Args args{{"subject", rep.subject}, {"time", when}, {"reason", rep.reason.empty() ? "-" : rep.reason}};
    if (poe && rep.revocationTime && *rep.revocationTime > *poe) {
      args.emplace_back("poe", isoTime(*poe));
      r.messages.push_back(Note{"revoked-after-poe",
                                N_("{subject} was revoked at {time} ({reason}), after a time-stamp proves the "
                                   "signature existed ({poe}); the signature stays valid."),
                                args});
      return;
    }
    worsen(Check::Status::Failed, Note{"certificate-revoked", N_("{subject} was revoked at {time} ({reason})"), args});
    if (poe) {
      r.messages.push_back(Note{"revoked-before-poe",
                                N_("The certificate was revoked at {time}, before the signature is proven to exist."),
                                {{"time", when}}});
      lower(r, Indication::TotalFailed, SubIndication::Revoked);
    } else {
      r.messages.push_back(Note{"revoked-no-poe",
                                N_("The certificate was revoked at {time}, and nothing proves the signature was made "
                                   "before."),
                                {{"time", when}}});
      lower(r, Indication::Indeterminate, SubIndication::RevokedNoPoe);
    }
    return;
  }
  if (rep.status == "unknown") {
    worsen(Check::Status::Failed,
           Note{"revocation-unknown", N_("the issuer's OCSP responder does not know {subject}"), who});
    r.messages.push_back(Note{"revocation-unknown-message",
                              N_("The certificate's issuer does not know the certificate; it may not be genuine.")});
    lower(r, Indication::Indeterminate, SubIndication::CertificateChainGeneralFailure);
    return;
  }
  if (rep.status == "no-source") {
    worsen(Check::Status::Warning,
           Note{"revocation-no-source",
                N_("{subject} names no OCSP responder or CRL, and the signature embeds none for it"), who});
    return;
  }
  worsen(Check::Status::Failed,
         Note{"revocation-unavailable", N_("the revocation status of {subject} could not be obtained"), who});
  if (cert.notAfter() < now) {
    lower(r, Indication::Indeterminate, SubIndication::OutOfBoundsNotRevoked);
    r.messages.push_back(Note{"certificate-expired-poe",
                              N_("The certificate has expired since; a time-stamp proves the signature existed "
                                 "while it was valid, but its revocation status at that time is unknown.")});
  } else {
    lower(r, Indication::Indeterminate, SubIndication::TryLater);
    r.messages.push_back(Note{"revocation-unavailable-message",
                              N_("The revocation status could not be obtained (nothing embedded, no answer from the "
                                 "CA); try again later or online.")});
  }
}

/// The check "revocation" over the validated `path`: each certificate but
/// the trust anchor, asked of options.revocation (or a checker of its own).
void revocationCheck(SignatureReport& r, const std::vector<Certificate>& path, const VerifyOptions& options,
                     const std::vector<Certificate>& material, std::time_t now, std::optional<std::time_t> poe,
                     const ValidationData& embedded) {
  std::optional<RevocationChecker> own;
  if (!options.revocation) own.emplace(RevocationOptions{options.offline, std::nullopt});
  RevocationChecker& checker = options.revocation ? *options.revocation : *own;
  const std::time_t control = poe.value_or(now);
  RevocationVerdict v;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    const Certificate& cert = path[i];
    const bool anchor = std::any_of(options.trustAnchors.begin(), options.trustAnchors.end(),
                                    [&cert](const Certificate& a) { return a == cert; });
    if (anchor) break;
    RevocationQuery q{cert,     path[i + 1],         control, std::nullopt, embedded.ocspResponses, embedded.crls,
                      material, options.trustAnchors};
    // A certificate that has expired since: CAs stop answering for it, so
    // only data issued while it was valid says anything (RFC 5280 §3.3).
    if (cert.notAfter() < now) q.issuedNoLaterThan = cert.notAfter();
    const RevocationReport rep = revocationReport(cert, checker.check(q));
    judgeRevocation(r, cert, rep, poe, now, v);
    r.revocation.push_back(rep);
  }
  if (v.status == Check::Status::Passed && !r.revocation.empty()) {
    const RevocationReport& first = r.revocation.front();
    v.detail = Note{"revocation-good",
                    N_("not revoked: {source} from {time} ({origin})"),
                    {{"source", first.source == "ocsp" ? "OCSP" : "CRL"},
                     {"time", first.thisUpdate ? isoTime(*first.thisUpdate) : "?"},
                     {"origin", first.url.empty() ? first.origin : first.url}}};
  }
  r.checks.push_back(makeCheck("revocation", v.status, std::move(v.detail)));
}

}  // namespace

void signerCertificate(SignatureReport& r, const std::vector<Certificate>& pool, const VerifyOptions& options,
                       std::time_t now, std::optional<std::time_t> poe, const ValidationData& embedded) {
  const Certificate& cert = *r.signer;
  const std::vector<Certificate> material = withExtra(pool, options);
  const ChainResult chain = validateChain(cert, material, options.trustAnchors, now);
  r.chain = chain.path;
  r.proofOfExistence = poe;
  // ETSI EN 319 102-1 §5.6.2.2: an expired path is judged again at the
  // proof of existence, when the certificate was valid then.
  std::optional<ChainResult> past;
  if (chain.status == ChainStatus::Expired && poe && cert.validAt(*poe)) {
    past = validateChain(cert, material, options.trustAnchors, *poe);
  }
  chainCheck(r, cert, chain, past ? &*past : nullptr, options, poe);
  keyUsageCheck(r, cert);
  const ChainResult& judged = past && past->status == ChainStatus::Valid ? *past : chain;
  if (judged.status != ChainStatus::Valid) {
    r.checks.push_back(
        makeCheck("revocation", Check::Status::NotChecked,
                  Note{"revocation-needs-chain", N_("not checked: the certificate has no valid chain")}));
    return;
  }
  revocationCheck(r, judged.path, options, material, now, poe, embedded);
}

}  // namespace securedoc::checks
