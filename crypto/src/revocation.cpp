#include <securedoc/crypto/revocation.h>

#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/crypto/chain.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include "curl_support.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>

namespace securedoc {

namespace {

/// RFC 6960 §4.2.2.1 / RFC 5280 §5.1.2.4: clocks differ; a response a few
/// minutes "from the future" is a clock, not a forgery.
constexpr std::time_t kClockSkew = std::time_t{5} * 60;

CheckedRevocation refused(const char* code, const char* text, Note::Args args = {}) {
  ERR_clear_error();
  return CheckedRevocation{std::nullopt, Note{code, text, std::move(args)}};
}

bool sameKey(const Certificate& a, const Certificate& b) {
  const EVP_PKEY* ka = X509_get0_pubkey(a.native());
  const EVP_PKEY* kb = X509_get0_pubkey(b.native());
  return ka != nullptr && kb != nullptr && EVP_PKEY_eq(ka, kb) == 1;
}

/// The same CA: the same name and the same key (a re-issued CA certificate
/// signs with the same key).
bool sameAuthority(const Certificate& a, const Certificate& b) {
  return X509_NAME_cmp(X509_get_subject_name(a.native()), X509_get_subject_name(b.native())) == 0 && sameKey(a, b);
}

bool issuedBy(const Certificate& cert, const Certificate& issuer) {
  if (X509_check_issued(issuer.native(), cert.native()) != X509_V_OK) return false;
  return X509_verify(cert.native(), X509_get0_pubkey(issuer.native())) == 1;
}

/// The SingleResponse about exactly `cert` (RFC 6960 §4.1.1 CertID: the
/// issuer's name and key hashed with the CertID's own algorithm, and the
/// serial), or null.
OCSP_SINGLERESP* singleFor(OCSP_BASICRESP* basic, const Certificate& cert, const Certificate& issuer) {
  for (int i = 0; i < OCSP_resp_count(basic); ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(basic, i);
    const OCSP_CERTID* id = OCSP_SINGLERESP_get0_id(single);
    ASN1_OBJECT* alg = nullptr;
    if (OCSP_id_get0_info(nullptr, &alg, nullptr, nullptr, const_cast<OCSP_CERTID*>(id)) != 1) continue;
    const EVP_MD* md = EVP_get_digestbyobj(alg);
    if (md == nullptr) continue;
    ossl::OcspCertId ours(OCSP_cert_id_new(md, X509_get_subject_name(issuer.native()),
                                           X509_get0_pubkey_bitstr(issuer.native()),
                                           X509_get0_serialNumber(cert.native())));
    if (ours && OCSP_id_cmp(ours.get(), id) == 0) return single;
  }
  ERR_clear_error();
  return nullptr;
}

/// RFC 6960 §4.2.2.2: the response must be signed by the CA that issued the
/// certificate, or by a responder that CA certified for id-kp-OCSPSigning.
/// Returns a refusal note, empty when authorised.
Note responderAuthorisation(const Certificate& signer, const Certificate& issuer,
                            const std::vector<Certificate>& trustAnchors, std::optional<std::time_t> producedAt) {
  if (sameAuthority(signer, issuer)) return {};
  const bool ocspSigning = (X509_get_extension_flags(signer.native()) & EXFLAG_XKUSAGE) != 0 &&
                           (X509_get_extended_key_usage(signer.native()) & XKU_OCSP_SIGN) != 0;
  // The third kind of §4.2.2.2, "a local configuration of OCSP signing
  // authority": a responder a trust anchor of the user certified for
  // id-kp-OCSPSigning answers for the anchor's whole hierarchy (as CAs
  // that run one responder for all their issuing CAs set it up).
  const bool byAnchor = std::any_of(trustAnchors.begin(), trustAnchors.end(),
                                    [&signer](const Certificate& a) { return issuedBy(signer, a); });
  if (!ocspSigning || (!issuedBy(signer, issuer) && !byAnchor)) {
    ERR_clear_error();
    return Note{"ocsp-responder-not-authorised",
                N_("the OCSP response is signed by {subject}, whom the certificate's issuer did not authorise "
                   "(RFC 6960 §4.2.2.2)"),
                {{"subject", signer.subject()}}};
  }
  if (producedAt && !signer.validAt(*producedAt)) {
    return Note{"ocsp-responder-expired",
                N_("the OCSP responder's certificate was not valid when the response was produced ({time})"),
                {{"time", isoTime(*producedAt)}}};
  }
  return {};
}

/// The response's own signature, with `signer`'s key only.
bool ocspSignatureValid(OCSP_BASICRESP* basic, const Certificate& signer) {
  ossl::X509Stack only = x509StackOf({signer});
  ossl::X509Store store(X509_STORE_new());
  if (!store) throwOpenSsl(Category::Internal, "X509_STORE_new");
  // NOINTERN: find the signer in `only`, not among the response's own
  // certificates; NOVERIFY: its authority was judged above, by RFC 6960
  // rules, not by a chain to a trust store.
  const int ok = OCSP_basic_verify(basic, only.get(), store.get(), OCSP_NOINTERN | OCSP_NOVERIFY | OCSP_NOCHECKS);
  ERR_clear_error();
  return ok == 1;
}

/// The nonce of an online answer (RFC 8954 §2.1): echoed, or left out.
bool nonceAcceptable(OCSP_BASICRESP* basic, const Bytes& requestDer) {
  const unsigned char* p = requestDer.data();
  ossl::OcspRequest req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(requestDer.size())));
  if (!req) return false;
  const int rc = OCSP_check_nonce(req.get(), basic);
  ERR_clear_error();
  // 1: equal; 2: neither has one; -1: only the request has one (allowed).
  return rc == 1 || rc == 2 || rc == -1;
}

