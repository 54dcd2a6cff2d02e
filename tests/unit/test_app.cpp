// app/services: output naming, safe writing, the signing job, report rendering.
#include <boost/test/unit_test.hpp>

#include <atomic>

#include "app_printers.h"
#include "printers.h"
#include "test_support.h"

#include <securedoc/base/file.h>
#include <securedoc/app/report_render.h>
#include <securedoc/app/settings.h>
#include <securedoc/app/signing.h>
#include <securedoc/app/verification.h>
#include <securedoc/crypto/pkcs12_signer.h>

#include <nlohmann/json.hpp>

using namespace securedoc;
using securedoc::test::hasCategory;
using securedoc::test::pkiDir;
using securedoc::test::TempDir;
namespace fs = std::filesystem;

namespace {
struct Demo final : Interaction {
  SecretString askSecret(Secret, const std::string&) override { return SecretString(std::string_view("demo")); }
  void progress(std::size_t done, std::size_t total, const std::string&) override {
    lastDone = done;
    lastTotal = total;
  }
  std::size_t lastDone = 0;
  std::size_t lastTotal = 0;
};
}  // namespace

BOOST_AUTO_TEST_SUITE(output)

BOOST_AUTO_TEST_CASE(collisions_number_the_name_before_the_last_extension) {
  BOOST_TEST(candidateName("d/scan.tiff.p7s", 1) == fs::path("d/scan.tiff.p7s"));
  BOOST_TEST(candidateName("d/scan.tiff.p7s", 2) == fs::path("d/scan.tiff (2).p7s"));
  BOOST_TEST(candidateName("d/report-signed.pdf", 3) == fs::path("d/report-signed (3).pdf"));
}

BOOST_AUTO_TEST_CASE(an_existing_file_is_never_overwritten) {
  TempDir dir;
  test::writeFile(dir / "a.txt.p7s", "keep me");
  test::writeFile(dir / "a.txt (2).p7s", "keep me too");
  const auto used = writeNewFile(dir / "a.txt.p7s", [](const fs::path& tmp) { test::writeFile(tmp, "new"); });
  BOOST_TEST(used == dir / "a.txt (3).p7s");
  BOOST_TEST(test::readText(dir / "a.txt.p7s") == "keep me");
  BOOST_TEST(test::readText(dir / "a.txt (2).p7s") == "keep me too");
  BOOST_TEST(test::readText(used) == "new");
  BOOST_TEST(test::listDir(dir.path()).size() == 3u, "no temporary file left");
}

BOOST_AUTO_TEST_CASE(a_failed_write_leaves_no_partial_file) {
  TempDir dir;
  BOOST_CHECK_THROW(writeNewFile(dir / "out.p7s",
                                 [](const fs::path& tmp) {
                                   test::writeFile(tmp, "half");
                                   throw Error(Category::Crypto, "boom");
                                 }),
                    Error);
  BOOST_TEST(test::listDir(dir.path()).empty(), "the temporary file was removed");
}

