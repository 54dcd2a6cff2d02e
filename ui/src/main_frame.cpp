#include "main_frame.h"

#include <securedoc/i18n.h>

#include "background.h"
#include "cloud_dialogs.h"
#include "preview_pane.h"
#include "report_view.h"
#include "settings_dialog.h"
#include "settings_store.h"

#include <securedoc/app/verification.h>
#include <securedoc/crypto/csc_signer.h>
#include <securedoc/base/error.h>

#include <wx/aboutdlg.h>
#include <wx/button.h>
#include <wx/dnd.h>
#include <wx/filedlg.h>
#include <wx/gauge.h>
#include <wx/menu.h>
#include <wx/msgdlg.h>
#include <wx/panel.h>
#include <wx/settings.h>
#include <wx/sizer.h>
#include <wx/splitter.h>
#include <wx/statusbr.h>
#include <wx/stattext.h>

#include <algorithm>
#include <atomic>

namespace securedoc::ui {

namespace fs = std::filesystem;

namespace {

enum {
  kIdAdd = wxID_HIGHEST + 1,
  kIdOpenSigned,
  kIdRemove,
  kIdClear,
  kIdSign,
  kIdVerify,
  kIdCloudSignIn,
  kIdCloudAccount,
  kIdCloudSignOut,
};

enum StatusField { kMessage, kCloud, kCount };

class DropTarget final : public wxFileDropTarget {
 public:
  explicit DropTarget(MainFrame* frame) : m_frame(frame) {}
  bool OnDropFiles(wxCoord, wxCoord, const wxArrayString& names) override {
    std::vector<fs::path> files;
    for (const auto& n : names) files.emplace_back(n.utf8_string());
    // One dropped signed file is opened (its report shown), as a person
    // dropping a single signed document expects; several are just listed.
    if (files.size() == 1) {
      m_frame->CallAfter([frame = m_frame, f = files.front()] { frame->openPath(f); });
    } else {
      m_frame->addFiles(files);
    }
    return true;
  }

