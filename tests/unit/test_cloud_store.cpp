// cloud/: the persistence layer of the reference CSC service (store.h):
// accounts, passwords, tokens, the OTP enrolment guard and lock-outs, SAD
// binding, concurrency, restarts, damaged files, the audit chain and that no
// secret reaches the database file.
#include <boost/test/unit_test.hpp>

#include "crypto_printers.h"
#include "test_support.h"

#include <securedoc/cloud/store.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace securedoc;
using namespace securedoc::cloud;
using securedoc::test::hasCategory;
using securedoc::test::TempDir;

namespace securedoc::cloud {
inline std::ostream& operator<<(std::ostream& o, ServiceErrc c) { return o << serviceErrcName(c); }
inline std::ostream& operator<<(std::ostream& o, AccountState s) { return o << static_cast<int>(s); }
}  // namespace securedoc::cloud

namespace {

constexpr std::int64_t T0 = 1'700'000'000;
const std::string kPassword = "correct horse battery";

auto hasCode(ServiceErrc c) {
  return [c](const ServiceError& e) { return e.code() == c; };
}

SecretBytes serviceKey(std::uint8_t fill = 0x5a) {
  SecretBytes k(kServiceKeySize);
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(fill + i * 7);
  return k;
}

AccountSubject subject() {
  return {"Alicja", "Kowalska", "PNOPL-90010112345", "PL", "Example Sp. z o.o.", "alicja@example.org"};
}

Bytes docHash(int i) {
  const std::string text = "document " + std::to_string(i);
  return digest(DigestAlgorithm::Sha256, text.data(), text.size());
}

std::vector<Bytes> docHashes(int from, int count) {
  std::vector<Bytes> out;
  for (int i = from; i < from + count; ++i) out.push_back(docHash(i));
  return out;
}

SecretBytes otpSeed() {
  const std::string ascii = "12345678901234567890";  // RFC 6238 App. B
  return SecretBytes(ascii.begin(), ascii.end());
}

std::string readBytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A store in a fresh folder plus shortcuts to an active account and credentials.
struct World {
  TempDir dir;
  std::filesystem::path file = dir / "service.db";
  Store store = Store::open(file, serviceKey());

  std::int64_t activeAccount(const std::string& login, const std::string& password = kPassword) {
    const NewAccount a = store.createAccount(login, subject(), T0);
    return store.activate(a.activationToken, password, T0);
  }
  std::string credential(std::int64_t account, std::uint8_t keyId = 1) {
    NewCredential c;
    c.accountId = account;
    c.certificate = Bytes{0x30, 0x82, 0x01, keyId};
    c.chain = {Bytes{0x30, 0x03, 0x02, 0x01, 0x01}, Bytes{0x30, 0x03, 0x02, 0x01, 0x02}};
    c.keyAlgorithm = "1.2.840.113549.1.1.1";
    c.keyId = Bytes{keyId};
    c.keyLabel = "key " + std::to_string(keyId);
    return store.addCredential(c, T0);
  }
};

void sqlite(const std::filesystem::path& db, const std::string& statement, bool mustSucceed = true) {
  test::requireTool("sqlite3", "the Debian package sqlite3");
  const auto r = test::run({"sqlite3", db.string(), statement});
  if (mustSucceed) BOOST_TEST_REQUIRE(r.exitCode == 0, "sqlite3 " << statement << ": " << r.err);
}

}  // namespace

// ===================================================================== accounts

BOOST_AUTO_TEST_SUITE(store_accounts)

