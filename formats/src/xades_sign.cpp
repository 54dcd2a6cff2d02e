// XAdES signing (ETSI EN 319 132-1 B-B, B-T, B-LT and B-LTA): the
// ds:Signature template, its references, the QualifyingProperties, the
// PendingSignature between the two phases, and extend (the unsigned
// properties added to signatures ours and other tools', xades::extendFile).
//
// Signing is two-phase (ARCHITECTURE.md, "Signing (two phases)"): xmlsec
// signs the template once with a throwaway key of the certificate's type,
// which fills every DigestValue and yields the exact canonical SignedInfo;
// its digest goes to the signer backend, and finish() overwrites
// SignatureValue.  The document stays in memory between the phases, so what
// is written is what was digested.
#include <securedoc/formats/xades.h>

#include "cms_support.h"
#include "ltv.h"
#include "xades_backend.h"
#include "xades_internal.h"

#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/tsa_client.h>
#include <securedoc/i18n.h>

#include <libxml/uri.h>
#include <libxml/xmlsave.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/membuf.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmltree.h>

#include <map>
#include <mutex>

namespace securedoc {

namespace fs = std::filesystem;

namespace xades {

Key keyFor(EVP_PKEY* pk) {
  EVP_PKEY_up_ref(pk);
  xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(pk);
  if (!data) {
    EVP_PKEY_free(pk);
    throw Error(Category::Crypto, "xmlsec does not accept this key type");
  }
  Key key(xmlSecKeyCreate());
  if (!key || xmlSecKeySetValue(key.get(), data) < 0) {
    xmlSecKeyDataDestroy(data);
    throw Error(Category::Internal, "cannot create an xmlsec key");
  }
  return key;
}

namespace {

using xml::X;

constexpr const char* kXades132 = "http://uri.etsi.org/01903/v1.3.2#";
constexpr const char* kExcC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Enveloping a non-XML file base64-encodes it into one text node, and
/// libxml2 (without XML_PARSE_HUGE, which we never pass) reads text nodes of
/// up to 10,000,000 characters: 7 MB of content stays below that.
constexpr std::uintmax_t kMaxEnvelopedBinary = 7000000;

// ---------------------------------------------------------- algorithms ---

const char* digestUri(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::Sha256:
      return "http://www.w3.org/2001/04/xmlenc#sha256";
    case DigestAlgorithm::Sha384:
      return "http://www.w3.org/2001/04/xmldsig-more#sha384";
    case DigestAlgorithm::Sha512:
      return "http://www.w3.org/2001/04/xmlenc#sha512";
  }
  return "";
}
xmlSecTransformId digestTransform(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::Sha256:
      return xmlSecTransformSha256Id;
    case DigestAlgorithm::Sha384:
      return xmlSecTransformSha384Id;
    case DigestAlgorithm::Sha512:
      return xmlSecTransformSha512Id;
  }
  return xmlSecTransformSha256Id;
}
xmlSecTransformId signatureTransform(bool ec, DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::Sha256:
      return ec ? xmlSecTransformEcdsaSha256Id : xmlSecTransformRsaSha256Id;
    case DigestAlgorithm::Sha384:
      return ec ? xmlSecTransformEcdsaSha384Id : xmlSecTransformRsaSha384Id;
    case DigestAlgorithm::Sha512:
      return ec ? xmlSecTransformEcdsaSha512Id : xmlSecTransformRsaSha512Id;
  }
  return xmlSecTransformRsaSha256Id;
}

/// A key of the same type as `cert`'s, made once per process: xmlsec signs
/// the template with it to produce digests and the canonical SignedInfo
/// (xmlsec 1.2 signs only with a key it holds itself, xmlSecDSigCtx.signKey;
/// it has no hook to hand the digest to another signer).
EVP_PKEY* throwawayKeyLike(EVP_PKEY* pub) {
  static std::mutex mutex;
  static std::map<std::string, ossl::EvpPkey> cache;
  std::string kind = "RSA";
  char group[80] = {0};
  std::size_t groupLen = 0;
  if (EVP_PKEY_is_a(pub, "EC")) {
    if (EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &groupLen) != 1) {
      throwOpenSsl(Category::Unsupported, tr("the certificate's elliptic curve is not supported for XML signatures"));
    }
    kind = group;
  } else if (!EVP_PKEY_is_a(pub, "RSA")) {
    throw Error(Category::Unsupported, tr("XML signatures need an RSA or ECDSA key"));
  }
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[kind];
  if (!slot) {
    // RSA-1024: generated in milliseconds (2048 bits took up to 0.5 s); its
    // signature is thrown away, only the digests and SignedInfo are kept.
    slot.reset(kind == "RSA" ? EVP_RSA_gen(1024) : EVP_EC_gen(group));
    if (!slot) throwOpenSsl(Category::Crypto, "cannot generate a key");
  }
  return slot.get();
}

