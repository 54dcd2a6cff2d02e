// Revocation end to end on 127.0.0.1 (issue 17): the reference service's CA
// (cloud/ca.h) answers OCSP (RFC 6960) and serves its CRL (RFC 5280) over
// plain HTTP, its TSA time-stamps; signatures are made by the real
// securedoc-cli with a certificate whose AIA and CRL distribution point name
// that server; the verifier (crypto/revocation.h through the CAdES module)
// judges revocation at the time the signature is proven to exist (ETSI EN
// 319 102-1 §5.2.6, §5.6.2).  Also the refusals: a responder the issuer did
// not authorise, a nonce that differs, an answer about another certificate.
#include <boost/test/unit_test.hpp>

#include "printers.h"
#include "test_support.h"

#include <securedoc/cloud/ca.h>
#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/revocation.h>
#include <securedoc/formats/cades.h>

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <mutex>
#include <thread>

using namespace securedoc;
using securedoc::test::run;
using securedoc::test::TempDir;
namespace fs = std::filesystem;

namespace {

using securedoc::test::NoProxyForLoopback;
BOOST_TEST_GLOBAL_FIXTURE(NoProxyForLoopback);

Bytes bytesOf(const std::string& s) { return Bytes(s.begin(), s.end()); }

ossl::EvpPkey newEcKey() {
  ossl::EvpPkey k(EVP_EC_gen("P-256"));
  BOOST_TEST_REQUIRE(static_cast<bool>(k));
  return k;
}

ossl::EvpPkey loadKey(const fs::path& pem) {
  ossl::Bio bio(BIO_new_file(pem.c_str(), "r"));
  BOOST_TEST_REQUIRE(static_cast<bool>(bio));
  ossl::EvpPkey k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  BOOST_TEST_REQUIRE(static_cast<bool>(k));
  return k;
}

/// A certificate for `key` named CN=`cn`, issued by (`issuer`, `issuerKey`),
/// valid an hour before and a year after now, with id-kp-OCSPSigning when
/// `ocspSigning`.
Certificate makeCertificate(const std::string& cn, EVP_PKEY* key, const Certificate& issuer, EVP_PKEY* issuerKey,
                            bool ocspSigning) {
  ossl::X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), static_cast<long>(std::time(nullptr) & 0x7fffffff));
  X509_NAME* name = X509_get_subject_name(x.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x.get(), X509_get_subject_name(issuer.native()));
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 365L * 86400);
  X509_set_pubkey(x.get(), key);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer.native(), x.get(), nullptr, nullptr, 0);
  const auto add = [&](int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    BOOST_TEST_REQUIRE(ext != nullptr);
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  };
  add(NID_basic_constraints, "critical,CA:FALSE");
  add(NID_key_usage, "critical,digitalSignature");
  if (ocspSigning) add(NID_ext_key_usage, "OCSPSigning");
  BOOST_TEST_REQUIRE(X509_sign(x.get(), issuerKey, EVP_sha256()) > 0);
  return Certificate(x.get());
}

/// An OCSP responder of our own: answers "good" for every CertID asked,
/// signed by (`cert`, `key`), echoing the nonce, or another one.
Bytes respondAs(const Bytes& requestDer, const Certificate& cert, EVP_PKEY* key, bool wrongNonce = false) {
  const unsigned char* p = requestDer.data();
  ossl::OcspRequest req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(requestDer.size())));
  BOOST_TEST_REQUIRE(static_cast<bool>(req));
  ossl::OcspBasicResp basic(OCSP_BASICRESP_new());
  ossl::Asn1Time now(ASN1_TIME_adj(nullptr, std::time(nullptr), 0, 0));
  ossl::Asn1Time next(ASN1_TIME_adj(nullptr, std::time(nullptr), 1, 0));
  for (int i = 0; i < OCSP_request_onereq_count(req.get()); ++i) {
    OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), i));
    BOOST_TEST_REQUIRE(
        OCSP_basic_add1_status(basic.get(), id, V_OCSP_CERTSTATUS_GOOD, 0, nullptr, now.get(), next.get()) != nullptr);
  }
  if (wrongNonce) {
    BOOST_TEST_REQUIRE(OCSP_basic_add1_nonce(basic.get(), nullptr, 32) == 1);
  } else {
    BOOST_TEST_REQUIRE(OCSP_copy_nonce(basic.get(), req.get()) > 0);
  }
  ossl::X509Stack certs(sk_X509_new_null());
  BOOST_TEST_REQUIRE(OCSP_basic_sign(basic.get(), cert.native(), key, EVP_sha256(), certs.get(), 0) == 1);
  ossl::OcspResponse resp(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  return ossl::der(i2d_OCSP_RESPONSE, resp.get(), Category::Internal, "i2d_OCSP_RESPONSE");
}

