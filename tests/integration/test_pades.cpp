// formats/pades through the signing service and the CLI: levels, options,
// certification, time-stamps from a real RFC 3161 service on 127.0.0.1, and
// bad inputs.
#include <boost/test/unit_test.hpp>

#include "printers.h"
#include "test_support.h"

#include <securedoc/app/report_render.h>
#include <securedoc/app/signing.h>
#include <securedoc/app/verification.h>
#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/pkcs12_signer.h>
#include <securedoc/formats/pades.h>
#include <securedoc/i18n.h>

#include <nlohmann/json.hpp>
#include <openssl/cms.h>

#include <memory>

using namespace securedoc;
using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

struct Demo final : Interaction {
  SecretString askSecret(Secret, const std::string&) override {
    return SecretString(readText(pkiDir() / "password.txt"));
  }
};

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

struct Pades {
  TempDir dir;
  fs::path pki = pkiDir();
  fs::path contract = dir / "contract.pdf";
  FormatRegistry registry;
  Demo ui;

  Pades() {
    fs::copy_file(sourceDir() / "samples" / "documents" / "contract.pdf", contract);
    registerBuiltinFormats(registry);
  }

  /// Signs `input` in process; returns the output path.
  fs::path sign(const fs::path& input, const std::string& p12, SignParams params = {}) {
    Pkcs12Signer signer(pki / p12, ui);
    SignRequest req;
    req.inputs = {input};
    req.params = std::move(params);
    const auto out = SigningService(registry).sign(req, signer, signer.certificates().at(0), ui);
    BOOST_TEST_REQUIRE(!out.at(0).error.has_value(), (out.at(0).error ? out.at(0).error->what() : ""));
    return out.at(0).output;
  }

  VerificationReport verify(const fs::path& file) {
    VerifyOptions o;
    o.trustAnchors = Certificate::loadFile(pki / "root-ca.pem");
    return VerificationService(registry).verify(file, o);
  }

  std::vector<std::string> signArgs(const std::string& p12) const {
    return {"sign", "--signer", "pkcs12:" + (pki / p12).string(), "--password-file", (pki / "password.txt").string()};
  }
};

