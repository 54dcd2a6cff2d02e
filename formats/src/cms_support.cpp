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
#include <fstream>
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
namespace {

/// The SEQUENCE values of every unsigned attribute of type `obj`, DER.
std::vector<Bytes> unsignedSequenceValues(CMS_SignerInfo* si, const ASN1_OBJECT* obj) {
  std::vector<Bytes> out;
  int idx = -1;
  while (obj && (idx = CMS_unsigned_get_attr_by_OBJ(si, obj, idx)) >= 0) {
    X509_ATTRIBUTE* attr = CMS_unsigned_get_attr(si, idx);
    for (int v = 0; v < X509_ATTRIBUTE_count(attr); ++v) {
      ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(attr, v);
      if (!t || t->type != V_ASN1_SEQUENCE) continue;
      const ASN1_STRING* s = t->value.sequence;
      out.emplace_back(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
    }
  }
  ERR_clear_error();
  return out;
}

}  // namespace

std::vector<Bytes> unsignedAttributeValues(CMS_SignerInfo* si, int nid) {
  return unsignedSequenceValues(si, OBJ_nid2obj(nid));
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

/// The archive time-stamps of `si` (the attribute is unsigned, so each is
/// checked against the structure as it is now): archive-time-stamp-v3
/// through checks::archiveTimestamp; the older kinds (RFC 5126 §6.4.1
/// archive-time-stamp v2, RFC 3126 v1) are listed as not validated.
/// Returns the earliest proof of existence a TOTAL-PASSED one gives.
std::optional<std::time_t> archiveTimestamps(SignatureReport& r, CMS_SignerInfo* si, const VerifyContext& vc,
                                             const std::vector<Certificate>& pool) {
  const bool v1 = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_archiveTimeStamp, -1) >= 0;
  const std::vector<Bytes> tokens = archiveTimestampV3Tokens(si);
  const std::vector<Bytes> v2Tokens = unsignedAttributeValuesByOid(si, "1.2.840.113549.1.9.16.2.48");
  const bool structure = vc.contentInfoDer && vc.anyContentDigest;
  if (v1 || (!structure && (!tokens.empty() || !v2Tokens.empty()))) checks::archiveTimestampNotValidated(r);
  if (!structure) return std::nullopt;
  std::vector<Certificate> material = pool;
  material.insert(material.end(), vc.options.extraCertificates.begin(), vc.options.extraCertificates.end());
  const Bytes signature = signatureValue(si);
  std::optional<std::time_t> poe;
  for (const Bytes& token : tokens) {
    const ArchiveCheck c = checkArchiveTimestampV3(token, *vc.contentInfoDer, signature, vc.anyContentDigest,
                                                   vc.options.trustAnchors, material, vc.options.time);
    if (c.contentMissing) {
      // Not a failure of the token: without the content nothing can be said.
      TimestampReport t;
      t.type = "archive";
      t.time = c.tc.genTime;
      t.tsa = c.tc.tsa;
      t.indication = Indication::Indeterminate;
      t.subIndication = SubIndication::SignedDataNotFound;
      t.detail = Note{"archive-timestamp-content-missing",
                      N_("the signed content is not available, so the archive time-stamp cannot be checked")};
      r.timestamps.push_back(std::move(t));
      continue;
    }
    poe = checks::earliest(poe, checks::archiveTimestamp(r, c.tc, vc.options));
  }
  for (const Bytes& token : v2Tokens) {
    const ArchiveCheck c = checkArchiveTimestampV2(token, *vc.contentInfoDer, signature, vc.options.detachedContent,
                                                   vc.options.trustAnchors, material, vc.options.time);
    if (c.contentMissing) {
      checks::archiveTimestampNotValidated(r);
      continue;
    }
    poe = checks::earliest(poe, checks::archiveTimestamp(r, c.tc, vc.options));
  }
  return poe;
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
  const std::optional<std::time_t> signaturePoe = checks::earliest(
      checks::signatureTimestamps(r, sigTimestamps, signatureValue(si), vc.options, vc.pool), vc.laterPoe);
  // The validation data the signature embeds: chain material for the
  // archive time-stamps' TSAs too.
  checks::ValidationData data = vc.validation;
  std::vector<Certificate> pool = vc.pool;
  signerValidationData(si, data, pool);
  // 4b. Archive time-stamps (EN 319 122-1 §5.5.3): each valid one is a
  // proof of existence of the signature and everything it covers (EN 319
  // 102-1 §5.6.2.3), so the earliest of all proofs is used below.
  const std::optional<std::time_t> archivePoe = hasArchive ? archiveTimestamps(r, si, vc, pool) : std::nullopt;
  const std::optional<std::time_t> poe = checks::earliest(signaturePoe, archivePoe);
  // EN 319 122-1 §5.3: B-T is a signature with a signature time-stamp; one
  // that failed proves nothing, so the signature is B-B (the failed token
  // stays listed), and B-LT / B-LTA, which build on B-T, are not reached.
  if (r.level != "B-B" && !checks::hasUsableSignatureTimestamp(r)) r.level = "B-B";
  // §5.5.3: B-LTA needs an archive time-stamp that did not fail; without
  // one the signature is what its values make it.
  if (r.level == "B-LTA" && !checks::hasUsableTimestamp(r, "archive")) {
    const bool values = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_certValues, -1) >= 0 ||
                        CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_revocationValues, -1) >= 0;
    r.level = values ? "B-LT" : "B-T";
  }

  // 5. Cryptographic constraints (EN 319 102-1 §5.2.8, TS 119 312), judged
  // at the proof of existence the time-stamps give.
  checks::cryptographicConstraints(r, poe, vc.now);

  // 6. The signer's certificate: chain to a trust anchor at validation time,
  // and whether it is meant for signatures.
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
    // A counter-signature lives inside its parent's attribute, not among
    // the root SignedData's signers that archive time-stamps index.
    VerifyContext inner = vc;
    inner.contentInfoDer = nullptr;
    inner.anyContentDigest = {};
    SignatureReport cs = verifySignerInfo(csi, csId, inner, csDigest);
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

