// cloud/: the reference CSC v2 service against cloud/README.md "The service
// contract", over real TLS with verification on.  Two set-ups:
//  - in_process: a world made by the real `securedoc-cloud demo`, served by
//    CscService on an httplib::SSLServer inside this test with an injected
//    clock, for everything that depends on time (OTP steps, replays, lock-out,
//    session expiry, certificate expiry) and the account life;
//  - subprocess: the real `securedoc-cloud serve --port 0`, for the port in
//    demo.json, plain HTTP on the TLS port, signing in real time and a restart,
//    and the plain-HTTP OCSP/CRL listener the certificates name.
#include <boost/test/unit_test.hpp>

#include "test_support.h"

#include <securedoc/cloud/ca.h>
#include <securedoc/cloud/csc_service.h>
#include <securedoc/cloud/store.h>
#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/cloud/pkcs11_keystore.h>
#include <securedoc/crypto/totp.h>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>

using namespace securedoc;
using namespace securedoc::cloud;
using securedoc::test::TempDir;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kCloud = SECUREDOC_CLOUD;
const std::string kSha256 = "2.16.840.1.101.3.4.2.1";
const std::string kEcdsaSha256 = "1.2.840.10045.4.3.2";

/// Base64 the service sent, which must decode.
Bytes unb64(const std::string& text) {
  auto out = fromBase64(text);
  BOOST_TEST_REQUIRE(out.has_value(), "valid base64");
  return *out;
}

std::int64_t systemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Bytes docHash(int i) {
  const std::string text = "document " + std::to_string(i);
  return digest(DigestAlgorithm::Sha256, text.data(), text.size());
}

json hashList(std::initializer_list<int> docs) {
  json a = json::array();
  for (int i : docs) a.push_back(toBase64(docHash(i)));
  return a;
}

std::string basic(const std::string& login, const std::string& password) {
  const std::string text = login + ":" + password;
  return "Basic " + toBase64(Bytes(text.begin(), text.end()));
}

json readJson(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

/// Runs securedoc-cloud and requires exit 0; returns stdout.
std::string runCloud(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kCloud};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = test::run(argv);
  BOOST_TEST_REQUIRE(r.exitCode == 0, "securedoc-cloud " << args.front() << ": " << r.err);
  return r.out;
}

std::string firstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

/// An HTTPS client that trusts only the demo TLS CA.
struct Client {
  httplib::SSLClient http;
  Client(int port, const fs::path& caPem) : http("127.0.0.1", port) {
    http.set_ca_cert_path(caPem.c_str());
    http.enable_server_certificate_verification(true);
    http.set_read_timeout(std::chrono::seconds(30));
  }
  struct Answer {
    int status = 0;
    json body;
  };
  Answer post(const std::string& path, const json& body, const std::string& authorization = {}) {
    httplib::Headers headers;
    if (!authorization.empty()) headers.emplace("Authorization", authorization);
    auto res = http.Post(path.c_str(), headers, body.dump(), "application/json");
    BOOST_TEST_REQUIRE(static_cast<bool>(res), path << ": " << httplib::to_string(res.error()));
    Answer a;
    a.status = res->status;
    if (!res->body.empty()) a.body = json::parse(res->body, nullptr, false);
    return a;
  }
  Answer csc(const std::string& method, const json& body, const std::string& token = {}) {
    return post("/csc/v2/" + method, body, token.empty() ? "" : "Bearer " + token);
  }
};

#define CHECK_REFUSAL(answer, httpStatus, code, text)                                                      \
  do {                                                                                                     \
    const auto& a_ = (answer);                                                                             \
    BOOST_TEST(a_.status == (httpStatus), "status of " << a_.body.dump());                                 \
    BOOST_TEST(a_.body.value("error", "") == std::string(code), a_.body.dump());                           \
    if (std::string(text).size()) BOOST_TEST(a_.body.value("error_description", "") == std::string(text)); \
  } while (0)

/// Verifies a DER ECDSA signature over a SHA-256 digest with the certificate's key.
bool verifiesWith(const Bytes& certDer, const Bytes& digestValue, const Bytes& signature) {
  const unsigned char* p = certDer.data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(certDer.size())), X509_free);
  if (!cert) return false;
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
  return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
         EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digestValue.data(), digestValue.size()) == 1;
}

// ------------------------------------------------------------------ the in-process service

/// A demo world (made by the real executable) served in this process with a
/// clock the tests move.  One per test run: SoftHSM2 reads SOFTHSM2_CONF once.
struct InProcess {
  TempDir dir;
  json demo;
  std::string secondCredential;  // of the demo account, by certificate-issue
  std::string bobToken;          // activation token of "bob", by account-create
  std::atomic<std::int64_t> offset{0};
  std::optional<Store> store;
  std::optional<DemoCa> ca;
  std::unique_ptr<TsaResponder> tsa;
  std::unique_ptr<Pkcs11KeyStore> hsm;
  std::unique_ptr<CscService> service;
  std::unique_ptr<httplib::SSLServer> server;
  std::thread thread;
  int port = 0;

