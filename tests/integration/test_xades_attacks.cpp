// Attack XML files against the XAdES verifier (and the signer), built here
// from the sample invoice signed with the demo PKI:
//   - by the real CLI, enveloped (Reference URI="" with the XPath transform)
//     and enveloping (Reference URI="#<ds:Object Id>");
//   - by xmlsec1, an independent implementation: an enveloped signature that
//     references the invoice by its Id (URI="#invoice-FV-2024-03-0017"), and
//     two by XPointers (an XPath expression, and id()), all carrying the
//     XAdES properties of our own signature.
// The attacks:
//   - XML external entities and entity expansion (OWASP "XXE", "billion
//     laughs"): any document type declaration is refused, exit 4, by verify
//     and by sign, before anything is read from a file or the network;
//   - XML signature wrapping (McIntosh and Austel, "XML Signature Element
//     Wrapping Attacks and Countermeasures", SWS 2005; Somorovsky et al., "On
//     Breaking SAML", USENIX Security 2012, §4): the signed element moved into
//     a wrapper and a forged one put in its place, elements and
//     SignedProperties duplicated under the same Id, references re-pointed,
//     XPointer references, the signature moved into another document;
//   - certificate substitution in ds:KeyInfo, which the XAdES
//     SigningCertificateV2 property (ETSI EN 319 132-1 §5.2.2) exists to stop.
// Every wrapping is TOTAL-FAILED (exit 1), never TOTAL-PASSED.  Every CLI run
// on an attack file is measured with GNU time: at most 2 s and 100 MB.
#include <boost/test/unit_test.hpp>

#include "test_support.h"

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <locale>
#include <map>
#include <regex>
#include <sstream>
#include <string_view>

using namespace securedoc::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t npos = std::string::npos;

/// What one CLI run on an attack file may cost (the issue: "no crash, no hang").
constexpr double kMaxSeconds = 2.0;
#if defined(__SANITIZE_ADDRESS__)
// The ASan build measures its own CLI, whose shadow memory and quarantine
// roughly triple the heap; the 100 MB limit holds for the normal build, which
// scripts/test runs after this one.
constexpr long kMaxPeakKiB = 3 * 100'000'000 / 1024;
#else
constexpr long kMaxPeakKiB = 100'000'000 / 1024;  // 100 MB
#endif

const std::string kInvoiceId = "invoice-FV-2024-03-0017";
const std::string kInvoiceNs = "urn:securedoc:samples:invoice:1";
/// The forged payment: another account and another total.
const std::string kIban = "PL61109010140000071219812874";
const std::string kForgedIban = "PL27114020040000300201355387";

// ------------------------------------------------------------- XML text ---

/// One element in a serialised document, found by its local name.
struct Element {
  std::size_t begin = npos;         ///< its '<'
  std::size_t contentBegin = npos;  ///< after the start tag
  std::size_t contentEnd = npos;    ///< the '<' of the end tag
  std::size_t end = npos;           ///< after the end tag
  std::string qname;                ///< as written, with its prefix
  std::string prefix() const {
    const auto colon = qname.find(':');
    return colon == npos ? std::string() : qname.substr(0, colon + 1);
  }
};

/// The first element named `local` (any prefix) at or after `from`.  Good
/// for the files this suite writes and signs: no comments or CDATA holding
/// markup, no '>' inside attribute values.
Element findElement(const std::string& xml, const std::string& local, std::size_t from = 0) {
  const std::regex open("<((?:[A-Za-z_][\\w.-]*:)?" + local + ")(?=[\\s/>])");
  std::smatch m;
  Element e;
  if (from >= xml.size() || !std::regex_search(xml.begin() + static_cast<std::ptrdiff_t>(from), xml.end(), m, open)) {
    return e;
  }
  e.begin = from + static_cast<std::size_t>(m.position(0));
  e.qname = m[1].str();
  const std::size_t tagEnd = xml.find('>', e.begin);
  BOOST_TEST_REQUIRE(tagEnd != npos, "<" << e.qname << " has an end");
  e.contentBegin = tagEnd + 1;
  if (xml[tagEnd - 1] == '/') {
    e.contentEnd = e.end = e.contentBegin;
    return e;
  }
  // Depth counting over "<qname" (followed by white space, '>' or '/') and "</qname>".
  const std::string openTag = "<" + e.qname;
  const std::string closeTag = "</" + e.qname + ">";
  int depth = 1;
  std::size_t at = e.contentBegin;
  while (depth > 0) {
    const std::size_t nextClose = xml.find(closeTag, at);
    BOOST_TEST_REQUIRE(nextClose != npos, "<" << e.qname << "> is closed");
    std::size_t nextOpen = xml.find(openTag, at);
    while (nextOpen != npos && nextOpen < nextClose &&
           std::string_view(" \t\r\n/>").find(xml[nextOpen + openTag.size()]) == std::string_view::npos) {
      nextOpen = xml.find(openTag, nextOpen + 1);  // a longer name with the same start
    }
    if (nextOpen != npos && nextOpen < nextClose) {
      const std::size_t openEnd = xml.find('>', nextOpen);
      BOOST_TEST_REQUIRE(openEnd != npos);
      if (xml[openEnd - 1] != '/') ++depth;
      at = openEnd + 1;
    } else if (--depth == 0) {
      e.contentEnd = nextClose;
      e.end = nextClose + closeTag.size();
    } else {
      at = nextClose + closeTag.size();
    }
  }
  return e;
}

Element mustFind(const std::string& xml, const std::string& local, std::size_t from = 0) {
  const Element e = findElement(xml, local, from);
  BOOST_TEST_REQUIRE(e.begin != npos, "the document has a <" << local << "> after offset " << from);
  return e;
}

/// Every element named `local` inside [from, to).
std::vector<Element> findAll(const std::string& xml, const std::string& local, std::size_t from, std::size_t to) {
  std::vector<Element> out;
  for (Element e = findElement(xml, local, from); e.begin != npos && e.end <= to; e = findElement(xml, local, e.end)) {
    out.push_back(e);
  }
  return out;
}

std::string text(const std::string& xml, const Element& e) { return xml.substr(e.begin, e.end - e.begin); }
std::string content(const std::string& xml, const Element& e) {
  return xml.substr(e.contentBegin, e.contentEnd - e.contentBegin);
}
std::string startTag(const std::string& xml, const Element& e) { return xml.substr(e.begin, e.contentBegin - e.begin); }

/// The value of attribute `name` in the start tag of `e`, or "" without it.
std::string attribute(const std::string& xml, const Element& e, const std::string& name) {
  const std::string tag = startTag(xml, e);
  std::smatch m;
  if (std::regex_search(tag, m, std::regex("\\s" + name + "=\"([^\"]*)\""))) return m[1].str();
  return {};
}

/// `xml` with [from, to) replaced by `with`.
std::string spliced(const std::string& xml, std::size_t from, std::size_t to, const std::string& with) {
  return xml.substr(0, from) + with + xml.substr(to);
}

/// `xml` with the one occurrence of `what` replaced.
std::string replacedOnce(const std::string& xml, const std::string& what, const std::string& with) {
  const std::size_t at = xml.find(what);
  BOOST_TEST_REQUIRE(at != npos, "the document contains " << what);
  BOOST_TEST_REQUIRE(xml.find(what, at + 1) == npos, "the document contains " << what << " once");
  return spliced(xml, at, at + what.size(), with);
}

/// The invoice with another account and total: what an attacker wants shown.
std::string forged(const std::string& xml) {
  return replacedOnce(replacedOnce(xml, kIban, kForgedIban), "<RazemBrutto>12300.00", "<RazemBrutto>99300.00");
}

/// Base64 without white space (and without the "&#13;" libxml2 writes for CR).
std::string squeezed(std::string b64) {
  for (std::size_t at; (at = b64.find("&#13;")) != npos;) b64.erase(at, 5);
  b64.erase(std::remove_if(b64.begin(), b64.end(), [](unsigned char c) { return std::isspace(c); }), b64.end());
  return b64;
}

/// The base64 DER of the (first) certificate in a PEM file.
std::string pemBase64(const fs::path& pem) {
  std::istringstream in(readText(pem));
  std::string line, out;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line.rfind("-----BEGIN CERTIFICATE", 0) == 0) {
      inside = true;
    } else if (line.rfind("-----END CERTIFICATE", 0) == 0) {
      break;
    } else if (inside) {
      out += line;
    }
  }
  BOOST_TEST_REQUIRE(!out.empty(), pem << " holds a certificate");
  return squeezed(out);
}

/// Inserts `decl` (a document type declaration) after the XML declaration.
std::string withDoctype(const std::string& xml, const std::string& decl) {
  std::size_t at = 0;
  if (xml.rfind("<?xml", 0) == 0) at = xml.find("?>") + 2;
  return xml.substr(0, at) + "\n" + decl + xml.substr(at);
}

// ---------------------------------------------------------- one CLI run ---

struct Outcome {
  int exitCode = -1;
  std::string out;
  std::string err;
  double seconds = -1;  ///< wall time, GNU time %e
  long peakKiB = -1;    ///< peak RSS, GNU time %M
  json report;          ///< null unless the CLI printed JSON
};

std::string indicationOf(const Outcome& o) {
  return o.report.is_object() ? o.report.value("indication", std::string()) : std::string();
}

json signaturesOf(const Outcome& o) {
  return o.report.is_object() && o.report.contains("signatures") ? o.report["signatures"] : json::array();
}

