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
// Prints one line per figure and the peak RSS.
#include "main_frame.h"
#include "preview_pane.h"

#include <securedoc/ui/app.h>

#include <wx/app.h>
#include <wx/utils.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

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
