// PKCS#11 through p11-kit: module loading, RFC 7512 URI parsing and matching
// come from p11-kit; sessions, login, object pairing and signing are ours.
#include "pkcs11_support.h"

#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/pkcs11_signer.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace securedoc {

namespace {

using namespace p11;

struct Token {
  CK_FUNCTION_LIST* module = nullptr;
  TokenInfo info;
  CK_TOKEN_INFO raw{};
  std::unique_ptr<Session> session;
};

/// A certificate and its private key, paired by CKA_ID on one token.
struct Pair {
  OfferedCertificate offered;
  Token* token = nullptr;
  Bytes ckaId;
  CK_OBJECT_HANDLE key = 0;  ///< 0 until login when listed by its public key
  CK_KEY_TYPE keyType = CKK_RSA;
  bool alwaysAuthenticate = false;
};

TokenInfo describe(CK_FUNCTION_LIST* module, CK_SLOT_ID slot, const CK_SLOT_INFO& si, const CK_TOKEN_INFO& ti) {
  TokenInfo t;
  t.module = takeString(p11::kit().module_get_filename(module));
  t.slotId = slot;
  t.slotDescription = spaceTrimmed(si.slotDescription, sizeof si.slotDescription);
  t.label = spaceTrimmed(ti.label, sizeof ti.label);
  t.manufacturer = spaceTrimmed(ti.manufacturerID, sizeof ti.manufacturerID);
  t.model = spaceTrimmed(ti.model, sizeof ti.model);
  t.serial = spaceTrimmed(ti.serialNumber, sizeof ti.serialNumber);
  t.loginRequired = (ti.flags & CKF_LOGIN_REQUIRED) != 0;
  t.protectedAuthenticationPath = (ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
  t.pinCountLow = (ti.flags & CKF_USER_PIN_COUNT_LOW) != 0;
  t.pinFinalTry = (ti.flags & CKF_USER_PIN_FINAL_TRY) != 0;
  t.pinLocked = (ti.flags & CKF_USER_PIN_LOCKED) != 0;
  return t;
}

SecretString readPinSource(const std::string& source) {
  std::string path = source;
  if (path.rfind("file:", 0) == 0) path = path.substr(5);
  Bytes data = readFile(path, 64u << 10);
  const auto end = std::find_if(data.begin(), data.end(), [](unsigned char c) { return c == '\r' || c == '\n'; });
  SecretString pin(
      std::string_view(reinterpret_cast<const char*>(data.data()), static_cast<std::size_t>(end - data.begin())));
  wipe(data);
  return pin;
}

}  // namespace

// ---------------------------------------------------------------- signer

struct Pkcs11Signer::Impl {
  Interaction* interaction = nullptr;
  std::string uriText;
  std::string modulePath;
  std::string pinSource;
  Uri uri;
  Modules modules;  // declared before tokens: sessions close first
  std::vector<std::unique_ptr<Token>> tokens;
  std::optional<std::vector<Pair>> pairs;

  /// The URI's object selection: label, id, class (empty when not given).
  std::optional<std::string> objectLabel() const {
    const CK_ATTRIBUTE* a = p11::kit().uri_get_attribute(uri.get(), CKA_LABEL);
    if (!a) return std::nullopt;
    return std::string(static_cast<const char*>(a->pValue), a->ulValueLen);
  }
  std::optional<Bytes> objectId() const {
    const CK_ATTRIBUTE* a = p11::kit().uri_get_attribute(uri.get(), CKA_ID);
    if (!a) return std::nullopt;
    const auto* p = static_cast<const unsigned char*>(a->pValue);
    return Bytes(p, p + a->ulValueLen);
  }
  std::optional<CK_OBJECT_CLASS> objectClass() const {
    const CK_ATTRIBUTE* a = p11::kit().uri_get_attribute(uri.get(), CKA_CLASS);
    if (!a || a->ulValueLen != sizeof(CK_OBJECT_CLASS)) return std::nullopt;
    CK_OBJECT_CLASS c = 0;
    std::memcpy(&c, a->pValue, sizeof c);
    return c;
  }
  bool selects(CK_OBJECT_CLASS cls, const std::string& label, const Bytes& id) const {
    if (auto c = objectClass(); c && *c != cls) return false;
    if (auto l = objectLabel(); l && *l != label) return false;
    if (auto i = objectId(); i && *i != id) return false;
    return true;
  }

