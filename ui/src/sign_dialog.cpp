#include "sign_dialog.h"

#include <securedoc/app/report_render.h>
#include <securedoc/app/signing.h>
#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <wx/button.h>
#include <wx/choice.h>
#include <wx/filepicker.h>
#include <wx/listctrl.h>
#include <wx/msgdlg.h>
#include <wx/notebook.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/utils.h>

namespace securedoc::ui {

namespace {

// Local time in the language's words (issue 16); certificates expire to the second.
wxString dateText(std::time_t t) { return wxString::FromUTF8(readableTime(t)); }

const char* const kFormats[] = {"auto", "pades", "xades", "cades"};

}  // namespace

SignDialog::SignDialog(wxWindow* parent, const Settings& settings, Interaction& interaction,
                       std::shared_ptr<Signer> cloud, std::function<std::shared_ptr<Signer>()> signIn)
    : wxDialog(parent, wxID_ANY, _("Sign files"), wxDefaultPosition, wxDefaultSize,
               wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER),
      m_settings(settings),
      m_interaction(interaction),
      m_cloud(std::move(cloud)),
      m_signIn(std::move(signIn)) {
  SetName("signDialog");
  auto* top = new wxBoxSizer(wxVERTICAL);
  top->Add(new wxStaticText(this, wxID_ANY, _("Choose the certificate to sign with:")), 0, wxALL, FromDIP(10));
  m_book = new wxNotebook(this, wxID_ANY);
  m_book->AddPage(makeDevicePage(m_book), _("Cryptographic device"), true);
  m_book->AddPage(makeFilePage(m_book), _("Certificate file"));
  top->Add(m_book, 1, wxLEFT | wxRIGHT | wxEXPAND, FromDIP(10));

  auto* grid = new wxFlexGridSizer(2, FromDIP(6), FromDIP(8));
  grid->Add(new wxStaticText(this, wxID_ANY, _("Format:")), 0, wxALIGN_CENTER_VERTICAL);
  m_format = new wxChoice(this, wxID_ANY);
  m_format->SetName("format");
  m_format->Append(_("Automatic: PAdES for PDF, XAdES for XML, CAdES for other files"));
  m_format->Append(_("PAdES (signature inside the PDF)"));
  m_format->Append(_("XAdES (XML signature)"));
  m_format->Append(_("CAdES (.p7s signature file)"));
  m_format->SetSelection(0);
  grid->Add(m_format, 1, wxEXPAND);
  grid->Add(new wxStaticText(this, wxID_ANY, _("Level:")), 0, wxALIGN_CENTER_VERTICAL);
  m_level = new wxChoice(this, wxID_ANY);
  m_level->SetName("level");
  m_level->Append(_("B-B: basic signature"));
  m_level->Append(m_settings.tsaUrl.empty() ? _("B-T: with a time-stamp (set a time-stamp service in Settings)")
                                            : _("B-T: with a time-stamp"));
  m_level->SetSelection(defaultLevel(m_settings) == SignatureLevel::B_T ? 1 : 0);
  grid->Add(m_level, 1, wxEXPAND);
  grid->AddGrowableCol(1);
  top->Add(grid, 0, wxALL | wxEXPAND, FromDIP(10));

  auto* buttons = new wxStdDialogButtonSizer();
  m_ok = new wxButton(this, wxID_OK, _("Sign"));
  m_ok->SetDefault();
  buttons->AddButton(m_ok);
  buttons->AddButton(new wxButton(this, wxID_CANCEL));
  buttons->Realize();
  top->Add(buttons, 0, wxALL | wxEXPAND, FromDIP(10));
  SetSizer(top);
  SetSize(FromDIP(wxSize(760, 520)));
  SetMinSize(FromDIP(wxSize(560, 400)));
  CentreOnParent();

  m_book->Bind(wxEVT_NOTEBOOK_PAGE_CHANGED, [this](wxBookCtrlEvent& e) {
    e.Skip();
    updateButtons();
  });
  Bind(
      wxEVT_BUTTON,
      [this](wxCommandEvent& e) {
        if (m_level->GetSelection() == 1 && m_settings.tsaUrl.empty()) {
          wxMessageBox(_("Level B-T needs a time-stamp service. Set its address in Settings, or choose B-B."),
                       _("Sign files"), wxOK | wxICON_WARNING, this);
          return;
        }
        e.Skip();
      },
      wxID_OK);
  loadTokens();
  updateButtons();
}

wxWindow* SignDialog::makeDevicePage(wxNotebook* book) {
  auto* page = new wxPanel(book);
  auto* s = new wxBoxSizer(wxVERTICAL);
  m_deviceList = new wxListView(page, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxLC_REPORT | wxLC_SINGLE_SEL);
  m_deviceList->SetName("deviceCertificates");
  m_deviceList->AppendColumn(_("Name"), wxLIST_FORMAT_LEFT, FromDIP(170));
  m_deviceList->AppendColumn(_("Issuer"), wxLIST_FORMAT_LEFT, FromDIP(170));
  m_deviceList->AppendColumn(_("Serial number"), wxLIST_FORMAT_LEFT, FromDIP(110));
  m_deviceList->AppendColumn(_("Valid until"), wxLIST_FORMAT_LEFT, FromDIP(150));
  m_deviceList->AppendColumn(_("Device"), wxLIST_FORMAT_LEFT, FromDIP(130));
  s->Add(m_deviceList, 1, wxALL | wxEXPAND, FromDIP(6));
  m_deviceNote = new wxStaticText(page, wxID_ANY, wxEmptyString);
  s->Add(m_deviceNote, 0, wxLEFT | wxRIGHT | wxEXPAND, FromDIP(6));
  auto* row = new wxBoxSizer(wxHORIZONTAL);
  auto* details = new wxButton(page, wxID_ANY, _("Details…"));
  auto* refresh = new wxButton(page, wxID_ANY, _("Refresh"));
  m_cloudButton = new wxButton(page, wxID_ANY, _("Sign in to the cloud…"));
  m_cloudButton->SetName("cloudSignIn");
  row->Add(details, 0, wxRIGHT, FromDIP(6));
  row->Add(refresh, 0, wxRIGHT, FromDIP(6));
  row->AddStretchSpacer();
  row->Add(m_cloudButton, 0);
  s->Add(row, 0, wxALL | wxEXPAND, FromDIP(6));
  page->SetSizer(s);
  m_cloudButton->Enable(!m_settings.cloudUrl.empty() && !m_cloud);
  if (m_settings.cloudUrl.empty()) m_cloudButton->SetToolTip(_("Set the cloud service in Settings first."));

  details->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { showDetails(m_deviceRows, m_deviceList); });
  refresh->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) {
    loadTokens();
    updateButtons();
  });
  m_cloudButton->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { signInToCloud(); });
  m_deviceList->Bind(wxEVT_LIST_ITEM_SELECTED, [this](wxListEvent&) { updateButtons(); });
  m_deviceList->Bind(wxEVT_LIST_ITEM_DESELECTED, [this](wxListEvent&) { updateButtons(); });
  m_deviceList->Bind(wxEVT_LIST_ITEM_ACTIVATED, [this](wxListEvent&) {
    if (current()) EndModal(wxID_OK);
  });
  return page;
}

