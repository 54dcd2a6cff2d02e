// TOTP core (RFC 6238), Base32 (RFC 4648), otpauth:// URIs and QR code PNGs.
// Vectors come from the RFCs; codes and images are cross-checked with
// oathtool, qrencode and zbarimg.
#include "base_printers.h"
#include "test_support.h"

#include <securedoc/base/error.h>
#include <securedoc/crypto/qr.h>
#include <securedoc/crypto/totp.h>

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/stat.h>

using namespace securedoc;
using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

Bytes ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes randomBytes(std::mt19937& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng() & 0xFF);
  return b;
}

std::string trimNewline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// ---- a tiny PNG writer for hostile and QR-less test images ---------------
// Stored (uncompressed) deflate blocks, our own CRC-32 and Adler-32, so that
// the test can write any header it likes without libpng.

std::uint32_t crc32(const std::string& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char ch : data) {
    crc ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void putU32(std::string& s, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xFF);
}

void chunk(std::string& png, const std::string& type, const std::string& data) {
  putU32(png, static_cast<std::uint32_t>(data.size()));
  const std::string body = type + data;
  png += body;
  putU32(png, crc32(body));
}

/// An 8-bit greyscale PNG of `width` x `height` claimed in IHDR, with `grey`
/// (rows without the filter byte) as image data; `grey` may be shorter than
/// the header claims (hostile files).
std::string makeGreyPng(std::uint32_t width, std::uint32_t height, const std::string& grey, std::uint32_t rowsGiven) {
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  putU32(ihdr, width);
  putU32(ihdr, height);
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // depth 8, grey, deflate, filter 0, no interlace
  chunk(png, "IHDR", ihdr);
  std::string raw;
  for (std::uint32_t y = 0; y < rowsGiven; ++y) {
    raw += '\0';  // filter type None
    raw += grey.substr(static_cast<std::size_t>(y) * width, width);
  }
  std::string z = "\x78\x01";
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
    const bool last = pos + n == raw.size();
    z += static_cast<char>(last ? 1 : 0);
    z += static_cast<char>(n & 0xFF);
    z += static_cast<char>(n >> 8);
    z += static_cast<char>(~n & 0xFF);
    z += static_cast<char>((~n >> 8) & 0xFF);
    z += raw.substr(pos, n);
    pos += n;
  } while (pos < raw.size());
  std::uint32_t a = 1, b = 0;
  for (const char ch : raw) {
    a = (a + static_cast<unsigned char>(ch)) % 65521;
    b = (b + a) % 65521;
  }
  putU32(z, (b << 16) | a);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", "");
  return png;
}

/// The module grid of `text` from `qrencode -t ASCII` ("##" a dark module).
std::vector<std::string> qrModules(const std::string& text) {
  const auto r = run({"qrencode", "-t", "ASCII", "-m", "0", "-l", "M", text});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  std::vector<std::string> rows;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    std::string row;
    for (std::size_t i = 0; i < line.size(); i += 2) row += line[i] == '#' ? '1' : '0';
    rows.push_back(row);
  }
  return rows;
}

const std::string kUri =
    "otpauth://totp/SecureDoc%20Cloud:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    "&issuer=SecureDoc%20Cloud&algorithm=SHA1&digits=8&period=30";

}  // namespace

BOOST_AUTO_TEST_SUITE(totp)

BOOST_AUTO_TEST_CASE(rfc6238_appendix_b_sha1_vectors_match) {
  const Bytes seed = ascii("12345678901234567890");
  const std::vector<std::pair<std::int64_t, std::string>> vectors = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& [t, code] : vectors) {
    BOOST_TEST_CONTEXT("T=" << t) { BOOST_TEST(totpCode(seed, t) == code, "RFC 6238 appendix B, SHA1"); }
  }
}

BOOST_AUTO_TEST_CASE(rfc6238_sha256_and_sha512_vectors_match) {
  const Bytes seed256 = ascii("12345678901234567890123456789012");
  const Bytes seed512 = ascii("1234567890123456789012345678901234567890123456789012345678901234");
  BOOST_TEST(totpCode(seed256, 59, 8, 30, "SHA256") == "46119246");
  BOOST_TEST(totpCode(seed256, 20000000000, 8, 30, "SHA256") == "77737706");
  BOOST_TEST(totpCode(seed512, 59, 8, 30, "SHA512") == "90693936");
  BOOST_TEST(totpCode(seed512, 1111111111, 8, 30, "SHA512") == "99943326");
}

