#pragma once
// Translation helpers shared by every library.  Messages are English msgids
// in the "securedoc" gettext domain (i18n/*.po).  Placeholders are {0}, {1}...
// so translators can reorder them.  format() takes text and integers alike;
// integers are written as plain digits whatever the user's locale (no
// thousands separators), so a number in a message or a log line is the same
// in every language.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

namespace securedoc {

inline constexpr const char* kTextDomain = "securedoc";

/// Translate a message id in the securedoc domain.
const char* tr(const char* msgid);
/// Translate a message with plural forms.
const char* trn(const char* singular, const char* plural, unsigned long n);
/// One argument of format(): a text, or an integer written in decimal.
class FormatArg {
 public:
  FormatArg(std::string_view text) noexcept : m_text(text) {}                    // NOLINT(google-explicit-constructor)
  FormatArg(const std::string& text) noexcept : m_text(text) {}                  // NOLINT(google-explicit-constructor)
  FormatArg(const char* text) noexcept : m_text(text != nullptr ? text : "") {}  // NOLINT(google-explicit-constructor)
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>,
                                      int> = 0>
  FormatArg(T n) noexcept  // NOLINT(google-explicit-constructor)
      : m_kind(std::is_signed_v<T> ? Kind::Signed : Kind::Unsigned),
        m_signed(static_cast<std::int64_t>(n)),
        m_unsigned(static_cast<std::uint64_t>(n)) {}
  /// Appends the argument's text to `out`.
  void appendTo(std::string& out) const;

 private:
  enum class Kind { Text, Signed, Unsigned };
  Kind m_kind = Kind::Text;
  std::string_view m_text;
  std::int64_t m_signed = 0;
  std::uint64_t m_unsigned = 0;
};

/// Replace {0}, {1}, ... in `pattern` with `args`; a placeholder without an
/// argument stays as it is.
std::string format(std::string_view pattern, std::initializer_list<FormatArg> args);
/// Bind the domain to the catalog folder (SECUREDOC_LOCALEDIR, the build tree
/// or the install prefix) and apply the user's locale.  Call once from main().
void initI18n();
/// The folder the catalogs are read from (<dir>/<lang>/LC_MESSAGES/securedoc.mo).
std::string localeDir();

}  // namespace securedoc

// Marks a string for xgettext without translating it here.
#define N_(s) (s)
