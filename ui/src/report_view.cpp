#include "report_view.h"

#include <securedoc/app/report_html.h>
#include <securedoc/app/report_render.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/crypto/error.h>
#include <securedoc/i18n.h>

#include <wx/artprov.h>
#include <wx/button.h>
#include <wx/collpane.h>
#include <wx/filedlg.h>
#include <wx/msgdlg.h>
#include <wx/notebook.h>
#include <wx/panel.h>
#include <wx/scrolwin.h>
#include <wx/settings.h>
#include <wx/sizer.h>
#include <wx/statbmp.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
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
      out << "  " << checkStatusText(c.status) << utf8(" \u2014 ") << fromReport(c.id);
      if (!c.detail.empty()) out << ": " << fromReport(c.detail);
      out << '\n';
    }
    out << '\n';
  }
  if (!s.messages.empty()) {
    out << _("Messages:") << '\n';
    for (const auto& m : s.messages) out << utf8("  \u2022 ") << fromReport(m) << '\n';
    out << '\n';
  }
  for (const auto& d : s.signedData) out << _("Signed:") << ' ' << fromReport(d) << '\n';
  if (!s.digestAlgorithm.empty()) out << _("Digest algorithm:") << ' ' << fromReport(s.digestAlgorithm) << '\n';
  if (!s.signatureAlgorithm.empty()) {
    out << _("Signature algorithm:") << ' ' << fromReport(s.signatureAlgorithm) << '\n';
  }
  if (s.signer) out << '\n' << fromReport(certificateToText(*s.signer, ""));
  out.Trim();
  return out;
}

/// Closes a file descriptor it owns.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  int release() {
    const int fd = m_fd;
    m_fd = -1;
    return fd;
  }

 private:
  int m_fd;
};

[[noreturn]] void throwIo(const fs::path& file, int err) {
  throw Error(Category::Io, std::string(_("The report could not be saved.").utf8_string()), file.string(),
              std::strerror(err));
}

/// Writes `text` to `target` through a temporary file in the same folder, then renames it over `target`.
void replaceFile(const fs::path& target, const std::string& text) {
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::string tmp = (folder / ("." + target.filename().string() + ".XXXXXX")).string();
  Fd fd(::mkstemp(tmp.data()));
  if (fd.get() < 0) throwIo(target, errno);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  int err = 0;
  if (::fchmod(fd.get(), 0666 & ~mask) != 0) err = errno;
  for (std::size_t done = 0; err == 0 && done < text.size();) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      err = errno;
    else
      done += static_cast<std::size_t>(n);
  }
  if (err == 0 && ::fsync(fd.get()) != 0) err = errno;
  if (::close(fd.release()) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), target.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    throwIo(target, err);
  }
}

}  // namespace

