#pragma once
// operator<< for the report's enums (and crypto/'s and base/'s) so
// Boost.Test can print them in failure messages.  Needs securedoc_formats;
// a suite of base/ or crypto/ alone includes base_printers.h or
// crypto_printers.h, and VerifyExit (app/) is in app_printers.h.
#include "crypto_printers.h"

#include <securedoc/formats/report.h>

#include <ostream>

namespace securedoc {
inline std::ostream& operator<<(std::ostream& o, Indication i) { return o << indicationCode(i); }
inline std::ostream& operator<<(std::ostream& o, SubIndication s) {
  return o << (s == SubIndication::None ? "-" : subIndicationCode(s));
}
inline std::ostream& operator<<(std::ostream& o, Check::Status s) { return o << checkStatusCode(s); }
}  // namespace securedoc
