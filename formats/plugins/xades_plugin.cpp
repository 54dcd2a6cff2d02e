// securedoc_xades.so: XAdES on libxml2 and xmlsec (securedoc_xades_impl)
// behind the table of formats/src/xades_backend.h, loaded by XadesModule on
// first use.  The libraries it links are hidden inside it
// (--exclude-libs), so its copies of SecureDoc's own code never stand in for
// the program's.
#include "../src/xades_backend.h"
#include "../src/xades_internal.h"
#include "../src/xml_support.h"

namespace {

const securedoc::XadesBackend kBackend{securedoc::XadesBackend::kVersion, &securedoc::xades::prepareSignature,
                                       &securedoc::xades::verifyFile,     &securedoc::xades::inspectFile,
                                       &securedoc::xml::prettyPrint,      &securedoc::xades::extendFile};

}  // namespace

extern "C" __attribute__((visibility("default"))) const securedoc::XadesBackend* securedoc_xades_backend() {
  return &kBackend;
}
