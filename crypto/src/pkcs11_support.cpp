#include "pkcs11_support.h"

#include <securedoc/base/library.h>

#include <securedoc/crypto/ossl.h>

#include <openssl/err.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <cstring>

namespace securedoc::p11 {

const KitApi& kit() {
  return oncePerProcess<KitApi>([] {
    static const SharedLibrary lib("libp11-kit.so.0");
    KitApi table{};
#define SECUREDOC_P11_BIND(name) table.name = lib.function<decltype(table.name)>("p11_kit_" #name)
    SECUREDOC_P11_BIND(config_option);
    SECUREDOC_P11_BIND(message);
    SECUREDOC_P11_BIND(module_finalize);
    SECUREDOC_P11_BIND(module_get_filename);
    SECUREDOC_P11_BIND(module_get_name);
    SECUREDOC_P11_BIND(module_initialize);
    SECUREDOC_P11_BIND(module_load);
    SECUREDOC_P11_BIND(module_release);
    SECUREDOC_P11_BIND(modules_finalize_and_release);
    SECUREDOC_P11_BIND(modules_load_and_initialize);
    SECUREDOC_P11_BIND(space_strlen);
    SECUREDOC_P11_BIND(strerror);
    SECUREDOC_P11_BIND(uri_any_unrecognized);
    SECUREDOC_P11_BIND(uri_format);
    SECUREDOC_P11_BIND(uri_free);
    SECUREDOC_P11_BIND(uri_get_attribute);
    SECUREDOC_P11_BIND(uri_get_module_name);
    SECUREDOC_P11_BIND(uri_get_module_path);
    SECUREDOC_P11_BIND(uri_get_pin_source);
    SECUREDOC_P11_BIND(uri_get_pin_value);
    SECUREDOC_P11_BIND(uri_get_slot_id);
    SECUREDOC_P11_BIND(uri_get_token_info);
    SECUREDOC_P11_BIND(uri_match_module_info);
    SECUREDOC_P11_BIND(uri_match_slot_info);
    SECUREDOC_P11_BIND(uri_match_token_info);
    SECUREDOC_P11_BIND(uri_message);
    SECUREDOC_P11_BIND(uri_new);
    SECUREDOC_P11_BIND(uri_parse);
    SECUREDOC_P11_BIND(uri_set_attribute);
    SECUREDOC_P11_BIND(uri_set_module_path);
#undef SECUREDOC_P11_BIND
    return table;
  });
}

namespace {
const char* rvName(CK_RV rv) {
  switch (rv) {
    case CKR_PIN_INCORRECT:
      return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED:
      return "CKR_PIN_LOCKED";
    case CKR_PIN_LEN_RANGE:
      return "CKR_PIN_LEN_RANGE";
    case CKR_PIN_EXPIRED:
      return "CKR_PIN_EXPIRED";
    case CKR_USER_PIN_NOT_INITIALIZED:
      return "CKR_USER_PIN_NOT_INITIALIZED";
    case CKR_MECHANISM_INVALID:
      return "CKR_MECHANISM_INVALID";
    case CKR_MECHANISM_PARAM_INVALID:
      return "CKR_MECHANISM_PARAM_INVALID";
    case CKR_KEY_TYPE_INCONSISTENT:
      return "CKR_KEY_TYPE_INCONSISTENT";
    case CKR_KEY_FUNCTION_NOT_PERMITTED:
      return "CKR_KEY_FUNCTION_NOT_PERMITTED";
    case CKR_DEVICE_REMOVED:
      return "CKR_DEVICE_REMOVED";
    case CKR_TOKEN_NOT_PRESENT:
      return "CKR_TOKEN_NOT_PRESENT";
    case CKR_SESSION_HANDLE_INVALID:
      return "CKR_SESSION_HANDLE_INVALID";
    case CKR_USER_NOT_LOGGED_IN:
      return "CKR_USER_NOT_LOGGED_IN";
    case CKR_FUNCTION_CANCELED:
      return "CKR_FUNCTION_CANCELED";
    default:
      return "";
  }
}
}  // namespace

/// A string p11-kit allocated with malloc.
std::string takeString(char* s) {
  std::unique_ptr<char, CFree> owner(s);
  return s ? std::string(s) : std::string();
}
std::string spaceTrimmed(const unsigned char* s, std::size_t max) {
  return std::string(reinterpret_cast<const char*>(s), kit().space_strlen(s, max));
}
std::string rvDetail(CK_RV rv) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(rv));
  std::string d = kit().strerror(rv);
  const std::string name = rvName(rv);
  d += " (" + (name.empty() ? std::string(hex) : name) + ")";
  return d;
}
[[noreturn]] void throwRv(CK_RV rv, Category c, std::string message) {
  throw Error(c, std::move(message), {}, rvDetail(rv));
}
std::string hex(const Bytes& b) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}
/// The DER DigestInfo prefix of RFC 8017 §9.2, note 1.
Bytes digestInfoPrefix(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::Sha256:
      return {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
              0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    case DigestAlgorithm::Sha384:
      return {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
              0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
    case DigestAlgorithm::Sha512:
      return {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
              0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};
  }
  throw Error(Category::Internal, "unknown digest algorithm");
}
CK_MECHANISM_TYPE hashMechanism(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::Sha256:
      return CKM_SHA256;
    case DigestAlgorithm::Sha384:
      return CKM_SHA384;
    case DigestAlgorithm::Sha512:
      return CKM_SHA512;
  }
  throw Error(Category::Internal, "unknown digest algorithm");
}
CK_RSA_PKCS_MGF_TYPE mgf1(DigestAlgorithm alg) {
  switch (alg) {
    case DigestAlgorithm::Sha256:
      return CKG_MGF1_SHA256;
    case DigestAlgorithm::Sha384:
      return CKG_MGF1_SHA384;
    case DigestAlgorithm::Sha512:
      return CKG_MGF1_SHA512;
  }
  throw Error(Category::Internal, "unknown digest algorithm");
}
std::optional<Bytes> attribute(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return std::nullopt;
  if (a.ulValueLen > (16u << 20)) return std::nullopt;
  Bytes value(a.ulValueLen);
  a.pValue = value.data();
  if (f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK) return std::nullopt;
  value.resize(a.ulValueLen);
  return value;
}
CK_ULONG ulongAttribute(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                        CK_ULONG fallback) {
  const auto v = attribute(f, s, o, type);
  if (!v || v->size() != sizeof(CK_ULONG)) return fallback;
  CK_ULONG out = 0;
  std::memcpy(&out, v->data(), sizeof out);
  return out;
}
bool boolAttribute(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  const auto v = attribute(f, s, o, type);
  return v && v->size() == sizeof(CK_BBOOL) && (*v)[0] != CK_FALSE;
}
std::vector<CK_OBJECT_HANDLE> findObjects(Session& s, CK_OBJECT_CLASS cls, const std::string& tokenLabel) {
  CK_ATTRIBUTE tmpl{CKA_CLASS, &cls, sizeof cls};
  CK_RV rv = s.f->C_FindObjectsInit(s.h, &tmpl, 1);
  if (rv != CKR_OK) throwRv(rv, Category::Crypto, format(tr("cannot list the objects of token \"{0}\""), {tokenLabel}));
  std::vector<CK_OBJECT_HANDLE> out;
  CK_OBJECT_HANDLE batch[64];
  CK_ULONG n = 0;
  // A token with more objects than this is not a signature card.
  constexpr std::size_t kMaxObjects = 10000;
  while ((rv = s.f->C_FindObjects(s.h, batch, 64, &n)) == CKR_OK && n > 0 && out.size() < kMaxObjects) {
    out.insert(out.end(), batch, batch + n);
  }
  s.f->C_FindObjectsFinal(s.h);
  if (rv != CKR_OK) throwRv(rv, Category::Crypto, format(tr("cannot list the objects of token \"{0}\""), {tokenLabel}));
  return out;
}

