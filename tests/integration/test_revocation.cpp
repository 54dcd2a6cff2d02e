// Revocation end to end on 127.0.0.1 (issue 17): the reference service's CA
// (cloud/ca.h) answers OCSP (RFC 6960) and serves its CRL (RFC 5280) over
// plain HTTP, its TSA time-stamps; signatures are made by the real
// securedoc-cli with a certificate whose AIA and CRL distribution point name
// that server; the verifier (crypto/revocation.h through the CAdES module)
// judges revocation at the time the signature is proven to exist (ETSI EN
// 319 102-1 §5.2.6, §5.6.2).  Also the refusals: a responder the issuer did
// not authorise, a nonce that differs, an answer about another certificate.
#include "trust_services.h"

#include <boost/test/unit_test.hpp>

using namespace securedoc;
using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

using securedoc::test::NoProxyForLoopback;
BOOST_TEST_GLOBAL_FIXTURE(NoProxyForLoopback);

}  // namespace

BOOST_FIXTURE_TEST_SUITE(revocation, test::TrustServices)

BOOST_AUTO_TEST_CASE(a_good_certificate_passes_with_the_ocsp_answer_recorded) {
  signer("good", url("/ocsp"), url("/crl"));
  const SignatureReport s = verify(sign("good", "B-B"), online());
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST_REQUIRE(!s.revocation.empty());
  BOOST_TEST(s.revocation[0].status == "good");
  BOOST_TEST(s.revocation[0].source == "ocsp");
  BOOST_TEST(s.revocation[0].origin == "online");
  BOOST_TEST(s.revocation[0].url == url("/ocsp"));
  BOOST_TEST_REQUIRE(checkOf(s, "revocation") != nullptr);
  BOOST_TEST(checkOf(s, "revocation")->status != Check::Status::Failed);
}

BOOST_AUTO_TEST_CASE(revoked_before_the_time_stamp_is_total_failed_revoked) {
  const Certificate cert = signer("early", url("/ocsp"), url("/crl"));
  ca.revoke(cert, 1, std::time(nullptr) - 3600);  // keyCompromise, an hour ago
  const SignatureReport s = verify(sign("early", "B-T"), online());
  BOOST_TEST(s.indication == Indication::TotalFailed);
  BOOST_TEST(s.subIndication == SubIndication::Revoked);
  BOOST_TEST_REQUIRE(!s.revocation.empty());
  BOOST_TEST(s.revocation[0].status == "revoked");
  BOOST_TEST(s.revocation[0].reason == "keyCompromise");
  BOOST_TEST(checkOf(s, "revocation")->status == Check::Status::Failed);
}

BOOST_AUTO_TEST_CASE(revoked_without_a_time_stamp_is_indeterminate_revoked_no_poe) {
  const Certificate cert = signer("nopoe", url("/ocsp"), url("/crl"));
  ca.revoke(cert, 1, std::time(nullptr) - 3600);
  const SignatureReport s = verify(sign("nopoe", "B-B"), online());
  BOOST_TEST(s.indication == Indication::Indeterminate);
  BOOST_TEST(s.subIndication == SubIndication::RevokedNoPoe);
}

BOOST_AUTO_TEST_CASE(revoked_after_the_time_stamp_passes) {
  const Certificate cert = signer("late", url("/ocsp"), url("/crl"));
  const fs::path sig = sign("late", "B-T");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // the revocation comes a second later
  ca.revoke(cert, 4, std::time(nullptr));                        // superseded
  const SignatureReport s = verify(sig, online());
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.revocation.at(0).status == "revoked");
  BOOST_TEST(hasMessage(s, "revoked-after-poe"));
  BOOST_TEST(s.proofOfExistence.has_value());
}

BOOST_AUTO_TEST_CASE(the_crl_alone_says_revoked_when_there_is_no_ocsp) {
  const Certificate cert = signer("crlonly", "", url("/crl"));
  ca.revoke(cert, 1, std::time(nullptr) - 3600);
  const SignatureReport s = verify(sign("crlonly", "B-T"), online());
  BOOST_TEST(s.subIndication == SubIndication::Revoked);
  BOOST_TEST(s.revocation.at(0).source == "crl");
  BOOST_TEST(crlRequests.load() >= 1);
}

