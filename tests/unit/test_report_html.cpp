// reportToHtml (issue 7): the printable verification summary.  Names and
// messages come from untrusted files, so the page must escape all of them.
#include <securedoc/app/report_html.h>
#include <securedoc/app/report_render.h>
#include <securedoc/crypto/certificate.h>

#include <boost/test/unit_test.hpp>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

using namespace securedoc;

namespace {

const std::string kScript = "<script>alert(1)</script>";
const std::string kAttr = "\"onload='x()'";

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};

void addEntry(X509_NAME* name, const char* field, const std::string& value) {
  BOOST_REQUIRE(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                           reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) == 1);
}

/// A self-made certificate whose subject and issuer carry `cn`, `id` and `issuerCn`.
Certificate makeCert(const std::string& cn, const std::string& id, const std::string& issuerCn) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  BOOST_REQUIRE(key);
  std::unique_ptr<X509, X509Free> x(X509_new());
  BOOST_REQUIRE(x);
  BOOST_REQUIRE(X509_set_version(x.get(), 2) == 1);
  BOOST_REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 0x1234) == 1);
  BOOST_REQUIRE(X509_gmtime_adj(X509_getm_notBefore(x.get()), 0));
  BOOST_REQUIRE(X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600L * 24 * 365));
  addEntry(X509_get_subject_name(x.get()), "CN", cn);
  if (!id.empty()) addEntry(X509_get_subject_name(x.get()), "serialNumber", id);
  addEntry(X509_get_issuer_name(x.get()), "CN", issuerCn);
  BOOST_REQUIRE(X509_set_pubkey(x.get(), key.get()) == 1);
  BOOST_REQUIRE(X509_sign(x.get(), key.get(), EVP_sha256()) > 0);
  return Certificate(x.get());  // takes its own reference
}

SignatureReport signature(Indication i, SubIndication s) {
  SignatureReport sig;
  sig.id = "Sig1";
  sig.format = "PAdES";
  sig.level = "B-T";
  sig.indication = i;
  sig.subIndication = s;
  return sig;
}

