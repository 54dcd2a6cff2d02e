#include <securedoc/crypto/qr.h>

#include <securedoc/base/bytes.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/base/secret.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/i18n.h>

#include <png.h>
#include <qrencode.h>
#include <zbar.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace securedoc {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxPngFile = 20u << 20;
constexpr png_uint_32 kMaxPngSide = 8000;
constexpr int kModulePixels = 8;  // 8 px a module: one byte of a 1-bit row
constexpr int kQuietZone = 4;     // ISO/IEC 18004 asks for 4 modules

using QrCode = ossl::Ptr<QRcode, QRcode_free>;
using ZbarScanner = ossl::Ptr<zbar::zbar_image_scanner_t, zbar::zbar_image_scanner_destroy>;
using ZbarImage = ossl::Ptr<zbar::zbar_image_t, zbar::zbar_image_destroy>;

// ---- libpng error handling ---------------------------------------------
// libpng reports errors by longjmp.  The jump lands in pngGuarded() below, and
// everything between that frame and libpng's is a "step": a plain function
// made of libpng calls on C data only, so no C++ object with a destructor is
// ever skipped.  Every png_struct/png_info is owned by an RAII holder living
// in the caller, outside the jump.

struct PngErrorState {
  char message[256];
};

void pngErrorFn(png_structp png, png_const_charp msg) {
  auto* state = static_cast<PngErrorState*>(png_get_error_ptr(png));
  if (state) std::snprintf(state->message, sizeof state->message, "%s", msg ? msg : "libpng error");
  png_longjmp(png, 1);
}

void pngWarningFn(png_structp, png_const_charp) {}

using PngStep = void (*)(png_structp, png_infop, void*);

/// Runs `step` under libpng's error jump; false when libpng reported an error.
bool pngGuarded(png_structp png, png_infop info, PngStep step, void* arg) {
  if (setjmp(png_jmpbuf(png)) != 0) return false;
  step(png, info, arg);
  return true;
}

struct PngReadHandles {
  png_structp png = nullptr;
  png_infop info = nullptr;
  PngReadHandles() = default;
  PngReadHandles(const PngReadHandles&) = delete;
  PngReadHandles& operator=(const PngReadHandles&) = delete;
  ~PngReadHandles() {
    if (png) png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
  }
};

struct PngWriteHandles {
  png_structp png = nullptr;
  png_infop info = nullptr;
  PngWriteHandles() = default;
  PngWriteHandles(const PngWriteHandles&) = delete;
  PngWriteHandles& operator=(const PngWriteHandles&) = delete;
  ~PngWriteHandles() {
    if (png) png_destroy_write_struct(&png, info ? &info : nullptr);
  }
};

// ---- writing --------------------------------------------------------------

struct WriteJob {
  std::string* out;
  png_uint_32 side;
  png_bytepp rows;
};

/// libpng's output callback: collects the image in memory.  No exception may
/// cross libpng's C frames, so a failure becomes png_error (a longjmp to
/// pngGuarded).
void appendPngData(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  try {
    out->append(reinterpret_cast<const char*>(data), length);
  } catch (...) {
    png_error(png, "out of memory");
  }
}

void flushNothing(png_structp) {}

void writeStep(png_structp png, png_infop info, void* arg) {
  const auto* job = static_cast<const WriteJob*>(arg);
  png_set_write_fn(png, job->out, appendPngData, flushNothing);
  png_set_IHDR(png, info, job->side, job->side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, job->rows);
  png_write_end(png, nullptr);
}

// ---- reading --------------------------------------------------------------

struct ReadJob {
  const unsigned char* data;
  std::size_t size;
  std::size_t pos;
  png_uint_32 width;
  png_uint_32 height;
  std::size_t rowBytes;
  int channels;
  png_bytepp rows;
};

void readFn(png_structp png, png_bytep out, png_size_t length) {
  auto* job = static_cast<ReadJob*>(png_get_io_ptr(png));
  if (length > job->size - job->pos) png_error(png, "the file ends before the image does");
  std::memcpy(out, job->data + job->pos, length);
  job->pos += length;
}