  InProcess() {
    const fs::path d = dir.path() / "world";
    runCloud({"demo", d.string(), "--login", "demo"});
    secondCredential = firstLine(runCloud({"certificate-issue", d.string(), "--login", "demo"}));
    bobToken = firstLine(runCloud({"account-create", d.string(), "--login", "bob", "--given-name", "Bob", "--surname",
                                   "Nowak", "--national-id", "PNOPL-80010112345", "--country", "PL"}));
    runCloud({"certificate-issue", d.string(), "--login", "bob", "--key", "rsa-2048"});
    demo = readJson(d / "demo.json");

    ::setenv("SOFTHSM2_CONF", (d / "hsm" / "softhsm2.conf").c_str(), 1);
    std::ifstream pinFile(d / "hsm" / "pin");
    std::string pin;
    std::getline(pinFile, pin);
    hsm = std::make_unique<Pkcs11KeyStore>(
        "pkcs11:token=SecureDoc%20Cloud%20HSM?module-path=/usr/lib/softhsm/libsofthsm2.so", pin);
    store.emplace(Store::open(d / "state.db", loadOrCreateServiceKey(d / "service.key")));
    ca.emplace(DemoCa::open(d / "ca"));
    tsa = std::make_unique<TsaResponder>(d / "tsa" / "tsa.pem", d / "tsa" / "tsa.key",
                                         std::vector<fs::path>{d / "ca" / "issuing-ca.pem"});
    service = std::make_unique<CscService>(*store, *hsm, *ca, *tsa,
                                           CscServiceOptions{d / "outbox", [this] { return now(); }, 8});
    server =
        std::make_unique<httplib::SSLServer>((d / "tls" / "server.pem").c_str(), (d / "tls" / "server.key").c_str());
    BOOST_TEST_REQUIRE(server->is_valid());
    service->registerRoutes(*server);
    port = server->bind_to_any_port("127.0.0.1");
    BOOST_TEST_REQUIRE(port > 0);
    thread = std::thread([this] { server->listen_after_bind(); });
    while (!server->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~InProcess() {
    server->stop();
    thread.join();
  }

  std::int64_t now() const { return systemNow() + offset.load(); }
  fs::path world() const { return dir.path() / "world"; }
  Client client() const { return Client(port, world() / "tls" / "ca.pem"); }
  std::string password() const { return demo["password"]; }
  OtpAuth otp() const { return OtpAuth::parse(demo["otpauth"]); }
  /// Moves the clock to the next 30-s step and returns the code there: every
  /// authorisation needs a step not used before.
  std::string nextCode(const OtpAuth& auth) {
    offset += 30;
    return totpCode(auth, now());
  }
  std::string login(Client& c, bool rememberMe = false) {
    const auto a = c.post("/csc/v2/auth/login", json{{"rememberMe", rememberMe}}, basic("demo", password()));
    BOOST_TEST_REQUIRE(a.status == 200, a.body.dump());
    return a.body["access_token"];
  }
  std::string firstCredential(Client& c, const std::string& token) {
    const auto a = c.csc("credentials/list", json::object(), token);
    BOOST_TEST_REQUIRE(a.status == 200);
    for (const auto& id : a.body["credentialIDs"])
      if (id != secondCredential) return id;
    BOOST_FAIL("no credential");
    return {};
  }
  Client::Answer authorize(Client& c, const std::string& token, const std::string& credential, const json& hashes,
                           int numSignatures, const std::string& code) {
    return c.csc("credentials/authorize",
                 json{{"credentialID", credential},
                      {"numSignatures", numSignatures},
                      {"hashes", hashes},
                      {"hashAlgorithmOID", kSha256},
                      {"authData", json::array({json{{"id", "OTP"}, {"value", code}}})}},
                 token);
  }
  Client::Answer signHash(Client& c, const std::string& token, const std::string& credential, const std::string& sad,
                          const json& hashes) {
    return c.csc("signatures/signHash",
                 json{{"credentialID", credential},
                      {"SAD", sad},
                      {"hashes", hashes},
                      {"hashAlgorithmOID", kSha256},
                      {"signAlgo", kEcdsaSha256}},
                 token);
  }
};

InProcess& world() {
  static InProcess w;
  return w;
}

// ------------------------------------------------------------------ the real server

/// `securedoc-cloud serve DIR --port 0` with its stdout read for the port.
class ServeProcess {
 public:
  explicit ServeProcess(const fs::path& dir) {
    int fds[2];
    BOOST_TEST_REQUIRE(::pipe(fds) == 0);
    m_pid = ::fork();
    BOOST_TEST_REQUIRE(m_pid >= 0);
    if (m_pid == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl(kCloud.c_str(), kCloud.c_str(), "serve", dir.c_str(), "--port", "0", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    const auto readLine = [&] {
      std::string line;
      char ch = 0;
      while (::read(fds[0], &ch, 1) == 1 && ch != '\n') line.push_back(ch);
      return line;
    };
    const std::string line = readLine();
    // A folder with a revocation listener announces it on the second line.
    if (fs::exists(dir / "revocation-url")) m_revocationLine = readLine();
    ::close(fds[0]);
    const std::string prefix = "listening on https://127.0.0.1:";
    BOOST_TEST_REQUIRE(line.rfind(prefix, 0) == 0u, "first line: " << line);
    m_port = std::stoi(line.substr(prefix.size()));
  }
  ~ServeProcess() { stop(); }
  int port() const { return m_port; }
  const std::string& revocationLine() const { return m_revocationLine; }
  /// SIGTERM; returns the exit status.
  int stop() {
    if (m_pid <= 0) return m_status;
    ::kill(m_pid, SIGTERM);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_pid = -1;
    m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return m_status;
  }

 private:
  pid_t m_pid = -1;
  int m_port = 0;
  int m_status = -1;
  std::string m_revocationLine;
};

// ------------------------------------------------------------------ revocation over plain HTTP

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

X509Ptr parseCert(const Bytes& der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  BOOST_TEST_REQUIRE(static_cast<bool>(cert), "the certificate is DER");
  return cert;
}

std::string uriOf(const GENERAL_NAME* name) {
  if (name == nullptr || name->type != GEN_URI) return {};
  const ASN1_IA5STRING* s = name->d.uniformResourceIdentifier;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
}

/// The AIA id-ad-ocsp URI (RFC 5280 §4.2.2.1), empty when there is none.
std::string ocspUrlOf(X509* cert) {
  std::unique_ptr<AUTHORITY_INFO_ACCESS, decltype(&AUTHORITY_INFO_ACCESS_free)> aia(
      static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(cert, NID_info_access, nullptr, nullptr)),
      AUTHORITY_INFO_ACCESS_free);
  for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
    const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
    if (OBJ_obj2nid(ad->method) == NID_ad_OCSP) return uriOf(ad->location);
  }
  return {};
}

/// The first CRL distribution point's fullName URI (RFC 5280 §4.2.1.13).
std::string crlUrlOf(X509* cert) {
  std::unique_ptr<CRL_DIST_POINTS, decltype(&CRL_DIST_POINTS_free)> dps(
      static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(cert, NID_crl_distribution_points, nullptr, nullptr)),
      CRL_DIST_POINTS_free);
  if (!dps || sk_DIST_POINT_num(dps.get()) < 1) return {};
  const DIST_POINT* dp = sk_DIST_POINT_value(dps.get(), 0);
  if (dp->distpoint == nullptr || dp->distpoint->type != 0) return {};
  return uriOf(sk_GENERAL_NAME_value(dp->distpoint->name.fullname, 0));
}

void writeCertPem(const fs::path& file, X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(file.c_str(), "w"), BIO_free);
  BOOST_TEST_REQUIRE((bio && PEM_write_bio_X509(bio.get(), cert) == 1));
}

/// A DER OCSPRequest for `leaf` (SHA-1 CertID, as RFC 5019 §2.1.1 asks), with a nonce.
std::string ocspRequestDer(X509* leaf, X509* issuer) {
  std::unique_ptr<OCSP_REQUEST, decltype(&OCSP_REQUEST_free)> req(OCSP_REQUEST_new(), OCSP_REQUEST_free);
  BOOST_TEST_REQUIRE(static_cast<bool>(req));
  OCSP_CERTID* id = OCSP_cert_to_id(nullptr, leaf, issuer);
  BOOST_TEST_REQUIRE((id != nullptr && OCSP_request_add0_id(req.get(), id) != nullptr));
  BOOST_TEST_REQUIRE(OCSP_request_add1_nonce(req.get(), nullptr, 16) == 1);
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_REQUEST(req.get(), &der);
  BOOST_TEST_REQUIRE(len > 0);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

/// RFC 3986 §2.1 percent-encoding of every byte that is not unreserved.
std::string urlEncode(const std::string& text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(digits[ch >> 4]);
      out.push_back(digits[ch & 15]);
    }
  }
  return out;
}

