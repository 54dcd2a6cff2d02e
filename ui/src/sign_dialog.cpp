#include "sign_dialog.h"

#include <securedoc/app/report_render.h>
#include <securedoc/app/signing.h>
#include <securedoc/base/error.h>
#include <securedoc/formats/format.h>
#include <securedoc/formats/pades.h>
#include <securedoc/formats/pdf_render.h>
#include <securedoc/i18n.h>

#include "background.h"

#include <wx/app.h>
#include <wx/button.h>
#include <wx/checkbox.h>
#include <wx/choice.h>
#include <wx/filepicker.h>
#include <wx/listctrl.h>
#include <wx/msgdlg.h>
#include <wx/notebook.h>
#include <wx/sizer.h>
#include <wx/spinctrl.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>
#include <wx/utils.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace securedoc::ui {

namespace {

// Local time in the language's words (issue 16); certificates expire to the second.
wxString dateText(std::time_t t) { return wxString::FromUTF8(readableTime(t)); }

const char* const kFormats[] = {"auto", "pades", "xades", "cades"};

enum PageChoice { kFirstPage, kLastPage, kPageNumber };

/// Where a new box goes when the person has none: the bottom-right corner,
/// where signatures usually are, 200 x 60 points, 36 points (half an inch)
/// from the edges.
PageRect defaultRectangle(const PdfPageBox& box) {
  const double w = std::min(200.0, box.width), h = std::min(60.0, box.height);
  const double x = box.x0 + std::max(0.0, box.width - 36 - w), y = box.y0 + std::min(36.0, box.height - h);
  return PageRect{x, y, x + w, y + h};
}

PageRect normalised(const PageRect& r) {
  return PageRect{std::min(r.x1, r.x2), std::min(r.y1, r.y2), std::max(r.x1, r.x2), std::max(r.y1, r.y2)};
}

/// How long resizing must pause before the page is drawn again.
constexpr int kResizeDelayMs = 150;

}  // namespace

struct SignDialog::Rendered {
  int pages = 0;
  int index = 0;
  PdfPageBox box;
  double scale = 1.0;
  PageImage image;
  std::string error;  ///< why the page cannot be drawn (translated by the library)
};

