#pragma once
// Translation helpers shared by every library.  Messages are English msgids
// in the "securedoc" gettext domain (i18n/*.po).  Placeholders are {0}, {1}...
// so translators can reorder them; numbers are formatted by the caller with
// the classic locale (STYLE.md §13).
#include <initializer_list>
#include <string>
#include <string_view>

namespace securedoc {

inline constexpr const char* kTextDomain = "securedoc";

/// Translate a message id in the securedoc domain.
const char* tr(const char* msgid);
/// Translate a message with plural forms.
const char* trn(const char* singular, const char* plural, unsigned long n);
/// Replace {0}, {1}, ... in `pattern` with `args`.
std::string format(std::string_view pattern, std::initializer_list<std::string_view> args);
/// Bind the domain to the catalog folder (SECUREDOC_LOCALEDIR, the build tree
/// or the install prefix) and apply the user's locale.  Call once from main().
void initI18n();
/// The folder the catalogs are read from (<dir>/<lang>/LC_MESSAGES/securedoc.mo).
std::string localeDir();

}  // namespace securedoc

// Marks a string for xgettext without translating it here.
#define N_(s) (s)