BOOST_AUTO_TEST_CASE(account_lives_from_creation_through_activation_change_and_reset) {
  World w;
  const NewAccount created = w.store.createAccount("alice", subject(), T0);
  BOOST_TEST(created.activationToken.size() == 43u, "32 random bytes as unpadded base64url");
  auto acc = w.store.accountByLogin("alice");
  BOOST_TEST_REQUIRE(acc.has_value());
  BOOST_TEST(acc->state == AccountState::Pending);
  BOOST_TEST((acc->subject == subject()), "the certificate subject fields are kept");
  BOOST_CHECK_EXCEPTION(w.store.verifyPassword("alice", kPassword, T0), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));

  BOOST_TEST(w.store.activate(created.activationToken, kPassword, T0 + 10) == created.id);
  BOOST_TEST((w.store.account(created.id)->state == AccountState::Active));
  BOOST_CHECK_EXCEPTION(w.store.activate(created.activationToken, "another long password", T0 + 20), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));

  BOOST_TEST(w.store.verifyPassword("alice", kPassword, T0 + 30) == created.id, "right password");
  BOOST_CHECK_EXCEPTION(w.store.verifyPassword("alice", "wrong password!!", T0 + 30), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
  BOOST_CHECK_EXCEPTION(w.store.verifyPassword("mallory", kPassword, T0 + 30), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
  BOOST_CHECK_EXCEPTION(w.store.verifyPassword("Alice", kPassword, T0 + 30), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));  // logins are case-sensitive

  const std::string second = "second long password";
  BOOST_CHECK_EXCEPTION(w.store.changePassword("alice", "wrong password!!", second, T0 + 40), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
  w.store.changePassword("alice", kPassword, second, T0 + 40);
  BOOST_CHECK_EXCEPTION(w.store.verifyPassword("alice", kPassword, T0 + 50), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
  BOOST_TEST(w.store.verifyPassword("alice", second, T0 + 50) == created.id);

  BOOST_TEST(!w.store.requestPasswordReset("nobody", T0 + 60).has_value(), "unknown login: nothing to send");
  const std::string session = w.store.createSession(created.id, false, T0 + 60);
  const auto reset = w.store.requestPasswordReset("alice", T0 + 60);
  BOOST_TEST_REQUIRE(reset.has_value());
  const std::string third = "third long password";
  BOOST_TEST(w.store.resetPassword(*reset, third, T0 + 70) == created.id);
  BOOST_CHECK_EXCEPTION(w.store.session(session, T0 + 71), ServiceError, hasCode(ServiceErrc::InvalidToken));
  BOOST_CHECK_EXCEPTION(w.store.resetPassword(*reset, "fourth long password", T0 + 80), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
  BOOST_TEST(w.store.verifyPassword("alice", third, T0 + 90) == created.id);

  const auto late = w.store.requestPasswordReset("alice", T0 + 100);
  BOOST_TEST_REQUIRE(late.has_value());
  BOOST_CHECK_EXCEPTION(w.store.resetPassword(*late, "fourth long password", T0 + 100 + kResetTokenLifetime),
                        ServiceError, hasCode(ServiceErrc::Expired));
}

BOOST_AUTO_TEST_CASE(expired_activation_token_is_refused_and_a_new_one_replaces_it) {
  World w;
  const NewAccount a = w.store.createAccount("bob", subject(), T0);
  BOOST_CHECK_EXCEPTION(w.store.activate(a.activationToken, kPassword, T0 + kActivationTokenLifetime), ServiceError,
                        hasCode(ServiceErrc::Expired));
  const std::string fresh = w.store.newActivationToken(a.id, T0 + kActivationTokenLifetime);
  BOOST_CHECK_EXCEPTION(w.store.activate(a.activationToken, kPassword, T0 + kActivationTokenLifetime), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
  BOOST_TEST(w.store.activate(fresh, kPassword, T0 + kActivationTokenLifetime + 1) == a.id);
  BOOST_CHECK_EXCEPTION(w.store.newActivationToken(a.id, T0), ServiceError, hasCode(ServiceErrc::InvalidRequest));
}

BOOST_AUTO_TEST_CASE(logins_are_unique_case_sensitive_and_restricted) {
  World w;
  w.store.createAccount("carol", subject(), T0);
  BOOST_CHECK_EXCEPTION(w.store.createAccount("carol", subject(), T0), ServiceError, hasCode(ServiceErrc::Conflict));
  BOOST_CHECK_NO_THROW(w.store.createAccount("Carol", subject(), T0));
  BOOST_CHECK_NO_THROW(w.store.createAccount("a.b_c-9", subject(), T0));
  BOOST_CHECK_NO_THROW(w.store.createAccount(std::string(64, 'x'), subject(), T0));
  for (const std::string& bad : {std::string(), std::string(65, 'x'), std::string("al ice"), std::string("zo\xc3\xab"),
                                 std::string("a/b"), std::string("a\0b", 3)}) {
    BOOST_TEST_CONTEXT("login of " << bad.size() << " bytes") {
      BOOST_CHECK_EXCEPTION(w.store.createAccount(bad, subject(), T0), ServiceError,
                            hasCode(ServiceErrc::InvalidRequest));
    }
  }
  AccountSubject s = subject();
  s.country = "pl";
  BOOST_CHECK_EXCEPTION(w.store.createAccount("dave", s, T0), ServiceError, hasCode(ServiceErrc::InvalidRequest));
}

BOOST_AUTO_TEST_CASE(password_policy_counts_code_points_from_12_to_256) {
  World w;
  const NewAccount a = w.store.createAccount("erin", subject(), T0);
  const auto refused = [&](const std::string& pw) {
    BOOST_CHECK_EXCEPTION(w.store.activate(a.activationToken, pw, T0), ServiceError,
                          hasCode(ServiceErrc::InvalidRequest));
  };
  refused("elevenchars");                      // 11
  refused(std::string(257, 'p'));              // 257
  refused("erin");                             // the login (and short)
  refused("twelve chars\xff");                 // not UTF-8
  refused("\xc0\xafoverlong-slash");           // overlong encoding
  refused(std::string("twelve\0chars!", 13));  // NUL
  // 12 code points in 17 bytes: counted as characters, not bytes.
  const std::string polish =
      "za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87g\xc4\x99\xc5\x9bl\xc4\x85"
      "1";
  BOOST_TEST(polish.size() == 19u);
  BOOST_TEST(w.store.activate(a.activationToken, polish, T0) == a.id, "refusals did not use the token up");
  BOOST_TEST(w.store.verifyPassword("erin", polish, T0) == a.id);
}

BOOST_AUTO_TEST_CASE(disabled_account_cannot_log_in_and_loses_its_sessions) {
  World w;
  const auto id = w.activeAccount("frank");
  const std::string session = w.store.createSession(id, false, T0);
  w.store.setAccountState(id, AccountState::Disabled, T0 + 1);
  BOOST_CHECK_EXCEPTION(w.store.session(session, T0 + 2), ServiceError, hasCode(ServiceErrc::InvalidToken));
  BOOST_CHECK_EXCEPTION(w.store.verifyPassword("frank", kPassword, T0 + 2), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));
  BOOST_CHECK_EXCEPTION(w.store.createSession(id, false, T0 + 2), ServiceError, hasCode(ServiceErrc::AccessDenied));
  BOOST_CHECK_EXCEPTION(w.store.verifyPassword("frank", "wrong password!!", T0 + 2), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
}

BOOST_AUTO_TEST_CASE(service_key_file_is_created_0600_and_checked) {
  TempDir dir;
  const auto file = dir / "service.key";
  const SecretBytes key = loadOrCreateServiceKey(file);
  BOOST_TEST(key.size() == kServiceKeySize);
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(file.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_TEST((loadOrCreateServiceKey(file) == key), "the second call reads the same key");
  std::filesystem::permissions(file, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  BOOST_CHECK_EXCEPTION(loadOrCreateServiceKey(file), Error, hasCategory(Category::Policy));
  std::filesystem::permissions(file, std::filesystem::perms::group_read, std::filesystem::perm_options::remove);
  std::filesystem::resize_file(file, 31);
  BOOST_CHECK_EXCEPTION(loadOrCreateServiceKey(file), Error, hasCategory(Category::Malformed));
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================== OTP

BOOST_AUTO_TEST_SUITE(store_otp)

BOOST_AUTO_TEST_CASE(enrolment_blocks_after_three_wrong_codes_until_an_admin_resets_it) {
  World w;
  const auto id = w.activeAccount("grace");
  const auto wrong = [](std::string code) {
    code.back() = code.back() == '9' ? '0' : static_cast<char>(code.back() + 1);
    return code;
  };
  std::string code = w.store.startOtpProvisioning(id, T0);
  BOOST_TEST(code.size() == 8u);
  BOOST_TEST(std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }));
  BOOST_CHECK_EXCEPTION(w.store.confirmOtpProvisioning(id, wrong(code), T0 + 1), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
  BOOST_CHECK_EXCEPTION(w.store.confirmOtpProvisioning(id, wrong(code), T0 + 2), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
  code = w.store.startOtpProvisioning(id, T0 + 3);  // a new code keeps the count
  BOOST_CHECK_EXCEPTION(w.store.confirmOtpProvisioning(id, "not-a-code", T0 + 4), ServiceError,
                        hasCode(ServiceErrc::Locked));
  BOOST_CHECK_EXCEPTION(w.store.confirmOtpProvisioning(id, code, T0 + 5), ServiceError, hasCode(ServiceErrc::Locked));
  BOOST_CHECK_EXCEPTION(w.store.startOtpProvisioning(id, T0 + 6), ServiceError, hasCode(ServiceErrc::Locked));

  w.store.resetOtpProvisioning(id, T0 + 7);
  code = w.store.startOtpProvisioning(id, T0 + 8);
  BOOST_CHECK_EXCEPTION(w.store.confirmOtpProvisioning(id, code, T0 + 8 + kProvisioningCodeLifetime), ServiceError,
                        hasCode(ServiceErrc::Expired));
  code = w.store.startOtpProvisioning(id, T0 + 700);
  BOOST_CHECK_NO_THROW(w.store.confirmOtpProvisioning(id, code, T0 + 701));
  BOOST_CHECK_EXCEPTION(w.store.confirmOtpProvisioning(id, code, T0 + 702), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));  // single use
  const NewAccount pending = w.store.createAccount("heidi", subject(), T0);
  BOOST_CHECK_EXCEPTION(w.store.startOtpProvisioning(pending.id, T0), ServiceError, hasCode(ServiceErrc::AccessDenied));
}

BOOST_AUTO_TEST_CASE(otp_steps_are_accepted_once_and_five_failures_lock_for_300_seconds) {
  World w;
  const auto cred = w.credential(w.activeAccount("ivan"));
  BOOST_CHECK_EXCEPTION(w.store.otpSecret(cred, T0), ServiceError, hasCode(ServiceErrc::NotFound));
  BOOST_CHECK_EXCEPTION(w.store.setOtpSecret(cred, SecretBytes(8, 1), T0), ServiceError,
                        hasCode(ServiceErrc::InvalidRequest));
  w.store.setOtpSecret(cred, otpSeed(), T0);
  BOOST_TEST((w.store.otpSecret(cred, T0) == otpSeed()), "the sealed secret opens");

  w.store.recordOtpSuccess(cred, 100, T0);
  BOOST_CHECK_EXCEPTION(w.store.recordOtpSuccess(cred, 100, T0 + 1), ServiceError, hasCode(ServiceErrc::Replayed));
  BOOST_CHECK_EXCEPTION(w.store.recordOtpSuccess(cred, 99, T0 + 1), ServiceError, hasCode(ServiceErrc::Replayed));
  w.store.recordOtpSuccess(cred, 101, T0 + 30);
  BOOST_TEST(w.store.otpState(cred).lastAcceptedStep == 101);

  for (int i = 1; i <= 4; ++i) BOOST_TEST(w.store.recordOtpFailure(cred, T0 + 40).consecutiveFailures == i);
  w.store.recordOtpSuccess(cred, 102, T0 + 60);  // a success forgives
  BOOST_TEST(w.store.otpState(cred).consecutiveFailures == 0);

  const std::int64_t t = T0 + 100;
  for (int i = 1; i <= 4; ++i) BOOST_TEST(w.store.recordOtpFailure(cred, t).lockedUntil == 0);
  const OtpState locked = w.store.recordOtpFailure(cred, t);
  BOOST_TEST(locked.lockedUntil == t + kOtpLockSeconds, "the fifth failure in a row locks");
  BOOST_CHECK_EXCEPTION(w.store.otpSecret(cred, t + 1), ServiceError, hasCode(ServiceErrc::Locked));
  BOOST_CHECK_EXCEPTION(w.store.recordOtpSuccess(cred, 200, t + 1), ServiceError, hasCode(ServiceErrc::Locked));
  BOOST_CHECK_EXCEPTION(w.store.recordOtpFailure(cred, t + 299), ServiceError, hasCode(ServiceErrc::Locked));
  BOOST_TEST(w.store.otpState(cred).lockedUntil == t + kOtpLockSeconds, "refusals during the lock do not extend it");
  BOOST_CHECK_NO_THROW(w.store.otpSecret(cred, t + kOtpLockSeconds));
  w.store.recordOtpSuccess(cred, 200, t + kOtpLockSeconds);
  BOOST_TEST(w.store.otpState(cred).lastAcceptedStep == 200);
}

BOOST_AUTO_TEST_CASE(a_sealed_otp_secret_opens_only_for_its_own_credential) {
  World w;
  const auto account = w.activeAccount("judy");
  const auto a = w.credential(account, 1);
  const auto b = w.credential(account, 2);
  w.store.setOtpSecret(a, otpSeed(), T0);
  w.store.setOtpSecret(b, SecretBytes(20, 0x42), T0);
  sqlite(w.file,
         "UPDATE credential_otp SET secret_sealed = (SELECT secret_sealed FROM credential_otp WHERE "
         "credential_id = '" +
             b + "') WHERE credential_id = '" + a + "'");
  BOOST_CHECK_EXCEPTION(w.store.otpSecret(a, T0), Error, hasCategory(Category::Crypto));
  BOOST_TEST((w.store.otpSecret(b, T0) == SecretBytes(20, 0x42)));
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================== SADs

BOOST_AUTO_TEST_SUITE(store_sads)

BOOST_AUTO_TEST_CASE(sad_is_bound_to_credential_session_hashes_and_count) {
  World w;
  const auto account = w.activeAccount("ken");
  const auto c1 = w.credential(account, 1);
  const auto c2 = w.credential(account, 2);
  const auto s1 = w.store.createSession(account, false, T0);
  const auto s2 = w.store.createSession(account, false, T0);
  const auto h = docHashes(1, 3);
  const NewSad sad = w.store.createSad(c1, s1, h, 2, T0);
  BOOST_TEST(sad.remaining == 2);
  BOOST_TEST(sad.expiresAt == T0 + kSessionLifetime);

  BOOST_CHECK_EXCEPTION(w.store.consumeSad(sad.sad, c2, s1, {h[0]}, T0 + 1), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));  // other credential
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(sad.sad, c1, s2, {h[0]}, T0 + 1), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));  // other session
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(sad.sad, c1, s1, {docHash(99)}, T0 + 1), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));  // hash not authorised
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(sad.sad, c1, s1, h, T0 + 1), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));  // 3 > numSignatures 2
  BOOST_CHECK_EXCEPTION(w.store.consumeSad("no-such-sad", c1, s1, {h[0]}, T0 + 1), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(sad.sad, c1, "no-such-session", {h[0]}, T0 + 1), ServiceError,
                        hasCode(ServiceErrc::InvalidToken));

  BOOST_TEST(w.store.consumeSad(sad.sad, c1, s1, {h[0]}, T0 + 2) == 1, "refusals consumed nothing");
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(sad.sad, c1, s1, {h[0]}, T0 + 3), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));  // each hash signs once
  BOOST_TEST(w.store.consumeSad(sad.sad, c1, s1, {h[1]}, T0 + 3) == 0);
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(sad.sad, c1, s1, {h[2]}, T0 + 4), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));  // used up: gone

  // A multiset: the same hash listed twice signs twice.
  const NewSad twice = w.store.createSad(c1, s1, {h[2], h[2]}, 2, T0 + 5);
  BOOST_TEST(w.store.consumeSad(twice.sad, c1, s1, {h[2]}, T0 + 5) == 1);
  BOOST_TEST(w.store.consumeSad(twice.sad, c1, s1, {h[2]}, T0 + 5) == 0);

  // A disabled credential signs nothing, even with a SAD.
  const NewSad later = w.store.createSad(c2, s1, {h[0]}, 1, T0 + 6);
  w.store.setCredentialStatus(c2, CredentialStatus::Disabled, T0 + 7);
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(later.sad, c2, s1, {h[0]}, T0 + 8), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));
  BOOST_CHECK_EXCEPTION(w.store.createSad(c2, s1, {h[0]}, 1, T0 + 8), ServiceError, hasCode(ServiceErrc::AccessDenied));
}

