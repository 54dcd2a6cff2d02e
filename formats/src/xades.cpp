// XAdES signing and XAdES / XML-DSig verification.
//
// Signing is two-phase (DESIGN.md §3, SIGNING-NOTES.md §3.1): xmlsec signs
// the template once with a throwaway key of the certificate's type, which
// fills every DigestValue and yields the exact canonical SignedInfo; its
// digest goes to the signer backend, and finish() overwrites SignatureValue.
// The document stays in memory between the phases, so what is written is
// what was digested.
//
// Verification follows ETSI EN 319 102-1 §5.2 in order: format checking
// (every Reference resolved by us before xmlsec runs: an Id must name
// exactly one element, only "", "#id" and a detached file name are accepted,
// only known transforms, and only the XPath filters that exclude signatures
// or select inside the referenced element); identification of the signing
// certificate (the one SigningCertificate names, else the one KeyInfo
// carries, else a key the signature names or carries, never one xmlsec
// picks); integrity (every reference digest, then the value, whether or not
// the certificate chains to a trust anchor; without any key the digests are
// still computed); the time-stamps; the certificate chain; the
// cryptographic constraints; and the scope.  The report names what each
// reference covers; a signature that leaves part of the document unsigned
// (SOAP's Body by Id) says so and is INDETERMINATE, never TOTAL-FAILED for
// that alone, while the wrapping defences (unique Ids, signed content only
// where a signature keeps it, no signed element inside an unsigned
// look-alike, no unsigned content in the signature's objects) stay failures.
#include <securedoc/formats/xades.h>

#include "cms_support.h"
#include "signature_checks.h"
#include "xml_support.h"

#include <securedoc/crypto/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/tsa_client.h>
#include <securedoc/i18n.h>

#include <libxml/uri.h>
#include <libxml/xmlsave.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/membuf.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

namespace securedoc {

namespace {

namespace fs = std::filesystem;

constexpr const char* kDsig = "http://www.w3.org/2000/09/xmldsig#";
constexpr const char* kXades132 = "http://uri.etsi.org/01903/v1.3.2#";
constexpr std::string_view kXadesAny = "http://uri.etsi.org/01903/v1.";  // 1.1.1, 1.2.2, 1.3.2, 1.4.1
constexpr const char* kSignedPropertiesType = "http://uri.etsi.org/01903#SignedProperties";
constexpr const char* kExcC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr const char* kC14n10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
constexpr const char* kEnvelopedTransform = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr const char* kBase64Transform = "http://www.w3.org/2000/09/xmldsig#base64";
constexpr const char* kXPathTransform = "http://www.w3.org/TR/1999/REC-xpath-19991116";
constexpr const char* kXPath2Transform = "http://www.w3.org/2002/06/xmldsig-filter2";
constexpr std::size_t kMaxSignatures = 64;
constexpr std::size_t kMaxReferences = 256;
/// Documents larger than this (elements, attributes, text nodes) are not put
/// through xmlsec's XPath 1.0 transform when the key is only inside the
/// signature (KeyValue); otherwise ExcludeSignaturesFilter2 runs it linearly.
constexpr std::size_t kMaxXPathNodes = 20000;
/// Enveloping a non-XML file base64-encodes it into one text node, and
/// libxml2 (without XML_PARSE_HUGE, which we never pass) reads text nodes of
/// up to 10,000,000 characters: 7 MB of content stays below that.
constexpr std::uintmax_t kMaxEnvelopedBinary = 7000000;

// ------------------------------------------------------------ ownership ---

struct KeyFree {
  void operator()(xmlSecKey* k) const { xmlSecKeyDestroy(k); }
};
using Key = std::unique_ptr<xmlSecKey, KeyFree>;
struct DSigCtxFree {
  void operator()(xmlSecDSigCtx* c) const { xmlSecDSigCtxDestroy(c); }
};
using DSigCtx = std::unique_ptr<xmlSecDSigCtx, DSigCtxFree>;
struct KeysMngrFree {
  void operator()(xmlSecKeysMngr* m) const { xmlSecKeysMngrDestroy(m); }
};
using KeysMngr = std::unique_ptr<xmlSecKeysMngr, KeysMngrFree>;
struct XmlCharFree {
  void operator()(xmlChar* c) const { xmlFree(c); }
};
using XmlString = std::unique_ptr<xmlChar, XmlCharFree>;
struct CharFree {
  void operator()(char* c) const { xmlFree(c); }
};
using XmlChars = std::unique_ptr<char, CharFree>;

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
const xmlChar* X(const std::string& s) { return reinterpret_cast<const xmlChar*>(s.c_str()); }

/// An xmlsec key holding `pk` (a reference is taken).
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

// ---------------------------------------------------------- algorithms ---

struct DigestInfo {
  const char* uri;
  const char* name;  ///< OpenSSL name
  const char* label;
};
const std::vector<DigestInfo>& digests() {
  static const std::vector<DigestInfo> d{
      {"http://www.w3.org/2000/09/xmldsig#sha1", "SHA1", "SHA-1"},
      {"http://www.w3.org/2001/04/xmldsig-more#sha224", "SHA224", "SHA-224"},
      {"http://www.w3.org/2001/04/xmlenc#sha256", "SHA256", "SHA-256"},
      {"http://www.w3.org/2001/04/xmldsig-more#sha384", "SHA384", "SHA-384"},
      {"http://www.w3.org/2001/04/xmlenc#sha512", "SHA512", "SHA-512"},
  };
  return d;
}
const DigestInfo* digestByUri(const std::string& uri) {
  for (const auto& d : digests()) {
    if (uri == d.uri) return &d;
  }
  return nullptr;
}
const char* digestUri(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::Sha256: return "http://www.w3.org/2001/04/xmlenc#sha256";
    case DigestAlgorithm::Sha384: return "http://www.w3.org/2001/04/xmldsig-more#sha384";
    case DigestAlgorithm::Sha512: return "http://www.w3.org/2001/04/xmlenc#sha512";
  }
  return "";
}
xmlSecTransformId digestTransform(DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::Sha256: return xmlSecTransformSha256Id;
    case DigestAlgorithm::Sha384: return xmlSecTransformSha384Id;
    case DigestAlgorithm::Sha512: return xmlSecTransformSha512Id;
  }
  return xmlSecTransformSha256Id;
}
xmlSecTransformId signatureTransform(bool ec, DigestAlgorithm a) {
  switch (a) {
    case DigestAlgorithm::Sha256: return ec ? xmlSecTransformEcdsaSha256Id : xmlSecTransformRsaSha256Id;
    case DigestAlgorithm::Sha384: return ec ? xmlSecTransformEcdsaSha384Id : xmlSecTransformRsaSha384Id;
    case DigestAlgorithm::Sha512: return ec ? xmlSecTransformEcdsaSha512Id : xmlSecTransformRsaSha512Id;
  }
  return xmlSecTransformRsaSha256Id;
}
Bytes hash(const EVP_MD* md, const Bytes& data) {
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) {
    throwOpenSsl(Category::Crypto, "digest failed");
  }
  out.resize(len);
  return out;
}
/// "rsa-sha256" from ".../xmldsig-more#rsa-sha256", for reports.
std::string afterHash(const std::string& uri) {
  const auto h = uri.find('#');
  return h == std::string::npos ? uri : uri.substr(h + 1);
}

/// A key of the same type as `cert`'s, made once per process: xmlsec signs
/// the template with it to produce digests and the canonical SignedInfo
/// (SIGNING-NOTES.md §3.2: xmlsec 1.2 cannot sign with a key it cannot see).
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

std::string mimeTypeOf(const fs::path& file, bool xml) {
  if (xml) return "text/xml";
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::map<std::string, std::string> types{
      {".pdf", "application/pdf"},   {".txt", "text/plain"},      {".png", "image/png"},
      {".jpg", "image/jpeg"},        {".jpeg", "image/jpeg"},     {".tif", "image/tiff"},
      {".tiff", "image/tiff"},       {".json", "application/json"}, {".zip", "application/zip"},
      {".odt", "application/vnd.oasis.opendocument.text"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}};
  const auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
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

xmlNode* addText(xmlNode* parent, xmlNs* ns, const char* name, const std::string& text) {
  return xmlNewTextChild(parent, ns, X(name), X(text));
}

// ============================================================= signing ===

void findSignatures(xmlNode* node, std::vector<xmlNode*>& signatures);

class XadesPending final : public PendingSignature {
 public:
  const Bytes& digestToSign() const override { return tbs; }
  SignatureScheme scheme() const override { return ec ? SignatureScheme::Ecdsa : SignatureScheme::RsaPkcs1v15; }

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
};

}  // namespace

bool XadesModule::recognises(const ContentSniff& c) const { return looksLikeXml(c.head); }
bool XadesModule::isDefaultFor(const ContentSniff& c) const { return looksLikeXml(c.head); }
bool XadesModule::canSign(const ContentSniff&) const { return true; }
Packaging XadesModule::packagingFor(const ContentSniff& c) const {
  return looksLikeXml(c.head) ? Packaging::Enveloped : Packaging::Detached;
}

fs::path XadesModule::outputName(const fs::path& input, Packaging p) const {
  if (p == Packaging::Detached) {
    fs::path out = input;
    out += kDetachedXadesSuffix;
    return out;
  }
  const bool xml = looksLikeXml(ContentSniff::of(input).head);  // read once
  if (p == Packaging::Default && !xml) return outputName(input, Packaging::Detached);
  fs::path out = input;
  if (xml) {
    out.replace_filename(input.stem().string() + "-signed" + input.extension().string());
  } else {
    out += "-signed.xml";  // enveloping a non-XML file: "scan.tiff-signed.xml"
  }
  return out;
}