 private:
  MainFrame* m_frame;
};

wxString fileName(const fs::path& file) { return wxString::FromUTF8(file.filename().string()); }

FileEntry::State stateFor(Indication i) {
  switch (i) {
    case Indication::TotalPassed:
      return FileEntry::State::Valid;
    case Indication::TotalFailed:
      return FileEntry::State::Invalid;
    case Indication::Indeterminate:
      return FileEntry::State::Indeterminate;
  }
  return FileEntry::State::Indeterminate;
}

}  // namespace

/// A verification on the worker.  Cancel abandons it: the frame forgets it
/// (m_verifyJob), the thread goes to joinBackground(), and whatever it posts
/// back is dropped because it is no longer the frame's job.
struct MainFrame::VerifyJob {
  std::atomic<bool> cancel{false};  ///< several files: stop before the next one
  std::shared_ptr<std::atomic<bool>> finished = std::make_shared<std::atomic<bool>>(false);
};

/// What the worker found for one file whose report is wanted.
struct MainFrame::ReportOutcome {
  std::optional<VerificationReport> report;
  wxString error;
  bool holdsNoSignature = false;  ///< openPath of a file without signatures: no report
  std::thread::id thread;
  std::optional<FileStamp> stamp;  ///< the file as it was verified
};

MainFrame::MainFrame(const FormatRegistry& registry, Settings settings)
    : wxFrame(nullptr, wxID_ANY, "SecureDoc", wxDefaultPosition, wxDefaultSize),
      m_registry(registry),
      m_settings(std::move(settings)) {
  SetName("mainFrame");
  m_interaction = std::make_unique<GuiInteraction>(
      this, [this](std::size_t done, std::size_t total, const std::string& item) { onProgress(done, total, item); });
  buildMenus();
  buildBody();
  CreateStatusBar(3);
  const int widths[] = {-1, FromDIP(260), FromDIP(120)};
  GetStatusBar()->SetStatusWidths(3, widths);
  SetStatusText(_("Ready"), kMessage);
  updateCounts();
  // Wide enough for the list's columns beside a readable page.
  // The size, split and folder of the last run (settings_store.h), else
  // wide enough for the list's columns beside a readable page.
  const WindowState remembered = loadWindowState();
  m_lastFolder = wxString::FromUTF8(remembered.lastFolder);
  SetMinSize(FromDIP(wxSize(760, 460)));
  SetSize(remembered.width > 0 && remembered.height > 0 ? wxSize(remembered.width, remembered.height)
                                                        : FromDIP(wxSize(1180, 720)));
  // The sash once the splitter has its size: the list a little wider than
  // the page beside it (a split made before that is clamped to nothing).
  Layout();
  const int splitWidth = m_splitter->GetClientSize().GetWidth();
  m_splitter->SetSashPosition(remembered.splitter > 0 && remembered.splitter < splitWidth ? remembered.splitter
                                                                                          : splitWidth * 11 / 20);
  Centre();
  if (remembered.maximized) Maximize();
  Bind(wxEVT_CLOSE_WINDOW, &MainFrame::onClose, this);
  m_clock.SetOwner(this);
  Bind(
      wxEVT_TIMER, [this](wxTimerEvent&) { refreshCloudStatus(); }, m_clock.GetId());
  m_clock.Start(1000);
  m_pulse.SetOwner(this);
  Bind(
      wxEVT_TIMER, [this](wxTimerEvent&) { m_gauge->Pulse(); }, m_pulse.GetId());
  refreshCloudStatus();
}

MainFrame::~MainFrame() {
  m_interaction->detach();
  if (m_worker.joinable()) {
    m_interaction->cancel();
    if (m_verifyJob) m_verifyJob->cancel = true;
    m_worker.join();
  }
  // Abandoned verifications and page renderings use the registry and post to
  // this frame: they end before it does.
  joinBackground();
}

// Long on purpose: every menu and its items in the order they appear, with
// their mnemonics and shortcuts side by side so collisions are visible.
void MainFrame::buildMenus() {
  auto* file = new wxMenu;
  file->Append(kIdAdd, _("&Add files…\tCtrl+O"), _("Add documents to the list"));
  file->Append(kIdOpenSigned, _("&Open signed file…\tCtrl+Shift+O"), _("Show the verification of a signed file"));
  file->AppendSeparator();
  file->Append(kIdRemove, _("&Remove from list\tDel"));
  file->Append(kIdClear, _("&Clear list"));
  file->AppendSeparator();
  file->Append(wxID_EXIT, _("&Quit\tCtrl+Q"));
  auto* sign = new wxMenu;
  sign->Append(kIdSign, _("&Sign files…\tCtrl+S"));
  sign->Append(kIdVerify, _("&Verify\tCtrl+R"));
  auto* cloud = new wxMenu;
  cloud->Append(kIdCloudSignIn, _("Sign &in…"));
  cloud->Append(kIdCloudAccount, _("&Account…"));
  cloud->Append(kIdCloudSignOut, _("Sign &out"));
  auto* tools = new wxMenu;
  tools->Append(wxID_PREFERENCES, _("&Settings…"));
  auto* help = new wxMenu;
  help->Append(wxID_ABOUT, _("&About SecureDoc"));
  auto* bar = new wxMenuBar;
  bar->Append(file, _("&File"));
  bar->Append(sign, _("&Signature"));
  bar->Append(cloud, _("&Cloud"));
  bar->Append(tools, _("&Tools"));
  bar->Append(help, _("&Help"));
  SetMenuBar(bar);

  Bind(
      wxEVT_MENU,
      [this](wxCommandEvent&) {
        wxFileDialog d(this, _("Add files"), m_lastFolder, wxEmptyString, _("All files|*"),
                       wxFD_OPEN | wxFD_MULTIPLE | wxFD_FILE_MUST_EXIST);
        if (d.ShowModal() != wxID_OK) return;
        m_lastFolder = d.GetDirectory();
        wxArrayString paths;
        d.GetPaths(paths);
        std::vector<fs::path> files;
        for (const auto& p : paths) files.emplace_back(p.utf8_string());
        addFiles(files);
      },
      kIdAdd);
  Bind(
      wxEVT_MENU,
      [this](wxCommandEvent&) {
        wxFileDialog d(this, _("Open signed file"), m_lastFolder, wxEmptyString,
                       _("Signed files (*.pdf;*.xml;*.p7s;*.p7m;*.sig)|*.pdf;*.xml;*.p7s;*.p7m;*.sig|All files|*"),
                       wxFD_OPEN | wxFD_FILE_MUST_EXIST);
        if (d.ShowModal() != wxID_OK) return;
        m_lastFolder = d.GetDirectory();
        openPath(d.GetPath().utf8_string());
      },
      kIdOpenSigned);
  Bind(
      wxEVT_MENU,
      [this](wxCommandEvent&) {
        if (!busy()) {
          m_list->removeSelected();
          updateCounts();
          updatePreview();
        }
      },
      kIdRemove);
  Bind(
      wxEVT_MENU,
      [this](wxCommandEvent&) {
        if (!busy()) {
          m_list->clearAll();
          updateCounts();
          updatePreview();
        }
      },
      kIdClear);
  Bind(
      wxEVT_MENU, [this](wxCommandEvent&) { Close(); }, wxID_EXIT);
  Bind(
      wxEVT_MENU, [this](wxCommandEvent&) { signFiles(); }, kIdSign);
  Bind(
      wxEVT_MENU, [this](wxCommandEvent&) { verifyFiles(); }, kIdVerify);
  Bind(
      wxEVT_MENU, [this](wxCommandEvent&) { showSettings(); }, wxID_PREFERENCES);
  Bind(
      wxEVT_MENU, [this](wxCommandEvent&) { signInToCloud(); }, kIdCloudSignIn);
  Bind(
      wxEVT_MENU, [this](wxCommandEvent&) { showCloudAccount(); }, kIdCloudAccount);
  Bind(
      wxEVT_MENU, [this](wxCommandEvent&) { signOutOfCloud(); }, kIdCloudSignOut);
  Bind(
      wxEVT_MENU,
      [](wxCommandEvent&) {
        wxAboutDialogInfo info;
        info.SetName("SecureDoc");
        info.SetVersion("0.1");
        info.SetDescription(
            _("Qualified electronic signatures: PAdES, XAdES and CAdES, with certificate files, "
              "cryptographic tokens and cloud certificates."));
        wxAboutBox(info);
      },
      wxID_ABOUT);
}

void MainFrame::buildBody() {
  auto* panel = new wxPanel(this);
  auto* top = new wxBoxSizer(wxVERTICAL);
  const int gap = FromDIP(8);

  auto* buttons = new wxBoxSizer(wxHORIZONTAL);
  // Mnemonics (Alt+letter) unique among the buttons and the menu bar's in
  // each language; the GUI test checks that.
  m_add = new wxButton(panel, kIdAdd, _("&Add files…"));
  m_remove = new wxButton(panel, kIdRemove, _("&Remove"));
  m_sign = new wxButton(panel, kIdSign, _("Si&gn files"));
  m_verify = new wxButton(panel, kIdVerify, _("&Verify"));
  m_add->SetName("addButton");
  m_remove->SetName("removeButton");
  m_sign->SetName("signButton");
  m_verify->SetName("verifyButton");
  wxFont bold = m_sign->GetFont();
  bold.MakeBold();
  m_sign->SetFont(bold);
  buttons->Add(m_add, 0, wxRIGHT, gap);
  buttons->Add(m_remove, 0, wxRIGHT, gap);
  buttons->AddStretchSpacer();
  buttons->Add(m_verify, 0, wxRIGHT, gap);
  buttons->Add(m_sign, 0);
  top->Add(buttons, 0, wxALL | wxEXPAND, gap);

  m_hint = new wxStaticText(panel, wxID_ANY,
                            _("Drag documents here from your file manager, or click Add files…. "
                              "Drop a signed file to see whether its signature is valid."));
  m_hint->SetForegroundColour(wxSystemSettings::GetColour(wxSYS_COLOUR_GRAYTEXT));
  top->Add(m_hint, 0, wxLEFT | wxRIGHT | wxBOTTOM, gap);

  // The list and the preview of the selected file side by side; both
  // grow with the window, and neither can be squeezed away.
  m_splitter = new wxSplitterWindow(panel, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxSP_LIVE_UPDATE | wxSP_3DSASH);
  m_splitter->SetName("splitter");
  m_list = new FileList(m_splitter, m_registry);
  m_list->SetDropTarget(new DropTarget(this));
  m_preview = new PreviewPane(m_splitter);
  m_preview->SetDropTarget(new DropTarget(this));
  m_splitter->SetMinimumPaneSize(FromDIP(260));
  m_splitter->SetSashGravity(0.5);
  m_splitter->SplitVertically(m_list, m_preview, FromDIP(560));
  top->Add(m_splitter, 1, wxLEFT | wxRIGHT | wxEXPAND, gap);

  m_progressPanel = new wxPanel(panel);
  auto* p = new wxBoxSizer(wxHORIZONTAL);
  m_progressText = new wxStaticText(m_progressPanel, wxID_ANY, wxEmptyString);
  m_gauge = new wxGauge(m_progressPanel, wxID_ANY, 100, wxDefaultPosition, FromDIP(wxSize(260, -1)));
  m_gauge->SetName("progress");
  m_cancel = new wxButton(m_progressPanel, wxID_CANCEL, _("Cancel"));
  m_cancel->SetName("cancelButton");
  p->Add(m_progressText, 1, wxALIGN_CENTER_VERTICAL | wxRIGHT, gap);
  p->Add(m_gauge, 0, wxALIGN_CENTER_VERTICAL | wxRIGHT, gap);
  p->Add(m_cancel, 0, wxALIGN_CENTER_VERTICAL);
  m_progressPanel->SetSizer(p);
  m_progressPanel->Hide();
  top->Add(m_progressPanel, 0, wxALL | wxEXPAND, gap);
  panel->SetSizer(top);
  panel->SetDropTarget(new DropTarget(this));

  m_add->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
    wxCommandEvent e(wxEVT_MENU, kIdAdd);
    ProcessWindowEvent(e);
  });
  m_remove->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
    wxCommandEvent e(wxEVT_MENU, kIdRemove);
    ProcessWindowEvent(e);
  });
  m_sign->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { signFiles(); });
  m_verify->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { verifyFiles(); });
  m_cancel->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { cancelJob(); });
  // Selecting a row shows it; a range selected with Shift sends an event
  // per row, so the preview follows once they have all come.
  const auto selectionChanged = [this](wxListEvent& e) {
    if (!m_previewPending) {
      m_previewPending = true;
      CallAfter([this] { updatePreview(); });
    }
    e.Skip();
  };
  m_list->Bind(wxEVT_LIST_ITEM_SELECTED, selectionChanged);
  m_list->Bind(wxEVT_LIST_ITEM_DESELECTED, selectionChanged);
  m_list->Bind(wxEVT_LIST_ITEM_ACTIVATED, [this](wxListEvent& e) {
    const auto row = static_cast<std::size_t>(e.GetIndex());
    if (row >= m_list->count()) return;
    const FileEntry& entry = m_list->entry(row);
    showReportFor(entry.output.empty() ? entry.path : entry.output);
  });
}

