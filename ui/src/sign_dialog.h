#pragma once
// Choosing how to sign: a certificate from a cryptographic device (PKCS#11
// tokens and the signed-in cloud account) or from a PKCS#12 file, the
// format and the level; for PDFs, a visible signature placed on a page
// (issue 16).
#include <securedoc/app/settings.h>
#include <securedoc/crypto/signer.h>

#include "preview_pane.h"

#include <wx/dialog.h>
#include <wx/timer.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class wxListView;
class wxNotebook;
class wxFilePickerCtrl;
class wxChoice;
class wxStaticText;
class wxButton;
class wxFileDirPickerEvent;
class wxCheckBox;
class wxSpinCtrl;
class wxTextCtrl;
class wxPanel;

namespace securedoc::ui {

/// What the dialog hands to the signing job.
struct SigningChoice {
  std::shared_ptr<Signer> signer;
  OfferedCertificate certificate;
  std::string format = "auto";  ///< "auto", "pades", "xades", "cades"
  SignatureLevel level = SignatureLevel::B_B;
  /// The visible signature for the PDFs of the batch; none when not asked for.
  std::optional<VisiblePlacement> visible;
};

class SignDialog final : public wxDialog {
 public:
  /// `cloud` is the signed-in cloud signer the main window keeps (may be
  /// null); `signIn` runs the window's cloud sign-in and returns the new
  /// signer (null when the person gave up).  `inputs` are the files to be
  /// signed: when one is a PDF the dialog offers a visible signature, placed
  /// on the first PDF's page, and says how it applies to the others.
  SignDialog(wxWindow* parent, const Settings& settings, Interaction& interaction, std::shared_ptr<Signer> cloud,
             std::function<std::shared_ptr<Signer>()> signIn, std::vector<std::filesystem::path> inputs);
  ~SignDialog() override;

  std::optional<SigningChoice> choice() const;
  /// The placement on screen whether the box is ticked or not (`enabled`
  /// says which), for remembering; nullopt without a box or a PDF.
  std::optional<VisiblePlacement> placementToRemember() const;

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

  // The visible signature (public for tests and keyboard users).
  /// Whether the batch holds a PDF, so that a visible signature is offered.
  bool offersVisible() const { return m_visibleBox != nullptr; }
  void setVisible(bool on);
  bool visible() const;
  /// The page: 1-based from the start, or with `fromEnd` 1 for the last page.
  void setPlacementPage(int page, bool fromEnd);
  /// The box in the page's user space (points, y up), clamped to the page
  /// and grown to the minimum size once the page is known.
  void setRectangle(const PageRect& r);
  std::optional<PageRect> rectangle() const { return m_rect; }
  void setSignatureImage(const wxString& path);
  void removeSignatureImage();
  /// The first PDF's chosen page is drawn, nothing pending.
  bool pageShown() const { return m_view && m_view->hasPage() && !m_pagePending; }
  PageView* pageView() { return m_view; }
  /// The mouse on the page (window pixels of pageView()): pressing inside
  /// the box and dragging moves it, on a corner resizes it, elsewhere draws
  /// a new one.  The view's mouse events call these.
  void pressAt(wxPoint p);
  void dragTo(wxPoint p);
  void releaseAt(wxPoint p);

  /// The smallest box the dialog draws (points): room for a name and a time.
  static constexpr double kMinWidth = 60, kMinHeight = 20;

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
  void makeVisibleSection(wxWindow* parent, wxSizer* column);
  void updateVisibleControls();
  /// Loads the chosen person's remembered placement when the person changed.
  void applyRemembered();
  void requestPage();
  void clampRectangle();
  void showRectangle();
  void updateBatchText();
  bool validateVisible();
  std::optional<VisiblePlacement> placement() const;
  enum class Drag { None, Draw, Move };
  struct Rendered;  // a page drawn on a background thread (sign_dialog.cpp)
  void showRendered(std::uint64_t generation, Rendered r);

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

  std::vector<std::filesystem::path> m_inputs;
  std::vector<std::filesystem::path> m_pdfs;  ///< the PDFs among m_inputs
  wxCheckBox* m_visibleBox = nullptr;
  wxPanel* m_visiblePanel = nullptr;
  wxChoice* m_pageChoice = nullptr;  ///< first page, last page, page N
  wxSpinCtrl* m_pageNumber = nullptr;
  PageView* m_view = nullptr;
  wxTextCtrl* m_reason = nullptr;
  wxTextCtrl* m_location = nullptr;
  wxFilePickerCtrl* m_image = nullptr;
  wxButton* m_removeImage = nullptr;
  wxStaticText* m_pageText = nullptr;   ///< which file and page the preview shows
  wxStaticText* m_batchText = nullptr;  ///< how the placement applies to the batch
  std::optional<PageRect> m_rect;       ///< user space of the drawn page
  int m_firstPdfPages = 0;              ///< 0 until known
  int m_shownIndex = -1;                ///< 0-based page the view shows
  std::string m_person;                 ///< personKey of the chosen certificate
  std::string m_loadedFrom;             ///< whose remembered placement is on screen
  Drag m_drag = Drag::None;
  PagePoint m_anchor;  ///< Draw: the fixed corner; Move: the press point's offset in the box
  wxPoint m_pressPixel;
  std::optional<PageRect> m_rectAtPress;
  std::uint64_t m_generation = 0;  ///< page requests: only the latest is shown
  bool m_pagePending = false;
  /// GUI thread only: false once the dialog is gone, so late pages are dropped.
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
  wxTimer m_resize;     ///< redraw the page once resizing has paused
  int m_wrapWidth = 0;  ///< the width the section's texts were wrapped to
};

}  // namespace securedoc::ui
