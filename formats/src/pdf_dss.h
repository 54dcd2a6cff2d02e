#pragma once
// Internal to formats/: the document security store of a PAdES B-LT
// signature (ETSI EN 319 142-1 §5.4.2.2, ISO 32000-2 §12.8.4.3), appended to
// a signed PDF as one incremental update (ISO 32000-1 §7.5.6).
#include "ltv.h"

#include <securedoc/base/bytes.h>
#include <securedoc/formats/format.h>

#include <filesystem>
#include <functional>
#include <string>

namespace PoDoFo {
class PdfMemDocument;
}

namespace securedoc::pdf {

/// Appends to the complete PDF `pdf` one incremental update whose catalog
/// holds a /DSS with `m`: /Certs, /OCSPs and /CRLs, arrays of streams each
/// holding one DER object, and a /VRI entry for the signature whose /Contents
/// holds `signatureCms` (its key the upper-case hex SHA-1 of those DER bytes).
/// A /DSS already there is kept and extended; an object already in it (same
/// bytes) is not added again.  `file` names the input in errors.
void appendDss(const std::filesystem::path& pdf, const ltv::Material& m, const Bytes& signatureCms,
               const std::string& file);

/// Appends to the complete PDF `pdf` one incremental update with an
/// invisible document time-stamp (ISO 32000-2 §12.8.5, ETSI EN 319 142-1
/// §5.4.3): a signature field whose /Contents is an RFC 3161 token from
/// `params`' time-stamp service over the byte ranges.  Returns the token.
/// Defined in pades.cpp, which writes signatures the same way.
Bytes appendDocumentTimestamp(const std::filesystem::path& pdf, const SignParams& params, const std::string& file);

/// Defined in pades.cpp, which writes the signature's update the same way:
/// loads `pdf` for an incremental update, lets `edit` change the document
/// and appends the objects that changed with a cross-reference section of
/// the form of the file's last one (a table or a stream), chained by /Prev
/// (ISO 32000-1 §7.5.6, §7.5.8).  Earlier bytes are not rewritten.
void appendIncrementalUpdate(const std::filesystem::path& pdf, const std::string& file,
                             const std::function<void(PoDoFo::PdfMemDocument&)>& edit);

}  // namespace securedoc::pdf
