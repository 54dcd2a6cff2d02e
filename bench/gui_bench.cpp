// The window's start-up and a 5,000-file add (issue 7; bench/RESULTS.md
// "Window").  Runs the real App (settings from SECUREDOC_CONFIG, empty by
// default) under the display it is given (bench/gui.sh starts Xvfb):
//   start      main() entered -> main frame shown and the first idle event
//              handled (the window is on screen and answers);
//   add 5,000  MainFrame::addFiles of a folder with 5,000 files, on the GUI
//              thread, then the event loop's next idle: how long the window
//              does not answer while they are added;
//   paint      a full repaint of the list afterwards (Update()).
// Prints one line per figure and the peak RSS.
#include "main_frame.h"

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
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  std::printf("peak RSS                                  %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  fs::remove_all(dir);
  frame.Destroy();
  wxTheApp->OnExit();
  wxEntryCleanup();
  return added == static_cast<std::size_t>(files) ? 0 : 1;
}
