// Verdicts of CMS signatures (CAdES; PAdES shares cms::verifySignerInfo)
// after ETSI EN 319 102-1: integrity before trust, time-stamps held to the
// RFC 3161 TSA rules, the signing certificate's purpose, and the
// cryptographic constraints of ETSI TS 119 312.  The files are made here
// with the openssl command and OpenSSL's API against the demo PKI.
#include <boost/test/unit_test.hpp>

#include "printers.h"
#include "test_support.h"

#include "../../formats/src/signature_checks.h"

#include <securedoc/cloud/tsa.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/formats/cades.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ts.h>

#include <ctime>

using namespace securedoc;
using securedoc::test::pkiDir;
using securedoc::test::run;
using securedoc::test::TempDir;
namespace fs = std::filesystem;

namespace {

const char* kExtensions =
    "[signer]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, nonRepudiation, digitalSignature\n"
    "[tls]\nbasicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\n"
    "extendedKeyUsage = serverAuth\n";

Bytes readBytes(const fs::path& p) {
  const std::string s = test::readText(p);
  return Bytes(s.begin(), s.end());
}
void writeBytes(const fs::path& p, const Bytes& b) { test::writeFile(p, std::string(b.begin(), b.end())); }

struct Fixture {
  TempDir dir;
  fs::path pki = pkiDir();
  CadesModule cades;
  cloud::TsaResponder tsa{pki / "tsa.pem", pki / "tsa.key", {pki / "issuing-ca.pem"}};

  Fixture() { test::writeFile(dir / "ext.cnf", kExtensions); }

  void openssl(std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    const auto r = run(args);
    BOOST_TEST_REQUIRE(r.exitCode == 0, r.err);
  }

  /// A certificate from the demo issuing CA: `keyArgs` for genpkey, the
  /// extension section of ext.cnf, a serial.  Key in NAME.key.
  fs::path issue(const std::string& name, const std::vector<std::string>& keyArgs, const std::string& section,
                 const std::string& cn, const std::string& serial = "") {
    std::vector<std::string> gen{"genpkey"};
    gen.insert(gen.end(), keyArgs.begin(), keyArgs.end());
    gen.insert(gen.end(), {"-out", (dir / (name + ".key")).string()});
    openssl(gen);
    openssl({"req", "-new", "-key", (dir / (name + ".key")).string(), "-subj", "/C=PL/O=SecureDoc Test/CN=" + cn,
             "-out", (dir / (name + ".csr")).string()});
    std::vector<std::string> x{"x509",
                               "-req",
                               "-in",
                               (dir / (name + ".csr")).string(),
                               "-CA",
                               (pki / "issuing-ca.pem").string(),
                               "-CAkey",
                               (pki / "issuing-ca.key").string(),
                               "-days",
                               "30",
                               "-sha256",
                               "-extfile",
                               (dir / "ext.cnf").string(),
                               "-extensions",
                               section,
                               "-out",
                               (dir / (name + ".pem")).string()};
    if (!serial.empty()) x.insert(x.end(), {"-set_serial", serial});
    openssl(x);
    return dir / (name + ".pem");
  }
  fs::path rsa(const std::string& name, int bits = 2048, const std::string& section = "signer",
               const std::string& serial = "") {
    return issue(name, {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:" + std::to_string(bits)}, section,
                 "Verdict " + name, serial);
  }

  /// An attached CAdES-BES by `name` (openssl cms -cades: ESS
  /// signing-certificate-v2) with digest `md`, carrying the issuing CA.
  fs::path sign(const std::string& name, const std::string& md = "sha256", bool certs = true) {
    test::writeFile(dir / "doc.txt", "the signed document\n");
    const fs::path out = dir / (name + "-" + md + ".p7m");
    std::vector<std::string> a{"cms",
                               "-sign",
                               "-binary",
                               "-nodetach",
                               "-cades",
                               "-md",
                               md,
                               "-in",
                               (dir / "doc.txt").string(),
                               "-signer",
                               (dir / (name + ".pem")).string(),
                               "-inkey",
                               (dir / (name + ".key")).string(),
                               "-outform",
                               "DER",
                               "-out",
                               out.string()};
    if (certs) {
      a.insert(a.end(), {"-certfile", (pki / "issuing-ca.pem").string()});
    } else {
      a.push_back("-nocerts");
    }
    openssl(a);
    return out;
  }

  /// An RFC 3161 token from the demo TSA over `data` (SHA-256 imprint, certReq).
  Bytes token(const Bytes& data) {
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256(data.data(), data.size(), h);
    ossl::Ptr<TS_REQ, TS_REQ_free> req(TS_REQ_new());
    ossl::Ptr<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free> mi(TS_MSG_IMPRINT_new());
    ossl::X509Algor alg(X509_ALGOR_new());
    BOOST_TEST_REQUIRE(X509_ALGOR_set0(alg.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) == 1);
    BOOST_TEST_REQUIRE(TS_MSG_IMPRINT_set_algo(mi.get(), alg.get()) == 1);
    BOOST_TEST_REQUIRE(TS_MSG_IMPRINT_set_msg(mi.get(), h, sizeof h) == 1);
    BOOST_TEST_REQUIRE(TS_REQ_set_version(req.get(), 1) == 1);
    BOOST_TEST_REQUIRE(TS_REQ_set_msg_imprint(req.get(), mi.get()) == 1);
    BOOST_TEST_REQUIRE(TS_REQ_set_cert_req(req.get(), 1) == 1);
    unsigned char* der = nullptr;
    const int len = i2d_TS_REQ(req.get(), &der);
    BOOST_TEST_REQUIRE(len > 0);
    const Bytes reqDer(der, der + len);
    OPENSSL_free(der);
    const Bytes respDer = tsa.respond(reqDer);
    const unsigned char* p = respDer.data();
    ossl::TsResp resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(respDer.size())));
    BOOST_TEST_REQUIRE(static_cast<bool>(resp));
    PKCS7* tok = TS_RESP_get_token(resp.get());
    BOOST_TEST_REQUIRE(tok != nullptr);
    unsigned char* td = nullptr;
    const int tl = i2d_PKCS7(tok, &td);
    BOOST_TEST_REQUIRE(tl > 0);
    Bytes out(td, td + tl);
    OPENSSL_free(td);
    return out;
  }

