#include "report_view.h"

#include "background.h"
#include "preview_pane.h"

#include <securedoc/app/report_html.h>
#include <securedoc/app/report_render.h>
#include <securedoc/app/verification.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/base/error.h>
#include <securedoc/base/file.h>
#include <securedoc/formats/pdf_render.h>
#include <securedoc/i18n.h>

#include <wx/app.h>
#include <wx/artprov.h>
#include <wx/button.h>
#include <wx/collpane.h>
#include <wx/dcbuffer.h>
#include <wx/dcmemory.h>
#include <wx/display.h>
#include <wx/filedlg.h>
#include <wx/image.h>
#include <wx/msgdlg.h>
#include <wx/notebook.h>
#include <wx/panel.h>
#include <wx/scrolwin.h>
#include <wx/settings.h>
#include <wx/sizer.h>
#include <wx/statbmp.h>
#include <wx/stattext.h>
#include <wx/stdpaths.h>
#include <wx/textctrl.h>
#include <wx/utils.h>
#include <wx/wrapsizer.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <set>
#include <string>

namespace securedoc::ui {

namespace {

namespace fs = std::filesystem;

wxString utf8(const char* s) { return wxString::FromUTF8(s); }

/// Text from the report: UTF-8, but from an untrusted file, so invalid
/// sequences must not make it vanish.
wxString fromReport(const std::string& s) {
  wxString out = wxString::FromUTF8(s);
  if (out.empty() && !s.empty()) out = wxString(s.c_str(), wxConvISO8859_1);
  return out;
}

/// A static text that shows `text` literally (no "&" mnemonics: names come from files).
wxStaticText* plainText(wxWindow* parent, const wxString& text) {
  auto* t = new wxStaticText(parent, wxID_ANY, wxEmptyString);
  t->SetLabelText(text);
  return t;
}

struct Look {
  wxColour background;
  wxColour text;
  wxColour accent;  ///< the result's colour on an ordinary background
  wxArtID icon;
  const char* symbol;
};

Look lookOf(Indication i) {
  switch (i) {
    case Indication::TotalPassed:
      return {wxColour(0xDF, 0xF0, 0xD8), wxColour(0x1B, 0x4D, 0x1E), wxColour(0x1B, 0x6B, 0x21), wxART_TICK_MARK,
              "\u2714"};
    case Indication::TotalFailed:
      return {wxColour(0xF8, 0xD7, 0xDA), wxColour(0x72, 0x1C, 0x24), wxColour(0xA3, 0x15, 0x15), wxART_ERROR,
              "\u2718"};
    case Indication::Indeterminate:
      break;
  }
  return {wxColour(0xFF, 0xF0, 0xC8), wxColour(0x5C, 0x37, 0x00), wxColour(0x8A, 0x52, 0x00), wxART_WARNING, "\u26A0"};
}

wxString headline(Indication i, std::size_t signatures) {
  const bool several = signatures > 1;
  switch (i) {
    case Indication::TotalPassed:
      return several ? _("All signatures are valid") : _("The signature is valid");
    case Indication::TotalFailed:
      return several ? _("At least one signature is NOT valid") : _("The signature is NOT valid");
    case Indication::Indeterminate:
      break;
  }
  return several ? _("The signatures could not be fully verified") : _("The signature could not be fully verified");
}

/// describe()'s sentence starting with a capital letter.
wxString sentence(Indication i, SubIndication s) { return fromReport(describe(i, s)).Capitalize(); }

/// TOTAL-FAILED / FORMAT_FAILURE only because of what changed after the
/// signature: "not in a valid format" would send a person looking in the
/// wrong place.
bool failedByChanges(const SignatureReport& s) {
  if (s.indication != Indication::TotalFailed || s.subIndication != SubIndication::FormatFailure) return false;
  bool changes = false;
  for (const auto& c : s.checks) {
    if (c.status != Check::Status::Failed) continue;
    if (c.id == "modifications")
      changes = true;
    else if (c.id != "visualComparison")
      return false;  // failed for another reason too
  }
  return changes;
}

wxString signatureMeaning(const SignatureReport& s) {
  return failedByChanges(s) ? _("The document was changed after signing in a way this signature does not allow")
                            : sentence(s.indication, s.subIndication);
}

/// The header's sentence: as for a signature when every format failure is a change after signing.
wxString overallMeaning(const VerificationReport& r) {
  if (r.indication == Indication::TotalFailed && r.subIndication == SubIndication::FormatFailure) {
    bool any = false, all = true;
    for (const auto& s : r.signatures) {
      if (s.indication != Indication::TotalFailed || s.subIndication != SubIndication::FormatFailure) continue;
      any = true;
      all = all && failedByChanges(s);
    }
    if (any && all) {
      return r.signatures.size() == 1
                 ? _("The document was changed after signing in a way this signature does not allow")
                 : _("The document was changed after signing in a way a signature does not allow");
    }
  }
  return sentence(r.indication, r.subIndication);
}

wxString etsiCode(Indication i, SubIndication s) {
  wxString code = indicationCode(i);
  if (s != SubIndication::None) code << " / " << subIndicationCode(s);
  return code;
}

wxString certName(const Certificate& c) { return fromReport(c.commonName().empty() ? c.subject() : c.commonName()); }

// Same msgids as the text report.
wxString timestampTypeName(const std::string& type) {
  if (type == "signature") return _("signature time-stamp");
  if (type == "archive") return _("archive time-stamp");
  if (type == "content") return _("content time-stamp");
  if (type == "document") return _("document time-stamp");
  return fromReport(type);
}

wxString checkStatusText(Check::Status s) {
  switch (s) {
    case Check::Status::Passed:
      return utf8("\u2714 ") + _("passed");
    case Check::Status::Failed:
      return utf8("\u2718 ") + _("failed");
    case Check::Status::NotChecked:
      return utf8("\u2013 ") + _("not checked");
    case Check::Status::Warning:
      return utf8("\u26A0 ") + _("warning");
  }
  return {};
}

/// The "Details" text: checks, messages, what was signed, the signer's certificate.
wxString detailsText(const SignatureReport& s) {
  wxString out;
  if (!s.checks.empty()) {
    out << _("Checks:") << '\n';
    for (const auto& c : s.checks) {
      out << "  " << checkStatusText(c.status) << utf8(" \u2014 ") << fromReport(checkLabel(c.id));
      if (!c.detail.empty()) out << ": " << fromReport(describe(c.detail));
      out << '\n';
    }
    out << '\n';
  }
  if (!s.messages.empty()) {
    out << _("Messages:") << '\n';
    for (const auto& m : s.messages) out << utf8("  \u2022 ") << fromReport(describe(m)) << '\n';
    out << '\n';
  }
  for (const auto& d : s.signedData) out << _("Signed:") << ' ' << fromReport(describe(d)) << '\n';
  if (!s.digestAlgorithm.empty()) out << _("Digest algorithm:") << ' ' << fromReport(s.digestAlgorithm) << '\n';
  if (!s.signatureAlgorithm.empty()) {
    out << _("Signature algorithm:") << ' ' << fromReport(s.signatureAlgorithm) << '\n';
  }
  if (s.signer) out << '\n' << fromReport(certificateToText(*s.signer, ""));
  out.Trim();
  return out;
}

/// Writes `text` to `target` whole (AtomicFile), replacing what is there.
void replaceFile(const fs::path& target, const std::string& text) {
  try {
    AtomicFile out(target);
    out.write(text);
    out.placeReplacing();
  } catch (const Error& e) {
    throw Error(Category::Io, std::string(_("The report could not be saved.").utf8_string()), target.string(),
                e.message());
  }
}

// ------------------------------------------------------ signed version ---

ReportDialog::Opener& opener() {
  static ReportDialog::Opener o = [](const fs::path& file) {
    return wxLaunchDefaultApplication(wxString::FromUTF8(file.string()));
  };
  return o;
}

/// Removes signed versions older than a day: they were only ever for viewing.
void removeOldVersions(const fs::path& dir) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24);
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2) && !it->is_symlink(e2) && it->last_write_time(e2) < cutoff) fs::remove(it->path(), e2);
  }
}