// ------------------------------------------------------- archive (B-LTA) ---

namespace {

// id-aa-ets-archiveTimestampV3 (ETSI EN 319 122-1 §5.5.3) and
// id-aa-ATSHashIndex-v3 (§5.5.2).
constexpr const char* kArchiveTimestampV3Oid = "0.4.0.1733.2.4";
constexpr const char* kAtsHashIndexV3Oid = "0.4.0.19122.1.5";

Bytes oidDer(const char* oid) {
  ossl::Asn1Object obj(OBJ_txt2obj(oid, 1));
  return ossl::der(i2d_ASN1_OBJECT, obj.get(), Category::Internal, "i2d_ASN1_OBJECT");
}

Bytes hashOf(const EVP_MD* md, const Bytes& b) { return ContentDigests::hash(md, b.data(), b.size()); }

void append(Bytes& to, const Bytes& b) { to.insert(to.end(), b.begin(), b.end()); }

/// The parts of a root SignedData (RFC 5652 §5.1) an archive-time-stamp-v3
/// covers, as they are encoded in `contentInfoDer` (which must outlive them).
struct SignedDataParts {
  der::Element eContentType;
  std::vector<der::Element> certificates;  ///< CertificateChoices
  std::vector<der::Element> crls;          ///< RevocationInfoChoice
  std::vector<der::Element> signerInfos;
};

std::optional<SignedDataParts> signedDataParts(const Bytes& contentInfoDer) {
  const auto sd = signedDataFields(contentInfoDer);
  if (!sd || sd->size() < 4 || (*sd)[2].tag != 0x30 || sd->back().tag != 0x31) return std::nullopt;
  SignedDataParts out;
  const auto eci = (*sd)[2].children();
  if (!eci || eci->empty() || (*eci)[0].tag != 0x06) return std::nullopt;
  out.eContentType = (*eci)[0];
  for (std::size_t i = 3; i + 1 < sd->size(); ++i) {
    const der::Element& f = (*sd)[i];
    if (f.tag != 0xA0 && f.tag != 0xA1) return std::nullopt;
    const auto items = f.children();
    if (!items) return std::nullopt;
    (f.tag == 0xA0 ? out.certificates : out.crls) = *items;
  }
  const auto sis = sd->back().children();
  if (!sis) return std::nullopt;
  out.signerInfos = *sis;
  return out;
}

/// One SignerInfo split as §5.5.3 and §5.5.2 use it: the fields version to
/// signature, and each unsigned attribute value as attrType || value.
struct SignerParts {
  std::vector<der::Element> signedFields;
  std::vector<Bytes> unsignedValues;
  std::vector<Bytes> unsignedAttributes;  ///< whole Attribute encodings (older indexes)
};

/// The SignerInfo of `parts` whose signature value is `signature`.
std::optional<SignerParts> signerParts(const SignedDataParts& parts, const Bytes& signature) {
  for (const der::Element& si : parts.signerInfos) {
    const auto fields = si.children();
    if (!fields || fields->size() < 5) continue;
    SignerParts out;
    bool match = false;
    for (const der::Element& f : *fields) {
      if (f.tag == 0x04) match = f.contentBytes() == signature;
      if (f.tag != 0xA1) {
        out.signedFields.push_back(f);
        continue;
      }
      // unsignedAttrs [1] IMPLICIT SET OF Attribute { attrType, attrValues SET }
      const auto attrs = f.children();
      if (!attrs) return std::nullopt;
      for (const der::Element& a : *attrs) {
        out.unsignedAttributes.push_back(a.encodingBytes());
        const auto at = a.children();
        if (!at || at->size() != 2 || (*at)[0].tag != 0x06 || (*at)[1].tag != 0x31) return std::nullopt;
        const auto values = (*at)[1].children();
        if (!values) return std::nullopt;
        for (const der::Element& v : *values) {
          Bytes typeAndValue = (*at)[0].encodingBytes();
          append(typeAndValue, v.encodingBytes());
          out.unsignedValues.push_back(std::move(typeAndValue));
        }
      }
    }
    if (match) return out;
  }
  return std::nullopt;
}

/// ATSHashIndexV3 ::= SEQUENCE { hashIndAlgorithm AlgorithmIdentifier
///   DEFAULT {algorithm id-sha256}, certificatesHashIndex SEQUENCE OF OCTET
///   STRING, crlsHashIndex SEQUENCE OF OCTET STRING,
///   unsignedAttrValuesHashIndex SEQUENCE OF OCTET STRING } (§5.5.2).
struct HashIndex {
  const EVP_MD* md = nullptr;
  std::vector<Bytes> certificates, crls, unsignedValues;
};

std::optional<HashIndex> parseHashIndex(const Bytes& der) {
  const auto seq = der::single(der);
  const auto parts = seq && seq->tag == 0x30 ? seq->children() : std::nullopt;
  if (!parts || (parts->size() != 3 && parts->size() != 4)) return std::nullopt;
  HashIndex out;
  std::size_t i = 0;
  if (parts->size() == 4) {
    const Bytes alg = (*parts)[0].encodingBytes();
    const unsigned char* p = alg.data();
    ossl::X509Algor a(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(alg.size())));
    out.md = a ? EVP_get_digestbyobj(a->algorithm) : nullptr;
    i = 1;
  } else {
    out.md = EVP_sha256();
  }
  if (!out.md) return std::nullopt;
  for (std::vector<Bytes>* list : {&out.certificates, &out.crls, &out.unsignedValues}) {
    const der::Element& l = (*parts)[i++];
    const auto items = l.tag == 0x30 ? l.children() : std::nullopt;
    if (!items) return std::nullopt;
    for (const der::Element& h : *items) {
      if (h.tag != 0x04) return std::nullopt;
      list->push_back(h.contentBytes());
    }
  }
  ERR_clear_error();
  return out;
}

