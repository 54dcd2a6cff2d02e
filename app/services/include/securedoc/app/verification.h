#pragma once
// The verification job: find the module that reads a file and run it.
#include <securedoc/formats/format.h>

#include <filesystem>
#include <optional>

namespace securedoc {

/// Exit status of `verify` (README.md "Command line").
enum class VerifyExit : int {
  AllPassed = 0,
  Failed = 1,
  Indeterminate = 2,
  NoSignature = 3,
  Unreadable = 4,
  Usage = 64,
};
VerifyExit exitFor(const VerificationReport& report);

/// For `x.pdf.p7s` or `x.pdf.sig`: `x.pdf` when it exists beside it, the
/// content a detached signature most likely covers.  Used only when the user
/// named none; the report then says which file was checked.
std::optional<std::filesystem::path> detachedContentBeside(const std::filesystem::path& signature);

/// Writes the exact bytes a PDF signature covers (what Acrobat calls "View
/// Signed Version") as `dir/<file stem>-rev<N>.pdf`, never over an existing
/// file; returns the name used.  Throws Error(Usage) when the signature
/// names no signed revision (not a PDF signature), Error(Io) when the
/// folder cannot be written.
std::filesystem::path saveSignedRevision(const std::filesystem::path& file, const SignatureReport& signature,
                                         const std::filesystem::path& dir);

class VerificationService {
 public:
  explicit VerificationService(const FormatRegistry& registry) : m_registry(registry) {}
  /// A report with no signatures (INDETERMINATE / SIGNED_DATA_NOT_FOUND)
  /// when the file holds no signature: also when it is in no format a
  /// module reads (a text, an image, an empty file; its "format" is then a
  /// media type such as "text/plain").  Throws Error(Io) when the file
  /// cannot be opened or read, Error(Malformed) when it starts like a
  /// format we read (PDF, XML, CMS) but cannot be parsed.
  VerificationReport verify(const std::filesystem::path& file, const VerifyOptions& options) const;
  /// The same choice of module; no signatures for content no module reads.
  Inspection inspect(const std::filesystem::path& file) const;

 private:
  /// The module that reads this content, or nullptr: then it holds no signature.
  FormatModule* moduleFor(const ContentSniff& sniff) const;
  const FormatRegistry& m_registry;
};

}  // namespace securedoc
