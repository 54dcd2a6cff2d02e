// CSC API v2 client (cloud/README.md "The service contract").
// libcurl over TLS with the CA the user names, JSON with nlohmann_json.
// Secrets (password, OTP, access token, SAD) live in SecretStrings that are
// wiped when dropped; they never go into messages.
#include "pkcs11_support.h"  // p11::valueVerifies

#include <securedoc/crypto/csc_signer.h>
#include <securedoc/base/error.h>
#include <securedoc/base/secret.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include "curl_support.h"

#include <curl/curl.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <optional>

namespace securedoc {

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxAnswer = 4u << 20;
/// An OTP authorisation and its signHash must fit into what is left of the
/// session; with less than this, log in again first.
constexpr std::chrono::seconds kSessionMargin{30};

/// Cleanses every string in a JSON value (request bodies carry OTPs and SADs).
void wipeJson(Json& j) {
  if (j.is_string()) {
    wipe(j.get_ref<std::string&>());
  } else if (j.is_structured()) {
    for (auto& v : j) wipeJson(v);
  }
}

/// RFC 6750 §2.1: "Bearer " and the access token; empty without a token.
SecretString bearer(const SecretString& token) {
  SecretString out;
  if (token.empty()) return out;
  out.append("Bearer ");
  out.append(token.view());
  return out;
}

using CurlEasy = curl::Easy;
/// Header lists carry "Authorization:" lines: their text is wiped before free.
using CurlSlist = curl::SecretSlist;

using curl::setopt;

struct Sink {
  SecretString data;  // the answer may hold a token or a SAD
  bool overflow = false;
};

size_t writeToSink(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  const size_t n = size * nmemb;
  if (sink->data.size() + n > kMaxAnswer) {
    sink->overflow = true;
    return 0;
  }
  try {
    sink->data.append(std::string_view(ptr, n));  // growth wipes the old block
  } catch (...) {
    return 0;
  }
  return n;
}

const char* hashOid(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::Sha256:
      return "2.16.840.1.101.3.4.2.1";
    case DigestAlgorithm::Sha384:
      return "2.16.840.1.101.3.4.2.2";
    case DigestAlgorithm::Sha512:
      return "2.16.840.1.101.3.4.2.3";
  }
  return "";
}

const char* ecdsaOid(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::Sha256:
      return "1.2.840.10045.4.3.2";
    case DigestAlgorithm::Sha384:
      return "1.2.840.10045.4.3.3";
    case DigestAlgorithm::Sha512:
      return "1.2.840.10045.4.3.4";
  }
  return "";
}

/// DER RSASSA-PSS-params (RFC 4055 §3.1): the hash, MGF1 with the same hash,
/// salt as long as the hash, trailer field default.
Bytes pssParams(DigestAlgorithm alg) {
  ossl::RsaPssParams pss(RSA_PSS_PARAMS_new());
  ossl::X509Algor mgfHash(X509_ALGOR_new());
  if (!pss || !mgfHash) throwOpenSsl(Category::Internal, "RSA_PSS_PARAMS_new");
  ASN1_OBJECT* hash = OBJ_nid2obj(EVP_MD_get_type(ossl::evpDigest(alg)));
  pss->hashAlgorithm = X509_ALGOR_new();
  pss->maskGenAlgorithm = X509_ALGOR_new();
  pss->saltLength = ASN1_INTEGER_new();
  if (!pss->hashAlgorithm || !pss->maskGenAlgorithm || !pss->saltLength ||
      X509_ALGOR_set0(mgfHash.get(), hash, V_ASN1_UNDEF, nullptr) != 1 ||
      X509_ALGOR_set0(pss->hashAlgorithm, hash, V_ASN1_UNDEF, nullptr) != 1 ||
      ASN1_INTEGER_set(pss->saltLength, static_cast<long>(digestSize(alg))) != 1) {
    throwOpenSsl(Category::Internal, "RSA_PSS_PARAMS");
  }
  ASN1_STRING* mgfParams = ASN1_item_pack(mgfHash.get(), ASN1_ITEM_rptr(X509_ALGOR), nullptr);
  if (!mgfParams || X509_ALGOR_set0(pss->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, mgfParams) != 1) {
    ASN1_STRING_free(mgfParams);
    throwOpenSsl(Category::Internal, "RSA_PSS_PARAMS mgf1");
  }
  return ossl::der(i2d_RSA_PSS_PARAMS, pss.get(), Category::Internal, "i2d_RSA_PSS_PARAMS");
}

