#pragma once
// Internal to formats/: the signature fields of a PDF as PoDoFo reads them
// (ISO 32000-1 §12.7, §12.8), shared by signing (pades.cpp), verification
// (pades_verify.cpp) and inspection (pdf_revision_analysis.cpp): finding
// them, the certification's DocMDP permission, and the structural check of
// one signature dictionary (/ByteRange and /Contents) before any cryptography.
#include <securedoc/formats/format.h>

#include <podofo/podofo.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace securedoc::pdf {

struct SignatureField {
  std::string name;                    ///< fully qualified field name
  PoDoFo::PdfObject* value = nullptr;  ///< the signature dictionary (/V)
  /// The field's widget annotation (the field itself when merged, else its
  /// first kid with a /Rect; ISO 32000-1 §12.7.3.1), if any.
  const PoDoFo::PdfObject* widget = nullptr;
};

/// Turns a PoDoFo failure into Error: encrypted (Malformed, exit 4), not
/// found (Io) or damaged (Malformed), naming `file`.
[[noreturn]] void rethrowPdfError(const PoDoFo::PdfError& e, const std::string& file);

/// Every signature field with a value, in AcroForm order.
std::vector<SignatureField> findSignatures(PoDoFo::PdfMemDocument& doc);
/// Where the widget of `field` shows (ISO 32000-1 §12.5.2 /Rect on the page
/// whose /Annots lists it, else its /P): none when it has no area, is
/// hidden (annotation flags Hidden, NoView; §12.5.3) or is on no page.
std::optional<SignatureAppearance> appearanceOf(PoDoFo::PdfMemDocument& doc, const SignatureField& field);
/// The DocMDP permission P of the certification signature (1, 2, 3), or 0.
int docMdpPermission(PoDoFo::PdfMemDocument& doc);

/// A PDF date "D:YYYYMMDDHHmmSSOHH'mm'" (ISO 32000-1 §7.9.4) as UTC; every
/// part after the year optional.
std::optional<std::time_t> parsePdfDate(const std::string& s);

/// The facts about one signature dictionary before any cryptography.
struct FieldFacts {
  SignatureField field;
  std::string subFilter;
  bool docTimestamp = false;
  std::vector<std::int64_t> byteRange;
  Bytes contents;
  /// A structural failure that leaves nothing to verify (no usable range or
  /// value): ETSI EN 319 102-1 §5.2.2 format checking, FORMAT_FAILURE.
  Note problem;
  /// Structural failures that still leave ranges to hash: universal forgery,
  /// wrapping.  The signature is TOTAL-FAILED either way; the hash and value
  /// are still checked so the report says which of them fails too.
  std::vector<Note> suspicious;
  /// The second range runs past the end of the file although the signature
  /// is well formed (the /Contents is exactly the excluded gap): signed bytes
  /// were cut from the file.  That is a change of the signed data, not of the
  /// signature's format: the digest over what is left is checked and fails
  /// (EN 319 102-1 §5.2.7, HASH_FAILURE).
  Note missingBytes;
  std::uint64_t end = 0;
  /// The ranges to hash: the /ByteRange, cut at the end of the file.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges() const {
    const auto a1 = static_cast<std::uint64_t>(byteRange[2]);
    return {{0, static_cast<std::uint64_t>(byteRange[1])},
            {a1, std::min<std::uint64_t>(static_cast<std::uint64_t>(byteRange[3]), fileSize - a1)}};
  }
  std::uint64_t fileSize = 0;
};

/// The structural facts of signature field `sf` of `file` (`size` bytes):
/// its /ByteRange (ISO 32000-1 §12.8.1: the whole file but the /Contents
/// value, in exactly two ranges per ETSI EN 319 142-1 §5.1) and /Contents.
FieldFacts inspectField(const PoDoFo::PdfVecObjects& objects, const SignatureField& sf,
                        const std::filesystem::path& file, std::uint64_t size);

}  // namespace securedoc::pdf