BOOST_AUTO_TEST_CASE(sad_requests_out_of_range_are_refused) {
  World w;
  const auto account = w.activeAccount("leo");
  const auto other = w.activeAccount("mia");
  const auto c = w.credential(account);
  const auto foreign = w.credential(other);
  const auto s = w.store.createSession(account, false, T0);
  const auto h = docHashes(1, 1);
  BOOST_CHECK_EXCEPTION(w.store.createSad(c, s, h, 0, T0), ServiceError, hasCode(ServiceErrc::InvalidRequest));
  BOOST_CHECK_EXCEPTION(w.store.createSad(c, s, h, kMaxSignaturesPerSad + 1, T0), ServiceError,
                        hasCode(ServiceErrc::InvalidRequest));
  BOOST_CHECK_EXCEPTION(w.store.createSad(c, s, {}, 1, T0), ServiceError, hasCode(ServiceErrc::InvalidRequest));
  BOOST_CHECK_EXCEPTION(w.store.createSad(c, s, {Bytes(20, 1)}, 1, T0), ServiceError,
                        hasCode(ServiceErrc::InvalidRequest));
  BOOST_CHECK_EXCEPTION(w.store.createSad(c, s, {Bytes(32, 1), Bytes(48, 1)}, 2, T0), ServiceError,
                        hasCode(ServiceErrc::InvalidRequest));
  BOOST_CHECK_EXCEPTION(w.store.createSad(foreign, s, h, 1, T0), ServiceError, hasCode(ServiceErrc::NotFound));
  BOOST_CHECK_EXCEPTION(w.store.credential(foreign, account), ServiceError, hasCode(ServiceErrc::NotFound));
  BOOST_TEST(w.store.credential(c, account).chain.size() == 2u);
}

