// The window's start-up and a 5,000-file add (issue 7; bench/RESULTS.md
// "Window").  Runs the real App (settings from SECUREDOC_CONFIG, empty by
// default) under the display it is given (bench/gui.sh starts Xvfb):
//   start      main() entered -> main frame shown and the first idle event
//              handled (the window is on screen and answers);
//   add 5,000  MainFrame::addFiles of a folder with 5,000 files, on the GUI
//              thread, then the event loop's next idle: how long the window
//              does not answer while they are added;
//   paint      a full repaint of the list afterwards (Update()).
//   preview    (issue 16; with a PDF as the second argument, bench/gui.sh
//              makes one of 500 pages) its row selected -> its first page
//              drawn and painted in the preview (PreviewPane::onShown, then
//              the next idle event: the paint has been handled); first the
//              first page ever drawn (the poppler module is loaded then),
//              then again after another row was shown (module loaded).
//   while signing (issue 16; with a PKCS#12 and its password file as the
//              third and fourth arguments) a batch of 24 copies of the PDF
//              signs on the worker while the preview turns pages of it
//              (next page, wait until drawn and painted, again): the time
//              each page takes, and the longest the event loop went without
//              handling an event, compared with the same page turns when
//              nothing signs.
// Prints one line per figure and the peak RSS.
#include "main_frame.h"
#include "preview_pane.h"
#include "sign_dialog.h"

#include <securedoc/crypto/pkcs12_signer.h>

#include <securedoc/ui/app.h>

#include <wx/app.h>
#include <wx/timer.h>
#include <wx/utils.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

/// Runs the event loop until an idle event has been handled after `since`.
Clock::time_point nextIdle() {
  bool idle = false;
  auto handler = [&idle](wxIdleEvent& e) {
    idle = true;
    e.Skip();
  };
  wxTheApp->Bind(wxEVT_IDLE, handler);
  while (!idle) {
    wxTheApp->Yield(true);
    if (!idle) wxMilliSleep(1);
  }
  wxTheApp->Unbind(wxEVT_IDLE, handler);
  return Clock::now();
}

/// Selects row `row` alone (as a click does) and returns the milliseconds
/// until the preview has drawn it and the event loop has painted it; -1 when
/// it is not shown within 30 s.
double selectAndShow(securedoc::ui::MainFrame& frame, long row) {
  securedoc::ui::PreviewPane& preview = frame.preview();
  auto& list = frame.fileList();
  for (long i = list.GetFirstSelected(); i != -1; i = list.GetNextSelected(i)) list.Select(i, false);
  const auto t0 = Clock::now();
  list.Select(row);
  list.Focus(row);
  const auto deadline = t0 + std::chrono::seconds(30);
  const std::filesystem::path file = list.entry(static_cast<std::size_t>(row)).path;
  while (!(preview.file() == file && preview.ready())) {
    if (Clock::now() > deadline) return -1;
    wxTheApp->Yield(true);
    wxMilliSleep(1);
  }
  return ms(t0, nextIdle());
}

/// The PKCS#12 password from a file, for the batch's signer.
struct FilePassword final : securedoc::Interaction {
  std::string password;
  securedoc::SecretString askSecret(Secret, const std::string&) override {
    return securedoc::SecretString(std::string_view(password));
  }
};

/// Page turns in the preview: `turns` times the next page (then back to the
/// first), each until drawn and painted.  Returns the milliseconds of each.
std::vector<double> turnPages(securedoc::ui::PreviewPane& preview, int turns) {
  std::vector<double> out;
  for (int i = 0; i < turns; ++i) {
    const int target = (preview.page() + 1) % std::max(1, preview.pageCount());
    const auto t0 = Clock::now();
    preview.goToPage(target);
    while (!(preview.page() == target && preview.ready())) {
      wxTheApp->Yield(true);
      wxMilliSleep(1);
    }
    out.push_back(ms(t0, nextIdle()));
  }
  return out;
}

void printTurns(const char* what, std::vector<double> t) {
  if (t.empty()) return;
  std::sort(t.begin(), t.end());
  std::printf("  %s: %zu page turns, median %.1f ms, slowest %.1f ms\n", what, t.size(), t[t.size() / 2], t.back());
}

