// cloud/: the demo certification authority (ca.h): the CA folder, the
// certificate profiles (checked field by field with OpenSSL's API and by
// `openssl verify`), revocation with the CRL and the OCSP responder (checked
// with `openssl crl` and `openssl ocsp`), hostile OCSP input and threads.
#include <boost/test/unit_test.hpp>

#include "base_printers.h"
#include "test_support.h"

#include <securedoc/cloud/ca.h>
#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>

#include <openssl/err.h>

#include <sys/stat.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace securedoc;
using namespace securedoc::cloud;
using securedoc::test::hasCategory;
using securedoc::test::requireTool;
using securedoc::test::run;
using securedoc::test::TempDir;
namespace fs = std::filesystem;

namespace {

using X509Crl = ossl::Ptr<X509_CRL, X509_CRL_free>;
using OcspRequest = ossl::Ptr<OCSP_REQUEST, OCSP_REQUEST_free>;
using OcspResponse = ossl::Ptr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using OcspBasicResp = ossl::Ptr<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using OcspCertId = ossl::Ptr<OCSP_CERTID, OCSP_CERTID_free>;
using BasicConstraints = ossl::Ptr<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;
using CrlDistPoints = ossl::Ptr<CRL_DIST_POINTS, CRL_DIST_POINTS_free>;
using GeneralNames = ossl::Ptr<GENERAL_NAMES, GENERAL_NAMES_free>;
using Asn1Enumerated = ossl::Ptr<ASN1_ENUMERATED, ASN1_ENUMERATED_free>;
inline void freeStrings(STACK_OF(OPENSSL_STRING) * s) { X509_email_free(s); }
using StringStack = ossl::Ptr<STACK_OF(OPENSSL_STRING), freeStrings>;

const std::string kOcspUrl = "http://127.0.0.1:8443/ocsp";
const std::string kCrlUrl = "http://127.0.0.1:8443/crl";
constexpr std::int64_t kDay = 86400;

void needOpenssl() { requireTool("openssl", "the Debian package openssl"); }

/// Root and issuing CA keys take a second or two to generate: one CA is made
/// per run and each test works on its own copy (which also exercises open()).
const fs::path& templateCa() {
  static TempDir dir;
  static const fs::path ca = [] {
    const fs::path p = dir / "ca";
    DemoCa::create(p, "SecureDoc Test");
    return p;
  }();
  return ca;
}

DemoCa freshCa(const TempDir& tmp) {
  const fs::path target = tmp / "ca";
  fs::copy(templateCa(), target, fs::copy_options::recursive);
  return DemoCa::open(target);
}

Bytes spkiOf(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  ossl::Bytes owned(der);
  BOOST_TEST_REQUIRE(len > 0);
  return Bytes(der, der + len);
}

ossl::EvpPkey p256() { return ossl::EvpPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }
ossl::EvpPkey rsa(std::size_t bits) { return ossl::EvpPkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits)); }

SubjectFields zofia() {
  return {"Zofia", "Żółkiewska", "PNOPL-90010112345", "PL", "Przykład Sp. z o.o.", "zofia@example.org"};
}

void writeBytes(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void writePem(const fs::path& p, const std::vector<Certificate>& certs) {
  ossl::Bio bio(BIO_new_file(p.c_str(), "w"));
  BOOST_TEST_REQUIRE(bool(bio));
  for (const auto& c : certs) BOOST_TEST_REQUIRE(PEM_write_bio_X509(bio.get(), c.native()) == 1);
}

/// root.pem, issuing.pem, chain.pem (issuing + root) in `tmp`.
void writeCaFiles(const DemoCa& ca, const TempDir& tmp) {
  writePem(tmp / "root.pem", {ca.root()});
  writePem(tmp / "issuing.pem", {ca.issuing()});
  writePem(tmp / "chain.pem", {ca.issuing(), ca.root()});
}

std::string both(const test::RunResult& r) { return r.out + r.err; }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

unsigned fileMode(const fs::path& p) {
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

bool critical(X509* cert, int nid) {
  const int i = X509_get_ext_by_NID(cert, nid, -1);
  return i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, i)) == 1;
}

bool sameOctets(const ASN1_OCTET_STRING* a, const ASN1_OCTET_STRING* b) {
  return a && b && ASN1_OCTET_STRING_cmp(a, b) == 0;
}

bool timeIs(const ASN1_TIME* t, std::int64_t expected) {
  return t && ASN1_TIME_cmp_time_t(t, static_cast<time_t>(expected)) == 0;
}

/// An OCSP request for `certs` (all from `issuer`), SHA-1 CertIDs unless told.
OcspRequest ocspRequest(const std::vector<Certificate>& certs, const Certificate& issuer, bool nonce,
                        const EVP_MD* md = EVP_sha1()) {
  OcspRequest req(OCSP_REQUEST_new());
  BOOST_TEST_REQUIRE(bool(req));
  for (const auto& c : certs) {
    OCSP_CERTID* id = OCSP_cert_to_id(md, c.native(), issuer.native());
    BOOST_TEST_REQUIRE(id != nullptr);
    BOOST_TEST_REQUIRE(OCSP_request_add0_id(req.get(), id) != nullptr);
  }
  if (nonce) BOOST_TEST_REQUIRE(OCSP_request_add1_nonce(req.get(), nullptr, -1) == 1);
  return req;
}

Bytes derOf(OCSP_REQUEST* req) {
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_REQUEST(req, &der);
  ossl::Bytes owned(der);
  BOOST_TEST_REQUIRE(len > 0);
  return Bytes(der, der + len);
}

OcspResponse parseResponse(const Bytes& der) {
  const unsigned char* p = der.data();
  OcspResponse resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
  BOOST_TEST_REQUIRE(bool(resp), "the answer is a DER OCSPResponse");
  BOOST_TEST_REQUIRE(p == der.data() + der.size());
  return resp;
}

struct SingleStatus {
  int status = -1;
  int reason = -1;
  std::int64_t revokedAt = -1;
  bool thisUpdateIsNow = false;
  bool nextUpdateIsTomorrow = false;
};

SingleStatus statusOf(OCSP_BASICRESP* basic, const Certificate& cert, const Certificate& issuer, std::int64_t now,
                      const EVP_MD* md = EVP_sha1()) {
  OcspCertId id(OCSP_cert_to_id(md, cert.native(), issuer.native()));
  SingleStatus s;
  ASN1_GENERALIZEDTIME *rev = nullptr, *thisUpd = nullptr, *nextUpd = nullptr;
  if (OCSP_resp_find_status(basic, id.get(), &s.status, &s.reason, &rev, &thisUpd, &nextUpd) != 1) return s;
  if (rev) {
    int days = 0, secs = 0;
    ossl::Asn1Time epoch(ASN1_TIME_set(nullptr, 0));
    ASN1_TIME_diff(&days, &secs, epoch.get(), rev);
    s.revokedAt = std::int64_t{days} * kDay + secs;
  }
  s.thisUpdateIsNow = timeIs(thisUpd, now);
  s.nextUpdateIsTomorrow = timeIs(nextUpd, now + kDay);
  return s;
}

