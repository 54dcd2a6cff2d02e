#pragma once
// PKCS#11 plumbing shared by the signer backend (pkcs11_signer.cpp) and the
// service's key store (cloud/src/pkcs11_keystore.cpp); private to those two.
#include <securedoc/base/bytes.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/signer.h>
#include <securedoc/i18n.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace securedoc::p11 {

/// p11-kit, loaded on first use like libcurl (base/library.h says why): its
/// functions with exactly the types p11-kit's headers declare.  Nothing here
/// links libp11-kit, so a direct p11_kit_* call fails to link.
struct KitApi {
  decltype(&::p11_kit_config_option) config_option;
  decltype(&::p11_kit_message) message;
  decltype(&::p11_kit_module_finalize) module_finalize;
  decltype(&::p11_kit_module_get_filename) module_get_filename;
  decltype(&::p11_kit_module_get_name) module_get_name;
  decltype(&::p11_kit_module_initialize) module_initialize;
  decltype(&::p11_kit_module_load) module_load;
  decltype(&::p11_kit_module_release) module_release;
  decltype(&::p11_kit_modules_finalize_and_release) modules_finalize_and_release;
  decltype(&::p11_kit_modules_load_and_initialize) modules_load_and_initialize;
  decltype(&::p11_kit_space_strlen) space_strlen;
  decltype(&::p11_kit_strerror) strerror;
  decltype(&::p11_kit_uri_any_unrecognized) uri_any_unrecognized;
  decltype(&::p11_kit_uri_format) uri_format;
  decltype(&::p11_kit_uri_free) uri_free;
  decltype(&::p11_kit_uri_get_attribute) uri_get_attribute;
  decltype(&::p11_kit_uri_get_module_name) uri_get_module_name;
  decltype(&::p11_kit_uri_get_module_path) uri_get_module_path;
  decltype(&::p11_kit_uri_get_pin_source) uri_get_pin_source;
  decltype(&::p11_kit_uri_get_pin_value) uri_get_pin_value;
  decltype(&::p11_kit_uri_get_slot_id) uri_get_slot_id;
  decltype(&::p11_kit_uri_get_token_info) uri_get_token_info;
  decltype(&::p11_kit_uri_match_module_info) uri_match_module_info;
  decltype(&::p11_kit_uri_match_slot_info) uri_match_slot_info;
  decltype(&::p11_kit_uri_match_token_info) uri_match_token_info;
  decltype(&::p11_kit_uri_message) uri_message;
  decltype(&::p11_kit_uri_new) uri_new;
  decltype(&::p11_kit_uri_parse) uri_parse;
  decltype(&::p11_kit_uri_set_attribute) uri_set_attribute;
  decltype(&::p11_kit_uri_set_module_path) uri_set_module_path;
};
/// libp11-kit.so.0 (its soname since 0.1), loaded once; Error(Unsupported)
/// when it cannot be.
const KitApi& kit();

struct UriFree {
  void operator()(P11KitUri* u) const { kit().uri_free(u); }
};
using Uri = std::unique_ptr<P11KitUri, UriFree>;
struct CFree {
  void operator()(void* p) const { std::free(p); }
};

/// A string p11-kit allocated with malloc, taken and freed.
std::string takeString(char* s);
/// A blank-padded PKCS#11 text field without its padding.
std::string spaceTrimmed(const unsigned char* s, std::size_t max);

/// A PIN as C_Login takes it (PKCS#11 v2.40 §5.6: CK_UTF8CHAR*, not const).
inline CK_UTF8CHAR* pinBytes(SecretString& pin) { return reinterpret_cast<CK_UTF8CHAR*>(pin.data()); }

/// p11-kit's text for `rv` with the CKR_ name.
std::string rvDetail(CK_RV rv);
[[noreturn]] void throwRv(CK_RV rv, Category c, std::string message);
std::string hex(const Bytes& b);
/// The DER DigestInfo prefix of RFC 8017 §9.2, note 1.
Bytes digestInfoPrefix(DigestAlgorithm alg);
CK_MECHANISM_TYPE hashMechanism(DigestAlgorithm alg);
CK_RSA_PKCS_MGF_TYPE mgf1(DigestAlgorithm alg);

/// The loaded modules: either every module p11-kit has configured, or one
/// module from an explicit path.  Finalised and released on destruction.
class Modules {
 public:
  Modules() = default;
  Modules(const Modules&) = delete;
  Modules& operator=(const Modules&) = delete;
  ~Modules() {
    if (m_configured) kit().modules_finalize_and_release(m_configured);
    if (m_single) {
      kit().module_finalize(m_single);
      kit().module_release(m_single);
    }
  }