  void findTokens();
  void login(Token& t);
  struct Scan {
    std::vector<Pair> pairs;
    std::vector<std::string> problems;
    bool anyObject = false;
  };
  Scan scanToken(Token& t, bool publicKeysPair);
  std::vector<Pair> collectPairs();
  void resolveKey(Pair& p);
  std::string keyUri(const Token& t, const std::string& label, const Bytes& id) const;
};

void Pkcs11Signer::Impl::findTokens() {
  for (const FoundToken& f : matchTokens(modules, uri.get())) {
    auto t = std::make_unique<Token>();
    t->module = f.module;
    t->raw = f.tokenInfo;
    t->info = describe(f.module, f.slot, f.slotInfo, f.tokenInfo);
    tokens.push_back(std::move(t));
  }
}

void Pkcs11Signer::Impl::login(Token& t) {
  if (!t.session) t.session = std::make_unique<Session>(t.module, t.info.slotId, t.info.label);
  if (t.session->loggedIn || !t.info.loginRequired) return;
  // Fresh flags: another program may have used the token since we listed it.
  CK_TOKEN_INFO ti{};
  if (t.module->C_GetTokenInfo(t.info.slotId, &ti) == CKR_OK) t.info.pinLocked = (ti.flags & CKF_USER_PIN_LOCKED) != 0;
  if (t.info.pinLocked) {
    throw Error(Category::Password, format(tr("the PIN of token \"{0}\" is locked; unblock it with the PUK or the "
                                              "security officer's PIN before signing"),
                                           {t.info.label}));
  }
  CK_RV rv;
  if (t.info.protectedAuthenticationPath) {
    rv = t.module->C_Login(t.session->h, CKU_USER, nullptr, 0);  // the reader's PIN pad asks
  } else {
    SecretString pin(pinSource.empty()
                         ? interaction->askSecret(Interaction::Secret::Pin, format(tr("token \"{0}\""), {t.info.label}))
                         : readPinSource(pinSource));
    rv = t.module->C_Login(t.session->h, CKU_USER, pinBytes(pin), pin.size());
  }
  if (rv == CKR_USER_ALREADY_LOGGED_IN) rv = CKR_OK;
  if (rv == CKR_OK) {
    t.session->loggedIn = true;
    return;
  }
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE) {
    std::string msg = format(tr("wrong PIN for token \"{0}\""), {t.info.label});
    if (t.module->C_GetTokenInfo(t.info.slotId, &ti) == CKR_OK) {
      if (ti.flags & CKF_USER_PIN_LOCKED) {
        msg += std::string("; ") + tr("the PIN is now locked");
      } else if (ti.flags & CKF_USER_PIN_FINAL_TRY) {
        msg += std::string("; ") + tr("one try is left before the PIN locks");
      } else if (ti.flags & CKF_USER_PIN_COUNT_LOW) {
        msg += std::string("; ") +
               tr("the token has counted wrong PINs since the last correct one and may lock after a few more");
      }
    }
    throwRv(rv, Category::Password, msg);
  }
  if (rv == CKR_PIN_LOCKED) {
    throwRv(rv, Category::Password,
            format(tr("the PIN of token \"{0}\" is locked; unblock it with the PUK or the security officer's PIN "
                      "before signing"),
                   {t.info.label}));
  }
  if (rv == CKR_PIN_EXPIRED) {
    throwRv(rv, Category::Password,
            format(tr("the PIN of token \"{0}\" has expired; change it first"), {t.info.label}));
  }
  if (rv == CKR_FUNCTION_CANCELED) throwRv(rv, Category::Cancelled, tr("the PIN entry was cancelled"));
  throwRv(rv, Category::Crypto, format(tr("cannot log in to token \"{0}\""), {t.info.label}));
}

std::string Pkcs11Signer::Impl::keyUri(const Token& t, const std::string& label, const Bytes& id) const {
  Uri u(p11::kit().uri_new());
  if (!u) throw std::bad_alloc();
  CK_TOKEN_INFO* ti = p11::kit().uri_get_token_info(u.get());
  std::memcpy(ti->label, t.raw.label, sizeof ti->label);
  std::memcpy(ti->manufacturerID, t.raw.manufacturerID, sizeof ti->manufacturerID);
  std::memcpy(ti->model, t.raw.model, sizeof ti->model);
  std::memcpy(ti->serialNumber, t.raw.serialNumber, sizeof ti->serialNumber);
  Bytes idCopy = id;
  std::string labelCopy = label;
  CK_ATTRIBUTE attrs[2] = {{CKA_ID, idCopy.data(), idCopy.size()}, {CKA_LABEL, labelCopy.data(), labelCopy.size()}};
  p11::kit().uri_set_attribute(u.get(), &attrs[0]);
  if (!label.empty()) p11::kit().uri_set_attribute(u.get(), &attrs[1]);
  if (!modulePath.empty()) p11::kit().uri_set_module_path(u.get(), modulePath.c_str());
  char* out = nullptr;
  if (p11::kit().uri_format(u.get(), P11_KIT_URI_FOR_ANY, &out) != P11_KIT_URI_OK) {
    throw Error(Category::Internal, "cannot format a pkcs11: URI");
  }
  return takeString(out);
}

