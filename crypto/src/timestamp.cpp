#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/timestamp.h>

#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdint>

namespace securedoc {

namespace {

/// The token's accuracy (RFC 3161 §2.4.2) in whole seconds, rounded up and
/// capped at 60; 0 when it states none.
std::time_t accuracySeconds(const TS_TST_INFO* info) {
  const TS_ACCURACY* a = TS_TST_INFO_get_accuracy(const_cast<TS_TST_INFO*>(info));
  if (!a) return 0;
  const auto part = [](const ASN1_INTEGER* v) -> std::int64_t {
    std::int64_t n = 0;
    return v != nullptr && ASN1_INTEGER_get_int64(&n, v) == 1 && n > 0 ? n : 0;
  };
  const std::int64_t seconds = std::min<std::int64_t>(part(TS_ACCURACY_get_seconds(a)), 60);
  const bool fraction = part(TS_ACCURACY_get_millis(a)) > 0 || part(TS_ACCURACY_get_micros(a)) > 0;
  return static_cast<std::time_t>(std::min<std::int64_t>(60, seconds + (fraction ? 1 : 0)));
}
using TstInfo = ossl::Ptr<TS_TST_INFO, TS_TST_INFO_free>;

std::optional<std::time_t> generalizedTime(const ASN1_GENERALIZEDTIME* t) { return ossl::toTime(t); }

/// RFC 3161 §2.4.2: the token's SignerInfo "MUST" carry the ESS
/// SigningCertificate attribute (RFC 2634 §5.4), RFC 5816 §2.2.1 allows
/// SigningCertificateV2 instead; the first ESSCertID(v2) must identify the
/// certificate that verifies the token, and every other one must be found
/// among the certificates at hand (OSSL_ESS_check_signing_certs, as
/// TS_RESP_verify_token does).
bool essNamesTsa(CMS_ContentInfo* cms, X509* tsa, const std::vector<Certificate>& others) {
  STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms);
  if (!sis || sk_CMS_SignerInfo_num(sis) != 1) return false;
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, 0);
  auto decode = [si](int nid) -> const ASN1_STRING* {
    const int idx = CMS_signed_get_attr_by_NID(si, nid, -1);
    if (idx < 0) return nullptr;
    ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, idx), 0);
    return t && t->type == V_ASN1_SEQUENCE ? t->value.sequence : nullptr;
  };
  ossl::EssSigningCert v1;
  ossl::EssSigningCertV2 v2;
  if (const ASN1_STRING* s = decode(NID_id_smime_aa_signingCertificate)) {
    const unsigned char* p = ASN1_STRING_get0_data(s);
    v1.reset(d2i_ESS_SIGNING_CERT(nullptr, &p, ASN1_STRING_length(s)));
    if (!v1) return false;
  }
  if (const ASN1_STRING* s = decode(NID_id_smime_aa_signingCertificateV2)) {
    const unsigned char* p = ASN1_STRING_get0_data(s);
    v2.reset(d2i_ESS_SIGNING_CERT_V2(nullptr, &p, ASN1_STRING_length(s)));
    if (!v2) return false;
  }
  if (!v1 && !v2) return false;
  ossl::BorrowedX509Stack chain(sk_X509_new_null());
  sk_X509_push(chain.get(), tsa);  // index 0: the certificate the first ESSCertID must name
  for (const Certificate& c : others) sk_X509_push(chain.get(), c.native());
  const bool ok = OSSL_ESS_check_signing_certs(v1.get(), v2.get(), chain.get(), 1) == 1;
  ERR_clear_error();
  return ok;
}
}  // namespace

/// RFC 3161 §2.3: "The corresponding certificate MUST contain only one
/// instance of the extended key usage field extension ... with KeyPurposeID
/// having value: id-kp-timeStamping.  This extension MUST be critical."
/// X509_get_ext_d2i reports -2 in `critical` for more than one instance.
bool isTimeStampingOnly(X509* cert) {
  int critical = -1;
  ossl::ExtKeyUsage eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, &critical, nullptr)));
  ERR_clear_error();
  return eku && critical == 1 && sk_ASN1_OBJECT_num(eku.get()) == 1 &&
         OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), 0)) == NID_time_stamp;
}