std::size_t MainFrame::addFiles(const std::vector<fs::path>& files) {
  const std::size_t added = m_list->addFiles(files);
  updateCounts();
  if (added > 0) {
    SetStatusText(wxString::Format(wxPLURAL("%zu file added", "%zu files added", static_cast<unsigned>(added)), added),
                  kMessage);
  }
  return added;
}

void MainFrame::updatePreview() {
  m_previewPending = false;
  const auto rows = m_list->selected();
  if (rows.empty()) {
    m_preview->clear();
    return;
  }
  // Of several rows, the one last clicked (it has the focus), else the first.
  const long focused = m_list->GetFocusedItem();
  const bool focusedSelected =
      focused >= 0 && std::find(rows.begin(), rows.end(), static_cast<std::size_t>(focused)) != rows.end();
  const std::size_t row = focusedSelected ? static_cast<std::size_t>(focused) : rows.front();
  if (row < m_list->count()) m_preview->show(m_list->entry(row).path);
}

void MainFrame::openPath(const fs::path& file, bool showReport) {
  addFiles({file});
  if (showReport) startReport(file, true);
}

void MainFrame::updateCounts() {
  SetStatusText(
      wxString::Format(wxPLURAL("%zu file", "%zu files", static_cast<unsigned>(m_list->count())), m_list->count()),
      kCount);
  m_hint->Show(m_list->count() == 0);
  const bool idle = !busy();
  m_sign->Enable(idle && m_list->count() > 0);
  m_verify->Enable(idle && m_list->count() > 0);
  m_remove->Enable(idle && m_list->count() > 0);
  m_add->Enable(idle);
  m_hint->GetParent()->Layout();
  if (auto* bar = GetMenuBar()) {
    bar->Enable(kIdSign, idle && m_list->count() > 0);
    bar->Enable(kIdVerify, idle && m_list->count() > 0);
    bar->Enable(kIdRemove, idle);
    bar->Enable(kIdClear, idle);
    bar->Enable(kIdAdd, idle);
    bar->Enable(wxID_PREFERENCES, idle);
    const bool cloudSet = !m_settings.cloudUrl.empty();
    bar->Enable(kIdCloudSignIn, idle && cloudSet);
    bar->Enable(kIdCloudAccount, idle && m_cloud != nullptr);
    bar->Enable(kIdCloudSignOut, idle && m_cloud != nullptr);
  }
  Layout();
}

