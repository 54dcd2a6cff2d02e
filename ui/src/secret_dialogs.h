#pragma once
// The dialogs that ask for a secret: a password or PIN, and the 8-digit
// one-time code with the seconds left in its 30-s period.
#include <securedoc/base/secret.h>

#include <wx/dialog.h>
#include <wx/timer.h>

#include <string>

class wxTextCtrl;
class wxStaticText;
class wxGauge;
class wxButton;

namespace securedoc::ui {

/// A password or PIN (hidden as typed).
class SecretDialog final : public wxDialog {
 public:
  enum class Kind { Password, Pin };
  SecretDialog(wxWindow* parent, Kind kind, const wxString& what);
  /// The text typed; the control is cleared.
  SecretString takeValue();
  wxTextCtrl* field() const { return m_field; }

 private:
  wxTextCtrl* m_field = nullptr;
};

/// The one-time code from the authenticator: 8 digits, OK only when all are
/// typed, and a countdown of the current code's seconds.
class OtpDialog final : public wxDialog {
 public:
  static constexpr int kDigits = 8;
  static constexpr int kPeriod = 30;
  OtpDialog(wxWindow* parent, const wxString& what);
  SecretString takeValue();
  wxTextCtrl* field() const { return m_field; }
  /// Seconds the code shown now by the authenticator stays valid.
  static int secondsLeft();

 private:
  void refresh();
  wxTextCtrl* m_field = nullptr;
  wxStaticText* m_left = nullptr;
  wxGauge* m_gauge = nullptr;
  wxButton* m_ok = nullptr;
  wxTimer m_timer;
};

}  // namespace securedoc::ui
