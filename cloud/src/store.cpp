// The Store's general part: the service errors, opening the database and the
// purge of expired rows across subjects.  The operations are in
// store_accounts.cpp, store_otp.cpp, store_sessions.cpp and store_audit.cpp,
// the schema in store_schema.cpp (store_internal.h lists who defines what).
#include <securedoc/cloud/store.h>
#include <securedoc/base/file.h>

#include "store_crypto.h"
#include "store_internal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace securedoc::cloud {

using sql::Query;
using sql::Transaction;

// ------------------------------------------------------------------ errors

const char* serviceErrcName(ServiceErrc code) {
  switch (code) {
    case ServiceErrc::InvalidRequest:
      return "invalid_request";
    case ServiceErrc::InvalidGrant:
      return "invalid_grant";
    case ServiceErrc::InvalidToken:
      return "invalid_token";
    case ServiceErrc::Expired:
      return "expired";
    case ServiceErrc::AccessDenied:
      return "access_denied";
    case ServiceErrc::Locked:
      return "locked";
    case ServiceErrc::Replayed:
      return "replayed";
    case ServiceErrc::NotFound:
      return "not_found";
    case ServiceErrc::Conflict:
      return "conflict";
  }
  return "invalid_request";
}

namespace {

Category categoryFor(ServiceErrc code) {
  switch (code) {
    case ServiceErrc::InvalidRequest:
    case ServiceErrc::NotFound:
    case ServiceErrc::Conflict:
      return Category::Usage;
    case ServiceErrc::InvalidGrant:
    case ServiceErrc::Replayed:
      return Category::Password;
    default:
      return Category::Policy;
  }
}

constexpr int kBusyTimeoutMs = 5000;

}  // namespace

ServiceError::ServiceError(ServiceErrc code, std::string message)
    : Error(categoryFor(code), std::move(message), {}, serviceErrcName(code)), m_code(code) {}

// ------------------------------------------------------------------ open

Store::Impl::Impl(const std::filesystem::path& file, const SecretBytes& key)
    : db(file, kBusyTimeoutMs),
      serviceKey(key),
      sealKey(detail::deriveKey(key, "securedoc-store-otp-seal-v1")),
      codeKey(detail::deriveKey(key, "securedoc-store-enrol-code-v1")) {}

Store::Store(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

Store Store::open(const std::filesystem::path& file, const SecretBytes& serviceKey) {
  if (serviceKey.size() != kServiceKeySize)
    throw Error(Category::Usage, tr("the service key must be 32 bytes"), file.string());
  // Password hashes and sealed secrets: the file is the owner's only.  SQLite
  // gives the -wal and -shm files the database file's mode.
  const UniqueFd created(::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!created && errno != EEXIST) {
    throw Error(Category::Io, tr("cannot create the service database"), file.string(), std::strerror(errno));
  }
  auto impl = std::make_unique<Impl>(file, serviceKey);
  impl->initialise();
  return Store(std::move(impl));
}

// ------------------------------------------------------------------ purge

std::int64_t Store::purgeExpired(std::int64_t now) {
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  std::int64_t n = 0;
  Query(db, "DELETE FROM sessions WHERE expires_at <= ?", now).run();
  n += sqlite3_changes(db.handle());
  Query(db, "DELETE FROM sads WHERE expires_at <= ?", now).run();
  n += sqlite3_changes(db.handle());
  Query(db, "DELETE FROM account_tokens WHERE expires_at <= ?", now).run();
  n += sqlite3_changes(db.handle());
  Query(db, "UPDATE otp_provisioning SET code_mac = NULL WHERE code_mac IS NOT NULL AND expires_at <= ?", now).run();
  Query(db, "DELETE FROM otp_provisioning WHERE code_mac IS NULL AND failures = 0 AND blocked = 0").run();
  n += sqlite3_changes(db.handle());
  tx.commit();
  return n;
}

}  // namespace securedoc::cloud
