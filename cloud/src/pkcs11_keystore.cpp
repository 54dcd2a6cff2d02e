// The service's keys on a PKCS#11 token: generation inside the token,
// public key export, and signing from a pool of sessions (PKCS#11 login
// state is per application and token, so one login covers every session).
#include "pkcs11_support.h"

#include <securedoc/crypto/ossl.h>
#include <securedoc/cloud/pkcs11_keystore.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <map>
#include <mutex>

namespace securedoc {

using namespace p11;

namespace {

using ParamBld = ossl::Ptr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Params = ossl::Ptr<OSSL_PARAM, OSSL_PARAM_free>;

/// DER OID of prime256v1 (RFC 5480), the CKA_EC_PARAMS of a P-256 key.
Bytes p256Params() { return {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}; }

Bytes spkiDer(EVP_PKEY* key) {
  return ossl::der(i2d_PUBKEY, key, Category::Crypto, tr("cannot encode the public key"));
}

ossl::EvpPkey keyFromParams(const char* type, OSSL_PARAM* params) {
  ossl::EvpPkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    throwOpenSsl(Category::Crypto, tr("the token's public key cannot be read"));
  }
  return ossl::EvpPkey(key);
}

}  // namespace

struct Pkcs11KeyStore::Impl {
  Modules modules;  // declared first: destroyed after the sessions
  CK_FUNCTION_LIST* f = nullptr;
  CK_SLOT_ID slot = 0;
  std::string label;
  std::unique_ptr<Session> loginSession;  ///< holds the login for the store's life

  std::mutex mutex;
  std::vector<std::unique_ptr<Session>> idle;
  std::map<Bytes, std::pair<CK_OBJECT_HANDLE, CK_KEY_TYPE>> keys;  ///< private keys by CKA_ID

  /// A session from the pool, returned on destruction.
  class Lease {
   public:
    explicit Lease(Impl& impl) : m_impl(impl) {
      std::lock_guard<std::mutex> lock(m_impl.mutex);
      if (!m_impl.idle.empty()) {
        m_session = std::move(m_impl.idle.back());
        m_impl.idle.pop_back();
      }
    }
    ~Lease() {
      if (!m_session) return;
      std::lock_guard<std::mutex> lock(m_impl.mutex);
      m_impl.idle.push_back(std::move(m_session));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Session& get() {
      if (!m_session) m_session = std::make_unique<Session>(m_impl.f, m_impl.slot, m_impl.label, true);
      return *m_session;
    }

   private:
    Impl& m_impl;
    std::unique_ptr<Session> m_session;
  };

  std::optional<CK_OBJECT_HANDLE> find(Session& s, CK_OBJECT_CLASS cls, const Bytes& id) {
    Bytes idCopy = id;
    CK_ATTRIBUTE tmpl[2] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, idCopy.data(), idCopy.size()}};
    CK_RV rv = f->C_FindObjectsInit(s.h, tmpl, 2);
    if (rv != CKR_OK) throwRv(rv, Category::Crypto, format(tr("cannot list the objects of token \"{0}\""), {label}));
    CK_OBJECT_HANDLE h = 0;
    CK_ULONG n = 0;
    rv = f->C_FindObjects(s.h, &h, 1, &n);
    f->C_FindObjectsFinal(s.h);
    if (rv != CKR_OK) throwRv(rv, Category::Crypto, format(tr("cannot list the objects of token \"{0}\""), {label}));
    if (n == 0) return std::nullopt;
    return h;
  }

  std::pair<CK_OBJECT_HANDLE, CK_KEY_TYPE> privateKey(Session& s, const Bytes& id) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (auto it = keys.find(id); it != keys.end()) return it->second;
    }
    const auto h = find(s, CKO_PRIVATE_KEY, id);
    if (!h)
      throw Error(Category::Usage, format(tr("token \"{0}\" has no private key with CKA_ID {1}"), {label, hex(id)}));
    const std::pair<CK_OBJECT_HANDLE, CK_KEY_TYPE> key{*h, ulongAttribute(f, s.h, *h, CKA_KEY_TYPE, CKK_RSA)};
    std::lock_guard<std::mutex> lock(mutex);
    keys[id] = key;
    return key;
  }
};

