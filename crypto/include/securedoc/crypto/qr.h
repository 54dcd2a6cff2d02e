#pragma once
// QR codes as PNG files: writing an otpauth:// URI for an authenticator app,
// and reading one back (libqrencode, zbar and libpng stay inside qr.cpp).
#include <filesystem>
#include <string>

namespace securedoc {

/// `text` as a QR code image (error correction level M, 8 pixels a module, a
/// quiet zone of 4 modules, black on white, 1-bit greyscale PNG), made in
/// memory: an otpauth:// QR code holds a secret, so the caller wipes it.
/// Throws Error(Usage) when the text does not fit a QR code or contains NUL.
std::string qrPngImage(const std::string& text);

/// qrPngImage written to `png` through AtomicFile (a temporary file in the
/// same folder, then renamed over `png`) with mode 0600.  Throws as
/// qrPngImage does, naming the file, and Error(Io) when it cannot be written.
void writeQrPng(const std::string& text, const std::filesystem::path& png);

/// The text of the one QR code in a PNG file.  Files over 20 MB or images over
/// 8000 x 8000 pixels are refused.  Throws Error(Io) naming the file when it
/// cannot be read, Error(Malformed) naming it when it is not a PNG, is damaged,
/// holds no QR code or holds several.
std::string readQrPng(const std::filesystem::path& png);

}  // namespace securedoc
