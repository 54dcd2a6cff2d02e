#include <securedoc/app/output.h>
#include <securedoc/app/verification.h>
#include <securedoc/crypto/error.h>
#include <securedoc/i18n.h>

#include <algorithm>
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

FormatModule& VerificationService::moduleFor(const std::filesystem::path& file) const {
  const ContentSniff sniff = ContentSniff::of(file);
  if (sniff.size == 0) throw Error(Category::Malformed, tr("the file is empty"), file.string());
  if (FormatModule* m = m_registry.forVerifying(sniff)) return *m;
  if (startsWith(sniff.head, "%PDF-")) {
    throw Error(Category::Unsupported, tr("checking PDF signatures (PAdES) is not available in this version yet"),
                file.string());
  }
  throw Error(Category::Malformed, tr("not a signed document in a format SecureDoc reads (PDF, XML or CMS)"),
              file.string());
}

VerificationReport VerificationService::verify(const std::filesystem::path& file, const VerifyOptions& options) const {
  return moduleFor(file).verify(file, options);
}

Inspection VerificationService::inspect(const std::filesystem::path& file) const {
  return moduleFor(file).inspect(file);
}

}  // namespace securedoc