BOOST_AUTO_TEST_CASE(six_digit_codes_keep_leading_zeros) {
  // RFC 4226 appendix D, HOTP counter 1 = TOTP step 1 with a 30 s period.
  BOOST_TEST(totpCode(ascii("12345678901234567890"), 30, 6) == "287082");
  BOOST_TEST(totpCode(ascii("12345678901234567890"), 1111111109).size() == 8u);
}

BOOST_AUTO_TEST_CASE(codes_equal_oathtool_for_random_secrets_and_times) {
  requireTool("oathtool", "the Debian package oathtool");
  std::mt19937 rng(6238);
  for (int i = 0; i < 6; ++i) {
    const Bytes secret = randomBytes(rng, i == 0 ? 10 : 20 + static_cast<std::size_t>(i));
    const std::int64_t t = i == 0 ? 0 : static_cast<std::int64_t>(rng() % 4000000000u) + (i == 5 ? 20000000000 : 0);
    const auto r = run({"oathtool", "--totp", "-d", "8", "--now=@" + std::to_string(t), base32Encode(secret), "-b"});
    BOOST_TEST_CONTEXT("secret #" << i << " T=" << t) {
      BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
      BOOST_TEST(totpCode(secret, t) == trimNewline(r.out), "same code as oathtool");
    }
  }
}

BOOST_AUTO_TEST_CASE(seconds_left_counts_down_to_one) {
  BOOST_TEST(secondsLeft(0) == 30);
  BOOST_TEST(secondsLeft(29) == 1);
  BOOST_TEST(secondsLeft(30) == 30);
  BOOST_TEST(secondsLeft(1111111111) == 29);
  BOOST_TEST(secondsLeft(59, 15) == 1);
}

BOOST_AUTO_TEST_CASE(match_step_accepts_previous_current_and_next_step_only) {
  const Bytes seed = ascii("12345678901234567890");
  const std::int64_t now = 1111111111;
  const std::int64_t step = now / 30;
  for (int d = -2; d <= 2; ++d) {
    const std::string code = totpCode(seed, (step + d) * 30);
    BOOST_TEST_CONTEXT("step T" << (d >= 0 ? "+" : "") << d) {
      const auto matched = totpMatchStep(seed, code, now);
      if (d >= -1 && d <= 1) {
        BOOST_TEST_REQUIRE(matched.has_value(), "T-1, T and T+1 are accepted");
        BOOST_TEST(*matched == step + d, "the matched step is reported for the replay rule");
      } else {
        BOOST_TEST(!matched.has_value(), "T-2 and T+2 are refused");
      }
    }
  }
  BOOST_TEST(!totpMatchStep(seed, totpCode(seed, (step - 1) * 30), now, 0).has_value(), "window 0 takes T only");
  BOOST_TEST(totpMatchStep(seed, "14050471", now, 0).value() == step);
}

BOOST_AUTO_TEST_CASE(match_step_refuses_malformed_codes) {
  const Bytes seed = ascii("12345678901234567890");
  BOOST_TEST(!totpMatchStep(seed, "1405047", 1111111111).has_value(), "too short");
  BOOST_TEST(!totpMatchStep(seed, "140504710", 1111111111).has_value(), "too long");
  BOOST_TEST(!totpMatchStep(seed, "1405047a", 1111111111).has_value(), "not digits");
  BOOST_TEST(!totpMatchStep(seed, "", 1111111111).has_value(), "empty");
  BOOST_TEST(!totpMatchStep(seed, "00000000", 1111111111).has_value(), "wrong code");
}

