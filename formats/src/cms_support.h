#pragma once
// Internal to formats/: the CMS (RFC 5652) machinery the CAdES and PAdES
// modules share.  Building a SignedData needs only the certificate (two-phase
// signing, ARCHITECTURE.md "Signing (two phases)"); verifying one SignerInfo yields a SignatureReport.
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/signer.h>
#include <securedoc/crypto/tsa_client.h>
#include <securedoc/formats/format.h>

#include "signature_checks.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace securedoc::cms {

/// DER tag-length-value with a definite length.
Bytes tlv(std::uint8_t tag, const Bytes& v);
bool startsWith(const Bytes& b, std::string_view prefix);

// ------------------------------------------------------------- building ---

/// A SignedData whose single SignerInfo waits for its signature value.
struct Draft {
  ossl::Cms cms;
  CMS_SignerInfo* si = nullptr;  ///< owned by cms
  Bytes tbsDigest;               ///< what the signer backend signs
  SignatureScheme scheme = SignatureScheme::RsaPkcs1v15;
};

/// Builds the SignedData for `contentDigest` with the signed attributes
/// content-type, message-digest, ESS signing-certificate-v2 and, when given,
/// signing-time; embeds the certificate and its non-root chain.  `attached`
/// (may be null) becomes the encapsulated content.  `rsaPss` makes an RSA
/// signer's algorithm RSASSA-PSS.  `file` names the input in errors.
Draft draftSignedData(const Bytes& contentDigest, DigestAlgorithm alg, const OfferedCertificate& cert,
                      std::optional<std::time_t> signingTime, const Bytes* attached, bool rsaPss,
                      const std::string& file);
/// Puts the signature value in and checks it verifies (never write a value
/// for the wrong key or digest).  Throws Error(Crypto).
void completeSignedData(Draft& draft, const Bytes& signatureValue, const std::string& file);
/// Adds an RFC 3161 token as the signature-time-stamp unsigned attribute
/// (id-aa-signatureTimeStampToken, RFC 3161 Appendix A).
void addSignatureTimestamp(CMS_SignerInfo* si, const Bytes& tokenDer);
/// The RFC 3161 client's options for a signing job's time-stamp service
/// (every format's signature time-stamps and, later, archive ones).
TsaOptions timestampOptions(const SignParams& params);
/// B-T: asks the time-stamp service of `params` for a token over the
/// signature value and adds it.  Throws Error(Network/Crypto).
void addTimestamp(Draft& draft, const SignParams& params, const std::string& file);
/// B-LT (ETSI EN 319 122-1 §5.5): the unsigned attributes
/// certificate-values (the certificates of the signer's and the TSAs' paths
/// and of the OCSP responders that SignedData.certificates lacks) and
/// revocation-values (CRLs and BasicOCSPResponses), collected online by
/// ltv::collect.  Call after the signature time-stamp.
void addLongTermValues(CMS_ContentInfo* cms, CMS_SignerInfo* si, const SignParams& params, const std::string& file);
/// The octets of the signature value (what a signature time-stamp covers).
Bytes signatureValue(CMS_SignerInfo* si);
Bytes toDer(CMS_ContentInfo* cms);

// ---------------------------------------------------------- verification ---

/// Content digests for each algorithm the signers use, computed in one pass.
class ContentDigests {
 public:
  void need(const EVP_MD* md);
  void computeFromMemory(const unsigned char* data, std::size_t len);
  void computeFromFile(const std::filesystem::path& file);
  /// Hashes the byte ranges [offset, offset+length) of `file` in order.
  void computeFromRanges(const std::filesystem::path& file,
                         const std::vector<std::pair<std::uint64_t, std::uint64_t>>& ranges);
  bool ready() const { return m_ready; }
  const Bytes* get(const EVP_MD* md) const;
  static Bytes hash(const EVP_MD* md, const unsigned char* data, std::size_t len);

 private:
  struct Entry {
    const EVP_MD* md = nullptr;
    Bytes value;
  };
  std::map<int, Entry> m_digests;
  bool m_ready = false;
};

struct VerifyContext {
  const VerifyOptions& options;
  std::vector<Certificate> pool;  ///< certificates carried by the CMS
  std::time_t now;
  std::string format;  ///< "CAdES", "PAdES" for the report
  /// Revocation data the container embeds for every signer (SignedData's
  /// crls; PAdES: the document security store).
  checks::ValidationData validation;
};

/// SignedData.crls (RFC 5652 §10.2.1 RevocationInfoChoices) of a DER
/// ContentInfo: CRLs, and OCSP responses carried as
/// OtherRevocationInfoFormat id-ri-ocsp-response (RFC 5940 §4.1).  Whatever
/// cannot be read is left out (the verifier then finds no data).
checks::ValidationData signedDataValidationData(const Bytes& contentInfoDer);
/// What one SignerInfo embeds: the unsigned attributes revocation-values and
/// certificate-values (ETSI EN 319 122-1 §5.5.2, §5.5.1) and the signed
/// attribute adbe-revocationInfoArchival (ISO 32000-2 §12.8.3.3.2), added to
/// `data` and, for certificates, to `pool`.
void signerValidationData(CMS_SignerInfo* si, checks::ValidationData& data, std::vector<Certificate>& pool);

/// The digest of what a signature covers, for a digest algorithm; nullptr
/// when the content is not available.
using DigestFn = std::function<const Bytes*(const EVP_MD*)>;

const EVP_MD* signerDigest(CMS_SignerInfo* si);
std::string algorithmName(const X509_ALGOR* alg);
std::optional<std::time_t> signingTimeOf(CMS_SignerInfo* si);
std::vector<Bytes> unsignedAttributeValues(CMS_SignerInfo* si, int nid);
bool hasUnsignedAttribute(CMS_SignerInfo* si, const char* oid);
std::string attributeLabel(X509_ATTRIBUTE* attr);
Check makeCheck(const char* id, Check::Status status, Note detail = {});
/// "B-B", "B-T", "B-LT", "B-LTA" from the unsigned attributes alone (what
/// the structure claims, for inspect).  verifySignerInfo lowers it to B-B
/// when no signature time-stamp is usable (checks::hasUsableSignatureTimestamp).
std::string levelOf(CMS_SignerInfo* si);

/// Verifies one SignerInfo in ETSI EN 319 102-1 order: signing certificate,
/// message digest, signature value (whatever the trust), ESS reference,
/// signature time-stamps, cryptographic constraints, chain and key usage.
SignatureReport verifySignerInfo(CMS_SignerInfo* si, const std::string& id, const VerifyContext& vc,
                                 const DigestFn& contentDigest);
/// Counter-signatures of `si` (and theirs), appended to `out`.
void verifyCounterSignatures(CMS_SignerInfo* si, const std::string& id, const VerifyContext& vc,
                             std::vector<SignatureReport>& out, int depth);

/// Parses a CMS ContentInfo from DER; Error(Malformed) naming `file`.
ossl::Cms parseDer(const Bytes& der, const std::string& file);
/// Reads a CMS file in DER or PEM; Error(Malformed/Io) naming the file.
ossl::Cms readCms(const std::filesystem::path& file);
/// Every certificate the CMS carries.
std::vector<Certificate> certificatesOf(CMS_ContentInfo* cms);

}  // namespace securedoc::cms