/// The demo TSA on 127.0.0.1 for as long as the fixture lives.
struct WithTsa : Pades {
  cloud::TsaResponder responder{pkiDir() / "tsa.pem", pkiDir() / "tsa.key", {pkiDir() / "issuing-ca.pem"}};
  cloud::TsaHttpServer server{responder};
  std::string url;
  WithTsa() {
    server.start(0);
    url = server.url();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pades_signing, Pades)

BOOST_AUTO_TEST_CASE(a_pdf_gets_pades_by_default_named_report_signed_pdf) {
  const fs::path out = sign(contract, "signer-rsa.p12");
  BOOST_TEST(out == dir / "contract-signed.pdf");
  const auto r = verify(out);
  BOOST_TEST_REQUIRE(r.signatures.size() == 1u);
  BOOST_TEST(r.format == "PAdES");
  BOOST_TEST(r.indication == Indication::TotalPassed, describe(r.indication, r.subIndication));
  BOOST_TEST(r.signatures[0].level == "B-B");
  BOOST_TEST((r.signatures[0].coversWholeDocument && *r.signatures[0].coversWholeDocument), "covers the whole file");
  BOOST_TEST(readText(contract) == readText(sourceDir() / "samples" / "documents" / "contract.pdf"), "input untouched");
}

BOOST_AUTO_TEST_CASE(ecdsa_and_sha512_signatures_verify) {
  SignParams p;
  p.digest = DigestAlgorithm::Sha512;
  const auto r = verify(sign(contract, "signer-ec.p12", p));
  BOOST_TEST(r.indication == Indication::TotalPassed);
  BOOST_TEST(r.signatures.at(0).digestAlgorithm == "SHA-512");
}

BOOST_AUTO_TEST_CASE(three_signatures_all_pass_and_earlier_ones_list_only_allowed_changes) {
  const fs::path one = sign(contract, "signer-rsa.p12");
  const fs::path two = sign(one, "signer-ec.p12");
  const fs::path three = sign(two, "signer-rsa.p12");
  BOOST_TEST(three == dir / "contract-signed-signed-signed.pdf");
  const auto r = verify(three);
  BOOST_TEST_REQUIRE(r.signatures.size() == 3u);
  BOOST_TEST(r.indication == Indication::TotalPassed);
  BOOST_TEST(r.signatures[0].id == "Signature1");
  BOOST_TEST(r.signatures[2].id == "Signature3");
  BOOST_TEST(!*r.signatures[0].coversWholeDocument);
  BOOST_TEST(*r.signatures[2].coversWholeDocument);
  // The later signatures are the only change: form filling, which an
  // approval signature allows.
  BOOST_TEST((r.signatures[0].modificationLevel == ModificationLevel::FormFilling));
  std::string codes;
  for (const auto& m : r.signatures[0].modifications) codes += m.code + " ";
  BOOST_TEST_REQUIRE(r.signatures[0].modifications.size() == 2u, codes);
  for (const auto& m : r.signatures[0].modifications) BOOST_TEST(m.code == "signature-field-added", m.code);
  BOOST_TEST(r.signatures[0].modifications[0].arg("field") == "Signature2");
  BOOST_TEST(r.signatures[0].modifications[1].arg("field") == "Signature3");
  BOOST_TEST((r.signatures[2].modificationLevel == ModificationLevel::None));
}

BOOST_AUTO_TEST_CASE(a_batch_prepared_and_written_on_several_threads_gives_each_file_its_own_valid_signature) {
  // Twenty PDFs, signed twice (so the second batch has different bytes each),
  // enough for every core and for one file-system flush per batch.
  std::vector<fs::path> inputs;
  for (int i = 0; i < 20; ++i) {
    const fs::path in = dir / ("doc" + std::to_string(i) + ".pdf");
    fs::copy_file(contract, in);
    inputs.push_back(in);
  }
  Pkcs12Signer signer(pki / "signer-ec.p12", ui);
  SignRequest req;
  req.inputs = inputs;
  const auto first = SigningService(registry).sign(req, signer, signer.certificates().at(0), ui);
  std::vector<fs::path> again;
  for (const auto& o : first) {
    BOOST_TEST_REQUIRE(!o.error.has_value());
    again.push_back(o.output);
  }
  req.inputs = again;
  const auto second = SigningService(registry).sign(req, signer, signer.certificates().at(0), ui);
  BOOST_TEST_REQUIRE(second.size() == 20u);
  for (std::size_t i = 0; i < second.size(); ++i) {
    BOOST_TEST_CONTEXT(second[i].output) {
      BOOST_TEST_REQUIRE(!second[i].error.has_value());
      BOOST_TEST(second[i].input == again[i], "outcomes stay in input order");
      const auto r = verify(second[i].output);
      BOOST_TEST(r.indication == Indication::TotalPassed, describe(r.indication, r.subIndication));
      BOOST_TEST(r.signatures.size() == 2u);
    }
  }
}

BOOST_AUTO_TEST_CASE(reason_location_and_contact_are_written_and_shown) {
  SignParams p;
  p.reason = "Zatwierdzam umowę";
  p.location = "Kraków";
  p.contactInfo = "jan.kowalski@example.pl";
  const fs::path out = sign(contract, "signer-rsa.p12", p);
  const auto in = VerificationService(registry).inspect(out);
  BOOST_TEST_REQUIRE(in.signatures.size() == 1u);
  const auto& attrs = in.signatures[0].signedAttributes;
  for (const std::string want :
       {"Reason: Zatwierdzam umowę", "Location: Kraków", "ContactInfo: jan.kowalski@example.pl"}) {
    BOOST_TEST((std::find(attrs.begin(), attrs.end(), want) != attrs.end()), "inspect shows " << want);
  }
  BOOST_TEST(verify(out).indication == Indication::TotalPassed);
}

BOOST_AUTO_TEST_CASE(a_certification_with_no_changes_refuses_a_second_signature) {
  SignParams p;
  p.certifyPermission = 1;
  const fs::path certified = sign(contract, "signer-rsa.p12", p);
  BOOST_TEST(verify(certified).indication == Indication::TotalPassed);
  Pkcs12Signer signer(pki / "signer-ec.p12", ui);
  SignRequest req;
  req.inputs = {certified};
  const auto out = SigningService(registry).sign(req, signer, signer.certificates().at(0), ui);
  BOOST_TEST_REQUIRE(out.at(0).error.has_value());
  BOOST_TEST(out.at(0).error->category() == Category::Policy);
  BOOST_TEST(!fs::exists(dir / "contract-signed-signed.pdf"), "no output");
}

BOOST_AUTO_TEST_CASE(a_certification_allowing_form_filling_accepts_a_later_signature) {
  SignParams p;
  p.certifyPermission = 2;
  const auto r = verify(sign(sign(contract, "signer-rsa.p12", p), "signer-ec.p12"));
  BOOST_TEST(r.indication == Indication::TotalPassed, describe(r.indication, r.subIndication));
}

BOOST_AUTO_TEST_CASE(certification_must_come_first) {
  const fs::path once = sign(contract, "signer-rsa.p12");
  Pkcs12Signer signer(pki / "signer-ec.p12", ui);
  SignRequest req;
  req.inputs = {once};
  req.params.certifyPermission = 2;
  // A usage error stops the whole batch.
  BOOST_CHECK_EXCEPTION(SigningService(registry).sign(req, signer, signer.certificates().at(0), ui), Error,
                        hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_CASE(a_visible_signature_shows_the_signer_and_time_on_the_chosen_page) {
  SignParams p;
  p.visible = SignParams::Visible{2, 330, 60, 230, 62, false, {}};
  // A fixed time inside the demo certificate's validity, to look for on the page.
  p.signingTime = Certificate::loadFile(pki / "signer-ec.pem").at(0).notBefore() + 3600;
  // The process's zone and language (test_base pins the words down).
  const std::string shown = readableTimeWithOffset(*p.signingTime);
  const fs::path out = sign(contract, "signer-ec.p12", p);
  const VerificationReport report = verify(out);
  BOOST_TEST(report.indication == Indication::TotalPassed);
  // The report says where the signature shows (the window draws it there).
  BOOST_TEST_REQUIRE(report.signatures.at(0).appearance.has_value());
  const SignatureAppearance& a = *report.signatures[0].appearance;
  BOOST_TEST((a.page == 2 && a.x == 330 && a.y == 60 && a.width == 230 && a.height == 62));
  BOOST_TEST(!verify(sign(contract, "signer-ec.p12")).signatures.at(0).appearance.has_value(), "invisible: none");
  const auto text = run({"pdftotext", "-f", "2", "-l", "2", "-layout", out.string(), "-"});
  BOOST_TEST(text.out.find("Anna Nowak") != std::string::npos, "the signer's name is drawn on page 2: " << text.out);
  BOOST_TEST(text.out.find(shown) != std::string::npos, "and the signing time " << shown);
  const auto fonts = run({"pdffonts", out.string()});
  BOOST_TEST(fonts.out.find("DejaVuSans") != std::string::npos, "an embedded Unicode font: " << fonts.out);
  p.visible = SignParams::Visible{9, 0, 0, 200, 50, false, {}};
  Pkcs12Signer signer(pki / "signer-ec.p12", ui);
  SignRequest req;
  req.inputs = {contract};
  req.params = p;
  BOOST_CHECK_EXCEPTION(SigningService(registry).sign(req, signer, signer.certificates().at(0), ui), Error,
                        hasCategory(Category::Usage));
  // Counted from the end: 2 from the end of the two-page contract is page 1;
  // 3 from the end is no page.
  p.visible = SignParams::Visible{2, 330, 60, 230, 62, true, {}};
  const fs::path first = sign(contract, "signer-ec.p12", p);
  const auto page1 = run({"pdftotext", "-f", "1", "-l", "1", "-layout", first.string(), "-"});
  BOOST_TEST(page1.out.find("Anna Nowak") != std::string::npos, "drawn on page 1: " << page1.out);
  req.params.visible = SignParams::Visible{3, 330, 60, 230, 62, true, {}};
  BOOST_CHECK_EXCEPTION(SigningService(registry).sign(req, signer, signer.certificates().at(0), ui), Error,
                        hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_CASE(inspect_lists_each_revision_and_what_it_changed) {
  const fs::path two = sign(sign(contract, "signer-rsa.p12"), "signer-ec.p12");
  const auto in = VerificationService(registry).inspect(two);
  BOOST_TEST_REQUIRE(in.revisions.size() == 3u);
  BOOST_TEST(in.revisions[1].signedBy == std::vector<std::string>{"Signature1"});
  BOOST_TEST(in.revisions[2].signedBy == std::vector<std::string>{"Signature2"});
  BOOST_TEST_REQUIRE(!in.revisions[2].changes.empty(), "the second signature's revision says it added a field");
  BOOST_TEST(in.revisions[2].changes[0].code == "signature-field-added");
  BOOST_TEST((in.revisions[2].level == ModificationLevel::FormFilling));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(pades_timestamps, WithTsa)

BOOST_AUTO_TEST_CASE(b_t_signatures_carry_a_verified_time_stamp_for_rsa_and_ecdsa) {
  for (const char* p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(p12) {
      SignParams p;
      p.level = SignatureLevel::B_T;
      p.tsaUrl = url;
      p.tsaTrustAnchors = Certificate::loadFile(pki / "root-ca.pem");
      const fs::path out = sign(contract, p12, p);
      const auto r = verify(out);
      BOOST_TEST_REQUIRE(r.signatures.size() == 1u);
      BOOST_TEST(r.indication == Indication::TotalPassed, describe(r.indication, r.subIndication));
      BOOST_TEST(r.signatures[0].level == "B-T");
      BOOST_TEST_REQUIRE(r.signatures[0].timestamps.size() == 1u);
      const auto& t = r.signatures[0].timestamps[0];
      BOOST_TEST(t.indication == Indication::TotalPassed, t.detail);
      BOOST_TEST((t.time && std::llabs(static_cast<long long>(*t.time - std::time(nullptr))) < 120),
                 "time-stamp is recent");
      const auto pdfsig = run({"pdfsig", out.string()});
      BOOST_TEST(pdfsig.out.find("Signature is Valid") != std::string::npos, pdfsig.out << pdfsig.err);
      BOOST_TEST(pdfsig.out.find("Total document signed") != std::string::npos, pdfsig.out);
      fs::remove(out);
    }
  }
}

// ETSI EN 319 142-1 §5.3: B-T needs a signature time-stamp, and one that
// failed proves nothing, so it does not make the level.  A
// bit of the token's TSA signature turned over inside /Contents: the
// token is an unsigned attribute, so the PDF signature itself stays intact.
BOOST_AUTO_TEST_CASE(a_b_t_signature_whose_time_stamp_fails_is_only_b_b) {
  SignParams p;
  p.level = SignatureLevel::B_T;
  p.tsaUrl = url;
  p.tsaTrustAnchors = Certificate::loadFile(pki / "root-ca.pem");
  const fs::path out = sign(contract, "signer-rsa.p12", p);
  std::string pdf = readText(out);
  const std::size_t open = pdf.rfind("/Contents<");
  BOOST_TEST_REQUIRE(open != std::string::npos);
  const std::size_t hexFrom = open + 10;
  const std::size_t hexTo = pdf.find('>', hexFrom);
  std::string der;
  for (std::size_t i = hexFrom; i + 1 < hexTo; i += 2)
    der.push_back(static_cast<char>(std::stoi(pdf.substr(i, 2), nullptr, 16)));
  using CmsPtr = std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)>;
  const auto* d = reinterpret_cast<const unsigned char*>(der.data());
  const CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &d, static_cast<long>(der.size())), CMS_ContentInfo_free);
  BOOST_TEST_REQUIRE(cms != nullptr);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
  const int idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
  BOOST_TEST_REQUIRE(idx >= 0, "a B-T signature carries a signature-time-stamp attribute");
  const ASN1_TYPE* tokenValue = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, idx), 0);
  BOOST_TEST_REQUIRE((tokenValue && tokenValue->type == V_ASN1_SEQUENCE));
  const auto* t = tokenValue->value.sequence->data;
  const CmsPtr token(d2i_CMS_ContentInfo(nullptr, &t, tokenValue->value.sequence->length), CMS_ContentInfo_free);
  BOOST_TEST_REQUIRE(token != nullptr);
  const ASN1_OCTET_STRING* tsaValue =
      CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(token.get()), 0));
  const std::string valueBytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(tsaValue)),
                               static_cast<std::size_t>(ASN1_STRING_length(tsaValue)));
  const std::size_t at = der.find(valueBytes);
  BOOST_TEST_REQUIRE(at != std::string::npos, "the TSA's signature is in the DER");
  const std::size_t digit = hexFrom + 2 * (at + valueBytes.size() / 2);
  pdf[digit] = pdf[digit] == '0' ? '1' : '0';
  const fs::path broken = dir / "b-t-broken-timestamp.pdf";
  writeFile(broken, pdf);
  const auto r = verify(broken);
  BOOST_TEST_REQUIRE(r.signatures.size() == 1u);
  const auto& s = r.signatures[0];
  BOOST_TEST(s.level == "B-B", "a failed time-stamp does not make B-T");
  BOOST_TEST_REQUIRE(s.timestamps.size() == 1u);
  BOOST_TEST((s.timestamps[0].indication == Indication::TotalFailed), s.timestamps[0].detail);
  BOOST_TEST((integrityOf(s) == Check::Status::Passed), "the PDF signature itself is intact");
}

