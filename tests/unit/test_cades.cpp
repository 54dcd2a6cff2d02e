// formats/cades: two-phase signing and verification in process.
#include <boost/test/unit_test.hpp>

#include "printers.h"
#include "test_support.h"

#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/pkcs12_signer.h>
#include <securedoc/formats/cades.h>

#include <openssl/rand.h>

using namespace securedoc;
using securedoc::test::hasCategory;
using securedoc::test::pkiDir;
using securedoc::test::TempDir;

namespace {
struct Demo final : Interaction {
  SecretString askSecret(Secret, const std::string&) override { return SecretString(std::string_view("demo")); }
};

struct Fixture {
  Demo ui;
  CadesModule cades;
  TempDir dir;

  std::filesystem::path sign(const std::string& p12, const std::filesystem::path& input, Packaging packaging,
                             DigestAlgorithm alg = DigestAlgorithm::Sha256, bool rsaPss = false) {
    Pkcs12Signer signer(pkiDir() / p12, ui);
    const auto cert = signer.certificates().at(0);
    SignParams params;
    params.packaging = packaging;
    params.digest = alg;
    params.rsaPss = rsaPss;
    auto pending = cades.prepare(input, params, cert);
    const auto values = signer.signDigests(cert, alg, pending->scheme(), {pending->digestToSign()});
    const auto out = dir / (input.filename().string() + (packaging == Packaging::Attached ? ".p7m" : ".p7s"));
    AtomicFile file(out);
    pending->finish(values.at(0), file);
    file.placeReplacing();
    return out;
  }
  VerifyOptions anchored() {
    VerifyOptions o;
    o.trustAnchors = Certificate::loadFile(pkiDir() / "root-ca.pem");
    return o;
  }
  const Check* check(const SignatureReport& s, const std::string& id) {
    for (const auto& c : s.checks) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }
};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(cades, Fixture)

BOOST_AUTO_TEST_CASE(detached_and_attached_rsa_and_ecdsa_signatures_verify_total_passed) {
  test::writeFile(dir / "doc.txt", "Umowa / contract, zażółć gęślą jaźń\n");
  for (const char* p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    for (Packaging p : {Packaging::Detached, Packaging::Attached}) {
      BOOST_TEST_CONTEXT(p12 << " " << packagingName(p)) {
        const auto sig = sign(p12, dir / "doc.txt", p);
        VerifyOptions o = anchored();
        if (p == Packaging::Detached) o.detachedContent = dir / "doc.txt";
        const auto r = cades.verify(sig, o);
        BOOST_TEST_REQUIRE(r.signatures.size() == 1u);
        const auto& s = r.signatures[0];
        BOOST_TEST(indicationCode(r.indication) == std::string("TOTAL-PASSED"), subIndicationCode(r.subIndication));
        BOOST_TEST(s.level == "B-B");
        BOOST_TEST(s.digestAlgorithm == "SHA-256");
        BOOST_TEST(s.signingTime.has_value(), "signing-time attribute present");
        BOOST_TEST(s.chain.size() == 3u, "leaf, issuing CA, root");
        const Check* ess = check(s, "signingCertificateReference");
        BOOST_TEST_REQUIRE(ess != nullptr);
        BOOST_TEST(ess->status == Check::Status::Passed, "ESS signing-certificate-v2 names the signer");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(sha384_and_sha512_signatures_verify) {
  test::writeFile(dir / "doc.txt", "x");
  for (auto alg : {DigestAlgorithm::Sha384, DigestAlgorithm::Sha512}) {
    BOOST_TEST_CONTEXT(digestName(alg)) {
      const auto sig = sign("signer-ec.p12", dir / "doc.txt", Packaging::Detached, alg);
      VerifyOptions o = anchored();
      o.detachedContent = dir / "doc.txt";
      const auto r = cades.verify(sig, o);
      BOOST_TEST((r.indication == Indication::TotalPassed));
      BOOST_TEST(r.signatures.at(0).digestAlgorithm == digestName(alg));
    }
  }
}

BOOST_AUTO_TEST_CASE(rsa_pss_signatures_carry_their_parameters_and_verify) {
  test::writeFile(dir / "doc.txt", "x");
  for (auto alg : {DigestAlgorithm::Sha256, DigestAlgorithm::Sha512}) {
    BOOST_TEST_CONTEXT(digestName(alg)) {
      const auto sig = sign("signer-rsa.p12", dir / "doc.txt", Packaging::Detached, alg, true);
      VerifyOptions o = anchored();
      o.detachedContent = dir / "doc.txt";
      const auto r = cades.verify(sig, o);
      BOOST_TEST((r.indication == Indication::TotalPassed), subIndicationCode(r.subIndication));
      // signatureAlgorithm is id-RSASSA-PSS with the digest in hashAlgorithm,
      // MGF1 and the salt length (RFC 4055 §3.1).
      const Bytes der = readFile(sig, 1u << 20);
      const unsigned char* p = der.data();
      ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
      BOOST_TEST_REQUIRE(cms != nullptr);
      CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
      X509_ALGOR* sigAlg = nullptr;
      CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sigAlg);
      const ASN1_OBJECT* oid = nullptr;
      int ptype = 0;
      const void* pval = nullptr;
      X509_ALGOR_get0(&oid, &ptype, &pval, sigAlg);
      BOOST_TEST(OBJ_obj2nid(oid) == NID_rsassaPss);
      BOOST_TEST_REQUIRE(ptype == V_ASN1_SEQUENCE);
      ossl::RsaPssParams pss(static_cast<RSA_PSS_PARAMS*>(
          ASN1_item_unpack(static_cast<const ASN1_STRING*>(pval), ASN1_ITEM_rptr(RSA_PSS_PARAMS))));
      BOOST_TEST_REQUIRE(pss != nullptr);
      const ASN1_OBJECT* hash = nullptr;
      X509_ALGOR_get0(&hash, nullptr, nullptr, pss->hashAlgorithm);
      BOOST_TEST(OBJ_obj2nid(hash) == EVP_MD_get_type(ossl::evpDigest(alg)));
      BOOST_TEST(ASN1_INTEGER_get(pss->saltLength) == static_cast<long>(digestSize(alg)));
    }
  }
  // ECDSA has no PSS: the flag changes nothing for it.
  const auto ec = sign("signer-ec.p12", dir / "doc.txt", Packaging::Detached, DigestAlgorithm::Sha256, true);
  VerifyOptions o = anchored();
  o.detachedContent = dir / "doc.txt";
  BOOST_TEST((cades.verify(ec, o).indication == Indication::TotalPassed));
}

BOOST_AUTO_TEST_CASE(one_changed_content_byte_is_a_hash_failure) {
  test::writeFile(dir / "doc.txt", "original content");
  const auto sig = sign("signer-rsa.p12", dir / "doc.txt", Packaging::Detached);
  test::writeFile(dir / "doc.txt", "original c0ntent");
  VerifyOptions o = anchored();
  o.detachedContent = dir / "doc.txt";
  const auto r = cades.verify(sig, o);
  BOOST_TEST((r.indication == Indication::TotalFailed));
  BOOST_TEST((r.subIndication == SubIndication::HashFailure));
}

BOOST_AUTO_TEST_CASE(a_flipped_signature_byte_is_a_sig_crypto_failure) {
  test::writeFile(dir / "doc.txt", "content");
  const auto sig = sign("signer-rsa.p12", dir / "doc.txt", Packaging::Attached);
  std::string der = test::readText(sig);
  // The RSA signature value is the last 256 bytes of this DER (no unsigned attributes).
  der[der.size() - 10] = static_cast<char>(der[der.size() - 10] ^ 0x01);
  test::writeFile(sig, der);
  const auto r = cades.verify(sig, anchored());
  BOOST_TEST((r.indication == Indication::TotalFailed));
  BOOST_TEST((r.subIndication == SubIndication::SigCryptoFailure));
}

BOOST_AUTO_TEST_CASE(without_trust_anchor_the_result_is_indeterminate_no_chain_but_checks_pass) {
  test::writeFile(dir / "doc.txt", "content");
  const auto sig = sign("signer-rsa.p12", dir / "doc.txt", Packaging::Attached);
  const auto r = cades.verify(sig, VerifyOptions{});
  BOOST_TEST((r.indication == Indication::Indeterminate));
  BOOST_TEST((r.subIndication == SubIndication::NoCertificateChainFound));
  BOOST_TEST(check(r.signatures.at(0), "messageDigest")->status == Check::Status::Passed);
  BOOST_TEST(check(r.signatures.at(0), "signatureValue")->status == Check::Status::Passed);
}

BOOST_AUTO_TEST_CASE(detached_signature_without_its_content_is_signed_data_not_found) {
  test::writeFile(dir / "doc.txt", "content");
  const auto sig = sign("signer-rsa.p12", dir / "doc.txt", Packaging::Detached);
  const auto r = cades.verify(sig, anchored());
  BOOST_TEST((r.indication == Indication::Indeterminate));
  BOOST_TEST((r.subIndication == SubIndication::SignedDataNotFound));
}

BOOST_AUTO_TEST_CASE(an_expired_signer_without_proof_of_existence_is_out_of_bounds_no_poe) {
  // Signing with an expired key is refused by the application layer; the
  // format module itself can still produce one, which lets us test the verifier.
  test::writeFile(dir / "doc.txt", "content");
  const auto sig = sign("signer-expired.p12", dir / "doc.txt", Packaging::Attached);
  const auto r = cades.verify(sig, anchored());
  BOOST_TEST((r.indication == Indication::Indeterminate));
  BOOST_TEST(subIndicationCode(r.subIndication) == std::string("OUT_OF_BOUNDS_NO_POE"));
}

// The level checks moved to the service (test_app:
// levels_beyond_b_t_are_unsupported_and_b_t_needs_a_tsa_in_every_format).
BOOST_AUTO_TEST_CASE(packaging_other_than_detached_or_attached_is_a_usage_error) {
  test::writeFile(dir / "doc.txt", "content");
  Pkcs12Signer signer(pkiDir() / "signer-rsa.p12", ui);
  SignParams params;
  params.packaging = Packaging::Enveloped;
  BOOST_CHECK_EXCEPTION(cades.prepare(dir / "doc.txt", params, signer.certificates().at(0)), Error,
                        hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_CASE(a_signature_value_from_the_wrong_key_is_never_written) {
  test::writeFile(dir / "doc.txt", "content");
  Pkcs12Signer rsa(pkiDir() / "signer-rsa.p12", ui);
  Pkcs12Signer other(pkiDir() / "signer-expired.p12", ui);
  const auto cert = rsa.certificates().at(0);
  auto pending = cades.prepare(dir / "doc.txt", SignParams{}, cert);
  const auto wrong = other.signDigests(other.certificates().at(0), DigestAlgorithm::Sha256, pending->scheme(),
                                       {pending->digestToSign()});
  AtomicFile file(dir / "out.p7s");
  BOOST_CHECK_EXCEPTION(pending->finish(wrong.at(0), file), Error, hasCategory(Category::Crypto));
  BOOST_TEST(!std::filesystem::exists(dir / "out.p7s"), "nothing written");
}

BOOST_AUTO_TEST_CASE(the_digest_to_sign_depends_only_on_content_certificate_and_time) {
  test::writeFile(dir / "doc.txt", "content");
  Pkcs12Signer signer(pkiDir() / "signer-rsa.p12", ui);
  SignParams params;
  params.signingTime = 1767225600;  // 2026-01-01T00:00:00Z
  const auto a = cades.prepare(dir / "doc.txt", params, signer.certificates().at(0));
  const auto b = cades.prepare(dir / "doc.txt", params, signer.certificates().at(0));
  BOOST_TEST(a->digestToSign() == b->digestToSign(), "two preparations agree (phases may run apart)");
}

BOOST_AUTO_TEST_CASE(recognises_der_and_pem_cms_but_not_other_files) {
  test::writeFile(dir / "doc.txt", "content");
  const auto sig = sign("signer-rsa.p12", dir / "doc.txt", Packaging::Attached);
  BOOST_TEST(cades.recognises(ContentSniff::of(sig)));
  BOOST_TEST(!cades.recognises(ContentSniff::of(dir / "doc.txt")));
  test::writeFile(dir / "x.pem", "-----BEGIN CMS-----\nMIIB\n-----END CMS-----\n");
  BOOST_TEST(cades.recognises(ContentSniff::of(dir / "x.pem")));
}

BOOST_AUTO_TEST_CASE(bad_signature_files_give_malformed_errors_not_crashes) {
  test::writeFile(dir / "doc.txt", "content");
  const auto sig = sign("signer-rsa.p12", dir / "doc.txt", Packaging::Attached);
  const std::string der = test::readText(sig);
  std::string lengthBomb = der.substr(0, 4);
  lengthBomb[1] = static_cast<char>(0x84);  // claims a 4-byte length
  std::string garbage(4096, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(garbage.data()), static_cast<int>(garbage.size()));
  const std::vector<std::pair<std::string, std::string>> cases{
      {"empty.p7s", ""},
      {"truncated.p7s", der.substr(0, der.size() / 2)},
      {"one-byte-short.p7s", der.substr(0, der.size() - 1)},
      {"header-only.p7s", der.substr(0, 30)},
      {"length-bomb.p7s", lengthBomb + std::string(64, '\x30')},
      {"garbage.p7s", "\x30\x82" + garbage},
      {"bad-pem.p7s", "-----BEGIN CMS-----\n!!!!\n-----END CMS-----\n"},
  };
  for (const auto& [name, content] : cases) {
    BOOST_TEST_CONTEXT(name) {
      test::writeFile(dir / name, content);
      BOOST_CHECK_EXCEPTION(cades.verify(dir / name, anchored()), Error, hasCategory(Category::Malformed));
      BOOST_CHECK_EXCEPTION(cades.inspect(dir / name), Error, hasCategory(Category::Malformed));
    }
  }
}

BOOST_AUTO_TEST_CASE(inspect_lists_signer_attributes_and_certificates) {
  test::writeFile(dir / "doc.txt", "content");
  const auto sig = sign("signer-ec.p12", dir / "doc.txt", Packaging::Attached);
  const auto in = cades.inspect(sig);
  BOOST_TEST(in.packaging == "attached");
  BOOST_TEST((in.contentSize && *in.contentSize == 7u));
  BOOST_TEST_REQUIRE(in.signatures.size() == 1u);
  BOOST_TEST(in.signatures[0].signer->commonName() == "Anna Nowak");
  BOOST_TEST(in.certificates.size() == 2u, "signer and issuing CA embedded");
  const auto& attrs = in.signatures[0].signedAttributes;
  for (const char* a : {"contentType", "messageDigest", "signingTime", "id-smime-aa-signingCertificateV2"}) {
    BOOST_TEST((std::find(attrs.begin(), attrs.end(), a) != attrs.end()), "signed attribute " << a);
  }
}

BOOST_AUTO_TEST_SUITE_END()
