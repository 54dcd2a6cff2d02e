#include "terminal_interaction.h"

#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/base/secret.h>
#include <securedoc/i18n.h>

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
SecretString firstLine(const std::string& file) {
  Bytes data = readFile(file, 64u << 10);
  const auto end = std::find_if(data.begin(), data.end(), [](unsigned char c) { return c == '\r' || c == '\n'; });
  SecretString s(
      std::string_view(reinterpret_cast<const char*>(data.data()), static_cast<std::size_t>(end - data.begin())));
  wipe(data);
  return s;
}

/// Reads a line from /dev/tty with echo off.  Empty optional without a terminal.
std::optional<SecretString> promptHidden(const std::string& prompt) {
  const UniqueFd fd(::open("/dev/tty", O_RDWR | O_CLOEXEC));
  if (!fd) return std::nullopt;
  (void)!::write(fd.get(), prompt.data(), prompt.size());
  termios old{};
  const bool haveTermios = ::tcgetattr(fd.get(), &old) == 0;
  if (haveTermios) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd.get(), TCSAFLUSH, &quiet);
  }
  SecretString line;
  char c = 0;
  while (::read(fd.get(), &c, 1) == 1 && c != '\n' && c != '\r') line.push_back(c);
  wipe(&c, sizeof c);
  if (haveTermios) ::tcsetattr(fd.get(), TCSAFLUSH, &old);
  (void)!::write(fd.get(), "\n", 1);
  return line;
}

/// Runs `command` with /bin/sh -c and returns the first line it prints: a
/// one-time code of 6 to 8 digits.  Its output is wiped; it is never shown.
SecretString otpFromCommand(const std::string& command, const std::string& what) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw Error(Category::Io, format(tr("cannot run the --otp-command for {0}"), {what}));
  SecretString out;
  char buffer[256];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    if (out.size() < 4096) out.append(std::string_view(buffer, n));  // read on to the end: no SIGPIPE for the child
  }
  wipe(buffer, sizeof buffer);
  const int status = ::pclose(pipe);
  const std::string_view all = out.view();
  const SecretString code(all.substr(0, std::min(all.find_first_of("\r\n"), all.size())));
  const std::string_view digits = code.view();
  const bool isCode = digits.size() >= 6 && digits.size() <= 8 &&
                      std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw Error(Category::Usage, format(tr("the --otp-command for {0} failed (exit status {1})"),
                                        {what, status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status)}));
  }
  if (!isCode) {
    throw Error(Category::Usage,
                format(tr("the --otp-command for {0} did not print a one-time code (6 to 8 digits) on its first line"),
                       {what}));
  }
  return SecretString(digits);
}
}  // namespace

SecretString TerminalInteraction::askSecret(Secret kind, const std::string& what) {
  if (kind == Secret::Otp && otpCommand) return otpFromCommand(*otpCommand, what);
  const std::optional<std::string>& file = kind == Secret::Pin   ? pinFile
                                           : kind == Secret::Otp ? std::optional<std::string>()
                                                                 : passwordFile;
  if (file) return firstLine(*file);
  const char* envName = kind == Secret::Pin   ? "SECUREDOC_PIN"
                        : kind == Secret::Otp ? "SECUREDOC_OTP"
                                              : "SECUREDOC_PASSWORD";
  if (const char* env = std::getenv(envName)) return SecretString(std::string_view(env));
  const std::string prompt = kind == Secret::Pin   ? format(tr("PIN for {0}: "), {what})
                             : kind == Secret::Otp ? format(tr("One-time code for {0}: "), {what})
                                                   : format(tr("Password for {0}: "), {what});
  if (auto answer = promptHidden(prompt)) return std::move(*answer);
  throw Error(Category::Usage,
              kind == Secret::Pin ? format(tr("no PIN for {0}: use --pin-file or SECUREDOC_PIN"), {what})
              : kind == Secret::Otp
                  ? format(tr("no one-time code for {0}: use --otp-command or SECUREDOC_OTP"), {what})
                  : format(tr("no password for {0}: use --password-file or SECUREDOC_PASSWORD"), {what}));
}

void TerminalInteraction::progress(std::size_t done, std::size_t total, const std::string& item) {
  if (quiet || !showProgress || total == 0) return;
  std::cerr << "[" << done << "/" << total << "] " << item << '\n';
}

}  // namespace securedoc
