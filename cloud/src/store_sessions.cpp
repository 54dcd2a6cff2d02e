// Sessions (the CSC access tokens) and SADs (the SCAL2 Signature Activation
// Data, CSC API v2 credentials/authorize): a SAD is bound to one session, one
// credential and a multiset of hashes, and signs each listed hash once.
#include <securedoc/cloud/store.h>

#include "store_crypto.h"
#include "store_internal.h"

#include <algorithm>
#include <utility>

namespace securedoc::cloud {

using detail::refuse;
using detail::sha256;
using sql::Query;
using sql::Transaction;

namespace {

void checkHashes(const std::vector<Bytes>& hashes) {
  if (hashes.empty() || hashes.size() > kMaxHashesPerSad)
    refuse(ServiceErrc::InvalidRequest, N_("between 1 and 100 hashes must be given"));
  const std::size_t size = hashes.front().size();
  if (size != 32 && size != 48 && size != 64)
    refuse(ServiceErrc::InvalidRequest, N_("a hash must be a SHA-256, SHA-384 or SHA-512 value"));
  for (const Bytes& h : hashes)
    if (h.size() != size) refuse(ServiceErrc::InvalidRequest, N_("all hashes must have the same algorithm"));
}

std::string hashList(const std::vector<Bytes>& hashes) {
  std::string out;
  const std::size_t shown = std::min<std::size_t>(hashes.size(), 8);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i != 0) out += ',';
    out += toHex(hashes[i]);
  }
  if (shown < hashes.size()) out += ",...";
  return out;
}

}  // namespace

// ------------------------------------------------------------------ sessions

Store::Impl::SessionRow Store::Impl::requireSession(std::string_view token, std::int64_t now) {
  Query q(db,
          "SELECT s.id, s.account_id, s.remember_me, s.expires_at, a.state, a.login "
          "FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?",
          sha256(token));
  if (!q.step()) refuse(ServiceErrc::InvalidToken, N_("the access token is not valid"));
  SessionRow r{q.int64(0), q.int64(1), q.int32(2) != 0, q.int64(3), q.text(5)};
  if (r.expiresAt <= now) refuse(ServiceErrc::Expired, N_("the access token has expired"));
  if (q.text(4) != "active") refuse(ServiceErrc::AccessDenied, N_("the account is not active"));
  return r;
}

