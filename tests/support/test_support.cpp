#include "test_support.h"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <regex>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>

extern char** environ;

namespace securedoc::test {

namespace fs = std::filesystem;

namespace {
fs::path envPath(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) throw std::runtime_error(std::string(name) + " is not set (run the tests through ctest)");
  return v;
}
}  // namespace

bool onPath(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');) {
    std::error_code ec;
    const fs::path p = fs::path(d.empty() ? "." : d) / tool;
    if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return true;
  }
  return false;
}

void requireTool(const std::string& tool, const std::string& installedBy) {
  BOOST_TEST_REQUIRE(onPath(tool), tool << " is not installed: install " << installedBy
                                        << " (scripts/lib.sh SECUREDOC_PACKAGES lists it)");
}

fs::path sourceDir() { return envPath("SECUREDOC_SOURCE_DIR"); }
fs::path pkiDir() { return envPath("SECUREDOC_TEST_PKI"); }
fs::path corpusDir() { return envPath("SECUREDOC_CORPUS_DIR"); }
fs::path cliPath() { return envPath("SECUREDOC_CLI"); }

RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  int outPipe[2];
  int errPipe[2];
  if (pipe(outPipe) != 0 || pipe(errPipe) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, outPipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, errPipe[1], 2);
  posix_spawn_file_actions_addclose(&fa, outPipe[0]);
  posix_spawn_file_actions_addclose(&fa, errPipe[0]);

  std::vector<std::string> envStrings;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const auto key = entry.substr(0, entry.find('='));
    const bool overridden =
        std::any_of(env.begin(), env.end(), [&](const std::string& x) { return x.substr(0, x.find('=')) == key; });
    if (!overridden) envStrings.push_back(entry);
  }
  envStrings.insert(envStrings.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& s : envStrings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& s : args) argp.push_back(s.data());
  argp.push_back(nullptr);

  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argp[0], &fa, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(outPipe[1]);
  close(errPipe[1]);
  if (rc != 0) {
    close(outPipe[0]);
    close(errPipe[0]);
    throw std::runtime_error("cannot start " + argv.at(0));
  }
  RunResult r;
  std::array<pollfd, 2> fds{{{outPipe[0], POLLIN, 0}, {errPipe[0], POLLIN, 0}}};
  int open = 2;
  char buf[65536];
  while (open > 0) {
    if (poll(fds.data(), fds.size(), -1) < 0) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::vector<std::string> pdfsigBlocks(const std::string& out) {
  const std::regex header(R"(^Signature #\d+:$)", std::regex::multiline);
  std::vector<std::size_t> starts;
  for (auto it = std::sregex_iterator(out.begin(), out.end(), header); it != std::sregex_iterator(); ++it) {
    starts.push_back(static_cast<std::size_t>(it->position()));
  }
  std::vector<std::string> blocks;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t end = i + 1 < starts.size() ? starts[i + 1] : out.size();
    blocks.push_back(out.substr(starts[i], end - starts[i]));
  }
  return blocks;
}

RunResult cli(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> argv{cliPath().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, env);
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "securedoc-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  m_path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::permissions(m_path, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(m_path, ec);
}

void writeFile(const fs::path& p, const std::string& content) {
  std::ofstream f(p, std::ios::binary);
  f << content;
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

fs::path issueTlsServerCertificate(const fs::path& dir) {
  const fs::path pki = pkiDir();
  const std::string d = dir.string();
  writeFile(dir / "tls.cnf",
            "[tls]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n");
  const auto must = [](const std::vector<std::string>& argv) {
    const RunResult r = run(argv);
    BOOST_TEST_REQUIRE(r.exitCode == 0, argv[1] << ": " << r.err);
  };
  must({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", d + "/tls.key"});
  must({"openssl", "req", "-new", "-key", d + "/tls.key", "-subj", "/C=PL/O=SecureDoc Test/CN=www.example.test", "-out",
        d + "/tls.csr"});
  must({"openssl", "x509", "-req", "-in", d + "/tls.csr", "-CA", (pki / "issuing-ca.pem").string(), "-CAkey",
        (pki / "issuing-ca.key").string(), "-days", "30", "-sha256", "-extfile", d + "/tls.cnf", "-extensions", "tls",
        "-out", d + "/tls.pem"});
  must({"openssl", "pkcs12", "-export", "-in", d + "/tls.pem", "-inkey", d + "/tls.key", "-passout",
        "file:" + (pki / "password.txt").string(), "-out", d + "/tls.p12"});
  return dir / "tls.pem";
}

std::string readText(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::vector<std::string> listDir(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

int startCloudServe(const std::string& cloud, const std::filesystem::path& dir, const std::filesystem::path& log,
                    std::string& problem) {
  const pid_t pid = ::fork();
  if (pid < 0) {
    problem = "fork failed";
    return -1;
  }
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(cloud.c_str(), cloud.c_str(), "serve", dir.c_str(), "--port", "0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto listening = [&] {
    return std::filesystem::exists(log) && readText(log).find("listening on https://") != std::string::npos;
  };
  for (int i = 0; i < 300 && !listening(); ++i) ::usleep(50 * 1000);
  if (!listening()) {
    problem = "securedoc-cloud serve did not start: " + (std::filesystem::exists(log) ? readText(log) : "");
    stopProcess(pid);
    return -1;
  }
  return pid;
}

void stopProcess(int pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

NoProxyForLoopback::NoProxyForLoopback() {
  ::setenv("no_proxy", "127.0.0.1,localhost", 1);
  ::setenv("NO_PROXY", "127.0.0.1,localhost", 1);
}

}  // namespace securedoc::test
