// securedoc-cloud: the reference CSC API v2 service (its contract is in
// cloud/README.md).  This file is only the command line: making a demo world,
// serving it over TLS and the admin commands; the service is CscService.
#include <securedoc/cloud/ca.h>
#include <securedoc/cloud/csc_service.h>
#include <securedoc/cloud/store.h>
#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/base/error.h>
#include <securedoc/base/secret.h>
#include <securedoc/base/file.h>
#include <securedoc/cloud/pkcs11_keystore.h>
#include <securedoc/crypto/qr.h>
#include <securedoc/crypto/totp.h>
#include <securedoc/i18n.h>

#include <securedoc/app/cli_help.h>

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <thread>

using namespace securedoc;
using namespace securedoc::cloud;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUnreadable = 4;  // DIR is not a readable demo world
constexpr int kDefaultPort = 8443;
constexpr const char* kHsmLabel = "SecureDoc Cloud HSM";
constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";
constexpr int kSignerDays = 730;

int exitFor(const Error& e) {
  if (const auto* s = dynamic_cast<const ServiceError*>(&e))
    return s->code() == ServiceErrc::InvalidRequest ? kExitUsage : kExitFailed;
  switch (e.category()) {
    case Category::Usage:
      return kExitUsage;
    case Category::Io:
    case Category::Malformed:
    case Category::Unsupported:
      return kExitUnreadable;
    default:
      return kExitFailed;
  }
}

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Options {
  std::string dir;
  std::string login = "demo";
  int port = kDefaultPort;
  int revocationPort = 0;  ///< demo: the plain-HTTP OCSP/CRL port; 0 picks a free one
  std::string givenName, surname, nationalId, country, organisation, email;
  std::string key = "ec-p256";
};

/// The files of a demo world.
struct Paths {
  fs::path dir;
  fs::path ca() const { return dir / "ca"; }
  fs::path tls() const { return dir / "tls"; }
  fs::path tlsCert() const { return dir / "tls" / "server.pem"; }
  fs::path tlsKey() const { return dir / "tls" / "server.key"; }
  fs::path tlsCa() const { return dir / "tls" / "ca.pem"; }
  fs::path tsaCert() const { return dir / "tsa" / "tsa.pem"; }
  fs::path tsaKey() const { return dir / "tsa" / "tsa.key"; }
  fs::path hsm() const { return dir / "hsm"; }
  fs::path hsmConf() const { return dir / "hsm" / "softhsm2.conf"; }
  fs::path pin() const { return dir / "hsm" / "pin"; }
  fs::path soPin() const { return dir / "hsm" / "so-pin"; }
  fs::path serviceKey() const { return dir / "service.key"; }
  fs::path db() const { return dir / "state.db"; }
  fs::path outbox() const { return dir / "outbox"; }
  fs::path qr() const { return dir / "otp.png"; }
  fs::path demoJson() const { return dir / "demo.json"; }
  /// "http://127.0.0.1:PORT": where the OCSP responder and the CRLs the
  /// certificates name are served.  Absent in folders made before it existed.
  fs::path revocationUrl() const { return dir / "revocation-url"; }
  fs::path rootPem() const { return dir / "ca" / "root-ca.pem"; }
  fs::path issuingPem() const { return dir / "ca" / "issuing-ca.pem"; }
};

Paths pathsOf(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::absolute(dir, ec);
  if (ec) p = dir;
  return Paths{p.lexically_normal()};
}

/// `n` characters from [A-Za-z0-9], uniformly (rejection sampling).
std::string randomText(std::size_t n) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  while (out.size() < n) {
    unsigned char b = 0;
    if (RAND_bytes(&b, 1) != 1) throw Error(Category::Crypto, tr("the random generator failed"));
    if (b < 248) out.push_back(alphabet[b % 62]);  // 248 = 4 * 62
  }
  return out;
}

/// Writes `content` to `file` with mode 0600 whole (AtomicFile), replacing
/// what is there.
void writePrivateFile(const fs::path& file, const std::string& content) {
  AtomicFile out(file, 0600);
  out.write(content);
  out.placeReplacing();
}

std::string readFirstLine(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) throw Error(Category::Io, tr("cannot read the file"), file.string());
  return line;
}