/// The error of an Error in a message box's words.
wxString errorText(const Error& e) {
  wxString text = fromReport(e.message());
  if (!e.file().empty()) text << "\n" << fromReport(e.file());
  if (!e.detail().empty()) text << "\n" << fromReport(e.detail());
  return text;
}

// ---------------------------------------------------- page comparison ---

/// A region where two renderings of a page differ, in pixels of the rendering.
struct Box {
  int x1 = 0, y1 = 0, x2 = 0, y2 = 0;  ///< x2, y2 exclusive
};

/// Where `a` and `b` differ: differing pixels gathered in 8-pixel cells,
/// cells up to two apart joined, specks of fewer than 6 pixels dropped.
std::vector<Box> differences(const PageImage& a, const PageImage& b) {
  std::vector<Box> boxes;
  if (a.width != b.width || a.height != b.height || a.width <= 0 || a.height <= 0) return boxes;
  constexpr int kCell = 8;
  constexpr int kDiffer = 48;  // as the verifier's comparison: only noise is absorbed
  const int cw = (a.width + kCell - 1) / kCell;
  const int ch = (a.height + kCell - 1) / kCell;
  std::vector<std::uint32_t> count(static_cast<std::size_t>(cw) * static_cast<std::size_t>(ch), 0);
  for (int y = 0; y < a.height; ++y) {
    for (int x = 0; x < a.width; ++x) {
      const std::size_t k =
          (static_cast<std::size_t>(y) * static_cast<std::size_t>(a.width) + static_cast<std::size_t>(x)) * 3;
      int d = 0;
      for (int c = 0; c < 3; ++c) d = std::max(d, std::abs(int(a.rgb[k + c]) - int(b.rgb[k + c])));
      if (d > kDiffer)
        ++count[static_cast<std::size_t>(y / kCell) * static_cast<std::size_t>(cw) +
                static_cast<std::size_t>(x / kCell)];
    }
  }
  std::vector<bool> seen(count.size(), false);
  for (std::size_t start = 0; start < count.size(); ++start) {
    if (count[start] == 0 || seen[start]) continue;
    std::deque<std::size_t> queue{start};
    seen[start] = true;
    std::uint64_t pixels = 0;
    int cx1 = cw, cy1 = ch, cx2 = -1, cy2 = -1;
    while (!queue.empty()) {
      const std::size_t c = queue.front();
      queue.pop_front();
      const int cx = static_cast<int>(c % static_cast<std::size_t>(cw));
      const int cy = static_cast<int>(c / static_cast<std::size_t>(cw));
      pixels += count[c];
      cx1 = std::min(cx1, cx);
      cy1 = std::min(cy1, cy);
      cx2 = std::max(cx2, cx);
      cy2 = std::max(cy2, cy);
      for (int dy = -2; dy <= 2; ++dy) {
        for (int dx = -2; dx <= 2; ++dx) {
          const int nx = cx + dx, ny = cy + dy;
          if (nx < 0 || ny < 0 || nx >= cw || ny >= ch) continue;
          const std::size_t n =
              static_cast<std::size_t>(ny) * static_cast<std::size_t>(cw) + static_cast<std::size_t>(nx);
          if (count[n] == 0 || seen[n]) continue;
          seen[n] = true;
          queue.push_back(n);
        }
      }
    }
    if (pixels < 6) continue;
    boxes.push_back(
        Box{cx1 * kCell, cy1 * kCell, std::min(a.width, (cx2 + 1) * kCell), std::min(a.height, (cy2 + 1) * kCell)});
  }
  // Differences everywhere: one frame says as much as fifty.
  if (boxes.size() > 30) {
    Box all = boxes.front();
    for (const auto& b2 : boxes) {
      all.x1 = std::min(all.x1, b2.x1);
      all.y1 = std::min(all.y1, b2.y1);
      all.x2 = std::max(all.x2, b2.x2);
      all.y2 = std::max(all.y2, b2.y2);
    }
    boxes.assign(1, all);
  }
  return boxes;
}

/// Everything a page comparison shows, made off the GUI thread.
struct Rendering {
  PageImage before, after;  ///< 72 dpi, as the verifier compared them
  std::vector<Box> boxes;   ///< where they differ
  /// The differing region at 144 dpi, to read what changed; empty when the
  /// differences are everywhere or the page is too large.
  PageImage closeBefore, closeAfter;
  std::vector<Box> closeBoxes;
};

PageImage cropped(const PageImage& p, const Box& b) {
  PageImage out;
  const int x1 = std::clamp(b.x1, 0, p.width), x2 = std::clamp(b.x2, 0, p.width);
  const int y1 = std::clamp(b.y1, 0, p.height), y2 = std::clamp(b.y2, 0, p.height);
  if (x2 <= x1 || y2 <= y1) return out;
  out.width = x2 - x1;
  out.height = y2 - y1;
  out.rgb.reserve(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height) * 3);
  for (int y = y1; y < y2; ++y) {
    const auto row =
        p.rgb.begin() +
        static_cast<std::ptrdiff_t>(
            (static_cast<std::size_t>(y) * static_cast<std::size_t>(p.width) + static_cast<std::size_t>(x1)) * 3);
    out.rgb.insert(out.rgb.end(), row, row + static_cast<std::ptrdiff_t>(out.width) * 3);
  }
  return out;
}

/// Renders page `page` of the signed revision and of the file now, finds the
/// differences and, when they are in one part of a page of ordinary size,
/// renders that part sharper.
Rendering renderComparison(const fs::path& file, std::uint64_t signedBytes, int page) {
  Rendering r;
  r.before = renderPdfPage(file, signedBytes, page, 72.0);
  r.after = renderPdfPage(file, 0, page, 72.0);
  r.boxes = differences(r.before, r.after);
  if (r.boxes.empty()) return r;
  constexpr int kMargin = 12;
  Box focus{r.before.width, r.before.height, 0, 0};
  for (const auto& b : r.boxes) {
    focus.x1 = std::max(0, std::min(focus.x1, b.x1 - kMargin));
    focus.y1 = std::max(0, std::min(focus.y1, b.y1 - kMargin));
    focus.x2 = std::min(r.before.width, std::max(focus.x2, b.x2 + kMargin));
    focus.y2 = std::min(r.before.height, std::max(focus.y2, b.y2 + kMargin));
  }
  const auto area = [](const Box& b) { return static_cast<std::int64_t>(b.x2 - b.x1) * (b.y2 - b.y1); };
  const std::int64_t pageArea = static_cast<std::int64_t>(r.before.width) * r.before.height;
  if (pageArea > 4'000'000 || area(focus) * 10 > pageArea * 4) return r;  // huge page, or changes everywhere
  const auto twice = [](const Box& b) { return Box{b.x1 * 2, b.y1 * 2, b.x2 * 2, b.y2 * 2}; };
  const Box zoom = twice(focus);
  r.closeBefore = cropped(renderPdfPage(file, signedBytes, page, 144.0), zoom);
  r.closeAfter = cropped(renderPdfPage(file, 0, page, 144.0), zoom);
  for (const auto& b : r.boxes) {
    const Box z = twice(b);
    r.closeBoxes.push_back(Box{z.x1 - zoom.x1, z.y1 - zoom.y1, z.x2 - zoom.x1, z.y2 - zoom.y1});
  }
  return r;
}

