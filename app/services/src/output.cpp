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

PendingOutput::PendingOutput(const fs::path& wanted, const std::function<void(const fs::path& tmp)>& write)
    : m_wanted(wanted) {
  const fs::path dir = folder();
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
  m_tmp = buf.data();
  try {
    write(m_tmp);
  } catch (...) {
    ::unlink(m_tmp.c_str());
    m_tmp.clear();
    throw;
  }
  ::chmod(m_tmp.c_str(), newFileMode());  // a module may have replaced the file
}

PendingOutput::~PendingOutput() {
  if (!m_tmp.empty()) ::unlink(m_tmp.c_str());
}

PendingOutput::PendingOutput(PendingOutput&& other) noexcept
    : m_wanted(std::move(other.m_wanted)), m_tmp(std::move(other.m_tmp)) {
  other.m_tmp.clear();
}

void PendingOutput::flush() { syncFile(m_tmp); }

fs::path PendingOutput::commit() {
  // link() never replaces an existing name, so a file that appeared since we
  // chose the name is not overwritten either: we move on to the next name.
  for (unsigned attempt = 1; attempt < 10000; ++attempt) {
    fs::path target = candidateName(m_wanted, attempt);
    if (::link(m_tmp.c_str(), target.c_str()) == 0) {
      ::unlink(m_tmp.c_str());
      m_tmp.clear();
      return target;
    }
    if (errno != EEXIST) folderError(folder(), errno);
  }
  throw Error(Category::Io, tr("too many files with this name already exist"), m_wanted.string());
}

void flushFileSystemOf(const fs::path& dir) {
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) throw Error(Category::Io, format(tr("cannot write the file: {0}"), {std::strerror(errno)}), dir.string());
  const int rc = ::syncfs(dfd);
  const int err = errno;
  ::close(dfd);
  if (rc != 0) throw Error(Category::Io, format(tr("cannot write the file: {0}"), {std::strerror(err)}), dir.string());
}

fs::path writeNewFile(const fs::path& wanted, const std::function<void(const fs::path& tmp)>& write, bool sync) {
  PendingOutput out(wanted, write);
  out.flush();
  const fs::path target = out.commit();
  if (sync) syncFolder(out.folder());
  return target;
}

}  // namespace securedoc
