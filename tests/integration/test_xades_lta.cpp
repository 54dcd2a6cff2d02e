// XAdES B-LTA (ETSI EN 319 132-1 §5.5.2 xades141:ArchiveTimeStamp): made by
// the real securedoc-cli against the trust services on 127.0.0.1
// (tests/support/trust_services.h), reached by `extend` from B-B and B-T,
// renewed by extending B-LTA again, and verified in-process: the archive
// time-stamp's imprint is recomputed over what §5.5.2.2 archives, so a
// change to anything before it fails it, and a property added after it
// does not.  xmlsec1 still accepts the files.
#include "trust_services.h"

#include <boost/test/unit_test.hpp>

using namespace securedoc;
using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

using securedoc::test::NoProxyForLoopback;
BOOST_TEST_GLOBAL_FIXTURE(NoProxyForLoopback);

std::vector<const TimestampReport*> archives(const SignatureReport& s) { return timestampsOf(s, "archive"); }

/// Every archive time-stamp of `s` is TOTAL-PASSED, and there are `count`.
void requireArchivesPassed(const SignatureReport& s, std::size_t count) {
  const auto a = archives(s);
  BOOST_TEST(a.size() == count);
  for (const TimestampReport* t : a) BOOST_TEST((t->indication == Indication::TotalPassed), t->detail);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

struct LtaServices : TrustServices {
  LtaServices() { signer("lta", url("/ocsp"), url("/crl")); }

  void xmlsec1Accepts(const fs::path& file) {
    requireTool("xmlsec1", "the Debian package xmlsec1");
    const auto x = run({"xmlsec1", "--verify", "--trusted-pem", (dir / "root.pem").string(), "--untrusted-pem",
                        (dir / "ca" / "issuing-ca.pem").string(), file.string()});
    BOOST_TEST(x.exitCode == 0, file << ": " << x.out << x.err);
  }

  RunResult extend(const std::string& level, const fs::path& file) {
    return run({cliPath().string(), "extend", "--level", level, "--tsa", url("/tsa"), "--tsa-trust-anchor",
                (dir / "root.pem").string(), file.string()});
  }

  /// `text` with `insert` put right after the first `after`.
  static std::string insertedAfter(std::string text, const std::string& after, const std::string& insert) {
    const auto at = text.find(after);
    BOOST_TEST_REQUIRE(at != std::string::npos, after);
    text.insert(at + after.size(), insert);
    return text;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(xades_lta, LtaServices)

BOOST_AUTO_TEST_CASE(b_lta_enveloped_enveloping_and_detached_verify) {
  const fs::path content = dir / "notes.txt";
  fs::copy_file(sampleDocument("notes.txt"), content);
  struct Case {
    const char* mode;
    fs::path input;
  };
  for (const Case& c :
       {Case{"enveloped", sampleDocument("invoice.xml")}, Case{"enveloping", content}, Case{"detached", content}}) {
    BOOST_TEST_CONTEXT(c.mode) {
      const fs::path sig = signFile("lta", "B-LTA", c.input, "xades", {"--mode", c.mode});
      VerifyOptions o = online();
      if (std::string(c.mode) == "detached") o.detachedContent = content;
      const VerificationReport r = verifyFile(sig, o);
      const SignatureReport& s = onlySignature(r);
      BOOST_TEST(s.indication == Indication::TotalPassed);
      BOOST_TEST(s.level == "B-LTA");
      requireArchivesPassed(s, 1);
      const std::string text = readText(sig);
      BOOST_TEST(text.find("http://uri.etsi.org/01903/v1.4.1#") != std::string::npos);
      BOOST_TEST(text.find("ArchiveTimeStamp") > text.find("RevocationValues"));
      if (std::string(c.mode) != "detached") xmlsec1Accepts(sig);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_change_before_the_archive_time_stamp_fails_it_one_after_it_does_not) {
  const fs::path sig = signFile("lta", "B-LTA", sampleDocument("invoice.xml"));
  const std::string text = readText(sig);
  // Line breaks inside a certificate's base64: the same certificate to the
  // verifier, other octets to the canonical CertificateValues.
  const fs::path changed = dir / "changed.xml";
  writeFile(changed, insertedAfter(text, "EncapsulatedX509Certificate>", "\n"));
  {
    const VerificationReport r = verifyFile(changed, online());
    const SignatureReport& s = onlySignature(r);
    const auto a = archives(s);
    BOOST_TEST_REQUIRE(a.size() == 1u);
    BOOST_TEST(a[0]->indication == Indication::TotalFailed);
    BOOST_TEST(s.level == "B-LT");
    BOOST_TEST(hasMessage(s, "archive-timestamp-not-valid"));
  }
  // A property after the archive time-stamp is not covered by it.
  const fs::path added = dir / "added.xml";
  writeFile(added, insertedAfter(text, "</xades141:ArchiveTimeStamp>", "<xades:CertificateValues/>"));
  {
    const VerificationReport r = verifyFile(added, online());
    const SignatureReport& s = onlySignature(r);
    BOOST_TEST(s.indication == Indication::TotalPassed);
    BOOST_TEST(s.level == "B-LTA");
    requireArchivesPassed(s, 1);
  }
}

BOOST_AUTO_TEST_CASE(extend_raises_b_b_and_b_t_to_b_lta_and_renews_it) {
  for (const std::string from : {"B-B", "B-T"}) {
    BOOST_TEST_CONTEXT(from) {
      const fs::path sig = signFile("lta", from, sampleDocument("invoice.xml"));
      const auto e = extend("B-LTA", sig);
      BOOST_TEST_REQUIRE(e.exitCode == 0, e.out << e.err);
      {
        const VerificationReport r = verifyFile(sig, online());
        const SignatureReport& s = onlySignature(r);
        BOOST_TEST(s.indication == Indication::TotalPassed);
        BOOST_TEST(s.level == "B-LTA");
        BOOST_TEST(s.proofOfExistence.has_value());
        requireArchivesPassed(s, 1);
      }
      xmlsec1Accepts(sig);
      // Renewal: the first archive time-stamp's validation data, then a new one over it.
      const auto again = extend("B-LTA", sig);
      BOOST_TEST_REQUIRE(again.exitCode == 0, again.out << again.err);
      const std::string text = readText(sig);
      BOOST_TEST(occurrences(text, "<xades141:ArchiveTimeStamp") == 2u);
      BOOST_TEST(occurrences(text, "<xades141:TimeStampValidationData") == 1u);
      BOOST_TEST(text.find("TimeStampValidationData") < text.rfind("<xades141:ArchiveTimeStamp"));
      const VerificationReport r = verifyFile(sig, online());
      const SignatureReport& s = onlySignature(r);
      BOOST_TEST(s.indication == Indication::TotalPassed);
      BOOST_TEST(s.level == "B-LTA");
      requireArchivesPassed(s, 2);
      xmlsec1Accepts(sig);
    }
  }
}

BOOST_AUTO_TEST_CASE(extend_to_b_lt_then_b_lta_of_a_detached_signature_beside_its_content) {
  const fs::path sig = signFile("lta", "B-T", sampleDocument("notes.txt"), "xades", {"--mode", "detached"});
  fs::copy_file(sampleDocument("notes.txt"), sig.parent_path() / "notes.txt");
  auto e = extend("B-LT", sig);
  BOOST_TEST_REQUIRE(e.exitCode == 0, e.out << e.err);
  BOOST_TEST(onlySignature(verifyFile(sig, online())).level == "B-LT");
  e = extend("B-LTA", sig);
  BOOST_TEST_REQUIRE(e.exitCode == 0, e.out << e.err);
  const VerificationReport r = verifyFile(sig, online());
  const SignatureReport& s = onlySignature(r);
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.level == "B-LTA");
  requireArchivesPassed(s, 1);
}

BOOST_AUTO_TEST_CASE(extend_refuses_missing_content_and_unsigned_xml) {
  // Detached content not beside the signature: the archive time-stamp cannot cover it.
  const fs::path sig = signFile("lta", "B-B", sampleDocument("notes.txt"), "xades", {"--mode", "detached"});
  const std::string before = readText(sig);
  auto e = extend("B-LTA", sig);
  BOOST_TEST(e.exitCode != 0);
  BOOST_TEST(e.err.find(sig.filename().string()) != std::string::npos, e.err);
  BOOST_TEST((readText(sig) == before), "the signature is untouched");
  const fs::path plain = dir / "plain.xml";
  writeFile(plain, "<a>no signature</a>\n");
  e = extend("B-LTA", plain);
  BOOST_TEST(e.exitCode != 0);
  BOOST_TEST((readText(plain) == "<a>no signature</a>\n"));
}

BOOST_AUTO_TEST_CASE(a_second_signature_leaves_the_first_ones_archive_time_stamp_intact) {
  // The new signature goes into the ds:Object holding the first one's
  // QualifyingProperties, which EN 319 132-1 §5.5.2.2 does not archive;
  // extend then raises the second and leaves the first, which the second
  // covers, as it is.
  const fs::path first = signFile("lta", "B-LTA", sampleDocument("invoice.xml"));
  const fs::path second = signFile("lta", "B-T", first);
  auto e = extend("B-LTA", second);
  BOOST_TEST_REQUIRE(e.exitCode == 0, e.out << e.err);
  const VerificationReport r = verifyFile(second, online());
  BOOST_TEST_REQUIRE(r.signatures.size() == 2u);
  for (const SignatureReport& s : r.signatures) {
    BOOST_TEST_MESSAGE(s.id << ": " << indicationCode(s.indication) << "/" << subIndicationCode(s.subIndication) << " "
                            << s.level);
    for (const auto& c : s.checks)
      BOOST_TEST_MESSAGE("  " << c.id << " " << checkStatusCode(c.status) << " " << c.detail);
    for (const auto& t : s.timestamps)
      BOOST_TEST_MESSAGE("  time-stamp " << t.type << " " << indicationCode(t.indication) << " " << t.detail);
    BOOST_TEST(s.indication == Indication::TotalPassed, s.id);
    BOOST_TEST(s.level == "B-LTA", s.id);
    for (const TimestampReport* t : archives(s)) BOOST_TEST((t->indication == Indication::TotalPassed), s.id);
  }
  xmlsec1Accepts(second);
}

BOOST_AUTO_TEST_CASE(the_archive_time_stamps_another_tool_made_match_what_we_compute) {
  // EU DSS's B-LTA (exclusive c14n, enveloping) and two parallel B-LTA
  // signatures: each archive time-stamp's imprint matches our §5.5.2.2
  // input; only their TSAs are not trusted here.
  for (const char* name : {"xades-lta-valid.xml", "doubleSignedTest.xml"}) {
    const fs::path file = corpusDir() / "xades" / "dss" / name;
    if (!fs::exists(file)) {
      BOOST_TEST_MESSAGE("skipped: no corpus at " << file);
      continue;
    }
    VerifyOptions o;
    o.offline = true;
    const VerificationReport r = verifyFile(file, o);
    BOOST_TEST_REQUIRE(!r.signatures.empty());
    for (const SignatureReport& s : r.signatures) {
      const auto a = archives(s);
      BOOST_TEST_REQUIRE(a.size() == 1u, name);
      BOOST_TEST(a[0]->indication != Indication::TotalFailed, name << " " << a[0]->detail);
      bool imprint = false;
      for (const Check& c : a[0]->checks) imprint = imprint || (c.id == "imprint" && c.status == Check::Status::Passed);
      BOOST_TEST(imprint, name);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
