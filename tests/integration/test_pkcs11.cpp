// PKCS#11 signing (issue 5) through the real securedoc-cli, against SoftHSM2
// tokens made by samples/make-demo-token.sh from the test PKI:
//   "SecureDoc RSA": Jan Kowalski's RSA-2048 key and certificate (CKA_ID 01)
//                    and the issuing CA certificate (CKA_ID 02, no key)
//   "SecureDoc EC":  Anna Nowak's P-256 key and certificate, the issuing CA
// The modules are reached both ways a user can: the p11-kit configured
// modules (/usr/share/p11-kit/modules/softhsm2.module loads SoftHSM2, which
// reads SOFTHSM2_CONF) and a module named in the URI (module-path=).
// The tokens a case breaks on purpose (empty, key only, certificate only,
// wrong PIN) live in the case's own SoftHSM2 store, made with softhsm2-util
// and pkcs11-tool, PIN 918273.
// Independent checks: pkcs11-tool (OpenSC) lists the same tokens and
// objects; pdfsig, xmlsec1 and openssl cms verify what we sign; OpenSC's
// pkcs11-spy counts the logins and signatures of a batch.
// The tools come from scripts/lib.sh (softhsm2, opensc, poppler-utils,
// xmlsec1, openssl); a missing tool fails the case, it never skips it.
#include <boost/test/unit_test.hpp>

#include "test_support.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

using namespace securedoc::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string kSoftHsm = "/usr/lib/softhsm/libsofthsm2.so";
const std::string kP11KitSoftHsmModule = "/usr/share/p11-kit/modules/softhsm2.module";
/// The demo tokens' PIN (make-demo-token.sh's default).
const std::string kDemoPin = "1234";
/// The PIN of the tokens a case makes for itself: distinctive, so that an
/// echo of it anywhere in the output is found.
const std::string kOddPin = "918273";
/// A PIN no token has.
const std::string kWrongPin = "271828";
const std::string kIssuingSubject = "CN=SecureDoc Demo Issuing CA,O=SecureDoc Demo,C=PL";

struct DemoKey {
  std::string token;    ///< token label
  std::string person;   ///< CKA_LABEL of key and certificate, the certificate's CN
  std::string p12;      ///< the same key in the test PKI
  std::string keyType;  ///< as `certs` prints it
};
const DemoKey kRsa{"SecureDoc RSA", "Jan Kowalski", "signer-rsa.p12", "RSA-2048"};
const DemoKey kEc{"SecureDoc EC", "Anna Nowak", "signer-ec.p12", "EC P-256"};
const std::vector<DemoKey> kDemoKeys{kRsa, kEc};

std::string lowered(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trimmed(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

/// RFC 7512 percent-encoding of an attribute value: unreserved characters
/// stay, everything else (space, ';', '?', '%'...) becomes %XX.
std::string pct(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0x0F];
    }
  }
  return out;
}

/// pkcs11:token=LABEL, with ";object=..." and "?module-path=..." when given.
/// Module paths need no escaping in the query ('/' is allowed there).
std::string tokenUri(const std::string& label, const std::string& modulePath = {}, const std::string& object = {}) {
  std::string uri = "pkcs11:token=" + pct(label);
  if (!object.empty()) uri += ";object=" + pct(object);
  if (!modulePath.empty()) uri += "?module-path=" + modulePath;
  return uri;
}

/// Serial numbers compared as pkcs11-tool and we print them: hex, any case,
/// no leading zeros.
std::string normalSerial(std::string s) {
  s = lowered(trimmed(s));
  s.erase(std::remove(s.begin(), s.end(), ':'), s.end());
  const auto nz = s.find_first_not_of('0');
  return nz == std::string::npos ? "0" : s.substr(nz);
}

/// The RDNs of a distinguished name, most significant first, from our
/// RFC 4514 rendering ("CN=...,O=...,C=PL", least significant first).
std::vector<std::string> rdnsOfOurs(const std::string& dn) {
  std::vector<std::string> out;
  std::istringstream in(dn);
  for (std::string rdn; std::getline(in, rdn, ',');) out.push_back(trimmed(rdn));
  std::reverse(out.begin(), out.end());
  return out;
}