CheckedRevocation ocspEvidence(OCSP_SINGLERESP* single, const Certificate& signer,
                               std::optional<std::time_t> producedAt, std::time_t now) {
  int reason = -1;
  ASN1_GENERALIZEDTIME* revokedAt = nullptr;
  ASN1_GENERALIZEDTIME* thisUpdate = nullptr;
  ASN1_GENERALIZEDTIME* nextUpdate = nullptr;
  const int status = OCSP_single_get0_status(single, &reason, &revokedAt, &thisUpdate, &nextUpdate);
  RevocationEvidence e;
  e.kind = RevocationEvidence::Kind::Ocsp;
  e.signer = signer;
  e.producedAt = producedAt;
  const auto tu = ossl::toTime(thisUpdate);
  if (!tu) return refused("ocsp-unreadable", N_("the OCSP response cannot be read"));
  e.thisUpdate = *tu;
  e.nextUpdate = ossl::toTime(nextUpdate);
  if (e.thisUpdate > now + kClockSkew || (producedAt && *producedAt > now + kClockSkew)) {
    return refused("ocsp-from-the-future", N_("the OCSP response claims to be from {time}, after now"),
                   {{"time", isoTime(e.thisUpdate)}});
  }
  if (e.nextUpdate && *e.nextUpdate < e.thisUpdate) {
    return refused("ocsp-unreadable", N_("the OCSP response cannot be read"));
  }
  switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
      e.status = RevocationStatus::Good;
      break;
    case V_OCSP_CERTSTATUS_REVOKED:
      e.status = RevocationStatus::Revoked;
      e.revocationTime = ossl::toTime(revokedAt);
      e.reason = reason >= 0 ? reason : -1;
      if (!e.revocationTime) return refused("ocsp-unreadable", N_("the OCSP response cannot be read"));
      break;
    default:
      e.status = RevocationStatus::Unknown;
      break;
  }
  return CheckedRevocation{std::move(e), {}};
}