SignDialog::SignDialog(wxWindow* parent, const Settings& settings, Interaction& interaction,
                       std::shared_ptr<Signer> cloud, std::function<std::shared_ptr<Signer>()> signIn,
                       std::vector<std::filesystem::path> inputs)
    : wxDialog(parent, wxID_ANY, _("Sign files"), wxDefaultPosition, wxDefaultSize,
               wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER),
      m_settings(settings),
      m_interaction(interaction),
      m_cloud(std::move(cloud)),
      m_signIn(std::move(signIn)),
      m_inputs(std::move(inputs)),
      m_resize(this) {
  SetName("signDialog");
  // PDFs by content, as the signing service chooses PAdES for them.
  for (const auto& path : m_inputs) {
    try {
      if (ContentSniff::of(path).mediaType() == "application/pdf") m_pdfs.push_back(path);
    } catch (const Error&) {
      // Unreadable now: the signing job reports it for that file.
    }
  }
  auto* top = new wxBoxSizer(wxVERTICAL);
  auto* columns = new wxBoxSizer(wxHORIZONTAL);
  auto* left = new wxBoxSizer(wxVERTICAL);
  columns->Add(left, 3, wxEXPAND);
  top->Add(columns, 1, wxEXPAND);
  left->Add(new wxStaticText(this, wxID_ANY, _("Choose the certificate to sign with:")), 0, wxALL, FromDIP(10));
  m_book = new wxNotebook(this, wxID_ANY);
  m_book->AddPage(makeDevicePage(m_book), _("Cryptographic device"), true);
  m_book->AddPage(makeFilePage(m_book), _("Certificate file"));
  left->Add(m_book, 1, wxLEFT | wxRIGHT | wxEXPAND, FromDIP(10));

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
  m_level->Append(_("B-LT: long-term, with the certificates' revocation data"));
  m_level->Append(_("B-LTA: long-term with an archive time-stamp, renewable"));
  setLevel(defaultLevel(m_settings));
  grid->Add(m_level, 1, wxEXPAND);
  grid->AddGrowableCol(1);
  left->Add(grid, 0, wxALL | wxEXPAND, FromDIP(10));
  if (!m_pdfs.empty()) {
    auto* right = new wxBoxSizer(wxVERTICAL);
    columns->Add(right, 2, wxEXPAND | wxRIGHT, FromDIP(10));
    makeVisibleSection(this, right);
  }

  auto* buttons = new wxStdDialogButtonSizer();
  m_ok = new wxButton(this, wxID_OK, _("Sign"));
  m_ok->SetDefault();
  buttons->AddButton(m_ok);
  buttons->AddButton(new wxButton(this, wxID_CANCEL));
  buttons->Realize();
  top->Add(buttons, 0, wxALL | wxEXPAND, FromDIP(10));
  SetSizer(top);
  // The placement needs room for a page a person can point at.
  SetSize(FromDIP(m_pdfs.empty() ? wxSize(760, 520) : wxSize(1200, 720)));
  SetMinSize(FromDIP(m_pdfs.empty() ? wxSize(560, 400) : wxSize(940, 600)));
  CentreOnParent();

  m_book->Bind(wxEVT_NOTEBOOK_PAGE_CHANGED, [this](wxBookCtrlEvent& e) {
    e.Skip();
    updateButtons();
  });
  Bind(
      wxEVT_BUTTON,
      [this](wxCommandEvent& e) {
        if (m_level->GetSelection() >= 1 && m_settings.tsaUrl.empty()) {
          wxMessageBox(_("Levels B-T, B-LT and B-LTA need a time-stamp service. Set its address in Settings, or "
                         "choose B-B."),
                       _("Sign files"), wxOK | wxICON_WARNING, this);
          return;
        }
        if (!validateVisible()) return;
        e.Skip();
      },
      wxID_OK);
  loadTokens();
  updateButtons();
  if (m_visibleBox) {
    updateVisibleControls();
    // The page is drawn for the view's real size, known once it is laid out.
    CallAfter([this] { requestPage(); });
  }
}

SignDialog::~SignDialog() { *m_alive = false; }

