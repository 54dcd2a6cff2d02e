#include "cms_support.h"
#include "der.h"

#include <securedoc/crypto/chain.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/timestamp.h>
#include <securedoc/formats/cades.h>
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
#include <memory>
#include <unistd.h>

namespace securedoc {

namespace {

using namespace cms;

// DER of OBJECT IDENTIFIER 1.2.840.113549.1.7.2 (id-signedData, RFC 5652 §5.1).
const std::uint8_t kSignedDataOid[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02};
// Attached content larger than this is refused: it must sit in memory.
constexpr std::size_t kMaxAttachedContent = 512u << 20;

/// The digest of the signed content with any algorithm (ETSI EN 319 122-1
/// §5.5.3 hashes it with the archive time-stamp's algorithm): the
/// encapsulated content, else the file `detached` (none: not available).
/// Each algorithm's digest is computed once.
ContentHashFn contentHasher(CMS_ContentInfo* cms, std::optional<std::filesystem::path> detached) {
  auto cache = std::make_shared<std::map<int, Bytes>>();
  return [cms, detached = std::move(detached), cache](const EVP_MD* md) -> std::optional<Bytes> {
    if (!md) return std::nullopt;
    const auto known = cache->find(EVP_MD_get_type(md));
    if (known != cache->end()) return known->second;
    ContentDigests d;
    d.need(md);
    if (CMS_is_detached(cms) != 1) {
      ASN1_OCTET_STRING** content = CMS_get0_content(cms);
      if (!content || !*content) return std::nullopt;
      d.computeFromMemory(ASN1_STRING_get0_data(*content), static_cast<std::size_t>(ASN1_STRING_length(*content)));
    } else if (detached) {
      d.computeFromFile(*detached);
    } else {
      return std::nullopt;
    }
    return cache->emplace(EVP_MD_get_type(md), *d.get(md)).first->second;
  };
}

/// The DER of the CMS in `file`: its own octets when they are DER with
/// definite lengths down to the SignedData's fields, else OpenSSL's
/// encoding of what it read (PEM, BER).
Bytes fileDer(const std::filesystem::path& file, CMS_ContentInfo* cms) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (!ec && size > 0 && size <= kMaxAttachedContent + (64u << 20)) {
    Bytes raw = readFile(file, static_cast<std::size_t>(size));
    const auto top = der::single(raw);
    const auto ci = top && top->tag == 0x30 ? top->children() : std::nullopt;
    const auto inner = ci && ci->size() == 2 ? (*ci)[1].children() : std::nullopt;
    if (inner && inner->size() == 1 && (*inner)[0].tag == 0x30 && (*inner)[0].children()) return raw;
  }
  return toDer(cms);
}

class CadesPending final : public PendingSignature {
 public:
  const Bytes& digestToSign() const override { return draft.tbsDigest; }
  SignatureScheme scheme() const override { return draft.scheme; }
  void finish(const Bytes& signatureValue, AtomicFile& out) override;

  Draft draft;
  std::filesystem::path input;
  SignParams params;
};

}  // namespace

// ------------------------------------------------------------- detection ---

bool CadesModule::recognises(const ContentSniff& c) const {
  if (startsWith(c.head, "-----BEGIN CMS-----") || startsWith(c.head, "-----BEGIN PKCS7-----")) return true;
  if (c.head.size() < 16 || c.head[0] != 0x30) return false;
  // ContentInfo: SEQUENCE, length, then contentType id-signedData.
  const std::size_t window = std::min<std::size_t>(c.head.size(), 24);
  auto it = std::search(c.head.begin(), c.head.begin() + static_cast<std::ptrdiff_t>(window),
                        std::begin(kSignedDataOid), std::end(kSignedDataOid));
  return it != c.head.begin() + static_cast<std::ptrdiff_t>(window);
}

bool CadesModule::isDefaultFor(const ContentSniff&) const { return true; }
bool CadesModule::canSign(const ContentSniff&) const { return true; }

std::filesystem::path CadesModule::outputName(const std::filesystem::path& input, Packaging p) const {
  std::filesystem::path out = input;
  out += (p == Packaging::Attached) ? ".p7m" : ".p7s";
  return out;
}

// ------------------------------------------------------------------ sign ---

