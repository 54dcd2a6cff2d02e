// crypto/: digests, certificates, chains, the PKCS#12 signer, ECDSA encodings.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "crypto_printers.h"
#include "test_support.h"

#include <securedoc/crypto/chain.h>
#include <securedoc/crypto/digest.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/pkcs12_signer.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

using namespace securedoc;
using securedoc::test::hasCategory;
using securedoc::test::pkiDir;
using securedoc::test::TempDir;

namespace {

struct FixedPassword final : Interaction {
  explicit FixedPassword(std::string p) : password(std::move(p)) {}
  SecretString askSecret(Secret, const std::string&) override {
    ++asked;
    return SecretString(std::string_view(password));
  }
  std::string password;
  int asked = 0;
};

Certificate load(const std::string& name) { return Certificate::loadFile(pkiDir() / name).at(0); }
}  // namespace

BOOST_AUTO_TEST_SUITE(digests)

BOOST_AUTO_TEST_CASE(sha256_of_abc_matches_the_fips_180_vector) {
  BOOST_TEST(toHex(digest(DigestAlgorithm::Sha256, "abc", 3)) ==
             "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
  BOOST_TEST(digest(DigestAlgorithm::Sha384, "abc", 3).size() == 48u);
  BOOST_TEST(digest(DigestAlgorithm::Sha512, "abc", 3).size() == 64u);
}

BOOST_AUTO_TEST_CASE(file_digest_equals_memory_digest_across_block_boundaries) {
  TempDir dir;
  std::string data(3 * (1u << 20) + 17, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(data.data()), static_cast<int>(data.size()));
  test::writeFile(dir / "big.bin", data);
  for (auto alg : {DigestAlgorithm::Sha256, DigestAlgorithm::Sha384, DigestAlgorithm::Sha512}) {
    BOOST_TEST(digestFile(alg, dir / "big.bin") == digest(alg, data.data(), data.size()),
               "streamed digest equals one-shot digest for " << digestName(alg));
  }
}

BOOST_AUTO_TEST_CASE(digest_names_parse_in_every_spelling) {
  BOOST_TEST(parseDigestAlgorithm("sha256") == DigestAlgorithm::Sha256);
  BOOST_TEST(parseDigestAlgorithm("SHA-384") == DigestAlgorithm::Sha384);
  BOOST_TEST(parseDigestAlgorithm("sha_512") == DigestAlgorithm::Sha512);
  BOOST_CHECK_EXCEPTION(parseDigestAlgorithm("md5"), Error, hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_CASE(missing_file_and_folder_give_io_errors_naming_the_file) {
  TempDir dir;
  BOOST_CHECK_EXCEPTION(digestFile(DigestAlgorithm::Sha256, dir / "nope"), Error, [&](const Error& e) {
    return e.category() == Category::Io && e.file() == (dir / "nope").string();
  });
  BOOST_CHECK_EXCEPTION(digestFile(DigestAlgorithm::Sha256, dir.path()), Error, hasCategory(Category::Io));
}

BOOST_AUTO_TEST_CASE(digester_refuses_use_after_finish) {
  Digester d(DigestAlgorithm::Sha256);
  d.update("x");
  (void)d.finish();
  BOOST_CHECK_EXCEPTION(d.update("y"), Error, hasCategory(Category::Internal));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(certificates)

BOOST_AUTO_TEST_CASE(person_fields_of_the_demo_signer_are_read) {
  const Certificate c = load("signer-rsa.pem");
  BOOST_TEST(c.commonName() == "Jan Kowalski");
  BOOST_TEST(c.subjectField("serialNumber") == "PNOPL-80010112345");
  BOOST_TEST(c.subjectField("GN") == "Jan");
  BOOST_TEST(c.subjectField("SN") == "Kowalski");
  BOOST_TEST(c.subjectField("C") == "PL");
  BOOST_TEST(c.subject().rfind("CN=Jan Kowalski,", 0) == 0u, "subject reads most specific first: " << c.subject());
  BOOST_TEST(c.issuer() == "CN=SecureDoc Demo Issuing CA,O=SecureDoc Demo,C=PL");
  BOOST_TEST(c.keyType() == "RSA-2048");
  BOOST_TEST(c.allowsNonRepudiation());
  BOOST_TEST(!c.isCa());
  const auto pol = c.policies();
  BOOST_TEST((pol.size() == 1 && pol[0] == "0.4.0.194112.1.2"), "QCP-n-qscd policy is listed");
  BOOST_TEST(c.notAfter() - c.notBefore() > 700 * 86400, "validity read to the second");
  BOOST_TEST(c.serialHex().size() >= 16u);
  BOOST_TEST(c.sha256Fingerprint().size() == 64u);
}

BOOST_AUTO_TEST_CASE(ec_key_type_names_the_curve) {
  const Certificate c = load("signer-ec.pem");
  BOOST_TEST(c.keyType() == "EC P-256");
  BOOST_TEST(c.isEcKey());
}

BOOST_AUTO_TEST_CASE(tsa_certificate_lists_time_stamping_usage) {
  const auto eku = load("tsa.pem").extendedKeyUsage();
  BOOST_TEST((eku.size() == 1 && eku[0] == "timeStamping"));
}

BOOST_AUTO_TEST_CASE(a_pem_file_with_several_certificates_loads_them_all) {
  BOOST_TEST(Certificate::loadFile(pkiDir() / "ca-chain.pem").size() == 2u);
}

BOOST_AUTO_TEST_CASE(garbage_empty_and_truncated_certificate_files_are_malformed) {
  TempDir dir;
  test::writeFile(dir / "empty.pem", "");
  test::writeFile(dir / "garbage.der", std::string(300, '\x5A'));
  const std::string pem = test::readText(pkiDir() / "signer-rsa.pem");
  test::writeFile(dir / "truncated.pem", pem.substr(0, pem.size() / 2));
  for (const char* f : {"empty.pem", "garbage.der", "truncated.pem"}) {
    BOOST_TEST_CONTEXT(f) {
      BOOST_CHECK_EXCEPTION(Certificate::loadFile(dir / f), Error, hasCategory(Category::Malformed));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(chains)

BOOST_AUTO_TEST_CASE(leaf_chains_to_the_root_through_the_intermediate) {
  const auto r =
      validateChain(load("signer-rsa.pem"), {load("issuing-ca.pem")}, {load("root-ca.pem")}, std::time(nullptr));
  BOOST_TEST((r.status == ChainStatus::Valid), r.detail);
  BOOST_TEST(r.path.size() == 3u);
}

BOOST_AUTO_TEST_CASE(without_the_intermediate_no_chain_is_found) {
  const auto r = validateChain(load("signer-rsa.pem"), {}, {load("root-ca.pem")}, std::time(nullptr));
  BOOST_TEST((r.status == ChainStatus::NoChain));
}

BOOST_AUTO_TEST_CASE(without_trust_anchors_no_chain_is_found_but_the_path_is_shown) {
  const auto r = validateChain(load("signer-rsa.pem"), {load("issuing-ca.pem")}, {}, std::time(nullptr));
  BOOST_TEST((r.status == ChainStatus::NoChain));
  BOOST_TEST(r.path.size() == 2u, "leaf and intermediate shown for the report");
}

BOOST_AUTO_TEST_CASE(expired_leaf_is_reported_as_expired) {
  const auto r =
      validateChain(load("signer-expired.pem"), {load("issuing-ca.pem")}, {load("root-ca.pem")}, std::time(nullptr));
  BOOST_TEST((r.status == ChainStatus::Expired || r.status == ChainStatus::Invalid), r.detail);
}

BOOST_AUTO_TEST_CASE(validation_time_before_issue_is_not_yet_valid) {
  const auto r =
      validateChain(load("signer-rsa.pem"), {load("issuing-ca.pem")}, {load("root-ca.pem")}, 946684800 /*2000*/);
  BOOST_TEST((r.status == ChainStatus::NotYetValid));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pkcs12_signer)

BOOST_AUTO_TEST_CASE(signs_a_batch_of_digests_that_verify_with_the_certificate) {
  for (const char* name : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(name) {
      FixedPassword pw("demo");
      Pkcs12Signer signer(pkiDir() / name, pw);
      BOOST_TEST(pw.asked == 1, "the password is asked once");
      const auto certs = signer.certificates();
      BOOST_TEST_REQUIRE(certs.size() == 1u);
      BOOST_TEST(certs[0].chain.size() >= 1u, "the issuing CA comes with the key");
      const bool ec = certs[0].certificate.isEcKey();
      std::vector<Bytes> digests{digest(DigestAlgorithm::Sha256, "one", 3), digest(DigestAlgorithm::Sha256, "two", 3)};
      const auto values = signer.signDigests(certs[0], DigestAlgorithm::Sha256,
                                             ec ? SignatureScheme::Ecdsa : SignatureScheme::RsaPkcs1v15, digests);
      BOOST_TEST_REQUIRE(values.size() == 2u);
      for (std::size_t i = 0; i < 2; ++i) {
        ossl::EvpPkeyCtx ctx(EVP_PKEY_CTX_new(X509_get0_pubkey(certs[0].certificate.native()), nullptr));
        EVP_PKEY_verify_init(ctx.get());
        EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256());
        BOOST_TEST(
            EVP_PKEY_verify(ctx.get(), values[i].data(), values[i].size(), digests[i].data(), digests[i].size()) == 1,
            "value " << i << " verifies");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_large_batch_is_signed_on_several_threads_and_every_value_matches_its_digest) {
  FixedPassword pw("demo");
  Pkcs12Signer signer(pkiDir() / "signer-ec.p12", pw);
  const auto cert = signer.certificates().at(0);
  std::vector<Bytes> digests;
  for (int i = 0; i < 100; ++i) {
    const std::string text = "document " + std::to_string(i);
    digests.push_back(digest(DigestAlgorithm::Sha256, text.data(), text.size()));
  }
  const auto values = signer.signDigests(cert, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests);
  BOOST_TEST_REQUIRE(values.size() == digests.size());
  for (std::size_t i = 0; i < digests.size(); ++i) {
    ossl::EvpPkeyCtx ctx(EVP_PKEY_CTX_new(X509_get0_pubkey(cert.certificate.native()), nullptr));
    EVP_PKEY_verify_init(ctx.get());
    EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256());
    BOOST_TEST(
        EVP_PKEY_verify(ctx.get(), values[i].data(), values[i].size(), digests[i].data(), digests[i].size()) == 1,
        "value " << i << " belongs to digest " << i);
  }
}

BOOST_AUTO_TEST_CASE(wrong_password_is_a_password_error) {
  FixedPassword pw("not-the-password");
  BOOST_CHECK_EXCEPTION(Pkcs12Signer(pkiDir() / "signer-rsa.p12", pw), Error, hasCategory(Category::Password));
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_pkcs12_is_malformed) {
  TempDir dir;
  test::writeFile(dir / "x.p12", "this is not PKCS#12");
  FixedPassword pw("demo");
  BOOST_CHECK_EXCEPTION(Pkcs12Signer(dir / "x.p12", pw), Error, hasCategory(Category::Malformed));
  test::writeFile(dir / "empty.p12", "");
  BOOST_CHECK_EXCEPTION(Pkcs12Signer(dir / "empty.p12", pw), Error, hasCategory(Category::Malformed));
  BOOST_CHECK_EXCEPTION(Pkcs12Signer(dir / "missing.p12", pw), Error, hasCategory(Category::Io));
}

BOOST_AUTO_TEST_CASE(a_truncated_pkcs12_is_malformed) {
  TempDir dir;
  const std::string p12 = test::readText(pkiDir() / "signer-rsa.p12");
  test::writeFile(dir / "cut.p12", p12.substr(0, p12.size() - 100));
  FixedPassword pw("demo");
  BOOST_CHECK_EXCEPTION(Pkcs12Signer(dir / "cut.p12", pw), Error, [](const Error& e) {
    return e.category() == Category::Malformed || e.category() == Category::Password;
  });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ecdsa_encoding)

BOOST_AUTO_TEST_CASE(raw_and_der_forms_round_trip) {
  Bytes raw(64);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i + 1);
  const Bytes der = ecdsaRawToDer(raw);
  BOOST_TEST(der[0] == 0x30, "DER ECDSA-Sig-Value is a SEQUENCE");
  BOOST_TEST(ecdsaDerToRaw(der, 32) == raw);
  BOOST_CHECK_EXCEPTION(ecdsaRawToDer(Bytes(63)), Error, hasCategory(Category::Crypto));
  BOOST_CHECK_EXCEPTION(ecdsaDerToRaw(Bytes{0x01, 0x02}, 32), Error, hasCategory(Category::Crypto));
}

BOOST_AUTO_TEST_CASE(base64_follows_rfc4648_and_refuses_anything_else) {
  // RFC 4648 §10 test vectors.
  const std::pair<const char*, const char*> vectors[] = {{"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},       {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    const Bytes b(plain, plain + std::strlen(plain));
    BOOST_TEST(toBase64(b) == encoded);
    const auto back = fromBase64(encoded);
    BOOST_TEST_REQUIRE(back.has_value(), encoded);
    BOOST_TEST((*back == b), encoded);
  }
  BOOST_TEST(toBase64(Bytes{}).empty());
  const Bytes all = [] {
    Bytes v(256);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(i);
    return v;
  }();
  BOOST_TEST((fromBase64(toBase64(all)).value_or(Bytes{}) == all), "every byte value round-trips");
  for (const char* bad : {"", "Zg", "Zg=", "Z===", "Zg==Zg==", "Zm9v\n", " Zm9v", "Zm9-", "Zm9_", "Zm=v", "=Zm9"}) {
    BOOST_TEST(!fromBase64(bad).has_value(), "refused: \"" << bad << "\"");
  }
}

BOOST_AUTO_TEST_SUITE_END()
