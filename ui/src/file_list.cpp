#include "file_list.h"

#include <securedoc/i18n.h>

#include <securedoc/base/error.h>

#include <algorithm>
#include <iterator>
#include <system_error>

namespace securedoc::ui {

namespace fs = std::filesystem;

FileList::FileList(wxWindow* parent, const FormatRegistry& registry)
    : wxListView(parent, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxLC_REPORT | wxLC_VIRTUAL), m_registry(registry) {
  SetName("files");
  // Name, type and size fit beside the preview; the status runs on.
  AppendColumn(_("Name"), wxLIST_FORMAT_LEFT, FromDIP(200));
  AppendColumn(_("Type"), wxLIST_FORMAT_LEFT, FromDIP(120));
  AppendColumn(_("Size"), wxLIST_FORMAT_RIGHT, FromDIP(80));
  AppendColumn(_("Status"), wxLIST_FORMAT_LEFT, FromDIP(300));
  SetItemCount(0);
}

std::size_t FileList::addFiles(const std::vector<fs::path>& files) {
  std::vector<fs::path> regular;
  for (const auto& f : files) {
    std::error_code ec;
    if (fs::is_directory(f, ec)) {
      for (fs::recursive_directory_iterator it(f, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec)) regular.push_back(it->path());
      }
    } else if (fs::is_regular_file(f, ec)) {
      regular.push_back(f);
    }
  }
  // Each file's key (its absolute, normalised path as a string) is made
  // once; keys are sorted once and merged once, so adding thousands of
  // files stays O(n log n) with cheap string comparisons.
  std::vector<std::string> keys;
  keys.reserve(regular.size());
  for (const auto& f : regular) {
    std::error_code ec;
    const fs::path abs = f.is_absolute() ? f : fs::absolute(f, ec);
    keys.push_back((ec ? f : abs).lexically_normal().string());
  }
  std::vector<std::size_t> order(keys.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&keys](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  // Keep the first of equal keys and drop keys already listed.
  std::vector<bool> keep(keys.size(), false);
  std::vector<std::string> addedKeys;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::string& key = keys[order[k]];
    if (k > 0 && key == keys[order[k - 1]]) continue;
    if (std::binary_search(m_sortedPaths.begin(), m_sortedPaths.end(), key)) continue;
    keep[order[k]] = true;
    addedKeys.push_back(key);
  }
  // Rows keep the order the files came in (a folder's order), not the sort;
  // sizes come from the directory walk's stat, once per file.
  m_entries.reserve(m_entries.size() + addedKeys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) {
    if (!keep[k]) continue;
    FileEntry e;
    std::error_code ec;
    e.path = keys[k];
    e.size = fs::file_size(e.path, ec);
    if (ec) e.size = 0;
    m_entries.push_back(std::move(e));
  }
  const std::size_t added = addedKeys.size();
  std::vector<std::string> merged;
  merged.reserve(m_sortedPaths.size() + added);
  std::merge(std::make_move_iterator(m_sortedPaths.begin()), std::make_move_iterator(m_sortedPaths.end()),
             std::make_move_iterator(addedKeys.begin()), std::make_move_iterator(addedKeys.end()),
             std::back_inserter(merged));
  m_sortedPaths = std::move(merged);
  SetItemCount(static_cast<long>(m_entries.size()));
  Refresh();
  return added;
}

std::vector<std::size_t> FileList::selected() const {
  std::vector<std::size_t> out;
  for (long i = GetFirstSelected(); i != -1; i = GetNextSelected(i)) out.push_back(static_cast<std::size_t>(i));
  return out;
}

std::vector<std::size_t> FileList::selectedOrAll() const {
  auto out = selected();
  if (out.empty()) {
    out.resize(m_entries.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = i;
  }
  return out;
}

void FileList::removeSelected() {
  auto rows = selected();
  if (rows.empty()) return;
  std::sort(rows.rbegin(), rows.rend());
  for (const std::size_t r : rows) {
    const std::string key = m_entries[r].path.string();
    const auto pos = std::lower_bound(m_sortedPaths.begin(), m_sortedPaths.end(), key);
    if (pos != m_sortedPaths.end() && *pos == key) m_sortedPaths.erase(pos);
    m_entries.erase(m_entries.begin() + static_cast<std::ptrdiff_t>(r));
  }
  for (long i = GetFirstSelected(); i != -1; i = GetNextSelected(i)) Select(i, false);
  SetItemCount(static_cast<long>(m_entries.size()));
  Refresh();
}

void FileList::clearAll() {
  m_entries.clear();
  m_sortedPaths.clear();
  SetItemCount(0);
  Refresh();
}

void FileList::refreshRows(const std::vector<std::size_t>& rows) {
  if (rows.empty()) return;
  const auto [lo, hi] = std::minmax_element(rows.begin(), rows.end());
  RefreshItems(static_cast<long>(*lo), static_cast<long>(*hi));
}

std::optional<std::size_t> FileList::indexOf(const fs::path& p) const {
  for (std::size_t i = 0; i < m_entries.size(); ++i)
    if (m_entries[i].path == p) return i;
  return std::nullopt;
}

wxString FileList::sizeText(std::uintmax_t bytes) {
  // One home for sizes a person reads (i18n.h): the language's decimal
  // separator and digit groups whatever the system locale.
  return wxString::FromUTF8(readableSize(bytes));
}

wxString FileList::stateText(FileEntry::State s) {
  switch (s) {
    case FileEntry::State::Ready:
      return _("Ready");
    case FileEntry::State::Working:
      return _("Working…");
    case FileEntry::State::Signed:
      return _("Signed");
    case FileEntry::State::Failed:
      return _("Failed");
    case FileEntry::State::Valid:
      return _("Signature valid");
    case FileEntry::State::Invalid:
      return _("Signature NOT valid");
    case FileEntry::State::Indeterminate:
      return _("Signature not fully verified");
    case FileEntry::State::Unsigned:
      return _("No signature");
  }
  return {};
}

wxString FileList::typeOf(const FileEntry& e) const {
  if (e.type) return *e.type;
  wxString t;
  try {
    const ContentSniff c = ContentSniff::of(e.path);
    const bool pdf = c.head.size() >= 5 && std::equal(c.head.begin(), c.head.begin() + 5, "%PDF-");
    if (pdf) {
      t = _("PDF document");
    } else if (looksLikeXml(c.head)) {
      t = _("XML document");
    } else if (FormatModule* m = m_registry.forVerifying(c)) {
      t = wxString::Format(_("%s signature"), wxString::FromUTF8(m->displayName()));
    } else {
      const std::string ext = e.path.extension().string();
      t = ext.size() > 1 ? wxString::Format(_("%s file"), wxString::FromUTF8(ext.substr(1)).Upper()) : _("File");
    }
  } catch (const std::exception&) {
    t = _("Unreadable");
  }
  e.type = t;
  return t;
}

wxString FileList::OnGetItemText(long item, long column) const {
  if (item < 0 || static_cast<std::size_t>(item) >= m_entries.size()) return {};
  const FileEntry& e = m_entries[static_cast<std::size_t>(item)];
  switch (column) {
    case Name:
      return wxString::FromUTF8(e.path.filename().string());
    case Type:
      return typeOf(e);
    case Size:
      return sizeText(e.size);
    case Status:
      return e.detail.empty() ? stateText(e.state) : stateText(e.state) + ": " + e.detail;
    default:
      return {};
  }
}

}  // namespace securedoc::ui
