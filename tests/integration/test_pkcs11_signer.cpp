// The PKCS#11 signer backend in process, against SoftHSM2 tokens in a
// temporary folder (their own SOFTHSM2_CONF): every signature scheme and
// digest checked with OpenSSL against the certificate, one login per batch,
// the selecting URI, token details, a key that does not fit its certificate,
// CKA_ALWAYS_AUTHENTICATE keys, cancel, and — through a module that wraps
// SoftHSM2 with a PIN retry counter (tests/support/pkcs11_pin_counter.cpp,
// since SoftHSM2 never locks) — wrong, last-try and locked PINs, in process
// and through securedoc-cli.  test_pkcs11 covers the CLI and the formats.
#include <boost/test/unit_test.hpp>

#include "test_support.h"

#include <securedoc/base/error.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/cloud/pkcs11_keystore.h>
#include <securedoc/crypto/pkcs11_signer.h>

#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <memory>
#include <thread>

using namespace securedoc;
using namespace securedoc::test;
namespace fs = std::filesystem;

namespace {

const std::string kSoftHsm = "/usr/lib/softhsm/libsofthsm2.so";
const std::string kPin = "5729";

/// Answers every PIN request with `pin` and counts them.
class CountingInteraction : public Interaction {
 public:
  explicit CountingInteraction(std::string pin) : m_pin(std::move(pin)) {}
  SecretString askSecret(Secret kind, const std::string& what) override {
    BOOST_TEST((kind == Secret::Pin));
    asked.push_back(what);
    return SecretString(std::string_view(m_pin));
  }
  bool cancelled() override { return cancelNow; }
  std::vector<std::string> asked;
  bool cancelNow = false;

 private:
  std::string m_pin;
};

void runOk(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
  const auto r = run(argv, env);
  BOOST_TEST_REQUIRE(r.exitCode == 0, argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": " << r.out << r.err);
}

/// One SoftHSM2 store for the whole binary (SoftHSM2 reads SOFTHSM2_CONF
/// once per process), with tokens made by samples/make-demo-token.sh plus
/// the odd ones below.
struct Store {
  TempDir dir;
  fs::path conf = dir / "softhsm2.conf";
  fs::path keyDer(const std::string& name) const { return dir / (name + ".key.der"); }
  fs::path certDer(const std::string& name) const { return dir / (name + ".cert.der"); }
  fs::path pubDer(const std::string& name) const { return dir / (name + ".pub.der"); }