/// The ATSHashIndexV3 of the structure as it is now (§5.5.2: every
/// certificate, revocation choice and unsigned attribute value present when
/// the archive time-stamp is requested, and nothing else).
Bytes buildHashIndex(const EVP_MD* md, const SignedDataParts& parts, const SignerParts& signer) {
  Bytes body;
  // DER (X.690 §11.5) leaves out a DEFAULT value: SHA-256 is not encoded.
  if (EVP_MD_get_type(md) != NID_sha256) {
    ossl::X509Algor alg(X509_ALGOR_new());
    if (!alg || X509_ALGOR_set0(alg.get(), OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_UNDEF, nullptr) != 1)
      throwOpenSsl(Category::Crypto, tr("cannot build the archive time-stamp"));
    append(body, ossl::der(i2d_X509_ALGOR, alg.get(), Category::Crypto, tr("cannot build the archive time-stamp")));
  }
  auto hashes = [md](const std::vector<Bytes>& items) {
    Bytes seq;
    for (const Bytes& b : items) append(seq, tlv(0x04, hashOf(md, b)));
    return tlv(0x30, seq);
  };
  auto encodings = [](const std::vector<der::Element>& es) {
    std::vector<Bytes> out;
    out.reserve(es.size());
    for (const der::Element& e : es) out.push_back(e.encodingBytes());
    return out;
  };
  append(body, hashes(encodings(parts.certificates)));
  append(body, hashes(encodings(parts.crls)));
  append(body, hashes(signer.unsignedValues));
  return tlv(0x30, body);
}