// ---------------------------------------------------------------- names ---

std::string randomId(const char* prefix) {
  unsigned char r[8];
  if (RAND_bytes(r, sizeof r) != 1) throwOpenSsl(Category::Crypto, "no random bytes");
  static const char* hex = "0123456789abcdef";
  std::string s = prefix;
  for (unsigned char c : r) {
    s += hex[c >> 4];
    s += hex[c & 15];
  }
  return s;
}

/// DER IssuerSerial (RFC 5035): SEQUENCE { GeneralNames { [4] Name }, serial }.
Bytes issuerSerialDer(const Certificate& c) {
  using cms::tlv;
  unsigned char* p = nullptr;
  int n = i2d_X509_NAME(X509_get_issuer_name(c.native()), &p);
  if (n <= 0) throwOpenSsl(Category::Crypto, "cannot encode the issuer name");
  const Bytes name(p, p + n);
  OPENSSL_free(p);
  p = nullptr;
  n = i2d_ASN1_INTEGER(X509_get0_serialNumber(c.native()), &p);
  if (n <= 0) throwOpenSsl(Category::Crypto, "cannot encode the serial number");
  const Bytes serial(p, p + n);
  OPENSSL_free(p);
  Bytes body = tlv(0x30, tlv(0xA4, name));
  body.insert(body.end(), serial.begin(), serial.end());
  return tlv(0x30, body);
}

xmlNode* addText(xmlNode* parent, xmlNs* ns, const char* name, const std::string& text) {
  return xmlNewTextChild(parent, ns, X(name), X(text));
}

// ============================================================= signing ===

class XadesPending final : public PendingSignature {
 public:
  const Bytes& digestToSign() const override { return tbs; }
  SignatureScheme scheme() const override { return ec ? SignatureScheme::Ecdsa : SignatureScheme::RsaPkcs1v15; }
  void finish(const Bytes& value, AtomicFile& out) override;

  xml::Doc doc;
  xmlNode* signature = nullptr;
  xmlNode* signatureValue = nullptr;
  xmlNode* qualifyingProperties = nullptr;
  Bytes canonicalSignedInfo;
  Bytes tbs;
  bool ec = false;
  std::size_t fieldSize = 0;
  std::optional<OfferedCertificate> cert;
  SignParams params;
  std::string input;
  std::map<std::string, fs::path> files;  ///< detached content, for the archive time-stamp
};

/// What prepare() builds, step by step.
struct Template {
  XadesPending& p;
  const fs::path& input;
  const ContentSniff& sniff;
  bool isXml;
  Packaging packaging;
  std::string sigId;
  std::string spId;
  std::string refId;
  xmlNode* sig = nullptr;
  std::map<std::string, fs::path> files;  // detached content xmlsec may read
};

/// The certificate's public key, once the request is one this module can
/// sign; Error(Usage / Unsupported / Crypto) otherwise.
EVP_PKEY* refuseUnsupported(Packaging packaging, bool isXml, const SignParams& params,
                            const OfferedCertificate& offered) {
  if (packaging == Packaging::Attached) {
    throw Error(Category::Usage, tr("XAdES signatures are enveloped, enveloping or detached, not attached"));
  }
  if (packaging == Packaging::Enveloped && !isXml) {
    throw Error(Category::Usage,
                Note{"enveloped-needs-xml", N_("only an XML document can hold an enveloped signature")});
  }
  EVP_PKEY* pub = X509_get0_pubkey(offered.certificate.native());
  if (!pub) throw Error(Category::Crypto, tr("the certificate has no usable public key"));
  // xmlsec 1.2 has no RSA-PSS transform (it came with 1.3).
  if (EVP_PKEY_is_a(pub, "RSA-PSS") || (params.rsaPss && EVP_PKEY_is_a(pub, "RSA"))) {
    throw Error(Category::Unsupported, tr("RSA-PSS is not available for XML signatures; use PAdES or CAdES, or "
                                          "sign without --rsa-pss"));
  }
  return pub;
}

