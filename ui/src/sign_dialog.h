#pragma once
// Choosing how to sign: a certificate from a cryptographic device (PKCS#11
// tokens and the signed-in cloud account) or from a PKCS#12 file, the
// format and the level.
#include <securedoc/app/settings.h>
#include <securedoc/crypto/signer.h>

#include <wx/dialog.h>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class wxListView;
class wxNotebook;
class wxFilePickerCtrl;
class wxChoice;
class wxStaticText;
class wxButton;
class wxFileDirPickerEvent;

namespace securedoc::ui {

/// What the dialog hands to the signing job.
struct SigningChoice {
  std::shared_ptr<Signer> signer;
  OfferedCertificate certificate;
  std::string format = "auto";  ///< "auto", "pades", "xades", "cades"
  SignatureLevel level = SignatureLevel::B_B;
};

class SignDialog final : public wxDialog {
 public:
  /// `cloud` is the signed-in cloud signer the main window keeps (may be
  /// null); `signIn` runs the window's cloud sign-in and returns the new
  /// signer (null when the person gave up).
  SignDialog(wxWindow* parent, const Settings& settings, Interaction& interaction, std::shared_ptr<Signer> cloud,
             std::function<std::shared_ptr<Signer>()> signIn);

  std::optional<SigningChoice> choice() const;
  std::shared_ptr<Signer> cloudSigner() const { return m_cloud; }

  /// For tests and keyboard users: the file tab with this PKCS#12 file
  /// opened (its password is asked through the Interaction).
  bool openCertificateFile(const wxString& path);
  /// Selects the row of the device tab whose certificate's common name is
  /// `name`; false if none.
  bool selectDeviceCertificate(const wxString& name);
  void setFormat(const std::string& id);
  void setLevel(SignatureLevel level);
  /// Signs in to the cloud account (the window's sign-in dialog) and lists
  /// its certificates.
  bool signInToCloud();

 private:
  struct Row {
    std::shared_ptr<Signer> signer;
    OfferedCertificate certificate;
  };
  wxWindow* makeDevicePage(wxNotebook* book);
  wxWindow* makeFilePage(wxNotebook* book);
  void loadTokens();
  void fill(wxListView* list, const std::vector<Row>& rows);
  void showDetails(const std::vector<Row>& rows, wxListView* list);
  const Row* current() const;
  void updateButtons();

  const Settings& m_settings;
  Interaction& m_interaction;
  std::shared_ptr<Signer> m_cloud;
  std::function<std::shared_ptr<Signer>()> m_signIn;
  std::vector<Row> m_deviceRows;
  std::vector<Row> m_fileRows;
  wxNotebook* m_book = nullptr;
  wxListView* m_deviceList = nullptr;
  wxListView* m_fileList = nullptr;
  wxStaticText* m_deviceNote = nullptr;
  wxStaticText* m_fileNote = nullptr;
  wxButton* m_cloudButton = nullptr;
  wxFilePickerCtrl* m_filePicker = nullptr;
  wxChoice* m_format = nullptr;
  wxChoice* m_level = nullptr;
  wxButton* m_ok = nullptr;
};

}  // namespace securedoc::ui
