#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace securedoc {
using Bytes = std::vector<std::uint8_t>;
/// Upper-case hex without separators ("0A1B...").
std::string toHex(const Bytes& b);
std::string toHex(const std::uint8_t* data, std::size_t len);
/// Standard base64 with padding (RFC 4648 §4).
std::string toBase64(const std::uint8_t* data, std::size_t len);
std::string toBase64(const Bytes& b);
/// Strict standard base64 with padding: nullopt for an empty text, a length
/// that is not a multiple of 4, any character outside the alphabet
/// (white space included) or padding anywhere but at the end.
std::optional<Bytes> fromBase64(std::string_view text);
}  // namespace securedoc