BOOST_AUTO_TEST_CASE(sad_dies_with_its_session_by_expiry_or_revocation) {
  World w;
  const auto account = w.activeAccount("nina");
  const auto c = w.credential(account);
  const auto h = docHashes(1, 2);

  const auto s1 = w.store.createSession(account, false, T0);
  const NewSad a = w.store.createSad(c, s1, h, 2, T0 + 100);
  BOOST_TEST(w.store.session(s1, T0 + kSessionLifetime - 1).accountId == account);
  BOOST_CHECK_EXCEPTION(w.store.session(s1, T0 + kSessionLifetime), ServiceError, hasCode(ServiceErrc::Expired));
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(a.sad, c, s1, {h[0]}, T0 + kSessionLifetime), ServiceError,
                        hasCode(ServiceErrc::Expired));

  const auto s2 = w.store.createSession(account, false, T0 + 200);
  const auto s3 = w.store.createSession(account, false, T0 + 200);
  const NewSad b = w.store.createSad(c, s2, h, 2, T0 + 200);
  BOOST_TEST(w.store.revokeSession(s2, T0 + 201));
  BOOST_TEST(!w.store.revokeSession(s2, T0 + 202), "revoking twice is harmless");
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(b.sad, c, s2, {h[0]}, T0 + 202), ServiceError,
                        hasCode(ServiceErrc::InvalidToken));
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(b.sad, c, s3, {h[0]}, T0 + 202), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));  // the SAD went with its session

  BOOST_TEST(w.store.purgeExpired(T0 + 10'000) >= 2);  // s1 (and a with it), s3
  BOOST_CHECK_EXCEPTION(w.store.session(s3, T0 + 10'000), ServiceError, hasCode(ServiceErrc::InvalidToken));
}

BOOST_AUTO_TEST_CASE(extend_transaction_needs_a_remember_me_session) {
  World w;
  const auto account = w.activeAccount("oscar");
  const auto c = w.credential(account);
  const auto plain = w.store.createSession(account, false, T0);
  const NewSad p = w.store.createSad(c, plain, docHashes(1, 1), 5, T0);
  BOOST_CHECK_EXCEPTION(w.store.extendSad(p.sad, c, plain, docHashes(2, 1), T0 + 1), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));

  const auto remember = w.store.createSession(account, true, T0);
  BOOST_TEST(w.store.session(remember, T0).rememberMe);
  const NewSad first = w.store.createSad(c, remember, docHashes(1, 1), 5, T0);
  BOOST_TEST(w.store.consumeSad(first.sad, c, remember, docHashes(1, 1), T0 + 1) == 4);
  BOOST_CHECK_EXCEPTION(w.store.extendSad(first.sad, c, plain, docHashes(2, 2), T0 + 2), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));  // through another session
  const NewSad second = w.store.extendSad(first.sad, c, remember, docHashes(2, 2), T0 + 2);
  BOOST_TEST(second.remaining == 2, "the new SAD counts exactly its own hashes");
  BOOST_TEST(second.sad != first.sad);
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(first.sad, c, remember, docHashes(1, 1), T0 + 3), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));  // replaced
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(second.sad, c, remember, docHashes(1, 1), T0 + 3), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));  // bound to the new hashes only
  BOOST_TEST(w.store.consumeSad(second.sad, c, remember, docHashes(2, 2), T0 + 3) == 0);
  BOOST_CHECK_EXCEPTION(w.store.consumeSad(second.sad, c, remember, docHashes(2, 1), T0 + 3), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));  // used up: signs nothing more

  // A used-up SAD of the session still extends: each later batch gets its own count.
  const NewSad third = w.store.extendSad(second.sad, c, remember, docHashes(10, 20), T0 + 4);
  BOOST_TEST(third.remaining == kMaxSignaturesPerSad, "more than the first OTP authorised, one batch at a time");
  BOOST_TEST(w.store.consumeSad(third.sad, c, remember, docHashes(10, 20), T0 + 4) == 0);
  BOOST_CHECK_EXCEPTION(w.store.extendSad(third.sad, c, remember, docHashes(40, kMaxSignaturesPerSad + 1), T0 + 5),
                        ServiceError, hasCode(ServiceErrc::InvalidRequest));  // more than multisign per call
  const NewSad fourth = w.store.extendSad(first.sad, c, remember, docHashes(30, 1), T0 + 5);
  BOOST_TEST(fourth.remaining == 1, "a replaced SAD of the session is still a base");
  BOOST_CHECK_EXCEPTION(w.store.extendSad("no-such-sad", c, remember, docHashes(5, 1), T0 + 5), ServiceError,
                        hasCode(ServiceErrc::InvalidGrant));
  const auto c2 = w.credential(account, 2);
  BOOST_CHECK_EXCEPTION(w.store.extendSad(third.sad, c2, remember, docHashes(5, 1), T0 + 5), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));  // the SAD was for another credential
  const auto remember2 = w.store.createSession(account, true, T0);
  BOOST_CHECK_EXCEPTION(w.store.extendSad(third.sad, c, remember2, docHashes(5, 1), T0 + 5), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));  // nor through another rememberMe session
  BOOST_CHECK_EXCEPTION(w.store.extendSad(third.sad, c, remember, docHashes(5, 1), T0 + kSessionLifetime), ServiceError,
                        hasCode(ServiceErrc::Expired));
  BOOST_TEST(w.store.revokeSession(remember2, T0 + 6));
  BOOST_TEST(w.store.revokeSession(remember, T0 + 6));
  BOOST_CHECK_EXCEPTION(w.store.extendSad(third.sad, c, remember, docHashes(5, 1), T0 + 7), ServiceError,
                        hasCode(ServiceErrc::InvalidToken));  // the session ended: so did its spent SADs
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================== concurrency