TimestampCheck checkTimestampToken(const Bytes& token, const Bytes& imprintedData,
                                   const std::vector<Certificate>& anchors, const std::vector<Certificate>& extraCerts,
                                   std::optional<std::time_t> validationTime) {
  return checkTimestampTokenWith(
      token,
      [&imprintedData](const std::string& name) -> std::optional<Bytes> {
        const EVP_MD* md = EVP_get_digestbyname(name.c_str());
        if (!md) return std::nullopt;
        unsigned char h[EVP_MAX_MD_SIZE];
        unsigned int hl = 0;
        if (EVP_Digest(imprintedData.data(), imprintedData.size(), h, &hl, md, nullptr) != 1) return std::nullopt;
        return Bytes(h, h + hl);
      },
      anchors, extraCerts, validationTime);
}

namespace {

/// The token as CMS SignedData of an RFC 3161 TSTInfo (RFC 3161 §2.4.2), and
/// its TSTInfo in `info`; null with `r.detail` set when it is not one.
ossl::Cms parseToken(const Bytes& token, TstInfo& info, TimestampCheck& r) {
  const unsigned char* p = token.data();
  ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(token.size())));
  if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed ||
      OBJ_obj2nid(CMS_get0_eContentType(cms.get())) != NID_id_smime_ct_TSTInfo) {
    r.detail = "not an RFC 3161 time-stamp token";
    ERR_clear_error();
    return nullptr;
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (!content || !*content) {
    r.detail = "time-stamp token without TSTInfo";
    return nullptr;
  }
  const unsigned char* tp = ASN1_STRING_get0_data(*content);
  info.reset(d2i_TS_TST_INFO(nullptr, &tp, ASN1_STRING_length(*content)));
  if (!info) {
    r.detail = "unreadable TSTInfo";
    ERR_clear_error();
    return nullptr;
  }
  return cms;
}

/// The message imprint (RFC 3161 §2.4.2) against `hashOf` the imprinted data.
void checkImprint(TimestampCheck& r, TS_TST_INFO* info,
                  const std::function<std::optional<Bytes>(const std::string& digestName)>& hashOf) {
  TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(info);
  const EVP_MD* md = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(mi)->algorithm);
  if (md) {
    const std::optional<Bytes> h = hashOf(EVP_MD_get0_name(md));
    const ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
    r.imprintMatches = h && static_cast<std::size_t>(ASN1_STRING_length(msg)) == h->size() &&
                       CRYPTO_memcmp(ASN1_STRING_get0_data(msg), h->data(), h->size()) == 0;
  }
  if (!r.imprintMatches) r.detail = "the time-stamp does not cover this signature (message imprint differs)";
}

/// The TSA's signature: the content digest and signature value of the token.
void checkTsaSignature(TimestampCheck& r, CMS_ContentInfo* cms, const std::vector<Certificate>& extraCerts) {
  ossl::X509Stack extra(sk_X509_new_null());
  for (const auto& c : extraCerts) {
    X509_up_ref(c.native());
    sk_X509_push(extra.get(), c.native());
  }
  ossl::X509Store emptyStore(X509_STORE_new());
  const int ok =
      CMS_verify(cms, extra.get(), emptyStore.get(), nullptr, nullptr, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY);
  r.signatureValid = ok == 1;
  if (!r.signatureValid && r.detail.empty())
    r.detail = "the time-stamp signature does not verify: " + drainOpenSslErrors();
  ERR_clear_error();
}

