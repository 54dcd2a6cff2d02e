#pragma once
// Signer backend over the Cloud Signature Consortium API v2 (ARCHITECTURE.md "Cloud signing",
// cloud/README.md "The service contract"): a remote signing service holds
// the key; SecureDoc logs in, authorises a batch of hashes with a one-time
// code (SCAL2: the authorisation is bound to exactly those hashes) and gets
// the signature values back.  libcurl and JSON stay inside the .cpp.
#include <securedoc/crypto/signer.h>

#include <memory>
#include <string>

namespace securedoc {

struct CscOptions {
  /// The service's CSC base URL, e.g. "https://127.0.0.1:8443/csc/v2".
  /// Only https: is accepted (CSC §7.3); http: is refused with Error(Usage).
  std::string baseUrl;
  /// PEM file with the CA certificate(s) the service's TLS certificate must
  /// chain to.  Required; peer and host name are always verified.
  std::string caFile;
  /// The account name for auth/login (HTTP Basic); its password is asked
  /// through Interaction (Secret::Password, "login@host").
  std::string login;
  /// The credential (key) to use; empty: the account's only one, or every
  /// one offered by certificates() when it has several.
  std::string credentialId;
  /// "Remember session" (rememberMe at login): the first batch of a session
  /// is authorised with a one-time code, later batches of the same session
  /// through credentials/extendTransaction without one.  Off: every batch
  /// needs a new code.
  bool rememberSession = false;
  long connectTimeoutSeconds = 10;
  long timeoutSeconds = 60;  ///< per request, in total
};

class CscSigner final : public Signer {
 public:
  /// Checks the options (https URL, CA file readable, login given) without
  /// contacting the service: Error(Usage) / Error(Io).
  CscSigner(const CscOptions& options, Interaction& interaction);
  ~CscSigner() override;
  CscSigner(const CscSigner&) = delete;
  CscSigner& operator=(const CscSigner&) = delete;

  /// "cloud signing account login@host".
  std::string description() const override;
  /// Logs in (password asked once per session) and lists the account's
  /// credentials with their certificate chains: `id` and `keyId` are the
  /// credentialID, `location` "login@host", `label` the description.
  /// Error(Usage) when --credential names none of them.
  std::vector<OfferedCertificate> certificates() override;
  /// Authorises the digests (one OTP for the batch, asked through
  /// Interaction Secret::Otp; batches larger than the credential's
  /// `multisign` are split, and each part after the first needs a new code
  /// unless the session is remembered), signs them with
  /// signatures/signHash and checks every value against the certificate's
  /// public key before returning it.  Errors: Password (wrong password or
  /// code), Policy (credential locked, certificate expired), Network (no
  /// answer, TLS failure, a malformed answer), Cancelled.
  std::vector<Bytes> signDigests(const OfferedCertificate& cert, DigestAlgorithm alg, SignatureScheme scheme,
                                 const std::vector<Bytes>& digests) override;

  /// Ends the session at the service (auth/revoke); the destructor does it
  /// too, ignoring failures.
  void logout();
  /// Seconds until the service ends the current session by its expires_in
  /// (0 when there is none: the next call logs in again).  Safe to call from
  /// another thread while a batch runs.
  long sessionSecondsLeft() const;
  /// Whether the account's password was given for a session not ended yet.
  bool signedIn() const { return sessionSecondsLeft() > 0; }

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace securedoc
