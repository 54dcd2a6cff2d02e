// The real SecureDoc window under Xvfb (issue 7): the App starts as it does
// for a person (settings from SECUREDOC_CONFIG, language from the
// environment), and the cases below press its buttons and answer its
// dialogs; each step saves a screenshot (ImageMagick's `import` of the
// whole X screen) into SECUREDOC_GUI_ARTIFACTS.  ctest runs this program
// once in English and once in Polish, each under its own xvfb-run.
//
// Dialogs are answered by a wxModalDialogHook: each expected dialog gets a
// step that runs inside its modal loop once it is on screen.
#include "pages_pdf.h"
#include "pdf_edit.h"
#include "printers.h"
#include "test_support.h"

#include "cloud_dialogs.h"
#include "file_list.h"
#include "main_frame.h"
#include "preview_pane.h"
#include "report_view.h"
#include "secret_dialogs.h"
#include "settings_dialog.h"
#include "settings_store.h"
#include "sign_dialog.h"
#include "background.h"

#include <securedoc/app/report_render.h>
#include <securedoc/app/verification.h>
#include <securedoc/ui/app.h>

#include <securedoc/crypto/digest.h>
#include <securedoc/crypto/totp.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <wx/button.h>
#include <wx/checkbox.h>
#include <wx/choice.h>
#include <wx/dnd.h>
#include <wx/image.h>
#include <wx/filepicker.h>
#include <wx/gauge.h>
#include <wx/menu.h>
#include <wx/modalhook.h>
#include <wx/msgdlg.h>
#include <wx/notebook.h>
#include <wx/scrolwin.h>
#include <wx/splitter.h>
#include <wx/stattext.h>
#include <wx/textctrl.h>
#include <wx/translation.h>
#include <wx/utils.h>

#include <securedoc/i18n.h>

#include <chrono>
#include <clocale>
#include <cstdlib>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <sstream>
#include <thread>

using namespace securedoc;
using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

const char* kDemoPin = "1234";  // make-demo-token.sh's default

std::string language() {
  const char* l = std::getenv("LANGUAGE");
  return l && std::string(l).rfind("pl", 0) == 0 ? "pl" : "en";
}

/// Runs the event loop for about `ms` milliseconds.
void pump(int ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  do {
    wxTheApp->Yield(true);
    wxMilliSleep(10);
  } while (std::chrono::steady_clock::now() < end);
}

bool waitUntil(const std::function<bool()>& done, int seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    wxTheApp->Yield(true);
    wxMilliSleep(10);
  }
  return true;
}

int shots = 0;
/// A screenshot of the whole screen as ARTIFACTS/<lang>-NN-name.png.
void screenshot(const std::string& name) {
  pump(300);
  const char* dir = std::getenv("SECUREDOC_GUI_ARTIFACTS");
  ++shots;
  const fs::path out = fs::path(dir && *dir ? dir : ".") /
                       (language() + "-" + (shots < 10 ? "0" : "") + std::to_string(shots) + "-" + name + ".png");
  fs::create_directories(out.parent_path());
  const auto r = run({"import", "-window", "root", out.string()});
  BOOST_TEST(r.exitCode == 0, "import " << out << ": " << r.err);
  BOOST_TEST_MESSAGE("screenshot " << out.string());
}

/// Presses a button as a click does: only when it is shown and enabled.
void click(wxWindow* button) {
  BOOST_TEST_REQUIRE(button != nullptr);
  BOOST_TEST_REQUIRE(button->IsEnabled(), "the button " << button->GetLabel().utf8_string() << " is enabled");
  wxCommandEvent e(wxEVT_BUTTON, button->GetId());
  e.SetEventObject(button);
  button->GetEventHandler()->ProcessEvent(e);
}

wxWindow* child(wxWindow* parent, const char* name) { return wxWindow::FindWindowByName(name, parent); }

void type(wxWindow* parent, const char* name, const std::string& text) {
  auto* field = dynamic_cast<wxTextCtrl*>(child(parent, name));
  BOOST_TEST_REQUIRE(field != nullptr, "a text field named " << name);
  field->SetFocus();
  field->ChangeValue(wxEmptyString);
  field->WriteText(wxString::FromUTF8(text));  // sends wxEVT_TEXT like typing
}

/// Answers modal dialogs with scripted steps, in order for each kind of dialog.
class DialogScript final : public wxModalDialogHook {
 public:
  struct Step {
    std::string what;
    std::function<bool(wxDialog*)> matches;
    std::function<void(wxDialog*)> act;  // must end the dialog (click a button)
  };
  template <class Dialog>
  void expect(const std::string& what, std::function<void(Dialog*)> act) {
    m_steps.push_back(Step{what, [](wxDialog* d) { return dynamic_cast<Dialog*>(d) != nullptr; },
                           [act](wxDialog* d) { act(dynamic_cast<Dialog*>(d)); }});
  }
  std::vector<std::string> problems;
  std::vector<std::string> messages;
  bool finished() const { return m_steps.empty(); }
  void clear() {
    m_steps.clear();
    problems.clear();
    messages.clear();
  }

 protected:
  int Enter(wxDialog* dialog) override {
    if (auto* m = dynamic_cast<wxMessageDialog*>(dialog)) {
      // Native GTK message boxes run their own loop: recorded, answered OK.
      messages.push_back(m->GetMessage().utf8_string());
      return wxID_OK;
    }
    // The first step expecting a dialog of this kind (a step for another kind
    // may come first: a password asked inside the certificate dialog).
    auto it = std::find_if(m_steps.begin(), m_steps.end(), [dialog](const Step& s) { return s.matches(dialog); });
    if (it == m_steps.end()) {
      problems.push_back("unexpected dialog \"" + dialog->GetTitle().utf8_string() + "\"" +
                         (m_steps.empty() ? "" : " while waiting for " + m_steps.front().what));
      return wxID_CANCEL;
    }
    Step step = *it;
    m_steps.erase(it);
    dialog->CallAfter([dialog, step, this] {
      pump(200);
      step.act(dialog);
      if (dialog->IsModal()) {
        problems.push_back(step.what + ": the step left the dialog open");
        dialog->EndModal(wxID_CANCEL);
      }
    });
    return wxID_NONE;
  }
  void Exit(wxDialog*) override {}

 private:
  std::deque<Step> m_steps;
};

/// The reference cloud service: `securedoc-cloud demo` and `serve` on
/// loopback TLS, as test_cloud_flow starts it.
struct Cloud {
  fs::path dir;
  int server = -1;
  nlohmann::json demo;
  explicit Cloud(const fs::path& root) : dir(root / "cloud") {
    const auto made = run({SECUREDOC_CLOUD, "demo", dir.string()});
    if (made.exitCode != 0) throw std::runtime_error("securedoc-cloud demo failed: " + made.err);
    std::string problem;
    server = startCloudServe(SECUREDOC_CLOUD, dir, root / "serve.log", problem);
    if (server < 0) throw std::runtime_error(problem);
    demo = nlohmann::json::parse(readText(dir / "demo.json"));
  }
  ~Cloud() { stopProcess(server); }
};

struct Gui {
  TempDir tmp;
  fs::path tokens;
  std::unique_ptr<Cloud> cloud;
  DialogScript script;
  ui::App* app = nullptr;
  ui::MainFrame* frame = nullptr;

  Gui() {
    cloud = std::make_unique<Cloud>(tmp.path());
    // Two SoftHSM2 tokens with the demo signers, seen by p11-kit's softhsm2
    // module through SOFTHSM2_CONF.
    tokens = tmp / "tokens";
    const auto made = run({(sourceDir() / "samples/make-demo-token.sh").string(), tokens.string(), pkiDir().string()});
    if (made.exitCode != 0) throw std::runtime_error("make-demo-token.sh failed: " + made.out + made.err);
    ::setenv("SOFTHSM2_CONF", (tokens / "softhsm2.conf").c_str(), 1);
    const fs::path config = tmp / "securedoc.ini";
    writeFile(config, "language=system\ntrustAnchors=" + (pkiDir() / "root-ca.pem").string() + "\\n" +
                          cloud->demo["trustAnchor"].get<std::string>() + "\n[cloud]\nurl=" +
                          cloud->demo["url"].get<std::string>() + "\nca=" + cloud->demo["ca"].get<std::string>() +
                          "\nlogin=" + cloud->demo["login"].get<std::string>() + "\nrememberSession=1\n");
    ::setenv("SECUREDOC_CONFIG", config.c_str(), 1);
    // Screenshots of an earlier run would mislead whoever looks at them.
    if (const char* dir = std::getenv("SECUREDOC_GUI_ARTIFACTS"); dir && *dir && fs::is_directory(dir)) {
      for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".png") fs::remove(e.path());
    }

    app = new ui::App();
    wxApp::SetInstance(app);
    static int argc = 1;
    static char arg0[] = "test_gui";
    static char* argv[] = {arg0, nullptr};
    if (!wxEntryStart(argc, argv)) throw std::runtime_error("wxEntryStart failed: is there a display?");
    if (!wxTheApp->CallOnInit()) throw std::runtime_error("App::OnInit failed");
    frame = app->frame();
    script.Register();
    pump(500);
  }
  ~Gui() {
    script.Unregister();
    if (frame) frame->Destroy();
    pump(100);
    wxTheApp->OnExit();
    wxEntryCleanup();
  }
  fs::path folder(const std::string& name) {
    const fs::path d = tmp / name;
    fs::create_directories(d);
    return d;
  }
};

Gui* gui = nullptr;
struct GuiFixture {
  GuiFixture() { gui = new Gui(); }
  ~GuiFixture() {
    delete gui;
    gui = nullptr;
  }
};

std::vector<fs::path> copySamples(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const char* name : {"contract.pdf", "invoice.xml", "notes.txt"}) {
    fs::copy_file(sourceDir() / "samples" / "documents" / name, dir / name, fs::copy_options::overwrite_existing);
    out.push_back(dir / name);
  }
  return out;
}

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

wxString tr_(const char* s) { return wxGetTranslation(s); }

void expectVerifies(const fs::path& file) {
  FormatRegistry registry;
  registerBuiltinFormats(registry);
  VerifyOptions o;
  o.trustAnchors = Certificate::loadFile(pkiDir() / "root-ca.pem");
  o.detachedContent = detachedContentBeside(file);
  const auto report = VerificationService(registry).verify(file, o);
  BOOST_TEST(report.indication == Indication::TotalPassed, file << " verifies: " << indicationCode(report.indication));
}

void signSelected(const std::function<void(ui::SignDialog*)>& inDialog) {
  gui->script.expect<ui::SignDialog>("the certificate dialog", inDialog);
  click(child(gui->frame, "signButton"));
}

/// The PKCS#12 password, as a person types it (the file's first line).
std::string p12Password() {
  const std::string text = readText(pkiDir() / "password.txt");
  return text.substr(0, text.find('\n'));
}

