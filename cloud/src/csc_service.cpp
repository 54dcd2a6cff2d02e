// The reference CSC v2 service: the routes of cloud/README.md "The service
// contract" over Store, Pkcs11KeyStore, DemoCa and TsaResponder.
#include <securedoc/cloud/ca.h>
#include <securedoc/cloud/csc_service.h>
#include <securedoc/cloud/store.h>
#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/base/secret.h>
#include <securedoc/cloud/pkcs11_keystore.h>
#include <securedoc/crypto/qr.h>
#include <securedoc/crypto/totp.h>
#include <securedoc/i18n.h>

#include "store_crypto.h"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace securedoc::cloud {

using json = nlohmann::json;

namespace {

// ------------------------------------------------------------------ constants

constexpr const char* kSpecs = "2.0.0.2";
constexpr int kOtpDigits = 8;
constexpr int kOtpPeriod = 30;
constexpr int kOtpWindow = 1;  // T-1, T, T+1: one step of delay (RFC 6238 §5.2), one for a clock ahead

constexpr const char* kOidSha256 = "2.16.840.1.101.3.4.2.1";
constexpr const char* kOidSha384 = "2.16.840.1.101.3.4.2.2";
constexpr const char* kOidSha512 = "2.16.840.1.101.3.4.2.3";
constexpr const char* kOidRsa = "1.2.840.113549.1.1.1";
constexpr const char* kOidRsaPss = "1.2.840.113549.1.1.10";
constexpr const char* kOidSha256Rsa = "1.2.840.113549.1.1.11";
constexpr const char* kOidSha384Rsa = "1.2.840.113549.1.1.12";
constexpr const char* kOidSha512Rsa = "1.2.840.113549.1.1.13";
constexpr const char* kOidEcPublicKey = "1.2.840.10045.2.1";
constexpr const char* kOidEcdsaSha256 = "1.2.840.10045.4.3.2";
constexpr const char* kOidEcdsaSha384 = "1.2.840.10045.4.3.3";
constexpr const char* kOidEcdsaSha512 = "1.2.840.10045.4.3.4";

// ------------------------------------------------------------------ refusals

/// A refusal in the contract's shape: HTTP status + {error, error_description}.
struct Refusal {
  int status;
  std::string error;
  std::string description;
};

[[noreturn]] void refuse(int status, std::string error, std::string description) {
  throw Refusal{status, std::move(error), std::move(description)};
}
[[noreturn]] void badRequest(std::string description) { refuse(400, "invalid_request", std::move(description)); }

void answerJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void answerError(httplib::Response& res, int status, const std::string& error, const std::string& description) {
  answerJson(res, status, json{{"error", error}, {"error_description", description}});
}

// ------------------------------------------------------------------ encodings

std::string hex(const Bytes& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t x : b) {
    s.push_back(digits[x >> 4]);
    s.push_back(digits[x & 15]);
  }
  return s;
}

/// CSC validFrom/validTo: "YYYYMMDDHHMMSSZ" (GeneralizedTime form).
std::string generalizedTime(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y%m%d%H%M%SZ", &tm);
  return buf.data();
}

// ------------------------------------------------------------------ algorithms

struct HashAlg {
  DigestAlgorithm alg;
  std::size_t size;
};

std::optional<HashAlg> hashAlgorithm(const std::string& oid) {
  if (oid == kOidSha256) return HashAlg{DigestAlgorithm::Sha256, 32};
  if (oid == kOidSha384) return HashAlg{DigestAlgorithm::Sha384, 48};
  if (oid == kOidSha512) return HashAlg{DigestAlgorithm::Sha512, 64};
  return std::nullopt;
}

bool isEcKeyAlgorithm(const std::string& keyAlgorithm) { return keyAlgorithm == kOidEcPublicKey; }

std::vector<std::string> signAlgorithmsFor(const std::string& keyAlgorithm) {
  if (isEcKeyAlgorithm(keyAlgorithm)) return {kOidEcdsaSha256, kOidEcdsaSha384, kOidEcdsaSha512};
  return {kOidRsa, kOidRsaPss, kOidSha256Rsa, kOidSha384Rsa, kOidSha512Rsa};
}