std::unique_ptr<PendingSignature> XadesModule::prepare(const fs::path& input, const SignParams& params,
                                                       const OfferedCertificate& offered) {
  xml::initialise();
  const ContentSniff sniff = ContentSniff::of(input);
  const bool isXml = looksLikeXml(sniff.head);
  const Packaging packaging = params.packaging == Packaging::Default ? packagingFor(sniff) : params.packaging;
  if (packaging == Packaging::Attached) {
    throw Error(Category::Usage, tr("XAdES signatures are enveloped, enveloping or detached, not attached"));
  }
  if (packaging == Packaging::Enveloped && !isXml) {
    throw Error(Category::Usage,
                Note{"enveloped-needs-xml", N_("only an XML document can hold an enveloped signature")});
  }
  if (params.level == SignatureLevel::B_LT || params.level == SignatureLevel::B_LTA) {
    throw Error(Category::Unsupported,
                format(tr("XAdES level {0} is not available yet; use B-B or B-T"), {levelName(params.level)}));
  }
  if (params.level == SignatureLevel::B_T && params.tsaUrl.empty()) {
    throw Error(Category::Usage, Note{"tsa-required", N_("level B-T needs a time-stamp service")});
  }
  EVP_PKEY* pub = X509_get0_pubkey(offered.certificate.native());
  if (!pub) throw Error(Category::Crypto, tr("the certificate has no usable public key"));
  const bool ec = EVP_PKEY_is_a(pub, "EC");
  // xmlsec 1.2 has no RSA-PSS transform (it came with 1.3).
  if (EVP_PKEY_is_a(pub, "RSA-PSS") || (params.rsaPss && EVP_PKEY_is_a(pub, "RSA"))) {
    throw Error(Category::Unsupported, tr("RSA-PSS is not available for XML signatures; use PAdES or CAdES, or "
                                          "sign without --rsa-pss"));
  }

  auto p = std::make_unique<XadesPending>();
  p->ec = ec;
  p->fieldSize = ec ? static_cast<std::size_t>((EVP_PKEY_get_bits(pub) + 7) / 8) : 0;
  p->cert = offered;
  p->params = params;
  p->input = input.string();

  const std::string sigId = randomId("sig-");
  const std::string spId = sigId + "-signedprops";
  const std::string refId = sigId + "-ref0";
  xmlNode* sig = nullptr;
  std::map<std::string, fs::path> files;  // detached content xmlsec may read

  if (packaging == Packaging::Enveloped) {
    p->doc = xml::parseFile(input);
    sig = xmlSecTmplSignatureCreateNsPref(p->doc.get(), xmlSecTransformExclC14NId, signatureTransform(ec, params.digest),
                                          X(sigId), X("ds"));
    if (!sig) throw Error(Category::Internal, "cannot create the signature template");
    // A document that is already signed gets the new signature inside the
    // last signature, in a ds:Object of its own: every earlier signature's
    // enveloped-signature transform removes its whole element, so they stay
    // valid, and the new one covers the document with the earlier signatures.
    std::vector<xmlNode*> existing;
    findSignatures(xmlDocGetRootElement(p->doc.get()), existing);
    if (existing.empty()) {
      xmlAddChild(xmlDocGetRootElement(p->doc.get()), sig);
    } else {
      xmlNode* holder = xmlSecTmplSignatureAddObject(existing.back(), nullptr, nullptr, nullptr);
      if (!holder) throw Error(Category::Internal, "cannot add an object to the earlier signature");
      xmlAddChild(holder, sig);
    }
  } else {
    p->doc.reset(xmlNewDoc(X("1.0")));
    sig = xmlSecTmplSignatureCreateNsPref(p->doc.get(), xmlSecTransformExclC14NId, signatureTransform(ec, params.digest),
                                          X(sigId), X("ds"));
    if (!sig) throw Error(Category::Internal, "cannot create the signature template");
    xmlDocSetRootElement(p->doc.get(), sig);
  }

  // Reference 1: the signed content.
  std::string contentUri;
  if (packaging == Packaging::Enveloped) {
    contentUri = "";
  } else if (packaging == Packaging::Enveloping) {
    contentUri = "#" + sigId + "-content";
  } else {
    XmlString escaped(xmlURIEscapeStr(X(input.filename().string()), X("")));
    contentUri = escaped ? reinterpret_cast<const char*>(escaped.get()) : input.filename().string();
    files[contentUri] = input;
    files[input.filename().string()] = input;
  }
  xmlNode* ref = xmlSecTmplSignatureAddReference(sig, digestTransform(params.digest), X(refId), X(contentUri), nullptr);
  if (!ref) throw Error(Category::Internal, "cannot add a reference");
  if (packaging == Packaging::Enveloped) {
    if (!xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
        !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId)) {
      throw Error(Category::Internal, "cannot add the enveloped-signature transform");
    }
  } else if (packaging == Packaging::Enveloping) {
    if (!xmlSecTmplReferenceAddTransform(ref, isXml ? xmlSecTransformExclC14NId : xmlSecTransformBase64Id)) {
      throw Error(Category::Internal, "transform");
    }
  }

  // Reference 2: the signed properties.
  xmlNode* spRef = xmlSecTmplSignatureAddReference(sig, digestTransform(params.digest), nullptr, X("#" + spId),
                                                   X(kSignedPropertiesType));
  if (!spRef || !xmlSecTmplReferenceAddTransform(spRef, xmlSecTransformExclC14NId)) {
    throw Error(Category::Internal, "cannot add the SignedProperties reference");
  }

  // The enveloped content object.
  if (packaging == Packaging::Enveloping) {
    xmlNode* obj = xmlSecTmplSignatureAddObject(sig, X(sigId + "-content"), isXml ? nullptr : X(mimeTypeOf(input, false)),
                                                isXml ? nullptr : X(kBase64Transform));
    if (!obj) throw Error(Category::Internal, "cannot add the content object");
    if (isXml) {
      xml::Doc content = xml::parseFile(input);
      xmlNode* copy = xmlDocCopyNode(xmlDocGetRootElement(content.get()), p->doc.get(), 1);
      if (!copy) throw Error(Category::Internal, "cannot copy the document");
      xmlAddChild(obj, copy);
    } else {
      if (sniff.size > kMaxEnvelopedBinary) {
        throw Error(Category::Usage, Note{"too-large-to-envelope", N_("files over 7 MB cannot be enveloped in XML")},
                    input.string());
      }
      const Bytes data = readFile(input);
      xmlNodeAddContent(obj, X("\n" + xml::toBase64(data, true) + "\n"));
    }
  }

  // QualifyingProperties (ETSI EN 319 132-1 §4.3, §5.2).
  xmlNs* dsNs = xmlSearchNsByHref(p->doc.get(), sig, X(kDsig));
  xmlNode* obj = xmlSecTmplSignatureAddObject(sig, nullptr, nullptr, nullptr);
  if (!obj || !dsNs) throw Error(Category::Internal, "cannot add the XAdES object");
  xmlNode* qp = xmlNewChild(obj, nullptr, X("QualifyingProperties"), nullptr);
  xmlNs* xa = xmlNewNs(qp, X(kXades132), X("xades"));
  xmlSetNs(qp, xa);
  xmlNewProp(qp, X("Target"), X("#" + sigId));
  xmlNode* sp = xmlNewChild(qp, xa, X("SignedProperties"), nullptr);
  xmlNewProp(sp, X("Id"), X(spId));
  xmlNode* ssp = xmlNewChild(sp, xa, X("SignedSignatureProperties"), nullptr);
  addText(ssp, xa, "SigningTime", isoTime(params.signingTime ? *params.signingTime : std::time(nullptr)));
  xmlNode* scv2 = xmlNewChild(ssp, xa, X("SigningCertificateV2"), nullptr);
  xmlNode* certNode = xmlNewChild(scv2, xa, X("Cert"), nullptr);
  xmlNode* certDigest = xmlNewChild(certNode, xa, X("CertDigest"), nullptr);
  xmlNode* dm = xmlNewChild(certDigest, dsNs, X("DigestMethod"), nullptr);
  xmlNewProp(dm, X("Algorithm"), X(digestUri(params.digest)));
  addText(certDigest, dsNs, "DigestValue",
          xml::toBase64(hash(ossl::evpDigest(params.digest), offered.certificate.der()), false));
  addText(certNode, xa, "IssuerSerialV2", xml::toBase64(issuerSerialDer(offered.certificate), false));
  xmlNode* sdop = xmlNewChild(sp, xa, X("SignedDataObjectProperties"), nullptr);
  xmlNode* dof = xmlNewChild(sdop, xa, X("DataObjectFormat"), nullptr);
  xmlNewProp(dof, X("ObjectReference"), X("#" + refId));
  addText(dof, xa, "MimeType", mimeTypeOf(input, isXml));
  if (packaging == Packaging::Enveloping && !isXml) addText(dof, xa, "Encoding", kBase64Transform);
  p->qualifyingProperties = qp;

  // Pass 1 with the throwaway key: every DigestValue and the canonical SignedInfo.
  xml::clearLastError();
  DSigCtx ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) throw Error(Category::Internal, "cannot create an xmlsec context");
  ctx->flags |= XMLSEC_DSIG_FLAGS_STORE_SIGNATURE;
  ctx->enabledReferenceUris = static_cast<xmlSecTransformUriType>(
      xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument |
      (files.empty() ? 0 : (xmlSecTransformUriTypeLocal | xmlSecTransformUriTypeRemote)));
  ctx->signKey = keyFor(throwawayKeyLike(pub)).release();
  {
    xml::AllowedFiles allow(files);
    if (xmlSecDSigCtxSign(ctx.get(), sig) < 0 || !ctx->preSignMemBufMethod) {
      throw Error(Category::Crypto, format(tr("cannot compute the XML signature: {0}"), {xml::lastError()}), input.string());
    }
  }
  xmlSecBufferPtr si = xmlSecTransformMemBufGetBuffer(ctx->preSignMemBufMethod);
  if (!si) throw Error(Category::Internal, "xmlsec kept no canonical SignedInfo");
  p->canonicalSignedInfo.assign(xmlSecBufferGetData(si), xmlSecBufferGetData(si) + xmlSecBufferGetSize(si));
  p->tbs = hash(ossl::evpDigest(params.digest), p->canonicalSignedInfo);
  p->signature = sig;
  p->signatureValue = xmlSecFindChild(sig, xmlSecNodeSignatureValue, xmlSecDSigNs);
  if (!p->signatureValue) throw Error(Category::Internal, "no SignatureValue after signing");
  return p;
}