BOOST_AUTO_TEST_SUITE(store_concurrency)

BOOST_AUTO_TEST_CASE(sixteen_threads_racing_for_ten_signatures_get_exactly_ten) {
  for (int connections : {1, 2}) {
    BOOST_TEST_CONTEXT("Store objects on the file: " << connections) {
      World w;
      const auto account = w.activeAccount("pat");
      const auto c = w.credential(account);
      const auto s = w.store.createSession(account, false, T0);
      const auto h = docHashes(1, 16);
      const NewSad sad = w.store.createSad(c, s, h, 10, T0);
      std::optional<Store> second;
      if (connections == 2) second.emplace(Store::open(w.file, serviceKey()));

      std::atomic<int> ok{0};
      std::atomic<int> refused{0};
      std::atomic<int> other{0};
      std::latch start(16);
      std::vector<std::thread> threads;
      for (int i = 0; i < 16; ++i) {
        Store& store = (i % 2 == 1 && second) ? *second : w.store;
        threads.emplace_back([&, i, &store = store] {
          start.arrive_and_wait();
          try {
            store.consumeSad(sad.sad, c, s, {h[static_cast<std::size_t>(i)]}, T0 + 1);
            ++ok;
          } catch (const ServiceError& e) {
            (e.code() == ServiceErrc::AccessDenied || e.code() == ServiceErrc::InvalidGrant ? refused : other)++;
          } catch (...) {
            ++other;
          }
        });
      }
      for (auto& t : threads) t.join();
      BOOST_TEST(ok.load() == 10);
      BOOST_TEST(refused.load() == 6);
      BOOST_TEST(other.load() == 0);
      BOOST_TEST(w.store.verifyAuditChain().intact, "concurrent appends keep the chain");
    }
  }
}