/// Whether an issuingDistributionPoint (RFC 5280 §5.2.5) leaves the
/// certificate in scope: a refusal note, empty when it does.
Note crlScope(X509_CRL* crl, const Certificate& cert) {
  int critical = 0;
  ISSUING_DIST_POINT* idp =
      static_cast<ISSUING_DIST_POINT*>(X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &critical, nullptr));
  if (idp == nullptr) return {};
  const bool partial = idp->indirectCRL != 0 || idp->onlysomereasons != nullptr || idp->onlyattr != 0;
  const bool outOfScope = (idp->onlyuser != 0 && cert.isCa()) || (idp->onlyCA != 0 && !cert.isCa());
  ISSUING_DIST_POINT_free(idp);
  if (partial) {
    return Note{"crl-partial", N_("the CRL is indirect or covers only some reasons, which this version does not use")};
  }
  if (outOfScope) return Note{"crl-out-of-scope", N_("the CRL does not cover this kind of certificate")};
  return {};
}

/// RFC 5280 §5.2, §5.3: a critical extension we do not know makes the CRL
/// unusable.
bool unknownCriticalExtension(X509_CRL* crl) {
  for (int i = 0; i < X509_CRL_get_ext_count(crl); ++i) {
    X509_EXTENSION* ext = X509_CRL_get_ext(crl, i);
    if (X509_EXTENSION_get_critical(ext) != 1) continue;
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
    if (nid != NID_issuing_distribution_point && nid != NID_crl_number && nid != NID_authority_key_identifier)
      return true;
  }
  return false;
}

CheckedRevocation crlEntry(X509_CRL* crl, const Certificate& cert, RevocationEvidence e) {
  X509_REVOKED* entry = nullptr;
  const int found = X509_CRL_get0_by_cert(crl, &entry, cert.native());
  ERR_clear_error();
  // 1: listed; 2: listed as removeFromCRL, which only a delta CRL may say.
  if (found != 1) {
    e.status = RevocationStatus::Good;
    return CheckedRevocation{std::move(e), {}};
  }
  for (int i = 0; i < X509_REVOKED_get_ext_count(entry); ++i) {
    X509_EXTENSION* ext = X509_REVOKED_get_ext(entry, i);
    const int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
    if (X509_EXTENSION_get_critical(ext) == 1 && nid != NID_crl_reason && nid != NID_invalidity_date)
      return refused("crl-unknown-critical-extension",
                     N_("the CRL has a critical extension this version does not know"));
  }
  e.status = RevocationStatus::Revoked;
  e.revocationTime = ossl::toTime(X509_REVOKED_get0_revocationDate(entry));
  if (!e.revocationTime) return refused("crl-unreadable", N_("the CRL cannot be read"));
  int critical = 0;
  ASN1_ENUMERATED* reason =
      static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, &critical, nullptr));
  if (reason != nullptr) {
    e.reason = static_cast<int>(ASN1_ENUMERATED_get(reason));
    ASN1_ENUMERATED_free(reason);
  }
  ERR_clear_error();
  return CheckedRevocation{std::move(e), {}};
}

bool isHttp(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

std::vector<std::string> httpOnly(std::vector<std::string> urls) {
  urls.erase(std::remove_if(urls.begin(), urls.end(), [](const std::string& u) { return !isHttp(u); }), urls.end());
  return urls;
}

/// The key of a certificate in the caches: its issuer's key and its serial
/// (what an OCSP CertID names).
std::string certificateKey(const Certificate& cert, const Certificate& issuer) {
  const ASN1_BIT_STRING* key = X509_get0_pubkey_bitstr(issuer.native());
  Bytes material(ASN1_STRING_get0_data(key), ASN1_STRING_get0_data(key) + ASN1_STRING_length(key));
  const std::string serial = cert.serialHex();
  material.insert(material.end(), serial.begin(), serial.end());
  return toHex(digest(DigestAlgorithm::Sha256, material));
}

std::string urlKey(const std::string& url) { return toHex(digest(DigestAlgorithm::Sha256, url.data(), url.size())); }

/// A CRL as DER; a PEM one ("-----BEGIN X509 CRL-----", as some CAs
/// publish) is decoded first.
Bytes crlDer(Bytes body) {
  static constexpr char kPem[] = "-----BEGIN X509 CRL-----";
  if (body.size() < sizeof kPem || !std::equal(kPem, kPem + sizeof kPem - 1, body.begin())) return body;
  ossl::Bio bio(BIO_new_mem_buf(body.data(), static_cast<int>(body.size())));
  ossl::X509Crl crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!crl) return body;
  unsigned char* out = nullptr;
  const int len = i2d_X509_CRL(crl.get(), &out);
  const ossl::Bytes owned(out);
  return len > 0 ? Bytes(out, out + len) : body;
}

}  // namespace