/// The ds:Signature template: in the document (enveloped) or as the root of
/// a new one (enveloping, detached).
void createTemplate(Template& t) {
  XadesPending& p = t.p;
  if (t.packaging == Packaging::Enveloped) {
    p.doc = xml::parseFile(t.input);
  } else {
    p.doc.reset(xmlNewDoc(X("1.0")));
  }
  t.sig = xmlSecTmplSignatureCreateNsPref(p.doc.get(), xmlSecTransformExclC14NId,
                                          signatureTransform(p.ec, p.params.digest), X(t.sigId), X("ds"));
  if (!t.sig) throw Error(Category::Internal, "cannot create the signature template");
  if (t.packaging != Packaging::Enveloped) {
    xmlDocSetRootElement(p.doc.get(), t.sig);
    return;
  }
  // A document that is already signed gets the new signature inside the
  // last signature, in a ds:Object: every earlier signature's
  // enveloped-signature transform removes its whole element, so they stay
  // valid, and the new one covers the document with the earlier signatures.
  // For a XAdES signature that is the ds:Object holding its
  // QualifyingProperties, the one object its archive time-stamps do not
  // cover (EN 319 132-1 §5.5.2.2): the new signature and what is later
  // added to it leave the earlier signature's B-LTA intact.
  std::vector<xmlNode*> existing;
  findSignatures(xmlDocGetRootElement(p.doc.get()), existing);
  xmlNode* earlierQp = existing.empty() ? nullptr : qualifyingPropertiesOf(existing.back());
  if (existing.empty()) {
    xmlAddChild(xmlDocGetRootElement(p.doc.get()), t.sig);
  } else if (earlierQp && earlierQp->parent) {
    xmlAddChild(earlierQp->parent, t.sig);
  } else {
    xmlNode* holder = xmlSecTmplSignatureAddObject(existing.back(), nullptr, nullptr, nullptr);
    if (!holder) throw Error(Category::Internal, "cannot add an object to the earlier signature");
    xmlAddChild(holder, t.sig);
  }
}

/// Reference 1, the signed content: the document without this signature
/// (enveloped), the content object (enveloping) or the file's name
/// (detached, which xmlsec may then read).  Reference 2: the signed properties.
void addReferences(Template& t) {
  const DigestAlgorithm alg = t.p.params.digest;
  std::string contentUri;  // "" when enveloped
  if (t.packaging == Packaging::Enveloping) {
    contentUri = "#" + t.sigId + "-content";
  } else if (t.packaging != Packaging::Enveloped) {
    xml::XmlString escaped(xmlURIEscapeStr(X(t.input.filename().string()), X("")));
    contentUri = escaped ? reinterpret_cast<const char*>(escaped.get()) : t.input.filename().string();
    t.files[contentUri] = t.input;
    t.files[t.input.filename().string()] = t.input;
  }
  xmlNode* ref = xmlSecTmplSignatureAddReference(t.sig, digestTransform(alg), X(t.refId), X(contentUri), nullptr);
  if (!ref) throw Error(Category::Internal, "cannot add a reference");
  if (t.packaging == Packaging::Enveloped) {
    if (!xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
        !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId)) {
      throw Error(Category::Internal, "cannot add the enveloped-signature transform");
    }
  } else if (t.packaging == Packaging::Enveloping) {
    if (!xmlSecTmplReferenceAddTransform(ref, t.isXml ? xmlSecTransformExclC14NId : xmlSecTransformBase64Id)) {
      throw Error(Category::Internal, "transform");
    }
  }

  xmlNode* spRef =
      xmlSecTmplSignatureAddReference(t.sig, digestTransform(alg), nullptr, X("#" + t.spId), X(kSignedPropertiesType));
  if (!spRef || !xmlSecTmplReferenceAddTransform(spRef, xmlSecTransformExclC14NId)) {
    throw Error(Category::Internal, "cannot add the SignedProperties reference");
  }
}

/// The enveloped content object: the XML document's root element, or the
/// file in base64 with its media type found by content.
void addContentObject(Template& t) {
  xmlNode* obj =
      xmlSecTmplSignatureAddObject(t.sig, X(t.sigId + "-content"), t.isXml ? nullptr : X(t.sniff.mediaType()),
                                   t.isXml ? nullptr : X(kBase64Transform));
  if (!obj) throw Error(Category::Internal, "cannot add the content object");
  if (t.isXml) {
    xml::Doc content = xml::parseFile(t.input);
    xmlNode* copy = xmlDocCopyNode(xmlDocGetRootElement(content.get()), t.p.doc.get(), 1);
    if (!copy) throw Error(Category::Internal, "cannot copy the document");
    xmlAddChild(obj, copy);
    return;
  }
  if (t.sniff.size > kMaxEnvelopedBinary) {
    throw Error(Category::Usage, Note{"too-large-to-envelope", N_("files over 7 MB cannot be enveloped in XML")},
                t.input.string());
  }
  const Bytes data = readFile(t.input);
  xmlNodeAddContent(obj, X("\n" + xml::toBase64(data, true) + "\n"));
}