/// The same from pkcs11-tool's "DN: C=PL, O=SecureDoc Demo/serialNumber=..., CN=..."
/// (OpenSSL's one-line form with ", " and, for some attributes, "/").
std::vector<std::string> rdnsOfPkcs11Tool(std::string dn) {
  if (dn.rfind("DN:", 0) == 0) dn = dn.substr(3);
  std::vector<std::string> out;
  const std::regex sep(R"(, |/)");
  for (std::sregex_token_iterator it(dn.begin(), dn.end(), sep, -1), end; it != end; ++it) {
    const std::string rdn = trimmed(*it);
    if (!rdn.empty()) out.push_back(rdn);
  }
  return out;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// `pin` appears in `text` as a number of its own (not inside a longer run of
/// letters and digits such as a serial number or a fingerprint).
bool showsPin(const std::string& text, const std::string& pin) {
  const std::regex alone("(^|[^0-9A-Za-z])" + pin + "([^0-9A-Za-z]|$)");
  return std::regex_search(text, alone);
}

/// No PIN of this suite on stdout or stderr: the distinctive ones nowhere,
/// the demo PIN not as a number of its own.
void expectNoPinShown(const RunResult& r, const std::string& what) {
  const std::string all = r.out + "\n" + r.err;
  for (const auto& pin : {kOddPin, kWrongPin}) {
    BOOST_TEST(!contains(all, pin), what << " shows the PIN " << pin << ":\n" << all);
  }
  BOOST_TEST(!showsPin(all, kDemoPin), what << " shows the demo PIN " << kDemoPin << ":\n" << all);
}

/// securedoc-cli with the PIN check every run of this suite gets.
RunResult p11cli(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  const auto r = cli(args, env);
  std::string what = "securedoc-cli";
  for (const auto& a : args) what += " " + a;
  expectNoPinShown(r, what);
  return r;
}

RunResult runOk(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
  const auto r = run(argv, env);
  std::string what;
  for (const auto& a : argv) what += (what.empty() ? "" : " ") + a;
  BOOST_TEST_REQUIRE(r.exitCode == 0, what << " exits 0: " << r.out << r.err);
  return r;
}

void requireTokenTools() {
  requireTool("softhsm2-util", "the Debian package softhsm2");
  requireTool("pkcs11-tool", "the Debian package opensc");
  requireTool("openssl", "the Debian package openssl");
  BOOST_TEST_REQUIRE(fs::exists(kSoftHsm), kSoftHsm << " is missing: install the Debian package softhsm2");
  BOOST_TEST_REQUIRE(
      fs::exists(kP11KitSoftHsmModule),
      kP11KitSoftHsmModule << " is missing: install the Debian package softhsm2 (p11-kit loads it from there)");
}

/// The demo tokens, made once per test binary by the real script, plus the
/// demo keys and certificates as DER files for the odd tokens of the cases.
struct Demo {
  TempDir dir;
  fs::path pki = pkiDir();
  fs::path tokens = dir / "tokens";
  fs::path conf = tokens / "softhsm2.conf";
  fs::path pinFile = dir / "pin.txt";
  fs::path issuingDer = dir / "issuing-ca.der";
  std::map<std::string, fs::path> keyDer;   ///< by p12 name
  std::map<std::string, fs::path> certDer;  ///< by p12 name
  /// `certs --json` of the same key from its PKCS#12 file: the reference
  /// for the certificate fields.
  std::map<std::string, json> pkcs12Listing;

  Demo() {
    const auto r = runOk({(sourceDir() / "samples/make-demo-token.sh").string(), tokens.string(), pki.string()});
    BOOST_TEST_REQUIRE(fs::exists(conf), "make-demo-token.sh wrote " << conf << ": " << r.out << r.err);
    BOOST_TEST(contains(r.out, "export SOFTHSM2_CONF=" + conf.string()),
               "make-demo-token.sh ends with the export line: " << r.out);
    BOOST_TEST(!showsPin(r.out + r.err, kDemoPin), "make-demo-token.sh does not print the PIN: " << r.out << r.err);
    writeFile(pinFile, kDemoPin + "\n");

    const std::string passin = "file:" + (pki / "password.txt").string();
    runOk(
        {"openssl", "x509", "-in", (pki / "issuing-ca.pem").string(), "-outform", "DER", "-out", issuingDer.string()});
    for (const auto& k : kDemoKeys) {
      const fs::path keyPem = dir / (k.p12 + ".key.pem");
      keyDer[k.p12] = dir / (k.p12 + ".key.der");
      certDer[k.p12] = dir / (k.p12 + ".cert.der");
      runOk({"openssl", "pkcs12", "-in", (pki / k.p12).string(), "-passin", passin, "-nocerts", "-nodes", "-out",
             keyPem.string()});
      runOk({"openssl", "pkey", "-in", keyPem.string(), "-outform", "DER", "-out", keyDer[k.p12].string()});
      const fs::path certPem = dir / (k.p12 + ".cert.pem");
      runOk({"openssl", "pkcs12", "-in", (pki / k.p12).string(), "-passin", passin, "-clcerts", "-nokeys", "-out",
             certPem.string()});
      runOk({"openssl", "x509", "-in", certPem.string(), "-outform", "DER", "-out", certDer[k.p12].string()});

      const auto listing = cli({"certs", "--signer", "pkcs12:" + (pki / k.p12).string(), "--password-file",
                                (pki / "password.txt").string(), "--json"});
      BOOST_TEST_REQUIRE(listing.exitCode == 0, "certs of " << k.p12 << ": " << listing.out << listing.err);
      const json j = json::parse(listing.out, nullptr, false);
      BOOST_TEST_REQUIRE((j.is_array() && j.size() == 1u), "certs of " << k.p12 << " lists one: " << listing.out);
      pkcs12Listing[k.p12] = j[0];
    }
  }

  std::string env() const { return "SOFTHSM2_CONF=" + conf.string(); }
};

/// The demo tokens (made on first use; a failure fails each case that needs them).
const Demo& demo() {
  static std::unique_ptr<Demo> d;
  if (!d) {
    requireTokenTools();
    d = std::make_unique<Demo>();
  }
  return *d;
}

/// A SoftHSM2 store of the case's own, for tokens made broken on purpose.
class OddTokens {
 public:
  explicit OddTokens(const fs::path& dir) : m_dir(dir) {
    fs::create_directories(m_dir / "tokens");
    writeFile(m_conf, "directories.tokendir = " + (m_dir / "tokens").string() +
                          "\nobjectstore.backend = file\nlog.level = ERROR\n");
  }
  std::string env() const { return "SOFTHSM2_CONF=" + m_conf.string(); }

  void init(const std::string& label) const {
    runOk({"softhsm2-util", "--init-token", "--free", "--label", label, "--pin", kOddPin, "--so-pin", "12345678"},
          {env()});
  }
  /// pkcs11-tool --write-object FILE --type TYPE --id ID --label LABEL.
  void put(const std::string& token, const fs::path& file, const std::string& type, const std::string& id,
           const std::string& label) const {
    runOk({"pkcs11-tool", "--module", kSoftHsm, "--token-label", token, "--login", "--pin", kOddPin, "--write-object",
           file.string(), "--type", type, "--id", id, "--label", label},
          {env()});
  }

 private:
  fs::path m_dir;
  fs::path m_conf = m_dir / "softhsm2.conf";
};

/// One object of `pkcs11-tool --list-objects`.
struct P11Object {
  std::string kind;                          ///< "Certificate Object", "Private Key Object", ...
  std::map<std::string, std::string> attrs;  ///< label, ID, subject, serial...
  std::string attr(const std::string& k) const {
    const auto it = attrs.find(k);
    return it == attrs.end() ? std::string() : it->second;
  }
};

std::vector<P11Object> parseObjects(const std::string& out) {
  std::vector<P11Object> objects;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (line[0] != ' ' && line[0] != '\t') {
      const auto semi = line.find(';');
      const std::string kind = trimmed(line.substr(0, semi));
      if (kind.size() > 7 && kind.compare(kind.size() - 7, 7, " Object") == 0) objects.push_back({kind, {}});
      continue;
    }
    if (objects.empty()) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    objects.back().attrs[trimmed(line.substr(0, colon))] = trimmed(line.substr(colon + 1));
  }
  return objects;
}

