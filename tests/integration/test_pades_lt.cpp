// PAdES B-LT end to end on 127.0.0.1 (ETSI EN 319 142-1 §5.4): the real
// securedoc-cli signs a PDF with a certificate of the demo CA whose OCSP
// responder and CRL run in the test (trust_services.h), time-stamps it and
// appends the document security store (ISO 32000-2 §12.8.4.3) in an
// incremental update.  Our verifier must then say B-LT and find the
// revocation data embedded with the services stopped; poppler's pdfsig must
// still find the signature valid and qpdf the file sound.  A signer whose
// responders are down gets no file at all.  B-LTA adds a document
// time-stamp (ISO 32000-2 §12.8.5) after the /DSS, by signing or by
// `extend`, which also raises B-B signatures with one.
#include "trust_services.h"

#include <boost/test/unit_test.hpp>

#include <regex>

using namespace securedoc;
using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

using securedoc::test::NoProxyForLoopback;
BOOST_TEST_GLOBAL_FIXTURE(NoProxyForLoopback);

/// TrustServices with a path that B-LT can cover: ltv::collect wants
/// revocation data for every certificate but the root, and the fixture's
/// demo CA names none for its issuing CA (made before the port is known)
/// and its TSA certificate.  So the server is started again with /crl/root,
/// a new demo CA whose issuing CA names that CRL (RFC 5280 §4.2.1.13), and
/// a TSA certificate of the test's own naming the issuing CA's CRL.
struct LongTermServices : TrustServices {
  /// The base's TSA names no revocation source; this one names the issuing
  /// CA's CRL, so its path's revocation data lands in the DSS too.  Set up
  /// before any request reaches /tsa.
  LongTermServices() {
    issueTsa(dir / "lt-tsa.pem", dir / "lt-tsa.key");
    tsa = std::make_unique<cloud::TsaResponder>(dir / "lt-tsa.pem", dir / "lt-tsa.key",
                                                std::vector<fs::path>{dir / "ca" / "issuing-ca.pem"});
  }

  /// RFC 3161 §2.3: a TSA certificate with the one critical EKU
  /// id-kp-timeStamping, issued by the issuing CA, naming its CRL.
  void issueTsa(const fs::path& certPem, const fs::path& keyPem) {
    ossl::EvpPkey key(EVP_RSA_gen(2048));
    BOOST_TEST_REQUIRE(static_cast<bool>(key));
    const ossl::EvpPkey issuerKey = loadKey(dir / "ca" / "issuing-ca.key");
    const Certificate issuer = ca.issuing();
    ossl::X509Ptr x(X509_new());
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 0x51A0 + (std::time(nullptr) & 0xffff));
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Long Term TSA"), -1,
                               -1, 0);
    X509_set_issuer_name(x.get(), X509_get_subject_name(issuer.native()));
    X509_gmtime_adj(X509_getm_notBefore(x.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 365L * 86400);
    X509_set_pubkey(x.get(), key.get());
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer.native(), x.get(), nullptr, nullptr, 0);
    const auto add = [&](int nid, const std::string& value) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
      BOOST_TEST_REQUIRE(ext != nullptr, value);
      X509_add_ext(x.get(), ext, -1);
      X509_EXTENSION_free(ext);
    };
    add(NID_basic_constraints, "critical,CA:FALSE");
    add(NID_key_usage, "critical,digitalSignature");
    add(NID_ext_key_usage, "critical,timeStamping");
    add(NID_subject_key_identifier, "hash");
    add(NID_authority_key_identifier, "keyid:always");
    add(NID_crl_distribution_points, "URI:" + url("/crl"));
    BOOST_TEST_REQUIRE(X509_sign(x.get(), issuerKey.get(), EVP_sha256()) > 0);
    ossl::Bio c(BIO_new_file(certPem.c_str(), "w"));
    BOOST_TEST_REQUIRE(PEM_write_bio_X509(c.get(), x.get()) == 1);
    ossl::Bio k(BIO_new_file(keyPem.c_str(), "w"));
    BOOST_TEST_REQUIRE(PEM_write_bio_PrivateKey(k.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  }
};

fs::path contract() { return sourceDir() / "samples" / "documents" / "contract.pdf"; }

/// An offline verification: embedded data only, the network never asked.
VerifyOptions offline(LongTermServices& t) {
  return t.online(std::make_shared<RevocationChecker>(RevocationOptions{true, {}}));
}

