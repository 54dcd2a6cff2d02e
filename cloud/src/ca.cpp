// The reference service's demo CA (ca.h): certificate profiles, the
// revocation and issuance registers in the CA folder, CRL and OCSP.
#include <securedoc/cloud/ca.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/base/secret.h>
#include <securedoc/base/file.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include "text_util.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <locale>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace securedoc::cloud {

namespace {

// Handles ossl.h has no alias for.
using X509Name = ossl::Ptr<X509_NAME, X509_NAME_free>;
using X509Ext = ossl::Ptr<X509_EXTENSION, X509_EXTENSION_free>;
using ossl::X509Crl;
using X509Revoked = ossl::Ptr<X509_REVOKED, X509_REVOKED_free>;
using GeneralName = ossl::Ptr<GENERAL_NAME, GENERAL_NAME_free>;
using GeneralNames = ossl::Ptr<GENERAL_NAMES, GENERAL_NAMES_free>;
using AccessDescription = ossl::Ptr<ACCESS_DESCRIPTION, ACCESS_DESCRIPTION_free>;
using ossl::AuthorityInfoAccess;
using DistPoint = ossl::Ptr<DIST_POINT, DIST_POINT_free>;
using ossl::CrlDistPoints;
using Asn1Enumerated = ossl::Ptr<ASN1_ENUMERATED, ASN1_ENUMERATED_free>;
using Asn1String = ossl::Ptr<ASN1_STRING, ASN1_STRING_free>;
using ossl::OcspBasicResp;
using ossl::OcspCertId;
using ossl::OcspRequest;
using ossl::OcspResponse;

constexpr const char* kRootCert = "root-ca.pem";
constexpr const char* kRootKey = "root-ca.key";
constexpr const char* kIssuingCert = "issuing-ca.pem";
constexpr const char* kIssuingKey = "issuing-ca.key";
/// One line per revoked certificate: "SERIALHEX UNIXTIME REASON".
constexpr const char* kRevoked = "revoked.txt";
/// One line per certificate the issuing CA made: "SERIALHEX".
constexpr const char* kIssued = "issued.txt";
/// The root's revocations (issuing CA, TLS certificates), as kRevoked.  Kept
/// apart so that each CRL lists only its own issuer's certificates (RFC 5280
/// §5: a CRL names the certificates of one issuer).  A folder made before it
/// existed lacks it: read as empty, created at the first root revocation.
constexpr const char* kRootRevoked = "root-revoked.txt";

constexpr std::int64_t kDay = 86400;
constexpr int kRootDays = 3650;
constexpr int kIssuingDays = 3285;
constexpr int kTlsDays = 397;  // the CA/Browser Forum's ceiling for TLS server certificates
constexpr int kTsaDays = 730;
/// OCSP requests are a few hundred bytes; anything this large is not one.
constexpr std::size_t kMaxOcspRequest = std::size_t{64} * 1024;
/// More single requests than this in one OCSPRequest are refused.
constexpr int kMaxOcspSingleRequests = 64;

constexpr const char* kQcpNQscd = "0.4.0.194112.1.2";    // ETSI EN 319 411-2
constexpr const char* kQcCompliance = "0.4.0.1862.1.1";  // ETSI EN 319 412-5 §4.2.1
constexpr const char* kQcSscd = "0.4.0.1862.1.4";        // ETSI EN 319 412-5 §4.2.2

using detail::noPassword;

// ------------------------------------------------------------------ files

[[noreturn]] void throwIo(const std::string& message, const fs::path& file, int err) {
  throw Error(Category::Io, message, file.string(), std::strerror(err));
}

/// Creates `file` whole with `mode`; a file already there is an error (a
/// concurrent create() on the same folder stops here), never replaced.
void createFile(const fs::path& file, std::string_view data, mode_t mode) {
  AtomicFile out(file, mode);
  out.write(data);
  if (!out.placeAsNew(false)) throwIo(tr("cannot create the file"), file, EEXIST);
}

std::string readText(const fs::path& file) {
  const Bytes b = readFile(file, 16u << 20);
  return std::string(b.begin(), b.end());
}

// ------------------------------------------------------------------ keys and PEM

std::string pemOfCert(X509* cert) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) throwOpenSsl(Category::Internal, "PEM_write_bio_X509");
  char* data = nullptr;
  const long len = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

/// Unencrypted PKCS#8 PEM in secure memory; the caller cleanses it.
std::string pemOfKey(EVP_PKEY* key) {
  ossl::Bio bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throwOpenSsl(Category::Internal, "PEM_write_bio_PrivateKey");
  }
  char* data = nullptr;
  const long len = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

ossl::EvpPkey loadKey(const fs::path& file) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(file, ec);
  if (ec || !fs::exists(st)) {
    throw Error(Category::Io, tr("the certification authority's key file is missing"), file.string());
  }
  if (!fs::is_regular_file(st) ||
      (st.permissions() & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    throw Error(Category::Policy,
                tr("the certification authority's key file must be a regular file only its owner may access "
                   "(mode 0600)"),
                file.string());
  }
  Bytes pem = readFile(file, 1u << 20);
  ossl::EvpPkey key;
  {
    ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (bio) key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, &noPassword, nullptr));
  }
  wipe(pem);
  if (!key) throwOpenSsl(Category::Malformed, tr("holds no unencrypted PEM private key"), file.string());
  return key;
}

Certificate loadOneCert(const fs::path& file) {
  std::vector<Certificate> certs = Certificate::loadFile(file);
  if (certs.size() != 1) {
    throw Error(Category::Malformed, tr("the file must hold exactly one certificate"), file.string());
  }
  return certs.front();
}

ossl::EvpPkey generateRsa(unsigned bits) {
  ossl::EvpPkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
  if (!key) throwOpenSsl(Category::Crypto, tr("the key pair could not be generated"));
  return key;
}