std::unique_ptr<PendingSignature> CadesModule::prepare(const std::filesystem::path& input, const SignParams& params,
                                                       const OfferedCertificate& offered) {
  Packaging packaging = params.packaging == Packaging::Default ? defaultPackaging() : params.packaging;
  if (packaging != Packaging::Detached && packaging != Packaging::Attached) {
    throw Error(Category::Usage,
                format(tr("CAdES signatures are detached or attached, not {0}"), {packagingName(packaging)}));
  }
  auto pending = std::make_unique<CadesPending>();
  pending->input = input;
  pending->params = params;
  // The content digest, streamed; attached content is also kept in memory.
  Bytes attached;
  Bytes contentDigest;
  if (packaging == Packaging::Attached) {
    attached = readFile(input, kMaxAttachedContent);
    contentDigest = digest(params.digest, attached);
  } else {
    contentDigest = digestFile(params.digest, input);
  }
  pending->draft =
      draftSignedData(contentDigest, params.digest, offered, params.signingTime.value_or(std::time(nullptr)),
                      packaging == Packaging::Attached ? &attached : nullptr, params.rsaPss, input.string());
  return pending;
}

void CadesPending::finish(const Bytes& signatureValue, AtomicFile& out) {
  const std::filesystem::path& output = out.temporary();
  completeSignedData(draft, signatureValue, input.string());
  // B-T: the signature-time-stamp covers the signature value (EN 319 122-1 §5.3).
  if (params.level != SignatureLevel::B_B) addTimestamp(draft, params, input.string());
  // B-LT: the validation material as unsigned attributes (EN 319 122-1 §5.5).
  if (params.level == SignatureLevel::B_LT || params.level == SignatureLevel::B_LTA)
    addLongTermValues(draft.cms.get(), draft.si, params, input.string());
  // B-LTA: an archive-time-stamp-v3 over all of it (EN 319 122-1 §5.5.3);
  // the content of a detached signature is the input file.
  if (params.level == SignatureLevel::B_LTA) {
    addArchiveTimestamp(draft.cms.get(), draft.si, params, contentHasher(draft.cms.get(), input), input.string());
  }
  ossl::Bio bio(BIO_new_file(output.c_str(), "wb"));
  if (!bio) throwOpenSsl(Category::Io, tr("cannot write the signature file"), output.string());
  if (i2d_CMS_bio(bio.get(), draft.cms.get()) != 1 || BIO_flush(bio.get()) != 1) {
    throwOpenSsl(Category::Io, tr("cannot write the signature file"), output.string());
  }
}

// ---------------------------------------------------------------- extend ---

