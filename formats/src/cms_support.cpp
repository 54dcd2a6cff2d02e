// Shared CMS machinery for the CAdES and PAdES modules: building a
// SignedData without the private key, and verifying SignerInfos.
#include "cms_support.h"

#include "der.h"
#include "ltv.h"
#include "signature_checks.h"

#include <securedoc/crypto/chain.h>
#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/crypto/timestamp.h>
#include <securedoc/crypto/tsa_client.h>
#include <securedoc/i18n.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <unistd.h>

namespace securedoc::cms {

namespace {
// DER of OBJECT IDENTIFIER 1.2.840.113549.1.7.2 (id-signedData, RFC 5652 §5.1).
const std::uint8_t kSignedDataOidDer[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02};
}  // namespace

/// DER tag-length-value with a definite length.
Bytes tlv(std::uint8_t tag, const Bytes& v) {
  Bytes out{tag};
  const std::size_t n = v.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    Bytes len;
    for (std::size_t x = n; x; x >>= 8) len.insert(len.begin(), static_cast<std::uint8_t>(x & 0xFF));
    out.push_back(static_cast<std::uint8_t>(0x80 | len.size()));
    out.insert(out.end(), len.begin(), len.end());
  }
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

bool startsWith(const Bytes& b, std::string_view prefix) {
  return b.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), b.begin(), [](char c, std::uint8_t x) {
           return static_cast<std::uint8_t>(c) == x;
         });
}

/// The signed attributes of `si` as the DER SET OF that the signature covers
/// (RFC 5652 §5.4: "the DER encoding of the SET OF ... with an EXPLICIT SET
/// OF tag").  PKCS7_ATTR_SIGN sorts the set as CMS_SignerInfo_sign does.
Bytes signedAttributesDer(CMS_SignerInfo* si) {
  ossl::BorrowedAttrStack attrs(sk_X509_ATTRIBUTE_new_null());
  const int n = CMS_signed_get_attr_count(si);
  for (int i = 0; i < n; ++i) sk_X509_ATTRIBUTE_push(attrs.get(), CMS_signed_get_attr(si, i));
  unsigned char* der = nullptr;
  const int len = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(attrs.get()), &der, ASN1_ITEM_rptr(PKCS7_ATTR_SIGN));
  if (len <= 0) throwOpenSsl(Category::Crypto, tr("cannot encode the signed attributes"));
  ossl::Bytes owned(der);
  return Bytes(der, der + len);
}

// ---------------------------------------------------------------- verify ---

void ContentDigests::need(const EVP_MD* md) {
  if (md) m_digests.emplace(EVP_MD_get_type(md), Entry{md, {}});
}

void ContentDigests::computeFromMemory(const unsigned char* data, std::size_t len) {
  for (auto& [nid, e] : m_digests) e.value = hash(e.md, data, len);
  m_ready = true;
}

void ContentDigests::computeFromFile(const std::filesystem::path& file) { computeFromRanges(file, {{0, UINT64_MAX}}); }

void ContentDigests::computeFromRanges(const std::filesystem::path& file,
                                       const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges) {
  const UniqueFd owner(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!owner) {
    throw Error(Category::Io, format(tr("cannot open the signed content: {0}"), {std::strerror(errno)}), file.string());
  }
  const int fd = owner.get();
  std::map<int, ossl::EvpMdCtx> ctxs;
  for (auto& [nid, e] : m_digests) {
    ossl::EvpMdCtx c(EVP_MD_CTX_new());
    if (!c || EVP_DigestInit_ex(c.get(), e.md, nullptr) != 1) throwOpenSsl(Category::Crypto, tr("digest failed"));
    ctxs.emplace(nid, std::move(c));
  }
  constexpr std::size_t kBlock = 64u << 10;  // cache-sized, as in digestFile()
  const std::unique_ptr<unsigned char[]> buf(new unsigned char[kBlock]);
  for (const auto& [offset, length] : ranges) {
    std::uint64_t left = length;
    off_t pos = static_cast<off_t>(offset);
    while (left > 0) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, kBlock));
      const ssize_t r = ::pread(fd, buf.get(), want, pos);
      if (r < 0) {
        if (errno == EINTR) continue;
        throw Error(Category::Io, format(tr("cannot read the signed content: {0}"), {std::strerror(errno)}),
                    file.string());
      }
      if (r == 0) break;  // end of file: a whole-file range ends here
      for (auto& [nid, c] : ctxs) EVP_DigestUpdate(c.get(), buf.get(), static_cast<std::size_t>(r));
      pos += r;
      left -= static_cast<std::uint64_t>(r);
    }
  }
  for (auto& [nid, c] : ctxs) {
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hl = 0;
    EVP_DigestFinal_ex(c.get(), h, &hl);
    m_digests[nid].value.assign(h, h + hl);
  }
  m_ready = true;
}

const Bytes* ContentDigests::get(const EVP_MD* md) const {
  if (!md) return nullptr;
  auto it = m_digests.find(EVP_MD_get_type(md));
  return it == m_digests.end() ? nullptr : &it->second.value;
}

Bytes ContentDigests::hash(const EVP_MD* md, const unsigned char* data, std::size_t len) {
  unsigned char h[EVP_MAX_MD_SIZE];
  unsigned int hl = 0;
  EVP_Digest(data, len, h, &hl, md, nullptr);
  return Bytes(h, h + hl);
}

const EVP_MD* signerDigest(CMS_SignerInfo* si) {
  X509_ALGOR* dig = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, nullptr);
  if (!dig) return nullptr;
  return EVP_get_digestbyobj(dig->algorithm);
}