  Store() {
    requireTool("softhsm2-util", "the Debian package softhsm2");
    requireTool("pkcs11-tool", "the Debian package opensc");
    runOk({(sourceDir() / "samples/make-demo-token.sh").string(), dir.path().string(), pkiDir().string(), kPin});
    BOOST_TEST_REQUIRE(fs::exists(conf));
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    const std::string passin = "file:" + (pkiDir() / "password.txt").string();
    for (const std::string name : {"signer-rsa", "signer-ec", "signer-expired"}) {
      const fs::path p12 = pkiDir() / (name + ".p12");
      const fs::path pem = dir / (name + ".pem");
      runOk({"openssl", "pkcs12", "-in", p12.string(), "-passin", passin, "-nodes", "-nocerts", "-out", pem.string()});
      runOk({"openssl", "pkey", "-in", pem.string(), "-outform", "DER", "-out", keyDer(name).string()});
      runOk({"openssl", "pkey", "-in", pem.string(), "-pubout", "-outform", "DER", "-out", pubDer(name).string()});
      runOk({"openssl", "x509", "-in", (pkiDir() / (name + ".pem")).string(), "-outform", "DER", "-out",
             certDer(name).string()});
    }
    // Jan's certificate over another RSA key with the same CKA_ID.
    token("Mismatch");
    put("Mismatch", keyDer("signer-expired"), "privkey", "01", "Jan Kowalski", false);
    put("Mismatch", certDer("signer-rsa"), "cert", "01", "Jan Kowalski", false);
    // A key that wants its PIN for every signature.
    token("Always");
    put("Always", keyDer("signer-rsa"), "privkey", "01", "Jan Kowalski", true);
    put("Always", certDer("signer-rsa"), "cert", "01", "Jan Kowalski", false);
    // A public key beside the certificate, as many cards show before login.
    token("PublicKeys");
    put("PublicKeys", keyDer("signer-rsa"), "privkey", "01", "Jan Kowalski", false);
    put("PublicKeys", pubDer("signer-rsa"), "pubkey", "01", "Jan Kowalski", false);
    put("PublicKeys", certDer("signer-rsa"), "cert", "01", "Jan Kowalski", false);
    // ... and a public key whose private key is missing.
    token("NoPrivate");
    put("NoPrivate", pubDer("signer-ec"), "pubkey", "01", "Anna Nowak", false);
    put("NoPrivate", certDer("signer-ec"), "cert", "01", "Anna Nowak", false);
    // The service's HSM token: keys generated inside by Pkcs11KeyStore.
    token("Service");
    // For the PIN counter.
    token("Counter");
    put("Counter", keyDer("signer-ec"), "privkey", "07", "Anna Nowak", false);
    put("Counter", certDer("signer-ec"), "cert", "07", "Anna Nowak", false);
  }
  void token(const std::string& label) const {
    runOk({"softhsm2-util", "--init-token", "--free", "--label", label, "--pin", kPin, "--so-pin", "12345678"},
          {"SOFTHSM2_CONF=" + conf.string()});
  }
  void put(const std::string& token, const fs::path& file, const std::string& type, const std::string& id,
           const std::string& label, bool alwaysAuth) const {
    std::vector<std::string> argv{
        "pkcs11-tool", "--module", kSoftHsm, "--token-label", token, "--login", "--pin", kPin, "--write-object",
        file.string(), "--type",   type,     "--id",          id,    "--label", label};
    if (alwaysAuth) argv.push_back("--always-auth");
    runOk(argv, {"SOFTHSM2_CONF=" + conf.string()});
  }
};

const Store& store() {
  static std::unique_ptr<Store> s;
  if (!s) s = std::make_unique<Store>();
  return *s;
}

std::string uriFor(const std::string& token) {
  (void)store();
  std::string label;
  for (char c : token) label += c == ' ' ? std::string("%20") : std::string(1, c);
  return "pkcs11:token=" + label + "?module-path=" + kSoftHsm;
}

Bytes randomDigest(DigestAlgorithm alg) {
  Bytes d(digestSize(alg));
  BOOST_TEST_REQUIRE(RAND_bytes(d.data(), static_cast<int>(d.size())) == 1);
  return d;
}

/// Verifies `value` over `digest` with the certificate's public key.
bool verifies(const Certificate& cert, DigestAlgorithm alg, SignatureScheme scheme, const Bytes& digest,
              const Bytes& value) {
  EVP_PKEY* pub = X509_get0_pubkey(cert.native());
  ossl::EvpPkeyCtx ctx(EVP_PKEY_CTX_new(pub, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return false;
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), ossl::evpDigest(alg)) != 1) return false;
  if (scheme == SignatureScheme::RsaPss) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1) return false;
    if (EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) != 1) return false;
  } else if (scheme == SignatureScheme::RsaPkcs1v15) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) return false;
  }
  return EVP_PKEY_verify(ctx.get(), value.data(), value.size(), digest.data(), digest.size()) == 1;
}

