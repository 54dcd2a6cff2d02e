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
class wxStaticText;

namespace securedoc::ui {

class MainFrame final : public wxFrame {
 public:
  MainFrame(const FormatRegistry& registry, Settings settings);
  ~MainFrame() override;

  // What the menus and buttons do; public for the GUI tests, which drive
  // the same paths a person does.
  std::size_t addFiles(const std::vector<std::filesystem::path>& files);
  /// Opens a file from the command line, File > Open or a drop: a file that
  /// holds a signature is added and its report shown; any other is added.
  void openPath(const std::filesystem::path& file, bool showReport = true);
  /// Sign files: the certificate dialog, then the job.
  void signFiles();
  /// The job alone (after the dialog): signs `rows` on a worker thread.
  void startSigning(const std::vector<std::size_t>& rows, const SigningChoice& choice);
  /// Verify: one file shows its report, several get a result each.
  void verifyFiles();
  void showReportFor(const std::filesystem::path& file);
  void cancelJob();
  bool busy() const { return m_worker.joinable(); }
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

  FileList& fileList() { return *m_list; }
  const Settings& settings() const { return m_settings; }
  wxString statusText() const;

 private:
  void buildMenus();
  void buildBody();
  void setBusy(bool busy, const wxString& what);
  void onProgress(std::size_t done, std::size_t total, const std::string& item);
  void finishSigning(const std::vector<std::filesystem::path>& inputs, const std::vector<SignOutcome>& outcomes,
                     const std::optional<Error>& batchError);
  void finishVerifying(const std::vector<std::filesystem::path>& files,
                       const std::vector<std::optional<VerificationReport>>& reports,
                       const std::vector<wxString>& errors);
  void updateCounts();
  bool holdsSignature(const std::filesystem::path& file) const;
  void onClose(wxCloseEvent& e);
  void refreshCloudStatus();

  const FormatRegistry& m_registry;
  Settings m_settings;
  std::unique_ptr<GuiInteraction> m_interaction;
  std::shared_ptr<Signer> m_cloud;  // the signed-in cloud account, kept between batches
  FileList* m_list = nullptr;
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
  wxTimer m_clock;  // the cloud session's time left in the status bar
};

}  // namespace securedoc::ui
