#include "secret_dialogs.h"

#include <wx/button.h>
#include <wx/gauge.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>
#include <wx/valtext.h>

#include <ctime>

namespace securedoc::ui {

namespace {

SecretString takeText(wxTextCtrl* field) {
  SecretString out(field->GetValue().utf8_string());
  field->Clear();
  return out;
}

}  // namespace

SecretDialog::SecretDialog(wxWindow* parent, Kind kind, const wxString& what)
    : wxDialog(parent, wxID_ANY, kind == Kind::Pin ? _("PIN") : _("Password")) {
  auto* top = new wxBoxSizer(wxVERTICAL);
  const wxString prompt = kind == Kind::Pin ? wxString::Format(_("Enter the PIN of %s:"), what)
                                            : wxString::Format(_("Enter the password for %s:"), what);
  auto* label = new wxStaticText(this, wxID_ANY, prompt);
  label->Wrap(FromDIP(420));
  top->Add(label, 0, wxALL, FromDIP(12));
  m_field = new wxTextCtrl(this, wxID_ANY, wxEmptyString, wxDefaultPosition, FromDIP(wxSize(320, -1)),
                           wxTE_PASSWORD | wxTE_PROCESS_ENTER);
  m_field->SetName("secret");
  SetName("secretDialog");
  top->Add(m_field, 0, wxLEFT | wxRIGHT | wxEXPAND, FromDIP(12));
  top->Add(CreateStdDialogButtonSizer(wxOK | wxCANCEL), 0, wxALL | wxEXPAND, FromDIP(12));
  m_field->Bind(wxEVT_TEXT_ENTER, [this](wxCommandEvent&) { EndModal(wxID_OK); });
  SetSizerAndFit(top);
  CentreOnParent();
  m_field->SetFocus();
}

SecretString SecretDialog::takeValue() { return takeText(m_field); }

OtpDialog::OtpDialog(wxWindow* parent, const wxString& what)
    : wxDialog(parent, wxID_ANY, _("One-time code")), m_timer(this) {
  auto* top = new wxBoxSizer(wxVERTICAL);
  auto* label = new wxStaticText(this, wxID_ANY,
                                 wxString::Format(_("Enter the 8-digit code your authenticator shows for %s:"), what));
  label->Wrap(FromDIP(420));
  top->Add(label, 0, wxALL, FromDIP(12));

  wxTextValidator digits(wxFILTER_DIGITS);
  m_field = new wxTextCtrl(this, wxID_ANY, wxEmptyString, wxDefaultPosition, wxDefaultSize, wxTE_PROCESS_ENTER, digits);
  m_field->SetName("otp");
  SetName("otpDialog");
  m_field->SetMaxLength(kDigits);
  wxFont big = m_field->GetFont();
  big.SetPointSize(big.GetPointSize() * 2);
  big.SetFamily(wxFONTFAMILY_TELETYPE);
  m_field->SetFont(big);
  m_field->SetInitialSize(m_field->GetSizeFromTextSize(m_field->GetTextExtent("00000000  ")));
  top->Add(m_field, 0, wxLEFT | wxRIGHT | wxALIGN_CENTER_HORIZONTAL, FromDIP(12));

  m_left = new wxStaticText(this, wxID_ANY, wxEmptyString);
  m_left->SetName("secondsLeft");
  top->Add(m_left, 0, wxLEFT | wxRIGHT | wxTOP, FromDIP(12));
  m_gauge = new wxGauge(this, wxID_ANY, kPeriod, wxDefaultPosition, FromDIP(wxSize(320, 8)));
  top->Add(m_gauge, 0, wxLEFT | wxRIGHT | wxEXPAND, FromDIP(12));

  auto* buttons = CreateStdDialogButtonSizer(wxOK | wxCANCEL);
  top->Add(buttons, 0, wxALL | wxEXPAND, FromDIP(12));
  m_ok = dynamic_cast<wxButton*>(FindWindow(wxID_OK));
  SetSizerAndFit(top);
  CentreOnParent();

  m_field->Bind(wxEVT_TEXT, [this](wxCommandEvent&) { refresh(); });
  m_field->Bind(wxEVT_TEXT_ENTER, [this](wxCommandEvent&) {
    if (m_field->GetValue().length() == static_cast<std::size_t>(kDigits)) EndModal(wxID_OK);
  });
  Bind(wxEVT_TIMER, [this](wxTimerEvent&) { refresh(); });
  m_timer.Start(500);
  refresh();
  m_field->SetFocus();
}

int OtpDialog::secondsLeft() { return kPeriod - static_cast<int>(std::time(nullptr) % kPeriod); }

void OtpDialog::refresh() {
  const int left = secondsLeft();
  m_left->SetLabel(
      wxString::Format(wxPLURAL("The code changes in %d second.", "The code changes in %d seconds.", left), left));
  m_gauge->SetValue(left);
  if (m_ok) m_ok->Enable(m_field->GetValue().length() == static_cast<std::size_t>(kDigits));
}

SecretString OtpDialog::takeValue() { return takeText(m_field); }

}  // namespace securedoc::ui
