#pragma once
// The persistence layer of the reference CSC v2 service (ARCHITECTURE.md
// "The cloud service's state"): accounts, passwords, one-time tokens, the OTP
// enrolment guard, credentials and their encrypted TOTP secrets, sessions,
// SADs and a hash-chained audit log, in one SQLite file.
//
// Every rule that must hold under concurrency and restarts is enforced here,
// inside one SQLite transaction per operation (BEGIN IMMEDIATE for anything
// that reads and then writes): a token is used once, a SAD never signs more
// than it authorised, an OTP step is accepted once, a lock-out survives a
// restart.  Time is always a parameter (`now`, Unix seconds) so tests control
// it.  Secrets never reach the file in clear: passwords as Argon2id strings,
// tokens, session tokens and SADs as SHA-256, enrolment codes as HMAC-SHA256
// under the service key, TOTP secrets sealed with AES-256-GCM.
#include <securedoc/base/secret.h>
#include <securedoc/base/bytes.h>
#include <securedoc/base/error.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace securedoc::cloud {

// ------------------------------------------------------------------ errors

/// What went wrong, in the terms the CSC layer answers with (CSC §10.2).
enum class ServiceErrc {
  InvalidRequest,  ///< malformed input: bad login, weak password, numSignatures out of range
  InvalidGrant,    ///< wrong login/password, unknown or used token, wrong enrolment code, unknown SAD
  InvalidToken,    ///< the access token (session) is unknown or revoked
  Expired,         ///< session, SAD, activation/reset token or enrolment code expired
  AccessDenied,    ///< authenticated but not allowed: SAD binding, disabled account or credential
  Locked,          ///< OTP lock-out, blocked enrolment
  Replayed,        ///< an OTP time step that was already accepted (RFC 6238 §5.2)
  NotFound,        ///< no such account or credential (or not the caller's)
  Conflict,        ///< the login is taken
};

/// "invalid_request", "invalid_grant", ... (stable, for logs and tests).
const char* serviceErrcName(ServiceErrc code);

/// A refusal by the service rules.  Its Error category: InvalidRequest,
/// NotFound, Conflict → Usage; InvalidGrant, Replayed → Password; the rest →
/// Policy.  Failures of the database itself are plain Errors: Io (cannot
/// open/write, busy), Malformed (not a SQLite file, corrupted, not ours),
/// Unsupported (written by a newer version), Crypto (wrong service key).
class ServiceError final : public Error {
 public:
  ServiceError(ServiceErrc code, std::string message);
  ServiceErrc code() const noexcept { return m_code; }

 private:
  ServiceErrc m_code;
};

// ------------------------------------------------------------------ secrets

// SecretBytes (key material and TOTP secrets, wiped when freed) is
// base/secret.h's.

/// Size of the service key (AES-256).
inline constexpr std::size_t kServiceKeySize = 32;

/// Reads the service key from `file`; creates it first (32 random bytes, mode
/// 0600, O_EXCL, fsync) when it does not exist.  Throws Error(Io) when it
/// cannot be read or created, Error(Policy) when group or others may access it
/// or it is not a regular file, Error(Malformed) when it does not hold exactly
/// 32 bytes.
SecretBytes loadOrCreateServiceKey(const std::filesystem::path& file);

// ------------------------------------------------------------------ limits

inline constexpr std::int64_t kActivationTokenLifetime = std::int64_t{7} * 24 * 3600;
inline constexpr std::int64_t kResetTokenLifetime = 3600;
inline constexpr std::int64_t kSessionLifetime = 180;  ///< CSC expires_in
inline constexpr std::int64_t kProvisioningCodeLifetime = 600;
inline constexpr int kProvisioningMaxFailures = 3;
inline constexpr int kOtpMaxFailures = 5;             ///< wrong OTPs in a row, then a lock (RFC 4226 §7.3)
inline constexpr std::int64_t kOtpLockSeconds = 300;  ///< how long that lock lasts
inline constexpr int kMaxSignaturesPerSad = 20;       ///< credentials/info multisign
inline constexpr std::size_t kMaxHashesPerSad = 100;
/// Password length in Unicode code points (NIST SP 800-63B §5.1.1.2: no
/// composition rules; at least 12 here, up to 256 accepted).
inline constexpr std::size_t kMinPasswordLength = 12;
inline constexpr std::size_t kMaxPasswordLength = 256;

// ------------------------------------------------------------------ records

enum class AccountState { Pending, Active, Disabled };
enum class CredentialStatus { Enabled, Disabled };