std::string algorithmName(const X509_ALGOR* alg) {
  if (!alg) return {};
  const int nid = OBJ_obj2nid(alg->algorithm);
  switch (nid) {
    case NID_sha1:
      return "SHA-1";
    case NID_sha224:
      return "SHA-224";
    case NID_sha256:
      return "SHA-256";
    case NID_sha384:
      return "SHA-384";
    case NID_sha512:
      return "SHA-512";
    default:
      break;
  }
  if (nid != NID_undef) return OBJ_nid2ln(nid);
  char buf[80];
  OBJ_obj2txt(buf, sizeof buf, alg->algorithm, 1);
  return buf;
}

std::optional<std::time_t> signingTimeOf(CMS_SignerInfo* si) {
  const int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
  if (idx < 0) return std::nullopt;
  ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, idx), 0);
  if (!t || (t->type != V_ASN1_UTCTIME && t->type != V_ASN1_GENERALIZEDTIME)) return std::nullopt;
  struct tm tm {};
  if (ASN1_TIME_to_tm(t->value.utctime, &tm) != 1) return std::nullopt;
  return timegm(&tm);
}

/// DER of every value of an unsigned attribute (SEQUENCE values only).
std::vector<Bytes> unsignedAttributeValues(CMS_SignerInfo* si, int nid) {
  std::vector<Bytes> out;
  int idx = -1;
  while ((idx = CMS_unsigned_get_attr_by_NID(si, nid, idx)) >= 0) {
    X509_ATTRIBUTE* attr = CMS_unsigned_get_attr(si, idx);
    for (int v = 0; v < X509_ATTRIBUTE_count(attr); ++v) {
      ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(attr, v);
      if (!t || t->type != V_ASN1_SEQUENCE) continue;
      const ASN1_STRING* s = t->value.sequence;
      out.emplace_back(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
    }
  }
  return out;
}

bool hasUnsignedAttribute(CMS_SignerInfo* si, const char* oid) {
  ossl::Asn1Object obj(OBJ_txt2obj(oid, 1));
  return obj && CMS_unsigned_get_attr_by_OBJ(si, obj.get(), -1) >= 0;
}

/// The same SigningCertificate(V2) value with only its first ESSCertID(v2)
/// kept.  RFC 5035 §3: "The first certificate identified in the sequence of
/// certificate identifiers MUST be the certificate used to verify the
/// signature"; the others (CA certificates) need not be in the signature, so
/// they are not required here.  Both versions are SEQUENCE { certs SEQUENCE
/// OF ..., policies OPTIONAL }.
std::optional<Bytes> firstCertIdOnly(const ASN1_STRING* value) {
  using SeqAny = ossl::Ptr<ASN1_SEQUENCE_ANY, ossl::freeSequenceAny>;
  const unsigned char* p = ASN1_STRING_get0_data(value);
  SeqAny outer(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, ASN1_STRING_length(value)));
  if (!outer || sk_ASN1_TYPE_num(outer.get()) < 1) return std::nullopt;
  const ASN1_TYPE* certs = sk_ASN1_TYPE_value(outer.get(), 0);
  if (certs->type != V_ASN1_SEQUENCE) return std::nullopt;
  p = ASN1_STRING_get0_data(certs->value.sequence);
  SeqAny ids(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, ASN1_STRING_length(certs->value.sequence)));
  if (!ids || sk_ASN1_TYPE_num(ids.get()) < 1) return std::nullopt;
  const ASN1_TYPE* first = sk_ASN1_TYPE_value(ids.get(), 0);
  if (first->type != V_ASN1_SEQUENCE) return std::nullopt;
  const Bytes firstDer(ASN1_STRING_get0_data(first->value.sequence),
                       ASN1_STRING_get0_data(first->value.sequence) + ASN1_STRING_length(first->value.sequence));
  return tlv(0x30, tlv(0x30, firstDer));
}

/// ESS signing-certificate(-v2) (RFC 5035) must name the certificate that
/// verifies the signature.  Returns nullopt when neither attribute exists.
std::optional<bool> essMatches(CMS_SignerInfo* si, X509* signer) {
  const int v2 = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1);
  const int v1 = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificate, -1);
  if (v2 < 0 && v1 < 0) return std::nullopt;
  ossl::EssSigningCertV2 ssv2;
  ossl::EssSigningCert ss;
  auto firstOnly = [si](int idx) -> std::optional<Bytes> {
    ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, idx), 0);
    if (!t || t->type != V_ASN1_SEQUENCE) return std::nullopt;
    return firstCertIdOnly(t->value.sequence);
  };
  if (v2 >= 0) {
    const auto der = firstOnly(v2);
    if (!der) return false;
    const unsigned char* p = der->data();
    ssv2.reset(d2i_ESS_SIGNING_CERT_V2(nullptr, &p, static_cast<long>(der->size())));
    if (!ssv2) return false;
  }
  if (v1 >= 0) {
    const auto der = firstOnly(v1);
    if (!der) return false;
    const unsigned char* p = der->data();
    ss.reset(d2i_ESS_SIGNING_CERT(nullptr, &p, static_cast<long>(der->size())));
    if (!ss) return false;
  }
  ossl::BorrowedX509Stack chain(sk_X509_new_null());
  sk_X509_push(chain.get(), signer);
  const int ok = OSSL_ESS_check_signing_certs(ss.get(), ssv2.get(), chain.get(), 1);
  ERR_clear_error();
  return ok > 0;
}

