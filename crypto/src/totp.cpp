#include <securedoc/crypto/totp.h>

#include <securedoc/crypto/error.h>
#include <securedoc/i18n.h>

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <utility>
#include <vector>

namespace securedoc {

namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::size_t kMaxUriLength = 4096;
// RFC 4226 R6 asks for at least 128 bits and recommends 160; the brief of
// issue 6 sets the floor at 80 bits so that older enrolments still load.
constexpr std::size_t kMinSecretBytes = 10;
constexpr std::size_t kMaxSecretBytes = 128;

int base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

[[noreturn]] void badUri(const char* message) { throw Error(Category::Malformed, message); }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// RFC 3986 percent-decoding; in a query '+' also stands for a space (the
/// form encoding some generators use).  Control characters are refused: a
/// name is shown to people and written into files.
std::string percentDecode(std::string_view s, bool plusIsSpace) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) badUri(tr("otpauth URI: bad percent escape"));
      const int hi = hexValue(s[i + 1]);
      const int lo = hexValue(s[i + 2]);
      if (hi < 0 || lo < 0) badUri(tr("otpauth URI: bad percent escape"));
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      c = ' ';
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) badUri(tr("otpauth URI: control characters are not allowed"));
    out += c;
  }
  return out;
}

std::string percentEncode(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~' || c == '@';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0F];
    }
  }
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<int> parseSmallInt(std::string_view s) {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

/// The liboath flag for an algorithm name, nullopt when liboath cannot do it.
std::optional<int> oathFlags(std::string_view algorithm) {
  if (algorithm == "SHA1") return 0;
  if (algorithm == "SHA256") return OATH_TOTP_HMAC_SHA256;
  if (algorithm == "SHA512") return OATH_TOTP_HMAC_SHA512;
  return std::nullopt;
}

void initOath() {
  // oath_init() initialises liboath's crypto back end and is not itself
  // thread-safe; once is enough for the life of the process.
  static std::once_flag once;
  static int rc = OATH_OK;
  std::call_once(once, [] { rc = oath_init(); });
  if (rc != OATH_OK) throw Error(Category::Internal, tr("the OATH library could not be initialised"), {}, oath_strerror(rc));
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void checkParameters(int digits, int period) {
  if (digits < 6 || digits > 8) throw Error(Category::Usage, tr("a TOTP code has 6, 7 or 8 digits"));
  if (period < 1 || period > 3600) throw Error(Category::Usage, tr("the TOTP period must be 1 to 3600 seconds"));
}

}  // namespace

std::string base32Encode(const Bytes& data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const std::uint8_t b : data) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kBase32Alphabet[(buffer >> (bits - 5)) & 0x1F];
      bits -= 5;
    }
    buffer &= (1u << bits) - 1u;
  }
  if (bits > 0) out += kBase32Alphabet[(buffer << (5 - bits)) & 0x1F];
  return out;
}

Bytes base32Decode(std::string_view text) {
  Bytes out;
  out.reserve(text.size() * 5 / 8);
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t symbols = 0;
  std::size_t padding = 0;
  for (const char c : text) {
    if (c == ' ') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const int v = base32Value(c);
    if (v < 0 || padding > 0) {
      throw Error(Category::Malformed, v < 0 ? tr("not Base32: only the letters A-Z and the digits 2-7 may appear")
                                             : tr("not Base32: \"=\" padding may only come at the end"));
    }
    ++symbols;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
      buffer &= (1u << bits) - 1u;
    }
  }
  // RFC 4648 §6: a final quantum has 2, 4, 5 or 7 symbols; with padding the
  // whole text is a multiple of 8 symbols.  Left-over bits of the last symbol
  // are not checked (some generators leave them non-zero).
  const std::size_t rest = symbols % 8;
  const bool lengthOk = rest != 1 && rest != 3 && rest != 6;
  const bool paddingOk = padding == 0 || ((symbols + padding) % 8 == 0 && padding < 8);
  if (!lengthOk || !paddingOk) {
    OPENSSL_cleanse(out.data(), out.size());
    throw Error(Category::Malformed, tr("not Base32: the text has a length no Base32 encoding can have"));
  }
  OPENSSL_cleanse(&buffer, sizeof buffer);
  return out;
}