BOOST_AUTO_TEST_CASE(fifty_accounts_created_in_parallel_and_one_login_won_once) {
  World w;
  std::latch start(58);
  std::vector<std::thread> threads;
  std::vector<std::int64_t> ids(50, 0);
  std::atomic<int> sameOk{0};
  std::atomic<int> sameConflict{0};
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      ids[static_cast<std::size_t>(i)] = w.store.createAccount("user" + std::to_string(i), subject(), T0).id;
    });
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      try {
        w.store.createAccount("same", subject(), T0);
        ++sameOk;
      } catch (const ServiceError& e) {
        if (e.code() == ServiceErrc::Conflict) ++sameConflict;
      }
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(std::set<std::int64_t>(ids.begin(), ids.end()).size() == 50u);
  BOOST_TEST(std::count(ids.begin(), ids.end(), 0) == 0);
  for (int i = 0; i < 50; ++i) BOOST_TEST(w.store.accountByLogin("user" + std::to_string(i)).has_value());
  BOOST_TEST(sameOk.load() == 1);
  BOOST_TEST(sameConflict.load() == 7);
  const AuditCheck check = w.store.verifyAuditChain();
  BOOST_TEST(check.intact);
  BOOST_TEST(check.rows == 51);
}

BOOST_AUTO_TEST_SUITE_END()

// ===================================================================== the file

BOOST_AUTO_TEST_SUITE(store_file)