int revokedCount(X509_CRL* crl) {
  const STACK_OF(X509_REVOKED)* entries = X509_CRL_get_REVOKED(crl);
  return entries ? sk_X509_REVOKED_num(entries) : 0;  // no entries: no list at all
}

X509Crl parseCrl(const Bytes& der) {
  const unsigned char* p = der.data();
  X509Crl crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  BOOST_TEST_REQUIRE(bool(crl), "the CRL is DER");
  return crl;
}

void writeCrlPem(const fs::path& p, const Bytes& der) {
  X509Crl crl = parseCrl(der);
  ossl::Bio bio(BIO_new_file(p.c_str(), "w"));
  BOOST_TEST_REQUIRE(PEM_write_bio_X509_CRL(bio.get(), crl.get()) == 1);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cloud_ca)

BOOST_AUTO_TEST_CASE(a_created_ca_opens_again_with_the_same_certificates_and_private_keys) {
  needOpenssl();
  const TempDir tmp;
  const fs::path dir = tmp / "new" / "ca";
  const DemoCa made = DemoCa::create(dir, "Round Trip");
  for (const char* f :
       {"root-ca.pem", "root-ca.key", "issuing-ca.pem", "issuing-ca.key", "revoked.txt", "issued.txt"}) {
    BOOST_TEST_CONTEXT(f) { BOOST_TEST(fs::is_regular_file(dir / f)); }
  }
  BOOST_TEST(fileMode(dir / "root-ca.key") == 0600u, "root key 0600");
  BOOST_TEST(fileMode(dir / "issuing-ca.key") == 0600u, "issuing key 0600");

  const Certificate root = made.root();
  const Certificate issuing = made.issuing();
  BOOST_TEST(root.subject() == "CN=Round Trip Root CA,O=Round Trip,C=PL");
  BOOST_TEST(issuing.subject() == "CN=Round Trip Issuing CA,O=Round Trip,C=PL");
  BOOST_TEST(root.keyType() == "RSA-3072");
  BOOST_TEST(issuing.keyType() == "RSA-2048");
  BOOST_TEST(root.isCa());
  BOOST_TEST(root.selfIssued());
  BOOST_TEST(issuing.isCa());
  BOOST_TEST(X509_get_pathlen(issuing.native()) == 0L, "issuing CA pathlen:0");
  BOOST_TEST(X509_get_pathlen(root.native()) == -1L, "root CA without a path length limit");
  BOOST_TEST(critical(issuing.native(), NID_basic_constraints));
  BOOST_TEST(X509_get_key_usage(issuing.native()) == std::uint32_t{KU_KEY_CERT_SIGN | KU_CRL_SIGN});
  BOOST_TEST(root.notAfter() - root.notBefore() == 3650 * kDay, "root: 10 years to the second");
  BOOST_TEST(issuing.notAfter() - issuing.notBefore() == 3285 * kDay, "issuing: 9 years to the second");
  BOOST_TEST(sameOctets(X509_get0_authority_key_id(issuing.native()), X509_get0_subject_key_id(root.native())),
             "issuing AKI = root SKI");

  const DemoCa opened = DemoCa::open(dir);
  BOOST_TEST((opened.root() == root));
  BOOST_TEST((opened.issuing() == issuing));

  writeCaFiles(opened, tmp);
  const auto verify =
      run({"openssl", "verify", "-CAfile", (tmp / "root.pem").string(), (tmp / "issuing.pem").string()});
  BOOST_TEST(verify.exitCode == 0, both(verify));

  BOOST_CHECK_EXCEPTION(DemoCa::create(dir, "Again"), Error, hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_CASE(opening_a_folder_that_holds_no_ca_is_a_clean_error) {
  const TempDir tmp;
  BOOST_CHECK_EXCEPTION(DemoCa::open(tmp / "missing"), Error, hasCategory(Category::Io));
  fs::create_directory(tmp / "empty");
  BOOST_CHECK_EXCEPTION(DemoCa::open(tmp / "empty"), Error, hasCategory(Category::Io));

  const fs::path garbage = tmp / "garbage";
  fs::create_directory(garbage);
  for (const char* f :
       {"root-ca.pem", "root-ca.key", "issuing-ca.pem", "issuing-ca.key", "revoked.txt", "issued.txt"}) {
    test::writeFile(garbage / f, "this is not a certification authority\n");
    fs::permissions(garbage / f, fs::perms::owner_read | fs::perms::owner_write);
  }
  BOOST_CHECK_EXCEPTION(DemoCa::open(garbage), Error, hasCategory(Category::Malformed));

  // Real files, but a key another user may read: refused, not used.
  const DemoCa ca = freshCa(tmp);
  fs::permissions(tmp / "ca" / "issuing-ca.key", fs::perms::group_read, fs::perm_options::add);
  BOOST_CHECK_EXCEPTION(DemoCa::open(tmp / "ca"), Error, hasCategory(Category::Policy));
  fs::permissions(tmp / "ca" / "issuing-ca.key", fs::perms::group_read, fs::perm_options::remove);

  // Keys swapped: each belongs to the other certificate.
  fs::rename(tmp / "ca" / "root-ca.key", tmp / "ca" / "tmp.key");
  fs::rename(tmp / "ca" / "issuing-ca.key", tmp / "ca" / "root-ca.key");
  fs::rename(tmp / "ca" / "tmp.key", tmp / "ca" / "issuing-ca.key");
  BOOST_CHECK_EXCEPTION(DemoCa::open(tmp / "ca"), Error, hasCategory(Category::Malformed));
  fs::rename(tmp / "ca" / "root-ca.key", tmp / "ca" / "tmp.key");
  fs::rename(tmp / "ca" / "issuing-ca.key", tmp / "ca" / "root-ca.key");
  fs::rename(tmp / "ca" / "tmp.key", tmp / "ca" / "issuing-ca.key");

  // A damaged revocation list is found at open().
  test::writeFile(tmp / "ca" / "revoked.txt", "0A1B not-a-time 1\n");
  BOOST_CHECK_EXCEPTION(DemoCa::open(tmp / "ca"), Error, hasCategory(Category::Malformed));
  test::writeFile(tmp / "ca" / "revoked.txt", "");
  BOOST_CHECK_NO_THROW(DemoCa::open(tmp / "ca"));
}

BOOST_AUTO_TEST_CASE(signer_certificates_for_p256_and_rsa_keys_have_the_qualified_profile) {
  needOpenssl();
  const TempDir tmp;
  DemoCa ca = freshCa(tmp);
  writeCaFiles(ca, tmp);
  const Certificate issuing = ca.issuing();

  ossl::EvpPkey ecKey = p256();
  ossl::EvpPkey rsaKey = rsa(2048);
  BOOST_TEST_REQUIRE((ecKey && rsaKey));
  for (EVP_PKEY* key : {ecKey.get(), rsaKey.get()}) {
    const bool ec = key == ecKey.get();
    BOOST_TEST_CONTEXT((ec ? "P-256" : "RSA-2048")) {
      const Bytes spki = spkiOf(key);
      const std::time_t before = std::time(nullptr);
      const Certificate cert = ca.issueSigner(spki, zofia(), 730, kOcspUrl, kCrlUrl);
      const std::time_t after = std::time(nullptr);
      X509* x = cert.native();

      // Subject (ETSI EN 319 412-2 §4.2.4), in the order of make-demo-pki.sh.
      using Field = std::pair<std::string, std::string>;
      const std::vector<Field> expected{
          {"C", "PL"},     {"O", "Przykład Sp. z o.o."}, {"serialNumber", "PNOPL-90010112345"}, {"SN", "Żółkiewska"},
          {"GN", "Zofia"}, {"CN", "Zofia Żółkiewska"}};
      BOOST_TEST((cert.subjectFields() == expected));
      const X509_NAME* name = X509_get_subject_name(x);
      for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
        const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
        const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
        const int type = ASN1_STRING_type(X509_NAME_ENTRY_get_data(e));
        BOOST_TEST_CONTEXT(OBJ_nid2sn(nid)) {
          // RFC 5280 appendix A: countryName and serialNumber are PrintableString.
          const bool printable = nid == NID_countryName || nid == NID_serialNumber;
          BOOST_TEST(type == (printable ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING));
        }
      }
      BOOST_TEST(cert.issuer() == issuing.subject());

      BOOST_TEST(X509_get_version(x) == 2L, "v3");
      const ASN1_INTEGER* serial = X509_get0_serialNumber(x);
      BOOST_TEST(ASN1_STRING_length(serial) == 16, "16-byte serial");
      BOOST_TEST(ASN1_STRING_type(serial) == V_ASN1_INTEGER, "positive serial");
      BOOST_TEST(X509_get_signature_nid(x) == NID_sha256WithRSAEncryption);
      BOOST_TEST(spkiOf(X509_get0_pubkey(x)) == spki, "the certified key is the given one");
      BOOST_TEST(cert.notBefore() >= before);
      BOOST_TEST(cert.notBefore() <= after);
      BOOST_TEST(cert.notAfter() - cert.notBefore() == 730 * kDay, "730 days to the second");

      int crit = -1;
      BasicConstraints bc(static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(x, NID_basic_constraints, &crit, nullptr)));
      BOOST_TEST_REQUIRE(bool(bc));
      BOOST_TEST(crit == 1, "basicConstraints critical");
      BOOST_TEST(bc->ca == 0, "CA:FALSE");

      BOOST_TEST(critical(x, NID_key_usage), "keyUsage critical");
      BOOST_TEST(X509_get_key_usage(x) == std::uint32_t{KU_NON_REPUDIATION}, "keyUsage is nonRepudiation only");
      BOOST_TEST(cert.allowsNonRepudiation());
      BOOST_TEST((cert.policies() == std::vector<std::string>{"0.4.0.194112.1.2"}), "QCP-n-qscd");
      BOOST_TEST(!critical(x, NID_certificate_policies));

      // qcStatements, encoded by hand here: SEQUENCE { SEQUENCE { id-etsi-qcs-QcCompliance },
      // SEQUENCE { id-etsi-qcs-QcSSCD } }.
      const Bytes qcExpected{0x30, 0x14, 0x30, 0x08, 0x06, 0x06, 0x04, 0x00, 0x8E, 0x46, 0x01,
                             0x01, 0x30, 0x08, 0x06, 0x06, 0x04, 0x00, 0x8E, 0x46, 0x01, 0x04};
      const int qc = X509_get_ext_by_NID(x, NID_qcStatements, -1);
      BOOST_TEST_REQUIRE(qc >= 0, "qcStatements present");
      const ASN1_OCTET_STRING* qcValue = X509_EXTENSION_get_data(X509_get_ext(x, qc));
      const Bytes qcActual(ASN1_STRING_get0_data(qcValue),
                           ASN1_STRING_get0_data(qcValue) + ASN1_STRING_length(qcValue));
      BOOST_TEST(qcActual == qcExpected, "QcCompliance and QcSSCD");
      BOOST_TEST(!critical(x, NID_qcStatements));

      unsigned char keyHash[EVP_MAX_MD_SIZE];
      unsigned int keyHashLen = 0;
      BOOST_TEST_REQUIRE(X509_pubkey_digest(x, EVP_sha1(), keyHash, &keyHashLen) == 1);
      const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(x);
      BOOST_TEST_REQUIRE(ski != nullptr, "SKI present");
      BOOST_TEST(Bytes(ASN1_STRING_get0_data(ski), ASN1_STRING_get0_data(ski) + ASN1_STRING_length(ski)) ==
                     Bytes(keyHash, keyHash + keyHashLen),
                 "SKI is the SHA-1 of the key (RFC 5280 §4.2.1.2 method 1)");
      BOOST_TEST(sameOctets(X509_get0_authority_key_id(x), X509_get0_subject_key_id(issuing.native())),
                 "AKI = issuing CA's SKI");

      StringStack ocsp(X509_get1_ocsp(x));
      BOOST_TEST_REQUIRE(sk_OPENSSL_STRING_num(ocsp.get()) == 1);
      BOOST_TEST(std::string(sk_OPENSSL_STRING_value(ocsp.get(), 0)) == kOcspUrl, "AIA OCSP");

      CrlDistPoints dps(
          static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(x, NID_crl_distribution_points, nullptr, nullptr)));
      BOOST_TEST_REQUIRE(sk_DIST_POINT_num(dps.get()) == 1);
      const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), 0);
      BOOST_TEST_REQUIRE((dp->distpoint && dp->distpoint->type == 0));
      const GENERAL_NAME* dpName = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0);
      BOOST_TEST_REQUIRE(dpName->type == GEN_URI);
      const std::string dpUrl(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dpName->d.uniformResourceIdentifier)),
                              static_cast<std::size_t>(ASN1_STRING_length(dpName->d.uniformResourceIdentifier)));
      BOOST_TEST(dpUrl == kCrlUrl, "CRL distribution point");

      GeneralNames san(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
      BOOST_TEST_REQUIRE(sk_GENERAL_NAME_num(san.get()) == 1);
      const GENERAL_NAME* mail = sk_GENERAL_NAME_value(san.get(), 0);
      BOOST_TEST_REQUIRE(mail->type == GEN_EMAIL, "rfc822Name");
      BOOST_TEST(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(mail->d.rfc822Name))) ==
                 "zofia@example.org");

      const fs::path pem = tmp / (ec ? "signer-ec.pem" : "signer-rsa.pem");
      writePem(pem, {cert});
      const auto verify = run({"openssl", "verify", "-CAfile", (tmp / "root.pem").string(), "-untrusted",
                               (tmp / "issuing.pem").string(), pem.string()});
      BOOST_TEST(verify.exitCode == 0, both(verify));
      const auto text = run({"openssl", "x509", "-in", pem.string(), "-noout", "-text"});
      BOOST_TEST(contains(text.out, "0.4.0.194112.1.2"), text.out);
    }
  }

  // Optional parts left out when not given.
  SubjectFields bare = zofia();
  bare.organisation.clear();
  bare.email.clear();
  const Certificate plain = ca.issueSigner(spkiOf(ecKey.get()), bare, 1, "", "");
  BOOST_TEST(plain.subjectField("O").empty());
  BOOST_TEST(X509_get_ext_by_NID(plain.native(), NID_subject_alt_name, -1) < 0, "no SAN without e-mail");
  BOOST_TEST(X509_get_ext_by_NID(plain.native(), NID_info_access, -1) < 0, "no AIA without URL");
  BOOST_TEST(X509_get_ext_by_NID(plain.native(), NID_crl_distribution_points, -1) < 0, "no CRL DP without URL");
  BOOST_TEST(plain.notAfter() - plain.notBefore() == kDay);
  BOOST_TEST(plain.serialHex() != ca.issueSigner(spkiOf(ecKey.get()), bare, 1, "", "").serialHex(), "serials differ");

  // A validity past the issuing CA's own end is cut to it.
  const Certificate longLived = ca.issueSigner(spkiOf(ecKey.get()), bare, 20 * 366, "", "");
  BOOST_TEST(longLived.notAfter() == issuing.notAfter());
}

