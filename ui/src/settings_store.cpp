#include "settings_store.h"

#include <securedoc/base/bytes.h>

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

/// Visible-signature placements, one group per person under "placements/":
/// the group's name is the person's key in hex, because a key (a DN) may
/// hold the '/' that wxConfig takes for a path.
void readPlacements(wxConfigBase& c, std::map<std::string, VisiblePlacement>& out) {
  const wxString oldPath = c.GetPath();
  c.SetPath("/placements");
  std::vector<wxString> groups;
  wxString group;
  long cookie = 0;
  for (bool more = c.GetFirstGroup(group, cookie); more; more = c.GetNextGroup(group, cookie)) groups.push_back(group);
  for (const wxString& g : groups) {
    c.SetPath("/placements/" + g);
    VisiblePlacement p;
    const std::string person = readString(c, "person", "");
    p.box.page = static_cast<int>(c.ReadLong("page", 1));
    p.box.fromEnd = c.ReadBool("fromEnd", false);
    p.box.x = c.ReadDouble("x", 0);
    p.box.y = c.ReadDouble("y", 0);
    p.box.width = c.ReadDouble("width", 0);
    p.box.height = c.ReadDouble("height", 0);
    p.box.image = readString(c, "image", "");
    p.reason = readString(c, "reason", "");
    p.location = readString(c, "location", "");
    p.enabled = c.ReadBool("enabled", true);
    // Only a box that can be drawn; a hand-edited file gets the defaults.
    if (!person.empty() && p.box.page >= 1 && p.box.width >= 1 && p.box.height >= 1) out[person] = p;
  }
  c.SetPath(oldPath);
}

void writePlacements(wxConfigBase& c, const std::map<std::string, VisiblePlacement>& placements) {
  c.DeleteGroup("/placements");
  for (const auto& [person, p] : placements) {
    const std::string group =
        "/placements/" + toHex(reinterpret_cast<const std::uint8_t*>(person.data()), person.size());
    const auto key = [&group](const char* k) { return wxString::FromUTF8(group + "/" + k); };
    c.Write(key("person"), wxString::FromUTF8(person));
    c.Write(key("page"), static_cast<long>(p.box.page));
    c.Write(key("fromEnd"), p.box.fromEnd);
    c.Write(key("x"), p.box.x);
    c.Write(key("y"), p.box.y);
    c.Write(key("width"), p.box.width);
    c.Write(key("height"), p.box.height);
    c.Write(key("image"), wxString::FromUTF8(p.box.image.string()));
    c.Write(key("reason"), wxString::FromUTF8(p.reason));
    c.Write(key("location"), wxString::FromUTF8(p.location));
    c.Write(key("enabled"), p.enabled);
  }
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
  readPlacements(*c, s.placements);
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
  writePlacements(*c, s.placements);
  c->Flush();
}

WindowState loadWindowState() {
  WindowState w;
  wxConfigBase* c = wxConfigBase::Get();
  if (!c) return w;
  // A damaged or hand-edited file must not make the window vanish: sizes
  // outside what any screen shows are ignored.
  const auto sane = [](long v, long most) { return v >= 0 && v <= most ? static_cast<int>(v) : 0; };
  w.width = sane(c->ReadLong("window/width", 0), 16384);
  w.height = sane(c->ReadLong("window/height", 0), 16384);
  w.maximized = c->ReadBool("window/maximized", false);
  w.splitter = sane(c->ReadLong("window/splitter", 0), 16384);
  w.lastFolder = readString(*c, "window/lastFolder", "");
  return w;
}

void saveWindowState(const WindowState& w) {
  wxConfigBase* c = wxConfigBase::Get();
  if (!c) return;
  c->Write("window/width", static_cast<long>(w.width));
  c->Write("window/height", static_cast<long>(w.height));
  c->Write("window/maximized", w.maximized);
  c->Write("window/splitter", static_cast<long>(w.splitter));
  writeString(*c, "window/lastFolder", w.lastFolder);
  c->Flush();
}

}  // namespace securedoc::ui
