#pragma once
// Shared libraries loaded on first use.  A command pays at start-up only for
// the libraries it needs: the dynamic loader's cost grows with every library
// in the process (each relocation searches them all), and libcurl and
// poppler bring some forty more (TLS stacks, Kerberos, LDAP, NSS, image
// codecs) that signing a PDF with a key file never touches.  So libcurl
// (crypto/src/curl_support.h) and the page renderer
// (formats/src/pdf_renderer.h) are loaded here when first used.
// bench/startup.sh measures the difference.
#include <securedoc/base/error.h>

#include <filesystem>
#include <mutex>
#include <optional>
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
/// folder beside the program (bin/../LIBDIR/securedoc), else the folder it
/// was configured to be installed in (CMAKE_INSTALL_FULL_LIBDIR/securedoc).
std::filesystem::path pluginDir();

/// What `make()` returns, made once per process (thread-safe) and kept; an
/// Error it throws is kept too and thrown again to every caller, so a
/// missing library is reported the same way each time.  One state per call
/// site (each lambda is its own type).
template <class T, class Make>
const T& oncePerProcess(Make make) {
  static std::once_flag once;
  static std::optional<T> value;
  static std::optional<Error> failure;
  std::call_once(once, [&make] {
    try {
      value.emplace(make());
    } catch (const Error& e) {
      failure.emplace(e);
    }
  });
  if (failure) throw *failure;
  return *value;
}

/// Error(Unsupported): the module `name` is from another build.
[[noreturn]] void throwModuleFromOtherBuild(const std::string& name);

/// The table a SecureDoc module exports: `file` in pluginDir(), whose
/// function `entry` returns a `const Table*` with `version ==
/// Table::kVersion`.  Loaded on the first call; Error(Unsupported) when the
/// module is missing or from another build.
template <class Table>
const Table& moduleTable(const char* file, const char* entry) {
  return *oncePerProcess<const Table*>([file, entry] {
    static const SharedLibrary lib((pluginDir() / file).string());
    const Table* t = lib.function<const Table* (*)()>(entry)();
    if (t == nullptr || t->version != Table::kVersion) throwModuleFromOtherBuild(lib.name());
    return t;
  });
}

}  // namespace securedoc
