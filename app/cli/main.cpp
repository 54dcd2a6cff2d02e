// securedoc-cli: sign, extend, verify, inspect, certs (README.md "Command line").
#include "terminal_interaction.h"

#include <securedoc/app/report_etsi.h>
#include <securedoc/app/report_render.h>
#include <securedoc/app/signing.h>
#include <securedoc/app/verification.h>
#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <securedoc/app/cli_help.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

#include <charconv>
#include <cstdio>
#include <ctime>
#include <iostream>

using namespace securedoc;
namespace fs = std::filesystem;

namespace {

/// Sign's exit status: 0 all signed, 1 signing failed, 4 a file could not be
/// read or written, 64 bad usage.
int exitForError(const Error& e) {
  switch (e.category()) {
    case Category::Usage:
      return kExitUsage;
    case Category::Io:
    case Category::Malformed:
      return 4;
    default:
      return 1;
  }
}

/// What to type about a code the libraries report (ARCHITECTURE.md "Notes": libraries
/// say what is missing; only the CLI knows its flags, the window its
/// settings).  Empty when the code needs no hint.
std::string hintFor(const std::string& code) {
  if (code == "cloud-ca-required") return tr("use --cloud-ca FILE");
  if (code == "cloud-login-required") return tr("use --login NAME");
  if (code == "one-output-for-several-inputs") return tr("use --output-dir to sign several files");
  if (code == "tsa-required") return tr("give --tsa URL");
  if (code == "enveloped-needs-xml" || code == "too-large-to-envelope") return tr("use --mode detached");
  if (code == "pades-mode-not-applicable") return tr("use --format cades for a separate signature file");
  if (code == "detached-content-missing") return tr("give the signed file with --detached-content FILE");
  if (code == "public-key-required") return tr("give its public key with --public-key KEY.pem");
  return {};
}

void printError(const Error& e) {
  std::cerr << "securedoc-cli: " << e.what();
  if (const std::string hint = hintFor(e.note().code); !hint.empty()) std::cerr << "; " << hint;
  std::cerr << '\n';
}

/// After a text report: the hints its messages call for, once each.
void printReportHints(const VerificationReport& report) {
  std::vector<std::string> said;
  for (const auto& s : report.signatures) {
    for (const auto& m : s.messages) {
      const std::string hint = hintFor(m.code);
      if (hint.empty() || std::find(said.begin(), said.end(), hint) != said.end()) continue;
      said.push_back(hint);
      std::cout << format(tr("Hint: {0}"), {hint}) << '\n';
    }
  }
}

std::time_t parseIsoTime(const std::string& s) {
  struct tm tm {};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || (*end != '\0' && std::string(end) != "Z")) {
    throw Error(Category::Usage, format(tr("bad time \"{0}\" (use 2026-01-31T12:00:00Z)"), {s}));
  }
  return timegm(&tm);
}

struct Options {
  // sign
  std::string signer;
  std::string format = "auto";
  std::string level = "B-B";
  std::string mode;
  std::string tsa;
  std::string digest = "sha256";
  bool rsaPss = false;
  std::string outputDir;
  std::string output;
  std::string signingTime;
  std::string reason;
  std::string location;
  std::string contact;
  std::string certify;
  std::string visible;
  std::string visibleImage;
  std::vector<std::string> tsaAnchors;
  std::vector<std::string> inputs;
  // verify
  std::string reportFormat = "text";
  std::vector<std::string> anchors;
  std::vector<std::string> certificates;  ///< verify --certificate: untrusted chain material
  bool offline = false;
  std::string cacheDir;
  std::string tsaCa;
  std::string detachedContent;
  std::vector<std::string> publicKeys;
  std::string validationTime;
  std::string signedRevisions;  ///< verify --signed-revisions DIR
  std::string file;
  // common
  std::string passwordFile;
  std::string pinFile;
  // cloud: signer
  std::string cloudCa;
  std::string login;
  std::string credential;
  bool rememberSession = false;
  std::string otpCommand;
  bool quiet = false;
  bool json = false;
};

