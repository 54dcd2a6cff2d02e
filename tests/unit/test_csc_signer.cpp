// CscSigner against a small in-process CSC v2 service on loopback TLS
// (cpp-httplib), which signs with an EC key of its own: the client's flow
// (login, list, authorize with an OTP, extendTransaction, signHash), its error
// mapping and its checks, without the real service (test_cloud_flow has that).
#include "crypto_printers.h"
#include "test_support.h"

#include <securedoc/crypto/csc_signer.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>

#include <boost/test/unit_test.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace securedoc;
using namespace securedoc::test;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// Counts what the client asked, answers from fixed strings.
struct Answers final : Interaction {
  int passwords = 0;
  int otps = 0;
  std::string password = "secret";
  std::string otp = "12345678";
  bool cancel = false;
  SecretString askSecret(Secret kind, const std::string& what) override {
    BOOST_TEST(what.rfind("alice@127.0.0.1:", 0) == 0, "the account is named: " << what);
    if (kind == Secret::Password) return ++passwords, SecretString(std::string_view(password));
    if (kind == Secret::Otp) return ++otps, SecretString(std::string_view(otp));
    BOOST_FAIL("no PIN is asked");
    return {};
  }
  bool cancelled() override { return cancel; }
};

struct MockService {
  TempDir dir;
  std::string cert, key, ca, signCert;
  ossl::EvpPkey signKey;
  std::unique_ptr<httplib::SSLServer> server;
  std::thread thread;
  int port = 0;
  std::atomic<int> authorizeCalls{0}, extendCalls{0}, signCalls{0}, logins{0};
  std::atomic<bool> expireNextSign{false}, wrongValues{false};
  std::string token;