/// Verifies the signature value over the signed attributes as encoded in
/// the file, without CMS_SignerInfo_verify's attribute rules: a
/// counter-signature has no content-type (RFC 5652 §11.4: "The
/// countersignature attribute MUST NOT contain a content-type attribute"),
/// which OpenSSL 3.0 rejects.
bool verifyOverSignedAttributes(CMS_SignerInfo* si, EVP_PKEY* pk, const EVP_MD* md) {
  ossl::BorrowedAttrStack attrs(sk_X509_ATTRIBUTE_new_null());
  for (int i = 0; i < CMS_signed_get_attr_count(si); ++i)
    sk_X509_ATTRIBUTE_push(attrs.get(), CMS_signed_get_attr(si, i));
  unsigned char* der = nullptr;
  const int len = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(attrs.get()), &der, ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
  if (len <= 0) return false;
  ossl::Bytes owned(der);
  ossl::EvpMdCtx ctx(EVP_MD_CTX_new());
  const ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, pk) == 1 &&
      EVP_DigestVerify(ctx.get(), ASN1_STRING_get0_data(sig), static_cast<std::size_t>(ASN1_STRING_length(sig)), der,
                       static_cast<std::size_t>(len)) == 1;
  ERR_clear_error();
  return ok;
}

/// Verifies a signature value made without signed attributes: it covers the
/// content digest directly (RFC 5652 §5.4).
bool verifyOverContentDigest(CMS_SignerInfo* si, EVP_PKEY* pk, const EVP_MD* md, const Bytes& contentDigest) {
  ossl::EvpPkeyCtx ctx(EVP_PKEY_CTX_new(pk, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) return false;
  const ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
  const int ok =
      EVP_PKEY_verify(ctx.get(), ASN1_STRING_get0_data(sig), static_cast<std::size_t>(ASN1_STRING_length(sig)),
                      contentDigest.data(), contentDigest.size());
  ERR_clear_error();
  return ok == 1;
}

Check makeCheck(const char* id, Check::Status status, Note detail) {
  return checks::makeCheck(id, status, std::move(detail));
}

namespace {

/// The report of a signature whose signing certificate is not included.
void reportNoSigningCertificate(SignatureReport& r) {
  r.checks.push_back(
      makeCheck("signingCertificate", Check::Status::Failed,
                Note{"signing-certificate-missing", N_("the signing certificate is not in the signature")}));
  r.messages.push_back(Note{"signing-certificate-missing-message",
                            N_("The certificate that made this signature is not included, so it cannot be checked.")});
  r.indication = Indication::Indeterminate;
  r.subIndication = SubIndication::NoSigningCertificateFound;
}

/// The report of a signature made with a digest algorithm we do not support.
void reportUnsupportedDigest(SignatureReport& r) {
  r.checks.push_back(makeCheck("digestAlgorithm", Check::Status::Failed,
                               Note{"digest-algorithm-unsupported",
                                    N_("unsupported digest algorithm {algorithm}"),
                                    {{"algorithm", r.digestAlgorithm}}}));
  r.indication = Indication::Indeterminate;
  r.subIndication = SubIndication::CryptoConstraintsFailure;
  r.messages.push_back(Note{"digest-algorithm-unsupported-message",
                            N_("The digest algorithm {algorithm} is not supported."),
                            {{"algorithm", r.digestAlgorithm}}});
}

/// Step 1, the content: the messageDigest attribute (RFC 5652 §11.2)
/// against `content`, the digest of the signed content (nullptr: not available).
void checkMessageDigest(SignatureReport& r, CMS_SignerInfo* si, const Bytes* content) {
  ASN1_OCTET_STRING* mdAttr = static_cast<ASN1_OCTET_STRING*>(
      CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
  if (!mdAttr) {
    r.checks.push_back(makeCheck("messageDigest", Check::Status::Failed,
                                 Note{"message-digest-missing", N_("the message-digest attribute is missing")}));
    checks::lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
  } else if (!content) {
    r.checks.push_back(makeCheck("messageDigest", Check::Status::NotChecked,
                                 Note{"signed-content-missing", N_("the signed content is not available")}));
    r.messages.push_back(
        Note{"detached-content-missing", N_("This is a detached signature: its signed file is needed to check it.")});
    checks::lower(r, Indication::Indeterminate, SubIndication::SignedDataNotFound);
  } else if (static_cast<std::size_t>(ASN1_STRING_length(mdAttr)) != content->size() ||
             CRYPTO_memcmp(ASN1_STRING_get0_data(mdAttr), content->data(), content->size()) != 0) {
    r.checks.push_back(makeCheck("messageDigest", Check::Status::Failed,
                                 Note{"content-changed", N_("the content changed after signing")}));
    r.messages.push_back(Note{"content-changed-message", N_("The signed content was changed after it was signed.")});
    checks::lower(r, Indication::TotalFailed, SubIndication::HashFailure);
  } else {
    r.checks.push_back(makeCheck("messageDigest", Check::Status::Passed));
  }
}

/// Step 2, the signature value: over the signed attributes, or without them
/// over the content digest (`content`, nullptr when not available).
void checkSignatureValue(SignatureReport& r, CMS_SignerInfo* si, EVP_PKEY* pk, const EVP_MD* md, const Bytes* content,
                         bool hasSignedAttrs) {
  bool valueOk = false;
  if (hasSignedAttrs) {
    valueOk = CMS_SignerInfo_verify(si) == 1;
    ERR_clear_error();
    if (!valueOk && CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1) < 0) {
      valueOk = verifyOverSignedAttributes(si, pk, md);
    }
  } else if (content) {
    valueOk = verifyOverContentDigest(si, pk, md, *content);
    r.messages.push_back(
        Note{"no-signed-attributes", N_("The signature has no signed attributes (plain PKCS#7, not CAdES).")});
  }
  if (!hasSignedAttrs && !content) {
    r.checks.push_back(makeCheck("signatureValue", Check::Status::NotChecked,
                                 Note{"signed-content-missing", N_("the signed content is not available")}));
    checks::lower(r, Indication::Indeterminate, SubIndication::SignedDataNotFound);
  } else if (valueOk) {
    r.checks.push_back(makeCheck("signatureValue", Check::Status::Passed));
  } else {
    r.checks.push_back(makeCheck("signatureValue", Check::Status::Failed,
                                 Note{"signature-value-mismatch", N_("the signature value does not match")}));
    r.messages.push_back(
        Note{"signature-value-mismatch-message", N_("The signature value is not valid for the signing certificate.")});
    checks::lower(r, Indication::TotalFailed, SubIndication::SigCryptoFailure);
  }
}

/// Step 3, the signed reference to the signing certificate (RFC 5035).
void checkSigningCertificateReference(SignatureReport& r, CMS_SignerInfo* si, X509* signer) {
  const auto ess = essMatches(si, signer);
  if (!ess) {
    r.checks.push_back(makeCheck("signingCertificateReference", Check::Status::Warning,
                                 Note{"no-signing-certificate-attribute",
                                      N_("no signing-certificate attribute (not a CAdES baseline signature)")}));
  } else if (*ess) {
    r.checks.push_back(makeCheck("signingCertificateReference", Check::Status::Passed));
  } else {
    r.checks.push_back(makeCheck("signingCertificateReference", Check::Status::Failed,
                                 Note{"signing-certificate-reference-mismatch",
                                      N_("the signing-certificate attribute names another certificate")}));
    r.messages.push_back(Note{"signing-certificate-reference-mismatch-message",
                              N_("The signature refers to a different certificate than the one included.")});
    // ETSI EN 319 102-1 §5.2.3 (identification of the signing certificate):
    // NO_SIGNING_CERTIFICATE_FOUND, INDETERMINATE.  A swapped certificate with
    // another key has already failed the value above (SIG_CRYPTO_FAILURE,
    // TOTAL-FAILED, which lower() keeps); only a certificate with the same
    // key but other contents gets here with a valid value.
    checks::lower(r, Indication::Indeterminate, SubIndication::NoSigningCertificateFound);
  }
}

}  // namespace

/// Verifies one SignerInfo.  `contentDigest(md)` gives the digest of what the
/// signature covers, or nullptr when that content is not available.
SignatureReport verifySignerInfo(CMS_SignerInfo* si, const std::string& id, const VerifyContext& vc,
                                 const DigestFn& contentDigest) {
  SignatureReport r;
  r.id = id;
  r.format = vc.format;
  X509_ALGOR* dig = nullptr;
  X509_ALGOR* sigAlg = nullptr;
  EVP_PKEY* pk = nullptr;
  X509* signer = nullptr;
  CMS_SignerInfo_get0_algs(si, &pk, &signer, &dig, &sigAlg);
  r.digestAlgorithm = algorithmName(dig);
  r.signatureAlgorithm = algorithmName(sigAlg);
  r.signingTime = signingTimeOf(si);

  const auto sigTimestamps = unsignedAttributeValues(si, NID_id_smime_aa_timeStampToken);
  r.level = levelOf(si);
  const bool hasArchive = r.level == "B-LTA";

  const EVP_MD* md = signerDigest(si);
  const bool hasSignedAttrs = CMS_signed_get_attr_count(si) > 0;
  r.indication = Indication::TotalPassed;

  if (!signer) {
    reportNoSigningCertificate(r);
    return r;
  }
  r.signer.emplace(signer);
  if (!md) {
    reportUnsupportedDigest(r);
    return r;
  }

  // 1. The content: messageDigest (RFC 5652 §11.2).
  const Bytes* content = contentDigest(md);
  if (hasSignedAttrs) checkMessageDigest(r, si, content);
  // 2. The signature value.
  checkSignatureValue(r, si, pk, md, content, hasSignedAttrs);
  // 3. The signed reference to the signing certificate (RFC 5035).
  checkSigningCertificateReference(r, si, signer);

  // 4. Signature time-stamps: the imprint covers the signature value octets
  // (ETSI EN 319 122-1 §5.3, RFC 3161 Appendix A).  checks:: adds the
  // user's extra certificates (VerifyOptions::extraCertificates) to the pool.
  const std::optional<std::time_t> poe =
      checks::signatureTimestamps(r, sigTimestamps, signatureValue(si), vc.options, vc.pool);
  if (hasArchive) checks::archiveTimestampNotValidated(r);
  // EN 319 122-1 §5.3: B-T is a signature with a signature time-stamp; one
  // that failed proves nothing, so the signature is B-B (the failed token
  // stays listed), and B-LT / B-LTA, which build on B-T, are not reached.
  if (r.level != "B-B" && !checks::hasUsableSignatureTimestamp(r)) r.level = "B-B";

  // 5. Cryptographic constraints (EN 319 102-1 §5.2.8, TS 119 312), judged
  // at the proof of existence the time-stamps give.
  checks::cryptographicConstraints(r, poe, vc.now);

  // 6. The signer's certificate: chain to a trust anchor at validation time,
  // and whether it is meant for signatures.
  checks::ValidationData data = vc.validation;
  std::vector<Certificate> pool = vc.pool;
  signerValidationData(si, data, pool);
  checks::signerCertificate(r, pool, vc.options, vc.now, poe, data);
  return r;
}

/// A counter-signature (RFC 5652 §11.4) is a SignerInfo over the parent's
/// signature value.  OpenSSL 3.0 has no API for it, so wrap its DER in a
/// minimal detached SignedData and let the same code verify it.
ossl::Cms wrapCounterSignature(const Bytes& signerInfoDer) {
  // SignedData ::= SEQUENCE { version 1, digestAlgorithms SET {}, encapContentInfo
  //   SEQUENCE { id-data }, signerInfos SET { signerInfo } }
  const Bytes idData{0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01};
  Bytes sd{0x02, 0x01, 0x01};
  Bytes emptySet = tlv(0x31, {});
  sd.insert(sd.end(), emptySet.begin(), emptySet.end());
  Bytes eci = tlv(0x30, idData);
  sd.insert(sd.end(), eci.begin(), eci.end());
  Bytes sis = tlv(0x31, signerInfoDer);
  sd.insert(sd.end(), sis.begin(), sis.end());
  Bytes ci(std::begin(kSignedDataOidDer), std::end(kSignedDataOidDer));
  Bytes explicitSd = tlv(0xA0, tlv(0x30, sd));
  ci.insert(ci.end(), explicitSd.begin(), explicitSd.end());
  const Bytes der = tlv(0x30, ci);
  const unsigned char* p = der.data();
  ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  return cms;
}

/// Counter-signatures (RFC 5652 §11.4) of `si`, and theirs in turn, each
/// verified over the signature value it countersigns.
void verifyCounterSignatures(CMS_SignerInfo* si, const std::string& id, const VerifyContext& vc,
                             std::vector<SignatureReport>& out, int depth) {
  constexpr int kMaxDepth = 8;  // a hostile file could nest without end
  const ASN1_OCTET_STRING* value = CMS_SignerInfo_get0_signature(si);
  const Bytes valueBytes(ASN1_STRING_get0_data(value), ASN1_STRING_get0_data(value) + ASN1_STRING_length(value));
  int n = 0;
  for (const Bytes& csDer : unsignedAttributeValues(si, NID_pkcs9_countersignature)) {
    const std::string csId = id + "-C" + std::to_string(++n);
    ossl::Cms wrapped = depth <= kMaxDepth ? wrapCounterSignature(csDer) : ossl::Cms();
    STACK_OF(CMS_SignerInfo)* csis = wrapped ? CMS_get0_SignerInfos(wrapped.get()) : nullptr;
    if (!csis || sk_CMS_SignerInfo_num(csis) != 1) {
      SignatureReport bad;
      bad.id = csId;
      bad.format = vc.format;
      bad.counterSignatureOf = id;
      bad.indication = Indication::TotalFailed;
      bad.subIndication = SubIndication::FormatFailure;
      bad.messages.push_back(Note{"counter-signature-unreadable", N_("A counter-signature cannot be read.")});
      out.push_back(std::move(bad));
      continue;
    }
    CMS_SignerInfo* csi = sk_CMS_SignerInfo_value(csis, 0);
    // Give it the parent's certificates to find its signer.
    for (const Certificate& c : vc.pool) CMS_add1_cert(wrapped.get(), c.native());
    CMS_set1_signers_certs(wrapped.get(), nullptr, 0);
    ERR_clear_error();
    Bytes hashed;
    auto csDigest = [&valueBytes, &hashed](const EVP_MD* md) -> const Bytes* {
      hashed = ContentDigests::hash(md, valueBytes.data(), valueBytes.size());
      return &hashed;
    };
    SignatureReport cs = verifySignerInfo(csi, csId, vc, csDigest);
    cs.counterSignatureOf = id;
    out.push_back(std::move(cs));
    verifyCounterSignatures(csi, csId, vc, out, depth + 1);
  }
}

std::string levelOf(CMS_SignerInfo* si) {
  // ETSI EN 319 122-1 §5: the level follows from the unsigned attributes.
  const bool ts = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0;
  const bool values = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_certValues, -1) >= 0 ||
                      CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_revocationValues, -1) >= 0;
  // id-aa-ets-archiveTimestampV2 (RFC 5126) and V3 (ETSI EN 319 122-1).
  const bool archive = hasUnsignedAttribute(si, "1.2.840.113549.1.9.16.2.48") ||
                       hasUnsignedAttribute(si, "0.4.0.1733.2.4") ||
                       CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_archiveTimeStamp, -1) >= 0;
  return archive ? "B-LTA" : values ? "B-LT" : ts ? "B-T" : "B-B";
}