BOOST_AUTO_TEST_CASE(bad_signer_requests_are_refused_with_the_reason) {
  const TempDir tmp;
  DemoCa ca = freshCa(tmp);
  ossl::EvpPkey key = p256();
  const Bytes spki = spkiOf(key.get());

  Bytes trailing = spki;
  trailing.push_back(0);
  BOOST_CHECK_EXCEPTION(ca.issueSigner({}, zofia(), 30, "", ""), Error, hasCategory(Category::Malformed));
  BOOST_CHECK_EXCEPTION(ca.issueSigner(Bytes{1, 2, 3}, zofia(), 30, "", ""), Error, hasCategory(Category::Malformed));
  BOOST_CHECK_EXCEPTION(ca.issueSigner(trailing, zofia(), 30, "", ""), Error, hasCategory(Category::Malformed));
  ossl::EvpPkey weak = rsa(1024);
  BOOST_CHECK_EXCEPTION(ca.issueSigner(spkiOf(weak.get()), zofia(), 30, "", ""), Error,
                        hasCategory(Category::Unsupported));
  BOOST_CHECK_EXCEPTION(ca.issueSigner(spki, zofia(), 0, "", ""), Error, hasCategory(Category::Usage));

  SubjectFields s = zofia();
  s.givenName.clear();
  BOOST_CHECK_EXCEPTION(ca.issueSigner(spki, s, 30, "", ""), Error, hasCategory(Category::Usage));
  s = zofia();
  s.country = "Poland";
  BOOST_CHECK_EXCEPTION(ca.issueSigner(spki, s, 30, "", ""), Error, hasCategory(Category::Usage));
  s = zofia();
  s.serialNumber = "PNOPL_9001*";  // '_' and '*' are not in PrintableString
  BOOST_CHECK_EXCEPTION(ca.issueSigner(spki, s, 30, "", ""), Error, hasCategory(Category::Usage));
  s = zofia();
  s.surname = "\xC3\x28";  // not UTF-8
  BOOST_CHECK_EXCEPTION(ca.issueSigner(spki, s, 30, "", ""), Error, hasCategory(Category::Usage));
  s = zofia();
  s.email = "zofia@example.org,DNS:evil.example";
  BOOST_CHECK_EXCEPTION(ca.issueSigner(spki, s, 30, "", ""), Error, hasCategory(Category::Usage));
  BOOST_CHECK_EXCEPTION(ca.issueSigner(spki, zofia(), 30, "ftp://x/ocsp", ""), Error, hasCategory(Category::Usage));
  BOOST_CHECK_EXCEPTION(ca.issueSigner(spki, zofia(), 30, "", "http://a b/crl"), Error, hasCategory(Category::Usage));
  BOOST_TEST(ERR_peek_error() == 0UL, "no OpenSSL errors left behind");
}

