#pragma once
// Internal to formats/: libxml2 and xmlsec with their safety rules in one
// place (ARCHITECTURE.md: xml::parseFile and xml::AllowedFiles under
// "Signing" and "Verification").  Documents are parsed without network
// access, and any document type declaration (DTD) is refused before its
// declarations are read, so external entities and entity expansion ("billion
// laughs") never happen.  xmlsec may open only the files a caller allows for
// the current thread (detached content); no URL is ever fetched.
#include <securedoc/base/bytes.h>

#include <libxml/tree.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace securedoc::xml {

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;
/// A string libxml2 allocated, freed with xmlFree.
struct XmlCharFree {
  void operator()(xmlChar* c) const { xmlFree(c); }
};
using XmlString = std::unique_ptr<xmlChar, XmlCharFree>;
struct CharFree {
  void operator()(char* c) const { xmlFree(c); }
};
using XmlChars = std::unique_ptr<char, CharFree>;

/// A C string as libxml2's xmlChar (UTF-8 either way).
inline const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
inline const xmlChar* X(const std::string& s) { return reinterpret_cast<const xmlChar*>(s.c_str()); }

/// Initialises libxml2, xmlsec and its OpenSSL back end once per process and
/// replaces xmlsec's I/O handlers by the allow-list below.  Throws Error(Internal).
void initialise();

/// Limits for untrusted documents.  libxml2 itself refuses nesting deeper
/// than 256 elements and text nodes over 10 MB (we never pass XML_PARSE_HUGE).
inline constexpr std::uintmax_t kMaxDocumentSize = 1ull << 30;

/// Parses `file` safely; Error(Malformed) naming the file for anything that is
/// not a well-formed XML document without a DTD, Error(Io) when unreadable.
Doc parseFile(const std::filesystem::path& file);
/// `file` parsed as parseFile does, as UTF-8 text indented two spaces a
/// level, for people to read; its XML declaration as the file wrote it.
/// Error(Unsupported) when the file is over `maxBytes`, else as parseFile.
std::string prettyPrint(const std::filesystem::path& file, std::uintmax_t maxBytes);
/// The same for a document in memory (`name` for messages).
Doc parseMemory(const Bytes& data, const std::string& name);

/// Files xmlsec may read while this object lives on this thread: Reference
/// URI (as written in the signature, and unescaped) -> file.  Anything else
/// is refused by the I/O layer.
class AllowedFiles {
 public:
  explicit AllowedFiles(const std::map<std::string, std::filesystem::path>& files);
  ~AllowedFiles();
  AllowedFiles(const AllowedFiles&) = delete;
  AllowedFiles& operator=(const AllowedFiles&) = delete;
};

/// The element children of `node`.
std::vector<xmlNode*> children(xmlNode* node);
/// The first element child with this namespace and local name, or nullptr.
xmlNode* child(xmlNode* node, std::string_view ns, std::string_view name);
/// Whether `node` is an element with this local name in a namespace whose
/// URI starts with `nsPrefix`.
bool is(const xmlNode* node, std::string_view nsPrefix, std::string_view name);
/// An attribute value without namespace, or nullopt.
std::optional<std::string> attribute(const xmlNode* node, const char* name);
/// The text content of `node` ("" for none).
std::string text(const xmlNode* node);
/// `s` without XML white space (space, tab, CR, LF) anywhere in it.
std::string withoutWhiteSpace(const std::string& s);
/// An element's name as written: "prefix:local" or "local".
std::string qualifiedName(const xmlNode* element);
/// Whether `node` is `ancestor` or lies inside it.
bool isInside(const xmlNode* node, const xmlNode* ancestor);
/// Base64 content of an element (white space ignored); nullopt if not base64.
std::optional<Bytes> base64(const xmlNode* node);
std::string toBase64(const Bytes& data, bool lineBreaks);

/// Canonical form of the subtree at `node` (W3C C14N 1.0 / 1.1 / exclusive,
/// chosen by the algorithm URI); nullopt for an unknown algorithm.
/// `inclusivePrefixes`: exclusive c14n's InclusiveNamespaces PrefixList.
std::optional<Bytes> canonicalise(xmlNode* node, const std::string& algorithm,
                                  const std::vector<std::string>& inclusivePrefixes = {});
/// Whether `algorithm` is one of the canonicalisation methods above.
bool isCanonicalisation(const std::string& algorithm);

/// "/root/child[2]" for messages.
std::string path(xmlNode* node);

/// Last error text libxml2/xmlsec reported on this thread (for details).
std::string lastError();
void clearLastError();

}  // namespace securedoc::xml
