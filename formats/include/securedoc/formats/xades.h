#pragma once
// XAdES (ETSI EN 319 132-1) on libxml2 and xmlsec 1.2 with its OpenSSL back
// end: B-B and B-T, enveloped (XML), enveloping and detached (any file);
// verification of XAdES and plain XML-DSig with safe parsing and
// signature-wrapping checks (ARCHITECTURE.md, "XAdES").
#include <securedoc/formats/format.h>

namespace securedoc {

/// Detached XAdES signature file for `input`: "scan.tiff" -> "scan.tiff.xades.xml".
inline constexpr const char* kDetachedXadesSuffix = ".xades.xml";

class XadesModule final : public FormatModule {
 public:
  std::string id() const override { return "xades"; }
  std::string displayName() const override { return "XAdES"; }
  bool isDefaultFor(const ContentSniff& content) const override;
  bool canSign(const ContentSniff& content) const override;
  bool recognises(const ContentSniff& content) const override;
  /// Enveloped for XML, detached for anything else.
  Packaging defaultPackaging() const override { return Packaging::Enveloped; }
  Packaging packagingFor(const ContentSniff& content) const override;
  std::filesystem::path outputName(const std::filesystem::path& input, Packaging p) const override;
  std::unique_ptr<PendingSignature> prepare(const std::filesystem::path& input, const SignParams& params,
                                            const OfferedCertificate& cert) override;
  VerificationReport verify(const std::filesystem::path& file, const VerifyOptions& options) override;
  Inspection inspect(const std::filesystem::path& file) override;
  std::vector<ExtendedSignature> extend(const std::filesystem::path& file, AtomicFile& out,
                                        const SignParams& params) override;
};

}  // namespace securedoc