OtpAuth OtpAuth::parse(const std::string& uri) {
  // Never put the URI itself into a message: it carries the secret.
  if (uri.size() > kMaxUriLength) badUri(tr("otpauth URI: too long"));
  constexpr std::string_view scheme = "otpauth://";
  if (uri.size() < scheme.size() || !equalsIgnoreCase(std::string_view(uri).substr(0, scheme.size()), scheme)) {
    badUri(tr("not an otpauth:// URI"));
  }
  std::string_view rest = std::string_view(uri).substr(scheme.size());
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto slash = rest.find('/');
  const std::string_view type = rest.substr(0, slash);
  if (equalsIgnoreCase(type, "hotp")) badUri(tr("otpauth URI: counter-based (HOTP) codes are not supported, only TOTP"));
  if (!equalsIgnoreCase(type, "totp") || slash == std::string_view::npos) badUri(tr("otpauth URI: the type must be totp"));
  rest = rest.substr(slash + 1);
  const auto question = rest.find('?');
  const std::string_view rawLabel = rest.substr(0, question);
  const std::string_view query = question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);

  OtpAuth a;
  const std::string label = percentDecode(rawLabel, false);
  bool haveSecret = false, haveIssuer = false, haveAlgorithm = false, haveDigits = false, havePeriod = false;
  std::string issuerParam;
  std::size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    const auto amp = query.find('&', pos);
    const std::string_view pair = query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    pos = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view rawValue = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto once = [](bool& seen) {
      if (seen) badUri(tr("otpauth URI: a parameter appears twice"));
      seen = true;
    };
    if (key == "secret") {
      once(haveSecret);
      std::string value = percentDecode(rawValue, true);
      try {
        a.secret = base32Decode(value);
      } catch (const Error&) {
        OPENSSL_cleanse(value.data(), value.size());
        badUri(tr("otpauth URI: the secret is not Base32"));
      }
      OPENSSL_cleanse(value.data(), value.size());
    } else if (key == "issuer") {
      once(haveIssuer);
      issuerParam = percentDecode(rawValue, true);
    } else if (key == "algorithm") {
      once(haveAlgorithm);
      std::string alg = percentDecode(rawValue, true);
      for (auto& c : alg) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
      if (!oathFlags(alg)) badUri(tr("otpauth URI: the algorithm must be SHA1, SHA256 or SHA512"));
      a.algorithm = alg;
    } else if (key == "digits") {
      once(haveDigits);
      const auto d = parseSmallInt(rawValue);
      if (!d || *d < 6 || *d > 8) badUri(tr("otpauth URI: digits must be 6, 7 or 8"));
      a.digits = *d;
    } else if (key == "period") {
      once(havePeriod);
      const auto p = parseSmallInt(rawValue);
      if (!p || *p < 15 || *p > 120) badUri(tr("otpauth URI: the period must be 15 to 120 seconds"));
      a.period = *p;
    }
    // Other parameters (image, color...) are ignored, as the apps do.
  }
  // "Key Uri Format": digits default to 6 when the URI does not say.
  if (!haveDigits) a.digits = 6;
  if (!haveSecret || a.secret.empty()) badUri(tr("otpauth URI: no secret"));
  if (a.secret.size() < kMinSecretBytes) badUri(tr("otpauth URI: the secret is too short (at least 10 bytes)"));
  if (a.secret.size() > kMaxSecretBytes) badUri(tr("otpauth URI: the secret is too long"));
  // The label is "issuer:account" (the colon literal or %3A) or "account";
  // spaces may follow the colon.  An issuer should hold no colon; when the
  // issuer parameter has one and the label starts with it, it is the prefix.
  std::string prefix;
  std::size_t accountStart = 0;
  if (haveIssuer && !issuerParam.empty() && label.size() > issuerParam.size() &&
      label.compare(0, issuerParam.size(), issuerParam) == 0 && label[issuerParam.size()] == ':') {
    prefix = issuerParam;
    accountStart = issuerParam.size() + 1;
  } else if (const auto colon = label.find(':'); colon != std::string::npos) {
    prefix = label.substr(0, colon);
    accountStart = colon + 1;
  }
  if (accountStart > 0) accountStart = std::min(label.find_first_not_of(' ', accountStart), label.size());
  a.account = label.substr(accountStart);
  if (a.account.empty()) badUri(tr("otpauth URI: the label names no account"));
  if (haveIssuer && !prefix.empty() && issuerParam != prefix) {
    badUri(tr("otpauth URI: the issuer in the label and the issuer parameter differ"));
  }
  a.issuer = haveIssuer && !issuerParam.empty() ? issuerParam : prefix;
  return a;
}

