#include "signature_checks.h"

#include <securedoc/crypto/chain.h>
#include <securedoc/crypto/timestamp.h>
#include <securedoc/i18n.h>

namespace securedoc::checks {

Check makeCheck(const char* id, Check::Status status, std::string detail) {
  return Check{id, status, std::move(detail)};
}

void lower(SignatureReport& r, Indication i, SubIndication s) {
  if (r.indication == Indication::TotalFailed) return;  // the first failure stays
  if (r.indication == Indication::Indeterminate && r.subIndication != SubIndication::None &&
      i != Indication::TotalFailed) {
    return;  // keep the first reason for INDETERMINATE
  }
  r.indication = i;
  r.subIndication = s;
}

std::optional<std::time_t> signatureTimestamps(SignatureReport& r, const std::vector<Bytes>& tokens,
                                               const Bytes& imprinted, const VerifyOptions& options,
                                               const std::vector<Certificate>& pool) {
  std::optional<std::time_t> poe;  // earliest proof of existence from a valid time-stamp
  for (const Bytes& tokenDer : tokens) {
    const TimestampCheck tc = checkTimestampToken(tokenDer, imprinted, options.trustAnchors, pool);
    TimestampReport t;
    t.type = "signature";
    t.time = tc.genTime;
    t.tsa = tc.tsa;
    if (!tc.parsed || !tc.imprintMatches || !tc.signatureValid) {
      t.indication = Indication::TotalFailed;
      t.subIndication = !tc.parsed ? SubIndication::FormatFailure
                        : !tc.imprintMatches ? SubIndication::HashFailure
                                             : SubIndication::SigCryptoFailure;
      t.detail = tc.detail;
      r.messages.emplace_back(tr("A signature time-stamp is not valid and gives no proof of the signing time."));
    } else if (tc.chain.status != ChainStatus::Valid) {
      t.indication = Indication::Indeterminate;
      t.subIndication = SubIndication::NoCertificateChainFound;
      t.detail = options.trustAnchors.empty() ? tr("no trust anchor was given") : tc.chain.detail;
    } else {
      t.indication = Indication::TotalPassed;
      if (tc.genTime && (!poe || *tc.genTime < *poe)) poe = tc.genTime;
    }
    r.timestamps.push_back(std::move(t));
  }
  return poe;
}

void archiveTimestampNotValidated(SignatureReport& r) {
  TimestampReport t;
  t.type = "archive";
  t.indication = Indication::Indeterminate;
  t.detail = "archive time-stamps are not validated by this version";
  r.timestamps.push_back(std::move(t));
  r.messages.emplace_back(tr("Archive time-stamps (B-LTA) are recognised but not yet validated."));
}

void signerCertificate(SignatureReport& r, const std::vector<Certificate>& pool, const VerifyOptions& options,
                       std::time_t now, std::optional<std::time_t> poe) {
  const Certificate& cert = *r.signer;
  const ChainResult chain = validateChain(cert, pool, options.trustAnchors, now);
  r.chain = chain.path;
  switch (chain.status) {
    case ChainStatus::Valid:
      r.checks.push_back(makeCheck("certificateChain", Check::Status::Passed));
      break;
    case ChainStatus::NoChain:
      r.checks.push_back(makeCheck("certificateChain", Check::Status::Failed,
                                   options.trustAnchors.empty() ? tr("no trust anchor was given") : chain.detail));
      r.messages.emplace_back(options.trustAnchors.empty()
                                  ? tr("No trust anchor was given, so the signer's certificate chain cannot be trusted.")
                                  : tr("The signer's certificate does not chain to a trusted root."));
      lower(r, Indication::Indeterminate, SubIndication::NoCertificateChainFound);
      break;
    case ChainStatus::Expired:
      r.checks.push_back(makeCheck("certificateChain", Check::Status::Failed, chain.detail));
      if (poe && cert.validAt(*poe)) {
        r.messages.emplace_back(tr("The certificate has expired since; a time-stamp proves the signature existed while it was valid, but its revocation status at that time is unknown."));
        lower(r, Indication::Indeterminate, SubIndication::OutOfBoundsNotRevoked);
      } else {
        r.messages.emplace_back(tr("A certificate of the chain has expired and no time-stamp proves the signature existed before."));
        lower(r, Indication::Indeterminate, SubIndication::OutOfBoundsNoPoe);
      }
      break;
    case ChainStatus::NotYetValid:
      r.checks.push_back(makeCheck("certificateChain", Check::Status::Failed, chain.detail));
      r.messages.emplace_back(tr("A certificate of the chain is not yet valid."));
      lower(r, Indication::Indeterminate, SubIndication::NotYetValid);
      break;
    case ChainStatus::Invalid:
      r.checks.push_back(makeCheck("certificateChain", Check::Status::Failed, chain.detail));
      r.messages.emplace_back(format(tr("The certificate chain is not acceptable: {0}"), {chain.detail}));
      lower(r, Indication::Indeterminate, SubIndication::CertificateChainGeneralFailure);
      break;
  }
  if (cert.hasKeyUsageExtension() && !cert.allowsNonRepudiation()) {
    r.checks.push_back(makeCheck("keyUsage", Check::Status::Warning, tr("the certificate is not meant for non-repudiation")));
  } else {
    r.checks.push_back(makeCheck("keyUsage", Check::Status::Passed));
  }
  r.checks.push_back(makeCheck("revocation", Check::Status::NotChecked,
                               tr("revocation data (OCSP/CRL) is not checked by this version")));
}

}  // namespace securedoc::checks