BOOST_AUTO_TEST_CASE(everything_survives_a_restart) {
  TempDir dir;
  const auto file = dir / "service.db";
  std::int64_t account = 0;
  std::string cred, session, sadToken;
  AuditCheck before;
  {
    Store store = Store::open(file, serviceKey());
    const NewAccount a = store.createAccount("quinn", subject(), T0);
    account = store.activate(a.activationToken, kPassword, T0);
    NewCredential nc;
    nc.accountId = account;
    nc.certificate = Bytes{0x30, 0x01, 0x00};
    nc.chain = {Bytes{0x30, 0x02}, Bytes{0x30, 0x03}};
    nc.keyAlgorithm = "1.2.840.10045.2.1";
    nc.keyId = Bytes{0xab, 0xcd};
    nc.keyLabel = "quinn-ec";
    cred = store.addCredential(nc, T0);
    store.setOtpSecret(cred, otpSeed(), T0);
    store.recordOtpSuccess(cred, 7, T0);
    store.recordOtpFailure(cred, T0);
    store.recordOtpFailure(cred, T0);
    session = store.createSession(account, true, T0);
    sadToken = store.createSad(cred, session, docHashes(1, 3), 3, T0).sad;
    BOOST_TEST(store.consumeSad(sadToken, cred, session, docHashes(1, 1), T0) == 2);
    before = store.verifyAuditChain();
  }
  BOOST_CHECK_EXCEPTION(Store::open(file, serviceKey(0x11)), Error, hasCategory(Category::Crypto));

  Store store = Store::open(file, serviceKey());
  BOOST_TEST(store.verifyPassword("quinn", kPassword, T0 + 10) == account);
  const Credential c = store.credential(cred, account);
  BOOST_TEST(c.keyLabel == "quinn-ec");
  BOOST_TEST((c.keyId == Bytes{0xab, 0xcd}));
  BOOST_TEST((c.chain == std::vector<Bytes>{Bytes{0x30, 0x02}, Bytes{0x30, 0x03}}));
  BOOST_TEST(c.hasOtpSecret);
  BOOST_TEST((store.otpSecret(cred, T0 + 10) == otpSeed()));
  const OtpState st = store.otpState(cred);
  BOOST_TEST(st.lastAcceptedStep == 7);
  BOOST_TEST(st.consecutiveFailures == 2);
  BOOST_CHECK_EXCEPTION(store.recordOtpSuccess(cred, 7, T0 + 10), ServiceError, hasCode(ServiceErrc::Replayed));
  BOOST_TEST(store.session(session, T0 + 10).rememberMe);
  BOOST_CHECK_EXCEPTION(store.consumeSad(sadToken, cred, session, docHashes(1, 1), T0 + 10), ServiceError,
                        hasCode(ServiceErrc::AccessDenied));  // still signed
  BOOST_TEST(store.consumeSad(sadToken, cred, session, docHashes(2, 2), T0 + 10) == 0);
  const AuditCheck after = store.verifyAuditChain();
  BOOST_TEST(after.intact);
  BOOST_TEST(after.rows > before.rows);
  BOOST_TEST((store.auditEntries(before.rows, 1).at(0).hash == before.head), "the chain continues across restarts");
}

BOOST_AUTO_TEST_CASE(garbage_foreign_newer_or_damaged_files_give_a_clean_error) {
  TempDir dir;
  test::writeFile(dir / "text.db", "this is not a database, just some text\n");
  BOOST_CHECK_EXCEPTION(Store::open(dir / "text.db", serviceKey()), Error, hasCategory(Category::Malformed));

  std::string noise(16384, '\0');
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 2654435761u) >> 13);
  test::writeFile(dir / "noise.db", noise);
  BOOST_CHECK_EXCEPTION(Store::open(dir / "noise.db", serviceKey()), Error, hasCategory(Category::Malformed));

  sqlite(dir / "foreign.db", "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
  BOOST_CHECK_EXCEPTION(Store::open(dir / "foreign.db", serviceKey()), Error, hasCategory(Category::Malformed));

  BOOST_CHECK_EXCEPTION(Store::open(dir.path(), serviceKey()), Error, hasCategory(Category::Io));
  BOOST_CHECK_EXCEPTION(Store::open(dir / "short-key.db", SecretBytes(16, 1)), Error, hasCategory(Category::Usage));

  const auto newer = dir / "newer.db";
  { Store s = Store::open(newer, serviceKey()); }
  sqlite(newer, "INSERT INTO schema_migrations VALUES (99, 0);");
  BOOST_CHECK_EXCEPTION(Store::open(newer, serviceKey()), Error, hasCategory(Category::Unsupported));

  const auto damaged = dir / "damaged.db";
  {
    Store s = Store::open(damaged, serviceKey());
    for (int i = 0; i < 60; ++i) s.createAccount("u" + std::to_string(i), subject(), T0);
  }
  std::string bytes = readBytes(damaged);
  BOOST_TEST_REQUIRE(bytes.size() > 6 * 4096u);
  std::fill(bytes.begin() + 4 * 4096, bytes.begin() + 6 * 4096, '\xa5');
  test::writeFile(damaged, bytes);
  BOOST_CHECK_EXCEPTION(Store::open(damaged, serviceKey()), Error, hasCategory(Category::Malformed));
}

