// The cloud signing flow end to end (issue 6): securedoc-cloud demo + serve on
// loopback TLS, securedoc-otp as the authenticator, securedoc-cli as the
// client, and CscSigner in-process for what only an Interaction can count.
// Outputs are checked by our verifier and by pdfsig, xmlsec1 and openssl cms.
//
// One world for the whole suite (the demo makes an HSM key and a PKI).  An
// OTP step is accepted once per credential (RFC 6238 §5.2: no replay), so in-process
// codes are computed for the next unused step (T+1 is accepted) and the test
// waits for a new step only when it has used T+1 too.
#include "crypto_printers.h"
#include "test_support.h"

#include <securedoc/app/signing.h>
#include <securedoc/crypto/csc_signer.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/crypto/totp.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace securedoc;
using namespace securedoc::test;
using json = nlohmann::json;
namespace fs = std::filesystem;
namespace utf = boost::unit_test;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct World {
  TempDir tmp;
  fs::path dir;
  json demo;
  pid_t server = -1;
  std::string problem;  // why the world could not be made
  fs::path passwordFile, pinFile, store;
  OtpAuth auth;
  std::int64_t lastStep = 0;

  World() {
    dir = tmp / "cloud";
    const auto made = run({SECUREDOC_CLOUD, "demo", dir.string()});
    if (made.exitCode != 0 || !fs::exists(dir / "demo.json")) {
      problem = "securedoc-cloud demo failed (exit " + std::to_string(made.exitCode) + "): " + made.err;
      return;
    }
    server = startCloudServe(SECUREDOC_CLOUD, dir, tmp / "serve.log", problem);
    if (server < 0) return;
    demo = json::parse(readText(dir / "demo.json"));
    passwordFile = tmp / "password";
    writeFile(passwordFile, demo["password"].get<std::string>() + "\n");
    pinFile = tmp / "otp-pin";
    writeFile(pinFile, "1234\n");
    store = tmp / "otp-store";
    const auto added = run({SECUREDOC_OTP, "--store", store.string(), "--pin-file", pinFile.string(), "add",
                            demo["qr"].get<std::string>()});
    if (added.exitCode != 0) {
      problem = "securedoc-otp add failed: " + added.out + added.err;
      return;
    }
    auth = OtpAuth::parse(demo["otpauth"].get<std::string>());
  }
  ~World() { stopProcess(server); }
  std::string url() const { return demo["url"]; }
  std::string ca() const { return demo["ca"]; }
  std::string login() const { return demo["login"]; }
  std::string anchor() const { return demo["trustAnchor"]; }
  std::vector<std::string> cloudArgs() const {
    return {"--signer", "cloud:" + url(), "--cloud-ca",      ca(),
            "--login",  login(),          "--password-file", passwordFile.string()};
  }
  std::string otpCommand() const {
    return std::string(SECUREDOC_OTP) + " --store '" + store.string() + "' --pin-file '" + pinFile.string() + "' code";
  }
  static std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }
  /// After a code of the current step was used elsewhere (the CLI).
  void usedCurrentStep() { lastStep = std::max(lastStep, now() / auth.period); }
  /// The code of the next step the service has not seen; waits when that is
  /// beyond T+1.
  std::string nextCode() {
    std::int64_t step = std::max(now() / auth.period, lastStep + 1);
    while (step > now() / auth.period + 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    lastStep = step;
    return totpCode(auth, step * auth.period);
  }
};

World& world() {
  static std::unique_ptr<World> w = std::make_unique<World>();
  return *w;
}

/// The shared world; a case fails at once when the service could not make it.
World& readyWorld() {
  World& w = world();
  BOOST_TEST_REQUIRE(w.problem.empty(), "the cloud service's demo world: " << w.problem);
  return w;
}

/// The independent tool of `out`'s format accepts it: pdfsig (and no
/// signature in it called invalid), xmlsec1, or openssl cms over `in`.
void anotherToolAccepts(const World& w, const fs::path& in, const fs::path& out) {
  if (out.extension() == ".pdf") {
    requireTool("pdfsig", "the Debian package poppler-utils");
    const auto p = run({"pdfsig", "-nocert", out.string()});
    BOOST_TEST(contains(p.out, "Signature is Valid."), p.out << p.err);
    BOOST_TEST(!contains(p.out, "Invalid"), p.out);
  } else if (out.extension() == ".xml") {
    requireTool("xmlsec1", "the Debian package xmlsec1");
    const auto x = run({"env", "-C", out.parent_path().string(), "xmlsec1", "--verify", "--trusted-pem", w.anchor(),
                        out.filename().string()});
    BOOST_TEST(x.exitCode == 0, x.out << x.err);
  } else {
    const auto c = run({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", out.string(), "-content",
                        in.string(), "-CAfile", w.anchor(), "-purpose", "any", "-out", "/dev/null"});
    BOOST_TEST(contains(c.out + c.err, "Verification successful"), c.out << c.err);
  }
}

