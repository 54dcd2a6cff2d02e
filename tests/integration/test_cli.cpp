// securedoc-cli end to end, and interoperability both ways with openssl cms.
#include <boost/test/unit_test.hpp>

#include "test_support.h"

#include <securedoc/i18n.h>

#include <nlohmann/json.hpp>

#include <ctime>
#include <sstream>
#include <unistd.h>

using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

struct Cli {
  TempDir dir;
  fs::path pki = pkiDir();
  std::string signerArg(const std::string& p12) const { return "pkcs12:" + (pki / p12).string(); }
  std::string pwFile() const { return (pki / "password.txt").string(); }
  std::string root() const { return (pki / "root-ca.pem").string(); }

  RunResult sign(const std::string& p12, const std::vector<std::string>& extra) const {
    std::vector<std::string> args{"sign", "--signer", signerArg(p12), "--password-file", pwFile()};
    args.insert(args.end(), extra.begin(), extra.end());
    return cli(args);
  }
  RunResult opensslVerify(const fs::path& sig, const std::optional<fs::path>& content) const {
    std::vector<std::string> a{"openssl", "cms",        "-verify", "-binary", "-inform", "DER",
                               "-in",     sig.string(), "-CAfile", root(),    "-out",    "/dev/null"};
    if (content) {
      a.push_back("-content");
      a.push_back(content->string());
    }
    return run(a);
  }
  /// Key and certificate out of a demo PKCS#12, for openssl cms -sign.
  std::pair<fs::path, fs::path> extract(const std::string& p12) const {
    const fs::path key = dir / (p12 + ".key.pem");
    const fs::path cert = dir / (p12 + ".cert.pem");
    const auto pass = "pass:" + readText(pki / "password.txt");
    BOOST_TEST_REQUIRE(run({"openssl", "pkcs12", "-in", (pki / p12).string(), "-passin", pass, "-nocerts", "-nodes",
                            "-out", key.string()})
                           .exitCode == 0);
    BOOST_TEST_REQUIRE(run({"openssl", "pkcs12", "-in", (pki / p12).string(), "-passin", pass, "-clcerts", "-nokeys",
                            "-out", cert.string()})
                           .exitCode == 0);
    return {key, cert};
  }
};

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cli_sign_and_verify, Cli)

