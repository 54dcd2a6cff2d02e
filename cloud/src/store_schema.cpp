// The schema of the Store's SQLite file and the steps of opening it: the
// connection's pragmas, the integrity check, the migrations and the check
// that the service key belongs to the database.
#include <securedoc/cloud/store.h>

#include "store_crypto.h"
#include "store_internal.h"

#include <cstring>
#include <ctime>
#include <iterator>
#include <optional>

namespace securedoc::cloud {

using sql::Query;
using sql::Transaction;

// ------------------------------------------------------------------ schema

namespace {

/// PRAGMA application_id: "SDCS" marks the file as this service's database.
constexpr std::int64_t kApplicationId = 0x53444353;
constexpr const char* kKeyCheckLabel = "securedoc-store-key-check-v1";

// Migrations, applied in order inside one transaction; never edit one that
// has shipped, add the next.
const char* const kMigrations[] = {
    // 1: everything.
    R"sql(
CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value BLOB NOT NULL
) STRICT;

CREATE TABLE accounts (
  id           INTEGER PRIMARY KEY,
  login        TEXT NOT NULL UNIQUE CHECK (length(login) BETWEEN 1 AND 64),
  given_name   TEXT NOT NULL,
  surname      TEXT NOT NULL,
  national_id  TEXT NOT NULL,
  country      TEXT NOT NULL,
  organisation TEXT NOT NULL,
  email        TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'active', 'disabled')),
  password     TEXT CHECK (password IS NULL OR substr(password, 1, 10) = '$argon2id$'),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;

-- Activation and reset tokens: only SHA-256 of the token.
CREATE TABLE account_tokens (
  token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  purpose    TEXT NOT NULL CHECK (purpose IN ('activation', 'reset')),
  expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX account_tokens_account ON account_tokens(account_id, purpose);

-- The OTP enrolment guard: HMAC-SHA256(service subkey, account id || code).
CREATE TABLE otp_provisioning (
  account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  code_mac   BLOB,
  expires_at INTEGER NOT NULL DEFAULT 0,
  failures   INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  blocked    INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1))
) STRICT;

CREATE TABLE credentials (
  id            TEXT PRIMARY KEY,
  account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  certificate   BLOB NOT NULL,
  key_algorithm TEXT NOT NULL,
  key_id        BLOB NOT NULL,
  key_label     TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
  created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX credentials_account ON credentials(account_id);

CREATE TABLE credential_chain (
  credential_id TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  certificate   BLOB NOT NULL,
  PRIMARY KEY (credential_id, position)
) STRICT, WITHOUT ROWID;

-- TOTP secret sealed with AES-256-GCM (nonce || ciphertext || tag, the
-- credential id as AAD) and the RFC 6238 replay / lock-out state.
CREATE TABLE credential_otp (
  credential_id TEXT PRIMARY KEY REFERENCES credentials(id) ON DELETE CASCADE,
  secret_sealed BLOB NOT NULL,
  last_step     INTEGER NOT NULL DEFAULT -1,
  failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  locked_until  INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
  id          INTEGER PRIMARY KEY,
  token_hash  BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  remember_me INTEGER NOT NULL CHECK (remember_me IN (0, 1)),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_account ON sessions(account_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE sads (
  id             INTEGER PRIMARY KEY,
  sad_hash       BLOB NOT NULL UNIQUE CHECK (length(sad_hash) = 32),
  credential_id  TEXT NOT NULL REFERENCES credentials(id) ON DELETE CASCADE,
  session_id     INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  num_signatures INTEGER NOT NULL CHECK (num_signatures >= 1),
  remaining      INTEGER NOT NULL CHECK (remaining BETWEEN 0 AND num_signatures),
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX sads_session ON sads(session_id);
CREATE INDEX sads_credential ON sads(credential_id);

-- The authorised hashes, a multiset: each row signs once.
CREATE TABLE sad_hashes (
  sad_id   INTEGER NOT NULL REFERENCES sads(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  hash     BLOB NOT NULL CHECK (length(hash) IN (32, 48, 64)),
  signed   INTEGER NOT NULL DEFAULT 0 CHECK (signed IN (0, 1)),
  PRIMARY KEY (sad_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY,
  time       INTEGER NOT NULL,
  event      TEXT NOT NULL,
  login      TEXT NOT NULL,
  credential TEXT NOT NULL,
  request_id TEXT NOT NULL,
  detail     TEXT NOT NULL,
  prev_hash  BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash       BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql",
};

constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

}  // namespace

int Store::schemaVersion() { return kSchemaVersion; }

// ------------------------------------------------------------------ initialise

void Store::Impl::initialise() {
  // WAL: readers do not block the writer; synchronous=FULL: a committed SAD
  // use or OTP step survives a power cut (else it could be replayed).
  db.exec("PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA trusted_schema = OFF;");
  const std::string mode = db.scalarText("PRAGMA journal_mode = WAL");
  if (mode != "wal")
    throw Error(Category::Io, tr("the service database cannot use write-ahead logging"), db.file(), mode);
  db.exec("PRAGMA synchronous = FULL");
  const std::string check = db.scalarText("PRAGMA quick_check");
  if (check != "ok") throw Error(Category::Malformed, tr("the service database is damaged"), db.file(), check);

  Transaction tx(db, Transaction::Kind::Write);
  const std::string appId = db.scalarText("PRAGMA application_id");
  if (appId != format("{0}", {kApplicationId})) {
    if (db.scalarText("SELECT count(*) FROM sqlite_schema") != "0")
      throw Error(Category::Malformed, tr("the file is a database of another application"), db.file());
    db.exec(format("PRAGMA application_id = {0}", {kApplicationId}).c_str());
  }
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT");
  std::int64_t current = 0;
  {
    Query q(db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (q.step()) current = q.int64(0);
  }
  if (current > kSchemaVersion)
    throw Error(Category::Unsupported,
                format(tr("the service database has schema version {0}; this program knows up to {1}"),
                       {current, kSchemaVersion}),
                db.file());
  for (std::int64_t v = current + 1; v <= kSchemaVersion; ++v) {
    db.exec(kMigrations[v - 1]);
    Query(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", v,
          static_cast<std::int64_t>(std::time(nullptr)))
        .run();
  }
  // The database is tied to its service key: a MAC of a fixed label tells a
  // wrong key at open instead of at the first OTP secret.
  const Bytes check2 =
      detail::hmacSha256(serviceKey, Bytes(kKeyCheckLabel, kKeyCheckLabel + std::strlen(kKeyCheckLabel)));
  std::optional<Bytes> stored;
  {
    Query q(db, "SELECT value FROM meta WHERE name = 'key_check'");
    if (q.step()) stored = q.blob(0);
  }
  if (!stored) {
    Query(db, "INSERT INTO meta (name, value) VALUES ('key_check', ?)", check2).run();
  } else if (!detail::equalConstantTime(*stored, check2)) {
    throw Error(Category::Crypto, tr("the service key does not belong to this database"), db.file());
  }
  tx.commit();
}

}  // namespace securedoc::cloud