/// The scheme and digest for signHash's signAlgo / hashAlgorithmOID on a key
/// of `keyAlgorithm`.  The signAlgo with a hash in it implies the hash; a
/// hashAlgorithmOID that contradicts it is refused.
std::pair<SignatureScheme, HashAlg> signScheme(const std::string& signAlgo, const std::string& hashOid,
                                               const std::string& keyAlgorithm) {
  const bool ec = isEcKeyAlgorithm(keyAlgorithm);
  std::optional<SignatureScheme> scheme;
  const char* implied = nullptr;
  if (signAlgo == kOidRsa && !ec)
    scheme = SignatureScheme::RsaPkcs1v15;
  else if (signAlgo == kOidRsaPss && !ec)
    scheme = SignatureScheme::RsaPss;
  else if (signAlgo == kOidSha256Rsa && !ec)
    scheme = SignatureScheme::RsaPkcs1v15, implied = kOidSha256;
  else if (signAlgo == kOidSha384Rsa && !ec)
    scheme = SignatureScheme::RsaPkcs1v15, implied = kOidSha384;
  else if (signAlgo == kOidSha512Rsa && !ec)
    scheme = SignatureScheme::RsaPkcs1v15, implied = kOidSha512;
  else if (signAlgo == kOidEcPublicKey && ec)
    scheme = SignatureScheme::Ecdsa;
  else if (signAlgo == kOidEcdsaSha256 && ec)
    scheme = SignatureScheme::Ecdsa, implied = kOidSha256;
  else if (signAlgo == kOidEcdsaSha384 && ec)
    scheme = SignatureScheme::Ecdsa, implied = kOidSha384;
  else if (signAlgo == kOidEcdsaSha512 && ec)
    scheme = SignatureScheme::Ecdsa, implied = kOidSha512;
  if (!scheme) badRequest("Invalid parameter signAlgo");
  std::string oid = hashOid;
  if (implied) {
    if (!oid.empty() && oid != implied) badRequest("Invalid parameter hashAlgorithmOID");
    oid = implied;
  }
  const auto alg = hashAlgorithm(oid);
  if (!alg) badRequest("Invalid parameter hashAlgorithmOID");
  return {*scheme, *alg};
}

// ------------------------------------------------------------------ JSON parameters

std::optional<std::string> optionalString(const json& body, const char* name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) badRequest(std::string("Invalid parameter ") + name);
  return it->get<std::string>();
}

std::string requiredString(const json& body, const char* name) {
  auto v = optionalString(body, name);
  if (!v || v->empty()) badRequest(std::string("Invalid parameter ") + name);
  return *v;
}

bool optionalBool(const json& body, const char* name, bool fallback) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) badRequest(std::string("Invalid parameter ") + name);
  return it->get<bool>();
}

/// The base64 hashes of `body["hashes"]`: 1..`maxCount` of them.  A wrong
/// length for the algorithm gives `lengthError`.
std::vector<Bytes> hashesParameter(const json& body, const HashAlg& alg, std::size_t maxCount,
                                   const char* lengthError) {
  const auto it = body.find("hashes");
  if (it == body.end() || !it->is_array() || it->empty()) badRequest("Invalid parameter hashes");
  if (it->size() > maxCount) badRequest("Numbers of signatures is too high");
  std::vector<Bytes> out;
  for (const auto& h : *it) {
    if (!h.is_string()) badRequest("Invalid parameter hashes");
    auto bytes = fromBase64(h.get<std::string>());
    if (!bytes) badRequest("Invalid parameter hashes");
    if (bytes->size() != alg.size) badRequest(lengthError);
    out.push_back(std::move(*bytes));
  }
  return out;
}

struct Basic {
  std::string login;
  std::string password;
  ~Basic() { wipe(password); }
};

/// `Authorization: Basic b64(login:password)` (RFC 7617).
std::optional<Basic> basicAuth(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view prefix = "Basic ";
  if (header.size() <= prefix.size() || header.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  auto decoded = fromBase64(std::string_view(header).substr(prefix.size()));
  if (!decoded) return std::nullopt;
  std::string text(decoded->begin(), decoded->end());
  wipe(*decoded);
  const auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) {
    wipe(text);
    return std::nullopt;
  }
  std::optional<Basic> out(std::in_place);
  out->login = text.substr(0, colon);
  out->password = text.substr(colon + 1);
  wipe(text);
  return out;
}

std::int64_t systemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string serviceOtpauthUri(const std::string& login, const Bytes& secret) {
  OtpAuth a;
  a.issuer = kServiceName;
  a.account = login;
  a.secret = secret;
  a.digits = kOtpDigits;
  a.period = kOtpPeriod;
  a.algorithm = "SHA1";
  return a.uri();
}

// ================================================================== the service

struct CscService::Impl {
  Store& store;
  Pkcs11KeyStore& keys;
  DemoCa& ca;
  TsaResponder& tsa;
  CscServiceOptions options;
  std::mutex caMutex;      // DemoCa makes no thread-safety promise
  std::mutex outboxMutex;  // one writer per outbox file at a time

  Impl(Store& s, Pkcs11KeyStore& k, DemoCa& c, TsaResponder& t, CscServiceOptions o)
      : store(s), keys(k), ca(c), tsa(t), options(std::move(o)) {
    if (!options.clock) options.clock = systemNow;
  }

  /// What every handler gets.
  struct Call {
    const httplib::Request& req;
    httplib::Response& res;
    std::string requestId;  ///< "<16 hex>@<client address>": in every audit row
    std::int64_t now;
    json body;
  };
  using Handler = void (Impl::*)(Call&);