  MockService() {
    const auto tls = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", (dir / "tls.key").string(), "-out", (dir / "tls.pem").string(), "-days", "2",
                          "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
    BOOST_TEST_REQUIRE(tls.exitCode == 0, tls.err);
    const auto signing =
        run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             (dir / "sign.key").string(), "-out", (dir / "sign.pem").string(), "-days", "2", "-subj",
             "/CN=Cloud Tester", "-addext", "keyUsage=critical,nonRepudiation"});
    BOOST_TEST_REQUIRE(signing.exitCode == 0, signing.err);
    ca = (dir / "tls.pem").string();
    signCert = toBase64(Certificate::loadFile(dir / "sign.pem").front().der());
    ossl::Bio bio(BIO_new_file((dir / "sign.key").string().c_str(), "r"));
    signKey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    BOOST_TEST_REQUIRE(static_cast<bool>(signKey));

    server = std::make_unique<httplib::SSLServer>(ca.c_str(), (dir / "tls.key").string().c_str());
    const auto fail = [](httplib::Response& res, int status, const char* code, const char* text) {
      res.status = status;
      res.set_content(json{{"error", code}, {"error_description", text}}.dump(), "application/json");
    };
    const auto bearer = [this, fail](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != "Bearer " + token) {
        fail(res, 401, "invalid_token", "Invalid access token");
        return false;
      }
      return true;
    };
    server->Post("/csc/v2/auth/login", [this, fail](const httplib::Request& req, httplib::Response& res) {
      const std::string expected =
          "Basic " + toBase64(Bytes{'a', 'l', 'i', 'c', 'e', ':', 's', 'e', 'c', 'r', 'e', 't'});
      if (req.get_header_value("Authorization") != expected)
        return fail(res, 400, "authentication_error", "Wrong login");
      token = "token" + std::to_string(++logins);
      res.set_content(json{{"access_token", token}, {"expires_in", 180}}.dump(), "application/json");
    });
    server->Post("/csc/v2/credentials/list", [this, bearer](const httplib::Request& req, httplib::Response& res) {
      if (!bearer(req, res)) return;
      const json info = {{"credentialID", "cred-1"},
                         {"description", "Test key"},
                         {"multisign", 3},
                         {"cert", {{"certificates", {signCert}}}}};
      res.set_content(json{{"credentialIDs", {"cred-1"}}, {"credentialInfos", {info}}}.dump(), "application/json");
    });
    server->Post("/csc/v2/credentials/authorize",
                 [this, bearer, fail](const httplib::Request& req, httplib::Response& res) {
                   if (!bearer(req, res)) return;
                   ++authorizeCalls;
                   const json body = json::parse(req.body);
                   if (body["authData"][0]["value"] != "12345678")
                     return fail(res, 400, "invalid_otp", "The OTP is invalid");
                   BOOST_TEST(body["numSignatures"] == body["hashes"].size());
                   res.set_content(json{{"SAD", "sad" + std::to_string(authorizeCalls)}, {"expiresIn", 60}}.dump(),
                                   "application/json");
                 });
    server->Post("/csc/v2/credentials/extendTransaction", [this, bearer](const httplib::Request& req,
                                                                         httplib::Response& res) {
      if (!bearer(req, res)) return;
      ++extendCalls;
      res.set_content(json{{"SAD", "ext" + std::to_string(extendCalls)}, {"expiresIn", 60}}.dump(), "application/json");
    });
    server->Post("/csc/v2/signatures/signHash",
                 [this, bearer, fail](const httplib::Request& req, httplib::Response& res) {
                   if (!bearer(req, res)) return;
                   if (expireNextSign.exchange(false))
                     return fail(res, 401, "expired_token", "The access token expired");
                   ++signCalls;
                   const json body = json::parse(req.body);
                   BOOST_TEST(body["signAlgo"] == "1.2.840.10045.4.3.2");
                   json values = json::array();
                   for (const auto& h : body["hashes"]) {
                     Bytes digest = fromBase64(h.get<std::string>()).value_or(Bytes{});
                     if (wrongValues) digest[0] ^= 1;
                     ossl::EvpPkeyCtx ctx(EVP_PKEY_CTX_new(signKey.get(), nullptr));
                     std::size_t len = 0;
                     EVP_PKEY_sign_init(ctx.get());
                     EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size());
                     Bytes sig(len);
                     EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size());
                     sig.resize(len);
                     values.push_back(toBase64(sig));
                   }
                   res.set_content(json{{"signatures", values}}.dump(), "application/json");
                 });
    server->Post("/csc/v2/auth/revoke", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    port = server->bind_to_any_port("127.0.0.1");
    BOOST_TEST_REQUIRE(port > 0);
    thread = std::thread([this] { server->listen_after_bind(); });
    for (int i = 0; i < 200 && !server->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~MockService() {
    server->stop();
    thread.join();
  }
  CscOptions options(bool remember = false) const {
    CscOptions o;
    o.baseUrl = "https://127.0.0.1:" + std::to_string(port) + "/csc/v2";
    o.caFile = ca;
    o.login = "alice";
    o.rememberSession = remember;
    return o;
  }
};

std::vector<Bytes> digests(int n) {
  std::vector<Bytes> out;
  for (int i = 0; i < n; ++i) {
    const std::string text = "doc" + std::to_string(i);
    out.push_back(digest(DigestAlgorithm::Sha256, text.data(), text.size()));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(csc_signer)

BOOST_AUTO_TEST_CASE(plain_http_and_missing_options_are_refused) {
  Answers ui;
  CscOptions o;
  o.baseUrl = "http://127.0.0.1:1/csc/v2";
  o.caFile = "/etc/hosts";
  o.login = "alice";
  BOOST_CHECK_EXCEPTION(CscSigner(o, ui), Error, hasCategory(Category::Usage));
  o.baseUrl = "https://127.0.0.1:1/csc/v2";
  o.caFile.clear();
  BOOST_CHECK_EXCEPTION(CscSigner(o, ui), Error, hasCategory(Category::Usage));
  o.caFile = "/etc/hosts";
  o.login.clear();
  BOOST_CHECK_EXCEPTION(CscSigner(o, ui), Error, hasCategory(Category::Usage));
  BOOST_TEST(ui.passwords + ui.otps == 0, "nothing is asked before the options are right");
}

BOOST_AUTO_TEST_CASE(the_credential_is_offered_with_its_account) {
  MockService svc;
  Answers ui;
  CscSigner signer(svc.options(), ui);
  const auto offered = signer.certificates();
  BOOST_TEST_REQUIRE(offered.size() == 1u);
  BOOST_TEST(offered[0].id == "cred-1");
  BOOST_TEST(offered[0].keyId == "cred-1");
  BOOST_TEST(offered[0].label == "Test key");
  BOOST_TEST(offered[0].location == "alice@127.0.0.1:" + std::to_string(svc.port));
  BOOST_TEST(offered[0].certificate.commonName() == "Cloud Tester");
  BOOST_TEST(ui.passwords == 1);
  BOOST_TEST(ui.otps == 0, "listing needs no one-time code");
}

BOOST_AUTO_TEST_CASE(the_session_time_left_follows_login_and_logout) {
  MockService svc;
  Answers ui;
  CscSigner signer(svc.options(), ui);
  BOOST_TEST(signer.sessionSecondsLeft() == 0, "no session before the first call");
  BOOST_TEST(!signer.signedIn());
  (void)signer.certificates();
  const long left = signer.sessionSecondsLeft();
  BOOST_TEST((left > 170 && left <= 180), "expires_in 180 from the service: " << left);
  BOOST_TEST(signer.signedIn());
  signer.logout();
  BOOST_TEST(signer.sessionSecondsLeft() == 0);
  BOOST_TEST(!signer.signedIn());
}

BOOST_AUTO_TEST_CASE(a_remembered_session_asks_the_code_once_for_two_batches) {
  MockService svc;
  Answers ui;
  CscSigner signer(svc.options(true), ui);
  const auto cert = signer.certificates().front();
  // 5 digests with multisign 3: two parts, the second by extendTransaction.
  BOOST_TEST(signer.signDigests(cert, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests(5)).size() == 5u);
  BOOST_TEST(signer.signDigests(cert, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests(2)).size() == 2u);
  BOOST_TEST(ui.otps == 1, "one code for the session");
  BOOST_TEST(ui.passwords == 1);
  BOOST_TEST(svc.authorizeCalls == 1);
  BOOST_TEST(svc.extendCalls == 2);
  BOOST_TEST(svc.signCalls == 3);
}

BOOST_AUTO_TEST_CASE(without_remembering_every_batch_asks_a_new_code) {
  MockService svc;
  Answers ui;
  CscSigner signer(svc.options(false), ui);
  const auto cert = signer.certificates().front();
  (void)signer.signDigests(cert, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests(2));
  (void)signer.signDigests(cert, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests(2));
  BOOST_TEST(ui.otps == 2);
  BOOST_TEST(svc.extendCalls == 0);
}

BOOST_AUTO_TEST_CASE(an_expired_session_logs_in_again_and_asks_a_new_code) {
  MockService svc;
  Answers ui;
  CscSigner signer(svc.options(true), ui);
  const auto cert = signer.certificates().front();
  svc.expireNextSign = true;
  BOOST_TEST(signer.signDigests(cert, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests(1)).size() == 1u);
  BOOST_TEST(ui.passwords == 2, "the password is asked again");
  BOOST_TEST(ui.otps == 2, "the new session is authorised with a new code");
  BOOST_TEST(svc.logins == 2);
}

BOOST_AUTO_TEST_CASE(wrong_password_and_wrong_code_are_password_errors) {
  MockService svc;
  {
    Answers ui;
    ui.password = "wrong";
    CscSigner signer(svc.options(), ui);
    BOOST_CHECK_EXCEPTION(signer.certificates(), Error, hasCategory(Category::Password));
  }
  Answers ui;
  ui.otp = "00000000";
  CscSigner signer(svc.options(), ui);
  const auto cert = signer.certificates().front();
  BOOST_CHECK_EXCEPTION(
      signer.signDigests(cert, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests(1)), Error, [](const Error& e) {
        return e.category() == Category::Password && e.message().find("The OTP is invalid") != std::string::npos &&
               e.message().find("00000000") == std::string::npos;
      });
  BOOST_TEST(svc.signCalls == 0);
}

BOOST_AUTO_TEST_CASE(a_value_that_does_not_verify_is_never_returned) {
  MockService svc;
  svc.wrongValues = true;
  Answers ui;
  CscSigner signer(svc.options(), ui);
  const auto cert = signer.certificates().front();
  BOOST_CHECK_EXCEPTION(signer.signDigests(cert, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests(2)), Error,
                        hasCategory(Category::Crypto));
}

BOOST_AUTO_TEST_CASE(a_foreign_tls_ca_fails_verification) {
  MockService svc;
  Answers ui;
  CscOptions o = svc.options();
  o.caFile = (svc.dir / "sign.pem").string();  // a CA that did not issue the TLS certificate
  CscSigner signer(o, ui);
  BOOST_CHECK_EXCEPTION(signer.certificates(), Error, hasCategory(Category::Network));
}

BOOST_AUTO_TEST_CASE(cancel_stops_between_requests) {
  MockService svc;
  Answers ui;
  CscSigner signer(svc.options(), ui);
  const auto cert = signer.certificates().front();
  ui.cancel = true;
  BOOST_CHECK_EXCEPTION(signer.signDigests(cert, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests(1)), Error,
                        hasCategory(Category::Cancelled));
  BOOST_TEST(svc.signCalls == 0);
}

BOOST_AUTO_TEST_SUITE_END()
