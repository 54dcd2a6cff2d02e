#pragma once
// operator<< for VerifyExit (app/services) so Boost.Test can print it in
// failure messages.  Needs securedoc_app: only the suites that compare
// VerifyExit values include it.
#include "printers.h"

#include <securedoc/app/verification.h>

#include <ostream>

namespace securedoc {
inline std::ostream& operator<<(std::ostream& o, VerifyExit e) { return o << static_cast<int>(e); }
}  // namespace securedoc
