#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <array>
#include <cstdio>

namespace securedoc {

namespace {
std::string asn1StringUtf8(const ASN1_STRING* s) {
  unsigned char* out = nullptr;
  const int len = ASN1_STRING_to_UTF8(&out, s);
  if (len < 0) return {};
  ossl::Bytes owned(out);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(len));
}

std::string attributeName(const ASN1_OBJECT* obj) {
  const int nid = OBJ_obj2nid(obj);
  switch (nid) {
    case NID_givenName:
      return "GN";
    case NID_surname:
      return "SN";
    case NID_serialNumber:
      return "serialNumber";
    case NID_organizationIdentifier:
      return "organizationIdentifier";
    case NID_pkcs9_emailAddress:
      return "emailAddress";
    default:
      break;
  }
  if (nid != NID_undef) {
    if (const char* sn = OBJ_nid2sn(nid)) return sn;
  }
  char buf[128];
  OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return buf;
}

std::vector<std::pair<std::string, std::string>> nameFields(const X509_NAME* name) {
  std::vector<std::pair<std::string, std::string>> out;
  const int n = X509_NAME_entry_count(name);
  for (int i = 0; i < n; ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    out.emplace_back(attributeName(X509_NAME_ENTRY_get_object(e)), asn1StringUtf8(X509_NAME_ENTRY_get_data(e)));
  }
  return out;
}

std::string escapeRdnValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

/// Most specific first, the way RFC 2253 writes a name ("CN=...,O=...,C=PL").
std::string nameString(const X509_NAME* name) {
  auto fields = nameFields(name);
  std::string out;
  for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
    if (!out.empty()) out += ',';
    out += it->first + "=" + escapeRdnValue(it->second);
  }
  return out;
}

std::time_t asn1TimeToTimeT(const ASN1_TIME* t) { return ossl::toTime(t).value_or(0); }
}  // namespace

std::string isoTime(std::time_t t) { return formatUtc(t, UtcLayout::Iso8601); }

Certificate::Certificate(X509* cert) : m_cert(cert, X509_free) {
  if (!cert) throw Error(Category::Internal, "Certificate from a null X509");
  X509_up_ref(cert);
}

Certificate Certificate::fromDer(const Bytes& der) {
  const unsigned char* p = der.data();
  ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x) throwOpenSsl(Category::Malformed, tr("not a valid X.509 certificate"));
  return Certificate(x.get());
}

std::vector<Certificate> Certificate::loadFile(const std::filesystem::path& file) {
  const Bytes data = readFile(file, 16u << 20);
  std::vector<Certificate> out;
  const std::string text(data.begin(), data.end());
  if (text.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
    ossl::Bio bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
    for (;;) {
      ossl::X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
      if (!x) break;
      out.emplace_back(x.get());
    }
    ERR_clear_error();  // the loop ends on "no start line"
  } else {
    const unsigned char* p = data.data();
    ossl::X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(data.size())));
    if (x) out.emplace_back(x.get());
  }
  if (out.empty()) {
    throwOpenSsl(Category::Malformed, tr("holds no X.509 certificate (PEM or DER expected)"), file.string());
  }
  return out;
}

std::string Certificate::subject() const { return nameString(X509_get_subject_name(native())); }
std::string Certificate::issuer() const { return nameString(X509_get_issuer_name(native())); }

std::vector<std::pair<std::string, std::string>> Certificate::subjectFields() const {
  return nameFields(X509_get_subject_name(native()));
}

std::string Certificate::subjectField(const std::string& shortName) const {
  for (const auto& [k, v] : subjectFields()) {
    if (k == shortName) return v;
  }
  return {};
}

std::string Certificate::serialHex() const {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(native());
  ossl::Bignum bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return {};
  ossl::Chars hex(BN_bn2hex(bn.get()));
  return hex ? std::string(hex.get()) : std::string();
}

