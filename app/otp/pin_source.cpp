#include "pin_source.h"

#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/base/secret.h>
#include <securedoc/i18n.h>

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace securedoc::otp {

namespace {

constexpr std::size_t kMaxPinLine = 127;

/// The first line of `file`; the file's bytes are wiped after.
void readFirstLine(const std::string& file, SecretString& into) {
  Bytes data = readFile(file, 64u << 10);
  const auto end = std::find_if(data.begin(), data.end(), [](unsigned char c) { return c == '\r' || c == '\n'; });
  const auto n = std::min<std::size_t>(static_cast<std::size_t>(end - data.begin()), kMaxPinLine);
  into.append(std::string_view(reinterpret_cast<const char*>(data.data()), n));
  wipe(data);
}

/// Reads a line from /dev/tty with echo off; false without a terminal.
bool promptHidden(const std::string& prompt, SecretString& into) {
  const UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!tty) return false;
  const int fd = tty.get();
  (void)!::write(fd, prompt.data(), prompt.size());
  termios old{};
  const bool haveTermios = ::tcgetattr(fd, &old) == 0;
  if (haveTermios) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r') {
    if (into.size() < kMaxPinLine) into.push_back(c);
  }
  wipe(&c, sizeof c);
  if (haveTermios) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  return true;
}

}  // namespace

SecretString PinSource::ask(const std::string& prompt) const {
  SecretString pin;
  if (file) {
    readFirstLine(*file, pin);
    return pin;
  }
  if (const char* env = envName ? std::getenv(envName) : nullptr) {
    pin.append(std::string_view(env, std::min<std::size_t>(std::char_traits<char>::length(env), kMaxPinLine)));
    return pin;
  }
  if (promptHidden(prompt, pin)) return pin;
  throw Error(Category::Usage,
              format(tr("no PIN: use {0} or the variable {1}, or run on a terminal"),
                     {optionName ? optionName : "--pin-file", envName ? envName : "SECUREDOC_OTP_PIN"}));
}

SecretString askNewPin(const PinSource& source) {
  SecretString first = source.ask(tr("New PIN for the OTP store (4 digits): "));
  if (!isValidPin(first.view())) throw Error(Category::Usage, tr("the PIN must be exactly 4 digits"));
  const SecretString second = source.ask(tr("The new PIN again: "));
  if (second.view().size() != 4 || CRYPTO_memcmp(first.view().data(), second.view().data(), 4) != 0) {
    throw Error(Category::Usage, tr("the two PINs differ"));
  }
  return first;
}

}  // namespace securedoc::otp