/// QualifyingProperties (ETSI EN 319 132-1 §4.3, §5.2): SigningTime,
/// SigningCertificateV2 and the DataObjectFormat of the content, whose
/// MimeType is found by content (ContentSniff::mediaType).
void addQualifyingProperties(Template& t, const Certificate& certificate) {
  const SignParams& params = t.p.params;
  xmlNs* dsNs = xmlSearchNsByHref(t.p.doc.get(), t.sig, X(kDsig));
  xmlNode* obj = xmlSecTmplSignatureAddObject(t.sig, nullptr, nullptr, nullptr);
  if (!obj || !dsNs) throw Error(Category::Internal, "cannot add the XAdES object");
  xmlNode* qp = xmlNewChild(obj, nullptr, X("QualifyingProperties"), nullptr);
  xmlNs* xa = xmlNewNs(qp, X(kXades132), X("xades"));
  xmlSetNs(qp, xa);
  xmlNewProp(qp, X("Target"), X("#" + t.sigId));
  xmlNode* sp = xmlNewChild(qp, xa, X("SignedProperties"), nullptr);
  xmlNewProp(sp, X("Id"), X(t.spId));
  xmlNode* ssp = xmlNewChild(sp, xa, X("SignedSignatureProperties"), nullptr);
  addText(ssp, xa, "SigningTime", isoTime(params.signingTime ? *params.signingTime : std::time(nullptr)));
  xmlNode* scv2 = xmlNewChild(ssp, xa, X("SigningCertificateV2"), nullptr);
  xmlNode* certNode = xmlNewChild(scv2, xa, X("Cert"), nullptr);
  xmlNode* certDigest = xmlNewChild(certNode, xa, X("CertDigest"), nullptr);
  xmlNode* dm = xmlNewChild(certDigest, dsNs, X("DigestMethod"), nullptr);
  xmlNewProp(dm, X("Algorithm"), X(digestUri(params.digest)));
  addText(certDigest, dsNs, "DigestValue", xml::toBase64(digest(params.digest, certificate.der()), false));
  addText(certNode, xa, "IssuerSerialV2", xml::toBase64(issuerSerialDer(certificate), false));
  xmlNode* sdop = xmlNewChild(sp, xa, X("SignedDataObjectProperties"), nullptr);
  xmlNode* dof = xmlNewChild(sdop, xa, X("DataObjectFormat"), nullptr);
  xmlNewProp(dof, X("ObjectReference"), X("#" + t.refId));
  addText(dof, xa, "MimeType", t.sniff.mediaType());
  if (t.packaging == Packaging::Enveloping && !t.isXml) addText(dof, xa, "Encoding", kBase64Transform);
  t.p.qualifyingProperties = qp;
}

/// Pass 1 with the throwaway key: every DigestValue and the canonical
/// SignedInfo, whose digest is what the signer signs.
void computeDigests(Template& t, EVP_PKEY* pub) {
  XadesPending& p = t.p;
  xml::clearLastError();
  DSigCtx ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) throw Error(Category::Internal, "cannot create an xmlsec context");
  ctx->flags |= XMLSEC_DSIG_FLAGS_STORE_SIGNATURE;
  ctx->enabledReferenceUris = static_cast<xmlSecTransformUriType>(
      xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument |
      (t.files.empty() ? 0 : (xmlSecTransformUriTypeLocal | xmlSecTransformUriTypeRemote)));
  ctx->signKey = keyFor(throwawayKeyLike(pub)).release();
  {
    xml::AllowedFiles allow(t.files);
    if (xmlSecDSigCtxSign(ctx.get(), t.sig) < 0 || !ctx->preSignMemBufMethod) {
      throw Error(Category::Crypto, format(tr("cannot compute the XML signature: {0}"), {xml::lastError()}),
                  t.input.string());
    }
  }
  xmlSecBufferPtr si = xmlSecTransformMemBufGetBuffer(ctx->preSignMemBufMethod);
  if (!si) throw Error(Category::Internal, "xmlsec kept no canonical SignedInfo");
  p.canonicalSignedInfo.assign(xmlSecBufferGetData(si), xmlSecBufferGetData(si) + xmlSecBufferGetSize(si));
  p.tbs = digest(p.params.digest, p.canonicalSignedInfo);
  p.signature = t.sig;
  p.signatureValue = xmlSecFindChild(t.sig, xmlSecNodeSignatureValue, xmlSecDSigNs);
  if (!p.signatureValue) throw Error(Category::Internal, "no SignatureValue after signing");
}

