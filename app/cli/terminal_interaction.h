#pragma once
// The command line's answers to Interaction: secrets from a file named by an
// option, an environment variable, or the terminal with echo off, in that
// order.  Secrets never come from the command line itself (DESIGN.md §5).
#include <securedoc/crypto/signer.h>

#include <optional>
#include <string>

namespace securedoc {

class TerminalInteraction final : public Interaction {
 public:
  std::optional<std::string> passwordFile;
  std::optional<std::string> pinFile;
  bool quiet = false;
  bool showProgress = false;

  std::string askSecret(Secret kind, const std::string& what) override;
  void progress(std::size_t done, std::size_t total, const std::string& item) override;
};

}  // namespace securedoc
