// PdfPages and PdfPageBox (securedoc/formats/pdf_render.h): the preview's
// view of a PDF, over the page renderer module (pdf_renderer.h).
#include "pdf_renderer.h"

#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/formats/pdf_render.h>
#include <securedoc/i18n.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>

namespace securedoc {

namespace {

int normalRotation(int rotation) {
  const int r = ((rotation % 360) + 360) % 360;
  return r - r % 90;
}

}  // namespace

// The same mapping as poppler's: the crop box's corner (x0, y0 + height) is
// the drawn page's top-left corner before the page is turned clockwise by
// /Rotate (ISO 32000-1 §7.7.3.3).
PagePoint PdfPageBox::toPixels(PagePoint p, double scale) const {
  switch (normalRotation(rotation)) {
    case 90:
      return {(p.y - y0) * scale, (p.x - x0) * scale};
    case 180:
      return {(x0 + width - p.x) * scale, (p.y - y0) * scale};
    case 270:
      return {(y0 + height - p.y) * scale, (x0 + width - p.x) * scale};
    default:
      return {(p.x - x0) * scale, (y0 + height - p.y) * scale};
  }
}

PagePoint PdfPageBox::fromPixels(PagePoint p, double scale) const {
  const double u = p.x / scale, v = p.y / scale;
  switch (normalRotation(rotation)) {
    case 90:
      return {x0 + v, y0 + u};
    case 180:
      return {x0 + width - u, y0 + v};
    case 270:
      return {x0 + width - v, y0 + height - u};
    default:
      return {x0 + u, y0 + height - v};
  }
}

struct PdfPages::Impl {
  std::filesystem::path file;
  pdf::RenderedDocument document;
  int pages = 0;
};

PdfPages::PdfPages(const std::filesystem::path& file) {
  // Opened once here so that an unreadable file is an I/O error naming
  // errno, not "cannot be rendered".
  if (!UniqueFd(::open(file.c_str(), O_RDONLY | O_CLOEXEC))) {
    throw Error(Category::Io, format(tr("cannot open the file: {0}"), {std::strerror(errno)}), file.string());
  }
  pdf::RenderedDocument document = pdf::RenderedDocument::fromFile(file);
  const int pages = document ? document.pages() : 0;
  if (pages < 1) throw Error(Category::Malformed, tr("the PDF cannot be rendered"), file.string());
  m_impl = std::make_unique<Impl>(Impl{file, std::move(document), pages});
}

PdfPages::PdfPages(PdfPages&&) noexcept = default;
PdfPages& PdfPages::operator=(PdfPages&&) noexcept = default;
PdfPages::~PdfPages() = default;

const std::filesystem::path& PdfPages::file() const { return m_impl->file; }

int PdfPages::pages() const { return m_impl->pages; }

PdfPageBox PdfPages::box(int index) const {
  pdf::PageBox b;
  if (index < 0 || index >= m_impl->pages) {
    throw Error(Category::Malformed, format(tr("the PDF has no page {0}"), {index + 1}), m_impl->file.string());
  }
  if (!m_impl->document.pageBox(index, b)) {
    throw Error(Category::Malformed, format(tr("page {0} cannot be rendered"), {index + 1}), m_impl->file.string());
  }
  return PdfPageBox{b.x0, b.y0, b.width, b.height, b.rotation};
}

PageImage PdfPages::render(int index, double dpi) const {
  const PdfPageBox shown = box(index);
  const pdf::PageBox b{shown.x0, shown.y0, shown.width, shown.height, shown.rotation};
  pdf::PageBitmap bitmap;
  if (!m_impl->document.render(index, pdf::fittingDpi(b, dpi), bitmap)) {
    throw Error(Category::Malformed, format(tr("page {0} cannot be rendered"), {index + 1}), m_impl->file.string());
  }
  return pdf::toPageImage(bitmap);
}

}  // namespace securedoc
