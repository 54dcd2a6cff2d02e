#include <securedoc/base/error.h>
#include <securedoc/base/library.h>
#include <securedoc/i18n.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#ifndef SECUREDOC_BUILD_DIR
#define SECUREDOC_BUILD_DIR ""
#endif
#ifndef SECUREDOC_BUILD_PLUGINDIR
#define SECUREDOC_BUILD_PLUGINDIR ""
#endif
#ifndef SECUREDOC_INSTALL_PLUGINDIR
#define SECUREDOC_INSTALL_PLUGINDIR "/usr/local/lib/securedoc"
#endif
#ifndef SECUREDOC_INSTALL_RELATIVE_PLUGINDIR
#define SECUREDOC_INSTALL_RELATIVE_PLUGINDIR "lib/securedoc"
#endif

namespace securedoc {

namespace {

std::string lastDlError() {
  const char* e = dlerror();
  return e != nullptr ? e : "";
}

}  // namespace

SharedLibrary::SharedLibrary(const std::string& name) : name_(name) {
  handle_ = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    throw Error(Category::Unsupported, format(tr("the library {0} cannot be loaded"), {name}), {}, lastDlError());
  }
}

void* SharedLibrary::symbol(const char* symbol) const {
  dlerror();  // clear: a symbol may legitimately be null, so dlerror() is the test
  void* address = dlsym(handle_, symbol);
  const std::string error = lastDlError();
  if (!error.empty() || address == nullptr) {
    throw Error(Category::Unsupported, format(tr("the library {0} lacks {1}"), {name_, std::string(symbol)}), {},
                error);
  }
  return address;
}

void throwModuleFromOtherBuild(const std::string& name) {
  throw Error(Category::Unsupported, format(tr("the library {0} is from another version"), {name}));
}

std::filesystem::path pluginDir() {
  if (const char* env = std::getenv("SECUREDOC_PLUGINDIR"); env != nullptr && *env != '\0') return env;
  // The build tree's modules only for the build tree's programs: an installed
  // program must not load code from a folder it merely finds on disk.
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return SECUREDOC_INSTALL_PLUGINDIR;
  const std::string build = SECUREDOC_BUILD_DIR;
  if (!build.empty()) {
    const std::filesystem::path root = std::filesystem::path(build).lexically_normal();
    const auto [r, s] = std::mismatch(root.begin(), root.end(), self.begin(), self.end());
    if (r == root.end()) return SECUREDOC_BUILD_PLUGINDIR;
  }
  // Installed: beside the program's prefix (bin/../lib/<arch>/securedoc),
  // so that `cmake --install --prefix` anywhere works, else where it was
  // configured to go.
  std::filesystem::path relative = self.parent_path().parent_path() / SECUREDOC_INSTALL_RELATIVE_PLUGINDIR;
  if (std::filesystem::is_directory(relative, ec)) return relative;
  return SECUREDOC_INSTALL_PLUGINDIR;
}

}  // namespace securedoc