/// The TSA's certificate: the signer's, else the token's first one.
void findTsa(TimestampCheck& r, CMS_ContentInfo* cms) {
  // CMS_get0_signers returns a new stack of borrowed certificates.
  ossl::BorrowedX509Stack signers(CMS_get0_signers(cms));
  if (signers && sk_X509_num(signers.get()) > 0) r.tsa.emplace(sk_X509_value(signers.get(), 0));
  ERR_clear_error();
  if (!r.tsa) {
    // Find the TSA certificate among the token's and the signature's certificates.
    ossl::X509Stack tokenCerts(CMS_get1_certs(cms));
    if (tokenCerts && sk_X509_num(tokenCerts.get()) > 0) r.tsa.emplace(sk_X509_value(tokenCerts.get(), 0));
  }
}

/// The chain material: `extraCerts` and the token's certificates.
std::vector<Certificate> certificatePool(CMS_ContentInfo* cms, const std::vector<Certificate>& extraCerts) {
  std::vector<Certificate> pool = extraCerts;
  ossl::X509Stack tokenCerts(CMS_get1_certs(cms));
  for (int i = 0; tokenCerts && i < sk_X509_num(tokenCerts.get()); ++i)
    pool.emplace_back(sk_X509_value(tokenCerts.get(), i));
  ERR_clear_error();
  return pool;
}

/// The TSA rules (RFC 3161 §2.3, §2.4.2; RFC 5816), which hold whatever the
/// trust, and the chain of the TSA certificate (`r.tsa`, which must be set)
/// at the token's time.
void checkTsaCertificate(TimestampCheck& r, CMS_ContentInfo* cms, const std::vector<Certificate>& pool,
                         const std::vector<Certificate>& anchors) {
  r.ekuValid = isTimeStampingOnly(r.tsa->native());
  if (!r.ekuValid && r.detail.empty()) {
    r.detail = "RFC 3161 2.3: the TSA certificate's extendedKeyUsage must be critical and hold only id-kp-timeStamping";
  }
  std::vector<Certificate> others = pool;
  others.insert(others.end(), anchors.begin(), anchors.end());
  r.essCertificateMatches = essNamesTsa(cms, r.tsa->native(), others);
  if (!r.essCertificateMatches && r.detail.empty()) {
    r.detail = "RFC 3161 2.4.2: the token's ESS signing-certificate attribute is missing or names another certificate";
  }
  r.chain = validateChain(*r.tsa, pool, anchors, r.genTime.value_or(std::time(nullptr)));
}

}  // namespace

TimestampCheck checkTimestampTokenWith(const Bytes& token,
                                       const std::function<std::optional<Bytes>(const std::string& digestName)>& hashOf,
                                       const std::vector<Certificate>& anchors,
                                       const std::vector<Certificate>& extraCerts,
                                       std::optional<std::time_t> validationTime) {
  TimestampCheck r;
  TstInfo info;
  const ossl::Cms cms = parseToken(token, info, r);
  if (!cms) return r;
  r.parsed = true;
  r.genTime = generalizedTime(TS_TST_INFO_get_time(info.get()));
  checkImprint(r, info.get(), hashOf);
  checkTsaSignature(r, cms.get(), extraCerts);
  findTsa(r, cms.get());
  const std::vector<Certificate> pool = certificatePool(cms.get(), extraCerts);
  if (r.tsa) {
    checkTsaCertificate(r, cms.get(), pool, anchors);
  } else if (r.detail.empty()) {
    r.detail = "the time-stamp token does not carry its TSA certificate";
  }
  const std::time_t limit = validationTime.value_or(std::time(nullptr));
  // RFC 3161 §2.4.2: the time is genTime within +/- accuracy, so a token is
  // from the future only when genTime less its accuracy (whole seconds,
  // rounded up, at most a minute) is after the validation time.  Our own
  // TSA states one second; its clock and ours are read a moment apart
  // (OpenSSL's gettimeofday against time(), which may lag a tick behind).
  r.genTimeAcceptable = r.genTime && *r.genTime - accuracySeconds(info.get()) <= limit;
  if (!r.genTimeAcceptable && r.detail.empty()) {
    r.detail = r.genTime ? "genTime " + isoTime(*r.genTime) + " is after the validation time " + isoTime(limit)
                         : "the token's genTime cannot be read";
  }
  return r;
}

}  // namespace securedoc
