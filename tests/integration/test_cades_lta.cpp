// CAdES B-LTA (ETSI EN 319 122-1 §5.5.3): archive-time-stamp-v3 with its
// ats-hash-index-v3 (§5.5.2), made through the real securedoc-cli against
// the trust services on 127.0.0.1 (tests/support/trust_services.h), by
// signing and by `extend`, then verified in-process.  Changing what an
// archive time-stamp covers breaks it; adding what came later does not.
#include "trust_services.h"

#include <boost/test/unit_test.hpp>

#include <openssl/cms.h>

#include <algorithm>
#include <fstream>
#include <iterator>

using namespace securedoc;
using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

using securedoc::test::NoProxyForLoopback;
BOOST_TEST_GLOBAL_FIXTURE(NoProxyForLoopback);

std::vector<const TimestampReport*> archiveTimestamps(const SignatureReport& s) { return timestampsOf(s, "archive"); }

Bytes readBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Rewrites the CMS in `file` after `change` edits its first SignerInfo
/// (OpenSSL re-encodes: the edit is the only difference that matters).
void editSigner(const fs::path& file, const std::function<void(CMS_ContentInfo*, CMS_SignerInfo*)>& change) {
  const Bytes der = readBytes(file);
  const unsigned char* p = der.data();
  ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  BOOST_TEST_REQUIRE(static_cast<bool>(cms));
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
  BOOST_TEST_REQUIRE(si != nullptr);
  change(cms.get(), si);
  const Bytes out = ossl::der(i2d_CMS_ContentInfo, cms.get(), Category::Internal, "i2d_CMS_ContentInfo");
  std::ofstream o(file, std::ios::binary | std::ios::trunc);
  o.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
}

struct LtaFixture : TrustServices {
  LtaFixture() { signer("lta", url("/ocsp"), url("/crl")); }

  /// A text document and its detached or attached B-LTA (or other level)
  /// CAdES signature; a detached one's document is copied beside it.
  fs::path signDoc(const std::string& level, bool attached, const std::string& text = "Umowa najmu\n") {
    static int n = 0;
    const fs::path doc = dir / ("doc-" + std::to_string(++n) + ".txt");
    writeFile(doc, text);
    std::vector<std::string> extra{"--mode", attached ? "attached" : "detached"};
    const fs::path sig = signFile("lta", level, doc, "cades", extra);
    if (!attached) fs::copy_file(doc, fs::path(sig).replace_extension());
    return sig;
  }

  VerificationReport check(const fs::path& sig) {
    VerifyOptions o = online();
    const fs::path beside = fs::path(sig).replace_extension();
    if (sig.extension() == ".p7s") o.detachedContent = beside;
    return verifyFile(sig, o);
  }

  RunResult extend(const fs::path& sig, const std::string& level = "B-LTA") {
    return run({cliPath().string(), "extend", "--level", level, "--tsa", url("/tsa"), "--tsa-trust-anchor",
                (dir / "root.pem").string(), "--json", sig.string()});
  }

  void opensslAccepts(const fs::path& sig) {
    std::vector<std::string> args{"openssl",  "cms", "-verify",    "-binary",  "-inform",
                                  "DER",      "-in", sig.string(), "-CAfile",  (dir / "root.pem").string(),
                                  "-purpose", "any", "-out",       "/dev/null"};
    if (sig.extension() == ".p7s") {
      args.push_back("-content");
      args.push_back(fs::path(sig).replace_extension().string());
    }
    const auto c = run(args);
    BOOST_TEST(c.exitCode == 0, sig << ": " << c.out << c.err);
  }
};

void requireLta(const SignatureReport& s, std::size_t archives = 1) {
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.level == "B-LTA");
  const auto a = archiveTimestamps(s);
  BOOST_TEST_REQUIRE(a.size() == archives);
  for (const TimestampReport* t : a) BOOST_TEST(t->indication == Indication::TotalPassed, t->detail);
  BOOST_TEST(s.proofOfExistence.has_value());
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cades_lta, LtaFixture)