  // -------------------------------------------------------------- plumbing

  void run(const httplib::Request& req, httplib::Response& res, Handler handler, bool jsonBody) {
    const std::string id = hex(detail::randomBytes(8));
    res.set_header("X-Request-Id", id);
    Call call{req, res, id + "@" + req.remote_addr, options.clock(), json::object()};
    try {
      if (req.body.size() > kMaxBodySize) refuse(413, "invalid_request", "The request body is too large");
      if (jsonBody && !req.body.empty()) {
        call.body = json::parse(req.body, nullptr, false);
        if (call.body.is_discarded() || !call.body.is_object()) badRequest("The body is not a JSON object");
      }
      (this->*handler)(call);
    } catch (const Refusal& r) {
      answerError(res, r.status, r.error, r.description);
    } catch (const ServiceError& e) {
      answerServiceError(res, e);
    } catch (const Error& e) {
      // The message names no secret (Error texts never carry them); the
      // request id ties it to the audit rows.
      std::cerr << "securedoc-cloud: request " << id << " " << req.path << ": " << categoryName(e.category()) << ": "
                << e.what() << std::endl;
      answerError(res, 500, "server_error", "Internal error");
    } catch (const std::exception& e) {
      std::cerr << "securedoc-cloud: request " << id << " " << req.path << ": " << e.what() << std::endl;
      answerError(res, 500, "server_error", "Internal error");
    }
  }

  /// A store refusal outside the cases a method maps itself (account life).
  static void answerServiceError(httplib::Response& res, const ServiceError& e) {
    switch (e.code()) {
      case ServiceErrc::InvalidRequest:
      case ServiceErrc::NotFound:
        return answerError(res, 400, "invalid_request", e.message());
      case ServiceErrc::Conflict:
        return answerError(res, 409, "invalid_request", e.message());
      case ServiceErrc::InvalidGrant:
      case ServiceErrc::Expired:
        return answerError(res, 400, "invalid_grant", e.message());
      case ServiceErrc::InvalidToken:
        return answerError(res, 401, "invalid_token", e.message());
      case ServiceErrc::AccessDenied:
      case ServiceErrc::Locked:
        return answerError(res, 403, "access_denied", e.message());
      case ServiceErrc::Replayed:
        return answerError(res, 400, "invalid_otp", "The OTP is invalid");
    }
    answerError(res, 500, "server_error", "Internal error");
  }

  struct Bearer {
    std::string token;
    Session session;
    ~Bearer() { wipe(token); }
  };

  /// The caller's live session (CSC: 401 invalid_token / expired_token).
  Bearer bearer(const Call& c) {
    const std::string header = c.req.get_header_value("Authorization");
    constexpr std::string_view prefix = "Bearer ";
    if (header.size() <= prefix.size() || header.compare(0, prefix.size(), prefix) != 0)
      refuse(401, "invalid_token", "The access token is missing");
    Bearer b;
    b.token = header.substr(prefix.size());
    try {
      b.session = store.session(b.token, c.now);
    } catch (const ServiceError& e) {
      if (e.code() == ServiceErrc::Expired) refuse(401, "expired_token", "The access token has expired");
      refuse(401, "invalid_token", "The access token is not valid");
    }
    return b;
  }

  /// The caller's credential `credentialID` (one answer for unknown and foreign).
  Credential credentialOf(const Call& c, const Session& s) {
    const std::string id = requiredString(c.body, "credentialID");
    try {
      return store.credential(id, s.accountId);
    } catch (const ServiceError& e) {
      if (e.code() == ServiceErrc::NotFound) badRequest("Invalid parameter credentialID");
      throw;
    }
  }

  static void requireEnabled(const Credential& cred) {
    if (cred.status != CredentialStatus::Enabled) badRequest("The credential identified by credentialID is disabled");
  }

  HashAlg hashAlgorithmParameter(const json& body) {
    const auto oid = optionalString(body, "hashAlgorithmOID");
    const auto alg = oid ? hashAlgorithm(*oid) : std::nullopt;
    if (!alg) badRequest("Invalid parameter hashAlgorithmOID");
    return *alg;
  }