void readHeaderStep(png_structp png, png_infop info, void* arg) {
  auto* job = static_cast<ReadJob*>(arg);
  png_set_read_fn(png, job, readFn);
  png_set_user_limits(png, kMaxPngSide, kMaxPngSide);
  png_set_chunk_malloc_max(png, 8u << 20);
  png_read_info(png, info);
  const png_byte colorType = png_get_color_type(png, info);
  const bool hasAlpha = (colorType & PNG_COLOR_MASK_ALPHA) != 0 || png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  png_set_expand(png);  // palette -> RGB, grey below 8 bits -> 8 bits, tRNS -> alpha
  png_set_strip_16(png);
  if ((colorType & PNG_COLOR_MASK_COLOR) != 0) png_set_rgb_to_gray_fixed(png, PNG_ERROR_ACTION_NONE, -1, -1);
  if (hasAlpha) {
    // Transparent pixels become white paper, not the (often black) colour
    // hidden under them.
    png_color_16 white{};
    white.red = white.green = white.blue = white.gray = 0xFF;
    png_set_background_fixed(png, &white, PNG_BACKGROUND_GAMMA_SCREEN, 0, PNG_FP_1);
  }
  (void)png_set_interlace_handling(png);
  png_read_update_info(png, info);
  job->width = png_get_image_width(png, info);
  job->height = png_get_image_height(png, info);
  job->rowBytes = png_get_rowbytes(png, info);
  job->channels = png_get_channels(png, info);
}

void readImageStep(png_structp png, png_infop, void* arg) { png_read_image(png, static_cast<ReadJob*>(arg)->rows); }

/// The image as 8-bit grey, width x height bytes.
std::vector<std::uint8_t> decodeGrey(const Bytes& file, const std::string& name, unsigned& width, unsigned& height) {
  if (file.size() < 8 || png_sig_cmp(file.data(), 0, 8) != 0) {
    throw Error(Category::Malformed, tr("not a PNG image"), name);
  }
  PngErrorState state{};
  PngReadHandles h;
  h.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, pngErrorFn, pngWarningFn);
  if (!h.png) throw Error(Category::Internal, tr("libpng could not start"), name);
  h.info = png_create_info_struct(h.png);
  if (!h.info) throw Error(Category::Internal, tr("libpng could not start"), name);

  ReadJob job{file.data(), file.size(), 0, 0, 0, 0, 0, nullptr};
  if (!pngGuarded(h.png, h.info, readHeaderStep, &job)) {
    throw Error(Category::Malformed, tr("damaged or unsupported PNG image"), name, state.message);
  }
  if (job.width == 0 || job.height == 0 || job.width > kMaxPngSide || job.height > kMaxPngSide) {
    throw Error(Category::Malformed, tr("the PNG image is too large (at most 8000 x 8000 pixels)"), name);
  }
  if (job.channels != 1 || job.rowBytes != job.width) {
    throw Error(Category::Malformed, tr("damaged or unsupported PNG image"), name, "unexpected pixel layout");
  }
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(job.width) * job.height);
  std::vector<png_bytep> rows(job.height);
  for (png_uint_32 y = 0; y < job.height; ++y) rows[y] = pixels.data() + static_cast<std::size_t>(y) * job.width;
  job.rows = rows.data();
  if (!pngGuarded(h.png, h.info, readImageStep, &job)) {
    throw Error(Category::Malformed, tr("damaged or unsupported PNG image"), name, state.message);
  }
  width = job.width;
  height = job.height;
  return pixels;
}

}  // namespace

