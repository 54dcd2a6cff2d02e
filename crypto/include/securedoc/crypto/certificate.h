#pragma once
// An X.509 certificate with the fields a person checks before trusting a
// signature: who (subject and its person attributes), issued by whom, serial,
// validity to the second, key usage, policies and key type.
#include <securedoc/base/bytes.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

typedef struct x509_st X509;

namespace securedoc {

class Certificate {
 public:
  /// Takes a reference on `cert` (X509_up_ref).
  explicit Certificate(X509* cert);
  /// Parses DER; throws Error(Malformed).
  static Certificate fromDer(const Bytes& der);
  /// All certificates in a PEM (any number) or DER file; throws Error(Io/Malformed).
  static std::vector<Certificate> loadFile(const std::filesystem::path& file);

  /// RFC 2253 order reversed into the usual reading order, e.g.
  /// "CN=Jan Kowalski,serialNumber=PNOPL-8001...,O=...,C=PL".
  std::string subject() const;
  std::string issuer() const;
  /// Subject attributes in order, short names ("CN", "serialNumber", "GN", "SN", "C", "O"...).
  std::vector<std::pair<std::string, std::string>> subjectFields() const;
  /// The first value of a subject attribute, or "".
  std::string subjectField(const std::string& shortName) const;
  std::string commonName() const { return subjectField("CN"); }
  /// Serial number in upper-case hex.
  std::string serialHex() const;
  std::time_t notBefore() const;
  std::time_t notAfter() const;
  /// "digitalSignature", "nonRepudiation", ... in RFC 5280 order.
  std::vector<std::string> keyUsage() const;
  bool hasKeyUsageExtension() const;
  bool allowsNonRepudiation() const;
  /// Extended key usage short names ("timeStamping"...).
  std::vector<std::string> extendedKeyUsage() const;
  /// Extended key usage purposes as dotted OIDs ("1.3.6.1.5.5.7.3.8"...), in
  /// certificate order; empty without the extension (RFC 5280 §4.2.1.12).
  std::vector<std::string> extendedKeyUsageOids() const;
  bool hasExtendedKeyUsageExtension() const;
  /// Whether the extended key usage extension is marked critical (RFC 3161
  /// §2.3 requires it for a TSA certificate).
  bool extendedKeyUsageCritical() const;
  /// The public key's algorithm: "RSA", "RSA-PSS", "EC", "DSA", "ED25519",
  /// "ED448", or OpenSSL's name for others.
  std::string keyAlgorithm() const;
  /// The key size in bits (RSA/DSA modulus, EC field size); 0 if unknown.
  int keyBits() const;
  /// The EC curve's short name ("prime256v1", "brainpoolP256r1"...), "" for other keys.
  std::string curveName() const;
  /// Certificate policy OIDs in dotted form.
  std::vector<std::string> policies() const;
  /// The OCSP responders the certificate names (RFC 5280 §4.2.2.1,
  /// authorityInfoAccess id-ad-ocsp), URIs in certificate order.
  std::vector<std::string> ocspUrls() const;
  /// The CRLs the certificate names (RFC 5280 §4.2.1.13, full names of its
  /// distribution points that are URIs), in certificate order.
  std::vector<std::string> crlUrls() const;
  /// id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1): a delegated OCSP
  /// responder whose own status is not to be checked.
  bool hasOcspNoCheck() const;
  /// "RSA-2048", "EC P-256 (prime256v1)", "RSA-PSS-2048"...
  std::string keyType() const;
  bool isEcKey() const;
  bool isCa() const;
  bool selfIssued() const;
  Bytes der() const;
  /// SHA-256 of the DER, upper-case hex.
  std::string sha256Fingerprint() const;
  /// Whether `when` lies within [notBefore, notAfter].
  bool validAt(std::time_t when) const;

  X509* native() const { return m_cert.get(); }
  bool operator==(const Certificate& o) const;

 private:
  std::shared_ptr<X509> m_cert;
};

/// ISO 8601 UTC with seconds: "2026-11-24T10:00:00Z".
std::string isoTime(std::time_t t);

}  // namespace securedoc
