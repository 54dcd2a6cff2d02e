#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace securedoc {
using Bytes = std::vector<std::uint8_t>;
/// Upper-case hex without separators ("0A1B...").
std::string toHex(const Bytes& b);
std::string toHex(const std::uint8_t* data, std::size_t len);
}  // namespace securedoc