/// Never write a value that does not verify (wrong key, wrong digest).
void refuseValueNotMatching(const XadesPending& p, const Bytes& value) {
  EVP_PKEY* pub = X509_get0_pubkey(p.cert->certificate.native());
  ossl::EvpMdCtx vctx(EVP_MD_CTX_new());
  if (!vctx || EVP_DigestVerifyInit(vctx.get(), nullptr, ossl::evpDigest(p.params.digest), nullptr, pub) != 1 ||
      EVP_DigestVerify(vctx.get(), value.data(), value.size(), p.canonicalSignedInfo.data(),
                       p.canonicalSignedInfo.size()) != 1) {
    ERR_clear_error();
    throw Error(Category::Crypto, tr("the signature value from the signer does not match the certificate"), p.input);
  }
}

/// KeyInfo (not signed; the signed SigningCertificateV2 binds the certificate).
void addKeyInfo(XadesPending& p, xmlNs* dsNs) {
  xmlNode* keyInfo = xmlNewNode(dsNs, X("KeyInfo"));
  xmlAddNextSibling(p.signatureValue, keyInfo);
  xmlNode* x509 = xmlNewChild(keyInfo, dsNs, X("X509Data"), nullptr);
  addText(x509, dsNs, "X509Certificate", xml::toBase64(p.cert->certificate.der(), true));
  for (const Certificate& c : p.cert->chain) {
    if (c.selfIssued()) continue;  // the root comes from the verifier's trust anchors
    addText(x509, dsNs, "X509Certificate", xml::toBase64(c.der(), true));
  }
}

/// The UnsignedSignatureProperties of `qp`, made when missing (EN 319 132-1
/// §4.3: UnsignedProperties follows SignedProperties).
xmlNode* unsignedSignatureProperties(xmlNode* qp) {
  xmlNs* xa = qp->ns;
  xmlNode* up = xml::child(qp, kXadesAny, "UnsignedProperties");
  if (!up) up = xmlNewChild(qp, xa, X("UnsignedProperties"), nullptr);
  xmlNode* usp = xml::child(up, kXadesAny, "UnsignedSignatureProperties");
  if (!usp) {
    // UnsignedSignatureProperties comes before UnsignedDataObjectProperties.
    usp = xmlNewNode(xa, X("UnsignedSignatureProperties"));
    xmlNode* first = xmlFirstElementChild(up);
    if (first) {
      xmlAddPrevSibling(first, usp);
    } else {
      xmlAddChild(up, usp);
    }
  }
  return usp;
}

/// A new XAdESTimeStampType element `name` in `ns` at the end of `usp`:
/// ds:CanonicalizationMethod `c14n` and the token, its children in the
/// QualifyingProperties' namespace (EN 319 132-1 §5.2.8.1 / XAdES schema).
xmlNode* addTimeStampElement(xmlNode* usp, xmlNs* ns, const char* name, const char* c14n, const Bytes& token) {
  xmlNs* dsNs = xmlSearchNsByHref(usp->doc, usp, X(kDsig));
  xmlNode* ts = xmlNewChild(usp, ns, X(name), nullptr);
  if (!dsNs) dsNs = xmlNewNs(ts, X(kDsig), X("ds"));
  xmlNewProp(ts, X("Id"), X(randomId("ts-")));
  xmlNode* cm = xmlNewChild(ts, dsNs, X("CanonicalizationMethod"), nullptr);
  xmlNewProp(cm, X("Algorithm"), X(c14n));
  addText(ts, usp->ns, "EncapsulatedTimeStamp", xml::toBase64(token, true));
  return ts;
}

/// The xades141 namespace on `e` (declared there when not in scope).
xmlNs* xades141On(xmlNode* e) {
  if (xmlNs* ns = xmlSearchNsByHref(e->doc, e, X(kXades141))) return ns;
  return xmlNewNs(e, X(kXades141), X("xades141"));
}

/// SignatureTimeStamp over the canonical ds:SignatureValue element (EN 319
/// 132-1 §5.3); returns the token.
Bytes addSignatureTimeStamp(xmlNode* qp, xmlNode* signatureValue, const SignParams& params, const std::string& file) {
  const auto canonical = xml::canonicalise(signatureValue, kExcC14n);
  if (!canonical) throw Error(Category::Internal, "cannot canonicalise SignatureValue");
  Bytes token;
  try {
    token = requestTimestampToken(*canonical, cms::timestampOptions(params));
  } catch (const Error& e) {
    throw e.withFile(file);
  }
  xmlNode* usp = unsignedSignatureProperties(qp);
  addTimeStampElement(usp, usp->ns, "SignatureTimeStamp", kExcC14n, token);
  return token;
}