BOOST_AUTO_TEST_CASE(the_tls_server_certificate_serves_127_0_0_1_and_localhost) {
  needOpenssl();
  const TempDir tmp;
  DemoCa ca = freshCa(tmp);
  writeCaFiles(ca, tmp);
  const fs::path cert = tmp / "tls" / "server.pem";
  const fs::path key = tmp / "tls" / "server.key";
  fs::create_directory(tmp / "tls");
  ca.issueTlsServer(cert, key);
  BOOST_TEST(fileMode(key) == 0600u, "TLS key 0600");
  BOOST_TEST(test::listDir(tmp / "tls") == (std::vector<std::string>{"server.key", "server.pem"}),
             "no temporary files left");

  const std::string root = (tmp / "root.pem").string();
  const auto verify =
      run({"openssl", "verify", "-purpose", "sslserver", "-verify_ip", "127.0.0.1", "-CAfile", root, cert.string()});
  BOOST_TEST(verify.exitCode == 0, both(verify));
  const auto byName = run(
      {"openssl", "verify", "-purpose", "sslserver", "-verify_hostname", "localhost", "-CAfile", root, cert.string()});
  BOOST_TEST(byName.exitCode == 0, both(byName));
  const auto other = run({"openssl", "verify", "-purpose", "sslserver", "-verify_hostname", "example.org", "-CAfile",
                          root, cert.string()});
  BOOST_TEST(other.exitCode != 0, "another host name is refused: " + both(other));

  const auto ip = run({"openssl", "x509", "-in", cert.string(), "-noout", "-checkip", "127.0.0.1"});
  BOOST_TEST(contains(ip.out, "does match certificate"), ip.out);
  const auto host = run({"openssl", "x509", "-in", cert.string(), "-noout", "-checkhost", "localhost"});
  BOOST_TEST(contains(host.out, "does match certificate"), host.out);

  const Certificate tls = Certificate::loadFile(cert).at(0);
  BOOST_TEST(tls.isEcKey());
  BOOST_TEST((tls.extendedKeyUsage() == std::vector<std::string>{"serverAuth"}));
  BOOST_TEST(tls.issuer() == ca.root().subject(), "signed by the root");
  ossl::Bio keyBio(BIO_new_file(key.c_str(), "r"));
  ossl::EvpPkey pkey(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
  BOOST_TEST_REQUIRE(bool(pkey));
  BOOST_TEST(X509_check_private_key(tls.native(), pkey.get()) == 1, "key and certificate belong together");

  // Issuing again replaces both files.
  ca.issueTlsServer(cert, key);
  BOOST_TEST(!(Certificate::loadFile(cert).at(0) == tls));
  BOOST_TEST(fileMode(key) == 0600u);
}

BOOST_AUTO_TEST_CASE(the_tsa_certificate_verifies_for_time_stamping_and_serves_the_tsa) {
  needOpenssl();
  const TempDir tmp;
  DemoCa ca = freshCa(tmp);
  writeCaFiles(ca, tmp);
  const fs::path cert = tmp / "tsa.pem";
  const fs::path key = tmp / "tsa.key";
  ca.issueTsa(cert, key);
  BOOST_TEST(fileMode(key) == 0600u, "TSA key 0600");
  const auto verify = run({"openssl", "verify", "-purpose", "timestampsign", "-CAfile", (tmp / "root.pem").string(),
                           "-untrusted", (tmp / "issuing.pem").string(), cert.string()});
  BOOST_TEST(verify.exitCode == 0, both(verify));

  const Certificate tsa = Certificate::loadFile(cert).at(0);
  BOOST_TEST(critical(tsa.native(), NID_ext_key_usage), "RFC 3161 §2.3: EKU critical");
  BOOST_TEST((tsa.extendedKeyUsage() == std::vector<std::string>{"timeStamping"}));
  BOOST_TEST(tsa.keyType() == "RSA-2048");
  BOOST_TEST(tsa.commonName() == "SecureDoc Test TSA");
  // The service's TSA accepts it (it refuses a certificate that may not time-stamp).
  BOOST_CHECK_NO_THROW(TsaResponder(cert, key, {tmp / "chain.pem"}));
}

BOOST_AUTO_TEST_CASE(the_crl_lists_revoked_certificates_with_time_and_reason) {
  needOpenssl();
  const TempDir tmp;
  DemoCa ca = freshCa(tmp);
  writeCaFiles(ca, tmp);
  ossl::EvpPkey key = p256();
  const Certificate revoked = ca.issueSigner(spkiOf(key.get()), zofia(), 365, kOcspUrl, kCrlUrl);
  const Certificate unspecified = ca.issueSigner(spkiOf(key.get()), zofia(), 365, kOcspUrl, kCrlUrl);
  const Certificate kept = ca.issueSigner(spkiOf(key.get()), zofia(), 365, kOcspUrl, kCrlUrl);
  writePem(tmp / "revoked.pem", {revoked});
  writePem(tmp / "kept.pem", {kept});

  const std::int64_t now = std::time(nullptr);
  {
    const X509Crl empty = parseCrl(ca.crl(now));
    BOOST_TEST(revokedCount((empty.get())) == 0);
  }

  ca.revoke(revoked, 1 /* keyCompromise */, now - 3600);
  ca.revoke(unspecified, 0, now - 60);
  ca.revoke(revoked, 4, now);  // already revoked: the first revocation stands

  const Bytes der = ca.crl(now);
  const X509Crl crl = parseCrl(der);
  BOOST_TEST(X509_CRL_get_version(crl.get()) == 1L, "v2 CRL");
  BOOST_TEST(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.issuing().native())) == 0);
  BOOST_TEST(timeIs(X509_CRL_get0_lastUpdate(crl.get()), now), "thisUpdate = now");
  BOOST_TEST(timeIs(X509_CRL_get0_nextUpdate(crl.get()), now + kDay), "nextUpdate = now + 1 day");
  BOOST_TEST(revokedCount((crl.get())) == 2);
  BOOST_TEST(X509_CRL_get_ext_by_NID(crl.get(), NID_crl_number, -1) >= 0, "cRLNumber (RFC 5280 §5.2.3)");

  X509_REVOKED* entry = nullptr;
  BOOST_TEST_REQUIRE(X509_CRL_get0_by_serial(crl.get(), &entry, X509_get0_serialNumber(revoked.native())) == 1);
  BOOST_TEST(timeIs(X509_REVOKED_get0_revocationDate(entry), now - 3600), "revocation time");
  Asn1Enumerated reason(
      static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)));
  BOOST_TEST_REQUIRE(bool(reason));
  BOOST_TEST(ASN1_ENUMERATED_get(reason.get()) == 1L, "keyCompromise");
  BOOST_TEST_REQUIRE(X509_CRL_get0_by_serial(crl.get(), &entry, X509_get0_serialNumber(unspecified.native())) == 1);
  BOOST_TEST(X509_REVOKED_get_ext_by_NID(entry, NID_crl_reason, -1) < 0, "unspecified: no reasonCode (§5.3.1)");
  BOOST_TEST(X509_CRL_get0_by_serial(crl.get(), &entry, X509_get0_serialNumber(kept.native())) == 0);

  writeBytes(tmp / "crl.der", der);
  const auto check = run({"openssl", "crl", "-inform", "DER", "-in", (tmp / "crl.der").string(), "-CAfile",
                          (tmp / "chain.pem").string(), "-verify", "-noout", "-text"});
  BOOST_TEST(check.exitCode == 0, both(check));
  BOOST_TEST(contains(check.err, "verify OK"), check.err);
  BOOST_TEST(contains(check.out, "Serial Number: " + revoked.serialHex()), check.out);
  BOOST_TEST(contains(check.out, "Key Compromise"), check.out);

  writeCrlPem(tmp / "crl.pem", der);
  const std::vector<std::string> crlCheck{"openssl",
                                          "verify",
                                          "-crl_check",
                                          "-CAfile",
                                          (tmp / "root.pem").string(),
                                          "-untrusted",
                                          (tmp / "issuing.pem").string(),
                                          "-CRLfile",
                                          (tmp / "crl.pem").string()};
  auto args = crlCheck;
  args.push_back((tmp / "revoked.pem").string());
  const auto bad = run(args);
  BOOST_TEST(bad.exitCode != 0);
  BOOST_TEST(contains(both(bad), "certificate revoked"), both(bad));
  args = crlCheck;
  args.push_back((tmp / "kept.pem").string());
  const auto good = run(args);
  BOOST_TEST(good.exitCode == 0, both(good));

  BOOST_CHECK_EXCEPTION(ca.revoke(kept, 7, now), Error, hasCategory(Category::Usage));
  // The issuing CA is the root's to revoke (rootCrl); the root is no one's.
  BOOST_CHECK_EXCEPTION(ca.revoke(ca.root(), 1, now), Error, hasCategory(Category::Usage));
  const Certificate foreign = Certificate::loadFile(test::pkiDir() / "signer-ec.pem").at(0);
  BOOST_CHECK_EXCEPTION(ca.revoke(foreign, 1, now), Error, hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_CASE(ocsp_answers_good_then_revoked_for_openssl_requests) {
  needOpenssl();
  const TempDir tmp;
  DemoCa ca = freshCa(tmp);
  writeCaFiles(ca, tmp);
  ossl::EvpPkey key = rsa(2048);
  const Certificate signer = ca.issueSigner(spkiOf(key.get()), zofia(), 365, kOcspUrl, kCrlUrl);
  const fs::path pem = tmp / "signer.pem";
  writePem(pem, {signer});
  const std::string issuing = (tmp / "issuing.pem").string();

  const auto ask = [&](const std::string& name) {
    const fs::path req = tmp / (name + "-req.der");
    const fs::path resp = tmp / (name + "-resp.der");
    const auto made =
        run({"openssl", "ocsp", "-issuer", issuing, "-cert", pem.string(), "-reqout", req.string(), "-nonce"});
    BOOST_TEST_REQUIRE(made.exitCode == 0, both(made));
    const std::int64_t now = std::time(nullptr);
    const Bytes reqDer = readFile(req);
    const Bytes respDer = ca.ocspRespond(reqDer, now);
    writeBytes(resp, respDer);
    {
      // The nonce openssl put in the request comes back.
      const unsigned char* p = reqDer.data();
      OcspRequest parsed(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(reqDer.size())));
      OcspResponse answer = parseResponse(respDer);
      OcspBasicResp basic(OCSP_response_get1_basic(answer.get()));
      BOOST_TEST_REQUIRE((parsed && basic));
      BOOST_TEST(OCSP_check_nonce(parsed.get(), basic.get()) == 1, "nonce echoed");
    }
    // -cert makes openssl build a request of its own (with a new nonce
    // unless -no_nonce); -respin then checks the response against it.
    return run({"openssl", "ocsp", "-no_nonce", "-respin", resp.string(), "-issuer", issuing, "-VAfile", issuing,
                "-CAfile", (tmp / "root.pem").string(), "-cert", pem.string()});
  };

  const auto good = ask("good");
  BOOST_TEST(good.exitCode == 0, both(good));
  BOOST_TEST(contains(good.err, "Response verify OK"), both(good));
  BOOST_TEST(contains(good.out, pem.string() + ": good"), good.out);

  const std::int64_t revokedAt = std::time(nullptr) - 7200;
  ca.revoke(signer, 1, revokedAt);
  const auto revoked = ask("revoked");
  BOOST_TEST(revoked.exitCode == 0, both(revoked));
  BOOST_TEST(contains(revoked.err, "Response verify OK"), both(revoked));
  BOOST_TEST(contains(revoked.out, pem.string() + ": revoked"), revoked.out);
  BOOST_TEST(contains(revoked.out, "Reason: keyCompromise"), revoked.out);
  char when[64];
  const std::time_t t = static_cast<std::time_t>(revokedAt);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(when, sizeof when, "%b %e %H:%M:%S %Y GMT", &tm);
  BOOST_TEST(contains(revoked.out, std::string("Revocation Time: ") + when), revoked.out);
}