ossl::EvpPkey generateP256() {
  ossl::EvpPkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) throwOpenSsl(Category::Crypto, tr("the key pair could not be generated"));
  return key;
}

/// Writes the key (0600) and the certificate (0644) of a service.  Both go
/// to temporary files first and are renamed key first, so an existing pair
/// is replaced whole unless the second rename fails.
void writeKeyAndCert(EVP_PKEY* key, X509* cert, const fs::path& certPem, const fs::path& keyPem) {
  std::string keyText = pemOfKey(key);
  const WipeOnExit wipeKey(keyText);
  const std::string certText = pemOfCert(cert);
  AtomicFile keyFile(keyPem, 0600);
  keyFile.write(keyText);
  AtomicFile certFile(certPem, 0644);
  certFile.write(certText);
  keyFile.placeReplacing();
  certFile.placeReplacing();
}

// ------------------------------------------------------------------ certificate building

/// A random positive 16-byte serial (RFC 5280 §4.1.2.2: at most 20 octets;
/// CA/B Forum: at least 64 bits from a CSPRNG).
ossl::Asn1Integer randomSerial() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throwOpenSsl(Category::Crypto, "RAND_bytes");
  b[0] = static_cast<unsigned char>((b[0] & 0x7f) | 0x40);  // positive, and exactly 16 octets
  ossl::Bignum bn(BN_bin2bn(b, sizeof b, nullptr));
  ossl::Asn1Integer serial(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!serial) throwOpenSsl(Category::Internal, "BN_to_ASN1_INTEGER");
  return serial;
}

std::string serialHexOf(const ASN1_INTEGER* serial) {
  ossl::Bignum bn(ASN1_INTEGER_to_BN(serial, nullptr));
  ossl::Chars hex(bn ? BN_bn2hex(bn.get()) : nullptr);
  if (!hex) throwOpenSsl(Category::Internal, "BN_bn2hex");
  return hex.get();
}

ossl::Asn1Integer serialFromHex(const std::string& hex) {
  BIGNUM* raw = nullptr;
  if (BN_hex2bn(&raw, hex.c_str()) != static_cast<int>(hex.size())) {
    BN_free(raw);
    throw Error(Category::Malformed, format(tr("\"{0}\" is not a serial number"), {hex}));
  }
  ossl::Bignum bn(raw);
  ossl::Asn1Integer serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial) throwOpenSsl(Category::Internal, "BN_to_ASN1_INTEGER");
  return serial;
}

ossl::Asn1Time asn1Time(std::int64_t t) {
  // ASN1_TIME_set picks UTCTime up to 2049 and GeneralizedTime from 2050
  // (RFC 5280 §4.1.2.5).
  ossl::Asn1Time out(ASN1_TIME_set(nullptr, static_cast<time_t>(t)));
  if (!out) throwOpenSsl(Category::Usage, format(tr("{0} is not a representable time"), {t}));
  return out;
}

void addNameEntry(X509_NAME* name, int nid, const std::string& value) {
  if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    throwOpenSsl(Category::Usage,
                 format(tr("the subject attribute {0} cannot hold \"{1}\" (too long, or characters it does not "
                           "allow)"),
                        {OBJ_nid2sn(nid), value}));
  }
}

/// Copies the attributes `nid` of `from` into `to`.
void copyNameEntries(const X509_NAME* from, X509_NAME* to, int nid) {
  for (int i = X509_NAME_get_index_by_NID(from, nid, -1); i >= 0; i = X509_NAME_get_index_by_NID(from, nid, i)) {
    if (X509_NAME_add_entry(to, X509_NAME_get_entry(from, i), -1, 0) != 1) {
      throwOpenSsl(Category::Internal, "X509_NAME_add_entry");
    }
  }
}

std::string firstNameEntry(const X509_NAME* name, int nid) {
  const int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0) return {};
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, s);
  ossl::Bytes owned(utf8);
  if (len < 0) return {};
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
}

/// An unsigned certificate: version 3, random serial, names, validity, key.
ossl::X509Ptr newCertificate(X509_NAME* subject, const X509_NAME* issuer, EVP_PKEY* publicKey, std::int64_t notBefore,
                             std::int64_t notAfter) {
  ossl::X509Ptr cert(X509_new());
  if (!cert) throwOpenSsl(Category::Internal, "X509_new");
  const ossl::Asn1Integer serial = randomSerial();
  const ossl::Asn1Time from = asn1Time(notBefore);
  const ossl::Asn1Time to = asn1Time(notAfter);
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 || X509_set_serialNumber(cert.get(), serial.get()) != 1 ||
      X509_set_subject_name(cert.get(), subject) != 1 ||
      X509_set_issuer_name(cert.get(), issuer ? issuer : subject) != 1 ||
      X509_set1_notBefore(cert.get(), from.get()) != 1 || X509_set1_notAfter(cert.get(), to.get()) != 1 ||
      X509_set_pubkey(cert.get(), publicKey) != 1) {
    throwOpenSsl(Category::Internal, tr("the certificate could not be built"));
  }
  return cert;
}