/// Whether every entry of `listed` is the hash of one of `present` (each
/// used once): §5.5.2 makes an index invalid when an entry has no original.
/// Items present but not listed came later and are ignored.
bool allPresent(const EVP_MD* md, const std::vector<Bytes>& listed, const std::vector<Bytes>& present) {
  std::vector<Bytes> have;
  have.reserve(present.size());
  for (const Bytes& p : present) have.push_back(hashOf(md, p));
  for (const Bytes& h : listed) {
    auto it = std::find(have.begin(), have.end(), h);
    if (it == have.end()) return false;
    have.erase(it);
  }
  return true;
}

/// The message imprint input of §5.5.3: eContentType, the content's hash,
/// the SignerInfo's fields version to signature, the ATSHashIndexV3.
Bytes imprintInput(const SignedDataParts& parts, const Bytes& contentHash, const SignerParts& signer,
                   const Bytes& index) {
  Bytes in = parts.eContentType.encodingBytes();
  append(in, contentHash);
  for (const der::Element& f : signer.signedFields) append(in, f.encodingBytes());
  append(in, index);
  return in;
}

/// The SignerInfo of an RFC 3161 token (a SignedData with one signer), and
/// what encloses it, for reading or adding its unsigned attributes.
struct TokenSigner {
  std::vector<der::Element> contentInfo, signedData, signerInfo;
};

std::optional<TokenSigner> tokenSigner(const Bytes& token) {
  TokenSigner t;
  const auto ci = der::single(token);
  auto c = ci && ci->tag == 0x30 ? ci->children() : std::nullopt;
  if (!c || c->size() != 2 || (*c)[1].tag != 0xA0) return std::nullopt;
  t.contentInfo = *c;
  const auto inner = (*c)[1].children();
  if (!inner || inner->size() != 1 || (*inner)[0].tag != 0x30) return std::nullopt;
  const auto sd = (*inner)[0].children();
  if (!sd || sd->size() < 4 || sd->back().tag != 0x31) return std::nullopt;
  t.signedData = *sd;
  const auto sis = sd->back().children();
  if (!sis || sis->size() != 1 || (*sis)[0].tag != 0x30) return std::nullopt;
  const auto si = (*sis)[0].children();
  if (!si) return std::nullopt;
  t.signerInfo = *si;
  return t;
}

