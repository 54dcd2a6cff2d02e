#pragma once
// Internal to formats/: pages of a PDF drawn by poppler's C++ library, which
// lives in a module of its own (formats/plugins/poppler_renderer.cpp, built
// as securedoc_poppler.so) loaded on first use.  poppler brings NSS, lcms,
// OpenJPEG, libtiff and more, and only verification and the report window
// draw pages; base/library.h says why that matters at start-up.
//
// The module is built from this tree with the same compiler and standard
// library, so the table below passes C++ types; RendererTable::version
// guards against a module from another build.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

namespace securedoc {
struct PageImage;  // securedoc/formats/pdf_render.h; the module itself never sees one
}

namespace securedoc::pdf {

/// A page's crop box in PDF user space and its /Rotate (ISO 32000-1
/// §14.11.2 and §7.7.3.3), clockwise: 0, 90, 180 or 270.
struct PageBox {
  double x0 = 0, y0 = 0, width = 0, height = 0;
  int rotation = 0;
};

/// A drawn page: B, G, R, A bytes per pixel, rows top to bottom, `stride`
/// bytes a row.
struct PageBitmap {
  int width = 0;
  int height = 0;
  int stride = 0;
  std::vector<std::uint8_t> bgra;
};

/// What the module exports, as securedoc_pdf_renderer().
struct RendererTable {
  /// 2: openFile (the preview reads a PDF where it lies, not into memory).
  static constexpr int kVersion = 2;
  int version = kVersion;
  /// A document read from `size` bytes at `data`, which must outlive it;
  /// nullptr when poppler cannot read it or it is encrypted.
  void* (*open)(const std::uint8_t* data, int size) = nullptr;
  /// A document read from the file named `path` as pages are drawn (poppler
  /// keeps it open and reads the cross-reference table and the page tree's
  /// root, not every page); nullptr as for `open`.
  void* (*openFile)(const char* path) = nullptr;
  void (*close)(void* document) = nullptr;
  int (*pageCount)(void* document) = nullptr;
  /// false when there is no page `index` (0-based).
  bool (*pageBox)(void* document, int index, PageBox* box) = nullptr;
  /// false when poppler cannot draw the page.
  bool (*render)(void* document, int index, double dpi, PageBitmap* bitmap) = nullptr;
};

/// The module's table, loaded once; throws Error(Unsupported) when the
/// module cannot be loaded (it names the file and the loader's reason).
const RendererTable& renderer();

/// A document open in the renderer; the bytes live as long as it does.
class RenderedDocument {
 public:
  /// Throws Error(Unsupported) without the module; nullptr-like (`!*this`)
  /// when poppler cannot read the bytes.
  explicit RenderedDocument(std::vector<std::uint8_t> bytes);
  /// The whole of `file`, read by poppler as it needs it (nothing is copied
  /// into memory first); `!*this` when poppler cannot read it.
  static RenderedDocument fromFile(const std::filesystem::path& file);
  RenderedDocument(RenderedDocument&&) noexcept;
  RenderedDocument& operator=(RenderedDocument&&) noexcept;
  RenderedDocument(const RenderedDocument&) = delete;
  RenderedDocument& operator=(const RenderedDocument&) = delete;
  ~RenderedDocument();

  explicit operator bool() const { return document_ != nullptr; }
  [[nodiscard]] int pages() const;
  [[nodiscard]] bool pageBox(int index, PageBox& box) const;
  [[nodiscard]] bool render(int index, double dpi, PageBitmap& bitmap) const;

 private:
  RenderedDocument() = default;
  std::unique_ptr<std::vector<std::uint8_t>> bytes_;  // stable address for poppler; empty for fromFile
  void* document_ = nullptr;
};

/// A page is drawn with at most this many pixels (a /MediaBox may claim 200
/// inches square): the resolution drops for such a page.
inline constexpr double kMaxPagePixels = 16e6;
/// `dpi`, lowered so that a page of `box` fits in kMaxPagePixels.
double fittingDpi(const PageBox& box, double dpi);
/// The bitmap as RGB bytes (alpha dropped: poppler paints the paper white).
PageImage toPageImage(const PageBitmap& bitmap);

}  // namespace securedoc::pdf
