// libFuzzer target: the CAdES reader and verifier on arbitrary bytes.  Only
// securedoc::Error may escape (one libFuzzer target per parser of untrusted input).
#include "fuzz_input.h"

#include <securedoc/base/error.h>
#include <securedoc/formats/cades.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static securedoc::CadesModule cades;
  securedoc::fuzz::withFile(data, size, [](const std::string& path) {
    securedoc::VerifyOptions options;
    options.time = 1767225600;  // fixed: runs must be reproducible
    try {
      (void)cades.verify(path, options);
    } catch (const securedoc::Error&) {
    }
    try {
      (void)cades.inspect(path);
    } catch (const securedoc::Error&) {
    }
  });
  return 0;
}