/// The single ats-hash-index value in the token's unsigned attributes
/// (§5.5.3: exactly one, with one value): ats-hash-index-v3, or the older
/// ats-hash-index (ETSI TS 101 733 V2.2.1, 0.4.0.1733.2.5) and
/// ats-hash-index-v2 (EN 319 122-1 V1.0.0, 0.4.0.19122.1.4), whose
/// unsigned attribute entries hash whole Attributes (`wholeAttributes`).
std::optional<Bytes> tokenHashIndex(const Bytes& token, bool& wholeAttributes) {
  const auto t = tokenSigner(token);
  if (!t || t->signerInfo.back().tag != 0xA1) return std::nullopt;
  const auto attrs = t->signerInfo.back().children();
  const Bytes v3 = oidDer(kAtsHashIndexV3Oid);
  const Bytes v2 = oidDer("0.4.0.19122.1.4");
  const Bytes v1 = oidDer("0.4.0.1733.2.5");
  std::optional<Bytes> found;
  for (std::size_t i = 0; attrs && i < attrs->size(); ++i) {
    const auto at = (*attrs)[i].children();
    if (!at || at->size() != 2) continue;
    const Bytes type = (*at)[0].encodingBytes();
    if (type != v3 && type != v2 && type != v1) continue;
    const auto values = (*at)[1].children();
    if (found || !values || values->size() != 1) return std::nullopt;
    found = (*values)[0].encodingBytes();
    wholeAttributes = type != v3;
  }
  return found;
}

/// X.690 §11.6: the elements of a DER SET OF in ascending order of their
/// encodings (the shorter one padded with zeros).
bool derSetLess(const Bytes& a, const Bytes& b) {
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t x = i < a.size() ? a[i] : 0;
    const std::uint8_t y = i < b.size() ? b[i] : 0;
    if (x != y) return x < y;
  }
  return false;
}

/// The token with `attribute` added to its SignerInfo's unsigned
/// attributes.  Built byte by byte: the TSA's signed parts stay exactly as
/// the TSA encoded them (OpenSSL would re-encode what it parsed).
Bytes withUnsignedAttribute(const Bytes& token, const Bytes& attribute, const std::string& file) {
  const auto t = tokenSigner(token);
  if (!t) throw Error(Category::Malformed, tr("the time-stamp service sent a token that cannot be read"), file);
  std::vector<Bytes> attrs{attribute};
  Bytes si;
  for (const der::Element& f : t->signerInfo) {
    if (f.tag != 0xA1) {
      append(si, f.encodingBytes());
      continue;
    }
    const auto old = f.children();
    for (std::size_t i = 0; old && i < old->size(); ++i) attrs.push_back((*old)[i].encodingBytes());
  }
  std::sort(attrs.begin(), attrs.end(), derSetLess);
  Bytes set;
  for (const Bytes& a : attrs) append(set, a);
  append(si, tlv(0xA1, set));
  Bytes sd;
  for (std::size_t i = 0; i + 1 < t->signedData.size(); ++i) append(sd, t->signedData[i].encodingBytes());
  append(sd, tlv(0x31, tlv(0x30, si)));
  Bytes ci = t->contentInfo[0].encodingBytes();
  append(ci, tlv(0xA0, tlv(0x30, sd)));
  return tlv(0x30, ci);
}

}  // namespace

std::vector<Bytes> archiveTimestampV3Tokens(CMS_SignerInfo* si) {
  return unsignedAttributeValuesByOid(si, kArchiveTimestampV3Oid);
}