BOOST_AUTO_TEST_CASE(responders_down_and_nothing_embedded_is_try_later) {
  const std::string dead = "http://127.0.0.1:" + std::to_string(closedPort());
  signer("down", dead + "/ocsp", dead + "/crl");
  const SignatureReport s = verify(sign("down", "B-T"), online());
  BOOST_TEST(s.indication == Indication::Indeterminate);
  BOOST_TEST(s.subIndication == SubIndication::TryLater);
  BOOST_TEST(s.revocation.at(0).status == "unavailable");
  BOOST_TEST(hasProblem(s.revocation.at(0), "revocation-source-failed"));
}

BOOST_AUTO_TEST_CASE(offline_without_cache_is_try_later_and_the_cache_serves_offline_later) {
  signer("cached", url("/ocsp"), "");
  const fs::path sig = sign("cached", "B-T");
  {
    VerifyOptions o = online(std::make_shared<RevocationChecker>(RevocationOptions{true, {}}));
    o.offline = true;
    const SignatureReport s = verify(sig, o);
    BOOST_TEST(s.subIndication == SubIndication::TryLater);
  }
  const fs::path cache = dir / "cache";
  verify(sig, online(std::make_shared<RevocationChecker>(RevocationOptions{false, cache})));
  stop();  // the service is gone
  const SignatureReport s = verify(sig, online(std::make_shared<RevocationChecker>(RevocationOptions{true, cache})));
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.revocation.at(0).origin == "cache");
}

BOOST_AUTO_TEST_CASE(one_request_per_certificate_for_many_signatures) {
  signer("many", url("/ocsp"), url("/crl"));
  const fs::path sig = sign("many", "B-T");
  auto checker = std::make_shared<RevocationChecker>(RevocationOptions{false, {}});
  for (int i = 0; i < 25; ++i) BOOST_TEST(verify(sig, online(checker)).indication == Indication::TotalPassed);
  // One request per certificate: the signer's OCSP, the issuing CA's root CRL.
  BOOST_TEST(ocspRequests.load() == 1);
  BOOST_TEST(crlRequests.load() == 1);
  BOOST_TEST(checker->onlineRequests() == 2u);
}

BOOST_AUTO_TEST_CASE(an_unauthorised_responder_is_refused_and_a_delegated_one_accepted) {
  const Certificate cert = signer("rogue", url("/ocsp"), "");
  const fs::path sig = sign("rogue", "B-T");
  // A responder another CA certified, with id-kp-OCSPSigning: a valid
  // certificate, but neither the certificate's issuer nor a trust anchor
  // authorised it.
  ossl::EvpPkey otherKey = newEcKey();
  ossl::X509Ptr otherCa(X509_new());
  X509_set_version(otherCa.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(otherCa.get()), 7);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(otherCa.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("Other CA"), -1, -1, 0);
  X509_set_issuer_name(otherCa.get(), X509_get_subject_name(otherCa.get()));
  X509_gmtime_adj(X509_getm_notBefore(otherCa.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(otherCa.get()), 86400);
  X509_set_pubkey(otherCa.get(), otherKey.get());
  BOOST_TEST_REQUIRE(X509_sign(otherCa.get(), otherKey.get(), EVP_sha256()) > 0);
  ossl::EvpPkey key = newEcKey();
  const Certificate rogue =
      makeCertificate("Other CA's responder", key.get(), Certificate(otherCa.get()), otherKey.get(), true);
  answerOcspWith([&](const Bytes& req) { return respondAs(req, rogue, key.get()); });
  SignatureReport s = verify(sig, online());
  BOOST_TEST(s.subIndication == SubIndication::TryLater);
  BOOST_TEST(hasProblem(s.revocation.at(0), "ocsp-responder-not-authorised"));
  // Even when the user trusts that other CA too.
  VerifyOptions both = online();
  both.trustAnchors.push_back(Certificate(otherCa.get()));
  s = verify(sig, both);
  BOOST_TEST(hasProblem(s.revocation.at(0), "ocsp-responder-not-authorised") == false);
  BOOST_TEST(s.revocation.at(0).status == "good", "a responder of a trusted anchor is a local configuration");

  // A responder the root (the trust anchor) certified for OCSP signing:
  // RFC 6960 §4.2.2.2's local configuration, accepted for the hierarchy.
  ossl::EvpPkey rootKey = loadKey(dir / "ca" / "root-ca.key");
  const Certificate byRoot = makeCertificate("Root's responder", key.get(), ca.root(), rootKey.get(), true);
  answerOcspWith([&](const Bytes& req) { return respondAs(req, byRoot, key.get()); });
  s = verify(sig, online());
  BOOST_TEST(s.indication == Indication::TotalPassed);

  // Issued by the issuing CA but without id-kp-OCSPSigning: refused too.
  ossl::EvpPkey issuingKey = loadKey(dir / "ca" / "issuing-ca.key");
  const Certificate noEku = makeCertificate("Not a responder", key.get(), ca.issuing(), issuingKey.get(), false);
  answerOcspWith([&](const Bytes& req) { return respondAs(req, noEku, key.get()); });
  s = verify(sig, online());
  BOOST_TEST(hasProblem(s.revocation.at(0), "ocsp-responder-not-authorised"));

  // Delegated properly (RFC 6960 §4.2.2.2): accepted.
  const Certificate delegated = makeCertificate("Delegated responder", key.get(), ca.issuing(), issuingKey.get(), true);
  answerOcspWith([&](const Bytes& req) { return respondAs(req, delegated, key.get()); });
  s = verify(sig, online());
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.revocation.at(0).status == "good");

  // The same responder answering with another nonce: a replay, refused.
  answerOcspWith([&](const Bytes& req) { return respondAs(req, delegated, key.get(), true); });
  s = verify(sig, online());
  BOOST_TEST(hasProblem(s.revocation.at(0), "ocsp-nonce-mismatch"));
  (void)cert;
}