BOOST_AUTO_TEST_CASE(ocsp_echoes_the_nonce_and_knows_only_its_own_certificates) {
  const TempDir tmp;
  DemoCa ca = freshCa(tmp);
  const Certificate issuing = ca.issuing();
  ossl::EvpPkey key = p256();
  const Certificate good = ca.issueSigner(spkiOf(key.get()), zofia(), 365, kOcspUrl, kCrlUrl);
  const Certificate bad = ca.issueSigner(spkiOf(key.get()), zofia(), 365, kOcspUrl, kCrlUrl);
  const std::int64_t revokedAt = 1'700'000'000;
  ca.revoke(bad, 5 /* cessationOfOperation */, revokedAt);
  const std::int64_t now = std::time(nullptr);

  for (const EVP_MD* md : {EVP_sha1(), EVP_sha256()}) {
    BOOST_TEST_CONTEXT(EVP_MD_get0_name(md)) {
      OcspRequest req = ocspRequest({good, bad}, issuing, true, md);
      OcspResponse resp = parseResponse(ca.ocspRespond(derOf(req.get()), now));
      BOOST_TEST_REQUIRE(OCSP_response_status(resp.get()) == OCSP_RESPONSE_STATUS_SUCCESSFUL);
      OcspBasicResp basic(OCSP_response_get1_basic(resp.get()));
      BOOST_TEST_REQUIRE(bool(basic));
      BOOST_TEST(OCSP_check_nonce(req.get(), basic.get()) == 1, "nonce echoed");
      BOOST_TEST(OCSP_resp_count(basic.get()) == 2);

      ossl::X509Store store(X509_STORE_new());
      X509_STORE_add_cert(store.get(), ca.root().native());
      ossl::BorrowedX509Stack untrusted(sk_X509_new_null());
      sk_X509_push(untrusted.get(), issuing.native());
      BOOST_TEST(OCSP_basic_verify(basic.get(), untrusted.get(), store.get(), 0) == 1,
                 "signed by the issuing CA, chains to the root");

      const SingleStatus g = statusOf(basic.get(), good, issuing, now, md);
      BOOST_TEST(g.status == V_OCSP_CERTSTATUS_GOOD);
      BOOST_TEST(g.thisUpdateIsNow);
      BOOST_TEST(g.nextUpdateIsTomorrow);
      const SingleStatus r = statusOf(basic.get(), bad, issuing, now, md);
      BOOST_TEST(r.status == V_OCSP_CERTSTATUS_REVOKED);
      BOOST_TEST(r.reason == 5);
      BOOST_TEST(r.revokedAt == revokedAt);
    }
  }

  // No nonce asked, none sent.
  {
    OcspRequest req = ocspRequest({good}, issuing, false);
    OcspResponse resp = parseResponse(ca.ocspRespond(derOf(req.get()), now));
    OcspBasicResp basic(OCSP_response_get1_basic(resp.get()));
    BOOST_TEST_REQUIRE(bool(basic));
    BOOST_TEST(OCSP_check_nonce(req.get(), basic.get()) == 2, "no nonce either side");
  }

  // Another CA's certificate (the test PKI), and a serial this CA never issued.
  const Certificate foreign = Certificate::loadFile(test::pkiDir() / "signer-ec.pem").at(0);
  const Certificate foreignIssuer = Certificate::loadFile(test::pkiDir() / "issuing-ca.pem").at(0);
  OcspRequest req = ocspRequest({foreign}, foreignIssuer, true);
  ossl::Asn1Integer neverIssued(ASN1_INTEGER_new());
  ASN1_INTEGER_set(neverIssued.get(), 12345);
  OCSP_CERTID* madeUp = OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(issuing.native()),
                                         X509_get0_pubkey_bitstr(issuing.native()), neverIssued.get());
  OcspCertId madeUpCopy(OCSP_CERTID_dup(madeUp));
  OCSP_request_add0_id(req.get(), madeUp);
  OcspResponse resp = parseResponse(ca.ocspRespond(derOf(req.get()), now));
  BOOST_TEST_REQUIRE(OCSP_response_status(resp.get()) == OCSP_RESPONSE_STATUS_SUCCESSFUL);
  OcspBasicResp basic(OCSP_response_get1_basic(resp.get()));
  BOOST_TEST(statusOf(basic.get(), foreign, foreignIssuer, now).status == V_OCSP_CERTSTATUS_UNKNOWN,
             "another CA's certificate is unknown");
  int status = -1, reason = -1;
  BOOST_TEST_REQUIRE(
      OCSP_resp_find_status(basic.get(), madeUpCopy.get(), &status, &reason, nullptr, nullptr, nullptr) == 1);
  BOOST_TEST(status == V_OCSP_CERTSTATUS_UNKNOWN, "a serial never issued is unknown");
  BOOST_TEST(OCSP_check_nonce(req.get(), basic.get()) == 1);
}