std::vector<Bytes> unsignedAttributeValuesByOid(CMS_SignerInfo* si, const char* oid) {
  ossl::Asn1Object obj(OBJ_txt2obj(oid, 1));
  return unsignedSequenceValues(si, obj.get());
}

ArchiveCheck checkArchiveTimestampV3(const Bytes& token, const Bytes& contentInfoDer, const Bytes& signature,
                                     const ContentHashFn& content, const std::vector<Certificate>& anchors,
                                     const std::vector<Certificate>& extraCerts,
                                     std::optional<std::time_t> validationTime) {
  ArchiveCheck out;
  std::string problem;
  const auto parts = signedDataParts(contentInfoDer);
  const auto signer = parts ? signerParts(*parts, signature) : std::nullopt;
  bool wholeAttributes = false;
  const auto indexDer = tokenHashIndex(token, wholeAttributes);
  const auto index = indexDer ? parseHashIndex(*indexDer) : std::nullopt;
  if (!parts || !signer) {
    problem = "the signature's structure cannot be read for its archive time-stamp";
  } else if (!index) {
    problem = "the archive time-stamp has no readable ats-hash-index-v3 (ETSI EN 319 122-1 §5.5.3)";
  } else {
    // §5.5.2: whatever the index lists must still be there; what was added
    // after the time-stamp (later validation data, later time-stamps) is not
    // covered and is ignored.
    std::vector<Bytes> certs, crls;
    for (const der::Element& e : parts->certificates) certs.push_back(e.encodingBytes());
    for (const der::Element& e : parts->crls) crls.push_back(e.encodingBytes());
    if (!allPresent(index->md, index->certificates, certs)) {
      problem = "a certificate the archive time-stamp covers is no longer in SignedData.certificates";
    } else if (!allPresent(index->md, index->crls, crls)) {
      problem = "revocation data the archive time-stamp covers is no longer in SignedData.crls";
    } else if (!allPresent(index->md, index->unsignedValues,
                           wholeAttributes ? signer->unsignedAttributes : signer->unsignedValues)) {
      problem = "an unsigned attribute the archive time-stamp covers was removed or changed";
    }
  }
  auto hashOfInput = [&](const std::string& digestName) -> std::optional<Bytes> {
    if (!problem.empty()) return std::nullopt;
    const EVP_MD* md = EVP_get_digestbyname(digestName.c_str());
    const std::optional<Bytes> contentHash = md ? content(md) : std::nullopt;
    if (!contentHash) {
      out.contentMissing = md != nullptr;
      return std::nullopt;
    }
    return hashOf(md, imprintInput(*parts, *contentHash, *signer, *indexDer));
  };
  out.tc = checkTimestampTokenWith(token, hashOfInput, anchors, extraCerts, validationTime);
  if (!problem.empty()) out.tc.detail = problem;
  ERR_clear_error();
  return out;
}

