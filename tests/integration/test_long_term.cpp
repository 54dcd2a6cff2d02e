// Long-term signatures (issue 17): B-LT CAdES and XAdES made through the real
// securedoc-cli against trust services on 127.0.0.1 (tests/support/
// trust_services.h: the reference service's CA with OCSP and CRL, its TSA),
// then verified with the services stopped and offline: the signature carries
// what proves its certificates were not revoked (ETSI EN 319 122-1 §5.5,
// EN 319 132-1 §5.5).  Independent tools still accept the files.
#include "trust_services.h"

#include <boost/test/unit_test.hpp>

using namespace securedoc;
using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

using securedoc::test::NoProxyForLoopback;
BOOST_TEST_GLOBAL_FIXTURE(NoProxyForLoopback);

}  // namespace

BOOST_FIXTURE_TEST_SUITE(long_term, TrustServices)

BOOST_AUTO_TEST_CASE(cades_b_lt_verifies_offline_with_the_services_stopped) {
  signer("cades", url("/ocsp"), url("/crl"));
  const fs::path doc = dir / "umowa.bin";
  writeFile(doc, std::string("binary \x01\x02 content", 17));
  const fs::path sig = signFile("cades", "B-LT", doc, "cades");
  VerifyOptions o = online();
  o.detachedContent = doc;
  {
    const VerificationReport r = verifyFile(sig, o);
    const SignatureReport& s = onlySignature(r);
    BOOST_TEST(s.indication == Indication::TotalPassed);
    BOOST_TEST(s.level == "B-LT");
  }
  stop();
  VerifyOptions offline = online(std::make_shared<RevocationChecker>(RevocationOptions{true, {}}));
  offline.detachedContent = doc;
  const VerificationReport r = verifyFile(sig, offline);
  const SignatureReport& s = onlySignature(r);
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.level == "B-LT");
  BOOST_TEST_REQUIRE(!s.revocation.empty());
  BOOST_TEST(s.revocation[0].status == "good");
  BOOST_TEST(s.revocation[0].origin == "embedded");
  // openssl cms still accepts it (the unsigned attributes change nothing signed).
  const auto c = run({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig.string(), "-content",
                      doc.string(), "-CAfile", (dir / "root.pem").string(), "-purpose", "any", "-out", "/dev/null"});
  BOOST_TEST(c.exitCode == 0, c.out << c.err);
  // Its attributes, as openssl reads them: certificate-values and revocation-values.
  const auto p = run({"openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", sig.string()});
  BOOST_TEST(p.out.find("id-smime-aa-ets-revocationValues") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(xades_b_lt_verifies_offline_and_xmlsec1_accepts_it) {
  signer("xades", url("/ocsp"), url("/crl"));
  const fs::path sig = signFile("xades", "B-LT", sampleDocument("invoice.xml"));
  {
    const SignatureReport s = onlySignature(verifyFile(sig, online()));
    BOOST_TEST(s.indication == Indication::TotalPassed);
    BOOST_TEST(s.level == "B-LT");
  }
  stop();
  const VerificationReport r =
      verifyFile(sig, online(std::make_shared<RevocationChecker>(RevocationOptions{true, {}})));
  const SignatureReport& s = onlySignature(r);
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.revocation.at(0).origin == "embedded");
  requireTool("xmlsec1", "the Debian package xmlsec1");
  const auto x = run({"xmlsec1", "--verify", "--trusted-pem", (dir / "root.pem").string(), "--untrusted-pem",
                      (dir / "ca" / "issuing-ca.pem").string(), sig.string()});
  BOOST_TEST(x.exitCode == 0, x.out << x.err);
  const std::string text = readText(sig);
  BOOST_TEST(text.find("CertificateValues>") != std::string::npos);
  BOOST_TEST(text.find("EncapsulatedOCSPValue>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(b_lt_is_refused_when_revocation_data_cannot_be_had) {
  const std::string dead = "http://127.0.0.1:" + std::to_string(closedPort());
  signer("nodata", dead + "/ocsp", dead + "/crl");
  signer("nosource", "", "");
  const fs::path doc = dir / "doc.txt";
  writeFile(doc, "text\n");
  for (const std::string name : {"nodata", "nosource"}) {
    const fs::path out = dir / ("refused-" + name);
    fs::create_directories(out);
    const auto r = run({cliPath().string(), "sign", "--signer", "pkcs12:" + (dir / (name + ".p12")).string(),
                        "--password-file", (dir / "password.txt").string(), "--level", "B-LT", "--tsa", url("/tsa"),
                        "--tsa-trust-anchor", (dir / "root.pem").string(), "--output-dir", out.string(), doc.string()});
    BOOST_TEST(r.exitCode != 0, name);
    BOOST_TEST(r.err.find("long-term") != std::string::npos, r.err);
    BOOST_TEST(listDir(out).empty(), "nothing is written for " << name);
  }
}

BOOST_AUTO_TEST_CASE(extend_raises_our_b_b_and_another_tools_cades_to_b_lt) {
  signer("ext", url("/ocsp"), url("/crl"));
  const fs::path doc = dir / "report.txt";
  writeFile(doc, "Sprawozdanie kwartalne\n");
  const fs::path ours = signFile("ext", "B-B", doc, "cades");
  // The same key signing with openssl cms: another tool's detached CAdES-B-B.
  const fs::path theirs = opensslCades("ext", doc, dir / "theirs.p7s");
  const auto r = run({cliPath().string(), "extend", "--level", "B-LT", "--tsa", url("/tsa"), "--tsa-trust-anchor",
                      (dir / "root.pem").string(), "--json", ours.string(), theirs.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  BOOST_TEST(r.out.find("\"to\": \"B-LT\"") != std::string::npos, r.out);
  stop();
  for (const fs::path& sig : {ours, theirs}) {
    VerifyOptions o = online(std::make_shared<RevocationChecker>(RevocationOptions{true, {}}));
    o.detachedContent = doc;
    const VerificationReport report = verifyFile(sig, o);  // the report outlives `s`
    const SignatureReport& s = onlySignature(report);
    BOOST_TEST(s.indication == Indication::TotalPassed, sig);
    BOOST_TEST(s.level == "B-LT", sig);
    BOOST_TEST(s.proofOfExistence.has_value(), sig);
    BOOST_TEST(s.revocation.at(0).origin == "embedded", sig);
    const auto c = run({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig.string(), "-content",
                        doc.string(), "-CAfile", (dir / "root.pem").string(), "-purpose", "any", "-out", "/dev/null"});
    BOOST_TEST(c.exitCode == 0, sig << ": " << c.err);
  }
  // Extending again changes nothing that is already there.
  const std::string before = readText(ours);
  const auto again = run({cliPath().string(), "extend", "--level", "B-T", "--tsa", url("/tsa"), "--tsa-trust-anchor",
                          (dir / "root.pem").string(), ours.string()});
  BOOST_TEST(again.exitCode == 0, again.err);
  BOOST_TEST((readText(ours) == before), "a B-LT signature is already above B-T");
}

BOOST_AUTO_TEST_CASE(extend_refuses_b_b_and_a_file_without_signatures) {
  const fs::path doc = dir / "plain.txt";
  writeFile(doc, "no signature here\n");
  auto r = run({cliPath().string(), "extend", "--level", "B-B", "--tsa", url("/tsa"), doc.string()});
  BOOST_TEST(r.exitCode == 64, r.err);
  r = run({cliPath().string(), "extend", "--level", "B-LT", "--tsa", url("/tsa"), doc.string()});
  BOOST_TEST(r.exitCode != 0);
  BOOST_TEST((readText(doc) == "no signature here\n"), "the file is untouched");
}

BOOST_AUTO_TEST_SUITE_END()
