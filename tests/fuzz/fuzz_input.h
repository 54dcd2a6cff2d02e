#pragma once
// Hands the fuzzer's bytes to a reader that takes a path: an anonymous
// in-memory file, reached through /proc/self/fd.
#include <cstddef>
#include <cstdint>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace securedoc::fuzz {

template <class Fn>
void withFile(const std::uint8_t* data, std::size_t size, Fn&& fn) {
  const int fd = memfd_create("securedoc-fuzz", MFD_CLOEXEC);
  if (fd < 0) return;
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  fn("/proc/self/fd/" + std::to_string(fd));
  close(fd);
}

}  // namespace securedoc::fuzz
