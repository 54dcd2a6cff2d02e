// libFuzzer target: the XML reader, the XAdES / XML-DSig verifier and the
// preview's pretty-printer on arbitrary bytes.  Only securedoc::Error may escape.
#include "fuzz_input.h"

#include <securedoc/base/error.h>
#include <securedoc/formats/xades.h>
#include <securedoc/formats/xml_text.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static securedoc::XadesModule xades;
  securedoc::fuzz::withFile(data, size, [](const std::string& path) {
    securedoc::VerifyOptions options;
    options.time = 1767225600;  // fixed: runs must be reproducible
    try {
      (void)xades.verify(path, options);
    } catch (const securedoc::Error&) {
    }
    try {
      (void)xades.inspect(path);
    } catch (const securedoc::Error&) {
    }
    try {
      (void)securedoc::prettyXml(path, 1U << 20U);
    } catch (const securedoc::Error&) {
    }
  });
  return 0;
}
