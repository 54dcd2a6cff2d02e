#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/i18n.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace securedoc {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void folderError(const fs::path& dir, int err) {
  throw Error(Category::Io, format(tr("cannot write in this folder: {0}"), {std::strerror(err)}),
              dir.empty() ? std::string(".") : dir.string());
}

[[noreturn]] void writeError(const fs::path& file, int err) {
  throw Error(Category::Io, format(tr("cannot write the file: {0}"), {std::strerror(err)}), file.string());
}

fs::path folderOf(const fs::path& file) { return file.has_parent_path() ? file.parent_path() : fs::path("."); }

}  // namespace

void UniqueFd::reset(int fd) noexcept {
  if (m_fd >= 0) (void)::close(m_fd);
  m_fd = fd;
}

int UniqueFd::close() noexcept {
  if (m_fd < 0) return 0;
  const int rc = ::close(release());
  return rc == 0 ? 0 : errno;
}

int writeAll(int fd, const void* data, std::size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

mode_t newFileMode() {
  // umask(2) can only be read by setting it; done once, before any thread
  // that creates files runs.
  static const mode_t mode = [] {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return static_cast<mode_t>(0666 & ~mask);
  }();
  return mode;
}

void syncFolder(const fs::path& dir) noexcept {
  UniqueFd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d) (void)::fsync(d.get());
}

void flushFileSystemOf(const fs::path& dir) {
  UniqueFd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d) writeError(dir, errno);
  if (::syncfs(d.get()) != 0) writeError(dir, errno);
}

fs::path candidateName(const fs::path& wanted, unsigned attempt) {
  if (attempt <= 1) return wanted;
  const fs::path dir = wanted.parent_path();
  const std::string stem = wanted.stem().string();
  const std::string ext = wanted.extension().string();
  return dir / (stem + " (" + std::to_string(attempt) + ")" + ext);
}

AtomicFile::AtomicFile(fs::path target, std::optional<mode_t> mode)
    : m_target(std::move(target)), m_mode(mode ? *mode : newFileMode()) {
  const fs::path dir = folder();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(Category::Io, tr("the output folder does not exist"), dir.string());
  std::string pattern = (dir / ("." + m_target.filename().string() + ".XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  // mkstemp(3): O_EXCL and mode 0600, so nobody else's file is reused and
  // nobody reads the content before it is placed.
  m_fd.reset(::mkstemp(name.data()));
  if (!m_fd) folderError(dir, errno);
  m_temporary = name.data();
  struct stat st {};
  if (::fchmod(m_fd.get(), m_mode) != 0 || ::fstat(m_fd.get(), &st) != 0) {
    const int err = errno;
    removeTemporary();
    writeError(m_target, err);
  }
  m_device = st.st_dev;
  m_inode = st.st_ino;
}

AtomicFile::~AtomicFile() { removeTemporary(); }

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_target(std::move(other.m_target)),
      m_temporary(std::exchange(other.m_temporary, {})),
      m_mode(other.m_mode),
      m_fd(std::move(other.m_fd)),
      m_device(other.m_device),
      m_inode(other.m_inode),
      m_synced(other.m_synced),
      m_placed(other.m_placed) {}

fs::path AtomicFile::folder() const { return folderOf(m_target); }

void AtomicFile::removeTemporary() noexcept {
  if (!m_placed && !m_temporary.empty()) (void)::unlink(m_temporary.c_str());
  m_temporary.clear();
}

void AtomicFile::write(const void* data, std::size_t size) {
  if (!m_fd) writeError(m_target, EBADF);
  if (const int err = writeAll(m_fd.get(), data, size)) writeError(m_target, err);
  m_synced = false;
}

void AtomicFile::sync() { finishContent(true); }

void AtomicFile::syncWithFileSystem() { finishContent(false); }

void AtomicFile::finishContent(bool fsyncToo) {
  if (m_synced) return;
  // A library that writes by path may have replaced the temporary file:
  // then the file under the name is synced and given the mode, not ours.
  struct stat st {};
  if (::stat(m_temporary.c_str(), &st) != 0) writeError(m_target, errno);
  UniqueFd other;
  if (!m_fd || st.st_dev != m_device || st.st_ino != m_inode) {
    other.reset(::open(m_temporary.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!other) writeError(m_target, errno);
  }
  const int fd = other ? other.get() : m_fd.get();
  if (::fchmod(fd, m_mode) != 0 || (fsyncToo && ::fsync(fd) != 0)) writeError(m_target, errno);
  if (const int err = m_fd.close()) writeError(m_target, err);
  m_synced = true;
}

void AtomicFile::placeReplacing(bool syncTheFolder) {
  sync();
  if (::rename(m_temporary.c_str(), m_target.c_str()) != 0) writeError(m_target, errno);
  m_placed = true;
  if (syncTheFolder) syncFolder(folder());
}

bool AtomicFile::placeAsNew(bool syncTheFolder) {
  sync();
  if (::link(m_temporary.c_str(), m_target.c_str()) != 0) {
    if (errno == EEXIST) return false;
    folderError(folder(), errno);
  }
  (void)::unlink(m_temporary.c_str());
  m_placed = true;
  if (syncTheFolder) syncFolder(folder());
  return true;
}

fs::path AtomicFile::placeAsNewOrNextFree(bool syncTheFolder) {
  // link(2) never replaces a name, so a file that appeared since the name
  // was chosen is not overwritten either: the next name is tried.
  sync();
  for (unsigned attempt = 1; attempt < 10000; ++attempt) {
    fs::path name = candidateName(m_target, attempt);
    if (::link(m_temporary.c_str(), name.c_str()) == 0) {
      (void)::unlink(m_temporary.c_str());
      m_placed = true;
      if (syncTheFolder) syncFolder(folder());
      return name;
    }
    if (errno != EEXIST) folderError(folder(), errno);
  }
  throw Error(Category::Io, tr("too many files with this name already exist"), m_target.string());
}

fs::path writeNewFile(const fs::path& wanted, const std::function<void(const fs::path& tmp)>& write,
                      bool syncTheFolder) {
  AtomicFile out(wanted);
  write(out.temporary());
  return out.placeAsNewOrNextFree(syncTheFolder);
}

}  // namespace securedoc
