#pragma once
// Signer backend over a PKCS#12 file (.p12/.pfx) holding one key, its
// certificate and optionally the issuing chain.
#include <securedoc/crypto/signer.h>

#include <filesystem>
#include <memory>

namespace securedoc {

class Pkcs12Signer final : public Signer {
 public:
  /// Opens the file and asks `interaction` for its password.  Throws
  /// Error(Io) if unreadable, Error(Malformed) if not PKCS#12,
  /// Error(Password) if the password is wrong.
  Pkcs12Signer(const std::filesystem::path& file, Interaction& interaction);
  ~Pkcs12Signer() override;

  std::string description() const override;
  std::vector<OfferedCertificate> certificates() override;
  std::vector<Bytes> signDigests(const OfferedCertificate& cert, DigestAlgorithm alg, SignatureScheme scheme,
                                 const std::vector<Bytes>& digests) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace securedoc
