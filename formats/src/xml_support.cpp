#include "xml_support.h"

#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/i18n.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>
#include <xmlsec/base64.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/xmlsec.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace securedoc::xml {

namespace {

thread_local std::string t_lastError;
thread_local const std::map<std::string, std::filesystem::path>* t_allowed = nullptr;

void recordXmlsecError(const char* /*file*/, int /*line*/, const char* func, const char* errorObject,
                       const char* errorSubject, int /*reason*/, const char* msg) {
  std::string e;
  if (func) e += func;
  if (errorObject) e += std::string(e.empty() ? "" : ": ") + errorObject;
  if (errorSubject) e += std::string(e.empty() ? "" : ": ") + errorSubject;
  if (msg && *msg) e += std::string(e.empty() ? "" : ": ") + msg;
  if (t_lastError.empty()) t_lastError = e;  // the first error names the cause
}

void recordStructured(void* /*user*/, xmlError* error) {
  if (error && error->message && t_lastError.empty()) {
    t_lastError = error->message;
    while (!t_lastError.empty() && t_lastError.back() == '\n') t_lastError.pop_back();
  }
}

void recordGeneric(void* /*user*/, const char* /*fmt*/, ...) {}

// xmlsec's I/O layer (xmlSecIORegisterCallbacks): only the files of the
// current thread's AllowedFiles.
const std::filesystem::path* allowedFile(const char* uri) {
  if (!t_allowed || !uri) return nullptr;
  const auto it = t_allowed->find(uri);
  return it == t_allowed->end() ? nullptr : &it->second;
}
int ioMatch(const char* uri) { return allowedFile(uri) ? 1 : 0; }
// xmlsec asks for 1 KiB at a time; read the file in 64 KiB blocks.
struct OpenFile {
  UniqueFd fd;
  std::vector<char> block = std::vector<char>(std::size_t{64} * 1024);
  std::size_t pos = 0, len = 0;
};
void* ioOpen(const char* uri) {
  const std::filesystem::path* file = allowedFile(uri);
  if (!file) return nullptr;
  auto f = std::make_unique<OpenFile>();
  f->fd.reset(::open(file->c_str(), O_RDONLY | O_CLOEXEC));
  if (!f->fd) return nullptr;
  return f.release();  // xmlsec owns it until ioClose
}
int ioRead(void* context, char* buffer, int len) {
  auto* f = static_cast<OpenFile*>(context);
  if (f->pos == f->len) {
    ssize_t n;
    do {
      n = ::read(f->fd.get(), f->block.data(), f->block.size());
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return static_cast<int>(n);
    f->pos = 0;
    f->len = static_cast<std::size_t>(n);
  }
  const std::size_t take = std::min(f->len - f->pos, static_cast<std::size_t>(len));
  std::memcpy(buffer, f->block.data() + f->pos, take);
  f->pos += take;
  return static_cast<int>(take);
}
int ioClose(void* context) {
  const std::unique_ptr<OpenFile> f(static_cast<OpenFile*>(context));  // closes the descriptor
  return 0;
}

void initialiseProcess() {
  xmlInitParser();
  if (xmlSecInit() < 0) throw Error(Category::Internal, "xmlsec could not be initialised");
  if (xmlSecCheckVersion() != 1)
    throw Error(Category::Internal, "the xmlsec library is not the version SecureDoc was built with");
  if (xmlSecCryptoAppInit(nullptr) < 0)
    throw Error(Category::Internal, "the xmlsec OpenSSL back end could not be initialised");
  if (xmlSecCryptoInit() < 0) throw Error(Category::Internal, "the xmlsec OpenSSL back end could not be initialised");
  xmlSecErrorsSetCallback(recordXmlsecError);
  // No file or network access through xmlsec except what AllowedFiles grants.
  xmlSecIOCleanupCallbacks();
  if (xmlSecIORegisterCallbacks(ioMatch, ioOpen, ioRead, ioClose) < 0) {
    throw Error(Category::Internal, "xmlsec I/O handlers could not be registered");
  }
}

struct ParserCtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

// Called at "<!DOCTYPE" before any declaration is read: stop right there.
void refuseDoctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
  *static_cast<bool*>(ctxt->_private) = true;
  xmlStopParser(ctxt);
}

constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

template <typename Read>
Doc parseWith(const std::string& name, Read read) {
  initialise();
  std::unique_ptr<xmlParserCtxt, ParserCtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) throw Error(Category::Internal, "out of memory creating an XML parser", name);
  bool doctype = false;
  ctxt->_private = &doctype;
  ctxt->sax->internalSubset = refuseDoctype;
  ctxt->sax->externalSubset = refuseDoctype;
  Doc doc(read(ctxt.get()));
  if (doctype) {
    throw Error(Category::Malformed,
                tr("the XML document has a document type declaration (DTD); SecureDoc refuses DTDs, which can "
                   "hide external entities and entity expansion"),
                name);
  }
  if (!doc || !ctxt->wellFormed) {
    const xmlError* e = xmlCtxtGetLastError(ctxt.get());
    std::string why = e && e->message ? e->message : "not well-formed";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw Error(Category::Malformed,
                format(tr("not a well-formed XML document (line {0}: {1})"), {std::to_string(e ? e->line : 0), why}),
                name);
  }
  if (!xmlDocGetRootElement(doc.get()))
    throw Error(Category::Malformed, tr("the XML document has no root element"), name);
  return doc;
}

}  // namespace

