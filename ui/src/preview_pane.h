#pragma once
// The document preview beside the file list (issue 16): a PDF's pages, an
// XML document's text, an image, or a description of any other file.
// Everything is read off the GUI thread; a new selection cancels what the
// previous one still reads (its results are dropped).
#include <securedoc/formats/pdf_render.h>

#include <wx/colour.h>
#include <wx/geometry.h>
#include <wx/image.h>
#include <wx/panel.h>
#include <wx/scrolwin.h>
#include <wx/timer.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

class wxButton;
class wxChoice;
class wxSimplebook;
class wxStaticText;
class wxTextCtrl;

namespace securedoc::ui {

/// A rectangle on a page in PDF user space (points, y up), corners in any order.
struct PageRect {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

/// How large a page is shown.
enum class Zoom { FitWidth, FitPage, Actual };

/// Pixels a point for showing a page of `box` in `area` pixels (the view
/// less its margins): the page's width fills it (FitWidth), the whole page
/// fits (FitPage), or 1:1 at 96 dpi, the screen's nominal resolution (Actual).
double zoomScale(Zoom zoom, const PdfPageBox& box, wxSize area);

/// One drawn page (or picture) on a grey ground, centred, scrolled when it
/// is larger than the window, with an optional frame drawn over it.  It
/// knows where each point of the page is in the window: the signature
/// placement (the sign dialog) and the report's signature rectangles use
/// the same view.  GUI thread only.
class PageView final : public wxScrolledWindow {
 public:
  explicit PageView(wxWindow* parent);

  /// Shows `image`, a page of `box` drawn at `scale` pixels a point.
  void setPage(const wxImage& image, const PdfPageBox& box, double scale);
  /// Shows words instead of a page (while it is drawn, or why it cannot be).
  void setMessage(const wxString& text);
  bool hasPage() const { return m_bitmap.IsOk(); }
  const wxBitmap& bitmap() const { return m_bitmap; }
  const PdfPageBox& box() const { return m_box; }
  double scale() const { return m_scale; }
  const wxString& message() const { return m_message; }

  /// The window pixel (client coordinates, scrolling included) where the
  /// user-space point `p` of the page is shown, and the inverse.
  wxPoint2DDouble toWindow(PagePoint p) const;
  PagePoint fromWindow(wxPoint2DDouble p) const;
  /// `r` in window pixels, as drawn.
  wxRect toWindow(const PageRect& r) const;
  /// A frame over the page (user space); nullopt for none.
  void setOverlay(std::optional<PageRect> r);
  const std::optional<PageRect>& overlay() const { return m_overlay; }
  /// Fills the overlay with `colour` (its alpha kept, so the page shows
  /// through): the sign dialog's signature box reads as an area, not a frame.
  void setOverlayFill(const wxColour& colour);
  /// Words drawn inside the overlay, clipped to it (what the box will show).
  void setOverlayLabel(const wxString& label);
  /// The pixels a page may fill: the client area less the margins.
  wxSize pageArea() const;
  /// The page's top-left corner in the scrolled (virtual) area.
  wxPoint pageOrigin() const;

 private:
  void onPaint(wxPaintEvent&);
  int margin() const { return FromDIP(12); }

  wxBitmap m_bitmap;
  PdfPageBox m_box;
  double m_scale = 1.0;
  wxString m_message;
  std::optional<PageRect> m_overlay;
  wxColour m_overlayFill;
  wxString m_overlayLabel;
};

/// The preview pane.  GUI thread only; its readers run on background
/// threads (background.h) and post their results back.
class PreviewPane final : public wxPanel {
 public:
  enum class Kind { Nothing, Loading, Pdf, Xml, Image, Other };

  explicit PreviewPane(wxWindow* parent);
  ~PreviewPane() override;

  /// Shows `file`; whatever is still read for the previous file is
  /// abandoned (cancelled: its result is dropped when it comes).
  void show(const std::filesystem::path& file);
  /// Nothing selected: a hint says what the pane is for.
  void clear();