namespace {

bool reaches(const std::string& level, SignatureLevel wanted) {
  const int have = level == "B-LTA" ? 3 : level == "B-LT" ? 2 : level == "B-T" ? 1 : 0;
  return have >= static_cast<int>(wanted);
}

/// What re-encoding may not change: every SignerInfo with signed attributes
/// still verifies over them (RFC 5652 §5.4).  OpenSSL writes what it parsed;
/// a signature made over another encoding would break, and is refused.
void requireSignaturesIntact(const Bytes& der, const std::string& file) {
  ossl::Cms again = parseDer(der, file);
  CMS_set1_signers_certs(again.get(), nullptr, 0);
  STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(again.get());
  for (int i = 0; sis && i < sk_CMS_SignerInfo_num(sis); ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
    if (CMS_signed_get_attr_count(si) <= 0) continue;
    if (CMS_SignerInfo_verify(si) != 1) {
      ERR_clear_error();
      throw Error(Category::Unsupported,
                  tr("the signature cannot be extended without changing what was signed (its encoding is not DER)"),
                  file);
    }
  }
  ERR_clear_error();
}

/// The signed content of a detached signature for extending it to B-LTA:
/// the file beside it without the .p7s or .sig extension (as the verifier
/// finds it), which must be what the signature's message-digest covers.
std::filesystem::path detachedContentFor(const std::filesystem::path& file, CMS_SignerInfo* si) {
  const std::string ext = file.extension().string();
  std::filesystem::path content = file;
  content.replace_extension();
  std::error_code ec;
  if ((ext != ".p7s" && ext != ".sig" && ext != ".P7S" && ext != ".SIG") ||
      !std::filesystem::is_regular_file(content, ec)) {
    throw Error(Category::Io,
                tr("an archive time-stamp (B-LTA) of a detached signature covers its signed file, which must be "
                   "beside it with the same name without .p7s"),
                file.string());
  }
  const EVP_MD* md = signerDigest(si);
  ASN1_OCTET_STRING* signedDigest = static_cast<ASN1_OCTET_STRING*>(
      CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
  if (md && signedDigest) {
    ContentDigests d;
    d.need(md);
    d.computeFromFile(content);
    const Bytes& have = *d.get(md);
    if (static_cast<std::size_t>(ASN1_STRING_length(signedDigest)) != have.size() ||
        CRYPTO_memcmp(ASN1_STRING_get0_data(signedDigest), have.data(), have.size()) != 0) {
      throw Error(Category::Policy,
                  format(tr("{0} is not the content this signature signed, so no archive time-stamp is added"),
                         {content.string()}),
                  file.string());
    }
  }
  return content;
}

}  // namespace

std::vector<ExtendedSignature> CadesModule::extend(const std::filesystem::path& file, AtomicFile& out,
                                                   const SignParams& params) {
  ossl::Cms cms = readCms(file);
  STACK_OF(CMS_SignerInfo)* sis =
      OBJ_obj2nid(CMS_get0_type(cms.get())) == NID_pkcs7_signed ? CMS_get0_SignerInfos(cms.get()) : nullptr;
  if (!sis || sk_CMS_SignerInfo_num(sis) == 0) {
    throw Error(Category::Malformed, tr("the file holds no signature"), file.string());
  }
  CMS_set1_signers_certs(cms.get(), nullptr, 0);
  ERR_clear_error();
  std::vector<ExtendedSignature> done;
  for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
    ExtendedSignature e{"S" + std::to_string(i + 1), levelOf(si), {}};
    // A detached signature's content is found before anything is asked of
    // a service: without it no archive time-stamp can be made.
    std::optional<std::filesystem::path> content;
    if (params.level == SignatureLevel::B_LTA && CMS_is_detached(cms.get()) == 1)
      content = detachedContentFor(file, si);
    // EN 319 122-1 §5.3, §5.5: a signature time-stamp first, then the values.
    if (!reaches(e.levelBefore, SignatureLevel::B_T) && params.level != SignatureLevel::B_B) {
      try {
        addSignatureTimestamp(si, requestTimestampToken(signatureValue(si), timestampOptions(params)));
      } catch (const Error& err) {
        throw err.withFile(file.string());
      }
    }
    if (!reaches(levelOf(si), SignatureLevel::B_LT) &&
        (params.level == SignatureLevel::B_LT || params.level == SignatureLevel::B_LTA)) {
      addLongTermValues(cms.get(), si, params, file.string());
    }
    // EN 319 122-1 §5.5.3: B-LTA adds an archive time-stamp, also to a
    // signature that has one already (a renewal, before the last one's
    // algorithms or TSA certificate weaken).
    if (params.level == SignatureLevel::B_LTA) {
      addArchiveTimestamp(cms.get(), si, params, contentHasher(cms.get(), content), file.string());
    }
    e.levelAfter = levelOf(si);
    done.push_back(std::move(e));
  }
  const Bytes der = toDer(cms.get());
  requireSignaturesIntact(der, file.string());
  out.write(der.data(), der.size());
  return done;
}

// ---------------------------------------------------------------- verify ---