/// Extension builder over X509V3_CTX for the fixed, well-known values; the
/// values that come from callers (URLs, e-mail) are built as structures
/// instead, so that no comma in them can add a name.
class Extensions {
 public:
  /// `issuer` null: self-signed with `issuerKey`.
  Extensions(X509* cert, X509* issuer, EVP_PKEY* issuerKey) : m_cert(cert) {
    X509V3_set_ctx(&m_ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
    X509V3_set_ctx_nodb(&m_ctx);
    if (!issuer && X509V3_set_issuer_pkey(&m_ctx, issuerKey) != 1) {
      throwOpenSsl(Category::Internal, "X509V3_set_issuer_pkey");
    }
  }

  void conf(int nid, const char* value) {
    X509Ext ext(X509V3_EXT_conf_nid(nullptr, &m_ctx, nid, value));
    if (!ext || X509_add_ext(m_cert, ext.get(), -1) != 1) {
      throwOpenSsl(Category::Internal,
                   format(tr("the certificate extension {0} could not be added"), {OBJ_nid2sn(nid)}));
    }
  }

  void raw(int nid, const Bytes& der, bool critical) {
    ossl::Asn1OctetString value(ASN1_OCTET_STRING_new());
    if (!value || ASN1_OCTET_STRING_set(value.get(), der.data(), static_cast<int>(der.size())) != 1) {
      throwOpenSsl(Category::Internal, "ASN1_OCTET_STRING_set");
    }
    X509Ext ext(X509_EXTENSION_create_by_NID(nullptr, nid, critical ? 1 : 0, value.get()));
    if (!ext || X509_add_ext(m_cert, ext.get(), -1) != 1) {
      throwOpenSsl(Category::Internal,
                   format(tr("the certificate extension {0} could not be added"), {OBJ_nid2sn(nid)}));
    }
  }

  void structure(int nid, void* value) {
    if (X509_add1_ext_i2d(m_cert, nid, value, 0, X509V3_ADD_DEFAULT) != 1) {
      throwOpenSsl(Category::Internal,
                   format(tr("the certificate extension {0} could not be added"), {OBJ_nid2sn(nid)}));
    }
  }

 private:
  X509* m_cert;
  X509V3_CTX m_ctx{};
};

/// IA5String values in URIs and rfc822Names: visible ASCII only.
bool isVisibleAscii(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

/// RFC 5321 §4.1.2 Mailbox, dot-atom local part only: what rfc822Name may hold.
bool isMailbox(const std::string& s) {
  const std::size_t at = s.find('@');
  if (at == 0 || at == std::string::npos || at + 1 >= s.size()) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
  const std::string local = s.substr(0, at);
  const std::string domain = s.substr(at + 1);
  const std::string localExtra = "!#$%&'*+/=?^_`{|}~.-";
  return std::all_of(local.begin(), local.end(),
                     [&](char c) { return alnum(c) || localExtra.find(c) != std::string::npos; }) &&
         std::all_of(domain.begin(), domain.end(), [&](char c) { return alnum(c) || c == '.' || c == '-'; });
}

void checkUrl(const std::string& url) {
  if (!isVisibleAscii(url) || (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)) {
    throw Error(Category::Usage, format(tr("\"{0}\" is not an http:// or https:// URL"), {url}));
  }
}

GeneralName ia5Name(int type, const std::string& value) {
  GeneralName name(GENERAL_NAME_new());
  Asn1String s(ASN1_IA5STRING_new());
  if (!name || !s || ASN1_STRING_set(s.get(), value.data(), static_cast<int>(value.size())) != 1) {
    throwOpenSsl(Category::Internal, "GENERAL_NAME");
  }
  GENERAL_NAME_set0_value(name.get(), type, s.release());
  return name;
}

void push(GENERAL_NAMES* names, GeneralName name) {
  if (sk_GENERAL_NAME_push(names, name.get()) <= 0) throwOpenSsl(Category::Internal, "sk_GENERAL_NAME_push");
  (void)name.release();
}

void addOcspAccess(Extensions& ext, const std::string& url) {
  AuthorityInfoAccess aia(AUTHORITY_INFO_ACCESS_new());
  AccessDescription ad(ACCESS_DESCRIPTION_new());
  if (!aia || !ad) throwOpenSsl(Category::Internal, "AUTHORITY_INFO_ACCESS_new");
  ASN1_OBJECT_free(ad->method);
  ad->method = OBJ_nid2obj(NID_ad_OCSP);
  GENERAL_NAME_free(ad->location);
  ad->location = ia5Name(GEN_URI, url).release();
  if (sk_ACCESS_DESCRIPTION_push(aia.get(), ad.get()) <= 0) throwOpenSsl(Category::Internal, "sk_push");
  (void)ad.release();
  ext.structure(NID_info_access, aia.get());
}

void addCrlDistributionPoint(Extensions& ext, const std::string& url) {
  CrlDistPoints points(CRL_DIST_POINTS_new());
  DistPoint point(DIST_POINT_new());
  if (!points || !point) throwOpenSsl(Category::Internal, "CRL_DIST_POINTS_new");
  point->distpoint = DIST_POINT_NAME_new();
  GeneralNames names(GENERAL_NAMES_new());
  if (!point->distpoint || !names) throwOpenSsl(Category::Internal, "DIST_POINT_NAME_new");
  push(names.get(), ia5Name(GEN_URI, url));
  point->distpoint->type = 0;  // fullName
  point->distpoint->name.fullname = names.release();
  if (sk_DIST_POINT_push(points.get(), point.get()) <= 0) throwOpenSsl(Category::Internal, "sk_push");
  (void)point.release();
  ext.structure(NID_crl_distribution_points, points.get());
}

void addPolicy(Extensions& ext, const char* oid) {
  ossl::CertPolicies policies(CERTIFICATEPOLICIES_new());
  ossl::Ptr<POLICYINFO, POLICYINFO_free> info(POLICYINFO_new());
  if (!policies || !info) throwOpenSsl(Category::Internal, "POLICYINFO_new");
  ASN1_OBJECT_free(info->policyid);
  info->policyid = OBJ_txt2obj(oid, 1);
  if (!info->policyid || sk_POLICYINFO_push(policies.get(), info.get()) <= 0) {
    throwOpenSsl(Category::Internal, "certificatePolicies");
  }
  (void)info.release();
  ext.structure(NID_certificate_policies, policies.get());
}

Bytes derLength(std::size_t n) {
  if (n < 0x80) return {static_cast<std::uint8_t>(n)};
  Bytes out;
  for (std::size_t v = n; v > 0; v >>= 8) out.insert(out.begin(), static_cast<std::uint8_t>(v & 0xff));
  out.insert(out.begin(), static_cast<std::uint8_t>(0x80 | out.size()));
  return out;
}

Bytes derSequence(const Bytes& content) {
  Bytes out{0x30};
  const Bytes len = derLength(content.size());
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes derOid(const char* dotted) {
  ossl::Asn1Object oid(OBJ_txt2obj(dotted, 1));
  const int len = oid ? i2d_ASN1_OBJECT(oid.get(), nullptr) : -1;
  if (len <= 0) throwOpenSsl(Category::Internal, "i2d_ASN1_OBJECT");
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_ASN1_OBJECT(oid.get(), &p);
  return out;
}

/// ETSI EN 319 412-5 §4: QCStatements ::= SEQUENCE OF QCStatement,
/// QCStatement ::= SEQUENCE { statementId OBJECT IDENTIFIER, statementInfo ANY OPTIONAL };
/// QcCompliance and QcSSCD carry no statementInfo.  OpenSSL has no type for it.
Bytes qcStatementsDer() {
  Bytes statements;
  for (const char* oid : {kQcCompliance, kQcSscd}) {
    const Bytes one = derSequence(derOid(oid));
    statements.insert(statements.end(), one.begin(), one.end());
  }
  return derSequence(statements);
}

void sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0)
    throwOpenSsl(Category::Crypto, tr("the certificate could not be signed"));
}

bool validReason(int reason) {
  // RFC 5280 §5.3.1: 7 is not used; removeFromCRL (8) belongs to delta CRLs.
  return (reason >= 0 && reason <= 6) || reason == 9 || reason == 10;
}

struct Revocation {
  std::int64_t time = 0;
  int reason = 0;
};

bool isUpperHex(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); });
}