BOOST_AUTO_TEST_CASE(malformed_ocsp_requests_get_malformed_request_not_an_exception) {
  const TempDir tmp;
  DemoCa ca = freshCa(tmp);
  ossl::EvpPkey key = p256();
  const Certificate signer = ca.issueSigner(spkiOf(key.get()), zofia(), 365, "", "");
  OcspRequest req = ocspRequest({signer}, ca.issuing(), true);
  const Bytes valid = derOf(req.get());

  Bytes truncated(valid.begin(), valid.end() - 1);
  Bytes trailing = valid;
  trailing.push_back(0);
  const std::string text = "GET /ocsp HTTP/1.1";
  OcspRequest none(OCSP_REQUEST_new());  // a well-formed request asking about nothing
  const std::vector<std::pair<std::string, Bytes>> inputs{
      {"empty", {}},
      {"truncated", truncated},
      {"trailing byte", trailing},
      {"garbage", Bytes(text.begin(), text.end())},
      {"1 MB of zeros", Bytes(1u << 20, 0)},
      {"a certificate", signer.der()},
      {"no requests", derOf(none.get())},
  };
  const std::int64_t now = std::time(nullptr);
  for (const auto& [what, input] : inputs) {
    BOOST_TEST_CONTEXT(what) {
      Bytes answer;
      BOOST_CHECK_NO_THROW(answer = ca.ocspRespond(input, now));
      BOOST_TEST(ERR_peek_error() == 0UL, "no OpenSSL errors left behind");
      OcspResponse resp = parseResponse(answer);
      BOOST_TEST(OCSP_response_status(resp.get()) == OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
      BOOST_TEST(OCSP_response_get1_basic(resp.get()) == nullptr, "no responseBytes");
      ERR_clear_error();  // OCSP_response_get1_basic says why it found none
    }
  }
  OcspResponse ok = parseResponse(ca.ocspRespond(valid, now));
  BOOST_TEST(OCSP_response_status(ok.get()) == OCSP_RESPONSE_STATUS_SUCCESSFUL, "the untouched request is answered");
}

BOOST_AUTO_TEST_CASE(the_root_crl_lists_the_revoked_certificates_of_the_root_only) {
  needOpenssl();
  const TempDir tmp;
  DemoCa ca = freshCa(tmp);
  writeCaFiles(ca, tmp);
  const std::int64_t now = std::time(nullptr);
  {
    const X509Crl empty = parseCrl(ca.rootCrl(now));
    BOOST_TEST(revokedCount(empty.get()) == 0, "normally none");
  }
  // A folder made before root-revoked.txt existed reads as "none revoked".
  fs::remove(tmp / "ca" / "root-revoked.txt");
  BOOST_TEST(revokedCount(parseCrl(DemoCa::open(tmp / "ca").rootCrl(now)).get()) == 0);

  ossl::EvpPkey key = p256();
  const Certificate signer = ca.issueSigner(spkiOf(key.get()), zofia(), 365, "", "");
  ca.issueTlsServer(tmp / "tls.pem", tmp / "tls.key");
  const Certificate tls = Certificate::loadFile(tmp / "tls.pem").at(0);
  ca.revoke(ca.issuing(), 2 /* cACompromise */, now - 60);
  ca.revoke(tls, 4 /* superseded */, now - 30);
  ca.revoke(signer, 1, now - 10);

  const Bytes der = ca.rootCrl(now);
  const X509Crl crl = parseCrl(der);
  BOOST_TEST(X509_CRL_get_version(crl.get()) == 1L, "v2 CRL");
  BOOST_TEST(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.root().native())) == 0);
  BOOST_TEST(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca.root().native())) == 1, "signed by the root");
  BOOST_TEST(timeIs(X509_CRL_get0_lastUpdate(crl.get()), now));
  BOOST_TEST(timeIs(X509_CRL_get0_nextUpdate(crl.get()), now + kDay));
  BOOST_TEST(X509_CRL_get_ext_by_NID(crl.get(), NID_crl_number, -1) >= 0, "cRLNumber (RFC 5280 §5.2.3)");
  BOOST_TEST(revokedCount(crl.get()) == 2, "the issuing CA and the TLS certificate");
  X509_REVOKED* entry = nullptr;
  BOOST_TEST_REQUIRE(X509_CRL_get0_by_serial(crl.get(), &entry, X509_get0_serialNumber(ca.issuing().native())) == 1);
  Asn1Enumerated reason(
      static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)));
  BOOST_TEST_REQUIRE(bool(reason));
  BOOST_TEST(ASN1_ENUMERATED_get(reason.get()) == 2L, "cACompromise");
  BOOST_TEST(X509_CRL_get0_by_serial(crl.get(), &entry, X509_get0_serialNumber(tls.native())) == 1);
  BOOST_TEST(X509_CRL_get0_by_serial(crl.get(), &entry, X509_get0_serialNumber(signer.native())) == 0,
             "the issuing CA's certificates are not the root's");

  // The issuing CA's CRL lists only its own certificate.
  const X509Crl issuingCrl = parseCrl(ca.crl(now));
  BOOST_TEST(revokedCount(issuingCrl.get()) == 1);
  BOOST_TEST(X509_CRL_get0_by_serial(issuingCrl.get(), &entry, X509_get0_serialNumber(signer.native())) == 1);
  BOOST_TEST(X509_CRL_get0_by_serial(issuingCrl.get(), &entry, X509_get0_serialNumber(ca.issuing().native())) == 0);

  // A second instance on the folder sees it (registers are read on use).
  BOOST_TEST(revokedCount(parseCrl(DemoCa::open(tmp / "ca").rootCrl(now)).get()) == 2);

  writeBytes(tmp / "root-crl.der", der);
  const auto check = run({"openssl", "crl", "-inform", "DER", "-in", (tmp / "root-crl.der").string(), "-CAfile",
                          (tmp / "root.pem").string(), "-verify", "-noout", "-text"});
  BOOST_TEST(check.exitCode == 0, both(check));
  BOOST_TEST(contains(check.err, "verify OK"), check.err);
  BOOST_TEST(contains(check.out, "Serial Number: " + ca.issuing().serialHex()), check.out);

  // With the root CRL, the whole path is checked: a signer under a revoked
  // issuing CA fails (openssl verify -crl_check_all).
  writeCrlPem(tmp / "crls.pem", ca.crl(now));
  writeCrlPem(tmp / "root-crl.pem", der);
  {
    std::ofstream all(tmp / "crls.pem", std::ios::app);
    all << test::readText(tmp / "root-crl.pem");
  }
  writePem(tmp / "signer.pem", {ca.issueSigner(spkiOf(key.get()), zofia(), 365, "", "")});
  const auto path =
      run({"openssl", "verify", "-crl_check_all", "-CRLfile", (tmp / "crls.pem").string(), "-CAfile",
           (tmp / "root.pem").string(), "-untrusted", (tmp / "issuing.pem").string(), (tmp / "signer.pem").string()});
  BOOST_TEST(path.exitCode != 0);
  BOOST_TEST(contains(both(path), "certificate revoked"), both(path));
}

