// XAdES interoperability both ways, against two independent implementations:
// - xmlsec1 1.2.37 (libxml2 + OpenSSL; Debian package xmlsec1) verifies our
//   enveloped, enveloping and detached signatures with the demo chain, and
//   signs a plain XML-DSig template that we verify;
// - xadesjs 2.6.8 (Node.js; tests/integration/xadesjs/ pins it with its lock
//   file) verifies our XAdES-B-B and signs XAdES-BES that we verify.
// xadesjs is installed by `npm ci` into <build>/tests/xadesjs on first use
// in a run (npm registry); node and npm come from the Debian packages nodejs
// and npm.  A missing tool fails the case, it never skips it.
#include <boost/test/unit_test.hpp>

#include "test_support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <sstream>

#include <unistd.h>

using namespace securedoc::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kEnvelopedTransform = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const std::string kExcC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
const std::string kSignedPropertiesType = "http://uri.etsi.org/01903#SignedProperties";

void requireXmlsec1() { requireTool("xmlsec1", "the Debian package xmlsec1"); }

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

/// xadesjs with its scripts, installed from the committed package-lock.json
/// into <build>/tests/xadesjs (beside the test PKI, never in the source
/// tree).  `npm ci` runs once per lock file: a stamp in node_modules holds the
/// lock it installed.  A failed install fails every later case at once.
fs::path xadesjsDir() {
  requireTool("node", "the Debian packages nodejs and npm");
  requireTool("npm", "the Debian packages nodejs and npm");
  static std::string failedBefore;
  BOOST_TEST_REQUIRE(failedBefore.empty(),
                     "npm ci failed earlier in this run (its output is in the first case that "
                     "needed xadesjs): "
                         << failedBefore.substr(0, failedBefore.find('\n')));

  const fs::path src = sourceDir() / "tests/integration/xadesjs";
  const fs::path dst = pkiDir().parent_path() / "xadesjs";
  fs::create_directories(dst);
  for (const char* name : {"package.json", "package-lock.json", "common.js", "sign.js", "verify.js"}) {
    fs::copy_file(src / name, dst / name, fs::copy_options::overwrite_existing);
  }
  const std::string lock = readText(src / "package-lock.json");
  const fs::path stamp = dst / "node_modules" / ".securedoc-installed-lock";
  if (fs::exists(stamp) && readText(stamp) == lock) return dst;

  // Bounded retries: an unreachable registry fails in about a minute.
  const auto r = run({"env", "-C", dst.string(), "npm", "ci", "--no-audit", "--no-fund", "--fetch-retries=1",
                      "--fetch-timeout=30000"});
  if (r.exitCode != 0 || !fs::exists(dst / "node_modules/xadesjs/package.json")) {
    failedBefore = "exit " + std::to_string(r.exitCode) + ": " + r.out + r.err;
  }
  BOOST_TEST_REQUIRE(
      failedBefore.empty(),
      "npm ci installs xadesjs from tests/integration/xadesjs/package-lock.json into " << dst << ": " << failedBefore);
  writeFile(stamp, lock);
  return dst;
}

/// The JSON object a node script printed on stdout.
json parseScriptOutput(const RunResult& r, const std::string& what) {
  const json j = json::parse(r.out, nullptr, false);
  BOOST_TEST_REQUIRE(j.is_object(), what << " prints a JSON object: exit " << r.exitCode << "\n" << r.out << r.err);
  return j;
}

/// The status of check `id` in one signature of our report, "(absent)" if none.
std::string checkStatus(const json& signature, const std::string& id) {
  for (const auto& c : signature.value("checks", json::array())) {
    if (c.value("id", "") == id) return c.value("status", "(no status)");
  }
  return "(absent)";
}

