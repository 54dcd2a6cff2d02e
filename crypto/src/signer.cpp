#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/signer.h>
#include <securedoc/i18n.h>

namespace securedoc {

Bytes ecdsaRawToDer(const Bytes& raw) {
  if (raw.empty() || raw.size() % 2 != 0) {
    throw Error(Category::Crypto, tr("an ECDSA signature value has an odd length"));
  }
  const int half = static_cast<int>(raw.size() / 2);
  ossl::EcdsaSig sig(ECDSA_SIG_new());
  ossl::Bignum r(BN_bin2bn(raw.data(), half, nullptr));
  ossl::Bignum s(BN_bin2bn(raw.data() + half, half, nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    throwOpenSsl(Category::Crypto, tr("cannot encode an ECDSA signature value"));
  }
  (void)r.release();
  (void)s.release();
  return ossl::der(i2d_ECDSA_SIG, sig.get(), Category::Crypto, tr("cannot encode an ECDSA signature value"));
}

Bytes ecdsaDerToRaw(const Bytes& der, std::size_t fieldSize) {
  const unsigned char* p = der.data();
  ossl::EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) throwOpenSsl(Category::Crypto, tr("not a DER ECDSA signature value"));
  Bytes raw(fieldSize * 2);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), static_cast<int>(fieldSize)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + fieldSize, static_cast<int>(fieldSize)) < 0) {
    throwOpenSsl(Category::Crypto, tr("an ECDSA signature value does not fit the curve"));
  }
  return raw;
}

}  // namespace securedoc
