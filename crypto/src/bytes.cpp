#include <securedoc/crypto/bytes.h>

namespace securedoc {

std::string toHex(const std::uint8_t* data, std::size_t len) {
  static const char digits[] = "0123456789ABCDEF";
  std::string s;
  s.reserve(len * 2);
  for (std::size_t i = 0; i < len; ++i) {
    s += digits[data[i] >> 4];
    s += digits[data[i] & 0x0F];
  }
  return s;
}

std::string toHex(const Bytes& b) { return toHex(b.data(), b.size()); }

}  // namespace securedoc