namespace {

/// The hash with `md` of `pieces`, the external content `detached` (when
/// `external`) and `after`, in that order: an archive-time-stamp v2 input.
std::optional<Bytes> hashArchiveV2Input(const EVP_MD* md, const std::vector<Bytes>& pieces, bool external,
                                        const std::optional<std::filesystem::path>& detached,
                                        const std::vector<Bytes>& after) {
  ossl::EvpMdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) return std::nullopt;
  for (const Bytes& b : pieces) EVP_DigestUpdate(ctx.get(), b.data(), b.size());
  if (external && detached) {
    std::ifstream in(*detached, std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<char> buf(64u << 10);
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)
      EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  for (const Bytes& b : after) EVP_DigestUpdate(ctx.get(), b.data(), b.size());
  unsigned char h[EVP_MAX_MD_SIZE];
  unsigned int hl = 0;
  if (EVP_DigestFinal_ex(ctx.get(), h, &hl) != 1) return std::nullopt;
  return Bytes(h, h + hl);
}

/// One reading of RFC 5126 §6.4.1 for checkArchiveTimestampV2: archive
/// time-stamps with the same genTime as this one (whole seconds) are left
/// out, or kept (`sameTimeBefore`: made just before it).
ArchiveCheck archiveV2Attempt(const Bytes& token, const Bytes& contentInfoDer, const Bytes& signature,
                              const std::optional<std::filesystem::path>& detached,
                              const std::vector<Certificate>& anchors, const std::vector<Certificate>& extraCerts,
                              std::optional<std::time_t> validationTime, bool sameTimeBefore) {
  ArchiveCheck out;
  // RFC 5126 §6.4.1: the imprint is a hash of the concatenation of the
  // encapContentInfo, the external content when eContent is absent, the
  // certificates and crls fields, and every field of the SignerInfo with
  // the unsigned attributes present when the time-stamp was made.
  auto genTimeOf = [](const Bytes& t) {
    return checkTimestampTokenWith(t, [](const std::string&) { return std::optional<Bytes>(); }, {}, {}).genTime;
  };
  const std::optional<std::time_t> ownTime = genTimeOf(token);
  const Bytes v2Oid = oidDer("1.2.840.113549.1.9.16.2.48");
  const Bytes v3Oid = oidDer(kArchiveTimestampV3Oid);
  const auto sd = signedDataFields(contentInfoDer);
  std::vector<Bytes> pieces;  // before the external content
  std::vector<Bytes> after;   // after it
  bool external = false;
  bool readable = sd && sd->size() >= 4 && (*sd)[2].tag == 0x30 && sd->back().tag == 0x31;
  if (readable) {
    const auto eci = (*sd)[2].children();
    external = eci && eci->size() == 1;
    pieces.push_back((*sd)[2].encodingBytes());
    for (std::size_t i = 3; i + 1 < sd->size(); ++i) after.push_back((*sd)[i].encodingBytes());
    readable = false;
    const auto sis = sd->back().children();
    for (std::size_t i = 0; sis && i < sis->size() && !readable; ++i) {
      const auto fields = (*sis)[i].children();
      if (!fields) continue;
      std::vector<Bytes> mine;
      bool match = false;
      std::optional<Bytes> unsignedBefore;
      for (const der::Element& f : *fields) {
        if (f.tag == 0x04) match = f.contentBytes() == signature;
        if (f.tag != 0xA1) {
          mine.push_back(f.encodingBytes());
          continue;
        }
        // The unsigned attributes in their order, without this archive
        // time-stamp and those made at or after its time (they did not
        // exist yet), as EU DSS reads RFC 5126 §6.4.1.
        const auto attrs = f.children();
        Bytes before;
        for (std::size_t a = 0; attrs && a < attrs->size(); ++a) {
          const auto at = (*attrs)[a].children();
          const auto values = at && at->size() == 2 ? (*at)[1].children() : std::nullopt;
          if (values && !values->empty() &&
              (at->front().encodingBytes() == v2Oid || at->front().encodingBytes() == v3Oid)) {
            const std::optional<std::time_t> other = genTimeOf((*values)[0].encodingBytes());
            const bool later = !other || !ownTime || *other > *ownTime ||
                               (*other == *ownTime && (!sameTimeBefore || (*values)[0].encodingBytes() == token));
            if (later) continue;
          }
          append(before, (*attrs)[a].encodingBytes());
        }
        unsignedBefore = tlv(0xA1, before);
      }
      if (!match) continue;
      readable = true;
      after.insert(after.end(), mine.begin(), mine.end());
      if (unsignedBefore) after.push_back(*unsignedBefore);
    }
  }
  auto hashOfInput = [&](const std::string& digestName) -> std::optional<Bytes> {
    const EVP_MD* md = EVP_get_digestbyname(digestName.c_str());
    if (!readable || !md) return std::nullopt;
    if (external && !detached) {
      out.contentMissing = true;
      return std::nullopt;
    }
    return hashArchiveV2Input(md, pieces, external, detached, after);
  };
  out.tc = checkTimestampTokenWith(token, hashOfInput, anchors, extraCerts, validationTime);
  if (!readable) out.tc.detail = "the signature's structure cannot be read for its archive time-stamp";
  ERR_clear_error();
  return out;
}

}  // namespace

