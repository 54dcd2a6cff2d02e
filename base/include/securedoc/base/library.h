#pragma once
// Shared libraries loaded on first use.  A command pays at start-up only for
// the libraries it needs: the dynamic loader's cost grows with every library
// in the process (each relocation searches them all), and libcurl and
// poppler bring some forty more (TLS stacks, Kerberos, LDAP, NSS, image
// codecs) that signing a PDF with a key file never touches.  So libcurl
// (crypto/src/curl_support.h) and the page renderer
// (formats/src/pdf_renderer.h) are loaded here when first used.
// bench/startup.sh measures the difference.
#include <filesystem>
#include <string>

namespace securedoc {

/// A library opened with dlopen (RTLD_NOW | RTLD_LOCAL).  It is never
/// unloaded: libcurl keeps process-wide state after curl_global_init, and
/// unloading a library whose objects may still be referenced is unsafe.
class SharedLibrary {
 public:
  /// `name` is a soname ("libcurl.so.4", found as the system's loader finds
  /// it) or a path.  Throws Error(Unsupported) with dlerror() as the detail
  /// when it cannot be loaded.
  explicit SharedLibrary(const std::string& name);

  /// The address of `symbol`; Error(Unsupported) when the library lacks it.
  [[nodiscard]] void* symbol(const char* symbol) const;

  template <class Function>
  [[nodiscard]] Function function(const char* name) const {
    return reinterpret_cast<Function>(symbol(name));  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): dlsym
  }

  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  void* handle_ = nullptr;
  std::string name_;
};

/// Where SecureDoc's own plugins (modules built with it) are: the
/// SECUREDOC_PLUGINDIR environment variable, else the build tree when the
/// running program is itself inside the build tree, else the installed
/// folder (CMAKE_INSTALL_FULL_LIBDIR/securedoc).
std::filesystem::path pluginDir();

}  // namespace securedoc
