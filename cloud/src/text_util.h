#pragma once
// What the CA and the TSA share; private to securedoc_cloud.

namespace securedoc::cloud::detail {

/// A PEM password callback that never prompts on the terminal for an
/// encrypted key: reading one fails instead.
inline int noPassword(char*, int, int, void*) { return -1; }

}  // namespace securedoc::cloud::detail
