#pragma once
// Streaming message digests: files of any size in constant memory.
#include <securedoc/base/bytes.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

namespace securedoc {

enum class DigestAlgorithm { Sha256, Sha384, Sha512 };

/// "SHA-256" etc., as in the JSON report.
const char* digestName(DigestAlgorithm alg);
/// Parses "sha256", "SHA-256", "sha-384"...; throws Error(Usage) otherwise.
DigestAlgorithm parseDigestAlgorithm(std::string_view name);
std::size_t digestSize(DigestAlgorithm alg);

class Digester final {
 public:
  explicit Digester(DigestAlgorithm alg);
  ~Digester();
  Digester(Digester&&) noexcept;
  Digester& operator=(Digester&&) noexcept;
  Digester(const Digester&) = delete;
  Digester& operator=(const Digester&) = delete;

  void update(const void* data, std::size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  /// Finishes; the object may not be updated afterwards.
  Bytes finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

/// Digest of a memory buffer.
Bytes digest(DigestAlgorithm alg, const void* data, std::size_t len);
inline Bytes digest(DigestAlgorithm alg, const Bytes& b) { return digest(alg, b.data(), b.size()); }
/// Digest of a whole file, read in fixed-size blocks (constant memory).
/// Throws Error(Io) naming the file when it cannot be read.
Bytes digestFile(DigestAlgorithm alg, const std::filesystem::path& file);

/// Reads a whole file into memory (for small inputs: certificates, signatures).
/// Throws Error(Io) when unreadable and Error(Malformed) when over `maxSize`.
Bytes readFile(const std::filesystem::path& file, std::size_t maxSize = 64u << 20);

/// Up to `length` bytes from `offset` (fewer at the end of the file).
/// Throws Error(Io) when the file cannot be opened.
Bytes readFileRange(const std::filesystem::path& file, std::uint64_t offset, std::uint64_t length);

}  // namespace securedoc
