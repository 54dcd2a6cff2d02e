#pragma once
// A thin owner of a SQLite connection for store.cpp: RAII handles, cached
// prepared statements, transactions that roll back unless committed, and
// SQLite result codes turned into securedoc::Error.  Not thread-safe: the
// Store serialises access.
#include <securedoc/base/bytes.h>

#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace securedoc::cloud::sql {

struct CloseDb {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

class Db final {
 public:
  /// Opens (creating) `file` read-write with extended result codes and a
  /// busy timeout.  Nothing is read yet: a garbage file fails at first use.
  explicit Db(const std::filesystem::path& file, int busyTimeoutMs);

  /// Runs one or more statements without results.
  void exec(const char* sql);
  /// The first column of the first row of `sql` as text ("" when none).
  std::string scalarText(const char* sql);
  /// A cached prepared statement for `sql` (a string literal: the cache is
  /// keyed by its address).
  sqlite3_stmt* prepare(const char* sql);

  /// Throws the Error for result code `rc`.
  [[noreturn]] void fail(int rc, std::string_view what) const;

  sqlite3* handle() const { return m_db.get(); }
  const std::string& file() const { return m_file; }

 private:
  std::string m_file;
  DbPtr m_db;
  std::unordered_map<const char*, StmtPtr> m_cache;
};

/// Binds arguments in order to a cached statement, steps it, and resets it
/// on destruction.
class Query final {
 public:
  template <class... Args>
  Query(Db& db, const char* sql, const Args&... args) : m_db(db), m_stmt(db.prepare(sql)) {
    [[maybe_unused]] int i = 0;
    (bindOne(++i, args), ...);
  }
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  /// True when a row is there.
  bool step();
  /// Steps once, expecting no row.
  void run();

  std::int64_t int64(int col) const { return sqlite3_column_int64(m_stmt, col); }
  int int32(int col) const { return sqlite3_column_int(m_stmt, col); }
  bool isNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
  std::string text(int col) const;
  Bytes blob(int col) const;

 private:
  void bindOne(int i, std::int64_t v);
  void bindOne(int i, int v) { bindOne(i, static_cast<std::int64_t>(v)); }
  void bindOne(int i, bool v) { bindOne(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  void bindOne(int i, std::string_view v);
  void bindOne(int i, const std::string& v) { bindOne(i, std::string_view(v)); }
  void bindOne(int i, const char* v) { bindOne(i, std::string_view(v)); }
  void bindOne(int i, const Bytes& v);
  void bindOne(int i, std::nullptr_t);
  void check(int rc);

  Db& m_db;
  sqlite3_stmt* m_stmt;
};

/// BEGIN (Read) or BEGIN IMMEDIATE (Write: takes the write lock up front, so
/// a read-modify-write never fails half-way with SQLITE_BUSY_SNAPSHOT);
/// rolls back in the destructor unless commit() ran.
class Transaction final {
 public:
  enum class Kind { Read, Write };
  Transaction(Db& db, Kind kind);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& m_db;
  bool m_open = true;
};

}  // namespace securedoc::cloud::sql