const char* revocationStatusCode(RevocationStatus s) {
  switch (s) {
    case RevocationStatus::Good:
      return "good";
    case RevocationStatus::Revoked:
      return "revoked";
    case RevocationStatus::Unknown:
      break;
  }
  return "unknown";
}

const char* revocationReasonName(int reason) {
  // RFC 5280 §5.3.1; 7 is not used.
  static constexpr const char* kNames[] = {
      "unspecified",   "keyCompromise",        "cACompromise",    "affiliationChanged",
      "superseded",    "cessationOfOperation", "certificateHold", "",
      "removeFromCRL", "privilegeWithdrawn",   "aACompromise"};
  if (reason < 0 || reason >= static_cast<int>(std::size(kNames))) return "";
  return kNames[reason];
}

const char* evidenceKindCode(RevocationEvidence::Kind k) {
  return k == RevocationEvidence::Kind::Ocsp ? "ocsp" : "crl";
}

const char* evidenceOriginCode(RevocationEvidence::Origin o) {
  switch (o) {
    case RevocationEvidence::Origin::Embedded:
      return "embedded";
    case RevocationEvidence::Origin::Cache:
      return "cache";
    case RevocationEvidence::Origin::Online:
      break;
  }
  return "online";
}

Bytes makeOcspRequest(const Certificate& cert, const Certificate& issuer) {
  ossl::OcspRequest req(OCSP_REQUEST_new());
  if (!req) throwOpenSsl(Category::Internal, "OCSP_REQUEST_new");
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), cert.native(), issuer.native());
  if (id == nullptr) throwOpenSsl(Category::Internal, "OCSP_cert_to_id");
  if (OCSP_request_add0_id(req.get(), id) == nullptr) {
    OCSP_CERTID_free(id);
    throwOpenSsl(Category::Internal, "OCSP_request_add0_id");
  }
  // RFC 8954 §2.1: at least 1 and at most 32 octets of random value.
  if (OCSP_request_add1_nonce(req.get(), nullptr, 32) != 1) throwOpenSsl(Category::Internal, "OCSP_request_add1_nonce");
  return ossl::der(i2d_OCSP_REQUEST, req.get(), Category::Internal, "i2d_OCSP_REQUEST");
}

