#include <securedoc/app/output.h>
#include <securedoc/app/verification.h>
#include <securedoc/crypto/error.h>
#include <securedoc/i18n.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <string_view>
#include <vector>

namespace securedoc {

VerifyExit exitFor(const VerificationReport& report) {
  if (report.signatures.empty()) return VerifyExit::NoSignature;
  switch (report.indication) {
    case Indication::TotalPassed: return VerifyExit::AllPassed;
    case Indication::TotalFailed: return VerifyExit::Failed;
    case Indication::Indeterminate: return VerifyExit::Indeterminate;
  }
  return VerifyExit::Indeterminate;
}

namespace {
bool startsWith(const Bytes& b, std::string_view p) {
  return b.size() >= p.size() && std::equal(p.begin(), p.end(), b.begin(), [](char c, std::uint8_t x) {
           return static_cast<std::uint8_t>(c) == x;
         });
}
}  // namespace

std::optional<std::filesystem::path> detachedContentBeside(const std::filesystem::path& signature) {
  const std::string ext = signature.extension().string();
  if (ext != ".p7s" && ext != ".sig" && ext != ".P7S" && ext != ".SIG") return std::nullopt;
  std::filesystem::path content = signature;
  content.replace_extension();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(content, ec)) return std::nullopt;
  return content;
}

std::filesystem::path saveSignedRevision(const std::filesystem::path& file, const SignatureReport& signature,
                                         const std::filesystem::path& dir) {
  if (!signature.signedBytes) {
    throw Error(Category::Usage, format(tr("signature {0} does not cover a revision of a PDF"), {signature.id}), file.string());
  }
  const std::uint64_t length = *signature.signedBytes;
  const std::string name = file.stem().string() + "-rev" +
                           std::to_string(signature.signedRevision > 0 ? signature.signedRevision : 0) + ".pdf";
  return writeNewFile(dir / name, [&](const std::filesystem::path& tmp) {
    std::ifstream in(file, std::ios::binary);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!in || !out) throw Error(Category::Io, tr("cannot copy the signed revision"), file.string());
    std::vector<char> buf(1u << 16);
    std::uint64_t left = length;
    while (left > 0) {
      const auto chunk = static_cast<std::streamsize>(std::min<std::uint64_t>(left, buf.size()));
      if (!in.read(buf.data(), chunk)) throw Error(Category::Io, tr("the file is shorter than the signed revision"), file.string());
      out.write(buf.data(), chunk);
      left -= static_cast<std::uint64_t>(chunk);
    }
    out.flush();
    if (!out) throw Error(Category::Io, tr("cannot write the signed revision"), tmp.string());
  });
}

namespace {

/// Whether `head` reads as text: UTF-8 (a sequence cut at the end of the
/// sniffed bytes allowed) without control characters but tab, line breaks
/// and form feed.
bool looksLikeText(const Bytes& head) {
  std::size_t i = 0;
  while (i < head.size()) {
    const std::uint8_t b = head[i];
    if (b < 0x80) {
      if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f') || b == 0x7F) return false;
      ++i;
      continue;
    }
    const std::size_t n = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && b < 0xC2) || b > 0xF4) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if (i + k >= head.size()) return true;  // cut by the sniff
      if ((head[i + k] & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

/// What a file no module reads holds, as a media type: a report's "format"
/// when the file holds no signature in a format we know.  A name, not words:
/// the same in every language, like "PAdES".
std::string mediaTypeOf(const ContentSniff& c) {
  using namespace std::string_view_literals;
  const Bytes& h = c.head;
  if (h.empty()) return "application/x-zerosize";  // shared-mime-info's name for an empty file
  if (startsWith(h, "\x89PNG\r\n\x1a\n"sv)) return "image/png";
  if (startsWith(h, "\xFF\xD8\xFF"sv)) return "image/jpeg";
  if (startsWith(h, "GIF87a"sv) || startsWith(h, "GIF89a"sv)) return "image/gif";
  if (startsWith(h, "II*\0"sv) || startsWith(h, "MM\0*"sv)) return "image/tiff";
  if (startsWith(h, "PK\x03\x04"sv)) return "application/zip";
  if (looksLikeText(h)) return "text/plain";
  return "application/octet-stream";
}

}  // namespace

FormatModule* VerificationService::moduleFor(const ContentSniff& sniff) const {
  // Content no module recognises holds no signature in a format we know
  // (DESIGN.md §4, exit 3): a text, an image, an empty file.  A file that
  // starts like one (a PDF header, XML, a CMS SignedData) goes to its module,
  // which throws Error(Malformed) when it cannot be parsed (exit 4).
  if (sniff.head.empty()) return nullptr;
  return m_registry.forVerifying(sniff);
}

VerificationReport VerificationService::verify(const std::filesystem::path& file, const VerifyOptions& options) const {
  const ContentSniff sniff = ContentSniff::of(file);  // Error(Io) when it cannot be opened or read
  VerificationReport report;
  if (FormatModule* m = moduleFor(sniff)) {
    report = m->verify(file, options);
  } else {
    report.file = file.string();
    report.format = mediaTypeOf(sniff);
    report.validationTime = options.time.value_or(std::time(nullptr));
  }
  // One verdict for "no signature", whichever module read the file: an
  // unsigned PDF, an XML without ds:Signature, a CMS without signers and a
  // plain text all say INDETERMINATE / SIGNED_DATA_NOT_FOUND.
  if (report.signatures.empty()) report.computeOverall();
  return report;
}

Inspection VerificationService::inspect(const std::filesystem::path& file) const {
  const ContentSniff sniff = ContentSniff::of(file);
  if (FormatModule* m = moduleFor(sniff)) return m->inspect(file);
  Inspection in;
  in.file = file.string();
  in.format = mediaTypeOf(sniff);
  return in;
}

}  // namespace securedoc