/// Sign files with Anna Nowak's PKCS#12 file, no screenshots.
void signWithEcFile() {
  gui->script.expect<ui::SecretDialog>("the PKCS#12 password", [](ui::SecretDialog* d) {
    type(d, "secret", p12Password());
    click(d->FindWindow(wxID_OK));
  });
  signSelected([](ui::SignDialog* d) {
    BOOST_TEST(d->openCertificateFile(wxString::FromUTF8((pkiDir() / "signer-ec.p12").string())));
    click(d->FindWindow(wxID_OK));
  });
}

void checkScript() {
  BOOST_TEST(gui->script.finished(), "every expected dialog appeared");
  for (const auto& p : gui->script.problems) BOOST_ERROR(p);
  for (const auto& m : gui->script.messages) BOOST_ERROR("message box: " << m);
  gui->script.clear();
}

/// Opens `file` as a person does (File > Open signed file) and runs `inReport`
/// inside its report once the worker has verified it.
void openAndReport(const fs::path& file, const std::function<void(ui::ReportDialog*)>& inReport) {
  ui::MainFrame& f = *gui->frame;
  bool shown = false;
  gui->script.expect<ui::ReportDialog>("the report of " + file.filename().string(), [&](ui::ReportDialog* d) {
    shown = true;
    inReport(d);
    if (d->IsModal()) d->EndModal(wxID_CLOSE);
  });
  f.openPath(file);
  BOOST_TEST(f.busy(), "the verification runs on the worker");
  BOOST_TEST_REQUIRE(waitUntil([&] { return shown && !f.busy(); }, 120), "the report of " << file << " opens");
  checkScript();
  BOOST_TEST_REQUIRE(f.lastVerificationThread().has_value());
  BOOST_TEST((*f.lastVerificationThread() != std::this_thread::get_id()), "not verified on the GUI thread");
}

/// A static text's words without the line breaks its wrapping put in.
/// The label as one line: Wrap() breaks it at spaces (keeping or dropping
/// the space, depending on the port), so every run of white space is one space.
wxString unwrapped(const wxStaticText* t) {
  wxString s = t->GetLabelText();
  s.Replace("\n", " ");
  while (s.Replace("  ", " ") > 0) {
  }
  return s;
}

/// The page of signature `index` in a report (the dialog itself holds the only one).
wxWindow* signaturePage(ui::ReportDialog* d, std::size_t index) {
  if (auto* book = dynamic_cast<wxNotebook*>(child(d, "signatures"))) {
    return index < book->GetPageCount() ? book->GetPage(index) : nullptr;
  }
  return index == 0 ? d : nullptr;
}

/// Scrolls a signature page so that `target` is at its top.
void scrollTo(wxWindow* page, wxWindow* target) {
  wxWindow* w = target;
  while (w && !dynamic_cast<wxScrolledWindow*>(w)) w = w->GetParent();
  auto* scrolled = dynamic_cast<wxScrolledWindow*>(w);
  if (!scrolled || !page) return;
  int unitX = 1, unitY = 1;
  scrolled->GetScrollPixelsPerUnit(&unitX, &unitY);
  const int y = scrolled->CalcUnscrolledPosition(target->GetPosition()).y - 8;
  scrolled->Scroll(-1, std::max(0, y / std::max(1, unitY)));
}

/// A Form XObject of `width` x `height` drawing `ops` with the contract's fonts.
std::string formXObject(int width, int height, const std::string& ops) {
  return stream("/Type /XObject /Subtype /Form /BBox [0 0 " + std::to_string(width) + " " + std::to_string(height) +
                    "] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >>",
                ops);
}

/// The child of gui_locale: this program again, started in an environment
/// whose locale the system lacks (see the gui_locale suite).
bool isLocaleChild() {
  const char* v = std::getenv("SECUREDOC_GUI_LOCALE_CHILD");
  return v && *v;
}

/// wx assertions seen in the locale child: recorded, not shown in a dialog.
std::vector<std::string> wxAssertions;
struct AssertRecorder {
  AssertRecorder() {
    if (!isLocaleChild()) return;
    wxSetAssertHandler(
        [](const wxString& file, int line, const wxString& func, const wxString& cond, const wxString& msg) {
          wxAssertions.push_back(file.utf8_string() + ":" + std::to_string(line) + " " + func.utf8_string() + ": " +
                                 cond.utf8_string() + ": " + msg.utf8_string());
        });
  }
};

struct IfLocaleChild {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const { return isLocaleChild(); }
};
struct IfPolishRun {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    return language() == "pl" && !isLocaleChild();
  }
};

// ------------------------------------------------------------ the preview

/// Selects row `row` alone, as a click does, and waits until the preview
/// has shown it (PDF: its page drawn; other files: the digest computed).
void selectRow(std::size_t row) {
  ui::FileList& list = gui->frame->fileList();
  for (const std::size_t r : list.selected()) list.Select(static_cast<long>(r), false);
  list.Select(static_cast<long>(row));
  list.Focus(static_cast<long>(row));
}

bool previewShows(const fs::path& file, int seconds = 30) {
  ui::PreviewPane& p = gui->frame->preview();
  return waitUntil([&] { return p.file() == file && p.ready(); }, seconds);
}

/// The dark pixels of a bitmap (grey level below 128).
std::size_t darkPixels(const wxBitmap& bitmap) {
  const wxImage img = bitmap.ConvertToImage();
  std::size_t n = 0;
  const unsigned char* d = img.GetData();
  for (int i = 0; i < img.GetWidth() * img.GetHeight(); ++i, d += 3) n += (d[0] + d[1] + d[2]) / 3 < 128 ? 1 : 0;
  return n;
}

/// The files the preview cases list: a 3-page PDF, an ISO-8859-2 XML with
/// Polish letters, a PNG made here, and bytes of no known type.
struct PreviewFiles {
  fs::path pdf, xml, png, other;
};

PreviewFiles& previewFiles() {
  static PreviewFiles files = [] {
    const fs::path dir = gui->folder("preview");
    PreviewFiles f{dir / "three-pages.pdf", dir / "faktura-latin2.xml", dir / "picture.png", dir / "data.bin"};
    writeFile(f.pdf, test::pagesPdf(test::PagesPdf{}));
    // ISO-8859-2: "Zażółć gęślą jaźń" (ż BF, ó F3, ł B3, ć E6, ę EA, ś B6, ą B1, ź BC, ń F1).
    writeFile(f.xml,
              "<?xml version=\"1.0\" encoding=\"ISO-8859-2\"?>\n<faktura numer=\"FV/16/2026\"><sprzedawca>"
              "<nazwa>Zak\xb3\x61\x64 Us\xb3ug \xa3\xf3\x64\xbc</nazwa></sprzedawca><pozycje><pozycja ilosc=\"1\">"
              "Za\xbf\xf3\xb3\xe6 g\xea\xb6l\xb1 ja\xbc\xf1</pozycja><pozycja ilosc=\"2\">Us\xb3uga</pozycja>"
              "</pozycje><razem>123,45</razem></faktura>");
    wxImage picture(480, 320);
    picture.SetRGB(wxRect(0, 0, 480, 320), 0xF4, 0xF1, 0xE8);
    picture.SetRGB(wxRect(40, 40, 180, 120), 0xC0, 0x20, 0x20);
    picture.SetRGB(wxRect(260, 160, 180, 120), 0x20, 0x50, 0xB0);
    BOOST_TEST_REQUIRE(picture.SaveFile(wxString::FromUTF8(f.png.string()), wxBITMAP_TYPE_PNG));
    std::string bytes;
    for (int i = 0; i < 1500; ++i) bytes += static_cast<char>((i * 37 + 11) & 0xff);
    writeFile(f.other, bytes);
    return f;
  }();
  return files;
}

/// A fresh list holding the preview files, in this order: PDF, XML, PNG, other.
void listPreviewFiles() {
  ui::MainFrame& f = *gui->frame;
  f.fileList().clearAll();
  f.updatePreview();
  const PreviewFiles& p = previewFiles();
  BOOST_TEST_REQUIRE(f.addFiles({p.pdf, p.xml, p.png, p.other}) == 4u);
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(AssertRecorder);  // before the window exists
BOOST_TEST_GLOBAL_FIXTURE(GuiFixture);

BOOST_AUTO_TEST_SUITE(gui_window)

BOOST_AUTO_TEST_CASE(starts_empty_and_says_what_to_do) {
  ui::MainFrame& f = *gui->frame;
  BOOST_TEST(f.IsShown());
  BOOST_TEST(f.fileList().count() == 0u);
  BOOST_TEST(!child(&f, "signButton")->IsEnabled(), "nothing to sign yet");
  BOOST_TEST(child(&f, "signButton")->GetLabel() == tr_("Si&gn files"));
  if (language() == "pl") {
    BOOST_TEST(child(&f, "signButton")->GetLabel().utf8_string() != "Si&gn files", "the Polish catalog is used");
  }
  screenshot("start");
}

// Keyboard access (issue 16): Alt+letter reaches every action, and no two
// of the menu bar's and the buttons' letters collide, in either language.
BOOST_AUTO_TEST_CASE(every_action_has_its_own_mnemonic) {
  ui::MainFrame& f = *gui->frame;
  std::vector<wxString> letters;
  const auto mnemonic = [](const wxString& label) {
    const int at = label.Find('&');
    return at == wxNOT_FOUND || static_cast<std::size_t>(at) + 1 >= label.length()
               ? wxString()
               : label.Mid(static_cast<std::size_t>(at) + 1, 1).Lower();
  };
  wxMenuBar* bar = f.GetMenuBar();
  for (std::size_t i = 0; i < bar->GetMenuCount(); ++i) letters.push_back(mnemonic(bar->GetMenuLabel(i)));
  for (const char* name : {"addButton", "removeButton", "verifyButton", "signButton"}) {
    const wxString letter = mnemonic(child(&f, name)->GetLabel());
    BOOST_TEST(!letter.empty(), name << " has a mnemonic: " << child(&f, name)->GetLabel().utf8_string());
    letters.push_back(letter);
  }
  std::vector<wxString> sorted = letters;
  std::sort(sorted.begin(), sorted.end());
  BOOST_TEST((std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()), "unique mnemonics");
}

// The window keeps its size, the split and the last folder for the next run.
BOOST_AUTO_TEST_CASE(the_window_remembers_its_size_split_and_folder) {
  ui::MainFrame& f = *gui->frame;
  const wxSize before = f.GetSize();
  const int sashBefore = f.splitter().GetSashPosition();
  f.SetSize(wxSize(1000, 640));
  pump(200);
  f.splitter().SetSashPosition(430);
  pump(100);
  const wxSize asShown = f.GetSize();
  f.rememberWindow();
  auto* next = new ui::MainFrame(gui->app->registry(), f.settings());
  next->Show();
  pump(300);
  BOOST_TEST(next->GetSize().GetWidth() == asShown.GetWidth());
  BOOST_TEST(next->GetSize().GetHeight() == asShown.GetHeight());
  BOOST_TEST(next->splitter().GetSashPosition() == 430);
  next->Destroy();
  pump(100);
  f.SetSize(before);
  pump(100);
  f.splitter().SetSashPosition(sashBefore);
  f.rememberWindow();
}

BOOST_AUTO_TEST_CASE(files_are_listed_with_type_and_size) {
  ui::MainFrame& f = *gui->frame;
  const auto files = copySamples(gui->folder("docs"));
  BOOST_TEST(f.addFiles(files) == 3u);
  BOOST_TEST(f.addFiles(files) == 0u, "a file already listed is not added twice");
  BOOST_TEST_REQUIRE(f.fileList().count() == 3u);
  BOOST_TEST(f.fileList().GetItemText(0, ui::FileList::Type) == tr_("PDF document"));
  BOOST_TEST(f.fileList().GetItemText(1, ui::FileList::Type) == tr_("XML document"));
  BOOST_TEST(f.fileList().GetItemText(0, ui::FileList::Name) == "contract.pdf");
  BOOST_TEST(child(&f, "signButton")->IsEnabled());
  screenshot("files");
}

BOOST_AUTO_TEST_CASE(signs_with_a_certificate_file) {
  ui::MainFrame& f = *gui->frame;
  gui->script.expect<ui::SecretDialog>("the PKCS#12 password", [](ui::SecretDialog* d) {
    type(d, "secret", p12Password());
    screenshot("p12-password");
    click(d->FindWindow(wxID_OK));
  });
  signSelected([](ui::SignDialog* d) {
    screenshot("sign-dialog");
    BOOST_TEST(d->openCertificateFile(wxString::FromUTF8((pkiDir() / "signer-rsa.p12").string())));
    screenshot("certificate-file");
    click(d->FindWindow(wxID_OK));
  });
  BOOST_TEST_REQUIRE(waitUntil([&] { return !f.busy(); }, 120), "the signing job ends");
  checkScript();
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& e = f.fileList().entry(i);
    BOOST_TEST((e.state == ui::FileEntry::State::Signed), e.path << ": " << e.detail.utf8_string());
    BOOST_TEST_REQUIRE(fs::exists(e.output), e.output);
    expectVerifies(e.output);
  }
  screenshot("signed");
}

