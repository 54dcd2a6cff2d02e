#pragma once
// operator<< for our enums so Boost.Test can print them in failure messages.
#include <securedoc/app/verification.h>
#include <securedoc/crypto/chain.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/formats/report.h>

#include <ostream>

namespace securedoc {
inline std::ostream& operator<<(std::ostream& o, Indication i) { return o << indicationCode(i); }
inline std::ostream& operator<<(std::ostream& o, SubIndication s) {
  return o << (s == SubIndication::None ? "-" : subIndicationCode(s));
}
inline std::ostream& operator<<(std::ostream& o, Check::Status s) { return o << checkStatusCode(s); }
inline std::ostream& operator<<(std::ostream& o, DigestAlgorithm a) { return o << digestName(a); }
inline std::ostream& operator<<(std::ostream& o, VerifyExit e) { return o << static_cast<int>(e); }
inline std::ostream& operator<<(std::ostream& o, Category c) { return o << categoryName(c); }
inline std::ostream& operator<<(std::ostream& o, ChainStatus s) { return o << static_cast<int>(s); }
namespace test {
/// For BOOST_CHECK_EXCEPTION: the error has this category.
inline auto hasCategory(Category c) {
  return [c](const Error& e) { return e.category() == c; };
}
}  // namespace test
}  // namespace securedoc
