#pragma once
// One interface for every envelope (ARCHITECTURE.md "Signing (two phases)"): prepare -> digest to sign;
// finish -> signed document; verify -> report.  Modules are chosen by
// content, never by extension, through FormatRegistry.
#include <securedoc/base/file.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/crypto/revocation.h>
#include <securedoc/crypto/signer.h>
#include <securedoc/formats/report.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace securedoc {

enum class SignatureLevel { B_B, B_T, B_LT, B_LTA };
const char* levelName(SignatureLevel l);
SignatureLevel parseLevel(const std::string& s);

enum class Packaging { Default, Detached, Attached, Enveloped, Enveloping };
const char* packagingName(Packaging p);
Packaging parsePackaging(const std::string& s);

struct ContentSniff {
  std::filesystem::path file;
  Bytes head;  ///< up to 4 KiB from the start
  std::uintmax_t size = 0;
  static ContentSniff of(const std::filesystem::path& file);
  /// What the content is, as a media type (RFC 6838), from its first bytes:
  /// "text/xml", "application/pdf", "image/png", "image/jpeg", "image/gif",
  /// "image/tiff", an OpenDocument's own type (its first entry, "mimetype",
  /// names it), "application/zip", "text/plain" (UTF-8 without control
  /// characters), "application/x-zerosize" (shared-mime-info's name for an
  /// empty file), else "application/octet-stream".  A name, not words.
  std::string mediaType() const;
};

struct SignParams {
  DigestAlgorithm digest = DigestAlgorithm::Sha256;
  SignatureLevel level = SignatureLevel::B_B;
  Packaging packaging = Packaging::Default;
  /// Fixed signing time (tests, reproducible output); now when empty.
  std::optional<std::time_t> signingTime;
  /// RFC 3161 service for B-T and above.
  std::string tsaUrl;
  /// Trust anchors for checking the time-stamp service's answers.
  std::vector<Certificate> tsaTrustAnchors;
  /// The CA bundle for an https:// time-stamp service (the system's when
  /// empty), e.g. the reference service's own CA.
  std::optional<std::filesystem::path> tsaTlsCa;
  /// PDF signature dictionary fields (ISO 32000-1 §12.8.1, Table 252).
  std::string reason;
  std::string location;
  std::string contactInfo;
  /// PAdES certification (DocMDP) signature with this permission:
  /// 1 no changes, 2 form filling and signing, 3 also annotations.
  std::optional<int> certifyPermission;
  /// PAdES: a visible signature box on a page (points from the bottom-left
  /// corner of the page, ISO 32000-1 §8.3.2.3); invisible when empty.
  struct Visible {
    int page = 1;  ///< 1-based
    double x = 0, y = 0, width = 0, height = 0;
    /// `page` counts from the end: 1 is the last page, 2 the one before.  A
    /// batch of PDFs of different lengths puts the box on each one's last page.
    bool fromEnd = false;
    /// A PNG or JPEG drawn at the left of the box, scaled to fit with its
    /// proportions kept (a handwritten signature, a logo); none when empty.
    std::filesystem::path image;
  };
  std::optional<Visible> visible;
  /// RSA keys sign with RSASSA-PSS (RFC 4055: MGF1 with the digest, salt as
  /// long as the digest) instead of PKCS#1 v1.5.  CAdES and PAdES; keys
  /// certified as id-RSASSA-PSS always do.
  bool rsaPss = false;
  /// Where a module may keep scratch files between prepare and finish (the
  /// output folder, so the final rename stays on one file system).
  std::filesystem::path workDir;
  /// The file's first bytes as the signing plan read them (SigningService
  /// reads them once per file); a module reads them itself when absent.
  std::optional<ContentSniff> content;
  /// B-LT and B-LTA: where the revocation data of the signer's and the
  /// TSA's paths comes from (online, shared by the batch so one certificate
  /// is asked about once).  Required for those levels.
  std::shared_ptr<RevocationChecker> revocation;
};

struct VerifyOptions {
  std::vector<Certificate> trustAnchors;
  std::optional<std::filesystem::path> detachedContent;
  /// Without `revocation`: only what signatures embed is used for their
  /// certificates' revocation status (no cache, no network).
  bool offline = true;
  /// Finds revocation data (RFC 6960 OCSP, RFC 5280 CRLs) and remembers it
  /// for a batch; share one across the files of a batch.  When unset, each
  /// signature gets one of its own with `offline` and no cache.
  std::shared_ptr<RevocationChecker> revocation;
  /// Validation time; now when empty.
  std::optional<std::time_t> time;
  /// Public keys (PEM files) known out of band, for XML-DSig signatures that
  /// name their key (ds:KeyName) instead of carrying a certificate.  A value
  /// verified with one proves integrity only: nobody vouches for the key.
  std::vector<std::filesystem::path> publicKeys;
  /// Intermediate certificates a signature does not embed (`verify
  /// --certificate`): chain-building material only, never trusted.
  std::vector<Certificate> extraCertificates;
};

/// Whether these first bytes look like XML: an optional byte-order mark and
/// white space, then '<'.
bool looksLikeXml(const Bytes& head);

/// Whether these first bytes look like a PDF: the "%PDF-" header within the
/// first 1024 bytes, where readers accept it (ISO 32000-1 §7.5.2), and not a
/// DER or PEM structure (a CMS that carries a PDF is not a PDF itself).
bool looksLikePdf(const Bytes& head);

/// The first few bytes of a file, for content-based detection: the one place
/// that says what a file is by its content, never by its name.

