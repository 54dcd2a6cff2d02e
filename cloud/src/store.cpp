#include <securedoc/cloud/store.h>

#include "sqlite_db.h"
#include "store_crypto.h"

#include <securedoc/crypto/digest.h>
#include <securedoc/i18n.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <locale>
#include <mutex>
#include <sstream>

namespace securedoc::cloud {

using detail::sha256;
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

}  // namespace

ServiceError::ServiceError(ServiceErrc code, std::string message)
    : Error(categoryFor(code), std::move(message), {}, serviceErrcName(code)), m_code(code) {}

// ------------------------------------------------------------------ schema

namespace {

/// PRAGMA application_id: "SDCS" marks the file as this service's database.
constexpr std::int64_t kApplicationId = 0x53444353;
constexpr int kBusyTimeoutMs = 5000;
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

std::string number(long long n) {
  std::ostringstream s;
  s.imbue(std::locale::classic());
  s << n;
  return s.str();
}

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

[[noreturn]] void refuse(ServiceErrc code, const char* message) { throw ServiceError(code, tr(message)); }

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
  d.update(std::string_view("securedoc-audit-v1", 19));  // with the NUL: a fixed domain separator
  d.update(prev.data(), prev.size());
  appendBe64(d, static_cast<std::uint64_t>(seq));
  appendBe64(d, static_cast<std::uint64_t>(time));
  for (const std::string* f : fields) {
    appendBe64(d, f->size());
    d.update(*f);
  }
  return d.finish();
}

Bytes accountIdBytes(std::int64_t id) {
  Bytes b(8);
  auto v = static_cast<std::uint64_t>(id);
  for (int i = 7; i >= 0; --i) {
    b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  return b;
}

std::string otpAad(std::string_view credentialId) { return "securedoc-otp-secret-v1:" + std::string(credentialId); }

}  // namespace

// ------------------------------------------------------------------ impl

struct Store::Impl {
  Impl(const std::filesystem::path& file, const SecretBytes& key)
      : db(file, kBusyTimeoutMs),
        serviceKey(key),
        sealKey(detail::deriveKey(key, "securedoc-store-otp-seal-v1")),
        codeKey(detail::deriveKey(key, "securedoc-store-enrol-code-v1")) {}

  std::mutex mutex;
  sql::Db db;
  SecretBytes serviceKey;
  SecretBytes sealKey;
  SecretBytes codeKey;

  void initialise();

  /// Verified against when the login is unknown (or has no password yet), so
  /// that costs the same Argon2id work as a real check.  The Argon2id string
  /// of 32 random bytes that were thrown away, with our parameters: nobody
  /// knows a password that matches, and no hashing is needed at start-up.
  /// Keep its m/t/p in step with kArgon* in store_crypto.cpp.
  /// An account's id and state and whether `password` is its password.
  /// Unknown logins, bad logins and accounts without a password yet cost
  /// the same Argon2id verification (no user enumeration by timing).
  struct PasswordCheck {
    std::optional<std::int64_t> id;
    std::string state;
    bool ok = false;
  };
  PasswordCheck checkPassword(std::string_view login, std::string_view password);
  /// A credential's OTP state (the caller holds the mutex).
  OtpState readOtpState(std::string_view credentialId) {
    Query q(db, "SELECT last_step, failures, locked_until FROM credential_otp WHERE credential_id = ?", credentialId);
    if (!q.step()) refuse(ServiceErrc::NotFound, N_("the credential has no OTP secret"));
    return OtpState{q.int64(0), q.int32(1), q.int64(2)};
  }

  static const std::string& dummy() {
    static const std::string hash =
        "$argon2id$v=19$m=19456,t=2,p=1$yXtlj1ftkWzDgkFmr/bDdQ$aBXoV+ns7UY3ZKj+cy9Xscw/ac3celXVscaWraewhjU";
    return hash;
  }

