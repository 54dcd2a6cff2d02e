#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/timestamp.h>
#include <securedoc/crypto/tsa_client.h>
#include <securedoc/i18n.h>

#include "curl_support.h"

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <locale>
#include <memory>
#include <mutex>
#include <sstream>

namespace securedoc {

namespace {

constexpr const char* kReplyType = "application/timestamp-reply";

/// The URL for messages: a "user:password@" part is dropped (never log secrets).
std::string displayUrl(const std::string& url) {
  const auto scheme = url.find("://");
  const std::size_t hostStart = scheme == std::string::npos ? 0 : scheme + 3;
  const auto hostEnd = url.find_first_of("/?#", hostStart);
  const auto at = url.rfind('@', hostEnd == std::string::npos ? std::string::npos : hostEnd);
  if (at == std::string::npos || at < hostStart) return url;
  return url.substr(0, hostStart) + url.substr(at + 1);
}

Bytes toBytes(const unsigned char* p, int len) { return len > 0 ? Bytes(p, p + len) : Bytes{}; }

template <class T, int (*I2d)(const T*, unsigned char**)>
Bytes derOf(const T* obj, const char* what) {
  unsigned char* out = nullptr;
  const int len = I2d(obj, &out);
  ossl::Bytes owned(out);
  if (len <= 0) throwOpenSsl(Category::Internal, what);
  return toBytes(owned.get(), len);
}

// ---------------------------------------------------------------- request

ossl::TsReq buildRequest(const Bytes& digest, DigestAlgorithm alg) {
  ossl::TsReq req(TS_REQ_new());
  ossl::TsMsgImprint imprint(TS_MSG_IMPRINT_new());
  ossl::X509Algor algo(X509_ALGOR_new());
  if (!req || !imprint || !algo) throwOpenSsl(Category::Internal, "TS_REQ_new");
  X509_ALGOR_set_md(algo.get(), ossl::evpDigest(alg));
  // The setters copy their argument.
  if (TS_REQ_set_version(req.get(), 1) != 1 || TS_MSG_IMPRINT_set_algo(imprint.get(), algo.get()) != 1 ||
      TS_MSG_IMPRINT_set_msg(imprint.get(), const_cast<unsigned char*>(digest.data()),
                             static_cast<int>(digest.size())) != 1 ||
      TS_REQ_set_msg_imprint(req.get(), imprint.get()) != 1) {
    throwOpenSsl(Category::Internal, "TS_REQ_set_msg_imprint");
  }
  // RFC 3161 §2.4.1: "The nonce, if included, allows the client to verify the
  // timeliness of the response when no local clock is available."  It is also
  // what tells a replayed answer from a fresh one.
  unsigned char random[8];
  if (RAND_bytes(random, sizeof random) != 1) throwOpenSsl(Category::Internal, "RAND_bytes");
  ossl::Bignum bn(BN_bin2bn(random, sizeof random, nullptr));
  ossl::Asn1Integer nonce(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!nonce || TS_REQ_set_nonce(req.get(), nonce.get()) != 1 || TS_REQ_set_cert_req(req.get(), 1) != 1) {
    throwOpenSsl(Category::Internal, "TS_REQ_set_nonce");
  }
  return req;
}

// ---------------------------------------------------------------- transport

Bytes post(const Bytes& body, const TsaOptions& options, const std::string& shownUrl) {
  curl::HttpExchange x;
  x.url = options.url;
  x.body = &body;
  x.contentType = "application/timestamp-query";
  x.accept = kReplyType;
  x.maxSize = kMaxTsaResponseSize;
  x.timeoutSeconds = options.timeoutSeconds;
  x.caFile = options.tlsCaFile;
  curl::HttpResult r = curl::perform(x);
  if (r.tooLarge) {
    throw Error(Category::Network, format(tr("the answer of the time-stamp authority {0} is larger than {1} bytes"),
                                          {shownUrl, static_cast<long long>(kMaxTsaResponseSize)}));
  }
  if (r.code == CURLE_OPERATION_TIMEDOUT) {
    throw Error(Category::Network,
                format(tr("the time-stamp authority {0} did not answer within {1} seconds"),
                       {shownUrl, options.timeoutSeconds}),
                {}, r.error);
  }
  if (r.code != CURLE_OK) {
    throw Error(Category::Network, format(tr("cannot reach the time-stamp authority {0}"), {shownUrl}), {}, r.error);
  }
  if (r.status != 200) {
    throw Error(Category::Network,
                format(tr("the time-stamp authority {0} answered with HTTP status {1}"), {shownUrl, r.status}));
  }
  if (mediaType(r.contentType) != kReplyType) {
    throw Error(Category::Network,
                format(tr("the time-stamp authority {0} answered with content type \"{1}\" instead of {2}"),
                       {shownUrl, r.contentType, kReplyType}));
  }
  return std::move(r.body);
}

// ---------------------------------------------------------------- response

std::string statusText(TS_STATUS_INFO* info) {
  std::string out = format("status {0}", {ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info))});
  const STACK_OF(ASN1_UTF8STRING)* text = TS_STATUS_INFO_get0_text(info);
  for (int i = 0; text && i < sk_ASN1_UTF8STRING_num(text); ++i) {
    const ASN1_UTF8STRING* s = sk_ASN1_UTF8STRING_value(text, i);
    out += ", \"" +
           std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s))) +
           "\"";
  }
  static const std::pair<int, const char*> kFailures[] = {
      {TS_INFO_BAD_ALG, "badAlg"},
      {TS_INFO_BAD_REQUEST, "badRequest"},
      {TS_INFO_BAD_DATA_FORMAT, "badDataFormat"},
      {TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable"},
      {TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy"},
      {TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension"},
      {TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable"},
      {TS_INFO_SYSTEM_FAILURE, "systemFailure"},
  };
  const ASN1_BIT_STRING* failure = TS_STATUS_INFO_get0_failure_info(info);
  for (const auto& [bit, name] : kFailures) {
    if (failure && ASN1_BIT_STRING_get_bit(failure, bit)) out += std::string(", ") + name;
  }
  return out;
}

Bytes checkResponse(TS_REQ* req, const Bytes& der, const TsaOptions& options, const std::string& shownUrl) {
  const auto bad = [&](const char* msgid, std::string detail) {
    return Error(Category::Crypto, format(tr(msgid), {shownUrl}), {}, std::move(detail));
  };
  const unsigned char* p = der.data();
  ossl::TsResp resp(der.size() <= kMaxTsaResponseSize ? d2i_TS_RESP(nullptr, &p, static_cast<long>(der.size()))
                                                      : nullptr);
  if (!resp || p != der.data() + der.size()) {
    ERR_clear_error();
    throw bad(N_("the answer of the time-stamp authority {0} is not an RFC 3161 time-stamp response"),
              resp ? "trailing data after the TimeStampResp" : "");
  }
  TS_STATUS_INFO* info = TS_RESP_get_status_info(resp.get());
  const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info));
  if (status != TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS) {
    throw bad(N_("the time-stamp authority {0} refused the request"), statusText(info));
  }
  PKCS7* token = TS_RESP_get_token(resp.get());
  if (!token || !PKCS7_type_is_signed(token)) {
    throw bad(N_("the time-stamp authority {0} granted the request but sent no time-stamp token"), "");
  }

  // The TSA certificate: we asked for it (certReq), so it must be in the token.
  ossl::BorrowedX509Stack signers(PKCS7_get0_signers(token, nullptr, 0));
  if (!signers || sk_X509_num(signers.get()) != 1) {
    throw bad(N_("the time-stamp token from {0} does not carry the certificate of its signer"), drainOpenSslErrors());
  }
  X509* tsaCert = sk_X509_value(signers.get(), 0);
  if (!isTimeStampingOnly(tsaCert)) {
    throw bad(N_("the certificate of the time-stamp authority {0} is not a time-stamping certificate"),
              "RFC 3161 2.3: extendedKeyUsage must be critical and hold only id-kp-timeStamping");
  }

  ossl::X509Store store(X509_STORE_new());
  if (!store) throwOpenSsl(Category::Internal, "X509_STORE_new");
  if (options.trustAnchors.empty()) {
    // Documented in tsa_client.h: the signature is checked with the token's
    // own certificate, which stands in for the anchor.
    if (X509_STORE_add_cert(store.get(), tsaCert) != 1) throwOpenSsl(Category::Internal, "X509_STORE_add_cert");
  } else {
    for (const auto& a : options.trustAnchors) {
      if (X509_STORE_add_cert(store.get(), a.native()) != 1) ERR_clear_error();  // duplicates are harmless
    }
  }
  // As in validateChain: an anchor the user names may be an intermediate CA.
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);

  // Version, imprint (algorithm and value) and nonce come from the request;
  // the request has no policy, so none is required.  TS_REQ_to_TS_VERIFY_CTX
  // leaves TS_VFY_SIGNATURE off (documented in OpenSSL's ts.h): without it an empty
  // store "verifies".
  ossl::TsVerifyCtx vctx(TS_REQ_to_TS_VERIFY_CTX(req, nullptr));
  if (!vctx) throwOpenSsl(Category::Internal, "TS_REQ_to_TS_VERIFY_CTX");
  TS_VERIFY_CTX_add_flags(vctx.get(), TS_VFY_SIGNATURE);
  TS_VERIFY_CTX_set_store(vctx.get(), store.release());  // OpenSSL 3.0: the context owns it
  if (TS_RESP_verify_response(vctx.get(), resp.get()) != 1) {
    throw bad(N_("the time-stamp response from {0} does not verify"), drainOpenSslErrors());
  }
  ERR_clear_error();
  return derOf<PKCS7, i2d_PKCS7>(token, "i2d_PKCS7");
}

}  // namespace

