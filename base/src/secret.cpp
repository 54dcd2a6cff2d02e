#include <securedoc/base/secret.h>

#include <openssl/crypto.h>

namespace securedoc {

void wipe(void* p, std::size_t n) noexcept {
  if (p != nullptr && n > 0) OPENSSL_cleanse(p, n);
}

void wipe(std::string& s) noexcept {
  // capacity() counts the characters the buffer holds besides the
  // terminator: a short string's in-object buffer too.
  wipe(s.data(), s.capacity());
  s.clear();
}

void wipe(Bytes& b) noexcept {
  wipe(b.data(), b.capacity());
  b.clear();
}

}  // namespace securedoc