wxWindow* SignDialog::makeFilePage(wxNotebook* book) {
  auto* page = new wxPanel(book);
  auto* s = new wxBoxSizer(wxVERTICAL);
  s->Add(new wxStaticText(page, wxID_ANY, _("A PKCS#12 file (.p12, .pfx) with your certificate and key:")), 0, wxALL,
         FromDIP(6));
  m_filePicker =
      new wxFilePickerCtrl(page, wxID_ANY, wxEmptyString, _("Choose a certificate file"),
                           _("PKCS#12 files (*.p12;*.pfx)|*.p12;*.pfx;*.P12;*.PFX|All files|*"), wxDefaultPosition,
                           wxDefaultSize, wxFLP_OPEN | wxFLP_FILE_MUST_EXIST | wxFLP_USE_TEXTCTRL);
  m_filePicker->SetName("certificateFile");
  s->Add(m_filePicker, 0, wxLEFT | wxRIGHT | wxEXPAND, FromDIP(6));
  m_fileList = new wxListView(page, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxLC_REPORT | wxLC_SINGLE_SEL);
  m_fileList->SetName("fileCertificates");
  m_fileList->AppendColumn(_("Name"), wxLIST_FORMAT_LEFT, FromDIP(170));
  m_fileList->AppendColumn(_("Issuer"), wxLIST_FORMAT_LEFT, FromDIP(170));
  m_fileList->AppendColumn(_("Serial number"), wxLIST_FORMAT_LEFT, FromDIP(110));
  m_fileList->AppendColumn(_("Valid until"), wxLIST_FORMAT_LEFT, FromDIP(150));
  m_fileList->AppendColumn(_("File"), wxLIST_FORMAT_LEFT, FromDIP(130));
  s->Add(m_fileList, 1, wxALL | wxEXPAND, FromDIP(6));
  m_fileNote = new wxStaticText(page, wxID_ANY, _("The file's password is asked when you choose it."));
  s->Add(m_fileNote, 0, wxLEFT | wxRIGHT | wxEXPAND, FromDIP(6));
  auto* details = new wxButton(page, wxID_ANY, _("Details…"));
  s->Add(details, 0, wxALL, FromDIP(6));
  page->SetSizer(s);

  m_filePicker->Bind(wxEVT_FILEPICKER_CHANGED, [this](wxFileDirPickerEvent& e) { openCertificateFile(e.GetPath()); });
  details->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { showDetails(m_fileRows, m_fileList); });
  m_fileList->Bind(wxEVT_LIST_ITEM_SELECTED, [this](wxListEvent&) { updateButtons(); });
  m_fileList->Bind(wxEVT_LIST_ITEM_DESELECTED, [this](wxListEvent&) { updateButtons(); });
  m_fileList->Bind(wxEVT_LIST_ITEM_ACTIVATED, [this](wxListEvent&) {
    if (current()) EndModal(wxID_OK);
  });
  return page;
}