BOOST_AUTO_TEST_CASE(the_issuing_ca_names_the_root_crl_only_when_given_a_url) {
  const TempDir tmp;
  const std::string url = "http://127.0.0.1:8080/crl/root";
  const DemoCa ca = DemoCa::create(tmp / "with-url", "With URL", url);
  CrlDistPoints dps(static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(ca.issuing().native(), NID_crl_distribution_points, nullptr, nullptr)));
  BOOST_TEST_REQUIRE(bool(dps));
  BOOST_TEST_REQUIRE(sk_DIST_POINT_num(dps.get()) == 1);
  const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), 0);
  BOOST_TEST_REQUIRE((dp->distpoint && dp->distpoint->type == 0));
  const GENERAL_NAME* name = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0);
  BOOST_TEST_REQUIRE(name->type == GEN_URI);
  const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
  BOOST_TEST(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                         static_cast<std::size_t>(ASN1_STRING_length(uri))) == url);
  BOOST_TEST(X509_get_ext_by_NID(ca.root().native(), NID_crl_distribution_points, -1) < 0, "a root names none");
  BOOST_TEST(X509_get_ext_by_NID(DemoCa::open(templateCa()).issuing().native(), NID_crl_distribution_points, -1) < 0,
             "none without a URL");
  BOOST_CHECK_EXCEPTION(DemoCa::create(tmp / "bad", "Bad", "ldap://x/crl"), Error, hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_CASE(revocations_survive_reopening_and_are_shared_between_instances) {
  const TempDir tmp;
  ossl::EvpPkey key = p256();
  Certificate first = [&] {
    DemoCa ca = freshCa(tmp);
    const Certificate c = ca.issueSigner(spkiOf(key.get()), zofia(), 365, "", "");
    ca.revoke(c, 3, 1'750'000'000);
    return c;
  }();
  DemoCa a = DemoCa::open(tmp / "ca");
  DemoCa b = DemoCa::open(tmp / "ca");
  const Certificate second = b.issueSigner(spkiOf(key.get()), zofia(), 365, "", "");
  b.revoke(second, 9, 1'750'000'100);

  const std::string list = test::readText(tmp / "ca" / "revoked.txt");
  BOOST_TEST(contains(list, first.serialHex() + " 1750000000 3\n"), list);
  BOOST_TEST(contains(list, second.serialHex() + " 1750000100 9\n"), list);

  const X509Crl crl = parseCrl(a.crl(std::time(nullptr)));
  BOOST_TEST(revokedCount((crl.get())) == 2, "a sees b's revocation");
  const std::int64_t now = std::time(nullptr);
  OcspRequest req = ocspRequest({first, second}, a.issuing(), false);
  OcspResponse resp = parseResponse(a.ocspRespond(derOf(req.get()), now));
  OcspBasicResp basic(OCSP_response_get1_basic(resp.get()));
  BOOST_TEST_REQUIRE(bool(basic));
  const SingleStatus s1 = statusOf(basic.get(), first, a.issuing(), now);
  BOOST_TEST(s1.status == V_OCSP_CERTSTATUS_REVOKED);
  BOOST_TEST(s1.reason == 3);
  BOOST_TEST(s1.revokedAt == 1'750'000'000);
  const SingleStatus s2 = statusOf(basic.get(), second, a.issuing(), now);
  BOOST_TEST(s2.status == V_OCSP_CERTSTATUS_REVOKED);
  BOOST_TEST(s2.reason == 9);
  BOOST_TEST(test::listDir(tmp / "ca").size() == 7u, "no temporary files left: 4 PEM, 3 registers");
}

BOOST_AUTO_TEST_CASE(eight_threads_can_ask_ocsp_while_others_issue_and_revoke) {
  const TempDir tmp;
  DemoCa ca = freshCa(tmp);
  ossl::EvpPkey key = p256();
  const Bytes spki = spkiOf(key.get());
  const Certificate watched = ca.issueSigner(spki, zofia(), 365, "", "");
  OcspRequest req = ocspRequest({watched}, ca.issuing(), true);
  const Bytes request = derOf(req.get());
  const std::int64_t now = std::time(nullptr);

  std::atomic<int> answered{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        try {
          const Bytes der = ca.ocspRespond(request, now);
          const unsigned char* p = der.data();
          OcspResponse resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
          OcspBasicResp basic(resp ? OCSP_response_get1_basic(resp.get()) : nullptr);
          if (basic && OCSP_resp_count(basic.get()) == 1 && OCSP_check_nonce(req.get(), basic.get()) == 1) {
            ++answered;
          } else {
            ++wrong;
          }
        } catch (...) {
          ++wrong;
        }
      }
    });
  }
  // Meanwhile 4 more threads issue and revoke 3 certificates each: no
  // revocation may be lost to a concurrent rewrite of revoked.txt.
  std::mutex serialsMutex;
  std::set<std::string> serials;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        try {
          const Certificate c = ca.issueSigner(spki, zofia(), 30, "", "");
          ca.revoke(c, 1 + t, now - i);
          const std::lock_guard lock(serialsMutex);
          serials.insert(c.serialHex());
        } catch (...) {
          ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  BOOST_TEST(wrong.load() == 0);
  BOOST_TEST(answered.load() == 200);
  BOOST_TEST(serials.size() == 12u);
  const X509Crl crl = parseCrl(ca.crl(now));
  BOOST_TEST(revokedCount((crl.get())) == 12, "every revocation kept");
}

BOOST_AUTO_TEST_SUITE_END()