BOOST_AUTO_TEST_CASE(opening_a_signed_file_shows_its_report) {
  ui::MainFrame& f = *gui->frame;
  const fs::path signedPdf = gui->tmp / "docs" / "contract-signed.pdf";
  BOOST_TEST_REQUIRE(fs::exists(signedPdf));
  gui->script.expect<ui::ReportDialog>("the report", [](ui::ReportDialog* d) {
    screenshot("report");
    d->EndModal(wxID_CLOSE);
  });
  f.openPath(signedPdf);
  // The file is read on the worker: the window comes back at once, with
  // progress and Cancel, and the report follows.
  BOOST_TEST(f.busy(), "the verification runs on the worker");
  BOOST_TEST(child(&f, "cancelButton")->IsShownOnScreen(), "Cancel is offered while it runs");
  BOOST_TEST_REQUIRE(waitUntil([&] { return gui->script.finished() && !f.busy(); }, 60), "the report opens");
  checkScript();
  BOOST_TEST_REQUIRE(f.lastVerificationThread().has_value());
  BOOST_TEST((*f.lastVerificationThread() != std::this_thread::get_id()), "not verified on the GUI thread");
  const auto row = f.fileList().indexOf(signedPdf);
  BOOST_TEST_REQUIRE(row.has_value(), "the opened file is listed");
  BOOST_TEST((f.fileList().entry(*row).state == ui::FileEntry::State::Valid));
}

