#pragma once
// The desktop application's entry point (issue 7).  app/gui/main.cpp calls
// runApp(); tests create the App themselves (tests/gui).
#include <securedoc/app/settings.h>
#include <securedoc/formats/format.h>

#include <wx/app.h>

#include <memory>

namespace securedoc::ui {

class MainFrame;

/// The language the window shows: "pl" or "en".  `setting` is Settings::language;
/// "system" reads LANGUAGE, LC_ALL, LC_MESSAGES and LANG in that order.
std::string resolveLanguage(const std::string& setting);

/// Makes wxTranslations (window texts, the "securedoc" and wxstd catalogs)
/// and gettext (the libraries' messages) speak `language` ("pl"/"en").
void applyLanguage(const std::string& language);

class App : public wxApp {
 public:
  bool OnInit() override;
  int OnExit() override;
  void OnInitCmdLine(wxCmdLineParser& parser) override;
  bool OnCmdLineParsed(wxCmdLineParser& parser) override;

  MainFrame* frame() const { return m_frame; }
  const FormatRegistry& registry() const { return m_registry; }

 private:
  FormatRegistry m_registry;
  MainFrame* m_frame = nullptr;
  std::vector<wxString> m_files;
};

/// wxEntry with a new App.
int runApp(int argc, char** argv);

}  // namespace securedoc::ui