/// The OCSP response status and, when successful, the status of `leaf`.
struct OcspAnswer {
  int responseStatus = -1;
  int certStatus = -1;
};

OcspAnswer parseOcsp(const std::string& body, X509* leaf, X509* issuer) {
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  std::unique_ptr<OCSP_RESPONSE, decltype(&OCSP_RESPONSE_free)> resp(
      d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(body.size())), OCSP_RESPONSE_free);
  BOOST_TEST_REQUIRE(static_cast<bool>(resp), "the OCSP response is DER");
  OcspAnswer a;
  a.responseStatus = OCSP_response_status(resp.get());
  if (a.responseStatus != OCSP_RESPONSE_STATUS_SUCCESSFUL) return a;
  std::unique_ptr<OCSP_BASICRESP, decltype(&OCSP_BASICRESP_free)> basic(OCSP_response_get1_basic(resp.get()),
                                                                        OCSP_BASICRESP_free);
  std::unique_ptr<OCSP_CERTID, decltype(&OCSP_CERTID_free)> id(OCSP_cert_to_id(nullptr, leaf, issuer),
                                                               OCSP_CERTID_free);
  BOOST_TEST_REQUIRE((basic && id));
  int reason = 0;
  ASN1_GENERALIZEDTIME *revokedAt = nullptr, *thisUpdate = nullptr, *nextUpdate = nullptr;
  if (OCSP_resp_find_status(basic.get(), id.get(), &a.certStatus, &reason, &revokedAt, &thisUpdate, &nextUpdate) != 1)
    a.certStatus = -1;
  return a;
}

}  // namespace

// ===================================================================== in process

BOOST_AUTO_TEST_SUITE(in_process)

BOOST_AUTO_TEST_CASE(info_answers_without_a_token) {
  auto c = world().client();
  const auto a = c.csc("info", json::object());
  BOOST_TEST_REQUIRE(a.status == 200);
  BOOST_TEST(a.body["specs"] == "2.0.0.2");
  BOOST_TEST(a.body["region"] == "PL");
  BOOST_TEST(a.body["authType"] == json::array({"basic"}));
  BOOST_TEST(a.body["methods"].size() == 7u);
  BOOST_TEST(!a.body["signAlgorithms"]["algos"].empty());
  BOOST_TEST(!a.body["conformance_levels"].empty());
  BOOST_TEST(!a.body["name"].get<std::string>().empty());
  BOOST_TEST(!a.body["lang"].get<std::string>().empty());
}

BOOST_AUTO_TEST_CASE(login_gives_a_180_second_token_and_refuses_in_the_csc_shape) {
  auto& w = world();
  auto c = w.client();
  const auto ok = c.post("/csc/v2/auth/login", json::object(), basic("demo", w.password()));
  BOOST_TEST_REQUIRE(ok.status == 200);
  BOOST_TEST(ok.body["expires_in"] == 180);
  BOOST_TEST(ok.body["access_token"].get<std::string>().size() >= 43u);
  CHECK_REFUSAL(c.post("/csc/v2/auth/login", json::object(), basic("demo", "wrong password!")), 400,
                "authentication_error", "");
  CHECK_REFUSAL(c.post("/csc/v2/auth/login", json::object(), basic("nobody", w.password())), 400,
                "authentication_error", "");
  CHECK_REFUSAL(c.post("/csc/v2/auth/login", json::object()), 401, "invalid_request", "");
  CHECK_REFUSAL(c.post("/csc/v2/auth/login", json::object(), "Basic !!!"), 401, "invalid_request", "");
  CHECK_REFUSAL(c.csc("credentials/list", json::object(), "not-a-token"), 401, "invalid_token", "");
  // Malformed JSON and oversized bodies.
  auto raw = c.http.Post("/csc/v2/credentials/list", "{not json", "application/json");
  BOOST_TEST_REQUIRE(static_cast<bool>(raw));
  BOOST_TEST(raw->status == 400);
  BOOST_TEST(json::parse(raw->body)["error"] == "invalid_request");
  auto big = c.http.Post("/csc/v2/info", std::string(CscService::kMaxBodySize + 16, ' '), "application/json");
  if (big) BOOST_TEST(big->status == 413, "a body over 1 MiB");  // else httplib closed the connection early
}

BOOST_AUTO_TEST_CASE(credentials_list_and_info_answer_in_the_v2_shape) {
  auto& w = world();
  auto c = w.client();
  const std::string token = w.login(c);
  const auto list = c.csc("credentials/list", json{{"credentialInfo", true}, {"certificates", "chain"}}, token);
  BOOST_TEST_REQUIRE(list.status == 200);
  BOOST_TEST(list.body["credentialIDs"].size() == 2u, "the demo credential and the one certificate-issue added");
  BOOST_TEST(list.body["credentialInfos"].size() == 2u);
  const std::string id = w.firstCredential(c, token);

  const auto info =
      c.csc("credentials/info", json{{"credentialID", id}, {"certificates", "chain"}, {"certInfo", true}}, token);
  BOOST_TEST_REQUIRE(info.status == 200, info.body.dump());
  const json& b = info.body;
  BOOST_TEST(b["signatureQualifier"] == "eu_eidas_qes");
  BOOST_TEST(b["SCAL"] == "2");
  BOOST_TEST(b["multisign"] == 20);
  BOOST_TEST(b["key"]["status"] == "enabled");
  BOOST_TEST(b["key"]["len"] == 256);
  BOOST_TEST(b["key"]["curve"] == "1.2.840.10045.3.1.7");
  BOOST_TEST(b["key"]["algo"].front() == kEcdsaSha256);
  BOOST_TEST(b["cert"]["status"] == "valid");
  BOOST_TEST(b["cert"]["certificates"].size() == 3u, "leaf, issuing CA, root");
  BOOST_TEST(b["cert"]["validTo"].get<std::string>().size() == 15u);
  BOOST_TEST(b["cert"]["validTo"].get<std::string>().back() == 'Z');
  BOOST_TEST(!b["cert"]["serialNumber"].get<std::string>().empty());
  BOOST_TEST(b["cert"]["subjectDN"].get<std::string>().find("Testowa") != std::string::npos);
  BOOST_TEST(b["auth"]["mode"] == "explicit");
  BOOST_TEST(b["auth"]["expression"] == "OTP");
  const json& o = b["auth"]["objects"][0];
  BOOST_TEST(o["type"] == "Password");
  BOOST_TEST(o["id"] == "OTP");
  BOOST_TEST(o["format"] == "N");
  BOOST_TEST(o["generator"] == "totp");
  const Certificate leaf = Certificate::fromDer(unb64(b["cert"]["certificates"][0]));
  BOOST_TEST(leaf.allowsNonRepudiation());
  const auto single = c.csc("credentials/info", json{{"credentialID", id}}, token);
  BOOST_TEST(single.body["cert"]["certificates"].size() == 1u, "certificates defaults to single");
  CHECK_REFUSAL(c.csc("credentials/info", json{{"credentialID", "no-such-credential"}}, token), 400, "invalid_request",
                "Invalid parameter credentialID");
}

