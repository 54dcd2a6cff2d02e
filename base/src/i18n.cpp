#include <securedoc/i18n.h>

#include <libintl.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
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

const char* trc(const char* context, const char* msgid) {
  // gettext's convention for msgctxt: the context, EOT, the id.  Without a
  // translation gettext hands back its argument, so the id is cut out again.
  std::string key = std::string(context) + '\004' + msgid;
  const char* out = dgettext(kTextDomain, key.c_str());
  return out == key.c_str() ? msgid : out;
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

std::string catalogLanguage() {
  // TRANSLATORS: the language tag of this catalog (pl, en); it picks the
  // number style of readableCount() and readableSize().
  const std::string tag = trc("language tag", "en");
  return tag == "pl" ? "pl" : "en";
}

namespace {

/// Separators of the language (CLDR): Polish groups with a no-break space
/// from five digits on and writes a decimal comma; English groups every
/// number of four digits or more with a comma.
struct NumberStyle {
  const char* group;
  char decimal;
  int minimumDigitsToGroup;
};

NumberStyle numberStyle() {
  if (catalogLanguage() == "pl") return {"\u00a0", ',', 5};
  return {",", '.', 4};
}

std::string grouped(std::uint64_t n, const NumberStyle& style) {
  std::string digits = std::to_string(n);
  if (static_cast<int>(digits.size()) < style.minimumDigitsToGroup) return digits;
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += style.group;
    out += digits[i];
  }
  return out;
}

std::string twoDigits(int n) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", n);
  return b;
}

}  // namespace

std::string readableTime(std::time_t t) {
  static const std::array<const char*, 12> kMonths = {
      NC_("month in a date", "January"), NC_("month in a date", "February"), NC_("month in a date", "March"),
      NC_("month in a date", "April"),   NC_("month in a date", "May"),      NC_("month in a date", "June"),
      NC_("month in a date", "July"),    NC_("month in a date", "August"),   NC_("month in a date", "September"),
      NC_("month in a date", "October"), NC_("month in a date", "November"), NC_("month in a date", "December"),
  };
  struct tm tm {};
  if (localtime_r(&t, &tm) == nullptr) return utcTime(t);
  const std::string clock = twoDigits(tm.tm_hour) + ":" + twoDigits(tm.tm_min) + ":" + twoDigits(tm.tm_sec);
  // The month's name as it stands in a date (Polish: genitive, "grudnia").
  const char* month = trc("month in a date", kMonths.at(static_cast<std::size_t>(tm.tm_mon)));
  // TRANSLATORS: a date and time: {0} day, {1} month's name, {2} year, {3} hh:mm:ss.
  return format(tr("{0} {1} {2}, {3}"), {tm.tm_mday, month, tm.tm_year + 1900, clock});
}

std::string formatUtc(std::time_t t, UtcLayout layout) {
  struct tm tm {};
  if (gmtime_r(&t, &tm) == nullptr) return "?";
  const int y = tm.tm_year + 1900;
  const int mo = tm.tm_mon + 1;
  char b[64];
  switch (layout) {
    case UtcLayout::Iso8601:
      std::snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      break;
    case UtcLayout::PdfDate:
      std::snprintf(b, sizeof b, "D:%04d%02d%02d%02d%02d%02dZ", y, mo, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      break;
    case UtcLayout::Readable:
      std::snprintf(b, sizeof b, "%04d-%02d-%02d %02d:%02d:%02d UTC", y, mo, tm.tm_mday, tm.tm_hour, tm.tm_min,
                    tm.tm_sec);
      break;
  }
  return b;
}

std::string utcTime(std::time_t t) { return formatUtc(t, UtcLayout::Readable); }

std::string readableTimeWithOffset(std::time_t t) {
  struct tm tm {};
  if (localtime_r(&t, &tm) == nullptr) return utcTime(t);
  const long offset = tm.tm_gmtoff / 60;  // minutes east of UTC
  const long minutes = offset < 0 ? -offset : offset;
  return readableTime(t) + " UTC" + (offset < 0 ? "-" : "+") + twoDigits(static_cast<int>(minutes / 60)) + ":" +
         twoDigits(static_cast<int>(minutes % 60));
}

std::string readableTimeAndUtc(std::time_t t) { return readableTime(t) + " (" + utcTime(t) + ")"; }

std::string readableCount(std::uint64_t n) { return grouped(n, numberStyle()); }

std::string readableSize(std::uint64_t bytes) {
  const NumberStyle style = numberStyle();
  // TRANSLATORS: a size in bytes; {0} is the number.
  if (bytes < 1024) return format(tr("{0} B"), {grouped(bytes, style)});
  static const char* const kUnits[] = {N_("{0} KiB"), N_("{0} MiB"), N_("{0} GiB"), N_("{0} TiB")};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  // One decimal, rounded; 1023.96 KiB would print as "1024.0 KiB", so it
  // moves up a unit like any larger value.
  auto tenths = static_cast<std::uint64_t>(std::llround(value * 10.0));
  if (tenths >= 10240 && unit + 1 < std::size(kUnits)) {
    ++unit;
    tenths = static_cast<std::uint64_t>(std::llround(value / 1024.0 * 10.0));
  }
  const std::string number = grouped(tenths / 10, style) + style.decimal + std::to_string(tenths % 10);
  return format(tr(kUnits[unit]), {number});
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