BOOST_AUTO_TEST_CASE(b_lta_detached_and_attached_verify_and_openssl_accepts_them) {
  for (const bool attached : {false, true}) {
    const fs::path sig = signDoc("B-LTA", attached);
    BOOST_TEST_CONTEXT((attached ? "attached" : "detached")) {
      requireLta(onlySignature(check(sig)));
      opensslAccepts(sig);
      const auto p = run({"openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", sig.string()});
      BOOST_TEST(p.out.find("0.4.0.1733.2.4") != std::string::npos);
      BOOST_TEST(p.out.find("id-smime-aa-ets-revocationValues") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(b_lta_verifies_offline_with_the_services_stopped) {
  const fs::path sig = signDoc("B-LTA", false);
  stop();
  VerifyOptions o = online(std::make_shared<RevocationChecker>(RevocationOptions{true, {}}));
  o.detachedContent = fs::path(sig).replace_extension();
  requireLta(onlySignature(verifyFile(sig, o)));
}

BOOST_AUTO_TEST_CASE(extend_raises_b_b_b_t_and_b_lt_to_b_lta) {
  for (const std::string level : {"B-B", "B-T", "B-LT"}) {
    for (const bool attached : {false, true}) {
      BOOST_TEST_CONTEXT(level << (attached ? " attached" : " detached")) {
        const fs::path sig = signDoc(level, attached);
        const auto r = extend(sig);
        BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
        BOOST_TEST(r.out.find("\"from\": \"" + level + "\"") != std::string::npos, r.out);
        BOOST_TEST(r.out.find("\"to\": \"B-LTA\"") != std::string::npos, r.out);
        requireLta(onlySignature(check(sig)));
        opensslAccepts(sig);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(extend_raises_another_tools_cades_to_b_lta) {
  const fs::path doc = dir / "theirs.txt";
  writeFile(doc, "Sprawozdanie\n");
  const fs::path sig = opensslCades("lta", doc, dir / "theirs.txt.p7s");
  const auto r = extend(sig);
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  requireLta(onlySignature(check(sig)));
  opensslAccepts(sig);
}

BOOST_AUTO_TEST_CASE(other_digests_encode_the_hash_index_algorithm) {
  // SHA-384 throughout, then a SHA-512 renewal over a SHA-384 signature: the
  // index names its algorithm (§5.5.2: SHA-256 is the DEFAULT) and the
  // content is hashed again with the archive time-stamp's algorithm.
  for (const bool attached : {false, true}) {
    BOOST_TEST_CONTEXT((attached ? "attached" : "detached")) {
      static int n = 0;
      const fs::path doc = dir / ("sha-" + std::to_string(++n) + ".txt");
      writeFile(doc, "Protokol odbioru\n");
      const fs::path sig =
          signFile("lta", "B-LTA", doc, "cades", {"--mode", attached ? "attached" : "detached", "--digest", "sha384"});
      if (!attached) fs::copy_file(doc, fs::path(sig).replace_extension());
      requireLta(onlySignature(check(sig)));
      const auto r = run({cliPath().string(), "extend", "--level", "B-LTA", "--digest", "sha512", "--tsa", url("/tsa"),
                          "--tsa-trust-anchor", (dir / "root.pem").string(), sig.string()});
      BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
      requireLta(onlySignature(check(sig)), 2);
      opensslAccepts(sig);
    }
  }
}

BOOST_AUTO_TEST_CASE(extend_of_a_detached_signature_needs_its_content) {
  const fs::path sig = signDoc("B-T", false);
  const fs::path content = fs::path(sig).replace_extension();
  const std::string before = readText(sig);
  fs::remove(content);
  auto r = extend(sig);
  BOOST_TEST(r.exitCode != 0, r.out);
  BOOST_TEST((r.out + r.err).find("beside") != std::string::npos, r.out << r.err);
  BOOST_TEST((readText(sig) == before), "the signature is untouched");
  // Another file under that name is not the signed content either.
  writeFile(content, "something else\n");
  r = extend(sig);
  BOOST_TEST(r.exitCode != 0, r.out);
  BOOST_TEST((readText(sig) == before), "the signature is untouched");
}

BOOST_AUTO_TEST_CASE(renewal_adds_a_second_archive_timestamp_and_both_pass) {
  for (const bool attached : {false, true}) {
    BOOST_TEST_CONTEXT((attached ? "attached" : "detached")) {
      const fs::path sig = signDoc("B-LTA", attached);
      const auto r = extend(sig);
      BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
      BOOST_TEST(r.out.find("\"from\": \"B-LTA\"") != std::string::npos, r.out);
      requireLta(onlySignature(check(sig)), 2);
      opensslAccepts(sig);
    }
  }
}

BOOST_AUTO_TEST_CASE(removing_covered_validation_data_breaks_the_archive_timestamp) {
  const fs::path sig = signDoc("B-LTA", true);
  editSigner(sig, [](CMS_ContentInfo*, CMS_SignerInfo* si) {
    const int idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_revocationValues, -1);
    BOOST_TEST_REQUIRE(idx >= 0);
    X509_ATTRIBUTE_free(CMS_unsigned_delete_attr(si, idx));
  });
  const SignatureReport s = onlySignature(check(sig));
  const auto a = archiveTimestamps(s);
  BOOST_TEST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0]->indication == Indication::TotalFailed);
  BOOST_TEST(a[0]->subIndication == SubIndication::HashFailure);
  BOOST_TEST(a[0]->detail.code == "archive-timestamp-imprint-mismatch");
  BOOST_TEST(s.level != "B-LTA");
  BOOST_TEST(hasMessage(s, "archive-timestamp-not-valid"));
}

BOOST_AUTO_TEST_CASE(changing_a_covered_value_breaks_the_archive_timestamp) {
  const fs::path sig = signDoc("B-LTA", true);
  // One byte inside the revocation-values attribute's value.
  editSigner(sig, [](CMS_ContentInfo*, CMS_SignerInfo* si) {
    const int idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_ets_revocationValues, -1);
    BOOST_TEST_REQUIRE(idx >= 0);
    ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, idx), 0);
    BOOST_TEST_REQUIRE((t && t->type == V_ASN1_SEQUENCE));
    auto* data = const_cast<unsigned char*>(ASN1_STRING_get0_data(t->value.sequence));
    const int len = ASN1_STRING_length(t->value.sequence);
    data[len - 3] ^= 0x01;  // inside the last response's signature bits
  });
  const SignatureReport s = onlySignature(check(sig));
  const auto a = archiveTimestamps(s);
  BOOST_TEST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0]->indication == Indication::TotalFailed);
  BOOST_TEST(a[0]->detail.code == "archive-timestamp-imprint-mismatch");
  BOOST_TEST(s.level != "B-LTA");
}