ArchiveCheck checkArchiveTimestampV2(const Bytes& token, const Bytes& contentInfoDer, const Bytes& signature,
                                     const std::optional<std::filesystem::path>& detached,
                                     const std::vector<Certificate>& anchors,
                                     const std::vector<Certificate>& extraCerts,
                                     std::optional<std::time_t> validationTime) {
  ArchiveCheck first =
      archiveV2Attempt(token, contentInfoDer, signature, detached, anchors, extraCerts, validationTime, false);
  if (first.tc.imprintMatches || first.contentMissing || !first.tc.parsed) return first;
  // Two archive time-stamps within one second cannot be ordered by genTime:
  // the other one may be older and covered.
  ArchiveCheck second =
      archiveV2Attempt(token, contentInfoDer, signature, detached, anchors, extraCerts, validationTime, true);
  return second.tc.imprintMatches ? second : first;
}

void addArchiveTimestamp(CMS_ContentInfo* cms, CMS_SignerInfo* si, const SignParams& params,
                         const ContentHashFn& content, const std::string& file) {
  const EVP_MD* md = ossl::evpDigest(params.digest);
  const Bytes signature = signatureValue(si);
  const Bytes before = toDer(cms);
  const auto parts = signedDataParts(before);
  const auto signer = parts ? signerParts(*parts, signature) : std::nullopt;
  if (!signer) throw Error(Category::Malformed, tr("the signature's structure cannot be read"), file);
  const std::optional<Bytes> contentHash = content(md);
  if (!contentHash) {
    throw Error(Category::Io, tr("the signed content is needed for an archive time-stamp (B-LTA)"), file);
  }
  // §5.5.2 and §5.5.3: the index of what exists now, and the imprint over
  // the content, the signer's signed fields and that index.
  const Bytes index = buildHashIndex(md, *parts, *signer);
  Bytes token;
  try {
    token = requestTimestampTokenForDigest(hashOf(md, imprintInput(*parts, *contentHash, *signer, index)),
                                           timestampOptions(params));
  } catch (const Error& e) {
    throw e.withFile(file);
  }
  // §5.5.3: the index travels in the token's own unsigned attributes.
  Bytes attrBody = oidDer(kAtsHashIndexV3Oid);
  append(attrBody, tlv(0x31, index));
  const Bytes indexAttr = tlv(0x30, attrBody);
  token = withUnsignedAttribute(token, indexAttr, file);
  ossl::Asn1Object obj(OBJ_txt2obj(kArchiveTimestampV3Oid, 1));
  if (!obj || CMS_unsigned_add1_attr_by_OBJ(si, obj.get(), V_ASN1_SEQUENCE, token.data(),
                                            static_cast<int>(token.size())) != 1) {
    throwOpenSsl(Category::Crypto, tr("cannot add the archive time-stamp to the signature"), file);
  }
  // What is written must verify: recompute every archive time-stamp of this
  // signer over the final encoding (also the earlier ones a renewal keeps).
  const Bytes after = toDer(cms);
  auto sameContent = [&](const EVP_MD* m) -> std::optional<Bytes> {
    return EVP_MD_get_type(m) == EVP_MD_get_type(md) ? contentHash : content(m);
  };
  for (const Bytes& t : archiveTimestampV3Tokens(si)) {
    const ArchiveCheck c = checkArchiveTimestampV3(t, after, signature, sameContent, {}, {}, std::nullopt);
    if (!c.tc.imprintMatches) {
      throw Error(Category::Internal, tr("the archive time-stamp does not cover the signature as written"), file,
                  c.tc.detail);
    }
  }
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
