#pragma once
// The verification report window (issue 7; issue 13: the signed version).
#include <securedoc/formats/report.h>

#include <wx/dialog.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

class wxWindow;
class wxSizer;

namespace securedoc::ui {

/// Which file a path named when it was verified: a report's byte ranges
/// (the signed revision) hold only for exactly that file.
struct FileStamp {
  std::uint64_t device = 0, inode = 0, size = 0;
  std::int64_t modifiedNs = 0, changedNs = 0;
  /// nullopt when the file cannot be read.
  static std::optional<FileStamp> of(const std::filesystem::path& file);
  bool operator==(const FileStamp& o) const {
    return device == o.device && inode == o.inode && size == o.size && modifiedNs == o.modifiedNs &&
           changedNs == o.changedNs;
  }
  bool operator!=(const FileStamp& o) const { return !(*this == o); }
};

class PageComparison;
class PreviewPane;

/// Shows `report`: a header coloured by the overall result (with an icon and
/// words, never colour alone), then each signature (one notebook page each
/// when there are several) with a collapsible "Details" part; Export as
/// JSON / HTML; Close (Escape closes too).  Resizable.
///
/// A PDF signature that does not cover the whole document gets "View signed
/// version" (the bytes it covers, written to a private temporary folder and
/// opened in the system's PDF viewer); when a page no longer looks like the
/// signed version, both renderings of that page are shown side by side,
/// rendered off the GUI thread when the signature's page is first shown.
class ReportDialog final : public wxDialog {
 public:
  /// `verified`: the file as it was when verified (default: as it is now);
  /// the signed version is shown only while the file is unchanged.
  ReportDialog(wxWindow* parent, const VerificationReport& report, std::optional<FileStamp> verified = std::nullopt);
  ~ReportDialog() override;

  /// Writes reportToHtml (`html`) or reportToJson to `path`, replacing an
  /// existing file through a temporary one in the same folder.  No dialog:
  /// the Export buttons call it after asking for the path; tests call it
  /// directly.  Throws Error(Io) with the reason when it cannot write.
  void exportTo(const wxString& path, bool html);

  /// What "View signed version" runs after writing the file; returns false
  /// when no program could be started.  Default: wxLaunchDefaultApplication.
  /// Tests put their own in (and get the previous one back).
  using Opener = std::function<bool(const std::filesystem::path&)>;
  static Opener setOpener(Opener opener);
  /// The private folder the signed versions go to (made 0700 when missing).
  static std::filesystem::path signedVersionsFolder();
  /// The file the last "View signed version" wrote (tests).
  const std::optional<std::filesystem::path>& lastSignedVersion() const { return m_lastSignedVersion; }
  /// Shows, in signature `index`'s own preview, the file as it is or
  /// (`signedVersion`) the revision the signature covers, on the page where
  /// the signature shows, framed.  Public for the tests, which press the
  /// buttons that call it.
  void showInPreview(std::size_t index, bool signedVersion);
  const VerificationReport& report() const { return m_report; }
  /// Signature `index`'s preview; null for a signature that has none.
  PreviewPane* signaturePreview(std::size_t index) const {
    return index < m_previews.size() ? m_previews[index] : nullptr;
  }
  /// Page comparisons on every signature page, and how many have both images.
  std::size_t comparisons() const;
  std::size_t comparisonsShown() const;

 private:
  wxWindow* makeHeader(wxWindow* parent);
  wxWindow* makeSignaturePage(wxWindow* parent, std::size_t index);
  wxSizer* makeButtons();
  void onExport(bool html);
  /// The external viewer: the signed version written, then opened.
  void viewSignedVersion(std::size_t index);
  /// "Show on the page", "View signed version" and the preview they fill.
  void addSignedPagePreview(wxWindow* page, wxSizer* box, std::size_t index, int wrap);
  /// The signed revision in the private folder; nullopt after saying why not.
  std::optional<std::filesystem::path> writeSignedVersion(std::size_t index, const wxString& title);
  /// Starts rendering the compared pages of signature `index`, once.
  void renderComparisons(std::size_t index);
  /// The file is still the one verified; else a message says so.
  bool fileUnchanged(const wxString& title);

  VerificationReport m_report;
  int m_contentWidth = 0;  ///< the dialog's initial width less its borders
  std::optional<FileStamp> m_stamp;
  std::optional<std::filesystem::path> m_lastSignedVersion;
  /// Per signature: its page comparisons and whether rendering started.
  struct Pages {
    std::vector<PageComparison*> comparisons;
    bool requested = false;
  };
  std::vector<Pages> m_pages;
  std::vector<PreviewPane*> m_previews;  ///< per signature; null where none
  /// GUI thread only: false once the dialog is gone, so late renderings are dropped.
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
  /// Tells the renderer to stop before its next page.
  std::shared_ptr<std::atomic<bool>> m_stop = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace securedoc::ui