BOOST_AUTO_TEST_CASE(authorize_then_sign_gives_ecdsa_signatures_that_verify) {
  auto& w = world();
  auto c = w.client();
  const std::string token = w.login(c);
  const std::string id = w.firstCredential(c, token);
  const auto auth = w.authorize(c, token, id, hashList({1, 2}), 2, w.nextCode(w.otp()));
  BOOST_TEST_REQUIRE(auth.status == 200, auth.body.dump());
  BOOST_TEST(auth.body["expiresIn"].get<int>() > 0);
  BOOST_TEST(auth.body["expiresIn"].get<int>() <= 180);
  const std::string sad = auth.body["SAD"];
  const auto signed_ = w.signHash(c, token, id, sad, hashList({1, 2}));
  BOOST_TEST_REQUIRE(signed_.status == 200, signed_.body.dump());
  BOOST_TEST_REQUIRE(signed_.body["signatures"].size() == 2u);
  const auto info = c.csc("credentials/info", json{{"credentialID", id}}, token);
  const Bytes cert = unb64(info.body["cert"]["certificates"][0]);
  BOOST_TEST(verifiesWith(cert, docHash(1), unb64(signed_.body["signatures"][0])), "signature 1 verifies");
  BOOST_TEST(verifiesWith(cert, docHash(2), unb64(signed_.body["signatures"][1])), "signature 2 verifies");
  BOOST_TEST(!verifiesWith(cert, docHash(2), unb64(signed_.body["signatures"][0])), "in order");
  CHECK_REFUSAL(w.signHash(c, token, id, sad, hashList({1})), 400, "invalid_request", "Invalid parameter SAD");

  // Refusals of bad parameters cost no OTP step.
  CHECK_REFUSAL(w.authorize(c, token, id, hashList({3}), 0, "00000000"), 400, "invalid_request",
                "Invalid parameter numSignatures");
  CHECK_REFUSAL(w.authorize(c, token, id, hashList({3}), 21, "00000000"), 400, "invalid_request",
                "Numbers of signatures is too high");
  CHECK_REFUSAL(w.authorize(c, token, id, json::array({"AAAA"}), 1, "00000000"), 400, "invalid_request",
                "Invalid parameter hashes");
  CHECK_REFUSAL(w.authorize(c, token, id, json::array({"not base64!"}), 1, "00000000"), 400, "invalid_request",
                "Invalid parameter hashes");
  // signAlgo, digest length.
  const auto auth2 = w.authorize(c, token, id, hashList({3}), 1, w.nextCode(w.otp()));
  BOOST_TEST_REQUIRE(auth2.status == 200, auth2.body.dump());
  auto bad = json{{"credentialID", id},
                  {"SAD", auth2.body["SAD"]},
                  {"hashes", hashList({3})},
                  {"hashAlgorithmOID", kSha256},
                  {"signAlgo", "1.2.840.113549.1.1.1"}};
  CHECK_REFUSAL(c.csc("signatures/signHash", bad, token), 400, "invalid_request", "Invalid parameter signAlgo");
  bad["signAlgo"] = kEcdsaSha256;
  bad["hashes"] = json::array({toBase64(Bytes(20, 7))});
  CHECK_REFUSAL(c.csc("signatures/signHash", bad, token), 400, "invalid_request", "Invalid digest value length");
  BOOST_TEST(w.signHash(c, token, id, auth2.body["SAD"], hashList({3})).status == 200, "the refusals consumed nothing");
}

BOOST_AUTO_TEST_CASE(wrong_and_replayed_otps_are_refused) {
  auto& w = world();
  auto c = w.client();
  const std::string token = w.login(c);
  const std::string id = w.firstCredential(c, token);
  const OtpAuth otp = w.otp();
  std::string code = w.nextCode(otp);
  std::string wrong = code;
  wrong.back() = wrong.back() == '9' ? '0' : static_cast<char>(wrong.back() + 1);
  CHECK_REFUSAL(w.authorize(c, token, id, hashList({1}), 1, wrong), 400, "invalid_otp", "The OTP is invalid");
  BOOST_TEST(w.authorize(c, token, id, hashList({1}), 1, code).status == 200);
  CHECK_REFUSAL(w.authorize(c, token, id, hashList({1}), 1, code), 400, "invalid_otp", "The OTP is invalid");
  // The step before, though inside the window, is older than the one used.
  CHECK_REFUSAL(w.authorize(c, token, id, hashList({1}), 1, totpCode(otp, w.now() - 30)), 400, "invalid_otp",
                "The OTP is invalid");
  CHECK_REFUSAL(w.authorize(c, token, id, hashList({1}), 1, "12345"), 400, "invalid_otp", "The OTP is invalid");
}

BOOST_AUTO_TEST_CASE(a_sad_signs_only_its_hashes_its_credential_and_its_count) {
  auto& w = world();
  auto c = w.client();
  const std::string token = w.login(c);
  const std::string id = w.firstCredential(c, token);
  const auto auth = w.authorize(c, token, id, hashList({11, 12, 13}), 2, w.nextCode(w.otp()));
  BOOST_TEST_REQUIRE(auth.status == 200, auth.body.dump());
  const std::string sad = auth.body["SAD"];
  CHECK_REFUSAL(w.signHash(c, token, id, sad, hashList({99})), 400, "invalid_request",
                "Hash is not authorized by the SAD");
  CHECK_REFUSAL(w.signHash(c, token, w.secondCredential, sad, hashList({11})), 400, "invalid_request",
                "Invalid parameter SAD");
  CHECK_REFUSAL(w.signHash(c, token, id, sad, hashList({11, 12, 13})), 400, "invalid_request",
                "Numbers of signatures is too high");
  const std::string other = w.login(c);
  CHECK_REFUSAL(w.signHash(c, other, id, sad, hashList({11})), 400, "invalid_request", "Invalid parameter SAD");
  BOOST_TEST(w.signHash(c, token, id, sad, hashList({11})).status == 200);
  BOOST_TEST(w.signHash(c, token, id, sad, hashList({12})).status == 200);
  CHECK_REFUSAL(w.signHash(c, token, id, sad, hashList({13})), 400, "invalid_request", "Invalid parameter SAD");
}