namespace {

/// ETSI EN 319 122-1 §5.5.2 RevocationValues { crlVals [0] SEQUENCE OF
/// CertificateList, ocspVals [1] SEQUENCE OF BasicOCSPResponse, ... } and
/// Adobe's RevocationInfoArchival (ISO 32000-2 §12.8.3.3.2) { crl [0]
/// EXPLICIT SEQUENCE OF CRL, ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse, ...
/// }: one shape, but the first carries BasicOCSPResponses (`basicOcsp`).
void addRevocationSequence(const Bytes& der, bool basicOcsp, checks::ValidationData& out) {
  const auto seq = der::single(der);
  if (!seq || seq->tag != 0x30) return;
  const auto parts = seq->children();
  for (std::size_t i = 0; parts && i < parts->size(); ++i) {
    const der::Element& part = (*parts)[i];
    if (part.tag != 0xA0 && part.tag != 0xA1) continue;
    const auto inner = part.children();
    if (!inner || inner->size() != 1 || (*inner)[0].tag != 0x30) continue;
    const auto items = (*inner)[0].children();
    for (std::size_t k = 0; items && k < items->size(); ++k) {
      const Bytes item = (*items)[k].encodingBytes();
      if (part.tag == 0xA0) {
        out.crls.push_back(item);
      } else {
        out.ocspResponses.push_back(basicOcsp ? der::ocspResponseAround(item) : der::asOcspResponse(item));
      }
    }
  }
}

/// The children of the SignedData inside a DER ContentInfo.
std::optional<std::vector<der::Element>> signedDataFields(const Bytes& contentInfoDer) {
  const auto ci = der::first(contentInfoDer);
  if (!ci || ci->tag != 0x30) return std::nullopt;
  const auto fields = ci->children();
  if (!fields || fields->size() != 2 || (*fields)[1].tag != 0xA0) return std::nullopt;
  const auto explicitSd = (*fields)[1].children();
  if (!explicitSd || explicitSd->size() != 1 || (*explicitSd)[0].tag != 0x30) return std::nullopt;
  return (*explicitSd)[0].children();
}

}  // namespace