/// --visible PAGE,X,Y,WIDTH,HEIGHT: PAGE is a number from 1, "last", or -N
/// (the N-th page from the end, -1 the last), so that one box fits every PDF
/// of a batch; the rest are points from the page's bottom-left corner.
SignParams::Visible parseVisibleBox(const std::string& spec) {
  auto bad = [&spec] {
    return Error(Category::Usage,
                 format(tr("bad --visible \"{0}\" (use PAGE,X,Y,WIDTH,HEIGHT in points, PAGE a number, last or -N "
                           "for the N-th page from the end, e.g. last,36,36,220,60)"),
                        {spec}));
  };
  std::vector<std::string> parts;
  std::size_t from = 0;
  for (std::size_t comma = spec.find(',');; comma = spec.find(',', from)) {
    parts.push_back(spec.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  if (parts.size() != 5) throw bad();
  SignParams::Visible v;
  const std::string& page = parts[0];
  if (page == "last") {
    v.page = 1;
    v.fromEnd = true;
  } else {
    const bool negative = !page.empty() && page[0] == '-';
    const char* first = page.data() + (negative ? 1 : 0);
    const char* last = page.data() + page.size();
    const auto [end, ec] = std::from_chars(first, last, v.page);
    if (ec != std::errc() || end != last || v.page < 1) throw bad();
    v.fromEnd = negative;
  }
  double* const box[] = {&v.x, &v.y, &v.width, &v.height};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::string& t = parts[i + 1];
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), *box[i]);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size()) throw bad();
  }
  return v;
}

CloudSignerOptions cloudOptions(const Options& o) {
  CloudSignerOptions c;
  c.caFile = o.cloudCa;
  c.login = o.login;
  c.credentialId = o.credential;
  c.rememberSession = o.rememberSession;
  return c;
}

bool isCloudSpec(const std::string& spec) { return spec.rfind("cloud:", 0) == 0; }

/// A file of a batch that failed: the message on stderr, the first failure's
/// exit status kept in `status`, and its JSON entry: "error" is the message in
/// the user's language, for people; "code" (empty for errors not yet coded)
/// and "category" are for scripts.
nlohmann::json reportFileError(const fs::path& input, const Error& error, int& status) {
  printError(error);
  if (status == 0) status = exitForError(error);
  return {{"input", input.string()},
          {"error", error.what()},
          {"category", categoryName(error.category())},
          {"code", error.note().code}};
}

/// Every certificate of the --tsa-trust-anchor files (sign, extend).
std::vector<Certificate> tsaTrustAnchorsOf(const Options& o) {
  std::vector<Certificate> anchors;
  for (const auto& a : o.tsaAnchors) {
    auto certs = Certificate::loadFile(a);
    anchors.insert(anchors.end(), certs.begin(), certs.end());
  }
  return anchors;
}

