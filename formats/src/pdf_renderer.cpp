#include "pdf_renderer.h"

#include <securedoc/base/error.h>
#include <securedoc/base/library.h>
#include <securedoc/formats/pdf_render.h>
#include <securedoc/i18n.h>

#include <cmath>
#include <limits>
#include <utility>

namespace securedoc::pdf {

namespace {

constexpr const char* kModule = "securedoc_poppler.so";
constexpr const char* kEntry = "securedoc_pdf_renderer";

}  // namespace

const RendererTable& renderer() { return moduleTable<RendererTable>(kModule, kEntry); }

RenderedDocument::RenderedDocument(std::vector<std::uint8_t> bytes)
    : bytes_(std::make_unique<std::vector<std::uint8_t>>(std::move(bytes))) {
  const RendererTable& r = renderer();
  if (bytes_->size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return;
  document_ = r.open(bytes_->data(), static_cast<int>(bytes_->size()));
}

RenderedDocument RenderedDocument::fromFile(const std::filesystem::path& file) {
  const RendererTable& r = renderer();
  RenderedDocument d;
  d.document_ = r.openFile(file.c_str());
  return d;
}

RenderedDocument::RenderedDocument(RenderedDocument&& other) noexcept
    : bytes_(std::move(other.bytes_)), document_(std::exchange(other.document_, nullptr)) {}

RenderedDocument& RenderedDocument::operator=(RenderedDocument&& other) noexcept {
  if (this != &other) {
    if (document_ != nullptr) renderer().close(document_);
    bytes_ = std::move(other.bytes_);
    document_ = std::exchange(other.document_, nullptr);
  }
  return *this;
}

RenderedDocument::~RenderedDocument() {
  if (document_ != nullptr) renderer().close(document_);
}

int RenderedDocument::pages() const { return document_ != nullptr ? renderer().pageCount(document_) : 0; }

bool RenderedDocument::pageBox(int index, PageBox& box) const {
  return document_ != nullptr && renderer().pageBox(document_, index, &box);
}

bool RenderedDocument::render(int index, double dpi, PageBitmap& bitmap) const {
  return document_ != nullptr && renderer().render(document_, index, dpi, &bitmap);
}

double fittingDpi(const PageBox& box, double dpi) {
  const double area = std::fabs(box.width * box.height) * (dpi / 72.0) * (dpi / 72.0);
  return area > kMaxPagePixels ? dpi * std::sqrt(kMaxPagePixels / area) : dpi;
}

PageImage toPageImage(const PageBitmap& bitmap) {
  PageImage out;
  out.width = bitmap.width;
  out.height = bitmap.height;
  const auto width = static_cast<std::size_t>(out.width);
  out.rgb.resize(width * static_cast<std::size_t>(out.height) * 3);
  std::uint8_t* o = out.rgb.data();
  for (int y = 0; y < out.height; ++y) {
    const std::uint8_t* pixel = bitmap.bgra.data() + static_cast<std::ptrdiff_t>(y) * bitmap.stride;
    for (std::size_t x = 0; x < width; ++x, pixel += 4, o += 3) {
      o[0] = pixel[2];  // B, G, R, A in, R, G, B out
      o[1] = pixel[1];
      o[2] = pixel[0];
    }
  }
  return out;
}

}  // namespace securedoc::pdf
