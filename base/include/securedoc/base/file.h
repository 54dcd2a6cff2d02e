#pragma once
// Files on disk: descriptors that close themselves, and the one way the
// project writes a file so that a reader never sees half of it.
//
// AtomicFile follows POSIX's guarantees: rename(2) replaces a name in one
// step and link(2) never replaces one, both only within a file system, so
// the temporary file is made in the target's own folder.  fsync(2) of the
// file before the name changes, and of the folder after, makes the new name
// and its content survive a power cut (the folder holds the name).
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>
#include <sys/types.h>

namespace securedoc {

/// Owns a POSIX file descriptor and closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : m_fd(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const noexcept { return m_fd; }
  explicit operator bool() const noexcept { return m_fd >= 0; }
  /// Gives up ownership without closing.
  int release() noexcept {
    const int fd = m_fd;
    m_fd = -1;
    return fd;
  }
  /// Closes what it owns (errors ignored) and owns `fd` instead.
  void reset(int fd = -1) noexcept;
  /// Closes now and says how it went: 0, or the errno of close(2), which is
  /// where some file systems report a failed write.
  int close() noexcept;

 private:
  int m_fd = -1;
};

/// Writes all of `data` (short writes and EINTR retried); 0 or an errno.
int writeAll(int fd, const void* data, std::size_t size) noexcept;

/// The mode a new file gets from open(2) under this process's umask
/// (0666 & ~umask): what a signed document or a report should have.
mode_t newFileMode();

/// fsync(2) of a folder, so the names it holds survive a power cut.  Best
/// effort: the rename or link itself already happened.
void syncFolder(const std::filesystem::path& dir) noexcept;

/// syncfs(2) of the file system that holds `dir`: one flush of many files
/// written in a batch, instead of an fsync each.  Throws Error(Io).
void flushFileSystemOf(const std::filesystem::path& dir);

/// `wanted`, or for attempt n > 1 "stem (n).ext" beside it: the names
/// AtomicFile::placeAsNewOrNextFree tries in turn.
std::filesystem::path candidateName(const std::filesystem::path& wanted, unsigned attempt);

/// A file written under a hidden temporary name (".NAME.XXXXXX") in the
/// target's folder and then put in place whole.  Until then nothing at the
/// target changes; if it is never placed, the destructor removes it.
///
/// Content goes through write() or, for a library that writes by path (a
/// PDF library saving the document), to temporary(); such a library may even
/// replace the temporary file, so sync() and the mode follow the name.
class AtomicFile {
 public:
  /// Creates the temporary file with `mode` (default newFileMode()).
  /// Throws Error(Io) when the folder does not exist or is not writable.
  explicit AtomicFile(std::filesystem::path target, std::optional<mode_t> mode = std::nullopt);
  ~AtomicFile();
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::filesystem::path& target() const noexcept { return m_target; }
  const std::filesystem::path& temporary() const noexcept { return m_temporary; }
  std::filesystem::path folder() const;

  /// Appends to the temporary file.  Throws Error(Io).
  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }

  /// Puts the content on disk (fsync) with the file's mode; done by the
  /// place functions when not yet done.  Throws Error(Io).
  void sync();
  /// The same without an fsync of its own: the caller flushes the whole
  /// file system (flushFileSystemOf) before placing it, once for a batch.
  void syncWithFileSystem();

  /// Renames the file onto the target, replacing what is there.  With
  /// `syncFolder` false the caller syncs the folder (once for a batch).
  void placeReplacing(bool syncFolder = true);
  /// Links the file under the target name and never over an existing file
  /// (link(2) fails instead of replacing): false when the name is taken.
  bool placeAsNew(bool syncFolder = true);
  /// Links the file under the target or, when taken, the first free
  /// candidateName(); returns the name used.
  std::filesystem::path placeAsNewOrNextFree(bool syncFolder = true);

 private:
  std::filesystem::path m_target;
  std::filesystem::path m_temporary;
  mode_t m_mode;
  UniqueFd m_fd;
  dev_t m_device = 0;
  ino_t m_inode = 0;
  bool m_synced = false;
  bool m_placed = false;

  void removeTemporary() noexcept;
  void finishContent(bool fsyncToo);
};

/// Writes a new file at `wanted` or the first free candidateName() through
/// `write`, which fills the temporary path it is given.  Returns the name
/// used; on any failure nothing is left behind.  With `syncFolder` false the
/// caller syncs the folder.
std::filesystem::path writeNewFile(const std::filesystem::path& wanted,
                                   const std::function<void(const std::filesystem::path& tmp)>& write,
                                   bool syncFolder = true);

}  // namespace securedoc