/// The subject of the account's signing certificate.  Each field is UTF-8
/// without control characters, at most 256 bytes; country is empty or two
/// upper-case letters (ISO 3166-1 alpha-2).
struct AccountSubject {
  std::string givenName;
  std::string surname;
  std::string nationalId;
  std::string country;
  std::string organisation;
  std::string email;
  bool operator==(const AccountSubject&) const = default;
};

struct Account {
  std::int64_t id = 0;
  std::string login;
  AccountSubject subject;
  AccountState state = AccountState::Pending;
  std::int64_t createdAt = 0;
};

struct NewAccount {
  std::int64_t id = 0;
  /// base64url of 32 random bytes; shown once, only its SHA-256 is kept.
  std::string activationToken;
};

struct NewCredential {
  std::int64_t accountId = 0;
  Bytes certificate;         ///< DER
  std::vector<Bytes> chain;  ///< DER, issuer first
  std::string keyAlgorithm;  ///< OID of the key, e.g. "1.2.840.113549.1.1.1"
  Bytes keyId;               ///< CKA_ID of the key pair in the HSM
  std::string keyLabel;      ///< CKA_LABEL
};

struct Credential {
  std::string id;  ///< base64url of 16 random bytes
  std::int64_t accountId = 0;
  Bytes certificate;
  std::vector<Bytes> chain;
  std::string keyAlgorithm;
  Bytes keyId;
  std::string keyLabel;
  CredentialStatus status = CredentialStatus::Enabled;
  bool hasOtpSecret = false;
  std::int64_t createdAt = 0;
};

struct OtpState {
  std::int64_t lastAcceptedStep = -1;  ///< -1: none yet
  int consecutiveFailures = 0;
  std::int64_t lockedUntil = 0;  ///< locked while now < lockedUntil
};

struct Session {
  std::int64_t accountId = 0;
  bool rememberMe = false;
  std::int64_t expiresAt = 0;
};

struct NewSad {
  std::string sad;             ///< base64url of 32 random bytes; only its SHA-256 is kept
  std::int64_t expiresAt = 0;  ///< the session's expiry
  int remaining = 0;
};

struct AuditEntry {
  std::int64_t seq = 0;
  std::int64_t time = 0;
  std::string event;  ///< "login.ok", "sad.consume", ...
  std::string login;
  std::string credential;
  std::string requestId;
  std::string detail;
  Bytes hash;  ///< SHA-256 chain value of this row
};

struct AuditCheck {
  bool intact = true;
  std::int64_t rows = 0;
  std::int64_t firstBadSeq = 0;  ///< 0 when intact
  Bytes head;                    ///< hash of the last row (32 zero bytes when empty): anchor it elsewhere
};

// ------------------------------------------------------------------ store

/// Thread-safety: one SQLite connection per Store, guarded by a mutex.
/// SQLite lets one writer in at a time anyway and every operation is a
/// sub-millisecond transaction, so a pool would add SQLITE_BUSY retries and
/// no throughput; the slow parts (Argon2id, ~50 ms and 19 MiB each) run
/// outside the mutex, at most hardware_concurrency of them at once.  Every
/// write is still a BEGIN IMMEDIATE transaction with a busy timeout, so
/// several Stores (or processes, e.g. an admin tool) on one file keep the
/// rules too.
///
/// Audit: the operations below append their own audit rows in the same
/// transaction as the change (a refusal is recorded too).  Rows hold the
/// event, login, credential id, request id and a detail of counts and
/// document hashes; never a password, token, SAD, OTP, enrolment code or
/// secret.  A login that matches no account is not recorded (it may be a
/// password typed into the wrong field).
class Store final {
 public:
  /// Opens or creates the database (file mode 0600): WAL, synchronous=FULL,
  /// foreign keys, secure_delete, busy timeout 5 s, integrity quick_check,
  /// migrations to the current schema.  `serviceKey` (32 bytes) seals TOTP
  /// secrets and keys the enrolment-code MACs; a database is tied to the key
  /// it was created with.  Throws Error(Io) when the file cannot be opened,
  /// Error(Malformed) when it is not a SQLite database, is corrupted or
  /// belongs to another application, Error(Unsupported) when a newer version
  /// wrote it, Error(Crypto) for another key, Error(Usage) for a key that is
  /// not 32 bytes.
  static Store open(const std::filesystem::path& file, const SecretBytes& serviceKey);
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// The schema version this build writes.
  static int schemaVersion();

  // -- accounts ---------------------------------------------------------