BOOST_AUTO_TEST_CASE(cades_b_t_works_through_the_cli) {
  writeFile(dir / "notes.txt", "notes");
  auto args = signArgs("signer-ec.p12");
  for (const std::string a : {"--level", "B-T", "--tsa", url.c_str()}) args.push_back(a);
  args.push_back((dir / "notes.txt").string());
  const auto r = cli(args);
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  const auto v =
      cli({"verify", "--json", "--trust-anchor", (pki / "root-ca.pem").string(), (dir / "notes.txt.p7s").string()});
  BOOST_TEST(v.exitCode == 0, v.out);
  const auto j = nlohmann::json::parse(v.out);
  BOOST_TEST(j["signatures"][0]["level"] == "B-T");
  BOOST_TEST(j["signatures"][0]["timestamps"][0]["indication"] == "TOTAL-PASSED");
  // openssl agrees: the CMS still verifies with the unsigned attribute in it.
  const auto o =
      run({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", (dir / "notes.txt.p7s").string(),
           "-content", (dir / "notes.txt").string(), "-CAfile", (pki / "root-ca.pem").string(), "-out", "/dev/null"});
  BOOST_TEST(o.exitCode == 0, o.err);
}

BOOST_AUTO_TEST_CASE(an_unreachable_time_stamp_service_leaves_no_output) {
  SignParams p;
  p.level = SignatureLevel::B_T;
  p.tsaUrl = "http://127.0.0.1:9/tsa";  // discard port: nothing listens
  Pkcs12Signer signer(pki / "signer-rsa.p12", ui);
  SignRequest req;
  req.inputs = {contract};
  req.params = p;
  const auto out = SigningService(registry).sign(req, signer, signer.certificates().at(0), ui);
  BOOST_TEST_REQUIRE(out.at(0).error.has_value());
  BOOST_TEST(out.at(0).error->category() == Category::Network);
  BOOST_TEST(listDir(dir.path()) == std::vector<std::string>{"contract.pdf"}, "no output, no scratch file");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(pades_bad_input, Pades)

BOOST_AUTO_TEST_CASE(damaged_encrypted_and_non_pdf_inputs_exit_4_with_one_line_and_no_output) {
  const std::string pdf = readText(contract);
  writeFile(dir / "empty.pdf", "");
  writeFile(dir / "truncated.pdf", pdf.substr(0, pdf.size() / 2));
  writeFile(dir / "garbage.pdf", "%PDF-1.7\n" + std::string(5000, 'x'));
  writeFile(dir / "notapdf.pdf", "hello, this is plain text\n");
  // Found by fuzz_pades: an "obj" without an object number before /ByteRange
  // once made the signature scan loop forever.
  writeFile(dir / "noheader.pdf", "%PDF-1.7\nfoo obj x obj << /ByteRange [0 10 20 30] /Contents <00> >>\n%%EOF\n");
  const auto enc =
      run({"qpdf", "--encrypt", "", "owner", "256", "--", contract.string(), (dir / "encrypted.pdf").string()});
  BOOST_TEST_REQUIRE(enc.exitCode == 0, enc.err);
  for (const char* f : {"empty.pdf", "truncated.pdf", "garbage.pdf", "encrypted.pdf", "notapdf.pdf", "noheader.pdf"}) {
    BOOST_TEST_CONTEXT(f) {
      auto args = signArgs("signer-rsa.p12");
      args.push_back("--format");
      args.push_back("pades");
      args.push_back((dir / f).string());
      const auto before = listDir(dir.path());
      const auto r = cli(args);
      BOOST_TEST(r.exitCode == 4, r.err);
      BOOST_TEST(lines(r.err) == 1, r.err);
      BOOST_TEST(r.err.find(f) != std::string::npos, "names the file: " << r.err);
      BOOST_TEST(listDir(dir.path()) == before, "no output or scratch file left");
      const auto v = cli({"verify", (dir / f).string()});
      BOOST_TEST((v.exitCode == 4 || v.exitCode == 3), "verify: " << v.exitCode << " " << v.err);
    }
  }
}

BOOST_AUTO_TEST_CASE(an_unsigned_pdf_holds_no_signature) {
  const auto r = cli({"verify", contract.string()});
  BOOST_TEST(r.exitCode == 3, r.out << r.err);
}

BOOST_AUTO_TEST_SUITE_END()
