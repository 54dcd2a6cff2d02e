#pragma once
// Output naming and safe writing (DESIGN.md §2): outputs go next to the
// input (or into a chosen folder), never over an existing file, through a
// temporary file that is flushed and then linked into place.
#include <filesystem>
#include <functional>
#include <string>

namespace securedoc {

/// `dir/name` if free, else `dir/stem (2).ext`, `dir/stem (3).ext`... The
/// "extension" is the last one (`scan.tiff.p7s` -> `scan.tiff (2).p7s`).
std::filesystem::path candidateName(const std::filesystem::path& wanted, unsigned attempt);

/// A new file written under a temporary name in its target folder, waiting
/// to be flushed and given its real name.  Destroying it before commit()
/// removes the temporary file.
class PendingOutput {
 public:
  /// Creates the temporary file next to `wanted` and lets `write` fill it.
  /// Throws Error(Io) naming the folder when it cannot be written.
  PendingOutput(const std::filesystem::path& wanted, const std::function<void(const std::filesystem::path& tmp)>& write);
  ~PendingOutput();
  PendingOutput(PendingOutput&& other) noexcept;
  PendingOutput& operator=(PendingOutput&&) = delete;
  PendingOutput(const PendingOutput&) = delete;
  PendingOutput& operator=(const PendingOutput&) = delete;

  /// fsync of the temporary file (a batch may flush the whole file system
  /// once instead, see flushFileSystemOf()).
  void flush();
  /// Links the flushed file to the first free name and drops the temporary
  /// name; returns the name used.  Never replaces an existing file.
  std::filesystem::path commit();
  std::filesystem::path folder() const { return m_wanted.parent_path().empty() ? "." : m_wanted.parent_path(); }

 private:
  std::filesystem::path m_wanted;
  std::filesystem::path m_tmp;
};

/// syncfs(2) of the file system that holds `dir`: flushes every file written
/// there, cheaper than one fsync per file for a large batch.
void flushFileSystemOf(const std::filesystem::path& dir);

/// Writes a new file next to `wanted`: `write(tmp)` fills a temporary file in
/// the same folder, which is flushed to disk and then given the first free
/// name of candidateName().  Returns the name used.  On any failure the
/// temporary file is removed and nothing else is left behind.  Throws
/// Error(Io) naming the folder when it cannot be written.
/// `syncFolder` false leaves the folder's own fsync to the caller (a batch
/// syncs each folder once, see syncFolder()).
std::filesystem::path writeNewFile(const std::filesystem::path& wanted,
                                   const std::function<void(const std::filesystem::path& tmp)>& write,
                                   bool syncFolder = true);

/// Flushes a folder's entries (new names) to disk.
void syncFolder(const std::filesystem::path& dir);

}  // namespace securedoc