struct Answers final : Interaction {
  World& w;
  fs::path passwordFile;
  int passwords = 0, otps = 0;
  explicit Answers(World& world) : w(world) {}
  SecretString askSecret(Secret kind, const std::string&) override {
    if (kind == Secret::Password) return ++passwords, SecretString(w.demo["password"].get<std::string>());
    ++otps;
    return SecretString(w.nextCode());
  }
};

std::vector<Bytes> someDigests(int n, int salt) {
  std::vector<Bytes> out;
  for (int i = 0; i < n; ++i) {
    const std::string t = "cloud " + std::to_string(salt) + " " + std::to_string(i);
    out.push_back(digest(DigestAlgorithm::Sha256, t.data(), t.size()));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cloud_flow)

BOOST_AUTO_TEST_CASE(certs_lists_the_demo_credential) {
  World& w = readyWorld();
  auto args = w.cloudArgs();
  args.insert(args.begin(), "certs");
  args.push_back("--json");
  const auto r = cli(args);
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  const json list = json::parse(r.out, nullptr, false);
  BOOST_TEST_REQUIRE(list.is_array(), r.out);
  BOOST_TEST(list.size() == 1u, "one credential: " << r.out);
  BOOST_TEST(contains(r.out, w.login() + "@127.0.0.1"), "the account is its location: " << r.out);
}

BOOST_AUTO_TEST_CASE(twenty_mixed_files_are_signed_with_one_code_and_verify) {
  World& w = readyWorld();
  const fs::path docs = sourceDir() / "samples" / "documents";
  const fs::path folder = w.tmp / "batch";
  fs::create_directories(folder);
  std::vector<fs::path> inputs;
  const char* kinds[] = {"contract.pdf", "invoice.xml", "notes.txt", "scan.png"};
  for (int i = 0; i < 20; ++i) {
    const fs::path src = docs / kinds[i % 4];
    const fs::path dst = folder / (std::to_string(i) + "-" + src.filename().string());
    fs::copy_file(src, dst);
    inputs.push_back(dst);
  }
  // A code with at least a few seconds left: the whole batch is one authorisation.
  while (secondsLeft(World::now(), w.auth.period) < 5) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::vector<std::string> args = {"sign", "--remember-session", "--otp-command", w.otpCommand(), "--json"};
  const auto cloud = w.cloudArgs();
  args.insert(args.end(), cloud.begin(), cloud.end());
  for (const auto& p : inputs) args.push_back(p.string());
  const auto r = cli(args);
  w.usedCurrentStep();
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  BOOST_TEST(!contains(r.out + r.err, w.demo["password"].get<std::string>()), "the password is never printed");
  const json outcomes = json::parse(r.out);
  BOOST_TEST_REQUIRE(outcomes.size() == 20u);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const fs::path in = inputs[i];
    const fs::path out = outcomes[i]["output"].get<std::string>();
    BOOST_TEST_CONTEXT(out.filename()) {
      const auto v = cli({"verify", "--trust-anchor", w.anchor(), "--json", out.string()});
      const json report = json::parse(v.out, nullptr, false);
      BOOST_TEST_REQUIRE(report.is_object(), v.out << v.err);
      BOOST_TEST(report["indication"] == "TOTAL-PASSED", report.dump(1));
      anotherToolAccepts(w, in, out);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_remembered_session_asks_one_code_for_two_batches) {
  World& w = readyWorld();
  Answers ui(w);
  CloudSignerOptions o{w.ca(), w.login(), {}, true};
  auto signer = openSigner("cloud:" + w.url(), ui, o);
  const auto cert = signer->certificates().front();
  const auto scheme = cert.certificate.isEcKey() ? SignatureScheme::Ecdsa : SignatureScheme::RsaPkcs1v15;
  BOOST_TEST(signer->signDigests(cert, DigestAlgorithm::Sha256, scheme, someDigests(3, 1)).size() == 3u);
  BOOST_TEST(signer->signDigests(cert, DigestAlgorithm::Sha256, scheme, someDigests(2, 2)).size() == 2u);
  BOOST_TEST(ui.otps == 1, "one code for both batches");
  BOOST_TEST(ui.passwords == 1);
}

BOOST_AUTO_TEST_CASE(without_remembering_each_batch_asks_a_code) {
  World& w = readyWorld();
  Answers ui(w);
  CloudSignerOptions o{w.ca(), w.login(), {}, false};
  auto signer = openSigner("cloud:" + w.url(), ui, o);
  const auto cert = signer->certificates().front();
  const auto scheme = cert.certificate.isEcKey() ? SignatureScheme::Ecdsa : SignatureScheme::RsaPkcs1v15;
  BOOST_TEST(signer->signDigests(cert, DigestAlgorithm::Sha256, scheme, someDigests(2, 3)).size() == 2u);
  BOOST_TEST(signer->signDigests(cert, DigestAlgorithm::Sha256, scheme, someDigests(2, 4)).size() == 2u);
  BOOST_TEST(ui.otps == 2, "a code per batch");
}

BOOST_AUTO_TEST_CASE(refusals_write_nothing) {
  World& w = readyWorld();
  const fs::path folder = w.tmp / "refused";
  fs::create_directories(folder);
  const fs::path input = folder / "notes.txt";
  fs::copy_file(sourceDir() / "samples" / "documents" / "notes.txt", input);
  const fs::path wrongPassword = w.tmp / "wrong-password";
  writeFile(wrongPassword, "not the password\n");
  struct Case {
    const char* what;
    std::vector<std::string> args;
    const char* expect;
  };
  const std::string signer = "cloud:" + w.url();
  std::string httpUrl = w.url();
  httpUrl.replace(0, 5, "http");
  const std::vector<Case> cases = {
      {"wrong password",
       {"--signer", signer, "--cloud-ca", w.ca(), "--login", w.login(), "--password-file", wrongPassword.string()},
       "wrong login or password"},
      {"wrong code",
       {"--signer", signer, "--cloud-ca", w.ca(), "--login", w.login(), "--password-file", w.passwordFile.string(),
        "--otp-command", "echo 00000000"},
       "one-time code was not accepted"},
      {"plain HTTP",
       {"--signer", "cloud:" + httpUrl, "--cloud-ca", w.ca(), "--login", w.login(), "--password-file",
        w.passwordFile.string()},
       "plain HTTP is refused"},
      {"foreign CA",
       // The test PKI's root: a CA the service's TLS certificate does not chain to.
       {"--signer", signer, "--cloud-ca", (pkiDir() / "root-ca.pem").string(), "--login", w.login(), "--password-file",
        w.passwordFile.string()},
       "cannot verify the TLS connection"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      std::vector<std::string> args = {"sign"};
      args.insert(args.end(), c.args.begin(), c.args.end());
      args.push_back(input.string());
      const auto r = cli(args);
      BOOST_TEST(r.exitCode != 0, r.out << r.err);
      BOOST_TEST(contains(r.err, c.expect), r.err);
      BOOST_TEST(listDir(folder) == std::vector<std::string>{"notes.txt"}, "nothing written");
    }
  }
}

// Issue 17: a cloud batch at B-LTA end to end through the service's own
// https TSA, OCSP and CRL; with the service stopped every file still
// verifies TOTAL-PASSED offline from what it embeds.  Last in the suite: it
// stops the shared service (and starts it again for anything after it).
BOOST_AUTO_TEST_CASE(a_cloud_batch_at_b_lta_verifies_offline_with_the_service_stopped) {
  World& w = readyWorld();
  const fs::path docs = sourceDir() / "samples" / "documents";
  const fs::path folder = w.tmp / "lta";
  fs::create_directories(folder);
  std::vector<fs::path> inputs;
  for (const char* name : {"contract.pdf", "invoice.xml", "scan.png"}) {
    fs::copy_file(docs / name, folder / name);
    inputs.push_back(folder / name);
  }
  // The authenticator gives the current step's code: one the service has not
  // seen yet (RFC 6238 §5.2), with a few seconds left.
  while (World::now() / w.auth.period <= w.lastStep || secondsLeft(World::now(), w.auth.period) < 5)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::vector<std::string> args = {"sign",        "--otp-command",      w.otpCommand(), "--json",  "--tsa",
                                   w.demo["tsa"], "--tsa-trust-anchor", w.anchor(),     "--level", "B-LTA"};
  const auto cloud = w.cloudArgs();
  args.insert(args.end(), cloud.begin(), cloud.end());
  for (const auto& p : inputs) args.push_back(p.string());
  const auto r = cli(args);
  w.usedCurrentStep();
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  const json outcomes = json::parse(r.out);
  BOOST_TEST_REQUIRE(outcomes.size() == inputs.size());

  stopProcess(w.server);
  w.server = -1;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const fs::path out = outcomes[i]["output"].get<std::string>();
    BOOST_TEST_CONTEXT(out.filename()) {
      const auto v = cli({"verify", "--offline", "--trust-anchor", w.anchor(), "--json", out.string()});
      BOOST_TEST(v.exitCode == 0, v.out << v.err);
      const json report = json::parse(v.out, nullptr, false);
      BOOST_TEST_REQUIRE(report.is_object(), v.out << v.err);
      BOOST_TEST(report["indication"] == "TOTAL-PASSED", report.dump(1));
      BOOST_TEST(report["signatures"][0]["level"] == "B-LTA", report.dump(1));
      if (out.extension() == ".pdf") {
        requireTool("qpdf", "the Debian package qpdf");
        const auto q = run({"qpdf", "--check", out.string()});
        BOOST_TEST(q.exitCode == 0, q.out << q.err);
      }
      anotherToolAccepts(w, inputs[i], out);
    }
  }
  w.server = startCloudServe(SECUREDOC_CLOUD, w.dir, w.tmp / "serve-again.log", w.problem);
}

BOOST_AUTO_TEST_SUITE_END()