/// The status of check `id` of the first signature, or "" when absent.
std::string checkStatus(const Outcome& o, const std::string& id) {
  const json sigs = signaturesOf(o);
  if (sigs.empty() || !sigs[0].contains("checks")) return {};
  for (const auto& c : sigs[0]["checks"]) {
    if (c.value("id", std::string()) == id) return c.value("status", std::string());
  }
  return {};
}

/// The first signature's sub-indication ("" for none).
std::string subIndicationOf(const Outcome& o) {
  const json sigs = signaturesOf(o);
  return !sigs.empty() && sigs[0]["subIndication"].is_string() ? sigs[0]["subIndication"].get<std::string>() : "";
}

/// Whether the first signature has a Note with `code` in `field` ("messages",
/// "signedData") whose argument `arg` is `value` (any value when empty).
bool hasNote(const Outcome& o, const std::string& field, const std::string& code, const std::string& arg = {},
             const std::string& value = {}) {
  const json sigs = signaturesOf(o);
  if (sigs.empty() || !sigs[0][field].is_array()) return false;
  for (const auto& n : sigs[0][field]) {
    if (!n.is_object() || n.value("code", std::string()) != code) continue;
    if (arg.empty() || (n["args"].is_object() && n["args"].value(arg, std::string()) == value)) return true;
  }
  return false;
}

bool anySignaturePassed(const Outcome& o) {
  const json sigs = signaturesOf(o);
  return std::any_of(sigs.begin(), sigs.end(),
                     [](const json& s) { return s.value("indication", std::string()) == "TOTAL-PASSED"; });
}

bool anyCheckFailed(const Outcome& o) {
  for (const auto& s : signaturesOf(o)) {
    if (!s.contains("checks")) continue;
    for (const auto& c : s["checks"]) {
      if (c.value("status", std::string()) == "failed") return true;
    }
  }
  return false;
}

std::string describe(const Outcome& o) {
  std::ostringstream s;
  s << "exit " << o.exitCode << " " << indicationOf(o) << " (" << o.seconds << " s, " << o.peakKiB << " KiB)";
  for (const auto& sig : signaturesOf(o)) {
    s << "\n    signature " << sig.value("id", std::string("?")) << ": " << sig.value("indication", std::string())
      << " " << (sig["subIndication"].is_string() ? sig["subIndication"].get<std::string>() : std::string());
    if (sig.contains("checks")) {
      for (const auto& c : sig["checks"]) {
        s << "\n      " << c.value("id", std::string()) << " " << c.value("status", std::string());
        if (c["detail"].is_object()) s << ": " << c["detail"].value("text", std::string());
      }
    }
    if (sig.contains("signedData")) s << "\n      signedData: " << sig["signedData"].dump();
    if (sig.contains("messages")) {
      for (const auto& m : sig["messages"]) s << "\n      message: " << m.dump();
    }
  }
  if (!o.err.empty()) s << "\n    stderr: " << o.err;
  return s.str();
}

/// Runs securedoc-cli with `args` under GNU time (wall time and peak RSS,
/// children included) and timeout(1), which turns a hang into a kill.
Outcome measuredCli(const fs::path& scratch, const std::vector<std::string>& args) {
  static int runs = 0;
  const fs::path timing = scratch / ("time-" + std::to_string(++runs) + ".txt");
  std::vector<std::string> argv{"/usr/bin/time", "-f", "%e %M", "-o", timing.string(),
                                "timeout",       "-s", "KILL",  "10", cliPath().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const RunResult r = run(argv);
  Outcome o;
  o.exitCode = r.exitCode;
  o.out = r.out;
  o.err = r.err;
  // GNU time puts "Command exited with non-zero status N" before the figures.
  std::istringstream lines(readText(timing));
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  std::istringstream figures(last);
  figures.imbue(std::locale::classic());
  figures >> o.seconds >> o.peakKiB;
  if (!o.out.empty() && o.out.front() == '{') {
    o.report = json::parse(o.out, nullptr, false);
    if (o.report.is_discarded()) o.report = json();
  }
  return o;
}

void expectWithinLimits(const Outcome& o) {
  BOOST_TEST((o.seconds >= 0 && o.peakKiB > 0), "GNU time measured the run: " << describe(o));
  BOOST_TEST(o.seconds <= kMaxSeconds, "finished within " << kMaxSeconds << " s: " << o.seconds << " s");
  BOOST_TEST(o.peakKiB <= kMaxPeakKiB, "peak RSS within " << kMaxPeakKiB << " KiB: " << o.peakKiB << " KiB");
}

/// Exit 4, one line on stderr, nothing of /etc/passwd anywhere.
void expectRefused(const Outcome& o) {
  BOOST_TEST(o.exitCode == 4, "exit status 4 (refused, cannot be read): " << describe(o));
  std::string err = o.err;
  if (!err.empty() && err.back() == '\n') err.pop_back();
  BOOST_TEST((!err.empty() && err.find('\n') == npos), "exactly one line on stderr: [" << o.err << "]");
  BOOST_TEST(o.out.find("root:") == npos, "nothing of /etc/passwd on stdout: " << o.out);
  BOOST_TEST(o.err.find("root:") == npos, "nothing of /etc/passwd on stderr: " << o.err);
  BOOST_TEST(indicationOf(o) != "TOTAL-PASSED", "no TOTAL-PASSED report");
  expectWithinLimits(o);
}

void expectTotalPassed(const Outcome& o) {
  BOOST_TEST(o.exitCode == 0, "exit status 0: " << describe(o));
  BOOST_TEST(indicationOf(o) == "TOTAL-PASSED", "TOTAL-PASSED: " << describe(o));
  for (const char* id : {"references", "signatureValue", "signedProperties", "signingCertificateReference",
                         "certificateChain", "keyUsage"}) {
    BOOST_TEST(checkStatus(o, id) == "passed", "check " << id << " passed");
  }
  const json sigs = signaturesOf(o);
  BOOST_TEST((sigs.size() == 1u && sigs[0]["signedData"].is_array() && sigs[0]["signedData"].size() == 2u),
             "the report says what the two references cover: " << (sigs.empty() ? json() : sigs[0]["signedData"]));
  expectWithinLimits(o);
}

/// What every wrapping must give: exit 1, TOTAL-FAILED, no signature
/// TOTAL-PASSED, and the failed check named in the report.
void expectTotalFailed(const Outcome& o) {
  BOOST_TEST(o.exitCode == 1, "exit status 1 (TOTAL-FAILED): " << describe(o));
  BOOST_TEST(indicationOf(o) == "TOTAL-FAILED", "the file is TOTAL-FAILED: " << describe(o));
  BOOST_TEST(!anySignaturePassed(o), "no signature in the report is TOTAL-PASSED");
  BOOST_TEST(anyCheckFailed(o), "the report names a failed check");
  expectWithinLimits(o);
}

/// Never TOTAL-PASSED: TOTAL-FAILED (exit 1) or INDETERMINATE (exit 2), e.g.
/// a certificate substitution whose signing certificate cannot be identified.
void expectNotPassed(const Outcome& o) {
  BOOST_TEST((o.exitCode == 1 || o.exitCode == 2), "exit status 1 or 2: " << describe(o));
  const std::string ind = indicationOf(o);
  BOOST_TEST(ind == (o.exitCode == 1 ? "TOTAL-FAILED" : "INDETERMINATE"),
             "the indication matches the exit status: " << describe(o));
  BOOST_TEST(!anySignaturePassed(o), "no signature in the report is TOTAL-PASSED");
  expectWithinLimits(o);
}

// ------------------------------------------------------------- sockets ---

/// A port on 127.0.0.1 where nothing listens (bound, read, closed).
int closedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_TEST_REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  BOOST_TEST_REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  BOOST_TEST_REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  close(fd);
  return ntohs(a.sin_port);
}

