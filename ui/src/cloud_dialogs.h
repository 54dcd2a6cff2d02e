#pragma once
// The cloud account: signing in (login, password, remember session) and the
// account's certificate with the session's time left and Sign out.
#include <securedoc/crypto/signer.h>

#include <wx/dialog.h>
#include <wx/timer.h>

#include <functional>
#include <string>
#include <vector>

class wxCheckBox;
class wxStaticText;
class wxTextCtrl;

namespace securedoc::ui {

class CloudSignInDialog final : public wxDialog {
 public:
  CloudSignInDialog(wxWindow* parent, const wxString& service, const wxString& login, bool remember);
  std::string login() const;
  /// The password typed; the field is cleared.
  SecretString takePassword();
  bool remember() const;

 private:
  wxTextCtrl* m_login = nullptr;
  wxTextCtrl* m_password = nullptr;
  wxCheckBox* m_remember = nullptr;
};

/// The signed-in account: its certificates and the session's time left.
/// Ends with wxID_CLOSE, or kSignOut when the person signs out.
class CloudAccountDialog final : public wxDialog {
 public:
  static constexpr int kSignOut = wxID_HIGHEST + 100;
  CloudAccountDialog(wxWindow* parent, const wxString& account, const std::vector<OfferedCertificate>& certificates,
                     std::function<long()> secondsLeft);

 private:
  void refresh();
  std::function<long()> m_secondsLeft;
  wxStaticText* m_session = nullptr;
  wxTimer m_timer;
};

/// "2:05" for 125 seconds.
wxString minutesAndSeconds(long seconds);

}  // namespace securedoc::ui
