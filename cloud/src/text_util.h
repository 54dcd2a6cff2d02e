#pragma once
// Small helpers the CA and the TSA share; private to securedoc_cloud.
#include <locale>
#include <sstream>
#include <string>

namespace securedoc::cloud::detail {

/// A number in the C locale (no thousands separators whatever the user's).
inline std::string number(long long n) {
  std::ostringstream s;
  s.imbue(std::locale::classic());
  s << n;
  return s.str();
}

/// A PEM password callback that never prompts on the terminal for an
/// encrypted key: reading one fails instead.
inline int noPassword(char*, int, int, void*) { return -1; }

}  // namespace securedoc::cloud::detail
