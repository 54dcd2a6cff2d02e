#pragma once
// Internal to formats/: a raw scan of a PDF's bytes, without PoDoFo's
// cross-reference reading: where the revisions end (ISO 32000-1 §7.5.5,
// §7.5.6), which objects hold a signature dictionary (§12.8), and whether
// object definitions follow the last revision.  A broken cross-reference
// chain (a reader sees only some revisions) or a file PoDoFo cannot load still
// has every signature found.  Each scan is one linear pass, bounded against
// hostile floods (ARCHITECTURE.md, "Changes after a PDF signature", Cost).
#include <podofo/podofo.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

namespace securedoc::pdf {

/// At most this many signature dictionaries are read from one file: real
/// documents hold a few dozen, and each costs a CMS verification.
constexpr std::size_t kMaxSignatures = 500;

/// Refuses `file` as hostile: it holds more than kMaxSignatures signature
/// dictionaries (Error, Malformed).
[[noreturn]] void refuseTooManySignatures(const std::filesystem::path& file);

/// Offsets just past each "startxref N %%EOF" that ends a revision, in file order.
std::vector<std::uint64_t> revisionEnds(const std::filesystem::path& file);

/// Signature dictionaries found by scanning the file's bytes, so that a
/// broken cross-reference chain (a reader sees only some revisions) or a file
/// PoDoFo cannot load still has every signature checked.
struct RawSignatures {
  PoDoFo::PdfVecObjects owner;
  std::vector<std::unique_ptr<PoDoFo::PdfParserObject>> objects;
};

/// One forward pass: the objects (by their "N G obj" headers) that hold a
/// /ByteRange, each parsed once; the later definition of a number wins.
void scanSignatures(const std::filesystem::path& file, RawSignatures& out);

/// Whether an "N G obj" header stands after `from`: object definitions
/// follow the last revision (no cross-reference section lists them; a viewer
/// that repairs the file may show them).
bool objectsAfterLastRevision(const std::filesystem::path& file, std::uint64_t from);

}  // namespace securedoc::pdf