/// Token labels of `pkcs11-tool -L`.
std::vector<std::string> parseTokenLabels(const std::string& out) {
  std::vector<std::string> labels;
  const std::regex label(R"(^\s*token label\s*:\s*(.*?)\s*$)");
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, label)) labels.push_back(m[1].str());
  }
  return labels;
}

/// One call in a pkcs11-spy log ("47: C_Sign" and its parameters).
struct SpyCall {
  std::string function;
  bool sizeQuery = false;  ///< an output buffer of NULL: the caller only asks for the length
};

std::vector<SpyCall> spyCalls(const std::string& log) {
  std::vector<SpyCall> calls;
  const std::regex header(R"(^\d+: (C_\w+)\r?$)");
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, header)) {
      calls.push_back({m[1].str(), false});
    } else if (!calls.empty() && line.rfind("[out] ", 0) == 0 && contains(line, "] NULL")) {
      calls.back().sizeQuery = true;
    }
  }
  return calls;
}

struct Case {
  TempDir dir;
  fs::path pki = pkiDir();
  fs::path oddPinFile = dir / "odd-pin.txt";
  fs::path wrongPinFile = dir / "wrong-pin.txt";

  Case() {
    writeFile(oddPinFile, kOddPin + "\n");
    writeFile(wrongPinFile, kWrongPin + "\n");
  }

  std::string root() const { return (pki / "root-ca.pem").string(); }
  std::string issuing() const { return (pki / "issuing-ca.pem").string(); }

  /// A folder of the case holding copies of the sample documents `names`.
  fs::path folderWith(const std::string& name, const std::vector<std::string>& names) const {
    const fs::path folder = dir / name;
    fs::create_directories(folder);
    for (const auto& n : names) fs::copy_file(sourceDir() / "samples/documents" / n, folder / n);
    return folder;
  }

  /// `certs --json` of `uri` with the demo PIN file: the parsed array.
  json certsJson(const std::string& uri, const std::vector<std::string>& env) const {
    const auto r = p11cli({"certs", "--signer", uri, "--pin-file", demo().pinFile.string(), "--json"}, env);
    BOOST_TEST_REQUIRE(r.exitCode == 0, "certs --signer " << uri << " exits 0: " << r.out << r.err);
    const json j = json::parse(r.out, nullptr, false);
    BOOST_TEST_REQUIRE(j.is_array(), "certs --json prints an array: " << r.out);
    return j;
  }