checks::ValidationData signedDataValidationData(const Bytes& contentInfoDer) {
  // id-ri-ocsp-response, 1.3.6.1.5.5.7.16.2 (RFC 5940 §4.1).
  static const Bytes kOcspFormat{0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x10, 0x02};
  checks::ValidationData out;
  const auto sd = signedDataFields(contentInfoDer);
  if (!sd) return out;
  for (const der::Element& field : *sd) {
    if (field.tag != 0xA1) continue;  // crls [1] IMPLICIT RevocationInfoChoices
    const auto choices = field.children();
    for (std::size_t i = 0; choices && i < choices->size(); ++i) {
      const der::Element& c = (*choices)[i];
      if (c.tag == 0x30) {
        out.crls.push_back(c.encodingBytes());
        continue;
      }
      const auto other = c.tag == 0xA1 ? c.children() : std::nullopt;  // [1] IMPLICIT OtherRevocationInfoFormat
      if (other && other->size() == 2 && (*other)[0].encodingBytes() == kOcspFormat)
        out.ocspResponses.push_back((*other)[1].encodingBytes());
    }
  }
  return out;
}

void signerValidationData(CMS_SignerInfo* si, checks::ValidationData& data, std::vector<Certificate>& pool) {
  for (const Bytes& rv : unsignedAttributeValues(si, NID_id_smime_aa_ets_revocationValues))
    addRevocationSequence(rv, true, data);
  for (const Bytes& cv : unsignedAttributeValues(si, NID_id_smime_aa_ets_certValues)) {
    // CertificateValues ::= SEQUENCE OF Certificate
    const auto seq = der::single(cv);
    const auto certs = seq && seq->tag == 0x30 ? seq->children() : std::nullopt;
    for (std::size_t i = 0; certs && i < certs->size(); ++i) {
      try {
        Certificate c = Certificate::fromDer((*certs)[i].encodingBytes());
        if (std::find(pool.begin(), pool.end(), c) == pool.end()) pool.push_back(std::move(c));
      } catch (const Error&) {
        // an unreadable value adds nothing to build paths from
      }
    }
  }
  // adbe-revocationInfoArchival, 1.2.840.113583.1.1.8 (signed, so inside
  // what the signer vouched for).
  ossl::Asn1Object adbe(OBJ_txt2obj("1.2.840.113583.1.1.8", 1));
  const int idx = adbe ? CMS_signed_get_attr_by_OBJ(si, adbe.get(), -1) : -1;
  X509_ATTRIBUTE* attr = idx >= 0 ? CMS_signed_get_attr(si, idx) : nullptr;
  for (int v = 0; attr && v < X509_ATTRIBUTE_count(attr); ++v) {
    const ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(attr, v);
    if (!t || t->type != V_ASN1_SEQUENCE) continue;
    const ASN1_STRING* str = t->value.sequence;
    addRevocationSequence(Bytes(ASN1_STRING_get0_data(str), ASN1_STRING_get0_data(str) + ASN1_STRING_length(str)),
                          false, data);
  }
  ERR_clear_error();
}