  /// Appends one audit row; call inside a write transaction.
  void audit(std::int64_t now, std::string_view event, std::string_view login, std::string_view credential,
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

  /// Records a refusal, commits it and throws.
  [[noreturn]] void refuseAudited(Transaction& tx, std::int64_t now, std::string_view event, std::string_view login,
                                  std::string_view credential, std::string_view requestId, std::string_view why,
                                  ServiceErrc code, const char* message) {
    audit(now, event, login, credential, requestId, why);
    tx.commit();
    refuse(code, message);
  }

  std::string loginOf(std::int64_t accountId) {
    Query q(db, "SELECT login FROM accounts WHERE id = ?", accountId);
    return q.step() ? q.text(0) : std::string();
  }

  std::string loginOfCredential(std::string_view credentialId) {
    Query q(db, "SELECT a.login FROM credentials c JOIN accounts a ON a.id = c.account_id WHERE c.id = ?",
            credentialId);
    return q.step() ? q.text(0) : std::string();
  }

  std::optional<Account> readAccount(const char* sql, auto key) {
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

  struct SessionRow {
    std::int64_t id = 0;
    std::int64_t accountId = 0;
    bool rememberMe = false;
    std::int64_t expiresAt = 0;
    std::string login;
  };

  /// The live session for `token`: InvalidToken, Expired, AccessDenied.
  SessionRow requireSession(std::string_view token, std::int64_t now) {
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

  struct SadRow {
    std::int64_t id = 0;
    std::string credentialId;
    std::int64_t sessionId = 0;
    int numSignatures = 0;
    int remaining = 0;
    std::int64_t expiresAt = 0;
  };

  std::optional<SadRow> findSad(std::string_view sad) {
    Query q(db,
            "SELECT id, credential_id, session_id, num_signatures, remaining, expires_at FROM sads "
            "WHERE sad_hash = ?",
            sha256(sad));
    if (!q.step()) return std::nullopt;
    return SadRow{q.int64(0), q.text(1), q.int64(2), q.int32(3), q.int32(4), q.int64(5)};
  }

  bool credentialEnabled(std::string_view credentialId) {
    Query q(db, "SELECT status FROM credentials WHERE id = ?", credentialId);
    return q.step() && q.text(0) == "enabled";
  }

  /// Checks everything a SAD use needs that consumeSad and extendSad share.
  SadRow requireSadFor(Transaction& tx, std::string_view sad, std::string_view credentialId, const SessionRow& session,
                       std::int64_t now, std::string_view requestId, const char* event) {
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

  void insertSadHashes(std::int64_t sadId, const std::vector<Bytes>& hashes) {
    for (std::size_t i = 0; i < hashes.size(); ++i)
      Query(db, "INSERT INTO sad_hashes (sad_id, position, hash) VALUES (?, ?, ?)", sadId, static_cast<std::int64_t>(i),
            hashes[i])
          .run();
  }

  std::int64_t insertSad(const Bytes& sadHash, std::string_view credentialId, std::int64_t sessionId, int numSignatures,
                         int remaining, std::int64_t now, std::int64_t expiresAt) {
    Query(db,
          "INSERT INTO sads (sad_hash, credential_id, session_id, num_signatures, remaining, created_at, expires_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)",
          sadHash, credentialId, sessionId, numSignatures, remaining, now, expiresAt)
        .run();
    return sqlite3_last_insert_rowid(db.handle());
  }

  /// Single-use tokens (activation, reset): the account a valid token names.
  struct TokenRow {
    std::int64_t accountId = 0;
    std::string login;
    std::string state;
  };
  TokenRow requireToken(std::string_view token, const char* purpose, std::int64_t now) {
    Query q(db,
            "SELECT t.account_id, t.expires_at, a.login, a.state FROM account_tokens t "
            "JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = ? AND t.purpose = ?",
            sha256(token), purpose);
    if (!q.step()) refuse(ServiceErrc::InvalidGrant, N_("the token is unknown or was already used"));
    if (q.int64(1) <= now) refuse(ServiceErrc::Expired, N_("the token has expired"));
    return TokenRow{q.int64(0), q.text(2), q.text(3)};
  }

  std::int64_t redeemToken(std::string_view token, const char* purpose, const char* requiredState,
                           std::string_view newPassword, std::int64_t now, std::string_view requestId);
};

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
  if (appId != number(kApplicationId)) {
    if (db.scalarText("SELECT count(*) FROM sqlite_schema") != "0")
      throw Error(Category::Malformed, tr("the file is a database of another application"), db.file());
    db.exec(("PRAGMA application_id = " + number(kApplicationId)).c_str());
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
                       {number(current), number(kSchemaVersion)}),
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

// ------------------------------------------------------------------ open

Store::Store(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

int Store::schemaVersion() { return kSchemaVersion; }

Store Store::open(const std::filesystem::path& file, const SecretBytes& serviceKey) {
  if (serviceKey.size() != kServiceKeySize)
    throw Error(Category::Usage, tr("the service key must be 32 bytes"), file.string());
  // Password hashes and sealed secrets: the file is the owner's only.  SQLite
  // gives the -wal and -shm files the database file's mode.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    throw Error(Category::Io, tr("cannot create the service database"), file.string(), std::strerror(errno));
  }
  auto impl = std::make_unique<Impl>(file, serviceKey);
  impl->initialise();
  return Store(std::move(impl));
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
  r.ok = encoded.empty() ? (detail::verifyPassword(dummy(), password), false) : detail::verifyPassword(encoded, password);
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

// ------------------------------------------------------------------ OTP enrolment

std::string Store::startOtpProvisioning(std::int64_t accountId, std::int64_t now, std::string_view requestId) {
  std::string code = detail::newEightDigitCode();
  Bytes material = accountIdBytes(accountId);
  material.insert(material.end(), code.begin(), code.end());
  const Bytes mac = detail::hmacSha256(m_impl->codeKey, material);
  wipeMemory(material.data(), material.size());

  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  std::string login;
  {
    Query q(db, "SELECT login, state FROM accounts WHERE id = ?", accountId);
    if (!q.step()) refuse(ServiceErrc::NotFound, N_("no such account"));
    if (q.text(1) != "active") refuse(ServiceErrc::AccessDenied, N_("the account is not active"));
    login = q.text(0);
  }
  bool blocked = false;
  {
    Query q(db, "SELECT blocked FROM otp_provisioning WHERE account_id = ?", accountId);
    blocked = q.step() && q.int32(0) != 0;
  }
  if (blocked)
    m_impl->refuseAudited(tx, now, "otp.enrol.refused", login, {}, requestId, "blocked", ServiceErrc::Locked,
                          N_("OTP enrolment is blocked after too many wrong codes; ask the administrator"));
  Query(db,
        "INSERT INTO otp_provisioning (account_id, code_mac, expires_at) VALUES (?, ?, ?) "
        "ON CONFLICT (account_id) DO UPDATE SET code_mac = excluded.code_mac, expires_at = excluded.expires_at",
        accountId, mac, now + kProvisioningCodeLifetime)
      .run();
  m_impl->audit(now, "otp.enrol.start", login, {}, requestId, {});
  tx.commit();
  return code;
}

void Store::confirmOtpProvisioning(std::int64_t accountId, std::string_view code, std::int64_t now,
                                   std::string_view requestId) {
  Bytes material = accountIdBytes(accountId);
  material.insert(material.end(), code.begin(), code.end());
  const Bytes mac = detail::hmacSha256(m_impl->codeKey, material);
  wipeMemory(material.data(), material.size());

  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  const std::string login = m_impl->loginOf(accountId);
  if (login.empty()) refuse(ServiceErrc::NotFound, N_("no such account"));
  std::optional<Bytes> stored;
  std::int64_t expiresAt = 0;
  int failures = 0;
  bool blocked = false;
  {
    Query q(db, "SELECT code_mac, expires_at, failures, blocked FROM otp_provisioning WHERE account_id = ?", accountId);
    if (q.step()) {
      if (!q.isNull(0)) stored = q.blob(0);
      expiresAt = q.int64(1);
      failures = q.int32(2);
      blocked = q.int32(3) != 0;
    }
  }
  if (blocked)
    m_impl->refuseAudited(tx, now, "otp.enrol.refused", login, {}, requestId, "blocked", ServiceErrc::Locked,
                          N_("OTP enrolment is blocked after too many wrong codes; ask the administrator"));
  if (!stored) refuse(ServiceErrc::InvalidGrant, N_("no enrolment code is open; start again"));
  if (expiresAt <= now) refuse(ServiceErrc::Expired, N_("the enrolment code has expired; start again"));
  if (detail::equalConstantTime(*stored, mac)) {
    Query(db, "DELETE FROM otp_provisioning WHERE account_id = ?", accountId).run();
    m_impl->audit(now, "otp.enrol.confirm", login, {}, requestId, {});
    tx.commit();
    return;
  }
  ++failures;
  if (failures >= kProvisioningMaxFailures) {
    Query(db, "UPDATE otp_provisioning SET failures = ?, blocked = 1, code_mac = NULL WHERE account_id = ?", failures,
          accountId)
        .run();
    m_impl->refuseAudited(tx, now, "otp.enrol.blocked", login, {}, requestId, "failures=" + number(failures),
                          ServiceErrc::Locked,
                          N_("OTP enrolment is blocked after too many wrong codes; ask the administrator"));
  }
  Query(db, "UPDATE otp_provisioning SET failures = ? WHERE account_id = ?", failures, accountId).run();
  m_impl->refuseAudited(tx, now, "otp.enrol.failed", login, {}, requestId, "failures=" + number(failures),
                        ServiceErrc::InvalidGrant, N_("the enrolment code is wrong"));
}

void Store::resetOtpProvisioning(std::int64_t accountId, std::int64_t now, std::string_view requestId) {
  std::lock_guard lock(m_impl->mutex);
  Transaction tx(m_impl->db, Transaction::Kind::Write);
  const std::string login = m_impl->loginOf(accountId);
  if (login.empty()) refuse(ServiceErrc::NotFound, N_("no such account"));
  Query(m_impl->db, "DELETE FROM otp_provisioning WHERE account_id = ?", accountId).run();
  m_impl->audit(now, "otp.enrol.reset", login, {}, requestId, {});
  tx.commit();
}

// ------------------------------------------------------------------ credentials

std::string Store::addCredential(const NewCredential& c, std::int64_t now, std::string_view requestId) {
  if (c.certificate.empty() || c.keyId.empty() || c.keyAlgorithm.empty())
    refuse(ServiceErrc::InvalidRequest, N_("a credential needs a certificate, a key id and a key algorithm"));
  const std::string id = detail::base64Url(detail::randomBytes(16));
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

namespace {
constexpr const char* kCredentialColumns =
    "SELECT c.id, c.account_id, c.certificate, c.key_algorithm, c.key_id, c.key_label, c.status, c.created_at, "
    "EXISTS (SELECT 1 FROM credential_otp o WHERE o.credential_id = c.id) FROM credentials c ";
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

// ------------------------------------------------------------------ TOTP state

void Store::setOtpSecret(std::string_view credentialId, const SecretBytes& secret, std::int64_t now,
                         std::string_view requestId) {
  if (secret.size() < 16 || secret.size() > 64)
    refuse(ServiceErrc::InvalidRequest, N_("an OTP secret has 16 to 64 bytes"));
  const Bytes sealed = detail::seal(m_impl->sealKey, secret, otpAad(credentialId));
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  const std::string login = m_impl->loginOfCredential(credentialId);
  if (login.empty()) refuse(ServiceErrc::NotFound, N_("Invalid parameter credentialID"));
  Query(db,
        "INSERT INTO credential_otp (credential_id, secret_sealed) VALUES (?, ?) "
        "ON CONFLICT (credential_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, last_step = -1, "
        "failures = 0, locked_until = 0",
        credentialId, sealed)
      .run();
  m_impl->audit(now, "otp.secret.set", login, credentialId, requestId, {});
  tx.commit();
}

SecretBytes Store::otpSecret(std::string_view credentialId, std::int64_t now) const {
  Bytes sealed;
  {
    std::lock_guard lock(m_impl->mutex);
    Query q(m_impl->db, "SELECT secret_sealed, locked_until FROM credential_otp WHERE credential_id = ?", credentialId);
    if (!q.step()) refuse(ServiceErrc::NotFound, N_("the credential has no OTP secret"));
    if (q.int64(1) > now) refuse(ServiceErrc::Locked, N_("Credential locked"));
    sealed = q.blob(0);
  }
  return detail::unseal(m_impl->sealKey, sealed, otpAad(credentialId));
}

OtpState Store::otpState(std::string_view credentialId) const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->readOtpState(credentialId);
}

void Store::recordOtpSuccess(std::string_view credentialId, std::int64_t step, std::int64_t now,
                             std::string_view requestId) {
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  OtpState st = m_impl->readOtpState(credentialId);
  const std::string login = m_impl->loginOfCredential(credentialId);
  if (st.lockedUntil > now)
    m_impl->refuseAudited(tx, now, "otp.refused", login, credentialId, requestId, "locked", ServiceErrc::Locked,
                          N_("Credential locked"));
  // RFC 6238 §5.2: "The verifier MUST NOT accept the second attempt of the
  // OTP after the successful validation has been issued for the first OTP".
  if (step <= st.lastAcceptedStep)
    m_impl->refuseAudited(tx, now, "otp.replay", login, credentialId, requestId,
                          "step=" + number(step) + " last=" + number(st.lastAcceptedStep), ServiceErrc::Replayed,
                          N_("The OTP is invalid"));
  Query(db, "UPDATE credential_otp SET last_step = ?, failures = 0 WHERE credential_id = ?", step, credentialId).run();
  m_impl->audit(now, "otp.ok", login, credentialId, requestId, {});
  tx.commit();
}

OtpState Store::recordOtpFailure(std::string_view credentialId, std::int64_t now, std::string_view requestId) {
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  OtpState st = m_impl->readOtpState(credentialId);
  const std::string login = m_impl->loginOfCredential(credentialId);
  if (st.lockedUntil > now)
    m_impl->refuseAudited(tx, now, "otp.refused", login, credentialId, requestId, "locked", ServiceErrc::Locked,
                          N_("Credential locked"));
  ++st.consecutiveFailures;
  if (st.consecutiveFailures >= kOtpMaxFailures) {
    st.consecutiveFailures = 0;
    st.lockedUntil = now + kOtpLockSeconds;
    m_impl->audit(now, "otp.locked", login, credentialId, requestId, "until=" + number(st.lockedUntil));
  } else {
    m_impl->audit(now, "otp.failed", login, credentialId, requestId, "failures=" + number(st.consecutiveFailures));
  }
  Query(db, "UPDATE credential_otp SET failures = ?, locked_until = ? WHERE credential_id = ?", st.consecutiveFailures,
        st.lockedUntil, credentialId)
      .run();
  tx.commit();
  return st;
}

// ------------------------------------------------------------------ sessions

std::string Store::createSession(std::int64_t accountId, bool rememberMe, std::int64_t now,
                                 std::string_view requestId) {
  std::string token = detail::newToken();
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  std::string login;
  {
    Query q(db, "SELECT login, state FROM accounts WHERE id = ?", accountId);
    if (!q.step()) refuse(ServiceErrc::NotFound, N_("no such account"));
    if (q.text(1) != "active") refuse(ServiceErrc::AccessDenied, N_("the account is not active"));
    login = q.text(0);
  }
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

NewSad Store::createSad(std::string_view credentialId, std::string_view sessionToken, const std::vector<Bytes>& hashes,
                        int numSignatures, std::int64_t now, std::string_view requestId) {
  if (numSignatures < 1 || numSignatures > kMaxSignaturesPerSad)
    refuse(ServiceErrc::InvalidRequest, N_("Invalid value for parameter numSignatures"));
  checkHashes(hashes);
  NewSad out;
  out.sad = detail::newToken();
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
  out.expiresAt = session.expiresAt;
  out.remaining = numSignatures;
  const std::int64_t sadId =
      m_impl->insertSad(sha256(out.sad), credentialId, session.id, numSignatures, numSignatures, now, out.expiresAt);
  m_impl->insertSadHashes(sadId, hashes);
  m_impl->audit(now, "sad.create", session.login, credentialId, requestId,
                "numSignatures=" + number(numSignatures) + " hashes=" + hashList(hashes));
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
    m_impl->refuseAudited(
        tx, now, "sad.refused", session.login, credentialId, requestId,
        "count " + number(static_cast<long long>(hashes.size())) + " > remaining " + number(row.remaining),
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
                "signed=" + number(static_cast<long long>(hashes.size())) + " remaining=" + number(remaining) +
                    " hashes=" + hashList(hashes));
  tx.commit();
  return remaining;
}

NewSad Store::extendSad(std::string_view oldSad, std::string_view credentialId, std::string_view sessionToken,
                        const std::vector<Bytes>& newHashes, std::int64_t now, std::string_view requestId) {
  checkHashes(newHashes);
  if (newHashes.size() > static_cast<std::size_t>(kMaxSignaturesPerSad))
    refuse(ServiceErrc::InvalidRequest, N_("Numbers of signatures is too high"));
  NewSad out;
  out.sad = detail::newToken();
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
  out.expiresAt = session.expiresAt;
  out.remaining = count;
  Query(db, "UPDATE sads SET remaining = 0 WHERE id = ?", row.id).run();
  const std::int64_t sadId =
      m_impl->insertSad(sha256(out.sad), credentialId, session.id, count, count, now, out.expiresAt);
  m_impl->insertSadHashes(sadId, newHashes);
  m_impl->audit(now, "sad.extend", session.login, credentialId, requestId,
                "remaining=" + number(count) + " hashes=" + hashList(newHashes));
  tx.commit();
  return out;
}

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

// ------------------------------------------------------------------ audit

void Store::appendAudit(std::string_view event, std::string_view login, std::string_view credential,
                        std::string_view requestId, std::string_view detailText, std::int64_t now) {
  std::lock_guard lock(m_impl->mutex);
  Transaction tx(m_impl->db, Transaction::Kind::Write);
  m_impl->audit(now, event, login, credential, requestId, detailText);
  tx.commit();
}

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