BOOST_AUTO_TEST_CASE(an_answer_about_another_certificate_is_refused) {
  const Certificate other = signer("other", url("/ocsp"), "");
  const Certificate asked = signer("asked", url("/ocsp"), "");
  const fs::path sig = sign("asked", "B-T");
  answerOcspWith(
      [&](const Bytes&) { return ca.ocspRespond(makeOcspRequest(other, ca.issuing()), std::time(nullptr)); });
  const SignatureReport s = verify(sig, online());
  BOOST_TEST(s.subIndication == SubIndication::TryLater);
  BOOST_TEST(hasProblem(s.revocation.at(0), "ocsp-other-certificate"));
  (void)asked;
}

BOOST_AUTO_TEST_CASE(an_expired_signer_passes_with_proof_of_existence_and_not_without) {
  signer("expiring", url("/ocsp"), url("/crl"), 1);
  const fs::path withPoe = sign("expiring", "B-T");
  const fs::path withoutPoe = sign("expiring", "B-B");
  VerifyOptions o = online();
  o.time = std::time(nullptr) + 3 * 86400;  // validated three days later, after the certificate expired
  const SignatureReport a = verify(withPoe, o);
  BOOST_TEST(a.indication == Indication::TotalPassed);
  BOOST_TEST(a.revocation.at(0).status == "good");
  const SignatureReport b = verify(withoutPoe, o);
  BOOST_TEST(b.indication == Indication::Indeterminate);
  BOOST_TEST(b.subIndication == SubIndication::OutOfBoundsNoPoe);
  // Proof of existence, but no revocation data from while it was valid.
  VerifyOptions offline = online(std::make_shared<RevocationChecker>(RevocationOptions{true, {}}));
  offline.time = o.time;
  const SignatureReport c = verify(withPoe, offline);
  BOOST_TEST(c.indication == Indication::Indeterminate);
  BOOST_TEST(c.subIndication == SubIndication::OutOfBoundsNotRevoked);
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------ bad input ---

namespace {

/// A signing certificate of `ca` for a new key, naming no OCSP or CRL.
Certificate signerWithoutUrls(cloud::DemoCa& ca, const std::string& surname) {
  ossl::EvpPkey key = newEcKey();
  const Bytes spki = ossl::der(i2d_PUBKEY, key.get(), Category::Internal, "i2d_PUBKEY");
  return ca.issueSigner(spki, cloud::SubjectFields{"Jan", surname, "PNOPL-80010112345", "PL", "", ""}, 5, "", "");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bad_revocation_data)

BOOST_AUTO_TEST_CASE(garbage_truncated_and_empty_data_is_refused_cleanly) {
  TempDir dir;
  cloud::DemoCa ca = cloud::DemoCa::create(dir / "ca", "Bad Input");
  const Certificate cert = signerWithoutUrls(ca, "Zły");
  const std::time_t now = std::time(nullptr);
  const Bytes ocsp = ca.ocspRespond(makeOcspRequest(cert, ca.issuing()), now);
  const Bytes crl = ca.crl(now);
  BOOST_TEST(checkOcspResponse(ocsp, cert, ca.issuing(), {}, nullptr, now).evidence.has_value());
  BOOST_TEST(checkCrl(crl, cert, ca.issuing(), now).evidence.has_value());
  const std::vector<Bytes> bad{Bytes{},
                               Bytes{0x30},
                               Bytes(ocsp.begin(), ocsp.begin() + ocsp.size() / 2),
                               Bytes(crl.begin(), crl.begin() + crl.size() / 2),
                               bytesOf("not DER at all"),
                               Bytes{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff}};
  for (const Bytes& b : bad) {
    const CheckedRevocation o = checkOcspResponse(b, cert, ca.issuing(), {}, nullptr, now);
    BOOST_TEST(!o.evidence.has_value());
    BOOST_TEST(o.problem.code == "ocsp-unreadable");
    const CheckedRevocation c = checkCrl(b, cert, ca.issuing(), now);
    BOOST_TEST(!c.evidence.has_value());
    BOOST_TEST(c.problem.code == "crl-unreadable");
  }
  // Trailing bytes after a good response or CRL.
  Bytes longer = ocsp;
  longer.push_back(0);
  BOOST_TEST(checkOcspResponse(longer, cert, ca.issuing(), {}, nullptr, now).problem.code == "ocsp-unreadable");
  // A CRL checked against the wrong issuer (the root).
  BOOST_TEST(checkCrl(crl, cert, ca.root(), now).problem.code == "crl-other-issuer");
  // A response checked with the root as the issuer names no such CertID.
  BOOST_TEST(checkOcspResponse(ocsp, cert, ca.root(), {}, nullptr, now).problem.code == "ocsp-other-certificate");
}

BOOST_AUTO_TEST_CASE(embedded_data_about_other_certificates_is_not_held_against_this_one) {
  TempDir dir;
  cloud::DemoCa ca = cloud::DemoCa::create(dir / "ca", "Two Signers");
  const Certificate a = signerWithoutUrls(ca, "Pierwszy");
  const Certificate b = signerWithoutUrls(ca, "Drugi");
  const std::time_t now = std::time(nullptr);
  const Bytes aboutA = ca.ocspRespond(makeOcspRequest(a, ca.issuing()), now);
  RevocationChecker checker(RevocationOptions{true, {}});
  // A PDF's DSS with the first signer's response: the second signer, whose
  // certificate names no source, has none (not "unavailable").
  RevocationResult r = checker.check(RevocationQuery{b, ca.issuing(), now, std::nullopt, {aboutA}, {}, {}, {}});
  BOOST_TEST((r.outcome == RevocationResult::Outcome::NoSource));
  BOOST_TEST(r.problems.empty());
  r = checker.check(RevocationQuery{a, ca.issuing(), now, std::nullopt, {aboutA}, {}, {}, {}});
  BOOST_TEST((r.outcome == RevocationResult::Outcome::Good));
  BOOST_TEST_REQUIRE(r.evidence.has_value());
  BOOST_TEST((r.evidence->origin == RevocationEvidence::Origin::Embedded));
}

BOOST_AUTO_TEST_CASE(a_tampered_response_or_crl_does_not_verify) {
  TempDir dir;
  cloud::DemoCa ca = cloud::DemoCa::create(dir / "ca", "Tampered");
  const Certificate cert = signerWithoutUrls(ca, "Test");
  const std::time_t now = std::time(nullptr);
  Bytes crl = ca.crl(now);
  crl[crl.size() - 5] ^= 0x01;  // inside the signature value
  BOOST_TEST(checkCrl(crl, cert, ca.issuing(), now).problem.code == "crl-signature-invalid");
  Bytes ocsp = ca.ocspRespond(makeOcspRequest(cert, ca.issuing()), now);
  // The last certificate is the signer's chain; flip a bit of the signature
  // value, which precedes the certs: find it by verifying each candidate.
  bool refused = false;
  for (std::size_t i = ocsp.size() / 3; i < ocsp.size() && !refused; ++i) {
    Bytes t = ocsp;
    t[i] ^= 0x01;
    const CheckedRevocation c = checkOcspResponse(t, cert, ca.issuing(), {}, nullptr, now);
    refused = c.problem.code == "ocsp-signature-invalid";
  }
  BOOST_TEST(refused, "some single-bit change is caught by the signature check");
}

BOOST_AUTO_TEST_SUITE_END()
