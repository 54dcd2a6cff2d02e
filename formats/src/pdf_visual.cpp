#include "pdf_visual.h"

#include "pdf_renderer.h"

#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/formats/pdf_render.h>
#include <securedoc/i18n.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

namespace securedoc {

namespace {

/// 72 dpi: one pixel a point.  Enough to see a changed word; 20 pages of it
/// render in well under a second.
constexpr double kDpi = 72.0;
/// The largest PDF compared visually (the whole file is read into poppler).
constexpr std::uint64_t kVisualMaxBytes = 64u << 20;

/// Loads the first `length` bytes of `file` (0: all of it) into the
/// renderer.  Error(Unsupported) when the renderer module is missing.
pdf::RenderedDocument load(const std::filesystem::path& file, std::uint64_t length) {
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) throw Error(Category::Io, format(tr("cannot open the file: {0}"), {ec.message()}), file.string());
  if (length == 0 || length > size) length = size;
  if (length > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    throw Error(Category::Malformed, tr("the PDF is too large to show"), file.string());
  }
  pdf::RenderedDocument d(readFileRange(file, 0, length));
  if (!d) throw Error(Category::Malformed, tr("the PDF cannot be rendered"), file.string());
  return d;
}

/// A page as 8-bit grey, with the mapping from PDF user space to pixels.
struct Grey {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> px;
  // Crop box and rotation, to place footprints.
  double x0 = 0, y0 = 0, w = 0, h = 0;
  int rotation = 0;  ///< 0, 90, 180, 270 (clockwise, as /Rotate)
  double dpi = 0;
};

/// A page and its rendering; `drawn` is false when the renderer cannot draw it.
struct Rendered {
  pdf::PageBox box;
  pdf::PageBitmap bitmap;
  double dpi = 0;  ///< the resolution used (fittingDpi)
  bool drawn = false;
};

Rendered renderBgra(const pdf::RenderedDocument& doc, int index, double dpi) {
  Rendered r;
  if (!doc.pageBox(index, r.box)) return r;
  r.dpi = pdf::fittingDpi(r.box, dpi);
  r.drawn = doc.render(index, r.dpi, r.bitmap);
  return r;
}

/// Renders page `index` (0-based); an empty Grey when poppler cannot.
Grey render(const pdf::RenderedDocument& doc, int index, double dpi) {
  Grey g;
  const Rendered r = renderBgra(doc, index, dpi);
  if (!r.drawn) return g;
  const pdf::PageBitmap& img = r.bitmap;
  g.dpi = r.dpi;
  g.width = img.width;
  g.height = img.height;
  g.px.resize(static_cast<std::size_t>(g.width) * static_cast<std::size_t>(g.height));
  for (int y = 0; y < g.height; ++y) {
    const std::uint8_t* row = img.bgra.data() + static_cast<std::ptrdiff_t>(y) * img.stride;
    for (int x = 0; x < g.width; ++x) {
      const std::uint8_t* p = row + std::ptrdiff_t{4} * x;
      g.px[static_cast<std::size_t>(y) * static_cast<std::size_t>(g.width) + static_cast<std::size_t>(x)] =
          static_cast<std::uint8_t>((p[2] * 299 + p[1] * 587 + p[0] * 114) / 1000);
    }
  }
  g.x0 = r.box.x0;
  g.y0 = r.box.y0;
  g.w = r.box.width;
  g.h = r.box.height;
  g.rotation = r.box.rotation;
  return g;
}

struct PixelRect {
  int x1 = 0, y1 = 0, x2 = 0, y2 = 0;  ///< x2, y2 exclusive
};

/// A footprint in pixels, grown by `margin` (antialiasing bleeds).
PixelRect toPixels(const Grey& g, const pdf::Footprint& f, int margin) {
  const double s = g.dpi / 72.0;
  auto map = [&](double X, double Y, double& px, double& py) {
    switch (g.rotation) {
      case 90:
        px = (Y - g.y0) * s;
        py = (X - g.x0) * s;
        break;
      case 180:
        px = (g.x0 + g.w - X) * s;
        py = (Y - g.y0) * s;
        break;
      case 270:
        px = (g.y0 + g.h - Y) * s;
        py = (g.x0 + g.w - X) * s;
        break;
      default:
        px = (X - g.x0) * s;
        py = (g.y0 + g.h - Y) * s;
    }
  };
  double ax = 0, ay = 0, bx = 0, by = 0;
  map(f.x1, f.y1, ax, ay);
  map(f.x2, f.y2, bx, by);
  auto clampX = [&](double v) { return static_cast<int>(std::clamp(v, 0.0, static_cast<double>(g.width))); };
  auto clampY = [&](double v) { return static_cast<int>(std::clamp(v, 0.0, static_cast<double>(g.height))); };
  PixelRect r;
  r.x1 = clampX(std::floor(std::min(ax, bx)) - margin);
  r.x2 = clampX(std::ceil(std::max(ax, bx)) + margin);
  r.y1 = clampY(std::floor(std::min(ay, by)) - margin);
  r.y2 = clampY(std::ceil(std::max(ay, by)) + margin);
  return r;
}

bool inside(const PixelRect& r, int x, int y) { return x >= r.x1 && x < r.x2 && y >= r.y1 && y < r.y2; }

// A pixel differs when its grey level moves more than this (antialiasing of
// the same drawing is identical in both renderings; this only absorbs noise).
constexpr int kDiffer = 48;
// Ink: dark in the signed rendering; covered: light now.
constexpr int kInk = 110;
constexpr int kLight = 190;
// A difference of fewer pixels than this is not reported (a speck).
constexpr std::size_t kMinPixels = 6;

}  // namespace