/// xades:CertificateValues and xades:RevocationValues of `m` into `parent`.
void addValues(xmlNode* parent, xmlNs* xa, const ltv::Material& m) {
  xmlNode* cv = xmlNewChild(parent, xa, X("CertificateValues"), nullptr);
  for (const Certificate& c : m.certificates)
    addText(cv, xa, "EncapsulatedX509Certificate", xml::toBase64(c.der(), true));
  xmlNode* rv = xmlNewChild(parent, xa, X("RevocationValues"), nullptr);
  if (!m.crls.empty()) {
    xmlNode* crls = xmlNewChild(rv, xa, X("CRLValues"), nullptr);
    for (const Bytes& crl : m.crls) addText(crls, xa, "EncapsulatedCRLValue", xml::toBase64(crl, true));
  }
  if (!m.ocspResponses.empty()) {
    xmlNode* ocsp = xmlNewChild(rv, xa, X("OCSPValues"), nullptr);
    for (const Bytes& r : m.ocspResponses) addText(ocsp, xa, "EncapsulatedOCSPValue", xml::toBase64(r, true));
  }
}

/// B-LT (EN 319 132-1 §5.5): CertificateValues and RevocationValues after
/// the SignatureTimeStamp, for the signer's path and each signature
/// time-stamp's TSA.
void addLongTermValues(xmlNode* qp, const Certificate& signer, std::vector<Certificate> pool,
                       const std::vector<Bytes>& tokens, const SignParams& params, const std::string& file) {
  std::vector<Certificate> leaves{signer};
  for (const Bytes& token : tokens) {
    for (const Certificate& c : ltv::tokenCertificates(token)) {
      pool.push_back(c);
      leaves.push_back(c);
    }
  }
  const ltv::Material m = ltv::collect(leaves, pool, params, file);
  addValues(unsignedSignatureProperties(qp), qp->ns, m);
}

/// Renewal (EN 319 132-1 §5.5.3, §5.5.2.1): before a new archive time-stamp,
/// the validation data of the previous one's TSA in an
/// xades141:TimeStampValidationData, so that the new time-stamp covers it.
void addTimeStampValidationData(xmlNode* qp, const Bytes& previous, const SignParams& params, const std::string& file) {
  const std::vector<Certificate> tsa = ltv::tokenCertificates(previous);
  if (tsa.empty()) throw Error(Category::Malformed, tr("the archive time-stamp cannot be read"), file);
  const ltv::Material m = ltv::collect(tsa, tsa, params, file, false);
  xmlNode* usp = unsignedSignatureProperties(qp);
  xmlNode* tsvd = xmlNewChild(usp, nullptr, X("TimeStampValidationData"), nullptr);
  xmlSetNs(tsvd, xades141On(tsvd));
  xmlNewProp(tsvd, X("Id"), X(randomId("tsvd-")));
  addValues(tsvd, qp->ns, m);
}

/// B-LTA (EN 319 132-1 §5.5.2): an xades141:ArchiveTimeStamp at the end of
/// the UnsignedSignatureProperties over the §5.5.2.2 input (every property
/// before it), canonicalised with C14N 1.0, the form xmlsec gives a
/// reference's node-set, so one algorithm serves both.
void addArchiveTimeStamp(xmlNode* sig, xmlNode* qp, const std::map<std::string, fs::path>& files,
                         const Certificate& signer, const SignParams& params, const std::string& file) {
  const auto outputs = referenceOutputs(sig, files, X509_get0_pubkey(signer.native()));
  if (!outputs) {
    throw Error(
        Category::Malformed,
        format(tr("the signed content cannot be processed for the archive time-stamp: {0}"), {xml::lastError()}), file);
  }
  const auto input = archiveTimeStampInput(sig, nullptr, kC14n10, *outputs);
  if (!input) throw Error(Category::Internal, "cannot canonicalise the archived elements", file);
  Bytes token;
  try {
    token = requestTimestampToken(*input, cms::timestampOptions(params));
  } catch (const Error& e) {
    throw e.withFile(file);
  }
  xmlNode* usp = unsignedSignatureProperties(qp);
  xmlNode* ats = addTimeStampElement(usp, nullptr, "ArchiveTimeStamp", kC14n10, token);
  xmlSetNs(ats, xades141On(ats));
}

}  // namespace

}  // namespace xades

using xml::X;

