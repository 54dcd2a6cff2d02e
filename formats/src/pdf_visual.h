#pragma once
// Internal to formats/: does the document still LOOK like what was signed?
// The structural analysis (pdf_diff.h) explains every changed object by a
// rule, but a rule cannot see what a font, an image or an appearance stream
// draws.  So for short documents both versions are rendered (poppler) and
// compared: what no allowed change drew must be unchanged, and what an
// allowed change drew must not paint over what was signed.  This catches the
// shadow attacks (Mainka et al., NDSS 2021) that no structural rule names.
#include <securedoc/formats/report.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace securedoc::pdf {

/// Where an allowed change draws: an annotation's /Rect on a page (PDF user
/// space, ISO 32000-1 §12.5.2).
struct Footprint {
  int page = 0;  ///< 1-based
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  std::string field;  ///< the form field, when it is one
};

/// Pages compared at most; longer documents are not compared visually.
constexpr int kVisualMaxPages = 20;

struct VisualResult {
  bool compared = false;
  /// Why not, when not: a code for the report (ARCHITECTURE.md "Notes"), never words.
  Note notCompared;
  /// "page-looks-different" {page} and "content-covered" {page, field}, both
  /// level Other.
  std::vector<Modification> findings;
};

/// Renders every page of the revision ending at `signedBytes` and of the
/// whole `file`, and compares them outside and inside `footprints`.
VisualResult compareVisually(const std::filesystem::path& file, std::uint64_t signedBytes,
                             const std::vector<Footprint>& footprints);

}  // namespace securedoc::pdf