PageImage renderPdfPage(const std::filesystem::path& file, std::uint64_t length, int page, double dpi) {
  const pdf::RenderedDocument d = load(file, length);
  if (page < 1 || page > d.pages()) {
    throw Error(Category::Malformed, format(tr("the PDF has no page {0}"), {page}), file.string());
  }
  const Rendered r = renderBgra(d, page - 1, dpi);
  if (!r.drawn) {
    throw Error(Category::Malformed, format(tr("page {0} cannot be rendered"), {page}), file.string());
  }
  return pdf::toPageImage(r.bitmap);
}

namespace pdf {

namespace {

/// Loads the signed revision (the first `signedBytes`) into `before` and
/// the whole file into `after`.  Returns why they cannot be compared, or
/// nullopt when they can.
std::optional<Note> loadRevisions(const std::filesystem::path& file, std::uint64_t signedBytes,
                                  std::optional<pdf::RenderedDocument>& before,
                                  std::optional<pdf::RenderedDocument>& after) {
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(file, ec);
  if (ec || size > kVisualMaxBytes) {
    return Note{"visual-file-too-large", N_("the file is too large to compare page images")};
  }
  try {
    before.emplace(load(file, signedBytes));
    after.emplace(load(file, 0));
  } catch (const Error& e) {
    if (e.category() == Category::Unsupported) {
      // Installed without its page renderer (securedoc_poppler.so): the
      // structural analysis has judged every object; the report says the
      // pages were not compared and why.
      return Note{"visual-renderer-missing", N_("the page renderer is not installed")};
    }
    // Why poppler gave up is technical; the report says only that the pages
    // could not be drawn (the structural analysis still judged the objects).
    return Note{"visual-not-rendered", N_("the pages cannot be drawn to compare them")};
  }
  const int pages = after->pages();
  if (pages > kVisualMaxPages) {
    return Note{"visual-too-many-pages",
                N_("the document has more than {max} pages"),
                {{"max", std::to_string(kVisualMaxPages)}}};
  }
  if (before->pages() != pages) {
    // A page added or removed is a structural change the analysis reports.
    return Note{"visual-page-count-changed", N_("the signed version has another number of pages")};
  }
  return std::nullopt;
}

/// Whether the signed page `a` has ink at or next to (x, y).
bool inkNear(const Grey& a, int x, int y) {
  for (int dy = -1; dy <= 1; ++dy) {
    for (int dx = -1; dx <= 1; ++dx) {
      const int nx = x + dx;
      const int ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= a.width || ny >= a.height) continue;
      if (a.px[static_cast<std::size_t>(ny) * static_cast<std::size_t>(a.width) + static_cast<std::size_t>(nx)] <
          kInk) {
        return true;
      }
    }
  }
  return false;
}

/// Where page `a` (signed) and page `b` (now) may differ: the footprints of
/// the fields on it, in pixels, each with its field's name.
using AllowedAreas = std::vector<std::pair<PixelRect, std::string>>;

/// Compares page `page` pixel by pixel: differences outside `allowed`, and
/// signed content covered inside each allowed area, go into `findings`.
void comparePage(const Grey& a, const Grey& b, const AllowedAreas& allowed, const std::string& page,
                 std::vector<Modification>& findings) {
  std::size_t outside = 0;
  std::vector<std::size_t> covered(allowed.size(), 0);
  for (int y = 0; y < a.height; ++y) {
    for (int x = 0; x < a.width; ++x) {
      const std::size_t k =
          static_cast<std::size_t>(y) * static_cast<std::size_t>(a.width) + static_cast<std::size_t>(x);
      const int va = a.px[k];
      const int vb = b.px[k];
      if (std::abs(va - vb) <= kDiffer) continue;
      bool inAllowed = false;
      for (std::size_t n = 0; n < allowed.size(); ++n) {
        if (!inside(allowed[n].first, x, y)) continue;
        inAllowed = true;
        // Signed ink wiped out, or new ink drawn onto signed ink: the new
        // appearance paints over what was signed.
        if ((va < kInk && vb > kLight) || (vb < va && inkNear(a, x, y))) ++covered[n];
      }
      if (!inAllowed) ++outside;
    }
  }
  if (outside >= kMinPixels) {
    findings.push_back(Modification{ModificationLevel::Other, "page-looks-different", {{"page", page}}});
  }
  for (std::size_t n = 0; n < allowed.size(); ++n) {
    if (covered[n] >= kMinPixels) {
      findings.push_back(
          Modification{ModificationLevel::Other, "content-covered", {{"page", page}, {"field", allowed[n].second}}});
    }
  }
}

}  // namespace

VisualResult compareVisually(const std::filesystem::path& file, std::uint64_t signedBytes,
                             const std::vector<Footprint>& footprints) {
  VisualResult result;
  std::optional<pdf::RenderedDocument> before;
  std::optional<pdf::RenderedDocument> after;
  if (std::optional<Note> why = loadRevisions(file, signedBytes, before, after)) {
    result.notCompared = std::move(*why);
    return result;
  }
  const int pages = after->pages();
  for (int i = 0; i < pages; ++i) {
    const Grey a = render(*before, i, kDpi);
    const Grey b = render(*after, i, kDpi);
    const std::string page = std::to_string(i + 1);
    if (a.px.empty() || b.px.empty() || a.width != b.width || a.height != b.height) {
      result.findings.push_back(Modification{ModificationLevel::Other, "page-looks-different", {{"page", page}}});
      continue;
    }
    AllowedAreas allowed;
    for (const auto& f : footprints) {
      if (f.page == i + 1) allowed.emplace_back(toPixels(b, f, 2), f.field);
    }
    comparePage(a, b, allowed, page, result.findings);
  }
  result.compared = true;
  return result;
}

}  // namespace pdf
}  // namespace securedoc