ossl::Cms parseDer(const Bytes& der, const std::string& file) {
  const unsigned char* p = der.data();
  ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) throwOpenSsl(Category::Malformed, tr("the signature is not a valid CMS structure"), file);
  return cms;
}

std::vector<Certificate> certificatesOf(CMS_ContentInfo* cms) {
  std::vector<Certificate> out;
  ossl::X509Stack certs(CMS_get1_certs(cms));
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) out.emplace_back(sk_X509_value(certs.get(), i));
  ERR_clear_error();
  return out;
}

// ---------------------------------------------------------------- build ---

namespace {
/// The SignerInfo's signatureAlgorithm becomes id-RSASSA-PSS with
/// RSASSA-PSS-params (RFC 4055 §3.1): `alg`, MGF1 with `alg`, a salt as long
/// as the digest, trailer field 1 (the default, left out).
void setRsaPssAlgorithm(CMS_SignerInfo* si, DigestAlgorithm alg, const std::string& file) {
  X509_ALGOR* sigAlg = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sigAlg);
  ossl::RsaPssParams pss(RSA_PSS_PARAMS_new());
  ossl::X509Algor mgfHash(X509_ALGOR_new());
  bool ok = pss && mgfHash && sigAlg;
  if (ok) {
    pss->hashAlgorithm = X509_ALGOR_new();
    pss->maskGenAlgorithm = X509_ALGOR_new();
    pss->saltLength = ASN1_INTEGER_new();
    ok = pss->hashAlgorithm && pss->maskGenAlgorithm && pss->saltLength &&
         X509_ALGOR_set0(mgfHash.get(), OBJ_nid2obj(EVP_MD_get_type(ossl::evpDigest(alg))), V_ASN1_UNDEF, nullptr) ==
             1 &&
         X509_ALGOR_set0(pss->hashAlgorithm, OBJ_nid2obj(EVP_MD_get_type(ossl::evpDigest(alg))), V_ASN1_UNDEF,
                         nullptr) == 1 &&
         ASN1_INTEGER_set(pss->saltLength, static_cast<long>(digestSize(alg))) == 1;
  }
  ASN1_STRING* mgfParams = ok ? ASN1_item_pack(mgfHash.get(), ASN1_ITEM_rptr(X509_ALGOR), nullptr) : nullptr;
  ok = mgfParams && X509_ALGOR_set0(pss->maskGenAlgorithm, OBJ_nid2obj(NID_mgf1), V_ASN1_SEQUENCE, mgfParams) == 1;
  if (!ok) ASN1_STRING_free(mgfParams);
  ASN1_STRING* params = ok ? ASN1_item_pack(pss.get(), ASN1_ITEM_rptr(RSA_PSS_PARAMS), nullptr) : nullptr;
  ok = params && X509_ALGOR_set0(sigAlg, OBJ_nid2obj(NID_rsassaPss), V_ASN1_SEQUENCE, params) == 1;
  if (!ok) {
    ASN1_STRING_free(params);
    throwOpenSsl(Category::Crypto, tr("cannot set the RSA-PSS signature algorithm"), file);
  }
}
}  // namespace

