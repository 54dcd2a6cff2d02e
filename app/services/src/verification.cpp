#include <securedoc/app/verification.h>
#include <securedoc/crypto/error.h>
#include <securedoc/i18n.h>

#include <string_view>

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