BOOST_AUTO_TEST_CASE(remember_me_sessions_extend_without_an_otp_and_others_do_not) {
  auto& w = world();
  auto c = w.client();
  const auto extend = [&](const std::string& token, const std::string& id, const std::string& sad, const json& h) {
    return c.csc("credentials/extendTransaction",
                 json{{"credentialID", id}, {"SAD", sad}, {"hashes", h}, {"hashAlgorithmOID", kSha256}}, token);
  };
  const std::string plain = w.login(c, false);
  const std::string id = w.firstCredential(c, plain);
  const auto p = w.authorize(c, plain, id, hashList({21}), 1, w.nextCode(w.otp()));
  BOOST_TEST_REQUIRE(p.status == 200);
  CHECK_REFUSAL(extend(plain, id, p.body["SAD"], hashList({22})), 400, "invalid_request", "Invalid parameter SAD");

  const std::string remember = w.login(c, true);
  const auto first = w.authorize(c, remember, id, hashList({21}), 1, w.nextCode(w.otp()));
  BOOST_TEST_REQUIRE(first.status == 200);
  BOOST_TEST(w.signHash(c, remember, id, first.body["SAD"], hashList({21})).status == 200);
  const auto second = extend(remember, id, first.body["SAD"], hashList({22, 23, 24}));
  BOOST_TEST_REQUIRE(second.status == 200, "a used-up SAD of a rememberMe session extends: " << second.body.dump());
  BOOST_TEST(w.signHash(c, remember, id, second.body["SAD"], hashList({22, 23, 24})).status == 200);
  CHECK_REFUSAL(extend(remember, w.secondCredential, second.body["SAD"], hashList({25})), 400, "invalid_request",
                "Invalid parameter SAD");
  CHECK_REFUSAL(extend(plain, id, second.body["SAD"], hashList({25})), 400, "invalid_request", "Invalid parameter SAD");
  BOOST_TEST(c.csc("auth/revoke", json::object(), remember).status == 204);
  CHECK_REFUSAL(extend(remember, id, second.body["SAD"], hashList({25})), 401, "invalid_token", "");
}

BOOST_AUTO_TEST_CASE(expired_sessions_and_certificates_are_refused) {
  auto& w = world();
  auto c = w.client();
  const std::string token = w.login(c);
  const std::string id = w.firstCredential(c, token);
  const auto auth = w.authorize(c, token, id, hashList({31}), 1, w.nextCode(w.otp()));
  BOOST_TEST_REQUIRE(auth.status == 200);
  w.offset += 181;
  CHECK_REFUSAL(w.signHash(c, token, id, auth.body["SAD"], hashList({31})), 401, "expired_token", "");
  CHECK_REFUSAL(c.csc("credentials/list", json::object(), token), 401, "expired_token", "");

  // 731 days on, the 730-day certificate has expired.
  const std::int64_t saved = w.offset;
  w.offset += 731 * 86400;
  const std::string late = w.login(c);
  const auto info = c.csc("credentials/info", json{{"credentialID", id}}, late);
  BOOST_TEST(info.body["cert"]["status"] == "expired");
  const auto lateAuth = w.authorize(c, late, id, hashList({32}), 1, w.nextCode(w.otp()));
  BOOST_TEST_REQUIRE(lateAuth.status == 200, lateAuth.body.dump());
  CHECK_REFUSAL(w.signHash(c, late, id, lateAuth.body["SAD"], hashList({32})), 400, "invalid_request",
                "Signing certificate is expired");
  w.offset = saved + 31;  // back to the present (this credential's last step stays in the future)
}

BOOST_AUTO_TEST_CASE(five_wrong_otps_lock_the_credential_for_300_seconds) {
  auto& w = world();
  auto c = w.client();
  const std::string token = w.login(c);
  const OtpAuth otp = w.otp();
  for (int i = 0; i < 5; ++i)
    CHECK_REFUSAL(w.authorize(c, token, w.secondCredential, hashList({41}), 1, "0000000" + std::to_string(i)), 400,
                  "invalid_otp", "The OTP is invalid");
  // Even the right code is refused while locked.
  const std::string code = totpCode(otp, w.now());
  CHECK_REFUSAL(w.authorize(c, token, w.secondCredential, hashList({41}), 1, code), 400, "invalid_request",
                "Credential locked");
}

BOOST_AUTO_TEST_CASE(account_life_over_the_account_routes) {
  auto& w = world();
  auto c = w.client();
  const auto outboxLast = [&](const std::string& kind) {
    std::ifstream in(w.world() / "outbox" / "bob.txt");
    std::string line, last;
    while (std::getline(in, line))
      if (line.find(" " + kind + " ") != std::string::npos) last = line;
    BOOST_TEST_REQUIRE(!last.empty(), "a " << kind << " message in the outbox");
    return last.substr(last.rfind(' ') + 1);
  };
  const std::string p1 = "first password 1", p2 = "second password 2", p3 = "third password 3";
  CHECK_REFUSAL(c.post("/csc/v2/auth/login", json::object(), basic("bob", p1)), 400, "authentication_error", "");
  BOOST_TEST(c.post("/account/activate", json{{"token", w.bobToken}, {"password", p1}}).status == 204);
  BOOST_TEST(c.post("/account/activate", json{{"token", w.bobToken}, {"password", p1}}).status == 400, "single use");
  BOOST_TEST(c.post("/csc/v2/auth/login", json::object(), basic("bob", p1)).status == 200);
  BOOST_TEST(
      c.post("/account/password/change", json{{"login", "bob"}, {"oldPassword", p1}, {"newPassword", p2}}).status ==
      204);
  BOOST_TEST(c.post("/csc/v2/auth/login", json::object(), basic("bob", p2)).status == 200);
  BOOST_TEST(c.post("/account/password/reset/request", json{{"login", "bob"}}).status == 202);
  BOOST_TEST(c.post("/account/password/reset/request", json{{"login", "nobody"}}).status == 202, "same answer");
  const std::string reset = outboxLast("password-reset");
  BOOST_TEST(c.post("/account/password/reset", json{{"token", reset}, {"password", p3}}).status == 204);
  BOOST_TEST(c.post("/csc/v2/auth/login", json::object(), basic("bob", p3)).status == 200);

  // OTP enrolment: a code through the outbox, then the secret.
  BOOST_TEST(c.post("/account/otp/start", json::object(), basic("bob", p3)).status == 202);
  const auto confirmed = c.post("/account/otp/confirm", json{{"code", outboxLast("otp-code")}}, basic("bob", p3));
  BOOST_TEST_REQUIRE(confirmed.status == 200, confirmed.body.dump());
  const OtpAuth bobOtp = OtpAuth::parse(confirmed.body["otpauth"]);
  BOOST_TEST(bobOtp.account == "bob");
  BOOST_TEST(bobOtp.issuer == "SecureDoc Cloud");
  BOOST_TEST(bobOtp.digits == 8);
  const Bytes png = unb64(confirmed.body["qrPng"]);
  BOOST_TEST_REQUIRE(png.size() > 8u);
  BOOST_TEST(png[1] == 'P');
  BOOST_TEST(png[2] == 'N');
  // Bob's RSA credential now takes his codes.
  const auto bobLogin = c.post("/csc/v2/auth/login", json::object(), basic("bob", p3));
  const std::string bobToken = bobLogin.body["access_token"];
  const auto list = c.csc("credentials/list", json::object(), bobToken);
  BOOST_TEST_REQUIRE(list.body["credentialIDs"].size() == 1u);
  const std::string bobCred = list.body["credentialIDs"][0];
  const auto auth = w.authorize(c, bobToken, bobCred, hashList({51}), 1, w.nextCode(bobOtp));
  BOOST_TEST_REQUIRE(auth.status == 200, auth.body.dump());
  const auto sig = c.csc("signatures/signHash",
                         json{{"credentialID", bobCred},
                              {"SAD", auth.body["SAD"]},
                              {"hashes", hashList({51})},
                              {"hashAlgorithmOID", kSha256},
                              {"signAlgo", "1.2.840.113549.1.1.1"}},
                         bobToken);
  BOOST_TEST(sig.status == 200, sig.body.dump());
  BOOST_TEST(unb64(sig.body["signatures"][0]).size() == 256u, "an RSA-2048 PKCS#1 v1.5 value");

  // Three wrong enrolment codes block enrolment until otp-reset.
  BOOST_TEST(c.post("/account/otp/start", json::object(), basic("bob", p3)).status == 202);
  CHECK_REFUSAL(c.post("/account/otp/confirm", json{{"code", "00000000"}}, basic("bob", p3)), 400, "invalid_grant", "");
  CHECK_REFUSAL(c.post("/account/otp/confirm", json{{"code", "00000001"}}, basic("bob", p3)), 400, "invalid_grant", "");
  CHECK_REFUSAL(c.post("/account/otp/confirm", json{{"code", "00000002"}}, basic("bob", p3)), 403, "access_denied", "");
  CHECK_REFUSAL(c.post("/account/otp/start", json::object(), basic("bob", p3)), 403, "access_denied", "");
  runCloud({"otp-reset", w.world().string(), "--login", "bob"});
  BOOST_TEST(c.post("/account/otp/start", json::object(), basic("bob", p3)).status == 202);
}