/// The 401 answers that mean "log in again": the access token expired or the
/// service no longer knows it.
struct SessionExpired {};
/// extendTransaction refused the SAD (used up, expired, not of this session).
struct SadRefused {};

struct Credential {
  std::string id;
  std::string description;
  std::vector<Certificate> certificates;  // leaf first
  std::size_t multisign = 1;
};

struct Reply {  // NOLINT(bugprone-exception-escape): nlohmann::json's default constructor only allocates
  long status = 0;
  Json body;
};

}  // namespace

struct CscSigner::Impl {
  CscOptions o;
  Interaction* ui = nullptr;
  std::string base;  // without the trailing '/'
  std::string host;  // host[:port], for people
  std::string who;   // login@host

  SecretString token;
  Clock::time_point tokenExpiry{};
  /// tokenExpiry for other threads (steady-clock ticks; 0: no session).
  std::atomic<Clock::rep> expiryTicks{0};
  unsigned long sessionGeneration = 0;
  SecretString lastSad;
  unsigned long lastSadGeneration = 0;
  Clock::time_point lastSadExpiry{};
  std::optional<std::vector<Credential>> credentials;
  /// One handle for every request, so that libcurl keeps the TLS connection
  /// alive between them (a batch costs one handshake, not one per call).
  CurlEasy handle;

  void checkCancel() const {
    if (ui->cancelled()) throw Error(Category::Cancelled, tr("signing was cancelled"));
  }

  Reply post(const std::string& method, Json& body, std::string_view authorization, long timeout);
  [[noreturn]] void refused(const std::string& method, const Reply& r) const;
  Reply call(const std::string& method, Json body);
  void login();
  void dropSession();
  void ensureSession(std::chrono::seconds margin);
  std::vector<Credential> listCredentials();
  Credential parseCredential(const std::string& id, const Json& info) const;
  SecretString obtainSad(const Credential& c, DigestAlgorithm alg, const std::vector<std::string>& hashes);
  std::vector<Bytes> signPart(const Credential& c, DigestAlgorithm alg, SignatureScheme scheme,
                              const std::vector<Bytes>& digests);
  template <class Fn>
  auto withSession(Fn fn) -> decltype(fn());
};

namespace {

/// The one handle, made on first use, else with its options back to
/// defaults (the connection stays).
CURL* freshHandle(CurlEasy& handle) {
  if (!handle) {
    handle.reset(curl::api().easy_init());
    if (!handle) throw Error(Category::Internal, "curl_easy_init");
  } else {
    curl::api().easy_reset(handle.get());  // options back to defaults; the connection stays
  }
  return handle.get();
}

/// The request's headers: JSON both ways, and `authorization` when given.
CurlSlist requestHeaders(std::string_view authorization) {
  CurlSlist headers(curl::api().slist_append(nullptr, "Content-Type: application/json"));
  if (!headers || !curl::api().slist_append(headers.get(), "Accept: application/json")) {
    throw Error(Category::Internal, "curl_slist_append");
  }
  if (!authorization.empty()) {
    SecretString line(std::string_view("Authorization: "));
    line.append(authorization);
    if (curl::api().slist_append(headers.get(), line.c_str()) == nullptr)
      throw Error(Category::Internal, "curl_slist_append");
  }
  return headers;
}

/// What one POST of `text` to `url` needs on the handle, the answer going
/// to `sink`; every pointer given must live until the handle is reset.
void setPostOptions(CURL* h, const std::string& url, const SecretString& text, curl_slist* headers, Sink& sink,
                    char* errorBuffer, const CscOptions& o, long timeout) {
  setopt(h, CURLOPT_URL, url.c_str());
  setopt(h, CURLOPT_PROTOCOLS_STR, "https");
  setopt(h, CURLOPT_NOSIGNAL, 1L);
  setopt(h, CURLOPT_CONNECTTIMEOUT, o.connectTimeoutSeconds);
  setopt(h, CURLOPT_TIMEOUT, timeout);
  setopt(h, CURLOPT_USERAGENT, "SecureDoc/0.1");
  setopt(h, CURLOPT_HTTPHEADER, headers);
  setopt(h, CURLOPT_POST, 1L);
  setopt(h, CURLOPT_POSTFIELDS, text.c_str());
  setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(text.size()));
  setopt(h, CURLOPT_WRITEFUNCTION, &writeToSink);
  setopt(h, CURLOPT_WRITEDATA, &sink);
  setopt(h, CURLOPT_ERRORBUFFER, errorBuffer);
  // CSC §7.3: TLS only, verified against the CA the user named and nothing else.
  setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  setopt(h, CURLOPT_CAINFO, o.caFile.c_str());
  setopt(h, CURLOPT_CAPATH, static_cast<const char*>(nullptr));
}