CheckedRevocation checkOcspResponse(const Bytes& der, const Certificate& cert, const Certificate& issuer,
                                    const std::vector<Certificate>& pool, const Bytes* requestDer, std::time_t now,
                                    const std::vector<Certificate>& trustAnchors) {
  const unsigned char* p = der.data();
  ossl::OcspResponse resp(der.empty() || der.size() > (std::size_t{1} << 24)
                              ? nullptr
                              : d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
  if (!resp || p != der.data() + der.size()) return refused("ocsp-unreadable", N_("the OCSP response cannot be read"));
  const int status = OCSP_response_status(resp.get());
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return refused("ocsp-not-successful", N_("the OCSP responder answered \"{status}\" (RFC 6960 §4.2.1)"),
                   {{"status", OCSP_response_status_str(status)}});
  }
  ossl::OcspBasicResp basic(OCSP_response_get1_basic(resp.get()));
  if (!basic) return refused("ocsp-unreadable", N_("the OCSP response cannot be read"));
  OCSP_SINGLERESP* single = singleFor(basic.get(), cert, issuer);
  if (single == nullptr) {
    return refused("ocsp-other-certificate", N_("the OCSP response is not about this certificate"));
  }
  std::vector<Certificate> candidates = pool;
  candidates.push_back(issuer);
  ossl::X509Stack extra = x509StackOf(candidates);
  X509* signerRaw = nullptr;
  if (OCSP_resp_get0_signer(basic.get(), &signerRaw, extra.get()) != 1 || signerRaw == nullptr) {
    return refused("ocsp-no-responder-certificate", N_("the OCSP responder's certificate is not at hand"));
  }
  const Certificate signer(signerRaw);
  const std::optional<std::time_t> producedAt = ossl::toTime(OCSP_resp_get0_produced_at(basic.get()));
  if (Note why = responderAuthorisation(signer, issuer, trustAnchors, producedAt); !why.empty()) {
    return CheckedRevocation{std::nullopt, std::move(why)};
  }
  if (!ocspSignatureValid(basic.get(), signer)) {
    return refused("ocsp-signature-invalid", N_("the OCSP response's signature does not verify"));
  }
  if (requestDer != nullptr && !nonceAcceptable(basic.get(), *requestDer)) {
    return refused("ocsp-nonce-mismatch",
                   N_("the OCSP response answers another request (its nonce differs, RFC 8954 §2.1)"));
  }
  CheckedRevocation out = ocspEvidence(single, signer, producedAt, now);
  if (out.evidence) out.evidence->der = std::make_shared<const Bytes>(der);
  return out;
}

CheckedRevocation checkCrl(const Bytes& der, const Certificate& cert, const Certificate& issuer, std::time_t now) {
  const unsigned char* p = der.data();
  ossl::X509Crl crl(der.empty() || der.size() > (std::size_t{1} << 30)
                        ? nullptr
                        : d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl || p != der.data() + der.size()) return refused("crl-unreadable", N_("the CRL cannot be read"));
  const X509_NAME* crlIssuer = X509_CRL_get_issuer(crl.get());
  if (X509_NAME_cmp(crlIssuer, X509_get_issuer_name(cert.native())) != 0 ||
      X509_NAME_cmp(crlIssuer, X509_get_subject_name(issuer.native())) != 0) {
    return refused("crl-other-issuer", N_("the CRL is issued by another authority"));
  }
  if ((X509_get_extension_flags(issuer.native()) & EXFLAG_KUSAGE) != 0 &&
      (X509_get_key_usage(issuer.native()) & KU_CRL_SIGN) == 0) {
    return refused("crl-issuer-cannot-sign-crls", N_("the CRL's issuer may not sign CRLs (no cRLSign key usage)"));
  }
  if (X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer.native())) != 1) {
    return refused("crl-signature-invalid", N_("the CRL's signature does not verify"));
  }
  if (X509_CRL_get_ext_by_NID(crl.get(), NID_delta_crl, -1) >= 0) {
    return refused("crl-delta", N_("the CRL is a delta CRL, which this version does not use"));
  }
  if (unknownCriticalExtension(crl.get())) {
    return refused("crl-unknown-critical-extension", N_("the CRL has a critical extension this version does not know"));
  }
  if (Note why = crlScope(crl.get(), cert); !why.empty()) return CheckedRevocation{std::nullopt, std::move(why)};
  RevocationEvidence e;
  e.kind = RevocationEvidence::Kind::Crl;
  e.signer = issuer;
  const auto thisUpdate = ossl::toTime(X509_CRL_get0_lastUpdate(crl.get()));
  if (!thisUpdate) return refused("crl-unreadable", N_("the CRL cannot be read"));
  e.thisUpdate = *thisUpdate;
  e.nextUpdate = ossl::toTime(X509_CRL_get0_nextUpdate(crl.get()));
  if (e.thisUpdate > now + kClockSkew) {
    return refused("crl-from-the-future", N_("the CRL claims to be from {time}, after now"),
                   {{"time", isoTime(e.thisUpdate)}});
  }
  CheckedRevocation out = crlEntry(crl.get(), cert, std::move(e));
  if (out.evidence) out.evidence->der = std::make_shared<const Bytes>(der);
  return out;
}