BOOST_AUTO_TEST_CASE(a_missing_output_folder_is_an_io_error) {
  TempDir dir;
  BOOST_CHECK_EXCEPTION(writeNewFile(dir / "no" / "out.p7s", [](const fs::path&) {}), Error, hasCategory(Category::Io));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(signing_service)

BOOST_AUTO_TEST_CASE(a_batch_is_signed_with_one_signer_call_and_named_by_the_rules) {
  TempDir dir;
  test::writeFile(dir / "scan.tiff", "II*\0 not really a tiff");
  test::writeFile(dir / "notes.txt", "notes");
  test::writeFile(dir / "notes.txt.p7s", "an older signature");
  FormatRegistry reg;
  registerBuiltinFormats(reg);
  Demo ui;
  Pkcs12Signer signer(pkiDir() / "signer-rsa.p12", ui);
  SignRequest req;
  req.inputs = {dir / "scan.tiff", dir / "notes.txt"};
  const auto out = SigningService(reg).sign(req, signer, signer.certificates().at(0), ui);
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST(!out[0].error.has_value());
  BOOST_TEST(out[0].output == dir / "scan.tiff.p7s");
  BOOST_TEST(out[1].output == dir / "notes.txt (2).p7s", "the older signature is kept");
  BOOST_TEST(test::readText(dir / "notes.txt.p7s") == "an older signature");
  BOOST_TEST(ui.lastTotal == 2u, "progress counts files");
  BOOST_TEST(ui.lastDone == 2u, "and ends with every file done");
}

/// Cancels once the batch is writing: half of the files are done.
struct CancelWhileWriting final : Interaction {
  SecretString askSecret(Secret, const std::string&) override { return SecretString(std::string_view("demo")); }
  void progress(std::size_t done, std::size_t total, const std::string&) override {
    if (done >= total / 2) cancel = true;
  }
  bool cancelled() override { return cancel; }
  std::atomic<bool> cancel{false};
};

BOOST_AUTO_TEST_CASE(a_cancel_while_writing_leaves_no_file) {
  TempDir dir;
  std::vector<fs::path> inputs;
  for (int i = 0; i < 12; ++i) {
    inputs.push_back(dir / ("n" + std::to_string(i) + ".txt"));
    test::writeFile(inputs.back(), "note " + std::to_string(i));
  }
  FormatRegistry reg;
  registerBuiltinFormats(reg);
  CancelWhileWriting ui;
  Pkcs12Signer signer(pkiDir() / "signer-ec.p12", ui);
  SignRequest req;
  req.inputs = inputs;
  BOOST_CHECK_EXCEPTION(SigningService(reg).sign(req, signer, signer.certificates().at(0), ui), Error,
                        hasCategory(Category::Cancelled));
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    ++files;
    BOOST_TEST(e.path().extension() == ".txt", "only the inputs are left: " << e.path());
  }
  BOOST_TEST(files == inputs.size());
}

BOOST_AUTO_TEST_CASE(one_unreadable_input_does_not_stop_the_others) {
  TempDir dir;
  test::writeFile(dir / "ok.txt", "fine");
  FormatRegistry reg;
  registerBuiltinFormats(reg);
  Demo ui;
  Pkcs12Signer signer(pkiDir() / "signer-ec.p12", ui);
  SignRequest req;
  req.inputs = {dir / "missing.txt", dir / "ok.txt"};
  const auto out = SigningService(reg).sign(req, signer, signer.certificates().at(0), ui);
  BOOST_TEST_REQUIRE(out.size() == 2u);
  BOOST_TEST((out[0].error && out[0].error->category() == Category::Io));
  BOOST_TEST(out[0].error->file() == (dir / "missing.txt").string());
  BOOST_TEST(fs::exists(out[1].output));
}

BOOST_AUTO_TEST_CASE(the_expired_certificate_is_refused_before_anything_is_written) {
  TempDir dir;
  test::writeFile(dir / "doc.txt", "x");
  FormatRegistry reg;
  registerBuiltinFormats(reg);
  Demo ui;
  Pkcs12Signer signer(pkiDir() / "signer-expired.p12", ui);
  SignRequest req;
  req.inputs = {dir / "doc.txt"};
  BOOST_CHECK_EXCEPTION(SigningService(reg).sign(req, signer, signer.certificates().at(0), ui), Error,
                        hasCategory(Category::Policy));
  BOOST_TEST(test::listDir(dir.path()).size() == 1u);
}

