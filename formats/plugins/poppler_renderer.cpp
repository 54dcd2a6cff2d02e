// securedoc_poppler.so: poppler's C++ library behind the table of
// formats/src/pdf_renderer.h, loaded by SecureDoc when it first draws a page.
// It links nothing of SecureDoc and throws nothing: every failure is a null
// document or `false`.
#include "../src/pdf_renderer.h"

#include <poppler-document.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include <cstring>
#include <memory>

namespace {

using securedoc::pdf::PageBitmap;
using securedoc::pdf::PageBox;
using securedoc::pdf::RendererTable;

poppler::document* doc(void* d) { return static_cast<poppler::document*>(d); }

void* open(const std::uint8_t* data, int size) noexcept {
  try {
    // poppler reads the bytes where they are (the caller keeps them).
    std::unique_ptr<poppler::document> d(
        poppler::document::load_from_raw_data(reinterpret_cast<const char*>(data), size));
    if (!d || d->is_locked()) return nullptr;
    return d.release();
  } catch (...) {
    return nullptr;
  }
}

void* openFile(const char* path) noexcept {
  try {
    // poppler keeps the file open and reads objects as pages need them.
    std::unique_ptr<poppler::document> d(poppler::document::load_from_file(path));
    if (!d || d->is_locked()) return nullptr;
    return d.release();
  } catch (...) {
    return nullptr;
  }
}

void close(void* d) noexcept { delete doc(d); }

int pageCount(void* d) noexcept {
  try {
    return doc(d)->pages();
  } catch (...) {
    return 0;
  }
}

bool pageBox(void* d, int index, PageBox* box) noexcept {
  try {
    if (index < 0 || index >= doc(d)->pages()) return false;
    const std::unique_ptr<poppler::page> page(doc(d)->create_page(index));
    if (!page) return false;
    const poppler::rectf crop = page->page_rect(poppler::crop_box);
    box->x0 = crop.x();
    box->y0 = crop.y();
    box->width = crop.width();
    box->height = crop.height();
    switch (page->orientation()) {
      case poppler::page::landscape:
        box->rotation = 90;
        break;
      case poppler::page::upside_down:
        box->rotation = 180;
        break;
      case poppler::page::seascape:
        box->rotation = 270;
        break;
      default:
        box->rotation = 0;
    }
    return true;
  } catch (...) {
    return false;
  }
}

bool render(void* d, int index, double dpi, PageBitmap* out) noexcept {
  try {
    if (index < 0 || index >= doc(d)->pages()) return false;
    const std::unique_ptr<poppler::page> page(doc(d)->create_page(index));
    if (!page) return false;
    poppler::page_renderer renderer;
    renderer.set_image_format(poppler::image::format_argb32);
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    const poppler::image image = renderer.render_page(page.get(), dpi, dpi);
    // ARGB32 is stored as B, G, R, A bytes on the little-endian machines
    // Debian builds SecureDoc for.
    if (!image.is_valid() || image.format() != poppler::image::format_argb32) return false;
    out->width = image.width();
    out->height = image.height();
    out->stride = image.bytes_per_row();
    const auto bytes = static_cast<std::size_t>(out->stride) * static_cast<std::size_t>(out->height);
    out->bgra.resize(bytes);
    std::memcpy(out->bgra.data(), image.const_data(), bytes);
    return true;
  } catch (...) {
    return false;
  }
}

const RendererTable kTable{RendererTable::kVersion, &open, &openFile, &close, &pageCount, &pageBox, &render};

}  // namespace

extern "C" __attribute__((visibility("default"))) const RendererTable* securedoc_pdf_renderer() { return &kTable; }