BOOST_AUTO_TEST_CASE(bad_parameters_are_usage_errors) {
  const Bytes seed = ascii("12345678901234567890");
  BOOST_CHECK_EXCEPTION(totpCode(seed, 59, 5), Error, hasCategory(Category::Usage));
  BOOST_CHECK_EXCEPTION(totpCode(seed, 59, 9), Error, hasCategory(Category::Usage));
  BOOST_CHECK_EXCEPTION(totpCode(seed, 59, 8, 0), Error, hasCategory(Category::Usage));
  BOOST_CHECK_EXCEPTION(totpCode(seed, -1), Error, hasCategory(Category::Usage));
  BOOST_CHECK_EXCEPTION(totpCode(Bytes{}, 59), Error, hasCategory(Category::Usage));
  BOOST_CHECK_EXCEPTION(totpCode(seed, 59, 8, 30, "MD5"), Error, hasCategory(Category::Usage));
  BOOST_CHECK_EXCEPTION(totpMatchStep(seed, "94287082", 59, -1), Error, hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_CASE(random_secrets_are_20_fresh_bytes) {
  const Bytes a = randomOtpSecret();
  const Bytes b = randomOtpSecret();
  BOOST_TEST(a.size() == 20u);
  BOOST_TEST(a != b);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(base32)

BOOST_AUTO_TEST_CASE(rfc4648_vectors_encode_and_decode) {
  const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                    {"f", "MY"},
                                                                    {"fo", "MZXQ"},
                                                                    {"foo", "MZXW6"},
                                                                    {"foob", "MZXW6YQ"},
                                                                    {"fooba", "MZXW6YTB"},
                                                                    {"foobar", "MZXW6YTBOI"}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST_CONTEXT("\"" << plain << "\"") {
      BOOST_TEST(base32Encode(ascii(plain)) == encoded);
      BOOST_TEST(base32Decode(encoded) == ascii(plain));
    }
  }
  BOOST_TEST(base32Encode(ascii("12345678901234567890")) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

BOOST_AUTO_TEST_CASE(decoding_ignores_case_spaces_and_padding) {
  BOOST_TEST(base32Decode("MY======") == ascii("f"));
  BOOST_TEST(base32Decode("mzxw6ytboi") == ascii("foobar"));
  BOOST_TEST(base32Decode("MZXW 6YTB OI") == ascii("foobar"));
  BOOST_TEST(base32Decode("MZXW6YQ=") == ascii("foob"));
}

BOOST_AUTO_TEST_CASE(random_data_round_trips) {
  std::mt19937 rng(4648);
  for (std::size_t n = 0; n <= 41; ++n) {
    const Bytes data = randomBytes(rng, n);
    BOOST_TEST_CONTEXT(n << " bytes") { BOOST_TEST(base32Decode(base32Encode(data)) == data); }
  }
}

BOOST_AUTO_TEST_CASE(bad_base32_is_malformed) {
  for (const std::string bad : {"MZXW6YT1", "MZXW6YT8", "M", "MZX", "MZXW6Y", "MZ=XQ", "MZXQ=", "MZXW6YQ==", "MZXW-6YQ",
                                "MZXW\n6YQ", "\xC3\xA9"}) {
    BOOST_TEST_CONTEXT("\"" << bad << "\"") {
      BOOST_CHECK_EXCEPTION(base32Decode(bad), Error, hasCategory(Category::Malformed));
    }
  }
}

namespace {

/// base32Decode(text) throws Error(Malformed) whose message contains `says`.
void expectBadBase32(const std::string& text, const std::string& says) {
  BOOST_TEST_CONTEXT("\"" << text << "\"") {
    try {
      (void)base32Decode(text);
      BOOST_ERROR("accepted");
    } catch (const Error& e) {
      BOOST_TEST(e.category() == Category::Malformed);
      BOOST_TEST(std::string(e.what()).find(says) != std::string::npos, e.what());
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(bad_base32_says_what_is_wrong) {
  // Characters outside RFC 4648 §6's alphabet, lower case of them included.
  for (const std::string& bad :
       std::vector<std::string>{"MZXW6YT0", "MZXW6YT1", "MZXW6YT8", "MZXW6YT9", "MZXW6Y+Q", "MZXW6Y/Q", "MZXW_6YQ",
                                "MZXW\t6YQ", "MZXW6YQ\n", std::string("MZ\0XQ", 5), "MZXW6YQ\xFF", "mzxw6y0q"}) {
    expectBadBase32(bad, "only the letters A-Z and the digits 2-7");
  }
  // Padding: only at the end, and only to a whole group of 8.
  for (const std::string& bad : std::vector<std::string>{
           "=MZXQ", "MZ=XQ",
           "MY======MY======", "MZXQ=", "MZXQ==", "MZXQ=====", "MZXW6YQ==", "MZXW6YTBOI=", "========", "MY== =="}) {
    BOOST_TEST_CONTEXT("padding") { BOOST_CHECK_EXCEPTION(base32Decode(bad), Error, hasCategory(Category::Malformed)); }
  }
  expectBadBase32("MZ=XQ", "padding may only come at the end");
  expectBadBase32("MY======MY======", "padding may only come at the end");
  for (const std::string& bad :
       std::vector<std::string>{"MZXQ=", "MZXQ==", "MZXQ=====", "MZXW6YQ==", "MZXW6YTBOI=", "========", "M=======",
                                "MZX=====", "MZXW6Y==", "M", "MZX", "MZXW6Y", "MZXW6YTBO"}) {
    expectBadBase32(bad, "a length no Base32 encoding can have");
  }
}

BOOST_AUTO_TEST_CASE(padded_spaced_and_lower_case_forms_decode_alike) {
  const Bytes foobar = ascii("foobar");
  for (const std::string& text :
       std::vector<std::string>{"MZXW6YTBOI", "MZXW6YTBOI======", "mzxw6ytboi======", "MzXw6YtBoI", " MZXW 6YTB OI ",
                                "MZXW6YTBOI== ====", "MZXW6YTBOI======  "}) {
    BOOST_TEST_CONTEXT("\"" << text << "\"") { BOOST_TEST(base32Decode(text) == foobar); }
  }
  BOOST_TEST(base32Decode("").empty());
  BOOST_TEST(base32Decode("   ").empty(), "spaces alone are the empty text");
  BOOST_TEST(base32Decode("MZ") == ascii("f"), "left-over bits of the last symbol are not checked");
  BOOST_TEST(base32Encode(Bytes{}).empty());
  BOOST_TEST(base32Encode(ascii("f")) == "MY", "no \"=\" padding is written");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(otpauth)

BOOST_AUTO_TEST_CASE(a_full_uri_is_parsed) {
  const OtpAuth a = OtpAuth::parse(kUri);
  BOOST_TEST(a.issuer == "SecureDoc Cloud");
  BOOST_TEST(a.account == "alice@example.com");
  BOOST_TEST(a.secret == ascii("12345678901234567890"));
  BOOST_TEST(a.digits == 8);
  BOOST_TEST(a.period == 30);
  BOOST_TEST(a.algorithm == "SHA1");
  BOOST_TEST(a.name() == "SecureDoc Cloud:alice@example.com");
  BOOST_TEST(totpCode(a, 59) == "94287082");
}

BOOST_AUTO_TEST_CASE(format_and_parse_round_trip) {
  OtpAuth a;
  a.issuer = "ACME & Sons: Ltd?";
  a.account = "bob smith+1@example.com";
  a.secret = randomOtpSecret();
  a.digits = 7;
  a.period = 60;
  a.algorithm = "SHA256";
  const OtpAuth b = OtpAuth::parse(a.uri());
  BOOST_TEST(b.issuer == a.issuer);
  BOOST_TEST(b.account == a.account);
  BOOST_TEST(b.secret == a.secret);
  BOOST_TEST(b.digits == 7);
  BOOST_TEST(b.period == 60);
  BOOST_TEST(b.algorithm == "SHA256");
  BOOST_TEST(b.uri() == a.uri(), "the canonical form is stable");
}

BOOST_AUTO_TEST_CASE(defaults_and_issuer_forms_follow_the_key_uri_format) {
  const OtpAuth minimal = OtpAuth::parse("otpauth://totp/alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  BOOST_TEST(minimal.issuer.empty());
  BOOST_TEST(minimal.account == "alice");
  BOOST_TEST(minimal.digits == 6, "digits default to 6");
  BOOST_TEST(minimal.period == 30);
  BOOST_TEST(minimal.algorithm == "SHA1");
  BOOST_TEST(minimal.name() == "alice");

  const OtpAuth prefixOnly =
      OtpAuth::parse("OTPAUTH://TOTP/Example%3A%20alice?secret=gezdgnbvgy3tqojq&algorithm=sha512");
  BOOST_TEST(prefixOnly.issuer == "Example");
  BOOST_TEST(prefixOnly.account == "alice", "spaces after the colon are dropped");
  BOOST_TEST(prefixOnly.algorithm == "SHA512");

  const OtpAuth paramOnly = OtpAuth::parse("otpauth://totp/alice?issuer=Big+Co&secret=GEZDGNBVGY3TQOJQ&image=x");
  BOOST_TEST(paramOnly.issuer == "Big Co", "'+' is a space in the query; unknown parameters are ignored");
}

namespace {

/// OtpAuth::parse(uri) throws Error(Malformed) whose message contains `says`
/// ("" when any message will do) and no part of the secret.
void expectBadUri(const std::string& what, const std::string& uri, const std::string& says) {
  BOOST_TEST_CONTEXT(what) {
    try {
      (void)OtpAuth::parse(uri);
      BOOST_ERROR("accepted");
    } catch (const Error& e) {
      BOOST_TEST(e.category() == Category::Malformed);
      BOOST_TEST(!e.message().empty());
      BOOST_TEST(std::string(e.what()).find(says) != std::string::npos, e.what());
      BOOST_TEST(std::string(e.what()).find("GEZDGNBV") == std::string::npos, "the message holds no secret");
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(bad_uris_are_malformed_and_never_echo_the_secret) {
  const std::string s = "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"hotp", "otpauth://hotp/a?" + s + "&counter=0"},
      {"other scheme", "https://totp/a?" + s},
      {"unknown type", "otpauth://motp/a?" + s},
      {"no secret", "otpauth://totp/a?issuer=x"},
      {"empty secret", "otpauth://totp/a?secret="},
      {"short secret", "otpauth://totp/a?secret=GEZDGNBVGY3TQOI"},
      {"not base32", "otpauth://totp/a?secret=GEZDGNBVGY3TQOJ1"},
      {"digits 5", "otpauth://totp/a?" + s + "&digits=5"},
      {"digits 9", "otpauth://totp/a?" + s + "&digits=9"},
      {"digits text", "otpauth://totp/a?" + s + "&digits=eight"},
      {"period 14", "otpauth://totp/a?" + s + "&period=14"},
      {"period 121", "otpauth://totp/a?" + s + "&period=121"},
      {"algorithm MD5", "otpauth://totp/a?" + s + "&algorithm=MD5"},
      {"bad escape", "otpauth://totp/a%G1?" + s},
      {"cut escape", "otpauth://totp/a?" + s + "&issuer=x%4"},
      {"control character", "otpauth://totp/a%0Ab?" + s},
      {"secret twice", "otpauth://totp/a?" + s + "&" + s},
      {"issuer mismatch", "otpauth://totp/Good:a?" + s + "&issuer=Evil"},
      {"no account", "otpauth://totp/Issuer:?" + s},
      {"no label", "otpauth://totp?" + s},
      {"too long", "otpauth://totp/a?" + s + "&x=" + std::string(5000, 'a')},
      {"empty", ""},
  };
  for (const auto& [what, uri] : bad) expectBadUri(what, uri, "");
}

BOOST_AUTO_TEST_CASE(bad_uris_give_the_same_clean_error_for_each_input_class) {
  const std::string s = "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  // Scheme and type: the type is the bare authority, followed by "/".
  for (const std::string& uri : std::vector<std::string>{"", "otpauth", "otpauth:/totp/a?" + s, "otpauth:totp/a?" + s,
                                                         "https://totp/a?" + s, " otpauth://totp/a?" + s}) {
    expectBadUri("scheme: " + uri.substr(0, 16), uri, "not an otpauth:// URI");
  }
  for (const std::string& uri : std::vector<std::string>{
           "otpauth://totp?" + s, "otpauth://totp", "otpauth://totp#a?" + s, "otpauth:///totp/a?" + s,
           "otpauth:////totp/a?" + s, "otpauth://totp:/a?" + s, "otpauth://totp:80/a?" + s, "otpauth://u@totp/a?" + s,
           "otpauth://@totp/a?" + s, "otpauth://%74otp/a?" + s, "otpauth://to%20tp/a?" + s, "otpauth://to tp/a?" + s,
           "otpauth://totp./a?" + s, "otpauth://[::1]/a?" + s, "otpauth:///a?" + s, "otpauth://?" + s,
           "otpauth://hotp:1/a?" + s, "otpauth://hotp?" + s}) {
    expectBadUri("type: " + uri.substr(0, 24), uri, "the type must be totp");
  }
  for (const std::string& uri : std::vector<std::string>{"otpauth://hotp/a?" + s, "otpauth://HOTP/a?" + s}) {
    expectBadUri("hotp: " + uri.substr(0, 20), uri, "(HOTP) codes are not supported");
  }
  // Percent escapes: two hex digits after every "%", in the label and in the
  // parameters we read, the end of the text included.
  for (const std::string& uri : std::vector<std::string>{
           "otpauth://totp/a%?" + s, "otpauth://totp/a%4?" + s, "otpauth://totp/a%G1?" + s, "otpauth://totp/a%%41?" + s,
           "otpauth://totp/a?" + s + "&issuer=x%", "otpauth://totp/a?" + s + "&issuer=x%4",
           "otpauth://totp/a?" + s + "&issuer=%zz", "otpauth://totp/a?" + s + "&algorithm=SHA1%",
           "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQ%"}) {
    expectBadUri("escape: " + uri.substr(14), uri, "bad percent escape");
  }
  // Control characters, escaped or not, DEL included.
  for (const std::string& uri :
       std::vector<std::string>{"otpauth://totp/a%0Ab?" + s, "otpauth://totp/a%00b?" + s, "otpauth://totp/a%7Fb?" + s,
                                "otpauth://totp/a%1fb?" + s, "otpauth://totp/a\nb?" + s,
                                "otpauth://totp/a\x7F"
                                "b?" +
                                    s,
                                std::string("otpauth://totp/a\0b?", 20) + s, "otpauth://totp/a?" + s + "&issuer=x%09y",
                                "otpauth://totp/a?" + s + "&issuer=x%7F", "otpauth://totp/a?" + s + "&issuer=x\ty"}) {
    expectBadUri("control character", uri, "control characters are not allowed");
  }
  // Empty parameters and values.
  expectBadUri("secret without value", "otpauth://totp/a?secret", "no secret");
  expectBadUri("empty secret", "otpauth://totp/a?secret=&issuer=x", "no secret");
  expectBadUri("empty query", "otpauth://totp/a?", "no secret");
  expectBadUri("only separators", "otpauth://totp/a?&&&", "no secret");
  expectBadUri("empty digits", "otpauth://totp/a?" + s + "&digits=", "digits must be 6, 7 or 8");
  expectBadUri("escaped digits", "otpauth://totp/a?" + s + "&digits=%38", "digits must be 6, 7 or 8");
  expectBadUri("empty period", "otpauth://totp/a?" + s + "&period", "the period must be 15 to 120 seconds");
  expectBadUri("empty algorithm", "otpauth://totp/a?" + s + "&algorithm=", "the algorithm must be SHA1");
  expectBadUri("empty label", "otpauth://totp/?" + s, "the label names no account");
  expectBadUri("issuer only", "otpauth://totp/Issuer:%20%20?" + s, "the label names no account");
  expectBadUri("empty parameter twice", "otpauth://totp/a?" + s + "&issuer=&issuer=", "a parameter appears twice");
  // The secret: Base32 errors become one message without the secret.
  for (const std::string& secret :
       std::vector<std::string>{"GEZDGNBVGY3TQOJ1", "GEZDGNBVGY3TQOJQ=", "GEZDGNBV=GY3TQOJQ", "GEZDGNBVGY3TQOJQG",
                                "GEZDGNBVGY3TQOJQ%2F", "GEZDGNBV-GY3TQOJQ"}) {
    expectBadUri("secret " + secret.substr(14), "otpauth://totp/a?secret=" + secret, "the secret is not Base32");
  }
  expectBadUri("secret too long", "otpauth://totp/a?secret=" + std::string(208, 'A'), "the secret is too long");
  expectBadUri("URI too long", "otpauth://totp/a?" + s + "&image=" + std::string(4096, 'x'), "too long");
}

BOOST_AUTO_TEST_CASE(uris_the_apps_write_are_still_read) {
  const Bytes seed = ascii("12345678901234567890");
  const std::string secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  // Padded, spaced (escaped or "+") and lower-case secrets.
  for (const std::string& value :
       std::vector<std::string>{"gezdgnbvgy3tqojqgezdgnbvgy3tqojq", "GEZD+GNBV+GY3T+QOJQ+GEZD+GNBV+GY3T+QOJQ",
                                "GEZD%20GNBV%20GY3TQOJQGEZDGNBVGY3TQOJQ", "GEZDGNBVGY3TQOJQ%20GEZDGNBVGY3TQOJQ+"}) {
    BOOST_TEST_CONTEXT(value) { BOOST_TEST(OtpAuth::parse("otpauth://totp/a?secret=" + value).secret == seed); }
  }
  const Bytes seed21 = ascii("123456789012345678901");
  for (const std::string& value :
       std::vector<std::string>{secret + "GE", secret + "GE======", secret + "ge%3D%3D%3D%3D%3D%3D"}) {
    BOOST_TEST_CONTEXT(value) { BOOST_TEST(OtpAuth::parse("otpauth://totp/a?secret=" + value).secret == seed21); }
  }
  expectBadUri("padding to no whole group",
               "otpauth://totp/a?secret=" + secret + "GE=====", "the secret is not Base32");
  // Unescaped spaces, "+" kept in the label, "./" and "../" kept, a fragment dropped, empty pairs skipped.
  const OtpAuth spaced = OtpAuth::parse("otpauth://totp/Big Co:al ice?secret=" + secret + "&issuer=Big Co");
  BOOST_TEST(spaced.issuer == "Big Co");
  BOOST_TEST(spaced.account == "al ice");
  BOOST_TEST(OtpAuth::parse("otpauth://totp/a+b?secret=" + secret).account == "a+b", "'+' is itself in the label");
  BOOST_TEST(OtpAuth::parse("otpauth://totp/x/../y?secret=" + secret).account == "x/../y");
  const OtpAuth fragment = OtpAuth::parse("otpauth://totp/a?&&secret=" + secret + "&&digits=7#digits=9&secret=x");
  BOOST_TEST(fragment.digits == 7, "the fragment is not read");
  BOOST_TEST(OtpAuth::parse("otpauth://totp/a?secret=" + secret + "&image=%ZZ").account == "a",
             "parameters we do not read are not checked");
  const OtpAuth escaped = OtpAuth::parse("otpauth://totp/ACME%20%26%20Sons%3A%20Ltd%3F:b%2Fc?secret=" + secret +
                                         "&issuer=ACME%20%26%20Sons%3A%20Ltd%3F");
  BOOST_TEST(escaped.issuer == "ACME & Sons: Ltd?");
  BOOST_TEST(escaped.account == "b/c");
  BOOST_TEST(OtpAuth::parse("otpauth://totp/%C5%BC%C3%B3%C5%82w?secret=" + secret).account == "\u017C\u00F3\u0142w");
  BOOST_TEST(OtpAuth::parse("otpauth://totp/\u017C\u00F3\u0142w?secret=" + secret).account == "\u017C\u00F3\u0142w");
}

BOOST_AUTO_TEST_CASE(written_uris_keep_their_exact_form) {
  OtpAuth a;
  a.issuer = "SecureDoc Cloud";
  a.account = "alice@example.com";
  a.secret = ascii("12345678901234567890");
  BOOST_TEST(a.uri() == kUri, "'@' stays literal, a space is %20");
  a.issuer = "ACME & Sons: Ltd?";
  a.account = "b/c+d \u017C~._-";
  a.digits = 6;
  a.algorithm = "SHA512";
  BOOST_TEST(
      a.uri() ==
      "otpauth://totp/ACME%20%26%20Sons%3A%20Ltd%3F:b%2Fc%2Bd%20%C5%BC~._-?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
      "&issuer=ACME%20%26%20Sons%3A%20Ltd%3F&algorithm=SHA512&digits=6&period=30");
  a.issuer.clear();
  a.account = "%40@";
  BOOST_TEST(a.uri().rfind("otpauth://totp/%2540@?secret=", 0) == 0u, a.uri());
  BOOST_TEST(OtpAuth::parse(a.uri()).account == "%40@");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(qr)

BOOST_AUTO_TEST_CASE(written_qr_codes_read_back) {
  TempDir dir;
  const fs::path png = dir / "otp.png";
  writeQrPng(kUri, png);
  BOOST_TEST(readQrPng(png) == kUri);
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(png.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u, "the QR code holds a secret: owner only");
  BOOST_TEST(listDir(dir.path()) == std::vector<std::string>{"otp.png"}, "no temporary file is left");
  writeQrPng("otpauth://totp/x?secret=GEZDGNBVGY3TQOJQ", png);
  BOOST_TEST(readQrPng(png) == "otpauth://totp/x?secret=GEZDGNBVGY3TQOJQ", "an existing file is replaced");
}

BOOST_AUTO_TEST_CASE(zbarimg_reads_our_qr_codes) {
  requireTool("zbarimg", "the Debian package zbar-tools");
  TempDir dir;
  const fs::path png = dir / "ours.png";
  writeQrPng(kUri, png);
  const auto r = run({"zbarimg", "--raw", "-q", png.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  BOOST_TEST(trimNewline(r.out) == kUri);
}

BOOST_AUTO_TEST_CASE(qr_codes_from_qrencode_are_read) {
  requireTool("qrencode", "the Debian package qrencode");
  TempDir dir;
  const std::vector<std::vector<std::string>> styles = {
      {}, {"-s", "3", "-m", "2", "-l", "H"}, {"--background=FFFFFF00"}, {"--foreground=202080", "--background=F0F0C0"}};
  for (const std::string& text : {kUri, std::string("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=6")}) {
    for (const auto& style : styles) {
      BOOST_TEST_CONTEXT("qrencode style #" << (&style - styles.data())) {
        const fs::path png = dir / "theirs.png";
        std::vector<std::string> argv = {"qrencode", "-o", png.string()};
        argv.insert(argv.end(), style.begin(), style.end());
        argv.push_back(text);
        const auto r = run(argv);
        BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
        BOOST_TEST(readQrPng(png) == text, "transparent and coloured images are read too");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(text_too_long_for_a_qr_code_is_refused) {
  TempDir dir;
  BOOST_CHECK_EXCEPTION(writeQrPng(std::string(5000, 'x'), dir / "big.png"), Error, hasCategory(Category::Usage));
  BOOST_TEST(listDir(dir.path()).empty(), "nothing is left behind");
}

BOOST_AUTO_TEST_CASE(bad_png_files_give_clean_errors_naming_the_file) {
  TempDir dir;
  writeQrPng(kUri, dir / "good.png");
  const std::string good = readText(dir / "good.png");
  const std::string white(64 * 64, '\xFF');
  std::string garbage(4096, '\0');
  std::mt19937 rng(1);
  for (auto& c : garbage) c = static_cast<char>(rng() & 0xFF);

  const std::vector<std::pair<std::string, std::string>> files = {
      {"empty", ""},
      {"truncated", good.substr(0, good.size() / 2)},
      {"signature only", good.substr(0, 8)},
      {"garbage", garbage},
      {"garbage after the signature", good.substr(0, 8) + garbage},
      {"no QR code", makeGreyPng(64, 64, white, 64)},
      {"huge dimensions", makeGreyPng(100000, 100000, white, 1)},
      {"over 8000 pixels", makeGreyPng(9000, 10, std::string(9000 * 10, '\xFF'), 10)},
      {"claims more rows than it has", makeGreyPng(64, 8000, white, 64)},
  };
  for (const auto& [what, content] : files) {
    BOOST_TEST_CONTEXT(what) {
      const fs::path f = dir / "bad.png";
      writeFile(f, content);
      try {
        (void)readQrPng(f);
        BOOST_ERROR("accepted");
      } catch (const Error& e) {
        BOOST_TEST((e.category() == Category::Malformed || e.category() == Category::Io), e.what());
        BOOST_TEST(e.file() == f.string(), "the error names the file");
      }
    }
  }
  BOOST_CHECK_EXCEPTION(readQrPng(dir / "missing.png"), Error, hasCategory(Category::Io));
  {
    std::ofstream big(dir / "big.png", std::ios::binary);
    big << good.substr(0, 8);
  }
  fs::resize_file(dir / "big.png", 21u << 20);
  BOOST_CHECK_EXCEPTION(readQrPng(dir / "big.png"), Error, hasCategory(Category::Malformed));
}

BOOST_AUTO_TEST_CASE(several_qr_codes_in_one_image_are_refused) {
  requireTool("qrencode", "the Debian package qrencode");
  const auto a = qrModules("otpauth://totp/a?secret=GEZDGNBVGY3TQOJQ");
  const auto b = qrModules("otpauth://totp/b?secret=GEZDGNBVGY3TQOJQ");
  BOOST_TEST_REQUIRE(a.size() == b.size());
  const std::uint32_t scale = 4, quiet = 4;
  const auto n = static_cast<std::uint32_t>(a.size());
  const std::uint32_t width = (2 * n + 3 * quiet) * scale, height = (n + 2 * quiet) * scale;
  std::string grey(static_cast<std::size_t>(width) * height, '\xFF');
  auto paint = [&](const std::vector<std::string>& m, std::uint32_t left) {
    for (std::uint32_t y = 0; y < n; ++y) {
      for (std::uint32_t x = 0; x < n && x < m[y].size(); ++x) {
        if (m[y][x] != '1') continue;
        for (std::uint32_t dy = 0; dy < scale; ++dy) {
          for (std::uint32_t dx = 0; dx < scale; ++dx) {
            grey[static_cast<std::size_t>((y + quiet) * scale + dy) * width + (left + x) * scale + dx] = '\0';
          }
        }
      }
    }
  };
  paint(a, quiet);
  paint(b, 2 * quiet + n);
  TempDir dir;
  writeFile(dir / "two.png", makeGreyPng(width, height, grey, height));
  try {
    (void)readQrPng(dir / "two.png");
    BOOST_ERROR("accepted");
  } catch (const Error& e) {
    BOOST_TEST(e.category() == Category::Malformed);
    BOOST_TEST(std::string(e.what()).find("several") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
