#include <securedoc/formats/report.h>

namespace securedoc {

const char* indicationCode(Indication i) {
  switch (i) {
    case Indication::TotalPassed:
      return "TOTAL-PASSED";
    case Indication::TotalFailed:
      return "TOTAL-FAILED";
    case Indication::Indeterminate:
      return "INDETERMINATE";
  }
  return "INDETERMINATE";
}

const char* subIndicationCode(SubIndication s) {
  switch (s) {
    case SubIndication::None:
      return "";
    case SubIndication::FormatFailure:
      return "FORMAT_FAILURE";
    case SubIndication::HashFailure:
      return "HASH_FAILURE";
    case SubIndication::SigCryptoFailure:
      return "SIG_CRYPTO_FAILURE";
    case SubIndication::Revoked:
      return "REVOKED";
    case SubIndication::SigConstraintsFailure:
      return "SIG_CONSTRAINTS_FAILURE";
    case SubIndication::ChainConstraintsFailure:
      return "CHAIN_CONSTRAINTS_FAILURE";
    case SubIndication::CertificateChainGeneralFailure:
      return "CERTIFICATE_CHAIN_GENERAL_FAILURE";
    case SubIndication::CryptoConstraintsFailure:
      return "CRYPTO_CONSTRAINTS_FAILURE";
    case SubIndication::CryptoConstraintsFailureNoPoe:
      return "CRYPTO_CONSTRAINTS_FAILURE_NO_POE";
    case SubIndication::Expired:
      return "EXPIRED";
    case SubIndication::NotYetValid:
      return "NOT_YET_VALID";
    case SubIndication::NoSigningCertificateFound:
      return "NO_SIGNING_CERTIFICATE_FOUND";
    case SubIndication::NoCertificateChainFound:
      return "NO_CERTIFICATE_CHAIN_FOUND";
    case SubIndication::OutOfBoundsNoPoe:
      return "OUT_OF_BOUNDS_NO_POE";
    case SubIndication::OutOfBoundsNotRevoked:
      return "OUT_OF_BOUNDS_NOT_REVOKED";
    case SubIndication::SignedDataNotFound:
      return "SIGNED_DATA_NOT_FOUND";
    case SubIndication::TryLater:
      return "TRY_LATER";
    case SubIndication::RevokedNoPoe:
      return "REVOKED_NO_POE";
  }
  return "";
}

const char* checkStatusCode(Check::Status s) {
  switch (s) {
    case Check::Status::Passed:
      return "passed";
    case Check::Status::Failed:
      return "failed";
    case Check::Status::NotChecked:
      return "notChecked";
    case Check::Status::Warning:
      return "warning";
  }
  return "notChecked";
}

const char* modificationLevelCode(ModificationLevel l) {
  switch (l) {
    case ModificationLevel::None:
      return "none";
    case ModificationLevel::LtaUpdates:
      return "lta-updates";
    case ModificationLevel::FormFilling:
      return "form-filling";
    case ModificationLevel::Annotations:
      return "annotations";
    case ModificationLevel::Other:
      return "other";
  }
  return "other";
}

std::string Modification::arg(const std::string& name) const {
  for (const auto& [k, v] : args) {
    if (k == name) return v;
  }
  return {};
}

Check::Status integrityOf(const SignatureReport& s) {
  bool value = false;
  bool digestFailed = false;
  bool valueFailed = false;
  bool digestUnknown = false;
  for (const auto& c : s.checks) {
    if (c.id == "signatureValue") {
      value = c.status == Check::Status::Passed;
      valueFailed = c.status == Check::Status::Failed;
    } else if (c.id == "messageDigest" || c.id == "references") {
      digestFailed = digestFailed || c.status == Check::Status::Failed;
      digestUnknown = digestUnknown || c.status == Check::Status::NotChecked;
    }
  }
  if (digestFailed || valueFailed) return Check::Status::Failed;
  // A passed value without a digest check is a signature without signed
  // attributes (RFC 5652 §5.4): the value itself covers the content digest.
  if (value && !digestUnknown) return Check::Status::Passed;
  return Check::Status::NotChecked;
}

const char* integrityCode(Check::Status s) {
  switch (s) {
    case Check::Status::Passed:
      return "valid";
    case Check::Status::Failed:
      return "invalid";
    default:
      return "unknown";
  }
}

void VerificationReport::computeOverall() {
  const SignatureReport* failed = nullptr;
  const SignatureReport* indeterminate = nullptr;
  for (const auto& s : signatures) {
    if (s.indication == Indication::TotalFailed && !failed) failed = &s;
    if (s.indication == Indication::Indeterminate && !indeterminate) indeterminate = &s;
  }
  if (signatures.empty()) {
    indication = Indication::Indeterminate;
    subIndication = SubIndication::SignedDataNotFound;
  } else if (failed) {
    indication = Indication::TotalFailed;
    subIndication = failed->subIndication;
  } else if (indeterminate) {
    indication = Indication::Indeterminate;
    subIndication = indeterminate->subIndication;
  } else {
    indication = Indication::TotalPassed;
    subIndication = SubIndication::None;
  }
}

}  // namespace securedoc