void SignDialog::loadTokens() {
  wxBusyCursor busy;
  m_deviceRows.clear();
  wxString note;
  try {
    std::shared_ptr<Signer> tokens = openSigner("pkcs11:", m_interaction);
    for (auto& oc : tokens->certificates()) m_deviceRows.push_back(Row{tokens, std::move(oc)});
  } catch (const Error& e) {
    if (e.category() != Category::Cancelled) note = wxString::FromUTF8(e.what());
  }
  if (m_cloud) {
    try {
      for (auto& oc : m_cloud->certificates()) m_deviceRows.push_back(Row{m_cloud, std::move(oc)});
    } catch (const Error& e) {
      note += (note.empty() ? "" : "\n") + wxString::FromUTF8(e.what());
    }
  }
  if (m_deviceRows.empty() && note.empty()) {
    note = m_settings.cloudUrl.empty() ? _("No token with a certificate was found. Insert your card or token, then "
                                           "press Refresh, or use a certificate file.")
                                       : _("No token with a certificate was found. Insert your card or token and "
                                           "press Refresh, sign in to the cloud, or use a certificate file.");
  }
  m_deviceNote->SetLabel(note);
  m_deviceNote->Wrap(FromDIP(700));
  fill(m_deviceList, m_deviceRows);
  if (m_deviceList->GetItemCount() == 1) m_deviceList->SetItemState(0, wxLIST_STATE_SELECTED, wxLIST_STATE_SELECTED);
  Layout();
}

bool SignDialog::signInToCloud() {
  if (m_settings.cloudUrl.empty() || !m_signIn) return false;
  std::shared_ptr<Signer> cloud = m_signIn();
  if (!cloud) return false;
  wxBusyCursor busy;
  try {
    auto offered = cloud->certificates();  // listed at sign-in: no new request
    m_cloud = cloud;
    for (auto& oc : offered) m_deviceRows.push_back(Row{m_cloud, std::move(oc)});
    fill(m_deviceList, m_deviceRows);
    m_cloudButton->Enable(false);
    m_book->SetSelection(0);
    const long last = m_deviceList->GetItemCount() - 1;
    if (!offered.empty()) m_deviceList->SetItemState(last, wxLIST_STATE_SELECTED, wxLIST_STATE_SELECTED);
    updateButtons();
    return true;
  } catch (const Error& e) {
    if (e.category() != Category::Cancelled) {
      wxMessageBox(wxString::FromUTF8(e.what()), _("Cloud sign-in"), wxOK | wxICON_ERROR, this);
    }
    return false;
  }
}

