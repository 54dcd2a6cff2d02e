#pragma once
// The signer backend contract (ARCHITECTURE.md "Signing (two phases)"): a backend offers
// certificates and signs a batch of digests at once, so one authorisation
// (PIN, OTP) covers every file of a batch.  Format modules never see keys.
#include <securedoc/base/bytes.h>
#include <securedoc/base/secret.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/digest.h>

#include <functional>
#include <string>
#include <vector>

namespace securedoc {

/// What the user is asked for.  `ui/` and the CLI implement it; tests answer
/// directly.  Nothing below `app/` shows a dialog.
class Interaction {
 public:
  enum class Secret { Password, Pin, Otp };
  virtual ~Interaction() = default;
  /// Ask for a secret.  `what` names the object (file, token, account).
  /// Throws Error(Cancelled) when the user declines.  The answer is wiped
  /// when the caller drops it.
  virtual SecretString askSecret(Secret kind, const std::string& what) = 0;
  /// Progress of a batch; `done` of `total` items.
  virtual void progress(std::size_t done, std::size_t total, const std::string& item) {
    (void)done;
    (void)total;
    (void)item;
  }
  /// Polled between items; true stops the job with Error(Cancelled).
  virtual bool cancelled() { return false; }
};

/// How a signature value is computed from a digest.
enum class SignatureScheme { RsaPkcs1v15, RsaPss, Ecdsa };

struct OfferedCertificate {
  Certificate certificate;
  /// Issuing certificates the backend knows (to embed in signatures).
  std::vector<Certificate> chain;
  /// Backend-specific handle (a pkcs11: URI, a CSC credential id...).
  std::string id;
  /// Where the key lives, for people: the token's label, the file, the account.
  std::string location;
  /// The key's own name there (PKCS#11 CKA_LABEL), if any.
  std::string label;
  /// The key's identifier there in hex (PKCS#11 CKA_ID), if any.
  std::string keyId;
};

class Signer {
 public:
  virtual ~Signer() = default;
  /// A short description for messages ("PKCS#12 file signer.p12").
  virtual std::string description() const = 0;
  /// The certificates this backend can sign with.
  virtual std::vector<OfferedCertificate> certificates() = 0;
  /// Signs every digest with the key of `cert` and returns one value per
  /// digest, in order.  Values are in CMS form: RSA PKCS#1 v1.5 or PSS
  /// octets, ECDSA as a DER ECDSA-Sig-Value.
  virtual std::vector<Bytes> signDigests(const OfferedCertificate& cert, DigestAlgorithm alg, SignatureScheme scheme,
                                         const std::vector<Bytes>& digests) = 0;
};

/// Convert between raw r||s (PKCS#11, XML-DSig) and DER ECDSA-Sig-Value (CMS).
Bytes ecdsaRawToDer(const Bytes& raw);
Bytes ecdsaDerToRaw(const Bytes& der, std::size_t fieldSize);

}  // namespace securedoc