int runSign(const Options& o, TerminalInteraction& ui, const FormatRegistry& registry) {
  SignRequest req;
  for (const auto& f : o.inputs) req.inputs.emplace_back(f);
  req.format = o.format;
  req.params.digest = parseDigestAlgorithm(o.digest);
  req.params.rsaPss = o.rsaPss;
  req.params.level = parseLevel(o.level);
  req.params.packaging = parsePackaging(o.mode);
  req.params.tsaUrl = o.tsa;
  if (!o.signingTime.empty()) req.params.signingTime = parseIsoTime(o.signingTime);
  req.params.reason = o.reason;
  req.params.location = o.location;
  req.params.contactInfo = o.contact;
  if (!o.visible.empty()) req.params.visible = parseVisibleBox(o.visible);
  if (req.params.visible) req.params.visible->image = o.visibleImage;
  if (o.certify == "no-changes") req.params.certifyPermission = 1;
  if (o.certify == "form-filling") req.params.certifyPermission = 2;
  if (o.certify == "annotations") req.params.certifyPermission = 3;
  req.params.tsaTrustAnchors = tsaTrustAnchorsOf(o);
  // An https:// TSA is checked against --tsa-ca, else against --cloud-ca
  // (the reference service's /tsa shares its TLS certificate), else the
  // system's CAs.
  if (!o.tsaCa.empty()) {
    req.params.tsaTlsCa = fs::path(o.tsaCa);
  } else if (!o.cloudCa.empty()) {
    req.params.tsaTlsCa = fs::path(o.cloudCa);
  }
  if (!o.outputDir.empty()) req.outputDir = fs::path(o.outputDir);
  if (!o.output.empty()) req.output = fs::path(o.output);
  if (req.format != "auto") (void)registry.byId(req.format);
  ui.showProgress = req.inputs.size() > 1;

  auto signer = openSigner(o.signer, ui, cloudOptions(o));
  const auto offered = signer->certificates();
  if (offered.empty()) throw Error(Category::Usage, format(tr("{0} offers no certificate"), {signer->description()}));
  if (offered.size() > 1) {
    std::string choices;
    for (const auto& oc : offered) {
      choices += "\n  " + oc.certificate.commonName() +
                 (isCloudSpec(o.signer) ? ": --credential '" + oc.id + "'" : ": --signer '" + oc.id + "'");
    }
    throw Error(
        Category::Usage,
        format(tr("several certificates are available from {0}; choose one:"), {signer->description()}) + choices);
  }
  SigningService service(registry);
  const auto outcomes = service.sign(req, *signer, offered.front(), ui);

  int status = 0;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& oc : outcomes) {
    if (oc.error) {
      out.push_back(reportFileError(oc.input, *oc.error, status));
      continue;
    }
    out.push_back({{"input", oc.input.string()},
                   {"output", oc.output.string()},
                   {"format", oc.format},
                   {"packaging", oc.packaging}});
    if (!o.quiet && !o.json) {
      std::cout << format(tr("Signed {0} -> {1} ({2}, {3})"),
                          {oc.input.string(), oc.output.string(), oc.format, tr(oc.packaging.c_str())})
                << '\n';
    }
  }
  if (o.json) std::cout << out.dump(2) << '\n';
  return status;
}

/// `extend`: raises the signatures of each file to --level (B-T, B-LT, B-LTA).
int runExtend(const Options& o) {
  FormatRegistry registry;
  registerBuiltinFormats(registry);
  ExtendRequest req;
  for (const auto& f : o.inputs) req.inputs.emplace_back(f);
  req.params.level = parseLevel(o.level);
  req.params.digest = parseDigestAlgorithm(o.digest);
  req.params.tsaUrl = o.tsa;
  req.params.tsaTrustAnchors = tsaTrustAnchorsOf(o);
  if (!o.tsaCa.empty()) req.params.tsaTlsCa = fs::path(o.tsaCa);
  if (!o.outputDir.empty()) req.outputDir = fs::path(o.outputDir);
  const auto outcomes = SigningService(registry).extend(req);
  int status = 0;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& oc : outcomes) {
    if (oc.error) {
      out.push_back(reportFileError(oc.input, *oc.error, status));
      continue;
    }
    nlohmann::json sigs = nlohmann::json::array();
    for (const auto& e : oc.signatures) sigs.push_back({{"id", e.id}, {"from", e.levelBefore}, {"to", e.levelAfter}});
    out.push_back(
        {{"input", oc.input.string()}, {"output", oc.output.string()}, {"format", oc.format}, {"signatures", sigs}});
    if (!o.quiet && !o.json) {
      for (const auto& e : oc.signatures) {
        std::cout << format(tr("Extended {0} ({1} {2}): {3} -> {4}"),
                            {oc.output.string(), oc.format, e.id, e.levelBefore, e.levelAfter})
                  << '\n';
      }
    }
  }
  if (o.json) std::cout << out.dump(2) << '\n';
  return status;
}

/// The certificates in the files of a verify option (--trust-anchor,
/// --certificate).  A file that cannot be read or holds no certificate is bad
/// usage (exit 64, naming the option), not an unreadable document (exit 4):
/// the document has not been looked at.
std::vector<Certificate> certificatesOf(const std::vector<std::string>& files, const std::string& option) {
  std::vector<Certificate> out;
  for (const auto& f : files) {
    try {
      auto certs = Certificate::loadFile(f);
      out.insert(out.end(), certs.begin(), certs.end());
    } catch (const Error& e) {
      throw Error(Category::Usage, e.message(), option + " " + f, e.detail());
    }
  }
  return out;
}

