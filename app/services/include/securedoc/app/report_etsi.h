#pragma once
// A verification report as an ETSI TS 119 102-2 validation report (XML,
// namespace http://uri.etsi.org/19102/v1.2.1#, root ValidationReport), for
// relying parties whose tools read the standard's report rather than ours
// (`securedoc-cli verify --format etsi`).  Like the JSON report it holds
// codes and URIs, never translated words.
#include <securedoc/formats/report.h>

#include <ctime>
#include <string>

namespace securedoc {

/// The whole document: UTF-8, one SignatureValidationReport per signature,
/// in the report's order, and the certificates they refer to as
/// SignatureValidationObjects.  `now` is the validation time when the report
/// does not carry one (TS 119 102-2 §4.3: ValidationTimeInfo needs one).
/// Every value taken from the verified file is escaped; bytes that are not
/// UTF-8, and characters XML 1.0 cannot carry, become U+FFFD.
/// A report without signatures yields a ValidationReport without
/// SignatureValidationReport: well-formed, but the schema asks for at least
/// one, so such a document is not schema-valid (the CLI exits 3 then).
std::string etsiValidationReport(const VerificationReport& report, std::time_t now = std::time(nullptr));

}  // namespace securedoc