/// Refuses a transfer that failed (`rc`, `detail`: curl's words) or whose
/// answer did not fit `sink`.
void checkTransfer(CURLcode rc, const Sink& sink, const std::string& url, const std::string& detail,
                   const CscOptions& o) {
  if (sink.overflow) {
    throw Error(Category::Network, format(tr("the answer of the signing service {0} is too large"), {url}));
  }
  if (rc == CURLE_SSL_CONNECT_ERROR) {
    // The handshake did not complete: the service went away (a reset, an
    // empty reply) or does not speak TLS there.  Not a certificate problem,
    // so the user is not sent to their CA file.
    throw Error(Category::Network, format(tr("cannot reach the signing service {0} over TLS"), {url}), {}, detail);
  }
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
    throw Error(
        Category::Network,
        format(tr("cannot verify the TLS connection to the signing service {0} with the CA file {1}"), {url, o.caFile}),
        {}, detail);
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    throw Error(Category::Network, format(tr("the signing service {0} did not answer in time"), {url}), {}, detail);
  }
  if (rc != CURLE_OK) {
    throw Error(Category::Network, format(tr("cannot reach the signing service {0}"), {url}), {}, detail);
  }
}

/// The HTTP status and the JSON body of the answer in `sink`; a body that is
/// not JSON is refused with a 2xx status, else taken as an empty object.
Reply readReply(CURL* h, const Sink& sink, const std::string& url) {
  Reply r;
  curl::api().easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  if (!sink.data.empty()) {
    r.body = Json::parse(sink.data.view(), nullptr, false);
    if (r.body.is_discarded()) {
      if (r.status >= 200 && r.status < 300) {
        throw Error(Category::Network,
                    format(tr("the signing service {0} answered with something that is not JSON"), {url}));
      }
      r.body = Json::object();
    }
  }
  return r;
}

}  // namespace

Reply CscSigner::Impl::post(const std::string& method, Json& body, std::string_view authorization, long timeout) {
  const std::string url = base + "/" + method;
  const SecretString text(body.dump());
  wipeJson(body);

  CURL* const h = freshHandle(handle);
  const CurlSlist headers = requestHeaders(authorization);
  Sink sink;
  char errorBuffer[CURL_ERROR_SIZE] = {};
  setPostOptions(h, url, text, headers.get(), sink, errorBuffer, o, timeout);

  // The handle outlives this call; it must not keep pointers to the header
  // list, the body or the error buffer that go out of scope here.
  struct ResetAfter {
    CURL* h;
    ~ResetAfter() { curl::api().easy_reset(h); }
  } resetAfter{h};
  const CURLcode rc = curl::api().easy_perform(h);
  const std::string detail = errorBuffer[0] ? errorBuffer : curl::api().easy_strerror(rc);
  checkTransfer(rc, sink, url, detail, o);
  return readReply(h, sink, url);
}