  void writeOutbox(const std::string& login, const std::string& kind, const std::string& text, std::int64_t now) {
    std::lock_guard lock(outboxMutex);
    std::error_code ec;
    std::filesystem::create_directories(options.outbox, ec);
    ::chmod(options.outbox.c_str(), 0700);
    const auto file = options.outbox / (login + ".txt");
    // Created 0600 (the messages carry activation and reset tokens), one
    // append per message, as a mail spool would.
    UniqueFd out(::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    const std::string line = isoTime(static_cast<std::time_t>(now)) + ' ' + kind + ' ' + text + '\n';
    if (!out || writeAll(out.get(), line.data(), line.size()) != 0 || out.close() != 0) {
      throw Error(Category::Io, tr("cannot write the outbox"), file.string());
    }
  }

  // -------------------------------------------------------------- CSC: info and auth

  void info(Call& c) {
    answerJson(c.res, 200,
               json{{"specs", kSpecs},
                    {"name", kServiceName},
                    {"logo", ""},
                    {"region", "PL"},
                    {"lang", "en-US"},
                    {"description", "SecureDoc reference remote signing service (demo, not a QTSP)"},
                    {"authType", json::array({"basic"})},
                    {"methods",
                     json::array({"auth/login", "auth/revoke", "credentials/list", "credentials/info",
                                  "credentials/authorize", "credentials/extendTransaction", "signatures/signHash"})},
                    {"signAlgorithms",
                     {{"algos", json::array({kOidRsa, kOidRsaPss, kOidSha256Rsa, kOidSha384Rsa, kOidSha512Rsa,
                                             kOidEcdsaSha256, kOidEcdsaSha384, kOidEcdsaSha512})}}},
                    {"conformance_levels", json::array({"Ades-B-B", "Ades-B-T", "Ades-B-LT", "Ades-B-LTA"})}});
  }

  void login(Call& c) {
    const auto basic = basicAuth(c.req);
    if (!basic) refuse(401, "invalid_request", "Malformed Authorization header");
    const bool rememberMe = optionalBool(c.body, "rememberMe", false);
    std::int64_t accountId = 0;
    try {
      accountId = store.verifyPassword(basic->login, basic->password, c.now, c.requestId);
    } catch (const ServiceError& e) {
      if (e.code() == ServiceErrc::InvalidGrant || e.code() == ServiceErrc::AccessDenied ||
          e.code() == ServiceErrc::InvalidRequest)
        refuse(400, "authentication_error", "Invalid login or password");
      throw;
    }
    const std::string token = store.createSession(accountId, rememberMe, c.now, c.requestId);
    answerJson(c.res, 200, json{{"access_token", token}, {"expires_in", kSessionLifetime}});
  }

  void revoke(Call& c) {
    const Bearer b = bearer(c);
    auto other = optionalString(c.body, "token");
    store.revokeSession(other ? *other : b.token, c.now, c.requestId);
    if (other) wipe(*other);
    c.res.status = 204;
  }

  // -------------------------------------------------------------- CSC: credentials

  json credentialInfo(const Credential& cred, const std::string& certificates, std::int64_t now) {
    const Certificate cert = Certificate::fromDer(cred.certificate);
    const EVP_PKEY* key = X509_get0_pubkey(cert.native());
    const int bits = key ? EVP_PKEY_get_bits(key) : 0;
    json keyInfo{{"status", cred.status == CredentialStatus::Enabled ? "enabled" : "disabled"},
                 {"algo", signAlgorithmsFor(cred.keyAlgorithm)},
                 {"len", bits}};
    if (isEcKeyAlgorithm(cred.keyAlgorithm)) {
      if (bits == 256)
        keyInfo["curve"] = "1.2.840.10045.3.1.7";
      else if (bits == 384)
        keyInfo["curve"] = "1.3.132.0.34";
      else if (bits == 521)
        keyInfo["curve"] = "1.3.132.0.35";
    }
    const bool expired = static_cast<std::time_t>(now) > cert.notAfter();
    json certInfo{{"status", expired ? "expired" : "valid"},
                  {"issuerDN", cert.issuer()},
                  {"serialNumber", cert.serialHex()},
                  {"subjectDN", cert.subject()},
                  {"validFrom", generalizedTime(cert.notBefore())},
                  {"validTo", generalizedTime(cert.notAfter())}};
    if (certificates != "none") {
      json list = json::array({toBase64(cred.certificate)});
      if (certificates == "chain")
        for (const Bytes& der : cred.chain) list.push_back(toBase64(der));
      certInfo["certificates"] = std::move(list);
    }
    return json{{"description", "Qualified-style signing key (" + cert.keyType() + ") in the SecureDoc Cloud HSM"},
                {"signatureQualifier", "eu_eidas_qes"},
                {"key", std::move(keyInfo)},
                {"cert", std::move(certInfo)},
                {"auth",
                 {{"mode", "explicit"},
                  {"expression", "OTP"},
                  {"objects", json::array({json{{"type", "Password"},
                                                {"id", "OTP"},
                                                {"format", "N"},
                                                {"generator", "totp"},
                                                {"label", "OTP"},
                                                {"description", "The 8-digit code of your authenticator app"}}})}}},
                {"SCAL", "2"},
                {"multisign", kMaxSignaturesPerSad},
                {"lang", "en-US"}};
  }

  static std::string certificatesParameter(const json& body) {
    const auto v = optionalString(body, "certificates");
    if (!v) return "single";
    if (*v != "none" && *v != "single" && *v != "chain") badRequest("Invalid parameter certificates");
    return *v;
  }

  void credentialsList(Call& c) {
    const Bearer b = bearer(c);
    if (c.body.contains("userID") && !c.body["userID"].is_null()) badRequest("userID parameter MUST be null");
    const bool withInfo = optionalBool(c.body, "credentialInfo", false);
    const std::string certificates = certificatesParameter(c.body);
    optionalBool(c.body, "certInfo", true);
    optionalBool(c.body, "authInfo", true);
    json ids = json::array();
    json infos = json::array();
    for (const Credential& cred : store.credentials(b.session.accountId)) {
      ids.push_back(cred.id);
      if (withInfo) {
        json i = credentialInfo(cred, certificates, c.now);
        i["credentialID"] = cred.id;
        infos.push_back(std::move(i));
      }
    }
    json out{{"credentialIDs", std::move(ids)}};
    if (withInfo) out["credentialInfos"] = std::move(infos);
    answerJson(c.res, 200, out);
  }

  void credentialsInfo(Call& c) {
    const Bearer b = bearer(c);
    const Credential cred = credentialOf(c, b.session);
    const std::string certificates = certificatesParameter(c.body);
    optionalBool(c.body, "certInfo", true);
    optionalBool(c.body, "authInfo", true);
    answerJson(c.res, 200, credentialInfo(cred, certificates, c.now));
  }

  void authorize(Call& c) {
    const Bearer b = bearer(c);
    const Credential cred = credentialOf(c, b.session);
    requireEnabled(cred);
    const auto n = c.body.find("numSignatures");
    if (n == c.body.end() || !n->is_number_integer() || n->get<long long>() < 1)
      badRequest("Invalid parameter numSignatures");
    if (n->get<long long>() > kMaxSignaturesPerSad) badRequest("Numbers of signatures is too high");
    const int numSignatures = static_cast<int>(n->get<long long>());
    const HashAlg alg = hashAlgorithmParameter(c.body);
    const auto hashes = hashesParameter(c.body, alg, kMaxHashesPerSad, "Invalid parameter hashes");

    std::string otp;
    const auto authData = c.body.find("authData");
    if (authData != c.body.end() && authData->is_array())
      for (const auto& item : *authData)
        if (item.is_object() && item.value("id", json()).is_string() && item["id"] == "OTP" &&
            item.value("value", json()).is_string())
          otp = item["value"].get<std::string>();
    if (otp.empty()) badRequest("Invalid parameter authData");
    const WipeOnExit wipeOtp(otp);

    std::optional<std::int64_t> step;
    try {
      SecretBytes secret = store.otpSecret(cred.id, c.now);
      Bytes key(secret.begin(), secret.end());
      step = totpMatchStep(key, otp, c.now, kOtpWindow, kOtpDigits, kOtpPeriod, "SHA1");
      wipe(key);
      if (!step) {
        store.recordOtpFailure(cred.id, c.now, c.requestId);
        refuse(400, "invalid_otp", "The OTP is invalid");
      }
      store.recordOtpSuccess(cred.id, *step, c.now, c.requestId);
    } catch (const ServiceError& e) {
      if (e.code() == ServiceErrc::Locked) badRequest("Credential locked");
      if (e.code() == ServiceErrc::Replayed) refuse(400, "invalid_otp", "The OTP is invalid");
      if (e.code() == ServiceErrc::NotFound) badRequest("The credential has no OTP enrolled");
      throw;
    }
    NewSad sad;
    try {
      sad = store.createSad(cred.id, b.token, hashes, numSignatures, c.now, c.requestId);
    } catch (const ServiceError& e) {
      sessionOrRequestError(e);
    }
    answerJson(c.res, 200, json{{"SAD", sad.sad}, {"expiresIn", sad.expiresAt - c.now}});
    wipe(sad.sad);
  }

  /// The session ended between the check and the store call, or a rule of the store.
  [[noreturn]] static void sessionOrRequestError(const ServiceError& e) {
    switch (e.code()) {
      case ServiceErrc::InvalidToken:
        refuse(401, "invalid_token", "The access token is not valid");
      case ServiceErrc::Expired:
        refuse(401, "expired_token", "The access token has expired");
      case ServiceErrc::AccessDenied:
        badRequest("The credential identified by credentialID is disabled");
      case ServiceErrc::NotFound:
        badRequest("Invalid parameter credentialID");
      default:
        badRequest(e.message());
    }
  }

  void extendTransaction(Call& c) {
    const Bearer b = bearer(c);
    const Credential cred = credentialOf(c, b.session);
    requireEnabled(cred);
    std::string oldSad = requiredString(c.body, "SAD");
    const HashAlg alg = hashAlgorithmParameter(c.body);
    const auto hashes = hashesParameter(c.body, alg, kMaxSignaturesPerSad, "Invalid parameter hashes");
    NewSad sad;
    try {
      sad = store.extendSad(oldSad, cred.id, b.token, hashes, c.now, c.requestId);
    } catch (const ServiceError& e) {
      wipe(oldSad);
      if (e.code() == ServiceErrc::Expired) badRequest("SAD expired");
      if (e.code() == ServiceErrc::InvalidToken) refuse(401, "invalid_token", "The access token is not valid");
      badRequest("Invalid parameter SAD");  // not rememberMe, unknown, another session or credential
    }
    wipe(oldSad);
    answerJson(c.res, 200, json{{"SAD", sad.sad}, {"expiresIn", sad.expiresAt - c.now}});
    wipe(sad.sad);
  }

  // -------------------------------------------------------------- CSC: signHash

  void signHash(Call& c) {
    const Bearer b = bearer(c);
    const Credential cred = credentialOf(c, b.session);
    requireEnabled(cred);
    const std::string signAlgo = requiredString(c.body, "signAlgo");
    const auto [scheme, alg] =
        signScheme(signAlgo, optionalString(c.body, "hashAlgorithmOID").value_or(""), cred.keyAlgorithm);
    const auto hashes = hashesParameter(c.body, alg, kMaxSignaturesPerSad, "Invalid digest value length");
    std::string sad = requiredString(c.body, "SAD");
    const Certificate cert = Certificate::fromDer(cred.certificate);
    if (static_cast<std::time_t>(c.now) > cert.notAfter()) {
      wipe(sad);
      badRequest("Signing certificate is expired");
    }
    // First the SAD is spent (one SQLite transaction), then the HSM signs:
    // two racing requests can never both sign with one authorisation.
    try {
      store.consumeSad(sad, cred.id, b.token, hashes, c.now, c.requestId);
    } catch (const ServiceError& e) {
      wipe(sad);
      const std::string& m = e.message();
      switch (e.code()) {
        case ServiceErrc::Expired:
          badRequest("SAD expired");
        case ServiceErrc::InvalidToken:
          refuse(401, "invalid_token", "The access token is not valid");
        case ServiceErrc::AccessDenied:
          if (m == tr(N_("Hash is not authorized by the SAD"))) badRequest("Hash is not authorized by the SAD");
          if (m == tr(N_("Numbers of signatures is too high"))) badRequest("Numbers of signatures is too high");
          if (m == tr(N_("The credential identified by credentialID is disabled")))
            badRequest("The credential identified by credentialID is disabled");
          badRequest("Invalid parameter SAD");
        default:
          badRequest("Invalid parameter SAD");
      }
    }
    wipe(sad);
    const auto account = store.account(b.session.accountId);
    const std::string login = account ? account->login : std::string();
    std::vector<Bytes> signatures;
    try {
      signatures = keys.sign(cred.keyId, alg.alg, scheme, hashes);
    } catch (const Error& e) {
      store.appendAudit("sign.failed", login, cred.id, c.requestId, categoryName(e.category()), c.now);
      throw;
    }
    store.appendAudit("sign.ok", login, cred.id, c.requestId,
                      format("signAlgo={0} count={1}", {signAlgo, signatures.size()}), c.now);
    json out = json::array();
    for (const Bytes& s : signatures) out.push_back(toBase64(s));
    answerJson(c.res, 200, json{{"signatures", std::move(out)}});
  }

  // -------------------------------------------------------------- account life

  void activate(Call& c) {
    std::string token = requiredString(c.body, "token");
    std::string password = requiredString(c.body, "password");
    try {
      store.activate(token, password, c.now, c.requestId);
    } catch (...) {
      wipe(token), wipe(password);
      throw;
    }
    wipe(token), wipe(password);
    c.res.status = 204;
  }

  void passwordChange(Call& c) {
    const std::string login = requiredString(c.body, "login");
    std::string oldPassword = requiredString(c.body, "oldPassword");
    std::string newPassword = requiredString(c.body, "newPassword");
    try {
      store.changePassword(login, oldPassword, newPassword, c.now, c.requestId);
    } catch (...) {
      wipe(oldPassword), wipe(newPassword);
      throw;
    }
    wipe(oldPassword), wipe(newPassword);
    c.res.status = 204;
  }

  void passwordResetRequest(Call& c) {
    const std::string login = requiredString(c.body, "login");
    // 202 whatever happens: the answer tells nobody whether the login exists.
    if (auto token = store.requestPasswordReset(login, c.now, c.requestId)) {
      writeOutbox(login, "password-reset", *token, c.now);
      wipe(*token);
    }
    c.res.status = 202;
  }

  void passwordReset(Call& c) {
    std::string token = requiredString(c.body, "token");
    std::string password = requiredString(c.body, "password");
    try {
      store.resetPassword(token, password, c.now, c.requestId);
    } catch (...) {
      wipe(token), wipe(password);
      throw;
    }
    wipe(token), wipe(password);
    c.res.status = 204;
  }

  /// Basic auth for the enrolment routes: the account id and login.
  std::pair<std::int64_t, std::string> basicAccount(const Call& c) {
    const auto basic = basicAuth(c.req);
    if (!basic) refuse(401, "invalid_request", "Malformed Authorization header");
    try {
      return {store.verifyPassword(basic->login, basic->password, c.now, c.requestId), basic->login};
    } catch (const ServiceError& e) {
      if (e.code() == ServiceErrc::AccessDenied) refuse(403, "access_denied", "The account is not active");
      refuse(400, "authentication_error", "Invalid login or password");
    }
  }

  void otpStart(Call& c) {
    const auto [accountId, login] = basicAccount(c);
    std::string code = store.startOtpProvisioning(accountId, c.now, c.requestId);
    writeOutbox(login, "otp-code", code, c.now);
    wipe(code);
    c.res.status = 202;
  }

  void otpConfirm(Call& c) {
    const auto [accountId, login] = basicAccount(c);
    std::string code = requiredString(c.body, "code");
    const auto credentials = store.credentials(accountId);
    if (credentials.empty()) {
      wipe(code);
      badRequest("The account has no credential yet");
    }
    try {
      store.confirmOtpProvisioning(accountId, code, c.now, c.requestId);
    } catch (...) {
      wipe(code);
      throw;
    }
    wipe(code);
    // One authenticator entry per account: every credential gets the secret.
    Bytes secret = randomOtpSecret();
    const SecretBytes sealed(secret.begin(), secret.end());
    for (const Credential& cred : credentials) store.setOtpSecret(cred.id, sealed, c.now, c.requestId);
    std::string uri = serviceOtpauthUri(login, secret);
    wipe(secret);
    const WipeOnExit wipeUri(uri);
    std::string image = qrPngImage(uri);  // in memory: the secret never touches the disk
    const WipeOnExit wipeImage(image);
    std::string qrBase64 = toBase64(reinterpret_cast<const std::uint8_t*>(image.data()), image.size());
    const WipeOnExit wipeBase64(qrBase64);
    answerJson(c.res, 200, json{{"otpauth", uri}, {"qrPng", qrBase64}});
  }

  // -------------------------------------------------------------- trust services

  void timestamp(Call& c) {
    if (c.req.get_header_value("Content-Type") != "application/timestamp-query")
      refuse(415, "invalid_request", "The body must be application/timestamp-query");
    const Bytes request(c.req.body.begin(), c.req.body.end());
    const Bytes response = tsa.respond(request);
    c.res.status = 200;
    c.res.set_content(std::string(response.begin(), response.end()), "application/timestamp-reply");
  }

  void ocsp(Call& c) {
    if (c.req.get_header_value("Content-Type") != "application/ocsp-request")
      refuse(415, "invalid_request", "The body must be application/ocsp-request");
    const Bytes request(c.req.body.begin(), c.req.body.end());
    Bytes response;
    {
      std::lock_guard lock(caMutex);
      response = ca.ocspRespond(request, c.now);
    }
    c.res.status = 200;
    c.res.set_content(std::string(response.begin(), response.end()), "application/ocsp-response");
  }

  /// RFC 6960 Appendix A.1: "GET {url}/{url-encoding of base-64 encoding of
  /// the DER encoding of the OCSPRequest}".  The raw target is decoded here
  /// (httplib's req.path is decoded already, but leniently); base64url is
  /// accepted too, since some clients send it.  Anything that does not decode
  /// gets malformedRequest (§4.2.1), as a bad POST body does.
  void ocspGet(Call& c) {
    static constexpr std::string_view prefix = "/ocsp/";
    std::string_view encoded = c.req.target;
    encoded = encoded.substr(0, encoded.find('?'));
    Bytes request;  // empty: malformedRequest
    if (encoded.rfind(prefix, 0) == 0) {
      encoded.remove_prefix(prefix.size());
      if (encoded.size() <= kMaxOcspGetSize) {
        if (auto der = decodeOcspGet(encoded)) request = std::move(*der);
      }
    }
    Bytes response;
    {
      std::lock_guard lock(caMutex);
      response = ca.ocspRespond(request, c.now);
    }
    c.res.status = 200;
    c.res.set_content(std::string(response.begin(), response.end()), "application/ocsp-response");
  }

  /// Percent-decoding (RFC 3986 §2.1, strict: "%" and two hex digits), then
  /// base64 or base64url (RFC 4648 §4, §5), padding optional.
  static std::optional<Bytes> decodeOcspGet(std::string_view encoded) {
    const auto hexValue = [](char ch) -> int {
      if (ch >= '0' && ch <= '9') return ch - '0';
      if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
      if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
      return -1;
    };
    std::string text;
    text.reserve(encoded.size());
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      char ch = encoded[i];
      if (ch == '%') {
        if (i + 2 >= encoded.size()) return std::nullopt;
        const int hi = hexValue(encoded[i + 1]);
        const int lo = hexValue(encoded[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        ch = static_cast<char>(hi * 16 + lo);
        i += 2;
      }
      if (ch == '-') ch = '+';
      if (ch == '_') ch = '/';
      text.push_back(ch);
    }
    if (text.size() % 4 == 1) return std::nullopt;
    while (text.size() % 4 != 0) text.push_back('=');
    return fromBase64(text);
  }

  void crl(Call& c) {
    Bytes der;
    {
      std::lock_guard lock(caMutex);
      der = ca.crl(c.now);
    }
    c.res.status = 200;
    c.res.set_content(std::string(der.begin(), der.end()), "application/pkix-crl");
  }

  void rootCrl(Call& c) {
    Bytes der;
    {
      std::lock_guard lock(caMutex);
      der = ca.rootCrl(c.now);
    }
    c.res.status = 200;
    c.res.set_content(std::string(der.begin(), der.end()), "application/pkix-crl");
  }

  // -------------------------------------------------------------- servers

  /// What every server of the service shares: the payload limit, the
  /// contract's error shape for httplib's own refusals, the pool and
  /// keep-alive.
  void configureServer(httplib::Server& server, std::size_t threads) const {
    server.set_payload_max_length(kMaxBodySize);
    // Refusals httplib makes itself (no route, body too large...) get the
    // contract's shape too.
    server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      if (res.status == 404)
        answerError(res, 404, "invalid_request", "Unknown method");
      else if (res.status == 413)
        answerError(res, 413, "invalid_request", "The request body is too large");
      else if (res.status == 405)
        answerError(res, 405, "invalid_request", "Method not allowed");
      else
        answerError(res, res.status, "invalid_request", "Bad request");
      return httplib::Server::HandlerResponse::Handled;
    }));
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
      answerError(res, 500, "server_error", "Internal error");
    });
    if (threads == 0) threads = 1;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_keep_alive_max_count(options.keepAliveRequests);
    server.set_keep_alive_timeout(options.keepAliveSeconds);
    // Headers and body go out in separate writes; with Nagle on, a kept-alive
    // connection waits for the client's delayed ACK (~40 ms) between them.
    server.set_tcp_nodelay(true);
  }
};

