#pragma once
// operator<< for base/'s enums so Boost.Test can print them in failure
// messages, and hasCategory().  Needs only securedoc_base.
#include <securedoc/base/error.h>

#include <ostream>

namespace securedoc {
inline std::ostream& operator<<(std::ostream& o, Category c) { return o << categoryName(c); }
namespace test {
/// For BOOST_CHECK_EXCEPTION: the error has this category.
inline auto hasCategory(Category c) {
  return [c](const Error& e) { return e.category() == c; };
}
}  // namespace test
}  // namespace securedoc