template <class Fn>
Error errorOf(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  BOOST_FAIL("no securedoc::Error was thrown");
  throw std::logic_error("unreachable");
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(pkcs11_signer)

BOOST_AUTO_TEST_CASE(rsa_pkcs1_every_digest_with_one_login) {
  CountingInteraction ui(kPin);
  Pkcs11Signer signer(uriFor("SecureDoc RSA"), ui);
  const auto certs = signer.certificates();
  BOOST_TEST_REQUIRE(certs.size() == 1u);
  const auto& oc = certs[0];
  BOOST_TEST(oc.certificate.commonName() == "Jan Kowalski");
  BOOST_TEST(oc.location == "SecureDoc RSA");
  BOOST_TEST(oc.label == "Jan Kowalski");
  BOOST_TEST(oc.keyId == "01");
  BOOST_TEST_REQUIRE(oc.chain.size() == 1u, "the issuing CA on the token completes the chain");
  BOOST_TEST(oc.chain[0].commonName() == "SecureDoc Demo Issuing CA");
  for (DigestAlgorithm alg : {DigestAlgorithm::Sha256, DigestAlgorithm::Sha384, DigestAlgorithm::Sha512}) {
    const std::vector<Bytes> digests{randomDigest(alg), randomDigest(alg), randomDigest(alg)};
    const auto values = signer.signDigests(oc, alg, SignatureScheme::RsaPkcs1v15, digests);
    BOOST_TEST_REQUIRE(values.size() == digests.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      BOOST_TEST(verifies(oc.certificate, alg, SignatureScheme::RsaPkcs1v15, digests[i], values[i]));
      BOOST_TEST(!verifies(oc.certificate, alg, SignatureScheme::RsaPkcs1v15, digests[(i + 1) % 3], values[i]));
    }
  }
  BOOST_TEST(ui.asked.size() == 1u, "one PIN for listing and three batches");
  BOOST_TEST(ui.asked.at(0) == "token \"SecureDoc RSA\"");
}

BOOST_AUTO_TEST_CASE(rsa_pss_is_randomised_and_verifies) {
  CountingInteraction ui(kPin);
  Pkcs11Signer signer(uriFor("SecureDoc RSA"), ui);
  const auto oc = signer.certificates().at(0);
  const Bytes d = randomDigest(DigestAlgorithm::Sha256);
  const auto values = signer.signDigests(oc, DigestAlgorithm::Sha256, SignatureScheme::RsaPss, {d, d});
  BOOST_TEST(verifies(oc.certificate, DigestAlgorithm::Sha256, SignatureScheme::RsaPss, d, values[0]));
  BOOST_TEST(verifies(oc.certificate, DigestAlgorithm::Sha256, SignatureScheme::RsaPss, d, values[1]));
  BOOST_TEST(!verifies(oc.certificate, DigestAlgorithm::Sha256, SignatureScheme::RsaPkcs1v15, d, values[0]),
             "a PSS value is not a PKCS#1 v1.5 value");
  BOOST_TEST((values[0] != values[1]), "PSS salts each signature");
  const Bytes d512 = randomDigest(DigestAlgorithm::Sha512);
  const auto v512 = signer.signDigests(oc, DigestAlgorithm::Sha512, SignatureScheme::RsaPss, {d512});
  BOOST_TEST(verifies(oc.certificate, DigestAlgorithm::Sha512, SignatureScheme::RsaPss, d512, v512[0]));
}

BOOST_AUTO_TEST_CASE(ecdsa_values_are_der) {
  CountingInteraction ui(kPin);
  Pkcs11Signer signer(uriFor("SecureDoc EC"), ui);
  const auto oc = signer.certificates().at(0);
  BOOST_TEST(oc.certificate.commonName() == "Anna Nowak");
  for (DigestAlgorithm alg : {DigestAlgorithm::Sha256, DigestAlgorithm::Sha384}) {
    const Bytes d = randomDigest(alg);
    const auto v = signer.signDigests(oc, alg, SignatureScheme::Ecdsa, {d});
    BOOST_TEST_REQUIRE(v.size() == 1u);
    BOOST_TEST(v[0].at(0) == 0x30, "a DER SEQUENCE, not raw r||s");
    BOOST_TEST(ecdsaDerToRaw(v[0], 32).size() == 64u);
    BOOST_TEST(verifies(oc.certificate, alg, SignatureScheme::Ecdsa, d, v[0]));
  }
}

BOOST_AUTO_TEST_CASE(a_batch_of_200_needs_one_pin) {
  CountingInteraction ui(kPin);
  Pkcs11Signer signer(uriFor("SecureDoc EC"), ui);
  const auto oc = signer.certificates().at(0);
  std::vector<Bytes> digests;
  for (int i = 0; i < 200; ++i) digests.push_back(randomDigest(DigestAlgorithm::Sha256));
  const auto values = signer.signDigests(oc, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests);
  BOOST_TEST_REQUIRE(values.size() == 200u);
  for (std::size_t i = 0; i < values.size(); i += 37) {
    BOOST_TEST(verifies(oc.certificate, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests[i], values[i]));
  }
  BOOST_TEST(ui.asked.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_offered_uri_selects_that_key_again) {
  CountingInteraction ui(kPin);
  Pkcs11Signer all("pkcs11:?module-path=" + kSoftHsm, ui);
  const auto certs = all.certificates();
  BOOST_TEST(certs.size() >= 4u, "the demo RSA and EC keys and the odd tokens' keys");
  for (const auto& oc : certs) {
    BOOST_TEST_CONTEXT(oc.id) {
      BOOST_TEST(contains(oc.id, "id=%"));
      CountingInteraction ui2(kPin);
      Pkcs11Signer one(oc.id, ui2);
      const auto again = one.certificates();
      BOOST_TEST_REQUIRE(again.size() == 1u);
      BOOST_TEST((again[0].certificate == oc.certificate));
      BOOST_TEST(again[0].location == oc.location);
    }
  }
  const auto tokens = all.tokens();
  BOOST_TEST(tokens.size() == 8u,
             "SecureDoc RSA, SecureDoc EC, Mismatch, Always, PublicKeys, NoPrivate, Service, Counter");
  for (const auto& t : tokens) {
    BOOST_TEST(t.manufacturer == "SoftHSM project");
    BOOST_TEST(t.model == "SoftHSM v2");
    BOOST_TEST(t.loginRequired);
    BOOST_TEST(!t.pinLocked);
    BOOST_TEST(!t.serial.empty());
    BOOST_TEST(t.module == kSoftHsm);
  }
  // The demo tokens (SecureDoc RSA and EC, make-demo-token.sh), PublicKeys
  // and NoPrivate show their keys before login; the other tokens hide them
  // (or, Service, hold keys without certificates), so listing logs in there.
  BOOST_TEST(ui.asked.size() == tokens.size() - 4, "one PIN per token whose keys hide before login");
}

BOOST_AUTO_TEST_CASE(a_token_showing_public_keys_lists_without_the_pin) {
  CountingInteraction ui(kPin);
  Pkcs11Signer signer(uriFor("PublicKeys"), ui);
  const auto certs = signer.certificates();
  BOOST_TEST_REQUIRE(certs.size() == 1u);
  BOOST_TEST(ui.asked.empty(), "the PIN waits until signing");
  const Bytes d = randomDigest(DigestAlgorithm::Sha256);
  const auto v = signer.signDigests(certs[0], DigestAlgorithm::Sha256, SignatureScheme::RsaPkcs1v15, {d});
  BOOST_TEST(verifies(certs[0].certificate, DigestAlgorithm::Sha256, SignatureScheme::RsaPkcs1v15, d, v.at(0)));
  BOOST_TEST(ui.asked.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_public_key_without_its_private_key_fails_at_signing_with_nothing_written) {
  CountingInteraction ui(kPin);
  Pkcs11Signer signer(uriFor("NoPrivate"), ui);
  const auto certs = signer.certificates();
  BOOST_TEST_REQUIRE(certs.size() == 1u);
  const Error e = errorOf([&] {
    signer.signDigests(certs[0], DigestAlgorithm::Sha256, SignatureScheme::Ecdsa,
                       {randomDigest(DigestAlgorithm::Sha256)});
  });
  BOOST_TEST((e.category() == Category::Usage));
  BOOST_TEST(contains(e.what(), "has no private key"), e.what());

  TempDir tmp;
  writeFile(tmp / "doc.txt", "text");
  writeFile(tmp / "pin", kPin);
  const auto r =
      cli({"sign", "--signer", uriFor("NoPrivate"), "--pin-file", (tmp / "pin").string(), (tmp / "doc.txt").string()},
          {"SOFTHSM2_CONF=" + store().conf.string()});
  BOOST_TEST(r.exitCode == 64, r.out << r.err);
  BOOST_TEST(contains(r.err, "has no private key"), r.err);
  BOOST_TEST((listDir(tmp.path()) == std::vector<std::string>{"doc.txt", "pin"}));
}

BOOST_AUTO_TEST_CASE(a_key_that_does_not_fit_its_certificate_is_refused) {
  CountingInteraction ui(kPin);
  Pkcs11Signer signer(uriFor("Mismatch"), ui);
  const auto oc = signer.certificates().at(0);
  const Error e = errorOf([&] {
    signer.signDigests(oc, DigestAlgorithm::Sha256, SignatureScheme::RsaPkcs1v15,
                       {randomDigest(DigestAlgorithm::Sha256)});
  });
  BOOST_TEST((e.category() == Category::Crypto));
  BOOST_TEST(contains(e.what(), "does not belong to its certificate"), e.what());
}

BOOST_AUTO_TEST_CASE(an_always_authenticate_key_gets_its_pin_per_batch) {
  CountingInteraction ui(kPin);
  Pkcs11Signer signer(uriFor("Always"), ui);
  const auto oc = signer.certificates().at(0);
  const std::vector<Bytes> digests{randomDigest(DigestAlgorithm::Sha256), randomDigest(DigestAlgorithm::Sha256),
                                   randomDigest(DigestAlgorithm::Sha256)};
  const auto values = signer.signDigests(oc, DigestAlgorithm::Sha256, SignatureScheme::RsaPkcs1v15, digests);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(verifies(oc.certificate, DigestAlgorithm::Sha256, SignatureScheme::RsaPkcs1v15, digests[i], values[i]));
  }
  BOOST_TEST_REQUIRE(ui.asked.size() == 2u, "the token PIN, then once for the batch's signatures");
  BOOST_TEST(contains(ui.asked[1], "Jan Kowalski"), ui.asked[1]);
}

BOOST_AUTO_TEST_CASE(cancel_stops_the_batch) {
  CountingInteraction ui(kPin);
  Pkcs11Signer signer(uriFor("SecureDoc RSA"), ui);
  const auto oc = signer.certificates().at(0);
  ui.cancelNow = true;
  const Error e = errorOf([&] {
    signer.signDigests(oc, DigestAlgorithm::Sha256, SignatureScheme::RsaPkcs1v15,
                       {randomDigest(DigestAlgorithm::Sha256)});
  });
  BOOST_TEST((e.category() == Category::Cancelled));
}

BOOST_AUTO_TEST_CASE(a_pin_in_the_uri_is_refused) {
  CountingInteraction ui(kPin);
  const Error e = errorOf([&] { Pkcs11Signer s(uriFor("SecureDoc RSA") + "&pin-value=" + kPin, ui); });
  BOOST_TEST((e.category() == Category::Usage));
  BOOST_TEST(!contains(e.what(), kPin));
  BOOST_TEST(ui.asked.empty());
}

BOOST_AUTO_TEST_CASE(pin_source_names_a_pin_file) {
  TempDir tmp;
  writeFile(tmp / "pin", kPin + "\n");
  CountingInteraction ui("wrong");
  Pkcs11Signer signer(uriFor("SecureDoc EC") + "&pin-source=file:" + (tmp / "pin").string(), ui);
  BOOST_TEST(signer.certificates().size() == 1u);
  BOOST_TEST(ui.asked.empty());
}

BOOST_AUTO_TEST_CASE(rsa_pss_pades_and_cades_from_the_token_verify_everywhere) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  TempDir tmp;
  fs::copy_file(sourceDir() / "samples/documents/contract.pdf", tmp / "contract.pdf");
  fs::copy_file(sourceDir() / "samples/documents/invoice.xml", tmp / "invoice.xml");
  writeFile(tmp / "notes.txt", "Notatka / note\n");
  writeFile(tmp / "pin", kPin);
  const std::vector<std::string> env{"SOFTHSM2_CONF=" + store().conf.string()};
  const std::string uri = uriFor("SecureDoc RSA");
  const auto r = cli({"sign", "--rsa-pss", "--signer", uri, "--pin-file", (tmp / "pin").string(),
                      (tmp / "contract.pdf").string(), (tmp / "notes.txt").string()},
                     env);
  BOOST_TEST_REQUIRE(r.exitCode == 0, r.out << r.err);
  for (const char* out : {"contract-signed.pdf", "notes.txt.p7s"}) {
    const auto v =
        cli({"verify", "--json", "--trust-anchor", (pkiDir() / "root-ca.pem").string(), (tmp / out).string()});
    BOOST_TEST(v.exitCode == 0, out << ": " << v.out << v.err);
    BOOST_TEST(contains(v.out, "\"TOTAL-PASSED\""), v.out);
  }
  const auto cms = run({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
                        (tmp / "notes.txt.p7s").string(), "-content", (tmp / "notes.txt").string(), "-CAfile",
                        (pkiDir() / "root-ca.pem").string(), "-purpose", "any", "-out", "/dev/null"});
  BOOST_TEST(cms.exitCode == 0, cms.out << cms.err);
  const auto printed =
      run({"openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", (tmp / "notes.txt.p7s").string()});
  BOOST_TEST(contains(printed.out, "rsassaPss"), "signatureAlgorithm is id-RSASSA-PSS");
  const auto pdf = run({"pdfsig", "-nocert", (tmp / "contract-signed.pdf").string()});
  BOOST_TEST(contains(pdf.out, "Signature is Valid"), pdf.out << pdf.err);
  // xmlsec 1.2 has no RSA-PSS: refused, nothing written.
  const auto xml =
      cli({"sign", "--rsa-pss", "--signer", uri, "--pin-file", (tmp / "pin").string(), (tmp / "invoice.xml").string()},
          env);
  BOOST_TEST(xml.exitCode == 1, xml.out << xml.err);
  BOOST_TEST(contains(xml.err, "RSA-PSS is not available for XML signatures"), xml.err);
  BOOST_TEST(!fs::exists(tmp / "invoice-signed.xml"));
}

BOOST_AUTO_TEST_CASE(wrong_pins_count_down_to_a_locked_token) {
  (void)store();
  TempDir tmp;
  const fs::path state = tmp / "tries";
  ::setenv("SECUREDOC_SHIM_TARGET", kSoftHsm.c_str(), 1);
  ::setenv("SECUREDOC_SHIM_STATE", state.c_str(), 1);
  ::setenv("SECUREDOC_SHIM_TRIES", "3", 1);
  const std::string shim = std::getenv("SECUREDOC_PKCS11_SHIM");
  const std::string uri = "pkcs11:token=Counter?module-path=" + shim;

  auto attempt = [&](const std::string& pin) {
    CountingInteraction ui(pin);
    Pkcs11Signer signer(uri, ui);
    return errorOf([&] { (void)signer.certificates(); });
  };
  const Error first = attempt("0000");
  BOOST_TEST((first.category() == Category::Password));
  BOOST_TEST(contains(first.what(), "wrong PIN for token \"Counter\""), first.what());
  BOOST_TEST(contains(first.what(), "may lock after a few more"), first.what());
  const Error second = attempt("0001");
  BOOST_TEST(contains(second.what(), "one try is left"), second.what());
  {
    CountingInteraction ui("x");
    const auto t = Pkcs11Signer(uri, ui).tokens().at(0);
    BOOST_TEST(t.pinCountLow);
    BOOST_TEST(t.pinFinalTry);
    BOOST_TEST(!t.pinLocked);
  }
  const Error third = attempt("0002");
  BOOST_TEST(contains(third.what(), "the PIN is now locked"), third.what());
  // Locked: refused before the PIN is even asked, the right PIN included.
  CountingInteraction ui(kPin);
  Pkcs11Signer signer(uri, ui);
  BOOST_TEST(signer.tokens().at(0).pinLocked);
  const Error locked = errorOf([&] { (void)signer.certificates(); });
  BOOST_TEST((locked.category() == Category::Password));
  BOOST_TEST(contains(locked.what(), "is locked"), locked.what());
  BOOST_TEST(ui.asked.empty());

  // The same through securedoc-cli: exit 1, a clear line, nothing written.
  writeFile(tmp / "doc.txt", "text");
  writeFile(tmp / "pin", kPin);
  const std::vector<std::string> env{"SOFTHSM2_CONF=" + store().conf.string(), "SECUREDOC_SHIM_TARGET=" + kSoftHsm,
                                     "SECUREDOC_SHIM_STATE=" + state.string(), "SECUREDOC_SHIM_TRIES=3"};
  const auto r = cli({"sign", "--signer", uri, "--pin-file", (tmp / "pin").string(), (tmp / "doc.txt").string()}, env);
  BOOST_TEST(r.exitCode == 1, r.out << r.err);
  BOOST_TEST(contains(r.err, "PIN of token \"Counter\" is locked"), r.err);
  BOOST_TEST(!contains(r.out + r.err, kPin));
  BOOST_TEST((listDir(tmp.path()) == std::vector<std::string>{"doc.txt", "pin", "tries"}));

  // Unlocked (the SO's job on a real card): the right PIN works again.
  writeFile(state, "3\n");
  const auto ok = cli({"sign", "--signer", uri, "--pin-file", (tmp / "pin").string(), (tmp / "doc.txt").string()}, env);
  BOOST_TEST(ok.exitCode == 0, ok.out << ok.err);
  BOOST_TEST(fs::exists(tmp / "doc.txt.p7s"));
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------- the service's keys
BOOST_AUTO_TEST_SUITE(pkcs11_keystore)

EVP_PKEY* parsePublicKey(const Bytes& spki, ossl::EvpPkey& owner) {
  const unsigned char* p = spki.data();
  owner.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  return owner.get();
}

bool keyVerifies(EVP_PKEY* pub, DigestAlgorithm alg, SignatureScheme scheme, const Bytes& digest, const Bytes& value) {
  ossl::EvpPkeyCtx ctx(EVP_PKEY_CTX_new(pub, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1) return false;
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), ossl::evpDigest(alg)) != 1) return false;
  if (scheme == SignatureScheme::RsaPss && (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
                                            EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) != 1)) {
    return false;
  }
  return EVP_PKEY_verify(ctx.get(), value.data(), value.size(), digest.data(), digest.size()) == 1;
}

