// The verification report as one printable HTML page.  Every
// value that comes from the verified file (names, messages, ids, the file
// name) is untrusted and goes through esc(); so do translations, which are
// data too.  The page has no scripts and loads nothing.
#include <securedoc/app/report_html.h>
#include <securedoc/app/report_render.h>
#include <securedoc/i18n.h>

#include <filesystem>
#include <sstream>
#include <string_view>

namespace securedoc {

namespace {

std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;  // U+FFFD: a NUL has no place in a page
      default:
        out += c;
    }
  }
  return out;
}

/// A time for people (local zone, the language's words) in a <time> element
/// whose machine-readable value and hover text are UTC (HTML Living
/// Standard, "the time element").
std::string timeHtml(std::time_t t) {
  return "<time datetime=\"" + isoTime(t) + "\" title=\"" + esc(utcTime(t)) + "\">" + esc(readableTime(t)) + "</time>";
}

const char* indicationClass(Indication i) {
  switch (i) {
    case Indication::TotalPassed:
      return "passed";
    case Indication::TotalFailed:
      return "failed";
    case Indication::Indeterminate:
      return "indeterminate";
  }
  return "indeterminate";
}

const char* indicationSymbol(Indication i) {
  switch (i) {
    case Indication::TotalPassed:
      return "\u2714";  // ✔
    case Indication::TotalFailed:
      return "\u2718";  // ✘
    case Indication::Indeterminate:
      return "\u26A0";  // ⚠
  }
  return "\u26A0";
}

/// The banner's headline: what a non-expert needs to know, for one or several signatures.
std::string headline(Indication i, std::size_t signatures) {
  const bool several = signatures > 1;
  switch (i) {
    case Indication::TotalPassed:
      return several ? tr("All signatures are valid") : tr("The signature is valid");
    case Indication::TotalFailed:
      return several ? tr("At least one signature is NOT valid") : tr("The signature is NOT valid");
    case Indication::Indeterminate:
      return several ? tr("The signatures could not be fully verified")
                     : tr("The signature could not be fully verified");
  }
  return {};
}

std::string etsiCode(Indication i, SubIndication s) {
  std::string code = indicationCode(i);
  if (s != SubIndication::None) code += std::string(" / ") + subIndicationCode(s);
  return code;
}

/// "✔ the signature is valid  TOTAL-PASSED" as inline HTML.
std::string resultHtml(Indication i, SubIndication s) {
  return std::string("<span class=\"badge ") + indicationClass(i) + "\"><span aria-hidden=\"true\">" +
         indicationSymbol(i) + "</span> " + esc(describe(i, s)) + "</span> <span class=\"code\">" +
         esc(etsiCode(i, s)) + "</span>";
}

const char* checkStatusWords(Check::Status s) {
  switch (s) {
    case Check::Status::Passed:
      return tr("passed");
    case Check::Status::Failed:
      return tr("failed");
    case Check::Status::NotChecked:
      return tr("not checked");
    case Check::Status::Warning:
      return tr("warning");
  }
  return "";
}

const char* checkStatusSymbol(Check::Status s) {
  switch (s) {
    case Check::Status::Passed:
      return "\u2714";
    case Check::Status::Failed:
      return "\u2718";
    case Check::Status::NotChecked:
      return "\u2013";  // –
    case Check::Status::Warning:
      return "\u26A0";
  }
  return "";
}

const char* checkStatusClass(Check::Status s) {
  switch (s) {
    case Check::Status::Passed:
      return "passed";
    case Check::Status::Failed:
      return "failed";
    case Check::Status::NotChecked:
      return "notchecked";
    case Check::Status::Warning:
      return "indeterminate";
  }
  return "";
}

std::string certName(const Certificate& c) { return c.commonName().empty() ? c.subject() : c.commonName(); }

constexpr const char* kStyle = R"(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; font-size: 11pt; line-height: 1.4;
  color: #111; background: #fff; margin: 2em auto; max-width: 52em; padding: 0 1em; }