std::string lowered(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// Changes one byte of `file`: the last byte of the one occurrence of `marker`
/// (a digit, moved to the next digit).
void changeOneDigit(const fs::path& file, const std::string& marker) {
  std::string text = readText(file);
  const auto at = text.find(marker);
  BOOST_TEST_REQUIRE(at != std::string::npos, "\"" << marker << "\" is in " << file.filename());
  BOOST_TEST_REQUIRE(text.find(marker, at + 1) == std::string::npos,
                     "\"" << marker << "\" occurs once in " << file.filename());
  char& c = text[at + marker.size() - 1];
  BOOST_TEST_REQUIRE(std::isdigit(static_cast<unsigned char>(c)) != 0, "the marker ends in a digit");
  c = c == '9' ? '0' : static_cast<char>(c + 1);
  writeFile(file, text);
}

struct Interop {
  TempDir dir;
  fs::path pki = pkiDir();
  /// Polish text, an Id on the root, a comment before it, &amp;.
  fs::path invoice = dir / "invoice.xml";
  /// A byte in the invoice that the signature covers.
  const std::string invoiceMarker = "<RazemBrutto>12300.00";

  Interop() { fs::copy_file(sourceDir() / "samples/documents/invoice.xml", invoice); }

  std::string root() const { return (pki / "root-ca.pem").string(); }
  std::string issuing() const { return (pki / "issuing-ca.pem").string(); }
  std::string password() const { return trimmed(readText(pki / "password.txt")); }

  /// securedoc-cli sign --format xades --mode `mode` `in`, into `out` (or,
  /// when `out` is empty, to the default name beside `in`, which is returned).
  fs::path signWithUs(const std::string& p12, const std::string& mode, const fs::path& in,
                      const fs::path& out = {}) const {
    const std::string signer = "pkcs12:" + (pki / p12).string();
    const std::string passwordFile = (pki / "password.txt").string();
    std::vector<std::string> args{"sign",  "--signer", signer, "--password-file", passwordFile, "--format",
                                  "xades", "--mode",   mode};
    if (!out.empty()) {
      args.push_back("--output");
      args.push_back(out.string());
    }
    args.push_back(in.string());
    const auto before = listDir(in.parent_path());
    const auto r = cli(args);
    BOOST_TEST_REQUIRE(r.exitCode == 0, "securedoc-cli sign --format xades --mode " << mode << " with " << p12 << ": "
                                                                                    << r.out << r.err);
    if (!out.empty()) {
      BOOST_TEST_REQUIRE(fs::exists(out), "securedoc-cli wrote " << out);
      return out;
    }
    const auto after = listDir(in.parent_path());
    std::vector<std::string> added;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
    BOOST_TEST_REQUIRE(added.size() == 1u, "securedoc-cli sign wrote one file beside " << in.filename());
    return in.parent_path() / added[0];
  }

  /// `xmlsec1 --verify` with the demo root trusted and the issuing CA
  /// untrusted, run in the folder of `signature`: xmlsec1 1.2.37 opens a
  /// relative Reference URI relative to its working directory, not to the
  /// signature file.
  RunResult xmlsec1Verify(const fs::path& signature) const {
    return run({"env", "-C", signature.parent_path().string(), "xmlsec1", "--verify", "--trusted-pem", root(),
                "--untrusted-pem", issuing(), signature.filename().string()});
  }

  void expectXmlsec1Accepts(const fs::path& signature, int references) const {
    const auto r = xmlsec1Verify(signature);
    BOOST_TEST(r.exitCode == 0, "xmlsec1 --verify " << signature.filename() << " exits 0:\n" << r.out << r.err);
    const std::string line =
        "SignedInfo References (ok/all): " + std::to_string(references) + "/" + std::to_string(references);
    BOOST_TEST((r.out + r.err).find(line) != std::string::npos,
               "xmlsec1 checked " << references << " references: " << r.out << r.err);
  }

  void expectXmlsec1Rejects(const fs::path& signature, const std::string& what) const {
    const auto r = xmlsec1Verify(signature);
    BOOST_TEST(r.exitCode != 0, "xmlsec1 --verify rejects " << what << ":\n" << r.out << r.err);
    BOOST_TEST((r.out + r.err).find("FAIL") != std::string::npos, "xmlsec1 says FAIL: " << r.out << r.err);
  }

  /// securedoc-cli verify --format json; checks the exit status
  /// (kExitOfIndication: the one the report's indication calls for).
  static constexpr int kExitOfIndication = -1;
  json verifyWithUs(const fs::path& file, int expectedExit, const fs::path& detachedContent = {}) const {
    std::vector<std::string> args{"verify", "--format", "json", "--trust-anchor", root()};
    if (!detachedContent.empty()) {
      args.push_back("--detached-content");
      args.push_back(detachedContent.string());
    }
    args.push_back(file.string());
    const auto r = cli(args);
    const json report = json::parse(r.out, nullptr, false);
    BOOST_TEST_REQUIRE(report.is_object(), "securedoc-cli verify prints a JSON report: exit " << r.exitCode << "\n"
                                                                                              << r.out << r.err);
    if (expectedExit == kExitOfIndication) {
      const std::string indication = report.value("indication", "");
      expectedExit = indication == "TOTAL-PASSED" ? 0 : indication == "TOTAL-FAILED" ? 1 : 2;
    }
    BOOST_TEST(r.exitCode == expectedExit,
               "securedoc-cli verify " << file.filename() << " exits " << expectedExit << ": " << r.out << r.err);
    return report;
  }

  /// Our own verdict on one of our signatures (so a third party's rejection
  /// is not the same bug on both sides).
  void expectWePass(const fs::path& file, const fs::path& detachedContent = {}) const {
    const auto report = verifyWithUs(file, 0, detachedContent);
    BOOST_TEST(report["indication"] == "TOTAL-PASSED", "our verdict: " << report.dump(2));
    BOOST_TEST_REQUIRE(report["signatures"].size() == 1u, "one signature: " << report.dump(2));
    BOOST_TEST(report["signatures"][0]["level"] == "B-B", "our XAdES-B-B: " << report["signatures"][0]["level"]);
  }

  /// node verify.js FILE [--content-dir DIR]: the xadesjs report; its exit
  /// status must be `expectedExit` (0 valid, 1 not valid).
  json xadesjsVerify(const fs::path& file, int expectedExit) const {
    const fs::path js = xadesjsDir();
    const auto r = run({"node", (js / "verify.js").string(), file.string()});
    const json report = parseScriptOutput(r, "verify.js");
    BOOST_TEST(r.exitCode == expectedExit,
               "xadesjs verify.js " << file.filename() << " exits " << expectedExit << ": " << report.dump(1) << r.err);
    return report;
  }

  /// PEM key and certificate out of a demo PKCS#12, for xadesjs.
  std::pair<fs::path, fs::path> extract(const std::string& p12) const {
    requireTool("openssl", "the Debian package openssl");
    const fs::path key = dir / (p12 + ".key.pem");
    const fs::path cert = dir / (p12 + ".cert.pem");
    const std::string passin = "file:" + (pki / "password.txt").string();
    auto r = run({"openssl", "pkcs12", "-in", (pki / p12).string(), "-passin", passin, "-nocerts", "-nodes", "-out",
                  key.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "openssl pkcs12 extracts the key: " << r.err);
    r = run({"openssl", "pkcs12", "-in", (pki / p12).string(), "-passin", passin, "-clcerts", "-nokeys", "-out",
             cert.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "openssl pkcs12 extracts the certificate: " << r.err);
    return {key, cert};
  }

  /// node sign.js: an enveloped XAdES-BES of the invoice by xadesjs, with
  /// the issuing CA in KeyInfo.
  fs::path xadesjsSign(const std::string& p12, const fs::path& out, const std::string& referenceUri = "empty") const {
    const fs::path js = xadesjsDir();
    const auto [key, cert] = extract(p12);
    const auto r = run({"node", (js / "sign.js").string(), "--key", key.string(), "--cert", cert.string(), "--chain",
                        issuing(), "--data-reference-uri", referenceUri, "--out", out.string(), invoice.string()});
    parseScriptOutput(r, "sign.js");
    BOOST_TEST_REQUIRE(r.exitCode == 0, "xadesjs sign.js exits 0: " << r.out << r.err);
    BOOST_TEST_REQUIRE(fs::exists(out), "sign.js wrote " << out);
    return out;
  }

  static void expectSigner(const json& s, const std::string& cn) {
    BOOST_TEST(s["signer"]["subjectFields"]["CN"] == cn, "the signer is " << cn << ": " << s["signer"]);
    BOOST_TEST_REQUIRE(s["chain"].size() == 3u, "the chain has 3 certificates: " << s["chain"]);
    BOOST_TEST(s["chain"][2].get<std::string>().find("CN=SecureDoc Demo Root CA") == 0, "it ends at the demo root");
  }
};

}  // namespace

// ---------------------------------------------------------------------------
BOOST_FIXTURE_TEST_SUITE(xades_interop_xmlsec1_reads_ours, Interop)

BOOST_AUTO_TEST_CASE(xmlsec1_verifies_our_enveloped_rsa_and_ecdsa_signatures_with_the_demo_chain) {
  requireXmlsec1();
  for (const std::string p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(p12) {
      const fs::path out = signWithUs(p12, "enveloped", invoice, dir / (p12 + "-enveloped.xml"));
      // The data reference and the SignedProperties reference.
      expectXmlsec1Accepts(out, 2);
      expectWePass(out);

      const fs::path tampered = dir / (p12 + "-enveloped-tampered.xml");
      fs::copy_file(out, tampered);
      changeOneDigit(tampered, invoiceMarker);
      expectXmlsec1Rejects(tampered, "a one-byte change of the signed invoice");
    }
  }
}

BOOST_AUTO_TEST_CASE(xmlsec1_verifies_each_of_three_signatures_on_one_document) {
  // A signed document signed again: the new signature goes into a ds:Object
  // of the last one, so each earlier enveloped-signature transform still
  // removes everything after it.  xmlsec1 checks every one of them.
  requireXmlsec1();
  const fs::path once = signWithUs("signer-rsa.p12", "enveloped", invoice, dir / "once.xml");
  const fs::path twice = signWithUs("signer-ec.p12", "enveloped", once, dir / "twice.xml");
  const fs::path thrice = signWithUs("signer-rsa.p12", "enveloped", twice, dir / "thrice.xml");
  for (int n = 1; n <= 3; ++n) {
    BOOST_TEST_CONTEXT("signature " << n) {
      const auto r = run({"xmlsec1", "--verify", "--trusted-pem", root(), "--untrusted-pem", issuing(), "--node-xpath",
                          "(//*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#'])[" +
                              std::to_string(n) + "]",
                          thrice.string()});
      BOOST_TEST(r.exitCode == 0, "xmlsec1 --verify exits 0:\n" << r.out << r.err);
      BOOST_TEST((r.out + r.err).find("SignedInfo References (ok/all): 2/2") != std::string::npos, r.out << r.err);
    }
  }
  const auto report = verifyWithUs(thrice, 0);
  BOOST_TEST_REQUIRE(report["signatures"].size() == 3u, report.dump(1));
  for (const auto& sig : report["signatures"]) BOOST_TEST(sig["indication"] == "TOTAL-PASSED", sig.dump(1));
  changeOneDigit(thrice, invoiceMarker);
  expectXmlsec1Rejects(thrice, "a one-byte change under three signatures");
}

BOOST_AUTO_TEST_CASE(xmlsec1_rejects_our_signature_when_the_signed_properties_change) {
  requireXmlsec1();
  const fs::path out = signWithUs("signer-rsa.p12", "enveloped", invoice, dir / "enveloped.xml");
  expectXmlsec1Accepts(out, 2);
  // The first digit of the signing time, inside xades:SignedProperties.
  std::smatch m;
  const std::string text = readText(out);
  const std::regex signingTime(R"(<(\w+:)?SigningTime>\d)");
  BOOST_TEST_REQUIRE(std::regex_search(text, m, signingTime), "our signature has a SigningTime");
  changeOneDigit(out, m.str(0));
  expectXmlsec1Rejects(out, "a changed SigningTime");
  const auto report = verifyWithUs(out, 1);
  BOOST_TEST(report["indication"] == "TOTAL-FAILED", "we reject it too: " << report.dump(2));
  BOOST_TEST_REQUIRE(report["signatures"].size() == 1u, "one signature");
  BOOST_TEST(checkStatus(report["signatures"][0], "references") == "failed",
             "the SignedProperties digest: " << report["signatures"][0]["checks"]);
}

BOOST_AUTO_TEST_CASE(xmlsec1_verifies_our_enveloping_rsa_and_ecdsa_signatures) {
  requireXmlsec1();
  for (const std::string p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(p12) {
      const fs::path out = signWithUs(p12, "enveloping", invoice, dir / (p12 + "-enveloping.xml"));
      // The ds:Object with the invoice and the SignedProperties.
      expectXmlsec1Accepts(out, 2);
      expectWePass(out);

      const fs::path tampered = dir / (p12 + "-enveloping-tampered.xml");
      fs::copy_file(out, tampered);
      changeOneDigit(tampered, invoiceMarker);
      expectXmlsec1Rejects(tampered, "a one-byte change of the enveloped invoice");
    }
  }
}

BOOST_AUTO_TEST_CASE(xmlsec1_verifies_our_detached_rsa_and_ecdsa_signatures_of_a_binary_file_beside_it) {
  requireXmlsec1();
  for (const std::string p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(p12) {
      const fs::path folder = dir / (p12 + "-detached");
      fs::create_directory(folder);
      const fs::path scan = folder / "scan.png";
      fs::copy_file(sourceDir() / "samples/documents/scan.png", scan);
      const fs::path out = signWithUs(p12, "detached", scan);
      BOOST_TEST(out.filename() == "scan.png.xades.xml", "the detached signature is named after the file: " << out);
      BOOST_TEST(readText(out).find("URI=\"scan.png\"") != std::string::npos,
                 "the reference names the file relatively: " << readText(out).substr(0, 1500));
      // The file and the SignedProperties.
      expectXmlsec1Accepts(out, 2);
      expectWePass(out, scan);

      std::string bytes = readText(scan);
      BOOST_TEST_REQUIRE(bytes.size() > 100u, "scan.png is not empty");
      bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
      writeFile(scan, bytes);
      expectXmlsec1Rejects(out, "a one-byte change of scan.png");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// xadesjs verifies what we sign.  What it cannot do is checked as such:
// - SignedXml.Verify() (xmldsigjs 2.8.8 GetPublicKeys) exports the key of
//   every X509Data certificate with the signature's algorithm; for ECDSA the
//   RSA issuing CA we put into KeyInfo throws "Cannot get Curved name from
//   the ECDSA public key" before anything is checked.  verify.js therefore
//   also verifies with the key of the certificate SigningCertificate(V2)
//   names (its "valid"), as a XAdES verifier does.
// - Our enveloped signatures use the enveloped-signature transform and
//   exclusive c14n (a second signature goes inside the first one's ds:Object,
//   so the first stays valid).  xadesjs 2.6.8 does not know XPath Filter 2.0
//   ("XMLJS0015: Unknown transform .../xmldsig-filter2"), which is why we do
//   not use that filter.
BOOST_FIXTURE_TEST_SUITE(xades_interop_xadesjs_reads_ours, Interop)

BOOST_AUTO_TEST_CASE(xadesjs_verifies_our_rsa_enveloped_xades_b_b) {
  const fs::path out = signWithUs("signer-rsa.p12", "enveloped", invoice, dir / "enveloped.xml");
  const auto report = xadesjsVerify(out, 0);
  BOOST_TEST(report["valid"] == true, "xadesjs: valid with the signing certificate's key: " << report.dump(1));
  BOOST_TEST(report["libraryVerify"]["valid"] == true, "xadesjs' own SignedXml.Verify() passes: " << report.dump(1));
  BOOST_TEST(report["xades"] == true, "xadesjs finds xades:QualifyingProperties");
  BOOST_TEST(report["signedPropertiesReferenced"] == true, "a SignedProperties reference points at it");
  BOOST_TEST(report["signingCertificate"]["matches"] == true,
             "SigningCertificate(V2) names the KeyInfo certificate: " << report["signingCertificate"]);
  BOOST_TEST(report["signingCertificate"]["subject"].dump().find("CN=Jan Kowalski") != std::string::npos,
             "the signing certificate is Jan Kowalski's: " << report["signingCertificate"]);
  BOOST_TEST_REQUIRE(report["references"].size() == 2u, "two references: " << report["references"]);
  BOOST_TEST(report["references"][0]["uri"] == "", "the data reference is the whole document");
  BOOST_TEST(report["references"][0]["transforms"] == json::array({kEnvelopedTransform, kExcC14n}),
             "xadesjs ran the enveloped-signature transform and exclusive c14n: " << report["references"][0]);
  BOOST_TEST(report["references"][1]["type"] == kSignedPropertiesType, "the second is the SignedProperties");

  changeOneDigit(out, invoiceMarker);
  const auto tampered = xadesjsVerify(out, 1);
  BOOST_TEST(tampered["valid"] == false, "xadesjs rejects a one-byte change: " << tampered.dump(1));
  BOOST_TEST(tampered["signerKeyVerify"]["error"].dump().find("Invalid digest") != std::string::npos,
             "because of the data reference's digest: " << tampered["signerKeyVerify"]);
}

BOOST_AUTO_TEST_CASE(xadesjs_verifies_our_ecdsa_enveloped_xades_b_b_with_the_signing_certificates_key) {
  const fs::path out = signWithUs("signer-ec.p12", "enveloped", invoice, dir / "enveloped-ec.xml");
  const auto report = xadesjsVerify(out, 0);
  BOOST_TEST(report["valid"] == true, "xadesjs: valid with the signing certificate's key: " << report.dump(1));
  BOOST_TEST(report["signatureMethod"] == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", "ECDSA-SHA256");
  BOOST_TEST(report["signingCertificate"]["matches"] == true, "SigningCertificate(V2) names the KeyInfo certificate");
  BOOST_TEST(report["signingCertificate"]["subject"].dump().find("CN=Anna Nowak") != std::string::npos,
             "the signing certificate is Anna Nowak's: " << report["signingCertificate"]);
  // Either xadesjs' own Verify() passes too, or it fails only for the
  // documented reason (an RSA CA certificate beside the ECDSA signer).
  const bool libraryOk = report["libraryVerify"]["valid"] == true;
  BOOST_TEST((libraryOk || report["libraryVerify"]["error"].dump().find("Cannot get Curved name") != std::string::npos),
             "SignedXml.Verify(): " << report["libraryVerify"]);
}

BOOST_AUTO_TEST_CASE(xadesjs_verifies_our_enveloping_and_detached_rsa_xades_b_b) {
  const fs::path enveloping = signWithUs("signer-rsa.p12", "enveloping", invoice, dir / "enveloping.xml");
  auto report = xadesjsVerify(enveloping, 0);
  BOOST_TEST(report["valid"] == true, "xadesjs: our enveloping signature is valid: " << report.dump(1));
  BOOST_TEST(report["signedPropertiesReferenced"] == true, "a SignedProperties reference points at it");

  const fs::path scan = dir / "scan.png";
  fs::copy_file(sourceDir() / "samples/documents/scan.png", scan);
  const fs::path detached = signWithUs("signer-rsa.p12", "detached", scan);
  // verify.js reads a relative reference from the signature's folder.
  report = xadesjsVerify(detached, 0);
  BOOST_TEST(report["valid"] == true, "xadesjs: our detached signature is valid: " << report.dump(1));
  BOOST_TEST_REQUIRE(report["references"].size() == 2u, "two references: " << report["references"]);
  BOOST_TEST(report["references"][0]["uri"] == "scan.png", "the data reference names the file");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_FIXTURE_TEST_SUITE(xades_interop_we_read_xadesjs, Interop)

BOOST_AUTO_TEST_CASE(an_rsa_and_an_ecdsa_xades_bes_made_by_xadesjs_are_total_passed) {
  requireXmlsec1();
  for (const std::string p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(p12) {
      const fs::path out = xadesjsSign(p12, dir / (p12 + "-xadesjs.xml"));
      // xmlsec1 agrees the file is sound, so a failure below is ours.
      expectXmlsec1Accepts(out, 2);

      const auto report = verifyWithUs(out, 0);
      BOOST_TEST(report["indication"] == "TOTAL-PASSED", "our verdict on xadesjs: " << report.dump(2));
      BOOST_TEST(report["format"] == "XAdES", "the file is XAdES");
      BOOST_TEST_REQUIRE(report["signatures"].size() == 1u, "one signature");
      const auto& s = report["signatures"][0];
      for (const char* id :
           {"references", "signatureValue", "signedProperties", "signingCertificateReference", "certificateChain"}) {
        BOOST_TEST(checkStatus(s, id) == "passed", id << " passed: " << s["checks"]);
      }
      BOOST_TEST(s["level"] == "B-B", "SigningTime and SigningCertificateV2 make XAdES-B-B: " << s["level"]);
      BOOST_TEST(s["signingTime"].is_string(),
                 "xadesjs' SigningTime (with milliseconds) is read: " << s["signingTime"]);
      BOOST_TEST((s["signedData"].is_array() && !s["signedData"].empty()),
                 "the report says what the reference covers: " << s["signedData"]);
      expectSigner(s, p12 == "signer-rsa.p12" ? "Jan Kowalski" : "Anna Nowak");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_tampered_copy_of_a_xadesjs_signature_is_total_failed) {
  const fs::path out = xadesjsSign("signer-rsa.p12", dir / "xadesjs.xml");
  changeOneDigit(out, invoiceMarker);
  const auto report = verifyWithUs(out, 1);
  BOOST_TEST(report["indication"] == "TOTAL-FAILED", "our verdict on the changed invoice: " << report.dump(2));
  BOOST_TEST_REQUIRE(report["signatures"].size() == 1u, "one signature");
  BOOST_TEST(report["signatures"][0]["subIndication"] == "HASH_FAILURE", "the digest of the data reference");
  BOOST_TEST(checkStatus(report["signatures"][0], "references") == "failed", report["signatures"][0]["checks"]);
}

BOOST_AUTO_TEST_CASE(a_xadesjs_signature_whose_data_reference_has_no_uri_is_never_total_failed) {
  // What xadesjs writes when its caller gives no uri: <ds:Reference> without
  // URI, with the enveloped-signature transform.  XMLDSig 1.1 §4.4.3.1 allows
  // that for one reference ("If the URI attribute is omitted altogether, the
  // receiving application is expected to know the identity of the object");
  // xmlsec1 and xadesjs take it as the whole document, Apache Santuario (DSS)
  // resolves nothing for it.  So the signature is TOTAL-PASSED, or, if we do
  // not take it as the document, INDETERMINATE: EN 319 102-1 §5.2.7 gives
  // SIGNED_DATA_NOT_FOUND when the signed data cannot be obtained (or
  // SIG_CONSTRAINTS_FAILURE for a policy refusal), and the report says why.
  // It is not malformed and nothing in it is wrong: never TOTAL-FAILED.
  requireXmlsec1();
  const fs::path out = xadesjsSign("signer-rsa.p12", dir / "xadesjs-no-uri.xml", "omitted");
  BOOST_TEST_REQUIRE(readText(out).find("<ds:Reference><ds:Transforms>") != std::string::npos,
                     "the data reference has no URI attribute");
  expectXmlsec1Accepts(out, 2);
  const auto report = verifyWithUs(out, kExitOfIndication);
  const std::string indication = report.value("indication", "");
  const std::string sub = report["subIndication"].is_string() ? report["subIndication"].get<std::string>() : "";
  BOOST_TEST((indication == "TOTAL-PASSED" ||
              (indication == "INDETERMINATE" && (sub == "SIGNED_DATA_NOT_FOUND" || sub == "SIG_CONSTRAINTS_FAILURE"))),
             "TOTAL-PASSED, or INDETERMINATE/SIGNED_DATA_NOT_FOUND or SIG_CONSTRAINTS_FAILURE; not "
                 << indication << "/" << sub << ": " << report.dump(2));
  if (indication == "INDETERMINATE") {
    BOOST_TEST(lowered(report["signatures"][0]["messages"].dump()).find("uri") != std::string::npos,
               "the report says the reference has no URI: " << report["signatures"][0]["messages"]);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// Plain XML-DSig from `xmlsec1 --sign` of a template: no XAdES properties,
// so no signed reference to the signing certificate.
namespace {

struct XmlsecTemplate {
  std::string p12;
  std::string signatureMethod;
  std::string canonicalization;
  bool prefixed;  ///< ds:Signature, or Signature in the default namespace
  bool excC14nTransform;
};

std::string xmlsecTemplate(const XmlsecTemplate& t) {
  const std::string p = t.prefixed ? "ds:" : "";
  const std::string ns = std::string(t.prefixed ? " xmlns:ds=" : " xmlns=") + "\"http://www.w3.org/2000/09/xmldsig#\"";
  std::string s = "<" + p + "Signature" + ns + ">\n";
  s += "  <" + p + "SignedInfo>\n";
  s += "    <" + p + "CanonicalizationMethod Algorithm=\"" + t.canonicalization + "\"/>\n";
  s += "    <" + p + "SignatureMethod Algorithm=\"" + t.signatureMethod + "\"/>\n";
  s += "    <" + p + "Reference URI=\"\">\n";
  s += "      <" + p + "Transforms>\n";
  s += "        <" + p + "Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\n";
  if (t.excC14nTransform) s += "        <" + p + "Transform Algorithm=\"" + kExcC14n + "\"/>\n";
  s += "      </" + p + "Transforms>\n";
  s += "      <" + p + "DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/>\n";
  s += "      <" + p + "DigestValue/>\n";
  s += "    </" + p + "Reference>\n";
  s += "  </" + p + "SignedInfo>\n";
  s += "  <" + p + "SignatureValue/>\n";
  s += "  <" + p + "KeyInfo><" + p + "X509Data/></" + p + "KeyInfo>\n";
  s += "</" + p + "Signature>\n";
  return s;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(xades_interop_we_read_xmlsec1, Interop)

BOOST_AUTO_TEST_CASE(enveloped_xml_dsig_made_by_xmlsec1_passes_references_and_signature_value) {
  requireXmlsec1();
  const std::vector<XmlsecTemplate> templates{
      {"signer-rsa.p12", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
       "http://www.w3.org/TR/2001/REC-xml-c14n-20010315", false, false},
      {"signer-ec.p12", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", kExcC14n, true, true},
  };
  for (const auto& t : templates) {
    BOOST_TEST_CONTEXT(t.p12 << (t.prefixed ? ", ds: prefix, exclusive c14n" : ", default namespace, inclusive c14n")) {
      std::string doc = readText(invoice);
      const auto end = doc.rfind("</Faktura>");
      BOOST_TEST_REQUIRE(end != std::string::npos, "the invoice ends with </Faktura>");
      doc.insert(end, xmlsecTemplate(t));
      const fs::path tmpl = dir / (t.p12 + "-template.xml");
      const fs::path out = dir / (t.p12 + "-xmlsec1.xml");
      writeFile(tmpl, doc);
      // xmlsec1 puts the certificates of the PKCS#12 (signer and issuing CA) into X509Data.
      const auto r = run({"xmlsec1", "--sign", "--pkcs12", (pki / t.p12).string(), "--pwd", password(), "--output",
                          out.string(), tmpl.string()});
      BOOST_TEST_REQUIRE(r.exitCode == 0, "xmlsec1 --sign exits 0: " << r.out << r.err);
      expectXmlsec1Accepts(out, 1);

      const auto report = verifyWithUs(out, kExitOfIndication);
      BOOST_TEST_REQUIRE(report["signatures"].size() == 1u, "one signature: " << report.dump(2));
      const auto& s = report["signatures"][0];
      BOOST_TEST(checkStatus(s, "references") == "passed", "the reference digest: " << s["checks"]);
      BOOST_TEST(checkStatus(s, "signatureValue") == "passed", "the signature value: " << s["checks"]);
      BOOST_TEST(checkStatus(s, "certificateChain") == "passed", "the chain from X509Data: " << s["checks"]);
      const std::string indication = report["indication"];
      BOOST_TEST((indication == "TOTAL-PASSED" || indication == "INDETERMINATE"), "overall: " << report.dump(2));
      if (indication == "INDETERMINATE") {
        const std::string said = lowered(s["messages"].dump() + s["checks"].dump());
        BOOST_TEST((said.find("signing-certificate") != std::string::npos ||
                    said.find("signing certificate") != std::string::npos),
                   "INDETERMINATE says there is no signed signing-certificate reference: " << s);
      }
      // EN 319 132-1 B-B needs signed properties; as for adbe.pkcs7.detached
      // in PAdES (test_pades_interop), no baseline level.
      BOOST_TEST(s["level"] == "-", "plain XML-DSig is no XAdES baseline level: " << s["level"]);
      expectSigner(s, t.p12 == "signer-rsa.p12" ? "Jan Kowalski" : "Anna Nowak");

      changeOneDigit(out, invoiceMarker);
      const auto tampered = verifyWithUs(out, 1);
      BOOST_TEST(tampered["indication"] == "TOTAL-FAILED", "a one-byte change: " << tampered.dump(2));
      BOOST_TEST(checkStatus(tampered["signatures"][0], "references") == "failed", tampered["signatures"][0]["checks"]);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