ParsedUri parseUri(const std::string& text) {
  ParsedUri p;
  p.text = text.rfind("pkcs11:", 0) == 0 ? text : "pkcs11:" + text;
  p.uri.reset(kit().uri_new());
  if (!p.uri) throw std::bad_alloc();
  const int rc = kit().uri_parse(p.text.c_str(), P11_KIT_URI_FOR_ANY, p.uri.get());
  if (rc != P11_KIT_URI_OK) {
    throw Error(Category::Usage,
                // xgettext:no-c-format
                format(tr("bad PKCS#11 URI \"{0}\" (RFC 7512, e.g. pkcs11:token=My%20Card)"), {p.text}), {},
                kit().uri_message(rc));
  }
  if (kit().uri_get_pin_value(p.uri.get())) {
    throw Error(Category::Usage, tr("a PIN never goes on the command line: remove pin-value from the URI and use "
                                    "--pin-file, SECUREDOC_PIN or the prompt"));
  }
  if (kit().uri_any_unrecognized(p.uri.get())) {
    throw Error(Category::Usage,
                format(tr("the PKCS#11 URI \"{0}\" has attributes SecureDoc does not know"), {p.text}));
  }
  if (const char* v = kit().uri_get_pin_source(p.uri.get())) p.pinSource = v;
  if (const char* v = kit().uri_get_module_path(p.uri.get())) p.modulePath = v;
  if (const char* v = kit().uri_get_module_name(p.uri.get())) p.moduleName = v;
  return p;
}

void loadModules(Modules& modules, const ParsedUri& uri) {
  if (!uri.modulePath.empty()) {
    modules.loadPath(uri.modulePath);
  } else {
    modules.loadConfigured(uri.moduleName);
  }
}