Pkcs11KeyStore::Pkcs11KeyStore(const std::string& uri, std::string pinIn) : m_impl(std::make_unique<Impl>()) {
  SecretString pin(std::move(pinIn));
  Impl& d = *m_impl;
  const ParsedUri parsed = parseUri(uri);
  loadModules(d.modules, parsed);
  const auto found = matchTokens(d.modules, parsed.uri.get());
  if (found.size() != 1) {
    throw Error(Category::Usage, found.empty()
                                     ? format(tr("no PKCS#11 token matches {0}"), {parsed.text})
                                     : format(tr("several PKCS#11 tokens match {0}; name one"), {parsed.text}));
  }
  d.f = found[0].module;
  d.slot = found[0].slot;
  d.label = spaceTrimmed(found[0].tokenInfo.label, sizeof found[0].tokenInfo.label);
  d.loginSession = std::make_unique<Session>(d.f, d.slot, d.label, true);
  CK_RV rv = d.f->C_Login(d.loginSession->h, CKU_USER, pinBytes(pin), pin.size());
  if (rv == CKR_USER_ALREADY_LOGGED_IN) rv = CKR_OK;
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE)
    throwRv(rv, Category::Password, format(tr("wrong PIN for token \"{0}\""), {d.label}));
  if (rv == CKR_PIN_LOCKED) {
    throwRv(rv, Category::Password,
            format(tr("the PIN of token \"{0}\" is locked; unblock it with the PUK or the security officer's PIN "
                      "before signing"),
                   {d.label}));
  }
  if (rv != CKR_OK) throwRv(rv, Category::Crypto, format(tr("cannot log in to token \"{0}\""), {d.label}));
  d.loginSession->loggedIn = true;
}

Pkcs11KeyStore::~Pkcs11KeyStore() {
  // The pooled sessions close before the login session logs out.
  m_impl->idle.clear();
}

std::string Pkcs11KeyStore::tokenLabel() const { return m_impl->label; }

Pkcs11KeyStore::Generated Pkcs11KeyStore::generate(KeyKind kind, const std::string& labelIn) {
  Impl& d = *m_impl;
  Bytes id(16);
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1) throwOpenSsl(Category::Crypto, tr("no random numbers"));
  std::string label = labelIn;
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL no = CK_FALSE;
  CK_ULONG bits = kind == KeyKind::Rsa3072 ? 3072 : 2048;
  unsigned char exponent[] = {0x01, 0x00, 0x01};
  Bytes ecParams = p256Params();
  const bool ec = kind == KeyKind::EcP256;
  std::vector<CK_ATTRIBUTE> pub{{CKA_TOKEN, &yes, sizeof yes},
                                {CKA_VERIFY, &yes, sizeof yes},
                                {CKA_ID, id.data(), id.size()},
                                {CKA_LABEL, label.data(), label.size()}};
  if (ec) {
    pub.push_back({CKA_EC_PARAMS, ecParams.data(), ecParams.size()});
  } else {
    pub.push_back({CKA_MODULUS_BITS, &bits, sizeof bits});
    pub.push_back({CKA_PUBLIC_EXPONENT, exponent, sizeof exponent});
  }
  std::vector<CK_ATTRIBUTE> priv{{CKA_TOKEN, &yes, sizeof yes},          {CKA_PRIVATE, &yes, sizeof yes},
                                 {CKA_SENSITIVE, &yes, sizeof yes},      {CKA_EXTRACTABLE, &no, sizeof no},
                                 {CKA_SIGN, &yes, sizeof yes},           {CKA_ID, id.data(), id.size()},
                                 {CKA_LABEL, label.data(), label.size()}};
  CK_MECHANISM mech{ec ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  Impl::Lease lease(d);
  Session& s = lease.get();
  CK_OBJECT_HANDLE hPub = 0;
  CK_OBJECT_HANDLE hPriv = 0;
  const CK_RV rv = d.f->C_GenerateKeyPair(s.h, &mech, pub.data(), pub.size(), priv.data(), priv.size(), &hPub, &hPriv);
  if (rv != CKR_OK) throwRv(rv, Category::Crypto, format(tr("token \"{0}\" could not generate a key pair"), {d.label}));
  return Generated{id, publicKey(id)};
}