wxImage toImage(const PageImage& p) {
  wxImage img(p.width, p.height, false);
  std::memcpy(img.GetData(), p.rgb.data(), p.rgb.size());
  return img;
}

/// `image` scaled to `height` pixels (or to fit `maxWidth`), with `boxes`
/// (in the image's pixels) framed in red.
wxBitmap framed(const wxImage& image, int height, int maxWidth, const std::vector<Box>& boxes) {
  double scale = static_cast<double>(height) / image.GetHeight();
  if (maxWidth > 0 && image.GetWidth() * scale > maxWidth) scale = static_cast<double>(maxWidth) / image.GetWidth();
  const int w = std::max(1, static_cast<int>(image.GetWidth() * scale + 0.5));
  const int h = std::max(1, static_cast<int>(image.GetHeight() * scale + 0.5));
  wxBitmap bitmap(image.Scale(w, h, wxIMAGE_QUALITY_HIGH));
  if (!boxes.empty()) {
    wxMemoryDC dc(bitmap);
    dc.SetPen(wxPen(wxColour(0xD0, 0x10, 0x10), 2));
    dc.SetBrush(*wxTRANSPARENT_BRUSH);
    for (const auto& b : boxes) {
      const int x1 = static_cast<int>(b.x1 * scale) - 3, y1 = static_cast<int>(b.y1 * scale) - 3;
      const int x2 = static_cast<int>(b.x2 * scale + 0.5) + 3, y2 = static_cast<int>(b.y2 * scale + 0.5) + 3;
      dc.DrawRectangle(std::max(0, x1), std::max(0, y1), std::min(w, x2) - std::max(0, x1),
                       std::min(h, y2) - std::max(0, y1));
    }
    dc.SelectObject(wxNullBitmap);
  }
  return bitmap;
}

/// A page image, or words while there is none; a click runs `onClick`.
class Thumbnail final : public wxPanel {
 public:
  Thumbnail(wxWindow* parent, const wxSize& size)
      : wxPanel(parent, wxID_ANY, wxDefaultPosition, size, wxBORDER_SIMPLE) {
    SetBackgroundStyle(wxBG_STYLE_PAINT);
    SetMinSize(size);
    m_text = _("Rendering…");
    Bind(wxEVT_PAINT, &Thumbnail::onPaint, this);
    Bind(wxEVT_LEFT_UP, [this](wxMouseEvent&) {
      if (m_bitmap.IsOk() && onClick) onClick();
    });
  }
  void setBitmap(const wxBitmap& b) {
    m_bitmap = b;
    const wxSize size(b.GetWidth() + 2, b.GetHeight() + 2);
    SetMinSize(size);
    SetSize(size);
    SetCursor(wxCursor(wxCURSOR_HAND));
    SetToolTip(_("Click a page to enlarge it."));
    Refresh();
  }
  void setText(const wxString& text) {
    m_text = text;
    Refresh();
  }
  bool hasBitmap() const { return m_bitmap.IsOk(); }
  std::function<void()> onClick;

 private:
  void onPaint(wxPaintEvent&) {
    wxAutoBufferedPaintDC dc(this);
    dc.SetBackground(*wxWHITE_BRUSH);
    dc.Clear();
    if (m_bitmap.IsOk()) {
      dc.DrawBitmap(m_bitmap, 0, 0);
      return;
    }
    dc.SetTextForeground(wxSystemSettings::GetColour(wxSYS_COLOUR_GRAYTEXT));
    dc.SetFont(GetFont());
    const wxRect area = wxRect(GetClientSize()).Deflate(FromDIP(6));
    // Wrapped by hand: DrawLabel does not wrap.
    wxString wrapped, line;
    for (const auto& word : wxSplit(m_text, ' ')) {
      const wxString next = line.empty() ? word : line + ' ' + word;
      if (!line.empty() && dc.GetTextExtent(next).GetWidth() > area.GetWidth()) {
        wrapped << line << '\n';
        line = word;
      } else {
        line = next;
      }
    }
    wrapped << line;
    dc.DrawLabel(wrapped, area, wxALIGN_CENTRE);
  }
  wxBitmap m_bitmap;
  wxString m_text;
};

}  // namespace

/// One page of a signature whose rendering changed: the signed version and
/// what the file shows now, side by side, differences framed in red.
class PageComparison final : public wxPanel {
 public:
  PageComparison(wxWindow* parent, int page) : wxPanel(parent, wxID_ANY), m_page(page) {
    SetName(wxString::Format("pageComparison%d", page));
    auto* box = new wxBoxSizer(wxVERTICAL);
    auto* heading = plainText(this, wxString::Format(_("Page %d: the signed version and the document now"), page));
    heading->SetFont(heading->GetFont().Bold());
    box->Add(heading, 0, wxBOTTOM, FromDIP(6));
    const int h = FromDIP(kThumbHeight);
    const wxSize placeholder(h * 17 / 22, h);  // a sheet of paper until the page is known
    auto* row = new wxBoxSizer(wxHORIZONTAL);
    const auto column = [&](const wxString& label, Thumbnail*& thumb, const char* name) {
      auto* col = new wxBoxSizer(wxVERTICAL);
      auto* l = plainText(this, label);
      l->SetFont(l->GetFont().Bold());
      col->Add(l, 0, wxBOTTOM, FromDIP(3));
      thumb = new Thumbnail(this, placeholder);
      thumb->SetName(name);
      thumb->onClick = [this] { enlarge(); };
      col->Add(thumb, 0);
      row->Add(col, 0, wxRIGHT, FromDIP(16));
    };
    column(_("Signed version"), m_signed, "signedPage");
    column(_("Now"), m_now, "currentPage");
    box->Add(row, 0);
    m_note = plainText(this, wxEmptyString);
    box->Add(m_note, 0, wxTOP, FromDIP(4));
    // The changed part, large enough to read, once it is rendered.
    m_closeUp = new wxBoxSizer(wxVERTICAL);
    box->Add(m_closeUp, 0, wxTOP, FromDIP(8));
    SetSizer(box);
  }

  int page() const { return m_page; }
  bool shown() const { return m_signed->hasBitmap() && m_now->hasBitmap(); }

