#pragma once
// Signer backend over PKCS#11 (smart cards, USB tokens, HSMs), through
// p11-kit: the modules p11-kit has configured, or one module named by path.
// A token and its objects are chosen with an RFC 7512 `pkcs11:` URI.
#include <securedoc/crypto/signer.h>

#include <memory>
#include <string>
#include <vector>

namespace securedoc {

/// A token as a person sees it in a list (GUI device tab, `certs`).
struct TokenInfo {
  std::string module;  ///< the module's file (from p11-kit)
  unsigned long slotId = 0;
  std::string slotDescription;
  std::string label;
  std::string manufacturer;
  std::string model;
  std::string serial;
  bool loginRequired = false;
  bool protectedAuthenticationPath = false;  ///< PIN pad on the reader
  bool pinCountLow = false;                  ///< a wrong PIN was entered since the last good one
  bool pinFinalTry = false;                  ///< one more wrong PIN locks it
  bool pinLocked = false;
};

class Pkcs11Signer final : public Signer {
 public:
  /// `uri` is the part after "pkcs11:" in a signer SPEC, or the whole
  /// "pkcs11:..." URI.  Path attributes choose tokens (token, manufacturer,
  /// serial, model, slot-id...) and objects (object, id, type); the query may
  /// name a module (module-path=/usr/lib/.../x.so or module-name=) and a PIN
  /// file (pin-source=).  A PIN on the command line (pin-value) is refused.
  /// Loads and initialises the modules; throws Error(Usage) for a bad URI or
  /// when no token matches, Error(Io) when the module cannot be loaded,
  /// Error(Crypto) when it fails to start.
  Pkcs11Signer(const std::string& uri, Interaction& interaction);
  ~Pkcs11Signer() override;
  Pkcs11Signer(const Pkcs11Signer&) = delete;
  Pkcs11Signer& operator=(const Pkcs11Signer&) = delete;

  std::string description() const override;
  /// The tokens the URI matches (present tokens only).
  std::vector<TokenInfo> tokens() const;
  /// Returns every certificate the URI selects that has its key on the same
  /// token (paired by CKA_ID).  Without the PIN when every selected
  /// certificate shows a key before login (a public key will do; the private
  /// key is then found at signing); otherwise logs in to the token first
  /// (its PIN asked once).  `id` of each is a pkcs11: URI
  /// selecting exactly that key.  Issuer certificates found on the token
  /// fill `chain`.  Throws Error(Usage) naming what is wrong when the
  /// selection holds no usable pair: an empty token, a certificate without
  /// a key, a key without a certificate.
  std::vector<OfferedCertificate> certificates() override;
  /// One login covers the whole batch.  RSA PKCS#1 v1.5 (CKM_RSA_PKCS with
  /// the DigestInfo), RSA-PSS (CKM_RSA_PKCS_PSS, MGF1 with the same hash,
  /// salt as long as the hash) and ECDSA (CKM_ECDSA; raw r||s returned as
  /// DER).  Keys with CKA_ALWAYS_AUTHENTICATE get a context-specific login
  /// per signature from the PIN held for the batch and wiped after it.
  std::vector<Bytes> signDigests(const OfferedCertificate& cert, DigestAlgorithm alg, SignatureScheme scheme,
                                 const std::vector<Bytes>& digests) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace securedoc
