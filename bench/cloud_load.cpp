// Load test of the reference CSC v2 service (issue 6; bench/RESULTS.md
// "Cloud service load").  Makes a demo world with the real
// `securedoc-cloud demo`, adds accounts through the Store, serves CscService
// on an httplib::SSLServer in this process and lets N client threads (one
// account each) log in, list, authorize and signHash over verified HTTPS,
// then checks every signature with OpenSSL against the credential's
// certificate.  Exit status 0 only when nothing failed.
//
// Rounds: every authorization needs a TOTP step not accepted before for the
// credential, so with --rounds R > 1 each client waits for the next 30-s
// step before each further round (the wait is not counted in the latency,
// and the signing-phase time counts only the rounds themselves).
#include <securedoc/cloud/ca.h>
#include <securedoc/cloud/csc_service.h>
#include <securedoc/cloud/store.h>
#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/cloud/pkcs11_keystore.h>
#include <securedoc/crypto/totp.h>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace securedoc;
using namespace securedoc::cloud;
using json = nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kSha256 = "2.16.840.1.101.3.4.2.1";
const std::string kEcdsaSha256 = "1.2.840.10045.4.3.2";
const std::string kEcPublicKey = "1.2.840.10045.2.1";
const char* kHsmUri = "pkcs11:token=SecureDoc%20Cloud%20HSM?module-path=/usr/lib/softhsm/libsofthsm2.so";

struct Options {
  std::string cloud;
  std::string dir;
  int clients = 50;
  int hashes = 20;
  int rounds = 1;
  std::size_t serverThreads = CscServiceOptions{}.threads;
  bool keepAlive = true;     // one TLS connection per client, as CscSigner does
  bool interleaved = false;  // logins overlap the other clients' signing
};

void usage(std::ostream& out) {
  out << "usage: cloud_load --cloud PATH [--dir DIR] [--clients N] [--hashes N] [--rounds R] [--server-threads N]\n"
         "                  [--no-keep-alive] [--interleaved]\n"
         "  --cloud PATH        the securedoc-cloud executable (runs `securedoc-cloud demo DIR/world`)\n"
         "  --dir DIR           where the demo world goes (default: a new temp dir, removed at the end)\n"
         "  --clients N         concurrent client threads, one account each (default 50, 1..1000)\n"
         "  --hashes N          hashes per authorize/signHash (default 20, 1..20)\n"
         "  --rounds R          login..signHash rounds per client (default 1); each further round waits\n"
         "                      for the next 30-s TOTP step (a used step is refused as a replay)\n"
         "  --server-threads N  worker threads of the service (default: CscServiceOptions, 64)\n"
         "  --no-keep-alive     a new TLS connection for every request (default: one per client)\n"
         "  --interleaved       no barrier between the logins and the signing: each client goes on as\n"
         "                      soon as it has logged in, so logins (Argon2id) overlap others' signing\n"
         "Prints clients, signatures, wall time, signatures/s, p50/p99 latency of authorize+signHash,\n"
         "peak RSS and errors; exit status 0 only if there was no error and every signature verified.\n";
}

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Bytes randomBytes(std::size_t n) {
  Bytes out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) throw std::runtime_error("RAND_bytes failed");
  return out;
}

bool verifiesWith(const Bytes& certDer, const Bytes& digestValue, const Bytes& signature) {
  const unsigned char* p = certDer.data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(certDer.size())), X509_free);
  if (!cert) return false;
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (!key) return false;
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
  return ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
         EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digestValue.data(), digestValue.size()) == 1;
}

