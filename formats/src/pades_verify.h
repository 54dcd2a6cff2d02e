#pragma once
// Internal to formats/: PAdES verification, the verifying half of
// PadesModule (pades.cpp signs): every signature of a PDF checked against
// its own revision (ISO 32000-1 §12.8, ETSI EN 319 142-1, EN 319 102-1), then
// what changed after it (pdf_revision_analysis.h).
#include <securedoc/formats/format.h>

#include <filesystem>

namespace securedoc::pdf {

/// Every signature of `file`, each in ETSI EN 319 102-1 order: format
/// (/ByteRange, /Contents, the CMS structure: FORMAT_FAILURE), the signing
/// certificate (the CMS's, else one of options.extraCertificates), integrity
/// (the byte ranges' digest against messageDigest, then the value, whatever
/// the trust: HASH_FAILURE, SIG_CRYPTO_FAILURE; signed bytes cut from the
/// file are a HASH_FAILURE, not a format one), chain, time-stamps and policy
/// (cms_support, signature_checks), then the changes after signing.
/// Document time-stamps are held to the RFC 3161 rules at the validation
/// time; a failed one proves nothing and makes no B-LTA.
VerificationReport verifyPdf(const std::filesystem::path& file, const VerifyOptions& options);

/// One signature's /Contents as the verifier finds it (in the order of the
/// signed ranges): its field name, whether it is a document time-stamp,
/// the bytes (DER, possibly followed by zero padding).
struct SignatureContents {
  std::string name;
  bool docTimestamp = false;
  Bytes contents;
};
/// Every signature of `file` with a usable structure (extend's input), in
/// the order of their revisions; `hasDss` (when given) tells whether the
/// document has a document security store.
std::vector<SignatureContents> signatureContents(const std::filesystem::path& file, bool* hasDss = nullptr);

}  // namespace securedoc::pdf