ReportDialog::ReportDialog(wxWindow* parent, const VerificationReport& report)
    : wxDialog(parent, wxID_ANY,
               _("Verification report") + utf8(" \u2014 ") + fromReport(fs::path(report.file).filename().string()),
               wxDefaultPosition, wxDefaultSize, wxDEFAULT_DIALOG_STYLE | wxRESIZE_BORDER),
      m_report(report) {
  SetName("reportDialog");
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
    top->Add(makeSignaturePage(this, m_report.signatures.front()), 1, wxEXPAND | wxALL, FromDIP(4));
  } else {
    auto* book = new wxNotebook(this, wxID_ANY);
    book->SetName("signatures");
    for (const auto& sig : m_report.signatures) {
      wxString label = utf8(lookOf(sig.indication).symbol) + ' ';
      wxString who = sig.signer ? certName(*sig.signer) : fromReport(sig.id);
      if (who.length() > 40) who = who.Left(39) + utf8("\u2026");  // tabs stay narrow; the page has the full name
      label << who;
      book->AddPage(makeSignaturePage(book, sig), wxControl::EscapeMnemonics(label));
    }
    top->Add(book, 1, wxEXPAND | wxALL, FromDIP(4));
  }

  top->Add(makeButtons(), 0, wxEXPAND | wxALL, FromDIP(8));
  SetSizer(top);
  SetMinSize(FromDIP(wxSize(480, 360)));
  SetSize(FromDIP(wxSize(720, 560)));
  CentreOnParent();
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
    auto* line = new wxBoxSizer(wxHORIZONTAL);
    const wxString meaningText = sentence(overall, m_report.subIndication);
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
    text->Add(line, 0, wxBOTTOM, FromDIP(6));
  }
  // Ellipsized in the middle so a long path never widens the window; the tooltip has all of it.
  auto* file = new wxStaticText(panel, wxID_ANY, wxEmptyString, wxDefaultPosition, wxDefaultSize,
                                wxST_ELLIPSIZE_MIDDLE | wxST_NO_AUTORESIZE);
  file->SetLabelText(_("File:") + ' ' + fromReport(m_report.file));
  file->SetToolTip(fromReport(m_report.file));
  text->Add(file, 0, wxEXPAND | wxBOTTOM, FromDIP(2));
  if (m_report.validationTime) {
    text->Add(plainText(panel, _("Validation time:") + ' ' + fromReport(isoTime(*m_report.validationTime))));
  }
  row->Add(text, 1, wxALIGN_CENTRE_VERTICAL | wxTOP | wxBOTTOM | wxRIGHT, FromDIP(12));
  for (wxWindow* child : panel->GetChildren()) {
    child->SetForegroundColour(look.text);
    child->SetBackgroundColour(look.background);
  }
  panel->SetSizer(row);
  return panel;
}

wxWindow* ReportDialog::makeSignaturePage(wxWindow* parent, const SignatureReport& s) {
  auto* page = new wxScrolledWindow(parent, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxVSCROLL);
  page->SetScrollRate(0, FromDIP(12));
  const Look look = lookOf(s.indication);
  const int wrap = FromDIP(460);
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
  auto* words = plainText(page, utf8(look.symbol) + ' ' + sentence(s.indication, s.subIndication));
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
  const auto addRow = [&](const wxString& label, const wxString& value, bool strong = false) {
    grid->Add(plainText(page, label), 0, wxALIGN_TOP);
    auto* v = plainText(page, value);
    if (strong) v->SetFont(v->GetFont().Bold());
    v->Wrap(wrap);
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
         s.signingTime ? fromReport(isoTime(*s.signingTime)) : _("not stated"));
  addRow(_("Format:"), fromReport(s.level.empty() ? s.format : s.format + " " + s.level));
  if (!s.counterSignatureOf.empty()) addRow(_("Counter-signature of:"), fromReport(s.counterSignatureOf));

  wxString stamps;
  for (const auto& t : s.timestamps) {
    if (!stamps.empty()) stamps << '\n';
    stamps << timestampTypeName(t.type) << ", " << (t.time ? fromReport(isoTime(*t.time)) : wxString("?")) << ", "
           << (t.tsa ? certName(*t.tsa) : _("unknown")) << utf8(" \u2014 ") << utf8(lookOf(t.indication).symbol) << ' '
           << fromReport(describe(t.indication, t.subIndication)) << " (" << etsiCode(t.indication, t.subIndication)
           << ')';
    if (!t.detail.empty()) stamps << ": " << fromReport(t.detail);
  }
  addRow(_("Time-stamps:"), stamps.empty() ? _("none") : stamps);

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

  wxString changes;
  for (const auto& m : s.modifications) {
    if (!changes.empty()) changes << '\n';
    changes << utf8("\u2022 ") << fromReport(describe(m));
  }
  addRow(_("Changed after signing:"), changes.empty() ? _("nothing") : changes, !changes.empty());
  box->Add(grid, 0, wxEXPAND | wxLEFT | wxRIGHT, FromDIP(10));

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