void SignDialog::makeVisibleSection(wxWindow* parent, wxSizer* column) {
  m_visibleBox = new wxCheckBox(parent, wxID_ANY, _("&Visible signature"));
  m_visibleBox->SetName("visibleSignature");
  m_visibleBox->SetToolTip(
      _("Shows your name, the signing time and, if you wish, a reason, a location and an image "
        "on a page of each PDF."));
  column->Add(m_visibleBox, 0, wxTOP | wxBOTTOM, FromDIP(10));
  m_visiblePanel = new wxPanel(parent, wxID_ANY);
  auto* p = m_visiblePanel;
  auto* s = new wxBoxSizer(wxVERTICAL);

  auto* pageRow = new wxBoxSizer(wxHORIZONTAL);
  pageRow->Add(new wxStaticText(p, wxID_ANY, _("&Page:")), 0, wxALIGN_CENTER_VERTICAL | wxRIGHT, FromDIP(6));
  m_pageChoice = new wxChoice(p, wxID_ANY);
  m_pageChoice->SetName("visiblePage");
  m_pageChoice->Append(_("First page"));
  m_pageChoice->Append(_("Last page"));
  m_pageChoice->Append(_("Page number:"));
  m_pageChoice->SetSelection(kLastPage);
  pageRow->Add(m_pageChoice, 0, wxALIGN_CENTER_VERTICAL | wxRIGHT, FromDIP(6));
  m_pageNumber = new wxSpinCtrl(p, wxID_ANY, "1", wxDefaultPosition, wxDefaultSize, wxSP_ARROW_KEYS, 1, 9999, 1);
  m_pageNumber->SetName("visiblePageNumber");
  pageRow->Add(m_pageNumber, 0, wxALIGN_CENTER_VERTICAL);
  s->Add(pageRow, 0, wxBOTTOM | wxEXPAND, FromDIP(6));

  m_pageText = new wxStaticText(p, wxID_ANY, wxEmptyString, wxDefaultPosition, wxDefaultSize, wxST_ELLIPSIZE_MIDDLE);
  m_pageText->SetName("visiblePageText");
  s->Add(m_pageText, 0, wxBOTTOM | wxEXPAND, FromDIP(4));
  m_view = new PageView(p);
  m_view->SetName("visiblePageView");
  m_view->SetMinSize(FromDIP(wxSize(300, 260)));
  // Blue as the frame, light enough that the page's words stay readable.
  m_view->setOverlayFill(wxColour(0x1A, 0x5F, 0xD0, 0x48));
  m_view->setMessage(_("Drawing the page…"));
  s->Add(m_view, 1, wxEXPAND | wxBOTTOM, FromDIP(4));
  const wxString hintText =
      _("Drag on the page to draw where the signature goes; drag the box to move it, a corner to resize it.");
  auto* hint = new wxStaticText(p, wxID_ANY, hintText);
  s->Add(hint, 0, wxBOTTOM, FromDIP(8));

  auto* grid = new wxFlexGridSizer(2, FromDIP(6), FromDIP(8));
  grid->Add(new wxStaticText(p, wxID_ANY, _("&Reason:")), 0, wxALIGN_CENTER_VERTICAL);
  m_reason = new wxTextCtrl(p, wxID_ANY);
  m_reason->SetName("reason");
  m_reason->SetHint(_("optional, e.g. I approve this document"));
  grid->Add(m_reason, 1, wxEXPAND);
  grid->Add(new wxStaticText(p, wxID_ANY, _("L&ocation:")), 0, wxALIGN_CENTER_VERTICAL);
  m_location = new wxTextCtrl(p, wxID_ANY);
  m_location->SetName("location");
  m_location->SetHint(_("optional, e.g. Warsaw"));
  grid->Add(m_location, 1, wxEXPAND);
  grid->Add(new wxStaticText(p, wxID_ANY, _("&Image:")), 0, wxALIGN_CENTER_VERTICAL);
  m_image =
      new wxFilePickerCtrl(p, wxID_ANY, wxEmptyString, _("Choose an image for the signature"),
                           _("PNG and JPEG images (*.png;*.jpg;*.jpeg)|*.png;*.jpg;*.jpeg;*.PNG;*.JPG;*.JPEG"),
                           wxDefaultPosition, wxDefaultSize, wxFLP_OPEN | wxFLP_FILE_MUST_EXIST | wxFLP_USE_TEXTCTRL);
  m_image->SetName("signatureImage");
  m_image->SetToolTip(
      _("Optional: a handwritten signature or a logo (PNG or JPEG), drawn at the left of the box, "
        "scaled to fit."));
  grid->Add(m_image, 1, wxEXPAND);
  // Under the picker, so that the picker's field is wide enough to show the file's name.
  grid->AddSpacer(0);
  m_removeImage = new wxButton(p, wxID_ANY, _("R&emove image"));
  m_removeImage->SetName("removeImage");
  grid->Add(m_removeImage, 0, wxALIGN_RIGHT);
  grid->AddGrowableCol(1);
  s->Add(grid, 0, wxEXPAND | wxBOTTOM, FromDIP(8));

  m_batchText = new wxStaticText(p, wxID_ANY, wxEmptyString);
  m_batchText->SetName("visibleBatchText");
  s->Add(m_batchText, 0, wxEXPAND);
  p->SetSizer(s);
  column->Add(p, 1, wxEXPAND);

  // The texts are wrapped to the column's width as it is, not a guess:
  // Polish runs longer than English.
  m_visiblePanel->Bind(wxEVT_SIZE, [this, hint, hintText](wxSizeEvent& e) {
    e.Skip();
    const int width = e.GetSize().GetWidth();
    if (width <= 0 || width == m_wrapWidth) return;
    m_wrapWidth = width;
    hint->SetLabel(hintText);
    hint->Wrap(width);
    CallAfter([this] { updateBatchText(); });
  });
  m_visibleBox->Bind(wxEVT_CHECKBOX, [this](wxCommandEvent&) { updateVisibleControls(); });
  m_pageChoice->Bind(wxEVT_CHOICE, [this](wxCommandEvent&) {
    updateVisibleControls();
    requestPage();
  });
  m_pageNumber->Bind(wxEVT_SPINCTRL, [this](wxSpinEvent&) {
    updateBatchText();
    requestPage();
  });
  m_reason->Bind(wxEVT_TEXT, [this](wxCommandEvent& e) {
    e.Skip();
    showRectangle();
  });
  m_location->Bind(wxEVT_TEXT, [this](wxCommandEvent& e) {
    e.Skip();
    showRectangle();
  });
  m_image->Bind(wxEVT_FILEPICKER_CHANGED, [this](wxFileDirPickerEvent&) { updateVisibleControls(); });
  m_image->Bind(wxEVT_TEXT, [this](wxCommandEvent& e) {
    e.Skip();
    if (m_removeImage) m_removeImage->Enable(m_visibleBox->GetValue() && !m_image->GetPath().empty());
  });
  m_removeImage->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { removeSignatureImage(); });

  m_view->Bind(wxEVT_LEFT_DOWN, [this](wxMouseEvent& e) {
    e.Skip();  // the view takes the focus
    pressAt(e.GetPosition());
    if (m_drag != Drag::None && !m_view->HasCapture()) m_view->CaptureMouse();
  });
  m_view->Bind(wxEVT_MOTION, [this](wxMouseEvent& e) {
    if (m_drag != Drag::None && e.LeftIsDown()) {
      dragTo(e.GetPosition());
      return;
    }
    // The cursor says what pressing here does.
    wxStockCursor cursor = wxCURSOR_CROSS;
    if (m_rect && m_visibleBox->GetValue() && m_view->hasPage()) {
      const wxRect r = m_view->toWindow(*m_rect);
      const int grip = FromDIP(6);
      const wxPoint at = e.GetPosition();
      const bool nearX = std::abs(at.x - r.GetLeft()) <= grip || std::abs(at.x - r.GetRight()) <= grip;
      const bool nearY = std::abs(at.y - r.GetTop()) <= grip || std::abs(at.y - r.GetBottom()) <= grip;
      if (nearX && nearY)
        cursor = wxCURSOR_SIZING;
      else if (r.Contains(at))
        cursor = wxCURSOR_HAND;
    }
    m_view->SetCursor(m_visibleBox->GetValue() ? wxCursor(cursor) : wxNullCursor);
  });
  m_view->Bind(wxEVT_LEFT_UP, [this](wxMouseEvent& e) {
    if (m_view->HasCapture()) m_view->ReleaseMouse();
    releaseAt(e.GetPosition());
  });
  m_view->Bind(wxEVT_MOUSE_CAPTURE_LOST, [this](wxMouseCaptureLostEvent&) { m_drag = Drag::None; });
  m_view->Bind(wxEVT_SIZE, [this](wxSizeEvent& e) {
    e.Skip();
    m_resize.StartOnce(kResizeDelayMs);
  });
  Bind(
      wxEVT_TIMER, [this](wxTimerEvent&) { requestPage(); }, m_resize.GetId());
}

