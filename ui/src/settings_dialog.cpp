#include "settings_dialog.h"

#include <wx/button.h>
#include <wx/checkbox.h>
#include <wx/choice.h>
#include <wx/filedlg.h>
#include <wx/filepicker.h>
#include <wx/listbox.h>
#include <wx/msgdlg.h>
#include <wx/sizer.h>
#include <wx/statbox.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

namespace securedoc::ui {

namespace {

const char* const kLanguages[] = {"system", "pl", "en"};
const char* const kLevels[] = {"default", "B-B", "B-T", "B-LT", "B-LTA"};
const wxString kPemFiles = "PEM (*.pem;*.crt;*.cer)|*.pem;*.crt;*.cer|*|*";

}  // namespace

// Long on purpose: the dialog's controls in the order they are shown, each
// next to its label and tooltip; splitting would scatter one layout.
SettingsDialog::SettingsDialog(wxWindow* parent, const Settings& current)
    : wxDialog(parent, wxID_ANY, _("Settings"), wxDefaultPosition, wxDefaultSize,
               wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER),
      m_base(current) {
  SetName("settingsDialog");
  auto* top = new wxBoxSizer(wxVERTICAL);
  const int gap = FromDIP(6);

  auto section = [&](const wxString& title) {
    auto* box = new wxStaticBoxSizer(wxVERTICAL, this, title);
    auto* grid = new wxFlexGridSizer(2, gap, gap * 2);
    grid->AddGrowableCol(1);
    box->Add(grid, 1, wxALL | wxEXPAND, gap);
    top->Add(box, 0, wxLEFT | wxRIGHT | wxTOP | wxEXPAND, FromDIP(10));
    return std::pair{box->GetStaticBox(), grid};
  };
  auto label = [](wxWindow* p, wxFlexGridSizer* g, const wxString& text) {
    g->Add(new wxStaticText(p, wxID_ANY, text), 0, wxALIGN_CENTER_VERTICAL);
  };

  {
    auto [box, g] = section(_("General"));
    label(box, g, _("Language:"));
    m_language = new wxChoice(box, wxID_ANY);
    m_language->SetName("language");
    m_language->Append(_("As the system"));
    m_language->Append("Polski");
    m_language->Append("English");
    for (int i = 0; i < 3; ++i)
      if (current.language == kLanguages[i]) m_language->SetSelection(i);
    if (m_language->GetSelection() < 0) m_language->SetSelection(0);
    g->Add(m_language, 1, wxEXPAND);
    label(box, g, _("Signed files:"));
    m_besideOriginal = new wxCheckBox(box, wxID_ANY, _("next to the original"));
    m_besideOriginal->SetName("besideOriginal");
    m_besideOriginal->SetValue(current.outputDir.empty());
    g->Add(m_besideOriginal, 1, wxEXPAND);
    label(box, g, _("or in the folder:"));
    m_outputDir =
        new wxDirPickerCtrl(box, wxID_ANY, wxString::FromUTF8(current.outputDir.string()), _("Folder for signed files"),
                            wxDefaultPosition, wxDefaultSize, wxDIRP_USE_TEXTCTRL | wxDIRP_DIR_MUST_EXIST);
    m_outputDir->SetName("outputDir");
    m_outputDir->Enable(!current.outputDir.empty());
    g->Add(m_outputDir, 1, wxEXPAND);
    m_besideOriginal->Bind(wxEVT_CHECKBOX,
                           [this](wxCommandEvent&) { m_outputDir->Enable(!m_besideOriginal->GetValue()); });
    label(box, g, _("Signature level:"));
    m_level = new wxChoice(box, wxID_ANY);
    m_level->SetName("level");
    m_level->Append(_("B-T when a time-stamp service is set, else B-B"));
    m_level->Append(_("B-B: basic signature"));
    m_level->Append(_("B-T: with a time-stamp"));
    m_level->Append(_("B-LT: long-term, with the certificates' revocation data"));
    m_level->Append(_("B-LTA: long-term with an archive time-stamp, renewable"));
    m_level->SetSelection(0);
    for (int i = 0; i < 5; ++i)
      if (current.level == kLevels[i]) m_level->SetSelection(i);
    g->Add(m_level, 1, wxEXPAND);
  }
  {
    auto [box, g] = section(_("Time-stamps and verification"));
    label(box, g, _("Time-stamp service (URL):"));
    m_tsaUrl = new wxTextCtrl(box, wxID_ANY, wxString::FromUTF8(current.tsaUrl));
    m_tsaUrl->SetHint("https://");
    m_tsaUrl->SetName("tsaUrl");
    g->Add(m_tsaUrl, 1, wxEXPAND);
    label(box, g, _("Its CA certificates:"));
    m_tsaAnchors = pathList(box, g, current.tsaTrustAnchors, "tsaAnchors");
    label(box, g, _("Trusted root certificates:"));
    m_trustAnchors = pathList(box, g, current.trustAnchors, "trustAnchors");
  }
  {
    auto [box, g] = section(_("Cloud signing"));
    label(box, g, _("Service (CSC API URL):"));
    m_cloudUrl = new wxTextCtrl(box, wxID_ANY, wxString::FromUTF8(current.cloudUrl));
    m_cloudUrl->SetHint("https://host:port/csc/v2");
    g->Add(m_cloudUrl, 1, wxEXPAND);
    label(box, g, _("Its CA certificate:"));
    m_cloudCa = new wxFilePickerCtrl(box, wxID_ANY, wxString::FromUTF8(current.cloudCa.string()), _("CA certificate"),
                                     kPemFiles, wxDefaultPosition, wxDefaultSize, wxFLP_OPEN | wxFLP_USE_TEXTCTRL);
    m_cloudCa->SetName("cloudCa");
    // wxGTK's picker does not show a path given to the constructor: set it again.
    m_cloudCa->SetPath(wxString::FromUTF8(current.cloudCa.string()));
    g->Add(m_cloudCa, 1, wxEXPAND);
    label(box, g, _("Login:"));
    m_cloudLogin = new wxTextCtrl(box, wxID_ANY, wxString::FromUTF8(current.cloudLogin));
    g->Add(m_cloudLogin, 1, wxEXPAND);
    g->AddSpacer(0);
    m_remember = new wxCheckBox(box, wxID_ANY, _("Remember session (one code for all batches until it ends)"));
    m_remember->SetValue(current.rememberSession);
    g->Add(m_remember, 1, wxEXPAND);
  }
  top->Add(CreateStdDialogButtonSizer(wxOK | wxCANCEL), 0, wxALL | wxEXPAND, FromDIP(10));
  SetSizerAndFit(top);
  SetSize(wxSize(std::max(GetSize().x, FromDIP(640)), GetSize().y));
  CentreOnParent();
}

Settings SettingsDialog::settings() const {
  Settings s = m_base;
  const int lang = m_language->GetSelection();
  s.language = lang >= 0 && lang < 3 ? kLanguages[lang] : "system";
  s.outputDir = m_besideOriginal->GetValue() ? std::filesystem::path()
                                             : std::filesystem::path(m_outputDir->GetPath().utf8_string());
  s.tsaUrl = m_tsaUrl->GetValue().Strip(wxString::both).utf8_string();
  const auto all = [](wxListBox* list) {
    std::vector<std::filesystem::path> out;
    for (unsigned i = 0; i < list->GetCount(); ++i) out.emplace_back(list->GetString(i).utf8_string());
    return out;
  };
  s.tsaTrustAnchors = all(m_tsaAnchors);
  s.trustAnchors = all(m_trustAnchors);
  s.cloudUrl = m_cloudUrl->GetValue().Strip(wxString::both).utf8_string();
  s.cloudCa = m_cloudCa->GetPath().utf8_string();
  s.cloudLogin = m_cloudLogin->GetValue().Strip(wxString::both).utf8_string();
  s.rememberSession = m_remember->GetValue();
  const int level = m_level->GetSelection();
  s.level = level >= 0 && level < 5 ? kLevels[level] : "default";
  return s;
}

wxListBox* SettingsDialog::pathList(wxWindow* parent, wxSizer* into, const std::vector<std::filesystem::path>& paths,
                                    const wxString& name) {
  auto* row = new wxBoxSizer(wxHORIZONTAL);
  auto* list = new wxListBox(parent, wxID_ANY, wxDefaultPosition, FromDIP(wxSize(-1, 56)), 0, nullptr,
                             wxLB_SINGLE | wxLB_HSCROLL);
  list->SetName(name);
  for (const auto& p : paths) list->Append(wxString::FromUTF8(p.string()));
  auto* buttons = new wxBoxSizer(wxVERTICAL);
  auto* add = new wxButton(parent, wxID_ANY, _("Add…"));
  auto* remove = new wxButton(parent, wxID_ANY, _("Remove"));
  buttons->Add(add, 0, wxEXPAND | wxBOTTOM, FromDIP(4));
  buttons->Add(remove, 0, wxEXPAND);
  row->Add(list, 1, wxEXPAND | wxRIGHT, FromDIP(6));
  row->Add(buttons, 0);
  into->Add(row, 1, wxEXPAND);
  add->Bind(wxEVT_BUTTON, [this, list](wxCommandEvent&) {
    wxFileDialog d(this, _("Choose a certificate (PEM)"), wxEmptyString, wxEmptyString, kPemFiles,
                   wxFD_OPEN | wxFD_FILE_MUST_EXIST | wxFD_MULTIPLE);
    if (d.ShowModal() != wxID_OK) return;
    wxArrayString chosen;
    d.GetPaths(chosen);
    for (const auto& c : chosen)
      if (list->FindString(c, true) == wxNOT_FOUND) list->Append(c);
  });
  remove->Bind(wxEVT_BUTTON, [list](wxCommandEvent&) {
    const int i = list->GetSelection();
    if (i != wxNOT_FOUND) list->Delete(static_cast<unsigned>(i));
  });
  return list;
}

bool SettingsDialog::TransferDataFromWindow() {
  const auto problems = settingsProblems(settings());
  if (problems.empty()) return true;
  wxString text;
  for (const auto& p : problems) text += "• " + wxString::FromUTF8(p) + "\n";
  wxMessageBox(text, _("Settings"), wxOK | wxICON_WARNING, this);
  return false;
}

}  // namespace securedoc::ui
