#pragma once
// Internal to the XAdES module (securedoc_xades.so, xades_backend.h): what
// its three parts share.
//   xades_sign.cpp        the template, its references and QualifyingProperties, PendingSignature,
//                         the unsigned properties of B-T to B-LTA, extend
//   xades_references.cpp  which ds:Signature elements there are, what each Reference names and
//                         covers (dereferencing, transforms), the signature-wrapping defences, and
//                         what an archive time-stamp covers
//   xades_verify.cpp      verification (ETSI EN 319 102-1 §5.2, one function per check) and inspect
// Generic libxml2 helpers are in xml_support.h.
#include "xml_support.h"

#include <securedoc/formats/format.h>
#include <securedoc/formats/report.h>

#include <openssl/evp.h>
#include <xmlsec/xmldsig.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace securedoc::xades {

// ------------------------------------------------------- the entry points ---
// What securedoc_xades.so exports (xades_backend.h); tests may call them.

std::unique_ptr<PendingSignature> prepareSignature(const std::filesystem::path& input, const SignParams& params,
                                                   const OfferedCertificate& offered);
VerificationReport verifyFile(const std::filesystem::path& file, const VerifyOptions& options);
Inspection inspectFile(const std::filesystem::path& file);
/// FormatModule::extend for XAdES (xades_sign.cpp): every XAdES signature of
/// `file` raised to `params.level` (B-LTA again renews the archive time-stamp).
std::vector<ExtendedSignature> extendFile(const std::filesystem::path& file, AtomicFile& out, const SignParams& params);

inline constexpr const char* kDsig = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr std::string_view kXadesAny = "http://uri.etsi.org/01903/v1.";  // 1.1.1, 1.2.2, 1.3.2, 1.4.1
/// XAdES 1.4.1 (ETSI EN 319 132-1 §5.5.2, §5.5.3): ArchiveTimeStamp and
/// TimeStampValidationData live in this namespace.
inline constexpr const char* kXades141 = "http://uri.etsi.org/01903/v1.4.1#";
/// W3C C14N 1.0, XML-DSig's default canonicalisation (and the form xmlsec
/// gives a node-set before its digest).
inline constexpr const char* kC14n10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
inline constexpr const char* kSignedPropertiesType = "http://uri.etsi.org/01903#SignedProperties";
inline constexpr const char* kBase64Transform = "http://www.w3.org/2000/09/xmldsig#base64";
inline constexpr const char* kXPath2Transform = "http://www.w3.org/2002/06/xmldsig-filter2";

// ------------------------------------------------------------ ownership ---

struct KeyFree {
  void operator()(xmlSecKey* k) const { xmlSecKeyDestroy(k); }
};
using Key = std::unique_ptr<xmlSecKey, KeyFree>;
struct DSigCtxFree {
  void operator()(xmlSecDSigCtx* c) const { xmlSecDSigCtxDestroy(c); }
};
using DSigCtx = std::unique_ptr<xmlSecDSigCtx, DSigCtxFree>;

/// An xmlsec key holding `pk` (a reference is taken).
Key keyFor(EVP_PKEY* pk);

// ---------------------------------------------------------- algorithms ---

struct DigestInfo {
  const char* uri;
  const char* name;  ///< OpenSSL name
  const char* label;
};
/// The XML-DSig digest method `uri` (SHA-1 to SHA-512), or nullptr.
const DigestInfo* digestByUri(const std::string& uri);
/// "rsa-sha256" from ".../xmldsig-more#rsa-sha256", for reports.
std::string afterHash(const std::string& uri);

// ----------------------------------------------------------- signatures ---

/// Every ds:Signature below `node` (and its siblings) but XAdES
/// counter-signatures, in document order.
void findSignatures(xmlNode* node, std::vector<xmlNode*>& signatures);

/// Every element carrying an Id-like attribute, by value: "Id", "ID", "id"
/// (no namespace) and xml:id.  Two elements with one value are ambiguous and
/// any reference to that value is refused (signature wrapping).
using IdCensus = std::map<std::string, std::vector<xmlAttr*>>;

/// A signed document, parsed: its signatures and the census of the Ids they name.
struct SignedDocument {
  xml::Doc doc;
  IdCensus census;
  std::vector<xmlNode*> signatures;
};
/// Parses `file` safely; Error(Malformed) for more than 64 signatures.
SignedDocument parseSigned(const std::filesystem::path& file);

// ----------------------------------------------------------- references ---