CscService::CscService(Store& store, Pkcs11KeyStore& keys, DemoCa& ca, TsaResponder& tsa, CscServiceOptions options)
    : m_impl(std::make_unique<Impl>(store, keys, ca, tsa, std::move(options))) {}

CscService::~CscService() = default;

void CscService::registerRoutes(httplib::Server& server) {
  Impl* impl = m_impl.get();
  const auto post = [&](const std::string& path, Impl::Handler handler, bool jsonBody = true) {
    server.Post(path, [impl, handler, jsonBody](const httplib::Request& req, httplib::Response& res) {
      impl->run(req, res, handler, jsonBody);
    });
  };
  post("/csc/v2/info", &Impl::info);
  post("/csc/v2/auth/login", &Impl::login);
  post("/csc/v2/auth/revoke", &Impl::revoke);
  post("/csc/v2/credentials/list", &Impl::credentialsList);
  post("/csc/v2/credentials/info", &Impl::credentialsInfo);
  post("/csc/v2/credentials/authorize", &Impl::authorize);
  post("/csc/v2/credentials/extendTransaction", &Impl::extendTransaction);
  post("/csc/v2/signatures/signHash", &Impl::signHash);
  post("/account/activate", &Impl::activate);
  post("/account/password/change", &Impl::passwordChange);
  post("/account/password/reset/request", &Impl::passwordResetRequest);
  post("/account/password/reset", &Impl::passwordReset);
  post("/account/otp/start", &Impl::otpStart);
  post("/account/otp/confirm", &Impl::otpConfirm);
  post("/tsa", &Impl::timestamp, false);
  post("/ocsp", &Impl::ocsp, false);
  server.Get("/crl",
             [impl](const httplib::Request& req, httplib::Response& res) { impl->run(req, res, &Impl::crl, false); });

  m_impl->configureServer(server, m_impl->options.threads);
}

void CscService::registerRevocationRoutes(httplib::Server& server) {
  Impl* impl = m_impl.get();
  const auto route = [impl](Impl::Handler handler) {
    return
        [impl, handler](const httplib::Request& req, httplib::Response& res) { impl->run(req, res, handler, false); };
  };
  server.Post("/ocsp", route(&Impl::ocsp));
  // httplib matches the whole (decoded) path; ".*" so that "/ocsp/" alone
  // gets malformedRequest, not 404.
  server.Get(R"(/ocsp/(.*))", route(&Impl::ocspGet));
  server.Get("/crl", route(&Impl::crl));
  server.Get("/crl/root", route(&Impl::rootCrl));
  m_impl->configureServer(server, kRevocationThreads);
}

}  // namespace securedoc::cloud
