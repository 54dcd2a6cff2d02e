#pragma once
// Verification results per ETSI EN 319 102-1.  Verification
// returns this data; it throws only for misuse or unreadable input
// (ARCHITECTURE.md "Errors").  The CLI and the GUI render it.
#include <securedoc/crypto/certificate.h>
#include <securedoc/note.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace securedoc {

enum class Indication { TotalPassed, TotalFailed, Indeterminate };

enum class SubIndication {
  None,
  // TOTAL-FAILED
  FormatFailure,
  HashFailure,
  SigCryptoFailure,
  Revoked,
  // INDETERMINATE
  RevokedNoPoe,
  SigConstraintsFailure,
  ChainConstraintsFailure,
  CertificateChainGeneralFailure,
  CryptoConstraintsFailure,
  CryptoConstraintsFailureNoPoe,
  Expired,
  NotYetValid,
  NoSigningCertificateFound,
  NoCertificateChainFound,
  OutOfBoundsNoPoe,
  OutOfBoundsNotRevoked,
  SignedDataNotFound,
  TryLater,
};

/// "TOTAL-PASSED"...; "HASH_FAILURE"... as in the JSON report.
const char* indicationCode(Indication i);
const char* subIndicationCode(SubIndication s);

/// One check the verifier made, so a report can say what passed even when
/// the overall result is not TOTAL-PASSED.
struct Check {
  enum class Status { Passed, Failed, NotChecked, Warning };
  std::string id;  ///< stable code: "messageDigest", "signatureValue", ...
  Status status = Status::NotChecked;
  Note detail;  ///< why, as a code with arguments; may be empty
};
const char* checkStatusCode(Check::Status s);

/// How far a PDF was changed after a signature, in increasing order (after
/// pyHanko's and DSS's difference analysis; ISO 32000-1 §12.8.2.2 Table 254
/// for what DocMDP allows): validation data and document time-stamps
/// (ETSI EN 319 142-1 §5.4), then form filling and signing, then
/// annotations, then anything else, which nothing allows.
enum class ModificationLevel { None, LtaUpdates, FormFilling, Annotations, Other };
/// "none", "lta-updates", "form-filling", "annotations", "other".
const char* modificationLevelCode(ModificationLevel l);

/// One change after a signature, as data: a stable code ("annotation-added",
/// "object-changed"...) with named arguments ("page", "field", "object",
/// "subtype", "role", "key"); the CLI and the window turn it into words.
struct Modification {
  ModificationLevel level = ModificationLevel::Other;
  std::string code;
  std::vector<std::pair<std::string, std::string>> args;
  /// The argument `name`, or "".
  std::string arg(const std::string& name) const;
  bool operator==(const Modification& o) const { return level == o.level && code == o.code && args == o.args; }
};

struct TimestampReport {
  std::string type;  ///< "signature", "content", "archive", "document"
  std::optional<std::time_t> time;
  Indication indication = Indication::Indeterminate;
  SubIndication subIndication = SubIndication::None;
  std::optional<Certificate> tsa;
  Note detail;
  /// What was checked of the token (RFC 3161 §2.3/§2.4.2, RFC 5816 ESS
  /// certificate reference, ETSI EN 319 102-1 §5.4): "parsed", "imprint",
  /// "signatureValue", "tsaCertificate", "extendedKeyUsage", "essCertificate",
  /// "certificateChain", "genTime".
  std::vector<Check> checks;
};

/// A visible signature's box (ISO 32000-1 §12.5.2 /Rect): on page `page`
/// (from 1), in the page's default user space (points, origin bottom left,
/// before /Rotate).
struct SignatureAppearance {
  int page = 0;
  double x = 0, y = 0, width = 0, height = 0;
};

/// What was found about the revocation of one certificate of the signer's
/// path (ETSI EN 319 102-1 §5.2.5, §5.6.2): the signer's first, then its CAs
/// up to (not including) the trust anchor.
struct RevocationReport {
  std::string subject;
  std::string serial;  ///< upper-case hex
  /// "good", "revoked", "unknown" (the responder does not know it),
  /// "no-source" (the certificate names no OCSP or CRL and nothing is
  /// embedded), "unavailable" (nothing usable could be had).
  std::string status;
  std::string source;  ///< "ocsp", "crl", or "" without evidence
  std::string origin;  ///< "embedded", "cache", "online", or ""
  std::string url;
  std::optional<std::time_t> thisUpdate;
  std::optional<std::time_t> nextUpdate;
  std::optional<std::time_t> revocationTime;
  std::string reason;  ///< RFC 5280 CRLReason name, "" when none
  /// Why data was refused or sources failed (shown when status is not good).
  std::vector<Note> problems;
};

struct SignatureReport {
  std::string id;
  std::string format;  ///< "CAdES", "PAdES"...
  std::string level;   ///< "B-B", "B-T", "B-LT", "B-LTA"
  Indication indication = Indication::Indeterminate;
  SubIndication subIndication = SubIndication::None;
  std::optional<Certificate> signer;
  /// Claimed signing time (signed attribute), not a proof of existence.
  std::optional<std::time_t> signingTime;
  std::string digestAlgorithm;
  std::string signatureAlgorithm;
  std::vector<TimestampReport> timestamps;
  /// The earliest time a valid time-stamp proves the signature existed
  /// (ETSI EN 319 102-1 §5.6.2.1 best-signature-time); none without one.
  std::optional<std::time_t> proofOfExistence;
  std::vector<Certificate> chain;
  std::vector<RevocationReport> revocation;
  std::optional<bool> coversWholeDocument;
  /// PDF: the revision the signature covers (1 = the first) and its length:
  /// bytes [0, signedBytes) of the file are exactly what was signed.
  int signedRevision = 0;
  std::optional<std::uint64_t> signedBytes;
  /// PDF: where the signature shows on a page, when it is visible.
  std::optional<SignatureAppearance> appearance;
  /// What the signature covers, one entry per signed object (XML: each
  /// reference, naming the element whose digest was checked).
  std::vector<Note> signedData;
  /// PDF: the most a later revision changed (none when the signature covers
  /// the whole file), and every change, for every later revision.
  std::optional<ModificationLevel> modificationLevel;
  std::vector<Modification> modifications;
  std::vector<Check> checks;
  /// What a person should read, as codes with arguments.
  std::vector<Note> messages;
  /// For counter-signatures: the id of the signature this one countersigns.
  std::string counterSignatureOf;
};

/// The integrity of one signature after ETSI EN 319 102-1 §5.2.7, from its
/// checks and whatever the trust in its certificate: Failed when a digest
/// ("messageDigest", "references") or the value ("signatureValue") failed,
/// Passed when the value and every digest passed, NotChecked otherwise.
Check::Status integrityOf(const SignatureReport& s);
const char* integrityCode(Check::Status s);  ///< "valid", "invalid", "unknown"

struct VerificationReport {
  std::string file;
  std::string format;
  Indication indication = Indication::Indeterminate;
  SubIndication subIndication = SubIndication::None;
  std::vector<SignatureReport> signatures;
  std::optional<std::time_t> validationTime;

  /// Sets the overall result from the signatures: any TOTAL-FAILED wins,
  /// then INDETERMINATE; TOTAL-PASSED only when every signature passed.
  void computeOverall();
};

}  // namespace securedoc