  /// PDF: page `index` (0-based, clamped), the next and previous page.
  void goToPage(int index);
  void nextPage() { goToPage(m_page + 1); }
  void previousPage() { goToPage(m_page - 1); }
  void setZoom(Zoom zoom);
  Zoom zoom() const { return m_zoom; }
  int page() const { return m_page; }
  int pageCount() const { return m_pageCount; }
  /// "Page 2 of 3".
  wxString pageLabel() const;

  Kind kind() const { return m_kind; }
  const std::filesystem::path& file() const { return m_file; }
  /// The file (or, for a PDF, page page()) is on screen, nothing pending.
  bool ready() const;
  /// Bumped by every show() and clear(): results of another generation are dropped.
  std::uint64_t generation() const { return m_generation; }
  /// The thread that read or drew what is shown last (tests: not the GUI thread).
  std::optional<std::thread::id> lastWorkerThread() const { return m_lastWorkerThread; }
  /// Results that came back for an earlier selection and were dropped.
  std::size_t droppedResults() const { return m_dropped; }

  PageView& pageView() { return *m_view; }
  wxTextCtrl& xmlText() { return *m_xml; }
  /// The description of an "other" file (or of one that cannot be shown), as one text.
  wxString description() const;
  /// Called each time something new is on screen (the benchmark's clock).
  std::function<void()> onShown;

  struct Loaded;    // what a reader posts back (preview_pane.cpp)
  struct OpenPdf;   // the PDF open for this selection, shared with its renderers
  struct Rendered;  // one page drawn

 private:
  wxWindow* makePdfPage();
  wxWindow* makeOtherPage();
  void showLoaded(std::uint64_t generation, Loaded loaded);
  void showDescription(const Loaded& loaded);
  void showPdfPage(std::uint64_t generation, std::uint64_t ticket, Rendered rendered);
  void requestPage();
  /// The pixels a PDF page may fill in the PDF view.
  wxSize pdfArea() const;
  void updatePdfControls();
  void showImageScaled();
  void onResized();
  void onKey(wxKeyEvent& e);
  void shown();

  Kind m_kind = Kind::Nothing;
  std::filesystem::path m_file;
  std::uint64_t m_generation = 0;
  /// The generation the readers compare theirs with, to stop early.
  std::shared_ptr<std::atomic<std::uint64_t>> m_current = std::make_shared<std::atomic<std::uint64_t>>(0);
  /// Page requests of the current PDF: only the latest is drawn and shown.
  std::uint64_t m_ticket = 0;
  std::shared_ptr<std::atomic<std::uint64_t>> m_latestTicket = std::make_shared<std::atomic<std::uint64_t>>(0);
  std::shared_ptr<OpenPdf> m_pdf;
  bool m_pagePending = false;
  int m_shownPage = -1;  ///< the page the view shows
  bool m_digestShown = false;
  int m_page = 0;
  int m_pageCount = 0;
  Zoom m_zoom = Zoom::FitWidth;
  wxImage m_image;  ///< the picture at full size, scaled to fit on resize
  std::optional<std::thread::id> m_lastWorkerThread;
  std::size_t m_dropped = 0;
  /// GUI thread only: false once the pane is gone, so late results are dropped.
  std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
  wxTimer m_resize;   ///< re-render once resizing has paused
  wxTimer m_loading;  ///< "Opening…" once a file takes a while

  wxSimplebook* m_book = nullptr;
  wxStaticText* m_hint = nullptr;
  wxPanel* m_pdfPanel = nullptr;
  PageView* m_view = nullptr;
  wxButton* m_previous = nullptr;
  wxButton* m_next = nullptr;
  wxStaticText* m_pageText = nullptr;
  wxChoice* m_zoomChoice = nullptr;
  wxTextCtrl* m_xml = nullptr;
  PageView* m_picture = nullptr;
  wxStaticText* m_pictureText = nullptr;
  wxPanel* m_otherPanel = nullptr;
  wxStaticText* m_otherTitle = nullptr;
  wxStaticText* m_otherReason = nullptr;
  wxStaticText* m_otherType = nullptr;
  wxStaticText* m_otherSize = nullptr;
  wxTextCtrl* m_otherDigest = nullptr;
};

}  // namespace securedoc::ui