/// What `inspect` shows: structure only, nothing is validated.
struct InspectedSignature {
  std::string id;
  std::string level;
  std::optional<Certificate> signer;
  std::optional<std::time_t> signingTime;
  std::string digestAlgorithm;
  std::string signatureAlgorithm;
  std::vector<std::string> signedAttributes;  ///< attribute names or OIDs
  std::vector<std::string> unsignedAttributes;
  std::string counterSignatureOf;
};
struct Inspection {
  std::string file;
  std::string format;
  std::string packaging;                      ///< "attached", "detached"...
  std::optional<std::uintmax_t> contentSize;  ///< attached content bytes
  std::vector<InspectedSignature> signatures;
  std::vector<Certificate> certificates;  ///< every certificate carried
  /// PDF: each revision (incremental update), oldest first.
  struct Revision {
    std::uint64_t end = 0;                              ///< offset just past its %%EOF
    std::vector<std::string> signedBy;                  ///< signatures whose range ends here
    ModificationLevel level = ModificationLevel::None;  ///< the most it changed from the previous one
    std::vector<Modification> changes;                  ///< what it changed from the previous one
    std::string unreadable;                             ///< why it cannot be read, when it cannot
  };
  std::vector<Revision> revisions;
};

/// What a module keeps between prepare and finish: one signature in
/// progress, which knows how to complete itself (no module looks it up or
/// casts it again).
class PendingSignature {
 public:
  virtual ~PendingSignature() = default;
  /// The digest the signer backend must sign.
  virtual const Bytes& digestToSign() const = 0;
  virtual SignatureScheme scheme() const = 0;
  /// Phase 3: embed `signatureValue` (CMS form, see Signer) and write the
  /// signed output into `out` (its temporary file; the caller places it).
  virtual void finish(const Bytes& signatureValue, AtomicFile& out) = 0;
};

/// One signature FormatModule::extend raised: its id and levels.
struct ExtendedSignature {
  std::string id;
  std::string levelBefore;  ///< "B-B", "B-T"...
  std::string levelAfter;
};

class FormatModule {
 public:
  virtual ~FormatModule() = default;
  /// "cades", "pades", "xades": the --format value.
  virtual std::string id() const = 0;
  /// "CAdES", as in reports.
  virtual std::string displayName() const = 0;
  /// Whether this module is the default envelope for such content.
  virtual bool isDefaultFor(const ContentSniff& content) const = 0;
  /// Whether it can sign such content at all.
  virtual bool canSign(const ContentSniff& content) const = 0;
  /// Whether the file looks like a signature this module verifies.
  virtual bool recognises(const ContentSniff& content) const = 0;
  /// The packaging used when the user asks for none.
  virtual Packaging defaultPackaging() const = 0;
  /// The packaging used for this content when the user asks for none (XAdES:
  /// enveloped for XML, detached for anything else).
  virtual Packaging packagingFor(const ContentSniff& content) const {
    (void)content;
    return defaultPackaging();
  }
  /// Output file name for `input` (README.md "Command line"), before collision handling.
  virtual std::filesystem::path outputName(const std::filesystem::path& input, Packaging p) const = 0;

  /// Phase 1: read the document, build the signature without its value.
  /// The level is the caller's to check, once for a batch (SigningService:
  /// B-B or B-T, and B-T with a time-stamp service).
  virtual std::unique_ptr<PendingSignature> prepare(const std::filesystem::path& input, const SignParams& params,
                                                    const OfferedCertificate& cert) = 0;
  /// Verify every signature in `file`.  Throws Error(Malformed/Io) only when
  /// the file cannot be read or parsed at all.
  virtual VerificationReport verify(const std::filesystem::path& file, const VerifyOptions& options) = 0;
  /// Structure of the signatures in `file`, without validation.
  virtual Inspection inspect(const std::filesystem::path& file) = 0;
  /// Raises every top-level signature of `file` to `params.level` (B-T: a
  /// signature time-stamp where none is, for PAdES a document time-stamp;
  /// B-LT: also the validation data of ETSI EN 319 1x2-1, fetched online;
  /// B-LTA: also an archive time-stamp, and on a B-LTA file a renewal),
  /// ours and other software's, and writes the whole result into `out`'s
  /// temporary file.  A signature already at B-T or B-LT is left as it is;
  /// nothing signed changes.  A detached CAdES or XAdES signature needs its
  /// signed file beside it for B-LTA.  Error(Unsupported) where the module
  /// or level cannot; Error(Network / Policy) when a time-stamp or
  /// revocation data cannot be had.
  virtual std::vector<ExtendedSignature> extend(const std::filesystem::path& file, AtomicFile& out,
                                                const SignParams& params);
};

class FormatRegistry {
 public:
  void add(std::unique_ptr<FormatModule> module);
  /// The module with this id; throws Error(Usage) if none.
  FormatModule& byId(const std::string& id) const;
  /// The default module for signing this content.  Throws Error(Unsupported).
  FormatModule& forSigning(const ContentSniff& content) const;
  /// The module that recognises this signature file, or nullptr.
  FormatModule* forVerifying(const ContentSniff& content) const;
  const std::vector<std::unique_ptr<FormatModule>>& modules() const { return m_modules; }

 private:
  std::vector<std::unique_ptr<FormatModule>> m_modules;
};

/// Registers every envelope this build has: PAdES, XAdES, CAdES.
void registerBuiltinFormats(FormatRegistry& registry);

}  // namespace securedoc