Bytes ocspStatusOnly(int status) {
  OcspResponse resp(OCSP_response_create(status, nullptr));
  return ossl::der(i2d_OCSP_RESPONSE, resp.get(), Category::Internal, "i2d_OCSP_RESPONSE");
}

/// A v2 CRL of `ca` signed with `key`, listing `revoked`; thisUpdate `now`,
/// nextUpdate `now` + 1 day.
Bytes buildCrl(X509* ca, EVP_PKEY* key, const std::map<std::string, Revocation>& revoked, std::int64_t now) {
  X509Crl crl(X509_CRL_new());
  if (!crl) throwOpenSsl(Category::Internal, "X509_CRL_new");
  const ossl::Asn1Time thisUpdate = asn1Time(now);
  const ossl::Asn1Time nextUpdate = asn1Time(now + kDay);
  if (X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca)) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), thisUpdate.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), nextUpdate.get()) != 1) {
    throwOpenSsl(Category::Internal, "X509_CRL");
  }
  for (const auto& [serialHex, r] : revoked) {
    X509Revoked entry(X509_REVOKED_new());
    const ossl::Asn1Integer serial = serialFromHex(serialHex);
    const ossl::Asn1Time when = asn1Time(r.time);
    if (!entry || X509_REVOKED_set_serialNumber(entry.get(), serial.get()) != 1 ||
        X509_REVOKED_set_revocationDate(entry.get(), when.get()) != 1) {
      throwOpenSsl(Category::Internal, "X509_REVOKED");
    }
    // RFC 5280 §5.3.1: "the reason code CRL entry extension SHOULD be absent
    // instead of using the unspecified (0) reasonCode value".
    if (r.reason != 0) {
      Asn1Enumerated code(ASN1_ENUMERATED_new());
      if (!code || ASN1_ENUMERATED_set(code.get(), r.reason) != 1 ||
          X509_REVOKED_add1_ext_i2d(entry.get(), NID_crl_reason, code.get(), 0, 0) != 1) {
        throwOpenSsl(Category::Internal, "CRLReason");
      }
    }
    if (X509_CRL_add0_revoked(crl.get(), entry.get()) != 1) throwOpenSsl(Category::Internal, "X509_CRL_add0_revoked");
    (void)entry.release();
  }
  // RFC 5280 §5.2.3: conforming CAs MUST include a monotonically increasing
  // cRLNumber.  thisUpdate in seconds is one, as long as the clock is.
  ossl::Asn1Integer crlNumber(ASN1_INTEGER_new());
  if (!crlNumber || ASN1_INTEGER_set_int64(crlNumber.get(), now) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, crlNumber.get(), 0, 0) != 1) {
    throwOpenSsl(Category::Internal, "cRLNumber");
  }
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, ca, nullptr, nullptr, crl.get(), 0);
  X509Ext aki(X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always"));
  if (!aki || X509_CRL_add_ext(crl.get(), aki.get(), -1) != 1) throwOpenSsl(Category::Internal, "CRL AKI");
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), key, EVP_sha256()) <= 0) {
    throwOpenSsl(Category::Crypto, tr("the CRL could not be signed"));
  }
  return ossl::der(i2d_X509_CRL, crl.get(), Category::Internal, "i2d_X509_CRL");
}

}  // namespace

// ------------------------------------------------------------------ Impl

struct DemoCa::Impl {
  Impl(fs::path d, Certificate r, ossl::EvpPkey rk, Certificate i, ossl::EvpPkey ik)
      : dir(std::move(d)),
        root(std::move(r)),
        rootKey(std::move(rk)),
        issuing(std::move(i)),
        issuingKey(std::move(ik)) {}

  fs::path dir;
  Certificate root;
  ossl::EvpPkey rootKey;
  Certificate issuing;
  ossl::EvpPkey issuingKey;
  /// Serialises the registers (revoked.txt, issued.txt) and every use of
  /// them; they are read from the folder on each use, so revocations made
  /// by another DemoCa on the same folder are seen at once.
  mutable std::mutex mutex;

