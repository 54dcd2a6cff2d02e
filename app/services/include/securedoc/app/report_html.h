#pragma once
// A verification report as one self-contained, printable HTML page (the
// window's "Export as HTML"), translated like the text report.
#include <securedoc/formats/report.h>

#include <string>

namespace securedoc {

/// The whole page: UTF-8, no scripts, no external resources; every value
/// taken from the file (names, messages) is HTML-escaped.
std::string reportToHtml(const VerificationReport& report);

}  // namespace securedoc