VerifyOptions verifyOptions(const Options& o) {
  VerifyOptions vo;
  vo.trustAnchors = certificatesOf(o.anchors, "--trust-anchor");
  vo.extraCertificates = certificatesOf(o.certificates, "--certificate");
  vo.offline = o.offline;
  RevocationOptions ro;
  ro.offline = o.offline;
  ro.cacheDir = o.cacheDir.empty() ? defaultRevocationCacheDir() : std::optional<fs::path>(o.cacheDir);
  vo.revocation = std::make_shared<RevocationChecker>(ro);
  if (!o.detachedContent.empty()) vo.detachedContent = fs::path(o.detachedContent);
  for (const auto& k : o.publicKeys) vo.publicKeys.emplace_back(k);
  if (!o.validationTime.empty()) vo.time = parseIsoTime(o.validationTime);
  return vo;
}

int runVerify(const Options& o, const FormatRegistry& registry) {
  VerificationService service(registry);
  VerifyOptions vo = verifyOptions(o);
  if (!vo.detachedContent) vo.detachedContent = detachedContentBeside(o.file);
  const VerificationReport report = service.verify(o.file, vo);
  const bool json = o.json || o.reportFormat == "json";
  const bool etsi = !json && o.reportFormat == "etsi";
  if (!o.quiet) {
    if (etsi) {
      std::cout << etsiValidationReport(report);  // ends with a newline
    } else {
      std::cout << (json ? reportToJson(report) : reportToText(report)) << (json ? "\n" : "");
    }
  }
  if (!o.quiet && !json && !etsi) printReportHints(report);
  if (!o.signedRevisions.empty()) {
    std::error_code ec;
    fs::create_directories(o.signedRevisions, ec);
    for (const auto& s : report.signatures) {
      if (!s.signedBytes) continue;
      const fs::path written = saveSignedRevision(o.file, s, o.signedRevisions);
      if (!o.quiet) std::cerr << format(tr("{0}: the signed version is {1}"), {s.id, written.string()}) << '\n';
    }
  }
  return static_cast<int>(exitFor(report));
}

}  // namespace

