// etsiValidationReport and `verify --format etsi`: the ETSI TS 119 102-2
// validation report.  Every document is parsed with libxml2, read back with
// XPath, and validated against ETSI's schema (tests/data/etsi/, its imports
// served from there by an entity loader, so nothing is fetched).
#include <securedoc/app/report_etsi.h>
#include <securedoc/base/bytes.h>
#include <securedoc/crypto/certificate.h>

#include <boost/test/unit_test.hpp>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <test_support.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace securedoc;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNs = "http://uri.etsi.org/19102/v1.2.1#";
constexpr std::time_t kNow = 1796000000;  // 2026-11-30T...Z
constexpr std::time_t kSigningTime = 1795000000;
constexpr std::time_t kPoe = 1795000100;

// ---- certificates ----------------------------------------------------------

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};

Certificate makeCert(const std::string& cn, const std::string& issuerCn, long serial) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  BOOST_REQUIRE(key);
  std::unique_ptr<X509, X509Free> x(X509_new());
  BOOST_REQUIRE(x);
  BOOST_REQUIRE(X509_set_version(x.get(), 2) == 1);
  BOOST_REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial) == 1);
  BOOST_REQUIRE(X509_gmtime_adj(X509_getm_notBefore(x.get()), 0));
  BOOST_REQUIRE(X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600L * 24 * 365));
  BOOST_REQUIRE(X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_UTF8,
                                           reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) == 1);
  BOOST_REQUIRE(X509_NAME_add_entry_by_txt(X509_get_issuer_name(x.get()), "CN", MBSTRING_UTF8,
                                           reinterpret_cast<const unsigned char*>(issuerCn.c_str()), -1, -1, 0) == 1);
  BOOST_REQUIRE(X509_set_pubkey(x.get(), key.get()) == 1);
  BOOST_REQUIRE(X509_sign(x.get(), key.get(), EVP_sha256()) > 0);
  return Certificate(x.get());
}

struct Pki {
  Certificate root = makeCert("Test Root CA", "Test Root CA", 1);
  Certificate issuing = makeCert("Test Issuing CA", "Test Root CA", 2);
  Certificate jan = makeCert("Jan Kowalski", "Test Issuing CA", 3);
  Certificate anna = makeCert("Anna Nowak", "Test Issuing CA", 4);
};
const Pki& pki() {
  static const Pki p;
  return p;
}

// ---- reports ---------------------------------------------------------------

Check check(const std::string& id, Check::Status s) {
  Check c;
  c.id = id;
  c.status = s;
  return c;
}

TimestampReport timestamp(const std::string& type, std::time_t t) {
  TimestampReport ts;
  ts.type = type;
  ts.time = t;
  ts.indication = Indication::TotalPassed;
  return ts;
}

SignatureReport signature(const std::string& id, const Certificate& signer, Indication i, SubIndication s) {
  SignatureReport sig;
  sig.id = id;
  sig.format = "CAdES";
  sig.level = "B-B";
  sig.indication = i;
  sig.subIndication = s;
  sig.signer = signer;
  sig.signingTime = kSigningTime;
  sig.chain = {signer, pki().issuing, pki().root};
  sig.checks.push_back(check("certificateChain", Check::Status::Passed));
  return sig;
}

VerificationReport reportOf(std::vector<SignatureReport> sigs) {
  VerificationReport r;
  r.file = "contract.p7m";
  r.format = "CAdES";
  r.validationTime = kNow;
  r.signatures = std::move(sigs);
  r.computeOverall();
  return r;
}

// ---- libxml2 ---------------------------------------------------------------

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