VerificationReport reportWith(Indication i, SubIndication s) {
  VerificationReport r;
  r.file = "/tmp/contract.pdf";
  r.format = "PAdES";
  r.signatures.push_back(signature(i, s));
  r.computeOverall();
  return r;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

void requireWellFormed(const std::string& html) {
  BOOST_TEST(html.rfind("<!DOCTYPE html>", 0) == 0u);
  BOOST_TEST(contains(html, "<meta charset=\"utf-8\">"));
  BOOST_TEST(contains(html, "</html>"));
  BOOST_TEST(contains(html, "</body>"));
  BOOST_TEST(!contains(html, "<script"));
  BOOST_TEST(!contains(html, "<SCRIPT"));
  BOOST_TEST(!contains(html, "http://"));
  BOOST_TEST(!contains(html, "https://"));
  BOOST_TEST(!contains(html, "src="));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(report_html)

BOOST_AUTO_TEST_CASE(is_a_page) {
  VerificationReport r;
  r.file = "a.pdf";
  const std::string html = reportToHtml(r);
  requireWellFormed(html);
  BOOST_TEST(contains(html, "<title>"));
  BOOST_TEST(contains(html, "a.pdf"));
  BOOST_TEST(contains(html, "<style>"));
}

BOOST_AUTO_TEST_CASE(no_signature_says_so) {
  VerificationReport r;
  r.file = "plain.pdf";
  const std::string html = reportToHtml(r);
  requireWellFormed(html);
  BOOST_TEST(contains(html, "The file holds no signature."));
  BOOST_TEST(!contains(html, "class=\"signature\""));
}

BOOST_AUTO_TEST_CASE(each_indication_has_its_banner) {
  struct Case {
    Indication i;
    SubIndication s;
    const char* cls;
    const char* words;
    const char* symbol;
    const char* code;
  };
  const Case cases[] = {
      {Indication::TotalPassed, SubIndication::None, "banner passed", "The signature is valid", "\u2714",
       "TOTAL-PASSED"},
      {Indication::TotalFailed, SubIndication::HashFailure, "banner failed", "The signature is NOT valid", "\u2718",
       "TOTAL-FAILED / HASH_FAILURE"},
      {Indication::Indeterminate, SubIndication::NoCertificateChainFound, "banner indeterminate",
       "The signature could not be fully verified", "\u26A0", "INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND"},
  };
  for (const auto& c : cases) {
    const std::string html = reportToHtml(reportWith(c.i, c.s));
    requireWellFormed(html);
    BOOST_TEST_CONTEXT(c.cls) {
      BOOST_TEST(contains(html, std::string("class=\"") + c.cls + "\""));
      BOOST_TEST(contains(html, c.words));
      BOOST_TEST(contains(html, c.symbol));
      BOOST_TEST(contains(html, c.code));
      BOOST_TEST(contains(html, describe(c.i, c.s)));
    }
  }
  // The other banners do not appear.
  const std::string passed = reportToHtml(reportWith(Indication::TotalPassed, SubIndication::None));
  BOOST_TEST(!contains(passed, "banner failed"));
  BOOST_TEST(!contains(passed, "banner indeterminate"));
}

BOOST_AUTO_TEST_CASE(several_signatures_adapt_the_headline) {
  VerificationReport r = reportWith(Indication::TotalPassed, SubIndication::None);
  r.signatures.push_back(signature(Indication::TotalPassed, SubIndication::None));
  r.signatures.back().id = "Sig2";
  r.computeOverall();
  const std::string html = reportToHtml(r);
  BOOST_TEST(contains(html, "All signatures are valid"));
  BOOST_TEST(contains(html, "Sig1"));
  BOOST_TEST(contains(html, "Sig2"));
}

BOOST_AUTO_TEST_CASE(untrusted_strings_are_escaped) {
  VerificationReport r = reportWith(Indication::TotalFailed, SubIndication::SigCryptoFailure);
  r.file = "/tmp/" + kScript + kAttr + ".pdf";
  r.format = kScript;
  auto& s = r.signatures.front();
  s.id = kScript;
  s.format = kAttr;
  s.level = "B-B & more";
  s.signer = makeCert(kScript + kAttr, "PNOPL-'1'", "Evil & Co <CA>");  // serialNumber is a PrintableString
  s.chain = {*s.signer};
  s.messages = {Note{"hostile", kScript}, Note{"hostile-arg", "{x}", {{"x", kAttr}}}};
  s.modificationLevel = ModificationLevel::Other;
  s.modifications = {Modification{ModificationLevel::Other, "field-changed", {{"field", kScript}, {"key", kAttr}}},
                     Modification{ModificationLevel::Other, kScript, {}}};
  s.signedData = {Note{"element", "{name}", {{"name", kAttr}}}};
  s.counterSignatureOf = kScript;
  s.checks = {{kScript, Check::Status::Failed, Note{"hostile", kAttr}}};
  TimestampReport t;
  t.type = kScript;
  t.detail = Note{"hostile", kAttr};
  t.tsa = makeCert(kScript, "", kScript);
  s.timestamps.push_back(t);

  const std::string html = reportToHtml(r);
  requireWellFormed(html);
  BOOST_TEST(!contains(html, kScript));
  BOOST_TEST(!contains(html, kAttr));
  BOOST_TEST(!contains(html, "\"onload"));
  BOOST_TEST(!contains(html, "'x()'"));
  BOOST_TEST(!contains(html, "Evil & Co"));
  BOOST_TEST(!contains(html, "<CA"));
  BOOST_TEST(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  BOOST_TEST(contains(html, "&quot;onload=&#39;x()&#39;"));
  BOOST_TEST(contains(html, "Evil &amp; Co"));  // the DN itself may escape "<" as "\\<"
  BOOST_TEST(contains(html, "B-B &amp; more"));
  BOOST_TEST(contains(html, "PNOPL-&#39;1&#39;"));
}

BOOST_AUTO_TEST_CASE(signer_timestamps_and_changes_are_listed) {
  VerificationReport r = reportWith(Indication::TotalFailed, SubIndication::HashFailure);
  r.validationTime = 1795000000;  // 2026-11-17T...
  auto& s = r.signatures.front();
  s.signer = makeCert("Jan Kowalski", "PNOPL-80010112345", "Demo Issuing CA");
  s.chain = {*s.signer, makeCert("Demo Issuing CA", "", "Demo Root CA")};
  s.signingTime = 1794000000;
  s.coversWholeDocument = false;
  s.modificationLevel = ModificationLevel::Annotations;
  s.modifications = {
      Modification{ModificationLevel::FormFilling, "form-field-filled", {{"field", "Name"}}},
      Modification{ModificationLevel::Annotations, "annotation-added", {{"page", "3"}, {"subtype", "FreeText"}}}};
  s.checks = {{"messageDigest", Check::Status::Failed, Note{"digest-mismatch", "digest differs"}},
              {"signatureValue", Check::Status::Passed, {}},
              {"revocation", Check::Status::NotChecked, {}}};
  s.messages = {Note{"changed-after-signing", "The document was changed after it was signed."}};
  TimestampReport t;
  t.type = "signature";
  t.time = 1794000100;
  t.indication = Indication::TotalPassed;
  t.tsa = makeCert("Demo TSA", "", "Demo Root CA");
  s.timestamps.push_back(t);

  const std::string html = reportToHtml(r);
  requireWellFormed(html);
  BOOST_TEST(contains(html, "Jan Kowalski"));
  BOOST_TEST(contains(html, "PNOPL-80010112345"));
  BOOST_TEST(contains(html, "CN=Demo Issuing CA"));
  BOOST_TEST(contains(html, isoTime(1794000000)));
  BOOST_TEST(contains(html, isoTime(1795000000)));
  BOOST_TEST(contains(html, "PAdES B-T"));
  // the time-stamp: type, time, TSA and its result
  BOOST_TEST(contains(html, "signature time-stamp"));
  BOOST_TEST(contains(html, isoTime(1794000100)));
  BOOST_TEST(contains(html, "Demo TSA"));
  BOOST_TEST(contains(html, "TOTAL-PASSED"));
  // the chain, by subject
  BOOST_TEST(contains(html, "CN=Jan Kowalski"));
  BOOST_TEST(contains(html, "<ol>"));
  // coverage and changes
  BOOST_TEST(contains(html, "Covers the whole document:"));
  BOOST_TEST(contains(html, ">no<"));
  BOOST_TEST(contains(html, "form field &quot;Name&quot; was filled in"));
  BOOST_TEST(contains(html, "an annotation (FreeText) was added to page 3"));
  // checks and messages
  BOOST_TEST(contains(html, "messageDigest"));
  BOOST_TEST(contains(html, "digest differs"));
  BOOST_TEST(contains(html, "not checked"));
  BOOST_TEST(contains(html, "The document was changed after it was signed."));
}

BOOST_AUTO_TEST_CASE(coverage_not_applicable_and_counter_signature) {
  VerificationReport r = reportWith(Indication::TotalPassed, SubIndication::None);
  SignatureReport c = signature(Indication::TotalPassed, SubIndication::None);
  c.id = "CS1";
  c.counterSignatureOf = "Sig1";
  c.format = "CAdES";
  r.signatures.push_back(c);
  r.computeOverall();
  const std::string html = reportToHtml(r);
  BOOST_TEST(contains(html, "not applicable"));
  BOOST_TEST(contains(html, "Counter-signature CS1 of Sig1 (CAdES)"));
  BOOST_TEST(contains(html, "nothing"));  // no change after signing
}

BOOST_AUTO_TEST_SUITE_END()