h1 { font-size: 1.6em; margin: 0 0 .2em; }
h2 { font-size: 1.25em; margin: 0 0 .5em; }
h3 { font-size: 1em; margin: 1em 0 .3em; }
p { margin: .3em 0; }
.file { font-size: 1.1em; word-break: break-all; }
.banner { display: flex; align-items: center; gap: .8em; border: 3px solid; border-radius: 6px; padding: .8em 1em;
  margin: 1em 0; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.banner .symbol { font-size: 2.4em; line-height: 1; }
.banner .meaning::first-letter { text-transform: uppercase; }
.banner .verdict { font-size: 1.35em; font-weight: bold; margin: 0; }
.banner.passed { background: #e3f4e1; border-color: #2e7d32; color: #1b4d1e; }
.banner.failed { background: #fbe3e3; border-color: #c62828; color: #7a1414; }
.banner.indeterminate { background: #fff3d6; border-color: #b26a00; color: #5c3700; }
.badge.passed, td.passed { color: #1b6b21; }
.badge.failed, td.failed { color: #a31515; }
.badge.indeterminate, td.indeterminate { color: #8a5200; }
td.notchecked { color: #555; }
.code { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: .8em; color: #555; white-space: nowrap; }
.signature { border: 1px solid #bbb; border-radius: 6px; padding: .8em 1em; margin: 1.2em 0;
  break-inside: avoid-page; page-break-inside: avoid; }
table { border-collapse: collapse; width: 100%; margin: .3em 0; }
th, td { text-align: left; vertical-align: top; padding: .25em .5em; border-bottom: 1px solid #ddd;
  overflow-wrap: anywhere; }
table.facts th { width: 14em; font-weight: 600; color: #333; }
table.grid th { background: #f0f0f0; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
ol, ul { margin: .2em 0; padding-left: 1.6em; }
.changes li { color: #a31515; }
footer { margin-top: 2em; font-size: .85em; color: #555; border-top: 1px solid #ccc; padding-top: .5em; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  @page { margin: 1.5cm; }
}
)";

void signerRows(std::ostringstream& o, const Certificate& c) {
  o << "<tr><th>" << esc(tr("Signed by:")) << "</th><td><strong>" << esc(certName(c)) << "</strong></td></tr>\n";
  const std::string id = c.subjectField("serialNumber");
  if (!id.empty()) {
    o << "<tr><th>" << esc(tr("Personal/identity number:")) << "</th><td>" << esc(id) << "</td></tr>\n";
  }
  o << "<tr><th>" << esc(tr("Issuer:")) << "</th><td>" << esc(c.issuer()) << "</td></tr>\n";
  o << "<tr><th>" << esc(tr("Serial number:")) << "</th><td><span class=\"code\">" << esc(c.serialHex())
    << "</span></td></tr>\n";
  o << "<tr><th>" << esc(tr("Valid from:")) << "</th><td>" << timeHtml(c.notBefore()) << ' ' << esc(tr("to")) << ' '
    << timeHtml(c.notAfter()) << "</td></tr>\n";
}

/// The rows on what the signature protects: integrity, coverage of the
/// document and the changes made after signing.
void integrityRows(std::ostringstream& o, const SignatureReport& s) {
  o << "<tr><th>" << esc(tr("Integrity:")) << "</th><td>";
  if (integrityOf(s) == Check::Status::Failed) {
    o << "<strong class=\"badge failed\">" << esc(integrityWords(integrityOf(s))) << "</strong>";
  } else {
    o << esc(integrityWords(integrityOf(s)));
  }
  o << "</td></tr>\n";
  o << "<tr><th>" << esc(tr("Covers the whole document:")) << "</th><td>";
  if (!s.coversWholeDocument) {
    o << esc(tr("not applicable"));
  } else if (*s.coversWholeDocument) {
    o << esc(tr("yes"));
  } else {
    o << "<strong class=\"badge failed\">" << esc(tr("no")) << "</strong>";
  }
  o << "</td></tr>\n";
  o << "<tr><th>" << esc(tr("Changed after signing:")) << "</th><td>";
  if (s.modifications.empty()) {
    o << esc(tr("nothing"));
  } else {
    o << esc(modificationLevelName(s.modificationLevel.value_or(ModificationLevel::Other))) << "<ul class=\"changes\">";
    for (const auto& m : s.modifications) o << "<li>" << esc(describe(m)) << "</li>";
    o << "</ul>";
  }
  o << "</td></tr>\n";
}

/// The table of facts: signer, time, format, algorithms, integrity, what was signed.
void factsTable(std::ostringstream& o, const SignatureReport& s) {
  o << "<table class=\"facts\">\n";
  if (s.signer) {
    signerRows(o, *s.signer);
  } else {
    o << "<tr><th>" << esc(tr("Signed by:")) << "</th><td>" << esc(tr("unknown (no signing certificate)"))
      << "</td></tr>\n";
  }
  o << "<tr><th>" << esc(tr("Signing time (claimed by the signer):")) << "</th><td>"
    << (s.signingTime ? timeHtml(*s.signingTime) : esc(tr("not stated"))) << "</td></tr>\n";
  o << "<tr><th>" << esc(tr("Format:")) << "</th><td>" << esc(s.format);
  if (!s.level.empty()) o << ' ' << esc(s.level);
  o << "</td></tr>\n";
  if (!s.counterSignatureOf.empty()) {
    o << "<tr><th>" << esc(tr("Counter-signature of:")) << "</th><td>" << esc(s.counterSignatureOf) << "</td></tr>\n";
  }
  if (!s.digestAlgorithm.empty()) {
    o << "<tr><th>" << esc(tr("Digest algorithm:")) << "</th><td>" << esc(s.digestAlgorithm) << "</td></tr>\n";
  }
  if (!s.signatureAlgorithm.empty()) {
    o << "<tr><th>" << esc(tr("Signature algorithm:")) << "</th><td>" << esc(s.signatureAlgorithm) << "</td></tr>\n";
  }
  integrityRows(o, s);
  if (!s.signedData.empty()) {
    o << "<tr><th>" << esc(tr("Signed:")) << "</th><td><ul>";
    for (const auto& d : s.signedData) o << "<li>" << esc(describe(d)) << "</li>";
    o << "</ul></td></tr>\n";
  }
  o << "</table>\n";
}

/// The time-stamps, one row each with its result and the checks that did not pass.
void timestampsTable(std::ostringstream& o, const SignatureReport& s) {
  o << "<h3>" << esc(tr("Time-stamps:")) << "</h3>\n";
  if (s.timestamps.empty()) {
    o << "<p>" << esc(tr("none")) << "</p>\n";
    return;
  }
  o << "<table class=\"grid\"><thead><tr><th>" << esc(tr("Type")) << "</th><th>" << esc(tr("Time")) << "</th><th>"
    << esc(tr("Time-stamping authority")) << "</th><th>" << esc(tr("Result")) << "</th></tr></thead><tbody>\n";
  for (const auto& t : s.timestamps) {
    o << "<tr><td>" << esc(timestampTypeName(t.type)) << "</td><td>" << (t.time ? timeHtml(*t.time) : "?")
      << "</td><td>" << (t.tsa ? esc(certName(*t.tsa)) : esc(tr("unknown"))) << "</td><td>"
      << resultHtml(t.indication, t.subIndication);
    if (!t.detail.empty()) o << "<br>" << esc(describe(t.detail));
    for (const auto& c : t.checks) {
      if (c.status == Check::Status::Passed) continue;
      o << "<br>" << checkStatusSymbol(c.status) << ' ' << esc(checkLabel(c.id));
      if (!c.detail.empty()) o << ": " << esc(describe(c.detail));
    }
    o << "</td></tr>\n";
  }
  o << "</tbody></table>\n";
}

/// The certificate chain, the checks and the messages, each only when there are any.
void chainChecksAndMessages(std::ostringstream& o, const SignatureReport& s) {
  if (!s.chain.empty()) {
    o << "<h3>" << esc(tr("Certificate chain:")) << "</h3>\n<ol>";
    for (const auto& c : s.chain) o << "<li>" << esc(c.subject()) << "</li>";
    o << "</ol>\n";
  }

  if (!s.checks.empty()) {
    o << "<h3>" << esc(tr("Checks:")) << "</h3>\n<table class=\"grid\"><thead><tr><th>" << esc(tr("Check"))
      << "</th><th>" << esc(tr("Status")) << "</th><th>" << esc(tr("Detail")) << "</th></tr></thead><tbody>\n";
    for (const auto& c : s.checks) {
      o << "<tr><td>" << esc(checkLabel(c.id)) << " <span class=\"code\">" << esc(c.id) << "</span></td><td class=\""
        << checkStatusClass(c.status) << "\"><span aria-hidden=\"true\">" << checkStatusSymbol(c.status) << "</span> "
        << esc(checkStatusWords(c.status)) << "</td><td>" << esc(describe(c.detail)) << "</td></tr>\n";
    }
    o << "</tbody></table>\n";
  }

  if (!s.messages.empty()) {
    o << "<h3>" << esc(tr("Messages:")) << "</h3>\n<ul>";
    for (const auto& m : s.messages) o << "<li>" << esc(describe(m)) << "</li>";
    o << "</ul>\n";
  }
}

void signatureSection(std::ostringstream& o, const SignatureReport& s) {
  o << "<section class=\"signature\">\n<h2>";
  if (s.counterSignatureOf.empty()) {
    o << esc(format(tr("Signature {0} ({1} {2})"), {s.id, s.format, s.level}));
  } else {
    o << esc(format(tr("Counter-signature {0} of {1} ({2})"), {s.id, s.counterSignatureOf, s.format}));
  }
  o << "</h2>\n<p>" << resultHtml(s.indication, s.subIndication) << "</p>\n";
  factsTable(o, s);
  timestampsTable(o, s);
  chainChecksAndMessages(o, s);
  o << "</section>\n";
}

}  // namespace

std::string reportToHtml(const VerificationReport& r) {
  const std::string name = std::filesystem::path(r.file).filename().string();
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>" << esc(tr("Verification report")) << " \u2014 " << esc(name) << "</title>\n"
    << "<style>" << kStyle << "</style>\n</head>\n<body>\n";

  o << "<header>\n<h1>" << esc(tr("Verification report")) << "</h1>\n";
  o << "<p class=\"file\">" << esc(tr("File:")) << " <strong>" << esc(r.file) << "</strong>";
  if (!r.format.empty()) o << " (" << esc(r.format) << ')';
  o << "</p>\n</header>\n";

  if (r.signatures.empty()) {
    o << "<section class=\"banner indeterminate\" role=\"status\"><span class=\"symbol\" aria-hidden=\"true\">"
      << indicationSymbol(Indication::Indeterminate) << "</span><div><p class=\"verdict\">"
      << esc(tr("The file holds no signature.")) << "</p></div></section>\n";
  } else {
    const std::string verdict = headline(r.indication, r.signatures.size());
    std::string meaning = describe(r.indication, r.subIndication);
    if (!meaning.empty() && meaning[0] >= 'a' && meaning[0] <= 'z')
      meaning[0] = static_cast<char>(meaning[0] - 'a' + 'A');
    o << "<section class=\"banner " << indicationClass(r.indication)
      << "\" role=\"status\"><span class=\"symbol\" aria-hidden=\"true\">" << indicationSymbol(r.indication)
      << "</span><div><p class=\"verdict\">" << esc(verdict) << "</p><p class=\"meaning\">";
    // "The signature is valid" twice says nothing more: then only the code.
    if (meaning != verdict) o << esc(meaning) << ' ';
    o << "<span class=\"code\">" << esc(etsiCode(r.indication, r.subIndication)) << "</span></p></div></section>\n";
  }
  if (r.validationTime) {
    o << "<p>" << esc(tr("Validation time:")) << ' ' << timeHtml(*r.validationTime) << "</p>\n";
  }

  for (const auto& s : r.signatures) signatureSection(o, s);

  o << "<footer>" << esc(tr("Produced by SecureDoc.")) << "</footer>\n</body>\n</html>\n";
  return o.str();
}

}  // namespace securedoc