void CscSigner::Impl::refused(const std::string& method, const Reply& r) const {
  const std::string code = r.body.is_object() && r.body.contains("error") && r.body["error"].is_string()
                               ? r.body["error"].get<std::string>()
                               : std::string();
  const std::string said =
      r.body.is_object() && r.body.contains("error_description") && r.body["error_description"].is_string()
          ? r.body["error_description"].get<std::string>()
          : std::string();
  const std::string technical =
      "HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code) + " from " + method;
  const auto says = [&](const std::string& text) {
    return said.empty() ? text : format(tr("{0}; the service says: \"{1}\""), {text, said});
  };
  if (r.status == 401 && (code == "expired_token" || code == "invalid_token")) throw SessionExpired{};
  if (code == "invalid_otp" || code == "invalid_authentication_data") {
    throw Error(Category::Password, says(tr("the one-time code was not accepted")), {}, technical);
  }
  if (code == "authentication_error") {
    throw Error(Category::Password, says(format(tr("wrong login or password for {0}"), {who})), {}, technical);
  }
  if (method == "credentials/extendTransaction" && said.find("SAD") != std::string::npos) throw SadRefused{};
  if (said.find("locked") != std::string::npos || said.find("disabled") != std::string::npos ||
      said.find("expired") != std::string::npos) {
    throw Error(Category::Policy, says(format(tr("the signing service {0} refused to sign"), {host})), {}, technical);
  }
  if (code == "access_denied") {
    throw Error(Category::Policy, says(format(tr("the signing service {0} denied access"), {host})), {}, technical);
  }
  if (r.status == 429 || r.status >= 500) {
    throw Error(Category::Network, says(format(tr("the signing service {0} is not available now"), {host})), {},
                technical);
  }
  throw Error(Category::Network, says(format(tr("the signing service {0} refused the request {1}"), {host, method})),
              {}, technical);
}

Reply CscSigner::Impl::call(const std::string& method, Json body) {
  checkCancel();
  Reply r = post(method, body, bearer(token).view(), o.timeoutSeconds);
  if (r.status != 200 && r.status != 204) refused(method, r);
  if (r.status == 200 && !r.body.is_object()) {
    throw Error(Category::Network, format(tr("the signing service {0} sent an empty answer to {1}"), {host, method}));
  }
  return r;
}

void CscSigner::Impl::dropSession() {
  token.clear();
  lastSad.clear();
  tokenExpiry = {};
  expiryTicks = 0;
}

void CscSigner::Impl::login() {
  dropSession();
  checkCancel();
  SecretString password = ui->askSecret(Interaction::Secret::Password, who);
  // RFC 7617 §2: "Basic " base64(user-id ":" password).
  SecretString pair(std::string_view(o.login));
  pair.push_back(':');
  pair.append(password.view());
  password.clear();
  const SecretString encoded(toBase64(reinterpret_cast<const std::uint8_t*>(pair.c_str()), pair.size()));
  pair.clear();
  SecretString basic(std::string_view("Basic "));
  basic.append(encoded.view());
  checkCancel();
  Json body = {{"rememberMe", o.rememberSession}};
  Reply r = post("auth/login", body, basic.view(), o.timeoutSeconds);
  basic.clear();
  if (r.status != 200) refused("auth/login", r);
  if (!r.body.is_object() || !r.body.contains("access_token") || !r.body["access_token"].is_string()) {
    throw Error(Category::Network, format(tr("the signing service {0} sent no access token"), {host}));
  }
  token = SecretString(std::move(r.body["access_token"].get_ref<std::string&>()));
  if (r.body.contains("refresh_token") && r.body["refresh_token"].is_string()) wipeJson(r.body["refresh_token"]);
  // CSC §11.2: without expires_in the token lives 3600 s.
  long long seconds = 3600;
  if (r.body.contains("expires_in") && r.body["expires_in"].is_number_integer()) {
    seconds = r.body["expires_in"].get<long long>();
  }
  tokenExpiry = Clock::now() + std::chrono::seconds(std::max(1LL, seconds));
  expiryTicks = tokenExpiry.time_since_epoch().count();
  ++sessionGeneration;
}

void CscSigner::Impl::ensureSession(std::chrono::seconds margin) {
  if (!token.empty() && Clock::now() + margin < tokenExpiry) return;
  login();
}

template <class Fn>
auto CscSigner::Impl::withSession(Fn fn) -> decltype(fn()) {
  for (int attempt = 0;; ++attempt) {
    try {
      return fn();
    } catch (const SessionExpired&) {
      // The service ended the session (its clock, a revoke): log in again,
      // which asks the password again and, for signing, a new code.
      dropSession();
      if (attempt >= 1) {
        throw Error(Category::Network, format(tr("the signing service {0} ended the new session at once"), {host}));
      }
    }
  }
}