  void show(const Rendering& r) {
    const PageImage& before = r.before;
    const PageImage& after = r.after;
    const auto& boxes = r.boxes;
    m_before = toImage(before);
    m_after = toImage(after);
    m_boxes = boxes;
    const int h = FromDIP(kThumbHeight);
    m_signed->setBitmap(framed(m_before, h, 0, m_boxes));
    m_now->setBitmap(framed(m_after, h, 0, m_boxes));
    wxString note;
    if (before.width != after.width || before.height != after.height) {
      note = _("The page has another size than in the signed version.");
    } else if (!boxes.empty()) {
      note = _("Red frames mark where the page differs from the signed version.");
    } else {
      note = _("The differences are too small to frame; compare the two pages closely.");
    }
    m_note->SetLabelText(note + ' ' + _("Click a page to enlarge it."));
    if (r.closeBefore.width > 0 && r.closeAfter.width > 0) {
      auto* heading = plainText(this, _("Close-up of the changes"));
      heading->SetFont(heading->GetFont().Bold());
      m_closeUp->Add(heading, 0, wxBOTTOM, FromDIP(4));
      // 144 dpi shown at 0.6: text about as large as the window's own.
      const int maxWidth = FromDIP(680);
      const auto add = [&](const wxString& label, const PageImage& image, const char* name) {
        m_closeUp->Add(plainText(this, label), 0, wxBOTTOM, FromDIP(2));
        const wxImage img = toImage(image);
        const int height = std::max(1, static_cast<int>(img.GetHeight() * 0.6 * GetDPIScaleFactor()));
        auto* bitmap = new wxStaticBitmap(this, wxID_ANY, framed(img, height, maxWidth, r.closeBoxes));
        bitmap->SetName(name);
        m_closeUp->Add(bitmap, 0, wxBOTTOM, FromDIP(6));
      };
      add(_("Signed version"), r.closeBefore, "signedCloseUp");
      add(_("Now"), r.closeAfter, "currentCloseUp");
    }
    relayout();
  }

  void fail(const wxString& why) {
    const wxString text = _("This page cannot be shown:") + ' ' + why;
    m_signed->setText(text);
    m_now->setText(text);
    m_failed = true;
  }
  bool failed() const { return m_failed; }

 private:
  static constexpr int kThumbHeight = 300;

  void relayout() {
    for (wxWindow* w = this; w; w = w->GetParent()) {
      w->Layout();
      if (auto* scrolled = dynamic_cast<wxScrolledWindow*>(w)) {
        scrolled->FitInside();
        break;
      }
    }
  }

  /// Both pages as large as the screen allows (the 72 dpi renderings, not enlarged beyond 1:1... unless small).
  void enlarge() {
    wxDialog dialog(wxGetTopLevelParent(this), wxID_ANY,
                    wxString::Format(_("Page %d: the signed version and the document now"), m_page), wxDefaultPosition,
                    wxDefaultSize, wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER);
    dialog.SetName("pageEnlarged");
    const wxRect screen = wxDisplay(&dialog).GetClientArea();
    const int height = std::max(FromDIP(300), screen.GetHeight() - FromDIP(190));
    const int maxWidth = std::max(FromDIP(200), (screen.GetWidth() - FromDIP(80)) / 2);
    auto* top = new wxBoxSizer(wxVERTICAL);
    // Also inside: not every window manager shows titles prominently.
    auto* heading = plainText(&dialog, dialog.GetTitle());
    heading->SetFont(heading->GetFont().Bold().Scaled(1.1f));
    top->Add(heading, 0, wxLEFT | wxRIGHT | wxTOP, FromDIP(10));
    auto* row = new wxBoxSizer(wxHORIZONTAL);
    const auto column = [&](const wxString& label, const wxImage& image) {
      auto* col = new wxBoxSizer(wxVERTICAL);
      auto* l = plainText(&dialog, label);
      l->SetFont(l->GetFont().Bold());
      col->Add(l, 0, wxBOTTOM, FromDIP(3));
      col->Add(new wxStaticBitmap(&dialog, wxID_ANY, framed(image, height, maxWidth, m_boxes)), 0);
      row->Add(col, 0, wxALL, FromDIP(6));
    };
    column(_("Signed version"), m_before);
    column(_("Now"), m_after);
    top->Add(row, 1, wxALL, FromDIP(4));
    auto* close = new wxButton(&dialog, wxID_CLOSE);
    close->Bind(wxEVT_BUTTON, [&dialog](wxCommandEvent&) { dialog.EndModal(wxID_CLOSE); });
    dialog.SetEscapeId(wxID_CLOSE);
    top->Add(close, 0, wxALIGN_RIGHT | wxALL, FromDIP(8));
    dialog.SetSizerAndFit(top);
    dialog.CentreOnParent();
    dialog.ShowModal();
  }

  int m_page;
  Thumbnail* m_signed = nullptr;
  Thumbnail* m_now = nullptr;
  wxStaticText* m_note = nullptr;
  wxBoxSizer* m_closeUp = nullptr;
  wxImage m_before, m_after;
  std::vector<Box> m_boxes;
  bool m_failed = false;
};

std::optional<FileStamp> FileStamp::of(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  FileStamp s;
  s.device = static_cast<std::uint64_t>(st.st_dev);
  s.inode = static_cast<std::uint64_t>(st.st_ino);
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.modifiedNs = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.changedNs = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  return s;
}

ReportDialog::Opener ReportDialog::setOpener(Opener o) {
  Opener previous = std::move(opener());
  opener() = std::move(o);
  return previous;
}

fs::path ReportDialog::signedVersionsFolder() {
  // Per user, never shared: the temporary folder may be /tmp.
  const fs::path dir = fs::path(wxStandardPaths::Get().GetTempDir().utf8_string()) /
                       ("securedoc-signed-versions-" + std::to_string(::getuid()));
  const auto refuse = [&dir](const std::string& why) {
    throw Error(Category::Io, _("The private folder for signed versions cannot be used.").utf8_string(), dir.string(),
                why);
  };
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) refuse(std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) refuse(std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) refuse("not a folder");
  if (st.st_uid != ::getuid()) refuse("owned by another user");
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) refuse(std::strerror(errno));
  return dir;
}

