#pragma once
// Shared helpers for the Boost.Test suites: where the data is, running a
// program and capturing its output, temporary folders.
#include <filesystem>
#include <string>
#include <vector>

namespace securedoc::test {

/// The source tree (SECUREDOC_SOURCE_DIR).
std::filesystem::path sourceDir();
/// The demo PKI the ctest fixture made (SECUREDOC_TEST_PKI).
std::filesystem::path pkiDir();
/// shared/corpus beside the checkout (SECUREDOC_CORPUS_DIR).
std::filesystem::path corpusDir();
/// The securedoc-cli binary (SECUREDOC_CLI).
std::filesystem::path cliPath();

struct RunResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};
/// Runs `argv` (no shell) with extra environment entries "K=V"; stdin is /dev/null.
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env = {});
/// Whether an executable `tool` is on PATH.
bool onPath(const std::string& tool);
/// Stops the current test case when `tool` is missing (a missing tool fails,
/// it never skips); `installedBy` names what installs it ("the Debian
/// package xmlsec1").
void requireTool(const std::string& tool, const std::string& installedBy);

/// The "Signature #N:" blocks of `pdfsig` output, in order.
std::vector<std::string> pdfsigBlocks(const std::string& out);

/// A global fixture (BOOST_TEST_GLOBAL_FIXTURE) for tests that talk to
/// servers on 127.0.0.1: a user's proxy settings must not send loopback
/// requests elsewhere.
struct NoProxyForLoopback {
  NoProxyForLoopback();
};

/// Runs securedoc-cli with `args`.
RunResult cli(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

/// A fresh folder removed at scope exit.
/// Starts `cloud serve DIR --port 0` (securedoc-cloud) with its output in
/// `log` and waits up to 15 s until it listens.  Returns its pid, or -1 with
/// `problem` set to what the log says.
int startCloudServe(const std::string& cloud, const std::filesystem::path& dir, const std::filesystem::path& log,
                    std::string& problem);
/// SIGTERM to `pid` and waits for it; nothing for pid <= 0.
void stopProcess(int pid);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

 private:
  std::filesystem::path m_path;
};

void writeFile(const std::filesystem::path& p, const std::string& content);
/// A TLS server certificate (extended key usage serverAuth only) issued by
/// the test PKI's issuing CA: `dir`/tls.pem, its key `dir`/tls.key and, with
/// the PKI's password, `dir`/tls.p12.  A certificate not meant for signatures.
std::filesystem::path issueTlsServerCertificate(const std::filesystem::path& dir);
std::string readText(const std::filesystem::path& p);
/// Names of the files in `dir`, sorted.
std::vector<std::string> listDir(const std::filesystem::path& dir);

}  // namespace securedoc::test
