// securedoc-otp end to end: the real binary, its store file, and oathtool /
// qrencode as the independent reference.
#include "test_support.h"

#include <securedoc/crypto/totp.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#ifndef SECUREDOC_OTP
#error "SECUREDOC_OTP must name the securedoc-otp binary"
#endif

using namespace securedoc;
using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kPin = "7391";
constexpr const char* kNewPin = "2580";

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string readBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A store in a fresh folder, and securedoc-otp run against it.
struct Fixture {
  TempDir dir;
  fs::path store = dir / "otp-store";
  std::vector<std::string> outputs;  // every stdout/stderr except code lines, to look for the PIN

  RunResult otp(const std::vector<std::string>& args, const std::string& pin = kPin,
                std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {SECUREDOC_OTP, "--store", store.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    env.push_back("SECUREDOC_OTP_PIN=" + pin);
    env.push_back("XDG_DATA_HOME=" + (dir / "xdg").string());
    RunResult r = run(argv, env);
    if (args.empty() || args.front() != "code") outputs.push_back(r.out);
    outputs.push_back(r.err);
    return r;
  }
};

struct Account {
  Bytes secret = randomOtpSecret();
  std::string issuer;
  std::string account;
  std::string uri() const {
    OtpAuth a;
    a.issuer = issuer;
    a.account = account;
    a.secret = secret;
    return a.uri();
  }
  std::string name() const { return issuer + ":" + account; }
};

/// `code NAME` equals oathtool's code at the same moment; the second line is
/// the seconds left.  Retries when a 30 s boundary falls inside the run.
void checkCodeMatchesOathtool(Fixture& f, const Account& a, const std::vector<std::string>& args) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    const std::int64_t before = now();
    const auto r = f.otp(args);
    const std::int64_t after = now();
    BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
    if (before / 30 != after / 30) continue;
    const auto out = lines(r.out);
    BOOST_TEST_REQUIRE(out.size() == 2u, "exactly two lines: " << r.out);
    const auto ref =
        run({"oathtool", "--totp", "-d", "8", "--now=@" + std::to_string(before), base32Encode(a.secret), "-b"});
    BOOST_TEST_REQUIRE(ref.exitCode == 0, ref.err);
    BOOST_TEST(out[0] == lines(ref.out).at(0), "same code as oathtool");
    BOOST_TEST(out[0].size() == 8u);
    const int left = std::stoi(out[1]);
    BOOST_TEST(left >= 1);
    BOOST_TEST(left <= 30);
    BOOST_TEST(left <= secondsLeft(before), "seconds left agree with the clock");
    BOOST_TEST(left >= secondsLeft(after), "seconds left agree with the clock");
    return;
  }
  BOOST_ERROR("the clock crossed a 30 s boundary on every attempt");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(otp_cli, Fixture)