bool answersFor(const RevocationEvidence& e, std::time_t controlTime) {
  if (e.status == RevocationStatus::Revoked) return true;
  if (e.thisUpdate >= controlTime) return true;
  return e.nextUpdate && *e.nextUpdate >= controlTime;
}

std::optional<std::filesystem::path> defaultRevocationCacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::filesystem::path(xdg) / "securedoc" / "revocation";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') return std::filesystem::path(home) / ".cache" / "securedoc" / "revocation";
  return std::nullopt;
}

// ---------------------------------------------------------------- checker

struct RevocationChecker::Impl {
  RevocationOptions options;
  std::mutex mutex;
  /// Data at hand from the cache or the network, by certificate key (OCSP)
  /// or URL (CRL), with where it came from.
  struct Held {
    std::shared_ptr<const Bytes> der;
    RevocationEvidence::Origin origin = RevocationEvidence::Origin::Cache;
    std::string url;
  };
  std::map<std::string, Held> ocsp;
  std::map<std::string, Held> crls;
  /// Checks already made of held data: (data, certificate) -> result, so a
  /// 20 MiB CRL's signature is verified once per batch, not per signature.
  std::map<std::pair<std::shared_ptr<const Bytes>, std::string>, CheckedRevocation> checked;
  /// Online sources already asked (and what went wrong, when it did).
  std::set<std::string> asked;
  std::atomic<std::size_t> requests{0};

  std::time_t now() const { return options.now != 0 ? options.now : std::time(nullptr); }

  std::optional<std::filesystem::path> cacheFile(const char* kind, const std::string& key) const {
    if (!options.cacheDir) return std::nullopt;
    return *options.cacheDir / kind / (key + ".der");
  }

  /// Held data from memory, else from the disk cache.
  const Held* held(std::map<std::string, Held>& table, const char* kind, const std::string& key, std::size_t max,
                   const std::string& url) {
    if (auto it = table.find(key); it != table.end()) return &it->second;
    const auto file = cacheFile(kind, key);
    std::error_code ec;
    if (!file || !std::filesystem::is_regular_file(*file, ec)) return nullptr;
    try {
      Held h{std::make_shared<const Bytes>(readFile(*file, max)), RevocationEvidence::Origin::Cache, url};
      return &table.emplace(key, std::move(h)).first->second;
    } catch (const Error&) {
      return nullptr;  // an unreadable cache file is as good as none
    }
  }

  /// Keeps checked data for later checks and for the next run.
  void keep(std::map<std::string, Held>& table, const char* kind, const std::string& key, const Held& h) {
    table[key] = h;
    const auto file = cacheFile(kind, key);
    if (!file) return;
    try {
      std::filesystem::create_directories(file->parent_path());
      AtomicFile out(*file, 0644);
      out.write(h.der->data(), h.der->size());
      out.placeReplacing(false);
    } catch (const std::exception&) {
      // The cache is an optimisation: a full disk or a read-only home must
      // not fail a verification.
    }
  }

  CheckedRevocation checkHeld(const Held& h, bool isOcsp, const RevocationQuery& q, const std::string& certKey) {
    const auto key = std::make_pair(h.der, certKey);
    if (auto it = checked.find(key); it != checked.end()) return it->second;
    CheckedRevocation c = isOcsp ? checkOcspResponse(*h.der, q.cert, q.issuer, q.pool, nullptr, now(), q.trustAnchors)
                                 : checkCrl(*h.der, q.cert, q.issuer, now());
    if (c.evidence) {
      c.evidence->origin = h.origin;
      c.evidence->url = h.url;
    }
    return checked.emplace(key, std::move(c)).first->second;
  }