  std::string caName() const {
    std::string o = firstNameEntry(X509_get_subject_name(root.native()), NID_organizationName);
    return o.empty() ? std::string("SecureDoc") : o;
  }

  std::map<std::string, Revocation> readRevocations(const char* name = kRevoked) const {
    const fs::path file = dir / name;
    std::error_code ec;
    if (std::string_view(name) == kRootRevoked && !fs::exists(fs::symlink_status(file, ec))) return {};
    std::istringstream in(readText(file));
    in.imbue(std::locale::classic());
    std::map<std::string, Revocation> out;
    std::string line;
    for (int lineNo = 1; std::getline(in, line); ++lineNo) {
      if (line.empty()) continue;
      std::istringstream fields(line);
      fields.imbue(std::locale::classic());
      std::string serial;
      Revocation r;
      std::string rest;
      if (!(fields >> serial >> r.time >> r.reason) || (fields >> rest) || !isUpperHex(serial) || r.time < 0 ||
          !validReason(r.reason)) {
        throw Error(Category::Malformed,
                    format(tr("line {0} of the revocation list is not \"SERIAL TIME REASON\""), {lineNo}),
                    file.string());
      }
      out.emplace(serial, r);
    }
    return out;
  }

  void writeRevocations(const std::map<std::string, Revocation>& list, const char* name = kRevoked) const {
    std::ostringstream out;
    out.imbue(std::locale::classic());
    for (const auto& [serial, r] : list) out << serial << ' ' << r.time << ' ' << r.reason << '\n';
    const std::string text = out.str();
    AtomicFile file(dir / name, 0644);
    file.write(text);
    file.placeReplacing();
  }

  std::set<std::string> readIssued() const {
    std::istringstream in(readText(dir / kIssued));
    std::set<std::string> out;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.insert(line);
    }
    return out;
  }

  void recordIssued(X509* cert) const {
    const std::string line = serialHexOf(X509_get0_serialNumber(cert)) + "\n";
    const fs::path file = dir / kIssued;
    UniqueFd out(::open(file.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC));
    if (!out) throwIo(tr("cannot write the file"), file, errno);
    int err = writeAll(out.get(), line.data(), line.size());
    if (err == 0 && ::fsync(out.get()) != 0) err = errno;
    if (err == 0) err = out.close();
    if (err != 0) throwIo(tr("cannot write the file"), file, err);
  }

  /// notAfter of a certificate from the issuing CA: never beyond the CA's own.
  std::int64_t clampToIssuing(std::int64_t notAfter) const {
    return std::min<std::int64_t>(notAfter, static_cast<std::int64_t>(issuing.notAfter()));
  }

  /// The profile every end-entity certificate shares.
  static void endEntityBase(Extensions& ext, const char* keyUsage) {
    ext.conf(NID_basic_constraints, "critical,CA:FALSE");
    ext.conf(NID_key_usage, keyUsage);
    ext.conf(NID_subject_key_identifier, "hash");
    ext.conf(NID_authority_key_identifier, "keyid:always");
  }

  Bytes answerOcsp(OCSP_REQUEST* request, std::int64_t now) const {
    const std::map<std::string, Revocation> revoked = readRevocations();
    const std::set<std::string> issued = readIssued();
    OcspBasicResp basic(OCSP_BASICRESP_new());
    if (!basic) throwOpenSsl(Category::Internal, "OCSP_BASICRESP_new");
    const ossl::Asn1Time thisUpdate = asn1Time(now);
    const ossl::Asn1Time nextUpdate = asn1Time(now + kDay);
    X509* ca = issuing.native();
    const int count = OCSP_request_onereq_count(request);
    for (int i = 0; i < count; ++i) {
      OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(request, i));
      ASN1_OBJECT* hashAlg = nullptr;
      ASN1_INTEGER* serial = nullptr;
      if (OCSP_id_get0_info(nullptr, &hashAlg, nullptr, &serial, id) != 1) {
        throwOpenSsl(Category::Internal, "OCSP_id_get0_info");
      }
      // RFC 6960 §4.1.1: the CertID names the issuer by the hashes of its
      // name and key, with the algorithm the client chose; make ours with
      // that algorithm and compare.  A serial this CA never issued is
      // "unknown", not "good": §2.2 "good" is a positive answer.
      int status = V_OCSP_CERTSTATUS_UNKNOWN;
      int reason = OCSP_REVOKED_STATUS_NOSTATUS;
      ossl::Asn1Time revokedAt;
      const EVP_MD* md = EVP_get_digestbyobj(hashAlg);
      if (md) {
        OcspCertId ours(OCSP_cert_id_new(md, X509_get_subject_name(ca), X509_get0_pubkey_bitstr(ca), serial));
        if (!ours) throwOpenSsl(Category::Internal, "OCSP_cert_id_new");
        const std::string hex = serialHexOf(serial);
        if (OCSP_id_issuer_cmp(ours.get(), id) == 0 && issued.count(hex) != 0) {
          const auto it = revoked.find(hex);
          if (it == revoked.end()) {
            status = V_OCSP_CERTSTATUS_GOOD;
          } else {
            status = V_OCSP_CERTSTATUS_REVOKED;
            revokedAt = asn1Time(it->second.time);
            // RFC 5280 §5.3.1: the unspecified reason is left out, not sent.
            if (it->second.reason != 0) reason = it->second.reason;
          }
        }
      }
      ERR_clear_error();  // an unknown hash algorithm leaves an entry
      if (!OCSP_basic_add1_status(basic.get(), id, status, reason, revokedAt.get(), thisUpdate.get(),
                                  nextUpdate.get())) {
        throwOpenSsl(Category::Internal, "OCSP_basic_add1_status");
      }
    }
    // RFC 6960 §4.4.1: the nonce "cryptographically binds a request and a response".
    if (OCSP_copy_nonce(basic.get(), request) <= 0) throwOpenSsl(Category::Internal, "OCSP_copy_nonce");
    if (OCSP_basic_sign(basic.get(), ca, issuingKey.get(), EVP_sha256(), nullptr, 0) != 1) {
      throwOpenSsl(Category::Crypto, tr("the OCSP response could not be signed"));
    }
    OcspResponse resp(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
    return ossl::der(i2d_OCSP_RESPONSE, resp.get(), Category::Internal, "i2d_OCSP_RESPONSE");
  }
};