BOOST_AUTO_TEST_CASE(crl_ocsp_and_tsa_answer) {
  auto& w = world();
  auto c = w.client();
  auto crl = c.http.Get("/crl");
  BOOST_TEST_REQUIRE(static_cast<bool>(crl));
  BOOST_TEST(crl->status == 200);
  const auto* p = reinterpret_cast<const unsigned char*>(crl->body.data());
  X509_CRL* parsed = d2i_X509_CRL(nullptr, &p, static_cast<long>(crl->body.size()));
  BOOST_TEST(parsed != nullptr, "the CRL is DER");
  X509_CRL_free(parsed);

  // OCSP about the demo credential's certificate.
  const std::string token = w.login(c);
  const auto info =
      c.csc("credentials/info", json{{"credentialID", w.firstCredential(c, token)}, {"certificates", "chain"}}, token);
  const Bytes leafDer = unb64(info.body["cert"]["certificates"][0]);
  const Bytes issuerDer = unb64(info.body["cert"]["certificates"][1]);
  const unsigned char* lp = leafDer.data();
  const unsigned char* ip = issuerDer.data();
  X509* leaf = d2i_X509(nullptr, &lp, static_cast<long>(leafDer.size()));
  X509* issuer = d2i_X509(nullptr, &ip, static_cast<long>(issuerDer.size()));
  OCSP_REQUEST* req = OCSP_REQUEST_new();
  OCSP_request_add0_id(req, OCSP_cert_to_id(nullptr, leaf, issuer));
  unsigned char* der = nullptr;
  const int len = i2d_OCSP_REQUEST(req, &der);
  const std::string body(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  OCSP_REQUEST_free(req);
  X509_free(leaf);
  X509_free(issuer);
  auto ocsp = c.http.Post("/ocsp", body, "application/ocsp-request");
  BOOST_TEST_REQUIRE(static_cast<bool>(ocsp));
  BOOST_TEST(ocsp->status == 200);
  BOOST_TEST(ocsp->get_header_value("Content-Type") == "application/ocsp-response");
  const auto* op = reinterpret_cast<const unsigned char*>(ocsp->body.data());
  OCSP_RESPONSE* resp = d2i_OCSP_RESPONSE(nullptr, &op, static_cast<long>(ocsp->body.size()));
  BOOST_TEST_REQUIRE(resp != nullptr, "the OCSP response is DER");
  BOOST_TEST(OCSP_response_status(resp) == OCSP_RESPONSE_STATUS_SUCCESSFUL);
  OCSP_RESPONSE_free(resp);

  // A TimeStampReq made by openssl ts.
  test::requireTool("openssl", "the Debian package openssl");
  test::writeFile(w.dir / "data.txt", "to be time-stamped");
  const auto q = test::run({"openssl", "ts", "-query", "-data", (w.dir / "data.txt").string(), "-sha256", "-cert",
                            "-out", (w.dir / "req.tsq").string()});
  BOOST_TEST_REQUIRE(q.exitCode == 0, q.err);
  const std::string tsq = test::readText(w.dir / "req.tsq");
  auto ts = c.http.Post("/tsa", tsq, "application/timestamp-query");
  BOOST_TEST_REQUIRE(static_cast<bool>(ts));
  BOOST_TEST(ts->status == 200);
  const auto* tp = reinterpret_cast<const unsigned char*>(ts->body.data());
  TS_RESP* tsResp = d2i_TS_RESP(nullptr, &tp, static_cast<long>(ts->body.size()));
  BOOST_TEST_REQUIRE(tsResp != nullptr, "the TimeStampResp is DER");
  BOOST_TEST(ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(tsResp))) == 0, "granted");
  TS_RESP_free(tsResp);
  auto wrongType = c.http.Post("/tsa", tsq, "application/json");
  BOOST_TEST_REQUIRE(static_cast<bool>(wrongType));
  BOOST_TEST(wrongType->status == 415);
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================== the real executable

BOOST_AUTO_TEST_SUITE(subprocess)