BOOST_AUTO_TEST_CASE(generated_keys_sign_and_stay_inside_the_token) {
  Pkcs11KeyStore ks(uriFor("Service"), kPin);
  BOOST_TEST(ks.tokenLabel() == "Service");
  struct Kind {
    Pkcs11KeyStore::KeyKind kind;
    SignatureScheme scheme;
    const char* type;
  };
  for (const Kind k : {Kind{Pkcs11KeyStore::KeyKind::EcP256, SignatureScheme::Ecdsa, "EC"},
                       Kind{Pkcs11KeyStore::KeyKind::Rsa2048, SignatureScheme::RsaPkcs1v15, "RSA"}}) {
    BOOST_TEST_CONTEXT(k.type) {
      const auto g = ks.generate(k.kind, std::string("service ") + k.type);
      BOOST_TEST(g.id.size() == 16u);
      ossl::EvpPkey owner;
      EVP_PKEY* pub = parsePublicKey(g.publicKeyDer, owner);
      BOOST_TEST_REQUIRE(pub != nullptr);
      BOOST_TEST(EVP_PKEY_is_a(pub, k.type));
      BOOST_TEST((ks.publicKey(g.id) == g.publicKeyDer));
      const std::vector<Bytes> digests{randomDigest(DigestAlgorithm::Sha256), randomDigest(DigestAlgorithm::Sha256)};
      const auto values = ks.sign(g.id, DigestAlgorithm::Sha256, k.scheme, digests);
      BOOST_TEST(keyVerifies(pub, DigestAlgorithm::Sha256, k.scheme, digests[0], values.at(0)));
      BOOST_TEST(keyVerifies(pub, DigestAlgorithm::Sha256, k.scheme, digests[1], values.at(1)));
      if (k.scheme == SignatureScheme::RsaPkcs1v15) {
        const auto pss = ks.sign(g.id, DigestAlgorithm::Sha256, SignatureScheme::RsaPss, {digests[0]});
        BOOST_TEST(keyVerifies(pub, DigestAlgorithm::Sha256, SignatureScheme::RsaPss, digests[0], pss.at(0)));
      }
    }
  }
  // pkcs11-tool sees the private keys as sensitive and never extractable.
  const auto r = run({"pkcs11-tool", "--module", kSoftHsm, "--token-label", "Service", "--login", "--pin", kPin,
                      "--list-objects", "--type", "privkey"},
                     {"SOFTHSM2_CONF=" + store().conf.string()});
  BOOST_TEST(r.exitCode == 0, r.err);
  std::size_t keys = 0;
  for (std::size_t at = r.out.find("Private Key Object"); at != std::string::npos;
       at = r.out.find("Private Key Object", at + 1)) {
    ++keys;
    const std::string block = r.out.substr(at, r.out.find("Object", at + 20) - at);
    BOOST_TEST(contains(block, "never extractable"), block);
    BOOST_TEST(contains(block, "sensitive"), block);
  }
  BOOST_TEST(keys >= 2u, r.out);
}

