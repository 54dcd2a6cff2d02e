#include <securedoc/base/file.h>
#include <securedoc/app/verification.h>
#include <securedoc/base/error.h>
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
    case Indication::TotalPassed:
      return VerifyExit::AllPassed;
    case Indication::TotalFailed:
      return VerifyExit::Failed;
    case Indication::Indeterminate:
      return VerifyExit::Indeterminate;
  }
  return VerifyExit::Indeterminate;
}

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
    throw Error(Category::Usage, format(tr("signature {0} does not cover a revision of a PDF"), {signature.id}),
                file.string());
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
      if (!in.read(buf.data(), chunk))
        throw Error(Category::Io, tr("the file is shorter than the signed revision"), file.string());
      out.write(buf.data(), chunk);
      left -= static_cast<std::uint64_t>(chunk);
    }
    out.flush();
    if (!out) throw Error(Category::Io, tr("cannot write the signed revision"), tmp.string());
  });
}

FormatModule* VerificationService::moduleFor(const ContentSniff& sniff) const {
  // Content no module recognises holds no signature in a format we know
  // (exit 3, README.md): a text, an image, an empty file.  A file that
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
    report.format = sniff.mediaType();
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
  in.format = sniff.mediaType();
  return in;
}

}  // namespace securedoc