void SignDialog::updateVisibleControls() {
  if (!m_visibleBox) return;
  const bool on = m_visibleBox->GetValue();
  for (wxWindow* w : m_visiblePanel->GetChildren())
    if (w != m_view) w->Enable(on);
  m_pageNumber->Enable(on && m_pageChoice->GetSelection() == kPageNumber);
  m_removeImage->Enable(on && !m_image->GetPath().empty());
  showRectangle();
  updateBatchText();
}

void SignDialog::setVisible(bool on) {
  if (!m_visibleBox) return;
  m_visibleBox->SetValue(on);
  updateVisibleControls();
}

bool SignDialog::visible() const { return m_visibleBox && m_visibleBox->GetValue(); }

void SignDialog::setPlacementPage(int page, bool fromEnd) {
  if (!m_pageChoice) return;
  // The dialog offers the last page from the end; a box remembered further
  // from the end (the command line's choice) also goes on the last page.
  if (fromEnd) {
    m_pageChoice->SetSelection(kLastPage);
  } else if (page <= 1) {
    m_pageChoice->SetSelection(kFirstPage);
  } else {
    m_pageChoice->SetSelection(kPageNumber);
    if (page > m_pageNumber->GetMax()) m_pageNumber->SetRange(1, page);
    m_pageNumber->SetValue(page);
  }
  updateVisibleControls();
  requestPage();
}