Draft draftSignedData(const Bytes& contentDigest, DigestAlgorithm alg, const OfferedCertificate& offered,
                      std::optional<std::time_t> signingTime, const Bytes* attached, bool rsaPss,
                      const std::string& file) {
  X509* x = offered.certificate.native();
  EVP_PKEY* pub = X509_get0_pubkey(x);
  if (!pub) throwOpenSsl(Category::Malformed, tr("the signing certificate has an unreadable public key"));
  Draft d;
  if (EVP_PKEY_is_a(pub, "EC")) {
    d.scheme = SignatureScheme::Ecdsa;
  } else if (EVP_PKEY_is_a(pub, "RSA")) {
    d.scheme = rsaPss ? SignatureScheme::RsaPss : SignatureScheme::RsaPkcs1v15;
  } else if (EVP_PKEY_is_a(pub, "RSA-PSS")) {
    d.scheme = SignatureScheme::RsaPss;
  } else {
    throw Error(Category::Unsupported,
                format(tr("keys of type {0} cannot make CMS signatures yet"), {offered.certificate.keyType()}));
  }
  const unsigned int flags = CMS_PARTIAL | CMS_BINARY | (attached ? 0u : CMS_DETACHED);
  d.cms.reset(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
  if (!d.cms) throwOpenSsl(Category::Crypto, tr("cannot create the CMS structure"), file);
  // A public key is enough here: CMS_add1_signer only compares it with the
  // certificate.  CMS_CADES adds ESS signing-certificate-v2 (RFC 5035).
  // CMS_NOCERTS: the certificates are added after the DER round trip below,
  // so that it does not parse them again for every file of a batch.
  d.si = CMS_add1_signer(d.cms.get(), x, pub, ossl::evpDigest(alg),
                         CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES | CMS_NOCERTS);
  if (!d.si) throwOpenSsl(Category::Crypto, tr("cannot add the signer to the CMS structure"), file);
  // ETSI EN 319 122-1 §5.2: content-type, message-digest, signing-certificate-v2
  // and (CAdES) signing-time; PAdES puts the time in /M instead (EN 319 142-1
  // §5.4).  The time is fixed here so that phase 3 never adds one of its own.
  if (signingTime) {
    ossl::Asn1Time when(ASN1_TIME_set(nullptr, *signingTime));
    if (!when || CMS_signed_add1_attr_by_NID(d.si, NID_pkcs9_signingTime, when->type, when.get(), -1) != 1) {
      throwOpenSsl(Category::Crypto, tr("cannot add the signed attributes"), file);
    }
  }
  if (CMS_signed_add1_attr_by_NID(d.si, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data), -1) != 1 ||
      CMS_signed_add1_attr_by_NID(d.si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, contentDigest.data(),
                                  static_cast<int>(contentDigest.size())) != 1) {
    throwOpenSsl(Category::Crypto, tr("cannot add the signed attributes"), file);
  }
  if (attached) {
    ASN1_OCTET_STRING** pos = CMS_get0_content(d.cms.get());
    if (!pos) throwOpenSsl(Category::Crypto, tr("cannot attach the content"), file);
    if (!*pos) *pos = ASN1_OCTET_STRING_new();
    if (!*pos || ASN1_OCTET_STRING_set(*pos, attached->data(), static_cast<int>(attached->size())) != 1) {
      throwOpenSsl(Category::Crypto, tr("cannot attach the content"), file);
    }
    // CMS_sign marked the string "content to be streamed later"; it is here now.
    (*pos)->flags &= ~ASN1_STRING_FLAG_CONT;
  }
  // Round-trip through DER: encoding sorts the signed attributes (a DER SET
  // OF), and CMS_SignerInfo_verify re-encodes them in memory order, so the
  // in-memory structure must hold them in that same sorted order.
  d.cms = parseDer(toDer(d.cms.get()), file);
  d.si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(d.cms.get()), 0);
  CMS_SignerInfo_set1_signer_cert(d.si, x);
  if (CMS_add1_cert(d.cms.get(), x) != 1)
    throwOpenSsl(Category::Crypto, tr("cannot add the signer to the CMS structure"), file);
  for (const Certificate& c : offered.chain) {
    if (c.selfIssued()) continue;                                        // the verifier brings its own roots
    if (CMS_add1_cert(d.cms.get(), c.native()) != 1) ERR_clear_error();  // already present
  }
  if (d.scheme == SignatureScheme::RsaPss) setRsaPssAlgorithm(d.si, alg, file);
  d.tbsDigest = digest(alg, signedAttributesDer(d.si));
  return d;
}

