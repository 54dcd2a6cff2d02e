#pragma once
// Internal to formats/: reading signature fields out of a PDF, checking each
// against its own revision, and classifying what later revisions changed
// (ISO 32000-1 §12.8, ETSI EN 319 142-1).
#include <securedoc/formats/format.h>

#include <podofo/podofo.h>

#include <filesystem>
#include <string>
#include <vector>

namespace securedoc::pdf {

struct SignatureField {
  std::string name;                   ///< fully qualified field name
  PoDoFo::PdfObject* value = nullptr;  ///< the signature dictionary (/V)
};

/// Turns a PoDoFo failure into Error: encrypted (Malformed, exit 4), not
/// found (Io) or damaged (Malformed), naming `file`.
[[noreturn]] void rethrowPdfError(const PoDoFo::PdfError& e, const std::string& file);

/// Every signature field with a value, in AcroForm order.
std::vector<SignatureField> findSignatures(PoDoFo::PdfMemDocument& doc);
/// The DocMDP permission P of the certification signature (1, 2, 3), or 0.
int docMdpPermission(PoDoFo::PdfMemDocument& doc);

/// Offsets just past each "startxref N %%EOF" that ends a revision, in file order.
std::vector<std::uint64_t> revisionEnds(const std::filesystem::path& file);

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
Inspection inspectPdf(const std::filesystem::path& file);

}  // namespace securedoc::pdf