void SignDialog::setRectangle(const PageRect& r) {
  m_rect = normalised(r);
  clampRectangle();
  showRectangle();
}

void SignDialog::setSignatureImage(const wxString& path) {
  if (!m_image) return;
  m_image->SetPath(path);
  // The end of the path, the file's name, is what tells a person which one.
  if (m_image->GetTextCtrl()) m_image->GetTextCtrl()->SetInsertionPointEnd();
  updateVisibleControls();
}

void SignDialog::removeSignatureImage() {
  if (!m_image) return;
  m_image->SetPath(wxEmptyString);
  updateVisibleControls();
}

void SignDialog::clampRectangle() {
  if (!m_rect || !m_view || !m_view->hasPage()) return;
  const PdfPageBox& b = m_view->box();
  PageRect r = normalised(*m_rect);
  double w = std::clamp(r.x2 - r.x1, std::min(kMinWidth, b.width), b.width);
  double h = std::clamp(r.y2 - r.y1, std::min(kMinHeight, b.height), b.height);
  const double x = std::clamp(r.x1, b.x0, b.x0 + b.width - w), y = std::clamp(r.y1, b.y0, b.y0 + b.height - h);
  m_rect = PageRect{x, y, x + w, y + h};
}

void SignDialog::showRectangle() {
  if (!m_view) return;
  // A sketch of what the box shows; the module draws the real one.
  wxString label;
  if (const Row* r = current()) label = wxString::FromUTF8(r->certificate.certificate.commonName());
  if (label.empty()) label = _("Your name");
  label += "\n" + _("Signing time");
  if (!m_reason->GetValue().empty()) label += "\n" + m_reason->GetValue();
  if (!m_location->GetValue().empty()) label += "\n" + m_location->GetValue();
  m_view->setOverlayLabel(label);
  m_view->setOverlay(m_visibleBox->GetValue() && m_view->hasPage() ? m_rect : std::nullopt);
}

void SignDialog::pressAt(wxPoint p) {
  m_drag = Drag::None;
  if (!visible() || !m_view->hasPage()) return;
  const PagePoint q = m_view->fromWindow(wxPoint2DDouble(p.x, p.y));
  m_pressPixel = p;
  m_rectAtPress = m_rect;
  if (m_rect) {
    const wxRect r = m_view->toWindow(*m_rect);
    const int grip = FromDIP(6);
    const PageRect n = normalised(*m_rect);
    const bool nearLeft = std::abs(p.x - r.GetLeft()) <= grip, nearRight = std::abs(p.x - r.GetRight()) <= grip;
    const bool nearTop = std::abs(p.y - r.GetTop()) <= grip, nearBottom = std::abs(p.y - r.GetBottom()) <= grip;
    if ((nearLeft || nearRight) && (nearTop || nearBottom)) {
      // A corner: the opposite corner stays, as when drawing a new box.
      const PagePoint opposite = m_view->fromWindow(
          wxPoint2DDouble(nearLeft ? r.GetRight() + 1 : r.GetLeft(), nearTop ? r.GetBottom() + 1 : r.GetTop()));
      m_anchor = PagePoint{std::fabs(opposite.x - n.x1) < std::fabs(opposite.x - n.x2) ? n.x1 : n.x2,
                           std::fabs(opposite.y - n.y1) < std::fabs(opposite.y - n.y2) ? n.y1 : n.y2};
      m_drag = Drag::Draw;
      return;
    }
    if (q.x >= n.x1 && q.x <= n.x2 && q.y >= n.y1 && q.y <= n.y2) {
      m_anchor = PagePoint{q.x - n.x1, q.y - n.y1};
      m_drag = Drag::Move;
      return;
    }
  }
  const PdfPageBox& b = m_view->box();
  m_anchor = PagePoint{std::clamp(q.x, b.x0, b.x0 + b.width), std::clamp(q.y, b.y0, b.y0 + b.height)};
  m_drag = Drag::Draw;
}

