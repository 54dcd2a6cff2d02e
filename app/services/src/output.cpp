#include <securedoc/app/output.h>
#include <securedoc/crypto/error.h>
#include <securedoc/i18n.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace securedoc {

namespace fs = std::filesystem;

fs::path candidateName(const fs::path& wanted, unsigned attempt) {
  if (attempt <= 1) return wanted;
  const fs::path dir = wanted.parent_path();
  const std::string stem = wanted.stem().string();
  const std::string ext = wanted.extension().string();
  return dir / (stem + " (" + std::to_string(attempt) + ")" + ext);
}

namespace {
/// Removes the temporary file unless released.
class TempGuard {
 public:
  explicit TempGuard(fs::path p) : m_path(std::move(p)) {}
  ~TempGuard() {
    if (!m_path.empty()) ::unlink(m_path.c_str());
  }
  TempGuard(const TempGuard&) = delete;
  TempGuard& operator=(const TempGuard&) = delete;
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

[[noreturn]] void folderError(const fs::path& dir, int err) {
  throw Error(Category::Io, format(tr("cannot write in this folder: {0}"), {std::strerror(err)}),
              dir.empty() ? std::string(".") : dir.string());
}

mode_t newFileMode() {
  static const mode_t mode = [] {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return static_cast<mode_t>(0666 & ~mask);
  }();
  return mode;
}

void syncFile(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(Category::Io, format(tr("cannot write the file: {0}"), {std::strerror(errno)}), p.string());
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw Error(Category::Io, format(tr("cannot write the file: {0}"), {std::strerror(err)}), p.string());
}
}  // namespace

void syncFolder(const fs::path& dir) {
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

fs::path writeNewFile(const fs::path& wanted, const std::function<void(const fs::path& tmp)>& write, bool sync) {
  const fs::path dir = wanted.parent_path().empty() ? fs::path(".") : wanted.parent_path();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(Category::Io, tr("the output folder does not exist"), dir.string());
  }
  std::string pattern = (dir / ("." + wanted.filename().string() + ".XXXXXX")).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  const int fd = ::mkstemp(buf.data());
  if (fd < 0) folderError(dir, errno);
  // mkstemp makes the file private (0600); a signed document gets the mode
  // any new file would get.
  ::fchmod(fd, newFileMode());
  ::close(fd);
  TempGuard tmp{fs::path(buf.data())};

  write(tmp.path());
  ::chmod(tmp.path().c_str(), newFileMode());  // a module may have replaced the file
  syncFile(tmp.path());

  // link() never replaces an existing name, so a file that appeared since we
  // chose the name is not overwritten either: we move on to the next name.
  for (unsigned attempt = 1; attempt < 10000; ++attempt) {
    fs::path target = candidateName(wanted, attempt);
    if (::link(tmp.path().c_str(), target.c_str()) == 0) {
      if (sync) syncFolder(dir);
      return target;
    }
    if (errno != EEXIST) folderError(dir, errno);
  }
  throw Error(Category::Io, tr("too many files with this name already exist"), wanted.string());
}

}  // namespace securedoc