BOOST_AUTO_TEST_CASE(keys_outlive_the_store_and_sign_from_many_threads) {
  Bytes id;
  Bytes spki;
  {
    Pkcs11KeyStore ks(uriFor("Service"), kPin);
    const auto g = ks.generate(Pkcs11KeyStore::KeyKind::EcP256, "threads");
    id = g.id;
    spki = g.publicKeyDer;
  }
  Pkcs11KeyStore ks(uriFor("Service"), kPin);
  BOOST_TEST((ks.publicKey(id) == spki), "the same key after reopening");
  ossl::EvpPkey owner;
  EVP_PKEY* pub = parsePublicKey(spki, owner);
  std::vector<std::vector<Bytes>> digests(8), values(8);
  for (auto& d : digests) {
    for (int i = 0; i < 50; ++i) d.push_back(randomDigest(DigestAlgorithm::Sha256));
  }
  std::vector<std::thread> threads;
  std::vector<std::string> errors(8);
  for (std::size_t t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      try {
        values[t] = ks.sign(id, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests[t]);
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (std::size_t t = 0; t < 8; ++t) {
    BOOST_TEST(errors[t].empty(), errors[t]);
    BOOST_TEST_REQUIRE(values[t].size() == 50u);
    for (std::size_t i = 0; i < 50; i += 7) {
      BOOST_TEST(keyVerifies(pub, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, digests[t][i], values[t][i]));
    }
  }
}

BOOST_AUTO_TEST_CASE(refusals_are_clean) {
  const Error wrong = errorOf([] { Pkcs11KeyStore ks(uriFor("Service"), "0000"); });
  BOOST_TEST((wrong.category() == Category::Password));
  const Error none = errorOf([] { Pkcs11KeyStore ks(uriFor("Nope"), kPin); });
  BOOST_TEST((none.category() == Category::Usage));
  const Error several = errorOf([] { Pkcs11KeyStore ks("pkcs11:?module-path=" + kSoftHsm, kPin); });
  BOOST_TEST(contains(several.what(), "several"), several.what());
  Pkcs11KeyStore ks(uriFor("Service"), kPin);
  const Bytes unknown(16, 0xab);
  const Error missing = errorOf([&] {
    (void)ks.sign(unknown, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, {randomDigest(DigestAlgorithm::Sha256)});
  });
  BOOST_TEST((missing.category() == Category::Usage));
  const auto g = ks.generate(Pkcs11KeyStore::KeyKind::EcP256, "refusals");
  const Error shortHash =
      errorOf([&] { (void)ks.sign(g.id, DigestAlgorithm::Sha256, SignatureScheme::Ecdsa, {Bytes(5, 1)}); });
  BOOST_TEST((shortHash.category() == Category::Usage));
  const Error wrongScheme = errorOf([&] {
    (void)ks.sign(g.id, DigestAlgorithm::Sha256, SignatureScheme::RsaPkcs1v15, {randomDigest(DigestAlgorithm::Sha256)});
  });
  BOOST_TEST((wrongScheme.category() == Category::Usage));
}

BOOST_AUTO_TEST_SUITE_END()
