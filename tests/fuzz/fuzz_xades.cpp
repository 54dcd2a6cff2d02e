// libFuzzer target: the XML reader and the XAdES / XML-DSig verifier on
// arbitrary bytes.  Only securedoc::Error may escape.
#include "fuzz_input.h"

#include <securedoc/base/error.h>
#include <securedoc/formats/xades.h>

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
  });
  return 0;
}
