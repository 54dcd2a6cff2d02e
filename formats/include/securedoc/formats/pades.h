#pragma once
// PAdES (ETSI EN 319 142-1) on PoDoFo 0.9.8: signatures written as
// incremental updates with SubFilter ETSI.CAdES.detached, and verification
// of every signature field against its own revision, attacks included.
#include <securedoc/formats/format.h>

namespace securedoc {

/// Refuses, as Error(Usage), an image for a visible signature's appearance
/// that cannot be read, is over 8 MiB or is neither PNG nor JPEG; returns
/// its bytes.  A batch calls it once before any file is touched.
Bytes checkSignatureImage(const std::filesystem::path& image);

class PadesModule final : public FormatModule {
 public:
  std::string id() const override { return "pades"; }
  std::string displayName() const override { return "PAdES"; }
  bool isDefaultFor(const ContentSniff& content) const override;
  bool canSign(const ContentSniff& content) const override;
  bool recognises(const ContentSniff& content) const override;
  Packaging defaultPackaging() const override { return Packaging::Enveloped; }
  /// report.pdf -> report-signed.pdf (README.md "Command line").
  std::filesystem::path outputName(const std::filesystem::path& input, Packaging p) const override;
  std::unique_ptr<PendingSignature> prepare(const std::filesystem::path& input, const SignParams& params,
                                            const OfferedCertificate& cert) override;
  VerificationReport verify(const std::filesystem::path& file, const VerifyOptions& options) override;
  Inspection inspect(const std::filesystem::path& file) override;
  std::vector<ExtendedSignature> extend(const std::filesystem::path& file, AtomicFile& out,
                                        const SignParams& params) override;
};

}  // namespace securedoc
