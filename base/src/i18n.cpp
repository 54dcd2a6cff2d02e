#include <securedoc/i18n.h>

#include <libintl.h>

#include <charconv>
#include <clocale>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#ifndef SECUREDOC_BUILD_LOCALEDIR
#define SECUREDOC_BUILD_LOCALEDIR ""
#endif
#ifndef SECUREDOC_INSTALL_LOCALEDIR
#define SECUREDOC_INSTALL_LOCALEDIR "/usr/local/share/locale"
#endif

namespace securedoc {

const char* tr(const char* msgid) { return dgettext(kTextDomain, msgid); }

const char* trn(const char* singular, const char* plural, unsigned long n) {
  return dngettext(kTextDomain, singular, plural, n);
}

void FormatArg::appendTo(std::string& out) const {
  if (m_kind == Kind::Text) {
    out += m_text;
    return;
  }
  char digits[24];  // a 64-bit integer with its sign
  const auto r = m_kind == Kind::Signed ? std::to_chars(digits, digits + sizeof digits, m_signed)
                                        : std::to_chars(digits, digits + sizeof digits, m_unsigned);
  out.append(digits, r.ptr);
}

std::string format(std::string_view pattern, std::initializer_list<FormatArg> args) {
  std::string out;
  out.reserve(pattern.size() + 32);
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{' && i + 2 < pattern.size() && pattern[i + 2] == '}' && pattern[i + 1] >= '0' &&
        pattern[i + 1] <= '9') {
      const auto idx = static_cast<std::size_t>(pattern[i + 1] - '0');
      if (idx < args.size()) {
        (args.begin() + idx)->appendTo(out);
        i += 2;
        continue;
      }
    }
    out += pattern[i];
  }
  return out;
}

std::string localeDir() {
  if (const char* env = std::getenv("SECUREDOC_LOCALEDIR"); env && *env) return env;
  if (std::filesystem::exists(std::filesystem::path(SECUREDOC_BUILD_LOCALEDIR) / "pl"))
    return SECUREDOC_BUILD_LOCALEDIR;
  return SECUREDOC_INSTALL_LOCALEDIR;
}

void initI18n() {
  std::setlocale(LC_ALL, "");
  // Numbers inside files never depend on the locale (a decimal comma would
  // change what is signed): only messages follow it.
  std::setlocale(LC_NUMERIC, "C");
  const std::string dir = localeDir();
  bindtextdomain(kTextDomain, dir.c_str());
  bind_textdomain_codeset(kTextDomain, "UTF-8");
}

}  // namespace securedoc