std::unique_ptr<PendingSignature> xades::prepareSignature(const fs::path& input, const SignParams& params,
                                                          const OfferedCertificate& offered) {
  xml::initialise();
  // The plan's sniff when the signing service made one (SignParams::content).
  const ContentSniff sniff = params.content ? *params.content : ContentSniff::of(input);
  const bool isXml = looksLikeXml(sniff.head);
  const Packaging packaging = params.packaging == Packaging::Default ? xadesPackagingFor(sniff) : params.packaging;
  EVP_PKEY* pub = xades::refuseUnsupported(packaging, isXml, params, offered);
  const bool ec = EVP_PKEY_is_a(pub, "EC");

  auto p = std::make_unique<xades::XadesPending>();
  p->ec = ec;
  p->fieldSize = ec ? static_cast<std::size_t>((EVP_PKEY_get_bits(pub) + 7) / 8) : 0;
  p->cert = offered;
  p->params = params;
  p->input = input.string();

  const std::string sigId = xades::randomId("sig-");
  xades::Template t{*p, input, sniff, isXml, packaging, sigId, sigId + "-signedprops", sigId + "-ref0", nullptr, {}};
  xades::createTemplate(t);
  xades::addReferences(t);
  if (packaging == Packaging::Enveloping) xades::addContentObject(t);
  xades::addQualifyingProperties(t, offered.certificate);
  xades::computeDigests(t, pub);
  p->files = t.files;
  return p;
}

void xades::XadesPending::finish(const Bytes& value, AtomicFile& out) {
  XadesPending& p = *this;
  const fs::path& output = out.temporary();
  xades::refuseValueNotMatching(p, value);
  // XML-DSig ECDSA values are r||s (RFC 6931 §3.4.1), CMS ones DER.
  const Bytes xmlValue = p.ec ? ecdsaDerToRaw(value, p.fieldSize) : value;
  xmlNodeSetContent(p.signatureValue, X(xml::toBase64(xmlValue, true)));

  xmlNs* dsNs = xmlSearchNsByHref(p.doc.get(), p.signature, X(xades::kDsig));
  xades::addKeyInfo(p, dsNs);
  if (p.params.level != SignatureLevel::B_B) {
    const Bytes token = xades::addSignatureTimeStamp(p.qualifyingProperties, p.signatureValue, p.params, p.input);
    if (p.params.level == SignatureLevel::B_LT || p.params.level == SignatureLevel::B_LTA) {
      xades::addLongTermValues(p.qualifyingProperties, p.cert->certificate, p.cert->chain, {token}, p.params, p.input);
    }
    if (p.params.level == SignatureLevel::B_LTA)
      xades::addArchiveTimeStamp(p.signature, p.qualifyingProperties, p.files, p.cert->certificate, p.params, p.input);
  }

  xml::clearLastError();
  if (xmlSaveFileEnc(output.c_str(), p.doc.get(), "UTF-8") < 0) {
    throw Error(Category::Io, format(tr("cannot write the signed file: {0}"), {xml::lastError()}), output.string());
  }
}

// ---------------------------------------------------------------- extend ---

namespace xades {
namespace {

int rank(const std::string& level) { return level == "B-LTA" ? 3 : level == "B-LT" ? 2 : level == "B-T" ? 1 : 0; }

xmlNode* unsignedSignaturePropertiesIfAny(xmlNode* qp) {
  return xml::child(xml::child(qp, kXadesAny, "UnsignedProperties"), kXadesAny, "UnsignedSignatureProperties");
}

/// The tokens of the `name` time-stamps of `usp`, in order.
std::vector<Bytes> tokensOf(xmlNode* usp, const char* name) {
  std::vector<Bytes> out;
  for (xmlNode* ts : xml::children(usp)) {
    if (!xml::is(ts, kXadesAny, name)) continue;
    xmlNode* enc = xml::child(ts, kXadesAny, "EncapsulatedTimeStamp");
    if (const auto token = enc ? xml::base64(enc) : std::nullopt) out.push_back(*token);
  }
  return out;
}

/// The detached content and the references of `sig`, checked as the
/// verifier checks them (EN 319 102-1 §5.2.2): an archive time-stamp covers
/// what the references give, so they must all be processable.
std::map<std::string, fs::path> archivableContent(const SignedDocument& d, xmlNode* sig, const std::string& id,
                                                  const fs::path& file) {
  const VerifyOptions options;
  SignatureContext sc{sig, id, d.census, file, options, {}, std::nullopt};
  SignatureReport r;
  std::vector<ResolvedReference> refs;
  if (!resolveReferences(sc, xml::child(sig, kDsig, "SignedInfo"), r, refs)) {
    throw Error(Category::Unsupported,
                tr("the signature's references cannot be processed, so no archive time-stamp can cover them"),
                file.string());
  }
  for (const ResolvedReference& ref : refs) {
    if (ref.detached && !sc.files.count(ref.uri)) {
      throw Error(Category::Io,
                  format(tr("the signed file \"{0}\" is not beside the signature; an archive time-stamp covers it"),
                         {ref.fileName}),
                  file.string());
    }
  }
  return sc.files;
}

/// Whether another signature of `d` covers `sig` (a later signature made
/// over the document with it, createTemplate): adding properties to `sig`
/// would break that one, so it is left as it is.
bool coveredByAnother(const SignedDocument& d, xmlNode* sig, const fs::path& file) {
  const VerifyOptions options;
  for (xmlNode* other : d.signatures) {
    if (other == sig) continue;
    SignatureContext sc{other, {}, d.census, file, options, {}, std::nullopt};
    SignatureReport r;
    std::vector<ResolvedReference> refs;
    resolveReferences(sc, xml::child(other, kDsig, "SignedInfo"), r, refs);
    for (const ResolvedReference& ref : refs) {
      if (ref.wholeDocument && !xml::isInside(sig, other)) return true;
      if (ref.target && xml::isInside(sig, ref.target) && !xml::isInside(sig, other)) return true;
    }
  }
  return false;
}

}  // namespace
}  // namespace xades

