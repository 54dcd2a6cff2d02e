// Issue 6: `kill -9` of securedoc-cloud in the middle of a batch loses no
// account and leaves no partial output file on the client side; the service
// restarts on the same DIR.
//
// One demo world for the suite.  Each crash case starts securedoc-cli signing
// a batch (PDF, XML, plain files and one PDF over 2 MiB, which PAdES prepares
// in a scratch file in the output folder) and watches the service's audit log
// (DIR/state.db, read-only) for the kill-point event; the moment it is
// committed the service gets SIGKILL.  Then: the CLI failed (or, if it had
// already finished, every output verifies), its output folder holds nothing
// at all (no output, no ".NAME.XXXXXX" scratch file), the inputs are
// untouched, the database is intact with every account, and the service
// restarts on the same DIR and signs in again.
//
// An OTP step is accepted once per credential: before a run that needs a
// code, the test reads the credential's last accepted step from the database
// and waits for a later one.
#include "test_support.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <fcntl.h>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace securedoc::test;
using json = nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
namespace utf = boost::unit_test;

namespace {

constexpr std::int64_t kOtpPeriod = 30;  // the demo's otpauth URI says period=30
constexpr int kBatch = 12;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::int64_t unixNow() { return static_cast<std::int64_t>(std::time(nullptr)); }

// ------------------------------------------------------------------ sqlite, read-only

/// A read-only connection to DIR/state.db, as an outside observer.
class ReadOnlyDb {
 public:
  explicit ReadOnlyDb(const fs::path& file) {
    const int rc = sqlite3_open_v2(file.c_str(), &m_db, SQLITE_OPEN_READONLY, nullptr);
    if (rc != SQLITE_OK) {
      m_error = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
      return;
    }
    sqlite3_busy_timeout(m_db, 5000);
  }
  ~ReadOnlyDb() {
    if (m_seqStmt) sqlite3_finalize(m_seqStmt);
    if (m_db) sqlite3_close(m_db);
  }
  ReadOnlyDb(const ReadOnlyDb&) = delete;
  ReadOnlyDb& operator=(const ReadOnlyDb&) = delete;

  bool ok() const { return m_error.empty(); }
  const std::string& error() const { return m_error; }

  /// The first column of every row of `sql`, as text.
  std::vector<std::string> column(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      BOOST_TEST_REQUIRE(false, "sqlite: " << sql << ": " << sqlite3_errmsg(m_db));
    }
    int rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    const std::string err = sqlite3_errmsg(m_db);
    sqlite3_finalize(st);
    BOOST_TEST_REQUIRE(rc == SQLITE_DONE, "sqlite: " << sql << ": " << err);
    return out;
  }
  std::int64_t integer(const std::string& sql) {
    const auto c = column(sql);
    BOOST_TEST_REQUIRE(c.size() == 1u, sql);
    return c.front().empty() ? 0 : std::stoll(c.front());
  }
  /// The seq of the first audit row after `after` with `event`, or 0.  Called
  /// every millisecond: the statement is prepared once and never held open.
  std::int64_t auditSeq(std::int64_t after, const std::string& event) {
    if (!m_seqStmt) {
      const char* sql = "SELECT seq FROM audit_log WHERE seq > ? AND event = ? ORDER BY seq LIMIT 1";
      if (sqlite3_prepare_v2(m_db, sql, -1, &m_seqStmt, nullptr) != SQLITE_OK) return 0;
    }
    sqlite3_bind_int64(m_seqStmt, 1, after);
    sqlite3_bind_text(m_seqStmt, 2, event.c_str(), -1, SQLITE_TRANSIENT);
    std::int64_t seq = 0;
    if (sqlite3_step(m_seqStmt) == SQLITE_ROW) seq = sqlite3_column_int64(m_seqStmt, 0);
    sqlite3_reset(m_seqStmt);
    sqlite3_clear_bindings(m_seqStmt);
    return seq;
  }

 private:
  sqlite3* m_db = nullptr;
  sqlite3_stmt* m_seqStmt = nullptr;
  std::string m_error;
};

// ------------------------------------------------------------------ processes

