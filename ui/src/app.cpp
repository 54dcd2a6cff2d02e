#include <securedoc/ui/app.h>

#include "background.h"
#include "main_frame.h"
#include "settings_store.h"

#include <securedoc/i18n.h>

#include <wx/cmdline.h>
#include <wx/config.h>
#include <wx/intl.h>
#include <wx/translation.h>

#include <cstdlib>

namespace securedoc::ui {

std::string resolveLanguage(const std::string& setting) {
  if (setting == "pl" || setting == "en") return setting;
  for (const char* name : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(name);
    if (!v || !*v) continue;
    const std::string value(v);
    if (value == "C" || value.rfind("C.", 0) == 0 || value == "POSIX") continue;
    return value.rfind("pl", 0) == 0 ? "pl" : "en";
  }
  return "en";
}

void applyLanguage(const std::string& language) {
  // The libraries' messages: gettext follows LANGUAGE (even under C.UTF-8).
  ::setenv("LANGUAGE", language.c_str(), 1);
  initI18n();
  // The window's texts: wxTranslations reads the same catalogs.
  wxFileTranslationsLoader::AddCatalogLookupPathPrefix(wxString::FromUTF8(localeDir()));
  auto* translations = new wxTranslations();
  translations->SetLanguage(wxString::FromUTF8(language));
  translations->AddStdCatalog();  // wx's own buttons (wx3.2-i18n), if installed
  translations->AddCatalog(kTextDomain);
  wxTranslations::Set(translations);
}

void App::OnInitCmdLine(wxCmdLineParser& parser) {
  wxApp::OnInitCmdLine(parser);
  parser.AddParam(_("FILE"), wxCMD_LINE_VAL_STRING, wxCMD_LINE_PARAM_OPTIONAL | wxCMD_LINE_PARAM_MULTIPLE);
}

bool App::OnCmdLineParsed(wxCmdLineParser& parser) {
  for (std::size_t i = 0; i < parser.GetParamCount(); ++i) m_files.push_back(parser.GetParam(i));
  return wxApp::OnCmdLineParsed(parser);
}

bool App::OnInit() {
  SetAppName("securedoc");
  SetAppDisplayName("SecureDoc");
  installConfig();
  Settings settings = loadSettings();
  applyLanguage(resolveLanguage(settings.language));
  if (!wxApp::OnInit()) return false;  // parses the command line
  registerBuiltinFormats(m_registry);
  m_frame = new MainFrame(m_registry, std::move(settings));
  m_frame->Show();
  for (const auto& f : m_files) {
    m_frame->CallAfter([frame = m_frame, path = f.utf8_string()] { frame->openPath(path); });
  }
  return true;
}

int App::OnExit() {
  joinBackground();  // normally done by the frame; dialogs may have started some without one
  delete wxConfigBase::Set(nullptr);
  return wxApp::OnExit();
}

int runApp(int argc, char** argv) {
  wxApp::SetInstance(new App());
  return wxEntry(argc, argv);
}

}  // namespace securedoc::ui
