#include "terminal_interaction.h"

#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/wait.h>
#include <iostream>
#include <termios.h>
#include <unistd.h>

namespace securedoc {

namespace {
/// The first line of a secret's file; the file's bytes are wiped after.
std::string firstLine(const std::string& file) {
  Bytes data = readFile(file, 64u << 10);
  const auto end = std::find_if(data.begin(), data.end(), [](unsigned char c) { return c == '\r' || c == '\n'; });
  std::string s(data.begin(), end);
  OPENSSL_cleanse(data.data(), data.size());
  return s;
}

/// Reads a line from /dev/tty with echo off.  Empty optional without a terminal.
std::optional<std::string> promptHidden(const std::string& prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  (void)!::write(fd, prompt.data(), prompt.size());
  termios old {};
  const bool haveTermios = ::tcgetattr(fd, &old) == 0;
  if (haveTermios) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r') line += c;
  if (haveTermios) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  return line;
}


/// Runs `command` with /bin/sh -c and returns the first line it prints: a
/// one-time code of 6 to 8 digits.  Its output is wiped; it is never shown.
std::string otpFromCommand(const std::string& command, const std::string& what) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw Error(Category::Io, format(tr("cannot run the --otp-command for {0}"), {what}));
  std::string out;
  char buffer[256];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    if (out.size() < 4096) out.append(buffer, n);  // read on to the end: no SIGPIPE for the child
  }
  OPENSSL_cleanse(buffer, sizeof buffer);
  const int status = ::pclose(pipe);
  const auto end = std::find_if(out.begin(), out.end(), [](unsigned char c) { return c == '\r' || c == '\n'; });
  std::string code(out.begin(), end);
  OPENSSL_cleanse(out.data(), out.capacity());
  const bool digits = code.size() >= 6 && code.size() <= 8 &&
                      std::all_of(code.begin(), code.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    OPENSSL_cleanse(code.data(), code.capacity());
    throw Error(Category::Usage, format(tr("the --otp-command for {0} failed (exit status {1})"),
                                        {what, std::to_string(status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status))}));
  }
  if (!digits) {
    OPENSSL_cleanse(code.data(), code.capacity());
    throw Error(Category::Usage,
                format(tr("the --otp-command for {0} did not print a one-time code (6 to 8 digits) on its first line"), {what}));
  }
  return code;
}
}  // namespace

std::string TerminalInteraction::askSecret(Secret kind, const std::string& what) {
  if (kind == Secret::Otp && otpCommand) return otpFromCommand(*otpCommand, what);
  const std::optional<std::string>& file = kind == Secret::Pin ? pinFile : kind == Secret::Otp ? std::optional<std::string>() : passwordFile;
  if (file) return firstLine(*file);
  const char* envName = kind == Secret::Pin ? "SECUREDOC_PIN" : kind == Secret::Otp ? "SECUREDOC_OTP" : "SECUREDOC_PASSWORD";
  if (const char* env = std::getenv(envName)) return env;
  const std::string prompt = kind == Secret::Pin   ? format(tr("PIN for {0}: "), {what})
                             : kind == Secret::Otp ? format(tr("One-time code for {0}: "), {what})
                                                   : format(tr("Password for {0}: "), {what});
  if (auto answer = promptHidden(prompt)) return *answer;
  throw Error(Category::Usage,
              kind == Secret::Pin   ? format(tr("no PIN for {0}: use --pin-file or SECUREDOC_PIN"), {what})
              : kind == Secret::Otp ? format(tr("no one-time code for {0}: use --otp-command or SECUREDOC_OTP"), {what})
                                    : format(tr("no password for {0}: use --password-file or SECUREDOC_PASSWORD"), {what}));
}

void TerminalInteraction::progress(std::size_t done, std::size_t total, const std::string& item) {
  if (quiet || !showProgress || total == 0) return;
  std::cerr << "[" << done << "/" << total << "] " << item << '\n';
}

}  // namespace securedoc