Credential CscSigner::Impl::parseCredential(const std::string& id, const Json& info) const {
  Credential c;
  c.id = id;
  const auto bad = [&](const char* what) {
    return Error(Category::Network,
                 format(tr("the signing service {0} described credential \"{1}\" badly: {2}"), {host, id, what}));
  };
  if (info.contains("description") && info["description"].is_string()) c.description = info["description"];
  if (info.contains("multisign") && info["multisign"].is_number_integer()) {
    c.multisign = static_cast<std::size_t>(std::max(1LL, info["multisign"].get<long long>()));
  }
  if (!info.contains("cert") || !info["cert"].is_object() || !info["cert"].contains("certificates") ||
      !info["cert"]["certificates"].is_array() || info["cert"]["certificates"].empty()) {
    throw bad("no certificate");
  }
  for (const auto& b : info["cert"]["certificates"]) {
    if (!b.is_string()) throw bad("a certificate is not a string");
    auto der = fromBase64(b.get<std::string>());
    if (!der) throw bad("a certificate is not base64");
    try {
      c.certificates.push_back(Certificate::fromDer(*der));
    } catch (const Error& e) {
      throw bad(e.what());
    }
  }
  return c;
}

std::vector<Credential> CscSigner::Impl::listCredentials() {
  ensureSession(std::chrono::seconds(0));
  Reply r = call("credentials/list",
                 {{"credentialInfo", true}, {"certificates", "chain"}, {"certInfo", true}, {"authInfo", true}});
  if (!r.body.contains("credentialIDs") || !r.body["credentialIDs"].is_array()) {
    throw Error(Category::Network, format(tr("the signing service {0} sent no list of credentials"), {host}));
  }
  std::vector<Credential> out;
  const Json& ids = r.body["credentialIDs"];
  const bool haveInfos = r.body.contains("credentialInfos") && r.body["credentialInfos"].is_array();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_string()) continue;
    const std::string id = ids[i];
    if (!o.credentialId.empty() && id != o.credentialId) continue;
    const Json* info = nullptr;
    if (haveInfos) {
      for (const auto& ci : r.body["credentialInfos"]) {
        if (ci.is_object() && ci.value("credentialID", std::string()) == id) info = &ci;
      }
    }
    if (info) {
      out.push_back(parseCredential(id, *info));
    } else {
      Reply ri = call("credentials/info", {{"credentialID", id}, {"certificates", "chain"}, {"certInfo", true}});
      out.push_back(parseCredential(id, ri.body));
    }
  }
  if (out.empty() && !o.credentialId.empty()) {
    std::string all;
    for (const auto& id : ids) {
      if (id.is_string()) all += (all.empty() ? "" : ", ") + id.get<std::string>();
    }
    throw Error(Category::Usage, format(tr("the account {0} has no credential \"{1}\"; it has: {2}"),
                                        {who, o.credentialId, all.empty() ? tr("none") : all}));
  }
  if (out.empty()) throw Error(Category::Usage, format(tr("the account {0} has no signing credential"), {who}));
  return out;
}

SecretString CscSigner::Impl::obtainSad(const Credential& c, DigestAlgorithm alg,
                                        const std::vector<std::string>& hashes) {
  ensureSession(kSessionMargin);
  // CSC §11.9: later batches of a remembered session are bound to the same
  // authorisation with extendTransaction; the new SAD covers just their hashes.
  if (o.rememberSession && !lastSad.empty() && lastSadGeneration == sessionGeneration && Clock::now() < lastSadExpiry) {
    try {
      Json body = {
          {"credentialID", c.id}, {"SAD", lastSad.view()}, {"hashes", hashes}, {"hashAlgorithmOID", hashOid(alg)}};
      Reply r = call("credentials/extendTransaction", std::move(body));
      if (!r.body.contains("SAD") || !r.body["SAD"].is_string()) {
        throw Error(Category::Network, format(tr("the signing service {0} sent no SAD"), {host}));
      }
      return SecretString(std::move(r.body["SAD"].get_ref<std::string&>()));
    } catch (const SadRefused&) {
      lastSad.clear();  // fall back to a new code
    }
  }
  SecretString otp = ui->askSecret(Interaction::Secret::Otp, who);
  checkCancel();
  Json body = {{"credentialID", c.id},
               {"numSignatures", hashes.size()},
               {"hashes", hashes},
               {"hashAlgorithmOID", hashOid(alg)},
               {"authData", Json::array({{{"id", "OTP"}, {"value", otp.view()}}})}};
  otp.clear();
  Reply r = call("credentials/authorize", std::move(body));
  if (r.status == 202) {
    throw Error(
        Category::Unsupported,
        format(tr("the signing service {0} wants an asynchronous authorisation, which is not supported"), {host}));
  }
  if (!r.body.contains("SAD") || !r.body["SAD"].is_string()) {
    throw Error(Category::Network, format(tr("the signing service {0} sent no SAD"), {host}));
  }
  SecretString sad(std::move(r.body["SAD"].get_ref<std::string&>()));
  long long seconds = 3600;
  if (r.body.contains("expiresIn") && r.body["expiresIn"].is_number_integer()) seconds = r.body["expiresIn"];
  lastSadExpiry = Clock::now() + std::chrono::seconds(std::max(1LL, seconds));
  lastSadGeneration = sessionGeneration;
  return sad;
}