BOOST_AUTO_TEST_CASE(added_uri_and_qr_accounts_give_oathtool_codes) {
  requireTool("oathtool", "the Debian package oathtool");
  requireTool("qrencode", "the Debian package qrencode");
  const Account first{randomOtpSecret(), "SecureDoc Cloud", "alice@example.com"};
  const Account second{randomOtpSecret(), "Other", "bob"};

  auto r = otp({"add", first.uri()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  BOOST_TEST(r.out.find(first.name()) != std::string::npos, "add names the account");
  checkCodeMatchesOathtool(*this, first, {"code"});  // one account: no NAME needed

  const fs::path png = dir / "second.png";
  const auto q = run({"qrencode", "-o", png.string(), second.uri()});
  BOOST_TEST_REQUIRE(q.exitCode == 0, q.err);
  r = otp({"add", png.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);

  r = otp({"list"});
  BOOST_TEST(r.exitCode == 0);
  BOOST_TEST(lines(r.out) == (std::vector<std::string>{first.name(), second.name()}));
  BOOST_TEST(r.out.find(base32Encode(first.secret)) == std::string::npos, "list shows no secret");

  r = otp({"code"});
  BOOST_TEST(r.exitCode == 64, "several accounts and no NAME");
  BOOST_TEST(r.err.find("name one") != std::string::npos, r.err);
  BOOST_TEST(r.out.empty());
  checkCodeMatchesOathtool(*this, second, {"code", second.name()});
  checkCodeMatchesOathtool(*this, first, {"code", first.name()});

  r = otp({"add", first.uri()});
  BOOST_TEST(r.exitCode == 64, "the same account twice");

  r = otp({"remove", first.name()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  r = otp({"list"});
  BOOST_TEST(lines(r.out) == std::vector<std::string>{second.name()});
  r = otp({"remove", "nobody"});
  BOOST_TEST(r.exitCode == 2);
  r = otp({"code", "nobody"});
  BOOST_TEST(r.exitCode == 2);

  for (const auto& o : outputs) BOOST_TEST(o.find(kPin) == std::string::npos, "the PIN never appears in output");
}

BOOST_AUTO_TEST_CASE(the_store_is_private_and_holds_nothing_in_clear) {
  const Account a{randomOtpSecret(), "VisibleIssuer", "visible-account@example.com"};
  const auto r = otp({"add", a.uri()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(store.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u, "the store is mode 0600");
  const std::string bytes = readBytes(store);
  BOOST_TEST(bytes.find(base32Encode(a.secret)) == std::string::npos, "no Base32 secret in the file");
  BOOST_TEST(bytes.find(std::string(a.secret.begin(), a.secret.end())) == std::string::npos,
             "no raw secret in the file");
  BOOST_TEST(bytes.find("visible-account") == std::string::npos, "no account name in the file");
  BOOST_TEST(bytes.find("VisibleIssuer") == std::string::npos, "no issuer in the file");
  BOOST_TEST(bytes.find(kPin) == std::string::npos);
  BOOST_TEST(listDir(dir.path()) == std::vector<std::string>{"otp-store"}, "no temporary file is left");
}

BOOST_AUTO_TEST_CASE(a_wrong_pin_fails_and_leaves_the_store_untouched) {
  const Account a{randomOtpSecret(), "Issuer", "carol"};
  BOOST_TEST_REQUIRE(otp({"add", a.uri()}).exitCode == 0);
  const std::string before = readBytes(store);
  const std::vector<std::vector<std::string>> commands = {
      {"code"}, {"list"}, {"remove", a.name()}, {"reset-pin"}, {"add", Account{randomOtpSecret(), "X", "y"}.uri()}};
  for (const auto& args : commands) {
    BOOST_TEST_CONTEXT(args.front()) {
      const auto r = otp(args, "0000", {"SECUREDOC_OTP_NEW_PIN=1111"});
      BOOST_TEST(r.exitCode == 1);
      BOOST_TEST(r.err.find("wrong PIN") != std::string::npos, r.err);
      BOOST_TEST(r.out.empty(), "no code for a wrong PIN");
    }
  }
  BOOST_TEST(otp({"list"}, "12345").exitCode == 1, "a PIN that is not 4 digits is wrong too");
  BOOST_TEST(readBytes(store) == before, "the store bytes are unchanged");
}

BOOST_AUTO_TEST_CASE(reset_pin_replaces_the_old_pin) {
  const Account a{randomOtpSecret(), "Issuer", "dave"};
  BOOST_TEST_REQUIRE(otp({"add", a.uri()}).exitCode == 0);
  const std::string before = readBytes(store);
  writeFile(dir / "new-pin", std::string(kNewPin) + "\n");
  auto r = otp({"reset-pin", "--new-pin-file", (dir / "new-pin").string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  const std::string after = readBytes(store);
  BOOST_TEST(after.substr(9, 16) != before.substr(9, 16), "a new salt");

  r = otp({"list"});
  BOOST_TEST(r.exitCode == 1, "the old PIN is refused");
  r = otp({"list"}, kNewPin);
  BOOST_TEST(r.exitCode == 0, r.err);
  BOOST_TEST(lines(r.out) == std::vector<std::string>{a.name()});

  // The PIN from --pin-file (first line) instead of the environment.
  writeFile(dir / "pin", std::string(kNewPin) + "\nignored\n");
  r = otp({"--pin-file", (dir / "pin").string(), "code"}, "0000");
  BOOST_TEST(r.exitCode == 0, r.err);

  r = otp({"reset-pin"}, kNewPin, {"SECUREDOC_OTP_NEW_PIN=12a4"});
  BOOST_TEST(r.exitCode == 64, "a new PIN must be 4 digits");
  BOOST_TEST(readBytes(store) == after);
  for (const auto& o : outputs) {
    BOOST_TEST(o.find(kPin) == std::string::npos);
    BOOST_TEST(o.find(kNewPin) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(damaged_stores_give_a_clean_error_and_exit_4) {
  const Account a{randomOtpSecret(), "Issuer", "erin"};
  BOOST_TEST_REQUIRE(otp({"add", a.uri()}).exitCode == 0);
  const std::string good = readBytes(store);
  auto flip = [&](std::size_t at) {
    std::string s = good;
    s[at] = static_cast<char>(s[at] ^ 0x01);
    return s;
  };
  const std::vector<std::pair<std::string, std::string>> damaged = {
      {"truncated in the header", good.substr(0, 30)},
      {"truncated in the ciphertext", good.substr(0, good.size() - 20)},
      {"one byte more", good + "x"},
      {"garbage", std::string(200, '\x5A')},
      {"empty", ""},
      {"nonce changed (authenticated header)", flip(30)},
      {"ciphertext changed", flip(60)},
      {"tag changed", flip(good.size() - 1)},
  };
  for (const auto& [what, content] : damaged) {
    BOOST_TEST_CONTEXT(what) {
      writeFile(store, content);
      const auto r = otp({"code"});
      BOOST_TEST(r.exitCode == 4, r.err);
      BOOST_TEST(r.out.empty());
      BOOST_TEST(r.err.rfind("securedoc-otp: ", 0) == 0u, "one clean line: " << r.err);
      BOOST_TEST(lines(r.err).size() == 1u);
      BOOST_TEST(r.err.find(store.string()) != std::string::npos, "names the store");
    }
  }
  writeFile(store, flip(8));  // the version byte
  BOOST_TEST(otp({"list"}).exitCode == 4);
  writeFile(store, good);
  BOOST_TEST(otp({"list"}).exitCode == 0, "the intact store still opens");
}

BOOST_AUTO_TEST_CASE(without_a_store_code_says_there_is_none) {
  auto r = otp({"code"});
  BOOST_TEST(r.exitCode == 2);
  BOOST_TEST(r.err.find("no OTP store") != std::string::npos, r.err);
  BOOST_TEST(!fs::exists(store));
  BOOST_TEST(otp({"list"}).exitCode == 2);
  BOOST_TEST(otp({"reset-pin"}).exitCode == 2);
}

BOOST_AUTO_TEST_CASE(a_new_store_needs_a_four_digit_pin) {
  const Account a{randomOtpSecret(), "Issuer", "frank"};
  for (const std::string bad : {"123", "12345", "abcd", ""}) {
    BOOST_TEST_CONTEXT("PIN \"" << bad << "\"") {
      const auto r = otp({"add", a.uri()}, bad);
      BOOST_TEST(r.exitCode == 64, r.err);
      BOOST_TEST(!fs::exists(store), "no store is made");
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_inputs_to_add_are_refused_without_echoing_secrets) {
  const std::string hotp = "otpauth://hotp/I:x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=1";
  auto r = otp({"add", hotp});
  BOOST_TEST(r.exitCode == 4);
  BOOST_TEST(r.err.find("GEZDGNBV") == std::string::npos, r.err);
  r = otp({"add", "otpauht://totp/I:x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"});
  BOOST_TEST(r.exitCode == 4);
  BOOST_TEST(r.err.find("GEZDGNBV") == std::string::npos, r.err);
  r = otp({"add", (dir / "missing.png").string()});
  BOOST_TEST(r.exitCode == 4);
  writeFile(dir / "not.png", "hello");
  r = otp({"add", (dir / "not.png").string()});
  BOOST_TEST(r.exitCode == 4);
  BOOST_TEST(r.err.find("not.png") != std::string::npos, "the error names the file");
  BOOST_TEST(!fs::exists(store), "nothing was added");
  BOOST_TEST(otp({"frobnicate"}).exitCode == 64);
}

BOOST_AUTO_TEST_CASE(the_default_store_lives_under_xdg_data_home) {
  const Account a{randomOtpSecret(), "Issuer", "grace"};
  const fs::path xdg = dir / "xdg";
  const std::vector<std::string> env = {"SECUREDOC_OTP_PIN=" + std::string(kPin), "XDG_DATA_HOME=" + xdg.string()};
  auto r = run({SECUREDOC_OTP, "add", a.uri()}, env);
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  BOOST_TEST(fs::is_regular_file(xdg / "securedoc" / "otp-store"));
  r = run({SECUREDOC_OTP, "list"}, env);
  BOOST_TEST(lines(r.out) == std::vector<std::string>{a.name()});
}

BOOST_AUTO_TEST_CASE(help_lists_the_commands) {
  const auto r = run({SECUREDOC_OTP, "--help"});
  BOOST_TEST(r.exitCode == 0);
  for (const char* c : {"add", "code", "list", "remove", "reset-pin", "--store", "--pin-file"}) {
    BOOST_TEST(r.out.find(c) != std::string::npos, c);
  }
}

BOOST_AUTO_TEST_SUITE_END()
