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
