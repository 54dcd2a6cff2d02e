// The audit log: append-only (triggers refuse UPDATE and DELETE) and
// hash-chained, each row's SHA-256 covering the previous row's hash, its
// sequence number, its time and its fields, so an edited, inserted or
// removed row shows (ARCHITECTURE.md, "The cloud service's state").
#include <securedoc/cloud/store.h>

#include "store_internal.h"

#include <securedoc/crypto/digest.h>

namespace securedoc::cloud {

using sql::Query;
using sql::Transaction;

namespace {

/// Cuts `s` to `max` bytes on a UTF-8 boundary and replaces control characters.
std::string auditField(std::string_view s, std::size_t max) {
  if (s.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut);
  }
  std::string out(s);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

void appendBe64(Digester& d, std::uint64_t v) {
  std::uint8_t b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  d.update(b, sizeof b);
}

Bytes auditHash(const Bytes& prev, std::int64_t seq, std::int64_t time, const std::string* const (&fields)[5]) {
  Digester d(DigestAlgorithm::Sha256);
  static constexpr char kDomain[] = "securedoc-audit-v1";
  d.update(kDomain, sizeof kDomain);  // with the NUL: a fixed domain separator
  d.update(prev.data(), prev.size());
  appendBe64(d, static_cast<std::uint64_t>(seq));
  appendBe64(d, static_cast<std::uint64_t>(time));
  for (const std::string* f : fields) {
    appendBe64(d, f->size());
    d.update(*f);
  }
  return d.finish();
}

}  // namespace

// ------------------------------------------------------------------ appending

void Store::Impl::audit(std::int64_t now, std::string_view event, std::string_view login, std::string_view credential,
                        std::string_view requestId, std::string_view detailText) {
  const std::string fields[5] = {auditField(event, 64), auditField(login, 64), auditField(credential, 64),
                                 auditField(requestId, 128), auditField(detailText, 2048)};
  std::int64_t seq = 1;
  Bytes prev(32, 0);
  {
    Query q(db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (q.step()) {
      seq = q.int64(0) + 1;
      prev = q.blob(1);
    }
  }
  const std::string* const refs[5] = {&fields[0], &fields[1], &fields[2], &fields[3], &fields[4]};
  const Bytes hash = auditHash(prev, seq, now, refs);
  Query(db,
        "INSERT INTO audit_log (seq, time, event, login, credential, request_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        seq, now, fields[0], fields[1], fields[2], fields[3], fields[4], prev, hash)
      .run();
}

void Store::Impl::refuseAudited(Transaction& tx, std::int64_t now, std::string_view event, std::string_view login,
                                std::string_view credential, std::string_view requestId, std::string_view why,
                                ServiceErrc code, const char* message) {
  audit(now, event, login, credential, requestId, why);
  tx.commit();
  detail::refuse(code, message);
}

void Store::appendAudit(std::string_view event, std::string_view login, std::string_view credential,
                        std::string_view requestId, std::string_view detailText, std::int64_t now) {
  std::lock_guard lock(m_impl->mutex);
  Transaction tx(m_impl->db, Transaction::Kind::Write);
  m_impl->audit(now, event, login, credential, requestId, detailText);
  tx.commit();
}

// ------------------------------------------------------------------ reading and checking

std::vector<AuditEntry> Store::auditEntries(std::int64_t fromSeq, std::size_t limit) const {
  std::lock_guard lock(m_impl->mutex);
  std::vector<AuditEntry> out;
  Query q(m_impl->db,
          "SELECT seq, time, event, login, credential, request_id, detail, hash FROM audit_log "
          "WHERE seq >= ? ORDER BY seq LIMIT ?",
          fromSeq, static_cast<std::int64_t>(limit));
  while (q.step())
    out.push_back(AuditEntry{q.int64(0), q.int64(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6), q.blob(7)});
  return out;
}

AuditCheck Store::verifyAuditChain() const {
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Read);
  AuditCheck out;
  Bytes prev(32, 0);
  std::int64_t expected = 1;
  {
    Query q(db,
            "SELECT seq, time, event, login, credential, request_id, detail, prev_hash, hash FROM audit_log "
            "ORDER BY seq");
    while (q.step()) {
      const std::int64_t seq = q.int64(0);
      const std::string fields[5] = {q.text(2), q.text(3), q.text(4), q.text(5), q.text(6)};
      const std::string* const refs[5] = {&fields[0], &fields[1], &fields[2], &fields[3], &fields[4]};
      const Bytes stored = q.blob(8);
      const bool good = seq == expected && q.blob(7) == prev && auditHash(prev, seq, q.int64(1), refs) == stored;
      ++out.rows;
      if (!good && out.intact) {
        out.intact = false;
        out.firstBadSeq = seq;
      }
      prev = stored;
      expected = seq + 1;
    }
  }
  tx.commit();
  out.head = prev;
  return out;
}

}  // namespace securedoc::cloud