ReportDialog::ReportDialog(wxWindow* parent, const VerificationReport& report, std::optional<FileStamp> verified)
    : wxDialog(parent, wxID_ANY,
               _("Verification report") + utf8(" \u2014 ") + fromReport(fs::path(report.file).filename().string()),
               wxDefaultPosition, wxDefaultSize, wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER),
      m_report(report),
      m_stamp(verified ? verified : FileStamp::of(report.file)),
      m_pages(report.signatures.size()),
      m_previews(report.signatures.size(), nullptr) {
  SetName("reportDialog");
  // Wider when pages are shown side by side; known before the pages are made
  // so that their texts wrap to it.
  bool sideBySide = false;
  for (const auto& sig : m_report.signatures)
    for (const auto& m : sig.modifications)
      sideBySide |= m.code == "page-looks-different" || m.code == "content-covered";
  const wxRect screen = wxDisplay(parent ? parent : static_cast<wxWindow*>(this)).GetClientArea();
  const wxSize size = sideBySide ? wxSize(std::min(FromDIP(800), screen.GetWidth()),
                                          std::min(FromDIP(900), screen.GetHeight() - FromDIP(20)))
                                 : FromDIP(wxSize(720, 560));
  m_contentWidth = size.GetWidth() - FromDIP(8);
  auto* top = new wxBoxSizer(wxVERTICAL);
  top->Add(makeHeader(this), 0, wxEXPAND);

  if (m_report.signatures.empty()) {
    auto* none = new wxStaticText(this, wxID_ANY, _("The file holds no signature."), wxDefaultPosition, wxDefaultSize,
                                  wxALIGN_CENTRE_HORIZONTAL);
    none->SetFont(none->GetFont().Bold().Scaled(1.2f));
    none->SetName("noSignature");
    top->AddStretchSpacer();
    top->Add(none, 0, wxALL | wxEXPAND, FromDIP(24));
    top->AddStretchSpacer();
  } else if (m_report.signatures.size() == 1) {
    top->Add(makeSignaturePage(this, 0), 1, wxEXPAND | wxALL, FromDIP(4));
  } else {
    auto* book = new wxNotebook(this, wxID_ANY);
    book->SetName("signatures");
    for (std::size_t i = 0; i < m_report.signatures.size(); ++i) {
      const SignatureReport& sig = m_report.signatures[i];
      wxString label = utf8(lookOf(sig.indication).symbol) + ' ';
      wxString who = sig.signer ? certName(*sig.signer) : fromReport(sig.id);
      if (who.length() > 40) who = who.Left(39) + utf8("\u2026");  // tabs stay narrow; the page has the full name
      label << who;
      book->AddPage(makeSignaturePage(book, i), wxControl::EscapeMnemonics(label));
    }
    // Pages are rendered for a signature when its tab is first shown.
    book->Bind(wxEVT_NOTEBOOK_PAGE_CHANGED, [this](wxBookCtrlEvent& e) {
      if (e.GetSelection() >= 0) renderComparisons(static_cast<std::size_t>(e.GetSelection()));
      e.Skip();
    });
    top->Add(book, 1, wxEXPAND | wxALL, FromDIP(4));
  }

  top->Add(makeButtons(), 0, wxEXPAND | wxALL, FromDIP(8));
  SetSizer(top);
  SetMinSize(FromDIP(wxSize(480, 360)));
  SetSize(size);
  CentreOnParent();
  if (!m_report.signatures.empty()) renderComparisons(0);  // the page shown first
}

ReportDialog::~ReportDialog() {
  *m_alive = false;
  m_stop->store(true);
}

std::size_t ReportDialog::comparisons() const {
  std::size_t n = 0;
  for (const auto& p : m_pages) n += p.comparisons.size();
  return n;
}

std::size_t ReportDialog::comparisonsShown() const {
  std::size_t n = 0;
  for (const auto& p : m_pages)
    for (const auto* c : p.comparisons) n += c->shown() ? 1 : 0;
  return n;
}

bool ReportDialog::fileUnchanged(const wxString& title) {
  const auto now = FileStamp::of(m_report.file);
  if (m_stamp && now && *now == *m_stamp) return true;
  wxMessageBox(_("The file has changed since it was verified, so its signed version cannot be shown from this report. "
                 "Verify the file again."),
               title, wxOK | wxICON_WARNING, this);
  return false;
}

void ReportDialog::addSignedPagePreview(wxWindow* page, wxSizer* box, std::size_t index, int wrap) {
  const SignatureReport& s = m_report.signatures[index];
  const bool revision = s.coversWholeDocument && !*s.coversWholeDocument && s.signedBytes;
  if (!s.appearance && !revision) return;
  const wxColour grey = wxSystemSettings::GetColour(wxSYS_COLOUR_GRAYTEXT);
  auto* row = new wxBoxSizer(wxHORIZONTAL);
  if (s.appearance) {
    auto* where = new wxButton(page, wxID_ANY, _("Show on the &page"));
    where->SetName("showSignatureOnPage");
    where->Bind(wxEVT_BUTTON, [this, index](wxCommandEvent&) { showInPreview(index, false); });
    row->Add(where, 0, wxALIGN_CENTRE_VERTICAL | wxRIGHT, FromDIP(8));
  }
  if (revision) {
    // What was signed, exactly: the revision this signature covers.
    auto* view = new wxButton(page, wxID_ANY, _("View &signed version"));
    view->SetName("viewSignedVersion");
    view->Bind(wxEVT_BUTTON, [this, index](wxCommandEvent&) { showInPreview(index, true); });
    row->Add(view, 0, wxALIGN_CENTRE_VERTICAL | wxRIGHT, FromDIP(8));
    auto* open = new wxButton(page, wxID_ANY, _("Open in PDF &viewer"));
    open->SetName("openSignedVersion");
    open->SetToolTip(_("Opens exactly what this signature covers in your PDF viewer."));
    open->Bind(wxEVT_BUTTON, [this, index](wxCommandEvent&) { viewSignedVersion(index); });
    row->Add(open, 0, wxALIGN_CENTRE_VERTICAL);
  }
  box->Add(row, 0, wxLEFT | wxRIGHT | wxTOP, FromDIP(10));
  const wxString hint =
      s.appearance ? wxString::Format(_("The signature is shown on page %s, in the dashed frame."),
                                      wxString::FromUTF8(readableCount(static_cast<std::uint64_t>(s.appearance->page))))
                   : _("The signature is not shown on any page (an invisible signature).");
  auto* hintText = plainText(page, revision ? hint + ' ' + _("The signed version is exactly what it covers.") : hint);
  hintText->SetForegroundColour(grey);
  hintText->Wrap(wrap);
  box->Add(hintText, 0, wxLEFT | wxRIGHT | wxTOP, FromDIP(10));
  // The preview, made now and shown when asked for: the same pane as the
  // main window's, so pages, zoom and keys work alike.
  auto* pane = new PreviewPane(page);
  pane->SetName(wxString::Format("signaturePreview%zu", index));
  pane->SetMinSize(wxSize(-1, FromDIP(460)));
  pane->Hide();
  box->Add(pane, 0, wxEXPAND | wxLEFT | wxRIGHT | wxTOP, FromDIP(10));
  m_previews[index] = pane;
}

void ReportDialog::showInPreview(std::size_t index, bool signedVersion) {
  if (index >= m_previews.size() || !m_previews[index]) return;
  const wxString title = signedVersion ? _("View signed version") : _("Show on the page");
  fs::path file = m_report.file;
  if (signedVersion) {
    const auto written = writeSignedVersion(index, title);
    if (!written) return;
    file = *written;
  } else if (!fileUnchanged(title)) {
    return;
  }
  PreviewPane* pane = m_previews[index];
  const std::optional<SignatureAppearance> mark = m_report.signatures[index].appearance;
  // On the signature's page first, its frame drawn there (and only there).
  auto first = std::make_shared<bool>(true);
  pane->onShown = [pane, mark, first] {
    if (pane->kind() != PreviewPane::Kind::Pdf || !mark) return;
    if (*first) {
      *first = false;
      if (mark->page - 1 != pane->page()) {
        pane->goToPage(mark->page - 1);
        return;
      }
    }
    if (pane->page() != mark->page - 1) {
      pane->pageView().setOverlay(std::nullopt);
      return;
    }
    const PageRect rect{mark->x, mark->y, mark->x + mark->width, mark->y + mark->height};
    PageView& view = pane->pageView();
    view.setOverlay(rect);
    // The frame in sight: a signature often sits at the foot of the page.
    int unitX = 0;
    int unitY = 0;
    view.GetScrollPixelsPerUnit(&unitX, &unitY);
    const wxPoint top = view.CalcUnscrolledPosition(view.toWindow(rect).GetTopLeft());
    if (unitY > 0) view.Scroll(-1, std::max(0, top.y - view.FromDIP(40)) / unitY);
  };
  pane->Show();
  pane->GetParent()->Layout();
  if (auto* scrolled = dynamic_cast<wxScrolledWindow*>(pane->GetParent())) {
    scrolled->FitInside();
    // Brought into view: the pane is below the signature's details.
    int unitX = 0;
    int unitY = 0;
    scrolled->GetScrollPixelsPerUnit(&unitX, &unitY);
    if (unitY > 0) scrolled->Scroll(-1, pane->GetPosition().y / unitY + scrolled->GetViewStart().y);
  }
  pane->show(file);
}

