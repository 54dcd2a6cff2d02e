#pragma once
// Chain building and validation against trust anchors the user names.
// Intermediates come from the signature itself (`untrusted`).
#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/ossl.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace securedoc {

enum class ChainStatus {
  Valid,
  NoChain,  ///< no path to a trust anchor
  Expired,  ///< a certificate of the path is expired at the validation time
  NotYetValid,
  Invalid,  ///< a path exists but is not acceptable (bad signature, constraints)
};

struct ChainResult {
  ChainStatus status = ChainStatus::NoChain;
  /// Leaf first, as far as the path could be built (anchor last when found).
  std::vector<Certificate> path;
  /// Which certificate of `path` failed, when one did.
  std::optional<std::size_t> failingIndex;
  /// OpenSSL's reason, untranslated.
  std::string detail;
};

/// Validates `leaf` at `when`.  No revocation checking here (that needs
/// OCSP/CRL data, which B-LT signatures carry).
ChainResult validateChain(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                          const std::vector<Certificate>& anchors, std::time_t when);

/// An OpenSSL stack holding a reference to each certificate (for the
/// OpenSSL calls that take STACK_OF(X509)).
ossl::X509Stack x509StackOf(const std::vector<Certificate>& certs);

/// Builds the best path from `leaf` through `pool` by issuer name and
/// signature, without trust (for display when validation fails).
std::vector<Certificate> buildPath(const Certificate& leaf, const std::vector<Certificate>& pool);

}  // namespace securedoc