void XadesModule::finish(PendingSignature& pending, const Bytes& value, const fs::path& output) {
  auto& p = static_cast<XadesPending&>(pending);
  // Never write a value that does not verify (wrong key, wrong digest).
  EVP_PKEY* pub = X509_get0_pubkey(p.cert->certificate.native());
  ossl::EvpMdCtx vctx(EVP_MD_CTX_new());
  if (!vctx || EVP_DigestVerifyInit(vctx.get(), nullptr, ossl::evpDigest(p.params.digest), nullptr, pub) != 1 ||
      EVP_DigestVerify(vctx.get(), value.data(), value.size(), p.canonicalSignedInfo.data(),
                       p.canonicalSignedInfo.size()) != 1) {
    ERR_clear_error();
    throw Error(Category::Crypto, tr("the signature value from the signer does not match the certificate"), p.input);
  }
  // XML-DSig ECDSA values are r||s (RFC 6931 §3.4.1), CMS ones DER.
  const Bytes xmlValue = p.ec ? ecdsaDerToRaw(value, p.fieldSize) : value;
  xmlNodeSetContent(p.signatureValue, X(xml::toBase64(xmlValue, true)));

  // KeyInfo (not signed; the signed SigningCertificateV2 binds the certificate).
  xmlNs* dsNs = xmlSearchNsByHref(p.doc.get(), p.signature, X(kDsig));
  xmlNode* keyInfo = xmlNewNode(dsNs, X("KeyInfo"));
  xmlAddNextSibling(p.signatureValue, keyInfo);
  xmlNode* x509 = xmlNewChild(keyInfo, dsNs, X("X509Data"), nullptr);
  addText(x509, dsNs, "X509Certificate", xml::toBase64(p.cert->certificate.der(), true));
  for (const Certificate& c : p.cert->chain) {
    if (c.selfIssued()) continue;  // the root comes from the verifier's trust anchors
    addText(x509, dsNs, "X509Certificate", xml::toBase64(c.der(), true));
  }

  if (p.params.level == SignatureLevel::B_T) {
    // SignatureTimeStamp over the canonical ds:SignatureValue element (EN 319 132-1 §5.3).
    const auto canonical = xml::canonicalise(p.signatureValue, kExcC14n);
    if (!canonical) throw Error(Category::Internal, "cannot canonicalise SignatureValue");
    TsaOptions o;
    o.url = p.params.tsaUrl;
    o.digest = p.params.digest;
    o.trustAnchors = p.params.tsaTrustAnchors;
    Bytes token;
    try {
      token = requestTimestampToken(*canonical, o);
    } catch (const Error& e) {
      throw e.withFile(p.input);
    }
    xmlNs* xa = p.qualifyingProperties->ns;
    xmlNode* up = xmlNewChild(p.qualifyingProperties, xa, X("UnsignedProperties"), nullptr);
    xmlNode* usp = xmlNewChild(up, xa, X("UnsignedSignatureProperties"), nullptr);
    xmlNode* sts = xmlNewChild(usp, xa, X("SignatureTimeStamp"), nullptr);
    xmlNewProp(sts, X("Id"), X(randomId("ts-")));
    xmlNode* cm = xmlNewChild(sts, dsNs, X("CanonicalizationMethod"), nullptr);
    xmlNewProp(cm, X("Algorithm"), X(kExcC14n));
    addText(sts, xa, "EncapsulatedTimeStamp", xml::toBase64(token, true));
  }

  xml::clearLastError();
  if (xmlSaveFileEnc(output.c_str(), p.doc.get(), "UTF-8") < 0) {
    throw Error(Category::Io, format(tr("cannot write the signed file: {0}"), {xml::lastError()}), output.string());
  }
}

// ======================================================== verification ===

namespace {

/// Every element carrying an Id-like attribute, by value: "Id", "ID", "id"
/// (no namespace) and xml:id.  Two elements with one value are ambiguous and
/// any reference to that value is refused (signature wrapping).
using IdCensus = std::map<std::string, std::vector<xmlAttr*>>;

/// A XAdES counter-signature: ds:Signature in xades:CounterSignature in the
/// UnsignedSignatureProperties of another ds:Signature.  Anything else named
/// ds:Signature is verified as a signature of its own, so content hidden in a
/// fake signature (which "exclude signatures" filters leave unsigned) cannot
/// pass unnoticed.
bool isCounterSignature(xmlNode* sig) {
  xmlNode* cs = sig->parent;
  if (!xml::is(cs, kXadesAny, "CounterSignature") || !xml::is(cs->parent, kXadesAny, "UnsignedSignatureProperties")) {
    return false;
  }
  for (xmlNode* up = cs->parent->parent; up && up->type == XML_ELEMENT_NODE; up = up->parent) {
    if (xml::is(up, kDsig, "Signature")) return true;
  }
  return false;
}

void findSignatures(xmlNode* node, std::vector<xmlNode*>& signatures) {
  for (xmlNode* n = node; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (xml::is(n, kDsig, "Signature") && !isCounterSignature(n)) signatures.push_back(n);
    findSignatures(n->children, signatures);
  }
}

/// Counts the elements carrying each of the `wanted` Id values (only those:
/// a large document may have an id on every record).
void takeCensus(xmlNode* node, const std::set<std::string>& wanted, IdCensus& census) {
  for (xmlNode* n = node; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    for (xmlAttr* a = n->properties; a; a = a->next) {
      const char* name = reinterpret_cast<const char*>(a->name);
      const bool plain = !a->ns && (!std::strcmp(name, "Id") || !std::strcmp(name, "ID") || !std::strcmp(name, "id"));
      const bool xmlId = a->ns && a->ns->href && !std::strcmp(reinterpret_cast<const char*>(a->ns->href),
                                                              reinterpret_cast<const char*>(XML_XML_NAMESPACE)) &&
                         !std::strcmp(name, "id");
      if (plain || xmlId) {
        XmlString v(xmlNodeListGetString(n->doc, a->children, 1));
        const std::string value = v ? reinterpret_cast<const char*>(v.get()) : "";
        if (wanted.count(value)) census[value].push_back(a);
      }
    }
    takeCensus(n->children, wanted, census);
  }
}

/// The Id values the signatures' references name ("#X", "#xpointer(id('X'))").
std::set<std::string> referencedIds(const std::vector<xmlNode*>& signatures) {
  static const std::regex xpointerId(R"(^#xpointer\(id\(['"]([^'"]*)['"]\)\)$)");
  std::set<std::string> ids;
  for (xmlNode* sig : signatures) {
    for (xmlNode* ref : xml::children(xml::child(sig, kDsig, "SignedInfo"))) {
      const std::string uri = xml::attribute(ref, "URI").value_or("");
      std::smatch m;
      if (std::regex_match(uri, m, xpointerId)) {
        ids.insert(m[1]);
      } else if (!uri.empty() && uri[0] == '#') {
        ids.insert(uri.substr(1));
      }
    }
  }
  return ids;
}

bool isInside(xmlNode* node, xmlNode* ancestor) {
  for (xmlNode* n = node; n; n = n->parent) {
    if (n == ancestor) return true;
  }
  return false;
}

bool isNcName(const std::string& s) {
  static const std::regex re(R"(^[A-Za-z_][A-Za-z0-9._\-]*$)");
  return std::regex_match(s, re);
}

std::string collapse(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') out.push_back(c);
  }
  return out;
}

/// Whether prefix `p` is bound to the XML-DSig namespace at `node`.
bool prefixIsDsig(xmlNode* node, const std::string& p) {
  xmlNs* ns = xmlSearchNs(node->doc, node, X(p));
  return ns && ns->href && !std::strcmp(reinterpret_cast<const char*>(ns->href), kDsig);
}

/// One Reference as the verifier understood it before xmlsec runs.
struct ResolvedReference {
  std::string uri;
  std::string type;
  xmlNode* target = nullptr; ///< the element for "#id" references
  std::string id;            ///< its Id
  std::string fileName;      ///< detached content, unescaped
  bool detached = false;
  bool wholeDocument = false;  ///< "" or #xpointer(/)
  bool withoutThisSignature = false;  ///< enveloped-signature transform
  bool withoutSignatures = false;     ///< XPath filters excluding every ds:Signature
  std::string part;          ///< XPath Filter 2.0 intersect below the element ("" = all of it)
  Note problem;              ///< why it is refused; empty when accepted
  bool constraint = false;   ///< refused by policy (transform), not forged
  bool contentBroken = false;  ///< the signed content no longer has the form it was signed in
  std::string digestLabel;   ///< "SHA-256"... for the cryptographic constraints
  /// XPath 1.0 transforms "not(ancestor-or-self::ds:Signature)" (see ExcludeSignaturesFilter2).
  std::vector<xmlNode*> excludeSignaturesXPath;
};

struct SignatureContext {
  xmlNode* sig;
  std::string id;
  const IdCensus& census;
  const fs::path& file;
  const VerifyOptions& options;
  std::map<std::string, fs::path> files;  // detached content by URI
  std::optional<std::size_t> nodes;

