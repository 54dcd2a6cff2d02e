// One-time passwords: the enrolment guard (an 8-digit code sent out of band
// before the TOTP secret is shown), the TOTP secrets sealed with AES-256-GCM,
// and per credential the RFC 6238 replay state (the last accepted time step)
// and the failure count and lock-out.
#include <securedoc/cloud/store.h>

#include "store_crypto.h"
#include "store_internal.h"

namespace securedoc::cloud {

using detail::refuse;
using sql::Query;
using sql::Transaction;

namespace {

Bytes accountIdBytes(std::int64_t id) {
  Bytes b(8);
  auto v = static_cast<std::uint64_t>(id);
  for (int i = 7; i >= 0; --i) {
    b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  return b;
}

/// What the enrolment guard keeps of a code: HMAC-SHA256 under the code key
/// over the account id (8 bytes, big-endian) and the code.
Bytes enrolmentCodeMac(const SecretBytes& codeKey, std::int64_t accountId, std::string_view code) {
  Bytes material = accountIdBytes(accountId);
  material.insert(material.end(), code.begin(), code.end());
  Bytes mac = detail::hmacSha256(codeKey, material);
  wipe(material.data(), material.size());
  return mac;
}

std::string otpAad(std::string_view credentialId) { return "securedoc-otp-secret-v1:" + std::string(credentialId); }

}  // namespace

// ------------------------------------------------------------------ OTP enrolment

std::string Store::startOtpProvisioning(std::int64_t accountId, std::int64_t now, std::string_view requestId) {
  std::string code = detail::newEightDigitCode();
  const Bytes mac = enrolmentCodeMac(m_impl->codeKey, accountId, code);

  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  const std::string login = m_impl->requireActiveAccount(accountId);
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
  const Bytes mac = enrolmentCodeMac(m_impl->codeKey, accountId, code);

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
    m_impl->refuseAudited(tx, now, "otp.enrol.blocked", login, {}, requestId, format("failures={0}", {failures}),
                          ServiceErrc::Locked,
                          N_("OTP enrolment is blocked after too many wrong codes; ask the administrator"));
  }
  Query(db, "UPDATE otp_provisioning SET failures = ? WHERE account_id = ?", failures, accountId).run();
  m_impl->refuseAudited(tx, now, "otp.enrol.failed", login, {}, requestId, format("failures={0}", {failures}),
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

// ------------------------------------------------------------------ TOTP state

OtpState Store::Impl::readOtpState(std::string_view credentialId) {
  Query q(db, "SELECT last_step, failures, locked_until FROM credential_otp WHERE credential_id = ?", credentialId);
  if (!q.step()) refuse(ServiceErrc::NotFound, N_("the credential has no OTP secret"));
  return OtpState{q.int64(0), q.int32(1), q.int64(2)};
}

Store::Impl::UnlockedOtp Store::Impl::requireUnlockedOtp(Transaction& tx, std::string_view credentialId,
                                                         std::int64_t now, std::string_view requestId) {
  UnlockedOtp r{readOtpState(credentialId), loginOfCredential(credentialId)};
  if (r.state.lockedUntil > now)
    refuseAudited(tx, now, "otp.refused", r.login, credentialId, requestId, "locked", ServiceErrc::Locked,
                  N_("Credential locked"));
  return r;
}

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
  const auto [st, login] = m_impl->requireUnlockedOtp(tx, credentialId, now, requestId);
  // RFC 6238 §5.2: "The verifier MUST NOT accept the second attempt of the
  // OTP after the successful validation has been issued for the first OTP".
  if (step <= st.lastAcceptedStep)
    m_impl->refuseAudited(tx, now, "otp.replay", login, credentialId, requestId,
                          format("step={0} last={1}", {step, st.lastAcceptedStep}), ServiceErrc::Replayed,
                          N_("The OTP is invalid"));
  Query(db, "UPDATE credential_otp SET last_step = ?, failures = 0 WHERE credential_id = ?", step, credentialId).run();
  m_impl->audit(now, "otp.ok", login, credentialId, requestId, {});
  tx.commit();
}

OtpState Store::recordOtpFailure(std::string_view credentialId, std::int64_t now, std::string_view requestId) {
  std::lock_guard lock(m_impl->mutex);
  auto& db = m_impl->db;
  Transaction tx(db, Transaction::Kind::Write);
  auto [st, login] = m_impl->requireUnlockedOtp(tx, credentialId, now, requestId);
  ++st.consecutiveFailures;
  if (st.consecutiveFailures >= kOtpMaxFailures) {
    st.consecutiveFailures = 0;
    st.lockedUntil = now + kOtpLockSeconds;
    m_impl->audit(now, "otp.locked", login, credentialId, requestId, format("until={0}", {st.lockedUntil}));
  } else {
    m_impl->audit(now, "otp.failed", login, credentialId, requestId, format("failures={0}", {st.consecutiveFailures}));
  }
  Query(db, "UPDATE credential_otp SET failures = ?, locked_until = ? WHERE credential_id = ?", st.consecutiveFailures,
        st.lockedUntil, credentialId)
      .run();
  tx.commit();
  return st;
}

}  // namespace securedoc::cloud