wxString MainFrame::statusText() const { return GetStatusBar() ? GetStatusBar()->GetStatusText(kMessage) : wxString(); }

void MainFrame::setBusy(bool isBusy, const wxString& what) {
  m_progressPanel->Show(isBusy);
  if (isBusy) {
    m_gauge->SetValue(0);
    m_progressText->SetLabelText(what);  // file names may hold "&"
    m_cancel->Enable();
  }
  updateCounts();
  m_progressPanel->GetParent()->Layout();
}

void MainFrame::onProgress(std::size_t done, std::size_t total, const std::string& item) {
  if (!m_progressPanel->IsShown()) return;
  m_gauge->SetRange(static_cast<int>(std::max<std::size_t>(total, 1)));
  m_gauge->SetValue(static_cast<int>(std::min(done, total)));
  // Files, not steps: "2 of 3 files done: umowa.pdf" (the file now worked on).
  m_progressText->SetLabel(wxString::Format(
      wxPLURAL("%s of %s file done: %s", "%s of %s files done: %s", static_cast<unsigned>(total % 1000000)),
      wxString::FromUTF8(readableCount(done)), wxString::FromUTF8(readableCount(total)),
      wxString::FromUTF8(fs::path(item).filename().string())));
}

void MainFrame::cancelJob() {
  if (!busy()) return;
  if (m_verifyJob) {
    // The verifier cannot stop mid-file: control comes back now, the thread
    // finishes unobserved and its result is dropped.
    m_verifyJob->cancel = true;
    adoptBackground(std::move(m_worker), m_verifyJob->finished);
    endVerifyJob();
    SetStatusText(_("Verification cancelled."), kMessage);
    return;
  }
  m_interaction->cancel();
  m_cancel->Disable();
  m_progressText->SetLabel(_("Cancelling…"));
}