Bytes Pkcs11KeyStore::publicKey(const Bytes& id) {
  Impl& d = *m_impl;
  Impl::Lease lease(d);
  Session& s = lease.get();
  const auto h = d.find(s, CKO_PUBLIC_KEY, id);
  if (!h)
    throw Error(Category::Usage, format(tr("token \"{0}\" has no public key with CKA_ID {1}"), {d.label, hex(id)}));
  const CK_KEY_TYPE type = ulongAttribute(d.f, s.h, *h, CKA_KEY_TYPE, CKK_RSA);
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld) throw std::bad_alloc();
  const char* opensslType = nullptr;
  ossl::Bignum n;
  ossl::Bignum e;
  Bytes point;
  if (type == CKK_RSA) {
    const auto modulus = attribute(d.f, s.h, *h, CKA_MODULUS);
    const auto exponent = attribute(d.f, s.h, *h, CKA_PUBLIC_EXPONENT);
    if (!modulus || !exponent) throw Error(Category::Crypto, tr("the token's public key cannot be read"));
    n.reset(BN_bin2bn(modulus->data(), static_cast<int>(modulus->size()), nullptr));
    e.reset(BN_bin2bn(exponent->data(), static_cast<int>(exponent->size()), nullptr));
    if (!n || !e || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
      throwOpenSsl(Category::Crypto, tr("the token's public key cannot be read"));
    }
    opensslType = "RSA";
  } else if (type == CKK_EC) {
    const auto params = attribute(d.f, s.h, *h, CKA_EC_PARAMS);
    const auto encoded = attribute(d.f, s.h, *h, CKA_EC_POINT);
    if (!params || *params != p256Params() || !encoded) {
      throw Error(Category::Unsupported, tr("only P-256 keys are supported on the service's token"));
    }
    // CKA_EC_POINT is the point inside a DER OCTET STRING (PKCS#11 2.40 §2.3.3).
    const unsigned char* p = encoded->data();
    ossl::Asn1OctetString os(d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(encoded->size())));
    if (!os) throwOpenSsl(Category::Crypto, tr("the token's public key cannot be read"));
    point.assign(ASN1_STRING_get0_data(os.get()), ASN1_STRING_get0_data(os.get()) + ASN1_STRING_length(os.get()));
    if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
      throwOpenSsl(Category::Crypto, tr("the token's public key cannot be read"));
    }
    opensslType = "EC";
  } else {
    throw Error(Category::Unsupported, tr("only RSA and P-256 keys are supported on the service's token"));
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) throwOpenSsl(Category::Crypto, tr("the token's public key cannot be read"));
  const ossl::EvpPkey key = keyFromParams(opensslType, params.get());
  return spkiDer(key.get());
}

std::vector<Bytes> Pkcs11KeyStore::sign(const Bytes& id, DigestAlgorithm alg, SignatureScheme scheme,
                                        const std::vector<Bytes>& digests) {
  Impl& d = *m_impl;
  for (const Bytes& dg : digests) {
    if (dg.size() != digestSize(alg)) throw Error(Category::Usage, tr("a hash has the wrong length for its algorithm"));
  }
  Impl::Lease lease(d);
  Session& s = lease.get();
  const auto [key, type] = d.privateKey(s, id);
  if ((type == CKK_EC) != (scheme == SignatureScheme::Ecdsa)) {
    throw Error(Category::Usage, tr("the signature algorithm does not fit the key"));
  }
  std::vector<Bytes> out;
  out.reserve(digests.size());
  for (const Bytes& dg : digests) out.push_back(signDigest(s, key, alg, scheme, dg, false, nullptr, d.label, hex(id)));
  return out;
}

}  // namespace securedoc