/// A listening socket on 127.0.0.1 that never answers: afterwards it tells
/// whether anybody connected (a fetch was attempted).
class PortTrap {
 public:
  PortTrap() {
    m_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    BOOST_TEST_REQUIRE(m_fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    BOOST_TEST_REQUIRE(bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    BOOST_TEST_REQUIRE(listen(m_fd, 16) == 0);
    BOOST_TEST_REQUIRE(getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    m_port = ntohs(a.sin_port);
    fcntl(m_fd, F_SETFL, fcntl(m_fd, F_GETFL) | O_NONBLOCK);
  }
  ~PortTrap() { close(m_fd); }
  PortTrap(const PortTrap&) = delete;
  PortTrap& operator=(const PortTrap&) = delete;
  int port() const { return m_port; }
  bool connected() const {
    const int c = accept(m_fd, nullptr, nullptr);
    if (c < 0) return false;
    close(c);
    return true;
  }

 private:
  int m_fd = -1;
  int m_port = 0;
};

// ------------------------------------------------------------ material ---

/// The signed files every attack starts from, made once for the suite.
struct Material {
  TempDir dir;
  fs::path pki = pkiDir();
  std::string invoice;        ///< samples/documents/invoice.xml
  std::string enveloped;      ///< signed by the CLI, enveloped (URI="")
  std::string enveloping;     ///< signed by the CLI, --mode enveloping
  std::string idReferenced;   ///< signed by xmlsec1, URI="#invoice-FV-2024-03-0017"
  std::string xpointerPath;   ///< signed by xmlsec1, URI="#xpointer(//*[@Id='invoice-FV-2024-03-0017'])"
  std::string xpointerId;     ///< signed by xmlsec1, URI="#xpointer(id('invoice-FV-2024-03-0017'))"
  std::string xpathFilter;    ///< signed by xmlsec1, URI="" with the filter not(ancestor-or-self::ds:Signature)
  std::string keyInfoSigned;  ///< signed by xmlsec1 like idReferenced, ds:KeyInfo covered by a third reference
  std::string soap;     ///< XML-DSig by xmlsec1 over a SOAP-like envelope: #body and the KeyInfo signed, the header not
  fs::path mallory;     ///< CN=Mallory, the signer's public key, issued by the demo issuing CA
  fs::path selfSigned;  ///< "CN=Jan Kowalski" with a fresh key, self-signed

  Material() {
    const fs::path in = dir / "invoice.xml";
    fs::copy_file(sourceDir() / "samples" / "documents" / "invoice.xml", in);
    invoice = readText(in);
    enveloped = signWithCli(in, "enveloped.xml", {});
    enveloping = signWithCli(in, "enveloping.xml", {"--mode", "enveloping"});
    idReferenced = signWithXmlsec("#" + kInvoiceId, "xmlsec-id.xml");
    xpointerPath = signWithXmlsec("#xpointer(//*[@Id='" + kInvoiceId + "'])", "xmlsec-xpointer-path.xml");
    xpointerId = signWithXmlsec("#xpointer(id('" + kInvoiceId + "'))", "xmlsec-xpointer-id.xml");
    xpathFilter = signWithXmlsec("", "xmlsec-xpath-filter.xml", true);
    keyInfoSigned = signWithXmlsec("#" + kInvoiceId, "xmlsec-keyinfo.xml", false, true);
    soap = signSoapWithXmlsec();
    makeCertificates();
  }

  std::string signWithCli(const fs::path& in, const std::string& name, const std::vector<std::string>& extra) const {
    std::vector<std::string> args{"sign",
                                  "--signer",
                                  "pkcs12:" + (pki / "signer-rsa.p12").string(),
                                  "--password-file",
                                  (pki / "password.txt").string(),
                                  "--output",
                                  (dir / name).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(in.string());
    const RunResult r = cli(args);
    BOOST_TEST_REQUIRE(r.exitCode == 0, "signing " << name << ": " << r.err);
    return readText(dir / name);
  }

  /// An xmlsec1 signature inside the invoice, referencing it by `uri`, with
  /// the XAdES properties (signing time, SigningCertificateV2) of our own
  /// enveloped signature: the same ds:Signature Id, the same ds:Object.
  /// With `signKeyInfo`, ds:KeyInfo gets an Id and a third reference covers it
  /// (XML-DSig 1.1 §4.5: KeyInfo may be signed).
  std::string signWithXmlsec(const std::string& uri, const std::string& name, bool filterAll = false,
                             bool signKeyInfo = false) const {
    const Element sig = mustFind(enveloped, "Signature");
    const std::string ds = sig.prefix();
    const Element signedInfo = mustFind(enveloped, "SignedInfo", sig.contentBegin);
    std::string contentRefId;
    std::string propsUri;
    for (const Element& ref : findAll(enveloped, "Reference", signedInfo.contentBegin, signedInfo.contentEnd)) {
      if (attribute(enveloped, ref, "Type").find("SignedProperties") != npos) {
        propsUri = attribute(enveloped, ref, "URI");
      } else {
        contentRefId = attribute(enveloped, ref, "Id");
      }
    }
    BOOST_TEST_REQUIRE(!propsUri.empty(), "our signature references its SignedProperties");
    std::string objects;
    for (const Element& o : findAll(enveloped, "Object", sig.contentBegin, sig.contentEnd))
      objects += text(enveloped, o);
    BOOST_TEST_REQUIRE(objects.find("SignedProperties") != npos, "our ds:Object holds the SignedProperties");
    const std::string exc = "http://www.w3.org/2001/10/xml-exc-c14n#";
    // The content reference leaves out this signature (enveloped-signature
    // transform) or, with `filterAll`, every signature (XPath 1.0 filter).
    const std::string leaveOut =
        filterAll ? "<" + ds + "Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><" + ds +
                        "XPath>not(ancestor-or-self::" + ds + "Signature)</" + ds + "XPath></" + ds + "Transform>"
                  : "<" + ds + "Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>";
    const std::string sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    const std::string keyInfoId = attribute(enveloped, sig, "Id") + "-keyinfo";
    const std::string keyInfoRef = signKeyInfo ? "<" + ds + "Reference URI=\"#" + keyInfoId + "\"><" + ds +
                                                     "Transforms><" + ds + "Transform Algorithm=\"" + exc + "\"/></" +
                                                     ds + "Transforms><" + ds + "DigestMethod Algorithm=\"" + sha256 +
                                                     "\"/><" + ds + "DigestValue/></" + ds + "Reference>"
                                               : "";
    const std::string tmpl =
        startTag(enveloped, sig) + "<" + ds + "SignedInfo><" + ds + "CanonicalizationMethod Algorithm=\"" + exc +
        "\"/><" + ds + "SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/><" + ds +
        "Reference" + (contentRefId.empty() ? "" : " Id=\"" + contentRefId + "\"") + " URI=\"" + uri + "\"><" + ds +
        "Transforms>" + leaveOut + "<" + ds + "Transform Algorithm=\"" + exc + "\"/></" + ds + "Transforms><" + ds +
        "DigestMethod Algorithm=\"" + sha256 + "\"/><" + ds + "DigestValue/></" + ds + "Reference><" + ds +
        "Reference Type=\"http://uri.etsi.org/01903#SignedProperties\" URI=\"" + propsUri + "\"><" + ds +
        "Transforms><" + ds + "Transform Algorithm=\"" + exc + "\"/></" + ds + "Transforms><" + ds +
        "DigestMethod Algorithm=\"" + sha256 + "\"/><" + ds + "DigestValue/></" + ds + "Reference>" + keyInfoRef +
        "</" + ds + "SignedInfo><" + ds + "SignatureValue/><" + ds + "KeyInfo" +
        (signKeyInfo ? " Id=\"" + keyInfoId + "\"" : "") + "><" + ds + "X509Data/></" + ds + "KeyInfo>" + objects +
        "</" + ds + "Signature>";
    const fs::path templ = dir / ("template-" + name);
    writeFile(templ, replacedOnce(invoice, "</Faktura>", tmpl + "</Faktura>"));
    const RunResult r = run({"xmlsec1", "--sign", "--pkcs12", (pki / "signer-rsa.p12").string(), "--pwd",
                             readText(pki / "password.txt"), "--id-attr:Id", kInvoiceNs + ":Faktura", "--output",
                             (dir / name).string(), templ.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "xmlsec1 --sign " << name << ": " << r.err);
    const std::string signedXml = readText(dir / name);
    BOOST_TEST_REQUIRE(xmlsecVerifies(signedXml, name), "xmlsec1 --verify accepts " << name);
    return signedXml;
  }

  /// A plain XML-DSig the way SOAP (WS-Security) and e-invoice senders make
  /// them, by `xmlsec1 --sign --id-attr:Id Body --privkey-pem key,cert`: it
  /// signs the soap:Body by its Id and its own ds:KeyInfo; the envelope and
  /// the header (routing data) are not signed.
  std::string signSoapWithXmlsec() const {
    const fs::path key = dir / "signer-rsa-key.pem";
    const RunResult k = run({"openssl", "pkcs12", "-in", (pki / "signer-rsa.p12").string(), "-nocerts", "-nodes",
                             "-passin", "file:" + (pki / "password.txt").string(), "-out", key.string()});
    BOOST_TEST_REQUIRE(k.exitCode == 0, "openssl pkcs12: " << k.err);
    const std::string exc = "http://www.w3.org/2001/10/xml-exc-c14n#";
    const std::string sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    const auto reference = [&](const std::string& uri) {
      return "<ds:Reference URI=\"" + uri + "\"><ds:Transforms><ds:Transform Algorithm=\"" + exc +
             "\"/></ds:Transforms><ds:DigestMethod Algorithm=\"" + sha256 + "\"/><ds:DigestValue/></ds:Reference>";
    };
    const std::string tmpl =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header>"
        "<Routing xmlns=\"urn:example:routing\">archive</Routing>"
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"soap-sig\"><ds:SignedInfo>"
        "<ds:CanonicalizationMethod Algorithm=\"" +
        exc +
        "\"/>"
        "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>" +
        reference("#body") + reference("#soap-keyinfo") +
        "</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo Id=\"soap-keyinfo\"><ds:X509Data/></ds:KeyInfo>"
        "</ds:Signature></soap:Header><soap:Body Id=\"body\"><Zamowienie xmlns=\"urn:example:order\">"
        "<Kwota waluta=\"PLN\">100.00</Kwota></Zamowienie></soap:Body></soap:Envelope>\n";
    const fs::path templ = dir / "template-soap.xml";
    writeFile(templ, tmpl);
    const fs::path out = dir / "soap.xml";
    const RunResult r =
        run({"xmlsec1", "--sign", "--id-attr:Id", "Body", "--privkey-pem",
             key.string() + "," + (pki / "signer-rsa.pem").string() + "," + (pki / "issuing-ca.pem").string(),
             "--output", out.string(), templ.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "xmlsec1 --sign soap.xml: " << r.err);
    const RunResult v =
        run({"xmlsec1", "--verify", "--id-attr:Id", "Body", "--trusted-pem", (pki / "root-ca.pem").string(),
             "--untrusted-pem", (pki / "issuing-ca.pem").string(), out.string()});
    BOOST_TEST_REQUIRE(v.exitCode == 0, "xmlsec1 --verify accepts soap.xml: " << v.err);
    return readText(out);
  }

  /// Whether `xmlsec1 --verify` (chain to the demo root; with `invoiceId`,
  /// the invoice's Id attribute registered) accepts `xml`: the references and the value are
  /// cryptographically sound.
  bool xmlsecVerifies(const std::string& xml, const std::string& name, bool invoiceId = true) const {
    const fs::path f = dir / ("xmlsec-check-" + name);
    writeFile(f, xml);
    std::vector<std::string> argv{"xmlsec1",         "--verify",
                                  "--trusted-pem",   (pki / "root-ca.pem").string(),
                                  "--untrusted-pem", (pki / "issuing-ca.pem").string()};
    // xmlsec1 stops at a duplicate of an Id it is told to register.
    if (invoiceId) argv.insert(argv.end(), {"--id-attr:Id", kInvoiceNs + ":Faktura"});
    argv.push_back(f.string());
    const RunResult r = run(argv);
    BOOST_TEST_MESSAGE("xmlsec1 --verify " << name << ": exit " << r.exitCode << " " << r.out
                                           << r.err.substr(0, r.err.find('\n')));
    return r.exitCode == 0;
  }

  void makeCertificates() {
    const auto must = [](const std::vector<std::string>& argv) {
      const RunResult r = run(argv);
      BOOST_TEST_REQUIRE(r.exitCode == 0, argv[0] << " " << argv[1] << ": " << r.err);
    };
    const std::string d = dir.path().string();
    writeFile(dir / "ext.cnf",
              "[v3_signer]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,nonRepudiation,digitalSignature\n");
    must({"openssl", "x509", "-in", (pki / "signer-rsa.pem").string(), "-pubkey", "-noout", "-out",
          d + "/signer-pub.pem"});
    must({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
          d + "/mallory.key", "-subj", "/C=PL/O=SecureDoc Demo/CN=Mallory", "-out", d + "/mallory.csr"});
    // -force_pubkey: a certificate for a key its holder never proved to have.
    mallory = dir / "mallory.pem";
    must({"openssl",
          "x509",
          "-req",
          "-in",
          d + "/mallory.csr",
          "-CA",
          (pki / "issuing-ca.pem").string(),
          "-CAkey",
          (pki / "issuing-ca.key").string(),
          "-set_serial",
          "0x5ec0de",
          "-days",
          "30",
          "-sha256",
          "-force_pubkey",
          d + "/signer-pub.pem",
          "-extfile",
          d + "/ext.cnf",
          "-extensions",
          "v3_signer",
          "-out",
          mallory.string()});
    selfSigned = dir / "self-signed.pem";
    must({"openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-keyout", d + "/self-signed.key", "-subj",
          "/C=PL/O=SecureDoc Demo/serialNumber=PNOPL-80010112345/SN=Kowalski/GN=Jan/CN=Jan Kowalski", "-days", "30",
          "-out", selfSigned.string()});
  }
};

const Material& material() {
  static const Material m;
  return m;
}

/// Per test: the shared material and a folder for this test's files.
struct Attacks {
  const Material& m = material();
  TempDir dir;

  /// Writes `xml` as `name` and verifies it (JSON, the demo root trusted).
  Outcome verify(const std::string& name, const std::string& xml) const {
    writeFile(dir / name, xml);
    const Outcome o = measuredCli(dir.path(), {"verify", "--format", "json", "--trust-anchor",
                                               (m.pki / "root-ca.pem").string(), (dir / name).string()});
    BOOST_TEST_MESSAGE(name << ": " << describe(o));
    return o;
  }

  /// The same without any trust anchor: integrity must still be judged.
  Outcome verifyUntrusted(const std::string& name, const std::string& xml) const {
    writeFile(dir / name, xml);
    const Outcome o = measuredCli(dir.path(), {"verify", "--format", "json", (dir / name).string()});
    BOOST_TEST_MESSAGE(name << " (no trust anchor): " << describe(o));
    return o;
  }

  /// Writes `xml` as `name` and signs it into an empty folder, which must stay empty.
  Outcome signAttack(const std::string& name, const std::string& xml) const {
    writeFile(dir / name, xml);
    const fs::path out = dir / ("out-" + name);
    fs::create_directory(out);
    const Outcome o = measuredCli(
        dir.path(), {"sign", "--signer", "pkcs12:" + (m.pki / "signer-rsa.p12").string(), "--password-file",
                     (m.pki / "password.txt").string(), "--output-dir", out.string(), (dir / name).string()});
    BOOST_TEST_MESSAGE("sign " << name << ": " << describe(o));
    BOOST_TEST(listDir(out).empty(), "sign leaves nothing behind in the output folder");
    return o;
  }

  /// The enveloped signature: the ds:Signature element and the invoice without it.
  struct Parts {
    std::string prolog;     ///< up to the root element
    std::string signature;  ///< the ds:Signature element
    std::string bare;       ///< the root element without the signature
  };
  static Parts split(const std::string& xml) {
    const Element root = mustFind(xml, "Faktura");
    const Element sig = mustFind(xml, "Signature", root.contentBegin);
    Parts p;
    p.prolog = xml.substr(0, root.begin);
    p.signature = text(xml, sig);
    p.bare = xml.substr(root.begin, sig.begin - root.begin) + xml.substr(sig.end, root.end - sig.end);
    return p;
  }
};

/// `xml` with the signer's certificate in ds:KeyInfo replaced by `with`
/// (base64 DER), or with `with` inserted before it when `keep`.
std::string substituted(const std::string& xml, const fs::path& signerPem, const std::string& with, bool keep) {
  const std::string signer = pemBase64(signerPem);
  const Element keyInfo = mustFind(xml, "KeyInfo");
  for (const Element& c : findAll(xml, "X509Certificate", keyInfo.contentBegin, keyInfo.contentEnd)) {
    if (squeezed(content(xml, c)) != signer) continue;
    if (!keep) return spliced(xml, c.contentBegin, c.contentEnd, with);
    const std::string other = "<" + c.qname + ">" + with + "</" + c.qname + ">";
    return spliced(xml, c.begin, c.begin, other);
  }
  BOOST_TEST_REQUIRE(false, "ds:KeyInfo holds the signer's certificate");
  return {};
}

/// The invoice (root element) with its Id attribute changed.
std::string renamedRoot(const std::string& bare, const std::string& newId) {
  return replacedOnce(bare, "Id=\"" + kInvoiceId + "\"", "Id=\"" + newId + "\"");
}

}  // namespace

// ================================================== DTDs and entities ===

BOOST_FIXTURE_TEST_SUITE(xades_document_type_declarations, Attacks)

BOOST_AUTO_TEST_CASE(an_external_entity_reading_etc_passwd_is_refused_by_verify_and_sign) {
  BOOST_TEST_REQUIRE(readText("/etc/passwd").find("root:") != npos, "/etc/passwd has the text this test looks for");
  const std::string decl = "<!DOCTYPE Faktura [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>";
  // The entity inside the signed content, where a resolving parser would put the file.
  const std::string uwagi = "<Uwagi>Zażółć gęślą jaźń. ZAŻÓŁĆ GĘŚLĄ JAŹŃ.</Uwagi>";
  const std::string withEntity = "<Uwagi>&x;</Uwagi>";
  expectRefused(verify("xxe-file.xml", withDoctype(replacedOnce(m.enveloped, uwagi, withEntity), decl)));
  expectRefused(verify("xxe-file-enveloping.xml", withDoctype(replacedOnce(m.enveloping, uwagi, withEntity), decl)));
  expectRefused(signAttack("xxe-file-input.xml", withDoctype(replacedOnce(m.invoice, uwagi, withEntity), decl)));
}

BOOST_AUTO_TEST_CASE(an_external_dtd_on_a_closed_port_is_refused_by_verify_and_sign) {
  const std::string decl = "<!DOCTYPE Faktura SYSTEM \"http://127.0.0.1:" + std::to_string(closedPort()) + "/x.dtd\">";
  expectRefused(verify("external-dtd.xml", withDoctype(m.enveloped, decl)));
  expectRefused(signAttack("external-dtd-input.xml", withDoctype(m.invoice, decl)));
}

BOOST_AUTO_TEST_CASE(parameter_entities_are_refused_without_any_fetch) {
  // The out-of-band exfiltration pattern: a parameter entity holding the file,
  // another loading an attacker's DTD that would send it.  The port listens
  // and never answers: a fetch would both hang and be seen.
  const PortTrap trap;
  const std::string decl =
      "<!DOCTYPE Faktura [<!ENTITY % file SYSTEM \"file:///etc/passwd\">"
      "<!ENTITY % dtd SYSTEM \"http://127.0.0.1:" +
      std::to_string(trap.port()) + "/x.dtd\"> %dtd;]>";
  expectRefused(verify("parameter-entity.xml", withDoctype(m.enveloped, decl)));
  expectRefused(signAttack("parameter-entity-input.xml", withDoctype(m.invoice, decl)));
  BOOST_TEST(!trap.connected(), "nothing connected to 127.0.0.1:" << trap.port());
}

BOOST_AUTO_TEST_CASE(a_billion_laughs_is_refused_by_verify_and_sign) {
  // 10 levels of 10 references: &lol9; would expand to 10^9 "lol".
  std::string decl = "<!DOCTYPE Faktura [<!ENTITY lol0 \"lol\">";
  for (int level = 1; level <= 9; ++level) {
    decl += "<!ENTITY lol" + std::to_string(level) + " \"";
    for (int i = 0; i < 10; ++i) decl += "&lol" + std::to_string(level - 1) + ";";
    decl += "\">";
  }
  decl += "]>";
  const std::string uwagi = "<Uwagi>Zażółć gęślą jaźń. ZAŻÓŁĆ GĘŚLĄ JAŹŃ.</Uwagi>";
  expectRefused(
      verify("billion-laughs.xml", withDoctype(replacedOnce(m.enveloped, uwagi, "<Uwagi>&lol9;</Uwagi>"), decl)));
  expectRefused(signAttack("billion-laughs-input.xml",
                           withDoctype(replacedOnce(m.invoice, uwagi, "<Uwagi>&lol9;</Uwagi>"), decl)));
}

BOOST_AUTO_TEST_CASE(a_dtd_that_only_declares_an_id_attribute_is_refused) {
  // An ATTLIST can make any attribute an ID and so change what "#x" points at.
  const std::string decl = "<!DOCTYPE Faktura [<!ATTLIST Numer Id ID #IMPLIED>]>";
  expectRefused(verify("attlist-id.xml", withDoctype(m.idReferenced, decl)));
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================ baselines ===

BOOST_FIXTURE_TEST_SUITE(xades_signatures_the_attacks_start_from, Attacks)

BOOST_AUTO_TEST_CASE(our_enveloped_signature_is_total_passed) {
  expectTotalPassed(verify("enveloped.xml", m.enveloped));
}

BOOST_AUTO_TEST_CASE(our_enveloping_signature_is_total_passed) {
  expectTotalPassed(verify("enveloping.xml", m.enveloping));
}

BOOST_AUTO_TEST_CASE(an_xmlsec1_signature_referencing_the_invoice_by_id_is_total_passed) {
  expectTotalPassed(verify("xmlsec-id.xml", m.idReferenced));
}

BOOST_AUTO_TEST_CASE(an_xmlsec1_signature_with_the_xpath_filter_is_total_passed) {
  BOOST_TEST_REQUIRE(m.xpathFilter.find("not(ancestor-or-self::") != npos);
  expectTotalPassed(verify("xmlsec-xpath-filter.xml", m.xpathFilter));
  // The verifier checks this signature's value itself (its DOM is rewritten
  // for xmlsec meanwhile): a changed value must still fail.
  const auto at = m.xpathFilter.find("SignatureValue>");
  BOOST_TEST_REQUIRE(at != npos);
  std::string tampered = m.xpathFilter;
  char& c = tampered[at + std::string("SignatureValue>").size() + 4];
  c = c == 'A' ? 'B' : 'A';
  expectTotalFailed(verify("xmlsec-xpath-filter-value.xml", tampered));
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================= wrapping ===

BOOST_FIXTURE_TEST_SUITE(xades_signature_wrapping, Attacks)

BOOST_AUTO_TEST_CASE(the_signed_invoice_moved_into_a_wrapper_under_a_forged_root_is_total_failed) {
  // XSW with an Id reference: the forged invoice is the document; the signed
  // one, untouched and still carrying its signature, sits in an attachment
  // element below it, where "#invoice-FV-2024-03-0017" still finds it.
  const Parts p = split(m.idReferenced);
  const Element root = mustFind(m.idReferenced, "Faktura");
  const std::string original = text(m.idReferenced, root);
  const std::string forgedRoot = renamedRoot(forged(p.bare), kInvoiceId + "-kopia");
  const std::string wrapped =
      p.prolog + replacedOnce(forgedRoot, "</Faktura>", "<Zalacznik>" + original + "</Zalacznik></Faktura>");
  BOOST_TEST(m.xmlsecVerifies(wrapped, "xsw-wrapper.xml"), "the moved invoice still verifies cryptographically");
  expectTotalFailed(verify("xsw-wrapper.xml", wrapped));
  // The same with ds:KeyInfo (unsigned here) removed: without any key the
  // wrapping is still found, not merely left INDETERMINATE.
  const Element keyInfo = mustFind(wrapped, "KeyInfo");
  expectTotalFailed(verify("xsw-wrapper-no-key.xml", spliced(wrapped, keyInfo.begin, keyInfo.end, "")));
}

BOOST_AUTO_TEST_CASE(the_signature_moved_to_a_forged_root_with_the_signed_invoice_in_a_wrapper_is_total_failed) {
  // The signature at its usual place in a forged invoice; the signed invoice
  // (without the signature, exactly what its digest covered) below it.
  const Parts p = split(m.idReferenced);
  const std::string forgedRoot = renamedRoot(forged(p.bare), kInvoiceId + "-kopia");
  const std::string wrapped =
      p.prolog +
      replacedOnce(forgedRoot, "</Faktura>", "<Zalacznik>" + p.bare + "</Zalacznik>" + p.signature + "</Faktura>");
  BOOST_TEST(m.xmlsecVerifies(wrapped, "xsw-moved-signature.xml"),
             "the moved invoice still verifies cryptographically");
  expectTotalFailed(verify("xsw-moved-signature.xml", wrapped));
}

BOOST_AUTO_TEST_CASE(a_second_invoice_with_the_same_id_is_total_failed_before_and_after_the_signed_one) {
  const Parts p = split(m.idReferenced);
  const Element root = mustFind(m.idReferenced, "Faktura");
  const std::string original = text(m.idReferenced, root);
  const std::string fake = forged(p.bare);
  const std::string open = "<Dokumenty xmlns=\"" + kInvoiceNs + "\">";
  const std::map<std::string, std::string> variants{
      {"duplicate-id-before.xml", p.prolog + open + fake + original + "</Dokumenty>"},
      {"duplicate-id-after.xml", p.prolog + open + original + fake + "</Dokumenty>"},
  };
  for (const auto& [name, xml] : variants) {
    BOOST_TEST_CONTEXT(name) { expectTotalFailed(verify(name, xml)); }
  }
}

BOOST_AUTO_TEST_CASE(a_second_enveloped_object_with_the_same_id_is_total_failed_before_and_after_the_signed_one) {
  const std::string& xml = m.enveloping;
  const Element sig = mustFind(xml, "Signature");
  const Element signedInfo = mustFind(xml, "SignedInfo", sig.contentBegin);
  std::string objectId;
  for (const Element& ref : findAll(xml, "Reference", signedInfo.contentBegin, signedInfo.contentEnd)) {
    if (attribute(xml, ref, "Type").find("SignedProperties") == npos) objectId = attribute(xml, ref, "URI").substr(1);
  }
  BOOST_TEST_REQUIRE(!objectId.empty(), "the enveloping signature references its content by Id");
  Element object;
  for (const Element& o : findAll(xml, "Object", sig.contentBegin, sig.contentEnd)) {
    if (attribute(xml, o, "Id") == objectId) object = o;
  }
  BOOST_TEST_REQUIRE(object.begin != npos, "the ds:Object with Id " << objectId);
  const std::string original = text(xml, object);
  const std::string fake = forged(original);
  const std::map<std::string, std::string> variants{
      {"object-duplicate-before.xml", spliced(xml, object.begin, object.end, fake + original)},
      {"object-duplicate-after.xml", spliced(xml, object.begin, object.end, original + fake)},
  };
  BOOST_TEST(m.xmlsecVerifies(variants.at("object-duplicate-after.xml"), "object-duplicate-after.xml", false),
             "with the signed object first, the references still verify cryptographically");
  for (const auto& [name, attack] : variants) {
    BOOST_TEST_CONTEXT(name) { expectTotalFailed(verify(name, attack)); }
  }
}

BOOST_AUTO_TEST_CASE(the_signed_object_moved_into_a_wrapper_and_a_forged_object_in_its_place_is_total_failed) {
  const std::string& xml = m.enveloping;
  const Element sig = mustFind(xml, "Signature");
  Element object;
  for (const Element& o : findAll(xml, "Object", sig.contentBegin, sig.contentEnd)) {
    if (content(xml, o).find("<Faktura") != npos) object = o;
  }
  BOOST_TEST_REQUIRE(object.begin != npos, "the ds:Object holding the invoice");
  const std::string ds = object.prefix();
  const std::string original = text(xml, object);
  const std::string id = attribute(xml, object, "Id");
  // The forged object takes the place (and, without the Id, the role) of the
  // signed one; the signed one goes into a wrapper inside another ds:Object.
  const std::string fake = replacedOnce(forged(original), " Id=\"" + id + "\"", "");
  const std::string wrapper = "<" + ds + "Object><Archiwum>" + original + "</Archiwum></" + ds + "Object>";
  const std::string wrapped = spliced(xml, object.begin, object.end, fake + wrapper);
  BOOST_TEST(m.xmlsecVerifies(wrapped, "object-wrapped.xml", false),
             "the wrapped object still verifies cryptographically");
  expectTotalFailed(verify("object-wrapped.xml", wrapped));
  // The same without the wrapper: the forged, unsigned object first, the
  // signed one untouched after it.
  const std::string before = spliced(xml, object.begin, object.begin, fake);
  BOOST_TEST(m.xmlsecVerifies(before, "object-unsigned-before.xml", false),
             "the references still verify cryptographically");
  expectTotalFailed(verify("object-unsigned-before.xml", before));
}

BOOST_AUTO_TEST_CASE(forged_text_inside_an_injected_signature_element_is_total_failed) {
  // URI="" with not(ancestor-or-self::ds:Signature) leaves every ds:Signature
  // out of the digest, including one an attacker adds inside the signed
  // content: its text is then shown with the invoice but never signed.
  const std::string ds = mustFind(m.enveloped, "Signature").prefix();
  const std::string nsDecl = " xmlns:" + ds.substr(0, ds.size() - 1) + "=\"http://www.w3.org/2000/09/xmldsig#\"";
  const std::string injected =
      "<" + ds + "Signature" + nsDecl + "> Płatność wyłącznie na rachunek " + kForgedIban + ".</" + ds + "Signature>";
  const std::string xml = replacedOnce(m.enveloped, "JAŹŃ.</Uwagi>", "JAŹŃ." + injected + "</Uwagi>");
  const Outcome o = verify("injected-signature.xml", xml);
  BOOST_TEST(o.exitCode == 1, "exit status 1 (TOTAL-FAILED): " << describe(o));
  BOOST_TEST(indicationOf(o) == "TOTAL-FAILED", "the file is TOTAL-FAILED: " << describe(o));
  const json sigs = signaturesOf(o);
  BOOST_TEST(std::any_of(sigs.begin(), sigs.end(),
                         [](const json& s) { return s.value("indication", std::string()) == "TOTAL-FAILED"; }),
             "the injected element is reported as a failed signature");
  BOOST_TEST(anyCheckFailed(o), "the report names a failed check");
  expectWithinLimits(o);
}

BOOST_AUTO_TEST_CASE(duplicated_signed_properties_with_a_forged_signing_time_are_total_failed) {
  const std::string& xml = m.enveloped;
  const Element sig = mustFind(xml, "Signature");
  Element propsObject;
  for (const Element& o : findAll(xml, "Object", sig.contentBegin, sig.contentEnd)) {
    if (content(xml, o).find("SignedProperties") != npos) propsObject = o;
  }
  BOOST_TEST_REQUIRE(propsObject.begin != npos, "the ds:Object with the QualifyingProperties");
  const std::string original = text(xml, propsObject);
  const Element time = mustFind(original, "SigningTime");
  const std::string forgedTime = "2020-01-01T00:00:00Z";
  BOOST_TEST_REQUIRE(content(original, time) != forgedTime);
  const std::string fake = spliced(original, time.contentBegin, time.contentEnd, forgedTime);
  const std::map<std::string, std::string> variants{
      {"signed-properties-before.xml", spliced(xml, propsObject.begin, propsObject.end, fake + original)},
      {"signed-properties-after.xml", spliced(xml, propsObject.begin, propsObject.end, original + fake)},
  };
  BOOST_TEST(m.xmlsecVerifies(variants.at("signed-properties-after.xml"), "signed-properties-after.xml", false),
             "with the genuine SignedProperties first, the references still verify cryptographically");
  for (const auto& [name, attack] : variants) {
    BOOST_TEST_CONTEXT(name) {
      const Outcome o = verify(name, attack);
      expectTotalFailed(o);
      for (const auto& s : signaturesOf(o)) {
        const std::string reported = s["signingTime"].is_string() ? s["signingTime"].get<std::string>() : "";
        BOOST_TEST(reported.rfind("2020-01-01", 0) != 0, "the forged time is not reported");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_reference_uri_pointed_at_another_node_is_total_failed) {
  // Not re-signed: only the URI changed (SignedInfo no longer matches its value).
  const std::string envelopedToId = replacedOnce(m.enveloped, "URI=\"\"", "URI=\"#" + kInvoiceId + "\"");
  const Element sig = mustFind(m.enveloping, "Signature");
  const std::string propsId = attribute(m.enveloping, sig, "Id") + "-signedprops";
  const Element signedInfo = mustFind(m.enveloping, "SignedInfo", sig.contentBegin);
  std::string objectUri;
  for (const Element& ref : findAll(m.enveloping, "Reference", signedInfo.contentBegin, signedInfo.contentEnd)) {
    if (attribute(m.enveloping, ref, "Type").find("SignedProperties") == npos) {
      objectUri = attribute(m.enveloping, ref, "URI");
    }
  }
  BOOST_TEST_REQUIRE(!objectUri.empty());
  const std::string envelopingToProps =
      replacedOnce(m.enveloping, "URI=\"" + objectUri + "\"", "URI=\"#" + propsId + "\"");
  expectTotalFailed(verify("uri-enveloped-to-id.xml", envelopedToId));
  expectTotalFailed(verify("uri-enveloping-to-signedprops.xml", envelopingToProps));
}

BOOST_AUTO_TEST_CASE(xpointer_references_are_total_failed) {
  // (a) Made by xmlsec1, which evaluates any XPointer: value and digests are
  // right, but the reference selects its node by an XPath expression.
  BOOST_TEST_REQUIRE(m.xpointerPath.find("#xpointer(//*[@Id=") != npos);
  expectTotalFailed(verify("xpointer-path.xml", m.xpointerPath));
  // (b) Our enveloping signature with its bare-name reference edited into an XPointer.
  const Element sig = mustFind(m.enveloping, "Signature");
  const Element signedInfo = mustFind(m.enveloping, "SignedInfo", sig.contentBegin);
  std::string objectUri;
  for (const Element& ref : findAll(m.enveloping, "Reference", signedInfo.contentBegin, signedInfo.contentEnd)) {
    if (attribute(m.enveloping, ref, "Type").find("SignedProperties") == npos) {
      objectUri = attribute(m.enveloping, ref, "URI");
    }
  }
  BOOST_TEST_REQUIRE(objectUri.rfind('#', 0) == 0);
  expectTotalFailed(verify(
      "xpointer-edited.xml",
      replacedOnce(m.enveloping, "URI=\"" + objectUri + "\"", "URI=\"#xpointer(id('" + objectUri.substr(1) + "'))\"")));
  // (c) "#xpointer(id('X'))" (XML-DSig §4.4.3.3) does not escape the unique-Id
  // rule: the signed invoice first, a forged one with the same Id after it.
  const Parts p = split(m.xpointerId);
  const std::string original = text(m.xpointerId, mustFind(m.xpointerId, "Faktura"));
  expectTotalFailed(verify("xpointer-id-duplicate.xml", p.prolog + "<Dokumenty xmlns=\"" + kInvoiceNs + "\">" +
                                                            original + forged(p.bare) + "</Dokumenty>"));
}

BOOST_AUTO_TEST_CASE(the_signature_moved_into_another_document_with_the_signed_invoice_inside_is_total_failed) {
  const Parts p = split(m.enveloped);
  const Element root = mustFind(m.enveloped, "Faktura");
  const std::string original = text(m.enveloped, root);
  const std::string fake = forged(p.bare);
  // (a) a forged invoice carrying the signature, the signed invoice attached to it;
  const std::string moved =
      p.prolog + replacedOnce(fake, "</Faktura>", p.signature + "<Zalacznik>" + p.bare + "</Zalacznik></Faktura>");
  // (b) the signed invoice, signature and all, beside a forged one under a new root.
  const std::string beside = p.prolog + "<Dokumenty xmlns=\"" + kInvoiceNs + "\">" + fake + original + "</Dokumenty>";
  // (c) the same with the signed invoice hidden in an element of another namespace.
  const std::string hidden =
      p.prolog + replacedOnce(fake, "</Faktura>",
                              "<x:Archiwum xmlns:x=\"urn:example:archive\">" + original + "</x:Archiwum></Faktura>");
  expectTotalFailed(verify("moved-signature.xml", moved));
  expectTotalFailed(verify("signed-beside-forged.xml", beside));
  expectTotalFailed(verify("signed-hidden-in-forged.xml", hidden));
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================== certificate substitution ===

BOOST_FIXTURE_TEST_SUITE(xades_certificate_substitution, Attacks)

BOOST_AUTO_TEST_CASE(another_signers_certificate_in_key_info_is_not_total_passed) {
  const fs::path signer = m.pki / "signer-rsa.pem";
  for (const auto& [name, xml] : std::map<std::string, std::string>{
           {"ec-enveloped.xml", m.enveloped}, {"ec-enveloping.xml", m.enveloping}, {"ec-xmlsec.xml", m.idReferenced}}) {
    BOOST_TEST_CONTEXT(name) {
      expectNotPassed(verify(name, substituted(xml, signer, pemBase64(m.pki / "signer-ec.pem"), false)));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_self_signed_certificate_with_the_signers_name_is_not_total_passed) {
  const Outcome o =
      verify("self-signed.xml", substituted(m.enveloped, m.pki / "signer-rsa.pem", pemBase64(m.selfSigned), false));
  expectNotPassed(o);
}

BOOST_AUTO_TEST_CASE(a_certificate_for_the_same_key_issued_to_someone_else_is_not_total_passed) {
  // Value and chain are fine (the demo CA issued Mallory a certificate for
  // Jan Kowalski's public key); only the SigningCertificateV2 digest in the
  // signed properties tells the two certificates apart.
  for (const auto& [name, xml] : std::map<std::string, std::string>{{"mallory-enveloped.xml", m.enveloped},
                                                                    {"mallory-xmlsec.xml", m.idReferenced}}) {
    BOOST_TEST_CONTEXT(name) {
      const Outcome o = verify(name, substituted(xml, m.pki / "signer-rsa.pem", pemBase64(m.mallory), false));
      expectNotPassed(o);
      BOOST_TEST(checkStatus(o, "signingCertificateReference") == "failed",
                 "the signing-certificate reference does not match Mallory's certificate");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_second_certificate_for_the_same_key_never_becomes_the_reported_signer) {
  // Mallory's certificate put before the genuine one: the signer is the
  // certificate the signed properties name, whatever comes first in KeyInfo.
  const Outcome o =
      verify("mallory-first.xml", substituted(m.enveloped, m.pki / "signer-rsa.pem", pemBase64(m.mallory), true));
  BOOST_TEST((o.exitCode == 0 || o.exitCode == 1 || o.exitCode == 2), describe(o));
  const json sigs = signaturesOf(o);
  BOOST_TEST_REQUIRE(sigs.size() == 1u, "one signature reported");
  const std::string subject = sigs[0].contains("signer") && sigs[0]["signer"].is_object()
                                  ? sigs[0]["signer"].value("subject", std::string())
                                  : std::string();
  BOOST_TEST(subject.find("Mallory") == npos, "Mallory is not reported as the signer: " << subject);
  if (o.exitCode == 0) BOOST_TEST(subject.find("Jan Kowalski") != npos, "a passed signature names Jan Kowalski");
  expectWithinLimits(o);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================= order of checks and scope ===

BOOST_FIXTURE_TEST_SUITE(xades_order_of_checks_and_scope, Attacks)

/// `xml` with one character of its (first) SignatureValue changed.
std::string withChangedValue(const std::string& xml) {
  const Element v = mustFind(xml, "SignatureValue");
  std::string out = xml;
  char& c = out[v.contentBegin + 10];
  c = c == 'A' ? 'B' : 'A';
  return out;
}

/// `xml` with the signer's certificate in ds:KeyInfo edited: one base64
/// character in the middle of it changed.
std::string withEditedCertificate(const std::string& xml) {
  const Element keyInfo = mustFind(xml, "KeyInfo");
  const Element cert = mustFind(xml, "X509Certificate", keyInfo.contentBegin);
  std::string out = xml;
  char& c = out[cert.contentBegin + (cert.contentEnd - cert.contentBegin) / 2];
  c = c == 'A' ? 'B' : 'A';
  return out;
}

BOOST_AUTO_TEST_CASE(a_wrong_signature_value_without_any_trust_anchor_is_total_failed_sig_crypto_failure) {
  // ETSI EN 319 102-1 §5.2.7: the value is checked with the certificate the
  // signature carries whatever its trust status.
  for (const auto& [name, xml] : std::map<std::string, std::string>{{"value-xades.xml", m.enveloped},
                                                                    {"value-xades-xmlsec.xml", m.idReferenced},
                                                                    {"value-xmldsig-soap.xml", m.soap}}) {
    BOOST_TEST_CONTEXT(name) {
      const Outcome o = verifyUntrusted(name, withChangedValue(xml));
      BOOST_TEST(o.exitCode == 1, describe(o));
      BOOST_TEST(indicationOf(o) == "TOTAL-FAILED", describe(o));
      BOOST_TEST(subIndicationOf(o) == "SIG_CRYPTO_FAILURE", describe(o));
      BOOST_TEST(checkStatus(o, "references") == "passed");
      BOOST_TEST(checkStatus(o, "signatureValue") == "failed");
      BOOST_TEST(hasNote(o, "messages", "signature-value-invalid"), describe(o));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_tampered_signed_key_info_without_any_trust_anchor_is_total_failed_hash_failure) {
  // ds:KeyInfo covered by a reference (XML-DSig 1.1 §4.5): its certificate
  // replaced by another valid one, or edited into bytes that no longer parse.
  // The references come first, so the KeyInfo digest fails before anything
  // is said about the key: HASH_FAILURE, never INDETERMINATE.
  const std::string ec = pemBase64(m.pki / "signer-ec.pem");
  const fs::path signer = m.pki / "signer-rsa.pem";
  const std::map<std::string, std::string> variants{
      {"keyinfo-xmldsig-replaced.xml", substituted(m.soap, signer, ec, false)},
      {"keyinfo-xmldsig-edited.xml", withEditedCertificate(m.soap)},
      {"keyinfo-xades-replaced.xml", substituted(m.keyInfoSigned, signer, ec, false)},
      {"keyinfo-xades-edited.xml", withEditedCertificate(m.keyInfoSigned)},
  };
  for (const auto& [name, xml] : variants) {
    BOOST_TEST_CONTEXT(name) {
      const Outcome o = verifyUntrusted(name, xml);
      BOOST_TEST(o.exitCode == 1, describe(o));
      BOOST_TEST(indicationOf(o) == "TOTAL-FAILED", describe(o));
      BOOST_TEST(subIndicationOf(o) == "HASH_FAILURE", describe(o));
      BOOST_TEST(checkStatus(o, "references") == "failed", describe(o));
      BOOST_TEST(hasNote(o, "messages", "signed-content-changed"), describe(o));
    }
  }
  // The untampered ones are intact without a trust anchor (INDETERMINATE for the chain only).
  for (const auto& [name, xml] :
       std::map<std::string, std::string>{{"keyinfo-xmldsig.xml", m.soap}, {"keyinfo-xades.xml", m.keyInfoSigned}}) {
    BOOST_TEST_CONTEXT(name) {
      const Outcome o = verifyUntrusted(name, xml);
      BOOST_TEST(checkStatus(o, "references") == "passed", describe(o));
      BOOST_TEST(checkStatus(o, "signatureValue") == "passed", describe(o));
      BOOST_TEST(indicationOf(o) == "INDETERMINATE", describe(o));
    }
  }
}

BOOST_AUTO_TEST_CASE(signed_content_changed_in_a_xades_document_is_total_failed_hash_failure) {
  // With and without a trust anchor; enveloped (URI=""), by Id (xmlsec1) and enveloping.
  BOOST_TEST_REQUIRE(m.invoice.find(kIban) != npos);
  for (const auto& [name, xml] : std::map<std::string, std::string>{{"content-enveloped.xml", m.enveloped},
                                                                    {"content-by-id.xml", m.idReferenced},
                                                                    {"content-enveloping.xml", m.enveloping}}) {
    BOOST_TEST_CONTEXT(name) {
      const std::string changed = replacedOnce(xml, kIban, kForgedIban);
      for (const Outcome& o : {verify(name, changed), verifyUntrusted(name, changed)}) {
        BOOST_TEST(o.exitCode == 1, describe(o));
        BOOST_TEST(indicationOf(o) == "TOTAL-FAILED", describe(o));
        BOOST_TEST(subIndicationOf(o) == "HASH_FAILURE", describe(o));
        BOOST_TEST(checkStatus(o, "references") == "failed", describe(o));
        BOOST_TEST(hasNote(o, "messages", "signed-content-changed"), describe(o));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(an_xml_dsig_signing_one_element_by_id_says_what_it_covers_and_is_not_total_failed) {
  // SOAP / e-invoice practice: the Body signed by Id, the header not.  Not a
  // forgery: INDETERMINATE / SIG_CONSTRAINTS_FAILURE, with the scope named.
  const Outcome o = verify("soap.xml", m.soap);
  BOOST_TEST(o.exitCode == 2, describe(o));
  BOOST_TEST(indicationOf(o) == "INDETERMINATE", describe(o));
  BOOST_TEST(subIndicationOf(o) == "SIG_CONSTRAINTS_FAILURE", describe(o));
  const json sigs = signaturesOf(o);
  BOOST_TEST_REQUIRE(sigs.size() == 1u);
  BOOST_TEST(sigs[0]["coversWholeDocument"] == json(false), describe(o));
  BOOST_TEST(checkStatus(o, "references") == "passed");
  BOOST_TEST(checkStatus(o, "signatureValue") == "passed");
  BOOST_TEST(checkStatus(o, "certificateChain") == "passed");
  BOOST_TEST(checkStatus(o, "coverage") == "warning");
  BOOST_TEST(hasNote(o, "signedData", "element", "id", "body"), describe(o));
  BOOST_TEST(hasNote(o, "signedData", "element", "name", "soap:Body"), describe(o));
  BOOST_TEST(hasNote(o, "messages", "partial-coverage"), describe(o));
  // Without a trust anchor the chain is the first reason, the scope still said.
  const Outcome u = verifyUntrusted("soap-untrusted.xml", m.soap);
  BOOST_TEST(indicationOf(u) == "INDETERMINATE", describe(u));
  BOOST_TEST(subIndicationOf(u) == "NO_CERTIFICATE_CHAIN_FOUND", describe(u));
  BOOST_TEST(hasNote(u, "messages", "partial-coverage"), describe(u));
  // Changing the unsigned header is allowed by that scope; changing the body is not.
  const Outcome header = verify("soap-header.xml", replacedOnce(m.soap, ">archive<", ">elsewhere<"));
  BOOST_TEST(indicationOf(header) == "INDETERMINATE", describe(header));
  const Outcome body = verify("soap-body.xml", replacedOnce(m.soap, ">100.00<", ">900.00<"));
  BOOST_TEST(indicationOf(body) == "TOTAL-FAILED", describe(body));
  BOOST_TEST(subIndicationOf(body) == "HASH_FAILURE", describe(body));
}

/// An enveloped XML-DSig over `xml` by xmlsec1 with `key`/`cert` (and the
/// issuing CA), the whole document (URI="") and the ds:KeyInfo signed, with
/// the SignatureMethod and DigestMethod given as their URI suffixes.
std::string signEnvelopedWithXmlsec(const TempDir& dir, const fs::path& key, const fs::path& cert, const fs::path& ca,
                                    const std::string& method, const std::string& digest) {
  const std::string exc = "http://www.w3.org/2001/10/xml-exc-c14n#";
  const auto reference = [&](const std::string& uri, bool enveloped) {
    return "<ds:Reference URI=\"" + uri + "\"><ds:Transforms>" +
           (enveloped ? "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>" : "") +
           "<ds:Transform Algorithm=\"" + exc + "\"/></ds:Transforms><ds:DigestMethod Algorithm=\"" + digest +
           "\"/><ds:DigestValue/></ds:Reference>";
  };
  const std::string tmpl =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Zamowienie xmlns=\"urn:example:order\">"
      "<Kwota waluta=\"PLN\">100.00</Kwota>"
      "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
      "<ds:CanonicalizationMethod Algorithm=\"" +
      exc + "\"/><ds:SignatureMethod Algorithm=\"" + method + "\"/>" + reference("", true) + reference("#ki", false) +
      "</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo Id=\"ki\"><ds:X509Data/></ds:KeyInfo>"
      "</ds:Signature></Zamowienie>\n";
  writeFile(dir / "policy-template.xml", tmpl);
  const fs::path out = dir / "policy-signed.xml";
  const RunResult r = run({"xmlsec1", "--sign", "--privkey-pem", key.string() + "," + cert.string() + "," + ca.string(),
                           "--output", out.string(), (dir / "policy-template.xml").string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "xmlsec1 --sign: " << r.err);
  return readText(out);
}

BOOST_AUTO_TEST_CASE(a_tls_server_certificate_and_sha1_are_not_total_passed_in_xml) {
  // ETSI EN 319 102-1: the certificate must be meant for signatures and the
  // algorithms acceptable (ETSI TS 119 312), whatever else is right; the
  // integrity is still reported valid.
  issueTlsServerCertificate(dir.path());
  const auto must = [](const std::vector<std::string>& argv) {
    const RunResult r = run(argv);
    BOOST_TEST_REQUIRE(r.exitCode == 0, argv[1] << ": " << r.err);
  };
  const std::string rsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
  const std::string sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
  const Outcome tls = verify("tls.xml", signEnvelopedWithXmlsec(dir, dir / "tls.key", dir / "tls.pem",
                                                                m.pki / "issuing-ca.pem", rsaSha256, sha256));
  BOOST_TEST(indicationOf(tls) == "INDETERMINATE", describe(tls));
  BOOST_TEST(subIndicationOf(tls) == "CHAIN_CONSTRAINTS_FAILURE", describe(tls));
  BOOST_TEST(checkStatus(tls, "keyUsage") == "failed", describe(tls));
  BOOST_TEST(checkStatus(tls, "signatureValue") == "passed", describe(tls));

  // The demo signer (meant for signatures) with RSA-SHA1 and SHA-1 digests.
  const fs::path key = dir / "signer-key.pem";
  must({"openssl", "pkcs12", "-in", (m.pki / "signer-rsa.p12").string(), "-nocerts", "-nodes", "-passin",
        "file:" + (m.pki / "password.txt").string(), "-out", key.string()});
  const Outcome sha1 =
      verify("sha1.xml", signEnvelopedWithXmlsec(dir, key, m.pki / "signer-rsa.pem", m.pki / "issuing-ca.pem",
                                                 "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
                                                 "http://www.w3.org/2000/09/xmldsig#sha1"));
  BOOST_TEST(indicationOf(sha1) == "INDETERMINATE", describe(sha1));
  BOOST_TEST(subIndicationOf(sha1) == "CRYPTO_CONSTRAINTS_FAILURE_NO_POE", describe(sha1));
  BOOST_TEST(checkStatus(sha1, "cryptographicConstraints") == "failed", describe(sha1));
  BOOST_TEST(checkStatus(sha1, "references") == "passed", describe(sha1));
  // The control: the same shape with SHA-256 passes.
  const Outcome good = verify("sha256.xml", signEnvelopedWithXmlsec(dir, key, m.pki / "signer-rsa.pem",
                                                                    m.pki / "issuing-ca.pem", rsaSha256, sha256));
  BOOST_TEST(indicationOf(good) == "TOTAL-PASSED", describe(good));
}

BOOST_AUTO_TEST_CASE(soap_signature_wrapping_moves_the_signed_body_and_is_total_failed) {
  // The XML signature wrapping attacks on SOAP (Somorovsky et al., USENIX
  // Security 2012, XSW1-XSW8): the signed Body moved where a reader does not
  // look and a forged Body in its place.  The digest still matches, the
  // signature covers part of the document anyway; an unsigned look-alike
  // of the signed element is what makes each of these a forgery.
  const std::string body =
      m.soap.substr(m.soap.find("<soap:Body"), m.soap.find("</soap:Body>") + 12 - m.soap.find("<soap:Body"));
  const std::string forged =
      "<soap:Body><Zamowienie xmlns=\"urn:example:order\"><Kwota waluta=\"PLN\">999999.00</Kwota>"
      "</Zamowienie></soap:Body>";
  const std::string withoutBody = replacedOnce(m.soap, body, forged);
  for (const auto& [name, xml] : std::map<std::string, std::string>{
           // XSW1/2: into a wrapper in the header
           {"xsw-header-wrapper.xml",
            replacedOnce(withoutBody, "<soap:Header>", "<soap:Header><Wrapper>" + body + "</Wrapper>")},
           // XSW3/4: after the forged Body, as a sibling of the envelope's content
           {"xsw-after-forged.xml",
            replacedOnce(withoutBody, "</soap:Envelope>", "<Extra>" + body + "</Extra></soap:Envelope>")},
           // XSW5-8 style: inside the forged Body
           {"xsw-inside-forged.xml",
            replacedOnce(withoutBody, "999999.00</Kwota></Zamowienie>", "999999.00</Kwota></Zamowienie>" + body)}}) {
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST_REQUIRE(xml != withoutBody, "the attack file was built");
      const Outcome o = verify(name, xml);
      BOOST_TEST(indicationOf(o) == "TOTAL-FAILED", describe(o));
      BOOST_TEST(subIndicationOf(o) == "FORMAT_FAILURE", describe(o));
      BOOST_TEST(hasNote(o, "messages", "signature-wrapping"), describe(o));
      BOOST_TEST(checkStatus(o, "references") == "passed", "the digest itself still matches: " << describe(o));
    }
  }
}

BOOST_AUTO_TEST_CASE(an_enveloping_xades_inside_a_container_element_names_what_it_signs) {
  // <Wrapper><ds:Signature>...<ds:Object Id="o">invoice</ds:Object></ds:Signature></Wrapper>:
  // a bare container holding only the signature adds nothing unsigned.
  const std::size_t start = m.enveloping.find("<ds:Signature");
  BOOST_TEST_REQUIRE(start != npos);
  const std::string prolog = m.enveloping.substr(0, start);
  const std::string body = m.enveloping.substr(start);
  const std::string wrapped = prolog + "<Wrapper xmlns=\"urn:example:container\">\n  " + body + "\n</Wrapper>\n";
  const Outcome o = verify("wrapped-enveloping.xml", wrapped);
  BOOST_TEST(indicationOf(o) == "TOTAL-PASSED", describe(o));
  const json sigs = signaturesOf(o);
  BOOST_TEST_REQUIRE(sigs.size() == 1u);
  BOOST_TEST(sigs[0]["coversWholeDocument"] == json(true), describe(o));
  BOOST_TEST(hasNote(o, "signedData", "element", "name", "ds:Object"), describe(o));
  BOOST_TEST(hasNote(o, "signedData", "signed-properties"), describe(o));
  // A container that says something of its own (an attribute, text) is
  // content nobody signed: reported as partial, still not a forgery.
  for (const auto& [name, xml] : std::map<std::string, std::string>{
           {"wrapped-attribute.xml", replacedOnce(wrapped, "<Wrapper ", "<Wrapper status=\"approved\" ")},
           {"wrapped-text.xml", replacedOnce(wrapped, "</Wrapper>", "Zatwierdzono.</Wrapper>")}}) {
    BOOST_TEST_CONTEXT(name) {
      const Outcome p = verify(name, xml);
      BOOST_TEST(indicationOf(p) == "INDETERMINATE", describe(p));
      BOOST_TEST(subIndicationOf(p) == "SIG_CONSTRAINTS_FAILURE", describe(p));
      BOOST_TEST(signaturesOf(p)[0]["coversWholeDocument"] == json(false), describe(p));
      BOOST_TEST(hasNote(p, "signedData", "element", "name", "ds:Object"), describe(p));
      BOOST_TEST(hasNote(p, "messages", "partial-coverage"), describe(p));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ================================================== denial of service ===

BOOST_FIXTURE_TEST_SUITE(xades_resource_limits, Attacks)

BOOST_AUTO_TEST_CASE(a_one_mebibyte_invoice_under_the_xpath_filter_is_answered_within_the_limits) {
  // The digest of a reference is computed before anything about the signer
  // is known, so anyone can make the verifier evaluate an accepted XPath
  // filter, not(ancestor-or-self::ds:Signature), over a document of their
  // choosing (xmlsec's XPath 1.0 transform tests node-set membership
  // linearly: quadratic time; 1 MiB took minutes).  Here: an invoice signed
  // with that filter, with 1 MiB of further items.  The verifier runs the
  // filter as its linear XPath Filter 2.0 twin, so the digest is computed
  // within the limits and no longer matches: TOTAL-FAILED.
  std::string items;
  for (int lp = 3; items.size() < (1u << 20); ++lp) {
    items += "    <Pozycja lp=\"" + std::to_string(lp) +
             "\">\n      <Opis>Konsultacje – pozycja dodana po podpisaniu</Opis>\n"
             "      <Ilosc jednostka=\"godz.\">1</Ilosc>\n      <CenaNetto>100.00</CenaNetto>\n"
             "      <StawkaVAT>23</StawkaVAT>\n      <WartoscNetto>100.00</WartoscNetto>\n    </Pozycja>\n";
  }
  const std::string xml = replacedOnce(m.xpathFilter, "</Pozycje>", items + "  </Pozycje>");
  expectTotalFailed(verify("large-xpath-filter.xml", xml));
}

BOOST_AUTO_TEST_CASE(ten_thousand_nested_elements_are_refused) {
  // Deeper than any invoice; libxml2 stops at 256 levels unless told otherwise.
  std::string open, close;
  for (int i = 0; i < 10000; ++i) {
    open += "<a>";
    close += "</a>";
  }
  expectRefused(verify("deep.xml", replacedOnce(m.enveloped, "<Uwagi>", open + close + "<Uwagi>")));
}

BOOST_AUTO_TEST_SUITE_END()
