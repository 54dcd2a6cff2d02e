#include "file_list.h"

#include <securedoc/crypto/error.h>

#include <algorithm>
#include <iterator>
#include <system_error>

namespace securedoc::ui {

namespace fs = std::filesystem;

FileList::FileList(wxWindow* parent, const FormatRegistry& registry)
    : wxListView(parent, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxLC_REPORT | wxLC_VIRTUAL),
      m_registry(registry) {
  SetName("files");
  AppendColumn(_("Name"), wxLIST_FORMAT_LEFT, FromDIP(280));
  AppendColumn(_("Type"), wxLIST_FORMAT_LEFT, FromDIP(150));
  AppendColumn(_("Size"), wxLIST_FORMAT_RIGHT, FromDIP(90));
  AppendColumn(_("Status"), wxLIST_FORMAT_LEFT, FromDIP(320));
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
  // Sorted once, merged once: adding thousands of files stays O(n log n).
  std::vector<fs::path> fresh;
  fresh.reserve(regular.size());
  for (auto& f : regular) {
    std::error_code ec;
    fs::path abs = fs::absolute(f, ec);
    fresh.push_back((ec ? f : abs).lexically_normal());
  }
  std::sort(fresh.begin(), fresh.end());
  fresh.erase(std::unique(fresh.begin(), fresh.end()), fresh.end());
  std::vector<fs::path> unseen;
  unseen.reserve(fresh.size());
  std::set_difference(fresh.begin(), fresh.end(), m_sortedPaths.begin(), m_sortedPaths.end(),
                      std::back_inserter(unseen));
  // Rows keep the order the files came in (a folder's order), not the sort.
  std::size_t added = 0;
  m_entries.reserve(m_entries.size() + unseen.size());
  std::vector<bool> taken(unseen.size(), false);  // a file named twice in one drop is added once
  for (auto& f : regular) {
    std::error_code ec;
    fs::path abs = fs::absolute(f, ec);
    abs = (ec ? f : abs).lexically_normal();
    const auto pos = std::lower_bound(unseen.begin(), unseen.end(), abs);
    if (pos == unseen.end() || *pos != abs) continue;
    const auto index = static_cast<std::size_t>(pos - unseen.begin());
    if (taken[index]) continue;
    taken[index] = true;
    FileEntry e;
    e.size = fs::file_size(abs, ec);
    if (ec) e.size = 0;
    e.path = std::move(abs);
    m_entries.push_back(std::move(e));
    ++added;
  }
  std::vector<fs::path> merged;
  merged.reserve(m_sortedPaths.size() + added);
  std::vector<fs::path> addedPaths;
  addedPaths.reserve(added);
  for (std::size_t i = m_entries.size() - added; i < m_entries.size(); ++i) addedPaths.push_back(m_entries[i].path);
  std::sort(addedPaths.begin(), addedPaths.end());
  std::merge(m_sortedPaths.begin(), m_sortedPaths.end(), addedPaths.begin(), addedPaths.end(),
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
    const auto pos = std::lower_bound(m_sortedPaths.begin(), m_sortedPaths.end(), m_entries[r].path);
    if (pos != m_sortedPaths.end() && *pos == m_entries[r].path) m_sortedPaths.erase(pos);
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
  // wxFileName::GetHumanReadableSize would do, but it uses the locale's
  // decimal separator inconsistently; this is enough for a list.
  if (bytes < 1024) return wxString::Format(_("%llu B"), static_cast<unsigned long long>(bytes));
  const double kib = static_cast<double>(bytes) / 1024.0;
  if (kib < 1024) return wxString::Format(_("%.1f KiB"), kib);
  const double mib = kib / 1024.0;
  if (mib < 1024) return wxString::Format(_("%.1f MiB"), mib);
  return wxString::Format(_("%.1f GiB"), mib / 1024.0);
}

wxString FileList::stateText(FileEntry::State s) {
  switch (s) {
    case FileEntry::State::Ready: return _("Ready");
    case FileEntry::State::Working: return _("Working…");
    case FileEntry::State::Signed: return _("Signed");
    case FileEntry::State::Failed: return _("Failed");
    case FileEntry::State::Valid: return _("Signature valid");
    case FileEntry::State::Invalid: return _("Signature NOT valid");
    case FileEntry::State::Indeterminate: return _("Signature not fully verified");
    case FileEntry::State::Unsigned: return _("No signature");
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
    case Name: return wxString::FromUTF8(e.path.filename().string());
    case Type: return typeOf(e);
    case Size: return sizeText(e.size);
    case Status: return e.detail.empty() ? stateText(e.state) : stateText(e.state) + ": " + e.detail;
    default: return {};
  }
}

}  // namespace securedoc::ui