TimestampExchange requestTimestampExchange(const Bytes& digest, const TsaOptions& options) {
  const std::string shownUrl = displayUrl(options.url);
  if (options.url.empty()) throw Error(Category::Usage, tr("no time-stamp authority URL given"));
  if (options.timeoutSeconds <= 0) {
    throw Error(Category::Usage,
                format(tr("the time-stamp timeout must be at least one second, not {0}"), {options.timeoutSeconds}));
  }
  if (digest.size() != digestSize(options.digest)) {
    throw Error(Category::Usage, format(tr("a {0} digest has {1} bytes, not {2}"),
                                        {digestName(options.digest), static_cast<long long>(digestSize(options.digest)),
                                         static_cast<long long>(digest.size())}));
  }
  TimestampExchange ex;
  ossl::TsReq req = buildRequest(digest, options.digest);
  ex.request = derOf<TS_REQ, i2d_TS_REQ>(req.get(), "i2d_TS_REQ");
  ex.response = post(ex.request, options, shownUrl);
  ex.token = checkResponse(req.get(), ex.response, options, shownUrl);
  return ex;
}

Bytes requestTimestampTokenForDigest(const Bytes& digest, const TsaOptions& options) {
  return requestTimestampExchange(digest, options).token;
}

Bytes requestTimestampToken(const Bytes& imprintedData, const TsaOptions& options) {
  return requestTimestampTokenForDigest(securedoc::digest(options.digest, imprintedData), options);
}

std::string mediaType(std::string_view contentType) {
  std::string t(contentType.substr(0, contentType.find(';')));
  const auto notSpace = [](unsigned char c) { return !std::isspace(c); };
  t.erase(t.begin(), std::find_if(t.begin(), t.end(), notSpace));
  t.erase(std::find_if(t.rbegin(), t.rend(), notSpace).base(), t.end());
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t;
}

}  // namespace securedoc
