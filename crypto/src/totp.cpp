#include <securedoc/crypto/totp.h>

#include <securedoc/base/error.h>
#include <securedoc/base/secret.h>
#include <securedoc/i18n.h>

#include "curl_support.h"

#include <curl/curl.h>
#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

namespace securedoc {

namespace {

constexpr std::string_view kScheme = "otpauth://";
constexpr std::size_t kMaxUriLength = 4096;
// RFC 4226 R6 asks for at least 128 bits and recommends 160; the floor here
// is 80 bits so that older enrolments still load.
constexpr std::size_t kMinSecretBytes = 10;
constexpr std::size_t kMaxSecretBytes = 128;

void releaseMalloc(void* p) noexcept { std::free(p); }
void releaseCurl(void* p) noexcept { curl::api().free(p); }

/// Owns a buffer a C library allocated: liboath's Base32 results (malloc) and
/// curl's strings (curl_free).  They may hold the secret, so the buffer is
/// wiped before it goes back.
template <void (*Release)(void*) noexcept>
class CBuffer {
 public:
  CBuffer(char* p, std::size_t size) noexcept : p_(p), size_(p != nullptr ? size : 0) {}
  CBuffer(CBuffer&& other) noexcept : p_(std::exchange(other.p_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  CBuffer(const CBuffer&) = delete;
  CBuffer& operator=(const CBuffer&) = delete;
  CBuffer& operator=(CBuffer&&) = delete;
  ~CBuffer() {
    if (p_ == nullptr) return;
    wipe(p_, size_);
    Release(p_);
  }
  explicit operator bool() const { return p_ != nullptr; }
  std::string_view view() const { return p_ != nullptr ? std::string_view(p_, size_) : std::string_view(); }

 private:
  char* p_;
  std::size_t size_;
};
using OathBuffer = CBuffer<releaseMalloc>;
using CurlText = CBuffer<releaseCurl>;

using CurlUrl = curl::Url;

[[noreturn]] void badUri(const char* message) { throw Error(Category::Malformed, message); }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Control characters are refused: a name is shown to people and written into
/// files.
bool isControl(unsigned char c) { return c < 0x20 || c == 0x7F; }

void refuseControls(std::string_view s) {
  for (const char c : s) {
    if (isControl(static_cast<unsigned char>(c))) badUri(tr("otpauth URI: control characters are not allowed"));
  }
}

/// The escapes of a part, in order, before curl decodes it.  RFC 3986 §2.1:
/// "%" comes with two hex digits; curl decodes only such escapes and passes
/// any other "%" on as it is.  An escaped control character is refused too:
/// curl refuses those below 0x20 only, and lets DEL (0x7F) through.
void checkEscapes(std::string_view s) {
  for (auto i = s.find('%'); i != std::string_view::npos; i = s.find('%', i + 3)) {
    const int hi = i + 2 < s.size() ? hexValue(s[i + 1]) : -1;
    const int lo = i + 2 < s.size() ? hexValue(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) badUri(tr("otpauth URI: bad percent escape"));
    if (isControl(static_cast<unsigned char>(hi * 16 + lo))) {
      badUri(tr("otpauth URI: control characters are not allowed"));
    }
  }
}

/// One part of a parsed URI as curl gives it; no buffer when the URI has none.
CurlText urlPart(CURLU* url, CURLUPart what, unsigned flags = 0) {
  char* p = nullptr;
  const CURLUcode rc = curl::api().url_get(url, what, &p, flags);
  CurlText text(p, p != nullptr ? std::strlen(p) : 0);
  switch (rc) {
    case CURLUE_OK:
    case CURLUE_NO_USER:
    case CURLUE_NO_PASSWORD:
    case CURLUE_NO_OPTIONS:
    case CURLUE_NO_HOST:
    case CURLUE_NO_PORT:
    case CURLUE_NO_QUERY:
    case CURLUE_NO_FRAGMENT:
      return text;
    case CURLUE_OUT_OF_MEMORY:
      throw std::bad_alloc();
    case CURLUE_URLDECODE:  // CURLU_URLDECODE met an escaped byte below 0x20
      badUri(tr("otpauth URI: control characters are not allowed"));
    default:
      throw Error(Category::Internal, "curl_url_get", {}, curl::api().url_strerror(rc));
  }
}

/// A query parameter's value, decoded.  In a query "+" also stands for a space
/// (the form encoding some generators use); curl_url_get does that only for
/// the query as a whole, where an escaped "&" or "=" would split it wrongly,
/// so "+" is replaced here and curl_easy_unescape decodes the escapes.
std::string decodeQueryValue(std::string_view raw) {
  checkEscapes(raw);
  SecretString text(raw);
  std::replace(text.data(), text.data() + text.size(), '+', ' ');
  int length = 0;
  char* p = curl::api().easy_unescape(nullptr, text.c_str(), static_cast<int>(text.size()), &length);
  const CurlText decoded(p, static_cast<std::size_t>(std::max(length, 0)));
  if (!decoded) throw std::bad_alloc();
  return std::string(decoded.view());
}

/// RFC 3986 percent-encoding of a label part or a parameter value by curl:
/// everything but ALPHA, DIGIT and "-._~" is escaped.  "@" is put back: a
/// pchar (RFC 3986 §3.3) that our URIs have always carried literally
/// ("alice@example.com"); curl writes no "%40" for anything else.
std::string encodeComponent(std::string_view s) {
  if (s.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw Error(Category::Internal, "curl_easy_escape", {}, "input too long");
  }
  char* p = curl::api().easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  const CurlText escaped(p, p != nullptr ? std::strlen(p) : 0);
  if (!escaped) throw Error(Category::Internal, "curl_easy_escape");
  std::string out;
  const std::string_view e = escaped.view();
  out.reserve(e.size());
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e.compare(i, 3, "%40") == 0) {
      out += '@';
      i += 2;
    } else {
      out += e[i];
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
  if (rc != OATH_OK)
    throw Error(Category::Internal, tr("the OATH library could not be initialised"), {}, oath_strerror(rc));
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
  if (data.empty()) return {};
  initOath();
  char* p = nullptr;
  std::size_t length = 0;
  const int rc = oath_base32_encode(reinterpret_cast<const char*>(data.data()), data.size(), &p, &length);
  const OathBuffer encoded(p, length);
  if (rc == OATH_MALLOC_ERROR) throw std::bad_alloc();
  if (rc != OATH_OK || !encoded) throw Error(Category::Internal, "oath_base32_encode", {}, oath_strerror(rc));
  // RFC 4648 §6 pads to whole 8-symbol groups; the key URI form has no "=".
  std::string_view text = encoded.view();
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  return std::string(text);
}

Bytes base32Decode(std::string_view text) {
  // RFC 4648 §6, decoded by liboath.  Its decoder is laxer than what we
  // accept: it pads any short text itself ("MZXQ=" passes), takes "=" between
  // 8-symbol groups and never says why it refused.  So the text is normalised
  // here first (spaces dropped, a-z upper-cased, padding checked and taken
  // off) and liboath gets bare symbols.
  SecretString symbols;
  std::size_t padding = 0;
  for (const char c : text) {
    if (c == ' ') continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    const char upper = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    const bool inAlphabet = (upper >= 'A' && upper <= 'Z') || (upper >= '2' && upper <= '7');
    if (!inAlphabet || padding > 0) {
      throw Error(Category::Malformed, !inAlphabet
                                           ? tr("not Base32: only the letters A-Z and the digits 2-7 may appear")
                                           : tr("not Base32: \"=\" padding may only come at the end"));
    }
    symbols.push_back(upper);
  }
  // RFC 4648 §6: a final quantum has 2, 4, 5 or 7 symbols; with padding the
  // whole text is a multiple of 8 symbols.  Left-over bits of the last symbol
  // are not checked (some generators leave them non-zero; liboath ignores
  // them too).
  const std::size_t rest = symbols.size() % 8;
  const bool lengthOk = rest != 1 && rest != 3 && rest != 6;
  const bool paddingOk = padding == 0 || ((symbols.size() + padding) % 8 == 0 && padding < 8);
  if (!lengthOk || !paddingOk) {
    throw Error(Category::Malformed, tr("not Base32: the text has a length no Base32 encoding can have"));
  }
  if (symbols.empty()) return {};
  initOath();
  char* p = nullptr;
  std::size_t length = 0;
  const int rc = oath_base32_decode(symbols.c_str(), symbols.size(), &p, &length);
  const OathBuffer decoded(p, length);
  if (rc == OATH_MALLOC_ERROR) throw std::bad_alloc();
  // The text was checked above, so liboath refusing it is a bug, not bad input.
  if (rc != OATH_OK || !decoded) throw Error(Category::Internal, "oath_base32_decode", {}, oath_strerror(rc));
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(decoded.view().data());
  return Bytes(bytes, bytes + decoded.view().size());
}

namespace {

/// The URI parsed by curl (RFC 3986), after what is checked on its text:
/// the length, the scheme and raw control characters.  Never put the URI
/// itself into a message: it carries the secret.
CurlUrl parseUriText(const std::string& uri) {
  if (uri.size() > kMaxUriLength) badUri(tr("otpauth URI: too long"));
  // Key Uri Format: otpauth://TYPE/LABEL?PARAMETERS.  The scheme is checked on
  // the text: curl's parser also takes "otpauth:/totp/..." (one slash).
  if (uri.size() < kScheme.size() || !equalsIgnoreCase(std::string_view(uri).substr(0, kScheme.size()), kScheme)) {
    badUri(tr("not an otpauth:// URI"));
  }
  // Raw control characters: curl refuses them anywhere in a URI (so now also
  // in a parameter we do not read or in the fragment), and a NUL would end the
  // C string early.  The message is ours, given before any other.
  refuseControls(uri);
  CurlUrl url(curl::api().url());
  if (!url) throw std::bad_alloc();
  // RFC 3986 parsing by curl.  otpauth is no scheme curl knows; PATH_AS_IS
  // keeps "./" and "../" in a label as they are; ALLOW_SPACE takes the
  // unescaped spaces some generators write.
  const CURLUcode rc = curl::api().url_set(url.get(), CURLUPART_URL, uri.c_str(),
                                           CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS | CURLU_ALLOW_SPACE);
  if (rc == CURLUE_OUT_OF_MEMORY) throw std::bad_alloc();
  // With the scheme and control bytes checked, what curl still refuses is the
  // authority (a host name with a space, a bad port...), where the type is.
  if (rc != CURLUE_OK) badUri(tr("otpauth URI: the type must be totp"));
  return url;
}

/// Refuses any type but totp.  The type is the whole authority and "/"
/// follows it.  curl's parts cannot show what it normalised away ("%74otp",
/// "user@", an empty port, a missing path it gives as "/"), so that is
/// checked on the text.  HOTP is named when the type ends at "/", "#" or the
/// end of the text, as before.
void checkType(CURLU* url, const std::string& uri) {
  const CurlText host = urlPart(url, CURLUPART_HOST);
  const std::string_view type = host.view();
  const std::string_view afterScheme = std::string_view(uri).substr(kScheme.size());
  const bool bare = afterScheme.substr(0, type.size()) == type;
  const char next = afterScheme.size() > type.size() ? afterScheme[type.size()] : '\0';  // no NUL in uri: refused
  if (bare && (next == '/' || next == '#' || next == '\0') && equalsIgnoreCase(type, "hotp")) {
    badUri(tr("otpauth URI: counter-based (HOTP) codes are not supported, only TOTP"));
  }
  if (!bare || next != '/' || !equalsIgnoreCase(type, "totp")) badUri(tr("otpauth URI: the type must be totp"));
}

/// The label: the path after its "/", RFC 3986 percent-decoded by curl
/// ("+" stays "+" in a path).
std::string labelOf(CURLU* url) {
  checkEscapes(urlPart(url, CURLUPART_PATH).view());
  const CurlText path = urlPart(url, CURLUPART_PATH, CURLU_URLDECODE);
  return std::string(path.view().empty() ? std::string_view() : path.view().substr(1));
}

/// Which parameters the query gave, each allowed once, and the issuer
/// parameter's value.
struct SeenParameters {
  bool secret = false, issuer = false, algorithm = false, digits = false, period = false;
  std::string issuerParam;
};

/// Reads one query parameter into `a` (Key Uri Format: secret, issuer,
/// algorithm, digits, period); others (image, color...) are ignored, as the
/// apps do.
void readParameter(std::string_view key, std::string_view rawValue, OtpAuth& a, SeenParameters& seen) {
  auto once = [](bool& s) {
    if (s) badUri(tr("otpauth URI: a parameter appears twice"));
    s = true;
  };
  if (key == "secret") {
    once(seen.secret);
    const SecretString value(decodeQueryValue(rawValue));
    try {
      a.secret = base32Decode(value.view());
    } catch (const Error&) {
      badUri(tr("otpauth URI: the secret is not Base32"));
    }
  } else if (key == "issuer") {
    once(seen.issuer);
    seen.issuerParam = decodeQueryValue(rawValue);
  } else if (key == "algorithm") {
    once(seen.algorithm);
    std::string alg = decodeQueryValue(rawValue);
    for (auto& c : alg) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    if (!oathFlags(alg)) badUri(tr("otpauth URI: the algorithm must be SHA1, SHA256 or SHA512"));
    a.algorithm = alg;
  } else if (key == "digits") {
    once(seen.digits);
    const auto d = parseSmallInt(rawValue);
    if (!d || *d < 6 || *d > 8) badUri(tr("otpauth URI: digits must be 6, 7 or 8"));
    a.digits = *d;
  } else if (key == "period") {
    once(seen.period);
    const auto p = parseSmallInt(rawValue);
    if (!p || *p < 15 || *p > 120) badUri(tr("otpauth URI: the period must be 15 to 120 seconds"));
    a.period = *p;
  }
}

/// Reads the parameters into `a`.  curl 7.88 has no reader for single query
/// parameters, and a parameter given twice must be refused, so the query
/// (without the fragment, held in a wiped buffer: it carries the secret) is
/// split here.
SeenParameters readParameters(CURLU* url, OtpAuth& a) {
  const CurlText rawQuery = urlPart(url, CURLUPART_QUERY);
  const std::string_view query = rawQuery.view();
  SeenParameters seen;
  std::size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    const auto amp = query.find('&', pos);
    const std::string_view pair = query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    pos = amp == std::string_view::npos ? query.size() + 1 : amp + 1;
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view rawValue = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    readParameter(key, rawValue, a, seen);
  }
  return seen;
}

/// The issuer and the account from the label and the issuer parameter.  The
/// label is "issuer:account" (the colon literal or %3A) or "account"; spaces
/// may follow the colon.  An issuer should hold no colon; when the issuer
/// parameter has one and the label starts with it, it is the prefix.
void nameFromLabel(const std::string& label, const SeenParameters& seen, OtpAuth& a) {
  const std::string& issuerParam = seen.issuerParam;
  std::string prefix;
  std::size_t accountStart = 0;
  if (seen.issuer && !issuerParam.empty() && label.size() > issuerParam.size() &&
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
  if (seen.issuer && !prefix.empty() && issuerParam != prefix) {
    badUri(tr("otpauth URI: the issuer in the label and the issuer parameter differ"));
  }
  a.issuer = seen.issuer && !issuerParam.empty() ? issuerParam : prefix;
}

}  // namespace

OtpAuth OtpAuth::parse(const std::string& uri) {
  // Never put the URI itself into a message: it carries the secret.
  const CurlUrl url = parseUriText(uri);
  checkType(url.get(), uri);
  const std::string label = labelOf(url.get());
  OtpAuth a;
  const SeenParameters seen = readParameters(url.get(), a);
  // "Key Uri Format": digits default to 6 when the URI does not say.
  if (!seen.digits) a.digits = 6;
  if (!seen.secret || a.secret.empty()) badUri(tr("otpauth URI: no secret"));
  if (a.secret.size() < kMinSecretBytes) badUri(tr("otpauth URI: the secret is too short (at least 10 bytes)"));
  if (a.secret.size() > kMaxSecretBytes) badUri(tr("otpauth URI: the secret is too long"));
  nameFromLabel(label, seen, a);
  return a;
}

std::string OtpAuth::uri() const {
  // Key Uri Format; the separating ":" is literal, one inside the issuer is
  // escaped.  Every part is escaped by encodeComponent, so the text is put
  // together here rather than through curl_url_set (whose CURLU_URLENCODE
  // writes a space in a query as "+" and "@" as "%40": other bytes than ours).
  std::string s = "otpauth://totp/";
  if (!issuer.empty()) s += encodeComponent(issuer) + ":";
  s += encodeComponent(account);
  s += "?secret=" + base32Encode(secret);
  if (!issuer.empty()) s += "&issuer=" + encodeComponent(issuer);
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
  const int rc =
      oath_totp_generate2(reinterpret_cast<const char*>(secret.data()), secret.size(), static_cast<time_t>(unixTime),
                          static_cast<unsigned>(period), 0, static_cast<unsigned>(digits), *flags, out.data());
  if (rc != OATH_OK) throw Error(Category::Crypto, tr("the TOTP code could not be computed"), {}, oath_strerror(rc));
  std::string code(out.data());
  wipe(out.data(), out.size());
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
    wipe(expected);
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
