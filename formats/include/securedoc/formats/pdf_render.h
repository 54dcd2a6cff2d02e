#pragma once
// Rendering a page of a PDF, or of one of its earlier revisions, for people
// to compare what was signed with what is shown now (poppler's C++ library).
#include <cstdint>
#include <filesystem>
#include <vector>

namespace securedoc {

struct PageImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgb;  ///< width * height * 3 bytes, rows top to bottom
};

/// Page `page` (1-based) of the PDF made by the first `length` bytes of
/// `file` (0: the whole file) at `dpi` (less for a page over 16 million
/// pixels).  Throws Error(Malformed) when poppler
/// cannot read it or has no such page, Error(Io) when the file cannot be read.
PageImage renderPdfPage(const std::filesystem::path& file, std::uint64_t length, int page, double dpi);

}  // namespace securedoc