/// Runs argv, waits; true on exit status 0.
bool runProgram(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    // Its instructions for people are not part of the summary.
    const int devNull = ::open("/dev/null", O_WRONLY);
    if (devNull >= 0) ::dup2(devNull, STDOUT_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

struct LoadAccount {
  std::string login;
  std::string password;
  Bytes otpSecret;
};

struct Result {
  std::vector<double> latenciesMs;  // authorize+signHash, one per round
  long signaturesVerified = 0;
  long errors = 0;
  std::vector<std::string> messages;
  std::optional<Clock::time_point> firstAuthorize;  // start of the first authorize
  std::optional<Clock::time_point> lastSignHash;    // end of the last signHash
};

struct Answer {
  int status = 0;
  json body;
  std::string error;  // transport error
};

class Client {
 public:
  Client(int port, const fs::path& caPem, bool keepAlive) : m_http("127.0.0.1", port) {
    m_http.set_keep_alive(keepAlive);
    m_http.set_tcp_nodelay(true);  // as libcurl, which CscSigner uses
    m_http.set_ca_cert_path(caPem.c_str());
    m_http.enable_server_certificate_verification(true);
    m_http.set_connection_timeout(std::chrono::seconds(30));
    m_http.set_read_timeout(std::chrono::seconds(60));
    m_http.set_write_timeout(std::chrono::seconds(60));
  }
  Answer post(const std::string& path, const json& body, const std::string& authorization) {
    httplib::Headers headers;
    if (!authorization.empty()) headers.emplace("Authorization", authorization);
    auto res = m_http.Post(path.c_str(), headers, body.dump(), "application/json");
    Answer a;
    if (!res) {
      a.error = httplib::to_string(res.error());
      return a;
    }
    a.status = res->status;
    if (!res->body.empty()) a.body = json::parse(res->body, nullptr, false);
    return a;
  }

 private:
  httplib::SSLClient m_http;
};

std::string describe(const std::string& what, const Answer& a) {
  if (!a.error.empty()) return what + ": " + a.error;
  return what + ": HTTP " + std::to_string(a.status) + " " + (a.body.is_discarded() ? "(not JSON)" : a.body.dump());
}

/// One client: R rounds of login and credentials/list, then (after every
/// client has logged in, unless --interleaved) authorize and signHash, then
/// verification of every signature and auth/revoke.
void runClient(int port, const fs::path& caPem, const LoadAccount& account, const Options& opt, std::barrier<>& sync,
               Result& result) {
  sync.arrive_and_wait();  // everyone starts together
  Client client(port, caPem, opt.keepAlive);
  std::int64_t lastStep = -1;
  const auto fail = [&](const std::string& message) {
    ++result.errors;
    result.messages.push_back(account.login + ": " + message);
  };
  for (int round = 0; round < opt.rounds; ++round) {
    // Phase 1: log in and find the credential.  Whatever happens, the client
    // reaches the barrier once per round, or the others would wait forever.
    std::string bearer;
    std::string credentialId;
    Bytes certDer;
    try {
      // The Store accepts each TOTP step once per credential.
      while (unixNow() / 30 <= lastStep) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const std::string userPass = account.login + ":" + account.password;
      const Answer login = client.post("/csc/v2/auth/login", json{{"rememberMe", false}},
                                       "Basic " + toBase64(Bytes(userPass.begin(), userPass.end())));
      if (login.status != 200 || !login.body.contains("access_token")) {
        fail(describe("auth/login", login));
      } else {
        bearer = "Bearer " + login.body["access_token"].get<std::string>();
        const Answer list =
            client.post("/csc/v2/credentials/list", json{{"credentialInfo", true}, {"certificates", "single"}}, bearer);
        if (list.status != 200 || !list.body.contains("credentialIDs") || list.body["credentialIDs"].empty() ||
            !list.body.contains("credentialInfos")) {
          fail(describe("credentials/list", list));
        } else {
          credentialId = list.body["credentialIDs"][0];
          for (const auto& info : list.body["credentialInfos"])
            if (info.value("credentialID", "") == credentialId && info.contains("cert") &&
                !info["cert"].value("certificates", json::array()).empty())
              certDer = fromBase64(info["cert"]["certificates"][0].get<std::string>()).value_or(Bytes{});
          if (certDer.empty()) fail("credentials/list: no certificate for " + credentialId);
        }
      }
    } catch (const std::exception& e) {
      fail(std::string("exception: ") + e.what());
    }
    if (!opt.interleaved) sync.arrive_and_wait();
    if (certDer.empty()) continue;

    // Phase 2: authorize and signHash, timed.
    try {
      std::vector<Bytes> hashes;
      json hashList = json::array();
      for (int i = 0; i < opt.hashes; ++i) {
        hashes.push_back(randomBytes(32));  // a random SHA-256 value
        hashList.push_back(toBase64(hashes.back()));
      }
      const std::int64_t now = unixNow();
      const std::string code = totpCode(account.otpSecret, now);
      lastStep = now / 30;

      const auto t0 = Clock::now();
      const Answer authorize = client.post("/csc/v2/credentials/authorize",
                                           json{{"credentialID", credentialId},
                                                {"numSignatures", opt.hashes},
                                                {"hashes", hashList},
                                                {"hashAlgorithmOID", kSha256},
                                                {"authData", json::array({json{{"id", "OTP"}, {"value", code}}})}},
                                           bearer);
      if (authorize.status != 200 || !authorize.body.contains("SAD")) {
        fail(describe("credentials/authorize", authorize));
        continue;
      }
      const Answer sign = client.post("/csc/v2/signatures/signHash",
                                      json{{"credentialID", credentialId},
                                           {"SAD", authorize.body["SAD"]},
                                           {"hashes", hashList},
                                           {"hashAlgorithmOID", kSha256},
                                           {"signAlgo", kEcdsaSha256}},
                                      bearer);
      const auto t1 = Clock::now();
      if (!result.firstAuthorize) result.firstAuthorize = t0;
      result.lastSignHash = t1;
      if (sign.status != 200 || !sign.body.contains("signatures") || !sign.body["signatures"].is_array()) {
        fail(describe("signatures/signHash", sign));
        continue;
      }
      result.latenciesMs.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      const auto& signatures = sign.body["signatures"];
      if (signatures.size() != hashes.size()) {
        fail("signatures/signHash: " + std::to_string(signatures.size()) + " signatures for " +
             std::to_string(hashes.size()) + " hashes");
        continue;
      }
      for (std::size_t i = 0; i < hashes.size(); ++i) {
        const auto sig = signatures[i].is_string() ? fromBase64(signatures[i].get<std::string>()) : std::nullopt;
        if (sig && verifiesWith(certDer, hashes[i], *sig))
          ++result.signaturesVerified;
        else
          fail("signature " + std::to_string(i) + " does not verify");
      }
      client.post("/csc/v2/auth/revoke", json::object(), bearer);
    } catch (const std::exception& e) {
      fail(std::string("exception: ") + e.what());
    }
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // nearest-rank
  const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(p / 100.0 * static_cast<double>(v.size()))));
  return v[std::min(rank, v.size()) - 1];
}

std::string readFirstLine(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

int parseInt(const std::string& text, const char* what, int lo, int hi) {
  try {
    std::size_t used = 0;
    const int v = std::stoi(text, &used);
    if (used == text.size() && v >= lo && v <= hi) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(std::string(what) + " must be a number from " + std::to_string(lo) + " to " +
                              std::to_string(hi));
}

int run(const Options& opt) {
  // ---- the world
  std::optional<fs::path> tempRoot;
  fs::path root;
  if (opt.dir.empty()) {
    std::string pattern = (fs::temp_directory_path() / "cloud_load.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temp dir");
    tempRoot = root = pattern;
  } else {
    root = opt.dir;
    fs::create_directories(root);
  }
  struct Cleanup {
    std::optional<fs::path>& dir;
    ~Cleanup() {
      std::error_code ec;
      if (dir) fs::remove_all(*dir, ec);
    }
  } cleanup{tempRoot};
  const fs::path d = root / "world";
  if (fs::exists(d)) throw std::runtime_error(d.string() + " exists already: give an empty --dir");

  const auto setupStart = Clock::now();
  if (!runProgram({opt.cloud, "demo", d.string(), "--login", "demo"}))
    throw std::runtime_error("`" + opt.cloud + " demo " + d.string() + "` failed");
  json demo;
  {
    std::ifstream in(d / "demo.json");
    demo = json::parse(in);
  }

  ::setenv("SOFTHSM2_CONF", (d / "hsm" / "softhsm2.conf").c_str(), 1);
  auto hsm = std::make_unique<Pkcs11KeyStore>(kHsmUri, readFirstLine(d / "hsm" / "pin"));
  Store store = Store::open(d / "state.db", loadOrCreateServiceKey(d / "service.key"));
  DemoCa ca = DemoCa::open(d / "ca");
  auto tsa = std::make_unique<TsaResponder>(d / "tsa" / "tsa.pem", d / "tsa" / "tsa.key",
                                            std::vector<fs::path>{d / "ca" / "issuing-ca.pem"});

  std::vector<LoadAccount> accounts;
  accounts.push_back(LoadAccount{"demo", demo["password"].get<std::string>(),
                                 OtpAuth::parse(demo["otpauth"].get<std::string>()).secret});
  for (int i = 1; i < opt.clients; ++i) {
    const std::string login = "load" + std::to_string(i);
    const std::int64_t now = unixNow();
    AccountSubject subject{
        "Load", "Tester " + std::to_string(i), "PNOPL-" + std::to_string(80010100000LL + i), "PL", "", ""};
    const NewAccount created = store.createAccount(login, subject, now, "cloud_load");
    const std::string password = "load-test password " + std::to_string(i);
    store.activate(created.activationToken, password, now, "cloud_load");
    const auto key = hsm->generate(Pkcs11KeyStore::KeyKind::EcP256, login + " signing key");
    const Certificate cert = ca.issueSigner(
        key.publicKeyDer,
        SubjectFields{subject.givenName, subject.surname, subject.nationalId, subject.country, "", ""}, 730, "", "");
    NewCredential c;
    c.accountId = created.id;
    c.certificate = cert.der();
    c.chain = {ca.issuing().der(), ca.root().der()};
    c.keyAlgorithm = kEcPublicKey;
    c.keyId = key.id;
    c.keyLabel = login + " signing key";
    const std::string credentialId = store.addCredential(c, now, "cloud_load");
    const Bytes secret = randomOtpSecret();
    store.setOtpSecret(credentialId, SecretBytes(secret.begin(), secret.end()), now, "cloud_load");
    accounts.push_back(LoadAccount{login, password, secret});
  }
  const double setupSeconds = std::chrono::duration<double>(Clock::now() - setupStart).count();

  // ---- the service
  CscServiceOptions serviceOptions;
  serviceOptions.outbox = d / "outbox";
  serviceOptions.threads = opt.serverThreads;
  CscService service(store, *hsm, ca, *tsa, serviceOptions);
  httplib::SSLServer server((d / "tls" / "server.pem").c_str(), (d / "tls" / "server.key").c_str());
  if (!server.is_valid()) throw std::runtime_error("the TLS server cannot start");
  service.registerRoutes(server);
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) throw std::runtime_error("cannot bind 127.0.0.1");
  std::thread serverThread([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  // ---- the load
  std::vector<Result> results(accounts.size());
  std::vector<std::thread> threads;
  std::barrier<> sync(static_cast<std::ptrdiff_t>(accounts.size() + 1));
  const fs::path caPem = d / "tls" / "ca.pem";
  for (std::size_t i = 0; i < accounts.size(); ++i)
    threads.emplace_back(runClient, port, std::cref(caPem), std::cref(accounts[i]), std::cref(opt), std::ref(sync),
                         std::ref(results[i]));
  const auto start = Clock::now();
  sync.arrive_and_drop();
  for (auto& t : threads) t.join();
  const double wallSeconds = std::chrono::duration<double>(Clock::now() - start).count();
  server.stop();
  serverThread.join();

  // ---- the summary
  std::vector<double> latencies;
  long verified = 0;
  long errors = 0;
  std::optional<Clock::time_point> signFrom, signTo;
  for (const auto& r : results) {
    if (r.firstAuthorize && (!signFrom || *r.firstAuthorize < *signFrom)) signFrom = r.firstAuthorize;
    if (r.lastSignHash && (!signTo || *r.lastSignHash > *signTo)) signTo = r.lastSignHash;
    latencies.insert(latencies.end(), r.latenciesMs.begin(), r.latenciesMs.end());
    verified += r.signaturesVerified;
    errors += r.errors;
    for (std::size_t k = 0; k < r.messages.size() && k < 3; ++k) std::cerr << "error: " << r.messages[k] << "\n";
  }
  const long expected = static_cast<long>(accounts.size()) * opt.hashes * opt.rounds;
  if (verified != expected && errors == 0) errors = 1;  // cannot happen; be safe
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);

  std::printf("cloud_load: CSC v2 over HTTPS (TLS verified), CscService in process, %zu server threads\n",
              opt.serverThreads);
  std::printf("  connections             %s\n", opt.keepAlive ? "kept alive, one per client" : "a new one per request");
  std::printf("  phases                  %s\n",
              opt.interleaved ? "interleaved (no barrier after the logins)" : "all clients log in, then all sign");
  std::printf("  setup (demo world + %d accounts)  %.1f s\n", opt.clients - 1, setupSeconds);
  std::printf("  clients                 %zu\n", accounts.size());
  std::printf("  rounds                  %d\n", opt.rounds);
  std::printf("  hashes per request      %d\n", opt.hashes);
  std::printf("  signatures              %ld verified of %ld\n", verified, expected);
  std::printf("  wall time               %.3f s (login..verify of all clients%s)\n", wallSeconds,
              opt.rounds > 1 ? ", with the waits for TOTP steps" : "");
  std::printf("  signatures/s            %.1f\n", wallSeconds > 0 ? static_cast<double>(verified) / wallSeconds : 0.0);
  const double signSpan = signFrom && signTo ? std::chrono::duration<double>(*signTo - *signFrom).count() : 0.0;
  std::printf("  authorize..signHash span %.3f s (first authorize sent to last signHash answered): %.1f signatures/s\n",
              signSpan, signSpan > 0 ? static_cast<double>(verified) / signSpan : 0.0);
  std::printf("  authorize+signHash p50  %.1f ms\n", percentile(latencies, 50));
  std::printf("  authorize+signHash p99  %.1f ms\n", percentile(latencies, 99));
  std::printf("  authorize+signHash max  %.1f ms\n",
              latencies.empty() ? 0.0 : *std::max_element(latencies.begin(), latencies.end()));
  std::printf("  peak RSS                %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  std::printf("  errors                  %ld\n", errors);
  std::fflush(stdout);
  return errors == 0 && verified == expected ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      const auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--help" || a == "-h") {
        usage(std::cout);
        return 0;
      } else if (a == "--cloud") {
        opt.cloud = value();
      } else if (a == "--dir") {
        opt.dir = value();
      } else if (a == "--clients") {
        opt.clients = parseInt(value(), "--clients", 1, 1000);
      } else if (a == "--hashes") {
        opt.hashes = parseInt(value(), "--hashes", 1, kMaxSignaturesPerSad);
      } else if (a == "--rounds") {
        opt.rounds = parseInt(value(), "--rounds", 1, 100);
      } else if (a == "--no-keep-alive") {
        opt.keepAlive = false;
      } else if (a == "--interleaved") {
        opt.interleaved = true;
      } else if (a == "--server-threads") {
        opt.serverThreads = static_cast<std::size_t>(parseInt(value(), "--server-threads", 1, 256));
      } else {
        throw std::invalid_argument("unknown option " + a);
      }
    }
    if (opt.cloud.empty()) throw std::invalid_argument("--cloud PATH is required");
  } catch (const std::exception& e) {
    std::cerr << "cloud_load: " << e.what() << "\n";
    usage(std::cerr);
    return 2;
  }
  try {
    return run(opt);
  } catch (const std::exception& e) {
    std::cerr << "cloud_load: " << e.what() << "\n";
    return 1;
  }
}