// ------------------------------------------------------------------ DemoCa

DemoCa::DemoCa(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
DemoCa::DemoCa(DemoCa&&) noexcept = default;
DemoCa& DemoCa::operator=(DemoCa&&) noexcept = default;
DemoCa::~DemoCa() = default;

DemoCa DemoCa::create(const fs::path& dir, const std::string& name, const std::string& rootCrlUrl) {
  if (name.empty()) throw Error(Category::Usage, tr("the certification authority needs a name"));
  if (!rootCrlUrl.empty()) checkUrl(rootCrlUrl);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(Category::Io, tr("cannot create the folder"), dir.string(), ec.message());
  for (const char* f : {kRootCert, kRootKey, kIssuingCert, kIssuingKey, kRevoked, kIssued, kRootRevoked}) {
    if (fs::exists(fs::symlink_status(dir / f))) {
      throw Error(Category::Usage, tr("the folder already holds a certification authority"), (dir / f).string());
    }
  }

  const std::int64_t now = std::time(nullptr);
  ossl::EvpPkey rootKey = generateRsa(3072);
  ossl::EvpPkey issuingKey = generateRsa(2048);

  X509Name rootName(X509_NAME_new());
  X509Name issuingName(X509_NAME_new());
  if (!rootName || !issuingName) throwOpenSsl(Category::Internal, "X509_NAME_new");
  for (X509_NAME* n : {rootName.get(), issuingName.get()}) {
    addNameEntry(n, NID_countryName, "PL");
    addNameEntry(n, NID_organizationName, name);
  }
  addNameEntry(rootName.get(), NID_commonName, name + " Root CA");
  addNameEntry(issuingName.get(), NID_commonName, name + " Issuing CA");

  ossl::X509Ptr root = newCertificate(rootName.get(), nullptr, rootKey.get(), now, now + kRootDays * kDay);
  {
    Extensions ext(root.get(), nullptr, rootKey.get());
    ext.conf(NID_basic_constraints, "critical,CA:TRUE");
    ext.conf(NID_key_usage, "critical,keyCertSign,cRLSign");
    ext.conf(NID_subject_key_identifier, "hash");
    ext.conf(NID_authority_key_identifier, "keyid:always");
  }
  sign(root.get(), rootKey.get());

  // The issuing CA expires before the root (RFC 5280 leaves this to policy;
  // a chain is only valid while every certificate in it is).
  ossl::X509Ptr issuing =
      newCertificate(issuingName.get(), rootName.get(), issuingKey.get(), now, now + kIssuingDays * kDay);
  {
    Extensions ext(issuing.get(), root.get(), rootKey.get());
    ext.conf(NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    ext.conf(NID_key_usage, "critical,keyCertSign,cRLSign");
    ext.conf(NID_subject_key_identifier, "hash");
    ext.conf(NID_authority_key_identifier, "keyid:always");
    // RFC 5280 §4.2.1.13: where a relying party checking the whole path
    // finds the root's CRL, which says whether this CA is revoked.
    if (!rootCrlUrl.empty()) addCrlDistributionPoint(ext, rootCrlUrl);
  }
  sign(issuing.get(), rootKey.get());

  // Keys first, O_EXCL: a concurrent create() on the same folder fails here.
  {
    std::string rootPem = pemOfKey(rootKey.get());
    const WipeOnExit wipeRoot(rootPem);
    std::string issuingPem = pemOfKey(issuingKey.get());
    const WipeOnExit wipeIssuing(issuingPem);
    createFile(dir / kRootKey, rootPem, 0600);
    createFile(dir / kIssuingKey, issuingPem, 0600);
  }
  const std::string rootText = pemOfCert(root.get());
  const std::string issuingText = pemOfCert(issuing.get());
  createFile(dir / kRootCert, rootText, 0644);
  createFile(dir / kIssuingCert, issuingText, 0644);
  createFile(dir / kRevoked, "", 0644);
  createFile(dir / kIssued, "", 0644);
  createFile(dir / kRootRevoked, "", 0644);
  syncFolder(dir);

  return DemoCa(std::make_unique<Impl>(dir, Certificate(root.get()), std::move(rootKey), Certificate(issuing.get()),
                                       std::move(issuingKey)));
}

DemoCa DemoCa::open(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(Category::Io, tr("no certification authority in this folder"), dir.string());
  }
  for (const char* f : {kRootCert, kRootKey, kIssuingCert, kIssuingKey, kRevoked, kIssued}) {
    if (!fs::is_regular_file(dir / f, ec)) {
      throw Error(Category::Io, tr("no certification authority in this folder: a file is missing"), (dir / f).string());
    }
  }
  Certificate root = loadOneCert(dir / kRootCert);
  Certificate issuing = loadOneCert(dir / kIssuingCert);
  ossl::EvpPkey rootKey = loadKey(dir / kRootKey);
  ossl::EvpPkey issuingKey = loadKey(dir / kIssuingKey);
  if (X509_check_private_key(root.native(), rootKey.get()) != 1) {
    throwOpenSsl(Category::Malformed, tr("the private key does not belong to the root CA certificate"),
                 (dir / kRootKey).string());
  }
  if (X509_check_private_key(issuing.native(), issuingKey.get()) != 1) {
    throwOpenSsl(Category::Malformed, tr("the private key does not belong to the issuing CA certificate"),
                 (dir / kIssuingKey).string());
  }
  if (!root.isCa() || !issuing.isCa() || X509_check_issued(root.native(), issuing.native()) != X509_V_OK ||
      X509_verify(issuing.native(), X509_get0_pubkey(root.native())) != 1) {
    ERR_clear_error();
    throw Error(Category::Malformed, tr("the issuing CA certificate was not issued by the root CA"),
                (dir / kIssuingCert).string());
  }
  auto impl =
      std::make_unique<Impl>(dir, std::move(root), std::move(rootKey), std::move(issuing), std::move(issuingKey));
  // A damaged list is found now, not at the first OCSP request.
  (void)impl->readRevocations();
  (void)impl->readRevocations(kRootRevoked);
  return DemoCa(std::move(impl));
}

Certificate DemoCa::root() const { return m_impl->root; }
Certificate DemoCa::issuing() const { return m_impl->issuing; }

Certificate DemoCa::issueSigner(const Bytes& spkiDer, const SubjectFields& subject, int days,
                                const std::string& ocspUrl, const std::string& crlUrl) {
  if (days < 1) throw Error(Category::Usage, format(tr("{0} is not a number of days"), {days}));
  if (subject.givenName.empty() || subject.surname.empty() || subject.serialNumber.empty()) {
    throw Error(Category::Usage,
                tr("a signing certificate needs the given name, surname and serial number of its subject"));
  }
  if (subject.country.size() != 2 ||
      !std::all_of(subject.country.begin(), subject.country.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    throw Error(Category::Usage, format(tr("\"{0}\" is not an ISO 3166 country code"), {subject.country}));
  }
  if (!subject.email.empty() && !isMailbox(subject.email)) {
    throw Error(Category::Usage, format(tr("\"{0}\" is not an e-mail address"), {subject.email}));
  }
  if (!ocspUrl.empty()) checkUrl(ocspUrl);
  if (!crlUrl.empty()) checkUrl(crlUrl);

  const unsigned char* p = spkiDer.data();
  ossl::EvpPkey publicKey(spkiDer.empty() ? nullptr : d2i_PUBKEY(nullptr, &p, static_cast<long>(spkiDer.size())));
  if (!publicKey || p != spkiDer.data() + spkiDer.size()) {
    throwOpenSsl(Category::Malformed, tr("the public key is not a DER SubjectPublicKeyInfo"));
  }
  const int type = EVP_PKEY_get_base_id(publicKey.get());
  const int bits = EVP_PKEY_get_bits(publicKey.get());
  if (!((type == EVP_PKEY_RSA && bits >= 2048) || (type == EVP_PKEY_EC && bits >= 256))) {
    throw Error(Category::Unsupported, tr("signing keys must be RSA of at least 2048 bits or EC of at least 256 bits"));
  }

  // ETSI EN 319 412-2 §4.2.4: a natural person's subject has countryName,
  // givenName and surname (or pseudonym), commonName and serialNumber.
  X509Name name(X509_NAME_new());
  if (!name) throwOpenSsl(Category::Internal, "X509_NAME_new");
  addNameEntry(name.get(), NID_countryName, subject.country);
  if (!subject.organisation.empty()) addNameEntry(name.get(), NID_organizationName, subject.organisation);
  addNameEntry(name.get(), NID_serialNumber, subject.serialNumber);
  addNameEntry(name.get(), NID_surname, subject.surname);
  addNameEntry(name.get(), NID_givenName, subject.givenName);
  addNameEntry(name.get(), NID_commonName, subject.givenName + " " + subject.surname);

  const std::lock_guard lock(m_impl->mutex);
  X509* ca = m_impl->issuing.native();
  const std::int64_t now = std::time(nullptr);
  ossl::X509Ptr cert = newCertificate(name.get(), X509_get_subject_name(ca), publicKey.get(), now,
                                      m_impl->clampToIssuing(now + days * kDay));
  {
    Extensions ext(cert.get(), ca, m_impl->issuingKey.get());
    Impl::endEntityBase(ext, "critical,nonRepudiation");
    addPolicy(ext, kQcpNQscd);
    ext.raw(NID_qcStatements, qcStatementsDer(), false);
    if (!ocspUrl.empty()) addOcspAccess(ext, ocspUrl);
    if (!crlUrl.empty()) addCrlDistributionPoint(ext, crlUrl);
    if (!subject.email.empty()) {
      GeneralNames san(GENERAL_NAMES_new());
      if (!san) throwOpenSsl(Category::Internal, "GENERAL_NAMES_new");
      push(san.get(), ia5Name(GEN_EMAIL, subject.email));
      ext.structure(NID_subject_alt_name, san.get());
    }
  }
  sign(cert.get(), m_impl->issuingKey.get());
  m_impl->recordIssued(cert.get());
  return Certificate(cert.get());
}

void DemoCa::issueTlsServer(const fs::path& certPem, const fs::path& keyPem) {
  ossl::EvpPkey key = generateP256();
  X509* root = m_impl->root.native();
  X509Name name(X509_NAME_new());
  if (!name) throwOpenSsl(Category::Internal, "X509_NAME_new");
  copyNameEntries(X509_get_subject_name(root), name.get(), NID_countryName);
  copyNameEntries(X509_get_subject_name(root), name.get(), NID_organizationName);
  addNameEntry(name.get(), NID_commonName, "localhost");

  const std::lock_guard lock(m_impl->mutex);
  const std::int64_t now = std::time(nullptr);
  const std::int64_t notAfter =
      std::min<std::int64_t>(now + kTlsDays * kDay, static_cast<std::int64_t>(m_impl->root.notAfter()));
  ossl::X509Ptr cert = newCertificate(name.get(), X509_get_subject_name(root), key.get(), now, notAfter);
  {
    Extensions ext(cert.get(), root, m_impl->rootKey.get());
    Impl::endEntityBase(ext, "critical,digitalSignature");
    ext.conf(NID_ext_key_usage, "serverAuth");
    // RFC 6125 §6.4.4: clients match subjectAltName, not the CN.
    GeneralNames san(GENERAL_NAMES_new());
    GeneralName ip(GENERAL_NAME_new());
    ossl::Asn1OctetString address(a2i_IPADDRESS("127.0.0.1"));
    if (!san || !ip || !address) throwOpenSsl(Category::Internal, "subjectAltName");
    GENERAL_NAME_set0_value(ip.get(), GEN_IPADD, address.release());
    push(san.get(), std::move(ip));
    push(san.get(), ia5Name(GEN_DNS, "localhost"));
    ext.structure(NID_subject_alt_name, san.get());
  }
  sign(cert.get(), m_impl->rootKey.get());
  writeKeyAndCert(key.get(), cert.get(), certPem, keyPem);
}

void DemoCa::issueTsa(const fs::path& certPem, const fs::path& keyPem) {
  ossl::EvpPkey key = generateRsa(2048);
  X509* ca = m_impl->issuing.native();
  X509Name name(X509_NAME_new());
  if (!name) throwOpenSsl(Category::Internal, "X509_NAME_new");
  copyNameEntries(X509_get_subject_name(ca), name.get(), NID_countryName);
  copyNameEntries(X509_get_subject_name(ca), name.get(), NID_organizationName);
  addNameEntry(name.get(), NID_commonName, m_impl->caName() + " TSA");

  const std::lock_guard lock(m_impl->mutex);
  const std::int64_t now = std::time(nullptr);
  ossl::X509Ptr cert = newCertificate(name.get(), X509_get_subject_name(ca), key.get(), now,
                                      m_impl->clampToIssuing(now + kTsaDays * kDay));
  {
    Extensions ext(cert.get(), ca, m_impl->issuingKey.get());
    Impl::endEntityBase(ext, "critical,digitalSignature");
    // RFC 3161 §2.3: "The corresponding certificate MUST contain only one
    // instance of the extended key usage field extension ... with KeyPurposeID
    // having value: id-kp-timeStamping.  This extension MUST be critical."
    ext.conf(NID_ext_key_usage, "critical,timeStamping");
  }
  sign(cert.get(), m_impl->issuingKey.get());
  writeKeyAndCert(key.get(), cert.get(), certPem, keyPem);
  m_impl->recordIssued(cert.get());
}

void DemoCa::revoke(const Certificate& cert, int reason, std::int64_t when) {
  if (!validReason(reason)) {
    throw Error(Category::Usage, format(tr("{0} is not an RFC 5280 revocation reason"), {reason}));
  }
  if (when < 0) throw Error(Category::Usage, format(tr("{0} is not a representable time"), {when}));
  const auto issuedBy = [&](const Certificate& ca) {
    const bool yes = X509_check_issued(ca.native(), cert.native()) == X509_V_OK &&
                     X509_verify(cert.native(), X509_get0_pubkey(ca.native())) == 1;
    ERR_clear_error();
    return yes;
  };
  // The root cannot be revoked by a CRL it signs itself (RFC 5280 §6.1: a
  // trust anchor is taken out of use by removing it, not by revocation).
  const bool isRoot = X509_cmp(cert.native(), m_impl->root.native()) == 0;
  const char* list = nullptr;
  if (!isRoot && issuedBy(m_impl->issuing))
    list = kRevoked;
  else if (!isRoot && issuedBy(m_impl->root))
    list = kRootRevoked;
  else
    throw Error(Category::Usage, format(tr("the certificate of \"{0}\" was not issued by this certification authority"),
                                        {cert.subject()}));
  const std::string serial = cert.serialHex();
  const std::lock_guard lock(m_impl->mutex);
  std::map<std::string, Revocation> entries = m_impl->readRevocations(list);
  // A revocation is final (RFC 5280 §3.3); revoking again keeps the first.
  if (entries.emplace(serial, Revocation{when, reason}).second) m_impl->writeRevocations(entries, list);
}

Bytes DemoCa::crl(std::int64_t now) const {
  const std::lock_guard lock(m_impl->mutex);
  return buildCrl(m_impl->issuing.native(), m_impl->issuingKey.get(), m_impl->readRevocations(), now);
}

Bytes DemoCa::rootCrl(std::int64_t now) const {
  const std::lock_guard lock(m_impl->mutex);
  return buildCrl(m_impl->root.native(), m_impl->rootKey.get(), m_impl->readRevocations(kRootRevoked), now);
}

Bytes DemoCa::ocspRespond(const Bytes& requestDer, std::int64_t now) const {
  // RFC 6960 §4.2.1: "malformedRequest: Illegal confirmation request" - for
  // anything that is not exactly one DER OCSPRequest with 1..64 requests.
  OcspRequest request;
  if (!requestDer.empty() && requestDer.size() <= kMaxOcspRequest) {
    const unsigned char* p = requestDer.data();
    request.reset(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(requestDer.size())));
    if (request && p != requestDer.data() + requestDer.size()) request.reset();
  }
  if (request) {
    const int count = OCSP_request_onereq_count(request.get());
    if (count < 1 || count > kMaxOcspSingleRequests) request.reset();
  }
  ERR_clear_error();
  if (!request) return ocspStatusOnly(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);

  const std::lock_guard lock(m_impl->mutex);
  try {
    return m_impl->answerOcsp(request.get(), now);
  } catch (const Error&) {
    // "internalError: Internal error in issuer" - the client tries elsewhere
    // or later; the responder's own trouble is not its to read.
    ERR_clear_error();
    return ocspStatusOnly(OCSP_RESPONSE_STATUS_INTERNALERROR);
  }
}

}  // namespace securedoc::cloud