/// One Reference as the verifier understood it before xmlsec runs.
struct ResolvedReference {
  std::string uri;
  std::string type;
  xmlNode* target = nullptr;  ///< the element for "#id" references
  std::string id;             ///< its Id
  std::string fileName;       ///< detached content, unescaped
  bool detached = false;
  bool wholeDocument = false;         ///< "" or #xpointer(/)
  bool withoutThisSignature = false;  ///< enveloped-signature transform
  bool withoutSignatures = false;     ///< XPath filters excluding every ds:Signature
  std::string part;                   ///< XPath Filter 2.0 intersect below the element ("" = all of it)
  Note problem;                       ///< why it is refused; empty when accepted
  bool constraint = false;            ///< refused by policy (transform), not forged
  bool contentBroken = false;         ///< the signed content no longer has the form it was signed in
  std::string digestLabel;            ///< "SHA-256"... for the cryptographic constraints
  /// XPath 1.0 transforms "not(ancestor-or-self::ds:Signature)" (see ExcludeSignaturesFilter2).
  std::vector<xmlNode*> excludeSignaturesXPath;
};

/// One signature being verified and what its checks learn of the document.
struct SignatureContext {
  xmlNode* sig;
  std::string id;
  const IdCensus& census;
  const std::filesystem::path& file;
  const VerifyOptions& options;
  std::map<std::string, std::filesystem::path> files;  // detached content by URI
  std::optional<std::size_t> nodes;

  /// Elements, attributes and text nodes in the document.
  std::size_t nodeCount();
};

/// ETSI EN 319 102-1 §5.2.2 (format checking): what each reference of
/// `signedInfo` names, resolved by us, into `refs`; refusals end the
/// validation (TOTAL-FAILED / FORMAT_FAILURE, or INDETERMINATE /
/// SIG_CONSTRAINTS_FAILURE for a transform or algorithm this policy does not
/// accept).  Returns false when refused.
bool resolveReferences(SignatureContext& sc, xmlNode* signedInfo, SignatureReport& r,
                       std::vector<ResolvedReference>& refs);

/// "<prefix:name> /path/to/it", for reports.
std::string describeElement(xmlNode* e);

/// Whether the signature covers everything a person sees in the document
/// (see its definition for what counts).
bool coversWholeDocument(xmlNode* sig, const std::vector<ResolvedReference>& refs);

/// Wrapping defences that do not depend on the digests: unsigned content in
/// the signature's own ds:Object elements, and a signed element with an
/// unsigned look-alike.  Adds failed "coverage" checks to `r`.
void wrappingChecks(SignatureContext& sc, const std::vector<ResolvedReference>& refs, SignatureReport& r);

// ------------------------------------------------------ archive time-stamps ---

/// "B-B".."B-LTA" from the names of the UnsignedSignatureProperties children.
std::string levelOf(xmlNode* unsignedSigProps);
/// QualifyingProperties of `sig`: in one of its ds:Object children, or nullptr.
xmlNode* qualifyingPropertiesOf(xmlNode* sig);
/// The certificate that made `sig` (the one its signed SigningCertificate
/// names among KeyInfo's, else the end of the KeyInfo chain), and every
/// certificate KeyInfo and CertificateValues carry into `pool`.
std::optional<Certificate> signingCertificateOf(xmlNode* sig, std::vector<Certificate>& pool);

/// The octets each ds:Reference of `sig` gives its digest, in SignedInfo
/// order (the result of dereferencing and the transforms, a node-set
/// canonicalised as XML-DSig's default C14N 1.0), computed by xmlsec with
/// the detached content in `files` and `key` (any key of the signature
/// method's type: xmlsec needs one to run).  nullopt when a reference cannot
/// be processed or its digest no longer matches.
std::optional<std::vector<Bytes>> referenceOutputs(xmlNode* sig,
                                                   const std::map<std::string, std::filesystem::path>& files,
                                                   EVP_PKEY* key);

/// ETSI EN 319 132-1 §5.5.2.2: what an xades141:ArchiveTimeStamp of `sig`
/// time-stamps, concatenated: each reference's output (`references`, from
/// referenceOutputs), then canonicalised with `c14n` ds:SignedInfo,
/// ds:SignatureValue, ds:KeyInfo when present, each
/// UnsignedSignatureProperties child before `archiveTimeStamp` (all of
/// them when nullptr: a new one), and each ds:Object but the one holding
/// QualifyingProperties.  nullopt when something cannot be canonicalised.
std::optional<Bytes> archiveTimeStampInput(xmlNode* sig, xmlNode* archiveTimeStamp, const std::string& c14n,
                                           const std::vector<Bytes>& references);

}  // namespace securedoc::xades