std::optional<fs::path> ReportDialog::writeSignedVersion(std::size_t index, const wxString& title) {
  if (index >= m_report.signatures.size() || !fileUnchanged(title)) return std::nullopt;
  fs::path written;
  try {
    wxBusyCursor wait;
    const fs::path dir = signedVersionsFolder();
    removeOldVersions(dir);
    written = saveSignedRevision(m_report.file, m_report.signatures[index], dir);
    ::chmod(written.c_str(), 0400);  // for viewing: a viewer's Save cannot change what was signed
  } catch (const Error& e) {
    wxMessageBox(_("The signed version could not be saved.") + "\n\n" + errorText(e), title, wxOK | wxICON_ERROR, this);
    return std::nullopt;
  } catch (const std::exception& e) {
    wxMessageBox(_("The signed version could not be saved.") + "\n\n" + fromReport(e.what()), title,
                 wxOK | wxICON_ERROR, this);
    return std::nullopt;
  }
  // Copied while the file stayed the one verified?
  if (!fileUnchanged(title)) {
    std::error_code ec;
    fs::remove(written, ec);
    return std::nullopt;
  }
  m_lastSignedVersion = written;
  return written;
}

void ReportDialog::viewSignedVersion(std::size_t index) {
  const wxString title = _("Open in PDF viewer");
  const auto written = writeSignedVersion(index, title);
  if (!written) return;
  if (!opener()(*written)) {
    wxMessageBox(
        wxString::Format(_("No program to show PDF files could be started. The signed version was saved as:\n%s"),
                         fromReport(written->string())),
        title, wxOK | wxICON_WARNING, this);
  }
}

void ReportDialog::renderComparisons(std::size_t index) {
  if (index >= m_pages.size() || m_pages[index].requested || m_pages[index].comparisons.empty()) return;
  m_pages[index].requested = true;
  const SignatureReport& sig = m_report.signatures[index];
  if (!sig.signedBytes) return;
  struct Job {
    PageComparison* comparison;
    int page;
  };
  std::vector<Job> jobs;
  for (auto* c : m_pages[index].comparisons) jobs.push_back(Job{c, c->page()});
  const fs::path file = m_report.file;
  const std::uint64_t signedBytes = *sig.signedBytes;
  const auto stamp = m_stamp;
  auto alive = m_alive;
  auto stop = m_stop;
  const wxString changedText = _("the file has changed since it was verified");  // _() on the GUI thread
  // Off the GUI thread: a page that takes long to draw must not freeze the
  // window; the results come back through the app and are dropped when the
  // dialog is gone.
  startBackground([jobs, file, signedBytes, stamp, alive, stop, changedText] {
    for (const auto& job : jobs) {
      if (stop->load()) return;
      Rendering rendering;
      wxString error;
      const auto unchanged = [&] {
        const auto now = FileStamp::of(file);
        return stamp && now && *now == *stamp;
      };
      try {
        if (unchanged()) rendering = renderComparison(file, signedBytes, job.page);
        if (!unchanged()) error = changedText;
      } catch (const Error& e) {
        error = fromReport(e.message());
      } catch (const std::exception& e) {
        error = fromReport(e.what());
      }
      wxTheApp->CallAfter([alive, comparison = job.comparison, rendering = std::move(rendering), error] {
        if (!*alive) return;
        if (error.empty())
          comparison->show(rendering);
        else
          comparison->fail(error);
      });
    }
  });
}

wxWindow* ReportDialog::makeHeader(wxWindow* parent) {
  const Indication overall = m_report.signatures.empty() ? Indication::Indeterminate : m_report.indication;
  const Look look = lookOf(overall);
  auto* panel = new wxPanel(parent, wxID_ANY);
  panel->SetName("resultHeader");
  panel->SetBackgroundColour(look.background);
  panel->SetForegroundColour(look.text);

  auto* row = new wxBoxSizer(wxHORIZONTAL);
  const wxSize iconSize(48, 48);
  wxBitmapBundle icon;
  // The icon theme's green tick when it has one (GTK icon name), else the stock ones.
  if (overall == Indication::TotalPassed)
    icon = wxArtProvider::GetBitmapBundle("emblem-default", wxART_MESSAGE_BOX, iconSize);
  if (!icon.IsOk()) icon = wxArtProvider::GetBitmapBundle(look.icon, wxART_MESSAGE_BOX, iconSize);
  if (!icon.IsOk()) icon = wxArtProvider::GetBitmapBundle(wxART_INFORMATION, wxART_MESSAGE_BOX, iconSize);
  row->Add(new wxStaticBitmap(panel, wxID_ANY, icon), 0, wxALIGN_CENTRE_VERTICAL | wxALL, FromDIP(12));

  auto* text = new wxBoxSizer(wxVERTICAL);
  const wxString words =
      m_report.signatures.empty() ? _("No signature found") : headline(overall, m_report.signatures.size());
  auto* head = plainText(panel, utf8(look.symbol) + ' ' + words);
  head->SetName("headline");
  head->SetFont(head->GetFont().Bold().Scaled(1.5f));
  text->Add(head, 0, wxBOTTOM, FromDIP(4));
  if (!m_report.signatures.empty()) {
    // The code goes below the words when both do not fit on one line.
    auto* line = new wxWrapSizer(wxHORIZONTAL);
    const wxString meaningText = overallMeaning(m_report);
    const bool repeatsHeadline = meaningText == words;  // "The signature is valid" twice says nothing more
    if (!repeatsHeadline) {
      auto* meaning = plainText(panel, meaningText);
      meaning->SetName("meaning");
      meaning->SetFont(meaning->GetFont().Scaled(1.1f));
      line->Add(meaning, 0, wxALIGN_CENTRE_VERTICAL | wxRIGHT, FromDIP(8));
    }
    auto* code = plainText(panel, etsiCode(overall, m_report.subIndication));
    code->SetFont(code->GetFont().Smaller());
    line->Add(code, 0, wxALIGN_CENTRE_VERTICAL);
    text->Add(line, 0, wxEXPAND | wxBOTTOM, FromDIP(6));
  }
  // Ellipsized in the middle so a long path never widens the window; the tooltip has all of it.
  auto* file = new wxStaticText(panel, wxID_ANY, wxEmptyString, wxDefaultPosition, wxDefaultSize,
                                wxST_ELLIPSIZE_MIDDLE | wxST_NO_AUTORESIZE);
  file->SetLabelText(_("File:") + ' ' + fromReport(m_report.file));
  file->SetToolTip(fromReport(m_report.file));
  text->Add(file, 0, wxEXPAND | wxBOTTOM, FromDIP(2));
  if (m_report.validationTime) {
    auto* when = plainText(panel, _("Validation time:") + ' ' + fromReport(readableTime(*m_report.validationTime)));
    when->SetToolTip(fromReport(utcTime(*m_report.validationTime)));
    text->Add(when);
  }
  row->Add(text, 1, wxALIGN_CENTRE_VERTICAL | wxTOP | wxBOTTOM | wxRIGHT, FromDIP(12));
  for (wxWindow* child : panel->GetChildren()) {
    child->SetForegroundColour(look.text);
    child->SetBackgroundColour(look.background);
  }
  panel->SetSizer(row);
  return panel;
}