std::string OtpAuth::uri() const {
  std::string s = "otpauth://totp/";
  if (!issuer.empty()) s += percentEncode(issuer) + ":";
  s += percentEncode(account);
  s += "?secret=" + base32Encode(secret);
  if (!issuer.empty()) s += "&issuer=" + percentEncode(issuer);
  s += "&algorithm=" + algorithm;
  s += "&digits=" + std::to_string(digits);
  s += "&period=" + std::to_string(period);
  return s;
}

std::string OtpAuth::name() const { return issuer.empty() ? account : issuer + ":" + account; }

std::string totpCode(const Bytes& secret, std::int64_t unixTime, int digits, int period, std::string_view algorithm) {
  static_assert(sizeof(time_t) >= 8, "TOTP after 2038 needs a 64-bit time_t (RFC 6238 appendix B, last row)");
  checkParameters(digits, period);
  if (unixTime < 0) throw Error(Category::Usage, tr("the time for a TOTP code cannot be before 1970"));
  if (secret.empty()) throw Error(Category::Usage, tr("the TOTP secret is empty"));
  const auto flags = oathFlags(algorithm);
  if (!flags) throw Error(Category::Usage, tr("the TOTP algorithm must be SHA1, SHA256 or SHA512"));
  initOath();
  std::array<char, 16> out{};
  const int rc = oath_totp_generate2(reinterpret_cast<const char*>(secret.data()), secret.size(),
                                     static_cast<time_t>(unixTime), static_cast<unsigned>(period), 0,
                                     static_cast<unsigned>(digits), *flags, out.data());
  if (rc != OATH_OK) throw Error(Category::Crypto, tr("the TOTP code could not be computed"), {}, oath_strerror(rc));
  std::string code(out.data());
  OPENSSL_cleanse(out.data(), out.size());
  return code;
}

int secondsLeft(std::int64_t unixTime, int period) {
  if (period < 1 || period > 3600) throw Error(Category::Usage, tr("the TOTP period must be 1 to 3600 seconds"));
  const std::int64_t intoStep = unixTime - floorDiv(unixTime, period) * period;
  return period - static_cast<int>(intoStep);
}

std::optional<std::int64_t> totpMatchStep(const Bytes& secret, std::string_view code, std::int64_t unixTime, int window,
                                          int digits, int period, std::string_view algorithm) {
  checkParameters(digits, period);
  if (window < 0 || window > 10) throw Error(Category::Usage, tr("the TOTP window must be 0 to 10 steps"));
  if (unixTime < 0) throw Error(Category::Usage, tr("the time for a TOTP code cannot be before 1970"));
  bool wellFormed = code.size() == static_cast<std::size_t>(digits);
  for (const char c : code) wellFormed = wellFormed && c >= '0' && c <= '9';
  if (!wellFormed) return std::nullopt;

  const std::int64_t step = floorDiv(unixTime, period);
  std::optional<std::int64_t> best;
  std::int64_t bestDistance = 0;
  // Every candidate is computed and compared whatever matched before, so the
  // time taken does not depend on which step (if any) matched.
  for (int d = -window; d <= window; ++d) {
    const std::int64_t candidate = step + d;
    if (candidate < 0) continue;
    std::string expected = totpCode(secret, candidate * period, digits, period, algorithm);
    const bool equal = expected.size() == code.size() && CRYPTO_memcmp(expected.data(), code.data(), code.size()) == 0;
    OPENSSL_cleanse(expected.data(), expected.size());
    const std::int64_t distance = d < 0 ? -static_cast<std::int64_t>(d) : d;
    // Nearest to T wins; on a tie (T-k and T+k) the earlier step, visited first.
    if (equal && (!best || distance < bestDistance)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

Bytes randomOtpSecret() {
  Bytes secret(20);
  if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
    throwOpenSsl(Category::Crypto, tr("no random bytes for a new OTP secret"));
  }
  return secret;
}

}  // namespace securedoc