std::time_t Certificate::notBefore() const { return asn1TimeToTimeT(X509_get0_notBefore(native())); }
std::time_t Certificate::notAfter() const { return asn1TimeToTimeT(X509_get0_notAfter(native())); }

bool Certificate::validAt(std::time_t when) const { return when >= notBefore() && when <= notAfter(); }

bool Certificate::hasKeyUsageExtension() const { return (X509_get_extension_flags(native()) & EXFLAG_KUSAGE) != 0; }

std::vector<std::string> Certificate::keyUsage() const {
  std::vector<std::string> out;
  if (!hasKeyUsageExtension()) return out;
  const std::uint32_t ku = X509_get_key_usage(native());
  static const std::array<std::pair<std::uint32_t, const char*>, 9> names{{
      {KU_DIGITAL_SIGNATURE, "digitalSignature"},
      {KU_NON_REPUDIATION, "nonRepudiation"},
      {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
      {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
      {KU_KEY_AGREEMENT, "keyAgreement"},
      {KU_KEY_CERT_SIGN, "keyCertSign"},
      {KU_CRL_SIGN, "cRLSign"},
      {KU_ENCIPHER_ONLY, "encipherOnly"},
      {KU_DECIPHER_ONLY, "decipherOnly"},
  }};
  for (const auto& [bit, name] : names) {
    if (ku & bit) out.emplace_back(name);
  }
  return out;
}

bool Certificate::allowsNonRepudiation() const {
  return !hasKeyUsageExtension() || (X509_get_key_usage(native()) & KU_NON_REPUDIATION) != 0;
}

std::vector<std::string> Certificate::extendedKeyUsage() const {
  std::vector<std::string> out;
  ossl::ExtKeyUsage eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(native(), NID_ext_key_usage, nullptr, nullptr)));
  if (!eku) return out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i)
    out.push_back(attributeName(sk_ASN1_OBJECT_value(eku.get(), i)));
  return out;
}

std::vector<std::string> Certificate::extendedKeyUsageOids() const {
  std::vector<std::string> out;
  ossl::ExtKeyUsage eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(native(), NID_ext_key_usage, nullptr, nullptr)));
  if (!eku) return out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, sk_ASN1_OBJECT_value(eku.get(), i), 1);
    out.emplace_back(buf);
  }
  return out;
}

bool Certificate::hasExtendedKeyUsageExtension() const {
  return X509_get_ext_by_NID(native(), NID_ext_key_usage, -1) >= 0;
}

bool Certificate::extendedKeyUsageCritical() const {
  const int idx = X509_get_ext_by_NID(native(), NID_ext_key_usage, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(native(), idx)) == 1;
}

std::string Certificate::keyAlgorithm() const {
  const EVP_PKEY* pk = X509_get0_pubkey(native());
  if (!pk) return "unknown";
  for (const char* name : {"RSA", "RSA-PSS", "EC", "DSA", "ED25519", "ED448"}) {
    if (EVP_PKEY_is_a(pk, name)) return name;
  }
  const char* n = EVP_PKEY_get0_type_name(pk);
  return n ? n : "unknown";
}

int Certificate::keyBits() const {
  const EVP_PKEY* pk = X509_get0_pubkey(native());
  return pk ? EVP_PKEY_get_bits(pk) : 0;
}

std::string Certificate::curveName() const {
  const EVP_PKEY* pk = X509_get0_pubkey(native());
  if (!pk || !EVP_PKEY_is_a(pk, "EC")) return {};
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof group, &len) != 1) return {};
  return group;
}

std::vector<std::string> Certificate::policies() const {
  std::vector<std::string> out;
  ossl::CertPolicies pol(
      static_cast<CERTIFICATEPOLICIES*>(X509_get_ext_d2i(native(), NID_certificate_policies, nullptr, nullptr)));
  if (!pol) return out;
  for (int i = 0; i < sk_POLICYINFO_num(pol.get()); ++i) {
    char buf[128];
    OBJ_obj2txt(buf, sizeof buf, sk_POLICYINFO_value(pol.get(), i)->policyid, 1);
    out.emplace_back(buf);
  }
  return out;
}

