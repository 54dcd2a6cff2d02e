#pragma once
// Keys a service keeps on one PKCS#11 token — the reference cloud service's
// HSM (SoftHSM2 in the demo): generated inside the token as private,
// sensitive and never extractable; used from many threads at once.
#include <securedoc/base/bytes.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/crypto/signer.h>

#include <memory>
#include <string>
#include <vector>

namespace securedoc {

class Pkcs11KeyStore {
 public:
  enum class KeyKind { Rsa2048, Rsa3072, EcP256 };
  struct Generated {
    Bytes id;            ///< CKA_ID of both halves
    Bytes publicKeyDer;  ///< SubjectPublicKeyInfo, for the certificate request
  };

  /// Opens the one token `uri` (RFC 7512, module-path= or p11-kit's
  /// modules) selects and logs in with the user PIN `pin`, which is wiped.
  /// Throws Error(Usage) when no token or several match, Error(Password)
  /// for a wrong or locked PIN, Error(Io) when the module cannot be loaded.
  Pkcs11KeyStore(const std::string& uri, std::string pin);
  ~Pkcs11KeyStore();
  Pkcs11KeyStore(const Pkcs11KeyStore&) = delete;
  Pkcs11KeyStore& operator=(const Pkcs11KeyStore&) = delete;

  std::string tokenLabel() const;
  /// Generates a key pair inside the token (a random 16-byte CKA_ID).
  Generated generate(KeyKind kind, const std::string& label);
  /// The public key of the pair `id`, as SubjectPublicKeyInfo DER.
  /// Throws Error(Usage) when the token has no such key.
  Bytes publicKey(const Bytes& id);
  /// Signs each digest with the private key `id` (values in CMS form, as
  /// Signer::signDigests).  Thread-safe: each call borrows a session.
  std::vector<Bytes> sign(const Bytes& id, DigestAlgorithm alg, SignatureScheme scheme,
                          const std::vector<Bytes>& digests);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace securedoc
