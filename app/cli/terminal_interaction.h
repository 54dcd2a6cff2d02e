#pragma once
// The command line's answers to Interaction: secrets from a file named by an
// option, an environment variable, or the terminal with echo off, in that
// order.  One-time codes come from --otp-command (a program that prints the
// code, e.g. "securedoc-otp code"), SECUREDOC_OTP, or the terminal.  Secrets
// never come from the command line itself, which every user of the machine
// can read in the process list (README.md "Command line").
#include <securedoc/crypto/signer.h>

#include <optional>
#include <string>

namespace securedoc {

class TerminalInteraction final : public Interaction {
 public:
  std::optional<std::string> passwordFile;
  std::optional<std::string> pinFile;
  /// Run with /bin/sh -c for every one-time code; the first line of its
  /// standard output is the code (6 to 8 digits), never echoed.
  std::optional<std::string> otpCommand;
  bool quiet = false;
  bool showProgress = false;

  SecretString askSecret(Secret kind, const std::string& what) override;
  void progress(std::size_t done, std::size_t total, const std::string& item) override;
};

}  // namespace securedoc