std::vector<std::string> Certificate::ocspUrls() const {
  std::vector<std::string> out;
  ossl::AuthorityInfoAccess aia(
      static_cast<AUTHORITY_INFO_ACCESS*>(X509_get_ext_d2i(native(), NID_info_access, nullptr, nullptr)));
  for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia.get()); ++i) {
    const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
    if (OBJ_obj2nid(ad->method) != NID_ad_OCSP || ad->location->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = ad->location->d.uniformResourceIdentifier;
    out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                     static_cast<std::size_t>(ASN1_STRING_length(uri)));
  }
  ERR_clear_error();
  return out;
}

std::vector<std::string> Certificate::crlUrls() const {
  std::vector<std::string> out;
  ossl::CrlDistPoints points(
      static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(native(), NID_crl_distribution_points, nullptr, nullptr)));
  for (int i = 0; points && i < sk_DIST_POINT_num(points.get()); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(points.get(), i);
    // A point naming only the CRL issuer, or a name relative to it, says
    // nowhere to fetch from (RFC 5280 §4.2.1.13).
    if (!dp->distpoint || dp->distpoint->type != 0) continue;
    const GENERAL_NAMES* names = dp->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, j);
      if (n->type != GEN_URI) continue;
      const ASN1_IA5STRING* uri = n->d.uniformResourceIdentifier;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                       static_cast<std::size_t>(ASN1_STRING_length(uri)));
    }
  }
  ERR_clear_error();
  return out;
}

bool Certificate::hasOcspNoCheck() const { return X509_get_ext_by_NID(native(), NID_id_pkix_OCSP_noCheck, -1) >= 0; }

std::string Certificate::keyType() const {
  const EVP_PKEY* pk = X509_get0_pubkey(native());
  if (!pk) return "unknown";
  const int bits = EVP_PKEY_get_bits(pk);
  if (EVP_PKEY_is_a(pk, "RSA")) return "RSA-" + std::to_string(bits);
  if (EVP_PKEY_is_a(pk, "RSA-PSS")) return "RSA-PSS-" + std::to_string(bits);
  if (EVP_PKEY_is_a(pk, "EC")) {
    char group[64] = {0};
    size_t len = 0;
    EVP_PKEY_get_utf8_string_param(pk, "group", group, sizeof group, &len);
    const int nid = OBJ_sn2nid(group);
    const char* nist = nid != NID_undef ? EC_curve_nid2nist(nid) : nullptr;
    return std::string("EC ") + (nist ? nist : group);
  }
  if (EVP_PKEY_is_a(pk, "ED25519")) return "Ed25519";
  return std::string(EVP_PKEY_get0_type_name(pk) ? EVP_PKEY_get0_type_name(pk) : "unknown") + "-" +
         std::to_string(bits);
}

bool Certificate::isEcKey() const {
  const EVP_PKEY* pk = X509_get0_pubkey(native());
  return pk && EVP_PKEY_is_a(pk, "EC");
}

bool Certificate::isCa() const { return X509_check_ca(native()) > 0; }

bool Certificate::selfIssued() const { return (X509_get_extension_flags(native()) & EXFLAG_SI) != 0; }

Bytes Certificate::der() const {
  unsigned char* out = nullptr;
  const int len = i2d_X509(native(), &out);
  if (len < 0) throwOpenSsl(Category::Crypto, tr("cannot encode a certificate"));
  ossl::Bytes owned(out);
  return Bytes(out, out + len);
}

std::string Certificate::sha256Fingerprint() const { return toHex(digest(DigestAlgorithm::Sha256, der())); }

bool Certificate::operator==(const Certificate& o) const { return X509_cmp(native(), o.native()) == 0; }

}  // namespace securedoc