void completeSignedData(Draft& d, const Bytes& value, const std::string& file) {
  ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(d.si);
  if (ASN1_STRING_set(sig, value.data(), static_cast<int>(value.size())) != 1) {
    throwOpenSsl(Category::Crypto, tr("cannot store the signature value"), file);
  }
  if (CMS_SignerInfo_verify(d.si) != 1) {
    throwOpenSsl(Category::Crypto, tr("the signature value from the signer does not verify"), file);
  }
}

void addSignatureTimestamp(CMS_SignerInfo* si, const Bytes& token) {
  if (CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, token.data(),
                                    static_cast<int>(token.size())) != 1) {
    throwOpenSsl(Category::Crypto, tr("cannot add the time-stamp to the signature"));
  }
}

TsaOptions timestampOptions(const SignParams& params) {
  TsaOptions o;
  o.url = params.tsaUrl;
  o.digest = params.digest;
  o.trustAnchors = params.tsaTrustAnchors;
  o.tlsCaFile = params.tsaTlsCa;
  return o;
}

void addTimestamp(Draft& draft, const SignParams& params, const std::string& file) {
  try {
    addSignatureTimestamp(draft.si, requestTimestampToken(signatureValue(draft.si), timestampOptions(params)));
  } catch (const Error& e) {
    throw e.withFile(file);
  }
}

namespace {

Bytes concatenated(const std::vector<Bytes>& items) {
  Bytes out;
  for (const Bytes& b : items) out.insert(out.end(), b.begin(), b.end());
  return out;
}

void addUnsignedSequence(CMS_SignerInfo* si, int nid, const Bytes& der, const std::string& file) {
  if (CMS_unsigned_add1_attr_by_NID(si, nid, V_ASN1_SEQUENCE, der.data(), static_cast<int>(der.size())) != 1) {
    throwOpenSsl(Category::Crypto, tr("cannot add the validation data to the signature"), file);
  }
}

}  // namespace

void addLongTermValues(CMS_ContentInfo* cms, CMS_SignerInfo* si, const SignParams& params, const std::string& file) {
  X509* signerX509 = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, &signerX509, nullptr, nullptr);
  if (!signerX509) {
    throw Error(Category::Unsupported, tr("the signature does not carry its signing certificate"), file);
  }
  const std::vector<Certificate> carried = certificatesOf(cms);
  std::vector<Certificate> pool = carried;
  std::vector<Certificate> leaves{Certificate(signerX509)};
  for (const Bytes& token : unsignedAttributeValues(si, NID_id_smime_aa_timeStampToken)) {
    for (const Certificate& c : ltv::tokenCertificates(token)) {
      pool.push_back(c);
      leaves.push_back(c);
    }
  }
  const ltv::Material m = ltv::collect(leaves, pool, params, file);
  // EN 319 122-1 §5.5.2: certificates SignedData already holds need not
  // be repeated.
  std::vector<Bytes> certs;
  for (const Certificate& c : m.certificates) {
    if (std::find(carried.begin(), carried.end(), c) == carried.end()) certs.push_back(c.der());
  }
  if (!certs.empty()) addUnsignedSequence(si, NID_id_smime_aa_ets_certValues, tlv(0x30, concatenated(certs)), file);
  // RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList
  //   OPTIONAL, ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL, ... }
  Bytes values;
  if (!m.crls.empty()) {
    const Bytes crls = tlv(0xA0, tlv(0x30, concatenated(m.crls)));
    values.insert(values.end(), crls.begin(), crls.end());
  }
  if (!m.ocspResponses.empty()) {
    std::vector<Bytes> basics;
    for (const Bytes& r : m.ocspResponses) basics.push_back(ltv::basicOcspResponse(r));
    const Bytes ocsp = tlv(0xA1, tlv(0x30, concatenated(basics)));
    values.insert(values.end(), ocsp.begin(), ocsp.end());
  }
  addUnsignedSequence(si, NID_id_smime_aa_ets_revocationValues, tlv(0x30, values), file);
}

Bytes signatureValue(CMS_SignerInfo* si) {
  const ASN1_OCTET_STRING* v = CMS_SignerInfo_get0_signature(si);
  return Bytes(ASN1_STRING_get0_data(v), ASN1_STRING_get0_data(v) + ASN1_STRING_length(v));
}

Bytes toDer(CMS_ContentInfo* cms) {
  return ossl::der(i2d_CMS_ContentInfo, cms, Category::Crypto, tr("cannot encode the CMS structure"));
}

ossl::Cms readCms(const std::filesystem::path& file) {
  const ContentSniff sniff = ContentSniff::of(file);
  if (sniff.size == 0) throw Error(Category::Malformed, tr("the file is empty"), file.string());
  ossl::Bio in(BIO_new_file(file.c_str(), "rb"));
  if (!in) throwOpenSsl(Category::Io, tr("cannot open the file"), file.string());
  ossl::Cms cms(startsWith(sniff.head, "-----BEGIN") ? PEM_read_bio_CMS(in.get(), nullptr, nullptr, nullptr)
                                                     : d2i_CMS_bio(in.get(), nullptr));
  if (!cms) {
    throwOpenSsl(Category::Malformed, tr("not a valid CMS/CAdES signature (the file is damaged or truncated)"),
                 file.string());
  }
  return cms;
}

std::string attributeLabel(X509_ATTRIBUTE* attr) {
  const ASN1_OBJECT* obj = X509_ATTRIBUTE_get0_object(attr);
  const int nid = OBJ_obj2nid(obj);
  if (nid != NID_undef) return OBJ_nid2sn(nid);
  char buf[80];
  OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return buf;
}

}  // namespace securedoc::cms
