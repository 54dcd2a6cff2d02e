#pragma once
// Settings kept with wxConfig (~/.config/securedoc or the file named by
// SECUREDOC_CONFIG, which tests use to start clean).
#include <securedoc/app/settings.h>

namespace securedoc::ui {

/// Installs the wxConfig object (call once, before load/save).
void installConfig();
Settings loadSettings();
void saveSettings(const Settings& s);

/// What the window remembers between runs, apart from the settings a
/// person chooses (issue 16): its size, the split between the file list and
/// the preview, and the folder files were last added from.  Zero and empty
/// mean "not known yet": the window uses its defaults.
struct WindowState {
  int width = 0;
  int height = 0;
  bool maximized = false;
  int splitter = 0;  ///< the file list's width in pixels
  std::string lastFolder;
};
WindowState loadWindowState();
void saveWindowState(const WindowState& w);

}  // namespace securedoc::ui