  /// Signs `inputs` in one run; returns the new file beside each input, in
  /// order.  `pinFile` empty: the PIN comes from SECUREDOC_PIN=`envPin`.
  std::vector<fs::path> sign(const std::string& uri, const std::vector<fs::path>& inputs, std::vector<std::string> env,
                             const fs::path& pinFile, const std::string& envPin = {}) const {
    const fs::path folder = inputs.at(0).parent_path();
    const auto before = listDir(folder);
    std::vector<std::string> args{"sign", "--signer", uri};
    if (!pinFile.empty()) {
      args.push_back("--pin-file");
      args.push_back(pinFile.string());
    } else {
      env.push_back("SECUREDOC_PIN=" + envPin);
    }
    for (const auto& i : inputs) args.push_back(i.string());
    const auto r = p11cli(args, env);
    BOOST_TEST_REQUIRE(r.exitCode == 0, "sign --signer " << uri << " exits 0: " << r.out << r.err);
    const auto after = listDir(folder);
    std::vector<std::string> added;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
    BOOST_TEST_REQUIRE(added.size() == inputs.size(), "one new file per input: " << r.out << r.err);
    std::vector<fs::path> outputs;
    for (const auto& in : inputs) {
      // Outputs are named after their input: contract-signed.pdf, scan.png.p7s...
      const std::string stem = in.stem().string();
      const auto it = std::find_if(added.begin(), added.end(),
                                   [&](const std::string& a) { return a.rfind(stem, 0) == 0 && a != in.filename(); });
      BOOST_TEST_REQUIRE((it != added.end()), "an output named after " << in.filename() << " among the new files");
      outputs.push_back(folder / *it);
      added.erase(it);
    }
    return outputs;
  }

  /// Our verdict: TOTAL-PASSED, one B-B signature by `person`.
  void expectWePass(const fs::path& signedFile, const std::string& person) const {
    const auto r = cli({"verify", "--trust-anchor", root(), "--json", signedFile.string()});
    const json report = json::parse(r.out, nullptr, false);
    BOOST_TEST_REQUIRE(report.is_object(), "verify prints a JSON report: exit " << r.exitCode << " " << r.out << r.err);
    BOOST_TEST(r.exitCode == 0, "verify " << signedFile.filename() << " exits 0: " << report.dump(1) << r.err);
    BOOST_TEST(report["indication"] == "TOTAL-PASSED",
               "our verdict on " << signedFile.filename() << ": " << report.dump(1));
    BOOST_TEST_REQUIRE(report["signatures"].size() == 1u, "one signature: " << report.dump(1));
    BOOST_TEST(report["signatures"][0]["signer"]["subjectFields"]["CN"] == person,
               "signed by " << person << ": " << report["signatures"][0]["signer"]);
  }

  void expectPdfsigAccepts(const fs::path& pdf, const std::string& person) const {
    requireTool("pdfsig", "the Debian package poppler-utils");
    // -nocert: NSS does not know the demo root; the value and coverage count.
    const auto r = run({"pdfsig", "-nocert", pdf.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "pdfsig " << pdf.filename() << " exits 0: " << r.out << r.err);
    const auto blocks = pdfsigBlocks(r.out);
    BOOST_TEST_REQUIRE(blocks.size() == 1u, "pdfsig sees one signature: " << r.out);
    BOOST_TEST(contains(blocks[0], "  - Signature Validation: Signature is Valid.\n"), "pdfsig: valid\n" << blocks[0]);
    BOOST_TEST(contains(blocks[0], "  - Total document signed\n"), "pdfsig: whole document\n" << blocks[0]);
    BOOST_TEST(contains(blocks[0], "  - Signer Certificate Common Name: " + person + "\n"), blocks[0]);
  }

  void expectXmlsec1Accepts(const fs::path& xml) const {
    requireTool("xmlsec1", "the Debian package xmlsec1");
    const auto r = run({"env", "-C", xml.parent_path().string(), "xmlsec1", "--verify", "--trusted-pem", root(),
                        "--untrusted-pem", issuing(), xml.filename().string()});
    BOOST_TEST(r.exitCode == 0, "xmlsec1 --verify " << xml.filename() << " exits 0:\n" << r.out << r.err);
    // The document and the SignedProperties.
    BOOST_TEST(contains(r.out + r.err, "SignedInfo References (ok/all): 2/2"), r.out << r.err);
  }

  void expectOpensslCmsAccepts(const fs::path& p7s, const fs::path& content) const {
    const auto r = run({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", p7s.string(), "-content",
                        content.string(), "-CAfile", root(), "-purpose", "any", "-out", "/dev/null"});
    BOOST_TEST(r.exitCode == 0, "openssl cms -verify " << p7s.filename() << " exits 0: " << r.out << r.err);
    BOOST_TEST(contains(r.out + r.err, "Verification successful"), r.out << r.err);
  }

  /// Ours and the independent tool's verdict on `out`, signed from `in`.
  void expectValid(const fs::path& in, const fs::path& out, const std::string& person) const {
    BOOST_TEST_CONTEXT(out.filename()) {
      expectWePass(out, person);
      const std::string ext = lowered(in.extension().string());
      if (ext == ".pdf") {
        expectPdfsigAccepts(out, person);
      } else if (ext == ".xml") {
        expectXmlsec1Accepts(out);
      } else {
        BOOST_TEST(out.extension() == ".p7s", "CAdES for " << in.filename() << ": " << out);
        expectOpensslCmsAccepts(out, in);
      }
    }
  }

  /// A refused run: exit status, each of `mentions` in stderr (lowercase
  /// compare), nothing new in `folder`.
  void expectRefused(const std::vector<std::string>& args, const std::vector<std::string>& env, int exitCode,
                     const std::vector<std::string>& mentions, const fs::path& folder) const {
    const auto before = listDir(folder);
    const auto r = p11cli(args, env);
    std::string what;
    for (const auto& a : args) what += " " + a;
    BOOST_TEST(r.exitCode == exitCode, "securedoc-cli" << what << " exits " << exitCode << ": " << r.out << r.err);
    BOOST_TEST(!trimmed(r.err).empty(), "securedoc-cli" << what << " says why on stderr");
    for (const auto& m : mentions) {
      BOOST_TEST(contains(lowered(r.err), lowered(m)), "stderr mentions \"" << m << "\": " << r.err);
    }
    BOOST_TEST(listDir(folder) == before, "securedoc-cli" << what << " wrote nothing into " << folder);
  }

  std::vector<std::string> signArgs(const std::string& uri, const fs::path& pinFile, const fs::path& input) const {
    return {"sign", "--signer", uri, "--pin-file", pinFile.string(), input.string()};
  }
};

}  // namespace