std::vector<Bytes> CscSigner::Impl::signPart(const Credential& c, DigestAlgorithm alg, SignatureScheme scheme,
                                             const std::vector<Bytes>& digests) {
  std::vector<std::string> hashes;
  hashes.reserve(digests.size());
  for (const auto& d : digests) hashes.push_back(toBase64(d));
  return withSession([&] {
    SecretString sad = obtainSad(c, alg, hashes);
    Json body = {{"credentialID", c.id}, {"SAD", sad.view()}, {"hashes", hashes}, {"hashAlgorithmOID", hashOid(alg)}};
    switch (scheme) {
      case SignatureScheme::RsaPkcs1v15:
        body["signAlgo"] = "1.2.840.113549.1.1.1";
        break;
      case SignatureScheme::RsaPss:
        body["signAlgo"] = "1.2.840.113549.1.1.10";
        body["signAlgoParams"] = toBase64(pssParams(alg));
        break;
      case SignatureScheme::Ecdsa:
        body["signAlgo"] = ecdsaOid(alg);
        break;
    }
    if (o.rememberSession) {
      lastSad = SecretString(sad.view());
    } else {
      lastSad.clear();
    }
    Reply r = call("signatures/signHash", std::move(body));
    if (!r.body.contains("signatures") || !r.body["signatures"].is_array() ||
        r.body["signatures"].size() != digests.size()) {
      throw Error(Category::Network,
                  format(tr("the signing service {0} sent a wrong number of signature values"), {host}));
    }
    std::vector<Bytes> out;
    for (const auto& v : r.body["signatures"]) {
      std::optional<Bytes> value = v.is_string() ? fromBase64(v.get<std::string>()) : std::nullopt;
      if (!value) {
        throw Error(Category::Network, format(tr("the signing service {0} sent a malformed signature value"), {host}));
      }
      out.push_back(std::move(*value));
    }
    return out;
  });
}

CscSigner::CscSigner(const CscOptions& options, Interaction& interaction) : m_impl(std::make_unique<Impl>()) {
  Impl& d = *m_impl;
  d.o = options;
  d.ui = &interaction;
  const std::string& url = options.baseUrl;
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) {
    throw Error(Category::Usage, format(tr("\"{0}\" is not a URL (use cloud:https://HOST:PORT/csc/v2)"), {url}));
  }
  std::string schemeName = url.substr(0, scheme);
  std::transform(schemeName.begin(), schemeName.end(), schemeName.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (schemeName == "http") {
    throw Error(Category::Usage,
                format(tr("plain HTTP is refused: the signing service {0} must be reached over https:"), {url}));
  }
  if (schemeName != "https") {
    throw Error(Category::Usage, format(tr("the signing service URL {0} must start with https://"), {url}));
  }
  const auto hostEnd = url.find_first_of("/?#", scheme + 3);
  d.host = url.substr(scheme + 3, hostEnd == std::string::npos ? std::string::npos : hostEnd - scheme - 3);
  if (d.host.empty() || d.host.find('@') != std::string::npos) {
    throw Error(Category::Usage, format(tr("the signing service URL {0} must name a host and no user or password"),
                                        {d.host.find('@') != std::string::npos ? std::string("https://...") : url}));
  }
  if (url.find_first_of("?#") != std::string::npos) {
    throw Error(Category::Usage, format(tr("the signing service URL {0} must not have a query"), {url}));
  }
  d.base = url;
  while (!d.base.empty() && d.base.back() == '/') d.base.pop_back();
  if (options.caFile.empty()) {
    throw Error(Category::Usage,
                Note{"cloud-ca-required", N_("the cloud signer needs the CA certificate of its service")});
  }
  if (!std::ifstream(options.caFile)) {
    throw Error(Category::Io, tr("cannot read the CA certificate file"), options.caFile);
  }
  if (options.login.empty()) {
    throw Error(Category::Usage, Note{"cloud-login-required", N_("the cloud signer needs an account (login name)")});
  }
  if (options.login.find(':') != std::string::npos) {
    throw Error(Category::Usage, tr("a login name for the cloud signer cannot contain \":\""));
  }
  if (options.connectTimeoutSeconds <= 0 || options.timeoutSeconds <= 0) {
    throw Error(Category::Usage, tr("the cloud signer's timeouts must be at least one second"));
  }
  d.who = options.login + "@" + d.host;
}