// Long on purpose: the command line is
// one table, every subcommand and option in the order --help lists them,
// then the dispatch; split up, --help and this would no longer read alike.
int run(int argc, char** argv) {
  FormatRegistry registry;
  registerBuiltinFormats(registry);

  CLI::App app{tr("SecureDoc command line: sign and verify documents with qualified electronic signatures."),
               "securedoc-cli"};
  translateHelp(app, 34);
  app.option_defaults()->group(tr("Options"));
  app.require_subcommand(1);
  app.set_help_flag("-h,--help", tr("Print this help and exit"));
  app.footer(tr(
      "Exit status of verify: 0 every signature TOTAL-PASSED, 1 any TOTAL-FAILED, 2 otherwise "
      "INDETERMINATE, 3 no signature in the file, 4 the file cannot be read or parsed, 64 bad usage.\n"
      "Exit status of sign: 0 every file signed, 1 signing failed, 4 a file cannot be read or written, 64 bad usage.\n"
      "Secrets: --password-file/--pin-file/--otp-command, or SECUREDOC_PASSWORD/SECUREDOC_PIN/SECUREDOC_OTP, else the "
      "terminal asks."));
  Options o;
  TerminalInteraction ui;

  auto* sign = app.add_subcommand("sign", tr("Sign files; outputs are written next to them, never over a file"));
  sign->group(tr("Commands"));
  sign->set_help_flag("-h,--help", tr("Print this help and exit"));
  sign->add_option("--signer", o.signer,
                   // xgettext:no-c-format
                   tr("Signer: pkcs12:PATH, or pkcs11:URI (RFC 7512) for a smart card or token, e.g. "
                      "'pkcs11:token=My%20Card' or with ?module-path=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so; "
                      "or cloud:URL for a CSC v2 signing service, e.g. cloud:https://127.0.0.1:8443/csc/v2"))
      ->required()
      ->type_name(tr("SPEC"));
  sign->add_option("--format", o.format,
                   tr("auto (by content: PDF gets PAdES, XML gets XAdES, anything else CAdES), pades, xades or cades"))
      ->capture_default_str()
      ->type_name(tr("FORMAT"));
  sign->add_option("--level", o.level, tr("B-B, B-T, B-LT or B-LTA"))->capture_default_str()->type_name(tr("LEVEL"));
  sign->add_option(
          "--mode", o.mode,
          tr("detached, attached, enveloped or enveloping (default: the format's own; XAdES: enveloped for XML, "
             "detached for other files, written as NAME.xades.xml)"))
      ->type_name(tr("MODE"));
  sign->add_option("--tsa", o.tsa, tr("RFC 3161 time-stamp service URL (for B-T and above)"))->type_name("URL");
  // One value per occurrence, so that the files after it stay files.
  sign->add_option("--tsa-trust-anchor", o.tsaAnchors,
                   tr("Root certificate the time-stamp service must chain to (PEM or DER); repeatable"))
      ->allow_extra_args(false)
      ->type_name(tr("CERT"));
  sign->add_option("--tsa-ca", o.tsaCa,
                   tr("CA certificates for an https:// time-stamp service's TLS certificate (default: --cloud-ca "
                      "when given, else the system's)"))
      ->type_name(tr("FILE"));
  sign->add_option("--reason", o.reason, tr("PDF: the reason for signing"))->type_name(tr("TEXT"));
  sign->add_option("--location", o.location, tr("PDF: where the document was signed"))->type_name(tr("TEXT"));
  sign->add_option("--contact", o.contact, tr("PDF: how to contact the signer"))->type_name(tr("TEXT"));
  auto* visible = sign->add_option(
      "--visible", o.visible,
      tr("PDF: a visible signature box PAGE,X,Y,WIDTH,HEIGHT in points from the bottom-left corner; PAGE "
         "is a number, last, or -N for the N-th page from the end (the same box on every PDF of a batch)"));
  visible->type_name(tr("BOX"));
  sign->add_option("--visible-image", o.visibleImage,
                   tr("PDF: a PNG or JPEG (a handwritten signature, a logo) drawn in the visible box, scaled to fit"))
      ->needs(visible)
      ->type_name(tr("FILE"));
  sign->add_option(
          "--certify", o.certify,
          tr("PDF: a certification (DocMDP) signature allowing no-changes, form-filling or annotations afterwards"))
      ->check(CLI::IsMember({"no-changes", "form-filling", "annotations"}))
      ->type_name(tr("PERMISSION"));
  sign->add_option("--digest", o.digest, tr("sha256, sha384 or sha512"))->capture_default_str()->type_name(tr("ALG"));
  sign->add_flag("--rsa-pss", o.rsaPss, tr("RSA keys sign with RSASSA-PSS instead of PKCS#1 v1.5 (PAdES and CAdES)"));
  auto* outDir = sign->add_option("--output-dir", o.outputDir, tr("Write the signed files into this folder"))
                     ->type_name(tr("DIR"));
  sign->add_option("--output", o.output, tr("Output file (one input only)"))->excludes(outDir)->type_name(tr("FILE"));
  sign->add_option("--signing-time", o.signingTime, tr("Fixed signing time, e.g. 2026-01-31T12:00:00Z (tests)"))
      ->type_name(tr("TIME"));
  sign->add_option("--password-file", o.passwordFile, tr("Read the key password from the first line of this file"))
      ->type_name(tr("FILE"));
  sign->add_option("--pin-file", o.pinFile, tr("Read the token PIN from the first line of this file"))
      ->type_name(tr("FILE"));
  sign->add_option("--cloud-ca", o.cloudCa,
                   tr("cloud: the CA certificate (PEM) the service's TLS certificate must chain to"))
      ->type_name(tr("FILE"));
  sign->add_option("--login", o.login,
                   tr("cloud: the account name (its password from --password-file, "
                      "SECUREDOC_PASSWORD or the terminal)"))
      ->type_name(tr("NAME"));
  sign->add_option("--credential", o.credential,
                   tr("cloud: the credential (key) to sign with, when the account has several"))
      ->type_name(tr("ID"));
  sign->add_flag("--remember-session", o.rememberSession,
                 tr("cloud: one one-time code for every batch of the login session (else one per batch)"));
  sign->add_option("--otp-command", o.otpCommand,
                   tr("cloud: a command that prints the one-time code on its first line, e.g. \"securedoc-otp code\" "
                      "(else SECUREDOC_OTP or the terminal)"))
      ->type_name(tr("COMMAND"));
  sign->add_flag("--quiet,-q", o.quiet, tr("Print only errors"));
  sign->add_flag("--json", o.json, tr("Print the results as JSON"));
  sign->add_option("files", o.inputs, tr("Files to sign"))->required()->type_name(tr("FILE"));

  auto* verify = app.add_subcommand("verify", tr("Verify the signatures in a file and print a report"));
  verify->group(tr("Commands"));
  verify->set_help_flag("-h,--help", tr("Print this help and exit"));
  verify
      ->add_option("--format", o.reportFormat,
                   tr("Report format: text, json or etsi (an ETSI TS 119 102-2 validation report in XML)"))
      ->check(CLI::IsMember({"text", "json", "etsi"}))
      ->capture_default_str()
      ->type_name(tr("FORMAT"));
  verify->add_option("--trust-anchor", o.anchors, tr("Trusted root or CA certificate (PEM or DER); repeatable"))
      ->type_name(tr("CERT"));
  verify
      ->add_option("--certificate", o.certificates,
                   tr("Intermediate CA certificates the signature does not carry (PEM with one or more, or DER): "
                      "used only to build the chain to a trust anchor, never trusted themselves; repeatable"))
      ->type_name(tr("CERT"));
  verify->add_flag("--offline", o.offline,
                   tr("Never use the network: revocation data only from the signature and the cache"));
  verify
      ->add_option("--cache-dir", o.cacheDir,
                   tr("Where OCSP responses and CRLs fetched online are kept and found again "
                      "(default: ~/.cache/securedoc/revocation)"))
      ->type_name(tr("DIR"));
  verify
      ->add_option(
          "--detached-content", o.detachedContent,
          tr("The signed file of a detached signature (default: CAdES, the signature's name without .p7s/.sig; "
             "XAdES, the file its reference names, beside the signature)"))
      ->type_name(tr("FILE"));
  verify
      ->add_option("--public-key", o.publicKeys,
                   tr("XML-DSig: a PEM public key for signatures that name their key instead of carrying a "
                      "certificate (integrity only); repeatable"))
      ->type_name(tr("KEY"));
  verify
      ->add_option("--validation-time", o.validationTime,
                   tr("Validate at this time instead of now, e.g. 2026-01-31T12:00:00Z"))
      ->type_name(tr("TIME"));
  verify
      ->add_option(
          "--signed-revisions", o.signedRevisions,
          tr("PDF: write the exact bytes each signature covers (its signed version) into DIR as NAME-revN.pdf"))
      ->type_name(tr("DIR"));
  verify->add_flag("--json", o.json, tr("Same as --format json"));
  verify->add_flag("--quiet,-q", o.quiet, tr("Print nothing; only the exit status tells"));
  verify->add_option("file", o.file, tr("Signed file"))->required()->type_name(tr("FILE"));

  auto* inspect =
      app.add_subcommand("inspect", tr("Show the signatures and certificates in a file, without validation"));
  inspect->group(tr("Commands"));
  inspect->set_help_flag("-h,--help", tr("Print this help and exit"));
  inspect->add_option("--format", o.reportFormat, tr("text or json"))
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str()
      ->type_name(tr("FORMAT"));
  inspect->add_flag("--json", o.json, tr("Same as --format json"));
  inspect->add_option("file", o.file, tr("Signed file"))->required()->type_name(tr("FILE"));

  auto* extend = app.add_subcommand(
      "extend", tr("Raise the signatures in files to a higher level (B-T, B-LT, B-LTA): a time-stamp, the "
                   "revocation data and an archive time-stamp that keep them verifiable after the certificates "
                   "expire"));
  extend->group(tr("Commands"));
  extend->set_help_flag("-h,--help", tr("Print this help and exit"));
  extend->add_option("--level", o.level, tr("B-T, B-LT or B-LTA"))->required()->type_name(tr("LEVEL"));
  extend->add_option("--tsa", o.tsa, tr("RFC 3161 time-stamp service URL"))->required()->type_name("URL");
  extend
      ->add_option("--tsa-trust-anchor", o.tsaAnchors,
                   tr("Root certificate the time-stamp service must chain to (PEM or DER); repeatable"))
      ->allow_extra_args(false)
      ->type_name(tr("CERT"));
  extend
      ->add_option("--tsa-ca", o.tsaCa,
                   tr("CA certificates for an https:// time-stamp service's TLS certificate (default: the system's)"))
      ->type_name(tr("FILE"));
  extend->add_option("--digest", o.digest, tr("sha256, sha384 or sha512"))->capture_default_str()->type_name(tr("ALG"));
  extend
      ->add_option("--output-dir", o.outputDir,
                   tr("Write the raised files into this folder (default: each file is replaced, atomically, by "
                      "its raised version; only unsigned data is added)"))
      ->type_name(tr("DIR"));
  extend->add_flag("--quiet,-q", o.quiet, tr("Print only errors"));
  extend->add_flag("--json", o.json, tr("Print the results as JSON"));
  extend->add_option("files", o.inputs, tr("Signed files"))->required()->type_name(tr("FILE"));

  auto* certs = app.add_subcommand("certs", tr("List the certificates a signer offers"));
  certs->group(tr("Commands"));
  certs->set_help_flag("-h,--help", tr("Print this help and exit"));
  certs
      ->add_option("--signer", o.signer,
                   tr("Signer: pkcs12:PATH, pkcs11:URI (pkcs11: alone lists every token p11-kit knows) "
                      "or cloud:URL"))
      ->required()
      ->type_name(tr("SPEC"));
  certs
      ->add_option("--cloud-ca", o.cloudCa,
                   tr("cloud: the CA certificate (PEM) the service's TLS certificate must chain to"))
      ->type_name(tr("FILE"));
  certs->add_option("--login", o.login, tr("cloud: the account name"))->type_name(tr("NAME"));
  certs->add_option("--credential", o.credential, tr("cloud: list only this credential"))->type_name(tr("ID"));
  certs->add_option("--password-file", o.passwordFile, tr("Read the key password from the first line of this file"))
      ->type_name(tr("FILE"));
  certs->add_option("--pin-file", o.pinFile, tr("Read the token PIN from the first line of this file"))
      ->type_name(tr("FILE"));
  certs->add_flag("--json", o.json, tr("Print the certificates as JSON"));

  if (const auto done = parseCommandLine(app, argc, argv, "securedoc-cli")) return *done;

  if (!o.passwordFile.empty()) ui.passwordFile = o.passwordFile;
  if (!o.pinFile.empty()) ui.pinFile = o.pinFile;
  if (!o.otpCommand.empty()) ui.otpCommand = o.otpCommand;
  ui.quiet = o.quiet;

  try {
    if (*sign) return runSign(o, ui, registry);
    if (*extend) return runExtend(o);
    if (*verify) return runVerify(o, registry);
    if (*inspect) {
      VerificationService service(registry);
      const Inspection in = service.inspect(o.file);
      if (in.signatures.empty()) {
        std::cerr << "securedoc-cli: " << o.file << ": " << tr("the file holds no signature") << '\n';
        return 3;
      }
      const bool json = o.json || o.reportFormat == "json";
      std::cout << (json ? inspectionToJson(in) + "\n" : inspectionToText(in));
      return 0;
    }
    if (*certs) {
      auto signer = openSigner(o.signer, ui, cloudOptions(o));
      const auto offered = signer->certificates();
      if (o.json) {
        std::cout << certificatesToJson(offered) << '\n';
      } else {
        for (const auto& oc : offered) std::cout << offeredCertificateToText(oc) << '\n';
      }
      return 0;
    }
  } catch (const Error& e) {
    printError(e);
    if (*verify || *inspect) {
      if (e.category() == Category::Usage) return kExitUsage;
      return 4;
    }
    return exitForError(e);
  } catch (const std::exception& e) {
    std::cerr << "securedoc-cli: " << format(tr("internal error: {0}"), {e.what()}) << '\n';
    return 70;
  }
  return kExitUsage;
}

int main(int argc, char** argv) {
  return runMain("securedoc-cli", [&] { return run(argc, argv); });
}
