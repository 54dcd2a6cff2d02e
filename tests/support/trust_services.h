#pragma once
// Trust services on 127.0.0.1 for tests of revocation and long-term
// signatures: a demo CA of the reference service (cloud/ca.h) with its OCSP
// responder and CRL, its TSA, all over plain HTTP on one port (POST /tsa,
// POST /ocsp, GET /crl), signers whose certificates name them, signing
// through the real securedoc-cli and verifying in-process.  Also an OCSP
// responder of the test's own and helpers to read reports.
#include <boost/test/unit_test.hpp>

#include "printers.h"
#include "test_support.h"

#include <securedoc/cloud/ca.h>
#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/revocation.h>
#include <securedoc/formats/cades.h>
#include <securedoc/formats/format.h>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace securedoc::test {

namespace fs = std::filesystem;

inline Bytes bytesOf(const std::string& s) { return Bytes(s.begin(), s.end()); }

inline ossl::EvpPkey newEcKey() {
  ossl::EvpPkey k(EVP_EC_gen("P-256"));
  BOOST_TEST_REQUIRE(static_cast<bool>(k));
  return k;
}

inline ossl::EvpPkey loadKey(const fs::path& pem) {
  ossl::Bio bio(BIO_new_file(pem.c_str(), "r"));
  BOOST_TEST_REQUIRE(static_cast<bool>(bio));
  ossl::EvpPkey k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  BOOST_TEST_REQUIRE(static_cast<bool>(k));
  return k;
}