  void loadPath(const std::string& path) {
    m_single = kit().module_load(path.c_str(), 0);
    if (!m_single) {
      const char* why = kit().message();
      throw Error(Category::Io, tr("cannot load the PKCS#11 module"), path, why ? why : "");
    }
    const CK_RV rv = kit().module_initialize(m_single);
    if (rv != CKR_OK) {
      kit().module_release(m_single);
      m_single = nullptr;
      throw Error(Category::Crypto, tr("the PKCS#11 module failed to start"), path, rvDetail(rv));
    }
    m_list.push_back(m_single);
  }

  /// The modules of p11-kit's configuration, without trust-policy modules
  /// (they hold CA lists, never keys) and, if `name` is set, only that one.
  void loadConfigured(const std::string& name) {
    m_configured = kit().modules_load_and_initialize(0);
    if (!m_configured) {
      const char* why = kit().message();
      throw Error(Category::Crypto, tr("p11-kit could not load the configured PKCS#11 modules"), {}, why ? why : "");
    }
    for (CK_FUNCTION_LIST** m = m_configured; *m; ++m) {
      if (takeString(kit().config_option(*m, "trust-policy")) == "yes") continue;
      if (!name.empty() && takeString(kit().module_get_name(*m)) != name) continue;
      m_list.push_back(*m);
    }
    if (!name.empty() && m_list.empty()) {
      throw Error(Category::Usage, format(tr("p11-kit has no PKCS#11 module named \"{0}\""), {name}));
    }
  }

  const std::vector<CK_FUNCTION_LIST*>& list() const { return m_list; }

 private:
  CK_FUNCTION_LIST** m_configured = nullptr;
  CK_FUNCTION_LIST* m_single = nullptr;
  std::vector<CK_FUNCTION_LIST*> m_list;
};

struct Session {
  CK_FUNCTION_LIST* f = nullptr;
  CK_SESSION_HANDLE h = 0;
  bool loggedIn = false;
  /// `readWrite` for sessions that create objects (key generation).
  Session(CK_FUNCTION_LIST* module, CK_SLOT_ID slot, const std::string& label, bool readWrite = false) : f(module) {
    const CK_FLAGS flags = CKF_SERIAL_SESSION | (readWrite ? CKF_RW_SESSION : 0);
    const CK_RV rv = f->C_OpenSession(slot, flags, nullptr, nullptr, &h);
    if (rv != CKR_OK) throwRv(rv, Category::Crypto, format(tr("cannot open a session with token \"{0}\""), {label}));
  }
  ~Session() {
    if (loggedIn) f->C_Logout(h);
    f->C_CloseSession(h);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

/// An attribute's value, empty when the object does not have it or hides it.
std::optional<Bytes> attribute(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
CK_ULONG ulongAttribute(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type,
                        CK_ULONG fallback);
bool boolAttribute(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type);
/// Every object of class `cls` the session sees (at most 10,000).
std::vector<CK_OBJECT_HANDLE> findObjects(Session& s, CK_OBJECT_CLASS cls, const std::string& tokenLabel);

/// A parsed pkcs11: URI (RFC 7512) with what it says beside the object.
struct ParsedUri {
  Uri uri;
  std::string text;        ///< as given, with the "pkcs11:" scheme
  std::string modulePath;  ///< module-path=
  std::string moduleName;  ///< module-name=
  std::string pinSource;   ///< pin-source= (a file)
};
/// Parses `text` ("pkcs11:" optional).  Refuses pin-value (a PIN never goes
/// on the command line) and attributes p11-kit does not know: Error(Usage).
ParsedUri parseUri(const std::string& text);
/// Loads the URI's module-path, or p11-kit's configured modules (only
/// module-name's, when given) into `modules`.
void loadModules(Modules& modules, const ParsedUri& uri);

/// A present, initialised token whose module, slot and token info match.
struct FoundToken {
  CK_FUNCTION_LIST* module = nullptr;
  CK_SLOT_ID slot = 0;
  CK_SLOT_INFO slotInfo{};
  CK_TOKEN_INFO tokenInfo{};
};
std::vector<FoundToken> matchTokens(const Modules& modules, P11KitUri* uri);

/// One signature: C_SignInit, for CKA_ALWAYS_AUTHENTICATE keys a
/// context-specific login with `contextPin` (null: the reader's PIN pad),
/// C_Sign.  RSA PKCS#1 v1.5 signs the
/// DigestInfo, RSA-PSS uses MGF1 with `alg` and a salt of the digest's
/// length, ECDSA's raw r||s comes back as DER.
Bytes signDigest(Session& s, CK_OBJECT_HANDLE key, DigestAlgorithm alg, SignatureScheme scheme, const Bytes& digest,
                 bool alwaysAuthenticate, SecretString* contextPin, const std::string& tokenLabel,
                 const std::string& keyLabel);
/// Whether `value` (CMS form) is a signature of `digest` by `pub`.
bool valueVerifies(EVP_PKEY* pub, DigestAlgorithm alg, SignatureScheme scheme, const Bytes& digest, const Bytes& value);

}  // namespace securedoc::p11
