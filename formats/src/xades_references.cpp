// XML-DSig references: which ds:Signature elements a document holds, what
// each ds:Reference names (dereferencing "", "#Id" and a detached file name
// ourselves, before xmlsec runs), which transforms are accepted, what a
// signature covers, and the signature-wrapping defences.
//
// Format checking (ETSI EN 319 102-1 §5.2.2): an Id must name exactly one
// element, only "", "#id" and a detached file name are accepted, only known
// transforms, and only the XPath filters that exclude signatures or select
// inside the referenced element.  The report names what each reference
// covers; a signature that leaves part of the document unsigned (SOAP's Body
// by Id) says so and is INDETERMINATE, never TOTAL-FAILED for that alone,
// while the wrapping defences (unique Ids, signed content only where a
// signature keeps it, no signed element inside an unsigned look-alike, no
// unsigned content in the signature's objects) stay failures.
#include "signature_checks.h"
#include "xades_internal.h"

#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <libxml/uri.h>
#include <libxml/valid.h>
#include <xmlsec/buffer.h>
#include <xmlsec/xmltree.h>

#include <algorithm>
#include <cstring>
#include <regex>
#include <set>

namespace securedoc::xades {

namespace {

namespace fs = std::filesystem;
using checks::lower;
using checks::makeCheck;
using xml::X;

constexpr const char* kEnvelopedTransform = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
constexpr const char* kXPathTransform = "http://www.w3.org/TR/1999/REC-xpath-19991116";
constexpr std::size_t kMaxSignatures = 64;
constexpr std::size_t kMaxReferences = 256;

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

/// Counts the elements carrying each of the `wanted` Id values (only those:
/// a large document may have an id on every record).
void takeCensus(xmlNode* node, const std::set<std::string>& wanted, IdCensus& census) {
  for (xmlNode* n = node; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    for (xmlAttr* a = n->properties; a; a = a->next) {
      const char* name = reinterpret_cast<const char*>(a->name);
      const bool plain = !a->ns && (!std::strcmp(name, "Id") || !std::strcmp(name, "ID") || !std::strcmp(name, "id"));
      const bool xmlId =
          a->ns && a->ns->href &&
          !std::strcmp(reinterpret_cast<const char*>(a->ns->href), reinterpret_cast<const char*>(XML_XML_NAMESPACE)) &&
          !std::strcmp(name, "id");
      if (plain || xmlId) {
        xml::XmlString v(xmlNodeListGetString(n->doc, a->children, 1));
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

bool isNcName(const std::string& s) {
  static const std::regex re(R"(^[A-Za-z_][A-Za-z0-9._\-]*$)");
  return std::regex_match(s, re);
}

/// Whether prefix `p` is bound to the XML-DSig namespace at `node`.
bool prefixIsDsig(xmlNode* node, const std::string& p) {
  xmlNs* ns = xmlSearchNs(node->doc, node, X(p));
  return ns && ns->href && !std::strcmp(reinterpret_cast<const char*>(ns->href), kDsig);
}

/// What one accepted reference covers, as the report's signedData entry
/// (XML-DSig 1.1 §4.4.3: the URI and its transforms decide the data object).
/// Each wording is a whole msgid so that translators see full sentences; the
/// argument "excluded" ("this-signature", "all-signatures") tells scripts
/// which of them applies.
Note describeReference(const ResolvedReference& r) {
  if (r.detached) return Note{"detached-file", N_("the file {file} (detached)"), {{"file", r.fileName}}};
  if (r.wholeDocument) {
    if (r.withoutThisSignature) {
      return Note{"whole-document",
                  N_("the whole document, without this signature"),
                  {{"uri", r.uri}, {"excluded", "this-signature"}}};
    }
    if (r.withoutSignatures) {
      return Note{"whole-document",
                  N_("the whole document, without any signature"),
                  {{"uri", r.uri}, {"excluded", "all-signatures"}}};
    }
    return Note{"whole-document", N_("the whole document"), {{"uri", r.uri}}};
  }
  const Note::Args args{{"name", xml::qualifiedName(r.target)}, {"path", xml::path(r.target)}, {"id", r.id}};
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

// ------------------------------------------------ one reference, step by step ---

/// Detached content: a relative file name, no scheme, no path; the file is
/// the one the caller names (verify --content) or the one beside the signature.
void resolveDetached(ResolvedReference& r, SignatureContext& sc) {
  xml::XmlChars un(xmlURIUnescapeString(r.uri.c_str(), 0, nullptr));
  const std::string name = un ? std::string(un.get()) : r.uri;
  if (r.uri.find(':') != std::string::npos || name.find('/') != std::string::npos || name == ".." || name == "." ||
      name.empty()) {
    r.problem = Note{"reference-outside-folder",
                     N_("the reference URI \"{uri}\" points outside the signature's folder or to the network; "
                        "SecureDoc reads only a detached file beside the signature"),
                     {{"uri", r.uri}}};
    return;
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

/// The URI: "" and "#xpointer(/)" are the whole document, "#Id" and
/// "#xpointer(id('Id'))" an element (returned: the Id), anything else with
/// "#" is refused, and the rest is a detached file.
std::string resolveUri(ResolvedReference& r, SignatureContext& sc) {
  if (r.uri.empty()) {
    r.wholeDocument = true;
    return {};
  }
  if (r.uri[0] != '#') {
    resolveDetached(r, sc);
    return {};
  }
  std::string id = r.uri.substr(1);
  static const std::regex xpointerId(R"(^xpointer\(id\(['"]([A-Za-z_][A-Za-z0-9._\-]*)['"]\)\)$)");
  std::smatch m;
  if (id == "xpointer(/)") {
    r.wholeDocument = true;
    return {};
  }
  if (std::regex_match(id, m, xpointerId)) return m[1].str();
  if (!isNcName(id)) {
    r.problem = Note{"reference-xpointer-refused",
                     N_("the reference URI \"{uri}\" is not a plain #Id; XPointer expressions are refused"),
                     {{"uri", r.uri}}};
    return {};
  }
  return id;
}

/// Inside its own signature a reference may point only at a ds:Object of
/// that signature or at something in one (the signed properties); an
/// element moved into a wrapper there is not where a signer put it.
bool whereASignatureKeepsContent(const ResolvedReference& r, xmlNode* sig) {
  if (r.target == sig || !xml::isInside(r.target, sig)) return true;
  xmlNode* top = r.target;
  while (top->parent != sig) top = top->parent;
  const bool object = xml::is(top, kDsig, "Object") && r.target == top;
  const bool properties = xml::is(r.target, kXadesAny, "SignedProperties") &&
                          xml::is(r.target->parent, kXadesAny, "QualifyingProperties") &&
                          r.target->parent->parent == top && xml::is(top, kDsig, "Object");
  const bool keyInfo = xml::is(r.target, kDsig, "KeyInfo") && r.target->parent == sig;
  return object || properties || keyInfo;
}

/// The element with Id `id`: exactly one in the document, registered for
/// xmlsec as that one, and where a signature keeps signed content.
void resolveId(ResolvedReference& r, SignatureContext& sc, const std::string& id) {
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
    return;
  }
  xmlAttr* attr = it->second.front();
  xmlAttr* registered = xmlGetID(sc.sig->doc, X(id));
  if (!registered) {
    xmlAddID(nullptr, sc.sig->doc, X(id), attr);
  } else if (registered != attr) {
    r.problem = Note{
        "reference-id-mismatch", N_("the Id \"{id}\" resolves to another element than the one it names"), {{"id", id}}};
    return;
  }
  r.target = attr->parent;
  r.id = id;
  if (!whereASignatureKeepsContent(r, sc.sig)) {
    r.problem = Note{"reference-not-in-object",
                     N_("the element with Id \"{id}\" is not where a signature keeps signed content "
                        "(a ds:Object of the signature): signature wrapping"),
                     {{"id", id}}};
  }
}

/// An XPath 1.0 transform: accepted only as "not(ancestor-or-self::ds:Signature)".
bool acceptXPath(ResolvedReference& r, xmlNode* t) {
  xmlNode* xp = xml::child(t, kDsig, "XPath");
  static const std::regex notSig(R"(^not\(ancestor-or-self::([A-Za-z_][A-Za-z0-9._\-]*):Signature\)$)");
  std::smatch m;
  const std::string expr = xp ? xml::withoutWhiteSpace(xml::text(xp)) : "";
  if (!xp || !std::regex_match(expr, m, notSig) || !prefixIsDsig(xp, m[1])) {
    r.problem = Note{"xpath-refused",
                     N_("the XPath transform \"{expression}\" is not accepted (only excluding signatures is)"),
                     {{"expression", xp ? xml::text(xp) : ""}}};
    r.constraint = true;
    return false;
  }
  r.excludeSignaturesXPath.push_back(t);
  r.withoutSignatures = true;
  return true;
}

/// An XPath Filter 2.0 transform: each filter subtracts every ds:Signature or
/// intersects with a part of the referenced element.
bool acceptXPathFilter2(ResolvedReference& r, xmlNode* t) {
  for (xmlNode* xp : xml::children(t)) {
    const std::string filter = xml::attribute(xp, "Filter").value_or("");
    const std::string expr = xml::withoutWhiteSpace(xml::text(xp));
    static const std::regex subtract(R"(^/descendant::([A-Za-z_][A-Za-z0-9._\-]*):Signature$)");
    static const std::regex subtractByName(
        R"(^/descendant::\*\[name\(\)=['"]([A-Za-z_][A-Za-z0-9._\-]*):Signature['"]\]$)");
    static const std::regex intersectId(
        R"(^id\(['"]([A-Za-z_][A-Za-z0-9._\-]*)['"]\)((/[A-Za-z_][A-Za-z0-9._\-]*(:[A-Za-z_][A-Za-z0-9._\-]*)?)*(/node\(\))?)$)");
    std::smatch m;
    if (filter == "subtract" && ((std::regex_match(expr, m, subtract) && prefixIsDsig(xp, m[1])) ||
                                 std::regex_match(expr, m, subtractByName))) {
      r.withoutSignatures = true;
    } else if (filter == "intersect" && std::regex_match(expr, m, intersectId) && !r.id.empty() && m[1] == r.id) {
      if (m[2].length() > 0) r.part = m[2].str();
    } else {
      r.problem = Note{"xpath-filter-refused",
                       N_("the XPath filter \"{filter} {expression}\" is not accepted"),
                       {{"filter", filter}, {"expression", xml::text(xp)}}};
      r.constraint = true;
      return false;
    }
  }
  return true;
}

/// Transforms: an allow-list, and XPath only in the forms that exclude
/// signatures or select inside the referenced element.
bool acceptTransforms(ResolvedReference& r, xmlNode* ref) {
  for (xmlNode* t : xml::children(xml::child(ref, kDsig, "Transforms"))) {
    if (!xml::is(t, kDsig, "Transform")) {
      r.problem = Note{"transforms-unexpected-element", N_("unexpected element in Transforms")};
      return false;
    }
    const std::string alg = xml::attribute(t, "Algorithm").value_or("");
    if (alg == kEnvelopedTransform) {
      r.withoutThisSignature = true;
    } else if (alg == kBase64Transform) {
      // Checked here: xmlsec 1.2.37 leaks its I/O buffer when base64 decoding
      // fails inside a reference (transforms.c, xmlSecTransformIOBufferClose).
      if (r.target && !xml::base64(r.target)) {
        r.problem = Note{"reference-base64-invalid",
                         N_("the base64 content of the element with Id \"{id}\" cannot be decoded"),
                         {{"id", r.id}, {"path", xml::path(r.target)}}};
        r.contentBroken = true;
        return false;
      }
    } else if (xml::isCanonicalisation(alg)) {
      // no change to what is covered
    } else if (alg == kXPathTransform) {
      if (!acceptXPath(r, t)) return false;
    } else if (alg == kXPath2Transform) {
      if (!acceptXPathFilter2(r, t)) return false;
    } else {
      r.problem = Note{"transform-refused", N_("the transform {algorithm} is not accepted"), {{"algorithm", alg}}};
      r.constraint = true;
      return false;
    }
  }
  return true;
}

void acceptDigestMethod(ResolvedReference& r, xmlNode* ref) {
  xmlNode* dm = xml::child(ref, kDsig, "DigestMethod");
  const DigestInfo* digest = dm ? digestByUri(xml::attribute(dm, "Algorithm").value_or("")) : nullptr;
  if (!digest) {
    r.problem = Note{"digest-algorithm-unsupported",
                     N_("the digest algorithm {algorithm} is not supported"),
                     {{"algorithm", dm ? xml::attribute(dm, "Algorithm").value_or("") : "?"}}};
    r.constraint = true;
  } else {
    r.digestLabel = digest->label;
  }
}

ResolvedReference resolveReference(xmlNode* ref, SignatureContext& sc) {
  ResolvedReference r;
  r.type = xml::attribute(ref, "Type").value_or("");
  // No URI (XML-DSig §4.4.3.1: "the receiving application is expected to
  // know the identity of the object"): xmlsec digests the whole document
  // then, so that is what the report says is signed.
  r.uri = xml::attribute(ref, "URI").value_or("");
  const std::string id = resolveUri(r, sc);
  if (r.problem.empty() && !id.empty()) resolveId(r, sc, id);
  if (r.problem.empty() && acceptTransforms(r, ref)) acceptDigestMethod(r, ref);
  return r;
}

// ------------------------------------------------------------- wrapping ---

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

/// A ds:Object nobody signed may hold only the XAdES properties or later
/// signatures; any other content there would pass for signed (an unsigned
/// forged object next to the signed one, signature wrapping).
void unsignedObjectChecks(SignatureContext& sc, const std::vector<ResolvedReference>& refs, SignatureReport& r) {
  for (xmlNode* obj : xml::children(sc.sig)) {
    if (!xml::is(obj, kDsig, "Object")) continue;
    const bool referenced = std::any_of(refs.begin(), refs.end(), [&](const ResolvedReference& ref) {
      return ref.target && xml::isInside(ref.target, obj);
    });
    if (referenced) continue;
    bool onlyExpected = true;
    for (xmlNode* c = obj->children; c; c = c->next) {
      if (c->type == XML_ELEMENT_NODE) {
        if (!xml::is(c, kXadesAny, "QualifyingProperties") && !xml::is(c, kDsig, "Signature")) onlyExpected = false;
      } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
        if (!xml::withoutWhiteSpace(xml::text(c)).empty()) onlyExpected = false;
      }
    }
    if (!onlyExpected) {
      r.checks.push_back(makeCheck("coverage", Check::Status::Failed,
                                   Note{"unsigned-object",
                                        N_("the signature holds unsigned content in <{name}> {path}"),
                                        {{"name", xml::qualifiedName(obj)}, {"path", xml::path(obj)}}}));
      r.messages.push_back(
          Note{"unsigned-object-content",
               N_("The signature carries content that nobody signed; it may be shown as if it were signed.")});
      lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    }
  }
}

/// A signed element with an unsigned look-alike (see unsignedLookAlike).
void lookAlikeChecks(SignatureContext& sc, const std::vector<ResolvedReference>& refs, SignatureReport& r) {
  // What the signatures of this document reference by Id; a "" reference
  // (the whole document) leaves nothing unsigned to look alike.
  std::set<xmlNode*> signedRoots;
  for (const auto& [id, attrs] : sc.census) {
    for (xmlAttr* a : attrs) signedRoots.insert(a->parent);
  }
  const bool wholeSigned =
      std::any_of(refs.begin(), refs.end(), [](const ResolvedReference& ref) { return ref.wholeDocument; });
  for (const auto& ref : refs) {
    if (wholeSigned) break;
    if (xmlNode* up = unsignedLookAlike(ref, signedRoots)) {
      r.checks.push_back(makeCheck("coverage", Check::Status::Failed,
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

}  // namespace

const DigestInfo* digestByUri(const std::string& uri) {
  for (const auto& d : digests()) {
    if (uri == d.uri) return &d;
  }
  return nullptr;
}

std::string afterHash(const std::string& uri) {
  const auto h = uri.find('#');
  return h == std::string::npos ? uri : uri.substr(h + 1);
}

void findSignatures(xmlNode* node, std::vector<xmlNode*>& signatures) {
  for (xmlNode* n = node; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    if (xml::is(n, kDsig, "Signature") && !isCounterSignature(n)) signatures.push_back(n);
    findSignatures(n->children, signatures);
  }
}

SignedDocument parseSigned(const fs::path& file) {
  SignedDocument p;
  p.doc = xml::parseFile(file);
  findSignatures(xmlDocGetRootElement(p.doc.get()), p.signatures);
  if (p.signatures.size() > kMaxSignatures) {
    throw Error(Category::Malformed, format(tr("the document holds more than {0} signatures"), {kMaxSignatures}),
                file.string());
  }
  takeCensus(xmlDocGetRootElement(p.doc.get()), referencedIds(p.signatures), p.census);
  return p;
}

std::size_t SignatureContext::nodeCount() {
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

std::string describeElement(xmlNode* e) { return "<" + xml::qualifiedName(e) + "> " + xml::path(e); }

bool resolveReferences(SignatureContext& sc, xmlNode* signedInfo, SignatureReport& r,
                       std::vector<ResolvedReference>& refs) {
  bool refused = false;
  for (xmlNode* ref : xml::children(signedInfo)) {
    if (!xml::is(ref, kDsig, "Reference")) continue;
    if (refs.size() >= kMaxReferences) {
      refs.back().problem =
          Note{"too-many-references", N_("more than {max} references"), {{"max", std::to_string(kMaxReferences)}}};
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
    r.checks.push_back(
        makeCheck("references", Check::Status::Failed, Note{"no-references", N_("the signature references nothing")}));
    lower(r, Indication::TotalFailed, SubIndication::FormatFailure);
    return false;
  }
  for (const auto& ref : refs) {
    if (!ref.problem.empty()) {
      refused = true;
      r.checks.push_back(makeCheck("references", Check::Status::Failed, ref.problem));
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
      if (!xml::withoutWhiteSpace(xml::text(c)).empty()) return false;
    }
  }
  return true;
}

/// Run after integrity, so that a changed document is reported as
/// HASH_FAILURE first.
void wrappingChecks(SignatureContext& sc, const std::vector<ResolvedReference>& refs, SignatureReport& r) {
  unsignedObjectChecks(sc, refs, r);
  lookAlikeChecks(sc, refs, r);
}

// ------------------------------------------------------ archive time-stamps ---

std::optional<std::vector<Bytes>> referenceOutputs(xmlNode* sig, const std::map<std::string, fs::path>& files,
                                                   EVP_PKEY* key) {
  std::size_t expected = 0;
  for (xmlNode* ref : xml::children(xml::child(sig, kDsig, "SignedInfo"))) {
    if (xml::is(ref, kDsig, "Reference")) ++expected;
  }
  if (expected == 0) return std::nullopt;
  DSigCtx ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) throw Error(Category::Internal, "cannot create an xmlsec context");
  // The references' digest input is kept (in memory: a detached file is
  // read whole here).  xmlsec 1.2 processes the references only once it
  // holds a key of the signature method's type; whether the value verifies
  // with it does not matter here.
  if (!key) return std::nullopt;
  ctx->signKey = keyFor(key).release();
  ctx->flags |= XMLSEC_DSIG_FLAGS_STORE_SIGNEDINFO_REFERENCES | XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
  ctx->enabledReferenceUris = static_cast<xmlSecTransformUriType>(
      xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument |
      (files.empty() ? 0 : (xmlSecTransformUriTypeLocal | xmlSecTransformUriTypeRemote)));
  xml::clearLastError();
  {
    xml::AllowedFiles allow(files);
    (void)xmlSecDSigCtxVerify(ctx.get(), sig);
  }
  xml::clearLastError();
  std::vector<Bytes> out;
  const xmlSecSize n = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
  for (xmlSecSize i = 0; i < n; ++i) {
    auto* ref = static_cast<xmlSecDSigReferenceCtxPtr>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, i));
    xmlSecBufferPtr b = ref ? xmlSecDSigReferenceCtxGetPreDigestBuffer(ref) : nullptr;
    if (!b || ref->status != xmlSecDSigStatusSucceeded) return std::nullopt;
    out.emplace_back(xmlSecBufferGetData(b), xmlSecBufferGetData(b) + xmlSecBufferGetSize(b));
  }
  if (out.size() != expected) return std::nullopt;
  return out;
}

std::optional<Bytes> archiveTimeStampInput(xmlNode* sig, xmlNode* archiveTimeStamp, const std::string& c14n,
                                           const std::vector<Bytes>& references) {
  Bytes in;
  const auto add = [&](xmlNode* e) {
    const auto c = xml::canonicalise(e, c14n);
    if (c) in.insert(in.end(), c->begin(), c->end());
    return c.has_value();
  };
  // EN 319 132-1 §5.5.2.2 steps 1-2: each reference's processed result, in order.
  for (const Bytes& r : references) in.insert(in.end(), r.begin(), r.end());
  // Step 3: SignedInfo, SignatureValue and KeyInfo (when present).
  xmlNode* signedInfo = xml::child(sig, kDsig, "SignedInfo");
  xmlNode* value = xml::child(sig, kDsig, "SignatureValue");
  if (!signedInfo || !value || !add(signedInfo) || !add(value)) return std::nullopt;
  if (xmlNode* keyInfo = xml::child(sig, kDsig, "KeyInfo"); keyInfo && !add(keyInfo)) return std::nullopt;
  // Step 4: the unsigned signature properties before this time-stamp, in
  // their order; those after it (validation data added later, a newer
  // archive time-stamp) are not covered.
  xmlNode* qp = qualifyingPropertiesOf(sig);
  xmlNode* usp = xml::child(xml::child(qp, kXadesAny, "UnsignedProperties"), kXadesAny, "UnsignedSignatureProperties");
  for (xmlNode* p : xml::children(usp)) {
    if (p == archiveTimeStamp) break;
    if (!add(p)) return std::nullopt;
  }
  // Step 5: every ds:Object but the one holding QualifyingProperties.
  for (xmlNode* obj : xml::children(sig)) {
    if (!xml::is(obj, kDsig, "Object") || (qp && xml::isInside(qp, obj))) continue;
    if (!add(obj)) return std::nullopt;
  }
  return in;
}

}  // namespace securedoc::xades