// Long on purpose: it lays out one signature's page top to bottom in the
// order a person reads it (verdict, signer, times, checks, changes); the
// pieces it shares with other pages are already functions of their own.
wxWindow* ReportDialog::makeSignaturePage(wxWindow* parent, std::size_t index) {
  const SignatureReport& s = m_report.signatures[index];
  auto* page = new wxScrolledWindow(parent, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxVSCROLL);
  page->SetScrollRate(0, FromDIP(12));
  const Look look = lookOf(s.indication);
  const int wrap = std::min(FromDIP(460), m_contentWidth - FromDIP(60));
  const wxColour grey = wxSystemSettings::GetColour(wxSYS_COLOUR_GRAYTEXT);
  auto* box = new wxBoxSizer(wxVERTICAL);

  // The title and the result in words, with the ETSI code small and grey.
  const wxString title =
      s.counterSignatureOf.empty()
          ? fromReport(format(tr("Signature {0} ({1} {2})"), {s.id, s.format, s.level}))
          : fromReport(format(tr("Counter-signature {0} of {1} ({2})"), {s.id, s.counterSignatureOf, s.format}));
  auto* titleText = plainText(page, title);
  titleText->SetFont(titleText->GetFont().Bold());
  box->Add(titleText, 0, wxLEFT | wxRIGHT | wxTOP, FromDIP(10));
  auto* result = new wxBoxSizer(wxHORIZONTAL);
  auto* words = plainText(page, utf8(look.symbol) + ' ' + signatureMeaning(s));
  words->SetForegroundColour(look.accent);
  words->SetFont(words->GetFont().Bold().Scaled(1.15f));
  words->Wrap(wrap);
  result->Add(words, 0, wxALIGN_CENTRE_VERTICAL);
  auto* code = plainText(page, etsiCode(s.indication, s.subIndication));
  code->SetForegroundColour(grey);
  code->SetFont(code->GetFont().Smaller());
  result->Add(code, 0, wxALIGN_CENTRE_VERTICAL | wxLEFT, FromDIP(8));
  box->Add(result, 0, wxALL, FromDIP(10));

  auto* grid = new wxFlexGridSizer(2, FromDIP(6), FromDIP(12));
  grid->AddGrowableCol(1, 1);
  // Values are wrapped to what the labels leave of the page (Polish labels are long).
  std::vector<wxStaticText*> labels;
  std::vector<wxStaticText*> values;
  const auto addLabel = [&](const wxString& label) {
    labels.push_back(plainText(page, label));
    grid->Add(labels.back(), 0, wxALIGN_TOP);
  };
  // `hover`: the times in UTC, for a reader who compares with another zone.
  const auto addRow = [&](const wxString& label, const wxString& value, bool strong = false,
                          const wxString& hover = wxString()) {
    addLabel(label);
    auto* v = plainText(page, value);
    if (strong) v->SetFont(v->GetFont().Bold());
    if (!hover.empty()) v->SetToolTip(hover);
    values.push_back(v);
    grid->Add(v, 1, wxEXPAND);
  };

  if (s.signer) {
    addRow(_("Signed by:"), certName(*s.signer), true);
    const std::string id = s.signer->subjectField("serialNumber");
    if (!id.empty()) addRow(_("Personal/identity number:"), fromReport(id));
    // The issuer's common name when its certificate is at hand (the DN is
    // in Details), else the DN.
    const std::string issuerName = s.chain.size() > 1 ? s.chain[1].commonName() : std::string();
    addRow(_("Issuer:"), fromReport(issuerName.empty() ? s.signer->issuer() : issuerName));
  } else {
    addRow(_("Signed by:"), _("unknown (no signing certificate)"));
  }
  addRow(_("Signing time (claimed by the signer):"),
         s.signingTime ? fromReport(readableTime(*s.signingTime)) : _("not stated"), false,
         s.signingTime ? fromReport(utcTime(*s.signingTime)) : wxString());
  addRow(_("Format:"), fromReport(s.level.empty() ? s.format : s.format + " " + s.level));
  if (!s.counterSignatureOf.empty()) addRow(_("Counter-signature of:"), fromReport(s.counterSignatureOf));

  wxString stamps;
  wxString stampsUtc;
  for (const auto& t : s.timestamps) {
    if (!stamps.empty()) stamps << '\n';
    if (t.time) stampsUtc << (stampsUtc.empty() ? "" : "\n") << fromReport(utcTime(*t.time));
    stamps << timestampTypeName(t.type) << ", " << (t.time ? fromReport(readableTime(*t.time)) : wxString("?")) << ", "
           << (t.tsa ? certName(*t.tsa) : _("unknown")) << utf8(" \u2014 ") << utf8(lookOf(t.indication).symbol) << ' '
           << fromReport(describe(t.indication, t.subIndication)) << " (" << etsiCode(t.indication, t.subIndication)
           << ')';
    if (!t.detail.empty()) stamps << ": " << fromReport(describe(t.detail));
    for (const auto& c : t.checks) {
      if (c.status == Check::Status::Passed) continue;
      stamps << "\n  " << checkStatusText(c.status) << utf8(" \u2014 ") << fromReport(checkLabel(c.id));
      if (!c.detail.empty()) stamps << ": " << fromReport(describe(c.detail));
    }
  }
  addRow(_("Time-stamps:"), stamps.empty() ? _("none") : stamps, false, stampsUtc);

  wxString chain;
  for (std::size_t i = 0; i < s.chain.size(); ++i) {
    if (i) chain << '\n';
    // The common name reads better than the whole DN; the DN is in Details.
    const std::string cn = s.chain[i].commonName();
    chain << wxString(' ', 2 * i) << (i ? utf8("\u2514 ") : wxString())
          << fromReport(cn.empty() ? s.chain[i].subject() : cn);
  }
  addRow(_("Certificate chain:"), chain.empty() ? _("none") : chain);

  wxString covers = _("not applicable");
  if (s.coversWholeDocument) covers = *s.coversWholeDocument ? _("yes") : _("no");
  addRow(_("Covers the whole document:"), covers, s.coversWholeDocument && !*s.coversWholeDocument);
  // ETSI EN 319 102-1 §5.2.7: whether the signed data and the value are
  // intact is shown on its own, also when nobody vouches for the certificate.
  addRow(_("Integrity:"), fromReport(integrityWords(integrityOf(s))), integrityOf(s) == Check::Status::Failed);
  // An XML signature over part of the document: name the part, prominently
  // (a PDF's signed part is its revision, shown with "View signed version").
  if (s.coversWholeDocument && !*s.coversWholeDocument && !s.signedBytes && !s.signedData.empty()) {
    wxString part;
    for (const auto& d : s.signedData) {
      if (!part.empty()) part << '\n';
      part << utf8("\u2022 ") << fromReport(describe(d));
    }
    addRow(_("Only this is signed:"), part, true);
  }

  wxString changes;
  for (const auto& m : s.modifications) {
    if (!changes.empty()) changes << '\n';
    changes << utf8("\u2022 ") << fromReport(describe(m));
  }
  const bool changed = !changes.empty() || (s.modificationLevel && *s.modificationLevel != ModificationLevel::None);
  if (!changed) {
    addRow(_("Changed after signing:"), _("nothing"));
  } else if (!s.modificationLevel) {
    addRow(_("Changed after signing:"), changes, true);
  } else {
    // The level in words first (with whether this signature allows it), then each change.
    addLabel(_("Changed after signing:"));
    auto* what = new wxBoxSizer(wxVERTICAL);
    wxString level = fromReport(modificationLevelName(*s.modificationLevel));
    const auto check =
        std::find_if(s.checks.begin(), s.checks.end(), [](const Check& c) { return c.id == "modifications"; });
    if (*s.modificationLevel != ModificationLevel::Other && check != s.checks.end()) {
      if (check->status == Check::Status::Passed) level << utf8(" \u2014 ") << _("allowed by this signature");
      if (check->status == Check::Status::Failed) level << utf8(" \u2014 ") << _("not allowed by this signature");
    }
    auto* levelText = plainText(page, level);
    levelText->SetName("modificationLevel");
    levelText->SetFont(levelText->GetFont().Bold());
    values.push_back(levelText);
    what->Add(levelText, 0, wxBOTTOM, FromDIP(2));
    if (!changes.empty()) {
      auto* list = plainText(page, changes);
      list->SetName("modifications");
      values.push_back(list);
      what->Add(list, 0);
    }
    grid->Add(what, 1, wxEXPAND);
  }
  box->Add(grid, 0, wxEXPAND | wxLEFT | wxRIGHT, FromDIP(10));
  {
    int labelWidth = 0;
    for (auto* l : labels) labelWidth = std::max(labelWidth, l->GetBestSize().GetWidth());
    // The page's width less its margins, a scroll bar and the notebook's frame.
    const int room = m_contentWidth - FromDIP(20 + 24 + 12) - labelWidth - FromDIP(12);
    const int valueWrap = std::max(FromDIP(220), room);
    for (auto* v : values) v->Wrap(valueWrap);
  }

  // Where it shows and what it signed, in the window's own preview.
  addSignedPagePreview(page, box, index, wrap);

  // Pages that no longer look like what was signed: both renderings, side by side.
  std::set<int> pages;
  for (const auto& m : s.modifications) {
    if (m.code != "page-looks-different" && m.code != "content-covered") continue;
    const std::string p = m.arg("page");
    if (p.empty() || p.size() > 6 || p.find_first_not_of("0123456789") != std::string::npos) continue;
    const int n = std::atoi(p.c_str());
    if (n >= 1 && pages.size() < 20) pages.insert(n);  // the verifier compares at most 20 pages
  }
  if (!pages.empty() && s.signedBytes) {
    auto* heading = plainText(page, _("What changed on the page"));
    heading->SetFont(heading->GetFont().Bold().Scaled(1.1f));
    box->Add(heading, 0, wxLEFT | wxRIGHT | wxTOP, FromDIP(10));
    for (const int n : pages) {
      auto* comparison = new PageComparison(page, n);
      m_pages[index].comparisons.push_back(comparison);
      box->Add(comparison, 0, wxLEFT | wxRIGHT | wxTOP, FromDIP(10));
    }
  }

  // Checks, messages and the certificate, for whoever wants them; open when something is wrong.
  auto* details = new wxCollapsiblePane(page, wxID_ANY, _("Details"), wxDefaultPosition, wxDefaultSize,
                                        wxCP_DEFAULT_STYLE | wxCP_NO_TLW_RESIZE);
  details->SetName("details");
  auto* pane = details->GetPane();
  auto* paneSizer = new wxBoxSizer(wxVERTICAL);
  auto* detailText = new wxTextCtrl(pane, wxID_ANY, detailsText(s), wxDefaultPosition, FromDIP(wxSize(-1, 200)),
                                    wxTE_MULTILINE | wxTE_READONLY | wxTE_DONTWRAP);
  detailText->SetName("detailsText");
  paneSizer->Add(detailText, 1, wxEXPAND);
  pane->SetSizer(paneSizer);
  details->Collapse(s.indication == Indication::TotalPassed && s.messages.empty());
  details->Bind(wxEVT_COLLAPSIBLEPANE_CHANGED, [page](wxCollapsiblePaneEvent&) {
    page->Layout();
    page->FitInside();
  });
  box->Add(details, 0, wxEXPAND | wxALL, FromDIP(10));

  page->SetSizer(box);
  page->FitInside();
  return page;
}