std::vector<ExtendedSignature> xades::extendFile(const fs::path& file, AtomicFile& out, const SignParams& params) {
  xml::initialise();
  const std::string name = file.string();
  SignedDocument d = parseSigned(file);
  if (d.signatures.empty()) throw Error(Category::Malformed, tr("the file holds no signature"), name);
  const int wanted = static_cast<int>(params.level);
  std::vector<ExtendedSignature> done;
  bool anyXades = false;
  // The last signature first: a later signature lies inside an earlier one
  // (createTemplate), so an earlier signature's archive time-stamp sees it
  // with what it gains here.
  for (std::size_t i = d.signatures.size(); i-- > 0;) {
    xmlNode* sig = d.signatures[i];
    const auto idAttr = xml::attribute(sig, "Id");
    const std::string id = idAttr && !idAttr->empty() ? *idAttr : "Signature" + std::to_string(i + 1);
    ExtendedSignature e{id, "-", "-"};
    xmlNode* qp = qualifyingPropertiesOf(sig);
    xmlNode* sigValue = xml::child(sig, kDsig, "SignatureValue");
    if (!qp || !sigValue || !qp->ns) {
      done.insert(done.begin(), std::move(e));  // XML-DSig only: no place for unsigned properties
      continue;
    }
    anyXades = true;
    const auto level = [qp] { return levelOf(unsignedSignaturePropertiesIfAny(qp)); };
    e.levelBefore = level();
    if (coveredByAnother(d, sig, file)) {
      e.levelAfter = e.levelBefore;
      done.insert(done.begin(), std::move(e));
      continue;
    }
    // EN 319 132-1 §5.3, §5.5: the signature time-stamp, then the values,
    // then the archive time-stamp, each over what comes before it.
    if (rank(level()) < 1 && wanted >= 1) addSignatureTimeStamp(qp, sigValue, params, name);
    std::vector<Certificate> pool;
    const std::optional<Certificate> signer = signingCertificateOf(sig, pool);
    if (!signer && wanted >= 2) {
      throw Error(Category::Unsupported,
                  tr("the signature carries no certificate, so no validation data can be added for it"), name);
    }
    if (rank(level()) < 2 && wanted >= 2) {
      addLongTermValues(qp, *signer, pool, tokensOf(unsignedSignaturePropertiesIfAny(qp), "SignatureTimeStamp"), params,
                        name);
    }
    if (wanted >= 3) {
      const std::map<std::string, fs::path> files = archivableContent(d, sig, id, file);
      if (rank(level()) == 3) {
        // Renewal: the previous archive time-stamp's validation data first.
        const std::vector<Bytes> previous = tokensOf(unsignedSignaturePropertiesIfAny(qp), "ArchiveTimeStamp");
        if (previous.empty()) throw Error(Category::Malformed, tr("the archive time-stamp cannot be read"), name);
        addTimeStampValidationData(qp, previous.back(), params, name);
      }
      addArchiveTimeStamp(sig, qp, files, *signer, params, name);
    }
    e.levelAfter = level();
    done.insert(done.begin(), std::move(e));
  }
  if (!anyXades) {
    throw Error(Category::Unsupported,
                tr("only XAdES signatures can be extended; these XML signatures have no qualifying properties"), name);
  }
  const fs::path& output = out.temporary();
  xml::clearLastError();
  if (xmlSaveFileEnc(output.c_str(), d.doc.get(), "UTF-8") < 0) {
    throw Error(Category::Io, format(tr("cannot write the signed file: {0}"), {xml::lastError()}), output.string());
  }
  return done;
}

}  // namespace securedoc
