#pragma once
// operator<< for crypto/'s enums (and base/'s) so Boost.Test can print them
// in failure messages.  Needs only securedoc_crypto.
#include "base_printers.h"

#include <securedoc/crypto/chain.h>
#include <securedoc/crypto/digest.h>

#include <ostream>

namespace securedoc {
inline std::ostream& operator<<(std::ostream& o, DigestAlgorithm a) { return o << digestName(a); }
inline std::ostream& operator<<(std::ostream& o, ChainStatus s) { return o << static_cast<int>(s); }
}  // namespace securedoc
