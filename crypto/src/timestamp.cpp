#include <securedoc/crypto/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/timestamp.h>

#include <openssl/err.h>

namespace securedoc {

namespace {
using TstInfo = ossl::Ptr<TS_TST_INFO, TS_TST_INFO_free>;

std::optional<std::time_t> generalizedTime(const ASN1_GENERALIZEDTIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return timegm(&tm);
}
}  // namespace

TimestampCheck checkTimestampToken(const Bytes& token, const Bytes& imprintedData,
                                   const std::vector<Certificate>& anchors,
                                   const std::vector<Certificate>& extraCerts) {
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
      anchors, extraCerts);
}

TimestampCheck checkTimestampTokenWith(const Bytes& token,
                                       const std::function<std::optional<Bytes>(const std::string& digestName)>& hashOf,
                                       const std::vector<Certificate>& anchors,
                                       const std::vector<Certificate>& extraCerts) {
  TimestampCheck r;
  const unsigned char* p = token.data();
  ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(token.size())));
  if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed ||
      OBJ_obj2nid(CMS_get0_eContentType(cms.get())) != NID_id_smime_ct_TSTInfo) {
    r.detail = "not an RFC 3161 time-stamp token";
    ERR_clear_error();
    return r;
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (!content || !*content) {
    r.detail = "time-stamp token without TSTInfo";
    return r;
  }
  const unsigned char* tp = ASN1_STRING_get0_data(*content);
  TstInfo info(d2i_TS_TST_INFO(nullptr, &tp, ASN1_STRING_length(*content)));
  if (!info) {
    r.detail = "unreadable TSTInfo";
    ERR_clear_error();
    return r;
  }
  r.parsed = true;
  r.genTime = generalizedTime(TS_TST_INFO_get_time(info.get()));

  TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(info.get());
  const EVP_MD* md = EVP_get_digestbyobj(TS_MSG_IMPRINT_get_algo(mi)->algorithm);
  if (md) {
    const std::optional<Bytes> h = hashOf(EVP_MD_get0_name(md));
    const ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
    r.imprintMatches = h && static_cast<std::size_t>(ASN1_STRING_length(msg)) == h->size() &&
                       CRYPTO_memcmp(ASN1_STRING_get0_data(msg), h->data(), h->size()) == 0;
  }
  if (!r.imprintMatches) r.detail = "the time-stamp does not cover this signature (message imprint differs)";

  // The TSA's signature: the content digest and signature value of the token.
  ossl::X509Stack extra(sk_X509_new_null());
  for (const auto& c : extraCerts) {
    X509_up_ref(c.native());
    sk_X509_push(extra.get(), c.native());
  }
  ossl::X509Store emptyStore(X509_STORE_new());
  const int ok = CMS_verify(cms.get(), extra.get(), emptyStore.get(), nullptr, nullptr,
                            CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY);
  r.signatureValid = ok == 1;
  if (!r.signatureValid && r.detail.empty()) r.detail = "the time-stamp signature does not verify: " + drainOpenSslErrors();
  ERR_clear_error();

  // CMS_get0_signers returns a new stack of borrowed certificates.
  ossl::BorrowedX509Stack signers(CMS_get0_signers(cms.get()));
  if (signers && sk_X509_num(signers.get()) > 0) r.tsa.emplace(sk_X509_value(signers.get(), 0));
  ERR_clear_error();
  if (!r.tsa) {
    // Find the TSA certificate among the token's and the signature's certificates.
    ossl::X509Stack tokenCerts(CMS_get1_certs(cms.get()));
    if (tokenCerts && sk_X509_num(tokenCerts.get()) > 0) r.tsa.emplace(sk_X509_value(tokenCerts.get(), 0));
  }
  if (r.tsa) {
    std::vector<Certificate> pool = extraCerts;
    ossl::X509Stack tokenCerts(CMS_get1_certs(cms.get()));
    for (int i = 0; tokenCerts && i < sk_X509_num(tokenCerts.get()); ++i) pool.emplace_back(sk_X509_value(tokenCerts.get(), i));
    r.chain = validateChain(*r.tsa, pool, anchors, r.genTime.value_or(std::time(nullptr)));
  }
  return r;
}

}  // namespace securedoc