  std::optional<curl::HttpResult> fetch(const std::string& url, const Bytes* body, std::size_t max,
                                        std::vector<Note>& problems) {
    ++requests;
    curl::HttpExchange x;
    x.url = url;
    x.body = body;
    if (body != nullptr) {
      x.contentType = "application/ocsp-request";
      x.accept = "application/ocsp-response";
    }
    x.maxSize = max;
    x.timeoutSeconds = options.timeoutSeconds;
    x.maxRedirects = body != nullptr ? 0 : 3;  // CRLs move; OCSP answers where it is asked
    try {
      curl::HttpResult r = curl::perform(x);
      if (r.code == CURLE_OK && r.status == 200 && !r.tooLarge) return r;
      problems.push_back(Note{"revocation-source-failed",
                              N_("{url} gave no answer: {reason}"),
                              {{"url", url},
                               {"reason", r.tooLarge           ? "larger than " + std::to_string(max) + " bytes"
                                          : r.code != CURLE_OK ? r.error
                                                               : "HTTP " + std::to_string(r.status)}}});
    } catch (const Error& e) {
      problems.push_back(Note{
          "revocation-source-failed", N_("{url} gave no answer: {reason}"), {{"url", url}, {"reason", e.message()}}});
    }
    return std::nullopt;
  }
};

namespace {

/// Collects what the sources say and decides as soon as usable evidence is
/// at hand: a revocation wins (the earliest), else the newest good answer.
struct Collector {
  const RevocationQuery& q;
  RevocationResult result;
  std::vector<RevocationEvidence> usable;
  bool unknownSeen = false;

  void consider(const CheckedRevocation& c) {
    if (!c.evidence) {
      result.problems.push_back(c.problem);
      return;
    }
    const RevocationEvidence& e = *c.evidence;
    const std::string where = e.url.empty() ? std::string(evidenceOriginCode(e.origin)) : e.url;
    if (e.status == RevocationStatus::Unknown) {
      unknownSeen = true;
      result.problems.push_back(Note{"ocsp-status-unknown",
                                     N_("the OCSP responder ({source}) does not know the certificate"),
                                     {{"source", where}}});
      return;
    }
    if (e.status == RevocationStatus::Good && q.issuedNoLaterThan && e.thisUpdate > *q.issuedNoLaterThan) {
      result.problems.push_back(Note{"revocation-data-after-expiry",
                                     N_("revocation data from {time} ({source}) was issued after the certificate "
                                        "expired and proves nothing about it"),
                                     {{"time", isoTime(e.thisUpdate)}, {"source", where}}});
      return;
    }
    if (!answersFor(e, q.controlTime)) {
      result.problems.push_back(
          Note{"revocation-data-too-old",
               N_("revocation data from {time} ({source}) does not reach {controlTime}"),
               {{"time", isoTime(e.thisUpdate)}, {"source", where}, {"controlTime", isoTime(q.controlTime)}}});
      return;
    }
    usable.push_back(e);
  }

  bool decided() {
    if (usable.empty()) return false;
    const RevocationEvidence* best = nullptr;
    for (const RevocationEvidence& e : usable) {
      if (e.status != RevocationStatus::Revoked) continue;
      if (!best || *e.revocationTime < *best->revocationTime) best = &e;
    }
    if (best) {
      result.outcome = RevocationResult::Outcome::Revoked;
    } else {
      for (const RevocationEvidence& e : usable) {
        if (!best || e.thisUpdate > best->thisUpdate) best = &e;
      }
      result.outcome = RevocationResult::Outcome::Good;
    }
    result.evidence = *best;
    return true;
  }
};

}  // namespace

RevocationChecker::RevocationChecker(RevocationOptions options) : m_impl(std::make_unique<Impl>()) {
  m_impl->options = std::move(options);
}

RevocationChecker::~RevocationChecker() = default;

const RevocationOptions& RevocationChecker::options() const { return m_impl->options; }

std::size_t RevocationChecker::onlineRequests() const { return m_impl->requests.load(); }