/// A child process, killed (SIGKILL) and reaped when the guard goes.
class Child {
 public:
  Child() = default;
  /// Runs `argv` with stdin /dev/null and stdout/stderr to the files.
  Child(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    m_pid = ::fork();
    BOOST_TEST_REQUIRE(m_pid >= 0, "fork");
    if (m_pid == 0) {
      const int in = ::open("/dev/null", O_RDONLY);
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (in < 0 || o < 0 || e < 0) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(o, 1);
      ::dup2(e, 2);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Child() { kill(SIGKILL); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&& o) noexcept : m_pid(o.m_pid), m_status(o.m_status) { o.m_pid = -1; }
  Child& operator=(Child&& o) noexcept {
    if (this != &o) {
      kill(SIGKILL);
      m_pid = o.m_pid;
      m_status = o.m_status;
      o.m_pid = -1;
    }
    return *this;
  }

  bool running() const { return m_pid > 0; }
  pid_t pid() const { return m_pid; }
  /// Whether it has ended (reaps it then).
  bool ended() {
    if (m_pid <= 0) return true;
    int status = 0;
    const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) {
      record(status);
      return true;
    }
    return false;
  }
  /// Sends `sig` and reaps it; returns the status (see status()).
  int kill(int sig) {
    if (m_pid > 0) {
      ::kill(m_pid, sig);
      int status = 0;
      ::waitpid(m_pid, &status, 0);
      record(status);
    }
    return m_status;
  }
  /// Waits up to `limit`; false when it is still running then.
  bool waitFor(std::chrono::milliseconds limit) {
    const auto until = Clock::now() + limit;
    while (!ended()) {
      if (Clock::now() > until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  /// The exit code, or 128 + the signal; -1 while running.
  int status() const { return m_status; }

 private:
  void record(int status) {
    m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    m_pid = -1;
  }
  pid_t m_pid = -1;
  int m_status = -1;
};

// ------------------------------------------------------------------ files

/// Every entry of `dir`, dot files included: name -> content ("<dir>" for folders).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    out[name] = e.is_regular_file() ? readText(e.path()) : std::string("<not a file>");
  }
  return out;
}

std::string names(const std::map<std::string, std::string>& m) {
  std::string s;
  for (const auto& [k, v] : m) s += (s.empty() ? "" : ", ") + k;
  return s.empty() ? "(none)" : s;
}

/// A valid PDF over 2 MiB (an incompressible attachment), so that PAdES
/// prepares it in a scratch file in the output folder.
fs::path makeLargePdf(const fs::path& dir) {
  const fs::path blob = dir / "blob.bin";
  std::mt19937_64 random(6);
  std::string bytes(3u << 20, '\0');
  for (auto& c : bytes) c = static_cast<char>(random());
  writeFile(blob, bytes);
  const fs::path pdf = dir / "large.pdf";
  requireTool("qpdf", "the Debian package qpdf");
  const auto r = run({"qpdf", (sourceDir() / "samples" / "documents" / "contract.pdf").string(), "--add-attachment",
                      blob.string(), "--", pdf.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "qpdf: " << r.out << r.err);
  BOOST_TEST_REQUIRE(fs::file_size(pdf) > (2u << 20));
  fs::remove(blob);
  return pdf;
}

// ------------------------------------------------------------------ the world

struct World {
  TempDir tmp;
  fs::path dir;
  json demo;
  Child server;
  int serverStarts = 0;
  std::string problem;  // why the world could not be made
  fs::path passwordFile, pinFile, store, largePdf;
  std::set<std::string> accounts;  // logins, after the two admin-made ones
  std::string credentials;         // the demo account's credential ids
  int batches = 0;

  World() {
    dir = tmp / "cloud";
    const auto made = run({SECUREDOC_CLOUD, "demo", dir.string()});
    if (made.exitCode != 0 || !fs::exists(dir / "demo.json")) {
      problem = "securedoc-cloud demo failed (exit " + std::to_string(made.exitCode) + "): " + made.err;
      return;
    }
    problem = startServer();
    if (!problem.empty()) return;
    passwordFile = tmp / "password";
    writeFile(passwordFile, demo["password"].get<std::string>() + "\n");
    pinFile = tmp / "otp-pin";
    writeFile(pinFile, "1234\n");
    store = tmp / "otp-store";
    const auto added = run({SECUREDOC_OTP, "--store", store.string(), "--pin-file", pinFile.string(), "add",
                            demo["qr"].get<std::string>()});
    if (added.exitCode != 0) problem = "securedoc-otp add failed: " + added.out + added.err;
  }
  ~World() { server.kill(SIGTERM); }

  /// Starts `securedoc-cloud serve DIR --port 0` and waits for it to listen;
  /// returns what went wrong, or "".
  std::string startServer() {
    const fs::path log = tmp / ("serve-" + std::to_string(++serverStarts) + ".log");
    server = Child({SECUREDOC_CLOUD, "serve", dir.string(), "--port", "0"}, log, log.string() + ".err");
    const auto until = Clock::now() + std::chrono::seconds(30);
    while (!contains(fs::exists(log) ? readText(log) : "", "listening on https://")) {
      if (server.ended())
        return "securedoc-cloud serve exited " + std::to_string(server.status()) + ": " +
               readText(log.string() + ".err");
      if (Clock::now() > until) return "securedoc-cloud serve did not start: " + readText(log.string() + ".err");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // The port is new on every start: demo.json names it.
    demo = json::parse(readText(dir / "demo.json"));
    return {};
  }

  fs::path db() const { return dir / "state.db"; }
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

  /// Waits until the current OTP step is later than every step the service
  /// has accepted (read from the database), with a few seconds of it left.
  void waitForFreshOtpStep() {
    std::int64_t last = 0;
    {
      ReadOnlyDb d(db());
      BOOST_TEST_REQUIRE(d.ok(), d.error());
      last = d.integer("SELECT coalesce(max(last_step), -1) FROM credential_otp");
    }
    const auto started = Clock::now();
    while (unixNow() / kOtpPeriod <= last || kOtpPeriod - unixNow() % kOtpPeriod < 4) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started).count();
    if (waited > 0) BOOST_TEST_MESSAGE("waited " << waited << " s for an unused OTP step");
  }

  /// A fresh input folder of kBatch files (PDF, XML, text, PNG, one large
  /// PDF) and a fresh empty output folder.
  std::pair<fs::path, fs::path> makeBatch() {
    const fs::path root = tmp / ("batch-" + std::to_string(++batches));
    const fs::path in = root / "in", out = root / "out";
    fs::create_directories(in);
    fs::create_directories(out);
    if (largePdf.empty()) largePdf = makeLargePdf(tmp.path());
    const fs::path docs = sourceDir() / "samples" / "documents";
    const char* kinds[] = {"contract.pdf", "invoice.xml", "notes.txt", "scan.png"};
    for (int i = 0; i < kBatch - 1; ++i) {
      const fs::path src = docs / kinds[i % 4];
      fs::copy_file(src, in / (std::to_string(i) + "-" + src.filename().string()));
    }
    fs::copy_file(largePdf, in / (std::to_string(kBatch - 1) + "-large.pdf"));
    return {in, out};
  }

  std::vector<std::string> signArgs(const fs::path& in, const fs::path& out) const {
    std::vector<std::string> args = {cliPath().string(), "sign",         "--json",    "--otp-command",
                                     otpCommand(),       "--output-dir", out.string()};
    const auto cloud = cloudArgs();
    args.insert(args.end(), cloud.begin(), cloud.end());
    for (const auto& e : fs::directory_iterator(in)) args.push_back(e.path().string());
    return args;
  }

  std::set<std::string> logins() {
    ReadOnlyDb d(db());
    BOOST_TEST_REQUIRE(d.ok(), d.error());
    const auto c = d.column("SELECT login FROM accounts ORDER BY login");
    return {c.begin(), c.end()};
  }
  std::string integrity() {
    ReadOnlyDb d(db());
    BOOST_TEST_REQUIRE(d.ok(), d.error());
    std::string s;
    for (const auto& line : d.column("PRAGMA integrity_check")) s += line;
    return s;
  }
  /// `securedoc-cli certs --json` as the demo account: its credential ids.
  std::string certsIds() {
    auto args = cloudArgs();
    args.insert(args.begin(), "certs");
    args.push_back("--json");
    const auto r = cli(args);
    BOOST_TEST_REQUIRE(r.exitCode == 0, "certs: " << r.out << r.err);
    const json list = json::parse(r.out, nullptr, false);
    BOOST_TEST_REQUIRE(list.is_array(), r.out);
    std::string ids;
    for (const auto& c : list) ids += (c.contains("id") ? c["id"].dump() : c.dump()) + "\n";
    return ids;
  }
};

World& world() {
  static std::unique_ptr<World> w = std::make_unique<World>();
  return *w;
}

World& readyWorld() {
  World& w = world();
  BOOST_TEST_REQUIRE(w.problem.empty(), "the cloud service's demo world: " << w.problem);
  if (!w.server.running()) {
    const std::string p = w.startServer();
    BOOST_TEST_REQUIRE(p.empty(), p);
  }
  return w;
}

/// Every output of a successful `sign --json` run exists and verifies.
void requireAllVerify(World& w, const std::string& out, const fs::path& outDir) {
  const json outcomes = json::parse(out, nullptr, false);
  BOOST_TEST_REQUIRE(outcomes.is_array(), out);
  BOOST_TEST_REQUIRE(outcomes.size() == static_cast<std::size_t>(kBatch), out);
  std::set<std::string> expected;
  for (const auto& o : outcomes) {
    BOOST_TEST_REQUIRE(o.contains("output"), o.dump());
    const fs::path file = o["output"].get<std::string>();
    BOOST_TEST((file.parent_path() == outDir), file);
    expected.insert(file.filename().string());
    BOOST_TEST_CONTEXT(file.filename()) {
      std::vector<std::string> args = {"verify", "--trust-anchor", w.anchor(), "--json"};
      if (file.extension() == ".p7s") {  // detached CAdES: its content is in the input folder
        args.push_back("--detached-content");
        args.push_back(o["input"].get<std::string>());
      }
      args.push_back(file.string());
      const auto v = cli(args);
      BOOST_TEST(v.exitCode == 0, v.out << v.err);
      const json report = json::parse(v.out, nullptr, false);
      BOOST_TEST_REQUIRE(report.is_object(), v.out << v.err);
      BOOST_TEST(report["indication"] == "TOTAL-PASSED", report.dump(1));
    }
  }
  std::set<std::string> present;
  for (const auto& [name, content] : snapshot(outDir)) present.insert(name);
  BOOST_TEST((present == expected),
             "the output folder holds the outputs and nothing else: " << names(snapshot(outDir)));
}

/// Runs a batch and SIGKILLs the service as soon as `event` is in its audit
/// log; then checks the client side, restarts the service on the same DIR
/// and checks the server side.
void crashAt(const std::string& event, bool needsOtp) {
  World& w = readyWorld();
  if (needsOtp) w.waitForFreshOtpStep();
  const auto [in, out] = w.makeBatch();
  const auto inputs = snapshot(in);

  ReadOnlyDb watch(w.db());
  BOOST_TEST_REQUIRE(watch.ok(), watch.error());
  const std::int64_t before = watch.integer("SELECT coalesce(max(seq), 0) FROM audit_log");
  const fs::path outLog = in.parent_path() / "cli.out", errLog = in.parent_path() / "cli.err";
  const auto started = Clock::now();
  Child client(w.signArgs(in, out), outLog, errLog);

  std::int64_t seen = 0;
  while (!(seen = watch.auditSeq(before, event)) && !client.ended() &&
         Clock::now() - started < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  bool killed = false;
  std::string atKill;  // the output folder's names at the kill: the large PDF's scratch file by then
  if (seen) {
    for (const auto& e : fs::directory_iterator(out)) atKill += e.path().filename().string() + " ";
    BOOST_TEST(w.server.kill(SIGKILL) == 128 + SIGKILL, "the service died of SIGKILL");
    killed = true;
  }
  const auto killedAfter = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  const bool clientEnded = client.waitFor(std::chrono::seconds(60));
  if (!killed) w.server.kill(SIGKILL);  // the world is restarted below either way
  BOOST_TEST_REQUIRE(clientEnded, "the CLI ended within 60 s of the crash; stderr: " << readText(errLog));
  const int status = client.status();
  const std::string cliOut = readText(outLog), cliErr = readText(errLog);
  BOOST_TEST_REQUIRE(killed,
                     "the audit log showed " << event << " before the CLI ended (exit " << status << "): " << cliErr);

  BOOST_TEST_MESSAGE("kill at " << event << " (audit seq " << seen << ", " << killedAfter << " ms after start): CLI "
                                << (status == 0 ? "finished (exit 0)" : "failed (exit " + std::to_string(status) + ")")
                                << (status == 0 ? "" : ": " + cliErr));
  BOOST_WARN_MESSAGE(status != 0, "the CLI failed after the crash at " << event);
  BOOST_TEST_MESSAGE("output folder at the kill: " << (atKill.empty() ? "(empty)" : atKill));
  if (needsOtp) {
    // Past authorize every file is prepared: the case does cover a scratch file.
    BOOST_TEST(contains(atKill, ".11-large.pdf."), "a scratch file existed at the kill: " << atKill);
  }

  // Client side, hard in both outcomes: no partial output; inputs untouched.
  BOOST_TEST((snapshot(in) == inputs), "the input folder is unchanged: " << names(snapshot(in)));
  if (status == 0) {
    requireAllVerify(w, cliOut, out);
  } else {
    BOOST_TEST(status == 1, "exit 1 (signing failed): " << cliErr);
    BOOST_TEST(snapshot(out).empty(),
               "no file at all in the output folder, not even a scratch file: " << names(snapshot(out)));
    // The cause curl saw is named, whatever the sentence before it.
    bool named = contains(cliErr, "cannot reach the signing service");
    for (const char* cause : {"Empty reply from server", "Connection reset by peer", "Recv failure", "Couldn't connect",
                              "Connection refused"}) {
      named = named || (contains(cliErr, "signing service") && contains(cliErr, cause));
    }
    BOOST_TEST(named, "stderr names the connection problem: " << cliErr);
    // A dead service is not a TLS verification failure: the sentence does
    // not send the user to their CA file (a reset during the handshake is
    // CURLE_SSL_CONNECT_ERROR, reported as "cannot reach ... over TLS").
    BOOST_TEST(contains(cliErr, "cannot reach the signing service"),
               "stderr says the service cannot be reached: " << cliErr);
    BOOST_TEST(!contains(cliErr, "cannot verify the TLS connection"), "not a certificate problem: " << cliErr);
    BOOST_TEST(!contains(cliErr, w.demo["password"].get<std::string>()), "the password is never printed");
  }

  // Server side: the database as the crash left it, then a restart on DIR.
  BOOST_TEST(w.integrity() == "ok", "integrity_check after the crash");
  BOOST_TEST((w.logins() == w.accounts), "no account lost in the crash");
  const std::string p = w.startServer();
  BOOST_TEST_REQUIRE(p.empty(), "the service restarts on the same DIR: " << p);
  BOOST_TEST((w.logins() == w.accounts), "no account lost after the restart");
  BOOST_TEST(w.integrity() == "ok", "integrity_check after the restart");
  BOOST_TEST(w.certsIds() == w.credentials, "the account signs in and lists its credential");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cloud_crash)

BOOST_AUTO_TEST_CASE(two_accounts_are_made_on_the_live_service) {
  World& w = readyWorld();
  for (const char* login : {"bolek", "lolek"}) {
    const auto r = run({SECUREDOC_CLOUD, "account-create", w.dir.string(), "--login", login, "--given-name", "Jan",
                        "--surname", "Kowalski", "--national-id", "PNOPL-80010112345", "--country", "PL"});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "account-create " << login << ": " << r.out << r.err);
  }
  w.accounts = w.logins();
  std::string list;
  for (const auto& l : w.accounts) list += l + " ";
  BOOST_TEST((w.accounts == std::set<std::string>{"bolek", "demo", "lolek"}), list);
  BOOST_TEST(w.integrity() == "ok");
  w.credentials = w.certsIds();
  BOOST_TEST(!w.credentials.empty());
}

BOOST_AUTO_TEST_CASE(kill_after_login, *utf::depends_on("cloud_crash/two_accounts_are_made_on_the_live_service")) {
  crashAt("login.ok", false);
}

BOOST_AUTO_TEST_CASE(kill_after_authorize, *utf::depends_on("cloud_crash/two_accounts_are_made_on_the_live_service")) {
  crashAt("sad.create", true);
}

BOOST_AUTO_TEST_CASE(kill_while_the_hsm_signs,
                     *utf::depends_on("cloud_crash/two_accounts_are_made_on_the_live_service")) {
  crashAt("sad.consume", true);
}

BOOST_AUTO_TEST_CASE(after_the_crashes_a_full_batch_signs_and_verifies,
                     *utf::depends_on("cloud_crash/two_accounts_are_made_on_the_live_service")) {
  World& w = readyWorld();
  w.waitForFreshOtpStep();
  const auto [in, out] = w.makeBatch();
  const auto inputs = snapshot(in);
  const fs::path outLog = in.parent_path() / "cli.out", errLog = in.parent_path() / "cli.err";
  Child client(w.signArgs(in, out), outLog, errLog);
  BOOST_TEST_REQUIRE(client.waitFor(std::chrono::seconds(120)), "the batch ended");
  BOOST_TEST_REQUIRE(client.status() == 0, readText(errLog));
  requireAllVerify(w, readText(outLog), out);
  BOOST_TEST((snapshot(in) == inputs), "the inputs are unchanged");
  BOOST_TEST((w.logins() == w.accounts));
}

BOOST_AUTO_TEST_SUITE_END()
