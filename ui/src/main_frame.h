#pragma once
// The main window: the file list, Sign files, Verify, progress and Cancel.
#include "file_list.h"
#include "gui_interaction.h"
#include "sign_dialog.h"

#include <securedoc/app/settings.h>
#include <securedoc/app/signing.h>
#include <securedoc/formats/format.h>

#include <wx/frame.h>
#include <wx/timer.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

class wxButton;
class wxGauge;
class wxPanel;
class wxSplitterWindow;
class wxStaticText;

namespace securedoc::ui {

class PreviewPane;

class MainFrame final : public wxFrame {
 public:
  MainFrame(const FormatRegistry& registry, Settings settings);
  ~MainFrame() override;

  // What the menus and buttons do; public for the GUI tests, which drive
  // the same paths a person does.
  std::size_t addFiles(const std::vector<std::filesystem::path>& files);
  /// Opens a file from the command line, File > Open or a drop: the file is
  /// added; when it holds a signature it is verified on the worker (progress
  /// and Cancel below the list) and its report shown.
  void openPath(const std::filesystem::path& file, bool showReport = true);
  /// Sign files: the certificate dialog, then the job.
  void signFiles();
  /// The job alone (after the dialog): signs `rows` on a worker thread.
  void startSigning(const std::vector<std::size_t>& rows, const SigningChoice& choice);
  /// Verify: one file shows its report, several get a result each.
  void verifyFiles();
  /// Verifies `file` on the worker, then shows its report.
  void showReportFor(const std::filesystem::path& file);
  /// Signing stops at its next check.  A verification is abandoned at once:
  /// its thread runs on unobserved (joinBackground) and its result is dropped.
  void cancelJob();
  bool busy() const { return m_worker.joinable(); }
  /// The thread the last report's verification ran on (tests: not the GUI thread).
  std::optional<std::thread::id> lastVerificationThread() const { return m_lastVerificationThread; }
  void showSettings();
  /// Cloud > Sign in: the sign-in dialog, then a login at the service (the
  /// account's certificates are listed).  Returns the signer, null when the
  /// person gave up or the service refused (a message says why).
  std::shared_ptr<Signer> signInToCloud();
  /// Cloud > Account: the certificate, the session's time left, Sign out.
  void showCloudAccount();
  void signOutOfCloud();
  /// "Cloud: login@host, session 2:55" for the status bar; empty without a
  /// cloud service in the settings.
  wxString cloudStatus() const;

  /// Keeps the window's size, the split and the last folder for the next
  /// run (settings_store.h); closing the window does it.
  void rememberWindow() const;
  /// The folder the file dialogs open in (the last one files came from).
  const wxString& lastFolder() const { return m_lastFolder; }
  FileList& fileList() { return *m_list; }
  /// The preview of the selected row (the hint when none is selected).
  PreviewPane& preview() { return *m_preview; }
  wxSplitterWindow& splitter() { return *m_splitter; }
  /// Shows the selected row in the preview now (selection events call it
  /// once the selection has settled).
  void updatePreview();
  const Settings& settings() const { return m_settings; }
  wxString statusText() const;

 private:
  void buildMenus();
  void buildBody();
  void setBusy(bool busy, const wxString& what);
  void onProgress(std::size_t done, std::size_t total, const std::string& item);
  void finishSigning(const std::vector<std::filesystem::path>& inputs, const std::vector<SignOutcome>& outcomes,
                     const std::optional<Error>& batchError);
  struct VerifyJob;
  struct ReportOutcome;
  std::shared_ptr<VerifyJob> startVerifyJob(const wxString& what);
  void endVerifyJob();
  void startReport(const std::filesystem::path& file, bool onlyIfSigned);
  void finishReport(const std::shared_ptr<VerifyJob>& job, const std::filesystem::path& file,
                    const ReportOutcome& outcome);
  void finishVerifying(const std::shared_ptr<VerifyJob>& job, const std::vector<std::filesystem::path>& files,
                       const std::vector<std::optional<VerificationReport>>& reports,
                       const std::vector<wxString>& errors);
  void updateCounts();
  void onClose(wxCloseEvent& e);
  void refreshCloudStatus();

  const FormatRegistry& m_registry;
  Settings m_settings;
  std::unique_ptr<GuiInteraction> m_interaction;
  std::shared_ptr<Signer> m_cloud;  // the signed-in cloud account, kept between batches
  FileList* m_list = nullptr;
  wxSplitterWindow* m_splitter = nullptr;
  wxString m_lastFolder;
  PreviewPane* m_preview = nullptr;
  bool m_previewPending = false;  ///< an updatePreview() is on its way
  wxStaticText* m_hint = nullptr;
  wxButton* m_add = nullptr;
  wxButton* m_remove = nullptr;
  wxButton* m_sign = nullptr;
  wxButton* m_verify = nullptr;
  wxPanel* m_progressPanel = nullptr;
  wxGauge* m_gauge = nullptr;
  wxStaticText* m_progressText = nullptr;
  wxButton* m_cancel = nullptr;
  std::thread m_worker;
  std::shared_ptr<VerifyJob> m_verifyJob;  // the verification on m_worker, if that is what runs
  std::optional<std::thread::id> m_lastVerificationThread;
  wxTimer m_clock;  // the cloud session's time left in the status bar
  wxTimer m_pulse;  // the gauge of a single file's verification, which has no steps
};

}  // namespace securedoc::ui