void MainFrame::signFiles() {
  if (busy() || m_list->count() == 0) return;
  const auto rows = m_list->selectedOrAll();
  std::vector<fs::path> inputs;
  for (const std::size_t r : rows)
    if (r < m_list->count()) inputs.push_back(m_list->entry(r).path);
  SignDialog dialog(
      this, m_settings, *m_interaction, m_cloud, [this] { return signInToCloud(); }, inputs);
  const int answer = dialog.ShowModal();
  if (dialog.cloudSigner()) m_cloud = dialog.cloudSigner();
  if (answer != wxID_OK) return;
  const auto choice = dialog.choice();
  if (!choice) return;
  if (const auto remembered = dialog.placementToRemember()) {
    // The settings' one home is here: the dialog only reads them.  A ticked
    // box is remembered; an unticked one only over a placement the person
    // had, so it comes back unticked (and someone who never ticked it keeps
    // no placement).
    try {
      const std::string person = personKey(choice->certificate.certificate);
      if (remembered->enabled || m_settings.placements.count(person) != 0) {
        m_settings.placements[person] = *remembered;
        saveSettings(m_settings);
      }
    } catch (const Error&) {
      // A subject that cannot be read has no key to remember it under; the
      // signing itself does not need one.
    }
  }
  startSigning(rows, *choice);
}

void MainFrame::startSigning(const std::vector<std::size_t>& rows, const SigningChoice& choice) {
  if (busy() || rows.empty()) return;
  std::vector<fs::path> inputs;
  for (const std::size_t r : rows) {
    if (r >= m_list->count()) continue;
    FileEntry& e = m_list->entry(r);
    e.state = FileEntry::State::Working;
    e.detail.clear();
    inputs.push_back(e.path);
  }
  m_list->refreshRows(rows);
  SignRequest request;
  try {
    request = choice.visible ? signRequestFor(m_settings, inputs, choice.format, choice.level, *choice.visible)
                             : signRequestFor(m_settings, inputs, choice.format, choice.level);
  } catch (const Error& e) {
    finishSigning(inputs, {}, e);
    return;
  }
  m_interaction->reset();
  setBusy(true,
          wxString::Format(wxPLURAL("Signing %zu file…", "Signing %zu files…", static_cast<unsigned>(inputs.size())),
                           inputs.size()));
  m_worker = std::thread([this, request, choice, inputs] {
    std::vector<SignOutcome> outcomes;
    std::optional<Error> batchError;
    try {
      outcomes = SigningService(m_registry).sign(request, *choice.signer, choice.certificate, *m_interaction);
    } catch (const Error& e) {
      batchError = e;
    } catch (const std::exception& e) {
      batchError = Error(Category::Internal, e.what());
    }
    CallAfter([this, inputs, outcomes, batchError] { finishSigning(inputs, outcomes, batchError); });
  });
}

