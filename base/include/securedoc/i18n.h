#pragma once
// Translation helpers shared by every library.  Messages are English msgids
// in the "securedoc" gettext domain (i18n/*.po).  Placeholders are {0}, {1}...
// so translators can reorder them.  format() takes text and integers alike;
// integers are written as plain digits whatever the user's locale (no
// thousands separators), so a number in a message or a log line is the same
// in every language.
#include <cstdint>
#include <ctime>
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
/// Translate a message id that needs a context to be translated right
/// (gettext's msgctxt): a month's name in a date is genitive in Polish.
const char* trc(const char* context, const char* msgid);
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
// Text made for people to read.  Files, JSON and logs keep ISO 8601 UTC and
// plain digits; a report, the window and a signature's appearance use these.

/// The language of the catalog in use: "pl" or "en" (the catalogs say it).
std::string catalogLanguage();
/// A moment in the local time zone (TZ) in the catalog's language:
/// "7 grudnia 2026, 01:27:17", "7 December 2026, 01:27:17".
std::string readableTime(std::time_t t);
/// The same moment in UTC for a reader in another zone: "2026-12-07 00:27:17 UTC".
std::string utcTime(std::time_t t);
/// How formatUtc writes a time.
enum class UtcLayout {
  Iso8601,   ///< "2026-12-07T00:27:17Z" (JSON, logs, XML)
  PdfDate,   ///< "D:20261207002717Z" (ISO 32000-1 §7.9.4)
  Readable,  ///< "2026-12-07 00:27:17 UTC" (beside a local time, for people)
};
/// The one formatter of a UTC time, for files and people alike (isoTime,
/// PDF dates, utcTime); the year always has four digits.
std::string formatUtc(std::time_t t, UtcLayout layout);
/// The local time with its offset from UTC, for what travels with a
/// document (a signature's appearance): "7 grudnia 2026, 01:27:17 UTC+01:00".
std::string readableTimeWithOffset(std::time_t t);
/// Both, for text that may be read elsewhere (a report, a message):
/// "7 grudnia 2026, 01:27:17 (2026-12-07 00:27:17 UTC)".
std::string readableTimeAndUtc(std::time_t t);
/// A count: digits grouped as the language does ("12 345" with a no-break
/// space in Polish, from five digits on; "12,345" in English).
std::string readableCount(std::uint64_t n);
/// A size in bytes, KiB, MiB or GiB with one decimal in the language's
/// style ("1,5 MiB", "1.5 MiB").
std::string readableSize(std::uint64_t bytes);

/// Bind the domain to the catalog folder (SECUREDOC_LOCALEDIR, the build tree
/// or the install prefix) and apply the user's locale.  Call once from main().
void initI18n();
/// The folder the catalogs are read from (<dir>/<lang>/LC_MESSAGES/securedoc.mo).
std::string localeDir();

}  // namespace securedoc

// Marks a string for xgettext without translating it here.
#define N_(s) (s)
// The same for a message translated later with trc(context, s).
#define NC_(context, s) (s)
