// Accounts (login, subject, state), their passwords (Argon2id, RFC 9106),
// the single-use activation and reset tokens, and the credentials: the
// certificate, its chain and the key's place in the HSM.
#include <securedoc/cloud/store.h>

#include "store_crypto.h"
#include "store_internal.h"

#include <algorithm>
#include <cstring>

namespace securedoc::cloud {

using detail::refuse;
using detail::sha256;
using sql::Query;
using sql::Transaction;

namespace {

const char* stateName(AccountState s) {
  switch (s) {
    case AccountState::Pending:
      return "pending";
    case AccountState::Active:
      return "active";
    case AccountState::Disabled:
      return "disabled";
  }
  return "disabled";
}

AccountState parseState(const std::string& s) {
  if (s == "pending") return AccountState::Pending;
  if (s == "active") return AccountState::Active;
  return AccountState::Disabled;
}

const char* statusName(CredentialStatus s) { return s == CredentialStatus::Enabled ? "enabled" : "disabled"; }

bool validLogin(std::string_view login) {
  if (login.empty() || login.size() > 64) return false;
  return std::all_of(login.begin(), login.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

void checkSubject(const AccountSubject& s) {
  for (const std::string* f : {&s.givenName, &s.surname, &s.nationalId, &s.country, &s.organisation, &s.email}) {
    if (f->size() > 256 || std::any_of(f->begin(), f->end(), [](char c) {
          const auto u = static_cast<unsigned char>(c);
          return u < 0x20 || u == 0x7f;
        }))
      refuse(ServiceErrc::InvalidRequest, N_("a subject field is too long or holds control characters"));
  }
  if (!s.country.empty() && (s.country.size() != 2 || !std::all_of(s.country.begin(), s.country.end(),
                                                                   [](char c) { return c >= 'A' && c <= 'Z'; })))
    refuse(ServiceErrc::InvalidRequest, N_("the country must be two upper-case letters (ISO 3166-1 alpha-2)"));
}

constexpr const char* kCredentialColumns =
    "SELECT c.id, c.account_id, c.certificate, c.key_algorithm, c.key_id, c.key_label, c.status, c.created_at, "
    "EXISTS (SELECT 1 FROM credential_otp o WHERE o.credential_id = c.id) FROM credentials c ";

}  // namespace

// ------------------------------------------------------------------ shared lookups

std::string Store::Impl::loginOf(std::int64_t accountId) {
  Query q(db, "SELECT login FROM accounts WHERE id = ?", accountId);
  return q.step() ? q.text(0) : std::string();
}

std::string Store::Impl::loginOfCredential(std::string_view credentialId) {
  Query q(db, "SELECT a.login FROM credentials c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?", credentialId);
  return q.step() ? q.text(0) : std::string();
}

std::string Store::Impl::requireActiveAccount(std::int64_t accountId) {
  Query q(db, "SELECT login, state FROM accounts WHERE id = ?", accountId);
  if (!q.step()) refuse(ServiceErrc::NotFound, N_("no such account"));
  if (q.text(1) != "active") refuse(ServiceErrc::AccessDenied, N_("the account is not active"));
  return q.text(0);
}

std::optional<Account> Store::Impl::readAccount(const char* sql, auto key) {
  Query q(db, sql, key);
  if (!q.step()) return std::nullopt;
  Account a;
  a.id = q.int64(0);
  a.login = q.text(1);
  a.subject = {q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.text(7)};
  a.state = parseState(q.text(8));
  a.createdAt = q.int64(9);
  return a;
}

// ------------------------------------------------------------------ accounts

NewAccount Store::createAccount(std::string_view login, const AccountSubject& subject, std::int64_t now,
                                std::string_view requestId) {
  if (!validLogin(login))
    refuse(ServiceErrc::InvalidRequest, N_("a login has 1 to 64 characters: letters, digits, '.', '_' or '-'"));
  checkSubject(subject);
  NewAccount out;
  out.activationToken = detail::newToken();
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  {
    Query q(db, "SELECT 1 FROM accounts WHERE login = ?", login);
    if (q.step()) refuse(ServiceErrc::Conflict, N_("the login is taken"));
  }
  Query(db,
        "INSERT INTO accounts (login, given_name, surname, national_id, country, organisation, email, state, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
        login, subject.givenName, subject.surname, subject.nationalId, subject.country, subject.organisation,
        subject.email, now, now)
      .run();
  out.id = sqlite3_last_insert_rowid(db.handle());
  Query(db, "INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at) VALUES (?, ?, 'activation', ?)",
        sha256(out.activationToken), out.id, now + kActivationTokenLifetime)
      .run();
  m_impl->audit(now, "account.create", login, {}, requestId, {});
  tx.commit();
  return out;
}

std::optional<Account> Store::account(std::int64_t accountId) const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->readAccount(
      "SELECT id, login, given_name, surname, national_id, country, organisation, email, state, created_at "
      "FROM accounts WHERE id = ?",
      accountId);
}

std::optional<Account> Store::accountByLogin(std::string_view login) const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->readAccount(
      "SELECT id, login, given_name, surname, national_id, country, organisation, email, state, created_at "
      "FROM accounts WHERE login = ?",
      login);
}

std::string Store::newActivationToken(std::int64_t accountId, std::int64_t now, std::string_view requestId) {
  std::string token = detail::newToken();
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  std::string login;
  {
    Query q(db, "SELECT login, state FROM accounts WHERE id = ?", accountId);
    if (!q.step()) refuse(ServiceErrc::NotFound, N_("no such account"));
    if (q.text(1) != "pending") refuse(ServiceErrc::InvalidRequest, N_("the account is already activated"));
    login = q.text(0);
  }
  Query(db, "DELETE FROM account_tokens WHERE account_id = ? AND purpose = 'activation'", accountId).run();
  Query(db, "INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at) VALUES (?, ?, 'activation', ?)",
        sha256(token), accountId, now + kActivationTokenLifetime)
      .run();
  m_impl->audit(now, "account.activation-token", login, {}, requestId, {});
  tx.commit();
  return token;
}

void Store::setAccountState(std::int64_t accountId, AccountState state, std::int64_t now, std::string_view requestId) {
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  const std::string login = m_impl->loginOf(accountId);
  if (login.empty()) refuse(ServiceErrc::NotFound, N_("no such account"));
  Query(db, "UPDATE accounts SET state = ?, updated_at = ? WHERE id = ?", stateName(state), now, accountId).run();
  if (state != AccountState::Active) Query(db, "DELETE FROM sessions WHERE account_id = ?", accountId).run();
  m_impl->audit(now, "account.state", login, {}, requestId, stateName(state));
  tx.commit();
}

// ------------------------------------------------------------------ passwords and tokens

const std::string& Store::Impl::dummy() {
  static const std::string hash =
      "$argon2id$v=19$m=19456,t=2,p=1$yXtlj1ftkWzDgkFmr/bDdQ$aBXoV+ns7UY3ZKj+cy9Xscw/ac3celXVscaWraewhjU";
  return hash;
}

Store::Impl::TokenRow Store::Impl::requireToken(std::string_view token, const char* purpose, std::int64_t now) {
  Query q(db,
          "SELECT t.account_id, t.expires_at, a.login, a.state FROM account_tokens t "
          "JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = ? AND t.purpose = ?",
          sha256(token), purpose);
  if (!q.step()) refuse(ServiceErrc::InvalidGrant, N_("the token is unknown or was already used"));
  if (q.int64(1) <= now) refuse(ServiceErrc::Expired, N_("the token has expired"));
  return TokenRow{q.int64(0), q.text(2), q.text(3)};
}

std::int64_t Store::Impl::redeemToken(std::string_view token, const char* purpose, const char* requiredState,
                                      std::string_view newPassword, std::int64_t now, std::string_view requestId) {
  TokenRow row;
  {
    std::lock_guard lock(mutex);
    row = requireToken(token, purpose, now);
  }
  if (row.state != requiredState) refuse(ServiceErrc::InvalidGrant, N_("the token is unknown or was already used"));
  detail::checkPasswordPolicy(newPassword, row.login);
  const std::string encoded = detail::hashPassword(newPassword);  // outside the mutex: ~50 ms

  std::lock_guard lock(mutex);
  Transaction tx(db, Transaction::Kind::Write);
  const TokenRow again = requireToken(token, purpose, now);  // used meanwhile by another request?
  if (again.accountId != row.accountId || again.state != requiredState)
    refuse(ServiceErrc::InvalidGrant, N_("the token is unknown or was already used"));
  Query(db, "UPDATE accounts SET password = ?, state = 'active', updated_at = ? WHERE id = ?", encoded, now,
        row.accountId)
      .run();
  // Single use: this token and any sibling of the same purpose die.
  Query(db, "DELETE FROM account_tokens WHERE account_id = ? AND purpose = ?", row.accountId, purpose).run();
  const bool reset = std::strcmp(purpose, "reset") == 0;
  if (reset) Query(db, "DELETE FROM sessions WHERE account_id = ?", row.accountId).run();
  audit(now, reset ? "password.reset" : "account.activate", row.login, {}, requestId, {});
  tx.commit();
  return row.accountId;
}

Store::Impl::PasswordCheck Store::Impl::checkPassword(std::string_view login, std::string_view password) {
  PasswordCheck r;
  std::string encoded;
  if (validLogin(login)) {
    std::lock_guard lock(mutex);
    Query q(db, "SELECT id, password, state FROM accounts WHERE login = ?", login);
    if (q.step()) {
      r.id = q.int64(0);
      if (!q.isNull(1)) encoded = q.text(1);
      r.state = q.text(2);
    }
  }
  r.ok =
      encoded.empty() ? (detail::verifyPassword(dummy(), password), false) : detail::verifyPassword(encoded, password);
  return r;
}

std::int64_t Store::activate(std::string_view activationToken, std::string_view newPassword, std::int64_t now,
                             std::string_view requestId) {
  return m_impl->redeemToken(activationToken, "activation", "pending", newPassword, now, requestId);
}

std::int64_t Store::resetPassword(std::string_view resetToken, std::string_view newPassword, std::int64_t now,
                                  std::string_view requestId) {
  return m_impl->redeemToken(resetToken, "reset", "active", newPassword, now, requestId);
}

std::int64_t Store::verifyPassword(std::string_view login, std::string_view password, std::int64_t now,
                                   std::string_view requestId) {
  const auto [id, state, ok] = m_impl->checkPassword(login, password);
  if (id) {
    std::lock_guard lock(m_impl->mutex);
    Transaction tx(m_impl->db, Transaction::Kind::Write);
    m_impl->audit(now, ok && state == "active" ? "login.ok" : "login.failed", login, {}, requestId,
                  ok ? (state == "active" ? "" : "account " + state) : "wrong password");
    tx.commit();
  }
  if (!ok) refuse(ServiceErrc::InvalidGrant, N_("wrong login or password"));
  if (state != "active") refuse(ServiceErrc::AccessDenied, N_("the account is not active"));
  return *id;
}

void Store::changePassword(std::string_view login, std::string_view oldPassword, std::string_view newPassword,
                           std::int64_t now, std::string_view requestId) {
  const auto [found, state, ok] = m_impl->checkPassword(login, oldPassword);
  const std::int64_t id = found.value_or(0);
  if (!ok) {
    if (found) {
      std::lock_guard lock(m_impl->mutex);
      Transaction tx(m_impl->db, Transaction::Kind::Write);
      m_impl->audit(now, "password.change.refused", login, {}, requestId, "wrong password");
      tx.commit();
    }
    refuse(ServiceErrc::InvalidGrant, N_("wrong login or password"));
  }
  if (state != "active") refuse(ServiceErrc::AccessDenied, N_("the account is not active"));
  detail::checkPasswordPolicy(newPassword, login);
  const std::string fresh = detail::hashPassword(newPassword);
  std::lock_guard lock(m_impl->mutex);
  Transaction tx(m_impl->db, Transaction::Kind::Write);
  Query(m_impl->db, "UPDATE accounts SET password = ?, updated_at = ? WHERE id = ?", fresh, now, id).run();
  m_impl->audit(now, "password.change", login, {}, requestId, {});
  tx.commit();
}

std::optional<std::string> Store::requestPasswordReset(std::string_view login, std::int64_t now,
                                                       std::string_view requestId) {
  if (!validLogin(login)) return std::nullopt;
  std::string token = detail::newToken();
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  std::int64_t id = 0;
  {
    Query q(db, "SELECT id, state FROM accounts WHERE login = ?", login);
    if (!q.step() || q.text(1) != "active") return std::nullopt;
    id = q.int64(0);
  }
  Query(db, "DELETE FROM account_tokens WHERE account_id = ? AND purpose = 'reset'", id).run();
  Query(db, "INSERT INTO account_tokens (token_hash, account_id, purpose, expires_at) VALUES (?, ?, 'reset', ?)",
        sha256(token), id, now + kResetTokenLifetime)
      .run();
  m_impl->audit(now, "password.reset.request", login, {}, requestId, {});
  tx.commit();
  return token;
}

// ------------------------------------------------------------------ credentials

std::string Store::addCredential(const NewCredential& c, std::int64_t now, std::string_view requestId) {
  if (c.certificate.empty() || c.keyId.empty() || c.keyAlgorithm.empty())
    refuse(ServiceErrc::InvalidRequest, N_("a credential needs a certificate, a key id and a key algorithm"));
  std::string id = detail::base64Url(detail::randomBytes(16));
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  const std::string login = m_impl->loginOf(c.accountId);
  if (login.empty()) refuse(ServiceErrc::NotFound, N_("no such account"));
  Query(db,
        "INSERT INTO credentials (id, account_id, certificate, key_algorithm, key_id, key_label, status, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 'enabled', ?)",
        id, c.accountId, c.certificate, c.keyAlgorithm, c.keyId, c.keyLabel, now)
      .run();
  for (std::size_t i = 0; i < c.chain.size(); ++i)
    Query(db, "INSERT INTO credential_chain (credential_id, position, certificate) VALUES (?, ?, ?)", id,
          static_cast<std::int64_t>(i), c.chain[i])
        .run();
  m_impl->audit(now, "credential.add", login, id, requestId, c.keyAlgorithm);
  tx.commit();
  return id;
}

std::vector<Credential> Store::credentials(std::int64_t accountId) const {
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Read);
  std::vector<Credential> out;
  {
    static const std::string sqlText =
        std::string(kCredentialColumns) + "WHERE c.account_id = ? ORDER BY c.created_at, c.id";
    Query q(db, sqlText.c_str(), accountId);
    while (q.step()) {
      Credential c;
      c.id = q.text(0);
      c.accountId = q.int64(1);
      c.certificate = q.blob(2);
      c.keyAlgorithm = q.text(3);
      c.keyId = q.blob(4);
      c.keyLabel = q.text(5);
      c.status = q.text(6) == "enabled" ? CredentialStatus::Enabled : CredentialStatus::Disabled;
      c.createdAt = q.int64(7);
      c.hasOtpSecret = q.int32(8) != 0;
      out.push_back(std::move(c));
    }
  }
  for (Credential& c : out) {
    Query q(db, "SELECT certificate FROM credential_chain WHERE credential_id = ? ORDER BY position", c.id);
    while (q.step()) c.chain.push_back(q.blob(0));
  }
  tx.commit();
  return out;
}

Credential Store::credential(std::string_view credentialId, std::int64_t accountId) const {
  for (Credential& c : credentials(accountId))
    if (c.id == credentialId) return std::move(c);
  refuse(ServiceErrc::NotFound, N_("Invalid parameter credentialID"));
}

void Store::setCredentialStatus(std::string_view credentialId, CredentialStatus status, std::int64_t now,
                                std::string_view requestId) {
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  Query(db, "UPDATE credentials SET status = ? WHERE id = ?", statusName(status), credentialId).run();
  if (sqlite3_changes(db.handle()) == 0) refuse(ServiceErrc::NotFound, N_("Invalid parameter credentialID"));
  m_impl->audit(now, "credential.status", m_impl->loginOfCredential(credentialId), credentialId, requestId,
                statusName(status));
  tx.commit();
}

}  // namespace securedoc::cloud