void requireWorld(const Paths& p) {
  for (const fs::path& f : {p.db(), p.serviceKey(), p.hsmConf(), p.pin(), p.rootPem(), p.tlsCert(), p.tlsKey()}) {
    std::error_code ec;
    if (!fs::is_regular_file(f, ec) || ::access(f.c_str(), R_OK) != 0)
      throw Error(Category::Io, tr("not a securedoc-cloud folder (make one with: securedoc-cloud demo DIR)"),
                  f.string());
  }
}

/// A port on 127.0.0.1 free now: bound to port 0, read back, closed.  The
/// certificates name it for years, so it is chosen once, at `demo`; another
/// program may take it before `serve` binds it, which then says so.
int pickFreePort() {
  UniqueFd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (!sock || ::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    throw Error(Category::Network, tr("cannot find a free port on 127.0.0.1"), {}, std::strerror(err));
  }
  return ntohs(addr.sin_port);
}

std::string revocationBaseFor(int port) { return "http://127.0.0.1:" + std::to_string(port); }

/// The revocation listener of a folder: its base URL and port; nullopt for
/// a folder made before it existed (no revocation-url file).
struct RevocationListener {
  std::string base;
  int port = 0;
};

std::optional<RevocationListener> readRevocation(const Paths& p) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(p.revocationUrl(), ec))) return std::nullopt;
  const std::string line = readFirstLine(p.revocationUrl());
  const std::string prefix = revocationBaseFor(0).substr(0, revocationBaseFor(0).size() - 1);
  const std::string digits = line.rfind(prefix, 0) == 0 ? line.substr(prefix.size()) : std::string();
  int port = 0;
  if (!digits.empty() && digits.size() <= 5 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    port = std::stoi(digits);
  if (port < 1 || port > 65535)
    throw Error(Category::Malformed, tr("the revocation URL file must hold http://127.0.0.1:PORT"),
                p.revocationUrl().string());
  return RevocationListener{line, port};
}

Store openStore(const Paths& p) {
  requireWorld(p);
  return Store::open(p.db(), loadOrCreateServiceKey(p.serviceKey()));
}

/// Points SoftHSM2 at DIR/hsm for this process and opens the token.
std::unique_ptr<Pkcs11KeyStore> openHsm(const Paths& p) {
  ::setenv("SOFTHSM2_CONF", p.hsmConf().c_str(), 1);
  std::string pin = readFirstLine(p.pin());
  const std::string uri = "pkcs11:token=SecureDoc%20Cloud%20HSM?module-path=" + std::string(kSoftHsmModule);
  return std::make_unique<Pkcs11KeyStore>(uri, std::move(pin));
}

Account requireAccount(Store& store, const std::string& login) {
  auto a = store.accountByLogin(login);
  if (!a) throw Error(Category::Usage, format(tr("there is no account {0}"), {login}));
  return *a;
}

/// A key in the HSM, a certificate for it and the credential; returns its id.
/// `revocation`: where relying parties find its status (nullopt for an old
/// folder: no URLs).
std::string issueCredential(Store& store, Pkcs11KeyStore& hsm, DemoCa& ca, const Account& account,
                            Pkcs11KeyStore::KeyKind kind, const std::optional<RevocationListener>& revocation) {
  const bool ec = kind == Pkcs11KeyStore::KeyKind::EcP256;
  const auto generated = hsm.generate(kind, account.login + " signing key");
  SubjectFields subject{account.subject.givenName, account.subject.surname,      account.subject.nationalId,
                        account.subject.country,   account.subject.organisation, account.subject.email};
  // RFC 5280 §4.2.2.1 (AIA id-ad-ocsp) and §4.2.1.13 (CRL distribution
  // point): plain http, the plain listener of `serve` (RFC 6960 Appendix A).
  const std::string ocspUrl = revocation ? revocation->base + "/ocsp" : std::string();
  const std::string crlUrl = revocation ? revocation->base + "/crl" : std::string();
  const Certificate cert = ca.issueSigner(generated.publicKeyDer, subject, kSignerDays, ocspUrl, crlUrl);
  NewCredential c;
  c.accountId = account.id;
  c.certificate = cert.der();
  c.chain = {ca.issuing().der(), ca.root().der()};
  c.keyAlgorithm = ec ? "1.2.840.10045.2.1" : "1.2.840.113549.1.1.1";
  c.keyId = generated.id;
  c.keyLabel = account.login + " signing key";
  return store.addCredential(c, now(), "admin");
}

