// XadesModule: what needs only a file's first bytes is answered here; making,
// verifying and inspecting signatures goes to the XAdES module
// (xades_backend.h), and so does prettyXml (xml_text.h): libxml2 is loaded
// only with that module.
#include "xades_backend.h"

#include <securedoc/base/error.h>
#include <securedoc/base/library.h>
#include <securedoc/formats/xades.h>
#include <securedoc/formats/xml_text.h>
#include <securedoc/i18n.h>

namespace securedoc {

namespace fs = std::filesystem;

namespace {

constexpr const char* kModule = "securedoc_xades.so";
constexpr const char* kEntry = "securedoc_xades_backend";

}  // namespace

Packaging xadesPackagingFor(const ContentSniff& c) {
  return looksLikeXml(c.head) ? Packaging::Enveloped : Packaging::Detached;
}

const XadesBackend& xadesBackend() { return moduleTable<XadesBackend>(kModule, kEntry); }

bool XadesModule::recognises(const ContentSniff& c) const { return looksLikeXml(c.head); }
bool XadesModule::isDefaultFor(const ContentSniff& c) const { return looksLikeXml(c.head); }
bool XadesModule::canSign(const ContentSniff&) const { return true; }
Packaging XadesModule::packagingFor(const ContentSniff& c) const { return xadesPackagingFor(c); }

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
                                                       const OfferedCertificate& cert) {
  return xadesBackend().prepare(input, params, cert);
}

VerificationReport XadesModule::verify(const fs::path& file, const VerifyOptions& options) {
  return xadesBackend().verify(file, options);
}

Inspection XadesModule::inspect(const fs::path& file) { return xadesBackend().inspect(file); }

std::vector<ExtendedSignature> XadesModule::extend(const fs::path& file, AtomicFile& out, const SignParams& params) {
  return xadesBackend().extend(file, out, params);
}

std::string prettyXml(const fs::path& file, std::uintmax_t maxBytes) {
  return xadesBackend().prettyXml(file, maxBytes);
}

}  // namespace securedoc
