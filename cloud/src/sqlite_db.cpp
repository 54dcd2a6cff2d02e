#include "sqlite_db.h"

#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <cstdint>

namespace securedoc::cloud::sql {

namespace {

// SQLITE_TRANSIENT without its old-style cast: SQLite copies the value.
// NOLINTNEXTLINE(performance-no-int-to-ptr): SQLite defines the value as a pointer cast of -1 (sqlite3.h).
const sqlite3_destructor_type kTransient = reinterpret_cast<sqlite3_destructor_type>(static_cast<std::intptr_t>(-1));

Category categoryOf(int rc) {
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_FORMAT:
      return Category::Malformed;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_AUTH:
      return Category::Io;
    default:
      return Category::Internal;
  }
}

}  // namespace

Db::Db(const std::filesystem::path& file, int busyTimeoutMs) : m_file(file.string()) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(m_file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  m_db.reset(raw);  // even on failure the handle must be closed
  if (rc != SQLITE_OK) fail(rc, "open");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busyTimeoutMs);
}

void Db::fail(int rc, std::string_view what) const {
  std::string detail(what);
  detail += ": ";
  detail += sqlite3_errstr(rc);
  if (m_db) {
    const char* msg = sqlite3_errmsg(m_db.get());
    if (msg != nullptr && std::string_view(msg) != sqlite3_errstr(rc)) {
      detail += " (";
      detail += msg;
      detail += ")";
    }
  }
  const Category c = categoryOf(rc);
  const char* message = c == Category::Malformed ? tr("the service database is damaged or not a database")
                        : c == Category::Io      ? tr("the service database cannot be read or written")
                                                 : tr("the service database refused an operation");
  throw Error(c, message, m_file, detail);
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(m_db.get(), sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) fail(rc, "exec");
}

std::string Db::scalarText(const char* sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(m_db.get(), sql, -1, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) fail(rc, "prepare");
  const int s = sqlite3_step(raw);
  if (s == SQLITE_ROW) {
    const auto* t = sqlite3_column_text(raw, 0);
    return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t));
  }
  if (s != SQLITE_DONE) fail(s, "step");
  return {};
}

sqlite3_stmt* Db::prepare(const char* sql) {
  auto it = m_cache.find(sql);
  if (it != m_cache.end()) return it->second.get();
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(m_db.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) fail(rc, "prepare");
  return m_cache.emplace(sql, std::move(stmt)).first->second.get();
}

Query::~Query() {
  sqlite3_reset(m_stmt);
  sqlite3_clear_bindings(m_stmt);
}

void Query::check(int rc) {
  if (rc != SQLITE_OK) m_db.fail(rc, "bind");
}

void Query::bindOne(int i, std::int64_t v) { check(sqlite3_bind_int64(m_stmt, i, v)); }
void Query::bindOne(int i, std::string_view v) {
  check(sqlite3_bind_text64(m_stmt, i, v.data(), v.size(), kTransient, SQLITE_UTF8));
}
void Query::bindOne(int i, const Bytes& v) {
  // A zero-length blob, not NULL, for an empty vector.
  static const std::uint8_t empty = 0;
  check(sqlite3_bind_blob64(m_stmt, i, v.empty() ? &empty : v.data(), v.size(), kTransient));
}
void Query::bindOne(int i, std::nullptr_t) { check(sqlite3_bind_null(m_stmt, i)); }

bool Query::step() {
  const int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  m_db.fail(rc, "step");
}

void Query::run() {
  const int rc = sqlite3_step(m_stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) m_db.fail(rc, "step");
}

std::string Query::text(int col) const {
  const auto* t = sqlite3_column_text(m_stmt, col);
  const int n = sqlite3_column_bytes(m_stmt, col);
  return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(n));
}

Bytes Query::blob(int col) const {
  const auto* b = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_stmt, col));
  const int n = sqlite3_column_bytes(m_stmt, col);
  return b == nullptr ? Bytes() : Bytes(b, b + n);
}

Transaction::Transaction(Db& db, Kind kind) : m_db(db) { m_db.exec(kind == Kind::Write ? "BEGIN IMMEDIATE" : "BEGIN"); }

Transaction::~Transaction() {
  if (m_open) sqlite3_exec(m_db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  m_db.exec("COMMIT");
  m_open = false;
}

}  // namespace securedoc::cloud::sql