BOOST_AUTO_TEST_CASE(openssl_accepts_our_attached_and_detached_cades_with_rsa_and_ecdsa) {
  writeFile(dir / "doc.bin", std::string("binary\0\r\ncontent\xff", 18));
  for (const char* p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    for (const char* mode : {"detached", "attached"}) {
      BOOST_TEST_CONTEXT(p12 << " " << mode) {
        const auto out = dir / (std::string(p12) + "-" + mode + ".cms");
        const auto r = sign(p12, {"--mode", mode, "--output", out.string(), (dir / "doc.bin").string()});
        BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
        const bool detached = std::string(mode) == "detached";
        const auto v = opensslVerify(out, detached ? std::optional<fs::path>(dir / "doc.bin") : std::nullopt);
        BOOST_TEST(v.exitCode == 0, "openssl cms -verify: " << v.err);
        BOOST_TEST(v.err.find("Verification successful") != std::string::npos);
        const auto cades = run({"openssl", "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", out.string(),
                                "-CAfile", root(), "-out", "/dev/null", "-content", (dir / "doc.bin").string()});
        if (detached) BOOST_TEST(cades.exitCode == 0, "openssl cms -verify -cades checks ESS: " << cades.err);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(we_accept_cms_made_by_openssl_and_catch_changes_and_missing_anchors) {
  writeFile(dir / "doc.txt", "Zażółć gęślą jaźń\n");
  for (const char* p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    for (bool detached : {true, false}) {
      BOOST_TEST_CONTEXT(p12 << (detached ? " detached" : " attached")) {
        const auto [key, cert] = extract(p12);
        const auto sig = dir / (std::string(p12) + (detached ? ".p7s" : ".p7m"));
        std::vector<std::string> a{"openssl",
                                   "cms",
                                   "-sign",
                                   "-cades",
                                   "-binary",
                                   "-md",
                                   "sha256",
                                   "-outform",
                                   "DER",
                                   "-in",
                                   (dir / "doc.txt").string(),
                                   "-signer",
                                   cert.string(),
                                   "-inkey",
                                   key.string(),
                                   "-certfile",
                                   (pki / "issuing-ca.pem").string(),
                                   "-out",
                                   sig.string()};
        if (!detached) a.push_back("-nodetach");
        BOOST_TEST_REQUIRE(run(a).exitCode == 0);
        std::vector<std::string> content;
        if (detached) content = {"--detached-content", (dir / "doc.txt").string()};

        auto args = std::vector<std::string>{"verify", "--format", "json", "--trust-anchor", root()};
        args.insert(args.end(), content.begin(), content.end());
        args.push_back(sig.string());
        auto r = cli(args);
        BOOST_TEST(r.exitCode == 0, r.out << r.err);
        auto j = nlohmann::json::parse(r.out);
        BOOST_TEST(j["indication"] == "TOTAL-PASSED");

        // Without the trust anchor: INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND, exit 2.
        std::vector<std::string> noAnchor{"verify", "--json"};
        noAnchor.insert(noAnchor.end(), content.begin(), content.end());
        noAnchor.push_back(sig.string());
        r = cli(noAnchor);
        BOOST_TEST(r.exitCode == 2);
        j = nlohmann::json::parse(r.out);
        BOOST_TEST(j["indication"] == "INDETERMINATE");
        BOOST_TEST(j["signatures"][0]["subIndication"] == "NO_CERTIFICATE_CHAIN_FOUND");
      }
    }
  }
  // One content byte changed: TOTAL-FAILED / HASH_FAILURE, exit 1.
  writeFile(dir / "doc.txt", "Zażółć gęślą jaźń!");
  const auto r = cli({"verify", "--json", "--trust-anchor", root(), "--detached-content", (dir / "doc.txt").string(),
                      (dir / "signer-rsa.p12.p7s").string()});
  BOOST_TEST(r.exitCode == 1);
  const auto j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["indication"] == "TOTAL-FAILED");
  BOOST_TEST(j["signatures"][0]["subIndication"] == "HASH_FAILURE");
}

BOOST_AUTO_TEST_CASE(the_content_beside_a_p7s_is_found_without_an_option) {
  writeFile(dir / "scan.tiff", "pretend image");
  BOOST_TEST_REQUIRE(sign("signer-rsa.p12", {(dir / "scan.tiff").string()}).exitCode == 0);
  const auto r = cli({"verify", "--trust-anchor", root(), (dir / "scan.tiff.p7s").string()});
  BOOST_TEST(r.exitCode == 0, r.out);
  BOOST_TEST(r.out.find("TOTAL-PASSED") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(signing_twice_keeps_both_outputs_and_the_input) {
  writeFile(dir / "notes.txt", "notes");
  BOOST_TEST(sign("signer-rsa.p12", {"-q", (dir / "notes.txt").string()}).exitCode == 0);
  const auto first = readText(dir / "notes.txt.p7s");
  const auto r = sign("signer-ec.p12", {"--json", (dir / "notes.txt").string()});
  BOOST_TEST(r.exitCode == 0);
  const auto j = nlohmann::json::parse(r.out);
  BOOST_TEST(j[0]["output"] == (dir / "notes.txt (2).p7s").string());
  BOOST_TEST(readText(dir / "notes.txt.p7s") == first, "first signature untouched");
  BOOST_TEST(readText(dir / "notes.txt") == "notes", "input untouched");
}

BOOST_AUTO_TEST_CASE(a_batch_goes_to_the_output_folder) {
  fs::create_directory(dir / "out");
  std::vector<std::string> files;
  for (int i = 0; i < 5; ++i) {
    writeFile(dir / ("f" + std::to_string(i) + ".txt"), "file " + std::to_string(i));
    files.push_back((dir / ("f" + std::to_string(i) + ".txt")).string());
  }
  std::vector<std::string> args{"--output-dir", (dir / "out").string()};
  args.insert(args.end(), files.begin(), files.end());
  const auto r = sign("signer-ec.p12", args);
  BOOST_TEST(r.exitCode == 0, r.err);
  BOOST_TEST(listDir(dir / "out").size() == 5u);
  BOOST_TEST(r.err.find("[") != std::string::npos, "batch progress on stderr");
}

// One box for a batch of PDFs of different lengths (issue 16): "last" and
// -N count pages from the end of each file.
BOOST_AUTO_TEST_CASE(a_visible_box_on_the_last_page_lands_on_each_pdfs_own_last_page) {
  requireTool("qpdf", "the Debian package qpdf");
  requireTool("pdftotext", "the Debian package poppler-utils");
  const fs::path contract = sourceDir() / "samples" / "documents" / "contract.pdf";
  fs::copy_file(contract, dir / "two.pdf");
  BOOST_TEST_REQUIRE(
      run({"qpdf", "--empty", "--pages", contract.string(), contract.string(), "1", "--", (dir / "three.pdf").string()})
          .exitCode == 0);
  fs::create_directory(dir / "out");
  const auto r = sign("signer-ec.p12", {"--visible", "last,330,60,230,62", "--output-dir", (dir / "out").string(),
                                        (dir / "two.pdf").string(), (dir / "three.pdf").string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  // The demo signer "Anna Nowak" appears nowhere in the contract itself.
  auto onPage = [](const fs::path& pdf, int page) {
    const auto t = run({"pdftotext", "-f", std::to_string(page), "-l", std::to_string(page), pdf.string(), "-"});
    return t.out.find("Anna Nowak") != std::string::npos;
  };
  BOOST_TEST(onPage(dir / "out" / "two-signed.pdf", 2));
  BOOST_TEST(!onPage(dir / "out" / "two-signed.pdf", 1));
  BOOST_TEST(onPage(dir / "out" / "three-signed.pdf", 3));
  BOOST_TEST(!onPage(dir / "out" / "three-signed.pdf", 2));
  // -3 is the first page of three.pdf and beyond the start of two.pdf.
  const auto third = sign("signer-ec.p12", {"--visible=-3,330,60,230,62", "--output-dir", (dir / "out").string(),
                                            (dir / "three.pdf").string()});
  BOOST_TEST_REQUIRE(third.exitCode == 0, third.err);
  BOOST_TEST(onPage(dir / "out" / "three-signed (2).pdf", 1));
  const auto beyond = sign("signer-ec.p12", {"--visible=-3,330,60,230,62", (dir / "two.pdf").string()});
  BOOST_TEST(beyond.exitCode == 64, beyond.err);
  BOOST_TEST(beyond.err.find("page 3 from the end") != std::string::npos, beyond.err);
  for (const std::string bad : {"0,1,1,100,50", "first,1,1,100,50", "1,2,3,4", "1,36,36,220,60,", "-,1,1,100,50",
                                "1,36,x,220,60", "--1,1,1,100,50"}) {
    BOOST_TEST_CONTEXT(bad) {
      const auto b = sign("signer-ec.p12", {"--visible=" + bad, (dir / "two.pdf").string()});
      BOOST_TEST(b.exitCode == 64, b.err);
      BOOST_TEST(b.err.find("bad --visible") != std::string::npos, b.err);
    }
  }
}

namespace {
/// A page rendered by pdftoppm at 72 dpi, so a pixel is a point; rows top down.
struct Raster {
  int width = 0, height = 0;
  std::string rgb;
  [[nodiscard]] bool red(int x, int y) const {
    const auto at = (static_cast<std::size_t>(y) * static_cast<std::size_t>(width) + static_cast<std::size_t>(x)) * 3;
    return static_cast<unsigned char>(rgb[at]) > 200 && static_cast<unsigned char>(rgb[at + 1]) < 90 &&
           static_cast<unsigned char>(rgb[at + 2]) < 90;
  }
};
Raster renderPage(const fs::path& pdf, int page, const fs::path& dir) {
  const auto r = run({"pdftoppm", "-r", "72", "-f", std::to_string(page), "-l", std::to_string(page), "-singlefile",
                      pdf.string(), (dir / "raster").string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  std::istringstream in(readText(dir / "raster.ppm"));
  std::string magic;
  int maxval = 0;
  Raster out;
  in >> magic >> out.width >> out.height >> maxval;
  in.get();
  BOOST_TEST_REQUIRE((magic == "P6" && maxval == 255 && out.width > 0 && out.height > 0));
  out.rgb.resize(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height) * 3);
  in.read(out.rgb.data(), static_cast<std::streamsize>(out.rgb.size()));
  BOOST_TEST_REQUIRE(in.gcount() == static_cast<std::streamsize>(out.rgb.size()));
  return out;
}
}  // namespace

// The appearance of a visible signature (issue 16): an image (PNG with
// transparency, JPEG) inside the box, the signer's name, the time in the
// signer's language and zone, and the reason and location, as text a reader
// can search, in an embedded font subset that has the Polish letters.
BOOST_AUTO_TEST_CASE(a_visible_signature_shows_the_image_name_time_reason_and_location) {
  requireTool("convert", "the Debian package imagemagick");
  requireTool("pdffonts", "the Debian package poppler-utils");
  const fs::path contract = sourceDir() / "samples" / "documents" / "contract.pdf";
  fs::copy_file(contract, dir / "doc.pdf");
  // A red disc, so the rendered page tells image pixels from everything else.
  BOOST_TEST_REQUIRE(run({"convert", "-size", "200x100", "xc:white", "-fill", "red", "-draw", "circle 100,50 100,5",
                          (dir / "logo.jpg").string()})
                         .exitCode == 0);
  // RGBA (PNG32): PoDoFo 0.9.8 leaks a few bytes per palette PNG with
  // transparency (LeakSanitizer in CI's ASan run); RGBA is also what a
  // scanned or drawn signature usually is.
  BOOST_TEST_REQUIRE(run({"convert", "-size", "300x120", "xc:none", "-fill", "red", "-draw", "rectangle 20,20 280,100",
                          "PNG32:" + (dir / "hand.png").string()})
                         .exitCode == 0);
  const std::vector<std::string> polish{"LANGUAGE=pl", "TZ=Europe/Warsaw"};
  // The test PKI is made at each run, so the time is now; what a Polish
  // reader in Warsaw reads for it comes from the function test_base pins
  // down ("7 grudnia 2026, 01:27:17 UTC+01:00" for 00:27:17Z).
  const std::time_t when = std::time(nullptr);
  char iso[32];
  struct tm utc {};
  gmtime_r(&when, &utc);
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &utc);
  ::setenv("LANGUAGE", "pl", 1);
  ::setenv("TZ", "Europe/Warsaw", 1);
  ::tzset();
  securedoc::initI18n();
  const std::string warsaw = securedoc::readableTimeWithOffset(when);
  ::unsetenv("LANGUAGE");
  ::unsetenv("TZ");
  ::tzset();
  securedoc::initI18n();
  BOOST_TEST_REQUIRE(warsaw.find(" 20") != std::string::npos, warsaw);
  for (const char* image : {"logo.jpg", "hand.png"}) {
    BOOST_TEST_CONTEXT(image) {
      const fs::path out = dir / (std::string(image) + ".pdf");
      const auto r =
          cli({"sign", "--signer", signerArg("signer-ec.p12"), "--password-file", pwFile(), "--visible",
               "2,300,60,260,80", "--visible-image", (dir / image).string(), "--reason", "Zażółć gęślą jaźń",
               "--location", "Łódź", "--signing-time", iso, "--output", out.string(), (dir / "doc.pdf").string()},
              polish);
      BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
      BOOST_TEST(run({"pdfsig", out.string()}).out.find("Signature is Valid") != std::string::npos);
      const std::string text = run({"pdftotext", "-f", "2", "-l", "2", out.string(), "-"}).out;
      for (const std::string& expected : {std::string("Podpisano elektronicznie przez"), std::string("Anna Nowak"),
                                          "Data: " + warsaw, std::string("Zażółć gęślą jaźń"), std::string("Łódź")})
        BOOST_TEST(text.find(expected) != std::string::npos, expected << " in: " << text);
      // pdffonts: "AAAAAA+DejaVuSans CID TrueType Identity-H yes yes yes".
      const std::string fonts = run({"pdffonts", out.string()}).out;
      const auto line = fonts.find("+DejaVuSans");
      BOOST_TEST_REQUIRE(line != std::string::npos, fonts);
      BOOST_TEST(fonts.substr(line, fonts.find('\n', line) - line).find("yes yes yes") != std::string::npos, fonts);
      // Every red pixel of page 2 is inside the box (x 300..560, y 60..140 up
      // from the bottom), and there are some.
      const Raster page = renderPage(out, 2, dir.path());
      int inside = 0;
      int outside = 0;
      for (int y = 0; y < page.height; ++y) {
        for (int x = 0; x < page.width; ++x) {
          if (!page.red(x, y)) continue;
          const int up = page.height - 1 - y;
          (x >= 300 && x <= 560 && up >= 60 && up <= 140 ? inside : outside)++;
        }
      }
      BOOST_TEST(inside > 500);
      BOOST_TEST(outside == 0);
    }
  }
}

// Times a person reads (issue 16): the text report in the reader's zone and
// language with UTC beside it; the JSON report keeps ISO 8601 UTC.
BOOST_AUTO_TEST_CASE(the_text_report_gives_local_time_and_utc_and_json_keeps_iso) {
  writeFile(dir / "doc.txt", "x");
  const std::time_t when = std::time(nullptr);
  char iso[32];
  struct tm utc {};
  gmtime_r(&when, &utc);
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &utc);
  BOOST_TEST_REQUIRE(sign("signer-ec.p12", {"--signing-time", iso, (dir / "doc.txt").string()}).exitCode == 0);
  const std::string p7s = (dir / "doc.txt.p7s").string();
  for (const char* zone : {"Europe/Warsaw", "Asia/Tokyo"}) {
    BOOST_TEST_CONTEXT(zone) {
      ::setenv("LANGUAGE", "pl", 1);
      ::setenv("TZ", zone, 1);
      ::tzset();
      securedoc::initI18n();
      const std::string expected = securedoc::readableTimeAndUtc(when);
      ::unsetenv("LANGUAGE");
      ::unsetenv("TZ");
      ::tzset();
      securedoc::initI18n();
      const std::string content = (dir / "doc.txt").string();
      const auto text = cli({"verify", "--trust-anchor", root(), "--detached-content", content, p7s},
                            {"LANGUAGE=pl", std::string("TZ=") + zone});
      BOOST_TEST(text.exitCode == 0, text.err);
      BOOST_TEST(
          text.out.find("Czas złożenia podpisu (deklarowany przez podpisującego): " + expected) != std::string::npos,
          expected << " in: " << text.out);
      const auto j = cli({"verify", "--json", "--trust-anchor", root(), "--detached-content", content, p7s},
                         {"LANGUAGE=pl", std::string("TZ=") + zone});
      BOOST_TEST(nlohmann::json::parse(j.out)["signatures"][0]["signingTime"] == iso);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_bad_signature_image_stops_the_batch_before_any_file) {
  fs::copy_file(sourceDir() / "samples" / "documents" / "contract.pdf", dir / "doc.pdf");
  writeFile(dir / "fake.png", "GIF89a not a png");
  writeFile(dir / "empty.jpg", "");
  for (const char* image : {"fake.png", "empty.jpg", "missing.png"}) {
    BOOST_TEST_CONTEXT(image) {
      const auto r = sign("signer-ec.p12", {"--visible", "1,36,36,200,60", "--visible-image", (dir / image).string(),
                                            (dir / "doc.pdf").string()});
      BOOST_TEST(r.exitCode == 64, r.err);
      BOOST_TEST(r.err.find("signature image") != std::string::npos, r.err);
      BOOST_TEST(!fs::exists(dir / "doc-signed.pdf"));
    }
  }
  // An image without a box has nowhere to go.
  writeFile(dir / "ok.jpg", "\xff\xd8\xff");
  const auto r = sign("signer-ec.p12", {"--visible-image", (dir / "ok.jpg").string(), (dir / "doc.pdf").string()});
  BOOST_TEST(r.exitCode == 64, r.err);
  BOOST_TEST(r.err.find("--visible") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(inspect_and_certs_describe_without_validating) {
  writeFile(dir / "doc.txt", "x");
  BOOST_TEST_REQUIRE(sign("signer-rsa.p12", {"--mode", "attached", (dir / "doc.txt").string()}).exitCode == 0);
  auto r = cli({"inspect", "--json", (dir / "doc.txt.p7m").string()});
  BOOST_TEST(r.exitCode == 0);
  auto j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["packaging"] == "attached");
  BOOST_TEST(j["signatures"][0]["signer"]["subjectFields"]["serialNumber"] == "PNOPL-80010112345");
  r = cli({"certs", "--signer", signerArg("signer-ec.p12"), "--password-file", pwFile()});
  BOOST_TEST(r.exitCode == 0);
  BOOST_TEST(r.out.find("Anna Nowak") != std::string::npos);
  BOOST_TEST(r.out.find("EC P-256") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(cli_errors, Cli)

BOOST_AUTO_TEST_CASE(the_expired_signer_is_refused_with_a_clear_message_and_no_output) {
  writeFile(dir / "doc.txt", "x");
  const auto r = sign("signer-expired.p12", {(dir / "doc.txt").string()});
  BOOST_TEST(r.exitCode == 1);
  BOOST_TEST(r.err.find("expired") != std::string::npos, r.err);
  BOOST_TEST(lines(r.err) == 1, "one line: " << r.err);
  BOOST_TEST(listDir(dir.path()).size() == 1u, "no output written");
}

BOOST_AUTO_TEST_CASE(a_wrong_password_is_one_line_and_no_output) {
  writeFile(dir / "doc.txt", "x");
  writeFile(dir / "wrong.txt", "nope\n");
  const auto r = cli({"sign", "--signer", signerArg("signer-rsa.p12"), "--password-file", (dir / "wrong.txt").string(),
                      (dir / "doc.txt").string()});
  BOOST_TEST(r.exitCode == 1);
  BOOST_TEST(r.err.find("wrong password") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("signer-rsa.p12") != std::string::npos, "names the file");
  BOOST_TEST(lines(r.err) == 1);
  BOOST_TEST(listDir(dir.path()).size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_password_comes_from_the_environment_when_no_file_is_given) {
  writeFile(dir / "doc.txt", "x");
  const auto r = cli({"sign", "--signer", signerArg("signer-rsa.p12"), "-q", (dir / "doc.txt").string()},
                     {"SECUREDOC_PASSWORD=" + readText(pki / "password.txt")});
  BOOST_TEST(r.exitCode == 0, r.err);
  const auto none =
      cli({"sign", "--signer", signerArg("signer-rsa.p12"), (dir / "doc.txt").string()}, {"SECUREDOC_PASSWORD="});
  BOOST_TEST(none.exitCode != 0, "without a terminal or a password source signing stops");
}

BOOST_AUTO_TEST_CASE(unreadable_inputs_are_named_and_give_exit_4) {
  const auto r = sign("signer-rsa.p12", {(dir / "missing.txt").string()});
  BOOST_TEST(r.exitCode == 4);
  BOOST_TEST(r.err.find("missing.txt") != std::string::npos, r.err);
  BOOST_TEST(lines(r.err) == 1);
  const auto d = sign("signer-rsa.p12", {dir.path().string()});
  BOOST_TEST(d.exitCode == 4, "a folder is not a document");
}

BOOST_AUTO_TEST_CASE(an_output_folder_that_is_not_writable_leaves_nothing_behind) {
  writeFile(dir / "doc.txt", "x");
  // Root ignores permission bits; sysfs refuses new files even to root.
  fs::path locked = "/sys";
  if (geteuid() != 0) {
    locked = dir / "locked";
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  }
  const auto r = sign("signer-rsa.p12", {"--output-dir", locked.string(), (dir / "doc.txt").string()});
  BOOST_TEST(r.exitCode == 4);
  BOOST_TEST(r.err.find(locked.string()) != std::string::npos, r.err);
  BOOST_TEST(lines(r.err) == 1);
}

BOOST_AUTO_TEST_CASE(bad_signature_files_give_exit_4_with_one_line_naming_the_file) {
  // Files that claim a format (a CMS SignedData, a PDF header, XML) but
  // cannot be parsed, and a file that cannot be opened.
  writeFile(dir / "doc.txt", "x");
  BOOST_TEST_REQUIRE(sign("signer-rsa.p12", {"--mode", "attached", (dir / "doc.txt").string()}).exitCode == 0);
  const std::string good = readText(dir / "doc.txt.p7m");
  writeFile(dir / "truncated.p7m", good.substr(0, good.size() / 3));
  writeFile(dir / "garbage-der.p7s", good.substr(0, 24) + std::string(200, 'G'));
  const std::string pdf = readText(sourceDir() / "samples" / "documents" / "contract.pdf");
  writeFile(dir / "truncated.pdf", pdf.substr(0, 300));
  writeFile(dir / "broken.xml", "<?xml version=\"1.0\"?>\n<doc><unclosed>");
  for (const char* f : {"truncated.p7m", "garbage-der.p7s", "truncated.pdf", "broken.xml", "missing.p7s"}) {
    BOOST_TEST_CONTEXT(f) {
      const auto r = cli({"verify", (dir / f).string()});
      BOOST_TEST(r.exitCode == 4, r.out << r.err);
      BOOST_TEST(lines(r.err) == 1, r.err);
      BOOST_TEST(r.err.find(f) != std::string::npos, r.err);
      BOOST_TEST(r.out.empty());
      const auto j = cli({"verify", "--json", (dir / f).string()});
      BOOST_TEST(j.exitCode == 4);
      BOOST_TEST(j.out.empty(), "no report for a file that cannot be read: " << j.out);
    }
  }
}

BOOST_AUTO_TEST_CASE(files_without_a_signature_in_a_format_we_know_give_exit_3) {
  // README.md, exit status of verify: 3 the file holds no signature; 4 only for a file that
  // claims a format and cannot be parsed.  Every kind says the same thing in
  // JSON: INDETERMINATE / SIGNED_DATA_NOT_FOUND, no signatures.
  writeFile(dir / "a.txt", "hello\n");
  writeFile(dir / "empty.p7s", "");
  writeFile(dir / "garbage.p7s", std::string(2000, 'G'));
  writeFile(dir / "image.png", "\x89PNG\r\n\x1a\n not a signature");
  writeFile(dir / "binary.bin", std::string("\x01\x02\x00\xff\xfe binary", 12));
  writeFile(dir / "plain.xml", "<?xml version=\"1.0\"?>\n<invoice><total>12.30</total></invoice>\n");
  fs::copy_file(sourceDir() / "samples" / "documents" / "contract.pdf", dir / "unsigned.pdf");
  fs::copy_file(sourceDir() / "samples" / "documents" / "scan.png", dir / "scan.png");
  const std::vector<std::pair<std::string, std::string>> kinds{
      {"a.txt", "text/plain"},       {"empty.p7s", "application/x-zerosize"},
      {"garbage.p7s", "text/plain"}, {"image.png", "image/png"},
      {"scan.png", "image/png"},     {"binary.bin", "application/octet-stream"},
      {"plain.xml", "XML"},          {"unsigned.pdf", "PAdES"}};
  for (const auto& [f, format] : kinds) {
    BOOST_TEST_CONTEXT(f) {
      const auto text = cli({"verify", (dir / f).string()});
      BOOST_TEST(text.exitCode == 3, text.out << text.err);
      BOOST_TEST(text.out.find("The file holds no signature.") != std::string::npos, text.out);
      BOOST_TEST(text.out.find(f) != std::string::npos, "names the file: " << text.out);
      BOOST_TEST(text.err.empty(), text.err);

      const auto json = cli({"verify", "--json", "--trust-anchor", root(), (dir / f).string()});
      BOOST_TEST(json.exitCode == 3, json.out << json.err);
      const auto j = nlohmann::json::parse(json.out);
      BOOST_TEST(j["indication"] == "INDETERMINATE");
      BOOST_TEST(j["subIndication"] == "SIGNED_DATA_NOT_FOUND");
      BOOST_TEST(j["signatures"].is_array());
      BOOST_TEST(j["signatures"].empty());
      BOOST_TEST(j["format"] == format);
      BOOST_TEST(j["file"] == (dir / f).string());

      BOOST_TEST(cli({"verify", "-q", (dir / f).string()}).exitCode == 3);
      const auto in = cli({"inspect", (dir / f).string()});
      BOOST_TEST(in.exitCode == 3, in.out << in.err);
      BOOST_TEST(in.err.find("holds no signature") != std::string::npos, in.err);
    }
  }
  // In Polish too.
  const auto pl = cli({"verify", (dir / "a.txt").string()}, {"LANGUAGE=pl", "LC_ALL=C.UTF-8"});
  BOOST_TEST(pl.exitCode == 3);
  BOOST_TEST(pl.out.find("The file holds no signature.") == std::string::npos, pl.out);
}

BOOST_AUTO_TEST_CASE(a_signed_data_without_signers_holds_no_signature) {
  // A certificates-only SignedData ("degenerate" PKCS#7, RFC 5652 §5.2).
  const auto f = dir / "certs-only.p7s";
  BOOST_TEST_REQUIRE(
      run({"openssl", "crl2pkcs7", "-nocrl", "-certfile", root(), "-outform", "DER", "-out", f.string()}).exitCode ==
      0);
  const auto r = cli({"verify", f.string()});
  BOOST_TEST(r.exitCode == 3, r.out << r.err);
}

BOOST_AUTO_TEST_CASE(bad_usage_is_exit_64) {
  BOOST_TEST(cli({}).exitCode == 64);
  BOOST_TEST(cli({"verify"}).exitCode == 64);
  BOOST_TEST(cli({"verify", "--format", "xml", "x"}).exitCode == 64);
  BOOST_TEST(cli({"sign", "--signer", "nonsense", "x"}).exitCode == 64);
  BOOST_TEST(cli({"frobnicate"}).exitCode == 64);
}

BOOST_AUTO_TEST_CASE(certificate_files_that_hold_no_certificate_are_bad_usage) {
  // A --certificate or --trust-anchor file is an option, not the document:
  // exit 64 naming the option and the file, never 4 (the file cannot be read).
  writeFile(dir / "doc.txt", "x");
  BOOST_TEST_REQUIRE(sign("signer-rsa.p12", {"--mode", "attached", (dir / "doc.txt").string()}).exitCode == 0);
  writeFile(dir / "garbage.pem", "-----BEGIN GARBAGE-----\nnot a certificate\n-----END GARBAGE-----\n");
  for (const char* option : {"--certificate", "--trust-anchor"}) {
    for (const char* f : {"garbage.pem", "missing.pem"}) {
      BOOST_TEST_CONTEXT(option << " " << f) {
        const auto r = cli({"verify", option, (dir / f).string(), (dir / "doc.txt.p7m").string()});
        BOOST_TEST(r.exitCode == 64, r.out << r.err);
        BOOST_TEST(lines(r.err) == 1, r.err);
        BOOST_TEST(r.err.find(std::string(option) + " " + (dir / f).string()) != std::string::npos, r.err);
        BOOST_TEST(r.out.empty(), r.out);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(cli_extra_certificates, Cli)

BOOST_AUTO_TEST_CASE(help_lists_the_certificate_option_as_untrusted_chain_material) {
  const auto r = cli({"verify", "--help"}, {"LANGUAGE=en"});
  BOOST_TEST(r.exitCode == 0);
  BOOST_TEST(r.out.find("--certificate") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("never trusted") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(an_intermediate_the_signature_lacks_comes_from_certificate) {
  // Signed by a leaf of the issuing CA, carrying only the leaf (no
  // -certfile): as podofosign writes, or a token without its CA.
  writeFile(dir / "doc.txt", "Zażółć gęślą jaźń\n");
  const auto [key, cert] = extract("signer-rsa.p12");
  const auto sig = dir / "leaf-only.p7m";
  BOOST_TEST_REQUIRE(
      run({"openssl", "cms", "-sign", "-cades", "-binary", "-md", "sha256", "-outform", "DER", "-nodetach", "-in",
           (dir / "doc.txt").string(), "-signer", cert.string(), "-inkey", key.string(), "-out", sig.string()})
          .exitCode == 0);
  const auto carried = run({"openssl", "pkcs7", "-inform", "DER", "-print_certs", "-noout", "-in", sig.string()});
  BOOST_TEST_REQUIRE(carried.exitCode == 0, carried.err);
  const auto subjects = [&] {
    std::size_t n = 0;
    for (auto at = carried.out.find("subject="); at != std::string::npos; at = carried.out.find("subject=", at + 1))
      ++n;
    return n;
  }();
  BOOST_TEST_REQUIRE(subjects == 1u, "only the leaf is embedded: " << carried.out);
  const std::string intermediate = (pki / "issuing-ca.pem").string();

  // Without the intermediate: no chain to the root.
  auto r = cli({"verify", "--json", "--trust-anchor", root(), sig.string()});
  BOOST_TEST(r.exitCode == 2, r.out << r.err);
  auto j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["indication"] == "INDETERMINATE");
  BOOST_TEST(j["signatures"][0]["subIndication"] == "NO_CERTIFICATE_CHAIN_FOUND");

  // With it: the chain leaf -> issuing CA -> root, TOTAL-PASSED.
  r = cli({"verify", "--json", "--trust-anchor", root(), "--certificate", intermediate, sig.string()});
  BOOST_TEST(r.exitCode == 0, r.out << r.err);
  j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["indication"] == "TOTAL-PASSED", r.out);
  BOOST_TEST(j["signatures"][0]["chain"].size() == 3u, r.out);

  // Chain material only, never trusted: the intermediate alone anchors nothing.
  r = cli({"verify", "--json", "--certificate", intermediate, "--certificate", root(), sig.string()});
  BOOST_TEST(r.exitCode == 2, r.out << r.err);
  j = nlohmann::json::parse(r.out);
  BOOST_TEST(j["indication"] == "INDETERMINATE", r.out);
}

BOOST_AUTO_TEST_CASE(every_format_builds_the_chain_with_certificate) {
  // A PKCS#12 with the leaf and its key only (a token without its CA): our
  // own PAdES, XAdES and CAdES signatures then carry only the leaf.
  const auto [key, cert] = extract("signer-rsa.p12");
  const auto leafOnly = dir / "leaf-only.p12";
  BOOST_TEST_REQUIRE(run({"openssl", "pkcs12", "-export", "-in", cert.string(), "-inkey", key.string(), "-passout",
                          "file:" + pwFile(), "-out", leafOnly.string()})
                         .exitCode == 0);
  fs::copy_file(sourceDir() / "samples" / "documents" / "contract.pdf", dir / "contract.pdf");
  fs::copy_file(sourceDir() / "samples" / "documents" / "invoice.xml", dir / "invoice.xml");
  writeFile(dir / "notes.txt", "notes\n");
  const auto signedBy =
      cli({"sign", "--signer", "pkcs12:" + leafOnly.string(), "--password-file", pwFile(), "-q",
           (dir / "contract.pdf").string(), (dir / "invoice.xml").string(), (dir / "notes.txt").string()});
  BOOST_TEST_REQUIRE(signedBy.exitCode == 0, signedBy.err);
  const std::string intermediate = (pki / "issuing-ca.pem").string();
  for (const char* f : {"contract-signed.pdf", "invoice-signed.xml", "notes.txt.p7s"}) {
    BOOST_TEST_CONTEXT(f) {
      auto r = cli({"verify", "--json", "--trust-anchor", root(), (dir / f).string()});
      BOOST_TEST(r.exitCode == 2, r.out << r.err);
      auto j = nlohmann::json::parse(r.out);
      BOOST_TEST(j["signatures"][0]["subIndication"] == "NO_CERTIFICATE_CHAIN_FOUND", r.out);
      r = cli({"verify", "--json", "--trust-anchor", root(), "--certificate", intermediate, (dir / f).string()});
      BOOST_TEST(r.exitCode == 0, r.out << r.err);
      j = nlohmann::json::parse(r.out);
      BOOST_TEST(j["indication"] == "TOTAL-PASSED", r.out);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cli_languages)

BOOST_AUTO_TEST_CASE(polish_help_and_messages_come_from_the_catalog) {
  const auto pl = cli({"--help"}, {"LANGUAGE=pl", "LANG=pl_PL.UTF-8", "LC_ALL=C.UTF-8"});
  BOOST_TEST(pl.exitCode == 0);
  BOOST_TEST(pl.out.find("Podpisz") != std::string::npos, pl.out);
  const auto en = cli({"--help"}, {"LANGUAGE=en", "LC_ALL=C.UTF-8"});
  BOOST_TEST(en.out.find("Sign files") != std::string::npos, en.out);
  const auto err = cli({"verify", "/nonexistent/file.p7s"}, {"LANGUAGE=pl", "LC_ALL=C.UTF-8"});
  BOOST_TEST(err.exitCode == 4);
  BOOST_TEST(err.err.find("nie można") != std::string::npos, "Polish error: " << err.err);
}

BOOST_AUTO_TEST_SUITE_END()
