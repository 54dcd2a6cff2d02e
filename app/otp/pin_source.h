#pragma once
// Where securedoc-otp gets a PIN: a file named by an option (its first line),
// an environment variable, or the terminal with echo off, in that order.  A
// PIN never comes from the command line itself, which every user of the
// machine can read in the process list.
#include "otp_store.h"

#include <optional>
#include <string>

namespace securedoc::otp {

struct PinSource {
  std::optional<std::string> file;   ///< --pin-file / --new-pin-file
  const char* envName = nullptr;     ///< SECUREDOC_OTP_PIN / SECUREDOC_OTP_NEW_PIN
  const char* optionName = nullptr;  ///< the option naming `file`, for messages
  /// Asks once.  Throws Error(Usage) when no file, no variable and no terminal
  /// can answer; Error(Io) when the file cannot be read.
  SecretString ask(const std::string& prompt) const;
};

/// Asks for a new PIN twice (the same file or variable is read twice, which
/// agrees with itself); throws Error(Usage) when the answers differ or are not
/// exactly 4 digits.
SecretString askNewPin(const PinSource& source);

}  // namespace securedoc::otp
