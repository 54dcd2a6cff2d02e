#include <securedoc/ui/app.h>

#include "background.h"
#include "main_frame.h"
#include "settings_store.h"

#include <securedoc/i18n.h>

#include <wx/cmdline.h>
#include <wx/config.h>
#include <wx/image.h>
#include <wx/intl.h>
#include <wx/translation.h>

#include <clocale>
#include <cstdlib>
#include <cstring>
#include <langinfo.h>
#include <strings.h>

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

namespace {
bool utf8Codeset() {
  const char* codeset = nl_langinfo(CODESET);
  return codeset && (strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "utf8") == 0);
}

void useUtf8Locale() {
  const char* set = std::setlocale(LC_ALL, "");
  if (set && utf8Codeset()) return;
  // The environment names a locale the system lacks (LANG=pl_PL.UTF-8
  // without the locale installed) or an ASCII one (C, POSIX): the C library
  // is then in the "C" locale, where wxString cannot hold a UTF-8 literal
  // such as _("&Add files…") (it becomes empty: a menu item without a label,
  // wx's assertion "A non-stock menu item with an empty label?") and gettext
  // ignores LANGUAGE.  Fall back to C.UTF-8, present on every system we
  // support, as the CLI's users do (LC_ALL=C.UTF-8 LANGUAGE=pl): the
  // language the environment asked for goes to LANGUAGE first, so
  // resolveLanguage still finds it.  In the environment, so that every later
  // setlocale(LC_ALL, "") (GTK's, initI18n's) and the programs we start
  // agree.
  const char* language = std::getenv("LANGUAGE");
  if (!language || !*language) ::setenv("LANGUAGE", resolveLanguage("system").c_str(), 1);
  ::setenv("LC_ALL", "C.UTF-8", 1);
  if (!std::setlocale(LC_ALL, "")) std::setlocale(LC_ALL, "C.utf8");
}
}  // namespace

void applyLanguage(const std::string& language) {
  useUtf8Locale();
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
  // The preview decodes PNG and JPEG pictures (wx adds only BMP by itself).
  if (!wxImage::FindHandler(wxBITMAP_TYPE_PNG)) wxImage::AddHandler(new wxPNGHandler);
  if (!wxImage::FindHandler(wxBITMAP_TYPE_JPEG)) wxImage::AddHandler(new wxJPEGHandler);
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
  useUtf8Locale();  // before GTK's own setlocale(LC_ALL, "") in wxEntry
  wxApp::SetInstance(new App());
  return wxEntry(argc, argv);
}

}  // namespace securedoc::ui