  /// A pending account with a fresh activation token (7 days).  The login is
  /// 1..64 characters of [A-Za-z0-9._-], unique and case-sensitive.
  /// InvalidRequest for a bad login or subject, Conflict when taken.
  NewAccount createAccount(std::string_view login, const AccountSubject& subject, std::int64_t now,
                           std::string_view requestId = {});
  std::optional<Account> account(std::int64_t accountId) const;
  std::optional<Account> accountByLogin(std::string_view login) const;
  /// Admin: pending → a new activation token (older ones die).  NotFound, or
  /// InvalidRequest when the account is not pending.
  std::string newActivationToken(std::int64_t accountId, std::int64_t now, std::string_view requestId = {});
  /// Admin: enable/disable.  Disabling ends the account's sessions (and SADs).
  void setAccountState(std::int64_t accountId, AccountState state, std::int64_t now, std::string_view requestId = {});

  /// Pending → active with its first password.  The token is single use.
  /// InvalidGrant for an unknown or used token, Expired, InvalidRequest for a
  /// password outside the policy.  Returns the account id.
  std::int64_t activate(std::string_view activationToken, std::string_view newPassword, std::int64_t now,
                        std::string_view requestId = {});
  /// The account id when the password is right and the account active.
  /// InvalidGrant for an unknown login or a wrong password (same message, and
  /// an unknown login costs the same Argon2id verification), AccessDenied
  /// when the password is right but the account is not active.
  std::int64_t verifyPassword(std::string_view login, std::string_view password, std::int64_t now,
                              std::string_view requestId = {});
  /// InvalidGrant when `oldPassword` is wrong, InvalidRequest when the new
  /// one breaks the policy.  Other sessions stay (the caller may revoke).
  void changePassword(std::string_view login, std::string_view oldPassword, std::string_view newPassword,
                      std::int64_t now, std::string_view requestId = {});
  /// A reset token (1 hour, single use; older reset tokens of the account
  /// die) for an active account; nullopt for an unknown or inactive login, so
  /// the caller answers both the same way.
  std::optional<std::string> requestPasswordReset(std::string_view login, std::int64_t now,
                                                  std::string_view requestId = {});
  /// Sets the password and ends every session of the account.  InvalidGrant,
  /// Expired, InvalidRequest as for activate().
  std::int64_t resetPassword(std::string_view resetToken, std::string_view newPassword, std::int64_t now,
                             std::string_view requestId = {});

  // -- OTP enrolment guard ------------------------------------------------

  /// A random 8-digit code (10 minutes) the caller sends out of band (outbox)
  /// before the TOTP secret is shown.  Starting again replaces the code but
  /// not the failure count.  Locked once blocked; AccessDenied for an
  /// account that is not active.
  std::string startOtpProvisioning(std::int64_t accountId, std::int64_t now, std::string_view requestId = {});
  /// Checks the code (constant time).  Wrong: InvalidGrant, and the third
  /// wrong code since the last success blocks enrolment (Locked) until an
  /// admin calls resetOtpProvisioning(): a new start would otherwise give
  /// whoever holds the password unlimited guesses.  Expired, or InvalidGrant
  /// when no code is open.  On success the code is gone and the caller stores
  /// the secret with setOtpSecret().
  void confirmOtpProvisioning(std::int64_t accountId, std::string_view code, std::int64_t now,
                              std::string_view requestId = {});
  /// Admin: unblocks enrolment (forgets code and failures).
  void resetOtpProvisioning(std::int64_t accountId, std::int64_t now, std::string_view requestId = {});

  // -- credentials --------------------------------------------------------

  /// Returns the new credential id.  NotFound for an unknown account,
  /// InvalidRequest for an empty certificate, key id or algorithm.
  std::string addCredential(const NewCredential& credential, std::int64_t now, std::string_view requestId = {});
  std::vector<Credential> credentials(std::int64_t accountId) const;
  /// NotFound when it does not exist or belongs to another account (one
  /// answer for both).
  Credential credential(std::string_view credentialId, std::int64_t accountId) const;
  void setCredentialStatus(std::string_view credentialId, CredentialStatus status, std::int64_t now,
                           std::string_view requestId = {});

  // -- TOTP secret and state per credential -------------------------------