  /// Elements, attributes and text nodes in the document.
  std::size_t nodeCount() {
    if (!nodes) {
      std::size_t n = 0;
      std::vector<xmlNode*> stack{xmlDocGetRootElement(sig->doc)};
      while (!stack.empty()) {
        xmlNode* node = stack.back();
        stack.pop_back();
        for (; node; node = node->next) {
          ++n;
          if (node->type == XML_ELEMENT_NODE) {
            for (xmlAttr* a = node->properties; a; a = a->next) ++n;
            if (node->children) stack.push_back(node->children);
          }
        }
      }
      nodes = n;
    }
    return *nodes;
  }
};

std::string qualifiedName(xmlNode* e) {
  std::string q = e->ns && e->ns->prefix ? std::string(reinterpret_cast<const char*>(e->ns->prefix)) + ":" : "";
  return q + reinterpret_cast<const char*>(e->name);
}

std::string describeElement(xmlNode* e) { return "<" + qualifiedName(e) + "> " + xml::path(e); }

/// What one accepted reference covers, as the report's signedData entry
/// (XML-DSig 1.1 §4.4.3: the URI and its transforms decide the data object).
/// Each wording is a whole msgid so that translators see full sentences; the
/// argument "excluded" ("this-signature", "all-signatures") tells scripts
/// which of them applies.
Note describeReference(const ResolvedReference& r) {
  if (r.detached) return Note{"detached-file", N_("the file {file} (detached)"), {{"file", r.fileName}}};
  if (r.wholeDocument) {
    if (r.withoutThisSignature) {
      return Note{"whole-document", N_("the whole document, without this signature"),
                  {{"uri", r.uri}, {"excluded", "this-signature"}}};
    }
    if (r.withoutSignatures) {
      return Note{"whole-document", N_("the whole document, without any signature"),
                  {{"uri", r.uri}, {"excluded", "all-signatures"}}};
    }
    return Note{"whole-document", N_("the whole document"), {{"uri", r.uri}}};
  }
  const Note::Args args{{"name", qualifiedName(r.target)}, {"path", xml::path(r.target)}, {"id", r.id}};
  if (xml::is(r.target, kXadesAny, "SignedProperties")) {
    return Note{"signed-properties", N_("the signed properties <{name}> {path} (Id \"{id}\")"), args};
  }
  if (!r.part.empty()) {
    Note::Args withPart = args;
    withPart.emplace_back("part", r.part);
    return Note{"element-part", N_("element <{name}> {path} (Id \"{id}\"), only the part {part}"), withPart};
  }
  if (r.withoutThisSignature || r.withoutSignatures) {
    Note::Args excluding = args;
    excluding.emplace_back("excluded", r.withoutThisSignature ? "this-signature" : "all-signatures");
    return r.withoutThisSignature
               ? Note{"element", N_("element <{name}> {path} (Id \"{id}\"), without this signature"), excluding}
               : Note{"element", N_("element <{name}> {path} (Id \"{id}\"), without any signature"), excluding};
  }
  return Note{"element", N_("element <{name}> {path} (Id \"{id}\")"), args};
}

ResolvedReference resolveReference(xmlNode* ref, SignatureContext& sc) {
  ResolvedReference r;
  const auto uriAttr = xml::attribute(ref, "URI");
  r.type = xml::attribute(ref, "Type").value_or("");
  // No URI (XML-DSig §4.4.3.1: "the receiving application is expected to
  // know the identity of the object"): xmlsec digests the whole document
  // then, so that is what the report says is signed.
  r.uri = uriAttr.value_or("");
  std::string id;
  bool wholeDocument = false;
  if (r.uri.empty()) {
    wholeDocument = true;
  } else if (r.uri[0] == '#') {
    id = r.uri.substr(1);
    static const std::regex xpointerId(R"(^xpointer\(id\(['"]([A-Za-z_][A-Za-z0-9._\-]*)['"]\)\)$)");
    std::smatch m;
    if (id == "xpointer(/)") {
      wholeDocument = true;
      id.clear();
    } else if (std::regex_match(id, m, xpointerId)) {
      id = m[1];
    } else if (!isNcName(id)) {
      r.problem = Note{"reference-xpointer-refused",
                       N_("the reference URI \"{uri}\" is not a plain #Id; XPointer expressions are refused"),
                       {{"uri", r.uri}}};
      return r;
    }
  } else {
    // Detached content: a relative file name, no scheme, no path.
    XmlChars un(xmlURIUnescapeString(r.uri.c_str(), 0, nullptr));
    const std::string name = un ? std::string(un.get()) : r.uri;
    if (r.uri.find(':') != std::string::npos || name.find('/') != std::string::npos || name == ".." || name == "." ||
        name.empty()) {
      r.problem = Note{"reference-outside-folder",
                       N_("the reference URI \"{uri}\" points outside the signature's folder or to the network; "
                          "SecureDoc reads only a detached file beside the signature"),
                       {{"uri", r.uri}}};
      return r;
    }
    r.detached = true;
    r.fileName = name;
    fs::path content = sc.options.detachedContent ? *sc.options.detachedContent : sc.file.parent_path() / name;
    std::error_code ec;
    if (fs::is_regular_file(content, ec)) {
      sc.files[r.uri] = content;
      sc.files[name] = content;
    }
  }

  if (!id.empty()) {
    const auto it = sc.census.find(id);
    const std::size_t count = it == sc.census.end() ? 0 : it->second.size();
    if (count != 1) {
      r.problem = count == 0 ? Note{"reference-id-not-found",
                                    N_("nothing in the document has the Id \"{id}\" the signature refers to"),
                                    {{"id", id}}}
                             : Note{"reference-id-duplicate",
                                    N_("{count} elements carry the Id \"{id}\"; a signed element must be unique "
                                       "(signature wrapping)"),
                                    {{"count", std::to_string(count)}, {"id", id}}};
      return r;
    }
    xmlAttr* attr = it->second.front();
    xmlAttr* registered = xmlGetID(sc.sig->doc, X(id));
    if (!registered) {
      xmlAddID(nullptr, sc.sig->doc, X(id), attr);
    } else if (registered != attr) {
      r.problem = Note{"reference-id-mismatch", N_("the Id \"{id}\" resolves to another element than the one it names"),
                       {{"id", id}}};
      return r;
    }
    r.target = attr->parent;
    r.id = id;
    // Inside its own signature a reference may point only at a ds:Object of
    // that signature or at something in one (the signed properties); an
    // element moved into a wrapper there is not where a signer put it.
    if (r.target != sc.sig && isInside(r.target, sc.sig)) {
      xmlNode* top = r.target;
      while (top->parent != sc.sig) top = top->parent;
      const bool object = xml::is(top, kDsig, "Object") && r.target == top;
      const bool properties = xml::is(r.target, kXadesAny, "SignedProperties") &&
                              xml::is(r.target->parent, kXadesAny, "QualifyingProperties") &&
                              r.target->parent->parent == top && xml::is(top, kDsig, "Object");
      const bool keyInfo = xml::is(r.target, kDsig, "KeyInfo") && r.target->parent == sc.sig;
      if (!object && !properties && !keyInfo) {
        r.problem = Note{"reference-not-in-object",
                         N_("the element with Id \"{id}\" is not where a signature keeps signed content "
                            "(a ds:Object of the signature): signature wrapping"),
                         {{"id", id}}};
        return r;
      }
    }
  }
  r.wholeDocument = wholeDocument;

  // Transforms: an allow-list, and XPath only in the forms that exclude
  // signatures or select inside the referenced element.
  xmlNode* transforms = xml::child(ref, kDsig, "Transforms");
  for (xmlNode* t : xml::children(transforms)) {
    if (!xml::is(t, kDsig, "Transform")) {
      r.problem = Note{"transforms-unexpected-element", N_("unexpected element in Transforms")};
      return r;
    }
    const std::string alg = xml::attribute(t, "Algorithm").value_or("");
    if (alg == kEnvelopedTransform) {
      r.withoutThisSignature = true;
    } else if (alg == kBase64Transform) {
      // Checked here: xmlsec 1.2.37 leaks its I/O buffer when base64 decoding
      // fails inside a reference (transforms.c, xmlSecTransformIOBufferClose).
      if (r.target && !xml::base64(r.target)) {
        r.problem = Note{"reference-base64-invalid", N_("the base64 content of the element with Id \"{id}\" cannot be decoded"),
                         {{"id", r.id}, {"path", xml::path(r.target)}}};
        r.contentBroken = true;
        return r;
      }
    } else if (xml::isCanonicalisation(alg)) {
      // no change to what is covered
    } else if (alg == kXPathTransform) {
      xmlNode* xp = xml::child(t, kDsig, "XPath");
      static const std::regex notSig(R"(^not\(ancestor-or-self::([A-Za-z_][A-Za-z0-9._\-]*):Signature\)$)");
      std::smatch m;
      const std::string expr = xp ? collapse(xml::text(xp)) : "";
      if (!xp || !std::regex_match(expr, m, notSig) || !prefixIsDsig(xp, m[1])) {
        r.problem = Note{"xpath-refused",
                         N_("the XPath transform \"{expression}\" is not accepted (only excluding signatures is)"),
                         {{"expression", xp ? xml::text(xp) : ""}}};
        r.constraint = true;
        return r;
      }
      r.excludeSignaturesXPath.push_back(t);
      r.withoutSignatures = true;
    } else if (alg == kXPath2Transform) {
      for (xmlNode* xp : xml::children(t)) {
        const std::string filter = xml::attribute(xp, "Filter").value_or("");
        const std::string expr = collapse(xml::text(xp));
        static const std::regex subtract(R"(^/descendant::([A-Za-z_][A-Za-z0-9._\-]*):Signature$)");
        static const std::regex subtractByName(
            R"(^/descendant::\*\[name\(\)=['"]([A-Za-z_][A-Za-z0-9._\-]*):Signature['"]\]$)");
        static const std::regex intersectId(
            R"(^id\(['"]([A-Za-z_][A-Za-z0-9._\-]*)['"]\)((/[A-Za-z_][A-Za-z0-9._\-]*(:[A-Za-z_][A-Za-z0-9._\-]*)?)*(/node\(\))?)$)");
        std::smatch m;
        if (filter == "subtract" && ((std::regex_match(expr, m, subtract) && prefixIsDsig(xp, m[1])) ||
                                     std::regex_match(expr, m, subtractByName))) {
          r.withoutSignatures = true;
        } else if (filter == "intersect" && std::regex_match(expr, m, intersectId) && !id.empty() && m[1] == id) {
          if (m[2].length() > 0) r.part = m[2].str();
        } else {
          r.problem = Note{"xpath-filter-refused", N_("the XPath filter \"{filter} {expression}\" is not accepted"),
                           {{"filter", filter}, {"expression", xml::text(xp)}}};
          r.constraint = true;
          return r;
        }
      }
    } else {
      r.problem = Note{"transform-refused", N_("the transform {algorithm} is not accepted"), {{"algorithm", alg}}};
      r.constraint = true;
      return r;
    }
  }
  xmlNode* dm = xml::child(ref, kDsig, "DigestMethod");
  const DigestInfo* digest = dm ? digestByUri(xml::attribute(dm, "Algorithm").value_or("")) : nullptr;
  if (!digest) {
    r.problem = Note{"digest-algorithm-unsupported", N_("the digest algorithm {algorithm} is not supported"),
                     {{"algorithm", dm ? xml::attribute(dm, "Algorithm").value_or("") : "?"}}};
    r.constraint = true;
  } else {
    r.digestLabel = digest->label;
  }
  return r;
}

/// Signature methods accepted, with their xmlsec transforms.
void enableTransforms(xmlSecDSigCtx* ctx) {
  const xmlSecTransformId common[] = {
      xmlSecTransformInclC14NId,   xmlSecTransformInclC14NWithCommentsId,   xmlSecTransformInclC14N11Id,
      xmlSecTransformInclC14N11WithCommentsId, xmlSecTransformExclC14NId, xmlSecTransformExclC14NWithCommentsId,
      xmlSecTransformSha1Id,       xmlSecTransformSha224Id,                 xmlSecTransformSha256Id,
      xmlSecTransformSha384Id,     xmlSecTransformSha512Id};
  for (auto id : common) {
    xmlSecDSigCtxEnableReferenceTransform(ctx, id);
    xmlSecDSigCtxEnableSignatureTransform(ctx, id);
  }
  for (auto id : {xmlSecTransformEnvelopedId, xmlSecTransformBase64Id, xmlSecTransformXPathId, xmlSecTransformXPath2Id}) {
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
        messages.push_back(Note{"certificate-unreadable", N_("A certificate in the signature cannot be read and was ignored.")});
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
      if (xmlNode* sn = dsigOrXades(is, "X509SerialNumber")) ref.serial = collapse(xml::text(sn));
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
    for (xmlSecKeyDataId id : {xmlSecKeyDataValueId, xmlSecOpenSSLKeyDataRsaId, xmlSecOpenSSLKeyDataDsaId,
                               xmlSecOpenSSLKeyDataEcdsaId}) {
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

std::string levelOf(xmlNode* unsignedSigProps) {
  bool t = false, lt = false, lta = false;
  for (xmlNode* c : xml::children(unsignedSigProps)) {
    const char* n = reinterpret_cast<const char*>(c->name);
    if (!std::strcmp(n, "SignatureTimeStamp")) t = true;
    if (!std::strcmp(n, "CertificateValues") || !std::strcmp(n, "RevocationValues")) lt = true;
    if (!std::strcmp(n, "ArchiveTimeStamp")) lta = true;
  }
  return lta ? "B-LTA" : lt ? "B-LT" : t ? "B-T" : "B-B";
}

/// QualifyingProperties of `sig`: in one of its ds:Object children.
xmlNode* qualifyingPropertiesOf(xmlNode* sig) {
  for (xmlNode* obj : xml::children(sig)) {
    if (!xml::is(obj, kDsig, "Object")) continue;
    if (xmlNode* qp = xml::child(obj, kXadesAny, "QualifyingProperties")) return qp;
  }
  return nullptr;
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

/// A check with its reason as a Note (report.h).
Check check(const char* id, Check::Status status, Note detail = {}) { return Check{id, status, std::move(detail)}; }

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
  XmlChars un(xmlURIUnescapeString(target.c_str() + hash + 1, 0, nullptr));
  return un ? std::string(un.get()) : target.substr(hash + 1);
}

/// Whether this signature covers everything a person sees in the document.
/// It does when it signs the whole document ("" or #xpointer(/), XML-DSig
/// 1.1 §4.4.3.3), or the root element, or when everything outside
/// ds:Signature elements lies inside a subtree it signs in full: so an
/// enveloping or detached signature file (the signature is the root), or a
/// bare container that holds only signatures and signed elements (an
/// enveloping XAdES wrapped in <Wrapper>), counts as whole; a root with
/// attributes other than namespace declarations, or any other element or
/// non-white-space text, does not.  Comments and processing instructions are
/// not signed content under the canonical forms without comments (C14N 1.0
/// §2.1) either way.
bool coversWholeDocument(xmlNode* sig, const std::vector<ResolvedReference>& refs) {
  xmlNode* root = xmlDocGetRootElement(sig->doc);
  std::set<xmlNode*> whole;  // elements signed with all their content
  for (const auto& ref : refs) {
    if (ref.wholeDocument) return true;
    if (ref.target && ref.part.empty()) whole.insert(ref.target);
  }
  if (whole.count(root) || xml::is(root, kDsig, "Signature")) return true;
  if (root->properties) return false;  // attributes of the container are content nobody signed
  for (xmlNode* c = root->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      if (!xml::is(c, kDsig, "Signature") && !whole.count(c)) return false;
    } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      if (!collapse(xml::text(c)).empty()) return false;
    }
  }
  return true;
}

/// Signature wrapping (McIntyre et al., "On Breaking SAML", 2012; Somorovsky
/// et al., "On Breaking SAML: Be Whoever You Want to Be", USENIX Security
/// 2012, attacks XSW1-8): the signed element is moved somewhere a reader
/// does not look (a header, a wrapper, inside a forged copy) and an unsigned
/// look-alike takes its place, so a person or program reads the look-alike
/// while the reference still finds the signed original.  Returns an element
/// with the signed element's very name (namespace and local name) that is
/// neither the signed element nor inside it nor inside anything a signature
/// of this document references (`signedRoots`): a look-alike nobody signed.
/// An honest envelope (one SOAP Body, one invoice per signature) has none;
/// a batch where one of several same-named records is signed and the others
/// by nobody is refused too, because a reader cannot tell which one is.
xmlNode* unsignedLookAlike(const ResolvedReference& ref, const std::set<xmlNode*>& signedRoots) {
  if (!ref.target || ref.target->type != XML_ELEMENT_NODE) return nullptr;
  const xmlChar* ns = ref.target->ns ? ref.target->ns->href : nullptr;
  const auto signedBySomeone = [&](xmlNode* n) {
    for (xmlNode* up = n; up && up->type == XML_ELEMENT_NODE; up = up->parent) {
      if (up == ref.target || signedRoots.count(up)) return true;
    }
    return false;
  };
  std::vector<xmlNode*> stack{xmlDocGetRootElement(ref.target->doc)};
  while (!stack.empty()) {
    xmlNode* n = stack.back();
    stack.pop_back();
    for (; n; n = n->next) {
      if (n->type != XML_ELEMENT_NODE) continue;
      const xmlChar* nNs = n->ns ? n->ns->href : nullptr;
      if (n != ref.target && xmlStrEqual(n->name, ref.target->name) && xmlStrEqual(nNs, ns) && !signedBySomeone(n)) {
        return n;
      }
      // Inside the signed element or another signed subtree nothing is a
      // look-alike: that content is signed.  A signature's own elements
      // (its ds:Object holding the XAdES properties) are what a reader
      // skips, and the unsigned-object rule governs them.
      if (n->children && n != ref.target && !signedRoots.count(n) && !xml::is(n, kDsig, "Signature")) {
        stack.push_back(n->children);
      }
    }
  }
  return nullptr;
}

/// ETSI EN 319 102-1 §5.2.2 (format checking): what each reference names,
/// resolved by us; refusals end the validation (TOTAL-FAILED / FORMAT_FAILURE,
/// or INDETERMINATE / SIG_CONSTRAINTS_FAILURE for a transform or algorithm
/// this policy does not accept).  Returns false when refused.
bool resolveReferences(SignatureContext& sc, xmlNode* signedInfo, SignatureReport& r,
                       std::vector<ResolvedReference>& refs) {
  using checks::lower;
  bool refused = false;
  for (xmlNode* ref : xml::children(signedInfo)) {
    if (!xml::is(ref, kDsig, "Reference")) continue;
    if (refs.size() >= kMaxReferences) {
      refs.back().problem = Note{"too-many-references", N_("more than {max} references"),
                                 {{"max", std::to_string(kMaxReferences)}}};
      break;
    }
    refs.push_back(resolveReference(ref, sc));
    if (refs.size() == 1) {
      if (xmlNode* dm = xml::child(ref, kDsig, "DigestMethod")) {
        const DigestInfo* d = digestByUri(xml::attribute(dm, "Algorithm").value_or(""));
        r.digestAlgorithm = d ? d->label : afterHash(xml::attribute(dm, "Algorithm").value_or(""));
      }
    }
  }
  if (refs.empty()) {
    r.checks.push_back(check("references", Check::Status::Failed,
                             Note{"no-references", N_("the signature references nothing")}));
    lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    return false;
  }
  for (const auto& ref : refs) {
    if (!ref.problem.empty()) {
      refused = true;
      r.checks.push_back(check("references", Check::Status::Failed, ref.problem));
      r.messages.push_back(ref.problem);
      // Signed content that can no longer be decoded was changed: its digest
      // cannot match (EN 319 102-1 §5.2.7.4, HASH_FAILURE).
      lower(r, ref.constraint ? Indication::Indeterminate : Indication::TotalFailed,
            ref.constraint      ? SubIndication::SigConstraintsFailure
            : ref.contentBroken ? SubIndication::HashFailure
                                : SubIndication::FormatFailure);
    } else {
      r.signedData.push_back(describeReference(ref));
    }
  }
  return !refused;
}

/// Wrapping defences that do not depend on the digests (run after
/// integrity, so that a changed document is reported as HASH_FAILURE first):
/// unsigned content in the signature's own ds:Object elements, and a signed
/// element inside an unsigned look-alike.
void wrappingChecks(SignatureContext& sc, const std::vector<ResolvedReference>& refs, SignatureReport& r) {
  using checks::lower;
  // A ds:Object nobody signed may hold only the XAdES properties or later
  // signatures; any other content there would pass for signed (an unsigned
  // forged object next to the signed one, signature wrapping).
  for (xmlNode* obj : xml::children(sc.sig)) {
    if (!xml::is(obj, kDsig, "Object")) continue;
    const bool referenced = std::any_of(refs.begin(), refs.end(), [&](const ResolvedReference& ref) {
      return ref.target && isInside(ref.target, obj);
    });
    if (referenced) continue;
    bool onlyExpected = true;
    for (xmlNode* c = obj->children; c; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) {
        if (!xml::is(c, kXadesAny, "QualifyingProperties") && !xml::is(c, kDsig, "Signature")) onlyExpected = false;
      } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
        if (!collapse(xml::text(c)).empty()) onlyExpected = false;
      }
    }
    if (!onlyExpected) {
      r.checks.push_back(check("coverage", Check::Status::Failed,
                               Note{"unsigned-object", N_("the signature holds unsigned content in <{name}> {path}"),
                                    {{"name", qualifiedName(obj)}, {"path", xml::path(obj)}}}));
      r.messages.push_back(Note{"unsigned-object-content",
                                N_("The signature carries content that nobody signed; it may be shown as if it were signed.")});
      lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    }
  }
  // What the signatures of this document reference by Id; a "" reference
  // (the whole document) leaves nothing unsigned to look alike.
  std::set<xmlNode*> signedRoots;
  for (const auto& [id, attrs] : sc.census) {
    for (xmlAttr* a : attrs) signedRoots.insert(a->parent);
  }
  const bool wholeSigned = std::any_of(refs.begin(), refs.end(), [](const ResolvedReference& ref) { return ref.wholeDocument; });
  for (const auto& ref : refs) {
    if (wholeSigned) break;
    if (xmlNode* up = unsignedLookAlike(ref, signedRoots)) {
      r.checks.push_back(check("coverage", Check::Status::Failed,
                               Note{"signed-element-in-look-alike",
                                    N_("the signed element {path} (Id \"{id}\") has an unsigned look-alike of the "
                                       "same name, {outer} (signature wrapping)"),
                                    {{"path", xml::path(ref.target)}, {"id", ref.id}, {"outer", xml::path(up)}}}));
      r.messages.push_back(Note{"signature-wrapping",
                                N_("The signed content was moved inside unsigned content that looks like it: what you "
                                   "see is not what was signed.")});
      lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    }
  }
}

SignatureReport verifySignature(SignatureContext& sc, std::time_t now) {
  using checks::lower;
  SignatureReport r;
  r.id = sc.id;
  r.indication = Indication::TotalPassed;
  xmlNode* qp = qualifyingPropertiesOf(sc.sig);
  r.format = qp ? "XAdES" : "XML-DSig";
  r.level = qp ? "B-B" : "-";
  xmlNode* signedInfo = xml::child(sc.sig, kDsig, "SignedInfo");
  xmlNode* sigValue = xml::child(sc.sig, kDsig, "SignatureValue");

  // ---- 1. Format checking (EN 319 102-1 §5.2.2).
  if (!signedInfo || !sigValue) {
    r.checks.push_back(check("structure", Check::Status::Failed,
                             Note{"signed-info-or-value-missing", N_("SignedInfo or SignatureValue is missing")}));
    r.messages.push_back(Note{"signature-incomplete", N_("The signature is incomplete and cannot be checked.")});
    lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    return r;
  }
  xmlNode* sm = xml::child(signedInfo, kDsig, "SignatureMethod");
  xmlNode* cm = xml::child(signedInfo, kDsig, "CanonicalizationMethod");
  const std::string signatureMethod = sm ? xml::attribute(sm, "Algorithm").value_or("") : "";
  r.signatureAlgorithm = afterHash(signatureMethod);
  std::vector<ResolvedReference> refs;
  if (!resolveReferences(sc, signedInfo, r, refs)) return r;
  if (!cm || !xml::isCanonicalisation(xml::attribute(cm, "Algorithm").value_or(""))) {
    r.checks.push_back(check("signatureValue", Check::Status::Failed,
                             Note{"canonicalisation-unknown", N_("unknown canonicalisation method {algorithm}"),
                                  {{"algorithm", cm ? xml::attribute(cm, "Algorithm").value_or("") : ""}}}));
    lower(r, Indication::Indeterminate, SubIndication::SigConstraintsFailure);
    return r;
  }
  const bool whole = coversWholeDocument(sc.sig, refs);
  r.coversWholeDocument = whole;

  // The signed properties: this signature's own SignedProperties, covered
  // by a reference (with the XAdES Type; older XAdES 1.1.1 files omit it).
  xmlNode* ownProps = qp ? xml::child(qp, kXadesAny, "SignedProperties") : nullptr;
  xmlNode* signedProps = nullptr;
  const ResolvedReference* spRef = nullptr;        // typed reference
  const ResolvedReference* coveringRef = nullptr;  // any reference covering ownProps
  std::size_t typed = 0;
  for (const auto& ref : refs) {
    if (ref.type == kSignedPropertiesType) {
      ++typed;
      spRef = &ref;
    }
    // Only a reference into this signature: one to an enclosing element
    // removes the signature with its enveloped-signature transform.
    if (ownProps && ref.target && isInside(ref.target, sc.sig) && isInside(ownProps, ref.target) && !coveringRef) {
      coveringRef = &ref;
    }
  }
  if (ownProps && coveringRef) signedProps = ownProps;

  // ---- 2. Identification of the signing certificate (§5.2.3): the one the
  // signed SigningCertificate names, else the end of the KeyInfo chain; or
  // a key the signature names (KeyName with --public-key) or carries (KeyValue).
  bool certRefPresent = false;
  const std::vector<CertRef> certRefs = signedProps ? signingCertificateRefs(signedProps, certRefPresent)
                                                    : std::vector<CertRef>{};
  xmlNode* keyInfo = xml::child(sc.sig, kDsig, "KeyInfo");
  std::vector<Certificate> keyInfoCerts = certificatesIn(keyInfo, r.messages);
  std::vector<Certificate> pool = keyInfoCerts;
  xmlNode* usp = qp ? xml::child(xml::child(qp, kXadesAny, "UnsignedProperties"), kXadesAny, "UnsignedSignatureProperties")
                    : nullptr;
  if (xmlNode* cv = xml::child(usp, kXadesAny, "CertificateValues")) {
    for (xmlNode* e : xml::children(cv)) {
      if (const auto der = xml::base64(e)) {
        try {
          pool.push_back(Certificate::fromDer(*der));
        } catch (const Error&) {
        }
      }
    }
  }
  std::optional<Certificate> signer = chooseSigner(keyInfoCerts, certRefs);
  if (!signer && !certRefs.empty()) {
    // The certificate SigningCertificate names may also be among the
    // untrusted certificates the user gave (VerifyOptions::extraCertificates,
    // verify --certificate); checks:: adds those to every chain it builds.
    std::vector<Certificate> candidates = pool;
    candidates.insert(candidates.end(), sc.options.extraCertificates.begin(), sc.options.extraCertificates.end());
    signer = chooseSigner(candidates, certRefs);
  }
  const bool keyValue = keyInfo && xml::child(keyInfo, kDsig, "KeyValue");

  // ---- 3. Integrity (§5.2.7): every reference digest, then the value, with
  // the certificate or key found above whether or not it chains to a trust
  // anchor.  Without any key the digests are still computed.
  XmlsecOutcome outcome;
  Note keySource;
  EVP_PKEY* pub = signer ? X509_get0_pubkey(signer->native()) : nullptr;
  const auto missing = std::find_if(refs.begin(), refs.end(), [&](const ResolvedReference& ref) {
    return ref.detached && !sc.files.count(ref.uri);
  });
  const bool contentMissing = missing != refs.end();
  const bool xpath = std::any_of(refs.begin(), refs.end(),
                                 [](const ResolvedReference& ref) { return !ref.excludeSignaturesXPath.empty(); });
  // With a key we hold, XPath 1.0 filters run as their linear Filter 2.0 twin.
  auto verifyWith = [&](EVP_PKEY* key) {
    ExcludeSignaturesFilter2 twin(refs);
    XmlsecOutcome o = runXmlsec(sc.sig, keyFor(key), sc.files);
    if (twin.active()) {
      twin.restore();
      const bool referencesOk = o.references.size() == refs.size() &&
                                std::all_of(o.references.begin(), o.references.end(),
                                            [](xmlSecDSigStatus st) { return st == xmlSecDSigStatusSucceeded; });
      o.succeeded = referencesOk && signedInfoValueValid(signedInfo, sigValue, key).value_or(false);
    }
    return o;
  };
  bool valueJudged = true;  // false: the key only computed the digests
  if (contentMissing) {
    // xmlsec would stop at the missing file; nothing can be said about the value.
  } else if (pub) {
    outcome = verifyWith(pub);
  } else if (!sc.options.publicKeys.empty()) {
    for (auto& k : loadPublicKeys(sc.options.publicKeys)) {
      outcome = verifyWith(k.get());
      if (outcome.succeeded) break;
    }
    keySource = Note{"key-from-option", N_("a public key given out of band")};
  } else if (keyValue && xpath && sc.nodeCount() > kMaxXPathNodes) {
    // The key is inside xmlsec only: the XPath 1.0 filter would run as is.
    r.checks.push_back(check("references", Check::Status::NotChecked,
                             Note{"xpath-document-too-large",
                                  N_("the XPath transform is evaluated only in documents of up to {max} nodes; "
                                     "this one has {nodes}"),
                                  {{"max", std::to_string(kMaxXPathNodes)}, {"nodes", std::to_string(sc.nodeCount())}}}));
    lower(r, Indication::Indeterminate, SubIndication::SigConstraintsFailure);
    return r;
  } else if (keyValue) {
    outcome = runXmlsec(sc.sig, nullptr, sc.files);
    keySource = Note{"key-from-key-value", N_("the key value inside the signature")};
  } else if (EVP_PKEY* digestsOnly = digestOnlyKey(signatureMethod)) {
    outcome = verifyWith(digestsOnly);
    valueJudged = false;
  }
  // xmlsec sets the key before it digests the references and stops when the
  // key does not fit the SignatureMethod (an EC certificate put in place of
  // an RSA one): the digests are then computed with a key of the right type,
  // and the value, which the named key cannot have made, fails.
  bool keyUnfit = false;
  if (outcome.ran && !outcome.succeeded && (pub || !sc.options.publicKeys.empty()) &&
      std::none_of(outcome.references.begin(), outcome.references.end(),
                   [](xmlSecDSigStatus st) { return st != xmlSecDSigStatusUnknown; })) {
    if (EVP_PKEY* digestsOnly = digestOnlyKey(signatureMethod)) {
      XmlsecOutcome digests = verifyWith(digestsOnly);
      if (std::any_of(digests.references.begin(), digests.references.end(),
                      [](xmlSecDSigStatus st) { return st != xmlSecDSigStatusUnknown; })) {
        digests.succeeded = false;
        outcome = std::move(digests);
        keyUnfit = true;
      }
    }
  }

  const std::size_t n = refs.size();
  std::size_t passed = 0;
  std::optional<std::size_t> failedRef;
  // xmlsec lists a reference before processing it: Unknown means it stopped
  // there (a transform error), Invalid that the digest differs.
  for (std::size_t i = 0; i < outcome.references.size() && i < n; ++i) {
    if (outcome.references[i] == xmlSecDSigStatusSucceeded) {
      ++passed;
    } else {
      if (outcome.references[i] == xmlSecDSigStatusInvalid) failedRef = i;
      break;
    }
  }
  const bool anyKey = outcome.ran && valueJudged;
  if (failedRef) {
    const ResolvedReference& bad = refs[*failedRef];
    r.checks.push_back(check("references", Check::Status::Failed,
                             Note{"reference-digest-mismatch",
                                  N_("reference {n} (URI \"{uri}\": {name} {path}) does not match its digest: it "
                                     "changed after signing"),
                                  {{"n", std::to_string(*failedRef + 1)},
                                   {"uri", bad.uri},
                                   {"name", bad.target     ? "<" + qualifiedName(bad.target) + ">"
                                            : bad.detached ? bad.fileName
                                                           : "<" + qualifiedName(xmlDocGetRootElement(sc.sig->doc)) + ">"},
                                   {"path", bad.target ? xml::path(bad.target) : bad.detached ? "" : "/"}}}));
    r.messages.push_back(Note{"signed-content-changed", N_("Signed content was changed after it was signed.")});
    lower(r, Indication::TotalFailed, SubIndication::HashFailure);
  } else if (outcome.ran && passed == n) {
    r.checks.push_back(check("references", Check::Status::Passed));
  } else if (outcome.ran) {
    // xmlsec stopped while processing a reference (an unreadable file, a
    // transform error).  Every transform passed the allow-list above, so a
    // same-document object that fails them (base64 that no longer decodes)
    // is not the data that was signed: HASH_FAILURE, as for a digest.
    const ResolvedReference& stuck = refs[passed < n ? passed : 0];
    r.checks.push_back(check("references", Check::Status::Failed,
                             Note{"reference-unprocessable", N_("reference \"{uri}\" cannot be processed: {error}"),
                                  {{"uri", stuck.uri}, {"error", outcome.error}}}));
    if (!stuck.detached) {
      r.messages.push_back(Note{"signed-content-changed", N_("Signed content was changed after it was signed.")});
    }
    lower(r, Indication::TotalFailed, stuck.detached ? SubIndication::FormatFailure : SubIndication::HashFailure);
  }

  if (contentMissing) {
    r.checks.push_back(check("references", Check::Status::NotChecked,
                             Note{"detached-file-missing", N_("the signed file {file} is not available"),
                                  {{"file", missing->fileName}}}));
    r.checks.push_back(check("signatureValue", Check::Status::NotChecked,
                             Note{"value-needs-detached-file", N_("not checked without the signed file")}));
    r.messages.push_back(Note{"detached-content-missing",
                              N_("This is a detached signature: its signed file is needed to check it (SecureDoc "
                                 "looks for it beside the signature).")});
    lower(r, Indication::Indeterminate, SubIndication::SignedDataNotFound);
  } else if (!anyKey) {
    if (!outcome.ran) {
      r.checks.push_back(check("references", Check::Status::NotChecked,
                               Note{"no-key", N_("no key to check the signature with")}));
    }
    r.checks.push_back(check("signatureValue", Check::Status::NotChecked,
                             Note{"no-certificate-or-key", N_("the signature carries no certificate or key")}));
    r.messages.push_back(Note{"public-key-required",
                              N_("The signature names no certificate SecureDoc can use; it can be checked only with "
                                 "its signer's public key, given out of band.")});
    lower(r, Indication::Indeterminate, SubIndication::NoSigningCertificateFound);
    // Not the end: the wrapping defences and the scope below still apply.
  } else if (failedRef || passed != n) {
    r.checks.push_back(check("signatureValue", Check::Status::NotChecked,
                             Note{"reference-not-verified", N_("not checked, because a reference could not be verified")}));
  } else if (outcome.succeeded) {
    r.checks.push_back(check("signatureValue", Check::Status::Passed));
  } else {
    r.checks.push_back(check("signatureValue", Check::Status::Failed,
                             keyUnfit ? Note{"signature-key-unfit",
                                             N_("the signature's key does not fit its SignatureMethod {method}"),
                                             {{"method", r.signatureAlgorithm}}}
                                      : Note{"signature-value-mismatch", N_("the signature value does not match")}));
    r.messages.push_back(Note{"signature-value-invalid",
                              N_("The signature value is not valid for the signing certificate.")});
    lower(r, Indication::TotalFailed, SubIndication::SigCryptoFailure);
  }

  // Format checks that need no digests come after them, so that a changed
  // document is a HASH_FAILURE and a forged value a SIG_CRYPTO_FAILURE first.
  wrappingChecks(sc, refs, r);

  // ---- 4. XAdES: the SignedProperties reference and what it holds
  // (EN 319 132-1 §4.3.1, §6.3), the signature time-stamps (§5.4).
  std::optional<std::time_t> poe;
  if (qp) {
    const auto target = xml::attribute(qp, "Target");
    const auto ownId = xml::attribute(sc.sig, "Id");
    const auto fragment = target ? targetFragment(*target) : std::nullopt;
    if (typed > 1) {
      r.checks.push_back(check("signedProperties", Check::Status::Failed,
                               Note{"signed-properties-ambiguous",
                                    N_("more than one reference claims to sign the signed properties")}));
      lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    } else if (spRef && (!spRef->target || spRef->target != ownProps)) {
      r.checks.push_back(check("signedProperties", Check::Status::Failed,
                               Note{"signed-properties-elsewhere",
                                    N_("the signed-properties reference points to an element that is not this "
                                       "signature's SignedProperties (signature wrapping)")}));
      r.messages.push_back(Note{"properties-reference-tampered",
                                N_("The signature's properties reference points somewhere else: the signature was "
                                   "tampered with.")});
      lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    } else if (!signedProps) {
      r.checks.push_back(check("signedProperties", Check::Status::Failed,
                               Note{"signed-properties-unsigned", N_("the signed properties are not referenced by the signature")}));
      r.messages.push_back(Note{"properties-not-signed",
                                N_("The XAdES properties (signing time, signing certificate) are not signed.")});
      lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    } else if (target && (!fragment || !ownId || *fragment != *ownId)) {
      r.checks.push_back(check("signedProperties", Check::Status::Failed,
                               Note{"qualifying-properties-target",
                                    N_("the qualifying properties belong to another signature (Target \"{target}\")"),
                                    {{"target", *target}}}));
      lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    } else if (failedRef && (&refs[*failedRef] == spRef || &refs[*failedRef] == coveringRef)) {
      r.checks.push_back(check("signedProperties", Check::Status::Failed,
                               Note{"signed-properties-changed", N_("the signed properties were changed after signing")}));
    } else {
      if (spRef) {
        r.checks.push_back(check("signedProperties", Check::Status::Passed));
      } else {
        r.checks.push_back(check("signedProperties", Check::Status::Warning,
                                 Note{"signed-properties-untyped",
                                      N_("signed, but the reference lacks the XAdES SignedProperties Type (older XAdES)")}));
      }
      xmlNode* ssp = xml::child(signedProps, kXadesAny, "SignedSignatureProperties");
      if (xmlNode* st = xml::child(ssp, kXadesAny, "SigningTime")) r.signingTime = parseDateTime(xml::text(st));
    }
    std::vector<Bytes> tokens;
    std::optional<Bytes> imprint;
    for (xmlNode* ts : xml::children(usp)) {
      if (!xml::is(ts, kXadesAny, "SignatureTimeStamp")) continue;
      xmlNode* tcm = xml::child(ts, kDsig, "CanonicalizationMethod");
      const std::string alg = tcm ? xml::attribute(tcm, "Algorithm").value_or(kC14n10) : kC14n10;
      imprint = xml::canonicalise(sigValue, alg);
      xmlNode* enc = xml::child(ts, kXadesAny, "EncapsulatedTimeStamp");
      tokens.push_back(enc ? xml::base64(enc).value_or(Bytes{}) : Bytes{});
    }
    if (!tokens.empty()) poe = checks::signatureTimestamps(r, tokens, imprint.value_or(Bytes{}), sc.options, pool);
    // EN 319 132-1 §5.3: B-T and above need a signature time-stamp; one that
    // failed proves nothing, so the signature is B-B with it listed.
    r.level = checks::hasUsableSignatureTimestamp(r) ? levelOf(usp) : "B-B";
    if (r.level == "B-LTA") checks::archiveTimestampNotValidated(r);
    if (xml::child(usp, kXadesAny, "CounterSignature")) {
      r.messages.push_back(Note{"counter-signatures-not-validated",
                                N_("The signature has counter-signatures; they are recognised but not yet validated.")});
    }
  } else {
    r.level = "-";  // not a baseline signature: no signed properties
    r.checks.push_back(check("signedProperties", Check::Status::NotChecked,
                             Note{"plain-xml-dsig", N_("plain XML-DSig: no XAdES properties")}));
  }

  if (signer) r.signer = signer;

  // ---- 5. The certificate, its chain and the signed reference to it (§5.2.6).
  if (!signer && !anyKey) {
    // Nothing was checked with a key: the messages above say why.
    r.checks.push_back(check("signingCertificate", Check::Status::Failed,
                             Note{"no-certificate", N_("the signature carries no certificate")}));
    lower(r, Indication::Indeterminate, SubIndication::NoSigningCertificateFound);
  } else if (!signer) {
    r.checks.push_back(check("signingCertificate", Check::Status::Failed,
                             Note{"no-certificate", N_("the signature carries no certificate")}));
    r.messages.push_back(keySource.code == "key-from-option"
                             ? Note{"checked-with-public-key",
                                    N_("The signature was checked with a public key given out of band; no "
                                       "certificate says whose key it is.")}
                             : Note{"checked-with-key-value",
                                    N_("The signature was checked with the key value inside the signature; no "
                                       "certificate says whose key it is.")});
    lower(r, Indication::Indeterminate, SubIndication::NoSigningCertificateFound);
  } else {
    checks::signerCertificate(r, pool, sc.options, now, poe);
    // XML-DSig 1.1 §4.5 / EN 319 132-1 §5.2.2: a signed ds:KeyInfo holding
    // the certificate binds it as SigningCertificate does.
    const bool keyInfoSigned =
        keyInfo && std::any_of(refs.begin(), refs.end(), [&](const ResolvedReference& ref) {
          return ref.target == keyInfo && ref.part.empty();
        }) && std::any_of(keyInfoCerts.begin(), keyInfoCerts.end(), [&](const Certificate& c) { return c == *signer; });
    if (!certRefPresent && keyInfoSigned) {
      r.checks.push_back(check("signingCertificateReference", Check::Status::Passed,
                               Note{"key-info-signed", N_("the signature covers ds:KeyInfo, which holds the signing certificate")}));
    } else if (!certRefPresent) {
      r.checks.push_back(check("signingCertificateReference", Check::Status::Failed,
                               Note{"no-signing-certificate-reference", N_("no signed reference to the signing certificate")}));
      r.messages.push_back(Note{"certificate-exchangeable",
                                N_("Nothing signed says which certificate made this signature (no XAdES "
                                   "SigningCertificate): the certificate beside it could be exchanged.")});
      lower(r, Indication::Indeterminate, SubIndication::NoSigningCertificateFound);
    } else if (std::any_of(certRefs.begin(), certRefs.end(), [&](const CertRef& c) { return refMatches(c, *signer); })) {
      r.checks.push_back(check("signingCertificateReference", Check::Status::Passed));
    } else {
      r.checks.push_back(check("signingCertificateReference", Check::Status::Failed,
                               Note{"signing-certificate-reference-mismatch",
                                    N_("the signed SigningCertificate names another certificate")}));
      r.messages.push_back(Note{"different-certificate-named",
                                N_("The signature refers to a different certificate than the one included.")});
      lower(r, Indication::Indeterminate, SubIndication::NoSigningCertificateFound);
    }
  }

  // ---- 6. Cryptographic constraints (§5.2.8, signature acceptance, after
  // the X.509 validation of §5.2.6 as the standard orders them, so that an
  // expired certificate is reported as such first), at the time-stamp's
  // proof of existence when there is one: the signature's algorithm and key
  // and every reference's digest.
  std::vector<std::string> referenceDigests;
  for (const auto& ref : refs) {
    if (!ref.digestLabel.empty() &&
        std::find(referenceDigests.begin(), referenceDigests.end(), ref.digestLabel) == referenceDigests.end()) {
      referenceDigests.push_back(ref.digestLabel);
    }
  }
  checks::cryptographicConstraints(r, poe, now, referenceDigests);

  // ---- 7. Scope (DESIGN.md §4): what is signed is listed in signedData; a
  // signature that leaves part of the document unsigned says so prominently
  // and is never TOTAL-PASSED (a signature-constraints failure, EN 319 102-1
  // §5.2.8 table: the policy asks for the whole document), but honest
  // partial coverage is no forgery, so never TOTAL-FAILED for that alone.
  if (whole) {
    const bool failed = std::any_of(r.checks.begin(), r.checks.end(), [](const Check& c) { return c.id == "coverage"; });
    if (!failed) r.checks.push_back(check("coverage", Check::Status::Passed));
  } else {
    // Data only (element names, paths, file names), never words: the
    // front ends translate the sentence around it.
    std::string what;
    for (const auto& ref : refs) {
      const std::string one = ref.target ? describeElement(ref.target) : ref.detached ? ref.fileName : "/";
      what += (what.empty() ? "" : ", ") + one;
    }
    // One "coverage" check: a wrapping found above already failed it.
    const bool failed = std::any_of(r.checks.begin(), r.checks.end(), [](const Check& c) { return c.id == "coverage"; });
    if (!failed) {
      r.checks.push_back(check("coverage", Check::Status::Warning,
                               Note{"covers-part-only", N_("the signature covers only part of the document: {signed}"),
                                    {{"signed", what}}}));
    }
    r.messages.push_back(Note{"partial-coverage",
                              N_("Only part of this document is signed: {signed}. Anything else in it (here the "
                                 "document's root {root}) is not covered by this signature."),
                              {{"signed", what}, {"root", describeElement(xmlDocGetRootElement(sc.sig->doc))}}});
    lower(r, Indication::Indeterminate, SubIndication::SigConstraintsFailure);
  }
  return r;
}

struct Parsed {
  xml::Doc doc;
  IdCensus census;
  std::vector<xmlNode*> signatures;
};

Parsed parseSigned(const fs::path& file) {
  Parsed p;
  p.doc = xml::parseFile(file);
  findSignatures(xmlDocGetRootElement(p.doc.get()), p.signatures);
  if (p.signatures.size() > kMaxSignatures) {
    throw Error(Category::Malformed, format(tr("the document holds more than {0} signatures"), {std::to_string(kMaxSignatures)}),
                file.string());
  }
  takeCensus(xmlDocGetRootElement(p.doc.get()), referencedIds(p.signatures), p.census);
  return p;
}

std::string signatureId(xmlNode* sig, std::size_t index) {
  const auto id = xml::attribute(sig, "Id");
  return id && !id->empty() ? *id : "Signature" + std::to_string(index + 1);
}

}  // namespace

VerificationReport XadesModule::verify(const fs::path& file, const VerifyOptions& options) {
  Parsed p = parseSigned(file);
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

Inspection XadesModule::inspect(const fs::path& file) {
  Parsed p = parseSigned(file);
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
    xmlNode* usp = xml::child(xml::child(qp, kXadesAny, "UnsignedProperties"), kXadesAny, "UnsignedSignatureProperties");
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