BOOST_AUTO_TEST_CASE(the_program_opens_a_signed_file_named_on_its_command_line) {
  // The real executable, on the same X display, with the same settings.
  const fs::path signedPdf = gui->tmp / "docs" / "contract-signed.pdf";
  BOOST_TEST_REQUIRE(fs::exists(signedPdf));
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int devNull = ::open("/dev/null", O_WRONLY);
    ::dup2(devNull, 1);
    ::dup2(devNull, 2);
    ::execl(SECUREDOC_GUI_EXE, SECUREDOC_GUI_EXE, signedPdf.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  BOOST_TEST_REQUIRE(pid > 0);
  const std::string title =
      (tr_("Verification report") + wxString::FromUTF8(" \u2014 contract-signed.pdf")).utf8_string();
  // The window's id from the tree (names there are UTF-8), then its state:
  // listed is not yet shown.
  const auto viewable = [&title] {
    const std::string tree = run({"xwininfo", "-root", "-tree"}).out;
    const auto at = tree.find("\"" + title + "\"");
    if (at == std::string::npos) return false;
    const auto lineStart = tree.rfind('\n', at) + 1;
    std::istringstream line(tree.substr(lineStart, at - lineStart));
    std::string id;
    line >> id;
    return run({"xwininfo", "-id", id}).out.find("IsViewable") != std::string::npos;
  };
  bool found = false;
  for (int i = 0; i < 200 && !found; ++i) {
    found = viewable();
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST(found, "a window \"" << title << "\" is on screen");
  if (found) screenshot("command-line-report");
  stopProcess(pid);
}

BOOST_AUTO_TEST_CASE(dropping_a_signed_file_opens_its_report_and_several_are_listed) {
  ui::MainFrame& f = *gui->frame;
  auto* target = dynamic_cast<wxFileDropTarget*>(f.fileList().GetDropTarget());
  BOOST_TEST_REQUIRE(target != nullptr, "the list accepts dropped files");
  const fs::path dir = gui->folder("dropped");
  const auto files = copySamples(dir);
  const std::size_t before = f.fileList().count();
  wxArrayString several;
  for (const auto& p : files) several.Add(wxString::FromUTF8(p.string()));
  BOOST_TEST(target->OnDropFiles(10, 10, several));
  pump(100);
  BOOST_TEST(f.fileList().count() == before + 3, "three dropped files are listed, no report opened");
  checkScript();

  // One signed file dropped: listed and its report shown.
  const fs::path signedXml = gui->tmp / "docs" / "invoice-signed.xml";
  BOOST_TEST_REQUIRE(fs::exists(signedXml));
  bool shown = false;
  gui->script.expect<ui::ReportDialog>("the report of the dropped file", [&shown](ui::ReportDialog* d) {
    shown = true;
    d->EndModal(wxID_CLOSE);
  });
  wxArrayString one;
  one.Add(wxString::FromUTF8(signedXml.string()));
  BOOST_TEST(target->OnDropFiles(10, 10, one));
  BOOST_TEST(waitUntil([&] { return shown; }, 30), "the report opens");
  checkScript();
  BOOST_TEST(f.fileList().indexOf(signedXml).has_value());
}

BOOST_AUTO_TEST_CASE(a_pdf_signed_twice_offers_the_signed_version_of_the_first_signature) {
  ui::MainFrame& f = *gui->frame;
  const fs::path once = gui->tmp / "docs" / "contract-signed.pdf";
  BOOST_TEST_REQUIRE(fs::exists(once));
  // The second signature through the window, on a copy of the signed contract.
  const fs::path dir = gui->folder("twice");
  fs::copy_file(once, dir / "contract.pdf", fs::copy_options::overwrite_existing);
  f.fileList().clearAll();
  f.addFiles({dir / "contract.pdf"});
  signWithEcFile();
  BOOST_TEST_REQUIRE(waitUntil([&] { return !f.busy(); }, 120), "the signing job ends");
  checkScript();
  const fs::path twice = f.fileList().entry(0).output;
  BOOST_TEST_REQUIRE(fs::exists(twice), twice);

  // What the first signature covers, according to the verifier.
  FormatRegistry registry;
  registerBuiltinFormats(registry);
  VerifyOptions o;
  o.trustAnchors = Certificate::loadFile(pkiDir() / "root-ca.pem");
  const auto report = VerificationService(registry).verify(twice, o);
  BOOST_TEST_REQUIRE(report.signatures.size() == 2u);
  BOOST_TEST_REQUIRE(report.signatures[0].signedBytes.has_value());
  const std::uint64_t signedBytes = *report.signatures[0].signedBytes;
  const std::string whole = readText(twice);
  BOOST_TEST_REQUIRE(signedBytes < whole.size());

  // No viewer is started: the opener records what it was given; the private
  // folder goes below the test's own temporary folder.
  const fs::path tmp = gui->folder("tmpdir");
  const char* oldTmp = std::getenv("TMPDIR");
  const std::string savedTmp = oldTmp ? oldTmp : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  std::vector<fs::path> opened;
  const auto previous = ui::ReportDialog::setOpener([&opened](const fs::path& p) {
    opened.push_back(p);
    return true;
  });
  openAndReport(twice, [&](ui::ReportDialog* d) {
    wxWindow* first = signaturePage(d, 0);
    wxWindow* second = signaturePage(d, 1);
    BOOST_TEST_REQUIRE(first != nullptr);
    BOOST_TEST_REQUIRE(second != nullptr);
    auto* level = dynamic_cast<wxStaticText*>(child(first, "modificationLevel"));
    BOOST_TEST_REQUIRE(level != nullptr, "the first signature names how the document changed after it");
    const wxString words = wxString::FromUTF8(modificationLevelName(ModificationLevel::FormFilling));
    BOOST_TEST(unwrapped(level).Contains(words), unwrapped(level).utf8_string());
    BOOST_TEST(child(second, "viewSignedVersion") == nullptr, "the last signature covers the whole file");
    wxWindow* view = child(first, "viewSignedVersion");
    BOOST_TEST_REQUIRE(view != nullptr, "the first signature offers its signed version");
    BOOST_TEST(view->GetLabel() == tr_("View &signed version"));
    scrollTo(first, child(first, "modificationLevel"));
    screenshot("report-signed-twice");
    // The signed version in the report's own preview (issue 16).
    click(view);
    ui::PreviewPane* pane = d->signaturePreview(0);
    BOOST_TEST_REQUIRE(pane != nullptr);
    BOOST_TEST_REQUIRE(waitUntil([&] { return pane->kind() == ui::PreviewPane::Kind::Pdf && pane->ready(); }, 60),
                       "the signed version is shown in the report");
    BOOST_TEST_REQUIRE(d->lastSignedVersion().has_value());
    BOOST_TEST((pane->file() == *d->lastSignedVersion()));
    BOOST_TEST(pane->pageView().hasPage());
    BOOST_TEST(opened.empty(), "the preview starts no other program");
    screenshot("report-signed-version-preview");
    // And, on request, in the system's PDF viewer.
    click(child(first, "openSignedVersion"));
    BOOST_TEST_REQUIRE(opened.size() == 1u, "the viewer is asked to open one file");
    BOOST_TEST((d->lastSignedVersion() == opened.front()));
  });
  ui::ReportDialog::setOpener(previous);
  if (savedTmp.empty())
    ::unsetenv("TMPDIR");
  else
    ::setenv("TMPDIR", savedTmp.c_str(), 1);
  BOOST_TEST_REQUIRE(opened.size() == 1u);
  const fs::path written = opened.front();
  BOOST_TEST(written.parent_path().parent_path() == tmp, "in the private folder below TMPDIR: " << written);
  BOOST_TEST(readText(written) == whole.substr(0, signedBytes), "exactly the bytes the first signature covers");
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(written.parent_path().c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u, "the folder is private");
}

// Issue 16: each visible signature is framed on its page in the report's
// preview, and "View signed version" shows what the first of two visible
// signatures covers, framed there too.
BOOST_AUTO_TEST_CASE(the_report_frames_each_visible_signature_on_its_page) {
  const fs::path dir = gui->folder("framed");
  const fs::path contract = sourceDir() / "samples" / "documents" / "contract.pdf";
  const std::string signer = "pkcs12:" + (pkiDir() / "signer-rsa.p12").string();
  const std::string pw = (pkiDir() / "password.txt").string();
  const fs::path once = dir / "once.pdf";
  const fs::path twice = dir / "twice.pdf";
  auto r = cli({"sign", "--signer", signer, "--password-file", pw, "--visible", "1,330,60,200,60", "--output",
                once.string(), contract.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  // Below the contract's last lines: a box over signed text would be a
  // change the first signature does not allow (content-covered).
  r = cli({"sign", "--signer", signer, "--password-file", pw, "--visible", "2,330,60,230,62", "--output",
           twice.string(), once.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  const auto framedOn = [](ui::PreviewPane* pane, int pageIndex, const ui::PageRect& expected) {
    return waitUntil(
        [&] {
          const auto& o = pane->pageView().overlay();
          return pane->kind() == ui::PreviewPane::Kind::Pdf && pane->ready() && pane->page() == pageIndex && o &&
                 o->x1 == expected.x1 && o->y1 == expected.y1 && o->x2 == expected.x2 && o->y2 == expected.y2;
        },
        60);
  };
  openAndReport(twice, [&](ui::ReportDialog* d) {
    wxWindow* first = signaturePage(d, 0);
    wxWindow* second = signaturePage(d, 1);
    BOOST_TEST_REQUIRE((first && second));
    BOOST_TEST(d->report().indication == Indication::TotalPassed, "two honest visible signatures");
    BOOST_TEST_REQUIRE(child(second, "showSignatureOnPage") != nullptr);
    BOOST_TEST(child(second, "viewSignedVersion") == nullptr, "the second covers the whole file");
    // The second signature, on page 2 of the file as it is.
    if (auto* book = dynamic_cast<wxNotebook*>(child(d, "signatures"))) book->SetSelection(1);
    click(child(second, "showSignatureOnPage"));
    ui::PreviewPane* pane2 = d->signaturePreview(1);
    BOOST_TEST_REQUIRE(pane2 != nullptr);
    BOOST_TEST_REQUIRE(framedOn(pane2, 1, ui::PageRect{330, 60, 560, 122}), "framed on page 2");
    BOOST_TEST((pane2->file() == twice));
    // The frame is where the page shows the appearance: in the window's
    // pixels, the frame lies inside the drawn page.
    const wxRect frame = pane2->pageView().toWindow(ui::PageRect{330, 60, 560, 122});
    BOOST_TEST((frame.GetWidth() > 20 && frame.GetHeight() > 5));
    screenshot("report-second-signature-framed");
    // The first: its signed version, page 1, framed.
    if (auto* book = dynamic_cast<wxNotebook*>(child(d, "signatures"))) book->SetSelection(0);
    click(child(first, "viewSignedVersion"));
    ui::PreviewPane* pane1 = d->signaturePreview(0);
    BOOST_TEST_REQUIRE(pane1 != nullptr);
    BOOST_TEST_REQUIRE(framedOn(pane1, 0, ui::PageRect{330, 60, 530, 120}), "the signed version, framed on page 1");
    BOOST_TEST_REQUIRE(d->lastSignedVersion().has_value());
    BOOST_TEST((pane1->file() == *d->lastSignedVersion()));
    BOOST_TEST(fs::file_size(*d->lastSignedVersion()) == fs::file_size(once), "exactly the first revision");
    screenshot("report-signed-version-framed");
    // Turning to page 2 of the signed version: no frame there (the second
    // signature is not in it).
    pane1->nextPage();
    BOOST_TEST_REQUIRE(waitUntil([&] { return pane1->page() == 1 && pane1->ready(); }, 60));
    BOOST_TEST(!pane1->pageView().overlay().has_value());
  });
}

BOOST_AUTO_TEST_CASE(cancel_returns_at_once_from_a_verification_and_drops_its_result) {
  ui::MainFrame& f = *gui->frame;
  const fs::path signedPdf = gui->tmp / "docs" / "contract-signed.pdf";
  f.openPath(signedPdf);
  BOOST_TEST_REQUIRE(f.busy());
  // No event has been handled since: whatever the worker has done, its
  // result is still on its way, and Cancel drops it.
  click(child(&f, "cancelButton"));
  BOOST_TEST(!f.busy(), "control is back at once");
  BOOST_TEST(f.statusText() == tr_("Verification cancelled."));
  pump(1500);  // no report may appear: DialogScript reports any dialog
  checkScript();
  BOOST_TEST(waitUntil([] { return ui::backgroundThreads() == 0; }, 60), "the abandoned worker ends and is joined");
}

BOOST_AUTO_TEST_CASE(a_page_changed_after_signing_is_shown_beside_the_signed_version) {
  // Certified so that annotations are allowed (P=3), then a FreeText
  // annotation whose appearance paints another amount over the
  // remuneration: allowed as a change, but it covers signed text, so the
  // verifier compares the pages and the report must show both.
  PdfLab lab;
  const std::string original = lab.signFile(lab.contract, "certified.pdf", {"--certify", "annotations"});
  Update u;
  const int annot = nextObject(original), appearance = annot + 1;
  addAnnotation(original, u, annot);
  const std::string forged = "Wynagrodzenie wynosi 99 999,00 PLN brutto";
  u.objects[annot] = "<< /Type /Annot /Subtype /FreeText /Rect [50 500 545 540] /F 4 /P " +
                     ref(structureOf(original).page) + " /Contents (" + forged +
                     ") /DA (/Helv 12 Tf 0 g) /C [1 1 1] /AP << /N " + ref(appearance) + " >> >>";
  u.objects[appearance] = formXObject(495, 40, "1 g 0 0 495 40 re f BT 0 g /F1 12 Tf 6 16 Td (" + forged + ") Tj ET");
  const fs::path changed = gui->folder("changed") / "contract-annotated.pdf";
  writeFile(changed, withUpdate(original, u));

  openAndReport(changed, [&](ui::ReportDialog* d) {
    wxWindow* page = signaturePage(d, 0);
    BOOST_TEST_REQUIRE(page != nullptr);
    BOOST_TEST_REQUIRE(d->comparisons() >= 1u, "a page comparison is offered");
    BOOST_TEST(child(page, "pageComparison1") != nullptr, "page 1 is compared");
    BOOST_TEST(waitUntil([d] { return d->comparisonsShown() == d->comparisons(); }, 60),
               "both renderings of each changed page appear");
    auto* level = dynamic_cast<wxStaticText*>(child(page, "modificationLevel"));
    BOOST_TEST_REQUIRE(level != nullptr);
    BOOST_TEST(unwrapped(level).Contains(wxString::FromUTF8(modificationLevelName(ModificationLevel::Other))),
               unwrapped(level).utf8_string());
    auto* list = dynamic_cast<wxStaticText*>(child(page, "modifications"));
    BOOST_TEST_REQUIRE(list != nullptr);
    Modification covered;
    covered.code = "content-covered";
    covered.args = {{"page", "1"}, {"field", ""}};
    BOOST_TEST(unwrapped(list).Contains(wxString::FromUTF8(describe(covered))), unwrapped(list).utf8_string());
    BOOST_TEST(child(page, "viewSignedVersion") != nullptr);
    BOOST_TEST(child(page, "signedCloseUp") != nullptr, "the changed part is shown large enough to read");
    BOOST_TEST(child(page, "currentCloseUp") != nullptr);
    screenshot("report-page-changed");
    scrollTo(page, child(page, "pageComparison1"));
    screenshot("side-by-side");
    // A click on a page enlarges both.
    bool enlarged = false;
    gui->script.expect<wxDialog>("the enlarged pages", [&enlarged](wxDialog* e) {
      enlarged = e->GetName() == "pageEnlarged";
      screenshot("side-by-side-enlarged");
      e->EndModal(wxID_CLOSE);
    });
    wxWindow* thumb = child(child(page, "pageComparison1"), "currentPage");
    BOOST_TEST_REQUIRE(thumb != nullptr);
    wxMouseEvent up(wxEVT_LEFT_UP);
    up.SetEventObject(thumb);
    thumb->GetEventHandler()->ProcessEvent(up);
    BOOST_TEST(enlarged, "the enlarged pages were shown");
  });
  const auto row = gui->frame->fileList().indexOf(changed);
  BOOST_TEST_REQUIRE(row.has_value());
  BOOST_TEST((gui->frame->fileList().entry(*row).state == ui::FileEntry::State::Invalid));
}

BOOST_AUTO_TEST_CASE(settings_choose_the_output_folder) {
  ui::MainFrame& f = *gui->frame;
  const fs::path out = gui->folder("signed-here");
  gui->script.expect<ui::SettingsDialog>("the settings", [&out](ui::SettingsDialog* d) {
    auto* beside = dynamic_cast<wxCheckBox*>(child(d, "besideOriginal"));
    BOOST_TEST_REQUIRE(beside != nullptr);
    BOOST_TEST(beside->GetValue(), "signed files go next to the original by default");
    beside->SetValue(false);
    wxCommandEvent toggled(wxEVT_CHECKBOX, beside->GetId());
    toggled.SetEventObject(beside);
    beside->GetEventHandler()->ProcessEvent(toggled);
    auto* dir = dynamic_cast<wxDirPickerCtrl*>(child(d, "outputDir"));
    BOOST_TEST_REQUIRE(dir != nullptr);
    BOOST_TEST(dir->IsEnabled(), "the folder can be chosen once the box is cleared");
    dir->SetPath(wxString::FromUTF8(out.string()));
    screenshot("settings");
    click(d->FindWindow(wxID_OK));
  });
  const Settings before = f.settings();
  f.showSettings();
  checkScript();
  BOOST_TEST(f.settings().outputDir == out);
  BOOST_TEST((f.settings().trustAnchors == before.trustAnchors), "the other settings are kept");
  BOOST_TEST(f.settings().cloudCa == before.cloudCa);
  BOOST_TEST(f.settings().cloudUrl == before.cloudUrl);

  // The next batch writes there.
  f.fileList().clearAll();
  const auto files = copySamples(gui->folder("for-output-dir"));
  f.addFiles({files[2]});
  signWithEcFile();
  BOOST_TEST_REQUIRE(waitUntil([&] { return !f.busy(); }, 120));
  checkScript();
  BOOST_TEST(fs::exists(out / "notes.txt.p7s"), "the output is in the chosen folder");
  BOOST_TEST(!fs::exists(files[2].parent_path() / "notes.txt.p7s"), "not next to the original");

  // Back to "next to the original" for the other cases.
  gui->script.expect<ui::SettingsDialog>("the settings again", [](ui::SettingsDialog* d) {
    auto* beside = dynamic_cast<wxCheckBox*>(child(d, "besideOriginal"));
    beside->SetValue(true);
    click(d->FindWindow(wxID_OK));
  });
  f.showSettings();
  checkScript();
  BOOST_TEST(f.settings().outputDir.empty());
}

BOOST_AUTO_TEST_CASE(five_thousand_files_are_listed) {
  ui::MainFrame& f = *gui->frame;
  f.fileList().clearAll();
  const fs::path dir = gui->folder("five-thousand");
  for (int i = 0; i < 5000; ++i) writeFile(dir / ("f" + std::to_string(i) + ".txt"), "x");
  // A folder dropped from the file manager: every file below it; a file
  // named again in the same drop is listed once.
  BOOST_TEST(f.addFiles({dir, dir / "f1.txt"}) == 5000u);
  BOOST_TEST(f.addFiles({dir / "f2.txt"}) == 0u);
  BOOST_TEST(f.fileList().GetItemCount() == 5000);
  screenshot("five-thousand");
  f.fileList().clearAll();
  f.addFiles({});
}

BOOST_AUTO_TEST_CASE(signs_with_a_token_and_asks_the_pin_once) {
  ui::MainFrame& f = *gui->frame;
  f.fileList().clearAll();
  const auto files = copySamples(gui->folder("token"));
  f.addFiles(files);
  int pins = 0;
  signSelected([](ui::SignDialog* d) {
    BOOST_TEST(d->selectDeviceCertificate("Anna Nowak"), "the EC token's certificate is offered");
    screenshot("device-tab");
    click(d->FindWindow(wxID_OK));
  });
  gui->script.expect<ui::SecretDialog>("the token PIN", [&pins](ui::SecretDialog* d) {
    ++pins;
    type(d, "secret", kDemoPin);
    screenshot("pin");
    click(d->FindWindow(wxID_OK));
  });
  BOOST_TEST_REQUIRE(waitUntil([&] { return !f.busy(); }, 120), "the signing job ends");
  checkScript();
  BOOST_TEST(pins == 1, "one PIN for the batch");
  for (std::size_t i = 0; i < f.fileList().count(); ++i) {
    const auto& e = f.fileList().entry(i);
    BOOST_TEST((e.state == ui::FileEntry::State::Signed), e.path << ": " << e.detail.utf8_string());
    if (fs::exists(e.output)) expectVerifies(e.output);
  }
  screenshot("token-signed");

  // Verify with several rows: each signed row's output is checked on the
  // worker and gets its result.
  click(child(&f, "verifyButton"));
  BOOST_TEST_REQUIRE(waitUntil([&] { return !f.busy(); }, 120), "the verification ends");
  checkScript();
  for (std::size_t i = 0; i < f.fileList().count(); ++i) {
    const auto& e = f.fileList().entry(i);
    BOOST_TEST((e.state == ui::FileEntry::State::Valid), e.path << ": " << e.detail.utf8_string());
  }
  screenshot("token-verified");
}

BOOST_AUTO_TEST_CASE(signs_in_the_cloud_with_the_one_time_code) {
  ui::MainFrame& f = *gui->frame;
  f.fileList().clearAll();
  const auto files = copySamples(gui->folder("cloud-docs"));
  f.addFiles(files);
  const nlohmann::json& demo = gui->cloud->demo;

  // A wrong password: the service's refusal is shown, nobody is signed in.
  gui->script.expect<ui::CloudSignInDialog>("a sign-in with a wrong password", [](ui::CloudSignInDialog* d) {
    type(d, "password", "not the password");
    click(d->FindWindow(wxID_OK));
  });
  BOOST_TEST(f.signInToCloud() == nullptr);
  BOOST_TEST(gui->script.finished());
  BOOST_TEST_REQUIRE(gui->script.messages.size() == 1u, "one message says why");
  BOOST_TEST_MESSAGE("the refusal: " << gui->script.messages.front());
  gui->script.messages.clear();
  BOOST_TEST(f.cloudStatus() == tr_("Cloud: not signed in"));

  gui->script.expect<ui::CloudSignInDialog>("the cloud sign-in", [&demo](ui::CloudSignInDialog* d) {
    BOOST_TEST(d->login() == demo["login"].get<std::string>(), "the login comes from the settings");
    BOOST_TEST(!d->FindWindow(wxID_OK)->IsEnabled(), "no sign-in without a password");
    type(d, "password", demo["password"].get<std::string>());
    screenshot("cloud-sign-in");
    click(d->FindWindow(wxID_OK));
  });
  signSelected([](ui::SignDialog* d) {
    click(child(d, "cloudSignIn"));
    screenshot("cloud-certificate");
    click(d->FindWindow(wxID_OK));
  });
  int codes = 0;
  gui->script.expect<ui::OtpDialog>("the one-time code", [&demo, &codes](ui::OtpDialog* d) {
    ++codes;
    BOOST_TEST(!d->FindWindow(wxID_OK)->IsEnabled(), "OK waits for all 8 digits");
    const OtpAuth auth = OtpAuth::parse(demo["otpauth"].get<std::string>());
    type(d, "otp", totpCode(auth, static_cast<std::int64_t>(std::time(nullptr))));
    screenshot("otp");
    click(d->FindWindow(wxID_OK));
  });
  BOOST_TEST_REQUIRE(waitUntil([&] { return !f.busy(); }, 120), "the signing job ends");
  checkScript();
  BOOST_TEST(codes == 1, "one code for the batch");
  const auto anchors = Certificate::loadFile(demo["trustAnchor"].get<std::string>());
  for (std::size_t i = 0; i < f.fileList().count(); ++i) {
    const auto& e = f.fileList().entry(i);
    BOOST_TEST((e.state == ui::FileEntry::State::Signed), e.path << ": " << e.detail.utf8_string());
    if (!fs::exists(e.output)) continue;
    FormatRegistry registry;
    registerBuiltinFormats(registry);
    VerifyOptions o;
    o.trustAnchors = anchors;
    o.detachedContent = detachedContentBeside(e.output);
    // The service's certificates name its OCSP responder: asked while it runs.
    o.offline = false;
    BOOST_TEST(VerificationService(registry).verify(e.output, o).indication == Indication::TotalPassed, e.output);
  }
  screenshot("cloud-signed");
  BOOST_TEST(f.cloudStatus().StartsWith(wxString::Format(tr_("Cloud: session %s"), "")), f.cloudStatus().utf8_string());

  // The account: its certificate, the session's time left, Sign out.
  gui->script.expect<ui::CloudAccountDialog>("the cloud account", [](ui::CloudAccountDialog* d) {
    const wxString left = child(d, "sessionLeft")->GetLabel();
    BOOST_TEST(left.Contains(":"), "the session's time left is shown: " << left.utf8_string());
    screenshot("cloud-account");
    click(child(d, "signOut"));
  });
  f.showCloudAccount();
  checkScript();
  BOOST_TEST(f.cloudStatus() == tr_("Cloud: not signed in"));
}

BOOST_AUTO_TEST_CASE(cancel_leaves_no_partial_output) {
  ui::MainFrame& f = *gui->frame;
  f.fileList().clearAll();
  const fs::path dir = gui->folder("many");
  std::vector<fs::path> files;
  const std::string pdf = readText(sourceDir() / "samples" / "documents" / "contract.pdf");
  for (int i = 0; i < 200; ++i) {
    files.push_back(dir / ("doc" + std::to_string(i) + ".pdf"));
    writeFile(files.back(), pdf);
  }
  const auto before = filesIn(dir);
  f.addFiles(files);
  BOOST_TEST(f.fileList().count() == 200u);
  signWithEcFile();
  // Cancel as soon as the job shows progress.
  auto* gauge = dynamic_cast<wxGauge*>(child(&f, "progress"));
  BOOST_TEST_REQUIRE(gauge != nullptr);
  waitUntil([&] { return !f.busy() || gauge->GetValue() > 0; }, 60);
  const bool landed = f.busy();
  if (landed) {
    click(child(&f, "cancelButton"));
    if (f.busy()) screenshot("cancelling");
  }
  BOOST_TEST_REQUIRE(waitUntil([&] { return !f.busy(); }, 120), "the job stops");
  checkScript();
  const auto after = filesIn(dir);
  if (after == before) {
    BOOST_TEST_MESSAGE("cancelled before any output: nothing was written");
    for (std::size_t i = 0; i < f.fileList().count(); ++i)
      BOOST_TEST((f.fileList().entry(i).state == ui::FileEntry::State::Ready));
    BOOST_TEST(f.statusText() == tr_("Signing cancelled; no file was written."));
  } else {
    // The cancel came after the signatures were made: a batch is written
    // whole, so every output is complete and no temporary file is left.
    BOOST_WARN_MESSAGE(false, "the cancel came too late to stop the batch");
    BOOST_TEST(after.size() == 400u, "each input has its complete output, nothing else");
    for (const auto& e : after) BOOST_TEST(e.string().front() != '.', "no temporary file " << e);
  }
  BOOST_WARN_MESSAGE(landed, "the job had ended before Cancel could be pressed");
  screenshot("cancelled");
}

BOOST_AUTO_TEST_CASE(the_preview_shows_the_pages_of_a_pdf) {
  ui::MainFrame& f = *gui->frame;
  listPreviewFiles();
  ui::PreviewPane& p = f.preview();
  BOOST_TEST((p.kind() == ui::PreviewPane::Kind::Nothing), "nothing selected: the hint");
  BOOST_TEST(f.splitter().IsSplit(), "the list and the preview side by side");
  BOOST_TEST(f.splitter().GetWindow1() == &f.fileList());
  screenshot("preview-nothing-selected");

  selectRow(0);
  BOOST_TEST_REQUIRE(previewShows(previewFiles().pdf), "the first page is shown");
  BOOST_TEST((p.kind() == ui::PreviewPane::Kind::Pdf));
  BOOST_TEST(p.pageCount() == 3);
  BOOST_TEST(p.pageLabel() == wxString::Format(tr_("Page %d of %d"), 1, 3));
  BOOST_TEST_REQUIRE(p.lastWorkerThread().has_value());
  BOOST_TEST((*p.lastWorkerThread() != std::this_thread::get_id()), "drawn off the GUI thread");
  const wxImage first = p.pageView().bitmap().ConvertToImage();
  BOOST_TEST(!child(&f, "previousPage")->IsEnabled(), "no page before the first");

  click(child(&f, "nextPage"));
  BOOST_TEST(p.pageLabel() == wxString::Format(tr_("Page %d of %d"), 2, 3), "the label follows at once");
  BOOST_TEST_REQUIRE(previewShows(previewFiles().pdf), "page 2 is drawn");
  BOOST_TEST(p.page() == 1);
  BOOST_TEST((*p.lastWorkerThread() != std::this_thread::get_id()), "drawn off the GUI thread");
  const wxBitmap& two = p.pageView().bitmap();
  BOOST_TEST_REQUIRE(two.IsOk());
  BOOST_TEST(darkPixels(two) > 2000u, "the page is drawn, not blank");
  const wxImage second = two.ConvertToImage();
  BOOST_TEST(std::memcmp(first.GetData(), second.GetData(),
                         static_cast<std::size_t>(
                             std::min(first.GetWidth() * first.GetHeight(), second.GetWidth() * second.GetHeight())) *
                             3) != 0,
             "page 2 is not page 1");
  // Fit width: the page fills the pane's width.
  const int viewWidth = p.pageView().GetClientSize().GetWidth();
  BOOST_TEST(two.GetWidth() > viewWidth * 3 / 4, two.GetWidth() << " of " << viewWidth);
  BOOST_TEST(two.GetWidth() <= viewWidth, two.GetWidth() << " of " << viewWidth);
  screenshot("preview-pdf-page-2");

  // Where the page's black square (user space 400..500, 100..200) is on screen.
  ui::PageView& view = p.pageView();
  const wxPoint2DDouble centre = view.toWindow(PagePoint{450, 150});
  const wxPoint origin = view.CalcScrolledPosition(view.pageOrigin());
  const int bx = static_cast<int>(centre.m_x) - origin.x, by = static_cast<int>(centre.m_y) - origin.y;
  BOOST_TEST_REQUIRE((bx >= 0 && by >= 0 && bx < second.GetWidth() && by < second.GetHeight()));
  BOOST_TEST(second.GetRed(bx, by) < 60, "the square is where the mapping says");
  const PagePoint back = view.fromWindow(centre);
  BOOST_TEST(std::fabs(back.x - 450) < 1e-6);
  BOOST_TEST(std::fabs(back.y - 150) < 1e-6);
  view.setOverlay(ui::PageRect{400, 100, 500, 200});
  const wxRect frame = view.toWindow(ui::PageRect{400, 100, 500, 200});
  BOOST_TEST(std::abs(frame.GetWidth() - static_cast<int>(100 * view.scale())) <= 2, "whole pixels around it");

  // Page Down and Page Up, as a person presses them in the page.
  const auto press = [&](int key) {
    wxKeyEvent e(wxEVT_CHAR_HOOK);
    e.m_keyCode = key;
    e.SetEventObject(&view);
    view.GetEventHandler()->ProcessEvent(e);
  };
  press(WXK_PAGEDOWN);
  BOOST_TEST_REQUIRE(previewShows(previewFiles().pdf));
  BOOST_TEST(p.pageLabel() == wxString::Format(tr_("Page %d of %d"), 3, 3));
  BOOST_TEST(!child(&f, "nextPage")->IsEnabled(), "no page after the last");
  press(WXK_PAGEUP);
  BOOST_TEST_REQUIRE(previewShows(previewFiles().pdf));
  BOOST_TEST(p.page() == 1);

  // Fit page: the whole page in the view.
  p.setZoom(ui::Zoom::FitPage);
  BOOST_TEST_REQUIRE(previewShows(previewFiles().pdf));
  BOOST_TEST(view.bitmap().GetHeight() <= view.GetClientSize().GetHeight());
  screenshot("preview-pdf-fit-page");
  p.setZoom(ui::Zoom::FitWidth);
  BOOST_TEST_REQUIRE(previewShows(previewFiles().pdf));
}

BOOST_AUTO_TEST_CASE(the_preview_shows_xml_in_its_declared_encoding) {
  ui::MainFrame& f = *gui->frame;
  if (f.fileList().count() != 4) listPreviewFiles();
  selectRow(1);
  ui::PreviewPane& p = f.preview();
  BOOST_TEST_REQUIRE(previewShows(previewFiles().xml));
  BOOST_TEST((p.kind() == ui::PreviewPane::Kind::Xml));
  const wxString text = p.xmlText().GetValue();
  BOOST_TEST(text.Contains(wxString::FromUTF8("Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144")),
             text.utf8_string());
  BOOST_TEST(text.Contains(wxString::FromUTF8("Zak\u0142ad Us\u0142ug \u0141\u00f3d\u017a")), text.utf8_string());
  BOOST_TEST(text.Contains("encoding=\"ISO-8859-2\""), "the declaration as the file wrote it");
  BOOST_TEST(text.Contains("\n    <pozycja"), "indented, one element a line: " << text.utf8_string());
  BOOST_TEST(!p.xmlText().IsEditable());
  BOOST_TEST((*p.lastWorkerThread() != std::this_thread::get_id()), "read off the GUI thread");
  screenshot("preview-xml");
}

BOOST_AUTO_TEST_CASE(the_preview_shows_a_picture) {
  ui::MainFrame& f = *gui->frame;
  if (f.fileList().count() != 4) listPreviewFiles();
  selectRow(2);
  ui::PreviewPane& p = f.preview();
  BOOST_TEST_REQUIRE(previewShows(previewFiles().png));
  BOOST_TEST((p.kind() == ui::PreviewPane::Kind::Image));
  auto* picture = dynamic_cast<ui::PageView*>(child(&f, "previewPicture"));
  BOOST_TEST_REQUIRE(picture != nullptr);
  BOOST_TEST_REQUIRE(picture->hasPage());
  const wxImage shown = picture->bitmap().ConvertToImage();
  BOOST_TEST(shown.GetWidth() <= 480);
  BOOST_TEST(shown.GetWidth() <= picture->GetClientSize().GetWidth());
  // The red block of the picture, where it was painted (scaled as shown).
  const double s = picture->scale();
  const int x = static_cast<int>(100 * s), y = static_cast<int>(100 * s);
  BOOST_TEST(shown.GetRed(x, y) > 150);
  BOOST_TEST(shown.GetGreen(x, y) < 80);
  auto* caption = dynamic_cast<wxStaticText*>(child(&f, "previewPictureText"));
  BOOST_TEST_REQUIRE(caption != nullptr);
  BOOST_TEST(caption->GetLabelText().Contains("480"), caption->GetLabelText().utf8_string());
  screenshot("preview-picture");
}

BOOST_AUTO_TEST_CASE(other_files_are_described_with_type_size_and_digest) {
  ui::MainFrame& f = *gui->frame;
  if (f.fileList().count() != 4) listPreviewFiles();
  selectRow(3);
  ui::PreviewPane& p = f.preview();
  BOOST_TEST_REQUIRE(previewShows(previewFiles().other));
  BOOST_TEST((p.kind() == ui::PreviewPane::Kind::Other));
  const wxString d = p.description();
  std::string hex = toHex(digestFile(DigestAlgorithm::Sha256, previewFiles().other));
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  BOOST_TEST(d.Contains(wxString::FromUTF8(readableCount(1500))), d.utf8_string());  // "1,500" or "1500"
  BOOST_TEST(d.Contains(hex), d.utf8_string());
  BOOST_TEST(d.Contains(tr_("Binary data")), d.utf8_string());
  BOOST_TEST(d.Contains("application/octet-stream"), d.utf8_string());
  screenshot("preview-other");
}

BOOST_AUTO_TEST_CASE(a_new_selection_cancels_the_render_in_flight) {
  ui::MainFrame& f = *gui->frame;
  // A page of 150,000 small squares: poppler needs a good while to draw it.
  test::PagesPdf slow;
  slow.pages = 1;
  std::string ops = "0.5 g\n";
  for (int i = 0; i < 150000; ++i)
    ops += std::to_string(i % 590) + " " + std::to_string((i / 590) % 830) + " 3 3 re f\n";
  slow.extraContent = ops;
  const fs::path big = gui->folder("preview") / "slow-page.pdf";
  writeFile(big, test::pagesPdf(slow));
  if (f.fileList().count() != 4) listPreviewFiles();
  f.addFiles({big});
  const std::size_t bigRow = *f.fileList().indexOf(big);
  ui::PreviewPane& p = f.preview();
  std::vector<ui::PreviewPane::Kind> shownKinds;
  p.onShown = [&] { shownKinds.push_back(p.kind()); };
  selectRow(bigRow);
  f.updatePreview();  // the selection reaches the pane now, not at the next event
  BOOST_TEST((p.kind() == ui::PreviewPane::Kind::Loading));
  const std::uint64_t generation = p.generation();
  pump(50);  // the reader is under way
  selectRow(1);
  f.updatePreview();
  BOOST_TEST(p.generation() > generation, "the new selection bumped the generation");
  BOOST_TEST_REQUIRE(previewShows(previewFiles().xml), "the second file is shown");
  BOOST_TEST(waitUntil([] { return ui::backgroundThreads() == 0; }, 60), "the abandoned reader ends");
  pump(300);
  BOOST_TEST((p.kind() == ui::PreviewPane::Kind::Xml), "still the second file");
  BOOST_TEST((p.file() == previewFiles().xml));
  BOOST_TEST((std::find(shownKinds.begin(), shownKinds.end(), ui::PreviewPane::Kind::Pdf) == shownKinds.end()),
             "the slow PDF never appeared");
  p.onShown = nullptr;
  screenshot("preview-after-cancel");
  // The slow page itself, when it is what the person wants.
  selectRow(bigRow);
  BOOST_TEST(previewShows(big, 120), "the slow page is drawn in the end");
  BOOST_TEST((p.kind() == ui::PreviewPane::Kind::Pdf));
  f.fileList().clearAll();
  f.updatePreview();
  BOOST_TEST((p.kind() == ui::PreviewPane::Kind::Nothing), "an empty list shows the hint");
}

// ------------------------------------------------- the visible signature

namespace {

/// A fresh list holding exactly `files`, none selected: Sign files signs them all.
void listOnly(const std::vector<fs::path>& files) {
  ui::MainFrame& f = *gui->frame;
  f.fileList().clearAll();
  f.updatePreview();
  BOOST_TEST_REQUIRE(f.addFiles(files) == files.size());
  for (const std::size_t r : f.fileList().selected()) f.fileList().Select(static_cast<long>(r), false);
}

/// A PDF of `pages` pages (pages_pdf.h) in the "visible" folder.
fs::path visiblePdf(const std::string& name, int pages) {
  test::PagesPdf spec;
  spec.pages = pages;
  const fs::path file = gui->folder("visible") / name;
  writeFile(file, test::pagesPdf(spec));
  return file;
}

/// The mouse on the dialog's page, at the user-space point `p`.
wxPoint at(ui::SignDialog* d, PagePoint p) {
  const wxPoint2DDouble w = d->pageView()->toWindow(p);
  return wxPoint(static_cast<int>(std::lround(w.m_x)), static_cast<int>(std::lround(w.m_y)));
}

/// Presses at `from`, moves in a few steps to `to` and lets go, as a hand does.
void drag(ui::SignDialog* d, PagePoint from, PagePoint to) {
  d->pressAt(at(d, from));
  for (int i = 1; i <= 4; ++i)
    d->dragTo(at(d, PagePoint{from.x + (to.x - from.x) * i / 4, from.y + (to.y - from.y) * i / 4}));
  d->releaseAt(at(d, to));
}

/// Page `page` of `pdf` drawn by poppler's pdftoppm at 72 dpi: one pixel a point.
wxImage pageAt72(const fs::path& pdf, int page) {
  const fs::path out = gui->folder("visible") / ("page-" + std::to_string(page) + "-" + pdf.stem().string());
  const auto r = run({"pdftoppm", "-r", "72", "-f", std::to_string(page), "-l", std::to_string(page), "-png",
                      "-singlefile", pdf.string(), out.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "pdftoppm " << pdf << ": " << r.err);
  wxImage img;
  BOOST_TEST_REQUIRE(img.LoadFile(wxString::FromUTF8(out.string() + ".png"), wxBITMAP_TYPE_PNG));
  return img;
}

/// pdfsig's verdict on every signature of `pdf` (the demo CA is not in its
/// trust store, so the certificate's trust is not asked for).
void expectPdfsigValid(const fs::path& pdf) {
  const auto r = run({"pdfsig", pdf.string()});
  BOOST_TEST(r.out.find("Signature is Valid") != std::string::npos, "pdfsig " << pdf << ":\n" << r.out << r.err);
}

std::string pageText(const fs::path& pdf, int page) {
  const auto r = run({"pdftotext", "-f", std::to_string(page), "-l", std::to_string(page), pdf.string(), "-"});
  BOOST_TEST(r.exitCode == 0, "pdftotext " << pdf << ": " << r.err);
  return r.out;
}

/// Whether a pixel of `img` at user-space point (x, y) of an A4 page drawn
/// at 72 dpi lies within `r` grown by `margin` points.
bool insideRect(const ui::PageRect& r, int px, int py, int height, double margin) {
  const double x = px + 0.5, y = height - (py + 0.5);
  return x >= r.x1 - margin && x <= r.x2 + margin && y >= r.y1 - margin && y <= r.y2 + margin;
}

/// Opens the PKCS#12 file of Jan Kowalski in the dialog (its password asked once).
void expectPassword() {
  gui->script.expect<ui::SecretDialog>("the PKCS#12 password", [](ui::SecretDialog* d) {
    type(d, "secret", p12Password());
    click(d->FindWindow(wxID_OK));
  });
}

const ui::PageRect kDrawn{100, 300, 350, 400};  // blank on every page of pagesPdf

/// Signs `pdf` alone with a box drawn on page 2, optionally with `image`;
/// returns the signed file and the box as the dialog had it.
std::pair<fs::path, ui::PageRect> signOnPageTwo(const fs::path& pdf, const fs::path& image, const std::string& shot) {
  ui::MainFrame& f = *gui->frame;
  listOnly({pdf});
  expectPassword();
  ui::PageRect drawn;
  signSelected([&](ui::SignDialog* d) {
    BOOST_TEST_REQUIRE(d->offersVisible(), "a PDF in the batch: the visible signature is offered");
    BOOST_TEST(d->openCertificateFile(wxString::FromUTF8((pkiDir() / "signer-rsa.p12").string())));
    d->setVisible(true);
    d->setPlacementPage(2, false);
    BOOST_TEST_REQUIRE(waitUntil([d] { return d->pageShown(); }, 30), "page 2 is drawn");
    BOOST_TEST_REQUIRE(d->pageView()->bitmap().IsOk());
    BOOST_TEST(darkPixels(d->pageView()->bitmap()) > 500u, "the page is drawn, not blank");
    // A small drag still gives a box with room for a name and a time.
    drag(d, PagePoint{300, 600}, PagePoint{316, 610});
    BOOST_TEST_REQUIRE(d->rectangle().has_value());
    BOOST_TEST(d->rectangle()->x2 - d->rectangle()->x1 >= ui::SignDialog::kMinWidth - 1e-6);
    BOOST_TEST(d->rectangle()->y2 - d->rectangle()->y1 >= ui::SignDialog::kMinHeight - 1e-6);
    // Drawn beyond the page's edge: kept on the page.
    drag(d, PagePoint{500, 50}, PagePoint{700, -40});
    BOOST_TEST(d->rectangle()->x2 <= 595 + 1e-6);
    BOOST_TEST(d->rectangle()->y1 >= -1e-6);
    // The box that is signed: drawn a little lower, then moved by dragging inside it.
    drag(d, PagePoint{kDrawn.x1, kDrawn.y1 - 50}, PagePoint{kDrawn.x2, kDrawn.y2 - 50});
    drag(d, PagePoint{200, 320}, PagePoint{200, 370});
    drawn = *d->rectangle();
    const double tolerance = 2.0 / d->pageView()->scale() + 0.5;  // whole pixels of the mouse
    BOOST_TEST(std::fabs(drawn.x1 - kDrawn.x1) < tolerance, drawn.x1);
    BOOST_TEST(std::fabs(drawn.y1 - kDrawn.y1) < tolerance, drawn.y1);
    BOOST_TEST(std::fabs(drawn.x2 - kDrawn.x2) < tolerance, drawn.x2);
    BOOST_TEST(std::fabs(drawn.y2 - kDrawn.y2) < tolerance, drawn.y2);
    BOOST_TEST(d->pageView()->overlay().has_value(), "the box is shown on the page");
    BOOST_TEST(unwrapped(dynamic_cast<wxStaticText*>(child(d, "visibleBatchText"))) ==
               wxString::Format(tr_("The signature goes on page %d of the PDF."), 2));
    type(d, "reason", "Zatwierdzam");
    if (!image.empty()) d->setSignatureImage(wxString::FromUTF8(image.string()));
    screenshot(shot);
    click(d->FindWindow(wxID_OK));
  });
  BOOST_TEST_REQUIRE(waitUntil([&] { return !f.busy(); }, 120), "the signing job ends");
  checkScript();
  const auto& e = f.fileList().entry(0);
  BOOST_TEST_REQUIRE((e.state == ui::FileEntry::State::Signed), e.path << ": " << e.detail.utf8_string());
  return {e.output, drawn};
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_visible_signature_drawn_on_page_two_is_signed_there) {
  const fs::path pdf = visiblePdf("three-pages.pdf", 3);
  // Nothing remembered for Jan Kowalski yet: the box starts unticked.
  listOnly({pdf});
  expectPassword();
  signSelected([](ui::SignDialog* d) {
    BOOST_TEST(d->openCertificateFile(wxString::FromUTF8((pkiDir() / "signer-rsa.p12").string())));
    BOOST_TEST(!d->visible(), "off unless a placement is remembered");
    BOOST_TEST(!d->choice()->visible.has_value());
    // Every mnemonic of the dialog is its own, the new controls' included.
    std::vector<wxString> letters;
    std::function<void(wxWindow*)> collect = [&](wxWindow* w) {
      for (wxWindow* c : w->GetChildren()) {
        wxString label = c->GetLabel();
        label.Replace("&&", "");
        const int amp = label.Find('&');
        if (amp != wxNOT_FOUND && static_cast<std::size_t>(amp) + 1 < label.length())
          letters.push_back(label.Mid(static_cast<std::size_t>(amp) + 1, 1).Lower());
        collect(c);
      }
    };
    collect(d);
    for (const char* name : {"visibleSignature", "removeImage"})
      BOOST_TEST(child(d, name)->GetLabel().Contains("&"), name << " has a mnemonic");
    std::vector<wxString> sorted = letters;
    std::sort(sorted.begin(), sorted.end());
    BOOST_TEST(letters.size() >= 6u);
    BOOST_TEST((std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()), "unique mnemonics in the dialog");
    d->EndModal(wxID_CANCEL);
  });
  BOOST_TEST(waitUntil([] { return gui->script.finished(); }, 30));
  checkScript();

  const auto [output, drawn] = signOnPageTwo(pdf, {}, "visible-signature-page-2");
  expectVerifies(output);
  expectPdfsigValid(output);
  BOOST_TEST(pageText(output, 2).find("Jan Kowalski") != std::string::npos, "the name is text on page 2");
  BOOST_TEST(pageText(output, 1).find("Jan Kowalski") == std::string::npos, "not on page 1");
  BOOST_TEST(pageText(output, 3).find("Jan Kowalski") == std::string::npos, "not on page 3");

  // The appearance is inside the drawn box; everything around it is as before.
  const wxImage before = pageAt72(pdf, 2), after = pageAt72(output, 2);
  BOOST_TEST_REQUIRE((before.GetSize() == after.GetSize()));
  std::size_t inkInside = 0, changedOutside = 0;
  for (int y = 0; y < after.GetHeight(); ++y) {
    for (int x = 0; x < after.GetWidth(); ++x) {
      const bool changed = std::abs(after.GetRed(x, y) - before.GetRed(x, y)) > 8 ||
                           std::abs(after.GetGreen(x, y) - before.GetGreen(x, y)) > 8 ||
                           std::abs(after.GetBlue(x, y) - before.GetBlue(x, y)) > 8;
      if (insideRect(drawn, x, y, after.GetHeight(), 0)) {
        if (changed) ++inkInside;
      } else if (changed && !insideRect(drawn, x, y, after.GetHeight(), 1.0)) {
        ++changedOutside;
      }
    }
  }
  BOOST_TEST(inkInside > 200u, "the appearance is drawn in the box: " << inkInside << " pixels");
  BOOST_TEST(changedOutside == 0u, "nothing changed outside the box");
}

BOOST_AUTO_TEST_CASE(an_image_in_the_appearance_is_drawn_in_the_box) {
  const fs::path pdf = visiblePdf("with-image.pdf", 3);
  const fs::path png = gui->folder("visible") / "red-block.png";
  wxImage red(200, 100);
  red.SetRGB(wxRect(0, 0, 200, 100), 0xFF, 0xFF, 0xFF);
  red.SetRGB(wxRect(20, 10, 160, 80), 0xE0, 0x10, 0x10);
  BOOST_TEST_REQUIRE(red.SaveFile(wxString::FromUTF8(png.string()), wxBITMAP_TYPE_PNG));
  const auto [output, drawn] = signOnPageTwo(pdf, png, "visible-signature-image");
  expectPdfsigValid(output);
  const wxImage page = pageAt72(output, 2);
  std::size_t redInside = 0, redOutside = 0;
  for (int y = 0; y < page.GetHeight(); ++y) {
    for (int x = 0; x < page.GetWidth(); ++x) {
      const bool isRed = page.GetRed(x, y) > 180 && page.GetGreen(x, y) < 80 && page.GetBlue(x, y) < 80;
      if (!isRed) continue;
      (insideRect(drawn, x, y, page.GetHeight(), 1.0) ? redInside : redOutside) += 1;
    }
  }
  BOOST_TEST(redInside > 300u, "the red block is in the box: " << redInside << " pixels");
  BOOST_TEST(redOutside == 0u, "and nowhere else");

  // An image that is not PNG or JPEG is refused before the dialog closes.
  const fs::path notImage = gui->folder("visible") / "not-an-image.png";
  writeFile(notImage, "not a picture at all");
  listOnly({pdf});
  expectPassword();
  signSelected([&](ui::SignDialog* d) {
    BOOST_TEST(d->openCertificateFile(wxString::FromUTF8((pkiDir() / "signer-rsa.p12").string())));
    BOOST_TEST(d->visible(), "remembered from the signature before");
    BOOST_TEST_REQUIRE(d->choice()->visible.has_value());
    BOOST_TEST(d->choice()->visible->box.image == png, "the image is remembered too");
    d->setSignatureImage(wxString::FromUTF8(notImage.string()));
    click(d->FindWindow(wxID_OK));
    BOOST_TEST(d->IsModal(), "the dialog stays open");
    BOOST_TEST(gui->script.messages.size() == 1u, "a message says why");
    gui->script.messages.clear();
    d->removeSignatureImage();
    BOOST_TEST(d->choice()->visible->box.image.empty());
    d->EndModal(wxID_CANCEL);
  });
  BOOST_TEST(waitUntil([] { return gui->script.finished(); }, 30));
  checkScript();
}

BOOST_AUTO_TEST_CASE(a_batch_puts_the_signature_on_the_last_page_of_each_pdf) {
  ui::MainFrame& f = *gui->frame;
  const std::vector<fs::path> pdfs = {visiblePdf("one-page.pdf", 1), visiblePdf("two-pages.pdf", 2),
                                      visiblePdf("five-pages.pdf", 5)};
  listOnly(pdfs);
  expectPassword();
  signSelected([&](ui::SignDialog* d) {
    BOOST_TEST(d->openCertificateFile(wxString::FromUTF8((pkiDir() / "signer-rsa.p12").string())));
    d->setVisible(true);
    d->removeSignatureImage();
    d->setPlacementPage(1, true);
    BOOST_TEST_REQUIRE(waitUntil([d] { return d->pageShown(); }, 30), "the first PDF's last page is drawn");
    const wxString said = unwrapped(dynamic_cast<wxStaticText*>(child(d, "visibleBatchText")));
    BOOST_TEST(said.Contains(wxString::Format(tr_("The signature goes on the last page of each of the %s PDFs."), "3")),
               said.utf8_string());
    d->setRectangle(ui::PageRect{300, 60, 540, 130});
    type(d, "location", "Kraków");
    screenshot("visible-signature-batch-last-page");
    click(d->FindWindow(wxID_OK));
  });
  BOOST_TEST_REQUIRE(waitUntil([&] { return !f.busy(); }, 120), "the signing job ends");
  checkScript();
  const int lengths[] = {1, 2, 5};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto row = f.fileList().indexOf(pdfs[i]);
    BOOST_TEST_REQUIRE(row.has_value());
    const auto& e = f.fileList().entry(*row);
    BOOST_TEST_REQUIRE((e.state == ui::FileEntry::State::Signed), e.path << ": " << e.detail.utf8_string());
    expectPdfsigValid(e.output);
    BOOST_TEST(pageText(e.output, lengths[i]).find("Jan Kowalski") != std::string::npos,
               e.output << ": the name on its last page, " << lengths[i]);
    if (lengths[i] > 1) {
      BOOST_TEST(pageText(e.output, lengths[i] - 1).find("Jan Kowalski") == std::string::npos,
                 e.output << ": not on the page before");
    }
  }
  screenshot("visible-signature-batch-signed");
}

BOOST_AUTO_TEST_CASE(the_placement_is_remembered_for_the_person) {
  const fs::path pdf = visiblePdf("again.pdf", 4);
  listOnly({pdf});
  expectPassword();
  signSelected([](ui::SignDialog* d) {
    BOOST_TEST(d->openCertificateFile(wxString::FromUTF8((pkiDir() / "signer-rsa.p12").string())));
    BOOST_TEST_REQUIRE(d->visible(), "ticked: a placement is remembered for Jan Kowalski");
    BOOST_TEST_REQUIRE(waitUntil([d] { return d->pageShown(); }, 30));
    const auto c = d->choice();
    BOOST_TEST_REQUIRE(c->visible.has_value());
    const VisiblePlacement& v = *c->visible;
    BOOST_TEST(v.box.fromEnd);
    BOOST_TEST(v.box.page == 1);
    BOOST_TEST(v.box.x == 300.0);
    BOOST_TEST(v.box.y == 60.0);
    BOOST_TEST(v.box.width == 240.0);
    BOOST_TEST(v.box.height == 70.0);
    BOOST_TEST(v.location == "Kraków");
    BOOST_TEST(v.reason == "Zatwierdzam");
    BOOST_TEST(v.box.image.empty());
    BOOST_TEST(d->pageView()->overlay().has_value(), "the box is shown on the page");
    screenshot("visible-signature-remembered");
    d->EndModal(wxID_CANCEL);
  });
  BOOST_TEST(waitUntil([] { return gui->script.finished(); }, 30));
  checkScript();
  // Kept with the settings, for the next start.
  const Settings saved = ui::loadSettings();
  BOOST_TEST(saved.placements.size() == 1u);

  // Signed once with the box unticked: it comes back unticked, the
  // placement kept for when it is ticked again.
  ui::MainFrame& f = *gui->frame;
  listOnly({pdf});
  expectPassword();
  signSelected([](ui::SignDialog* d) {
    BOOST_TEST(d->openCertificateFile(wxString::FromUTF8((pkiDir() / "signer-rsa.p12").string())));
    d->setVisible(false);
    BOOST_TEST(!d->choice()->visible.has_value(), "an invisible signature");
    click(d->FindWindow(wxID_OK));
  });
  BOOST_TEST_REQUIRE(waitUntil([&] { return gui->script.finished() && !f.busy(); }, 120), "the signing job ends");
  checkScript();
  const Settings after = ui::loadSettings();
  BOOST_TEST_REQUIRE(after.placements.size() == 1u);
  const VisiblePlacement& kept = after.placements.begin()->second;
  BOOST_TEST(!kept.enabled);
  BOOST_TEST((kept.box.width == 240.0 && kept.location == "Kraków"), "the placement itself is kept");
  listOnly({pdf});
  expectPassword();
  signSelected([](ui::SignDialog* d) {
    BOOST_TEST(d->openCertificateFile(wxString::FromUTF8((pkiDir() / "signer-rsa.p12").string())));
    BOOST_TEST(!d->visible(), "unticked, as last time");
    const auto again = d->placementToRemember();
    BOOST_TEST_REQUIRE(again.has_value());
    BOOST_TEST(again->box.width == 240.0);
    d->EndModal(wxID_CANCEL);
  });
  BOOST_TEST(waitUntil([] { return gui->script.finished(); }, 30));
  checkScript();
}

BOOST_AUTO_TEST_SUITE_END()

// Without the pl_PL.UTF-8 locale (a fresh system, a container) LANG=pl_PL.UTF-8
// left the C library in the "C" locale: wxString could not hold the UTF-8
// of _("&Add files…") (an empty label, wx's assertion "A non-stock menu item
// with an empty label?") and gettext ignored LANGUAGE.  The window now falls
// back to C.UTF-8 with the Polish catalog, as the CLI does.  The parent
// starts this program again in such an environment (its own X display, its
// own window); the child checks the window from inside.
BOOST_AUTO_TEST_SUITE(gui_locale)

BOOST_AUTO_TEST_CASE(without_the_polish_locale_the_window_speaks_polish_in_c_utf8,
                     *boost::unit_test::precondition(IfPolishRun())) {
  std::string missing = "pl_PL.UTF-8";
  if (locale_t l = newlocale(LC_ALL_MASK, missing.c_str(), nullptr)) {
    freelocale(l);
    missing = "pl_ZZ.UTF-8";  // installed here: a Polish locale no system has
  }
  BOOST_TEST_MESSAGE("the window under LANG=" << missing << ", LC_ALL and LANGUAGE unset");
  TempDir artifacts;
  const fs::path self = fs::read_symlink("/proc/self/exe");
  const auto r = run({"timeout", "300", self.string(), "--run_test=gui_locale_child", "--log_level=test_suite",
                      "--report_level=short"},
                     {"LC_ALL=", "LC_MESSAGES=", "LC_CTYPE=", "LANGUAGE=", "LANG=" + missing,
                      "SECUREDOC_GUI_LOCALE_CHILD=1", "SECUREDOC_GUI_ARTIFACTS=" + artifacts.path().string()});
  BOOST_TEST(r.exitCode == 0, "the child's checks pass:\n" << r.out << r.err);
  BOOST_TEST(r.out.find("gui_locale_child") != std::string::npos, "the child ran its suite:\n" << r.out);
  BOOST_TEST(r.err.find("empty label") == std::string::npos, "no wx assertion:\n" << r.err);
  BOOST_TEST(r.err.find("assert \"") == std::string::npos, "no wx assertion:\n" << r.err);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gui_locale_child, *boost::unit_test::precondition(IfLocaleChild()))

BOOST_AUTO_TEST_CASE(the_menus_have_polish_labels_and_no_assertion_fired) {
  for (const auto& a : wxAssertions) BOOST_ERROR("wx assertion: " << a);
  const char* codeset = nl_langinfo(CODESET);
  BOOST_TEST(std::string(codeset ? codeset : "") == "UTF-8", "the C library runs in a UTF-8 locale");
  const char* ctype = std::setlocale(LC_CTYPE, nullptr);
  const char* languageVar = std::getenv("LANGUAGE");
  BOOST_TEST_MESSAGE("LC_CTYPE " << (ctype ? ctype : "?") << ", LANGUAGE " << (languageVar ? languageVar : "(unset)"));

  wxMenuBar* bar = gui->frame->GetMenuBar();
  BOOST_TEST_REQUIRE(bar != nullptr);
  BOOST_TEST_REQUIRE(bar->GetMenuCount() > 0u);
  BOOST_TEST(bar->GetMenuLabelText(0).utf8_string() == "Plik");
  const wxMenuItem* add = bar->GetMenu(0)->FindItemByPosition(0);
  BOOST_TEST_REQUIRE(add != nullptr);
  BOOST_TEST(add->GetItemLabelText().utf8_string() == "Dodaj pliki…", "a label with a non-ASCII character");
  for (std::size_t i = 0; i < bar->GetMenuCount(); ++i) {
    BOOST_TEST(!bar->GetMenuLabelText(i).empty(), "menu " << i << " has a label");
    for (const wxMenuItem* item : bar->GetMenu(i)->GetMenuItems()) {
      if (item->IsSeparator()) continue;
      BOOST_TEST(!item->GetItemLabelText().empty(), "menu " << i << ", item " << item->GetId() << " has a label");
    }
  }
  // The libraries' messages (gettext, as the CLI) are Polish too.
  BOOST_TEST(std::string(securedoc::tr("the file holds no signature")) == "plik nie zawiera podpisu");
  BOOST_TEST(child(gui->frame, "signButton")->GetLabel() == tr_("Si&gn files"));
  BOOST_TEST(child(gui->frame, "signButton")->GetLabel().utf8_string() != "Si&gn files");
}

BOOST_AUTO_TEST_SUITE_END()