void MainFrame::finishSigning(const std::vector<fs::path>& inputs, const std::vector<SignOutcome>& outcomes,
                              const std::optional<Error>& batchError) {
  if (m_worker.joinable()) m_worker.join();
  std::size_t signedCount = 0, failed = 0;
  std::vector<std::size_t> touched;
  for (const auto& o : outcomes) {
    const auto row = m_list->indexOf(o.input);
    if (!row) continue;
    FileEntry& e = m_list->entry(*row);
    if (o.error) {
      e.state = FileEntry::State::Failed;
      e.detail = wxString::FromUTF8(o.error->what());
      ++failed;
    } else {
      e.state = FileEntry::State::Signed;
      e.output = o.output;
      // The name alone when it sits beside the original, else the whole path.
      e.detail = wxString::FromUTF8(o.output.parent_path() == o.input.parent_path() ? o.output.filename().string()
                                                                                    : o.output.string());
      ++signedCount;
    }
    touched.push_back(*row);
  }
  const bool cancelled = batchError && batchError->category() == Category::Cancelled;
  for (const auto& in : inputs) {
    const auto row = m_list->indexOf(in);
    if (!row || m_list->entry(*row).state != FileEntry::State::Working) continue;
    FileEntry& e = m_list->entry(*row);
    e.state = cancelled ? FileEntry::State::Ready : FileEntry::State::Failed;
    e.detail = cancelled ? _("cancelled, nothing written") : wxString::FromUTF8(batchError ? batchError->what() : "");
    touched.push_back(*row);
  }
  m_list->refreshRows(touched);
  setBusy(false, {});
  if (cancelled) {
    SetStatusText(_("Signing cancelled; no file was written."), kMessage);
  } else if (batchError) {
    SetStatusText(_("Signing failed."), kMessage);
    wxMessageBox(wxString::FromUTF8(batchError->what()), _("Signing failed"), wxOK | wxICON_ERROR, this);
  } else if (failed == 0) {
    SetStatusText(
        wxString::Format(wxPLURAL("%zu file signed.", "%zu files signed.", static_cast<unsigned>(signedCount)),
                         signedCount),
        kMessage);
  } else {
    SetStatusText(wxString::Format(_("%zu signed, %zu failed: see the Status column."), signedCount, failed), kMessage);
  }
}

void MainFrame::verifyFiles() {
  if (busy() || m_list->count() == 0) return;
  const auto rows = m_list->selectedOrAll();
  std::vector<fs::path> files;
  for (const std::size_t r : rows) {
    const FileEntry& e = m_list->entry(r);
    files.push_back(e.output.empty() ? e.path : e.output);
  }
  if (files.size() == 1) {
    showReportFor(files.front());
    return;
  }
  VerifyOptions options;
  try {
    options = verifyOptionsFor(m_settings);
  } catch (const Error& e) {
    wxMessageBox(wxString::FromUTF8(e.what()), _("Verify"), wxOK | wxICON_ERROR, this);
    return;
  }
  const auto job = startVerifyJob(_("Verifying…"));
  m_worker = std::thread([this, job, files, options] {
    std::vector<std::optional<VerificationReport>> reports(files.size());
    std::vector<wxString> errors(files.size());
    const VerificationService service(m_registry);
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (job->cancel) break;
      CallAfter([this, job, i, total = files.size(), item = files[i].string()] {
        if (job == m_verifyJob) onProgress(i, total, item);
      });
      try {
        VerifyOptions o = options;
        o.detachedContent = detachedContentBeside(files[i]);
        reports[i] = service.verify(files[i], o);
      } catch (const std::exception& e) {
        errors[i] = wxString::FromUTF8(e.what());
      }
    }
    CallAfter([this, job, files, reports, errors] { finishVerifying(job, files, reports, errors); });
    job->finished->store(true);
  });
}

std::shared_ptr<MainFrame::VerifyJob> MainFrame::startVerifyJob(const wxString& what) {
  m_verifyJob = std::make_shared<VerifyJob>();
  setBusy(true, what);
  return m_verifyJob;
}

void MainFrame::endVerifyJob() {
  if (m_worker.joinable()) m_worker.join();
  m_verifyJob.reset();
  m_pulse.Stop();
  setBusy(false, {});
}

