#pragma once
// Private to the Store's own sources: its implementation struct and the one
// helper all of them use.  Each member is defined in the file of its subject:
//
//   store.cpp           the service errors, open(), purgeExpired()
//   store_schema.cpp    the schema, its migrations and the service-key check
//   store_accounts.cpp  accounts, passwords, activation/reset tokens, credentials
//   store_otp.cpp       the OTP enrolment guard, sealed TOTP secrets, replay and lock-out
//   store_sessions.cpp  sessions and SADs
//   store_audit.cpp     the hash-chained audit log
//
// Unless its comment says it takes `mutex` itself, a member expects the caller
// to hold it, and one that writes expects a write transaction to be open.
#include <securedoc/cloud/store.h>

#include "sqlite_db.h"

#include <securedoc/i18n.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace securedoc::cloud {

namespace detail {

/// Throws ServiceError(code) with `message` (an N_() literal) translated.
[[noreturn]] inline void refuse(ServiceErrc code, const char* message) { throw ServiceError(code, tr(message)); }

}  // namespace detail

struct Store::Impl {
  // -- store.cpp ------------------------------------------------------------

  Impl(const std::filesystem::path& file, const SecretBytes& key);

  std::mutex mutex;
  sql::Db db;
  SecretBytes serviceKey;
  SecretBytes sealKey;  ///< seals the TOTP secrets (AES-256-GCM)
  SecretBytes codeKey;  ///< keys the enrolment-code MACs (HMAC-SHA256)

  // -- store_schema.cpp -----------------------------------------------------

  /// Connection pragmas, integrity check, migrations to the current schema
  /// and the check that `serviceKey` belongs to this database.
  void initialise();

  // -- store_audit.cpp ------------------------------------------------------

  /// Appends one audit row; call inside a write transaction.
  void audit(std::int64_t now, std::string_view event, std::string_view login, std::string_view credential,
             std::string_view requestId, std::string_view detailText);
  /// Records a refusal, commits it and throws.
  [[noreturn]] void refuseAudited(sql::Transaction& tx, std::int64_t now, std::string_view event,
                                  std::string_view login, std::string_view credential, std::string_view requestId,
                                  std::string_view why, ServiceErrc code, const char* message);

  // -- store_accounts.cpp ---------------------------------------------------

  /// The account's login; "" when there is no such account.
  std::string loginOf(std::int64_t accountId);
  /// The login of the credential's account; "" when there is no such credential.
  std::string loginOfCredential(std::string_view credentialId);
  /// The login of an active account: NotFound, AccessDenied when it is not active.
  std::string requireActiveAccount(std::int64_t accountId);

  std::optional<Account> readAccount(const char* sql, auto key);

  /// Verified against when the login is unknown (or has no password yet), so
  /// that costs the same Argon2id work as a real check.  The Argon2id string
  /// of 32 random bytes that were thrown away, with our parameters: nobody
  /// knows a password that matches, and no hashing is needed at start-up.
  /// Keep its m/t/p in step with kArgon* in store_crypto.cpp.
  static const std::string& dummy();

  /// An account's id and state and whether `password` is its password.
  /// Unknown logins, bad logins and accounts without a password yet cost
  /// the same Argon2id verification (no user enumeration by timing).
  struct PasswordCheck {
    std::optional<std::int64_t> id;
    std::string state;
    bool ok = false;
  };
  /// Takes the mutex itself, and not while Argon2id runs.
  PasswordCheck checkPassword(std::string_view login, std::string_view password);

  /// Single-use tokens (activation, reset): the account a valid token names.
  struct TokenRow {
    std::int64_t accountId = 0;
    std::string login;
    std::string state;
  };
  TokenRow requireToken(std::string_view token, const char* purpose, std::int64_t now);
  /// activate() and resetPassword(): takes the mutex itself, and not while
  /// Argon2id runs.
  std::int64_t redeemToken(std::string_view token, const char* purpose, const char* requiredState,
                           std::string_view newPassword, std::int64_t now, std::string_view requestId);

  // -- store_otp.cpp --------------------------------------------------------

  /// A credential's OTP state: NotFound without a secret.
  OtpState readOtpState(std::string_view credentialId);
  struct UnlockedOtp {
    OtpState state;
    std::string login;  ///< of the credential's account
  };
  /// The OTP state of a credential that is not locked, for recording a code:
  /// a locked one is refused (Locked, audited as "otp.refused").
  UnlockedOtp requireUnlockedOtp(sql::Transaction& tx, std::string_view credentialId, std::int64_t now,
                                 std::string_view requestId);

  // -- store_sessions.cpp ---------------------------------------------------

  struct SessionRow {
    std::int64_t id = 0;
    std::int64_t accountId = 0;
    bool rememberMe = false;
    std::int64_t expiresAt = 0;
    std::string login;
  };
  /// The live session for `token`: InvalidToken, Expired, AccessDenied.
  SessionRow requireSession(std::string_view token, std::int64_t now);

  struct SadRow {
    std::int64_t id = 0;
    std::string credentialId;
    std::int64_t sessionId = 0;
    int numSignatures = 0;
    int remaining = 0;
    std::int64_t expiresAt = 0;
  };
  std::optional<SadRow> findSad(std::string_view sad);
  bool credentialEnabled(std::string_view credentialId);
  /// Checks everything a SAD use needs that consumeSad and extendSad share.
  SadRow requireSadFor(sql::Transaction& tx, std::string_view sad, std::string_view credentialId,
                       const SessionRow& session, std::int64_t now, std::string_view requestId, const char* event);
  /// Stores SAD `sad` (as its SHA-256) for the credential in the session: it
  /// may sign `numSignatures` of `hashes` and lives as long as the session.
  NewSad insertSad(std::string sad, std::string_view credentialId, const SessionRow& session,
                   const std::vector<Bytes>& hashes, int numSignatures, std::int64_t now);
};

}  // namespace securedoc::cloud