// The level is checked once for a batch, in the service, for every format
// (moved here from test_cades, test_pades and test_xades, which asserted the
// same categories on each module).
BOOST_AUTO_TEST_CASE(every_level_above_b_b_needs_a_tsa_in_every_format) {
  TempDir dir;
  test::writeFile(dir / "doc.txt", "content");
  test::writeFile(dir / "umowa.xml", "<?xml version=\"1.0\"?><umowa>tak</umowa>");
  fs::copy_file(test::sourceDir() / "samples" / "documents" / "contract.pdf", dir / "contract.pdf");
  FormatRegistry reg;
  registerBuiltinFormats(reg);
  Demo ui;
  Pkcs12Signer signer(pkiDir() / "signer-rsa.p12", ui);
  const std::vector<std::pair<std::string, fs::path>> jobs{
      {"cades", dir / "doc.txt"}, {"pades", dir / "contract.pdf"}, {"xades", dir / "umowa.xml"}};
  for (const auto& [format, input] : jobs) {
    BOOST_TEST_CONTEXT(format) {
      SignRequest req;
      req.format = format;
      req.inputs = {input};
      for (SignatureLevel level : {SignatureLevel::B_T, SignatureLevel::B_LT, SignatureLevel::B_LTA}) {
        req.params.level = level;
        req.params.tsaUrl.clear();
        BOOST_CHECK_EXCEPTION(SigningService(reg).sign(req, signer, signer.certificates().at(0), ui), Error,
                              hasCategory(Category::Usage));
      }
    }
  }
  BOOST_TEST(test::listDir(dir.path()).size() == 3u, "nothing written");
}