CscSigner::~CscSigner() {
  try {
    logout();
  } catch (...) {
  }
}

void CscSigner::logout() {
  Impl& d = *m_impl;
  if (d.token.empty()) return;
  Json body = Json::object();
  const SecretString authorization = bearer(d.token);
  d.dropSession();
  (void)d.post("auth/revoke", body, authorization.view(), std::min(5L, d.o.timeoutSeconds));
}

long CscSigner::sessionSecondsLeft() const {
  const Clock::rep ticks = m_impl->expiryTicks.load();
  if (ticks == 0) return 0;
  const auto left = Clock::time_point(Clock::duration(ticks)) - Clock::now();
  return std::max(0L, static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(left).count()));
}

std::string CscSigner::description() const { return format(tr("cloud signing account {0}"), {m_impl->who}); }

std::vector<OfferedCertificate> CscSigner::certificates() {
  Impl& d = *m_impl;
  if (!d.credentials) d.credentials = d.withSession([&] { return d.listCredentials(); });
  std::vector<OfferedCertificate> out;
  for (const auto& c : *d.credentials) {
    OfferedCertificate oc{c.certificates.front(), {}, c.id, d.who, c.description, c.id};
    oc.chain.assign(c.certificates.begin() + 1, c.certificates.end());
    out.push_back(std::move(oc));
  }
  return out;
}

std::vector<Bytes> CscSigner::signDigests(const OfferedCertificate& cert, DigestAlgorithm alg, SignatureScheme scheme,
                                          const std::vector<Bytes>& digests) {
  Impl& d = *m_impl;
  if (!d.credentials) (void)certificates();
  const Credential* cred = nullptr;
  for (const auto& c : *d.credentials) {
    if (c.id == cert.id && c.certificates.front() == cert.certificate) cred = &c;
  }
  if (!cred) throw Error(Category::Usage, format(tr("{0} has no key for the chosen certificate"), {description()}));
  for (const Bytes& dg : digests) {
    if (dg.size() != digestSize(alg)) throw Error(Category::Internal, "digest length does not match its algorithm");
  }
  EVP_PKEY* pub = X509_get0_pubkey(cert.certificate.native());
  if (!pub) throwOpenSsl(Category::Malformed, tr("the signing certificate has an unreadable public key"));
  if (EVP_PKEY_is_a(pub, "EC") != (scheme == SignatureScheme::Ecdsa)) {
    throw Error(Category::Usage,
                format(tr("the key of {0} cannot make this kind of signature"), {cert.certificate.commonName()}));
  }
  std::vector<Bytes> out;
  out.reserve(digests.size());
  // CSC §11.6: numSignatures is at most the credential's multisign; a larger
  // batch goes in parts.
  for (std::size_t start = 0; start < digests.size(); start += cred->multisign) {
    d.checkCancel();
    const std::size_t end = std::min(digests.size(), start + cred->multisign);
    const std::vector<Bytes> part(digests.begin() + static_cast<std::ptrdiff_t>(start),
                                  digests.begin() + static_cast<std::ptrdiff_t>(end));
    std::vector<Bytes> values = d.signPart(*cred, alg, scheme, part);
    // The service's answer is not trusted: every value is checked against the certificate before
    // a file is written with it.
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (!p11::valueVerifies(pub, alg, scheme, part[i], values[i])) {
        throw Error(Category::Crypto,
                    format(tr("the signing service {0} returned a signature value that does not verify with the "
                              "certificate of {1}"),
                           {d.host, cert.certificate.commonName()}));
      }
      out.push_back(std::move(values[i]));
    }
  }
  return out;
}

}  // namespace securedoc
