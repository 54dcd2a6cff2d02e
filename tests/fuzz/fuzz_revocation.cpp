// libFuzzer target: the revocation data readers on arbitrary bytes: OCSP
// responses (RFC 6960), CRLs (RFC 5280) and the containers that carry them
// (SignedData crls, RevocationValues) through the DER reader.  Nothing may
// escape but a refusal.
#include "../../formats/src/cms_support.h"
#include "../../formats/src/der.h"

#include <securedoc/crypto/revocation.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>

namespace {

using namespace securedoc;

/// A certificate for `key` named `cn`, signed by `signer` (self-signed when
/// `issuer` is null).
Certificate make(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* signer) {
  ossl::X509Ptr x(X509_new());
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), issuer ? 2 : 1);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(x.get()), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(x.get(), issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x.get()));
  X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 86400);
  X509_set_pubkey(x.get(), key);
  X509_sign(x.get(), signer, EVP_sha256());
  return Certificate(x.get());
}

struct Pki {
  ossl::EvpPkey caKey{EVP_EC_gen("P-256")};
  ossl::EvpPkey leafKey{EVP_EC_gen("P-256")};
  Certificate ca = make("Fuzz CA", caKey.get(), nullptr, caKey.get());
  Certificate leaf = make("Fuzz leaf", leafKey.get(), ca.native(), caKey.get());
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Pki pki;
  const Bytes input(data, data + size);
  const std::time_t now = 1767225600;  // fixed: runs must be reproducible
  (void)checkOcspResponse(input, pki.leaf, pki.ca, {}, nullptr, now, {pki.ca});
  (void)checkCrl(input, pki.leaf, pki.ca, now);
  (void)cms::signedDataValidationData(input);
  (void)der::asOcspResponse(input);
  return 0;
}