/// The demo CA of a service, its TSA and a plain-HTTP server on 127.0.0.1
/// with POST /tsa, POST /ocsp and GET /crl; what /ocsp answers can be
/// replaced, and the server stopped.
struct World {
  TempDir dir;
  cloud::DemoCa ca = cloud::DemoCa::create(dir / "ca", "Revocation Test");
  std::unique_ptr<cloud::TsaResponder> tsa;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mutex;
  std::function<Bytes(const Bytes&)> ocspHandler;
  std::atomic<int> ocspRequests{0};
  std::atomic<int> crlRequests{0};
  CadesModule cades;
  std::string password = "test-password";

  World() {
    ca.issueTsa(dir / "tsa.pem", dir / "tsa.key");
    tsa = std::make_unique<cloud::TsaResponder>(dir / "tsa.pem", dir / "tsa.key",
                                                std::vector<fs::path>{dir / "ca" / "issuing-ca.pem"});
    test::writeFile(dir / "root.pem", "");
    {
      ossl::Bio bio(BIO_new_file((dir / "root.pem").c_str(), "w"));
      PEM_write_bio_X509(bio.get(), ca.root().native());
    }
    test::writeFile(dir / "password.txt", password + "\n");
    server.Post("/tsa", [this](const httplib::Request& req, httplib::Response& res) {
      const Bytes out = tsa->respond(bytesOf(req.body));
      res.set_content(std::string(out.begin(), out.end()), "application/timestamp-reply");
    });
    server.Post("/ocsp", [this](const httplib::Request& req, httplib::Response& res) {
      ++ocspRequests;
      std::function<Bytes(const Bytes&)> h;
      {
        std::lock_guard lock(mutex);
        h = ocspHandler;
      }
      const Bytes body = bytesOf(req.body);
      const Bytes out = h ? h(body) : ca.ocspRespond(body, std::time(nullptr));
      res.set_content(std::string(out.begin(), out.end()), "application/ocsp-response");
    });
    server.Get("/crl", [this](const httplib::Request&, httplib::Response& res) {
      ++crlRequests;
      const Bytes out = ca.crl(std::time(nullptr));
      res.set_content(std::string(out.begin(), out.end()), "application/pkix-crl");
    });
    port = server.bind_to_any_port("127.0.0.1");
    BOOST_TEST_REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~World() { stop(); }
  void stop() {
    server.stop();
    if (thread.joinable()) thread.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
  void answerOcspWith(std::function<Bytes(const Bytes&)> h) {
    std::lock_guard lock(mutex);
    ocspHandler = std::move(h);
  }

  /// A signing certificate from the issuing CA naming `ocsp` and `crl`, its
  /// key in NAME.p12.
  Certificate signer(const std::string& name, const std::string& ocsp, const std::string& crl, int days = 30) {
    ossl::EvpPkey key = newEcKey();
    const Bytes spki = ossl::der(i2d_PUBKEY, key.get(), Category::Internal, "i2d_PUBKEY");
    const Certificate cert =
        ca.issueSigner(spki, cloud::SubjectFields{"Jan", name, "PNOPL-80010112345", "PL", "", ""}, days, ocsp, crl);
    ossl::X509Stack chain(sk_X509_new_null());
    X509_up_ref(ca.issuing().native());
    sk_X509_push(chain.get(), ca.issuing().native());
    ossl::Pkcs12 p12(
        PKCS12_create(password.c_str(), name.c_str(), key.get(), cert.native(), chain.get(), 0, 0, 0, 0, 0));
    BOOST_TEST_REQUIRE(static_cast<bool>(p12));
    ossl::Bio bio(BIO_new_file((dir / (name + ".p12")).c_str(), "wb"));
    BOOST_TEST_REQUIRE(i2d_PKCS12_bio(bio.get(), p12.get()) == 1);
    return cert;
  }

  /// Signs a new text file as CAdES at `level` with NAME.p12; returns the signature.
  fs::path sign(const std::string& name, const std::string& level) {
    const fs::path doc = dir / (name + "-" + level + ".txt");
    test::writeFile(doc, "Umowa " + name + "\n");
    const auto r = run({test::cliPath().string(), "sign", "--signer", "pkcs12:" + (dir / (name + ".p12")).string(),
                        "--password-file", (dir / "password.txt").string(), "--format", "cades", "--level", level,
                        "--tsa", url("/tsa"), "--tsa-trust-anchor", (dir / "root.pem").string(), doc.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
    return fs::path(doc.string() + ".p7s");
  }

  VerifyOptions online(std::shared_ptr<RevocationChecker> checker = nullptr) {
    VerifyOptions o;
    o.trustAnchors = {ca.root()};
    o.offline = false;
    o.revocation = checker ? std::move(checker) : std::make_shared<RevocationChecker>(RevocationOptions{false, {}});
    return o;
  }

  SignatureReport verify(const fs::path& sig, VerifyOptions o) {
    o.detachedContent = fs::path(sig).replace_extension();  // the document beside its .p7s
    const VerificationReport r = cades.verify(sig, o);
    BOOST_TEST_REQUIRE(r.signatures.size() == 1u);
    const SignatureReport& s = r.signatures[0];
    BOOST_TEST_MESSAGE(sig.filename() << ": " << indicationCode(s.indication) << "/"
                                      << subIndicationCode(s.subIndication));
    for (const auto& c : s.checks)
      BOOST_TEST_MESSAGE("  " << c.id << " " << checkStatusCode(c.status) << " " << c.detail);
    for (const auto& rv : s.revocation) {
      BOOST_TEST_MESSAGE("  revocation " << rv.subject << ": " << rv.status << " " << rv.source << " " << rv.origin);
      for (const auto& p : rv.problems) BOOST_TEST_MESSAGE("    " << p);
    }
    for (const auto& m : s.messages) BOOST_TEST_MESSAGE("  * " << m);
    return s;
  }
};

const Check* checkOf(const SignatureReport& s, const std::string& id) {
  for (const auto& c : s.checks) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

bool hasMessage(const SignatureReport& s, const std::string& code) {
  for (const auto& m : s.messages) {
    if (m.code == code) return true;
  }
  return false;
}

bool hasProblem(const RevocationReport& r, const std::string& code) {
  for (const auto& p : r.problems) {
    if (p.code == code) return true;
  }
  return false;
}

/// A port nothing listens on: bound once by the kernel's choice, then closed.
int closedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  BOOST_TEST_REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  BOOST_TEST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  BOOST_TEST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(revocation, World)

BOOST_AUTO_TEST_CASE(a_good_certificate_passes_with_the_ocsp_answer_recorded) {
  signer("good", url("/ocsp"), url("/crl"));
  const SignatureReport s = verify(sign("good", "B-B"), online());
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST_REQUIRE(!s.revocation.empty());
  BOOST_TEST(s.revocation[0].status == "good");
  BOOST_TEST(s.revocation[0].source == "ocsp");
  BOOST_TEST(s.revocation[0].origin == "online");
  BOOST_TEST(s.revocation[0].url == url("/ocsp"));
  BOOST_TEST_REQUIRE(checkOf(s, "revocation") != nullptr);
  BOOST_TEST(checkOf(s, "revocation")->status != Check::Status::Failed);
}

BOOST_AUTO_TEST_CASE(revoked_before_the_time_stamp_is_total_failed_revoked) {
  const Certificate cert = signer("early", url("/ocsp"), url("/crl"));
  ca.revoke(cert, 1, std::time(nullptr) - 3600);  // keyCompromise, an hour ago
  const SignatureReport s = verify(sign("early", "B-T"), online());
  BOOST_TEST(s.indication == Indication::TotalFailed);
  BOOST_TEST(s.subIndication == SubIndication::Revoked);
  BOOST_TEST_REQUIRE(!s.revocation.empty());
  BOOST_TEST(s.revocation[0].status == "revoked");
  BOOST_TEST(s.revocation[0].reason == "keyCompromise");
  BOOST_TEST(checkOf(s, "revocation")->status == Check::Status::Failed);
}

BOOST_AUTO_TEST_CASE(revoked_without_a_time_stamp_is_indeterminate_revoked_no_poe) {
  const Certificate cert = signer("nopoe", url("/ocsp"), url("/crl"));
  ca.revoke(cert, 1, std::time(nullptr) - 3600);
  const SignatureReport s = verify(sign("nopoe", "B-B"), online());
  BOOST_TEST(s.indication == Indication::Indeterminate);
  BOOST_TEST(s.subIndication == SubIndication::RevokedNoPoe);
}

BOOST_AUTO_TEST_CASE(revoked_after_the_time_stamp_passes) {
  const Certificate cert = signer("late", url("/ocsp"), url("/crl"));
  const fs::path sig = sign("late", "B-T");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // the revocation comes a second later
  ca.revoke(cert, 4, std::time(nullptr));                        // superseded
  const SignatureReport s = verify(sig, online());
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.revocation.at(0).status == "revoked");
  BOOST_TEST(hasMessage(s, "revoked-after-poe"));
  BOOST_TEST(s.proofOfExistence.has_value());
}

BOOST_AUTO_TEST_CASE(the_crl_alone_says_revoked_when_there_is_no_ocsp) {
  const Certificate cert = signer("crlonly", "", url("/crl"));
  ca.revoke(cert, 1, std::time(nullptr) - 3600);
  const SignatureReport s = verify(sign("crlonly", "B-T"), online());
  BOOST_TEST(s.subIndication == SubIndication::Revoked);
  BOOST_TEST(s.revocation.at(0).source == "crl");
  BOOST_TEST(crlRequests.load() >= 1);
}

BOOST_AUTO_TEST_CASE(responders_down_and_nothing_embedded_is_try_later) {
  const std::string dead = "http://127.0.0.1:" + std::to_string(closedPort());
  signer("down", dead + "/ocsp", dead + "/crl");
  const SignatureReport s = verify(sign("down", "B-T"), online());
  BOOST_TEST(s.indication == Indication::Indeterminate);
  BOOST_TEST(s.subIndication == SubIndication::TryLater);
  BOOST_TEST(s.revocation.at(0).status == "unavailable");
  BOOST_TEST(hasProblem(s.revocation.at(0), "revocation-source-failed"));
}

BOOST_AUTO_TEST_CASE(offline_without_cache_is_try_later_and_the_cache_serves_offline_later) {
  signer("cached", url("/ocsp"), "");
  const fs::path sig = sign("cached", "B-T");
  {
    VerifyOptions o = online(std::make_shared<RevocationChecker>(RevocationOptions{true, {}}));
    o.offline = true;
    const SignatureReport s = verify(sig, o);
    BOOST_TEST(s.subIndication == SubIndication::TryLater);
  }
  const fs::path cache = dir / "cache";
  verify(sig, online(std::make_shared<RevocationChecker>(RevocationOptions{false, cache})));
  stop();  // the service is gone
  const SignatureReport s = verify(sig, online(std::make_shared<RevocationChecker>(RevocationOptions{true, cache})));
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.revocation.at(0).origin == "cache");
}

BOOST_AUTO_TEST_CASE(one_request_per_certificate_for_many_signatures) {
  signer("many", url("/ocsp"), url("/crl"));
  const fs::path sig = sign("many", "B-T");
  auto checker = std::make_shared<RevocationChecker>(RevocationOptions{false, {}});
  for (int i = 0; i < 25; ++i) BOOST_TEST(verify(sig, online(checker)).indication == Indication::TotalPassed);
  BOOST_TEST(ocspRequests.load() == 1);
  BOOST_TEST(checker->onlineRequests() == 1u);
}

BOOST_AUTO_TEST_CASE(an_unauthorised_responder_is_refused_and_a_delegated_one_accepted) {
  const Certificate cert = signer("rogue", url("/ocsp"), "");
  const fs::path sig = sign("rogue", "B-T");
  // A responder another CA certified, with id-kp-OCSPSigning: a valid
  // certificate, but neither the certificate's issuer nor a trust anchor
  // authorised it.
  ossl::EvpPkey otherKey = newEcKey();
  ossl::X509Ptr otherCa(X509_new());
  X509_set_version(otherCa.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(otherCa.get()), 7);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(otherCa.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("Other CA"), -1, -1, 0);
  X509_set_issuer_name(otherCa.get(), X509_get_subject_name(otherCa.get()));
  X509_gmtime_adj(X509_getm_notBefore(otherCa.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(otherCa.get()), 86400);
  X509_set_pubkey(otherCa.get(), otherKey.get());
  BOOST_TEST_REQUIRE(X509_sign(otherCa.get(), otherKey.get(), EVP_sha256()) > 0);
  ossl::EvpPkey key = newEcKey();
  const Certificate rogue =
      makeCertificate("Other CA's responder", key.get(), Certificate(otherCa.get()), otherKey.get(), true);
  answerOcspWith([&](const Bytes& req) { return respondAs(req, rogue, key.get()); });
  SignatureReport s = verify(sig, online());
  BOOST_TEST(s.subIndication == SubIndication::TryLater);
  BOOST_TEST(hasProblem(s.revocation.at(0), "ocsp-responder-not-authorised"));
  // Even when the user trusts that other CA too.
  VerifyOptions both = online();
  both.trustAnchors.push_back(Certificate(otherCa.get()));
  s = verify(sig, both);
  BOOST_TEST(hasProblem(s.revocation.at(0), "ocsp-responder-not-authorised") == false);
  BOOST_TEST(s.revocation.at(0).status == "good", "a responder of a trusted anchor is a local configuration");

  // A responder the root (the trust anchor) certified for OCSP signing:
  // RFC 6960 §4.2.2.2's local configuration, accepted for the hierarchy.
  ossl::EvpPkey rootKey = loadKey(dir / "ca" / "root-ca.key");
  const Certificate byRoot = makeCertificate("Root's responder", key.get(), ca.root(), rootKey.get(), true);
  answerOcspWith([&](const Bytes& req) { return respondAs(req, byRoot, key.get()); });
  s = verify(sig, online());
  BOOST_TEST(s.indication == Indication::TotalPassed);

  // Issued by the issuing CA but without id-kp-OCSPSigning: refused too.
  ossl::EvpPkey issuingKey = loadKey(dir / "ca" / "issuing-ca.key");
  const Certificate noEku = makeCertificate("Not a responder", key.get(), ca.issuing(), issuingKey.get(), false);
  answerOcspWith([&](const Bytes& req) { return respondAs(req, noEku, key.get()); });
  s = verify(sig, online());
  BOOST_TEST(hasProblem(s.revocation.at(0), "ocsp-responder-not-authorised"));

  // Delegated properly (RFC 6960 §4.2.2.2): accepted.
  const Certificate delegated = makeCertificate("Delegated responder", key.get(), ca.issuing(), issuingKey.get(), true);
  answerOcspWith([&](const Bytes& req) { return respondAs(req, delegated, key.get()); });
  s = verify(sig, online());
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.revocation.at(0).status == "good");

  // The same responder answering with another nonce: a replay, refused.
  answerOcspWith([&](const Bytes& req) { return respondAs(req, delegated, key.get(), true); });
  s = verify(sig, online());
  BOOST_TEST(hasProblem(s.revocation.at(0), "ocsp-nonce-mismatch"));
  (void)cert;
}

BOOST_AUTO_TEST_CASE(an_answer_about_another_certificate_is_refused) {
  const Certificate other = signer("other", url("/ocsp"), "");
  const Certificate asked = signer("asked", url("/ocsp"), "");
  const fs::path sig = sign("asked", "B-T");
  answerOcspWith(
      [&](const Bytes&) { return ca.ocspRespond(makeOcspRequest(other, ca.issuing()), std::time(nullptr)); });
  const SignatureReport s = verify(sig, online());
  BOOST_TEST(s.subIndication == SubIndication::TryLater);
  BOOST_TEST(hasProblem(s.revocation.at(0), "ocsp-other-certificate"));
  (void)asked;
}

BOOST_AUTO_TEST_CASE(an_expired_signer_passes_with_proof_of_existence_and_not_without) {
  signer("expiring", url("/ocsp"), url("/crl"), 1);
  const fs::path withPoe = sign("expiring", "B-T");
  const fs::path withoutPoe = sign("expiring", "B-B");
  VerifyOptions o = online();
  o.time = std::time(nullptr) + 3 * 86400;  // validated three days later, after the certificate expired
  const SignatureReport a = verify(withPoe, o);
  BOOST_TEST(a.indication == Indication::TotalPassed);
  BOOST_TEST(a.revocation.at(0).status == "good");
  const SignatureReport b = verify(withoutPoe, o);
  BOOST_TEST(b.indication == Indication::Indeterminate);
  BOOST_TEST(b.subIndication == SubIndication::OutOfBoundsNoPoe);
  // Proof of existence, but no revocation data from while it was valid.
  VerifyOptions offline = online(std::make_shared<RevocationChecker>(RevocationOptions{true, {}}));
  offline.time = o.time;
  const SignatureReport c = verify(withPoe, offline);
  BOOST_TEST(c.indication == Indication::Indeterminate);
  BOOST_TEST(c.subIndication == SubIndication::OutOfBoundsNotRevoked);
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------ bad input ---

namespace {

/// A signing certificate of `ca` for a new key, naming no OCSP or CRL.
Certificate signerWithoutUrls(cloud::DemoCa& ca, const std::string& surname) {
  ossl::EvpPkey key = newEcKey();
  const Bytes spki = ossl::der(i2d_PUBKEY, key.get(), Category::Internal, "i2d_PUBKEY");
  return ca.issueSigner(spki, cloud::SubjectFields{"Jan", surname, "PNOPL-80010112345", "PL", "", ""}, 5, "", "");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bad_revocation_data)

BOOST_AUTO_TEST_CASE(garbage_truncated_and_empty_data_is_refused_cleanly) {
  TempDir dir;
  cloud::DemoCa ca = cloud::DemoCa::create(dir / "ca", "Bad Input");
  const Certificate cert = signerWithoutUrls(ca, "Zły");
  const std::time_t now = std::time(nullptr);
  const Bytes ocsp = ca.ocspRespond(makeOcspRequest(cert, ca.issuing()), now);
  const Bytes crl = ca.crl(now);
  BOOST_TEST(checkOcspResponse(ocsp, cert, ca.issuing(), {}, nullptr, now).evidence.has_value());
  BOOST_TEST(checkCrl(crl, cert, ca.issuing(), now).evidence.has_value());
  const std::vector<Bytes> bad{Bytes{},
                               Bytes{0x30},
                               Bytes(ocsp.begin(), ocsp.begin() + ocsp.size() / 2),
                               Bytes(crl.begin(), crl.begin() + crl.size() / 2),
                               bytesOf("not DER at all"),
                               Bytes{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff}};
  for (const Bytes& b : bad) {
    const CheckedRevocation o = checkOcspResponse(b, cert, ca.issuing(), {}, nullptr, now);
    BOOST_TEST(!o.evidence.has_value());
    BOOST_TEST(o.problem.code == "ocsp-unreadable");
    const CheckedRevocation c = checkCrl(b, cert, ca.issuing(), now);
    BOOST_TEST(!c.evidence.has_value());
    BOOST_TEST(c.problem.code == "crl-unreadable");
  }
  // Trailing bytes after a good response or CRL.
  Bytes longer = ocsp;
  longer.push_back(0);
  BOOST_TEST(checkOcspResponse(longer, cert, ca.issuing(), {}, nullptr, now).problem.code == "ocsp-unreadable");
  // A CRL checked against the wrong issuer (the root).
  BOOST_TEST(checkCrl(crl, cert, ca.root(), now).problem.code == "crl-other-issuer");
  // A response checked with the root as the issuer names no such CertID.
  BOOST_TEST(checkOcspResponse(ocsp, cert, ca.root(), {}, nullptr, now).problem.code == "ocsp-other-certificate");
}

BOOST_AUTO_TEST_CASE(a_tampered_response_or_crl_does_not_verify) {
  TempDir dir;
  cloud::DemoCa ca = cloud::DemoCa::create(dir / "ca", "Tampered");
  const Certificate cert = signerWithoutUrls(ca, "Test");
  const std::time_t now = std::time(nullptr);
  Bytes crl = ca.crl(now);
  crl[crl.size() - 5] ^= 0x01;  // inside the signature value
  BOOST_TEST(checkCrl(crl, cert, ca.issuing(), now).problem.code == "crl-signature-invalid");
  Bytes ocsp = ca.ocspRespond(makeOcspRequest(cert, ca.issuing()), now);
  // The last certificate is the signer's chain; flip a bit of the signature
  // value, which precedes the certs: find it by verifying each candidate.
  bool refused = false;
  for (std::size_t i = ocsp.size() / 3; i < ocsp.size() && !refused; ++i) {
    Bytes t = ocsp;
    t[i] ^= 0x01;
    const CheckedRevocation c = checkOcspResponse(t, cert, ca.issuing(), {}, nullptr, now);
    refused = c.problem.code == "ocsp-signature-invalid";
  }
  BOOST_TEST(refused, "some single-bit change is caught by the signature check");
}

BOOST_AUTO_TEST_SUITE_END()