Doc parse(const std::string& xml) {
  // No network, no entities: the report must stand on its own.
  Doc doc(xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "report.xml", nullptr,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  return doc;
}

/// The schema's imports name their http:// homes; this loader serves them
/// from tests/data/etsi/ and refuses anything else.
xmlParserInputPtr localSchemas(const char* url, const char* id, xmlParserCtxtPtr ctxt) {
  static const std::map<std::string, std::string> kLocal = {
      {"http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd", "xmldsig-core-schema.xsd"},
      {"http://www.w3.org/TR/2008/REC-xmldsig-core-20080610/xmldsig-core-schema.xsd", "xmldsig-core-schema.xsd"},
      {"http://uri.etsi.org/01903/v1.3.2/XAdES.xsd", "XAdES01903v132-202407.xsd"},
      {"http://uri.etsi.org/19612/v2.2.1/ts_119612v020201_201601xsd.xsd", "ts_119612v020201_201601xsd.xsd"},
      {"http://www.w3.org/2001/xml.xsd", "xml.xsd"},
  };
  (void)id;
  std::string path = url ? url : "";
  const auto it = kLocal.find(path);
  if (it != kLocal.end()) {
    path = (test::sourceDir() / "tests/data/etsi" / it->second).string();
  } else if (path.rfind("http", 0) == 0) {
    return nullptr;
  }
  return xmlNewInputFromFile(ctxt, path.c_str());
}

void ignoreError(void*, xmlErrorPtr) {}

struct SchemaFree {
  void operator()(xmlSchema* s) const { xmlSchemaFree(s); }
};

/// The ETSI schema, compiled once.
xmlSchema* schema() {
  static std::unique_ptr<xmlSchema, SchemaFree> compiled = [] {
    const xmlExternalEntityLoader before = xmlGetExternalEntityLoader();
    xmlSetExternalEntityLoader(localSchemas);
    const fs::path xsd = test::sourceDir() / "tests/data/etsi/1910202xmlSchema.xsd";
    xmlSchemaParserCtxt* pc = xmlSchemaNewParserCtxt(xsd.string().c_str());
    // Quiet: XAdES's second import of xmldsig is only a warning; a schema
    // that does not compile shows as the_schema_compiles failing.
    if (pc) xmlSchemaSetParserStructuredErrors(pc, ignoreError, nullptr);
    xmlSchema* s = pc ? xmlSchemaParse(pc) : nullptr;
    if (pc) xmlSchemaFreeParserCtxt(pc);
    xmlSetExternalEntityLoader(before);
    return std::unique_ptr<xmlSchema, SchemaFree>(s);
  }();
  return compiled.get();
}

std::vector<std::string>* g_schemaErrors = nullptr;
void collectError(void*, xmlErrorPtr e) {
  if (g_schemaErrors && e && e->message) g_schemaErrors->push_back(e->message);
}

/// The schema's complaints, none when valid.
std::vector<std::string> schemaErrors(xmlDoc* doc) {
  xmlSchema* s = schema();
  if (!s) return {"the schema in tests/data/etsi did not compile"};
  std::vector<std::string> errors;
  xmlSchemaValidCtxt* vc = xmlSchemaNewValidCtxt(s);
  if (!vc) return {"no validation context"};
  g_schemaErrors = &errors;
  xmlSchemaSetValidStructuredErrors(vc, collectError, nullptr);
  const int rc = xmlSchemaValidateDoc(vc, doc);
  g_schemaErrors = nullptr;
  xmlSchemaFreeValidCtxt(vc);
  if (rc != 0 && errors.empty()) errors.push_back("invalid (rc " + std::to_string(rc) + ")");
  return errors;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s;
  return out;
}

const xmlChar* xc(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

/// XPath over one document with the prefix vr bound to the namespace.
class Query {
 public:
  explicit Query(xmlDoc* doc) : m_ctx(xmlXPathNewContext(doc)) {
    BOOST_REQUIRE(m_ctx);
    xmlXPathRegisterNs(m_ctx, xc("vr"), xc(kNs));
  }
  ~Query() { xmlXPathFreeContext(m_ctx); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  /// The string value of `expr` (XPath string()).
  std::string str(const std::string& expr) {
    const std::string wrapped = "string(" + expr + ")";
    xmlXPathObject* o = xmlXPathEvalExpression(xc(wrapped.c_str()), m_ctx);
    BOOST_REQUIRE_MESSAGE(o, expr);
    std::string out = o->stringval ? reinterpret_cast<const char*>(o->stringval) : "";
    xmlXPathFreeObject(o);
    return out;
  }
  double num(const std::string& expr) {
    xmlXPathObject* o = xmlXPathEvalExpression(xc(expr.c_str()), m_ctx);
    BOOST_REQUIRE_MESSAGE(o, expr);
    const double n = xmlXPathCastToNumber(o);
    xmlXPathFreeObject(o);
    return n;
  }
  double count(const std::string& expr) { return num("count(" + expr + ")"); }

 private:
  xmlXPathContext* m_ctx;
};

/// Parses `xml`, requires it well-formed in the TS 119 102-2 namespace.
Doc requireReport(const std::string& xml) {
  BOOST_TEST_INFO(xml);
  Doc doc = parse(xml);
  BOOST_REQUIRE_MESSAGE(doc, "well-formed XML");
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  BOOST_REQUIRE(root);
  BOOST_TEST(std::string(reinterpret_cast<const char*>(root->name)) == "ValidationReport");
  BOOST_REQUIRE(root->ns);
  BOOST_TEST(std::string(reinterpret_cast<const char*>(root->ns->href)) == kNs);
  return doc;
}

/// VOReference values (one id each here) that name no validation object.
/// libxml2's schema validation does not resolve xs:IDREFS, so we do.
const std::string kDangling =
    "//@VOReference[not(. = /vr:ValidationReport/vr:SignatureValidationObjects/vr:ValidationObject/@id)]";

void requireSchemaValid(xmlDoc* doc, const std::string& xml) {
  const auto errors = schemaErrors(doc);
  BOOST_TEST(errors.empty(), "schema-valid: " << joined(errors) << "\n" << xml);
  BOOST_TEST(Query(doc).count(kDangling) == 0, "every VOReference names a validation object\n" << xml);
}

const std::string kSvr = "/vr:ValidationReport/vr:SignatureValidationReport";

}  // namespace

BOOST_AUTO_TEST_SUITE(report_etsi)

BOOST_AUTO_TEST_CASE(the_schema_compiles) { BOOST_TEST(schema() != nullptr); }

BOOST_AUTO_TEST_CASE(passed_signature) {
  SignatureReport sig = signature("Sig1", pki().jan, Indication::TotalPassed, SubIndication::None);
  const std::string xml = etsiValidationReport(reportOf({sig}));
  const Doc doc = requireReport(xml);
  requireSchemaValid(doc.get(), xml);
  Query q(doc.get());
  BOOST_TEST(q.count(kSvr) == 1);
  BOOST_TEST(q.str(kSvr + "/vr:SignatureValidationStatus/vr:MainIndication") ==
             "urn:etsi:019102:mainindication:total-passed");
  BOOST_TEST(q.count(kSvr + "/vr:SignatureValidationStatus/vr:SubIndication") == 0);
  BOOST_TEST(q.str(kSvr + "/vr:SignatureIdentifier/vr:HashOnly") == "false");
  BOOST_TEST(q.str(kSvr + "/vr:SignatureIdentifier/vr:DocHashOnly") == "false");
  BOOST_TEST(q.str(kSvr + "/vr:SignatureIdentifier/vr:DAIdentifier") == "Sig1");
  BOOST_TEST(q.str(kSvr + "/vr:ValidationTimeInfo/vr:ValidationTime") == isoTime(kNow));
  // No time-stamp: the best-signature-time is the validation time.
  BOOST_TEST(q.str(kSvr + "/vr:ValidationTimeInfo/vr:BestSignatureTime/vr:POETime") == isoTime(kNow));
  BOOST_TEST(q.str(kSvr + "/vr:ValidationTimeInfo/vr:BestSignatureTime/vr:TypeOfProof") ==
             "urn:etsi:019102:poetype:validation");
  BOOST_TEST(q.str(kSvr + "/vr:SignatureAttributes/vr:SigningTime/vr:Time") == isoTime(kSigningTime));
  BOOST_TEST(q.str(kSvr + "/vr:SignatureValidationProcess/vr:SignatureValidationProcessID") ==
             "urn:etsi:019102:validationprocess:Basic");
  BOOST_TEST(q.str(kSvr + "/vr:SignerInformation/vr:Signer") == pki().jan.subject());
  BOOST_TEST(q.count(kSvr + "/vr:SignatureQuality") == 0);

  // The signer's certificate is a validation object holding its DER.
  const std::string signerRef = q.str(kSvr + "/vr:SignerInformation/vr:SignerCertificate/@VOReference");
  BOOST_TEST(!signerRef.empty());
  const std::string vo = "/vr:ValidationReport/vr:SignatureValidationObjects/vr:ValidationObject";
  BOOST_TEST(q.str(vo + "[@id='" + signerRef + "']/vr:ObjectType") == "urn:etsi:019102:validationObject:certificate");
  BOOST_TEST(q.str(vo + "[@id='" + signerRef + "']/vr:ValidationObjectRepresentation/vr:base64") ==
             toBase64(pki().jan.der()));

  // The chain: signer, intermediate, trust anchor.
  const std::string chain =
      kSvr + "/vr:SignatureValidationStatus/vr:AssociatedValidationReportData/vr:CertificateChain";
  BOOST_TEST(q.str(chain + "/vr:SigningCertificate/@VOReference") == signerRef);
  const std::string inter = q.str(chain + "/vr:IntermediateCertificate/@VOReference");
  const std::string anchor = q.str(chain + "/vr:TrustAnchor/@VOReference");
  BOOST_TEST(q.str(vo + "[@id='" + inter + "']/vr:ValidationObjectRepresentation/vr:base64") ==
             toBase64(pki().issuing.der()));
  BOOST_TEST(q.str(vo + "[@id='" + anchor + "']/vr:ValidationObjectRepresentation/vr:base64") ==
             toBase64(pki().root.der()));
  BOOST_TEST(q.count(vo) == 3);
}

BOOST_AUTO_TEST_CASE(the_schema_bites) {
  // The validation above means something: a missing required element and a
  // reference to no validation object are both refused.
  SignatureReport sig = signature("Sig1", pki().jan, Indication::TotalPassed, SubIndication::None);
  const std::string xml = etsiValidationReport(reportOf({sig}));
  std::string noHashOnly = xml;
  noHashOnly.erase(noHashOnly.find("<HashOnly>false</HashOnly>"), std::strlen("<HashOnly>false</HashOnly>"));
  BOOST_TEST(!schemaErrors(requireReport(noHashOnly).get()).empty());
  std::string dangling = xml;
  const auto at = dangling.find("VOReference=\"C-") + std::strlen("VOReference=\"C-");
  dangling.replace(at, 4, "0000");
  const Doc doc = requireReport(dangling);
  BOOST_TEST(Query(doc.get()).count(kDangling) == 1);
}

BOOST_AUTO_TEST_CASE(failed_hash_failure) {
  SignatureReport sig = signature("Sig1", pki().jan, Indication::TotalFailed, SubIndication::HashFailure);
  const std::string xml = etsiValidationReport(reportOf({sig}));
  const Doc doc = requireReport(xml);
  requireSchemaValid(doc.get(), xml);
  Query q(doc.get());
  BOOST_TEST(q.str(kSvr + "/vr:SignatureValidationStatus/vr:MainIndication") ==
             "urn:etsi:019102:mainindication:total-failed");
  BOOST_TEST(q.str(kSvr + "/vr:SignatureValidationStatus/vr:SubIndication") ==
             "urn:etsi:019102:subindication:HASH_FAILURE");
}

BOOST_AUTO_TEST_CASE(indeterminate_try_later_without_anchor) {
  SignatureReport sig = signature("Sig1", pki().jan, Indication::Indeterminate, SubIndication::TryLater);
  sig.checks = {check("certificateChain", Check::Status::Failed)};
  sig.chain = {pki().jan, pki().issuing};  // no path to an anchor
  const std::string xml = etsiValidationReport(reportOf({sig}));
  const Doc doc = requireReport(xml);
  requireSchemaValid(doc.get(), xml);
  Query q(doc.get());
  BOOST_TEST(q.str(kSvr + "/vr:SignatureValidationStatus/vr:MainIndication") ==
             "urn:etsi:019102:mainindication:indeterminate");
  BOOST_TEST(q.str(kSvr + "/vr:SignatureValidationStatus/vr:SubIndication") ==
             "urn:etsi:019102:subindication:TRY_LATER");
  const std::string chain =
      kSvr + "/vr:SignatureValidationStatus/vr:AssociatedValidationReportData/vr:CertificateChain";
  BOOST_TEST(q.count(chain + "/vr:TrustAnchor") == 0);
  BOOST_TEST(q.count(chain + "/vr:IntermediateCertificate") == 1);
}

BOOST_AUTO_TEST_CASE(time_stamps_and_proof_of_existence) {
  SignatureReport sig = signature("Signature1", pki().jan, Indication::TotalPassed, SubIndication::None);
  sig.format = "PAdES";
  sig.level = "B-LTA";
  sig.timestamps = {timestamp("signature", kPoe), timestamp("archive", kPoe + 50), timestamp("document", kPoe + 60)};
  TimestampReport unreadable;  // no time: left out, the schema needs one
  unreadable.type = "signature";
  sig.timestamps.push_back(unreadable);
  sig.proofOfExistence = kPoe;
  const std::string xml = etsiValidationReport(reportOf({sig}));
  const Doc doc = requireReport(xml);
  requireSchemaValid(doc.get(), xml);
  Query q(doc.get());
  BOOST_TEST(q.str(kSvr + "/vr:ValidationTimeInfo/vr:BestSignatureTime/vr:POETime") == isoTime(kPoe));
  const std::string attrs = kSvr + "/vr:SignatureAttributes";
  BOOST_TEST(q.count(attrs + "/vr:SignatureTimeStamp") == 1);
  BOOST_TEST(q.str(attrs + "/vr:SignatureTimeStamp/vr:TimeStampValue") == isoTime(kPoe));
  BOOST_TEST(q.str(attrs + "/vr:ArchiveTimeStamp/vr:TimeStampValue") == isoTime(kPoe + 50));
  BOOST_TEST(q.str(attrs + "/vr:DocTimeStamp/vr:TimeStampValue") == isoTime(kPoe + 60));
  BOOST_TEST(q.str(kSvr + "/vr:SignatureValidationProcess/vr:SignatureValidationProcessID") ==
             "urn:etsi:019102:validationprocess:LTA");
}

BOOST_AUTO_TEST_CASE(signature_time_stamp_is_ltvm) {
  SignatureReport sig = signature("Sig1", pki().jan, Indication::TotalPassed, SubIndication::None);
  sig.timestamps = {timestamp("signature", kPoe)};
  sig.proofOfExistence = kPoe;
  const std::string xml = etsiValidationReport(reportOf({sig}));
  const Doc doc = requireReport(xml);
  requireSchemaValid(doc.get(), xml);
  Query q(doc.get());
  BOOST_TEST(q.str(kSvr + "/vr:SignatureValidationProcess/vr:SignatureValidationProcessID") ==
             "urn:etsi:019102:validationprocess:LTVM");
}

BOOST_AUTO_TEST_CASE(one_report_per_signature_shared_certificates_once) {
  SignatureReport a = signature("Sig1", pki().jan, Indication::TotalPassed, SubIndication::None);
  SignatureReport b = signature("Sig2", pki().anna, Indication::TotalFailed, SubIndication::SigCryptoFailure);
  const std::string xml = etsiValidationReport(reportOf({a, b}));
  const Doc doc = requireReport(xml);
  requireSchemaValid(doc.get(), xml);
  Query q(doc.get());
  BOOST_TEST(q.count(kSvr) == 2);
  BOOST_TEST(q.str(kSvr + "[1]/vr:SignatureIdentifier/vr:DAIdentifier") == "Sig1");
  BOOST_TEST(q.str(kSvr + "[2]/vr:SignatureIdentifier/vr:DAIdentifier") == "Sig2");
  BOOST_TEST(q.str(kSvr + "[2]/vr:SignatureValidationStatus/vr:SubIndication") ==
             "urn:etsi:019102:subindication:SIG_CRYPTO_FAILURE");
  // Jan, Anna, the issuing CA and the root: four objects, not six.
  BOOST_TEST(q.count("//vr:ValidationObject") == 4);
}

BOOST_AUTO_TEST_CASE(revoked_certificate) {
  SignatureReport sig = signature("Sig1", pki().jan, Indication::TotalFailed, SubIndication::Revoked);
  RevocationReport rev;
  rev.subject = pki().jan.subject();
  rev.serial = pki().jan.serialHex();
  rev.status = "revoked";
  rev.source = "ocsp";
  rev.revocationTime = kSigningTime - 10;
  rev.reason = "keyCompromise";
  sig.revocation = {rev};
  const std::string xml = etsiValidationReport(reportOf({sig}));
  const Doc doc = requireReport(xml);
  requireSchemaValid(doc.get(), xml);
  Query q(doc.get());
  const std::string rsi =
      kSvr + "/vr:SignatureValidationStatus/vr:AssociatedValidationReportData/vr:RevocationStatusInformation";
  BOOST_TEST(q.str(rsi + "/vr:ValidationObjectId/@VOReference") ==
             q.str(kSvr + "/vr:SignerInformation/vr:SignerCertificate/@VOReference"));
  BOOST_TEST(q.str(rsi + "/vr:RevocationTime") == isoTime(kSigningTime - 10));
  BOOST_TEST(q.str(rsi + "/vr:RevocationReason") == "urn:etsi:019102:revocationReason:keyCompromise");
}

BOOST_AUTO_TEST_CASE(hostile_names_are_escaped) {
  // Ids come from the verified file: markup, quotes, control characters and
  // bytes that are not UTF-8 must not break (or inject into) the document.
  SignatureReport sig = signature(std::string("<x a=\"1\">&amp;\x01\r\xff\xc0\xaf]]>\xed\xa0\x80") + "</x>", pki().jan,
                                  Indication::TotalPassed, SubIndication::None);
  SignatureReport noSigner;
  noSigner.id = "\"'";
  noSigner.indication = Indication::Indeterminate;
  noSigner.subIndication = SubIndication::NoSigningCertificateFound;
  const std::string xml = etsiValidationReport(reportOf({sig, noSigner}));
  const Doc doc = requireReport(xml);
  requireSchemaValid(doc.get(), xml);
  Query q(doc.get());
  const std::string id = q.str(kSvr + "[1]/vr:SignatureIdentifier/vr:DAIdentifier");
  BOOST_TEST(id.rfind("<x a=\"1\">&amp;\xEF\xBF\xBD\r\xEF\xBF\xBD", 0) == 0u);
  BOOST_TEST(q.count("//*[local-name()='x']") == 0);
  BOOST_TEST(q.count(kSvr + "[2]/vr:SignerInformation") == 0);
  BOOST_TEST(q.str(kSvr + "[2]/vr:SignatureIdentifier/vr:DAIdentifier") == "\"'");
}

BOOST_AUTO_TEST_CASE(empty_report) {
  // No signature (the CLI exits 3): a well-formed report without signature
  // reports.  TS 119 102-2's schema wants at least one, so this one is not
  // schema-valid, by design: nothing is invented.
  VerificationReport r;
  const std::string xml = etsiValidationReport(r, kNow);
  const Doc doc = requireReport(xml);
  Query q(doc.get());
  BOOST_TEST(q.count(kSvr) == 0);
  BOOST_TEST(q.count("//vr:SignatureValidationObjects") == 0);

  // A signature the verifier knows nothing about still makes a valid report.
  SignatureReport bare;
  r.signatures.push_back(bare);
  const std::string one = etsiValidationReport(r, kNow);
  const Doc doc1 = requireReport(one);
  requireSchemaValid(doc1.get(), one);
  Query q1(doc1.get());
  BOOST_TEST(q1.str(kSvr + "/vr:ValidationTimeInfo/vr:ValidationTime") == isoTime(kNow));
  BOOST_TEST(q1.count(kSvr + "/vr:SignatureAttributes") == 0);
}

BOOST_AUTO_TEST_CASE(cli_format_etsi) {
  const fs::path file = test::corpusDir() / "cades/dss/Signature-C-B-LTA-10.p7m";
  BOOST_REQUIRE_MESSAGE(fs::is_regular_file(file), file.string());
  const auto text = test::cli({"verify", "--offline", file.string()});
  const auto etsi = test::cli({"verify", "--offline", "--format", "etsi", file.string()});
  BOOST_TEST(etsi.exitCode == text.exitCode, etsi.err);
  const Doc doc = requireReport(etsi.out);
  requireSchemaValid(doc.get(), etsi.out);
  Query q(doc.get());
  BOOST_TEST(q.count(kSvr) == 1);

  // No signature: exit 3 as for text, and still well-formed XML.
  test::TempDir dir;
  test::writeFile(dir / "plain.txt", "no signature here\n");
  const auto none = test::cli({"verify", "--format", "etsi", (dir / "plain.txt").string()});
  BOOST_TEST(none.exitCode == 3);
  const Doc empty = requireReport(none.out);
  BOOST_TEST(Query(empty.get()).count(kSvr) == 0);

  // The choice is offered and anything else is a usage error.
  const auto help = test::cli({"verify", "--help"});
  BOOST_TEST(help.out.find("etsi") != std::string::npos);
  BOOST_TEST(test::cli({"verify", "--format", "pdf", file.string()}).exitCode == 64);
}

BOOST_AUTO_TEST_SUITE_END()
