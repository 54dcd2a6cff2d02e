#pragma once
// The reference service's certification authority: a root and
// an issuing CA kept in a folder, qualified-style signing certificates for
// keys generated in the HSM, the TLS and TSA certificates of the service,
// revocation with a CRL and an OCSP responder.  FOR DEMONSTRATION: the CA
// keys are PEM files (mode 0600), not HSM keys.
#include <securedoc/base/bytes.h>
#include <securedoc/crypto/certificate.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace securedoc::cloud {

/// The subject of a signing certificate (ETSI EN 319 412-2 natural person).
struct SubjectFields {
  std::string givenName;
  std::string surname;
  std::string serialNumber;  ///< national ID in ETSI form, e.g. "PNOPL-80010112345"
  std::string country;       ///< ISO 3166 alpha-2
  std::string organisation;  ///< may be empty
  std::string email;         ///< may be empty (rfc822Name in subjectAltName)
};

class DemoCa {
 public:
  /// Makes a new root CA (RSA-3072, 10 years) and issuing CA (RSA-2048,
  /// 9 years) in `dir` (created; must not hold a CA yet): root-ca.pem,
  /// root-ca.key, issuing-ca.pem, issuing-ca.key, and the revocation list.
  /// The registers are text files rewritten atomically: revoked.txt ("SERIAL
  /// UNIXTIME REASON" per line) and issued.txt (serials the issuing CA made,
  /// so that OCSP says "unknown", not "good", for any other).  They are read
  /// on every use, so several DemoCa on one folder see each other's
  /// revocations.  All member functions may be called from several threads.
  /// `name` goes into the CAs' subjects ("<name> Root CA", "<name> Issuing CA").
  /// The root's own revocations (of the issuing CA, of TLS certificates) are
  /// kept apart in root-revoked.txt, same format; a folder made before it
  /// existed reads as "none revoked".  `rootCrlUrl`, when given (an http://
  /// URL; Error(Usage) otherwise), becomes the issuing CA certificate's CRL
  /// distribution point, where rootCrl() is to be served (RFC 5280
  /// §4.2.1.13): relying parties that check the whole path find the root's
  /// CRL there.  Empty: no CRL distribution point.
  static DemoCa create(const std::filesystem::path& dir, const std::string& name, const std::string& rootCrlUrl = "");
  /// Opens a CA made by create().  Error(Io/Malformed) when it is not one.
  static DemoCa open(const std::filesystem::path& dir);
  DemoCa(DemoCa&&) noexcept;
  DemoCa& operator=(DemoCa&&) noexcept;
  ~DemoCa();

  Certificate root() const;
  Certificate issuing() const;

  /// A signing certificate for `spkiDer` (SubjectPublicKeyInfo) from the
  /// issuing CA: keyUsage nonRepudiation (critical), certificatePolicies
  /// QCP-n-qscd 0.4.0.194112.1.2, qcStatements (QcCompliance, QcSSCD), AIA
  /// with `ocspUrl`, CRL distribution point `crlUrl` (each left out when
  /// empty), a random 16-byte serial, valid from now for `days` (to the
  /// second; cut to the issuing CA's notAfter).  Error(Malformed) for a bad
  /// SPKI, Error(Unsupported) for keys other than RSA >= 2048 and EC >= 256,
  /// Error(Usage) for subject fields the DN cannot hold or a non-http URL.
  Certificate issueSigner(const Bytes& spkiDer, const SubjectFields& subject, int days, const std::string& ocspUrl,
                          const std::string& crlUrl);
  /// A TLS server certificate for 127.0.0.1 and localhost (subjectAltName,
  /// EKU serverAuth) with a new P-256 key, signed by the root; both PEM,
  /// the key 0600.  The root is the clients' trust anchor.
  void issueTlsServer(const std::filesystem::path& certPem, const std::filesystem::path& keyPem);
  /// A time-stamping certificate (EKU timeStamping, critical) with a new
  /// RSA-2048 key from the issuing CA; both PEM, the key 0600.
  void issueTsa(const std::filesystem::path& certPem, const std::filesystem::path& keyPem);

  /// Marks a certificate of this CA revoked (RFC 5280 reason code) at `when`:
  /// one the issuing CA issued goes to its CRL and OCSP (revoked.txt), one the
  /// root issued (the issuing CA, a TLS certificate) to the root's CRL
  /// (root-revoked.txt).  Error(Usage) for the root itself, a certificate
  /// from another CA or an invalid reason.
  void revoke(const Certificate& cert, int reason, std::int64_t when);
  /// The issuing CA's CRL, DER, thisUpdate `now`, nextUpdate `now` + 1 day.
  Bytes crl(std::int64_t now) const;
  /// The root's CRL, DER, signed by the root: the certificates the root
  /// issued that are revoked (normally none); thisUpdate `now`, nextUpdate
  /// `now` + 1 day, cRLNumber and authorityKeyIdentifier as crl().
  Bytes rootCrl(std::int64_t now) const;
  /// Answers an OCSP request (RFC 6960, DER) about certificates of the
  /// issuing CA: good, revoked (with time and reason) or unknown; signed by
  /// the issuing CA; the nonce echoed.  A malformed request gets the
  /// malformedRequest status, never an exception (as does one asking about
  /// no certificate or more than 64); a failure of the CA itself (unreadable
  /// revoked.txt) gets internalError.  producedAt is the real clock.
  Bytes ocspRespond(const Bytes& requestDer, std::int64_t now) const;

 private:
  struct Impl;
  explicit DemoCa(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace securedoc::cloud
