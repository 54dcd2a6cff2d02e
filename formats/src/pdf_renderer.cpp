#include "pdf_renderer.h"

#include <securedoc/base/error.h>
#include <securedoc/base/library.h>
#include <securedoc/i18n.h>

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

}  // namespace securedoc::pdf