BOOST_AUTO_TEST_CASE(a_changed_signature_value_fails_the_signature_and_the_archive_timestamp) {
  const fs::path sig = signDoc("B-LTA", false);
  editSigner(sig, [](CMS_ContentInfo*, CMS_SignerInfo* si) {
    ASN1_OCTET_STRING* v = CMS_SignerInfo_get0_signature(si);
    const_cast<unsigned char*>(ASN1_STRING_get0_data(v))[ASN1_STRING_length(v) / 2] ^= 0x01;
  });
  const SignatureReport s = onlySignature(check(sig));
  BOOST_TEST(s.indication == Indication::TotalFailed);
  const auto a = archiveTimestamps(s);
  BOOST_TEST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0]->indication == Indication::TotalFailed);
  BOOST_TEST(a[0]->subIndication == SubIndication::HashFailure);
}

BOOST_AUTO_TEST_CASE(a_changed_content_fails_the_archive_timestamp) {
  const fs::path sig = signDoc("B-LTA", false);
  writeFile(fs::path(sig).replace_extension(), "Umowa najmu, zmieniona\n");
  const SignatureReport s = onlySignature(check(sig));
  BOOST_TEST(s.indication == Indication::TotalFailed);
  const auto a = archiveTimestamps(s);
  BOOST_TEST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0]->indication == Indication::TotalFailed);
}

BOOST_AUTO_TEST_CASE(an_unsigned_attribute_added_later_is_ignored) {
  const fs::path sig = signDoc("B-LTA", false);
  editSigner(sig, [](CMS_ContentInfo*, CMS_SignerInfo* si) {
    // An attribute of no meaning to us (1.3.6.1.4.1.99999.1, a UTF8String).
    ossl::Asn1Object obj(OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1));
    const std::string note = "added after the archive time-stamp";
    BOOST_TEST_REQUIRE(CMS_unsigned_add1_attr_by_OBJ(si, obj.get(), V_ASN1_UTF8STRING, note.data(),
                                                     static_cast<int>(note.size())) == 1);
  });
  requireLta(onlySignature(check(sig)));
  opensslAccepts(sig);
}

BOOST_AUTO_TEST_CASE(without_the_detached_content_the_archive_timestamp_is_not_judged) {
  const fs::path sig = signDoc("B-LTA", false);
  VerifyOptions o = online();  // no detachedContent
  const SignatureReport s = onlySignature(verifyFile(sig, o));
  BOOST_TEST(s.indication == Indication::Indeterminate);
  const auto a = archiveTimestamps(s);
  BOOST_TEST_REQUIRE(a.size() == 1u);
  BOOST_TEST(a[0]->indication == Indication::Indeterminate);
  BOOST_TEST(a[0]->subIndication == SubIndication::SignedDataNotFound);
}

BOOST_AUTO_TEST_CASE(eu_dss_archive_timestamps_match_their_imprints) {
  // Third-party files (shared/corpus, EU DSS test resources): an
  // archive-time-stamp-v3 with the older ats-hash-index (TS 101 733) and an
  // archive-time-stamp-v2 (RFC 5126 §6.4.1), attached; a v2 over detached
  // content.  Their TSAs are not trusted here, so each is INDETERMINATE,
  // but every imprint must match.
  const fs::path dss = corpusDir() / "cades" / "dss";
  const std::vector<std::pair<fs::path, std::optional<fs::path>>> files{
      {dss / "Signature-C-B-LTA-10.p7m", std::nullopt},
      {dss / "dss-916" / "test.txt.signed_Certipost-2048.detached.old.p7s", dss / "dss-916" / "test.txt"}};
  for (const auto& [file, content] : files) {
    BOOST_TEST_CONTEXT(file.filename()) {
      VerifyOptions o;
      o.detachedContent = content;
      const SignatureReport s = onlySignature(cades.verify(file, o));
      BOOST_TEST(s.level == "B-LTA");
      const auto a = archiveTimestamps(s);
      BOOST_TEST(!a.empty());
      for (const TimestampReport* t : a) {
        BOOST_TEST(t->indication == Indication::Indeterminate);
        BOOST_TEST(t->subIndication == SubIndication::NoCertificateChainFound);
        const auto imprint =
            std::find_if(t->checks.begin(), t->checks.end(), [](const Check& c) { return c.id == "imprint"; });
        BOOST_TEST_REQUIRE((imprint != t->checks.end()));
        BOOST_TEST((imprint->status == Check::Status::Passed), imprint->detail);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