void SignDialog::dragTo(wxPoint p) {
  if (m_drag == Drag::None || !m_view->hasPage()) return;
  const PdfPageBox& b = m_view->box();
  const PagePoint q = m_view->fromWindow(wxPoint2DDouble(p.x, p.y));
  if (m_drag == Drag::Move && m_rectAtPress) {
    const PageRect n = normalised(*m_rectAtPress);
    const double w = n.x2 - n.x1, h = n.y2 - n.y1;
    const double x = std::clamp(q.x - m_anchor.x, b.x0, b.x0 + b.width - w);
    const double y = std::clamp(q.y - m_anchor.y, b.y0, b.y0 + b.height - h);
    m_rect = PageRect{x, y, x + w, y + h};
  } else if (m_drag == Drag::Draw) {
    // While drawing the box follows the mouse, smaller than the minimum too.
    m_rect = normalised(PageRect{m_anchor.x, m_anchor.y, std::clamp(q.x, b.x0, b.x0 + b.width),
                                 std::clamp(q.y, b.y0, b.y0 + b.height)});
  }
  showRectangle();
}

void SignDialog::releaseAt(wxPoint p) {
  if (m_drag == Drag::None) return;
  const Drag drag = m_drag;
  const int moved = std::max(std::abs(p.x - m_pressPixel.x), std::abs(p.y - m_pressPixel.y));
  if (moved < FromDIP(3) && drag == Drag::Draw) {
    // A click, not a drag: a slip of the hand keeps the box there is.
    m_drag = Drag::None;
    m_rect = m_rectAtPress;
    showRectangle();
    return;
  }
  dragTo(p);
  m_drag = Drag::None;
  if (drag == Drag::Draw && m_rect) {
    // Grown to the minimum away from the fixed corner, then kept on the page.
    PageRect r = normalised(*m_rect);
    if (r.x2 - r.x1 < kMinWidth) {
      if (r.x1 < m_anchor.x - 1e-9)
        r.x1 = r.x2 - kMinWidth;
      else
        r.x2 = r.x1 + kMinWidth;
    }
    if (r.y2 - r.y1 < kMinHeight) {
      if (r.y1 < m_anchor.y - 1e-9)
        r.y1 = r.y2 - kMinHeight;
      else
        r.y2 = r.y1 + kMinHeight;
    }
    m_rect = r;
    clampRectangle();
  }
  showRectangle();
}

void SignDialog::requestPage() {
  if (!m_view || m_pdfs.empty()) return;
  const int choice = m_pageChoice->GetSelection();
  const int number = choice == kFirstPage ? 1 : choice == kLastPage ? 1 : m_pageNumber->GetValue();
  const bool fromEnd = choice == kLastPage;
  const wxSize area = m_view->pageArea();
  const std::uint64_t generation = ++m_generation;
  m_pagePending = true;
  startBackground([this, file = m_pdfs.front(), number, fromEnd, area, generation, alive = m_alive] {
    Rendered r;
    try {
      // Opened for each request: opening reads only the cross-reference
      // table, and nothing is shared between threads.
      const PdfPages pdf(file);
      r.pages = pdf.pages();
      r.index = std::clamp(fromEnd ? r.pages - number : number - 1, 0, r.pages - 1);
      r.box = pdf.box(r.index);
      const double scale = zoomScale(Zoom::FitPage, r.box, area);
      r.image = pdf.render(r.index, scale * 72.0);
      r.scale = r.image.width / std::max(1.0, r.box.shownWidth());
    } catch (const Error& e) {
      r.error = e.what();
    }
    wxTheApp->CallAfter([this, alive, generation, r = std::move(r)]() mutable {
      if (*alive) showRendered(generation, std::move(r));
    });
  });
}