/// Signs 24 copies of `pdf` with the PKCS#12 signer while the preview
/// turns pages of it; false when the batch cannot start.
bool whileSigning(securedoc::ui::MainFrame& frame, const fs::path& pdf, const fs::path& p12, const fs::path& pwFile,
                  const fs::path& dir) {
  FilePassword pw;
  std::ifstream(pwFile) >> pw.password;
  auto signer = std::make_shared<securedoc::Pkcs12Signer>(p12, pw);
  securedoc::ui::SigningChoice choice{signer, signer->certificates().at(0), "pades", securedoc::SignatureLevel::B_B,
                                      std::nullopt};
  frame.fileList().clearAll();
  std::vector<fs::path> copies;
  for (int i = 0; i < 24; ++i) {
    copies.push_back(dir / ("copy" + std::to_string(i) + ".pdf"));
    fs::copy_file(pdf, copies.back(), fs::copy_options::overwrite_existing);
  }
  frame.addFiles(copies);
  selectAndShow(frame, 0);
  const std::vector<double> quiet = turnPages(frame.preview(), 20);
  std::vector<std::size_t> rows(copies.size());
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  const auto s0 = Clock::now();
  frame.startSigning(rows, choice);
  // Turns pages until the batch ends; the event loop's longest gap is
  // measured by a 1 ms timer's lateness.
  std::vector<double> busy;
  double longestGap = 0;
  auto last = Clock::now();
  wxTimer tick;
  tick.Bind(wxEVT_TIMER, [&](wxTimerEvent&) {
    const auto now = Clock::now();
    longestGap = std::max(longestGap, ms(last, now));
    last = now;
  });
  tick.Start(1);
  while (frame.busy()) {
    const auto t = turnPages(frame.preview(), 1);
    busy.insert(busy.end(), t.begin(), t.end());
  }
  tick.Stop();
  const double batch = ms(s0, Clock::now());
  std::size_t signedFiles = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find("-signed") != std::string::npos) ++signedFiles;
  std::printf("while signing: %zu of 24 copies signed in %.0f ms (PAdES, PKCS#12)\n", signedFiles, batch);
  printTurns("nothing signing", quiet);
  printTurns("while the batch signs", busy);
  std::printf("  longest the event loop did not answer   %.1f ms\n", longestGap);
  return signedFiles == 24;
}

}  // namespace

int main(int argc, char** argv) {
  const auto t0 = Clock::now();
  const int files = argc > 1 ? std::atoi(argv[1]) : 5000;
  auto* app = new securedoc::ui::App();
  wxApp::SetInstance(app);
  int wxArgc = 1;
  char* wxArgv[] = {argv[0], nullptr};
  if (!wxEntryStart(wxArgc, wxArgv) || !wxTheApp->CallOnInit()) {
    std::fprintf(stderr, "gui_bench: the window cannot start (no display?)\n");
    return 1;
  }
  const auto shown = nextIdle();
  std::printf("start (main -> frame shown, first idle)   %.1f ms\n", ms(t0, shown));

  const fs::path dir = fs::temp_directory_path() / ("gui_bench." + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (int i = 0; i < files; ++i) std::ofstream(dir / ("f" + std::to_string(i) + ".txt")) << "x";
  securedoc::ui::MainFrame& frame = *app->frame();
  const auto a0 = Clock::now();
  const std::size_t added = frame.addFiles({dir});
  const auto a1 = Clock::now();
  const auto a2 = nextIdle();
  frame.fileList().Refresh();
  const auto p0 = Clock::now();
  frame.fileList().Update();
  const auto p1 = Clock::now();
  std::printf("add %zu files (addFiles)                 %.1f ms\n", added, ms(a0, a1));
  std::printf("  ... until the next idle event           %.1f ms\n", ms(a0, a2));
  std::printf("full repaint of the list                  %.1f ms\n", ms(p0, p1));
  bool previewed = true;
  if (argc > 2) {
    const fs::path pdf = fs::absolute(argv[2]);
    frame.fileList().clearAll();
    frame.addFiles({pdf, dir / "f1.txt"});
    const double cold = selectAndShow(frame, 0);
    const double other = selectAndShow(frame, 1);
    const double warm = selectAndShow(frame, 0);
    const auto& view = frame.preview().pageView();
    std::printf("preview: first page of %s (%d pages, %dx%d px)\n", pdf.filename().c_str(), frame.preview().pageCount(),
                view.bitmap().GetWidth(), view.bitmap().GetHeight());
    std::printf("  select -> shown, first page ever drawn  %.1f ms\n", cold);
    std::printf("  select -> shown, another file (digest)  %.1f ms\n", other);
    std::printf("  select -> shown, module loaded          %.1f ms\n", warm);
    previewed = cold >= 0 && other >= 0 && warm >= 0;
    if (argc > 4) previewed = whileSigning(frame, pdf, argv[3], argv[4], dir) && previewed;
  }
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("peak RSS                                  %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  fs::remove_all(dir);
  frame.Destroy();
  wxTheApp->OnExit();
  wxEntryCleanup();
  return added == static_cast<std::size_t>(files) && previewed ? 0 : 1;
}