BOOST_AUTO_TEST_CASE(bad_signer_specs_are_usage_errors) {
  Demo ui;
  BOOST_CHECK_EXCEPTION(openSigner("foo:bar", ui), Error, hasCategory(Category::Usage));
  BOOST_CHECK_EXCEPTION(openSigner("pkcs12:", ui), Error, hasCategory(Category::Usage));
  // A cloud signer needs the service's CA (no TLS without verification).
  BOOST_CHECK_EXCEPTION(openSigner("cloud:https://127.0.0.1/csc/v2", ui), Error, hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reports)

BOOST_AUTO_TEST_CASE(json_report_has_the_design_shape) {
  TempDir dir;
  test::writeFile(dir / "doc.txt", "x");
  FormatRegistry reg;
  registerBuiltinFormats(reg);
  Demo ui;
  Pkcs12Signer signer(pkiDir() / "signer-rsa.p12", ui);
  SignRequest req;
  req.inputs = {dir / "doc.txt"};
  const auto out = SigningService(reg).sign(req, signer, signer.certificates().at(0), ui);
  VerifyOptions o;
  o.trustAnchors = Certificate::loadFile(pkiDir() / "root-ca.pem");
  o.detachedContent = dir / "doc.txt";
  const auto report = VerificationService(reg).verify(out.at(0).output, o);
  const auto j = nlohmann::json::parse(reportToJson(report));
  BOOST_TEST(j["indication"] == "TOTAL-PASSED");
  BOOST_TEST(j["format"] == "CAdES");
  const auto& s = j["signatures"][0];
  for (const char* key : {"id", "format", "level", "indication", "subIndication", "signer", "signingTime",
                          "digestAlgorithm", "timestamps", "chain", "coversWholeDocument", "modificationLevel",
                          "modifications", "modifiedAfterSigning", "messages"}) {
    BOOST_TEST(s.contains(key), "signature has " << key);
  }
  BOOST_TEST(s["subIndication"].is_null());
  BOOST_TEST(s["signer"]["serial"].get<std::string>().size() > 0u);
  BOOST_TEST(s["signer"]["notBefore"].get<std::string>().back() == 'Z');
  BOOST_TEST(s["chain"].size() == 3u);
  BOOST_TEST(exitFor(report) == VerifyExit::AllPassed);
}

BOOST_AUTO_TEST_CASE(content_no_module_reads_holds_no_signature) {
  // The service, not the CLI, decides: a report without signatures (exit 3)
  // for a text, an image or an empty file; Error(Io) only when the file
  // cannot be opened.
  TempDir dir;
  test::writeFile(dir / "a.txt", "hello\n");
  test::writeFile(dir / "empty", "");
  test::writeFile(dir / "photo.jpg", "\xFF\xD8\xFF\xE0 jpeg");
  FormatRegistry reg;
  registerBuiltinFormats(reg);
  const VerificationService service(reg);
  VerifyOptions o;
  o.time = 1'800'000'000;
  for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
           {"a.txt", "text/plain"}, {"empty", "application/x-zerosize"}, {"photo.jpg", "image/jpeg"}}) {
    BOOST_TEST_CONTEXT(name) {
      const auto r = service.verify(dir / name, o);
      BOOST_TEST(r.signatures.empty());
      BOOST_TEST(r.format == type);
      BOOST_TEST(r.file == (dir / name).string());
      BOOST_TEST((r.indication == Indication::Indeterminate));
      BOOST_TEST((r.subIndication == SubIndication::SignedDataNotFound));
      BOOST_TEST((r.validationTime == std::optional<std::time_t>(1'800'000'000)));
      BOOST_TEST(exitFor(r) == VerifyExit::NoSignature);
      const auto in = service.inspect(dir / name);
      BOOST_TEST(in.signatures.empty());
      BOOST_TEST(in.format == type);
    }
  }
  BOOST_CHECK_EXCEPTION(service.verify(dir / "missing", o), Error, hasCategory(Category::Io));
  BOOST_CHECK_EXCEPTION(service.verify(dir.path(), o), Error, hasCategory(Category::Io));
}

BOOST_AUTO_TEST_CASE(exit_status_follows_the_worst_signature) {
  VerificationReport r;
  BOOST_TEST(exitFor(r) == VerifyExit::NoSignature);
  r.signatures.resize(2);
  r.signatures[0].indication = Indication::TotalPassed;
  r.signatures[1].indication = Indication::Indeterminate;
  r.computeOverall();
  BOOST_TEST(exitFor(r) == VerifyExit::Indeterminate);
  r.signatures[0].indication = Indication::TotalFailed;
  r.computeOverall();
  BOOST_TEST(exitFor(r) == VerifyExit::Failed);
}

BOOST_AUTO_TEST_SUITE_END()

// The sign dialog's visible signature (issue 16): remembered per person, and
// what a request made from it carries.
BOOST_AUTO_TEST_SUITE(visible_placement)

BOOST_AUTO_TEST_CASE(a_person_is_their_national_id_whatever_the_certificate) {
  const Certificate rsa = Certificate::loadFile(pkiDir() / "signer-rsa.pem").at(0);
  const Certificate ec = Certificate::loadFile(pkiDir() / "signer-ec.pem").at(0);
  // The national ID, not the certificate: a person's token and cloud
  // certificates share it.  The two demo signers are two people.
  BOOST_TEST(personKey(rsa) == "serialNumber=PNOPL-80010112345");
  BOOST_TEST(personKey(ec) == "serialNumber=PNOPL-85020254321");
  // Without a serialNumber the DN stands for the person.
  const Certificate root = Certificate::loadFile(pkiDir() / "root-ca.pem").at(0);
  BOOST_TEST(personKey(root) == root.subject());
}

BOOST_AUTO_TEST_CASE(a_request_with_a_placement_draws_the_box_with_reason_and_location) {
  Settings s;
  s.outputDir = "/tmp/out";
  VisiblePlacement v;
  v.box.page = 1;
  v.box.fromEnd = true;
  v.box.x = 330;
  v.box.y = 60;
  v.box.width = 230;
  v.box.height = 62;
  v.box.image = "/home/anna/podpis.png";
  v.reason = "Zatwierdzam";
  v.location = "Łódź";
  const SignRequest r = signRequestFor(s, {"a.pdf", "b.pdf"}, "auto", SignatureLevel::B_B, v);
  BOOST_TEST_REQUIRE(r.params.visible.has_value());
  BOOST_TEST((r.params.visible->fromEnd && r.params.visible->page == 1 && r.params.visible->width == 230));
  BOOST_TEST(r.params.visible->image == fs::path("/home/anna/podpis.png"));
  BOOST_TEST(r.params.reason == "Zatwierdzam");
  BOOST_TEST(r.params.location == "Łódź");
  BOOST_TEST((r.outputDir == fs::path("/tmp/out")));
  BOOST_TEST(!signRequestFor(s, {"a.pdf"}, "auto", SignatureLevel::B_B).params.visible.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