bool SignDialog::openCertificateFile(const wxString& path) {
  m_book->SetSelection(1);
  if (m_filePicker->GetPath() != path) m_filePicker->SetPath(path);
  m_fileRows.clear();
  wxBusyCursor busy;
  bool ok = false;
  try {
    std::shared_ptr<Signer> file = openSigner("pkcs12:" + path.utf8_string(), m_interaction);
    for (auto& oc : file->certificates()) m_fileRows.push_back(Row{file, std::move(oc)});
    m_fileNote->SetLabel(wxEmptyString);
    ok = !m_fileRows.empty();
  } catch (const Error& e) {
    m_fileNote->SetLabel(e.category() == Category::Cancelled ? _("The file's password is asked when you choose it.")
                                                             : wxString::FromUTF8(e.what()));
    m_fileNote->Wrap(FromDIP(700));
  }
  fill(m_fileList, m_fileRows);
  if (!m_fileRows.empty()) m_fileList->SetItemState(0, wxLIST_STATE_SELECTED, wxLIST_STATE_SELECTED);
  updateButtons();
  Layout();
  return ok;
}

void SignDialog::fill(wxListView* list, const std::vector<Row>& rows) {
  list->DeleteAllItems();
  for (const auto& r : rows) {
    const Certificate& c = r.certificate.certificate;
    const long i = list->InsertItem(list->GetItemCount(), wxString::FromUTF8(c.commonName()));
    std::string issuer;
    try {
      issuer = r.certificate.chain.empty() ? c.issuer() : r.certificate.chain.front().commonName();
    } catch (const Error&) {
    }
    list->SetItem(i, 1, wxString::FromUTF8(issuer));
    list->SetItem(i, 2, wxString::FromUTF8(c.serialHex()));
    list->SetItem(i, 3, dateText(c.notAfter()));
    list->SetItem(i, 4, wxString::FromUTF8(r.certificate.location));
  }
}

void SignDialog::showDetails(const std::vector<Row>& rows, wxListView* list) {
  const long i = list->GetFirstSelected();
  if (i < 0 || static_cast<std::size_t>(i) >= rows.size()) return;
  wxMessageBox(wxString::FromUTF8(offeredCertificateToText(rows[static_cast<std::size_t>(i)].certificate)),
               _("Certificate details"), wxOK | wxICON_INFORMATION, this);
}

const SignDialog::Row* SignDialog::current() const {
  const bool device = m_book->GetSelection() == 0;
  const wxListView* list = device ? m_deviceList : m_fileList;
  const auto& rows = device ? m_deviceRows : m_fileRows;
  const long i = list->GetFirstSelected();
  if (i < 0 || static_cast<std::size_t>(i) >= rows.size()) return nullptr;
  return &rows[static_cast<std::size_t>(i)];
}

void SignDialog::updateButtons() { m_ok->Enable(current() != nullptr); }

bool SignDialog::selectDeviceCertificate(const wxString& name) {
  m_book->SetSelection(0);
  for (std::size_t i = 0; i < m_deviceRows.size(); ++i) {
    if (wxString::FromUTF8(m_deviceRows[i].certificate.certificate.commonName()) == name) {
      m_deviceList->SetItemState(static_cast<long>(i), wxLIST_STATE_SELECTED | wxLIST_STATE_FOCUSED,
                                 wxLIST_STATE_SELECTED | wxLIST_STATE_FOCUSED);
      updateButtons();
      return true;
    }
  }
  return false;
}

void SignDialog::setFormat(const std::string& id) {
  for (int i = 0; i < 4; ++i)
    if (id == kFormats[i]) m_format->SetSelection(i);
}

void SignDialog::setLevel(SignatureLevel level) { m_level->SetSelection(level == SignatureLevel::B_T ? 1 : 0); }

std::optional<SigningChoice> SignDialog::choice() const {
  const Row* r = current();
  if (!r) return std::nullopt;
  SigningChoice c{r->signer, r->certificate};
  const int f = m_format->GetSelection();
  c.format = f >= 0 && f < 4 ? kFormats[f] : "auto";
  c.level = m_level->GetSelection() == 1 ? SignatureLevel::B_T : SignatureLevel::B_B;
  return c;
}

}  // namespace securedoc::ui
