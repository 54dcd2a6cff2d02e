#pragma once
// CAdES (ETSI EN 319 122-1) over OpenSSL CMS: B-B attached (.p7m) and
// detached (.p7s), verification with streamed detached content.
#include <securedoc/formats/format.h>

namespace securedoc {

class CadesModule final : public FormatModule {
 public:
  std::string id() const override { return "cades"; }
  std::string displayName() const override { return "CAdES"; }
  bool isDefaultFor(const ContentSniff& content) const override;
  bool canSign(const ContentSniff& content) const override;
  bool recognises(const ContentSniff& content) const override;
  Packaging defaultPackaging() const override { return Packaging::Detached; }
  std::filesystem::path outputName(const std::filesystem::path& input, Packaging p) const override;
  std::unique_ptr<PendingSignature> prepare(const std::filesystem::path& input, const SignParams& params,
                                            const OfferedCertificate& cert) override;
  VerificationReport verify(const std::filesystem::path& file, const VerifyOptions& options) override;
  Inspection inspect(const std::filesystem::path& file) override;
  std::vector<ExtendedSignature> extend(const std::filesystem::path& file, AtomicFile& out,
                                        const SignParams& params) override;
};

}  // namespace securedoc