/// Every signature TOTAL-PASSED at level B-LT; the signer's revocation
/// path's revocation entries (the signer's first) good, from `origin`.
void expectLongTerm(const VerificationReport& r, std::size_t count, const std::string& origin) {
  BOOST_TEST_REQUIRE(r.signatures.size() == count);
  for (const SignatureReport& s : r.signatures) {
    logSignature(s);
    BOOST_TEST(s.indication == Indication::TotalPassed);
    BOOST_TEST(s.level == "B-LT");
    BOOST_TEST_REQUIRE(!s.revocation.empty());
    for (const auto& rv : s.revocation) {
      BOOST_TEST(rv.status == "good", rv.subject);
      BOOST_TEST(rv.origin == origin, rv.subject);
    }
  }
}

/// pdfsig finds `count` valid signatures and, after them, `stamps`
/// document time-stamps, which poppler 22 lists without checking them
/// ("Signature Type: unknown", "not yet been verified"), never as invalid.
void pdfsigValid(const fs::path& pdf, std::size_t count, std::size_t stamps = 0) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  const auto r = run({"pdfsig", "-nocert", pdf.string()});
  BOOST_TEST(r.exitCode == 0, "pdfsig exits 0: " << r.out << r.err);
  const auto blocks = pdfsigBlocks(r.out);
  BOOST_TEST_REQUIRE(blocks.size() == count + stamps, r.out);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string& b = blocks[i];
    if (i < count) {
      BOOST_TEST(b.find("Signature Validation: Signature is Valid.") != std::string::npos, b);
    } else {
      BOOST_TEST(
          (b.find("ETSI.RFC3161") != std::string::npos || b.find("Signature Type: unknown") != std::string::npos), b);
      BOOST_TEST(b.find("Invalid") == std::string::npos, b);
    }
  }
}

void qpdfCheck(const fs::path& pdf) {
  requireTool("qpdf", "the Debian package qpdf");
  const auto r = run({"qpdf", "--check", pdf.string()});
  BOOST_TEST(r.exitCode == 0, "qpdf --check exits 0: " << r.out << r.err);
  BOOST_TEST((r.out + r.err).find("WARNING") == std::string::npos, r.out << r.err);
}

/// `qpdf --show-object=WHAT` (with `extra` options), which must succeed.
std::string showObject(const fs::path& pdf, const std::string& what, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"qpdf", "--show-object=" + what};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(pdf.string());
  const auto r = run(args);
  BOOST_TEST_REQUIRE(r.exitCode == 0, "qpdf --show-object=" << what << ": " << r.err);
  return r.out;
}

/// The object number `name` refers to in `dict` ("/Name 12 0 R").
std::string referenceOf(const std::string& dict, const std::string& name) {
  std::smatch m;
  const std::regex re("/" + name + " ([0-9]+) 0 R");
  BOOST_TEST_REQUIRE(std::regex_search(dict, m, re), "/" << name << " in " << dict);
  return m[1];
}