void MainFrame::finishVerifying(const std::shared_ptr<VerifyJob>& job, const std::vector<fs::path>& files,
                                const std::vector<std::optional<VerificationReport>>& reports,
                                const std::vector<wxString>& errors) {
  if (job != m_verifyJob) return;  // cancelled: the person has moved on
  endVerifyJob();
  std::vector<std::size_t> touched;
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::optional<std::size_t> row = m_list->indexOf(files[i]);
    if (!row) {
      for (std::size_t r = 0; r < m_list->count() && !row; ++r)
        if (m_list->entry(r).output == files[i]) row = r;
    }
    if (!row) continue;
    FileEntry& e = m_list->entry(*row);
    if (reports[i]) {
      e.state = reports[i]->signatures.empty() ? FileEntry::State::Unsigned : stateFor(reports[i]->indication);
      // The row of an original shows which file was verified: its output.
      e.detail = files[i] == e.output ? wxString::FromUTF8(e.output.filename().string()) : wxString();
    } else if (!errors[i].empty()) {
      e.state = FileEntry::State::Failed;
      e.detail = errors[i];
    }
    touched.push_back(*row);
  }
  m_list->refreshRows(touched);
  SetStatusText(_("Verification done: double-click a file to see its report."), kMessage);
}

void MainFrame::showReportFor(const fs::path& file) { startReport(file, false); }

void MainFrame::startReport(const fs::path& file, bool onlyIfSigned) {
  if (busy()) {
    // One job at a time; the file is in the list for later.
    SetStatusText(wxString::Format(_("%s is in the list; verify it when the current job has ended."), fileName(file)),
                  kMessage);
    return;
  }
  VerifyOptions options;
  try {
    options = verifyOptionsFor(m_settings);
  } catch (const Error& e) {
    wxMessageBox(wxString::FromUTF8(e.what()), _("Verify"), wxOK | wxICON_ERROR, this);
    return;
  }
  options.detachedContent = detachedContentBeside(file);
  // A hostile or huge file must not freeze the window: the worker reads it,
  // the gauge pulses (the verifier has no steps to report) and Cancel works.
  const auto job = startVerifyJob(wxString::Format(_("Verifying %s…"), fileName(file)));
  m_gauge->Pulse();
  m_pulse.Start(100);
  m_worker = std::thread([this, job, file, options, onlyIfSigned] {
    ReportOutcome out;
    out.thread = std::this_thread::get_id();
    out.stamp = FileStamp::of(file);  // before reading: a later change shows as a difference
    try {
      const VerificationService service(m_registry);
      if (onlyIfSigned) {
        // Opening a file that holds no signature only lists it, as before.
        try {
          out.holdsNoSignature = service.inspect(file).signatures.empty();
        } catch (const std::exception&) {
          out.holdsNoSignature = true;
        }
      }
      if (!out.holdsNoSignature) out.report = service.verify(file, options);
    } catch (const std::exception& e) {
      out.error = wxString::FromUTF8(e.what());
    }
    CallAfter([this, job, file, out] { finishReport(job, file, out); });
    job->finished->store(true);
  });
}

void MainFrame::finishReport(const std::shared_ptr<VerifyJob>& job, const fs::path& file, const ReportOutcome& out) {
  if (job != m_verifyJob) return;  // cancelled: the result is dropped
  endVerifyJob();
  m_lastVerificationThread = out.thread;
  SetStatusText(_("Ready"), kMessage);
  if (out.holdsNoSignature) return;
  if (!out.report) {
    wxMessageBox(wxString::Format(_("%s cannot be verified: %s"), fileName(file), out.error), _("Verify"),
                 wxOK | wxICON_ERROR, this);
    return;
  }
  const VerificationReport& report = *out.report;
  if (const auto row = m_list->indexOf(file)) {
    FileEntry& e = m_list->entry(*row);
    e.state = report.signatures.empty() ? FileEntry::State::Unsigned : stateFor(report.indication);
    e.detail.clear();
    m_list->refreshRows({*row});
  }
  ReportDialog dialog(this, report, out.stamp);
  dialog.ShowModal();
}

void MainFrame::showSettings() {
  if (busy()) return;
  SettingsDialog dialog(this, m_settings);
  if (dialog.ShowModal() != wxID_OK) return;
  const Settings next = dialog.settings();
  const bool languageChanged = next.language != m_settings.language;
  const bool cloudChanged = next.cloudUrl != m_settings.cloudUrl || next.cloudLogin != m_settings.cloudLogin ||
                            next.cloudCa != m_settings.cloudCa || next.rememberSession != m_settings.rememberSession;
  m_settings = next;
  saveSettings(m_settings);
  if (cloudChanged) m_cloud.reset();  // the next signing signs in again
  if (languageChanged) {
    wxMessageBox(_("The new language is used from the next start of SecureDoc."), _("Settings"),
                 wxOK | wxICON_INFORMATION, this);
  }
}

