#pragma once
// Settings kept with wxConfig (~/.config/securedoc or the file named by
// SECUREDOC_CONFIG, which tests use to start clean).
#include <securedoc/app/settings.h>

namespace securedoc::ui {

/// Installs the wxConfig object (call once, before load/save).
void installConfig();
Settings loadSettings();
void saveSettings(const Settings& s);

}  // namespace securedoc::ui
