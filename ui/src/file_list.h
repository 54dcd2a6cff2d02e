#pragma once
// The list of documents: a virtual wxListCtrl (thousands of rows cost
// nothing until shown) over a vector of entries.
#include <securedoc/formats/format.h>

#include <wx/listctrl.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace securedoc::ui {

struct FileEntry {
  enum class State { Ready, Working, Signed, Failed, Valid, Invalid, Indeterminate, Unsigned };
  std::filesystem::path path;
  std::uintmax_t size = 0;
  mutable std::optional<wxString> type;  // found by content when first shown
  State state = State::Ready;
  wxString detail;               // the output, the error, the result
  std::filesystem::path output;  // after signing
};

class FileList final : public wxListView {
 public:
  enum Column { Name, Type, Size, Status };
  FileList(wxWindow* parent, const FormatRegistry& registry);

  /// Adds files not in the list yet (folders are walked, one level of
  /// recursion is enough for a drag from a file manager: all regular files
  /// below).  Returns how many were added.
  std::size_t addFiles(const std::vector<std::filesystem::path>& files);
  void removeSelected();
  void clearAll();

  std::size_t count() const { return m_entries.size(); }
  const FileEntry& entry(std::size_t i) const { return m_entries[i]; }
  FileEntry& entry(std::size_t i) { return m_entries[i]; }
  /// The selected rows, or every row when none is selected.
  std::vector<std::size_t> selectedOrAll() const;
  std::vector<std::size_t> selected() const;
  /// Redraws rows after their entries changed.
  void refreshRows(const std::vector<std::size_t>& rows);
  std::optional<std::size_t> indexOf(const std::filesystem::path& p) const;

  static wxString sizeText(std::uintmax_t bytes);
  static wxString stateText(FileEntry::State s);

 private:
  wxString OnGetItemText(long item, long column) const override;
  wxString typeOf(const FileEntry& e) const;
  const FormatRegistry& m_registry;
  std::vector<FileEntry> m_entries;
  std::vector<std::string> m_sortedPaths;  // every row's path, sorted: duplicate checks
};

}  // namespace securedoc::ui