VerificationReport CadesModule::verify(const std::filesystem::path& file, const VerifyOptions& options) {
  VerificationReport report;
  report.file = file.string();
  report.format = "CAdES";
  const std::time_t now = options.time.value_or(std::time(nullptr));
  report.validationTime = now;

  ossl::Cms cms = readCms(file);
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return report;  // a CMS, but not signed: no signature
  }
  STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
  if (!sis || sk_CMS_SignerInfo_num(sis) == 0) return report;

  CMS_set1_signers_certs(cms.get(), nullptr, 0);
  ERR_clear_error();
  // The archive time-stamps' imprints cover fields "in their binary encoded
  // form without any modification" (EN 319 122-1 §5.5.3): the file's own
  // DER when it is DER, else OpenSSL's encoding of what it read (PEM).
  const Bytes der = fileDer(file, cms.get());
  VerifyContext vc{options, {}, now, "CAdES", signedDataValidationData(der), std::nullopt, &der, {}};
  {
    ossl::X509Stack certs(CMS_get1_certs(cms.get()));
    for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) vc.pool.emplace_back(sk_X509_value(certs.get(), i));
  }

  // The content every top-level signer covers, hashed once per algorithm.
  ContentDigests digests;
  for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) digests.need(signerDigest(sk_CMS_SignerInfo_value(sis, i)));
  const bool detached = CMS_is_detached(cms.get()) == 1;
  if (detached) {
    if (options.detachedContent) digests.computeFromFile(*options.detachedContent);
  } else {
    ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
    if (content && *content) {
      digests.computeFromMemory(ASN1_STRING_get0_data(*content),
                                static_cast<std::size_t>(ASN1_STRING_length(*content)));
    }
  }
  auto topLevelDigest = [&digests](const EVP_MD* md) -> const Bytes* {
    return digests.ready() ? digests.get(md) : nullptr;
  };
  const ContentHashFn anyDigest =
      contentHasher(cms.get(), detached ? options.detachedContent : std::optional<std::filesystem::path>(std::nullopt));
  vc.anyContentDigest = [&topLevelDigest, anyDigest](const EVP_MD* md) -> std::optional<Bytes> {
    if (const Bytes* known = topLevelDigest(md)) return *known;
    return anyDigest(md);
  };

  for (int i = 0; i < sk_CMS_SignerInfo_num(sis); ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
    const std::string id = "S" + std::to_string(i + 1);
    report.signatures.push_back(verifySignerInfo(si, id, vc, DigestFn(topLevelDigest)));
    if (detached && options.detachedContent) {
      report.signatures.back().messages.push_back(
          Note{"signed-content-file", N_("Signed content: {file}"), {{"file", options.detachedContent->string()}}});
    }
    verifyCounterSignatures(si, id, vc, report.signatures, 1);
  }
  report.computeOverall();
  return report;
}

// --------------------------------------------------------------- inspect ---

Inspection CadesModule::inspect(const std::filesystem::path& file) {
  Inspection out;
  out.file = file.string();
  out.format = "CAdES";
  ossl::Cms cms = readCms(file);
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) return out;
  const bool detached = CMS_is_detached(cms.get()) == 1;
  out.packaging = detached ? "detached" : "attached";
  if (!detached) {
    ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
    if (content && *content) out.contentSize = static_cast<std::uintmax_t>(ASN1_STRING_length(*content));
  }
  {
    ossl::X509Stack certs(CMS_get1_certs(cms.get()));
    for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i)
      out.certificates.emplace_back(sk_X509_value(certs.get(), i));
  }
  CMS_set1_signers_certs(cms.get(), nullptr, 0);
  ERR_clear_error();
  STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(cms.get());
  for (int i = 0; sis && i < sk_CMS_SignerInfo_num(sis); ++i) {
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, i);
    InspectedSignature s;
    s.id = "S" + std::to_string(i + 1);
    X509_ALGOR* dig = nullptr;
    X509_ALGOR* sigAlg = nullptr;
    X509* signer = nullptr;
    CMS_SignerInfo_get0_algs(si, nullptr, &signer, &dig, &sigAlg);
    if (signer) s.signer.emplace(signer);
    s.digestAlgorithm = algorithmName(dig);
    s.signatureAlgorithm = algorithmName(sigAlg);
    s.signingTime = signingTimeOf(si);
    for (int a = 0; a < CMS_signed_get_attr_count(si); ++a)
      s.signedAttributes.push_back(attributeLabel(CMS_signed_get_attr(si, a)));
    for (int a = 0; a < CMS_unsigned_get_attr_count(si); ++a)
      s.unsignedAttributes.push_back(attributeLabel(CMS_unsigned_get_attr(si, a)));
    const bool ts = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) >= 0;
    const bool values = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_certValues, -1) >= 0;
    const bool archive =
        hasUnsignedAttribute(si, "1.2.840.113549.1.9.16.2.48") || hasUnsignedAttribute(si, "0.4.0.1733.2.4");
    s.level = archive ? "B-LTA" : values ? "B-LT" : ts ? "B-T" : "B-B";
    out.signatures.push_back(std::move(s));
  }
  return out;
}

}  // namespace securedoc
