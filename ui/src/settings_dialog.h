#pragma once
// Settings: language, output folder, time-stamp service, trust anchors,
// cloud service, default level.
#include <securedoc/app/settings.h>

#include <wx/dialog.h>

class wxChoice;
class wxCheckBox;
class wxTextCtrl;
class wxDirPickerCtrl;
class wxFilePickerCtrl;
class wxListBox;

namespace securedoc::ui {

class SettingsDialog final : public wxDialog {
 public:
  SettingsDialog(wxWindow* parent, const Settings& current);
  /// What the person entered (valid once ShowModal returned wxID_OK).
  Settings settings() const;

 private:
  bool TransferDataFromWindow() override;
  /// A list of certificate files with Add… and Remove (several roots may be
  /// trusted at once).
  wxListBox* pathList(wxWindow* parent, wxSizer* into, const std::vector<std::filesystem::path>& paths,
                      const wxString& name);
  Settings m_base;
  wxChoice* m_language = nullptr;
  wxCheckBox* m_besideOriginal = nullptr;
  wxDirPickerCtrl* m_outputDir = nullptr;
  wxTextCtrl* m_tsaUrl = nullptr;
  wxListBox* m_tsaAnchors = nullptr;
  wxListBox* m_trustAnchors = nullptr;
  wxTextCtrl* m_cloudUrl = nullptr;
  wxFilePickerCtrl* m_cloudCa = nullptr;
  wxTextCtrl* m_cloudLogin = nullptr;
  wxCheckBox* m_remember = nullptr;
  wxChoice* m_level = nullptr;
};

}  // namespace securedoc::ui