std::vector<FoundToken> matchTokens(const Modules& modules, P11KitUri* uri) {
  std::vector<FoundToken> out;
  const CK_SLOT_ID wantedSlot = kit().uri_get_slot_id(uri);
  for (CK_FUNCTION_LIST* module : modules.list()) {
    CK_INFO mi{};
    if (module->C_GetInfo(&mi) != CKR_OK || !kit().uri_match_module_info(uri, &mi)) continue;
    CK_ULONG count = 0;
    if (module->C_GetSlotList(CK_TRUE, nullptr, &count) != CKR_OK || count == 0) continue;
    std::vector<CK_SLOT_ID> slots(count);
    if (module->C_GetSlotList(CK_TRUE, slots.data(), &count) != CKR_OK) continue;
    slots.resize(count);
    for (CK_SLOT_ID slot : slots) {
      if (wantedSlot != static_cast<CK_SLOT_ID>(-1) && wantedSlot != slot) continue;
      FoundToken t{module, slot, {}, {}};
      if (module->C_GetSlotInfo(slot, &t.slotInfo) != CKR_OK || !kit().uri_match_slot_info(uri, &t.slotInfo)) continue;
      if (module->C_GetTokenInfo(slot, &t.tokenInfo) != CKR_OK || !kit().uri_match_token_info(uri, &t.tokenInfo))
        continue;
      // SoftHSM2 and others show a free slot with an uninitialised token.
      if (!(t.tokenInfo.flags & CKF_TOKEN_INITIALIZED)) continue;
      out.push_back(t);
    }
  }
  return out;
}

Bytes signDigest(Session& s, CK_OBJECT_HANDLE key, DigestAlgorithm alg, SignatureScheme scheme, const Bytes& digest,
                 bool alwaysAuthenticate, SecretString* contextPin, const std::string& tokenLabel,
                 const std::string& keyLabel) {
  CK_RSA_PKCS_PSS_PARAMS pss{hashMechanism(alg), mgf1(alg), digestSize(alg)};
  CK_MECHANISM mech{CKM_RSA_PKCS, nullptr, 0};
  if (scheme == SignatureScheme::RsaPss) mech = {CKM_RSA_PKCS_PSS, &pss, sizeof pss};
  if (scheme == SignatureScheme::Ecdsa) mech = {CKM_ECDSA, nullptr, 0};
  Bytes input = digest;
  if (scheme == SignatureScheme::RsaPkcs1v15) {
    input = digestInfoPrefix(alg);
    input.insert(input.end(), digest.begin(), digest.end());
  }
  CK_RV rv = s.f->C_SignInit(s.h, &mech, key);
  if (rv == CKR_MECHANISM_INVALID || rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_KEY_TYPE_INCONSISTENT) {
    throwRv(
        rv, Category::Unsupported,
        format(tr("token \"{0}\" cannot make this kind of signature with the key \"{1}\""), {tokenLabel, keyLabel}));
  }
  if (rv != CKR_OK) throwRv(rv, Category::Crypto, format(tr("token \"{0}\" refused to sign"), {tokenLabel}));
  if (alwaysAuthenticate) {
    rv = contextPin ? s.f->C_Login(s.h, CKU_CONTEXT_SPECIFIC, pinBytes(*contextPin), contextPin->size())
                    : s.f->C_Login(s.h, CKU_CONTEXT_SPECIFIC, nullptr, 0);
    if (rv == CKR_PIN_INCORRECT)
      throwRv(rv, Category::Password, format(tr("wrong PIN for token \"{0}\""), {tokenLabel}));
    if (rv != CKR_OK) throwRv(rv, Category::Crypto, format(tr("token \"{0}\" refused to sign"), {tokenLabel}));
  }
  CK_ULONG len = 0;
  rv = s.f->C_Sign(s.h, input.data(), input.size(), nullptr, &len);
  if (rv != CKR_OK || len == 0 || len > 4096)
    throwRv(rv, Category::Crypto, format(tr("token \"{0}\" refused to sign"), {tokenLabel}));
  Bytes value(len);
  rv = s.f->C_Sign(s.h, input.data(), input.size(), value.data(), &len);
  if (rv != CKR_OK) throwRv(rv, Category::Crypto, format(tr("token \"{0}\" refused to sign"), {tokenLabel}));
  value.resize(len);
  return scheme == SignatureScheme::Ecdsa ? ecdsaRawToDer(value) : value;
}

bool valueVerifies(EVP_PKEY* pub, DigestAlgorithm alg, SignatureScheme scheme, const Bytes& digest,
                   const Bytes& value) {
  ossl::EvpPkeyCtx ctx(EVP_PKEY_CTX_new(pub, nullptr));
  bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) == 1 &&
            EVP_PKEY_CTX_set_signature_md(ctx.get(), ossl::evpDigest(alg)) == 1;
  if (ok && scheme != SignatureScheme::Ecdsa) {
    ok =
        EVP_PKEY_CTX_set_rsa_padding(
            ctx.get(), scheme == SignatureScheme::RsaPss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) == 1 &&
        (scheme != SignatureScheme::RsaPss || EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) == 1);
  }
  ok = ok && EVP_PKEY_verify(ctx.get(), value.data(), value.size(), digest.data(), digest.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace securedoc::p11