namespace {

/// A certificate or key object on a token, with what pairs it (CKA_ID).
struct TokenObject {
  CK_OBJECT_HANDLE handle;
  std::string label;
  Bytes id;
  bool isPrivate;
};

/// The token's X.509 certificates; one that cannot be read goes into `problems`.
std::vector<std::pair<TokenObject, Certificate>> readCertificates(const Token& t, std::vector<std::string>& problems) {
  Session& s = *t.session;
  std::vector<std::pair<TokenObject, Certificate>> certs;
  for (CK_OBJECT_HANDLE h : findObjects(s, CKO_CERTIFICATE, t.info.label)) {
    if (ulongAttribute(s.f, s.h, h, CKA_CERTIFICATE_TYPE, CKC_X_509) != CKC_X_509) continue;
    const auto value = attribute(s.f, s.h, h, CKA_VALUE);
    const auto label = attribute(s.f, s.h, h, CKA_LABEL);
    const TokenObject o{h, label ? std::string(label->begin(), label->end()) : std::string(),
                        attribute(s.f, s.h, h, CKA_ID).value_or(Bytes()), false};
    if (!value) continue;
    try {
      certs.emplace_back(o, Certificate::fromDer(*value));
    } catch (const Error&) {
      problems.push_back(
          format(tr("the certificate \"{0}\" on token \"{1}\" cannot be read"), {o.label, t.info.label}));
    }
  }
  return certs;
}

/// Private keys; before login also public keys (`publicKeysPair`), which
/// many cards show while their private keys stay hidden until the PIN is given.
std::vector<TokenObject> readKeys(const Token& t, bool publicKeysPair) {
  Session& s = *t.session;
  std::vector<TokenObject> keys;
  std::vector<CK_OBJECT_CLASS> classes{CKO_PRIVATE_KEY};
  if (publicKeysPair) classes.push_back(CKO_PUBLIC_KEY);
  for (CK_OBJECT_CLASS cls : classes) {
    for (CK_OBJECT_HANDLE h : findObjects(s, cls, t.info.label)) {
      const auto label = attribute(s.f, s.h, h, CKA_LABEL);
      keys.push_back({h, label ? std::string(label->begin(), label->end()) : std::string(),
                      attribute(s.f, s.h, h, CKA_ID).value_or(Bytes()), cls == CKO_PRIVATE_KEY});
    }
  }
  return keys;
}

/// The key with the certificate's CKA_ID, if any; a private key wins over a public one.
std::optional<std::size_t> keyOf(const TokenObject& cert, const std::vector<TokenObject>& keys) {
  std::optional<std::size_t> k;
  for (std::size_t i = 0; i < keys.size() && !cert.id.empty(); ++i) {
    if (keys[i].id == cert.id && (!k || (keys[i].isPrivate && !keys[*k].isPrivate))) k = i;
  }
  return k;
}

/// The issuers of `cert` the token holds, leaf upwards, without the root.
std::vector<Certificate> issuersOnToken(const Certificate& cert,
                                        const std::vector<std::pair<TokenObject, Certificate>>& certs) {
  std::vector<Certificate> chain;
  const Certificate* current = &cert;
  for (int depth = 0; depth < 8; ++depth) {
    const Certificate* issuer = nullptr;
    for (const auto& [o2, c2] : certs) {
      if (!(c2 == *current) && c2.isCa() && X509_check_issued(c2.native(), current->native()) == X509_V_OK) {
        issuer = &c2;
      }
    }
    if (!issuer || issuer->selfIssued()) break;
    chain.push_back(*issuer);
    current = issuer;
  }
  return chain;
}

}  // namespace

