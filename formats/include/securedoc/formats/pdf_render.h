#pragma once
// Rendering a page of a PDF, or of one of its earlier revisions, for people
// to compare what was signed with what is shown now, and to see a document
// before signing it (poppler's C++ library, in a module loaded on first use).
#include <cstdint>
#include <filesystem>
#include <memory>
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

/// A point in PDF user space (points, y up) or on a drawn page (pixels from
/// the top-left corner, y down).
struct PagePoint {
  double x = 0, y = 0;
};

/// What a page shows: its crop box in PDF user space (ISO 32000-1 §14.11.2;
/// the media box when it has none) and its /Rotate (§7.7.3.3), clockwise:
/// 0, 90, 180 or 270.  A viewer draws the crop box turned by /Rotate, so a
/// landscape page stored upright with /Rotate 90 is shown wide.
struct PdfPageBox {
  double x0 = 0, y0 = 0, width = 0, height = 0;  ///< the crop box before /Rotate
  int rotation = 0;

  /// The page as shown, in points: width and height swapped for 90 and 270.
  [[nodiscard]] double shownWidth() const { return rotation % 180 == 0 ? width : height; }
  [[nodiscard]] double shownHeight() const { return rotation % 180 == 0 ? height : width; }
  /// Where the user-space point `p` lands on the page drawn at `scale`
  /// pixels a point (dpi / 72), rotation included.
  [[nodiscard]] PagePoint toPixels(PagePoint p, double scale) const;
  /// The inverse: the user-space point under pixel `p`.
  [[nodiscard]] PagePoint fromPixels(PagePoint p, double scale) const;
};

/// A PDF opened once for showing its pages one at a time (the window's
/// preview).  Opening reads the cross-reference table and the page count,
/// not the pages: a 500-page document opens as fast as a one-page one, and
/// poppler reads the file where it lies rather than a copy in memory.
///
/// Not thread-safe: one thread at a time may use a PdfPages (poppler's
/// document is not safe to share); it may move between threads.
class PdfPages {
 public:
  /// Throws Error(Io) when `file` cannot be read, Error(Malformed) when
  /// poppler cannot read it as a PDF (or it is encrypted), and
  /// Error(Unsupported) when the page renderer module is missing.
  explicit PdfPages(const std::filesystem::path& file);
  PdfPages(PdfPages&&) noexcept;
  PdfPages& operator=(PdfPages&&) noexcept;
  PdfPages(const PdfPages&) = delete;
  PdfPages& operator=(const PdfPages&) = delete;
  ~PdfPages();

  [[nodiscard]] const std::filesystem::path& file() const;
  /// The number of pages (at least 1).
  [[nodiscard]] int pages() const;
  /// Page `index` (0-based): crop box and rotation.  Error(Malformed) for a
  /// page that does not exist or cannot be read.
  [[nodiscard]] PdfPageBox box(int index) const;
  /// Page `index` (0-based) drawn at `dpi` (less for a page over 16 million
  /// pixels: the image's width over box(index).shownWidth() gives the scale
  /// used).  Error(Malformed) when poppler cannot draw it.
  [[nodiscard]] PageImage render(int index, double dpi) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace securedoc
