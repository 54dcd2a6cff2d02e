#pragma once
// The verification report window (issue 7).
#include <securedoc/formats/report.h>

#include <wx/dialog.h>

class wxWindow;
class wxSizer;

namespace securedoc::ui {

/// Shows `report`: a header coloured by the overall result (with an icon and
/// words, never colour alone), then each signature (one notebook page each
/// when there are several) with a collapsible "Details" part; Export as
/// JSON / HTML; Close (Escape closes too).  Resizable.
class ReportDialog final : public wxDialog {
 public:
  ReportDialog(wxWindow* parent, const VerificationReport& report);

  /// Writes reportToHtml (`html`) or reportToJson to `path`, replacing an
  /// existing file through a temporary one in the same folder.  No dialog:
  /// the Export buttons call it after asking for the path; tests call it
  /// directly.  Throws Error(Io) with the reason when it cannot write.
  void exportTo(const wxString& path, bool html);

 private:
  wxWindow* makeHeader(wxWindow* parent);
  wxWindow* makeSignaturePage(wxWindow* parent, const SignatureReport& sig);
  wxSizer* makeButtons();
  void onExport(bool html);

  VerificationReport m_report;
};

}  // namespace securedoc::ui
