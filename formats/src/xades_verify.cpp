// XAdES / XML-DSig verification.
//
// Verification follows ETSI EN 319 102-1 §5.2 in order, one function per
// check, called by verifySignature: format checking (every Reference
// resolved by us before xmlsec runs, xades_references.cpp); identification
// of the signing certificate (the one SigningCertificate names, else the one
// KeyInfo carries, else a key the signature names or carries, never one
// xmlsec picks); integrity (every reference digest, then the value, whether
// or not the certificate chains to a trust anchor; without any key the
// digests are still computed); the time-stamps (the signature's, then each
// archive time-stamp over what EN 319 132-1 §5.5.2.2 archives); the
// certificate chain; the cryptographic constraints; and the scope.
#include <securedoc/formats/xades.h>

#include "der.h"
#include "signature_checks.h"
#include "xades_internal.h"

#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include <libxml/uri.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/crypto.h>
#include <xmlsec/transforms.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

namespace securedoc {

namespace fs = std::filesystem;

namespace xades {

namespace {

using checks::lower;
using checks::makeCheck;
using xml::X;

/// Documents larger than this (elements, attributes, text nodes) are not put
/// through xmlsec's XPath 1.0 transform when the key is only inside the
/// signature (KeyValue); otherwise ExcludeSignaturesFilter2 runs it linearly.
constexpr std::size_t kMaxXPathNodes = 20000;

struct KeysMngrFree {
  void operator()(xmlSecKeysMngr* m) const { xmlSecKeysMngrDestroy(m); }
};
using KeysMngr = std::unique_ptr<xmlSecKeysMngr, KeysMngrFree>;

Bytes hash(const EVP_MD* md, const Bytes& data) {
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
    throwOpenSsl(Category::Crypto, "digest failed");
  }
  out.resize(len);
  return out;
}

/// xs:dateTime -> UTC; nullopt if unreadable.
std::optional<std::time_t> parseDateTime(const std::string& s) {
  static const std::regex re(R"(^\s*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?\s*$)");
  std::smatch m;
  if (!std::regex_match(s, m, re)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  std::time_t t = timegm(&tm);
  const std::string zone = m[8];
  if (zone.size() == 6) {
    const int off = (std::stoi(zone.substr(1, 2)) * 60 + std::stoi(zone.substr(4, 2))) * 60;
    t += zone[0] == '+' ? -off : off;
  }
  return t;
}

/// Signature methods accepted, with their xmlsec transforms.
void enableTransforms(xmlSecDSigCtx* ctx) {
  const xmlSecTransformId common[] = {xmlSecTransformInclC14NId,   xmlSecTransformInclC14NWithCommentsId,
                                      xmlSecTransformInclC14N11Id, xmlSecTransformInclC14N11WithCommentsId,
                                      xmlSecTransformExclC14NId,   xmlSecTransformExclC14NWithCommentsId,
                                      xmlSecTransformSha1Id,       xmlSecTransformSha224Id,
                                      xmlSecTransformSha256Id,     xmlSecTransformSha384Id,
                                      xmlSecTransformSha512Id};
  for (auto id : common) {
    xmlSecDSigCtxEnableReferenceTransform(ctx, id);
    xmlSecDSigCtxEnableSignatureTransform(ctx, id);
  }
  for (auto id :
       {xmlSecTransformEnvelopedId, xmlSecTransformBase64Id, xmlSecTransformXPathId, xmlSecTransformXPath2Id}) {
    xmlSecDSigCtxEnableReferenceTransform(ctx, id);
  }
  for (auto id : {xmlSecTransformRsaSha1Id, xmlSecTransformRsaSha224Id, xmlSecTransformRsaSha256Id,
                  xmlSecTransformRsaSha384Id, xmlSecTransformRsaSha512Id, xmlSecTransformEcdsaSha1Id,
                  xmlSecTransformEcdsaSha224Id, xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
                  xmlSecTransformEcdsaSha512Id, xmlSecTransformDsaSha1Id, xmlSecTransformDsaSha256Id}) {
    xmlSecDSigCtxEnableSignatureTransform(ctx, id);
  }
}

std::vector<Certificate> certificatesIn(xmlNode* keyInfo, std::vector<Note>& messages) {
  std::vector<Certificate> out;
  for (xmlNode* x509 : xml::children(keyInfo)) {
    if (!xml::is(x509, kDsig, "X509Data")) continue;
    for (xmlNode* c : xml::children(x509)) {
      if (!xml::is(c, kDsig, "X509Certificate")) continue;
      const auto der = xml::base64(c);
      try {
        if (!der) throw Error(Category::Malformed, "not base64");
        out.push_back(Certificate::fromDer(*der));
      } catch (const Error&) {
        messages.push_back(
            Note{"certificate-unreadable", N_("A certificate in the signature cannot be read and was ignored.")});
      }
    }
  }
  return out;
}

struct CertRef {
  const DigestInfo* digest = nullptr;
  Bytes value;
  std::optional<std::string> serial;  ///< decimal, from IssuerSerial (v1)
};

xmlNode* dsigOrXades(xmlNode* parent, const char* name) {
  xmlNode* n = xml::child(parent, kDsig, name);
  return n ? n : xml::child(parent, kXadesAny, name);
}

std::vector<CertRef> signingCertificateRefs(xmlNode* signedProperties, bool& present) {
  std::vector<CertRef> out;
  xmlNode* ssp = xml::child(signedProperties, kXadesAny, "SignedSignatureProperties");
  xmlNode* sc = xml::child(ssp, kXadesAny, "SigningCertificateV2");
  if (!sc) sc = xml::child(ssp, kXadesAny, "SigningCertificate");
  present = sc != nullptr;
  for (xmlNode* cert : xml::children(sc)) {
    if (!xml::is(cert, kXadesAny, "Cert")) continue;
    CertRef ref;
    xmlNode* cd = xml::child(cert, kXadesAny, "CertDigest");
    // XAdES 1.1.1 put these in its own namespace, later versions in XML-DSig's.
    xmlNode* dm = dsigOrXades(cd, "DigestMethod");
    xmlNode* dv = dsigOrXades(cd, "DigestValue");
    if (dm) ref.digest = digestByUri(xml::attribute(dm, "Algorithm").value_or(""));
    if (dv) ref.value = xml::base64(dv).value_or(Bytes{});
    if (xmlNode* is = xml::child(cert, kXadesAny, "IssuerSerial")) {
      if (xmlNode* sn = dsigOrXades(is, "X509SerialNumber")) ref.serial = xml::withoutWhiteSpace(xml::text(sn));
    }
    out.push_back(std::move(ref));
  }
  return out;
}

bool refMatches(const CertRef& ref, const Certificate& c) {
  if (!ref.digest || ref.value.empty()) return false;
  ossl::EvpMd md(EVP_MD_fetch(nullptr, ref.digest->name, nullptr));
  if (!md) return false;
  const Bytes d = hash(md.get(), c.der());
  if (d.size() != ref.value.size() || CRYPTO_memcmp(d.data(), ref.value.data(), d.size()) != 0) return false;
  if (ref.serial) {
    ossl::Bignum bn(nullptr);
    BIGNUM* raw = nullptr;
    if (BN_dec2bn(&raw, ref.serial->c_str()) == 0) return false;
    bn.reset(raw);
    ossl::Bignum mine(ASN1_INTEGER_to_BN(X509_get0_serialNumber(c.native()), nullptr));
    if (!mine || BN_cmp(bn.get(), mine.get()) != 0) return false;
  }
  return true;
}

/// The certificate that made the signature: the one the signed
/// SigningCertificate names, else the end of the KeyInfo chain.
std::optional<Certificate> chooseSigner(const std::vector<Certificate>& keyInfo, const std::vector<CertRef>& refs) {
  for (const Certificate& c : keyInfo) {
    for (const CertRef& r : refs) {
      if (refMatches(r, c)) return c;
    }
  }
  for (const Certificate& c : keyInfo) {
    const bool issuesAnother = std::any_of(keyInfo.begin(), keyInfo.end(), [&](const Certificate& o) {
      return !(o == c) && X509_check_issued(c.native(), o.native()) == X509_V_OK;
    });
    if (!issuesAnother) return c;
  }
  if (!keyInfo.empty()) return keyInfo.front();
  return std::nullopt;
}

std::vector<ossl::EvpPkey> loadPublicKeys(const std::vector<fs::path>& files) {
  std::vector<ossl::EvpPkey> keys;
  for (const fs::path& f : files) {
    ossl::Bio bio(BIO_new_file(f.c_str(), "rb"));
    if (!bio) throwOpenSsl(Category::Io, tr("cannot read the public key file"), f.string());
    ossl::EvpPkey k(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!k) throwOpenSsl(Category::Malformed, tr("not a PEM public key"), f.string());
    keys.push_back(std::move(k));
  }
  return keys;
}

struct XmlsecOutcome {
  bool ran = false;
  bool succeeded = false;
  std::vector<xmlSecDSigStatus> references;  ///< in SignedInfo order, as far as xmlsec got
  std::string error;
};

/// Runs xmlsec's verification of `sig` with `key` (nullptr: from KeyValue).
XmlsecOutcome runXmlsec(xmlNode* sig, Key key, const std::map<std::string, fs::path>& files) {
  XmlsecOutcome out;
  KeysMngr mngr;
  if (!key) {
    // A manager with an empty key store only (no system CA bundle): the key
    // comes from the signature's KeyValue.
    mngr.reset(xmlSecKeysMngrCreate());
    xmlSecKeyStorePtr store = xmlSecKeyStoreCreate(xmlSecSimpleKeysStoreId);
    if (!mngr || !store || xmlSecKeysMngrAdoptKeysStore(mngr.get(), store) < 0) {
      if (store) xmlSecKeyStoreDestroy(store);
      throw Error(Category::Internal, "xmlsec keys manager");
    }
    mngr->getKey = xmlSecKeysMngrGetKey;
  }
  DSigCtx ctx(xmlSecDSigCtxCreate(mngr.get()));
  if (!ctx) throw Error(Category::Internal, "cannot create an xmlsec context");
  // Not XMLSEC_DSIG_FLAGS_STORE_SIGNEDINFO_REFERENCES: it keeps every
  // reference's input in memory (2 GiB for a 1 GiB detached file), and the
  // statuses are in signedInfoReferences without it.
  ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
  ctx->enabledReferenceUris = static_cast<xmlSecTransformUriType>(
      xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument |
      (files.empty() ? 0 : (xmlSecTransformUriTypeLocal | xmlSecTransformUriTypeRemote)));
  enableTransforms(ctx.get());
  if (key) {
    ctx->signKey = key.release();
  } else {
    // Only a bare key value from KeyInfo: no certificates, no retrieval.
    for (xmlSecKeyDataId id :
         {xmlSecKeyDataValueId, xmlSecOpenSSLKeyDataRsaId, xmlSecOpenSSLKeyDataDsaId, xmlSecOpenSSLKeyDataEcdsaId}) {
      xmlSecPtrListAdd(&ctx->keyInfoReadCtx.enabledKeyData, const_cast<void*>(static_cast<const void*>(id)));
    }
  }
  xml::clearLastError();
  xml::AllowedFiles allow(files);
  const int rc = xmlSecDSigCtxVerify(ctx.get(), sig);
  out.ran = true;
  out.error = xml::lastError();
  const xmlSecSize n = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
  for (xmlSecSize i = 0; i < n; ++i) {
    auto* ref = static_cast<xmlSecDSigReferenceCtxPtr>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
    if (ref) out.references.push_back(ref->status);
  }
  out.succeeded = rc >= 0 && ctx->status == xmlSecDSigStatusSucceeded;
  return out;
}

/// While it lives, every accepted XPath 1.0 "not(ancestor-or-self::ds:Signature)"
/// transform of `refs` is replaced in the DOM by the XPath Filter 2.0
/// "subtract /descendant::ds:Signature", which selects the same nodes (the
/// document without any signature subtree) but which xmlsec evaluates in
/// linear time; XPath 1.0 is worse than quadratic there (16,000 records: 3.5 s,
/// 1 MiB: minutes).  SignedInfo is changed meanwhile, so the signature value
/// is checked separately over the original SignedInfo (signedInfoValueValid).
class ExcludeSignaturesFilter2 {
 public:
  explicit ExcludeSignaturesFilter2(const std::vector<ResolvedReference>& refs) {
    for (const auto& ref : refs) {
      for (xmlNode* original : ref.excludeSignaturesXPath) {
        xmlNode* t = xmlNewNode(original->ns, X("Transform"));
        xmlNewProp(t, X("Algorithm"), X(kXPath2Transform));
        xmlNode* xp = xmlNewChild(t, nullptr, X("XPath"), X("/descendant::ds:Signature"));
        xmlSetNs(xp, xmlNewNs(xp, X(kXPath2Transform), X("xf2")));
        xmlNewNs(xp, X(kDsig), X("ds"));
        xmlNewProp(xp, X("Filter"), X("subtract"));
        xmlReplaceNode(original, t);
        m_swapped.emplace_back(original, t);
      }
    }
  }
  ~ExcludeSignaturesFilter2() { restore(); }
  ExcludeSignaturesFilter2(const ExcludeSignaturesFilter2&) = delete;
  ExcludeSignaturesFilter2& operator=(const ExcludeSignaturesFilter2&) = delete;
  void restore() {
    for (auto& [original, replacement] : m_swapped) {
      xmlReplaceNode(replacement, original);
      xmlFreeNode(replacement);
    }
    m_swapped.clear();
  }
  bool active() const { return !m_swapped.empty(); }

 private:
  std::vector<std::pair<xmlNode*, xmlNode*>> m_swapped;
};

/// The signature value over the canonical SignedInfo, checked with OpenSSL
/// (used where the DOM had to be rewritten for xmlsec); nullopt for an
/// algorithm this check does not know.
std::optional<bool> signedInfoValueValid(xmlNode* signedInfo, xmlNode* sigValue, EVP_PKEY* key) {
  xmlNode* cm = xml::child(signedInfo, kDsig, "CanonicalizationMethod");
  xmlNode* sm = xml::child(signedInfo, kDsig, "SignatureMethod");
  if (!cm || !sm) return std::nullopt;
  std::vector<std::string> prefixes;
  for (xmlNode* c : xml::children(cm)) {
    if (std::strcmp(reinterpret_cast<const char*>(c->name), "InclusiveNamespaces") != 0) continue;
    std::istringstream list(xml::attribute(c, "PrefixList").value_or(""));
    for (std::string p; list >> p;) prefixes.push_back(p);
  }
  const std::string method = xml::attribute(sm, "Algorithm").value_or("");
  static const std::map<std::string, std::pair<const char*, bool>> methods{
      // URI -> (digest, value is r||s)
      {"http://www.w3.org/2000/09/xmldsig#rsa-sha1", {"SHA1", false}},
      {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha224", {"SHA224", false}},
      {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", {"SHA256", false}},
      {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384", {"SHA384", false}},
      {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", {"SHA512", false}},
      {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", {"SHA1", true}},
      {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224", {"SHA224", true}},
      {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256", {"SHA256", true}},
      {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384", {"SHA384", true}},
      {"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512", {"SHA512", true}},
      {"http://www.w3.org/2000/09/xmldsig#dsa-sha1", {"SHA1", true}},
      {"http://www.w3.org/2009/xmldsig11#dsa-sha256", {"SHA256", true}},
  };
  const auto it = methods.find(method);
  if (it == methods.end()) return std::nullopt;
  const auto canonical = xml::canonicalise(signedInfo, xml::attribute(cm, "Algorithm").value_or(""), prefixes);
  auto value = xml::base64(sigValue);
  if (!canonical || !value) return false;
  try {
    if (it->second.second) value = ecdsaRawToDer(*value);  // DSA-Sig-Value has the same shape
  } catch (const Error&) {
    return false;
  }
  ossl::EvpMd md(EVP_MD_fetch(nullptr, it->second.first, nullptr));
  ossl::EvpMdCtx ctx(EVP_MD_CTX_new());
  const bool ok = md && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md.get(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx.get(), value->data(), value->size(), canonical->data(), canonical->size()) == 1;
  ERR_clear_error();
  return ok;
}

/// A key of the type `signatureMethod` needs, made once per process, to let
/// xmlsec compute every reference digest when the signature names no key we
/// can use: ETSI EN 319 102-1 §5.2.7 checks the digests of the signed data
/// objects whatever is known about the signer, and a digest that fails is a
/// HASH_FAILURE even then.  The value is never judged with this key.
EVP_PKEY* digestOnlyKey(const std::string& signatureMethod) {
  static std::mutex mutex;
  static ossl::EvpPkey rsa, ec;
  std::lock_guard<std::mutex> lock(mutex);
  if (signatureMethod.find("ecdsa") != std::string::npos) {
    if (!ec) ec.reset(EVP_EC_gen("P-256"));
    return ec.get();
  }
  if (signatureMethod.find("rsa") != std::string::npos) {
    if (!rsa) rsa.reset(EVP_RSA_gen(1024));
    return rsa.get();
  }
  return nullptr;  // DSA, HMAC...: the digests stay unchecked
}

/// The Id a QualifyingProperties/@Target names: ETSI EN 319 132-1 §4.3.1
/// makes it a URI reference to the ds:Signature; XAdES 1.3.2 §6.2 allows any
/// URI form, so "#sig-1", "doc.xml#sig-1" and "https://…/doc.xml#sig-1" all
/// name the element with Id "sig-1" (the fragment, unescaped).  nullopt when
/// there is no fragment.
std::optional<std::string> targetFragment(const std::string& target) {
  const auto hash = target.rfind('#');
  if (hash == std::string::npos) return std::nullopt;
  xml::XmlChars un(xmlURIUnescapeString(target.c_str() + hash + 1, 0, nullptr));
  return un ? std::string(un.get()) : target.substr(hash + 1);
}

// ======================================================== verification ===

/// One signature's verification: what each check finds and the later ones use.
struct Verification {
  Verification(SignatureContext& context, std::time_t at) : sc(context), now(at) {
    r.id = sc.id;
    r.indication = Indication::TotalPassed;
    qp = qualifyingPropertiesOf(sc.sig);
    r.format = qp ? "XAdES" : "XML-DSig";
    r.level = qp ? "B-B" : "-";
    signedInfo = xml::child(sc.sig, kDsig, "SignedInfo");
    sigValue = xml::child(sc.sig, kDsig, "SignatureValue");
  }

  SignatureContext& sc;
  std::time_t now;
  SignatureReport r;
  xmlNode* qp = nullptr;  ///< QualifyingProperties: XAdES
  xmlNode* signedInfo = nullptr;
  xmlNode* sigValue = nullptr;
  std::string signatureMethod;
  std::vector<ResolvedReference> refs;
  bool whole = false;
  // The signed properties.
  xmlNode* ownProps = nullptr;                     ///< this signature's SignedProperties
  xmlNode* signedProps = nullptr;                  ///< ownProps when a reference covers them
  const ResolvedReference* spRef = nullptr;        ///< typed reference
  const ResolvedReference* coveringRef = nullptr;  ///< any reference covering ownProps
  std::size_t typed = 0;
  // The signing certificate.
  bool certRefPresent = false;
  std::vector<CertRef> certRefs;
  xmlNode* keyInfo = nullptr;
  std::vector<Certificate> keyInfoCerts;
  std::vector<Certificate> pool;
  xmlNode* usp = nullptr;  ///< UnsignedSignatureProperties
  std::optional<Certificate> signer;
  bool keyValue = false;
  // Integrity.
  XmlsecOutcome outcome;
  Note keySource;
  bool valueJudged = true;  ///< false: the key only computed the digests
  bool keyUnfit = false;
  const ResolvedReference* missing = nullptr;  ///< detached content that is not available
  std::size_t passed = 0;
  std::optional<std::size_t> failedRef;
  bool anyKey = false;
  // Time-stamps.
  std::optional<std::time_t> poe;
};

/// 1. Format checking (EN 319 102-1 §5.2.2): SignedInfo and SignatureValue,
/// every reference (resolveReferences), the canonicalisation method.
bool checkFormat(Verification& v) {
  SignatureReport& r = v.r;
  if (!v.signedInfo || !v.sigValue) {
    r.checks.push_back(makeCheck("structure", Check::Status::Failed,
                                 Note{"signed-info-or-value-missing", N_("SignedInfo or SignatureValue is missing")}));
    r.messages.push_back(Note{"signature-incomplete", N_("The signature is incomplete and cannot be checked.")});
    lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    return false;
  }
  xmlNode* sm = xml::child(v.signedInfo, kDsig, "SignatureMethod");
  xmlNode* cm = xml::child(v.signedInfo, kDsig, "CanonicalizationMethod");
  v.signatureMethod = sm ? xml::attribute(sm, "Algorithm").value_or("") : "";
  r.signatureAlgorithm = afterHash(v.signatureMethod);
  if (!resolveReferences(v.sc, v.signedInfo, r, v.refs)) return false;
  if (!cm || !xml::isCanonicalisation(xml::attribute(cm, "Algorithm").value_or(""))) {
    r.checks.push_back(makeCheck("signatureValue", Check::Status::Failed,
                                 Note{"canonicalisation-unknown",
                                      N_("unknown canonicalisation method {algorithm}"),
                                      {{"algorithm", cm ? xml::attribute(cm, "Algorithm").value_or("") : ""}}}));
    lower(r, Indication::Indeterminate, SubIndication::SigConstraintsFailure);
    return false;
  }
  v.whole = coversWholeDocument(v.sc.sig, v.refs);
  r.coversWholeDocument = v.whole;
  return true;
}

/// The signed properties: this signature's own SignedProperties, covered
/// by a reference (with the XAdES Type; older XAdES 1.1.1 files omit it).
void findSignedProperties(Verification& v) {
  v.ownProps = v.qp ? xml::child(v.qp, kXadesAny, "SignedProperties") : nullptr;
  for (const auto& ref : v.refs) {
    if (ref.type == kSignedPropertiesType) {
      ++v.typed;
      v.spRef = &ref;
    }
    // Only a reference into this signature: one to an enclosing element
    // removes the signature with its enveloped-signature transform.
    if (v.ownProps && ref.target && xml::isInside(ref.target, v.sc.sig) && xml::isInside(v.ownProps, ref.target) &&
        !v.coveringRef) {
      v.coveringRef = &ref;
    }
  }
  if (v.ownProps && v.coveringRef) v.signedProps = v.ownProps;
}

/// 2. Identification of the signing certificate (§5.2.3): the one the
/// signed SigningCertificate names, else the end of the KeyInfo chain; or
/// a key the signature names (KeyName with --public-key) or carries (KeyValue).
void identifySigningCertificate(Verification& v) {
  v.certRefs = v.signedProps ? signingCertificateRefs(v.signedProps, v.certRefPresent) : std::vector<CertRef>{};
  v.keyInfo = xml::child(v.sc.sig, kDsig, "KeyInfo");
  v.keyInfoCerts = certificatesIn(v.keyInfo, v.r.messages);
  v.pool = v.keyInfoCerts;
  v.usp = v.qp ? xml::child(xml::child(v.qp, kXadesAny, "UnsignedProperties"), kXadesAny, "UnsignedSignatureProperties")
               : nullptr;
  if (xmlNode* cv = xml::child(v.usp, kXadesAny, "CertificateValues")) {
    for (xmlNode* e : xml::children(cv)) {
      if (const auto der = xml::base64(e)) {
        try {
          v.pool.push_back(Certificate::fromDer(*der));
        } catch (const Error&) {
        }
      }
    }
  }
  v.signer = chooseSigner(v.keyInfoCerts, v.certRefs);
  if (!v.signer && !v.certRefs.empty()) {
    // The certificate SigningCertificate names may also be among the
    // untrusted certificates the user gave (VerifyOptions::extraCertificates,
    // verify --certificate); checks:: adds those to every chain it builds.
    std::vector<Certificate> candidates = v.pool;
    candidates.insert(candidates.end(), v.sc.options.extraCertificates.begin(), v.sc.options.extraCertificates.end());
    v.signer = chooseSigner(candidates, v.certRefs);
  }
  v.keyValue = v.keyInfo && xml::child(v.keyInfo, kDsig, "KeyValue");
}

/// xmlsec's verification with a key we hold; XPath 1.0 filters run as their
/// linear Filter 2.0 twin, and the value is then checked over the original
/// SignedInfo.
XmlsecOutcome verifyWith(Verification& v, EVP_PKEY* key) {
  ExcludeSignaturesFilter2 twin(v.refs);
  XmlsecOutcome o = runXmlsec(v.sc.sig, keyFor(key), v.sc.files);
  if (twin.active()) {
    twin.restore();
    const bool referencesOk = o.references.size() == v.refs.size() &&
                              std::all_of(o.references.begin(), o.references.end(),
                                          [](xmlSecDSigStatus st) { return st == xmlSecDSigStatusSucceeded; });
    o.succeeded = referencesOk && signedInfoValueValid(v.signedInfo, v.sigValue, key).value_or(false);
  }
  return o;
}

EVP_PKEY* signerKey(const Verification& v) { return v.signer ? X509_get0_pubkey(v.signer->native()) : nullptr; }

bool anyReferenceReached(const XmlsecOutcome& o) {
  return std::any_of(o.references.begin(), o.references.end(),
                     [](xmlSecDSigStatus st) { return st != xmlSecDSigStatusUnknown; });
}

/// xmlsec sets the key before it digests the references and stops when the
/// key does not fit the SignatureMethod (an EC certificate put in place of
/// an RSA one): the digests are then computed with a key of the right type,
/// and the value, which the named key cannot have made, fails.
void retryWithFittingKey(Verification& v) {
  const bool keyNamed = signerKey(v) || !v.sc.options.publicKeys.empty();
  if (!v.outcome.ran || v.outcome.succeeded || !keyNamed || anyReferenceReached(v.outcome)) return;
  if (EVP_PKEY* digestsOnly = digestOnlyKey(v.signatureMethod)) {
    XmlsecOutcome digests = verifyWith(v, digestsOnly);
    if (anyReferenceReached(digests)) {
      digests.succeeded = false;
      v.outcome = std::move(digests);
      v.keyUnfit = true;
    }
  }
}

/// 3. Integrity (§5.2.7), xmlsec's part: every reference digest, then the
/// value, with the certificate or key found above whether or not it chains
/// to a trust anchor.  Without any key the digests are still computed.
/// False when the document is too large for the XPath transform xmlsec would run.
bool computeIntegrity(Verification& v) {
  SignatureContext& sc = v.sc;
  const auto missing = std::find_if(v.refs.begin(), v.refs.end(), [&](const ResolvedReference& ref) {
    return ref.detached && !sc.files.count(ref.uri);
  });
  v.missing = missing == v.refs.end() ? nullptr : &*missing;
  const bool xpath = std::any_of(v.refs.begin(), v.refs.end(),
                                 [](const ResolvedReference& ref) { return !ref.excludeSignaturesXPath.empty(); });
  if (v.missing) {
    // xmlsec would stop at the missing file; nothing can be said about the value.
  } else if (EVP_PKEY* pub = signerKey(v)) {
    v.outcome = verifyWith(v, pub);
  } else if (!sc.options.publicKeys.empty()) {
    for (auto& k : loadPublicKeys(sc.options.publicKeys)) {
      v.outcome = verifyWith(v, k.get());
      if (v.outcome.succeeded) break;
    }
    v.keySource = Note{"key-from-option", N_("a public key given out of band")};
  } else if (v.keyValue && xpath && sc.nodeCount() > kMaxXPathNodes) {
    // The key is inside xmlsec only: the XPath 1.0 filter would run as is.
    v.r.checks.push_back(makeCheck(
        "references", Check::Status::NotChecked,
        Note{"xpath-document-too-large",
             N_("the XPath transform is evaluated only in documents of up to {max} nodes; this one has {nodes}"),
             {{"max", std::to_string(kMaxXPathNodes)}, {"nodes", std::to_string(sc.nodeCount())}}}));
    lower(v.r, Indication::Indeterminate, SubIndication::SigConstraintsFailure);
    return false;
  } else if (v.keyValue) {
    v.outcome = runXmlsec(sc.sig, nullptr, sc.files);
    v.keySource = Note{"key-from-key-value", N_("the key value inside the signature")};
  } else if (EVP_PKEY* digestsOnly = digestOnlyKey(v.signatureMethod)) {
    v.outcome = verifyWith(v, digestsOnly);
    v.valueJudged = false;
  }
  retryWithFittingKey(v);
  return true;
}

/// The name of what reference `bad` covers, for a message.
std::string coveredName(const ResolvedReference& bad, xmlNode* sig) {
  if (bad.target) return "<" + xml::qualifiedName(bad.target) + ">";
  return bad.detached ? bad.fileName : "<" + xml::qualifiedName(xmlDocGetRootElement(sig->doc)) + ">";
}

/// 3a. The reference digests as xmlsec found them.  xmlsec lists a
/// reference before processing it: Unknown means it stopped there (a
/// transform error), Invalid that the digest differs.
void checkReferenceDigests(Verification& v) {
  SignatureReport& r = v.r;
  const std::size_t n = v.refs.size();
  for (std::size_t i = 0; i < v.outcome.references.size() && i < n; ++i) {
    if (v.outcome.references[i] == xmlSecDSigStatusSucceeded) {
      ++v.passed;
    } else {
      if (v.outcome.references[i] == xmlSecDSigStatusInvalid) v.failedRef = i;
      break;
    }
  }
  v.anyKey = v.outcome.ran && v.valueJudged;
  if (v.failedRef) {
    const ResolvedReference& bad = v.refs[*v.failedRef];
    r.checks.push_back(makeCheck("references", Check::Status::Failed,
                                 Note{"reference-digest-mismatch",
                                      N_("reference {n} (URI \"{uri}\": {name} {path}) does not match its digest: it "
                                         "changed after signing"),
                                      {{"n", std::to_string(*v.failedRef + 1)},
                                       {"uri", bad.uri},
                                       {"name", coveredName(bad, v.sc.sig)},
                                       {"path", bad.target     ? xml::path(bad.target)
                                                : bad.detached ? ""
                                                               : "/"}}}));
    r.messages.push_back(Note{"signed-content-changed", N_("Signed content was changed after it was signed.")});
    lower(r, Indication::TotalFailed, SubIndication::HashFailure);
  } else if (v.outcome.ran && v.passed == n) {
    r.checks.push_back(makeCheck("references", Check::Status::Passed));
  } else if (v.outcome.ran) {
    // xmlsec stopped while processing a reference (an unreadable file, a
    // transform error).  Every transform passed the allow-list above, so a
    // same-document object that fails them (base64 that no longer decodes)
    // is not the data that was signed: HASH_FAILURE, as for a digest.
    const ResolvedReference& stuck = v.refs[v.passed < n ? v.passed : 0];
    r.checks.push_back(makeCheck("references", Check::Status::Failed,
                                 Note{"reference-unprocessable",
                                      N_("reference \"{uri}\" cannot be processed: {error}"),
                                      {{"uri", stuck.uri}, {"error", v.outcome.error}}}));
    if (!stuck.detached) {
      r.messages.push_back(Note{"signed-content-changed", N_("Signed content was changed after it was signed.")});
    }
    lower(r, Indication::TotalFailed, stuck.detached ? SubIndication::FormatFailure : SubIndication::HashFailure);
  }
}

/// 3b. The signature value, once every reference digest matched.
void checkSignatureValue(Verification& v) {
  SignatureReport& r = v.r;
  if (v.missing) {
    r.checks.push_back(makeCheck(
        "references", Check::Status::NotChecked,
        Note{"detached-file-missing", N_("the signed file {file} is not available"), {{"file", v.missing->fileName}}}));
    r.checks.push_back(makeCheck("signatureValue", Check::Status::NotChecked,
                                 Note{"value-needs-detached-file", N_("not checked without the signed file")}));
    r.messages.push_back(Note{"detached-content-missing",
                              N_("This is a detached signature: its signed file is needed to check it (SecureDoc "
                                 "looks for it beside the signature).")});
    lower(r, Indication::Indeterminate, SubIndication::SignedDataNotFound);
  } else if (!v.anyKey) {
    if (!v.outcome.ran) {
      r.checks.push_back(
          makeCheck("references", Check::Status::NotChecked, Note{"no-key", N_("no key to check the signature with")}));
    }
    r.checks.push_back(makeCheck("signatureValue", Check::Status::NotChecked,
                                 Note{"no-certificate-or-key", N_("the signature carries no certificate or key")}));
    r.messages.push_back(Note{"public-key-required",
                              N_("The signature names no certificate SecureDoc can use; it can be checked only with "
                                 "its signer's public key, given out of band.")});
    lower(r, Indication::Indeterminate, SubIndication::NoSigningCertificateFound);
    // Not the end: the wrapping defences and the scope below still apply.
  } else if (v.failedRef || v.passed != v.refs.size()) {
    r.checks.push_back(
        makeCheck("signatureValue", Check::Status::NotChecked,
                  Note{"reference-not-verified", N_("not checked, because a reference could not be verified")}));
  } else if (v.outcome.succeeded) {
    r.checks.push_back(makeCheck("signatureValue", Check::Status::Passed));
  } else {
    r.checks.push_back(makeCheck("signatureValue", Check::Status::Failed,
                                 v.keyUnfit
                                     ? Note{"signature-key-unfit",
                                            N_("the signature's key does not fit its SignatureMethod {method}"),
                                            {{"method", r.signatureAlgorithm}}}
                                     : Note{"signature-value-mismatch", N_("the signature value does not match")}));
    r.messages.push_back(
        Note{"signature-value-invalid", N_("The signature value is not valid for the signing certificate.")});
    lower(r, Indication::TotalFailed, SubIndication::SigCryptoFailure);
  }
}

/// 4a. XAdES: the SignedProperties reference and what it holds (EN 319
/// 132-1 §4.3.1, §6.3): one reference with the XAdES Type, to this
/// signature's own SignedProperties, whose QualifyingProperties/@Target
/// names this signature; then the signing time.
void checkSignedProperties(Verification& v) {
  SignatureReport& r = v.r;
  if (!v.qp) {
    r.level = "-";  // not a baseline signature: no signed properties
    r.checks.push_back(makeCheck("signedProperties", Check::Status::NotChecked,
                                 Note{"plain-xml-dsig", N_("plain XML-DSig: no XAdES properties")}));
    return;
  }
  const auto target = xml::attribute(v.qp, "Target");
  const auto ownId = xml::attribute(v.sc.sig, "Id");
  const auto fragment = target ? targetFragment(*target) : std::nullopt;
  const auto fail = [&r](Note why) {
    r.checks.push_back(makeCheck("signedProperties", Check::Status::Failed, std::move(why)));
    lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
  };
  if (v.typed > 1) {
    fail(Note{"signed-properties-ambiguous", N_("more than one reference claims to sign the signed properties")});
  } else if (v.spRef && (!v.spRef->target || v.spRef->target != v.ownProps)) {
    r.messages.push_back(Note{"properties-reference-tampered",
                              N_("The signature's properties reference points somewhere else: the signature was "
                                 "tampered with.")});
    fail(Note{"signed-properties-elsewhere", N_("the signed-properties reference points to an element that is not this "
                                                "signature's SignedProperties (signature wrapping)")});
  } else if (!v.signedProps) {
    r.messages.push_back(
        Note{"properties-not-signed", N_("The XAdES properties (signing time, signing certificate) are not signed.")});
    fail(Note{"signed-properties-unsigned", N_("the signed properties are not referenced by the signature")});
  } else if (target && (!fragment || !ownId || *fragment != *ownId)) {
    fail(Note{"qualifying-properties-target",
              N_("the qualifying properties belong to another signature (Target \"{target}\")"),
              {{"target", *target}}});
  } else if (v.failedRef && (&v.refs[*v.failedRef] == v.spRef || &v.refs[*v.failedRef] == v.coveringRef)) {
    r.checks.push_back(
        makeCheck("signedProperties", Check::Status::Failed,
                  Note{"signed-properties-changed", N_("the signed properties were changed after signing")}));
  } else {
    r.checks.push_back(v.spRef ? makeCheck("signedProperties", Check::Status::Passed)
                               : makeCheck("signedProperties", Check::Status::Warning,
                                           Note{"signed-properties-untyped",
                                                N_("signed, but the reference lacks the XAdES SignedProperties Type "
                                                   "(older XAdES)")}));
    xmlNode* ssp = xml::child(v.signedProps, kXadesAny, "SignedSignatureProperties");
    if (xmlNode* st = xml::child(ssp, kXadesAny, "SigningTime")) r.signingTime = parseDateTime(xml::text(st));
  }
}

/// 4b. XAdES: the signature time-stamps (EN 319 132-1 §5.4) over the
/// canonical ds:SignatureValue, and the level they allow.
void checkTimestamps(Verification& v) {
  if (!v.qp) return;
  SignatureReport& r = v.r;
  std::vector<Bytes> tokens;
  std::optional<Bytes> imprint;
  for (xmlNode* ts : xml::children(v.usp)) {
    if (!xml::is(ts, kXadesAny, "SignatureTimeStamp")) continue;
    xmlNode* tcm = xml::child(ts, kDsig, "CanonicalizationMethod");
    const std::string alg = tcm ? xml::attribute(tcm, "Algorithm").value_or(kC14n10) : kC14n10;
    imprint = xml::canonicalise(v.sigValue, alg);
    xmlNode* enc = xml::child(ts, kXadesAny, "EncapsulatedTimeStamp");
    tokens.push_back(enc ? xml::base64(enc).value_or(Bytes{}) : Bytes{});
  }
  if (!tokens.empty()) v.poe = checks::signatureTimestamps(r, tokens, imprint.value_or(Bytes{}), v.sc.options, v.pool);
  // EN 319 132-1 §5.3: B-T and above need a signature time-stamp; one that
  // failed proves nothing, so the signature is B-B with it listed.
  r.level = checks::hasUsableSignatureTimestamp(r) ? levelOf(v.usp) : "B-B";
  if (xml::child(v.usp, kXadesAny, "CounterSignature")) {
    r.messages.push_back(Note{"counter-signatures-not-validated",
                              N_("The signature has counter-signatures; they are recognised but not yet validated.")});
  }
}

/// The signed reference to the signing certificate: XAdES
/// SigningCertificate(V2), or a signed ds:KeyInfo holding it.
void checkSigningCertificateReference(Verification& v) {
  SignatureReport& r = v.r;
  const Certificate& signer = *v.signer;
  // XML-DSig 1.1 §4.5 / EN 319 132-1 §5.2.2: a signed ds:KeyInfo holding
  // the certificate binds it as SigningCertificate does.
  const bool keyInfoSigned =
      v.keyInfo &&
      std::any_of(v.refs.begin(), v.refs.end(),
                  [&](const ResolvedReference& ref) { return ref.target == v.keyInfo && ref.part.empty(); }) &&
      std::any_of(v.keyInfoCerts.begin(), v.keyInfoCerts.end(), [&](const Certificate& c) { return c == signer; });
  if (!v.certRefPresent && keyInfoSigned) {
    r.checks.push_back(
        makeCheck("signingCertificateReference", Check::Status::Passed,
                  Note{"key-info-signed", N_("the signature covers ds:KeyInfo, which holds the signing certificate")}));
  } else if (!v.certRefPresent) {
    r.checks.push_back(
        makeCheck("signingCertificateReference", Check::Status::Failed,
                  Note{"no-signing-certificate-reference", N_("no signed reference to the signing certificate")}));
    r.messages.push_back(
        Note{"certificate-exchangeable", N_("Nothing signed says which certificate made this signature (no XAdES "
                                            "SigningCertificate): the certificate beside it could be exchanged.")});
    lower(r, Indication::Indeterminate, SubIndication::NoSigningCertificateFound);
  } else if (std::any_of(v.certRefs.begin(), v.certRefs.end(),
                         [&](const CertRef& c) { return refMatches(c, signer); })) {
    r.checks.push_back(makeCheck("signingCertificateReference", Check::Status::Passed));
  } else {
    r.checks.push_back(makeCheck(
        "signingCertificateReference", Check::Status::Failed,
        Note{"signing-certificate-reference-mismatch", N_("the signed SigningCertificate names another certificate")}));
    r.messages.push_back(Note{"different-certificate-named",
                              N_("The signature refers to a different certificate than the one included.")});
    lower(r, Indication::Indeterminate, SubIndication::NoSigningCertificateFound);
  }
}

/// The certificates of a CertificateValues element (ETSI EN 319 132-1
/// §5.5.1: EncapsulatedX509Certificate, base64 DER) added to `pool`, each
/// once; an unreadable value adds nothing to build paths from.
void addCertificateValues(xmlNode* cv, std::vector<Certificate>& pool) {
  for (xmlNode* e : xml::children(cv)) {
    const auto der = xml::base64(e);
    if (!der) continue;
    try {
      Certificate c = Certificate::fromDer(*der);
      if (std::find(pool.begin(), pool.end(), c) == pool.end()) pool.push_back(std::move(c));
    } catch (const Error&) {
      // nothing to add
    }
  }
}

/// The validation data of the unsigned properties (ETSI EN 319 132-1
/// §5.5.2 RevocationValues: EncapsulatedCRLValue and EncapsulatedOCSPValue,
/// base64 DER; §5.5.3 TimeStampValidationData of XAdES 1.4.1, which holds
/// RevocationValues and CertificateValues for time-stamps): revocation data
/// into the result, certificates into `pool`.
checks::ValidationData validationDataOf(xmlNode* usp, std::vector<Certificate>& pool) {
  checks::ValidationData out;
  const auto revocationValues = [&out](xmlNode* rv) {
    for (xmlNode* list : xml::children(rv)) {
      const bool crls = xml::is(list, kXadesAny, "CRLValues");
      if (!crls && !xml::is(list, kXadesAny, "OCSPValues")) continue;
      for (xmlNode* e : xml::children(list)) {
        const auto der = xml::base64(e);
        if (!der) continue;
        if (crls && xml::is(e, kXadesAny, "EncapsulatedCRLValue")) out.crls.push_back(*der);
        if (!crls && xml::is(e, kXadesAny, "EncapsulatedOCSPValue"))
          out.ocspResponses.push_back(der::asOcspResponse(*der));
      }
    }
  };
  const auto certificateValues = [&pool](xmlNode* cv) { addCertificateValues(cv, pool); };
  for (xmlNode* p : xml::children(usp)) {
    if (xml::is(p, kXadesAny, "RevocationValues")) revocationValues(p);
    if (!xml::is(p, kXadesAny, "TimeStampValidationData")) continue;
    for (xmlNode* q : xml::children(p)) {
      if (xml::is(q, kXadesAny, "RevocationValues")) revocationValues(q);
      if (xml::is(q, kXadesAny, "CertificateValues")) certificateValues(q);
    }
  }
  return out;
}

/// 4c. XAdES B-LTA: each archive time-stamp (EN 319 132-1 §5.5.2) over what
/// §5.5.2.2 archives, computed anew with only the properties before it, then
/// judged as every token is (checks::archiveTimestamp).  A passed one is a
/// proof of existence of the signature and everything it covers (EN 319
/// 102-1 §5.6.2.3); without a usable one the signature is B-LT.
void checkArchiveTimestamps(Verification& v) {
  SignatureReport& r = v.r;
  std::vector<xmlNode*> archives;
  bool older = false;
  for (xmlNode* p : xml::children(v.usp)) {
    if (!xml::is(p, kXadesAny, "ArchiveTimeStamp")) continue;
    // XAdES 1.3.2's xades:ArchiveTimeStamp (TS 101 903 §7.7) archives other
    // input (its KeyInfo and Object rules differ): recognised, not checked.
    if (p->ns && xmlStrEqual(p->ns->href, X(kXades141))) {
      archives.push_back(p);
    } else {
      older = true;
    }
  }
  if (older) checks::archiveTimestampNotValidated(r);
  if (archives.empty()) return;
  std::vector<Certificate> material = v.pool;
  validationDataOf(v.usp, material);  // TimeStampValidationData's certificates too
  material.insert(material.end(), v.sc.options.extraCertificates.begin(), v.sc.options.extraCertificates.end());
  std::optional<std::vector<Bytes>> outputs;
  if (!v.missing) {
    ExcludeSignaturesFilter2 twin(v.refs);
    // Any key of the signature method's type runs xmlsec's reference
    // processing; the signer's may not fit it (a forged method).
    if (EVP_PKEY* key = signerKey(v)) outputs = referenceOutputs(v.sc.sig, v.sc.files, key);
    if (!outputs) outputs = referenceOutputs(v.sc.sig, v.sc.files, digestOnlyKey(v.signatureMethod));
  }
  std::optional<std::time_t> archivePoe;
  for (xmlNode* ats : archives) {
    const xmlNode* cm = xml::child(ats, kDsig, "CanonicalizationMethod");
    const std::string alg = cm ? xml::attribute(cm, "Algorithm").value_or(kC14n10) : kC14n10;
    xmlNode* enc = xml::child(ats, kXadesAny, "EncapsulatedTimeStamp");
    const Bytes token = enc ? xml::base64(enc).value_or(Bytes{}) : Bytes{};
    if (v.missing) {
      TimestampReport t;
      t.type = "archive";
      t.indication = Indication::Indeterminate;
      t.detail = Note{"archive-content-missing",
                      N_("the signed content is not available, so what the archive time-stamp covers cannot be "
                         "computed")};
      r.timestamps.push_back(std::move(t));
      continue;
    }
    const std::optional<Bytes> input =
        outputs ? archiveTimeStampInput(v.sc.sig, ats, alg, *outputs) : std::optional<Bytes>{};
    const TimestampCheck tc = checkTimestampTokenWith(
        token,
        [&input](const std::string& name) -> std::optional<Bytes> {
          const EVP_MD* md = EVP_get_digestbyname(name.c_str());
          if (!input || !md) return std::nullopt;
          return hash(md, *input);
        },
        v.sc.options.trustAnchors, material, v.sc.options.time);
    archivePoe = checks::earliest(archivePoe, checks::archiveTimestamp(r, tc, v.sc.options));
  }
  v.poe = checks::earliest(v.poe, archivePoe);
  // EN 319 132-1 §5.5: B-LTA needs an archive time-stamp that holds.
  if (r.level == "B-LTA" && !checks::hasUsableTimestamp(r, "archive")) r.level = "B-LT";
}

/// 5. The certificate, its chain and the signed reference to it (§5.2.6).
void checkSigningCertificate(Verification& v) {
  SignatureReport& r = v.r;
  if (v.signer) r.signer = v.signer;
  if (v.signer) {
    const checks::ValidationData data = validationDataOf(v.usp, v.pool);
    checks::signerCertificate(r, v.pool, v.sc.options, v.now, v.poe, data);
    checkSigningCertificateReference(v);
    return;
  }
  r.checks.push_back(makeCheck("signingCertificate", Check::Status::Failed,
                               Note{"no-certificate", N_("the signature carries no certificate")}));
  // Without any key nothing was checked with one: the messages above say why.
  if (v.anyKey) {
    r.messages.push_back(
        v.keySource.code == "key-from-option"
            ? Note{"checked-with-public-key", N_("The signature was checked with a public key given out of band; no "
                                                 "certificate says whose key it is.")}
            : Note{"checked-with-key-value", N_("The signature was checked with the key value inside the signature; no "
                                                "certificate says whose key it is.")});
  }
  lower(r, Indication::Indeterminate, SubIndication::NoSigningCertificateFound);
}

/// 6. Cryptographic constraints (§5.2.8, signature acceptance, after the
/// X.509 validation of §5.2.6 as the standard orders them, so that an
/// expired certificate is reported as such first), at the time-stamp's
/// proof of existence when there is one: the signature's algorithm and key
/// and every reference's digest.
void checkAlgorithms(Verification& v) {
  std::vector<std::string> referenceDigests;
  for (const auto& ref : v.refs) {
    if (!ref.digestLabel.empty() &&
        std::find(referenceDigests.begin(), referenceDigests.end(), ref.digestLabel) == referenceDigests.end()) {
      referenceDigests.push_back(ref.digestLabel);
    }
  }
  checks::cryptographicConstraints(v.r, v.poe, v.now, referenceDigests);
}

/// 7. Scope (ARCHITECTURE.md, "Verification", step 7): what is signed is
/// listed in signedData; a signature that leaves part of the document
/// unsigned says so prominently and is never TOTAL-PASSED (a
/// signature-constraints failure, EN 319 102-1 §5.2.8 table: the policy asks
/// for the whole document), but honest partial coverage is no forgery, so
/// never TOTAL-FAILED for that alone.
void checkScope(Verification& v) {
  SignatureReport& r = v.r;
  // One "coverage" check: a wrapping found above already failed it.
  const bool failed = std::any_of(r.checks.begin(), r.checks.end(), [](const Check& c) { return c.id == "coverage"; });
  if (v.whole) {
    if (!failed) r.checks.push_back(makeCheck("coverage", Check::Status::Passed));
    return;
  }
  // Data only (element names, paths, file names), never words: the
  // front ends translate the sentence around it.
  std::string what;
  for (const auto& ref : v.refs) {
    const std::string one = ref.target ? describeElement(ref.target) : ref.detached ? ref.fileName : "/";
    what += (what.empty() ? "" : ", ") + one;
  }
  if (!failed) {
    r.checks.push_back(makeCheck(
        "coverage", Check::Status::Warning,
        Note{"covers-part-only", N_("the signature covers only part of the document: {signed}"), {{"signed", what}}}));
  }
  r.messages.push_back(Note{"partial-coverage",
                            N_("Only part of this document is signed: {signed}. Anything else in it (here the "
                               "document's root {root}) is not covered by this signature."),
                            {{"signed", what}, {"root", describeElement(xmlDocGetRootElement(v.sc.sig->doc))}}});
  lower(r, Indication::Indeterminate, SubIndication::SigConstraintsFailure);
}

/// One signature, through ETSI EN 319 102-1 §5.2's checks in order.
SignatureReport verifySignature(SignatureContext& sc, std::time_t now) {
  Verification v(sc, now);
  if (!checkFormat(v)) return std::move(v.r);
  findSignedProperties(v);
  identifySigningCertificate(v);
  if (!computeIntegrity(v)) return std::move(v.r);
  checkReferenceDigests(v);
  checkSignatureValue(v);
  // Format checks that need no digests come after them, so that a changed
  // document is a HASH_FAILURE and a forged value a SIG_CRYPTO_FAILURE first.
  wrappingChecks(sc, v.refs, v.r);
  checkSignedProperties(v);
  checkTimestamps(v);
  checkArchiveTimestamps(v);
  checkSigningCertificate(v);
  checkAlgorithms(v);
  checkScope(v);
  return std::move(v.r);
}

std::string signatureId(xmlNode* sig, std::size_t index) {
  const auto id = xml::attribute(sig, "Id");
  return id && !id->empty() ? *id : "Signature" + std::to_string(index + 1);
}

}  // namespace

}  // namespace xades

std::string xades::levelOf(xmlNode* unsignedSigProps) {
  bool t = false, lt = false, lta = false;
  for (xmlNode* c : xml::children(unsignedSigProps)) {
    const char* n = reinterpret_cast<const char*>(c->name);
    if (!std::strcmp(n, "SignatureTimeStamp")) t = true;
    if (!std::strcmp(n, "CertificateValues") || !std::strcmp(n, "RevocationValues")) lt = true;
    if (!std::strcmp(n, "ArchiveTimeStamp")) lta = true;
  }
  return lta ? "B-LTA" : lt ? "B-LT" : t ? "B-T" : "B-B";
}

xmlNode* xades::qualifyingPropertiesOf(xmlNode* sig) {
  for (xmlNode* obj : xml::children(sig)) {
    if (!xml::is(obj, kDsig, "Object")) continue;
    if (xmlNode* qp = xml::child(obj, kXadesAny, "QualifyingProperties")) return qp;
  }
  return nullptr;
}

std::optional<Certificate> xades::signingCertificateOf(xmlNode* sig, std::vector<Certificate>& pool) {
  std::vector<Note> ignored;
  const std::vector<Certificate> keyInfo = certificatesIn(xml::child(sig, kDsig, "KeyInfo"), ignored);
  for (const Certificate& c : keyInfo) {
    if (std::find(pool.begin(), pool.end(), c) == pool.end()) pool.push_back(c);
  }
  xmlNode* qp = qualifyingPropertiesOf(sig);
  xmlNode* usp = xml::child(xml::child(qp, kXadesAny, "UnsignedProperties"), kXadesAny, "UnsignedSignatureProperties");
  addCertificateValues(xml::child(usp, kXadesAny, "CertificateValues"), pool);
  bool present = false;
  xmlNode* sp = xml::child(qp, kXadesAny, "SignedProperties");
  const std::vector<CertRef> refs = sp ? signingCertificateRefs(sp, present) : std::vector<CertRef>{};
  return chooseSigner(keyInfo, refs);
}

VerificationReport xades::verifyFile(const fs::path& file, const VerifyOptions& options) {
  using namespace xades;
  SignedDocument p = parseSigned(file);
  VerificationReport report;
  report.file = file.string();
  const std::time_t now = options.time ? *options.time : std::time(nullptr);
  report.validationTime = now;
  report.format = "XML";
  for (std::size_t i = 0; i < p.signatures.size(); ++i) {
    SignatureContext sc{p.signatures[i], signatureId(p.signatures[i], i), p.census, file, options, {}, std::nullopt};
    report.signatures.push_back(verifySignature(sc, now));
  }
  for (const auto& s : report.signatures) {
    if (report.format == "XML" || s.format == "XAdES") report.format = s.format;
  }
  report.computeOverall();
  return report;
}

Inspection xades::inspectFile(const fs::path& file) {
  using namespace xades;
  SignedDocument p = parseSigned(file);
  Inspection in;
  in.file = file.string();
  in.format = "XML";
  std::set<std::string> seen;
  for (std::size_t i = 0; i < p.signatures.size(); ++i) {
    xmlNode* sig = p.signatures[i];
    InspectedSignature s;
    s.id = signatureId(sig, i);
    xmlNode* qp = qualifyingPropertiesOf(sig);
    in.format = qp || in.format == "XAdES" ? "XAdES" : "XML-DSig";
    xmlNode* si = xml::child(sig, kDsig, "SignedInfo");
    if (xmlNode* sm = xml::child(si, kDsig, "SignatureMethod")) {
      s.signatureAlgorithm = afterHash(xml::attribute(sm, "Algorithm").value_or(""));
    }
    for (xmlNode* ref : xml::children(si)) {
      if (!xml::is(ref, kDsig, "Reference")) continue;
      const std::string uri = xml::attribute(ref, "URI").value_or("");
      if (s.digestAlgorithm.empty()) {
        if (xmlNode* dm = xml::child(ref, kDsig, "DigestMethod")) {
          const DigestInfo* d = digestByUri(xml::attribute(dm, "Algorithm").value_or(""));
          s.digestAlgorithm = d ? d->label : "";
        }
      }
      if (xml::attribute(ref, "Type").value_or("") == kSignedPropertiesType) continue;
      const bool detached = !uri.empty() && uri[0] != '#';
      const char* kind = detached ? "detached" : sig == xmlDocGetRootElement(p.doc.get()) ? "enveloping" : "enveloped";
      if (in.packaging.empty()) in.packaging = kind;
    }
    std::vector<Note> ignored;
    const auto certs = certificatesIn(xml::child(sig, kDsig, "KeyInfo"), ignored);
    bool present = false;
    xmlNode* sp = xml::child(qp, kXadesAny, "SignedProperties");
    const auto refs = sp ? signingCertificateRefs(sp, present) : std::vector<CertRef>{};
    s.signer = chooseSigner(certs, refs);
    xmlNode* ssp = xml::child(sp, kXadesAny, "SignedSignatureProperties");
    for (xmlNode* c : xml::children(ssp)) {
      s.signedAttributes.emplace_back(reinterpret_cast<const char*>(c->name));
      if (xml::is(c, kXadesAny, "SigningTime")) s.signingTime = parseDateTime(xml::text(c));
    }
    for (xmlNode* c : xml::children(xml::child(sp, kXadesAny, "SignedDataObjectProperties"))) {
      s.signedAttributes.emplace_back(reinterpret_cast<const char*>(c->name));
    }
    xmlNode* usp =
        xml::child(xml::child(qp, kXadesAny, "UnsignedProperties"), kXadesAny, "UnsignedSignatureProperties");
    for (xmlNode* c : xml::children(usp)) s.unsignedAttributes.emplace_back(reinterpret_cast<const char*>(c->name));
    s.level = qp ? levelOf(usp) : "-";
    for (const auto& c : certs) {
      if (seen.insert(c.sha256Fingerprint()).second) in.certificates.push_back(c);
    }
    in.signatures.push_back(std::move(s));
  }
  return in;
}

}  // namespace securedoc