  /// The same TSTInfo signed by `name`'s certificate and key instead of the
  /// TSA's, with a correct ESS signing-certificate-v2 (CMS_CADES): only the
  /// certificate's purpose is wrong.
  Bytes resignedBy(const Bytes& tokenDer, const std::string& name) {
    const unsigned char* p = tokenDer.data();
    ossl::Cms tok(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(tokenDer.size())));
    BOOST_TEST_REQUIRE(static_cast<bool>(tok));
    ASN1_OCTET_STRING** content = CMS_get0_content(tok.get());
    BOOST_TEST_REQUIRE((content && *content));
    ossl::Bio certBio(BIO_new_file((dir / (name + ".pem")).c_str(), "r"));
    ossl::Bio keyBio(BIO_new_file((dir / (name + ".key")).c_str(), "r"));
    ossl::Ptr<X509, X509_free> cert(PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr));
    ossl::Ptr<EVP_PKEY, EVP_PKEY_free> key(PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
    BOOST_TEST_REQUIRE((cert && key));
    ossl::Cms out(
        CMS_sign(cert.get(), key.get(), nullptr, nullptr, CMS_PARTIAL | CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES));
    BOOST_TEST_REQUIRE(static_cast<bool>(out));
    BOOST_TEST_REQUIRE(CMS_set1_eContentType(out.get(), OBJ_nid2obj(NID_id_smime_ct_TSTInfo)) == 1);
    ossl::Bio in(BIO_new_mem_buf(ASN1_STRING_get0_data(*content), ASN1_STRING_length(*content)));
    BOOST_TEST_REQUIRE(CMS_final(out.get(), in.get(), nullptr, CMS_BINARY) == 1);
    unsigned char* der = nullptr;
    const int len = i2d_CMS_ContentInfo(out.get(), &der);
    BOOST_TEST_REQUIRE(len > 0);
    Bytes b(der, der + len);
    OPENSSL_free(der);
    return b;
  }

  /// Adds a signature-time-stamp (`makeToken(signature value)`) to the first
  /// SignerInfo of `sig`, in place.
  template <class F>
  void addTimestamp(const fs::path& sig, F makeToken) {
    const Bytes der = readBytes(sig);
    const unsigned char* p = der.data();
    ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    BOOST_TEST_REQUIRE(static_cast<bool>(cms));
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
    const ASN1_OCTET_STRING* v = CMS_SignerInfo_get0_signature(si);
    const Bytes value(ASN1_STRING_get0_data(v), ASN1_STRING_get0_data(v) + ASN1_STRING_length(v));
    const Bytes tok = makeToken(value);
    BOOST_TEST_REQUIRE(CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, tok.data(),
                                                     static_cast<int>(tok.size())) == 1);
    unsigned char* out = nullptr;
    const int len = i2d_CMS_ContentInfo(cms.get(), &out);
    BOOST_TEST_REQUIRE(len > 0);
    writeBytes(sig, Bytes(out, out + len));
    OPENSSL_free(out);
  }

  VerifyOptions anchored() {
    VerifyOptions o;
    o.trustAnchors = Certificate::loadFile(pki / "root-ca.pem");
    return o;
  }
  static const Check* check(const std::vector<Check>& checks, const std::string& id) {
    for (const auto& c : checks) {
      if (c.id == id) return &c;
    }
    BOOST_TEST_MESSAGE("no check " << id);
    return nullptr;
  }
  static bool hasMessage(const SignatureReport& s, const std::string& code) {
    for (const auto& m : s.messages) {
      if (m.code == code) return true;
    }
    return false;
  }
  static void show(const VerificationReport& r) {
    for (const auto& s : r.signatures) {
      BOOST_TEST_MESSAGE(s.id << " " << indicationCode(s.indication) << "/" << subIndicationCode(s.subIndication) << " "
                              << s.level);
      for (const auto& c : s.checks)
        BOOST_TEST_MESSAGE("  " << c.id << " " << checkStatusCode(c.status) << " " << c.detail);
      for (const auto& t : s.timestamps) {
        BOOST_TEST_MESSAGE("  ts " << indicationCode(t.indication) << "/" << subIndicationCode(t.subIndication) << " "
                                   << t.detail);
      }
    }
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(verdicts_cms, Fixture)

// ---------------------------------------------- integrity before trust ---

BOOST_AUTO_TEST_CASE(a_wrong_signature_value_without_trust_anchor_is_sig_crypto_failure) {
  rsa("alice");
  const fs::path sig = sign("alice");
  Bytes der = readBytes(sig);
  // No unsigned attributes: the RSA value ends the DER.
  der[der.size() - 10] = static_cast<std::uint8_t>(der[der.size() - 10] ^ 0x01u);
  writeBytes(sig, der);
  const auto r = cades.verify(sig, VerifyOptions{});
  show(r);
  BOOST_TEST_REQUIRE(r.signatures.size() == 1u);
  const auto& s = r.signatures[0];
  BOOST_TEST(s.indication == Indication::TotalFailed);
  BOOST_TEST(s.subIndication == SubIndication::SigCryptoFailure);
  BOOST_TEST_REQUIRE(check(s.checks, "messageDigest"));
  BOOST_TEST(check(s.checks, "messageDigest")->status == Check::Status::Passed);
  BOOST_TEST(check(s.checks, "signatureValue")->status == Check::Status::Failed);
  BOOST_TEST(check(s.checks, "signatureValue")->detail.code == "signature-value-mismatch");
}

BOOST_AUTO_TEST_CASE(changed_content_without_trust_anchor_is_hash_failure) {
  rsa("alice");
  const fs::path sig = sign("alice");
  std::string der = test::readText(sig);
  const std::size_t at = der.find("the signed document");
  BOOST_TEST_REQUIRE(at != std::string::npos);
  der[at] = 'T';
  test::writeFile(sig, der);
  const auto r = cades.verify(sig, VerifyOptions{});
  show(r);
  const auto& s = r.signatures.at(0);
  BOOST_TEST(s.indication == Indication::TotalFailed);
  BOOST_TEST(s.subIndication == SubIndication::HashFailure);
  BOOST_TEST_REQUIRE(check(s.checks, "messageDigest"));
  BOOST_TEST(check(s.checks, "messageDigest")->status == Check::Status::Failed);
  BOOST_TEST(check(s.checks, "messageDigest")->detail.code == "content-changed");
}

BOOST_AUTO_TEST_CASE(a_swapped_signing_certificate_with_the_same_name_is_total_failed) {
  // Same issuer, subject and serial number (the SignerInfo names the signer
  // by issuer and serial), another key.
  rsa("alice", 2048, "signer", "0x5EC0DE01");
  issue("mallory", {"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}, "signer", "Verdict alice", "0x5EC0DE01");
  const fs::path sig = sign("alice", "sha256", false);
  {
    const Bytes der = readBytes(sig);
    const unsigned char* p = der.data();
    ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    BOOST_TEST_REQUIRE(static_cast<bool>(cms));
    const Certificate swapped = Certificate::loadFile(dir / "mallory.pem").at(0);
    const Certificate ca = Certificate::loadFile(pki / "issuing-ca.pem").at(0);
    BOOST_TEST_REQUIRE(CMS_add1_cert(cms.get(), swapped.native()) == 1);
    BOOST_TEST_REQUIRE(CMS_add1_cert(cms.get(), ca.native()) == 1);
    unsigned char* out = nullptr;
    const int len = i2d_CMS_ContentInfo(cms.get(), &out);
    writeBytes(sig, Bytes(out, out + len));
    OPENSSL_free(out);
  }
  for (const VerifyOptions& o : {VerifyOptions{}, anchored()}) {
    const auto r = cades.verify(sig, o);
    show(r);
    const auto& s = r.signatures.at(0);
    BOOST_TEST(s.indication == Indication::TotalFailed);
    BOOST_TEST(s.subIndication == SubIndication::SigCryptoFailure);
    BOOST_TEST_REQUIRE(s.signer.has_value());
    BOOST_TEST(s.signer->commonName() == "Verdict alice");
    BOOST_TEST(check(s.checks, "messageDigest")->status == Check::Status::Passed);
    BOOST_TEST(check(s.checks, "signatureValue")->status == Check::Status::Failed);
    BOOST_TEST(check(s.checks, "signingCertificateReference")->status == Check::Status::Failed);
  }
}

// ------------------------------------------------------- time-stamps ---

BOOST_AUTO_TEST_CASE(an_honest_sha256_cades_with_a_real_tsa_token_is_total_passed_b_t) {
  rsa("alice");
  const fs::path sig = sign("alice");
  addTimestamp(sig, [this](const Bytes& v) { return token(v); });
  const auto r = cades.verify(sig, anchored());
  show(r);
  const auto& s = r.signatures.at(0);
  BOOST_TEST(s.indication == Indication::TotalPassed);
  BOOST_TEST(s.level == "B-T");
  BOOST_TEST(check(s.checks, "cryptographicConstraints")->status == Check::Status::Passed);
  BOOST_TEST(check(s.checks, "keyUsage")->status == Check::Status::Passed);
  BOOST_TEST_REQUIRE(s.timestamps.size() == 1u);
  const auto& t = s.timestamps[0];
  BOOST_TEST(t.indication == Indication::TotalPassed);
  for (const char* id : {"parsed", "imprint", "signatureValue", "tsaCertificate", "extendedKeyUsage", "essCertificate",
                         "certificateChain", "genTime"}) {
    BOOST_TEST_REQUIRE(check(t.checks, id), id);
    BOOST_TEST(check(t.checks, id)->status == Check::Status::Passed, id);
  }
  BOOST_TEST(checks::hasUsableSignatureTimestamp(s));
}

BOOST_AUTO_TEST_CASE(a_token_signed_by_a_certificate_without_time_stamping_usage_fails_and_the_level_is_b_b) {
  rsa("alice");
  const fs::path sig = sign("alice");
  addTimestamp(sig, [this](const Bytes& v) { return resignedBy(token(v), "alice"); });
  const auto r = cades.verify(sig, anchored());
  show(r);
  const auto& s = r.signatures.at(0);
  BOOST_TEST(s.level == "B-B");
  BOOST_TEST(!checks::hasUsableSignatureTimestamp(s));
  BOOST_TEST(hasMessage(s, "timestamp-not-valid"));
  BOOST_TEST_REQUIRE(s.timestamps.size() == 1u);
  const auto& t = s.timestamps[0];
  BOOST_TEST(t.indication == Indication::TotalFailed);
  BOOST_TEST(t.subIndication == SubIndication::ChainConstraintsFailure);
  BOOST_TEST(check(t.checks, "signatureValue")->status == Check::Status::Passed);
  BOOST_TEST(check(t.checks, "essCertificate")->status == Check::Status::Passed);
  BOOST_TEST_REQUIRE(check(t.checks, "extendedKeyUsage"));
  BOOST_TEST(check(t.checks, "extendedKeyUsage")->status == Check::Status::Failed);
  BOOST_TEST(check(t.checks, "extendedKeyUsage")->detail.code == "timestamp-tsa-eku");
  BOOST_TEST(t.detail.code == "timestamp-tsa-eku");
  // The signature itself is sound and trusted: only the time-stamp is refused.
  BOOST_TEST(s.indication == Indication::TotalPassed);
}

BOOST_AUTO_TEST_CASE(a_token_from_after_the_validation_time_fails_and_the_level_is_b_b) {
  rsa("alice");
  const fs::path sig = sign("alice");
  addTimestamp(sig, [this](const Bytes& v) { return token(v); });
  VerifyOptions o = anchored();
  o.time = std::time(nullptr) - 3600;
  const auto r = cades.verify(sig, o);
  show(r);
  const auto& s = r.signatures.at(0);
  BOOST_TEST(s.level == "B-B");
  BOOST_TEST(hasMessage(s, "timestamp-not-valid"));
  BOOST_TEST_REQUIRE(s.timestamps.size() == 1u);
  const auto& t = s.timestamps[0];
  BOOST_TEST(t.indication == Indication::TotalFailed);
  BOOST_TEST(t.subIndication == SubIndication::SigConstraintsFailure);
  BOOST_TEST(check(t.checks, "genTime")->status == Check::Status::Failed);
  BOOST_TEST(check(t.checks, "genTime")->detail.code == "timestamp-gentime-future");
  BOOST_TEST(t.detail.code == "timestamp-gentime-future");
  BOOST_TEST(s.indication != Indication::TotalPassed);  // the certificate is not yet valid an hour ago either
}

// ----------------------------------------- signing certificate purpose ---

BOOST_AUTO_TEST_CASE(a_tls_server_certificate_is_not_meant_for_signatures) {
  rsa("server", 2048, "tls");
  const auto r = cades.verify(sign("server"), anchored());
  show(r);
  const auto& s = r.signatures.at(0);
  BOOST_TEST(s.indication == Indication::Indeterminate);
  BOOST_TEST(s.subIndication == SubIndication::ChainConstraintsFailure);
  BOOST_TEST(check(s.checks, "certificateChain")->status == Check::Status::Passed);
  BOOST_TEST_REQUIRE(check(s.checks, "keyUsage"));
  BOOST_TEST(check(s.checks, "keyUsage")->status == Check::Status::Failed);
  BOOST_TEST(check(s.checks, "keyUsage")->detail.code == "signing-certificate-extended-key-usage");
  BOOST_TEST(!check(s.checks, "keyUsage")->detail.arg("usages").empty());
}

BOOST_AUTO_TEST_CASE(extra_certificates_complete_a_chain_the_signature_does_not_carry) {
  rsa("alice");
  const fs::path sig = sign("alice", "sha256", false);  // no intermediate, only the signer's own certificate
  {
    const Bytes der = readBytes(sig);
    const unsigned char* p = der.data();
    ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    BOOST_TEST_REQUIRE(static_cast<bool>(cms));
    BOOST_TEST_REQUIRE(CMS_add1_cert(cms.get(), Certificate::loadFile(dir / "alice.pem").at(0).native()) == 1);
    unsigned char* out = nullptr;
    const int len = i2d_CMS_ContentInfo(cms.get(), &out);
    writeBytes(sig, Bytes(out, out + len));
    OPENSSL_free(out);
  }
  const auto without = cades.verify(sig, anchored());
  BOOST_TEST(without.signatures.at(0).subIndication == SubIndication::NoCertificateChainFound);
  VerifyOptions o = anchored();
  o.extraCertificates = Certificate::loadFile(pki / "issuing-ca.pem");
  const auto with = cades.verify(sig, o);
  show(with);
  BOOST_TEST(with.signatures.at(0).indication == Indication::TotalPassed);
  BOOST_TEST(with.signatures.at(0).chain.size() == 3u);
}

// --------------------------------------- cryptographic constraints ---

BOOST_AUTO_TEST_CASE(sha1_without_proof_of_existence_is_crypto_constraints_failure_no_poe) {
  rsa("alice");
  const auto r = cades.verify(sign("alice", "sha1"), anchored());
  show(r);
  const auto& s = r.signatures.at(0);
  BOOST_TEST(s.indication == Indication::Indeterminate);
  BOOST_TEST(s.subIndication == SubIndication::CryptoConstraintsFailureNoPoe);
  BOOST_TEST(check(s.checks, "signatureValue")->status == Check::Status::Passed);
  BOOST_TEST_REQUIRE(check(s.checks, "cryptographicConstraints"));
  BOOST_TEST(check(s.checks, "cryptographicConstraints")->status == Check::Status::Failed);
  BOOST_TEST(check(s.checks, "cryptographicConstraints")->detail.arg("algorithm") == "SHA-1");
  BOOST_TEST(std::string(subIndicationCode(s.subIndication)) == "CRYPTO_CONSTRAINTS_FAILURE_NO_POE");
}

BOOST_AUTO_TEST_CASE(rsa_1024_without_proof_of_existence_is_crypto_constraints_failure_no_poe) {
  rsa("small", 1024);
  const auto r = cades.verify(sign("small"), anchored());
  show(r);
  const auto& s = r.signatures.at(0);
  BOOST_TEST(s.indication == Indication::Indeterminate);
  BOOST_TEST(s.subIndication == SubIndication::CryptoConstraintsFailureNoPoe);
  BOOST_TEST_REQUIRE(check(s.checks, "cryptographicConstraints"));
  BOOST_TEST(check(s.checks, "cryptographicConstraints")->detail.arg("algorithm") == "RSA-1024");
}

BOOST_AUTO_TEST_CASE(md5_is_crypto_constraints_failure_whatever_the_proof) {
  rsa("alice");
  const auto r = cades.verify(sign("alice", "md5"), anchored());
  show(r);
  const auto& s = r.signatures.at(0);
  BOOST_TEST(s.indication == Indication::Indeterminate);
  BOOST_TEST(s.subIndication == SubIndication::CryptoConstraintsFailure);
  BOOST_TEST_REQUIRE(check(s.checks, "cryptographicConstraints"));
  BOOST_TEST(check(s.checks, "cryptographicConstraints")->detail.arg("algorithm") == "MD5");
}

BOOST_AUTO_TEST_CASE(the_constraints_accept_an_expired_algorithm_proven_before_its_end) {
  const std::time_t now = std::time(nullptr);
  const std::time_t in2010 = 1262304000;  // 2010-01-01T00:00:00Z, before SHA-1's end
  auto judged = [&](const std::string& digest, std::optional<std::time_t> poe, std::vector<std::string> more = {}) {
    SignatureReport s;
    s.indication = Indication::TotalPassed;
    s.digestAlgorithm = digest;
    checks::cryptographicConstraints(s, poe, now, more);
    return s;
  };
  BOOST_TEST(judged("SHA-256", std::nullopt).indication == Indication::TotalPassed);
  BOOST_TEST(judged("SHA-1", in2010).indication == Indication::TotalPassed);
  BOOST_TEST(check(judged("SHA-1", in2010).checks, "cryptographicConstraints")->detail.code ==
             "crypto-algorithm-proven-in-time");
  BOOST_TEST(judged("SHA-1", now).subIndication == SubIndication::CryptoConstraintsFailureNoPoe);
  BOOST_TEST(judged("MD5", in2010).subIndication == SubIndication::CryptoConstraintsFailure);
  // XML reference digests by URI.
  BOOST_TEST(judged("SHA-256", std::nullopt, {"http://www.w3.org/2000/09/xmldsig#sha1"}).subIndication ==
             SubIndication::CryptoConstraintsFailureNoPoe);
  BOOST_TEST(judged("SHA-256", std::nullopt, {"http://www.w3.org/2001/04/xmldsig-more#md5"}).subIndication ==
             SubIndication::CryptoConstraintsFailure);
  BOOST_TEST(judged("SHA-256", std::nullopt, {"http://www.w3.org/2001/04/xmlenc#sha512"}).indication ==
             Indication::TotalPassed);
}

BOOST_AUTO_TEST_SUITE_END()