BOOST_AUTO_TEST_CASE(audit_chain_verifies_and_detects_edited_and_removed_rows) {
  World w;
  const auto account = w.activeAccount("rita");
  BOOST_CHECK_THROW(w.store.verifyPassword("rita", "wrong password!!", T0 + 1), ServiceError);
  w.store.appendAudit("service.start", {}, {}, "req-1", "port=8443\nforged line", T0 + 2);
  w.store.createSession(account, false, T0 + 3, "req-2");

  const auto entries = w.store.auditEntries();
  std::vector<std::string> events;
  for (const auto& e : entries) events.push_back(e.event);
  const std::vector<std::string> expected{"account.create", "account.activate", "login.failed", "service.start",
                                          "session.create"};
  BOOST_TEST(events == expected, boost::test_tools::per_element());
  BOOST_TEST(entries.at(3).detail == "port=8443?forged line", "control characters cannot forge log lines");
  BOOST_TEST(entries.at(4).requestId == "req-2");
  BOOST_TEST(entries.at(4).login == "rita");
  AuditCheck check = w.store.verifyAuditChain();
  BOOST_TEST(check.intact);
  BOOST_TEST(check.rows == 5);
  BOOST_TEST((check.head == entries.back().hash));

  test::RunResult r = test::run({"sqlite3", w.file.string(), "UPDATE audit_log SET detail = 'x' WHERE seq = 2;"});
  BOOST_TEST(r.exitCode != 0, "the append-only trigger refuses an UPDATE");
  r = test::run({"sqlite3", w.file.string(), "DELETE FROM audit_log WHERE seq = 2;"});
  BOOST_TEST(r.exitCode != 0, "the append-only trigger refuses a DELETE");

  sqlite(w.file, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET login = 'someone' WHERE seq = 3;");
  check = w.store.verifyAuditChain();
  BOOST_TEST(!check.intact);
  BOOST_TEST(check.firstBadSeq == 3);

  World v;
  v.activeAccount("sam");
  v.store.createSession(v.store.accountByLogin("sam")->id, false, T0);
  v.store.appendAudit("service.stop", {}, {}, {}, {}, T0);
  sqlite(v.file, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2;");
  check = v.store.verifyAuditChain();
  BOOST_TEST(!check.intact);
  BOOST_TEST(check.firstBadSeq == 3);
}

BOOST_AUTO_TEST_CASE(no_password_token_sad_code_or_otp_secret_reaches_the_database_files) {
  World w;
  std::vector<std::string> secrets;
  const std::string pw1 = "first secret passphrase", pw2 = "second secret passphrase", pw3 = "third secret passphrase";
  const NewAccount a = w.store.createAccount("tina", subject(), T0);
  secrets.insert(secrets.end(), {pw1, pw2, pw3, a.activationToken});
  const auto account = w.store.activate(a.activationToken, pw1, T0);
  w.store.verifyPassword("tina", pw1, T0);
  BOOST_CHECK_THROW(w.store.verifyPassword("tina", pw2, T0), ServiceError);
  w.store.changePassword("tina", pw1, pw2, T0);
  const auto reset = w.store.requestPasswordReset("tina", T0);
  secrets.push_back(reset.value());
  w.store.resetPassword(*reset, pw3, T0);

  const std::string code = w.store.startOtpProvisioning(account, T0);
  secrets.push_back(code);
  w.store.confirmOtpProvisioning(account, code, T0);
  const auto cred = w.credential(account);
  const SecretBytes seed = otpSeed();
  w.store.setOtpSecret(cred, seed, T0);
  secrets.emplace_back(seed.begin(), seed.end());
  secrets.push_back(toHex(Bytes(seed.begin(), seed.end())));
  secrets.push_back("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");  // its Base32
  const SecretBytes key = serviceKey();
  secrets.emplace_back(key.begin(), key.end());

  const auto session = w.store.createSession(account, true, T0);
  secrets.push_back(session);
  const NewSad sad = w.store.createSad(cred, session, docHashes(1, 2), 4, T0);
  secrets.push_back(sad.sad);
  w.store.consumeSad(sad.sad, cred, session, docHashes(1, 1), T0);
  const NewSad extended = w.store.extendSad(sad.sad, cred, session, docHashes(3, 1), T0);
  secrets.push_back(extended.sad);
  w.store.consumeSad(extended.sad, cred, session, docHashes(3, 1), T0);
  w.store.revokeSession(session, T0);

  const auto scan = [&](const char* when) {
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(w.dir.path())) {
      const std::string bytes = readBytes(entry.path());
      ++files;
      struct stat st {};
      BOOST_TEST_REQUIRE(::stat(entry.path().c_str(), &st) == 0);
      BOOST_TEST((st.st_mode & 0777) == 0600u, entry.path().filename() << " is the owner's only");
      for (const std::string& s : secrets)
        BOOST_TEST(bytes.find(s) == std::string::npos,
                   when << ": " << entry.path().filename() << " holds a secret of " << s.size() << " bytes");
    }
    return files;
  };
  BOOST_TEST(scan("open") == 3u, "service.db, -wal and -shm");
  w.store = Store::open(w.dir / "other.db", serviceKey());  // closes service.db: WAL checkpointed
  BOOST_TEST(scan("closed") >= 1u);
}

BOOST_AUTO_TEST_SUITE_END()
