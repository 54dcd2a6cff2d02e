#include "settings_store.h"

#include <wx/config.h>
#include <wx/fileconf.h>
#include <wx/stdpaths.h>
#include <wx/tokenzr.h>

#include <cstdlib>

namespace securedoc::ui {

namespace fs = std::filesystem;

namespace {

std::string readString(wxConfigBase& c, const char* key, const std::string& fallback) {
  wxString v;
  if (!c.Read(wxString::FromUTF8(key), &v)) return fallback;
  return v.utf8_string();
}

void writeString(wxConfigBase& c, const char* key, const std::string& value) {
  c.Write(wxString::FromUTF8(key), wxString::FromUTF8(value));
}

std::vector<fs::path> readPaths(wxConfigBase& c, const char* key) {
  std::vector<fs::path> out;
  // One path per line: a path may hold any other character.
  wxStringTokenizer t(wxString::FromUTF8(readString(c, key, "")), "\n", wxTOKEN_STRTOK);
  while (t.HasMoreTokens()) out.emplace_back(t.GetNextToken().utf8_string());
  return out;
}

void writePaths(wxConfigBase& c, const char* key, const std::vector<fs::path>& paths) {
  std::string joined;
  for (const auto& p : paths) {
    if (!joined.empty()) joined += '\n';
    joined += p.string();
  }
  writeString(c, key, joined);
}

}  // namespace

void installConfig() {
  const char* file = std::getenv("SECUREDOC_CONFIG");
  if (file && *file) {
    wxConfigBase::Set(
        new wxFileConfig("securedoc", wxEmptyString, wxString::FromUTF8(file), wxEmptyString, wxCONFIG_USE_LOCAL_FILE));
  } else {
    wxStandardPaths::Get().SetFileLayout(wxStandardPaths::FileLayout_XDG);
    wxConfigBase::Set(new wxFileConfig("securedoc", wxEmptyString, wxEmptyString, wxEmptyString,
                                       wxCONFIG_USE_LOCAL_FILE | wxCONFIG_USE_SUBDIR));
  }
}

Settings loadSettings() {
  Settings s;
  wxConfigBase* c = wxConfigBase::Get();
  if (!c) return s;
  s.language = readString(*c, "language", s.language);
  s.outputDir = readString(*c, "outputDir", "");
  s.tsaUrl = readString(*c, "tsaUrl", "");
  s.tsaTrustAnchors = readPaths(*c, "tsaTrustAnchors");
  s.trustAnchors = readPaths(*c, "trustAnchors");
  s.cloudUrl = readString(*c, "cloud/url", "");
  s.cloudCa = readString(*c, "cloud/ca", "");
  s.cloudLogin = readString(*c, "cloud/login", "");
  s.rememberSession = c->ReadBool("cloud/rememberSession", s.rememberSession);
  s.level = readString(*c, "level", s.level);
  return s;
}

void saveSettings(const Settings& s) {
  wxConfigBase* c = wxConfigBase::Get();
  if (!c) return;
  writeString(*c, "language", s.language);
  writeString(*c, "outputDir", s.outputDir.string());
  writeString(*c, "tsaUrl", s.tsaUrl);
  writePaths(*c, "tsaTrustAnchors", s.tsaTrustAnchors);
  writePaths(*c, "trustAnchors", s.trustAnchors);
  writeString(*c, "cloud/url", s.cloudUrl);
  writeString(*c, "cloud/ca", s.cloudCa.string());
  writeString(*c, "cloud/login", s.cloudLogin);
  c->Write("cloud/rememberSession", s.rememberSession);
  writeString(*c, "level", s.level);
  c->Flush();
}

}  // namespace securedoc::ui