void SignDialog::showRendered(std::uint64_t generation, Rendered r) {
  if (generation != m_generation) return;  // a later request is on its way
  m_pagePending = false;
  const wxString name = wxString::FromUTF8(m_pdfs.front().filename().string());
  if (!r.error.empty()) {
    m_view->setMessage(wxString::FromUTF8(r.error));
    m_pageText->SetLabel(name);
    return;
  }
  if (m_firstPdfPages != r.pages) {
    m_firstPdfPages = r.pages;
    // Page N of the first PDF; a longer PDF later in the batch is reached
    // by "Last page".
    m_pageNumber->SetRange(1, std::max(r.pages, m_pageNumber->GetValue()));
  }
  wxImage img(r.image.width, r.image.height, false);
  std::memcpy(img.GetData(), r.image.rgb.data(), r.image.rgb.size());
  m_view->setPage(img, r.box, r.scale);
  m_shownIndex = r.index;
  m_pageText->SetLabel(m_pdfs.size() == 1
                           ? wxString::Format(_("%s, page %d of %d"), name, r.index + 1, r.pages)
                           : wxString::Format(_("The first PDF, %s, page %d of %d"), name, r.index + 1, r.pages));
  if (!m_rect) m_rect = defaultRectangle(r.box);
  clampRectangle();
  showRectangle();
  updateBatchText();
}

void SignDialog::updateBatchText() {
  if (!m_batchText) return;
  // Only batches of two or more PDFs say "each of": their count is never one.
  const auto n = static_cast<unsigned>(m_pdfs.size());
  const wxString count = wxString::FromUTF8(readableCount(n));
  const int choice = m_pageChoice->GetSelection();
  wxString text;
  if (choice == kLastPage) {
    text = n == 1 ? _("The signature goes on the last page of the PDF.")
                  : wxString::Format(_("The signature goes on the last page of each of the %s PDFs."), count);
  } else if (choice == kFirstPage) {
    text = n == 1 ? _("The signature goes on the first page of the PDF.")
                  : wxString::Format(_("The signature goes on the first page of each of the %s PDFs."), count);
  } else {
    const int page = m_pageNumber->GetValue();
    // The signing service refuses, for that file alone, a page the PDF does
    // not have: the other files are signed and its row says why.
    text = n == 1 ? wxString::Format(_("The signature goes on page %d of the PDF."), page)
                  : wxString::Format(_("The signature goes on page %d of each of the %s PDFs; a PDF with fewer "
                                       "pages is not signed."),
                                     page, count);
  }
  if (n > 1) text += " " + _("The box is at the same place on each page, measured from its bottom-left corner.");
  const std::size_t others = m_inputs.size() - m_pdfs.size();
  if (others > 0) {
    text += " " + wxString::Format(wxPLURAL("%s file that is not a PDF is signed without a visible signature.",
                                            "%s files that are not PDFs are signed without a visible signature.",
                                            static_cast<unsigned>(others)),
                                   wxString::FromUTF8(readableCount(others)));
  }
  if (!m_visibleBox->GetValue()) text = _("No visible signature: the PDFs are signed without one.");
  m_batchText->SetLabel(text);
  m_batchText->Wrap(std::max(FromDIP(200), m_visiblePanel->GetClientSize().GetWidth()));
  m_visiblePanel->Layout();
}