BOOST_AUTO_TEST_CASE(serve_writes_its_port_signs_refuses_plain_http_and_survives_a_restart) {
  TempDir dir;
  const fs::path d = dir / "world";
  runCloud({"demo", d.string()});
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat((d / "demo.json").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u, "demo.json holds the password");
  BOOST_TEST_REQUIRE(::stat((d / "hsm" / "pin").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  json demo = readJson(d / "demo.json");
  for (const char* key : {"ca", "qr", "trustAnchor"}) {
    BOOST_TEST(fs::path(demo[key].get<std::string>()).is_absolute(), key);
    BOOST_TEST(fs::exists(demo[key].get<std::string>()), key);
  }
  BOOST_TEST(demo["login"] == "demo");
  BOOST_TEST(demo["password"].get<std::string>().size() == 16u);
  BOOST_TEST(demo["otpauth"].get<std::string>().rfind("otpauth://totp/SecureDoc%20Cloud:demo?secret=", 0) == 0u);
  BOOST_TEST(demo["otpauth"].get<std::string>().find("&issuer=SecureDoc%20Cloud&algorithm=SHA1&digits=8&period=30") !=
             std::string::npos);

  std::vector<std::string> ids;
  {
    ServeProcess serve(d);
    demo = readJson(d / "demo.json");
    const std::string base = "https://127.0.0.1:" + std::to_string(serve.port());
    BOOST_TEST(demo["url"] == base + "/csc/v2", "demo.json names the real port");
    BOOST_TEST(demo["tsa"] == base + "/tsa");

    Client c(serve.port(), demo["ca"].get<std::string>());
    BOOST_TEST(c.csc("info", json::object()).status == 200);
    const auto login = c.post("/csc/v2/auth/login", json::object(), basic("demo", demo["password"]));
    BOOST_TEST_REQUIRE(login.status == 200);
    const std::string token = login.body["access_token"];
    const auto list = c.csc("credentials/list", json::object(), token);
    BOOST_TEST_REQUIRE(list.body["credentialIDs"].size() == 1u);
    ids = list.body["credentialIDs"].get<std::vector<std::string>>();
    const OtpAuth otp = OtpAuth::parse(demo["otpauth"]);
    const auto auth =
        c.csc("credentials/authorize",
              json{{"credentialID", ids[0]},
                   {"numSignatures", 1},
                   {"hashes", hashList({1})},
                   {"hashAlgorithmOID", kSha256},
                   {"authData", json::array({json{{"id", "OTP"}, {"value", totpCode(otp, systemNow())}}})}},
              token);
    BOOST_TEST_REQUIRE(auth.status == 200, auth.body.dump());
    const auto sig = c.csc("signatures/signHash",
                           json{{"credentialID", ids[0]},
                                {"SAD", auth.body["SAD"]},
                                {"hashes", hashList({1})},
                                {"hashAlgorithmOID", kSha256},
                                {"signAlgo", kEcdsaSha256}},
                           token);
    BOOST_TEST_REQUIRE(sig.status == 200, sig.body.dump());
    const auto info = c.csc("credentials/info", json{{"credentialID", ids[0]}}, token);
    BOOST_TEST(verifiesWith(unb64(info.body["cert"]["certificates"][0]), docHash(1), unb64(sig.body["signatures"][0])));

    // Plain HTTP to the TLS port: no answer, nothing signed.
    httplib::Client plain("127.0.0.1", serve.port());
    plain.set_read_timeout(std::chrono::seconds(5));
    auto res = plain.Post("/csc/v2/info", "{}", "application/json");
    BOOST_TEST(!res, "plain HTTP gets no HTTP answer");
    // A client that does not trust the demo CA does not connect.
    httplib::SSLClient untrusting("127.0.0.1", serve.port());
    untrusting.set_ca_cert_path((test::pkiDir() / "root-ca.pem").c_str());
    untrusting.enable_server_certificate_verification(true);
    BOOST_TEST(!untrusting.Post("/csc/v2/info", "{}", "application/json"), "verification fails");
    BOOST_TEST(serve.stop() == 0, "SIGTERM stops cleanly");
  }
  {
    ServeProcess again(d);
    demo = readJson(d / "demo.json");
    Client c(again.port(), demo["ca"].get<std::string>());
    const auto login = c.post("/csc/v2/auth/login", json::object(), basic("demo", demo["password"]));
    BOOST_TEST_REQUIRE(login.status == 200, "the account survived the restart");
    const auto list = c.csc("credentials/list", json::object(), login.body["access_token"]);
    BOOST_TEST(list.body["credentialIDs"].get<std::vector<std::string>>() == ids, "and its credential");
  }
  // Usage and unreadable folders.
  BOOST_TEST(test::run({kCloud, "serve", (dir / "nothing-here").string()}).exitCode == 4);
  BOOST_TEST(test::run({kCloud, "frobnicate"}).exitCode == 64);
  BOOST_TEST(test::run({kCloud, "demo", d.string()}).exitCode == 64, "demo never overwrites a world");
}

BOOST_AUTO_TEST_CASE(certificates_name_the_plain_http_ocsp_and_crls_that_serve_answers) {
  test::requireTool("openssl", "the Debian package openssl");
  TempDir dir;
  const fs::path d = dir / "world";
  runCloud({"demo", d.string()});
  const json demo = readJson(d / "demo.json");
  const std::string base = firstLine(test::readText(d / "revocation-url"));
  const std::string prefix = "http://127.0.0.1:";
  BOOST_TEST_REQUIRE(base.rfind(prefix, 0) == 0u, base);
  const int revocationPort = std::stoi(base.substr(prefix.size()));
  BOOST_TEST(demo["ocsp"] == base + "/ocsp");
  BOOST_TEST(demo["crl"] == base + "/crl");
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat((d / "revocation-url").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0644u, "the URL is no secret");
  const fs::path rootPem = d / "ca" / "root-ca.pem";
  const fs::path issuingPem = d / "ca" / "issuing-ca.pem";
  test::writeFile(dir / "chain.pem", test::readText(issuingPem) + test::readText(rootPem));

  std::string oldCredential;  // made by certificate-issue in a folder without revocation-url
  {
    ServeProcess serve(d);
    BOOST_TEST(serve.revocationLine() == "revocation on " + base);
    Client c(serve.port(), demo["ca"].get<std::string>());
    const auto login = c.post("/csc/v2/auth/login", json::object(), basic("demo", demo["password"]));
    BOOST_TEST_REQUIRE(login.status == 200);
    const std::string token = login.body["access_token"];
    const auto list = c.csc("credentials/list", json::object(), token);
    BOOST_TEST_REQUIRE(list.body["credentialIDs"].size() == 1u);
    const auto info = c.csc("credentials/info",
                            json{{"credentialID", list.body["credentialIDs"][0]}, {"certificates", "chain"}}, token);
    BOOST_TEST_REQUIRE(info.status == 200);
    const X509Ptr leaf = parseCert(unb64(info.body["cert"]["certificates"][0]));
    const X509Ptr issuer = parseCert(unb64(info.body["cert"]["certificates"][1]));

    // (a) The URLs in the certificates are demo.json's.
    BOOST_TEST(ocspUrlOf(leaf.get()) == demo["ocsp"].get<std::string>());
    BOOST_TEST(crlUrlOf(leaf.get()) == demo["crl"].get<std::string>());
    BOOST_TEST(crlUrlOf(issuer.get()) == base + "/crl/root", "the issuing CA names the root's CRL");
    writeCertPem(dir / "signer.pem", leaf.get());

    // (b) POST /ocsp over plain HTTP, by openssl ocsp at the certificate's URL.
    const auto ocsp =
        test::run({"openssl", "ocsp", "-issuer", issuingPem.string(), "-cert", (dir / "signer.pem").string(), "-url",
                   ocspUrlOf(leaf.get()), "-CAfile", rootPem.string()});
    BOOST_TEST(ocsp.exitCode == 0, ocsp.out << ocsp.err);
    BOOST_TEST(ocsp.out.find(": good") != std::string::npos, ocsp.out);
    BOOST_TEST(ocsp.err.find("Response verify OK") != std::string::npos, ocsp.err);

    // GET /ocsp/{url-encoded base64} (RFC 6960 Appendix A.1), and base64url.
    httplib::Client plain("127.0.0.1", revocationPort);
    plain.set_read_timeout(std::chrono::seconds(30));
    const std::string der = ocspRequestDer(leaf.get(), issuer.get());
    const std::string b64 = toBase64(Bytes(der.begin(), der.end()));
    std::string b64url = b64;
    for (char& ch : b64url) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
    b64url.erase(b64url.find_last_not_of('=') + 1);
    for (const std::string& path : {"/ocsp/" + urlEncode(b64), "/ocsp/" + b64url}) {
      auto res = plain.Get(path.c_str());
      BOOST_TEST_REQUIRE(static_cast<bool>(res), path << ": " << httplib::to_string(res.error()));
      BOOST_TEST(res->status == 200);
      BOOST_TEST(res->get_header_value("Content-Type") == "application/ocsp-response");
      const OcspAnswer a = parseOcsp(res->body, leaf.get(), issuer.get());
      BOOST_TEST(a.responseStatus == OCSP_RESPONSE_STATUS_SUCCESSFUL, path);
      BOOST_TEST(a.certStatus == V_OCSP_CERTSTATUS_GOOD, path);
    }

    // GET /crl and /crl/root: DER CRLs of the issuing CA and of the root.
    for (const auto& [path, caFile] : {std::pair<std::string, fs::path>{"/crl", dir / "chain.pem"},
                                       std::pair<std::string, fs::path>{"/crl/root", rootPem}}) {
      auto res = plain.Get(path.c_str());
      BOOST_TEST_REQUIRE(static_cast<bool>(res), path);
      BOOST_TEST(res->status == 200);
      BOOST_TEST(res->get_header_value("Content-Type") == "application/pkix-crl");
      const fs::path file = dir / ("crl" + std::to_string(path.size()) + ".der");
      test::writeFile(file, res->body);
      const auto check = test::run(
          {"openssl", "crl", "-inform", "DER", "-in", file.string(), "-CAfile", caFile.string(), "-noout", "-issuer"});
      BOOST_TEST(check.exitCode == 0, path << ": " << check.err);
      BOOST_TEST(check.err.find("verify OK") != std::string::npos, path << ": " << check.err);
      BOOST_TEST(check.out.find(path == "/crl" ? "Issuing CA" : "Root CA") != std::string::npos, check.out);
    }

    // (c) Bad GET input: a clean malformedRequest, and the server goes on.
    for (const std::string& path :
         {std::string("/ocsp/"), std::string("/ocsp/%zz"), std::string("/ocsp/%4"), std::string("/ocsp/not!base64"),
          std::string("/ocsp/A"), "/ocsp/" + std::string(5000, 'A'), "/ocsp/" + urlEncode(b64.substr(0, 40)),
          "/ocsp/" + urlEncode(toBase64(Bytes(300, 0xff)))}) {
      auto res = plain.Get(path.c_str());
      BOOST_TEST_REQUIRE(static_cast<bool>(res), path.substr(0, 40));
      BOOST_TEST(res->status == 200, path.substr(0, 40));
      BOOST_TEST(parseOcsp(res->body, leaf.get(), issuer.get()).responseStatus == OCSP_RESPONSE_STATUS_MALFORMEDREQUEST,
                 path.substr(0, 40));
    }
    auto wrongType = plain.Post("/ocsp", der, "application/json");
    BOOST_TEST_REQUIRE(static_cast<bool>(wrongType));
    BOOST_TEST(wrongType->status == 415);
    // Only the revocation routes are served in plain HTTP.
    auto csc = plain.Post("/csc/v2/info", "{}", "application/json");
    BOOST_TEST_REQUIRE(static_cast<bool>(csc));
    BOOST_TEST(csc->status == 404);
    auto again = plain.Get(("/ocsp/" + urlEncode(b64)).c_str());
    BOOST_TEST_REQUIRE(static_cast<bool>(again), "still serving");
    BOOST_TEST(parseOcsp(again->body, leaf.get(), issuer.get()).certStatus == V_OCSP_CERTSTATUS_GOOD);
    BOOST_TEST(serve.stop() == 0, "SIGTERM stops both listeners");
    httplib::Client after("127.0.0.1", revocationPort);
    after.set_connection_timeout(std::chrono::seconds(2));
    BOOST_TEST(!after.Get("/crl"), "the revocation listener is gone");
  }

  // A folder made before the listener existed: no URLs, no second listener.
  fs::remove(d / "revocation-url");
  oldCredential = firstLine(runCloud({"certificate-issue", d.string(), "--login", "demo"}));
  {
    ServeProcess serve(d);
    BOOST_TEST(serve.revocationLine().empty());
    Client c(serve.port(), demo["ca"].get<std::string>());
    const auto login = c.post("/csc/v2/auth/login", json::object(), basic("demo", demo["password"]));
    BOOST_TEST_REQUIRE(login.status == 200);
    const auto info = c.csc("credentials/info", json{{"credentialID", oldCredential}}, login.body["access_token"]);
    BOOST_TEST_REQUIRE(info.status == 200, info.body.dump());
    const X509Ptr leaf = parseCert(unb64(info.body["cert"]["certificates"][0]));
    BOOST_TEST(ocspUrlOf(leaf.get()).empty());
    BOOST_TEST(crlUrlOf(leaf.get()).empty());
    httplib::Client plain("127.0.0.1", revocationPort);
    plain.set_connection_timeout(std::chrono::seconds(2));
    BOOST_TEST(!plain.Get("/crl"), "no plain listener");
    BOOST_TEST(serve.stop() == 0);
  }
  // The port taken by another program: a clear failure naming it.
  test::writeFile(d / "revocation-url", base + "\n");
  const int squatter = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_TEST_REQUIRE(squatter >= 0);
  const int yes = 1;  // the port may be in TIME_WAIT; a listening socket still excludes others
  ::setsockopt(squatter, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(revocationPort));
  const bool bound =
      ::bind(squatter, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && ::listen(squatter, 1) == 0;
  BOOST_TEST_REQUIRE(bound);
  const auto taken = test::run({kCloud, "serve", d.string(), "--port", "0"});
  BOOST_TEST(taken.exitCode == 1, taken.err);
  BOOST_TEST(taken.err.find(std::to_string(revocationPort)) != std::string::npos, taken.err);
  ::close(squatter);
}

BOOST_AUTO_TEST_SUITE_END()