void run(const std::vector<std::string>& argv, const std::string& what) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(Category::Io, format(tr("cannot run {0}"), {what}));
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, 1);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(Category::Io, format(tr("{0} failed (is the Debian package softhsm2 installed?)"), {what}));
}

// ------------------------------------------------------------------ demo

json readDemoJson(const Paths& p) {
  std::ifstream in(p.demoJson());
  if (!in) return json::object();
  json j = json::parse(in, nullptr, false);
  return j.is_object() ? j : json::object();
}

int runDemo(const Options& o) {
  const Paths p = pathsOf(o.dir);
  std::error_code ec;
  if (fs::exists(p.db(), ec) || fs::exists(p.ca(), ec) || fs::exists(p.demoJson(), ec))
    throw Error(Category::Usage, tr("the folder already holds a demo world; serve it, or choose a new folder"),
                p.dir.string());
  if (o.revocationPort < 0 || o.revocationPort > 65535)
    throw Error(Category::Usage, tr("the revocation port must be 0..65535"));
  const int revocationPort = o.revocationPort == 0 ? pickFreePort() : o.revocationPort;
  const RevocationListener revocation{revocationBaseFor(revocationPort), revocationPort};
  const std::string& revocationBase = revocation.base;
  ::umask(077);
  fs::create_directories(p.dir);
  fs::create_directories(p.tls());
  fs::create_directories(p.dir / "tsa");
  fs::create_directories(p.hsm() / "tokens");
  fs::create_directories(p.outbox());

  DemoCa ca = DemoCa::create(p.ca(), "SecureDoc Cloud Demo", revocationBase + "/crl/root");
  {
    AtomicFile url(p.revocationUrl(), 0644);  // no secret: the URL is in every certificate
    url.write(revocationBase + "\n");
    url.placeReplacing();
  }
  ca.issueTlsServer(p.tlsCert(), p.tlsKey());
  fs::copy_file(p.rootPem(), p.tlsCa(), fs::copy_options::overwrite_existing);
  ::chmod(p.tlsCa().c_str(), 0644);
  ca.issueTsa(p.tsaCert(), p.tsaKey());

  // The HSM: a SoftHSM2 token store of its own, random PINs kept 0600.
  writePrivateFile(p.hsmConf(), "directories.tokendir = " + (p.hsm() / "tokens").string() +
                                    "\nobjectstore.backend = file\nlog.level = ERROR\n");
  std::string pin = randomText(16);
  std::string soPin = randomText(16);
  writePrivateFile(p.pin(), pin + "\n");
  writePrivateFile(p.soPin(), soPin + "\n");
  ::setenv("SOFTHSM2_CONF", p.hsmConf().c_str(), 1);
  run({"softhsm2-util", "--init-token", "--free", "--label", kHsmLabel, "--pin", pin, "--so-pin", soPin},
      "softhsm2-util --init-token");
  wipe(pin);
  wipe(soPin);
  auto hsm = openHsm(p);

  Store store = Store::open(p.db(), loadOrCreateServiceKey(p.serviceKey()));
  const std::int64_t t = now();
  const NewAccount created =
      store.createAccount(o.login, AccountSubject{"Alicja", "Testowa", "PNOPL-90010112345", "PL", "", ""}, t, "demo");
  std::string password = randomText(16);
  store.activate(created.activationToken, password, t, "demo");
  const Account account = requireAccount(store, o.login);
  const std::string credentialId =
      issueCredential(store, *hsm, ca, account, Pkcs11KeyStore::KeyKind::EcP256, revocation);

  Bytes secret = randomOtpSecret();
  store.setOtpSecret(credentialId, SecretBytes(secret.begin(), secret.end()), t, "demo");
  const std::string otpauth = serviceOtpauthUri(o.login, secret);
  wipe(secret);
  writeQrPng(otpauth, p.qr());

  const std::string base = "https://127.0.0.1:" + std::to_string(kDefaultPort);
  const json demo{{"url", base + "/csc/v2"},
                  {"ca", p.tlsCa().string()},
                  {"login", o.login},
                  {"password", password},
                  {"otpauth", otpauth},
                  {"qr", p.qr().string()},
                  {"trustAnchor", p.rootPem().string()},
                  {"tsa", base + "/tsa"},
                  {"ocsp", revocationBase + "/ocsp"},
                  {"crl", revocationBase + "/crl"}};
  writePrivateFile(p.demoJson(), demo.dump(2) + "\n");
  wipe(password);

  std::cout << format(tr("The demo world is ready in {0}."), {p.dir.string()}) << '\n'
            << format(tr("Account {0}: password and otpauth:// URI in {1} (keep it private)."),
                      {o.login, p.demoJson().string()})
            << '\n'
            << format(tr("Add the OTP to your authenticator: securedoc-otp add {0}"), {p.qr().string()}) << '\n'
            << format(tr("OCSP and CRLs over plain HTTP on {0} (named in the certificates)."), {revocationBase}) << '\n'
            << format(tr("Start the service: securedoc-cloud serve {0} [--port N]"), {p.dir.string()}) << '\n'
            << format(tr("Then sign: securedoc-cli sign --signer cloud:URL --cloud-ca {0} --login {1} FILE"),
                      {p.tlsCa().string(), o.login})
            << '\n';
  return 0;
}

