#pragma once
// The signing job every front end shares: many files, one authorisation.
#include <securedoc/base/error.h>
#include <securedoc/crypto/signer.h>
#include <securedoc/formats/format.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace securedoc {

/// What a `cloud:URL` signer needs besides its URL (README.md: --cloud-ca,
/// --login, --credential, --remember-session).  Ignored by the other signers.
struct CloudSignerOptions {
  std::string caFile;        ///< the service's TLS CA (PEM); required for cloud:
  std::string login;         ///< the account; required for cloud:
  std::string credentialId;  ///< empty: every credential of the account is offered
  bool rememberSession = false;
};

/// Parses a signer SPEC (--signer, README.md) and opens the backend: `pkcs12:PATH`,
/// `pkcs11:URI` (RFC 7512) or `cloud:URL` (CSC v2 base URL, https only).
std::unique_ptr<Signer> openSigner(const std::string& spec, Interaction& interaction,
                                   const CloudSignerOptions& cloud = {});

/// Refuses a certificate that may not make new signatures at `now`:
/// expired, not yet valid, or without a signing key usage.  Throws Error(Policy).
void checkCertificateCanSign(const Certificate& cert, std::time_t now);

struct SignRequest {
  std::vector<std::filesystem::path> inputs;
  std::string format = "auto";  ///< "auto" or a module id
  SignParams params;
  std::optional<std::filesystem::path> outputDir;
  std::optional<std::filesystem::path> output;  ///< only with one input
};

struct SignOutcome {
  std::filesystem::path input;
  std::filesystem::path output;  ///< empty when it failed
  std::string format;            ///< "CAdES"...
  std::string packaging;
  std::optional<Error> error;
};

/// `extend`: raise existing signatures to a level (B-T, B-LT).
struct ExtendRequest {
  std::vector<std::filesystem::path> inputs;
  SignParams params;  ///< level, time-stamp service, revocation source
  /// Where the raised files go (same names, never over an existing file);
  /// without it each file is replaced atomically by its raised version
  /// (only unsigned data is added: nothing signed changes).
  std::optional<std::filesystem::path> outputDir;
};

struct ExtendOutcome {
  std::filesystem::path input;
  std::filesystem::path output;  ///< empty when it failed
  std::string format;
  std::vector<ExtendedSignature> signatures;
  std::optional<Error> error;
};

class SigningService {
 public:
  explicit SigningService(const FormatRegistry& registry) : m_registry(registry) {}

  /// Signs every input with `cert` from `signer`.  Phase 1 runs for every
  /// file, then one call to the signer signs all digests, then phase 3
  /// writes each output.  A file that fails does not stop the others; its
  /// outcome carries the error.  Throws only for errors that stop the whole
  /// batch (usage, certificate refused, signer failure, cancel).
  std::vector<SignOutcome> sign(const SignRequest& request, Signer& signer, const OfferedCertificate& cert,
                                Interaction& interaction) const;

  /// Raises the signatures of every input (the module by content) to
  /// request.params.level.  A file that fails does not stop the others.
  /// Throws for errors of the whole batch (usage: B-B, B-LTA, no TSA).
  std::vector<ExtendOutcome> extend(const ExtendRequest& request) const;

  /// The file name `input` would get (before collision handling).
  std::filesystem::path plannedOutput(const SignRequest& request, const std::filesystem::path& input,
                                      FormatModule& module) const;

 private:
  const FormatRegistry& m_registry;
};

}  // namespace securedoc
