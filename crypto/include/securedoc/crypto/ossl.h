#pragma once
// Ownership of OpenSSL handles, so that no error path leaks one: every handle lives in a
// std::unique_ptr whose deleter is the matching *_free function.
#include <openssl/bio.h>
#include <openssl/pem.h>  // before cms.h: it declares PEM_read_bio_CMS
#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <securedoc/base/bytes.h>
#include <securedoc/base/error.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>

namespace securedoc {
enum class DigestAlgorithm;
}

namespace securedoc::ossl {

/// The OpenSSL digest for one of ours (defined in digest.cpp).
const EVP_MD* evpDigest(DigestAlgorithm alg);

template <auto FreeFn>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    FreeFn(p);
  }
};
template <class T, auto FreeFn>
using Ptr = std::unique_ptr<T, Deleter<FreeFn>>;

using Bio = Ptr<BIO, BIO_free_all>;
using X509Ptr = Ptr<X509, X509_free>;
using X509Store = Ptr<X509_STORE, X509_STORE_free>;
using X509StoreCtx = Ptr<X509_STORE_CTX, X509_STORE_CTX_free>;
using EvpPkey = Ptr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtx = Ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdCtx = Ptr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpMd = Ptr<EVP_MD, EVP_MD_free>;
using Cms = Ptr<CMS_ContentInfo, CMS_ContentInfo_free>;
using Pkcs12 = Ptr<PKCS12, PKCS12_free>;
using Asn1Time = Ptr<ASN1_TIME, ASN1_TIME_free>;
using Asn1Integer = Ptr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1OctetString = Ptr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using Asn1Object = Ptr<ASN1_OBJECT, ASN1_OBJECT_free>;
using Bignum = Ptr<BIGNUM, BN_free>;
using EcdsaSig = Ptr<ECDSA_SIG, ECDSA_SIG_free>;
using CertPolicies = Ptr<CERTIFICATEPOLICIES, CERTIFICATEPOLICIES_free>;
using ExtKeyUsage = Ptr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;
using AuthorityInfoAccess = Ptr<AUTHORITY_INFO_ACCESS, AUTHORITY_INFO_ACCESS_free>;
using CrlDistPoints = Ptr<CRL_DIST_POINTS, CRL_DIST_POINTS_free>;
using X509Crl = Ptr<X509_CRL, X509_CRL_free>;
using OcspRequest = Ptr<OCSP_REQUEST, OCSP_REQUEST_free>;
using OcspResponse = Ptr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using OcspBasicResp = Ptr<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using OcspCertId = Ptr<OCSP_CERTID, OCSP_CERTID_free>;
using EssSigningCertV2 = Ptr<ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free>;
using EssSigningCert = Ptr<ESS_SIGNING_CERT, ESS_SIGNING_CERT_free>;
using TsReq = Ptr<TS_REQ, TS_REQ_free>;
using TsResp = Ptr<TS_RESP, TS_RESP_free>;
using TsRespCtx = Ptr<TS_RESP_CTX, TS_RESP_CTX_free>;
using TsVerifyCtx = Ptr<TS_VERIFY_CTX, TS_VERIFY_CTX_free>;
using TsMsgImprint = Ptr<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free>;
using TsTstInfo = Ptr<TS_TST_INFO, TS_TST_INFO_free>;
using X509Algor = Ptr<X509_ALGOR, X509_ALGOR_free>;
using RsaPssParams = Ptr<RSA_PSS_PARAMS, RSA_PSS_PARAMS_free>;
using Pkcs7 = Ptr<PKCS7, PKCS7_free>;

inline void freeX509Stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509Stack = Ptr<STACK_OF(X509), freeX509Stack>;
inline void freeBorrowedX509Stack(STACK_OF(X509) * s) { sk_X509_free(s); }
/// A stack whose certificates are borrowed (only the stack is freed).
using BorrowedX509Stack = Ptr<STACK_OF(X509), freeBorrowedX509Stack>;
inline void freeAttrStack(STACK_OF(X509_ATTRIBUTE) * s) { sk_X509_ATTRIBUTE_free(s); }
/// A stack that borrows its attributes (does not free them).
using BorrowedAttrStack = Ptr<STACK_OF(X509_ATTRIBUTE), freeAttrStack>;
inline void freeSequenceAny(ASN1_SEQUENCE_ANY* s) { sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free); }
inline void freeOpenSslBytes(unsigned char* p) { OPENSSL_free(p); }
using Bytes = Ptr<unsigned char, freeOpenSslBytes>;
inline void freeOpenSslChars(char* p) { OPENSSL_free(p); }
using Chars = Ptr<char, freeOpenSslChars>;

/// The DER encoding of `object` by OpenSSL's i2d function for its type
/// (i2d_PUBKEY, i2d_CMS_ContentInfo...): the one place that takes OpenSSL's
/// buffer and frees it.  throwOpenSsl(category, message) when `object` is
/// null or cannot be encoded.
template <class I2d, class T>
securedoc::Bytes der(I2d i2d, T* object, Category category, const std::string& message) {
  unsigned char* out = nullptr;
  const int len = object != nullptr ? i2d(object, &out) : -1;
  const Bytes owned(out);
  if (len <= 0) throwOpenSsl(category, message);
  return securedoc::Bytes(out, out + len);
}

/// An ASN.1 UTCTime or GeneralizedTime as Unix seconds; nullopt for a null
/// or unreadable time.
inline std::optional<std::time_t> toTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return timegm(&tm);
}

}  // namespace securedoc::ossl
