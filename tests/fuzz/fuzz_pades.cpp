// libFuzzer target: the PDF signature reader and verifier on arbitrary bytes.
// Only securedoc::Error may escape.
#include <securedoc/crypto/error.h>
#include <securedoc/formats/pades.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static securedoc::PadesModule pades;
  const int fd = memfd_create("securedoc-fuzz", MFD_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  securedoc::VerifyOptions options;
  options.time = 1767225600;  // fixed: runs must be reproducible
  try {
    (void)pades.verify(path, options);
  } catch (const securedoc::Error&) {
  }
  close(fd);
  return 0;
}