void initialise() {
  static std::once_flag once;
  std::call_once(once, initialiseProcess);
  // libxml2 keeps its error handlers per thread: never print to stderr.
  thread_local bool quiet = false;
  if (!quiet) {
    xmlSetStructuredErrorFunc(nullptr, recordStructured);
    xmlSetGenericErrorFunc(nullptr, recordGeneric);
    quiet = true;
  }
}

namespace {

/// parseFile with `options` (kParseOptions, maybe plus XML_PARSE_NOBLANKS).
Doc parseFileWith(const std::filesystem::path& file, int options) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw Error(Category::Io, format(tr("cannot read the file: {0}"), {ec.message()}), file.string());
  if (size > kMaxDocumentSize) {
    throw Error(Category::Malformed, tr("the XML document is larger than 1 GiB, the most SecureDoc reads"),
                file.string());
  }
  // Opened once so that an unreadable file is an I/O error naming errno, not
  // a parse error.
  if (!UniqueFd(::open(file.c_str(), O_RDONLY | O_CLOEXEC))) {
    throw Error(Category::Io, format(tr("cannot open the file: {0}"), {std::strerror(errno)}), file.string());
  }
  return parseWith(file.string(), [&](xmlParserCtxt* c) { return xmlCtxtReadFile(c, file.c_str(), nullptr, options); });
}

struct BufferFree {
  void operator()(xmlBuffer* b) const { xmlBufferFree(b); }
};
struct SaveClose {
  void operator()(xmlSaveCtxt* c) const { xmlSaveClose(c); }
};

/// The XML declaration as the document wrote it (W3C XML 1.0 §2.8), empty
/// when it had none: the text shown is UTF-8, but the declaration says what
/// the file is.
std::string declarationOf(const xmlDoc& doc) {
  // libxml2: -1 when there is no declaration, -2 when it has no standalone.
  if (doc.standalone == -1) return {};
  std::string d = "<?xml version=\"";
  d += doc.version ? reinterpret_cast<const char*>(doc.version) : "1.0";
  d += '"';
  if (doc.encoding) d += std::string(" encoding=\"") + reinterpret_cast<const char*>(doc.encoding) + '"';
  if (doc.standalone >= 0) d += doc.standalone == 1 ? " standalone=\"yes\"" : " standalone=\"no\"";
  return d + "?>\n";
}

}  // namespace

Doc parseFile(const std::filesystem::path& file) { return parseFileWith(file, kParseOptions); }