std::shared_ptr<Signer> MainFrame::signInToCloud() {
  if (busy() || m_settings.cloudUrl.empty()) return nullptr;
  CloudSignInDialog dialog(this, wxString::FromUTF8(m_settings.cloudUrl), wxString::FromUTF8(m_settings.cloudLogin),
                           m_settings.rememberSession);
  if (dialog.ShowModal() != wxID_OK) return nullptr;
  Settings s = m_settings;
  s.cloudLogin = dialog.login();
  s.rememberSession = dialog.remember();
  try {
    wxBusyCursor wait;
    std::shared_ptr<Signer> cloud = openSigner("cloud:" + s.cloudUrl, *m_interaction, cloudOptionsFor(s));
    m_interaction->prime(Interaction::Secret::Password, dialog.takePassword());
    (void)cloud->certificates();    // the login; the list is kept for the dialogs
    m_interaction->forgetPrimed();  // used by the login, or not needed
    m_cloud = cloud;
  } catch (const Error& e) {
    m_interaction->forgetPrimed();  // an unused password does not linger
    wxMessageBox(wxString::FromUTF8(e.what()), _("Cloud sign-in"), wxOK | wxICON_ERROR, this);
    return nullptr;
  }
  if (s.cloudLogin != m_settings.cloudLogin || s.rememberSession != m_settings.rememberSession) {
    m_settings = s;
    saveSettings(m_settings);
  }
  refreshCloudStatus();
  updateCounts();
  SetStatusText(wxString::Format(_("Signed in to the cloud as %s."), wxString::FromUTF8(s.cloudLogin)), kMessage);
  return m_cloud;
}

void MainFrame::showCloudAccount() {
  if (!m_cloud) return;
  std::vector<OfferedCertificate> certs;
  try {
    certs = m_cloud->certificates();
  } catch (const Error& e) {
    wxMessageBox(wxString::FromUTF8(e.what()), _("Cloud account"), wxOK | wxICON_ERROR, this);
    return;
  }
  auto* csc = dynamic_cast<CscSigner*>(m_cloud.get());
  CloudAccountDialog dialog(this, wxString::FromUTF8(m_settings.cloudLogin), certs,
                            [csc] { return csc ? csc->sessionSecondsLeft() : 0L; });
  if (dialog.ShowModal() == CloudAccountDialog::kSignOut) signOutOfCloud();
}

void MainFrame::signOutOfCloud() {
  if (!m_cloud || busy()) return;
  if (auto* csc = dynamic_cast<CscSigner*>(m_cloud.get())) {
    try {
      csc->logout();
    } catch (const Error&) {
      // The session ends at the service by itself; locally it is gone.
    }
  }
  m_cloud.reset();
  refreshCloudStatus();
  updateCounts();
  SetStatusText(_("Signed out of the cloud."), kMessage);
}

wxString MainFrame::cloudStatus() const {
  if (m_settings.cloudUrl.empty()) return {};
  const auto* csc = dynamic_cast<const CscSigner*>(m_cloud.get());
  const long left = csc ? csc->sessionSecondsLeft() : 0;
  if (!m_cloud) return _("Cloud: not signed in");
  if (left <= 0) return _("Cloud: session ended");
  return wxString::Format(_("Cloud: session %s"), minutesAndSeconds(left));
}

void MainFrame::refreshCloudStatus() {
  if (GetStatusBar()) SetStatusText(cloudStatus(), kCloud);
}

void MainFrame::onClose(wxCloseEvent& e) {
  if (busy() && e.CanVeto()) {
    wxMessageBox(_("A job is running. Press Cancel and wait for it to stop, then quit."), "SecureDoc",
                 wxOK | wxICON_INFORMATION, this);
    e.Veto();
    return;
  }
  rememberWindow();
  e.Skip();
}

void MainFrame::rememberWindow() const {
  WindowState w = loadWindowState();
  w.maximized = IsMaximized();
  // A maximised window keeps the size it had before, for when it is restored.
  if (!w.maximized) {
    w.width = GetSize().GetWidth();
    w.height = GetSize().GetHeight();
  }
  w.splitter = m_splitter->GetSashPosition();
  w.lastFolder = m_lastFolder.utf8_string();
  saveWindowState(w);
}

}  // namespace securedoc::ui
