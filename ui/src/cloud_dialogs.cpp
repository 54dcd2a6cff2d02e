#include "cloud_dialogs.h"

#include <securedoc/i18n.h>

#include <wx/button.h>
#include <wx/checkbox.h>
#include <wx/sizer.h>
#include <wx/statbox.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

namespace securedoc::ui {

wxString minutesAndSeconds(long seconds) { return wxString::Format("%ld:%02ld", seconds / 60, seconds % 60); }

CloudSignInDialog::CloudSignInDialog(wxWindow* parent, const wxString& service, const wxString& login, bool remember)
    : wxDialog(parent, wxID_ANY, _("Sign in to the cloud")) {
  SetName("cloudSignInDialog");
  auto* top = new wxBoxSizer(wxVERTICAL);
  const int gap = FromDIP(8);
  auto* intro = new wxStaticText(this, wxID_ANY, wxString::Format(_("Cloud signing service: %s"), service));
  intro->Wrap(FromDIP(440));
  top->Add(intro, 0, wxALL, FromDIP(12));
  auto* grid = new wxFlexGridSizer(2, gap, gap);
  grid->AddGrowableCol(1);
  grid->Add(new wxStaticText(this, wxID_ANY, _("Login:")), 0, wxALIGN_CENTER_VERTICAL);
  m_login = new wxTextCtrl(this, wxID_ANY, login, wxDefaultPosition, FromDIP(wxSize(260, -1)));
  m_login->SetName("login");
  grid->Add(m_login, 1, wxEXPAND);
  grid->Add(new wxStaticText(this, wxID_ANY, _("Password:")), 0, wxALIGN_CENTER_VERTICAL);
  m_password = new wxTextCtrl(this, wxID_ANY, wxEmptyString, wxDefaultPosition, wxDefaultSize,
                              wxTE_PASSWORD | wxTE_PROCESS_ENTER);
  m_password->SetName("password");
  grid->Add(m_password, 1, wxEXPAND);
  grid->AddSpacer(0);
  m_remember = new wxCheckBox(this, wxID_ANY, _("Remember session (one code for all batches until it ends)"));
  m_remember->SetName("remember");
  m_remember->SetValue(remember);
  grid->Add(m_remember, 1, wxEXPAND);
  top->Add(grid, 0, wxLEFT | wxRIGHT | wxEXPAND, FromDIP(12));
  auto* buttons = new wxStdDialogButtonSizer();
  auto* ok = new wxButton(this, wxID_OK, _("Sign in"));
  ok->SetDefault();
  buttons->AddButton(ok);
  buttons->AddButton(new wxButton(this, wxID_CANCEL));
  buttons->Realize();
  top->Add(buttons, 0, wxALL | wxEXPAND, FromDIP(12));
  SetSizerAndFit(top);
  CentreOnParent();
  const auto update = [this, ok] { ok->Enable(!m_login->IsEmpty() && !m_password->IsEmpty()); };
  m_login->Bind(wxEVT_TEXT, [update](wxCommandEvent&) { update(); });
  m_password->Bind(wxEVT_TEXT, [update](wxCommandEvent&) { update(); });
  m_password->Bind(wxEVT_TEXT_ENTER, [this](wxCommandEvent&) {
    if (!m_login->IsEmpty() && !m_password->IsEmpty()) EndModal(wxID_OK);
  });
  update();
  (login.empty() ? m_login : m_password)->SetFocus();
}

std::string CloudSignInDialog::login() const { return m_login->GetValue().Strip(wxString::both).utf8_string(); }

SecretString CloudSignInDialog::takePassword() {
  SecretString out(m_password->GetValue().utf8_string());
  m_password->Clear();
  return out;
}

bool CloudSignInDialog::remember() const { return m_remember->GetValue(); }

CloudAccountDialog::CloudAccountDialog(wxWindow* parent, const wxString& account,
                                       const std::vector<OfferedCertificate>& certificates,
                                       std::function<long()> secondsLeft)
    : wxDialog(parent, wxID_ANY, _("Cloud account"), wxDefaultPosition, wxDefaultSize,
               wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER),
      m_secondsLeft(std::move(secondsLeft)),
      m_timer(this) {
  SetName("cloudAccountDialog");
  auto* top = new wxBoxSizer(wxVERTICAL);
  const int gap = FromDIP(6);
  auto* who = new wxStaticText(this, wxID_ANY, wxString::Format(_("Signed in as %s"), account));
  who->SetFont(who->GetFont().Bold());
  top->Add(who, 0, wxALL, FromDIP(12));
  m_session = new wxStaticText(this, wxID_ANY, wxEmptyString);
  m_session->SetName("sessionLeft");
  top->Add(m_session, 0, wxLEFT | wxRIGHT, FromDIP(12));

  for (const auto& oc : certificates) {
    const Certificate& c = oc.certificate;
    auto* box = new wxStaticBoxSizer(wxVERTICAL, this, _("Certificate"));
    auto* grid = new wxFlexGridSizer(2, gap, gap * 2);
    grid->AddGrowableCol(1);
    const auto row = [&](const wxString& label, const std::string& value, const std::string& hover = {}) {
      if (value.empty()) return;
      grid->Add(new wxStaticText(box->GetStaticBox(), wxID_ANY, label));
      auto* v = new wxStaticText(box->GetStaticBox(), wxID_ANY, wxString::FromUTF8(value), wxDefaultPosition,
                                 wxDefaultSize, wxST_NO_AUTORESIZE);
      v->SetLabelText(wxString::FromUTF8(value));  // no & mnemonics from the certificate
      if (!hover.empty()) v->SetToolTip(wxString::FromUTF8(hover));
      grid->Add(v, 1, wxEXPAND);
    };
    row(_("Name:"), c.commonName());
    row(_("National ID:"), c.subjectField("serialNumber"));
    row(_("Country:"), c.subjectField("C"));
    row(_("Organisation:"), c.subjectField("O"));
    row(_("Serial number:"), c.serialHex());
    // Local time in the language's words, to the second; UTC on hover.
    row(_("Valid from:"), readableTime(c.notBefore()), utcTime(c.notBefore()));
    row(_("Valid until:"), readableTime(c.notAfter()), utcTime(c.notAfter()));
    row(_("Issuer:"), oc.chain.empty() ? c.issuer() : oc.chain.front().commonName());
    box->Add(grid, 1, wxALL | wxEXPAND, gap);
    top->Add(box, 0, wxALL | wxEXPAND, FromDIP(12));
  }

  auto* buttons = new wxBoxSizer(wxHORIZONTAL);
  auto* signOut = new wxButton(this, kSignOut, _("Sign out"));
  signOut->SetName("signOut");
  buttons->Add(signOut, 0);
  buttons->AddStretchSpacer();
  buttons->Add(new wxButton(this, wxID_CLOSE), 0);
  top->Add(buttons, 0, wxALL | wxEXPAND, FromDIP(12));
  SetSizerAndFit(top);
  SetEscapeId(wxID_CLOSE);
  CentreOnParent();
  signOut->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { EndModal(kSignOut); });
  Bind(
      wxEVT_BUTTON, [this](wxCommandEvent&) { EndModal(wxID_CLOSE); }, wxID_CLOSE);
  Bind(wxEVT_TIMER, [this](wxTimerEvent&) { refresh(); });
  m_timer.Start(1000);
  refresh();
}

void CloudAccountDialog::refresh() {
  const long left = m_secondsLeft ? m_secondsLeft() : 0;
  m_session->SetLabel(left > 0 ? wxString::Format(_("The session ends in %s (min:s)."), minutesAndSeconds(left))
                               : _("The session has ended; signing will ask for the password again."));
}

}  // namespace securedoc::ui