// ---------------------------------------------------------------------------
BOOST_FIXTURE_TEST_SUITE(pkcs11_certs, Case)

BOOST_AUTO_TEST_CASE(certs_json_describes_each_demo_key_through_p11_kit_and_through_a_module_path) {
  const Demo& d = demo();
  const std::regex isoSecond(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$)");
  const std::regex hex(R"(^[0-9A-Fa-f]+$)");
  for (const auto& k : kDemoKeys) {
    for (const std::string& module : {std::string(), kSoftHsm}) {
      const std::string uri = tokenUri(k.token, module);
      BOOST_TEST_CONTEXT(uri) {
        const json list = certsJson(uri, {d.env()});
        BOOST_TEST_REQUIRE(list.size() == 1u, "one key with its certificate on " << k.token << ": " << list.dump(1));
        const json& c = list[0];
        const json& ref = d.pkcs12Listing.at(k.p12);
        for (const char* field : {"subject", "issuer", "serial", "notBefore", "notAfter", "keyType", "sha256"}) {
          BOOST_TEST(c.value(field, json()) == ref[field], field << " as from " << k.p12 << ": " << c.dump(1));
        }
        BOOST_TEST(contains(c.value("subject", ""), "CN=" + k.person), c.dump(1));
        BOOST_TEST(c.value("issuer", "") == kIssuingSubject, c.dump(1));
        BOOST_TEST(std::regex_match(c.value("serial", ""), hex), "serial in hex: " << c["serial"]);
        BOOST_TEST(std::regex_match(c.value("notBefore", ""), isoSecond), "notBefore " << c["notBefore"]);
        BOOST_TEST(std::regex_match(c.value("notAfter", ""), isoSecond), "notAfter " << c["notAfter"]);
        BOOST_TEST(c.value("keyType", "") == k.keyType, c.dump(1));
        BOOST_TEST(c.value("id", "").rfind("pkcs11:", 0) == 0u, "id is a pkcs11: URI: " << c["id"]);
        BOOST_TEST(!contains(lowered(c.value("id", "")), "pin-value"), "id holds no PIN: " << c["id"]);
        BOOST_TEST(c.value("location", "") == k.token, "location is the token label: " << c.dump(1));
        BOOST_TEST(c.value("label", "") == k.person, "label is CKA_LABEL: " << c.dump(1));
        BOOST_TEST(c.value("keyId", "") == "01", "keyId is CKA_ID in lowercase hex: " << c.dump(1));
        BOOST_TEST(c.value("chain", json()) == json::array({kIssuingSubject}),
                   "chain: the issuing CA found on the token: " << c.dump(1));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_id_of_each_listed_key_selects_that_key_for_sign) {
  const Demo& d = demo();
  for (const auto& k : kDemoKeys) {
    for (const std::string& module : {std::string(), kSoftHsm}) {
      BOOST_TEST_CONTEXT(k.token << (module.empty() ? " through p11-kit" : " through module-path")) {
        const json list = certsJson(tokenUri(k.token, module), {d.env()});
        BOOST_TEST_REQUIRE(list.size() == 1u, list.dump(1));
        const std::string id = list[0].value("id", "");
        BOOST_TEST_REQUIRE(!id.empty(), list.dump(1));
        // A key found through a module named by path is only found that way
        // again when the module is not configured in p11-kit.
        if (!module.empty()) BOOST_TEST(contains(id, "module-path="), "the id names the module: " << id);
        // The id alone lists exactly that key again.
        const json again = certsJson(id, {d.env()});
        BOOST_TEST_REQUIRE(again.size() == 1u, "the id " << id << " selects one key: " << again.dump(1));
        BOOST_TEST(again[0].value("sha256", "") == list[0].value("sha256", ""), again.dump(1));
        // And it signs.
        const fs::path folder = folderWith(k.p12 + (module.empty() ? "-p11kit" : "-module"), {"notes.txt"});
        const auto out = sign(id, {folder / "notes.txt"}, {d.env()}, d.pinFile);
        expectValid(folder / "notes.txt", out.at(0), k.person);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(certs_text_names_the_token_and_describes_the_certificate) {
  const Demo& d = demo();
  for (const auto& k : kDemoKeys) {
    for (const std::string& module : {std::string(), kSoftHsm}) {
      const std::string uri = tokenUri(k.token, module);
      BOOST_TEST_CONTEXT(uri) {
        const auto r = p11cli({"certs", "--signer", uri, "--pin-file", d.pinFile.string()}, {d.env()});
        BOOST_TEST_REQUIRE(r.exitCode == 0, "certs exits 0: " << r.out << r.err);
        std::string tokenLine;
        std::istringstream in(r.out);
        for (std::string line; std::getline(in, line);) {
          if (contains(line, "Token:")) tokenLine = line;
        }
        BOOST_TEST(contains(tokenLine, k.token), "a \"Token:\" line with the label " << k.token << ":\n" << r.out);
        const json& ref = d.pkcs12Listing.at(k.p12);
        for (const char* field : {"subject", "issuer", "serial", "notBefore", "notAfter", "keyType"}) {
          std::string shown = ref[field].get<std::string>();
          // Text for people gives validity in the local zone and UTC beside
          // it ("2026-12-07 19:06:40 UTC"); JSON keeps "2026-12-07T19:06:40Z".
          if (std::string_view(field).rfind("not", 0) == 0 && shown.size() == 20)
            shown = shown.substr(0, 10) + " " + shown.substr(11, 8) + " UTC";
          BOOST_TEST(contains(r.out, shown), "the text shows the " << field << " " << shown << ":\n" << r.out);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(our_listing_of_every_token_agrees_with_pkcs11_tool) {
  const Demo& d = demo();
  // pkcs11-tool's view: the tokens of the SoftHSM2 module, their objects, and
  // which tokens hold a certificate with its private key (same CKA_ID).
  const auto slots = runOk({"pkcs11-tool", "--module", kSoftHsm, "-L"}, {d.env()});
  const auto labels = parseTokenLabels(slots.out);
  std::map<std::string, std::vector<P11Object>> objects;
  std::set<std::string> tokensWithPair;
  for (const auto& label : labels) {
    const auto r = runOk(
        {"pkcs11-tool", "--module", kSoftHsm, "--list-objects", "--login", "--pin", kDemoPin, "--token-label", label},
        {d.env()});
    objects[label] = parseObjects(r.out);
    for (const auto& cert : objects[label]) {
      if (cert.kind != "Certificate Object") continue;
      for (const auto& key : objects[label]) {
        if (key.kind == "Private Key Object" && key.attr("ID") == cert.attr("ID")) tokensWithPair.insert(label);
      }
    }
  }
  BOOST_TEST_REQUIRE(labels.size() == 2u, "pkcs11-tool sees the two demo tokens: " << slots.out);

  // Ours: every token of the module, and every SoftHSM token of the modules
  // p11-kit has (not plain "pkcs11:": that would try the demo PIN on a real
  // card someone has in a reader).
  for (const std::string& uri :
       {"pkcs11:?module-path=" + kSoftHsm, std::string("pkcs11:manufacturer=SoftHSM%20project")}) {
    BOOST_TEST_CONTEXT(uri) {
      const json list = certsJson(uri, {d.env()});
      std::set<std::string> ourTokens;
      for (const auto& c : list) ourTokens.insert(c.value("location", ""));
      for (const auto& t : ourTokens) {
        BOOST_TEST((std::find(labels.begin(), labels.end(), t) != labels.end()),
                   "our token \"" << t << "\" is in pkcs11-tool -L:\n"
                                  << slots.out);
      }
      BOOST_TEST(ourTokens == tokensWithPair,
                 "we list exactly the tokens holding a certificate with its key: " << list.dump(1));
      BOOST_TEST(list.size() == 2u, "one key on each demo token: " << list.dump(1));

      for (const auto& c : list) {
        const std::string token = c.value("location", "");
        BOOST_TEST_CONTEXT(token << " / " << c.value("label", "")) {
          const auto& objs = objects[token];
          const auto cert = std::find_if(objs.begin(), objs.end(), [&](const P11Object& o) {
            return o.kind == "Certificate Object" && o.attr("label") == c.value("label", "") &&
                   lowered(o.attr("ID")) == c.value("keyId", "");
          });
          BOOST_TEST_REQUIRE((cert != objs.end()), "pkcs11-tool lists a Certificate Object with label "
                                                       << c["label"] << " and ID " << c["keyId"]);
          const bool key = std::any_of(objs.begin(), objs.end(), [&](const P11Object& o) {
            return o.kind == "Private Key Object" && lowered(o.attr("ID")) == c.value("keyId", "");
          });
          BOOST_TEST(key, "pkcs11-tool lists a Private Key Object with ID " << c["keyId"]);
          BOOST_TEST(rdnsOfPkcs11Tool(cert->attr("subject")) == rdnsOfOurs(c.value("subject", "")),
                     "the subject: ours " << c["subject"] << ", pkcs11-tool's " << cert->attr("subject"));
          BOOST_TEST(normalSerial(cert->attr("serial")) == normalSerial(c.value("serial", "")),
                     "the serial: ours " << c["serial"] << ", pkcs11-tool's " << cert->attr("serial"));
          // The chain is the issuing CA certificate pkcs11-tool sees there too.
          for (const auto& issuer : c.value("chain", json::array())) {
            const bool there = std::any_of(objs.begin(), objs.end(), [&](const P11Object& o) {
              return o.kind == "Certificate Object" &&
                     rdnsOfPkcs11Tool(o.attr("subject")) == rdnsOfOurs(issuer.get<std::string>());
            });
            BOOST_TEST(there, "the chain certificate " << issuer << " is on the token");
          }
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_FIXTURE_TEST_SUITE(pkcs11_sign, Case)

BOOST_AUTO_TEST_CASE(rsa_and_ec_keys_sign_pdf_xml_and_binary_with_a_pin_file) {
  const Demo& d = demo();
  for (const auto& k : kDemoKeys) {
    BOOST_TEST_CONTEXT(k.token) {
      const fs::path folder = folderWith(k.p12, {"contract.pdf", "invoice.xml", "scan.png"});
      for (const char* name : {"contract.pdf", "invoice.xml", "scan.png"}) {
        const auto out = sign(tokenUri(k.token), {folder / name}, {d.env()}, d.pinFile);
        expectValid(folder / name, out.at(0), k.person);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(rsa_and_ec_keys_sign_pdf_xml_and_binary_with_securedoc_pin) {
  const Demo& d = demo();
  for (const auto& k : kDemoKeys) {
    BOOST_TEST_CONTEXT(k.token) {
      const fs::path folder = folderWith(k.p12, {"contract.pdf", "invoice.xml", "scan.png"});
      for (const char* name : {"contract.pdf", "invoice.xml", "scan.png"}) {
        // This time the module is named in the URI, and the key by its label.
        const auto out = sign(tokenUri(k.token, kSoftHsm, k.person), {folder / name}, {d.env()}, {}, kDemoPin);
        expectValid(folder / name, out.at(0), k.person);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_five_file_batch_logs_in_once_and_signs_five_digests) {
  // OpenSC's pkcs11-spy between us and SoftHSM2 logs every call.
  fs::path spy;
  for (const char* candidate : {"/usr/lib/x86_64-linux-gnu/pkcs11-spy.so", "/usr/lib/aarch64-linux-gnu/pkcs11-spy.so",
                                "/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so",
                                "/usr/lib/aarch64-linux-gnu/pkcs11/pkcs11-spy.so", "/usr/lib/pkcs11/pkcs11-spy.so"}) {
    if (spy.empty() && fs::exists(candidate)) spy = candidate;
  }
  BOOST_TEST_REQUIRE(!spy.empty(), "OpenSC's pkcs11-spy.so is missing: install the Debian package opensc-pkcs11");
  const Demo& d = demo();
  for (const auto& k : kDemoKeys) {
    BOOST_TEST_CONTEXT(k.token) {
      const fs::path folder = folderWith(k.p12, {"contract.pdf", "invoice.xml", "scan.png", "notes.txt"});
      std::string bytes(300000, '\0');
      for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 7919u + 13u) % 251u);
      writeFile(folder / "data.bin", bytes);
      const std::vector<fs::path> inputs{folder / "contract.pdf", folder / "invoice.xml", folder / "scan.png",
                                         folder / "notes.txt", folder / "data.bin"};
      const fs::path log = dir / (k.p12 + "-spy.log");
      const auto outputs = sign(tokenUri(k.token, spy.string()), inputs,
                                {d.env(), "PKCS11SPY=" + kSoftHsm, "PKCS11SPY_OUTPUT=" + log.string()}, d.pinFile);
      for (std::size_t i = 0; i < inputs.size(); ++i) expectValid(inputs[i], outputs[i], k.person);

      const auto calls = spyCalls(readText(log));
      const auto count = [&](const std::string& fn, bool sizeQueries) {
        return std::count_if(calls.begin(), calls.end(),
                             [&](const SpyCall& c) { return c.function == fn && (sizeQueries || !c.sizeQuery); });
      };
      BOOST_TEST(count("C_Login", true) == 1, "one login for the batch; pkcs11-spy saw " << count("C_Login", true));
      BOOST_TEST(count("C_SignInit", true) == 5,
                 "five signatures; pkcs11-spy saw " << count("C_SignInit", true) << " C_SignInit");
      // C_Sign with no output buffer only asks for the length.
      BOOST_TEST(count("C_Sign", false) == 5,
                 "five signatures; pkcs11-spy saw " << count("C_Sign", false) << " C_Sign with a buffer");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
BOOST_FIXTURE_TEST_SUITE(pkcs11_errors, Case)

BOOST_AUTO_TEST_CASE(a_wrong_pin_is_refused_without_output_and_the_right_pin_works_afterwards) {
  requireTokenTools();
  const Demo& d = demo();
  const OddTokens odd(dir / "store");
  odd.init("Wrong PIN Test");
  odd.put("Wrong PIN Test", d.keyDer.at(kRsa.p12), "privkey", "01", kRsa.person);
  odd.put("Wrong PIN Test", d.certDer.at(kRsa.p12), "cert", "01", kRsa.person);
  odd.put("Wrong PIN Test", d.issuingDer, "cert", "02", "SecureDoc Demo Issuing CA");
  const fs::path folder = folderWith("in", {"notes.txt"});
  const std::string uri = tokenUri("Wrong PIN Test");

  expectRefused(signArgs(uri, wrongPinFile, folder / "notes.txt"), {odd.env()}, 1, {"wrong PIN"}, folder);
  expectRefused({"sign", "--signer", uri, (folder / "notes.txt").string()}, {odd.env(), "SECUREDOC_PIN=" + kWrongPin},
                1, {"wrong PIN"}, folder);
  expectRefused({"certs", "--signer", uri, "--pin-file", wrongPinFile.string()}, {odd.env()}, 1, {"wrong PIN"}, folder);

  const auto out = sign(uri, {folder / "notes.txt"}, {odd.env()}, oddPinFile);
  expectValid(folder / "notes.txt", out.at(0), kRsa.person);
}

BOOST_AUTO_TEST_CASE(a_missing_module_is_refused_naming_its_path) {
  const Demo& d = demo();
  const fs::path folder = folderWith("in", {"notes.txt"});
  const std::string missing = "/nonexistent/libnothing.so";
  expectRefused(signArgs(tokenUri(kRsa.token, missing), d.pinFile, folder / "notes.txt"), {d.env()}, 4, {missing},
                folder);
}

BOOST_AUTO_TEST_CASE(no_matching_token_is_refused_naming_the_label) {
  const Demo& d = demo();
  const fs::path folder = folderWith("in", {"notes.txt"});
  expectRefused(signArgs(tokenUri("Nope"), d.pinFile, folder / "notes.txt"), {d.env()}, 64, {"Nope"}, folder);
  expectRefused(signArgs(tokenUri("Nope", kSoftHsm), d.pinFile, folder / "notes.txt"), {d.env()}, 64, {"Nope"}, folder);
}

BOOST_AUTO_TEST_CASE(an_empty_token_holds_no_certificate) {
  requireTokenTools();
  const OddTokens odd(dir / "store");
  odd.init("Empty Token");
  const fs::path folder = folderWith("in", {"notes.txt"});
  expectRefused(signArgs(tokenUri("Empty Token"), oddPinFile, folder / "notes.txt"), {odd.env()}, 64,
                {"holds no certificate"}, folder);
  expectRefused({"certs", "--signer", tokenUri("Empty Token"), "--pin-file", oddPinFile.string()}, {odd.env()}, 64,
                {"holds no certificate"}, folder);
}

BOOST_AUTO_TEST_CASE(a_key_without_its_certificate_is_refused) {
  requireTokenTools();
  const Demo& d = demo();
  const OddTokens odd(dir / "store");
  odd.init("Key Only");
  odd.put("Key Only", d.keyDer.at(kRsa.p12), "privkey", "01", "Lonely Key");
  const fs::path folder = folderWith("in", {"notes.txt"});
  for (const auto& uri : {tokenUri("Key Only", {}, "Lonely Key"), tokenUri("Key Only")}) {
    BOOST_TEST_CONTEXT(uri) {
      expectRefused(signArgs(uri, oddPinFile, folder / "notes.txt"), {odd.env()}, 64, {"has no certificate"}, folder);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_certificate_without_its_key_is_refused) {
  requireTokenTools();
  const Demo& d = demo();
  const OddTokens odd(dir / "store");
  odd.init("Cert Only");
  odd.put("Cert Only", d.certDer.at(kRsa.p12), "cert", "01", kRsa.person);
  const fs::path folder = folderWith("in", {"notes.txt"});
  for (const auto& uri : {tokenUri("Cert Only", {}, kRsa.person), tokenUri("Cert Only")}) {
    BOOST_TEST_CONTEXT(uri) {
      expectRefused(signArgs(uri, oddPinFile, folder / "notes.txt"), {odd.env()}, 64, {"has no private key"}, folder);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_pin_in_the_uri_is_refused_and_not_repeated) {
  const Demo& d = demo();
  const fs::path folder = folderWith("in", {"notes.txt"});
  // The right PIN and a distinctive one: neither may come back in a message.
  for (const std::string& pin : {kDemoPin, kOddPin}) {
    for (const std::string& uri :
         {tokenUri(kRsa.token) + "?pin-value=" + pin, tokenUri(kRsa.token, kSoftHsm) + "&pin-value=" + pin}) {
      BOOST_TEST_CONTEXT(uri) {
        expectRefused(signArgs(uri, d.pinFile, folder / "notes.txt"), {d.env()}, 64, {"pin"}, folder);
        expectRefused({"certs", "--signer", uri, "--pin-file", d.pinFile.string()}, {d.env()}, 64, {"pin"}, folder);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
