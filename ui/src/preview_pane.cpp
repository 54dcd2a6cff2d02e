#include "preview_pane.h"

#include <securedoc/i18n.h>

#include "background.h"
#include "file_list.h"

#include <securedoc/base/bytes.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/formats/format.h>
#include <securedoc/formats/xml_text.h>

#include <wx/app.h>
#include <wx/button.h>
#include <wx/choice.h>
#include <wx/dcbuffer.h>
#include <wx/graphics.h>
#include <wx/log.h>
#include <wx/settings.h>
#include <wx/simplebook.h>
#include <wx/sizer.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

namespace securedoc::ui {

namespace fs = std::filesystem;

namespace {

/// The largest XML document shown as text: the text control lays out
/// everything it holds, and a person does not read 4 MiB in a preview.
constexpr std::uintmax_t kXmlLimit = 4u << 20;
/// The largest picture decoded (pixels): 50 million is a 8160 x 6120 photo.
constexpr double kPictureLimit = 50e6;
/// Pictures are kept at most this many pixels wide or high for showing.
constexpr int kPictureKept = 2560;
/// How long a selection may take before "Opening…" replaces what was shown.
constexpr int kLoadingDelayMs = 150;
/// How long resizing must pause before the page is drawn again.
constexpr int kResizeDelayMs = 150;

enum BookPage { kHintPage, kPdfPage, kXmlPage, kPicturePage, kOtherPage };

wxImage toImage(const PageImage& p) {
  wxImage img(p.width, p.height, false);
  std::memcpy(img.GetData(), p.rgb.data(), p.rgb.size());
  return img;
}

/// A picture's size from its header, before anything is decoded: a PNG's
/// IHDR (ISO/IEC 15948 §11.2.2), a JPEG's SOFn segment (ITU T.81 §B.2.2).
std::optional<wxSize> pictureSize(const Bytes& b, bool png) {
  const auto be16 = [&b](std::size_t i) { return (b[i] << 8) | b[i + 1]; };
  if (png) {
    if (b.size() < 24) return std::nullopt;
    const auto be32 = [&](std::size_t i) { return (static_cast<std::uint32_t>(be16(i)) << 16) | be16(i + 2); };
    if (be32(16) > 1u << 20 || be32(20) > 1u << 20) return std::nullopt;
    return wxSize(static_cast<int>(be32(16)), static_cast<int>(be32(20)));
  }
  std::size_t i = 2;
  while (i + 9 < b.size()) {
    if (b[i] != 0xFF) return std::nullopt;
    const int marker = b[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) return wxSize(be16(i + 7), be16(i + 5));
    i += 2 + static_cast<std::size_t>(be16(i + 2));
  }
  return std::nullopt;
}

wxString mediaTypeWords(const std::string& type) {
  if (type == "application/pdf") return _("PDF document");
  if (type == "text/xml") return _("XML document");
  if (type == "image/png") return _("PNG image");
  if (type == "image/jpeg") return _("JPEG image");
  if (type == "image/gif") return _("GIF image");
  if (type == "image/tiff") return _("TIFF image");
  if (type == "application/zip") return _("ZIP archive");
  if (type == "text/plain") return _("Plain text");
  if (type == "application/x-zerosize") return _("Empty file");
  if (type.rfind("application/vnd.oasis.opendocument.", 0) == 0) return _("OpenDocument file");
  if (type.rfind("application/vnd.etsi.asic", 0) == 0) return _("ASiC container");
  return _("Binary data");
}

std::string lowerHex(const Bytes& b) {
  std::string h = toHex(b);
  for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return h;
}

}  // namespace

double zoomScale(Zoom zoom, const PdfPageBox& box, wxSize area) {
  const double w = std::max(1.0, box.shownWidth()), h = std::max(1.0, box.shownHeight());
  const double aw = std::max(50, area.GetWidth()), ah = std::max(50, area.GetHeight());
  switch (zoom) {
    case Zoom::FitWidth:
      return aw / w;
    case Zoom::FitPage:
      return std::min(aw / w, ah / h);
    case Zoom::Actual:
      break;
  }
  return 96.0 / 72.0;
}

// ---------------------------------------------------------------- PageView

PageView::PageView(wxWindow* parent)
    : wxScrolledWindow(parent, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxHSCROLL | wxVSCROLL | wxWANTS_CHARS) {
  SetBackgroundStyle(wxBG_STYLE_PAINT);
  SetScrollRate(FromDIP(16), FromDIP(16));
  Bind(wxEVT_PAINT, &PageView::onPaint, this);
  Bind(wxEVT_SIZE, [this](wxSizeEvent& e) {
    Refresh();  // the page stays centred
    e.Skip();
  });
  Bind(wxEVT_LEFT_DOWN, [this](wxMouseEvent& e) {
    SetFocus();  // so that Page Up and Page Down reach the preview
    e.Skip();
  });
}

void PageView::setPage(const wxImage& image, const PdfPageBox& box, double scale) {
  m_bitmap = wxBitmap(image);
  m_box = box;
  m_scale = scale;
  m_message.clear();
  SetVirtualSize(m_bitmap.GetWidth() + 2 * margin(), m_bitmap.GetHeight() + 2 * margin());
  Refresh();
}

void PageView::setMessage(const wxString& text) {
  m_bitmap = wxBitmap();
  m_message = text;
  SetVirtualSize(0, 0);
  Refresh();
}

wxSize PageView::pageArea() const {
  const wxSize c = GetClientSize();
  return wxSize(std::max(1, c.GetWidth() - 2 * margin()), std::max(1, c.GetHeight() - 2 * margin()));
}

wxPoint PageView::pageOrigin() const {
  const wxSize c = GetClientSize();
  const int w = m_bitmap.IsOk() ? m_bitmap.GetWidth() : 0, h = m_bitmap.IsOk() ? m_bitmap.GetHeight() : 0;
  return wxPoint(std::max(margin(), (c.GetWidth() - w) / 2), std::max(margin(), (c.GetHeight() - h) / 2));
}

wxPoint2DDouble PageView::toWindow(PagePoint p) const {
  const PagePoint px = m_box.toPixels(p, m_scale);
  const wxPoint origin = CalcScrolledPosition(pageOrigin());
  return {origin.x + px.x, origin.y + px.y};
}

PagePoint PageView::fromWindow(wxPoint2DDouble p) const {
  const wxPoint origin = CalcScrolledPosition(pageOrigin());
  return m_box.fromPixels({p.m_x - origin.x, p.m_y - origin.y}, m_scale);
}

wxRect PageView::toWindow(const PageRect& r) const {
  const wxPoint2DDouble a = toWindow(PagePoint{r.x1, r.y1}), b = toWindow(PagePoint{r.x2, r.y2});
  const int x1 = static_cast<int>(std::floor(std::min(a.m_x, b.m_x)));
  const int y1 = static_cast<int>(std::floor(std::min(a.m_y, b.m_y)));
  const int x2 = static_cast<int>(std::ceil(std::max(a.m_x, b.m_x)));
  const int y2 = static_cast<int>(std::ceil(std::max(a.m_y, b.m_y)));
  return wxRect(x1, y1, x2 - x1, y2 - y1);
}

void PageView::setOverlay(std::optional<PageRect> r) {
  m_overlay = r;
  Refresh();
}

void PageView::setOverlayFill(const wxColour& colour) {
  m_overlayFill = colour;
  Refresh();
}

void PageView::setOverlayLabel(const wxString& label) {
  m_overlayLabel = label;
  Refresh();
}

void PageView::onPaint(wxPaintEvent&) {
  wxAutoBufferedPaintDC dc(this);
  // A mid grey ground, as document viewers use, so a white page stands out.
  dc.SetBackground(wxBrush(wxColour(0x8A, 0x8D, 0x91)));
  dc.Clear();
  if (!m_bitmap.IsOk()) {
    dc.SetTextForeground(*wxWHITE);
    dc.SetFont(GetFont());
    dc.DrawLabel(m_message, wxRect(GetClientSize()).Deflate(margin()), wxALIGN_CENTRE);
    return;
  }
  const wxPoint origin = CalcScrolledPosition(pageOrigin());
  // A thin dark edge and a soft shadow give the sheet its outline.
  dc.SetPen(*wxTRANSPARENT_PEN);
  dc.SetBrush(wxBrush(wxColour(0x5E, 0x61, 0x65)));
  dc.DrawRectangle(origin.x + 3, origin.y + 3, m_bitmap.GetWidth(), m_bitmap.GetHeight());
  dc.DrawBitmap(m_bitmap, origin);
  dc.SetPen(wxPen(wxColour(0x50, 0x50, 0x50)));
  dc.SetBrush(*wxTRANSPARENT_BRUSH);
  dc.DrawRectangle(origin.x - 1, origin.y - 1, m_bitmap.GetWidth() + 2, m_bitmap.GetHeight() + 2);
  if (m_overlay && m_overlayFill.IsOk()) {
    // The DC itself ignores alpha; a graphics context on it blends.
    const std::unique_ptr<wxGraphicsContext> gc(wxGraphicsContext::Create(dc));
    if (gc) {
      const wxRect r = toWindow(*m_overlay);
      gc->SetPen(*wxTRANSPARENT_PEN);
      gc->SetBrush(wxBrush(m_overlayFill));
      gc->DrawRectangle(r.x, r.y, r.width, r.height);
    }
  }
  if (m_overlay) {
    dc.SetPen(wxPen(wxColour(0x1A, 0x5F, 0xD0), FromDIP(2), wxPENSTYLE_SHORT_DASH));
    dc.DrawRectangle(toWindow(*m_overlay));
    if (!m_overlayLabel.empty()) {
      const wxRect r = toWindow(*m_overlay).Deflate(FromDIP(3));
      const int lines = 1 + static_cast<int>(m_overlayLabel.Freq('\n'));
      // Small enough that every line fits the box's height, never unreadably small.
      const int px = std::clamp(r.height / lines - 1, 7, FromDIP(13));
      wxFont font = GetFont();
      font.SetPixelSize(wxSize(0, px));
      dc.SetFont(font);
      dc.SetTextForeground(wxColour(0x10, 0x2A, 0x5C));
      wxDCClipper clip(dc, r);
      dc.DrawLabel(m_overlayLabel, r, wxALIGN_LEFT | wxALIGN_CENTER_VERTICAL);
    }
  }
}

// ------------------------------------------------------------- the readers

struct PreviewPane::OpenPdf {
  std::mutex mutex;               ///< PdfPages: one thread at a time
  std::optional<PdfPages> pages;  ///< guarded by mutex
};

struct PreviewPane::Rendered {
  int index = 0;
  PdfPageBox box;
  double scale = 1.0;
  PageImage image;
  std::string error;  ///< why the page cannot be drawn (translated by the library)
  std::thread::id thread;
};

struct PreviewPane::Loaded {
  Kind kind = Kind::Other;
  fs::path file;
  std::thread::id thread;
  std::string mediaType;
  std::uintmax_t size = 0;
  std::string reason;  ///< why a PDF, XML or picture is described instead of shown
  // PDF
  std::shared_ptr<OpenPdf> pdf;
  int pages = 0;
  Rendered first;
  // XML
  std::string text;
  // Picture, at most kPictureKept a side
  int width = 0, height = 0;  ///< as stored in the file
  int keptWidth = 0, keptHeight = 0;
  std::vector<unsigned char> rgb, alpha;
};

namespace {

using Stale = std::function<bool()>;

/// Draws page `index` to fill `area` as `zoom` says; nullopt when a newer
/// request made it pointless before it began (poppler cannot be stopped
/// once it draws).
std::optional<PreviewPane::Rendered> renderPage(PreviewPane::OpenPdf& pdf, int index, Zoom zoom, wxSize area,
                                                const Stale& stale) {
  const std::lock_guard<std::mutex> lock(pdf.mutex);
  if (stale()) return std::nullopt;
  PreviewPane::Rendered r;
  r.index = index;
  r.thread = std::this_thread::get_id();
  try {
    r.box = pdf.pages->box(index);
    r.image = pdf.pages->render(index, zoomScale(zoom, r.box, area) * 72.0);
    r.scale = r.image.width / std::max(1.0, r.box.shownWidth());  // lower for a huge page
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

/// Decodes a PNG or JPEG picture into `out` (at most kPictureKept a side);
/// the reason in `out.reason` when it cannot.
bool readPicture(const ContentSniff& sniff, PreviewPane::Loaded& out) {
  const bool png = out.mediaType == "image/png";
  const auto size = pictureSize(png ? sniff.head : readFileRange(sniff.file, 0, 1u << 20), png);
  if (!size || size->GetWidth() <= 0 || size->GetHeight() <= 0) {
    out.reason = _("the picture's size cannot be read").utf8_string();
    return false;
  }
  if (static_cast<double>(size->GetWidth()) * size->GetHeight() > kPictureLimit) {
    out.reason = _("the picture is too large to show").utf8_string();
    return false;
  }
  const wxLogNull quiet;  // a broken file is described, not reported in a message box
  wxImage image;
  if (!image.LoadFile(wxString::FromUTF8(sniff.file.string()), png ? wxBITMAP_TYPE_PNG : wxBITMAP_TYPE_JPEG)) {
    out.reason = _("the picture cannot be decoded").utf8_string();
    return false;
  }
  out.width = image.GetWidth();
  out.height = image.GetHeight();
  const double keep = std::min(1.0, static_cast<double>(kPictureKept) / std::max(out.width, out.height));
  if (keep < 1.0) {
    image.Rescale(std::max(1, static_cast<int>(out.width * keep)), std::max(1, static_cast<int>(out.height * keep)),
                  wxIMAGE_QUALITY_HIGH);
  }
  out.keptWidth = image.GetWidth();
  out.keptHeight = image.GetHeight();
  const auto pixels = static_cast<std::size_t>(out.keptWidth) * static_cast<std::size_t>(out.keptHeight);
  out.rgb.assign(image.GetData(), image.GetData() + pixels * 3);
  if (image.HasAlpha()) out.alpha.assign(image.GetAlpha(), image.GetAlpha() + pixels);
  return true;
}

/// What `file` is and what the pane shows of it (read on a background thread).
PreviewPane::Loaded readPreview(const fs::path& file, Zoom zoom, wxSize area, const Stale& stale) {
  PreviewPane::Loaded out;
  out.file = file;
  out.thread = std::this_thread::get_id();
  const ContentSniff sniff = ContentSniff::of(file);
  out.mediaType = sniff.mediaType();
  out.size = sniff.size;
  try {
    if (out.mediaType == "application/pdf") {
      auto pdf = std::make_shared<PreviewPane::OpenPdf>();
      pdf->pages.emplace(file);  // the page count, not the pages
      out.pages = pdf->pages->pages();
      // The first page at once: the pane shows it while nothing else is read.
      auto first = renderPage(*pdf, 0, zoom, area, stale);
      if (!first) return out;
      if (!first->error.empty()) throw std::runtime_error(first->error);
      out.first = std::move(*first);
      out.pdf = std::move(pdf);
      out.kind = PreviewPane::Kind::Pdf;
    } else if (out.mediaType == "text/xml") {
      out.text = prettyXml(file, kXmlLimit);
      out.kind = PreviewPane::Kind::Xml;
    } else if (out.mediaType == "image/png" || out.mediaType == "image/jpeg") {
      if (readPicture(sniff, out)) out.kind = PreviewPane::Kind::Image;
    }
  } catch (const std::exception& e) {
    out.reason = e.what();
    out.kind = PreviewPane::Kind::Other;
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------- PreviewPane

// Long on purpose: the pane's pages are made here in the order they sit in
// the book, each a few lines; splitting them would only move the names.
PreviewPane::PreviewPane(wxWindow* parent) : wxPanel(parent, wxID_ANY) {
  SetName("preview");
  m_book = new wxSimplebook(this, wxID_ANY);
  auto* hintPanel = new wxPanel(m_book);
  m_hint =
      new wxStaticText(hintPanel, wxID_ANY, wxEmptyString, wxDefaultPosition, wxDefaultSize, wxALIGN_CENTRE_HORIZONTAL);
  m_hint->SetName("previewHint");
  m_hint->SetForegroundColour(wxSystemSettings::GetColour(wxSYS_COLOUR_GRAYTEXT));
  auto* hintBox = new wxBoxSizer(wxVERTICAL);
  hintBox->AddStretchSpacer();
  hintBox->Add(m_hint, 0, wxALIGN_CENTRE_HORIZONTAL | wxALL, FromDIP(16));
  hintBox->AddStretchSpacer();
  hintPanel->SetSizer(hintBox);
  m_book->AddPage(hintPanel, wxEmptyString);
  m_book->AddPage(makePdfPage(), wxEmptyString);

  m_xml = new wxTextCtrl(m_book, wxID_ANY, wxEmptyString, wxDefaultPosition, wxDefaultSize,
                         wxTE_MULTILINE | wxTE_READONLY | wxTE_RICH2 | wxTE_WORDWRAP);
  m_xml->SetName("previewXml");
  m_xml->SetFont(wxFontInfo(GetFont().GetPointSize()).Family(wxFONTFAMILY_TELETYPE));
  m_book->AddPage(m_xml, wxEmptyString);

  auto* picturePanel = new wxPanel(m_book);
  m_pictureText = new wxStaticText(picturePanel, wxID_ANY, wxEmptyString);
  m_pictureText->SetName("previewPictureText");
  m_picture = new PageView(picturePanel);
  m_picture->SetName("previewPicture");
  auto* pictureBox = new wxBoxSizer(wxVERTICAL);
  pictureBox->Add(m_pictureText, 0, wxALL, FromDIP(6));
  pictureBox->Add(m_picture, 1, wxEXPAND);
  picturePanel->SetSizer(pictureBox);
  m_book->AddPage(picturePanel, wxEmptyString);
  m_book->AddPage(makeOtherPage(), wxEmptyString);

  auto* top = new wxBoxSizer(wxVERTICAL);
  top->Add(m_book, 1, wxEXPAND);
  SetSizer(top);
  SetMinSize(FromDIP(wxSize(280, 200)));

  m_resize.SetOwner(this);
  Bind(
      wxEVT_TIMER, [this](wxTimerEvent&) { onResized(); }, m_resize.GetId());
  m_loading.SetOwner(this);
  Bind(
      wxEVT_TIMER,
      [this](wxTimerEvent&) {
        if (m_kind == Kind::Loading) m_book->SetSelection(kHintPage);
      },
      m_loading.GetId());
  m_view->Bind(wxEVT_SIZE, [this](wxSizeEvent& e) {
    m_resize.StartOnce(kResizeDelayMs);
    e.Skip();
  });
  m_picture->Bind(wxEVT_SIZE, [this](wxSizeEvent& e) {
    m_resize.StartOnce(kResizeDelayMs);
    e.Skip();
  });
  Bind(wxEVT_CHAR_HOOK, &PreviewPane::onKey, this);
  clear();
}

PreviewPane::~PreviewPane() {
  *m_alive = false;
  m_current->store(~std::uint64_t{0});  // readers still running stop before their next step
}

wxWindow* PreviewPane::makePdfPage() {
  m_pdfPanel = new wxPanel(m_book);
  auto* bar = new wxBoxSizer(wxHORIZONTAL);
  const int gap = FromDIP(6);
  m_previous = new wxButton(m_pdfPanel, wxID_ANY, _("\u2039 Previous"));
  m_previous->SetName("previousPage");
  m_previous->SetToolTip(_("Previous page (Page Up)"));
  m_pageText = new wxStaticText(m_pdfPanel, wxID_ANY, wxEmptyString, wxDefaultPosition, wxDefaultSize,
                                wxALIGN_CENTRE_HORIZONTAL);
  m_pageText->SetName("pageNumber");
  m_next = new wxButton(m_pdfPanel, wxID_ANY, _("Next \u203A"));
  m_next->SetName("nextPage");
  m_next->SetToolTip(_("Next page (Page Down)"));
  const wxString zooms[] = {_("Fit width"), _("Fit page"), _("100%")};
  m_zoomChoice = new wxChoice(m_pdfPanel, wxID_ANY, wxDefaultPosition, wxDefaultSize, 3, zooms);
  m_zoomChoice->SetName("zoom");
  m_zoomChoice->SetSelection(0);
  m_zoomChoice->SetToolTip(_("How large the page is shown"));
  bar->Add(m_previous, 0, wxALIGN_CENTRE_VERTICAL | wxRIGHT, gap);
  bar->Add(m_pageText, 0, wxALIGN_CENTRE_VERTICAL | wxRIGHT, gap);
  bar->Add(m_next, 0, wxALIGN_CENTRE_VERTICAL);
  bar->AddStretchSpacer();
  bar->Add(m_zoomChoice, 0, wxALIGN_CENTRE_VERTICAL);
  m_view = new PageView(m_pdfPanel);
  m_view->SetName("pageView");
  auto* box = new wxBoxSizer(wxVERTICAL);
  box->Add(bar, 0, wxEXPAND | wxALL, gap);
  box->Add(m_view, 1, wxEXPAND);
  m_pdfPanel->SetSizer(box);
  m_previous->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { previousPage(); });
  m_next->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { nextPage(); });
  m_zoomChoice->Bind(wxEVT_CHOICE, [this](wxCommandEvent& e) {
    setZoom(e.GetSelection() == 1 ? Zoom::FitPage : e.GetSelection() == 2 ? Zoom::Actual : Zoom::FitWidth);
  });
  return m_pdfPanel;
}

wxWindow* PreviewPane::makeOtherPage() {
  m_otherPanel = new wxPanel(m_book);
  m_otherPanel->SetName("previewDescription");
  auto* box = new wxBoxSizer(wxVERTICAL);
  const int gap = FromDIP(12);
  m_otherTitle = new wxStaticText(m_otherPanel, wxID_ANY, wxEmptyString);
  m_otherTitle->SetFont(m_otherTitle->GetFont().Bold().Scaled(1.2f));
  box->Add(m_otherTitle, 0, wxLEFT | wxRIGHT | wxTOP, gap);
  m_otherReason = new wxStaticText(m_otherPanel, wxID_ANY, wxEmptyString);
  box->Add(m_otherReason, 0, wxLEFT | wxRIGHT | wxTOP, gap);
  auto* grid = new wxFlexGridSizer(2, FromDIP(6), FromDIP(12));
  grid->AddGrowableCol(1, 1);
  const auto label = [&](const wxString& text) {
    auto* l = new wxStaticText(m_otherPanel, wxID_ANY, text);
    l->SetFont(l->GetFont().Bold());
    grid->Add(l, 0, wxALIGN_TOP);
  };
  label(_("Type:"));
  m_otherType = new wxStaticText(m_otherPanel, wxID_ANY, wxEmptyString);
  grid->Add(m_otherType, 1, wxEXPAND);
  label(_("Size:"));
  m_otherSize = new wxStaticText(m_otherPanel, wxID_ANY, wxEmptyString);
  grid->Add(m_otherSize, 1, wxEXPAND);
  label(_("SHA-256:"));
  // A text field, so that the digest can be selected and compared.
  m_otherDigest = new wxTextCtrl(m_otherPanel, wxID_ANY, wxEmptyString, wxDefaultPosition, wxDefaultSize,
                                 wxTE_MULTILINE | wxTE_READONLY | wxTE_NO_VSCROLL | wxBORDER_NONE);
  m_otherDigest->SetName("previewDigest");
  m_otherDigest->SetFont(wxFontInfo(GetFont().GetPointSize()).Family(wxFONTFAMILY_TELETYPE));
  m_otherDigest->SetBackgroundColour(m_otherPanel->GetBackgroundColour());
  m_otherDigest->SetMinSize(wxSize(-1, 2 * m_otherDigest->GetCharHeight() + FromDIP(8)));
  grid->Add(m_otherDigest, 1, wxEXPAND);
  box->Add(grid, 0, wxEXPAND | wxALL, gap);
  m_otherPanel->SetSizer(box);
  m_otherPanel->Bind(wxEVT_SIZE, [this](wxSizeEvent& e) {
    // Wrapped to the pane's width: reasons can be long.
    const int width = std::max(FromDIP(100), e.GetSize().GetWidth() - FromDIP(24));
    m_otherReason->SetLabelText(m_otherReason->GetLabelText().Strip());
    m_otherReason->Wrap(width);
    e.Skip();
  });
  return m_otherPanel;
}

void PreviewPane::clear() {
  ++m_generation;
  m_current->store(m_generation);
  m_kind = Kind::Nothing;
  m_file.clear();
  m_pdf.reset();
  m_image = wxImage();
  m_hint->SetLabelText(_("Select a file in the list to see it here."));
  m_book->SetSelection(kHintPage);
  Layout();
}

void PreviewPane::show(const fs::path& file) {
  if (file == m_file && m_kind != Kind::Nothing) return;  // the same row again
  ++m_generation;
  m_current->store(m_generation);  // the previous file's readers stop at their next step
  m_kind = Kind::Loading;
  m_file = file;
  m_pdf.reset();  // a renderer still drawing keeps it until it has finished
  m_pagePending = false;
  m_digestShown = false;
  m_image = wxImage();
  // "Opening…" only when it takes a while: at every row it would flicker.
  m_hint->SetLabelText(wxString::Format(_("Opening %s…"), wxString::FromUTF8(file.filename().string())));
  m_loading.StartOnce(kLoadingDelayMs);
  const std::uint64_t generation = m_generation;
  const Zoom zoom = m_zoom;
  const wxSize area = pdfArea();
  startBackground([this, file, zoom, area, generation, current = m_current, alive = m_alive] {
    const Stale stale = [&] { return current->load() != generation; };
    Loaded loaded;
    try {
      loaded = readPreview(file, zoom, area, stale);
    } catch (const std::exception& e) {
      loaded.file = file;
      loaded.thread = std::this_thread::get_id();
      loaded.reason = e.what();
    }
    if (stale()) return;  // cancelled: nobody waits for it
    const bool describe = loaded.kind == Kind::Other;
    wxTheApp->CallAfter([this, alive, generation, loaded = std::move(loaded)]() mutable {
      if (*alive) showLoaded(generation, std::move(loaded));
    });
    if (!describe || stale()) return;
    // The digest last: a large file takes a while, and the rest is on screen by then.
    std::string digest;
    try {
      digest = lowerHex(digestFile(DigestAlgorithm::Sha256, file));
    } catch (const std::exception& e) {
      digest = e.what();
    }
    wxTheApp->CallAfter([this, alive, generation, digest] {
      if (!*alive) return;
      if (generation != m_generation) {
        ++m_dropped;
        return;
      }
      m_otherDigest->ChangeValue(wxString::FromUTF8(digest));
      m_digestShown = true;
      shown();
    });
  });
}

wxSize PreviewPane::pdfArea() const {
  // From the book's size, not the view's: the view's client area changes
  // with its scroll bars, which depend on the page drawn for it.
  const wxSize book = m_book->GetClientSize();
  // The bar above the page: as tall as its tallest control, plus its border.
  const int bar = std::max({m_previous->GetBestSize().GetHeight(), m_next->GetBestSize().GetHeight(),
                            m_zoomChoice->GetBestSize().GetHeight(), m_pageText->GetBestSize().GetHeight()}) +
                  2 * FromDIP(6);
  const int scrollBar = std::max(0, wxSystemSettings::GetMetric(wxSYS_VSCROLL_X, this));
  const int margins = 2 * FromDIP(12);
  return wxSize(std::max(50, book.GetWidth() - margins - scrollBar), std::max(50, book.GetHeight() - bar - margins));
}

void PreviewPane::showLoaded(std::uint64_t generation, Loaded loaded) {
  if (generation != m_generation) {
    ++m_dropped;  // for a file no longer selected
    return;
  }
  m_loading.Stop();
  m_lastWorkerThread = loaded.thread;
  m_kind = loaded.kind;
  switch (loaded.kind) {
    case Kind::Pdf:
      m_pdf = std::move(loaded.pdf);
      m_pageCount = loaded.pages;
      m_page = 0;
      m_shownPage = -1;
      m_book->SetSelection(kPdfPage);
      m_pdfPanel->Layout();
      m_pagePending = true;
      showPdfPage(generation, m_ticket, std::move(loaded.first));
      return;
    case Kind::Xml:
      m_xml->ChangeValue(wxString::FromUTF8(loaded.text));
      m_xml->ShowPosition(0);
      m_book->SetSelection(kXmlPage);
      break;
    case Kind::Image: {
      m_image = wxImage(loaded.keptWidth, loaded.keptHeight, false);
      std::memcpy(m_image.GetData(), loaded.rgb.data(), loaded.rgb.size());
      if (!loaded.alpha.empty()) {
        m_image.SetAlpha();
        std::memcpy(m_image.GetAlpha(), loaded.alpha.data(), loaded.alpha.size());
      }
      m_pictureText->SetLabelText(wxString::Format(_("%s, %d \u00D7 %d pixels"), mediaTypeWords(loaded.mediaType),
                                                   loaded.width, loaded.height));
      m_book->SetSelection(kPicturePage);
      m_picture->GetParent()->Layout();
      showImageScaled();
      break;
    }
    case Kind::Nothing:
    case Kind::Loading:
    case Kind::Other:
      m_kind = Kind::Other;
      showDescription(loaded);
      break;
  }
  shown();
}

void PreviewPane::showDescription(const Loaded& loaded) {
  m_otherTitle->SetLabelText(wxString::FromUTF8(loaded.file.filename().string()));
  const wxString reason = loaded.reason.empty()
                              ? wxString()
                              : wxString::Format(_("This file cannot be shown: %s"), wxString::FromUTF8(loaded.reason));
  m_otherReason->SetLabelText(reason);
  m_otherReason->Show(!reason.empty());
  m_otherReason->Wrap(std::max(FromDIP(100), m_book->GetClientSize().GetWidth() - FromDIP(24)));
  m_otherType->SetLabelText(loaded.mediaType.empty()
                                ? _("Unknown")
                                : mediaTypeWords(loaded.mediaType) + " (" + wxString::FromUTF8(loaded.mediaType) + ")");
  const auto bytes = static_cast<unsigned long long>(loaded.size);
  // The plural form by the last six digits: the same as by the whole number
  // in English and Polish (which look at the last two), and it fits wxPLURAL's unsigned.
  m_otherSize->SetLabelText(
      wxString::Format(wxPLURAL("%s (%s byte)", "%s (%s bytes)", static_cast<unsigned>(bytes % 1000000)),
                       FileList::sizeText(loaded.size), wxString::FromUTF8(readableCount(bytes))));
  m_otherDigest->ChangeValue(_("calculating…"));
  m_book->SetSelection(kOtherPage);
  m_otherPanel->Layout();
}

wxString PreviewPane::description() const {
  wxString d = m_otherTitle->GetLabelText();
  if (m_otherReason->IsShown()) d << '\n' << m_otherReason->GetLabelText();
  d << '\n' << _("Type:") << ' ' << m_otherType->GetLabelText();
  d << '\n' << _("Size:") << ' ' << m_otherSize->GetLabelText();
  d << '\n' << _("SHA-256:") << ' ' << m_otherDigest->GetValue();
  return d;
}

void PreviewPane::showPdfPage(std::uint64_t generation, std::uint64_t ticket, Rendered r) {
  if (generation != m_generation || ticket != m_ticket) {
    ++m_dropped;  // another file, or another page asked for since
    return;
  }
  m_pagePending = false;
  m_lastWorkerThread = r.thread;
  if (!r.error.empty()) {
    m_view->setMessage(wxString::Format(_("Page %d cannot be shown: %s"), r.index + 1, wxString::FromUTF8(r.error)));
  } else {
    m_view->setPage(toImage(r.image), r.box, r.scale);
    if (r.index != m_shownPage) m_view->Scroll(0, 0);  // a new page starts at its top
  }
  m_shownPage = r.index;
  updatePdfControls();
  shown();
}

void PreviewPane::requestPage() {
  if (!m_pdf) return;
  const std::uint64_t ticket = ++m_ticket;
  m_latestTicket->store(ticket);
  m_pagePending = true;
  updatePdfControls();
  const std::uint64_t generation = m_generation;
  startBackground([this, pdf = m_pdf, index = m_page, zoom = m_zoom, area = pdfArea(), generation, ticket,
                   current = m_current, latest = m_latestTicket, alive = m_alive] {
    // Only the latest request is drawn: pressing Page Down five times
    // draws the page that ends up shown, not the four on the way.
    const Stale stale = [&] { return current->load() != generation || latest->load() != ticket; };
    auto rendered = renderPage(*pdf, index, zoom, area, stale);
    if (!rendered) return;
    wxTheApp->CallAfter([this, alive, generation, ticket, r = std::move(*rendered)]() mutable {
      if (*alive) showPdfPage(generation, ticket, std::move(r));
    });
  });
}

void PreviewPane::goToPage(int index) {
  if (m_kind != Kind::Pdf || m_pageCount == 0) return;
  index = std::clamp(index, 0, m_pageCount - 1);
  if (index == m_page) return;
  m_page = index;
  requestPage();
}

void PreviewPane::setZoom(Zoom zoom) {
  m_zoom = zoom;
  m_zoomChoice->SetSelection(zoom == Zoom::FitPage ? 1 : zoom == Zoom::Actual ? 2 : 0);
  if (m_kind == Kind::Pdf) requestPage();
}

wxString PreviewPane::pageLabel() const { return m_pageText->GetLabelText(); }

void PreviewPane::updatePdfControls() {
  m_pageText->SetLabelText(wxString::Format(_("Page %d of %d"), m_page + 1, m_pageCount));
  m_previous->Enable(m_page > 0);
  m_next->Enable(m_page + 1 < m_pageCount);
  m_pdfPanel->Layout();
}

bool PreviewPane::ready() const {
  switch (m_kind) {
    case Kind::Pdf:
      return !m_pagePending && m_shownPage == m_page;
    case Kind::Other:
      return m_digestShown;
    case Kind::Xml:
    case Kind::Image:
    case Kind::Nothing:
      return true;
    case Kind::Loading:
      break;
  }
  return false;
}

void PreviewPane::showImageScaled() {
  if (!m_image.IsOk()) return;
  const wxSize area = m_picture->pageArea();
  // Scaled down to fit, never up: a small picture is shown as it is.
  const double scale = std::min({1.0, static_cast<double>(area.GetWidth()) / m_image.GetWidth(),
                                 static_cast<double>(area.GetHeight()) / m_image.GetHeight()});
  const int w = std::max(1, static_cast<int>(m_image.GetWidth() * scale));
  const int h = std::max(1, static_cast<int>(m_image.GetHeight() * scale));
  const PdfPageBox box{0, 0, static_cast<double>(m_image.GetWidth()), static_cast<double>(m_image.GetHeight()), 0};
  m_picture->setPage(scale < 1.0 ? m_image.Scale(w, h, wxIMAGE_QUALITY_HIGH) : m_image, box, scale);
}

void PreviewPane::onResized() {
  if (m_kind == Kind::Image) {
    showImageScaled();
    return;
  }
  if (m_kind != Kind::Pdf || !m_view->hasPage()) return;
  const double wanted = zoomScale(m_zoom, m_view->box(), pdfArea());
  // Drawn again only for a visible change: poppler's work is not free.
  if (std::fabs(wanted - m_view->scale()) > 0.01 * m_view->scale()) requestPage();
}

void PreviewPane::onKey(wxKeyEvent& e) {
  if (m_kind != Kind::Pdf) {
    e.Skip();
    return;
  }
  switch (e.GetKeyCode()) {
    case WXK_PAGEDOWN:
    case WXK_NUMPAD_PAGEDOWN:
      nextPage();
      break;
    case WXK_PAGEUP:
    case WXK_NUMPAD_PAGEUP:
      previousPage();
      break;
    case WXK_HOME:
      goToPage(0);
      break;
    case WXK_END:
      goToPage(m_pageCount - 1);
      break;
    default:
      e.Skip();
  }
}

void PreviewPane::shown() {
  if (onShown) onShown();
}

}  // namespace securedoc::ui