RevocationResult RevocationChecker::check(const RevocationQuery& q) {
  Impl& d = *m_impl;
  Collector c{q, {}, {}, false};
  for (const Bytes& der : q.ocspResponses) {
    CheckedRevocation checked = checkOcspResponse(der, q.cert, q.issuer, q.pool, nullptr, d.now(), q.trustAnchors);
    // A signature (or a PDF's DSS) embeds the responses for every
    // certificate of its paths: one about another certificate is simply
    // not about this one.
    if (!checked.evidence && checked.problem.code == "ocsp-other-certificate") continue;
    c.consider(checked);
  }
  for (const Bytes& der : q.crls) {
    CheckedRevocation checked = checkCrl(der, q.cert, q.issuer, d.now());
    // A signature embeds the CRLs of every CA of its paths: one of another
    // issuer is simply not about this certificate.
    if (!checked.evidence && checked.problem.code == "crl-other-issuer") continue;
    c.consider(checked);
  }
  if (c.decided()) return std::move(c.result);

  const std::vector<std::string> ocspUrls = httpOnly(q.cert.ocspUrls());
  const std::vector<std::string> crlUrls = httpOnly(q.cert.crlUrls());
  if (ocspUrls.empty() && crlUrls.empty()) {
    // Embedded data that was refused still means there was a source.
    c.result.outcome = c.unknownSeen               ? RevocationResult::Outcome::Unknown
                       : c.result.problems.empty() ? RevocationResult::Outcome::NoSource
                                                   : RevocationResult::Outcome::Unavailable;
    return std::move(c.result);
  }
  const std::string certKey = certificateKey(q.cert, q.issuer);
  std::lock_guard lock(d.mutex);
  if (const Impl::Held* h = d.held(d.ocsp, "ocsp", certKey, d.options.maxOcspSize, ocspUrls.empty() ? "" : ocspUrls[0]))
    c.consider(d.checkHeld(*h, true, q, certKey));
  for (const std::string& url : crlUrls) {
    if (const Impl::Held* h = d.held(d.crls, "crl", urlKey(url), d.options.maxCrlSize, url))
      c.consider(d.checkHeld(*h, false, q, certKey));
  }
  if (c.decided()) return std::move(c.result);
  if (d.options.offline) {
    c.result.outcome = c.unknownSeen ? RevocationResult::Outcome::Unknown : RevocationResult::Outcome::Unavailable;
    return std::move(c.result);
  }

  for (const std::string& url : ocspUrls) {
    std::string asked = "ocsp ";
    asked.append(url).append(" ").append(certKey);
    if (!d.asked.insert(asked).second) continue;
    const Bytes request = makeOcspRequest(q.cert, q.issuer);
    auto r = d.fetch(url, &request, d.options.maxOcspSize, c.result.problems);
    if (!r) continue;
    CheckedRevocation checked = checkOcspResponse(r->body, q.cert, q.issuer, q.pool, &request, d.now(), q.trustAnchors);
    if (checked.evidence) {
      checked.evidence->origin = RevocationEvidence::Origin::Online;
      checked.evidence->url = url;
      d.keep(d.ocsp, "ocsp", certKey, Impl::Held{checked.evidence->der, RevocationEvidence::Origin::Online, url});
    }
    c.consider(checked);
    if (c.decided()) return std::move(c.result);
  }
  for (const std::string& url : crlUrls) {
    if (!d.asked.insert("crl " + url).second) continue;
    auto r = d.fetch(url, nullptr, d.options.maxCrlSize, c.result.problems);
    if (!r) continue;
    const Bytes der = crlDer(std::move(r->body));
    CheckedRevocation checked = checkCrl(der, q.cert, q.issuer, d.now());
    if (checked.evidence) {
      checked.evidence->origin = RevocationEvidence::Origin::Online;
      checked.evidence->url = url;
      d.keep(d.crls, "crl", urlKey(url), Impl::Held{checked.evidence->der, RevocationEvidence::Origin::Online, url});
    }
    c.consider(checked);
    if (c.decided()) return std::move(c.result);
  }
  c.result.outcome = c.unknownSeen ? RevocationResult::Outcome::Unknown : RevocationResult::Outcome::Unavailable;
  return std::move(c.result);
}

}  // namespace securedoc