std::string qrPngImage(const std::string& text) {
  if (text.find('\0') != std::string::npos) throw Error(Category::Usage, tr("a QR code text cannot contain NUL"));
  errno = 0;
  QrCode qr(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M));
  if (!qr) {
    if (errno == ERANGE) throw Error(Category::Usage, tr("the text is too long for a QR code"));
    throw Error(Category::Internal, tr("the QR code could not be made"), {}, std::strerror(errno));
  }
  const int modules = qr->width + 2 * kQuietZone;
  const auto side = static_cast<png_uint_32>(modules * kModulePixels);
  // One bit a pixel, 8 pixels a module: each module is exactly one byte of a
  // row, 0x00 dark (grey level 0) or 0xFF light.
  const auto rowBytes = static_cast<std::size_t>(modules);
  std::vector<std::uint8_t> pixels(rowBytes * side, 0xFF);
  for (int y = 0; y < qr->width; ++y) {
    for (int x = 0; x < qr->width; ++x) {
      if ((qr->data[y * qr->width + x] & 1) == 0) continue;
      for (int dy = 0; dy < kModulePixels; ++dy) {
        const auto row = static_cast<std::size_t>(y + kQuietZone) * kModulePixels + static_cast<std::size_t>(dy);
        pixels[row * rowBytes + static_cast<std::size_t>(x + kQuietZone)] = 0x00;
      }
    }
  }
  std::vector<png_bytep> rows(side);
  for (png_uint_32 y = 0; y < side; ++y) rows[y] = pixels.data() + y * rowBytes;

  std::string image;
  PngErrorState state{};
  PngWriteHandles h;
  h.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, pngErrorFn, pngWarningFn);
  if (!h.png) throw Error(Category::Internal, tr("libpng could not start"));
  h.info = png_create_info_struct(h.png);
  if (!h.info) throw Error(Category::Internal, tr("libpng could not start"));
  WriteJob job{&image, side, rows.data()};
  if (!pngGuarded(h.png, h.info, writeStep, &job)) {
    throw Error(Category::Internal, tr("cannot write the QR code image"), {}, state.message);
  }
  return image;
}

void writeQrPng(const std::string& text, const fs::path& png) {
  std::string image;
  try {
    image = qrPngImage(text);
  } catch (const Error& e) {
    throw e.withFile(png.string());
  }
  const WipeOnExit wipeImage(image);
  // The image carries a TOTP secret: only its owner may read it (0600).
  try {
    AtomicFile out(png, 0600);
    out.write(image);
    out.placeReplacing();
  } catch (const Error& e) {
    throw Error(Category::Io, tr("cannot write the QR code image"), png.string(), e.message());
  }
}

std::string readQrPng(const fs::path& png) {
  const std::string name = png.string();
  const Bytes file = readFile(png, kMaxPngFile);
  unsigned width = 0, height = 0;
  const std::vector<std::uint8_t> grey = decodeGrey(file, name, width, height);

  ZbarScanner scanner(zbar::zbar_image_scanner_create());
  ZbarImage image(zbar::zbar_image_create());
  if (!scanner || !image) throw Error(Category::Internal, tr("the QR code reader could not start"), name);
  zbar::zbar_image_scanner_set_config(scanner.get(), zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
  zbar::zbar_image_scanner_set_config(scanner.get(), zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
  // "Y800": 8-bit greyscale, one byte a pixel.  The pixels stay ours (no
  // cleanup handler) and outlive the image.
  constexpr unsigned long kY800 = 'Y' | ('8' << 8) | ('0' << 16) | (static_cast<unsigned long>('0') << 24);
  zbar::zbar_image_set_format(image.get(), kY800);
  zbar::zbar_image_set_size(image.get(), width, height);
  zbar::zbar_image_set_data(image.get(), grey.data(), grey.size(), nullptr);
  if (zbar::zbar_scan_image(scanner.get(), image.get()) < 0) {
    throw Error(Category::Internal, tr("the QR code reader failed"), name);
  }
  std::vector<std::string> found;
  for (const zbar::zbar_symbol_t* s = zbar::zbar_image_first_symbol(image.get()); s; s = zbar::zbar_symbol_next(s)) {
    if (zbar::zbar_symbol_get_type(s) != zbar::ZBAR_QRCODE) continue;
    found.emplace_back(zbar::zbar_symbol_get_data(s), zbar::zbar_symbol_get_data_length(s));
  }
  if (found.empty()) throw Error(Category::Malformed, tr("the image holds no QR code"), name);
  if (found.size() > 1)
    throw Error(Category::Malformed, tr("the image holds several QR codes; give one at a time"), name);
  return found.front();
}

}  // namespace securedoc
