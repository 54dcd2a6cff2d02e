#pragma once
// Internal to formats/: XAdES lives in a module of its own,
// securedoc_xades.so (formats/plugins/xades_plugin.cpp over the
// securedoc_xades_impl library: xades_sign, xades_references, xades_verify,
// xml_support), loaded when an XML signature is first made, verified or
// inspected.  libxml2, xmlsec, libxslt and ICU are then loaded with it;
// signing a PDF or verifying a CMS file never loads them (base/library.h says
// why that matters at start-up).  XadesModule (xades.cpp) answers everything
// that needs only a file's first bytes itself.
//
// The module is built from this tree with the same compiler and standard
// library, so the table passes C++ types, and securedoc::Error thrown inside
// it is caught outside (libstdc++ compares exception types by name).
#include <securedoc/formats/format.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace securedoc {

/// Enveloped for XML, detached for anything else.
Packaging xadesPackagingFor(const ContentSniff& content);

/// What the module exports, as securedoc_xades_backend().
struct XadesBackend {
  /// 2: prettyXml.  3: extend.
  static constexpr int kVersion = 3;
  int version = kVersion;
  std::unique_ptr<PendingSignature> (*prepare)(const std::filesystem::path& input, const SignParams& params,
                                               const OfferedCertificate& certificate) = nullptr;
  VerificationReport (*verify)(const std::filesystem::path& file, const VerifyOptions& options) = nullptr;
  Inspection (*inspect)(const std::filesystem::path& file) = nullptr;
  /// securedoc/formats/xml_text.h's prettyXml (xml::prettyPrint).
  std::string (*prettyXml)(const std::filesystem::path& file, std::uintmax_t maxBytes) = nullptr;
  /// FormatModule::extend (B-T, B-LT, B-LTA and its renewal).
  std::vector<ExtendedSignature> (*extend)(const std::filesystem::path& file, AtomicFile& out,
                                           const SignParams& params) = nullptr;
};

/// The module's table, loaded once; Error(Unsupported) naming the file and
/// the loader's reason when it cannot be loaded.
const XadesBackend& xadesBackend();

}  // namespace securedoc