/// A certificate for `key` named CN=`cn`, issued by (`issuer`, `issuerKey`),
/// valid an hour before and a year after now, with id-kp-OCSPSigning when
/// `ocspSigning`.
inline Certificate makeCertificate(const std::string& cn, EVP_PKEY* key, const Certificate& issuer, EVP_PKEY* issuerKey,
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
inline Bytes respondAs(const Bytes& requestDer, const Certificate& cert, EVP_PKEY* key, bool wrongNonce = false) {
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
struct TrustServices {
  TempDir dir;
  httplib::Server server;
  /// Bound first: the CA names its root CRL's address in the issuing CA.
  int port = server.bind_to_any_port("127.0.0.1");
  cloud::DemoCa ca = cloud::DemoCa::create(dir / "ca", "Revocation Test", url("/crl/root"));
  std::unique_ptr<cloud::TsaResponder> tsa;
  std::thread thread;
  std::mutex mutex;
  std::function<Bytes(const Bytes&)> ocspHandler;
  std::atomic<int> ocspRequests{0};
  std::atomic<int> crlRequests{0};
  CadesModule cades;
  std::string password = "test-password";

  TrustServices() {
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
    server.Get("/crl/root", [this](const httplib::Request&, httplib::Response& res) {
      ++crlRequests;
      const Bytes out = ca.rootCrl(std::time(nullptr));
      res.set_content(std::string(out.begin(), out.end()), "application/pkix-crl");
    });
    BOOST_TEST_REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~TrustServices() { stop(); }
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
    for (const Certificate& c : {ca.issuing(), ca.root()}) {
      X509_up_ref(c.native());
      sk_X509_push(chain.get(), c.native());
    }
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

  /// Signs `input` with NAME.p12 at `level` (format by content, or
  /// `format`), `extra` arguments added; returns the signed file, written
  /// into its own new folder.
  /// Another tool's detached CAdES-B-B: `openssl cms -sign -cades` over
  /// `doc` with the key and chain of signer `name`, written to `out`.
  fs::path opensslCades(const std::string& name, const fs::path& doc, const fs::path& out) {
    const fs::path p12 = dir / (name + ".p12");
    const fs::path pem = dir / (name + ".pem");
    BOOST_TEST_REQUIRE(
        run({"openssl", "pkcs12", "-in", p12.string(), "-nodes", "-passin", "pass:" + password, "-out", pem.string()})
            .exitCode == 0);
    const fs::path cas = dir / (name + "-cas.pem");
    BOOST_TEST_REQUIRE(run({"openssl", "pkcs12", "-in", p12.string(), "-nokeys", "-cacerts", "-passin",
                            "pass:" + password, "-out", cas.string()})
                           .exitCode == 0);
    BOOST_TEST_REQUIRE(run({"openssl", "cms", "-sign", "-binary", "-cades", "-in", doc.string(), "-signer",
                            pem.string(), "-certfile", cas.string(), "-outform", "DER", "-out", out.string()})
                           .exitCode == 0);
    return out;
  }

  fs::path signFile(const std::string& name, const std::string& level, const fs::path& input,
                    const std::string& format = "auto", const std::vector<std::string>& extra = {}) {
    static int counter = 0;
    const fs::path out = dir / ("out-" + std::to_string(++counter));
    fs::create_directories(out);
    std::vector<std::string> args{test::cliPath().string(),
                                  "sign",
                                  "--signer",
                                  "pkcs12:" + (dir / (name + ".p12")).string(),
                                  "--password-file",
                                  (dir / "password.txt").string(),
                                  "--format",
                                  format,
                                  "--level",
                                  level,
                                  "--tsa",
                                  url("/tsa"),
                                  "--tsa-trust-anchor",
                                  (dir / "root.pem").string(),
                                  "--output-dir",
                                  out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(input.string());
    const auto r = run(args);
    BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
    const auto made = test::listDir(out);
    BOOST_TEST_REQUIRE(made.size() == 1u);
    return out / made.front();
  }

  /// The whole report of any signed file (the module by content).
  VerificationReport verifyFile(const fs::path& file, VerifyOptions o) {
    FormatRegistry registry;
    registerBuiltinFormats(registry);
    FormatModule* m = registry.forVerifying(ContentSniff::of(file));
    BOOST_TEST_REQUIRE(m != nullptr);
    return m->verify(file, o);
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

inline const Check* checkOf(const SignatureReport& s, const std::string& id) {
  for (const auto& c : s.checks) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

/// One of the project's sample documents (samples/documents).
inline fs::path sampleDocument(const std::string& name) { return sourceDir() / "samples" / "documents" / name; }

/// A signature's report in the test log: verdict, checks, time-stamps,
/// revocation entries, changes after it and messages.
inline void logSignature(const SignatureReport& s) {
  BOOST_TEST_MESSAGE(s.id << " " << s.level << " " << indicationCode(s.indication) << "/"
                          << subIndicationCode(s.subIndication));
  for (const auto& c : s.checks)
    BOOST_TEST_MESSAGE("  " << c.id << " " << checkStatusCode(c.status) << " " << c.detail);
  for (const auto& t : s.timestamps)
    BOOST_TEST_MESSAGE("  time-stamp " << t.type << " " << indicationCode(t.indication) << "/"
                                       << subIndicationCode(t.subIndication) << " " << t.detail);
  for (const auto& rv : s.revocation) {
    BOOST_TEST_MESSAGE("  revocation " << rv.subject << ": " << rv.status << " " << rv.source << " " << rv.origin);
    for (const auto& p : rv.problems) BOOST_TEST_MESSAGE("    " << p);
  }
  for (const auto& m : s.modifications) BOOST_TEST_MESSAGE("  change " << m.code);
  for (const auto& m : s.messages) BOOST_TEST_MESSAGE("  * " << m);
}

/// The report of the file's one signature (a copy: `r` may be a
/// temporary), printed for the log.
inline SignatureReport onlySignature(const VerificationReport& r) {
  BOOST_TEST_REQUIRE(r.signatures.size() == 1u);
  BOOST_TEST_MESSAGE(r.file);
  logSignature(r.signatures[0]);
  return r.signatures[0];
}

/// The time-stamps of `type` ("signature", "archive", "document") of `s`.
inline std::vector<const TimestampReport*> timestampsOf(const SignatureReport& s, const std::string& type) {
  std::vector<const TimestampReport*> out;
  for (const auto& t : s.timestamps) {
    if (t.type == type) out.push_back(&t);
  }
  return out;
}

inline bool hasMessage(const SignatureReport& s, const std::string& code) {
  for (const auto& m : s.messages) {
    if (m.code == code) return true;
  }
  return false;
}

inline bool hasProblem(const RevocationReport& r, const std::string& code) {
  for (const auto& p : r.problems) {
    if (p.code == code) return true;
  }
  return false;
}

/// A port nothing listens on: bound once by the kernel's choice, then closed.
inline int closedPort() {
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

}  // namespace securedoc::test
