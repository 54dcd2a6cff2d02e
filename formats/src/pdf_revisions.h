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

/// What a later revision changed relative to a signed one.
struct Changes {
  std::vector<std::string> allowed;
  std::vector<std::string> disallowed;
  bool formFilled = false;
  bool annotationsChanged = false;
  /// The later revision cannot be read as a continuation of the signed one.
  bool unreadable = false;
};
/// Compares the signed revision with a later one.  `permission` is the
/// DocMDP P in force (ISO 32000-1 Table 254): 1 nothing but DSS and document
/// time-stamps, 2 also form filling and signing, 3 also annotations.
Changes compareRevisions(PoDoFo::PdfMemDocument& signedRevision, PoDoFo::PdfMemDocument& later, int permission);

/// Offsets just past each "%%EOF" that ends a revision, in file order.
std::vector<std::uint64_t> revisionEnds(const std::filesystem::path& file);

VerificationReport verifyPdf(const std::filesystem::path& file, const VerifyOptions& options);
Inspection inspectPdf(const std::filesystem::path& file);

}  // namespace securedoc::pdf