Pkcs11Signer::Impl::Scan Pkcs11Signer::Impl::scanToken(Token& t, bool publicKeysPair) {
  Scan scan;
  Session& s = *t.session;
  const std::vector<std::pair<TokenObject, Certificate>> certs = readCertificates(t, scan.problems);
  const std::vector<TokenObject> keys = readKeys(t, publicKeysPair);
  scan.anyObject = !certs.empty() || !keys.empty();

  std::vector<bool> keyUsed(keys.size(), false);
  for (const auto& [co, cert] : certs) {
    const std::optional<std::size_t> k = keyOf(co, keys);
    const bool certSelected = selects(CKO_CERTIFICATE, co.label, co.id);
    const bool keySelected = k && selects(CKO_PRIVATE_KEY, keys[*k].label, keys[*k].id);
    if (k) keyUsed[*k] = true;
    if (!certSelected && !keySelected) continue;
    if (!k) {
      // Issuer certificates on a token are there to complete chains.
      if (!cert.isCa()) {
        scan.problems.push_back(format(tr("the certificate of {0} on token \"{1}\" has no private key with the same "
                                          "CKA_ID ({2})"),
                                       {cert.commonName(), t.info.label, co.id.empty() ? tr("none") : hex(co.id)}));
      }
      continue;
    }
    const TokenObject& key = keys[*k];
    const std::string label = co.label.empty() ? key.label : co.label;
    Pair p{OfferedCertificate{cert, {}, keyUri(t, label, co.id), t.info.label, label, hex(co.id)},
           &t,
           co.id,
           key.isPrivate ? key.handle : 0,
           ulongAttribute(s.f, s.h, key.handle, CKA_KEY_TYPE, CKK_RSA),
           key.isPrivate && boolAttribute(s.f, s.h, key.handle, CKA_ALWAYS_AUTHENTICATE)};
    p.offered.chain = issuersOnToken(cert, certs);
    scan.pairs.push_back(std::move(p));
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keyUsed[i] || !keys[i].isPrivate || !selects(CKO_PRIVATE_KEY, keys[i].label, keys[i].id)) continue;
    scan.problems.push_back(format(tr("the private key \"{0}\" (CKA_ID {1}) on token \"{2}\" has no certificate"),
                                   {keys[i].label, keys[i].id.empty() ? tr("none") : hex(keys[i].id), t.info.label}));
  }
  return scan;
}

std::vector<Pair> Pkcs11Signer::Impl::collectPairs() {
  std::vector<Pair> out;
  std::vector<std::string> problems;
  bool anyObject = false;
  for (auto& tp : tokens) {
    Token& t = *tp;
    if (!t.session) t.session = std::make_unique<Session>(t.module, t.info.slotId, t.info.label);
    // Without the PIN first: when every selected certificate shows a key
    // (a public one will do), the PIN waits until signing.
    Scan scan;
    bool done = false;
    if (t.info.loginRequired && !t.session->loggedIn) {
      scan = scanToken(t, true);
      done = !scan.pairs.empty() && scan.problems.empty();
    }
    if (!done) {
      login(t);
      scan = scanToken(t, false);
    }
    anyObject = anyObject || scan.anyObject;
    out.insert(out.end(), std::make_move_iterator(scan.pairs.begin()), std::make_move_iterator(scan.pairs.end()));
    problems.insert(problems.end(), scan.problems.begin(), scan.problems.end());
  }
  if (!out.empty()) return out;
  if (!problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    throw Error(Category::Usage, all);
  }
  std::string labels;
  for (const auto& t : tokens) labels += (labels.empty() ? "\"" : ", \"") + t->info.label + "\"";
  if (anyObject && (objectLabel() || objectId() || objectClass())) {
    throw Error(Category::Usage, format(tr("no certificate on token {0} matches {1}"), {labels, uriText}));
  }
  throw Error(Category::Usage, format(trn("token {0} holds no certificate with its private key",
                                          "tokens {0} hold no certificate with its private key", tokens.size()),
                                      {labels}));
}

/// After login: the private key of a pair listed by its public key.
void Pkcs11Signer::Impl::resolveKey(Pair& p) {
  if (p.key != 0) return;
  Session& s = *p.token->session;
  for (CK_OBJECT_HANDLE h : findObjects(s, CKO_PRIVATE_KEY, p.token->info.label)) {
    if (attribute(s.f, s.h, h, CKA_ID).value_or(Bytes()) != p.ckaId) continue;
    p.key = h;
    p.keyType = ulongAttribute(s.f, s.h, h, CKA_KEY_TYPE, p.keyType);
    p.alwaysAuthenticate = boolAttribute(s.f, s.h, h, CKA_ALWAYS_AUTHENTICATE);
    return;
  }
  throw Error(Category::Usage, format(tr("the certificate of {0} on token \"{1}\" has no private key with the same "
                                         "CKA_ID ({2})"),
                                      {p.offered.certificate.commonName(), p.token->info.label, hex(p.ckaId)}));
}