void SignDialog::applyRemembered() {
  if (!m_visibleBox) return;
  const Row* r = current();
  if (!r) return;
  std::string key;
  try {
    key = personKey(r->certificate.certificate);
  } catch (const Error&) {
    return;
  }
  if (key == m_person) return;
  m_person = key;
  const auto it = m_settings.placements.find(key);
  if (it != m_settings.placements.end()) {
    const VisiblePlacement& v = it->second;
    m_visibleBox->SetValue(v.enabled);
    m_reason->ChangeValue(wxString::FromUTF8(v.reason));
    m_location->ChangeValue(wxString::FromUTF8(v.location));
    m_image->SetPath(wxString::FromUTF8(v.box.image.string()));
    m_rect = PageRect{v.box.x, v.box.y, v.box.x + v.box.width, v.box.y + v.box.height};
    m_loadedFrom = key;
    setPlacementPage(v.box.page, v.box.fromEnd);  // draws the page, clamps the box to it
    return;
  }
  if (!m_loadedFrom.empty()) {
    // Another person's appearance (a handwritten signature!) is not this
    // one's: back to the defaults.
    m_loadedFrom.clear();
    m_visibleBox->SetValue(false);
    m_reason->ChangeValue(wxEmptyString);
    m_location->ChangeValue(wxEmptyString);
    m_image->SetPath(wxEmptyString);
    m_rect.reset();
    setPlacementPage(1, true);
  }
}

std::optional<VisiblePlacement> SignDialog::placement() const {
  if (!visible()) return std::nullopt;
  return placementToRemember();
}

std::optional<VisiblePlacement> SignDialog::placementToRemember() const {
  if (!m_visibleBox || !m_rect) return std::nullopt;
  VisiblePlacement v;
  v.enabled = visible();
  const PageRect r = normalised(*m_rect);
  // Whole hundredths of a point: what is remembered reads back the same.
  const auto round2 = [](double d) { return std::round(d * 100.0) / 100.0; };
  v.box.x = round2(r.x1);
  v.box.y = round2(r.y1);
  v.box.width = round2(r.x2 - r.x1);
  v.box.height = round2(r.y2 - r.y1);
  const int choice = m_pageChoice->GetSelection();
  v.box.fromEnd = choice == kLastPage;
  v.box.page = choice == kPageNumber ? m_pageNumber->GetValue() : 1;
  v.box.image = std::filesystem::path(m_image->GetPath().utf8_string());
  v.reason = m_reason->GetValue().utf8_string();
  v.location = m_location->GetValue().utf8_string();
  return v;
}

bool SignDialog::validateVisible() {
  if (!visible()) return true;
  if (!m_rect) {
    wxMessageBox(_("Draw the signature's box on the page first."), _("Visible signature"), wxOK | wxICON_WARNING, this);
    return false;
  }
  const wxString image = m_image->GetPath();
  if (!image.empty()) {
    try {
      checkSignatureImage(std::filesystem::path(image.utf8_string()));
    } catch (const Error& e) {
      wxMessageBox(wxString::FromUTF8(e.what()), _("Visible signature"), wxOK | wxICON_ERROR, this);
      return false;
    }
  }
  return true;
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

void SignDialog::updateButtons() {
  m_ok->Enable(current() != nullptr);
  applyRemembered();
  if (m_visibleBox) showRectangle();  // the box shows the chosen person's name
}

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

void SignDialog::setLevel(SignatureLevel level) {
  m_level->SetSelection(level == SignatureLevel::B_LTA  ? 3
                        : level == SignatureLevel::B_LT ? 2
                        : level == SignatureLevel::B_T  ? 1
                                                        : 0);
}

std::optional<SigningChoice> SignDialog::choice() const {
  const Row* r = current();
  if (!r) return std::nullopt;
  SigningChoice c{r->signer, r->certificate, "auto", SignatureLevel::B_B, std::nullopt};
  const int f = m_format->GetSelection();
  c.format = f >= 0 && f < 4 ? kFormats[f] : "auto";
  const int level = m_level->GetSelection();
  c.level = level == 3   ? SignatureLevel::B_LTA
            : level == 2 ? SignatureLevel::B_LT
            : level == 1 ? SignatureLevel::B_T
                         : SignatureLevel::B_B;
  c.visible = placement();
  return c;
}

}  // namespace securedoc::ui
