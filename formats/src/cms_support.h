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
/// The digest of the signed content with a given algorithm (an archive
/// time-stamp's imprint algorithm may differ from the signer's); nullopt
/// when the content is not available.
using ContentHashFn = std::function<std::optional<Bytes>(const EVP_MD*)>;
/// B-LTA (ETSI EN 319 122-1 §5.5.3): asks the time-stamp service of
/// `params` for an archive-time-stamp-v3 over the content (`content`), the
/// signer's signed fields and an ATSHashIndexV3 (§5.5.2) of the certificates,
/// revocation data and unsigned attributes `cms` and `si` hold now; puts the
/// index into the token as its ats-hash-index-v3 and the token into `si`.
/// Call after the B-LT values; again later to renew.  Throws Error(Io) when
/// the content is missing, Error(Network/Crypto) from the service.
void addArchiveTimestamp(CMS_ContentInfo* cms, CMS_SignerInfo* si, const SignParams& params,
                         const ContentHashFn& content, const std::string& file);
/// The archive-time-stamp-v3 tokens (DER) of a SignerInfo.
std::vector<Bytes> archiveTimestampV3Tokens(CMS_SignerInfo* si);
struct ArchiveCheck {
  TimestampCheck tc;            ///< imprintMatches false also when the index lists what is gone
  bool contentMissing = false;  ///< the signed content was needed and not available
};
/// Checks one archive-time-stamp-v3 `token` of the SignerInfo whose
/// signature value is `signature` inside the DER ContentInfo
/// `contentInfoDer`, as the structure is now (EN 319 122-1 §5.5.2, §5.5.3).
ArchiveCheck checkArchiveTimestampV3(const Bytes& token, const Bytes& contentInfoDer, const Bytes& signature,
                                     const ContentHashFn& content, const std::vector<Certificate>& anchors,
                                     const std::vector<Certificate>& extraCerts,
                                     std::optional<std::time_t> validationTime);
/// The same for an archive-time-stamp-v2 (RFC 5126 §6.4.1, OID
/// 1.2.840.113549.1.9.16.2.48) whose imprint covers the whole structure as
/// it was: `detached` is the external content when eContent is absent.
ArchiveCheck checkArchiveTimestampV2(const Bytes& token, const Bytes& contentInfoDer, const Bytes& signature,
                                     const std::optional<std::filesystem::path>& detached,
                                     const std::vector<Certificate>& anchors,
                                     const std::vector<Certificate>& extraCerts,
                                     std::optional<std::time_t> validationTime);
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
  /// A proof of existence from outside the SignerInfo (PAdES: a valid
  /// document time-stamp over the revision that holds the signature, ETSI
  /// EN 319 142-1 §5.4.3), joined to what its own time-stamps prove.
  std::optional<std::time_t> laterPoe;
  /// CAdES B-LTA (EN 319 122-1 §5.5.3): the DER ContentInfo whose fields
  /// archive-time-stamp-v3 tokens cover, and the signed content's digest
  /// with any algorithm.  Unset (PAdES, counter-signatures found inside an
  /// attribute): archive time-stamps are listed as not validated.
  const Bytes* contentInfoDer = nullptr;
  ContentHashFn anyContentDigest = {};
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
/// DER of every SEQUENCE value of the unsigned attributes of type `oid`.
std::vector<Bytes> unsignedAttributeValuesByOid(CMS_SignerInfo* si, const char* oid);
std::string attributeLabel(X509_ATTRIBUTE* attr);
Check makeCheck(const char* id, Check::Status status, Note detail = {});
/// "B-B", "B-T", "B-LT", "B-LTA" from the unsigned attributes alone (what
/// the structure claims, for inspect).  verifySignerInfo lowers it to B-B
/// when no signature time-stamp is usable (checks::hasUsableSignatureTimestamp).
std::string levelOf(CMS_SignerInfo* si);

/// Verifies one SignerInfo in ETSI EN 319 102-1 order: signing certificate,
/// message digest, signature value (whatever the trust), ESS reference,
/// signature time-stamps, archive time-stamps (CAdES v3 and v2, with
/// `vc.contentInfoDer`), cryptographic constraints, chain and key usage.
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