Pkcs11Signer::Pkcs11Signer(const std::string& uriIn, Interaction& interaction) : m_impl(std::make_unique<Impl>()) {
  Impl& d = *m_impl;
  d.interaction = &interaction;
  ParsedUri parsed = parseUri(uriIn);
  d.uriText = parsed.text;
  d.modulePath = parsed.modulePath;
  d.pinSource = parsed.pinSource;
  loadModules(d.modules, parsed);
  d.uri = std::move(parsed.uri);
  d.findTokens();
  if (d.tokens.empty()) {
    throw Error(Category::Usage,
                format(tr("no PKCS#11 token matches {0}; is the card inserted and its module configured in "
                          "p11-kit, or named with module-path=?"),
                       {d.uriText}));
  }
}

Pkcs11Signer::~Pkcs11Signer() = default;

std::string Pkcs11Signer::description() const {
  std::string labels;
  for (const auto& t : m_impl->tokens) labels += (labels.empty() ? "\"" : ", \"") + t->info.label + "\"";
  return format(trn("PKCS#11 token {0}", "PKCS#11 tokens {0}", m_impl->tokens.size()), {labels});
}

std::vector<TokenInfo> Pkcs11Signer::tokens() const {
  std::vector<TokenInfo> out;
  for (const auto& t : m_impl->tokens) out.push_back(t->info);
  return out;
}

std::vector<OfferedCertificate> Pkcs11Signer::certificates() {
  if (!m_impl->pairs) m_impl->pairs = m_impl->collectPairs();
  std::vector<OfferedCertificate> out;
  for (const auto& p : *m_impl->pairs) out.push_back(p.offered);
  return out;
}

std::vector<Bytes> Pkcs11Signer::signDigests(const OfferedCertificate& cert, DigestAlgorithm alg,
                                             SignatureScheme scheme, const std::vector<Bytes>& digests) {
  if (!m_impl->pairs) m_impl->pairs = m_impl->collectPairs();
  Pair* pair = nullptr;
  for (auto& p : *m_impl->pairs) {
    if (p.offered.certificate == cert.certificate && (cert.id.empty() || cert.id == p.offered.id)) pair = &p;
  }
  if (!pair) throw Error(Category::Usage, format(tr("{0} has no key for the chosen certificate"), {description()}));
  for (const Bytes& d : digests) {
    if (d.size() != digestSize(alg)) throw Error(Category::Internal, "digest length does not match its algorithm");
  }
  Token& t = *pair->token;
  m_impl->login(t);
  m_impl->resolveKey(*pair);
  Session& s = *t.session;
  const bool ec = pair->keyType == CKK_EC;
  if (ec != (scheme == SignatureScheme::Ecdsa)) {
    throw Error(Category::Crypto, format(tr("the key \"{0}\" on token \"{1}\" does not belong to its certificate"),
                                         {pair->offered.label, pair->token->info.label}));
  }
  // A key that wants its PIN for every signature (CKA_ALWAYS_AUTHENTICATE,
  // common on qualified signature cards) is asked for it once per batch.
  std::optional<SecretString> contextPin;
  if (pair->alwaysAuthenticate && !t.info.protectedAuthenticationPath) {
    contextPin.emplace(m_impl->pinSource.empty()
                           ? m_impl->interaction->askSecret(Interaction::Secret::Pin,
                                                            format(tr("signing key \"{0}\" on token \"{1}\""),
                                                                   {pair->offered.label, t.info.label}))
                           : readPinSource(m_impl->pinSource));
  }

  EVP_PKEY* pub = X509_get0_pubkey(cert.certificate.native());
  std::vector<Bytes> out;
  out.reserve(digests.size());
  for (std::size_t i = 0; i < digests.size(); ++i) {
    if (m_impl->interaction->cancelled()) throw Error(Category::Cancelled, tr("signing was cancelled"));
    Bytes value = signDigest(s, pair->key, alg, scheme, digests[i], pair->alwaysAuthenticate,
                             contextPin ? &*contextPin : nullptr, t.info.label, pair->offered.label);
    // A key that does not belong to its certificate (same CKA_ID, other
    // key) must not produce a file: check the value before handing it on.
    if (!valueVerifies(pub, alg, scheme, digests[i], value)) {
      throw Error(Category::Crypto, format(tr("the key \"{0}\" on token \"{1}\" does not belong to its certificate"),
                                           {pair->offered.label, t.info.label}));
    }
    out.push_back(std::move(value));
  }
  return out;
}

}  // namespace securedoc