std::string Store::createSession(std::int64_t accountId, bool rememberMe, std::int64_t now,
                                 std::string_view requestId) {
  std::string token = detail::newToken();
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  const std::string login = m_impl->requireActiveAccount(accountId);
  Query(db, "INSERT INTO sessions (token_hash, account_id, remember_me, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        sha256(token), accountId, rememberMe, now, now + kSessionLifetime)
      .run();
  m_impl->audit(now, "session.create", login, {}, requestId, rememberMe ? "rememberMe" : "");
  tx.commit();
  return token;
}

Session Store::session(std::string_view token, std::int64_t now) const {
  std::lock_guard lock(m_impl->mutex);
  const auto r = m_impl->requireSession(token, now);
  return Session{r.accountId, r.rememberMe, r.expiresAt};
}

bool Store::revokeSession(std::string_view token, std::int64_t now, std::string_view requestId) {
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  std::int64_t id = 0;
  std::string login;
  {
    Query q(db, "SELECT s.id, a.login FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?",
            sha256(token));
    if (!q.step()) return false;
    id = q.int64(0);
    login = q.text(1);
  }
  Query(db, "DELETE FROM sessions WHERE id = ?", id).run();  // its SADs go by ON DELETE CASCADE
  m_impl->audit(now, "session.revoke", login, {}, requestId, {});
  tx.commit();
  return true;
}

// ------------------------------------------------------------------ SADs

std::optional<Store::Impl::SadRow> Store::Impl::findSad(std::string_view sad) {
  Query q(db,
          "SELECT id, credential_id, session_id, num_signatures, remaining, expires_at FROM sads "
          "WHERE sad_hash = ?",
          sha256(sad));
  if (!q.step()) return std::nullopt;
  return SadRow{q.int64(0), q.text(1), q.int64(2), q.int32(3), q.int32(4), q.int64(5)};
}

bool Store::Impl::credentialEnabled(std::string_view credentialId) {
  Query q(db, "SELECT status FROM credentials WHERE id = ?", credentialId);
  return q.step() && q.text(0) == "enabled";
}

Store::Impl::SadRow Store::Impl::requireSadFor(Transaction& tx, std::string_view sad, std::string_view credentialId,
                                               const SessionRow& session, std::int64_t now, std::string_view requestId,
                                               const char* event) {
  const auto row = findSad(sad);
  if (!row)
    refuseAudited(tx, now, event, session.login, credentialId, requestId, "unknown SAD", ServiceErrc::InvalidGrant,
                  N_("Invalid parameter SAD"));
  if (row->sessionId != session.id)
    refuseAudited(tx, now, event, session.login, credentialId, requestId, "SAD of another session",
                  ServiceErrc::AccessDenied, N_("the SAD belongs to another session"));
  if (row->credentialId != credentialId)
    refuseAudited(tx, now, event, session.login, credentialId, requestId, "SAD of another credential",
                  ServiceErrc::AccessDenied, N_("the SAD was issued for another credential"));
  if (row->expiresAt <= now) refuse(ServiceErrc::Expired, N_("SAD expired"));
  if (!credentialEnabled(credentialId))
    refuseAudited(tx, now, event, session.login, credentialId, requestId, "credential disabled",
                  ServiceErrc::AccessDenied, N_("The credential identified by credentialID is disabled"));
  return *row;
}

NewSad Store::Impl::insertSad(std::string sad, std::string_view credentialId, const SessionRow& session,
                              const std::vector<Bytes>& hashes, int numSignatures, std::int64_t now) {
  Query(db,
        "INSERT INTO sads (sad_hash, credential_id, session_id, num_signatures, remaining, created_at, expires_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        sha256(sad), credentialId, session.id, numSignatures, numSignatures, now, session.expiresAt)
      .run();
  const std::int64_t sadId = sqlite3_last_insert_rowid(db.handle());
  for (std::size_t i = 0; i < hashes.size(); ++i)
    Query(db, "INSERT INTO sad_hashes (sad_id, position, hash) VALUES (?, ?, ?)", sadId, static_cast<std::int64_t>(i),
          hashes[i])
        .run();
  return NewSad{std::move(sad), session.expiresAt, numSignatures};
}

NewSad Store::createSad(std::string_view credentialId, std::string_view sessionToken, const std::vector<Bytes>& hashes,
                        int numSignatures, std::int64_t now, std::string_view requestId) {
  if (numSignatures < 1 || numSignatures > kMaxSignaturesPerSad)
    refuse(ServiceErrc::InvalidRequest, N_("Invalid value for parameter numSignatures"));
  checkHashes(hashes);
  std::string sad = detail::newToken();
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  const auto session = m_impl->requireSession(sessionToken, now);
  {
    Query q(db, "SELECT status FROM credentials WHERE id = ? AND account_id = ?", credentialId, session.accountId);
    if (!q.step()) refuse(ServiceErrc::NotFound, N_("Invalid parameter credentialID"));
    if (q.text(0) != "enabled")
      refuse(ServiceErrc::AccessDenied, N_("The credential identified by credentialID is disabled"));
  }
  NewSad out = m_impl->insertSad(std::move(sad), credentialId, session, hashes, numSignatures, now);
  m_impl->audit(now, "sad.create", session.login, credentialId, requestId,
                format("numSignatures={0} hashes={1}", {numSignatures, hashList(hashes)}));
  tx.commit();
  return out;
}

int Store::consumeSad(std::string_view sad, std::string_view credentialId, std::string_view sessionToken,
                      const std::vector<Bytes>& hashes, std::int64_t now, std::string_view requestId) {
  checkHashes(hashes);
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  const auto session = m_impl->requireSession(sessionToken, now);
  const auto row = m_impl->requireSadFor(tx, sad, credentialId, session, now, requestId, "sad.refused");
  if (row.remaining == 0)  // a spent row kept for extendTransaction (rememberMe): signs nothing more
    m_impl->refuseAudited(tx, now, "sad.refused", session.login, credentialId, requestId, "SAD used up",
                          ServiceErrc::InvalidGrant, N_("Invalid parameter SAD"));
  if (static_cast<int>(hashes.size()) > row.remaining)
    m_impl->refuseAudited(tx, now, "sad.refused", session.login, credentialId, requestId,
                          format("count {0} > remaining {1}", {hashes.size(), row.remaining}),
                          ServiceErrc::AccessDenied, N_("Numbers of signatures is too high"));
  // Each requested hash takes one unsigned entry of the authorised list.
  std::vector<std::pair<std::int64_t, Bytes>> open;
  {
    Query q(db, "SELECT position, hash FROM sad_hashes WHERE sad_id = ? AND signed = 0 ORDER BY position", row.id);
    while (q.step()) open.emplace_back(q.int64(0), q.blob(1));
  }
  std::vector<std::int64_t> taken;
  for (const Bytes& h : hashes) {
    auto it = std::find_if(open.begin(), open.end(), [&](const auto& e) { return e.first >= 0 && e.second == h; });
    if (it == open.end())
      m_impl->refuseAudited(tx, now, "sad.refused", session.login, credentialId, requestId,
                            "hash not authorised: " + toHex(h), ServiceErrc::AccessDenied,
                            N_("Hash is not authorized by the SAD"));
    taken.push_back(it->first);
    it->first = -1;
  }
  for (std::int64_t pos : taken)
    Query(db, "UPDATE sad_hashes SET signed = 1 WHERE sad_id = ? AND position = ?", row.id, pos).run();
  const int remaining = row.remaining - static_cast<int>(hashes.size());
  if (remaining == 0 && !session.rememberMe)
    Query(db, "DELETE FROM sads WHERE id = ?", row.id).run();  // used up: the SAD dies (CSC §11.9)
  else  // in a rememberMe session a used-up SAD stays as a spent row: extendSad() may still build on it
    Query(db, "UPDATE sads SET remaining = ? WHERE id = ?", remaining, row.id).run();
  m_impl->audit(now, "sad.consume", session.login, credentialId, requestId,
                format("signed={0} remaining={1} hashes={2}", {hashes.size(), remaining, hashList(hashes)}));
  tx.commit();
  return remaining;
}

NewSad Store::extendSad(std::string_view oldSad, std::string_view credentialId, std::string_view sessionToken,
                        const std::vector<Bytes>& newHashes, std::int64_t now, std::string_view requestId) {
  checkHashes(newHashes);
  if (newHashes.size() > static_cast<std::size_t>(kMaxSignaturesPerSad))
    refuse(ServiceErrc::InvalidRequest, N_("Numbers of signatures is too high"));
  std::string newSad = detail::newToken();
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  const auto session = m_impl->requireSession(sessionToken, now);
  if (!session.rememberMe)
    m_impl->refuseAudited(tx, now, "sad.extend.refused", session.login, credentialId, requestId, "no rememberMe",
                          ServiceErrc::AccessDenied,
                          N_("the session was not opened with rememberMe: every batch needs an OTP"));
  const auto row = m_impl->requireSadFor(tx, oldSad, credentialId, session, now, requestId, "sad.extend.refused");
  // The new SAD signs exactly the new hashes; the old one is replaced (kept
  // as a spent row, so a later batch may build on either).
  const int count = static_cast<int>(newHashes.size());
  Query(db, "UPDATE sads SET remaining = 0 WHERE id = ?", row.id).run();
  NewSad out = m_impl->insertSad(std::move(newSad), credentialId, session, newHashes, count, now);
  m_impl->audit(now, "sad.extend", session.login, credentialId, requestId,
                format("remaining={0} hashes={1}", {count, hashList(newHashes)}));
  tx.commit();
  return out;
}

}  // namespace securedoc::cloud
