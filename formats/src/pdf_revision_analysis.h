#pragma once
// Internal to formats/: the revisions of a signed PDF compared with one
// another (incremental updates, ISO 32000-1 §7.5.6).  For verification:
// what changed after each signature, held to what the signature allows
// (DocMDP and FieldMDP, §12.8.2.2, §12.8.2.4) and to the page images.  For
// inspection: each revision and what it changed from the one before.  One
// change is judged by the rules of pdf_diff.h; pages by pdf_visual.h.
#include "pdf_diff.h"
#include "pdf_signature_fields.h"

#include <securedoc/formats/format.h>

#include <podofo/podofo.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace securedoc::pdf {

/// The revisions of one file, each loaded once, on first use, from the
/// file's first `end` bytes through loadRevision (pdf_objects.h).
class RevisionCache {
 public:
  explicit RevisionCache(std::filesystem::path file) : m_file(std::move(file)) {}
  /// The revision ending at byte `end`; PdfError when it cannot be read.
  PoDoFo::PdfMemDocument& at(std::uint64_t end);

 private:
  std::filesystem::path m_file;
  std::map<std::uint64_t, std::unique_ptr<PoDoFo::PdfMemDocument>> m_revisions;
};

/// What judgeChangesAfter needs to know about the whole file.
struct ChangeInputs {
  const std::filesystem::path& file;
  std::uint64_t size;
  PoDoFo::PdfMemDocument* finalDocument;  ///< null when PoDoFo cannot read the file
  const std::string& loadError;
  const std::vector<std::uint64_t>& revisionEnds;
  const SignatureVerified& verified;
  RevisionCache& revisions;
  /// Object definitions follow the last revision (no cross-reference section
  /// lists them; a viewer that repairs the file may show them).
  bool objectsAfterLastRevision;
};

/// Compares the revision the signature covers with every later revision in
/// turn (a change that a later revision undoes is still seen) and with the
/// file as readers show it, and holds the most they change to what the
/// certification allows (ISO 32000-1 §12.8.2.2).  Adds the "modifications"
/// (and "visualComparison") checks to `r`.
void judgeChangesAfter(SignatureReport& r, const FieldFacts& f, const ChangeInputs& in);

/// The signatures of `file` as they claim to be (nothing validated) and
/// each revision with what it changed from the one before.
Inspection inspectPdf(const std::filesystem::path& file);

}  // namespace securedoc::pdf