std::string prettyPrint(const std::filesystem::path& file, std::uintmax_t maxBytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (!ec && size > maxBytes) {
    const std::string limit =
        maxBytes % (1u << 20) == 0 ? std::to_string(maxBytes >> 20) + " MiB" : std::to_string(maxBytes) + " B";
    throw Error(Category::Unsupported,
                format(tr("the XML document is larger than {0}, the most the preview shows"), {limit}), file.string());
  }
  // Blank text between elements is dropped so that every element starts a
  // line of its own; text inside mixed content stays as written.
  const Doc doc = parseFileWith(file, kParseOptions | XML_PARSE_NOBLANKS);
  const std::unique_ptr<xmlBuffer, BufferFree> buffer(xmlBufferCreate());
  if (!buffer) throw Error(Category::Internal, "out of memory", file.string());
  {
    // libxml2 decoded the document from the encoding it declares (or its
    // byte-order mark); written out as UTF-8, indented, declaration apart.
    const std::unique_ptr<xmlSaveCtxt, SaveClose> save(
        xmlSaveToBuffer(buffer.get(), "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL));
    if (!save || xmlSaveDoc(save.get(), doc.get()) < 0) {
      throw Error(Category::Internal, "the XML document could not be written out", file.string());
    }
  }  // xmlSaveClose flushes into the buffer
  const auto* content = reinterpret_cast<const char*>(xmlBufferContent(buffer.get()));
  return declarationOf(*doc) +
         std::string(content ? content : "", static_cast<std::size_t>(xmlBufferLength(buffer.get())));
}

Doc parseMemory(const Bytes& data, const std::string& name) {
  if (data.size() > kMaxDocumentSize) {
    throw Error(Category::Malformed, tr("the XML document is larger than 1 GiB, the most SecureDoc reads"), name);
  }
  return parseWith(name, [&](xmlParserCtxt* c) {
    return xmlCtxtReadMemory(c, reinterpret_cast<const char*>(data.data()), static_cast<int>(data.size()), name.c_str(),
                             nullptr, kParseOptions);
  });
}

AllowedFiles::AllowedFiles(const std::map<std::string, std::filesystem::path>& files) { t_allowed = &files; }
AllowedFiles::~AllowedFiles() { t_allowed = nullptr; }

std::vector<xmlNode*> children(xmlNode* node) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = node ? node->children : nullptr; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

bool is(const xmlNode* node, std::string_view nsPrefix, std::string_view name) {
  if (!node || node->type != XML_ELEMENT_NODE || !node->ns || !node->ns->href) return false;
  const std::string_view href(reinterpret_cast<const char*>(node->ns->href));
  return href.substr(0, nsPrefix.size()) == nsPrefix && name == reinterpret_cast<const char*>(node->name);
}

xmlNode* child(xmlNode* node, std::string_view ns, std::string_view name) {
  for (xmlNode* c : children(node)) {
    if (is(c, ns, name)) return c;
  }
  return nullptr;
}

std::optional<std::string> attribute(const xmlNode* node, const char* name) {
  xmlChar* v = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
  if (!v) return std::nullopt;
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

std::string text(const xmlNode* node) {
  xmlChar* v = xmlNodeGetContent(node);
  if (!v) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

std::string withoutWhiteSpace(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') out.push_back(c);
  }
  return out;
}

std::string qualifiedName(const xmlNode* element) {
  std::string q =
      element->ns && element->ns->prefix ? std::string(reinterpret_cast<const char*>(element->ns->prefix)) + ":" : "";
  return q + reinterpret_cast<const char*>(element->name);
}

bool isInside(const xmlNode* node, const xmlNode* ancestor) {
  for (const xmlNode* n = node; n; n = n->parent) {
    if (n == ancestor) return true;
  }
  return false;
}

std::optional<Bytes> base64(const xmlNode* node) {
  const std::string compact = withoutWhiteSpace(text(node));
  if (compact.empty()) return Bytes{};
  Bytes out(compact.size() / 4 * 3 + 3);
  xmlSecSize written = 0;
  const int rc = xmlSecBase64Decode_ex(reinterpret_cast<const xmlChar*>(compact.c_str()), out.data(),
                                       static_cast<xmlSecSize>(out.size()), &written);
  clearLastError();
  if (rc < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string toBase64(const Bytes& data, bool lineBreaks) {
  xmlChar* b = xmlSecBase64Encode(data.data(), static_cast<xmlSecSize>(data.size()), lineBreaks ? 76 : 0);
  if (!b) throw Error(Category::Internal, "base64 encoding failed");
  std::string s(reinterpret_cast<const char*>(b));
  xmlFree(b);
  return s;
}

namespace {
int inSubtree(void* root, xmlNode* node, xmlNode* parent) {
  // Namespace nodes are xmlNs (no parent pointer): their element is `parent`.
  xmlNode* n = (node == nullptr || node->type == XML_NAMESPACE_DECL) ? parent : node;
  for (; n; n = n->parent) {
    if (n == root) return 1;
  }
  return 0;
}
struct C14nMode {
  int mode;
  bool comments;
};
std::optional<C14nMode> c14nMode(const std::string& a) {
  if (a == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315") return C14nMode{XML_C14N_1_0, false};
  if (a == "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments") return C14nMode{XML_C14N_1_0, true};
  if (a == "http://www.w3.org/2006/12/xml-c14n11") return C14nMode{XML_C14N_1_1, false};
  if (a == "http://www.w3.org/2006/12/xml-c14n11#WithComments") return C14nMode{XML_C14N_1_1, true};
  if (a == "http://www.w3.org/2001/10/xml-exc-c14n#") return C14nMode{XML_C14N_EXCLUSIVE_1_0, false};
  if (a == "http://www.w3.org/2001/10/xml-exc-c14n#WithComments") return C14nMode{XML_C14N_EXCLUSIVE_1_0, true};
  return std::nullopt;
}
}  // namespace

bool isCanonicalisation(const std::string& algorithm) { return c14nMode(algorithm).has_value(); }

std::optional<Bytes> canonicalise(xmlNode* node, const std::string& algorithm,
                                  const std::vector<std::string>& inclusivePrefixes) {
  const auto mode = c14nMode(algorithm);
  if (!mode || !node || !node->doc) return std::nullopt;
  std::vector<xmlChar*> prefixes;
  prefixes.reserve(inclusivePrefixes.size() + 1);
  for (const auto& p : inclusivePrefixes)
    prefixes.push_back(const_cast<xmlChar*>(reinterpret_cast<const xmlChar*>(p.c_str())));
  prefixes.push_back(nullptr);
  xmlOutputBuffer* buf = xmlAllocOutputBuffer(nullptr);
  if (!buf) throw Error(Category::Internal, "out of memory");
  const int rc = xmlC14NExecute(node->doc, inSubtree, node, mode->mode,
                                mode->mode == XML_C14N_EXCLUSIVE_1_0 && prefixes.size() > 1 ? prefixes.data() : nullptr,
                                mode->comments ? 1 : 0, buf);
  std::optional<Bytes> out;
  if (rc >= 0) {
    const xmlChar* p = xmlOutputBufferGetContent(buf);
    out = Bytes(p, p + xmlOutputBufferGetSize(buf));
  }
  xmlOutputBufferClose(buf);
  return out;
}

std::string path(xmlNode* node) {
  // Element names as written (prefix:local), not xmlGetNodePath's "*" for
  // every element in a default namespace: "/Faktura/Zalacznik/Faktura" says
  // where a signed element sits, "/*/*[10]/*" does not.  A position is added
  // where siblings share the name (XPath 1.0 §2.5 abbreviated syntax).
  std::vector<std::string> steps;
  for (xmlNode* n = node; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
    const auto sameName = [n](const xmlNode* o) {
      return o->type == XML_ELEMENT_NODE && xmlStrEqual(o->name, n->name) &&
             xmlStrEqual(o->ns ? o->ns->href : nullptr, n->ns ? n->ns->href : nullptr);
    };
    std::size_t position = 1, count = 0;
    for (xmlNode* o = n->parent ? n->parent->children : n; o; o = o->next) {
      if (!sameName(o)) continue;
      ++count;
      if (o == n) position = count;
    }
    std::string step = qualifiedName(n);
    if (count > 1) step += "[" + std::to_string(position) + "]";
    steps.push_back(std::move(step));
  }
  std::string s;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) s += "/" + *it;
  return s;
}

std::string lastError() { return t_lastError; }
void clearLastError() { t_lastError.clear(); }

}  // namespace securedoc::xml