wxSizer* ReportDialog::makeButtons() {
  auto* row = new wxBoxSizer(wxHORIZONTAL);
  auto* json = new wxButton(this, wxID_ANY, _("Export as JSON") + utf8("\u2026"));
  json->SetName("exportJson");
  auto* html = new wxButton(this, wxID_ANY, _("Export as HTML") + utf8("\u2026"));
  html->SetName("exportHtml");
  auto* close = new wxButton(this, wxID_CLOSE);
  row->Add(json, 0, wxRIGHT, FromDIP(8));
  row->Add(html, 0);
  row->AddStretchSpacer();
  row->Add(close, 0);
  json->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { onExport(false); });
  html->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { onExport(true); });
  close->Bind(wxEVT_BUTTON, [this](wxCommandEvent&) { EndDialog(wxID_CLOSE); });
  SetEscapeId(wxID_CLOSE);
  SetAffirmativeId(wxID_CLOSE);
  close->SetDefault();
  close->SetFocus();
  return row;
}

void ReportDialog::onExport(bool html) {
  const fs::path file(m_report.file);
  const wxString ext = html ? "html" : "json";
  const wxString name = fromReport(file.filename().string()) + ".report." + ext;
  wxString folder;
  std::error_code ec;
  if (file.has_parent_path() && fs::is_directory(file.parent_path(), ec))
    folder = fromReport(file.parent_path().string());
  const wxString wildcard = (html ? _("HTML page") : _("JSON file")) + " (*." + ext + ")|*." + ext;
  wxFileDialog dialog(this, html ? _("Export the report as HTML") : _("Export the report as JSON"), folder, name,
                      wildcard, wxFD_SAVE | wxFD_OVERWRITE_PROMPT);
  if (dialog.ShowModal() != wxID_OK) return;
  try {
    exportTo(dialog.GetPath(), html);
  } catch (const Error& e) {
    wxString text = fromReport(e.message()) + "\n\n" + fromReport(e.file());
    if (!e.detail().empty()) text << "\n" << fromReport(e.detail());
    wxMessageBox(text, _("Export failed"), wxOK | wxICON_ERROR, this);
  } catch (const std::exception& e) {
    wxMessageBox(_("The report could not be saved.") + "\n\n" + fromReport(e.what()), _("Export failed"),
                 wxOK | wxICON_ERROR, this);
  }
}

void ReportDialog::exportTo(const wxString& path, bool html) {
  const fs::path target(static_cast<const char*>(path.fn_str()));
  replaceFile(target, html ? reportToHtml(m_report) : reportToJson(m_report) + "\n");
}

}  // namespace securedoc::ui