/// The object numbers of the array `/name [ a 0 R b 0 R ]` in `dict`.
std::vector<std::string> arrayOf(const std::string& dict, const std::string& name) {
  std::vector<std::string> out;
  std::smatch m;
  if (!std::regex_search(dict, m, std::regex("/" + name + " \\[([^\\]]*)\\]"))) return out;
  const std::string items = m[1];
  const std::regex ref("([0-9]+) 0 R");
  for (auto it = std::sregex_iterator(items.begin(), items.end(), ref); it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

/// The decoded bytes of each stream of the array /name of the /DSS.
std::vector<std::string> dssStreams(const fs::path& pdf, const std::string& name) {
  const std::string root = referenceOf(showObject(pdf, "trailer"), "Root");
  const std::string dss = showObject(pdf, referenceOf(showObject(pdf, root), "DSS"));
  std::vector<std::string> out;
  for (const auto& n : arrayOf(dss, name)) out.push_back(showObject(pdf, n, {"--filtered-stream-data"}));
  return out;
}

bool holds(const std::vector<std::string>& streams, const Bytes& der) {
  const std::string s(der.begin(), der.end());
  return std::find(streams.begin(), streams.end(), s) != streams.end();
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pades_lt, LongTermServices)

BOOST_AUTO_TEST_CASE(a_b_lt_pdf_verifies_offline_with_embedded_revocation_data) {
  signer("lt", url("/ocsp"), url("/crl"));
  const fs::path signed_ = signFile("lt", "B-LT", contract());
  const VerificationReport r = verifyFile(signed_, online());
  expectLongTerm(r, 1, "embedded");
  const SignatureReport& s = r.signatures.at(0);
  BOOST_TEST_REQUIRE(s.modificationLevel.has_value());
  BOOST_TEST(modificationLevelCode(*s.modificationLevel) == std::string("lta-updates"));
  stop();
  expectLongTerm(verifyFile(signed_, offline(*this)), 1, "embedded");
  pdfsigValid(signed_, 1);
  qpdfCheck(signed_);
}

BOOST_AUTO_TEST_CASE(a_pdf_with_a_cross_reference_stream_gets_its_dss_in_a_stream_section) {
  requireTool("qpdf", "the Debian package qpdf");
  const fs::path packed = dir / "packed.pdf";
  const auto q = run({"qpdf", "--object-streams=generate", contract().string(), packed.string()});
  BOOST_TEST_REQUIRE(q.exitCode == 0, q.err);
  signer("xs", url("/ocsp"), url("/crl"));
  const fs::path signed_ = signFile("xs", "B-LT", packed);
  stop();
  expectLongTerm(verifyFile(signed_, offline(*this)), 1, "embedded");
  pdfsigValid(signed_, 1);
  qpdfCheck(signed_);
  // The last section is a cross-reference stream, as the input's.
  const std::string text = readText(signed_);
  const std::size_t at = text.rfind("startxref");
  BOOST_TEST_REQUIRE(at != std::string::npos);
  const std::size_t offset = std::stoull(text.substr(at + 9));
  BOOST_TEST(text.compare(offset, 4, "xref") != 0, "the DSS update ends with a cross-reference stream");
}

BOOST_AUTO_TEST_CASE(a_second_b_lt_signature_merges_into_one_dss) {
  const Certificate first = signer("one", url("/ocsp"), url("/crl"));
  const Certificate second = signer("two", url("/ocsp"), url("/crl"));
  const fs::path once = signFile("one", "B-LT", contract());
  const fs::path twice = signFile("two", "B-LT", once);
  const auto certs = dssStreams(twice, "Certs");
  BOOST_TEST(holds(certs, first.der()));
  BOOST_TEST(holds(certs, second.der()));
  // No object twice (the issuing CA and the TSA are shared).
  std::set<std::string> distinct(certs.begin(), certs.end());
  BOOST_TEST(distinct.size() == certs.size());
  stop();
  expectLongTerm(verifyFile(twice, offline(*this)), 2, "embedded");
  pdfsigValid(twice, 2);
  qpdfCheck(twice);
}

BOOST_AUTO_TEST_CASE(extend_raises_a_b_t_pdf_to_b_lt_in_place) {
  signer("ext", url("/ocsp"), url("/crl"));
  const fs::path signed_ = signFile("ext", "B-T", contract());
  BOOST_TEST(verifyFile(signed_, online()).signatures.at(0).level == "B-T");
  const auto r = run({cliPath().string(), "extend", "--level", "B-LT", "--tsa", url("/tsa"), "--tsa-trust-anchor",
                      (dir / "root.pem").string(), signed_.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  BOOST_TEST(r.out.find("B-T -> B-LT") != std::string::npos, r.out);
  stop();
  expectLongTerm(verifyFile(signed_, offline(*this)), 1, "embedded");
  pdfsigValid(signed_, 1);
  qpdfCheck(signed_);
}

/// The signature (the first entry) and the document time-stamps after it.
void expectArchived(const VerificationReport& r, std::size_t stamps) {
  BOOST_TEST_REQUIRE(r.signatures.size() == 1 + stamps);
  const SignatureReport& s = r.signatures.front();
  logSignature(s);
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.level == "B-LTA");
  BOOST_TEST(s.proofOfExistence.has_value());
  for (std::size_t k = 1; k <= stamps; ++k) {
    const SignatureReport& t = r.signatures[k];
    logSignature(t);
    BOOST_TEST(t.level == "DocTimeStamp");
    BOOST_TEST(t.indication == Indication::TotalPassed);
    BOOST_TEST_REQUIRE(t.timestamps.size() == 1u);
    BOOST_TEST(t.timestamps.front().type == "document");
  }
  BOOST_TEST(r.indication == Indication::TotalPassed);
}

BOOST_AUTO_TEST_CASE(a_b_lta_pdf_verifies_offline_and_other_tools_accept_it) {
  signer("lta", url("/ocsp"), url("/crl"));
  const fs::path signed_ = signFile("lta", "B-LTA", contract());
  // The document time-stamp is the last revision: /DSS first, then it.
  const std::string text = readText(signed_);
  BOOST_TEST(text.rfind("/ETSI.RFC3161") > text.rfind("/DSS"));
  BOOST_TEST(text.find("/DocTimeStamp") != std::string::npos);
  stop();
  expectArchived(verifyFile(signed_, offline(*this)), 1);
  pdfsigValid(signed_, 1, 1);
  qpdfCheck(signed_);
}

BOOST_AUTO_TEST_CASE(a_certification_allowing_no_changes_still_takes_b_lta) {
  // DocMDP P=1 permits the /DSS and document time-stamps (ISO 32000-2
  // §12.8.2.2, EN 319 142-1 §5.4): the certified file reaches B-LTA and
  // the certification stays intact.
  signer("certified", url("/ocsp"), url("/crl"));
  const fs::path signed_ = signFile("certified", "B-LTA", contract(), "auto", {"--certify", "no-changes"});
  stop();
  const VerificationReport v = verifyFile(signed_, offline(*this));
  expectArchived(v, 1);
  BOOST_TEST_REQUIRE(v.signatures[0].modificationLevel.has_value());
  BOOST_TEST(modificationLevelCode(*v.signatures[0].modificationLevel) == std::string("lta-updates"));
  pdfsigValid(signed_, 1, 1);
}

BOOST_AUTO_TEST_CASE(extend_raises_a_pades_b_b_to_b_lta_with_document_time_stamps) {
  // EN 319 142-1 §5.3: a document time-stamp makes a B-B signature B-T; the
  // /DSS then B-LT; a second document time-stamp B-LTA.
  signer("extbb", url("/ocsp"), url("/crl"));
  const fs::path signed_ = signFile("extbb", "B-B", contract());
  const auto r = run({cliPath().string(), "extend", "--level", "B-LTA", "--tsa", url("/tsa"), "--tsa-trust-anchor",
                      (dir / "root.pem").string(), signed_.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  BOOST_TEST(r.out.find("B-B -> B-LTA") != std::string::npos, r.out);
  stop();
  const VerificationReport v = verifyFile(signed_, offline(*this));
  expectArchived(v, 2);
  // What proves the signature existed is the first document time-stamp.
  BOOST_TEST((v.signatures[0].proofOfExistence == v.signatures[1].signingTime));
  pdfsigValid(signed_, 1, 2);
  qpdfCheck(signed_);
}

BOOST_AUTO_TEST_CASE(extend_b_t_only_adds_a_document_time_stamp_to_a_b_b_pdf) {
  signer("bt", url("/ocsp"), url("/crl"));
  const fs::path signed_ = signFile("bt", "B-B", contract());
  const auto r = run({cliPath().string(), "extend", "--level", "B-T", "--tsa", url("/tsa"), "--tsa-trust-anchor",
                      (dir / "root.pem").string(), signed_.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  const VerificationReport v = verifyFile(signed_, online());
  BOOST_TEST_REQUIRE(v.signatures.size() == 2u);
  BOOST_TEST(v.signatures[0].level == "B-T");
  BOOST_TEST(v.signatures[0].indication == Indication::TotalPassed);
  BOOST_TEST(v.signatures[1].level == "DocTimeStamp");
  BOOST_TEST(readText(signed_).find("/DSS") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(renewing_a_b_lta_pdf_secures_the_old_time_stamp_and_adds_a_new_one) {
  signer("renew", url("/ocsp"), url("/crl"));
  const fs::path signed_ = signFile("renew", "B-LTA", contract());
  const auto r = run({cliPath().string(), "extend", "--level", "B-LTA", "--tsa", url("/tsa"), "--tsa-trust-anchor",
                      (dir / "root.pem").string(), signed_.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  BOOST_TEST(r.out.find("B-LTA -> B-LTA") != std::string::npos, r.out);
  // The first document time-stamp's TSA certificate is in the /DSS now.
  const VerificationReport before = verifyFile(signed_, online());
  BOOST_TEST_REQUIRE(before.signatures.size() == 3u);
  BOOST_TEST_REQUIRE(before.signatures[1].signer.has_value());
  BOOST_TEST(holds(dssStreams(signed_, "Certs"), before.signatures[1].signer->der()));
  stop();
  expectArchived(verifyFile(signed_, offline(*this)), 2);
  pdfsigValid(signed_, 1, 2);
  qpdfCheck(signed_);
}

BOOST_AUTO_TEST_CASE(a_b_b_signature_revoked_after_its_document_time_stamp_passes) {
  // EN 319 102-1 §5.6.2.4: the document time-stamp is the proof of
  // existence; a revocation after it does not reach back.
  const Certificate cert = signer("late", url("/ocsp"), url("/crl"));
  const fs::path signed_ = signFile("late", "B-B", contract());
  const auto r = run({cliPath().string(), "extend", "--level", "B-T", "--tsa", url("/tsa"), "--tsa-trust-anchor",
                      (dir / "root.pem").string(), signed_.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // the revocation comes a second later
  ca.revoke(cert, 4, std::time(nullptr));                        // superseded
  const SignatureReport s = verifyFile(signed_, online()).signatures.at(0);
  logSignature(s);
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(hasMessage(s, "revoked-after-poe"));
  // Without the document time-stamp's proof the same revocation is fatal.
  const fs::path bare = signFile("late", "B-B", contract());
  const SignatureReport b = verifyFile(bare, online()).signatures.at(0);
  BOOST_TEST(b.indication != Indication::TotalPassed);
}

BOOST_AUTO_TEST_CASE(responders_down_no_file_is_written) {
  const std::string down = "http://127.0.0.1:" + std::to_string(closedPort());
  signer("down", down + "/ocsp", down + "/crl");
  const fs::path out = dir / "out-down";
  fs::create_directories(out);
  const auto r =
      run({cliPath().string(), "sign", "--signer", "pkcs12:" + (dir / "down.p12").string(), "--password-file",
           (dir / "password.txt").string(), "--level", "B-LT", "--tsa", url("/tsa"), "--tsa-trust-anchor",
           (dir / "root.pem").string(), "--output-dir", out.string(), contract().string()});
  BOOST_TEST_MESSAGE(r.err);
  BOOST_TEST(r.exitCode != 0);
  BOOST_TEST(listDir(out).empty(), "no output file, not even a temporary one");
}

BOOST_AUTO_TEST_CASE(the_dss_holds_the_signers_certificate_and_revocation_data) {
  const Certificate cert = signer("dss", url("/ocsp"), url("/crl"));
  const fs::path signed_ = signFile("dss", "B-LT", contract());
  const auto certs = dssStreams(signed_, "Certs");
  BOOST_TEST(holds(certs, cert.der()));
  BOOST_TEST(holds(certs, ca.issuing().der()));
  const auto ocsps = dssStreams(signed_, "OCSPs");
  const auto crls = dssStreams(signed_, "CRLs");
  BOOST_TEST(ocsps.size() + crls.size() >= 1u);
  for (const auto& o : ocsps) BOOST_TEST((!o.empty() && static_cast<unsigned char>(o[0]) == 0x30));
  // /VRI: one entry, keyed by the SHA-1 of the signature's CMS, 40 upper-case hex digits.
  const std::string root = referenceOf(showObject(signed_, "trailer"), "Root");
  const std::string dss = showObject(signed_, referenceOf(showObject(signed_, root), "DSS"));
  BOOST_TEST(std::regex_search(dss, std::regex("/VRI << /[0-9A-F]{40} <<")), dss);
  // One signature: its /VRI entry names every stream of the store.
  const std::size_t vri = dss.find("/VRI");
  BOOST_TEST_REQUIRE(vri != std::string::npos);
  const std::string entry = dss.substr(vri);
  BOOST_TEST(arrayOf(entry, "Cert") == arrayOf(dss, "Certs"));
  BOOST_TEST(arrayOf(entry, "OCSP") == arrayOf(dss, "OCSPs"));
  BOOST_TEST(arrayOf(entry, "CRL") == arrayOf(dss, "CRLs"));
}

BOOST_AUTO_TEST_SUITE_END()