// ------------------------------------------------------------------ serve

int runServe(const Options& o) {
  const Paths p = pathsOf(o.dir);
  if (o.port < 0 || o.port > 65535) throw Error(Category::Usage, tr("the port must be 0..65535"));
  Store store = openStore(p);
  DemoCa ca = DemoCa::open(p.ca());
  TsaResponder tsa(p.tsaCert(), p.tsaKey(), {p.issuingPem()});
  auto hsm = openHsm(p);

  // SIGTERM and SIGINT go to one thread that stops the server: blocked here,
  // before any other thread exists, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Whoever started us may stop reading stdout after the first line; that
  // must not end the service.  httplib's sockets use MSG_NOSIGNAL already.
  ::signal(SIGPIPE, SIG_IGN);

  httplib::SSLServer server(p.tlsCert().c_str(), p.tlsKey().c_str());
  if (!server.is_valid()) throw Error(Category::Io, tr("cannot load the TLS certificate and key"), p.tls().string());
  CscService service(store, *hsm, ca, tsa, CscServiceOptions{p.outbox(), {}, 12});
  service.registerRoutes(server);

  // The plain-HTTP listener for the URLs in the certificates (RFC 6960
  // Appendix A, RFC 5280 §4.2.1.13): on the port `demo` chose, or none for a
  // folder made before it existed.  Bound before anything is announced.
  const std::optional<RevocationListener> revocation = readRevocation(p);
  std::unique_ptr<httplib::Server> revocationServer;
  if (revocation) {
    revocationServer = std::make_unique<httplib::Server>();
    service.registerRevocationRoutes(*revocationServer);
    // httplib's default is SO_REUSEPORT, which lets a second process bind
    // the same port and take half the connections.  SO_REUSEADDR alone still
    // allows a restart while old connections are in TIME_WAIT.
    revocationServer->set_socket_options([](int sock) {
      const int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    if (!revocationServer->bind_to_port("127.0.0.1", revocation->port))
      throw Error(Category::Network,
                  format(tr("cannot listen on 127.0.0.1 port {0} for OCSP and CRLs (the port in the certificates, "
                            "{1}); is another program using it?"),
                         {revocation->port, p.revocationUrl().string()}));
  }

  int port = o.port;
  if (port == 0) {
    port = server.bind_to_any_port("127.0.0.1");
    if (port <= 0) throw Error(Category::Network, tr("cannot listen on 127.0.0.1"));
  } else if (!server.bind_to_port("127.0.0.1", port)) {
    throw Error(Category::Network, format(tr("cannot listen on 127.0.0.1 port {0}"), {port}));
  }
  // demo.json names the real port before the first request is answered.
  std::error_code ec;
  if (fs::exists(p.demoJson(), ec)) {
    json demo = readDemoJson(p);
    const std::string base = "https://127.0.0.1:" + std::to_string(port);
    demo["url"] = base + "/csc/v2";
    demo["tsa"] = base + "/tsa";
    writePrivateFile(p.demoJson(), demo.dump(2) + "\n");
  }
  store.purgeExpired(now());
  store.appendAudit("service.start", {}, {}, {}, "port=" + std::to_string(port), now());

  // httplib's stop() does nothing before listen has begun: the revocation
  // server is running before a signal can be taken.
  std::atomic<bool> revocationEnded{false};
  bool revocationOk = true;
  std::thread revocationThread;
  if (revocationServer) {
    revocationThread = std::thread([&] {
      revocationOk = revocationServer->listen_after_bind();
      revocationEnded = true;
    });
    while (!revocationServer->is_running() && !revocationEnded)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (revocationEnded) {
      revocationThread.join();
      throw Error(Category::Network, format(tr("cannot listen on 127.0.0.1 port {0}"), {revocation->port}));
    }
  }
  std::thread stopper([&server, &revocationServer, &signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.stop();
    if (revocationServer) revocationServer->stop();
  });
  // One write for both lines: a reader that takes the first line and closes
  // the pipe must not cut the second (and SIGPIPE is ignored besides).
  std::string banner = "listening on https://127.0.0.1:" + std::to_string(port) + "\n";
  if (revocation) banner += "revocation on " + revocation->base + "\n";
  std::cout << banner << std::flush;
  const bool ok = server.listen_after_bind();
  ::kill(::getpid(), SIGTERM);  // wakes the stopper if the server ended on its own
  stopper.join();
  if (revocationThread.joinable()) revocationThread.join();
  store.appendAudit("service.stop", {}, {}, {}, {}, now());
  return ok && revocationOk ? 0 : kExitFailed;
}

// ------------------------------------------------------------------ admin

int runAccountCreate(const Options& o) {
  const Paths p = pathsOf(o.dir);
  Store store = openStore(p);
  const NewAccount a = store.createAccount(
      o.login, AccountSubject{o.givenName, o.surname, o.nationalId, o.country, o.organisation, o.email}, now(),
      "admin");
  // The token on the first line alone, so scripts can read it.
  std::cout << a.activationToken << '\n';
  std::cerr << format(
                   tr("Account {0} created; activate it within 7 days with the token above (POST /account/activate)."),
                   {o.login})
            << '\n';
  return 0;
}

int runCertificateIssue(const Options& o) {
  const Paths p = pathsOf(o.dir);
  Pkcs11KeyStore::KeyKind kind{};
  if (o.key == "ec-p256")
    kind = Pkcs11KeyStore::KeyKind::EcP256;
  else if (o.key == "rsa-2048")
    kind = Pkcs11KeyStore::KeyKind::Rsa2048;
  else
    throw Error(Category::Usage, tr("--key must be ec-p256 or rsa-2048"));
  Store store = openStore(p);
  const Account account = requireAccount(store, o.login);
  DemoCa ca = DemoCa::open(p.ca());
  auto hsm = openHsm(p);
  const auto existing = store.credentials(account.id);
  const std::string id = issueCredential(store, *hsm, ca, account, kind, readRevocation(p));
  // One authenticator entry per account: a provisioned secret covers the new key too.
  for (const Credential& c : existing) {
    if (!c.hasOtpSecret) continue;
    try {
      const SecretBytes secret = store.otpSecret(c.id, now());
      store.setOtpSecret(id, secret, now(), "admin");
      break;
    } catch (const ServiceError&) {
      // locked: try another, else the account provisions again (otp/start)
    }
  }
  std::cout << id << '\n';
  return 0;
}

int runOtpReset(const Options& o) {
  const Paths p = pathsOf(o.dir);
  Store store = openStore(p);
  const Account account = requireAccount(store, o.login);
  store.resetOtpProvisioning(account.id, now(), "admin");
  std::cout << format(tr("OTP enrolment of {0} is open again."), {o.login}) << '\n';
  return 0;
}

CLI::App* command(CLI::App& app, const char* name, const char* description) {
  auto* c = app.add_subcommand(name, description);
  c->group(tr("Commands"));
  c->set_help_flag("-h,--help", tr("Print this help and exit"));
  return c;
}

int run(int argc, char** argv) {
  CLI::App app{tr("SecureDoc Cloud: the reference remote signing service (CSC API v2, TSA, OCSP, CRL) "
                  "over TLS on 127.0.0.1, OCSP and CRLs also over plain HTTP. FOR DEMONSTRATION: SoftHSM2 is not "
                  "a QSCD."),
               "securedoc-cloud"};
  translateHelp(app, 30);
  app.option_defaults()->group(tr("Options"));
  app.require_subcommand(1);
  app.set_help_flag("-h,--help", tr("Print this help and exit"));
  app.footer(tr("Exit status: 0 done, 1 failure, 4 DIR cannot be read or is not a service folder, 64 bad usage."));
  Options o;

  auto* demo =
      command(app, "demo", tr("Make a demo world in DIR: CA, TLS, TSA, HSM token, one account, DIR/demo.json"));
  demo->add_option("dir", o.dir, tr("A new folder"))->required()->type_name(tr("DIR"));
  demo->add_option("--login", o.login, tr("The demo account's login (default: demo)"))->type_name(tr("LOGIN"));
  demo->add_option("--revocation-port", o.revocationPort,
                   tr("The plain-HTTP port of the OCSP responder and CRLs named in the certificates "
                      "(http://127.0.0.1:N/ocsp, /crl; default 0 picks a free one now, kept in DIR/revocation-url)"))
      ->type_name(tr("N"));

  auto* serve = command(app, "serve",
                        tr("Serve DIR on https://127.0.0.1:PORT, and OCSP and CRLs on the plain-HTTP port in "
                           "DIR/revocation-url, until SIGTERM or SIGINT"));
  serve->add_option("dir", o.dir, tr("A folder made by demo"))->required()->type_name(tr("DIR"));
  serve->add_option("--port", o.port, tr("The port (default 8443; 0 picks a free one)"))->type_name(tr("N"));

  auto* accountCreate = command(app, "account-create", tr("Create a pending account; prints its activation token"));
  accountCreate->add_option("dir", o.dir, tr("The service folder"))->required()->type_name(tr("DIR"));
  accountCreate->add_option("--login", o.login, tr("The login"))->required()->type_name(tr("LOGIN"));
  accountCreate->add_option("--given-name", o.givenName, tr("Given name"))->required()->type_name(tr("TEXT"));
  accountCreate->add_option("--surname", o.surname, tr("Surname"))->required()->type_name(tr("TEXT"));
  accountCreate->add_option("--national-id", o.nationalId, tr("National ID in ETSI form, e.g. PNOPL-90010112345"))
      ->required()
      ->type_name(tr("TEXT"));
  accountCreate->add_option("--country", o.country, tr("Country, ISO 3166 alpha-2"))->required()->type_name(tr("CC"));
  accountCreate->add_option("--organisation", o.organisation, tr("Organisation"))->type_name(tr("TEXT"));
  accountCreate->add_option("--email", o.email, tr("E-mail address"))->type_name(tr("TEXT"));

  auto* certIssue =
      command(app, "certificate-issue",
              tr("Generate a key in the HSM, issue its certificate and add the credential; prints its id"));
  certIssue->add_option("dir", o.dir, tr("The service folder"))->required()->type_name(tr("DIR"));
  certIssue->add_option("--login", o.login, tr("The account"))->required()->type_name(tr("LOGIN"));
  certIssue->add_option("--key", o.key, tr("ec-p256 (default) or rsa-2048"))->type_name(tr("KIND"));

  auto* otpReset = command(app, "otp-reset", tr("Unblock the OTP enrolment of an account"));
  otpReset->add_option("dir", o.dir, tr("The service folder"))->required()->type_name(tr("DIR"));
  otpReset->add_option("--login", o.login, tr("The account"))->required()->type_name(tr("LOGIN"));

  if (const auto done = parseCommandLine(app, argc, argv, "securedoc-cloud")) return *done;

  return runCommand(
      "securedoc-cloud",
      [&] {
        if (*demo) return runDemo(o);
        if (*serve) return runServe(o);
        if (*accountCreate) return runAccountCreate(o);
        if (*certIssue) return runCertificateIssue(o);
        if (*otpReset) return runOtpReset(o);
        return kExitUsage;
      },
      exitFor);
}

}  // namespace

int main(int argc, char** argv) {
  return runMain("securedoc-cloud", [&] { return run(argc, argv); });
}