  /// Seals and stores the secret (AES-256-GCM, the credential id as AAD) and
  /// starts a fresh OTP state.  NotFound; InvalidRequest for fewer than 16 bytes.
  void setOtpSecret(std::string_view credentialId, const SecretBytes& secret, std::int64_t now,
                    std::string_view requestId = {});
  /// The secret to compute the expected codes.  Locked while locked (so no
  /// code is even checked then), NotFound without a secret, Error(Crypto)
  /// when the sealed value does not open (tampered or another key).
  SecretBytes otpSecret(std::string_view credentialId, std::int64_t now) const;
  OtpState otpState(std::string_view credentialId) const;
  /// A code matched time step `step`: accepted only if step > lastAcceptedStep
  /// (else Replayed) and not locked (else Locked); resets the failure count.
  void recordOtpSuccess(std::string_view credentialId, std::int64_t step, std::int64_t now,
                        std::string_view requestId = {});
  /// A wrong code: the 5th in a row locks the credential for 300 s (the
  /// count starts again after the lock).  Returns the state after it.
  /// Locked while already locked (not counted).
  OtpState recordOtpFailure(std::string_view credentialId, std::int64_t now, std::string_view requestId = {});

  // -- sessions (access tokens) -------------------------------------------

  /// base64url of 32 random bytes, expires now+180.  AccessDenied when the
  /// account is not active.
  std::string createSession(std::int64_t accountId, bool rememberMe, std::int64_t now, std::string_view requestId = {});
  /// InvalidToken for unknown or revoked, Expired, AccessDenied when the
  /// account was disabled.
  Session session(std::string_view token, std::int64_t now) const;
  /// Ends the session and its SADs.  Idempotent; returns whether it existed.
  bool revokeSession(std::string_view token, std::int64_t now, std::string_view requestId = {});

  // -- SADs (SCAL2) -------------------------------------------------------

  /// Call after the OTP was accepted (recordOtpSuccess).  Binds a new SAD to
  /// the credential, the session, the hashes (a multiset: each listed entry
  /// signs once; 1..100 entries of one length, 32/48/64 bytes = SHA-256/384/
  /// 512) and numSignatures (1..20, the total this SAD may sign; an extension
  /// counts its own hashes).  It lives as long as the session.  InvalidToken/Expired for the
  /// session, NotFound when the credential is not the session account's,
  /// AccessDenied when disabled, InvalidRequest for bad counts or hashes.
  NewSad createSad(std::string_view credentialId, std::string_view sessionToken, const std::vector<Bytes>& hashes,
                   int numSignatures, std::int64_t now, std::string_view requestId = {});
  /// Atomically: the session is alive and the SAD's, the credential the
  /// SAD's, every hash an unsigned entry of the SAD's list, no more hashes
  /// than signatures remain; then marks them signed and decrements.  The SAD
  /// dies when nothing remains (in a rememberMe session it stays as a spent
  /// row that signs nothing but extendSad() accepts).  Returns the signatures
  /// remaining.  InvalidGrant for an unknown (or used-up, or revoked) SAD, Expired,
  /// AccessDenied for any binding mismatch or count, InvalidRequest for an
  /// empty list.
  int consumeSad(std::string_view sad, std::string_view credentialId, std::string_view sessionToken,
                 const std::vector<Bytes>& hashes, std::int64_t now, std::string_view requestId = {});
  /// CSC credentials/extendTransaction for rememberMe sessions only
  /// (AccessDenied otherwise): a new SAD for `newHashes` whose count is their
  /// number (1..20, else InvalidRequest), no OTP, for as long as the session
  /// lives.  `oldSad` must have been issued to this session for this
  /// credential; it may be used up.  It is replaced: it signs nothing more
  /// but stays a valid base for later extensions.  Errors as consumeSad.
  NewSad extendSad(std::string_view oldSad, std::string_view credentialId, std::string_view sessionToken,
                   const std::vector<Bytes>& newHashes, std::int64_t now, std::string_view requestId = {});

  /// Deletes expired sessions (their SADs go too), expired tokens and
  /// expired enrolment codes (failure counts stay).  Returns rows deleted.
  std::int64_t purgeExpired(std::int64_t now);

  // -- audit ----------------------------------------------------------------

  /// Appends a row for an event the store does not see (signHash result,
  /// server start...).  The caller must put nothing secret in it.  Fields are
  /// cut to their limits (event 64, login/credential 64, request id 128,
  /// detail 2048 bytes) and control characters replaced.
  void appendAudit(std::string_view event, std::string_view login, std::string_view credential,
                   std::string_view requestId, std::string_view detail, std::int64_t now);
  /// Rows with seq >= fromSeq, oldest first.
  std::vector<AuditEntry> auditEntries(std::int64_t fromSeq = 1, std::size_t limit = 1000) const;
  /// Recomputes the chain: each row's hash = SHA-256 over the previous hash,
  /// its seq (consecutive from 1) and its fields.  Detects edited, inserted
  /// and removed rows, except removal at the end: compare `head` and `rows`
  /// with a copy kept elsewhere.
  AuditCheck verifyAuditChain() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace securedoc::cloud
