// formats/xades: two-phase XAdES signing and verification in process:
// enveloped, enveloping and detached, RSA and ECDSA, SHA-2 variants, several
// signatures, B-T with the demo TSA on 127.0.0.1, tampering, missing anchors
// and content, expired signers, refusals and hostile XML (never a crash).
#include <boost/test/unit_test.hpp>

#include "printers.h"
#include "test_support.h"

#include <securedoc/app/report_render.h>
#include <securedoc/app/signing.h>
#include <securedoc/cloud/tsa.h>
#include <securedoc/base/error.h>
#include <securedoc/crypto/pkcs12_signer.h>
#include <securedoc/formats/xades.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

using namespace securedoc;
using securedoc::test::hasCategory;
using securedoc::test::pkiDir;
using securedoc::test::readText;
using securedoc::test::TempDir;
using securedoc::test::writeFile;
namespace fs = std::filesystem;

namespace {

constexpr std::time_t kSigningTime = 1767225600;  // 2026-01-01T00:00:00Z
constexpr const char* kSigningTimeText = "2026-01-01T00:00:00Z";

const std::string kXml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<umowa xmlns=\"urn:example:umowa\" numer=\"7/2026\">\n"
    "  <!-- a comment the signature does not cover -->\n"
    "  <strona rola=\"zleceniodawca\">Zażółć gęślą jaźń sp. z o.o.</strona>\n"
    "  <kwota waluta=\"PLN\">100</kwota>\n"
    "</umowa>\n";

/// Bytes that are clearly not XML: a PNG signature, then every byte value.
std::string binaryContent() {
  std::string s = "\x89PNG\r\n\x1a\n";
  for (int round = 0; round < 4; ++round) {
    for (int b = 0; b < 256; ++b) s.push_back(static_cast<char>(b));
  }
  return s;
}

struct Demo final : Interaction {
  SecretString askSecret(Secret, const std::string&) override { return SecretString(std::string_view("demo")); }
};

std::string indicationText(const VerificationReport& r) { return describe(r.indication, r.subIndication); }
std::string indicationText(const SignatureReport& s) { return describe(s.indication, s.subIndication); }

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += "[" + e + "] ";
  return s;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }
/// A Note's English words with its arguments (what the JSON's "text" says).
bool contains(const Note& hay, const std::string& needle) { return contains(hay.english(), needle); }
std::string joined(const std::vector<Note>& v) {
  std::vector<std::string> words;
  for (const auto& n : v) words.push_back(n.english());
  return joined(words);
}

// Base64 (RFC 4648) for editing encapsulated tokens in the tests.
const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
std::string decodeBase64(const std::string& in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) continue;  // white space, padding
    acc = (acc << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}
std::string encodeBase64(const std::string& in) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t v = (static_cast<std::uint8_t>(in[i]) << 16) | (static_cast<std::uint8_t>(in[i + 1]) << 8) |
                            static_cast<std::uint8_t>(in[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(kAlphabet[(v >> k) & 63]);
  }
  if (i + 1 == in.size()) {
    const std::uint32_t v = static_cast<std::uint8_t>(in[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const std::uint32_t v = (static_cast<std::uint8_t>(in[i]) << 16) | (static_cast<std::uint8_t>(in[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

/// The text between <prefix:name ...> and </prefix:name> (the first one); the
/// begin offset and length of that text in `doc`.
std::pair<std::size_t, std::size_t> elementText(const std::string& doc, const std::string& qname) {
  const auto open = doc.find("<" + qname);
  if (open == std::string::npos) return {std::string::npos, 0};
  const auto begin = doc.find('>', open) + 1;
  const auto end = doc.find("</" + qname + ">", begin);
  if (end == std::string::npos) return {std::string::npos, 0};
  return {begin, end - begin};
}

struct Fixture {
  Demo ui;
  XadesModule xades;
  TempDir dir;

  Fixture() {
    writeFile(dir / "umowa.xml", kXml);
    writeFile(dir / "photo.png", binaryContent());
  }

  static SignParams params(Packaging packaging, DigestAlgorithm alg = DigestAlgorithm::Sha256) {
    SignParams p;
    p.packaging = packaging;
    p.digest = alg;
    p.signingTime = kSigningTime;
    return p;
  }

  /// prepare -> signDigests -> finish; the output goes where outputName says
  /// unless `out` is given.
  fs::path sign(const std::string& p12, const fs::path& input, const SignParams& p, fs::path out = {}) {
    Pkcs12Signer signer(pkiDir() / p12, ui);
    const auto cert = signer.certificates().at(0);
    auto pending = xades.prepare(input, p, cert);
    const auto values = signer.signDigests(cert, p.digest, pending->scheme(), {pending->digestToSign()});
    if (out.empty()) out = xades.outputName(input, p.packaging);
    AtomicFile file(out);
    pending->finish(values.at(0), file);
    file.placeReplacing();
    return out;
  }

  static VerifyOptions anchored() {
    VerifyOptions o;
    o.trustAnchors = Certificate::loadFile(pkiDir() / "root-ca.pem");
    return o;
  }

  static const Check* check(const SignatureReport& s, const std::string& id) {
    for (const auto& c : s.checks) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }
  static std::string statusOf(const SignatureReport& s, const std::string& id) {
    const Check* c = check(s, id);
    return c ? checkStatusCode(c->status) : "absent";
  }

  /// Replaces the first `from` in `file` by `to`; fails the test if absent.
  static void replaceIn(const fs::path& file, const std::string& from, const std::string& to) {
    std::string text = readText(file);
    const auto at = text.find(from);
    BOOST_TEST_REQUIRE(at != std::string::npos, "\"" << from << "\" in " << file.filename());
    text.replace(at, from.size(), to);
    writeFile(file, text);
  }

  /// Every check a fully valid XAdES signature made by `cn` must pass.
  static void expectValid(const VerificationReport& r, const std::string& cn, const std::string& digest = "SHA-256") {
    BOOST_TEST(r.indication == Indication::TotalPassed, indicationText(r));
    BOOST_TEST(r.format == "XAdES");
    BOOST_TEST_REQUIRE(r.signatures.size() == 1u);
    const auto& s = r.signatures[0];
    BOOST_TEST(s.indication == Indication::TotalPassed, indicationText(s) << " " << joined(s.messages));
    BOOST_TEST(s.subIndication == SubIndication::None);
    BOOST_TEST(s.format == "XAdES");
    BOOST_TEST(s.level == "B-B");
    BOOST_TEST((s.signingTime && *s.signingTime == kSigningTime), "SigningTime is the fixed params.signingTime");
    BOOST_TEST(s.chain.size() == 3u, "leaf, issuing CA, root");
    BOOST_TEST(s.digestAlgorithm == digest);
    BOOST_TEST_REQUIRE(s.signer.has_value());
    BOOST_TEST(s.signer->commonName() == cn);
    BOOST_TEST(s.timestamps.empty());
    for (const char* id :
         {"references", "signatureValue", "signedProperties", "signingCertificateReference", "certificateChain"}) {
      BOOST_TEST(statusOf(s, id) == "passed", "check " << id << ": " << (check(s, id) ? check(s, id)->detail : Note{}));
    }
    BOOST_TEST_REQUIRE(s.signedData.size() == 2u, joined(s.signedData));
    BOOST_TEST(contains(s.signedData[1], "SignedProperties"), s.signedData[1]);
  }
};

const char* cnOf(const std::string& p12) { return p12 == "signer-rsa.p12" ? "Jan Kowalski" : "Anna Nowak"; }

}  // namespace

// ============================================================== signing ===

BOOST_FIXTURE_TEST_SUITE(xades_signing, Fixture)

BOOST_AUTO_TEST_CASE(enveloped_rsa_and_ecdsa_signatures_of_an_xml_document_verify_total_passed) {
  for (const std::string p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(p12) {
      const fs::path out = sign(p12, dir / "umowa.xml", params(Packaging::Enveloped));
      BOOST_TEST(out == dir / "umowa-signed.xml");
      BOOST_TEST(readText(dir / "umowa.xml") == kXml, "input untouched");
      const auto r = xades.verify(out, anchored());
      expectValid(r, cnOf(p12));
      const auto& s = r.signatures.at(0);
      BOOST_TEST(s.signatureAlgorithm == (p12 == "signer-rsa.p12" ? "rsa-sha256" : "ecdsa-sha256"));
      BOOST_TEST_REQUIRE(!s.signedData.empty());
      BOOST_TEST(contains(s.signedData[0], "the whole document"), s.signedData[0]);
      BOOST_TEST(contains(s.signedData[0], "without this signature"), s.signedData[0]);
      const std::string text = readText(out);
      BOOST_TEST(contains(text, std::string("<xades:SigningTime>") + kSigningTimeText + "</xades:SigningTime>"));
      BOOST_TEST(contains(text, "Zażółć gęślą jaźń"), "the document's text is kept as UTF-8");
      fs::remove(out);
    }
  }
}

BOOST_AUTO_TEST_CASE(enveloping_rsa_and_ecdsa_signatures_of_xml_and_binary_files_verify_total_passed) {
  for (const std::string p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    for (const std::string input : {"umowa.xml", "photo.png"}) {
      BOOST_TEST_CONTEXT(p12 << " " << input) {
        const fs::path out = sign(p12, dir / input, params(Packaging::Enveloping));
        BOOST_TEST(out == dir / (input == "umowa.xml" ? "umowa-signed.xml" : "photo.png-signed.xml"));
        const auto r = xades.verify(out, anchored());
        expectValid(r, cnOf(p12));
        const auto& s = r.signatures.at(0);
        BOOST_TEST_REQUIRE(!s.signedData.empty());
        BOOST_TEST(contains(s.signedData[0], "Object"), s.signedData[0]);
        BOOST_TEST(contains(s.signedData[0], "-content"), s.signedData[0]);
        if (input == "photo.png") {
          BOOST_TEST(contains(readText(out), "<xades:MimeType>image/png</xades:MimeType>"));
        } else {
          BOOST_TEST(contains(readText(out), "<strona rola=\"zleceniodawca\">"), "the XML is inside, not base64");
        }
        fs::remove(out);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(detached_rsa_and_ecdsa_signatures_verify_with_the_file_beside_them_or_given_explicitly) {
  for (const std::string p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(p12) {
      const fs::path out = sign(p12, dir / "photo.png", params(Packaging::Detached));
      BOOST_TEST(out == dir / "photo.png.xades.xml");
      BOOST_TEST_CONTEXT("content beside the signature") {
        const auto r = xades.verify(out, anchored());
        expectValid(r, cnOf(p12));
        BOOST_TEST_REQUIRE(!r.signatures.at(0).signedData.empty());
        BOOST_TEST(contains(r.signatures[0].signedData[0], "photo.png"), r.signatures[0].signedData[0]);
        BOOST_TEST(contains(r.signatures[0].signedData[0], "detached"), r.signatures[0].signedData[0]);
      }
      fs::create_directory(dir / "elsewhere");
      fs::copy_file(out, dir / "elsewhere" / "sig.xml", fs::copy_options::overwrite_existing);
      BOOST_TEST_CONTEXT("content given with detachedContent") {
        VerifyOptions o = anchored();
        o.detachedContent = dir / "photo.png";
        expectValid(xades.verify(dir / "elsewhere" / "sig.xml", o), cnOf(p12));
      }
      fs::remove_all(dir / "elsewhere");
      fs::remove(out);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_detached_file_name_with_spaces_and_polish_letters_is_escaped_and_found_again) {
  writeFile(dir / "skan umowy żółw.png", binaryContent());
  const fs::path out = sign("signer-ec.p12", dir / "skan umowy żółw.png", params(Packaging::Detached));
  BOOST_TEST(out == dir / "skan umowy żółw.png.xades.xml");
  const auto r = xades.verify(out, anchored());
  expectValid(r, "Anna Nowak");
}

BOOST_AUTO_TEST_CASE(sha384_and_sha512_signatures_verify) {
  BOOST_TEST_CONTEXT("ECDSA SHA-384 detached") {
    const fs::path out = sign("signer-ec.p12", dir / "photo.png", params(Packaging::Detached, DigestAlgorithm::Sha384));
    const auto r = xades.verify(out, anchored());
    expectValid(r, "Anna Nowak", "SHA-384");
    BOOST_TEST(r.signatures.at(0).signatureAlgorithm == "ecdsa-sha384");
    BOOST_TEST(contains(readText(out), "http://www.w3.org/2001/04/xmldsig-more#sha384"));
  }
  BOOST_TEST_CONTEXT("RSA SHA-512 enveloped") {
    const fs::path out =
        sign("signer-rsa.p12", dir / "umowa.xml", params(Packaging::Enveloped, DigestAlgorithm::Sha512));
    const auto r = xades.verify(out, anchored());
    expectValid(r, "Jan Kowalski", "SHA-512");
    BOOST_TEST(r.signatures.at(0).signatureAlgorithm == "rsa-sha512");
  }
}

BOOST_AUTO_TEST_CASE(default_packaging_is_enveloped_for_xml_and_detached_for_other_files) {
  const fs::path xml = sign("signer-rsa.p12", dir / "umowa.xml", params(Packaging::Default));
  BOOST_TEST(xml == dir / "umowa-signed.xml");
  BOOST_TEST(xades.inspect(xml).packaging == "enveloped");
  const fs::path bin = sign("signer-rsa.p12", dir / "photo.png", params(Packaging::Default));
  BOOST_TEST(bin == dir / "photo.png.xades.xml");
  BOOST_TEST(xades.inspect(bin).packaging == "detached");
  BOOST_TEST(xades.verify(bin, anchored()).indication == Indication::TotalPassed);
}

BOOST_AUTO_TEST_CASE(a_second_enveloped_signature_leaves_the_first_valid) {
  const fs::path first = sign("signer-rsa.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  const std::string firstText = readText(first);
  const fs::path second = sign("signer-ec.p12", first, params(Packaging::Enveloped));
  BOOST_TEST(second == dir / "umowa-signed-signed.xml");
  BOOST_TEST(readText(first) == firstText, "the once-signed file is untouched");

  const auto r = xades.verify(second, anchored());
  BOOST_TEST(r.indication == Indication::TotalPassed, indicationText(r));
  BOOST_TEST_REQUIRE(r.signatures.size() == 2u);
  BOOST_TEST(r.signatures[0].id != r.signatures[1].id, "distinct Ids");
  const char* expected[] = {"Jan Kowalski", "Anna Nowak"};
  for (std::size_t i = 0; i < 2; ++i) {
    BOOST_TEST_CONTEXT("signature " << i + 1) {
      const auto& s = r.signatures[i];
      BOOST_TEST(s.indication == Indication::TotalPassed, indicationText(s) << " " << joined(s.messages));
      BOOST_TEST_REQUIRE(s.signer.has_value());
      BOOST_TEST(s.signer->commonName() == expected[i]);
      for (const char* id :
           {"references", "signatureValue", "signedProperties", "signingCertificateReference", "certificateChain"}) {
        BOOST_TEST(statusOf(s, id) == "passed", "check " << id);
      }
      BOOST_TEST((s.signingTime && *s.signingTime == kSigningTime));
    }
  }
  const auto in = xades.inspect(second);
  BOOST_TEST(in.signatures.size() == 2u);
  // The first signature, alone, still verifies as before.
  expectValid(xades.verify(first, anchored()), "Jan Kowalski");
  // Both cover the document's content.
  replaceIn(second, ">100</kwota>", ">900</kwota>");
  const auto changed = xades.verify(second, anchored());
  BOOST_TEST_REQUIRE(changed.signatures.size() == 2u);
  for (const auto& s : changed.signatures) {
    BOOST_TEST(s.indication == Indication::TotalFailed, s.id << " " << indicationText(s));
    BOOST_TEST(s.subIndication == SubIndication::HashFailure, s.id);
  }
}

BOOST_AUTO_TEST_CASE(prepare_asks_for_a_digest_of_the_chosen_size_and_the_key_s_scheme) {
  struct Case {
    const char* p12;
    DigestAlgorithm alg;
    std::size_t size;
    SignatureScheme scheme;
  };
  for (const Case& c : {Case{"signer-rsa.p12", DigestAlgorithm::Sha256, 32, SignatureScheme::RsaPkcs1v15},
                        Case{"signer-ec.p12", DigestAlgorithm::Sha384, 48, SignatureScheme::Ecdsa},
                        Case{"signer-ec.p12", DigestAlgorithm::Sha512, 64, SignatureScheme::Ecdsa}}) {
    BOOST_TEST_CONTEXT(c.p12 << " " << c.alg) {
      Pkcs12Signer signer(pkiDir() / c.p12, ui);
      const auto pending =
          xades.prepare(dir / "photo.png", params(Packaging::Detached, c.alg), signer.certificates().at(0));
      BOOST_TEST(pending->digestToSign().size() == c.size);
      BOOST_TEST((pending->scheme() == c.scheme));
    }
  }
  BOOST_TEST(test::listDir(dir.path()) == (std::vector<std::string>{"photo.png", "umowa.xml"}),
             "prepare writes nothing");
}

BOOST_AUTO_TEST_CASE(a_signature_value_from_the_wrong_key_is_never_written) {
  Pkcs12Signer rsa(pkiDir() / "signer-rsa.p12", ui);
  Pkcs12Signer other(pkiDir() / "signer-expired.p12", ui);
  const auto cert = rsa.certificates().at(0);
  auto pending = xades.prepare(dir / "umowa.xml", params(Packaging::Enveloped), cert);
  const auto wrong = other.signDigests(other.certificates().at(0), DigestAlgorithm::Sha256, pending->scheme(),
                                       {pending->digestToSign()});
  AtomicFile file(dir / "out.xml");
  BOOST_CHECK_EXCEPTION(pending->finish(wrong.at(0), file), Error, hasCategory(Category::Crypto));
  BOOST_TEST(!fs::exists(dir / "out.xml"), "nothing written");
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================ tampering ===

BOOST_FIXTURE_TEST_SUITE(xades_tampering, Fixture)

BOOST_AUTO_TEST_CASE(one_changed_character_of_enveloped_content_is_a_hash_failure) {
  const fs::path out = sign("signer-rsa.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  replaceIn(out, ">100</kwota>", ">900</kwota>");
  const auto r = xades.verify(out, anchored());
  BOOST_TEST(r.indication == Indication::TotalFailed, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::HashFailure);
  const auto& s = r.signatures.at(0);
  BOOST_TEST(statusOf(s, "references") == "failed");
  BOOST_TEST(statusOf(s, "signatureValue") != "passed");
}

BOOST_AUTO_TEST_CASE(one_changed_character_of_enveloping_xml_content_is_a_hash_failure) {
  const fs::path out = sign("signer-ec.p12", dir / "umowa.xml", params(Packaging::Enveloping));
  replaceIn(out, ">100</kwota>", ">101</kwota>");
  const auto r = xades.verify(out, anchored());
  BOOST_TEST(r.indication == Indication::TotalFailed, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::HashFailure);
  BOOST_TEST(statusOf(r.signatures.at(0), "references") == "failed");
}

BOOST_AUTO_TEST_CASE(an_enveloped_binary_payload_changed_or_no_longer_base64_is_total_failed) {
  const fs::path out = sign("signer-rsa.p12", dir / "photo.png", params(Packaging::Enveloping));
  const std::string original = readText(out);
  const auto object = original.find("<ds:Object Id=");
  BOOST_TEST_REQUIRE(object != std::string::npos);
  const auto payload = original.find('>', object) + 1;
  // One base64 character changed: other bytes.  A stray character: the
  // payload no longer decodes (xmlsec fails while finishing the transform).
  for (const std::string& edit : {std::string("swap"), std::string("stray")}) {
    BOOST_TEST_CONTEXT(edit) {
      std::string text = original;
      if (edit == "swap") {
        char& c = text[payload + 10];
        c = c == 'A' ? 'B' : 'A';
      } else {
        text.insert(payload, "\n!");
      }
      writeFile(out, text);
      const auto r = xades.verify(out, anchored());
      BOOST_TEST(r.indication == Indication::TotalFailed, indicationText(r));
      // Signed content changed, whether or not it still decodes (EN 319 102-1 §5.2.7).
      BOOST_TEST(r.subIndication == SubIndication::HashFailure, indicationText(r));
      BOOST_TEST(statusOf(r.signatures.at(0), "references") == "failed");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_changed_signing_time_breaks_the_signed_properties_digest) {
  const fs::path out = sign("signer-rsa.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  replaceIn(out, kSigningTimeText, "2025-06-01T12:00:00Z");
  const auto r = xades.verify(out, anchored());
  BOOST_TEST(r.indication == Indication::TotalFailed, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::HashFailure);
  const auto& s = r.signatures.at(0);
  const Check* refs = check(s, "references");
  BOOST_TEST_REQUIRE(refs != nullptr);
  BOOST_TEST(refs->status == Check::Status::Failed);
  BOOST_TEST(contains(refs->detail, "SignedProperties"),
             "the failing reference is the SignedProperties one: " << refs->detail);
  BOOST_TEST(contains(refs->detail, "2"), "reference 2: " << refs->detail);
  BOOST_TEST(statusOf(s, "signedProperties") == "failed", "the signed properties were changed");
  BOOST_TEST(!(s.signingTime && *s.signingTime == 1748779200),
             "the forged signing time is not reported as the signature's");
}

BOOST_AUTO_TEST_CASE(a_changed_signature_value_is_a_sig_crypto_failure) {
  for (const std::string p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(p12) {
      const fs::path out = sign(p12, dir / "umowa.xml", params(Packaging::Enveloped));
      std::string text = readText(out);
      const auto [at, len] = elementText(text, "ds:SignatureValue");
      BOOST_TEST_REQUIRE(at != std::string::npos);
      BOOST_TEST_REQUIRE(len > 40u);
      char& c = text[at + 20];
      c = c == 'A' ? 'B' : 'A';
      writeFile(out, text);
      const auto r = xades.verify(out, anchored());
      BOOST_TEST(r.indication == Indication::TotalFailed, indicationText(r));
      BOOST_TEST(r.subIndication == SubIndication::SigCryptoFailure);
      const auto& s = r.signatures.at(0);
      BOOST_TEST(statusOf(s, "references") == "passed");
      BOOST_TEST(statusOf(s, "signatureValue") == "failed");
      fs::remove(out);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_changed_signature_value_without_any_trust_anchor_is_still_a_sig_crypto_failure) {
  // ETSI EN 319 102-1 §5.2.7: the value is checked with the certificate in
  // the signature whether or not it chains to a trust anchor.
  for (const std::string p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(p12) {
      const fs::path out = sign(p12, dir / "umowa.xml", params(Packaging::Enveloped));
      std::string text = readText(out);
      const auto [at, len] = elementText(text, "ds:SignatureValue");
      BOOST_TEST_REQUIRE(len > 40u);
      char& c = text[at + 20];
      c = c == 'A' ? 'B' : 'A';
      writeFile(out, text);
      const auto r = xades.verify(out, VerifyOptions{});
      BOOST_TEST(r.indication == Indication::TotalFailed, indicationText(r));
      BOOST_TEST(r.subIndication == SubIndication::SigCryptoFailure, indicationText(r));
      const auto& s = r.signatures.at(0);
      BOOST_TEST(statusOf(s, "references") == "passed");
      BOOST_TEST(statusOf(s, "signatureValue") == "failed");
      fs::remove(out);
    }
  }
}

BOOST_AUTO_TEST_CASE(changed_enveloped_content_without_any_trust_anchor_is_still_a_hash_failure) {
  const fs::path out = sign("signer-rsa.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  replaceIn(out, "<kwota waluta=\"PLN\">100<", "<kwota waluta=\"PLN\">900<");
  const auto r = xades.verify(out, VerifyOptions{});
  BOOST_TEST(r.indication == Indication::TotalFailed, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::HashFailure, indicationText(r));
  const auto& s = r.signatures.at(0);
  BOOST_TEST(statusOf(s, "references") == "failed");
  BOOST_TEST(std::any_of(s.messages.begin(), s.messages.end(),
                         [](const Note& n) { return n.code == "signed-content-changed"; }),
             joined(s.messages));
}

BOOST_AUTO_TEST_CASE(without_any_key_the_reference_digests_are_still_checked) {
  // ds:KeyInfo removed (it is not signed in our XAdES): nothing names a key,
  // yet EN 319 102-1 §5.2.7 digests are computed; a changed document is a
  // HASH_FAILURE, an intact one INDETERMINATE / NO_SIGNING_CERTIFICATE_FOUND.
  const fs::path out = sign("signer-rsa.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  std::string text = readText(out);
  const auto open = text.find("<ds:KeyInfo");
  const auto close = text.find("</ds:KeyInfo>");
  BOOST_TEST_REQUIRE((open != std::string::npos && close != std::string::npos));
  text.erase(open, close + std::string("</ds:KeyInfo>").size() - open);
  writeFile(out, text);
  auto r = xades.verify(out, anchored());
  BOOST_TEST(r.indication == Indication::Indeterminate, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::NoSigningCertificateFound, indicationText(r));
  BOOST_TEST(statusOf(r.signatures.at(0), "references") == "passed");
  BOOST_TEST(statusOf(r.signatures.at(0), "signatureValue") == "notChecked");
  // The signer's certificate given as untrusted chain material
  // (VerifyOptions::extraCertificates): SigningCertificateV2 finds it there.
  VerifyOptions withCerts = anchored();
  for (const char* pem : {"signer-rsa.pem", "issuing-ca.pem"}) {
    for (auto& c : Certificate::loadFile(pkiDir() / pem)) withCerts.extraCertificates.push_back(c);
  }
  r = xades.verify(out, withCerts);
  BOOST_TEST(r.indication == Indication::TotalPassed, indicationText(r) << " " << joined(r.signatures.at(0).messages));
  BOOST_TEST_REQUIRE(r.signatures.at(0).signer.has_value());
  BOOST_TEST(r.signatures[0].signer->commonName() == "Jan Kowalski");
  replaceIn(out, "<kwota waluta=\"PLN\">100<", "<kwota waluta=\"PLN\">900<");
  r = xades.verify(out, VerifyOptions{});
  BOOST_TEST(r.indication == Indication::TotalFailed, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::HashFailure, indicationText(r));
  BOOST_TEST(statusOf(r.signatures.at(0), "references") == "failed");
}

BOOST_AUTO_TEST_CASE(a_qualifying_properties_target_with_a_uri_before_the_fragment_names_this_signature) {
  // ETSI EN 319 132-1 §4.3.1: Target is a URI reference to the signature;
  // "doc.xml#id" and "https://.../doc.xml#id" name it as "#id" does (DSS
  // writes such Targets).  QualifyingProperties is outside the signed
  // SignedProperties, so the edit leaves every digest intact.
  const fs::path out = sign("signer-rsa.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  const std::string text = readText(out);
  const auto at = text.find("Target=\"#");
  BOOST_TEST_REQUIRE(at != std::string::npos);
  const auto end = text.find('"', at + 9);
  const std::string id = text.substr(at + 9, end - at - 9);
  for (const std::string& prefix :
       {std::string("umowa-signed.xml"), std::string("https://example.org/docs/umowa.xml")}) {
    BOOST_TEST_CONTEXT(prefix) {
      std::string edited = text;
      edited.replace(at, end - at + 1, "Target=\"" + prefix + "#" + id + "\"");
      writeFile(out, edited);
      const auto r = xades.verify(out, anchored());
      BOOST_TEST(r.indication == Indication::TotalPassed, indicationText(r)
                                                              << " " << joined(r.signatures.at(0).messages));
      BOOST_TEST(statusOf(r.signatures.at(0), "signedProperties") == "passed");
    }
  }
  // Another signature's Id, with or without a prefix, is still refused.
  for (const std::string& other : {std::string("#sig-0000000000000000"), std::string("umowa-signed.xml#sig-other")}) {
    BOOST_TEST_CONTEXT(other) {
      std::string edited = text;
      edited.replace(at, end - at + 1, "Target=\"" + other + "\"");
      writeFile(out, edited);
      const auto r = xades.verify(out, anchored());
      BOOST_TEST(r.indication == Indication::TotalFailed, indicationText(r));
      BOOST_TEST(r.subIndication == SubIndication::FormatFailure, indicationText(r));
      const Check* sp = check(r.signatures.at(0), "signedProperties");
      BOOST_TEST_REQUIRE(sp != nullptr);
      BOOST_TEST(sp->status == Check::Status::Failed);
      BOOST_TEST(sp->detail.code == "qualifying-properties-target", sp->detail);
    }
  }
}

BOOST_AUTO_TEST_CASE(changed_detached_content_is_a_hash_failure) {
  const fs::path out = sign("signer-ec.p12", dir / "photo.png", params(Packaging::Detached));
  std::string content = binaryContent();
  content[100] = static_cast<char>(content[100] ^ 0x01);
  writeFile(dir / "photo.png", content);
  const auto r = xades.verify(out, anchored());
  BOOST_TEST(r.indication == Indication::TotalFailed, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::HashFailure);
  BOOST_TEST(statusOf(r.signatures.at(0), "references") == "failed");
}

BOOST_AUTO_TEST_CASE(missing_detached_content_is_signed_data_not_found) {
  const fs::path out = sign("signer-rsa.p12", dir / "photo.png", params(Packaging::Detached));
  fs::remove(dir / "photo.png");
  const auto r = xades.verify(out, anchored());
  BOOST_TEST(r.indication == Indication::Indeterminate, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::SignedDataNotFound);
  const Check* refs = check(r.signatures.at(0), "references");
  BOOST_TEST_REQUIRE(refs != nullptr);
  BOOST_TEST(refs->status == Check::Status::NotChecked, refs->detail);
}

BOOST_AUTO_TEST_CASE(without_a_trust_anchor_the_result_is_indeterminate_no_chain_but_the_signature_checks_pass) {
  const fs::path out = sign("signer-ec.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  const auto r = xades.verify(out, VerifyOptions{});
  BOOST_TEST(r.indication == Indication::Indeterminate, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::NoCertificateChainFound);
  const auto& s = r.signatures.at(0);
  for (const char* id : {"references", "signatureValue", "signedProperties", "signingCertificateReference"}) {
    BOOST_TEST(statusOf(s, id) == "passed", "check " << id);
  }
  BOOST_TEST(statusOf(s, "certificateChain") == "failed");
}

BOOST_AUTO_TEST_CASE(validation_after_the_signers_expiry_is_not_total_passed) {
  const fs::path out = sign("signer-rsa.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  Pkcs12Signer signer(pkiDir() / "signer-rsa.p12", ui);
  VerifyOptions o = anchored();
  o.time = signer.certificates().at(0).certificate.notAfter() + 86400;
  const auto r = xades.verify(out, o);
  BOOST_TEST(r.indication == Indication::Indeterminate, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::OutOfBoundsNoPoe);
  BOOST_TEST(statusOf(r.signatures.at(0), "certificateChain") == "failed");
  BOOST_TEST(statusOf(r.signatures.at(0), "signatureValue") == "passed");
}

BOOST_AUTO_TEST_CASE(a_signature_by_an_expired_certificate_is_out_of_bounds_no_poe) {
  const fs::path out = sign("signer-expired.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  const auto r = xades.verify(out, anchored());
  BOOST_TEST(r.indication == Indication::Indeterminate, indicationText(r));
  BOOST_TEST(r.subIndication == SubIndication::OutOfBoundsNoPoe);
}

BOOST_AUTO_TEST_SUITE_END()

// ======================================================== time-stamps ===

namespace {
/// The demo TSA on 127.0.0.1 for as long as the fixture lives.
struct WithTsa : Fixture {
  cloud::TsaResponder responder{pkiDir() / "tsa.pem", pkiDir() / "tsa.key", {pkiDir() / "issuing-ca.pem"}};
  cloud::TsaHttpServer server{responder};
  std::string url;
  WithTsa() {
    server.start(0);
    url = server.url();
  }
  SignParams bt(Packaging p) {
    SignParams s = params(p);
    s.level = SignatureLevel::B_T;
    s.tsaUrl = url;
    s.tsaTrustAnchors = Certificate::loadFile(pkiDir() / "root-ca.pem");
    return s;
  }
};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(xades_timestamps, WithTsa)

BOOST_AUTO_TEST_CASE(b_t_signatures_carry_a_verified_signature_time_stamp) {
  for (const std::string p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    for (Packaging p : {Packaging::Enveloped, Packaging::Detached}) {
      BOOST_TEST_CONTEXT(p12 << " " << packagingName(p)) {
        const fs::path out = sign(p12, dir / (p == Packaging::Enveloped ? "umowa.xml" : "photo.png"), bt(p));
        const auto r = xades.verify(out, anchored());
        BOOST_TEST(r.indication == Indication::TotalPassed, indicationText(r));
        BOOST_TEST_REQUIRE(r.signatures.size() == 1u);
        const auto& s = r.signatures[0];
        BOOST_TEST(s.level == "B-T");
        BOOST_TEST_REQUIRE(s.timestamps.size() == 1u);
        const auto& t = s.timestamps[0];
        BOOST_TEST(t.type == "signature");
        BOOST_TEST(t.indication == Indication::TotalPassed, t.detail);
        BOOST_TEST((t.time && std::llabs(static_cast<long long>(*t.time - std::time(nullptr))) < 120),
                   "the time-stamp is recent");
        BOOST_TEST((t.tsa && t.tsa->commonName() == "SecureDoc Demo TSA"));
        const auto in = xades.inspect(out);
        BOOST_TEST_REQUIRE(in.signatures.size() == 1u);
        BOOST_TEST(in.signatures[0].level == "B-T");
        BOOST_TEST(in.signatures[0].unsignedAttributes == std::vector<std::string>{"SignatureTimeStamp"});
        fs::remove(out);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_time_stamp_without_a_trust_anchor_is_indeterminate) {
  const fs::path out = sign("signer-rsa.p12", dir / "umowa.xml", bt(Packaging::Enveloped));
  const auto r = xades.verify(out, VerifyOptions{});
  BOOST_TEST_REQUIRE(r.signatures.at(0).timestamps.size() == 1u);
  BOOST_TEST(r.signatures[0].timestamps[0].indication == Indication::Indeterminate);
  BOOST_TEST(r.signatures[0].timestamps[0].subIndication == SubIndication::NoCertificateChainFound);
}

BOOST_AUTO_TEST_CASE(a_modified_time_stamp_token_fails) {
  const fs::path out = sign("signer-ec.p12", dir / "umowa.xml", bt(Packaging::Enveloped));
  std::string text = readText(out);
  const auto [at, len] = elementText(text, "xades:EncapsulatedTimeStamp");
  BOOST_TEST_REQUIRE(at != std::string::npos);
  std::string token = decodeBase64(text.substr(at, len));
  BOOST_TEST_REQUIRE(token.size() > 500u);
  // The last bytes of the token are the TSA's signature value (its SignerInfo
  // carries no unsigned attributes).
  token[token.size() - 5] = static_cast<char>(token[token.size() - 5] ^ 0x01);
  text.replace(at, len, encodeBase64(token));
  writeFile(out, text);
  const auto r = xades.verify(out, anchored());
  BOOST_TEST_REQUIRE(r.signatures.size() == 1u);
  const auto& s = r.signatures[0];
  BOOST_TEST(statusOf(s, "signatureValue") == "passed", "the time-stamp is unsigned: the signature itself holds");
  BOOST_TEST_REQUIRE(s.timestamps.size() == 1u);
  BOOST_TEST(s.timestamps[0].indication == Indication::TotalFailed, s.timestamps[0].detail);
  BOOST_TEST(s.timestamps[0].subIndication == SubIndication::SigCryptoFailure, s.timestamps[0].detail);
  // ETSI EN 319 132-1 §5.3: a failed time-stamp proves nothing, so the
  // signature is B-B, with the failed time-stamp still listed.
  BOOST_TEST(s.level == "B-B");
}

BOOST_AUTO_TEST_CASE(a_time_stamp_over_another_signature_value_fails_its_imprint) {
  // Swap the time-stamp of one signature into another: the imprint no longer matches.
  const fs::path a = sign("signer-rsa.p12", dir / "umowa.xml", bt(Packaging::Enveloped), dir / "a.xml");
  const fs::path b = sign("signer-rsa.p12", dir / "umowa.xml", bt(Packaging::Enveloped), dir / "b.xml");
  const std::string ta = readText(a);
  std::string tb = readText(b);
  const auto [atA, lenA] = elementText(ta, "xades:EncapsulatedTimeStamp");
  const auto [atB, lenB] = elementText(tb, "xades:EncapsulatedTimeStamp");
  BOOST_TEST_REQUIRE(atA != std::string::npos);
  BOOST_TEST_REQUIRE(atB != std::string::npos);
  tb.replace(atB, lenB, ta.substr(atA, lenA));
  writeFile(b, tb);
  const auto r = xades.verify(b, anchored());
  BOOST_TEST_REQUIRE(r.signatures.at(0).timestamps.size() == 1u);
  BOOST_TEST(r.signatures[0].timestamps[0].indication == Indication::TotalFailed);
  BOOST_TEST(r.signatures[0].timestamps[0].subIndication == SubIndication::HashFailure);
}

BOOST_AUTO_TEST_CASE(an_unreachable_time_stamp_service_is_a_network_error_and_writes_nothing) {
  SignParams p = bt(Packaging::Enveloped);
  p.tsaUrl = "http://127.0.0.1:9/tsa";  // discard port: nothing listens
  BOOST_CHECK_EXCEPTION(sign("signer-rsa.p12", dir / "umowa.xml", p), Error, hasCategory(Category::Network));
  BOOST_TEST(!fs::exists(dir / "umowa-signed.xml"));
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================= inspect ===

BOOST_FIXTURE_TEST_SUITE(xades_inspect, Fixture)

BOOST_AUTO_TEST_CASE(inspect_shows_packaging_signer_and_signed_properties) {
  struct Case {
    const char* input;
    Packaging packaging;
    const char* p12;
    const char* expected;
  };
  for (const Case& c : {Case{"umowa.xml", Packaging::Enveloped, "signer-rsa.p12", "enveloped"},
                        Case{"umowa.xml", Packaging::Enveloping, "signer-ec.p12", "enveloping"},
                        Case{"photo.png", Packaging::Enveloping, "signer-rsa.p12", "enveloping"},
                        Case{"photo.png", Packaging::Detached, "signer-ec.p12", "detached"}}) {
    BOOST_TEST_CONTEXT(c.input << " " << c.expected) {
      const fs::path out = sign(c.p12, dir / c.input, params(c.packaging));
      const auto in = xades.inspect(out);
      BOOST_TEST(in.format == "XAdES");
      BOOST_TEST(in.packaging == c.expected);
      BOOST_TEST_REQUIRE(in.signatures.size() == 1u);
      const auto& s = in.signatures[0];
      BOOST_TEST(s.id.rfind("sig-", 0) == 0u, s.id);
      BOOST_TEST(s.level == "B-B");
      BOOST_TEST_REQUIRE(s.signer.has_value());
      BOOST_TEST(s.signer->commonName() == cnOf(c.p12));
      BOOST_TEST((s.signingTime && *s.signingTime == kSigningTime));
      BOOST_TEST(s.digestAlgorithm == "SHA-256");
      BOOST_TEST(s.signatureAlgorithm == (std::string(c.p12) == "signer-rsa.p12" ? "rsa-sha256" : "ecdsa-sha256"));
      for (const char* a : {"SigningTime", "SigningCertificateV2", "DataObjectFormat"}) {
        BOOST_TEST((std::find(s.signedAttributes.begin(), s.signedAttributes.end(), a) != s.signedAttributes.end()),
                   "signed property " << a << " in " << joined(s.signedAttributes));
      }
      BOOST_TEST(s.unsignedAttributes.empty());
      BOOST_TEST(in.certificates.size() == 2u, "signer and issuing CA carried, not the root");
      fs::remove(out);
    }
  }
}

BOOST_AUTO_TEST_CASE(inspect_counts_two_signatures) {
  const fs::path first = sign("signer-ec.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  const fs::path second = sign("signer-rsa.p12", first, params(Packaging::Enveloped));
  const auto in = xades.inspect(second);
  BOOST_TEST(in.packaging == "enveloped");
  BOOST_TEST_REQUIRE(in.signatures.size() == 2u);
  BOOST_TEST(in.signatures[0].signer->commonName() == "Anna Nowak");
  BOOST_TEST(in.signatures[1].signer->commonName() == "Jan Kowalski");
  BOOST_TEST(in.certificates.size() == 3u, "two signers and the issuing CA once");
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================ refusals ===

BOOST_FIXTURE_TEST_SUITE(xades_batches, Fixture)

BOOST_AUTO_TEST_CASE(a_batch_of_xml_and_other_files_signed_on_several_threads_verifies_file_by_file) {
  // The signing service prepares and finishes on several threads: libxml2 and
  // xmlsec run concurrently on separate documents.  Twice, so the second batch
  // nests a second signature in each.
  FormatRegistry registry;
  registerBuiltinFormats(registry);
  std::vector<fs::path> inputs;
  for (int i = 0; i < 24; ++i) {
    const fs::path in = dir / ("doc" + std::to_string(i) + (i % 3 == 0 ? ".bin" : ".xml"));
    writeFile(in,
              i % 3 == 0 ? binaryContent() + std::to_string(i) : "<doc n=\"" + std::to_string(i) + "\">tekst</doc>");
    inputs.push_back(in);
  }
  Pkcs12Signer signer(pkiDir() / "signer-ec.p12", ui);
  SignRequest req;
  req.inputs = inputs;
  req.format = "xades";
  const auto first = SigningService(registry).sign(req, signer, signer.certificates().at(0), ui);
  std::vector<fs::path> again;
  for (const auto& o : first) {
    BOOST_TEST_REQUIRE(!o.error.has_value(), o.input << ": " << (o.error ? o.error->what() : ""));
    if (o.output.extension() == ".xml" && o.output.string().find(".xades.xml") == std::string::npos) {
      again.push_back(o.output);
    }
  }
  BOOST_TEST_REQUIRE(again.size() == 16u);
  req.inputs = again;
  const auto second = SigningService(registry).sign(req, signer, signer.certificates().at(0), ui);
  for (const auto& batch : {first, second}) {
    for (const auto& o : batch) {
      BOOST_TEST_CONTEXT(o.output) {
        BOOST_TEST_REQUIRE(!o.error.has_value());
        const auto r = xades.verify(o.output, anchored());
        BOOST_TEST(r.indication == Indication::TotalPassed, indicationText(r));
      }
    }
  }
  BOOST_TEST(xades.verify(second.front().output, anchored()).signatures.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(xades_refusals, Fixture)

BOOST_AUTO_TEST_CASE(enveloping_takes_files_up_to_what_the_verifier_can_read_back) {
  // libxml2 reads text nodes of up to 10,000,000 characters: the largest file
  // we envelope (7 MB, base64 with line breaks) must verify, a larger one is
  // refused before anything is written.
  std::string content(7000000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 2654435761u) >> 13);
  writeFile(dir / "largest.bin", content);
  const fs::path out = sign("signer-rsa.p12", dir / "largest.bin", params(Packaging::Enveloping));
  const auto r = xades.verify(out, anchored());
  BOOST_TEST(r.indication == Indication::TotalPassed, indicationText(r));
  writeFile(dir / "too-large.bin", content + "x");
  Pkcs12Signer signer(pkiDir() / "signer-rsa.p12", ui);
  BOOST_CHECK_EXCEPTION(
      xades.prepare(dir / "too-large.bin", params(Packaging::Enveloping), signer.certificates().at(0)), Error,
      hasCategory(Category::Usage));
}

BOOST_AUTO_TEST_CASE(unsupported_packaging_is_refused_with_its_category) {
  Pkcs12Signer signer(pkiDir() / "signer-rsa.p12", ui);
  const auto cert = signer.certificates().at(0);
  BOOST_CHECK_EXCEPTION(xades.prepare(dir / "umowa.xml", params(Packaging::Attached), cert), Error,
                        hasCategory(Category::Usage));
  BOOST_CHECK_EXCEPTION(xades.prepare(dir / "photo.png", params(Packaging::Enveloped), cert), Error,
                        hasCategory(Category::Usage));
  // The level checks moved to the service (test_app:
  // levels_beyond_b_t_are_unsupported_and_b_t_needs_a_tsa_in_every_format).
  BOOST_TEST(test::listDir(dir.path()) == (std::vector<std::string>{"photo.png", "umowa.xml"}), "nothing written");
}

BOOST_AUTO_TEST_CASE(enveloped_signing_of_malformed_xml_is_refused_as_malformed) {
  Pkcs12Signer signer(pkiDir() / "signer-rsa.p12", ui);
  writeFile(dir / "broken.xml", "<a><b></a>");
  BOOST_CHECK_EXCEPTION(xades.prepare(dir / "broken.xml", params(Packaging::Enveloped), signer.certificates().at(0)),
                        Error, hasCategory(Category::Malformed));
  writeFile(dir / "dtd.xml",
            "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>");
  BOOST_CHECK_EXCEPTION(xades.prepare(dir / "dtd.xml", params(Packaging::Enveloped), signer.certificates().at(0)),
                        Error, hasCategory(Category::Malformed));
}

BOOST_AUTO_TEST_CASE(bad_and_hostile_xml_files_give_malformed_errors_not_crashes) {
  const fs::path signedXml = sign("signer-rsa.p12", dir / "umowa.xml", params(Packaging::Enveloped));
  const std::string good = readText(signedXml);
  std::string garbage(4096, '\0');
  std::uint32_t x = 12345;
  for (char& c : garbage) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "<a>";
  for (int i = 0; i < 300; ++i) deep += "</a>";
  std::string veryDeep;
  for (int i = 0; i < 100000; ++i) veryDeep += "<a>";
  const std::string laughs =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
      " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
      " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
      " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
      " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
      " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
      " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
      " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
      " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
      " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
      "]>\n<lolz>&lol9;</lolz>\n";
  // A valid signed document behind a DTD that would read a local file.
  std::string xxe = good;
  const auto rootAt = xxe.find("<umowa");
  xxe.insert(rootAt, "<!DOCTYPE umowa [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"empty.xml", ""},
      {"whitespace.xml", "  \n\t "},
      {"truncated.xml", good.substr(0, good.size() / 2)},
      {"one-byte-short.xml", good.substr(0, good.find_last_of('<') + 3)},
      {"garbage.xml", garbage},
      {"garbage-after-lt.xml", "<" + garbage},
      {"not-utf8.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>\xff\xfe\xc3\x28\x80</a>"},
      {"not-utf8-no-declaration.xml", "<a b=\"\xc0\xaf\">\xed\xa0\x80</a>"},
      {"xxe.xml", "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>"},
      {"xxe-signed.xml", xxe},
      {"external-dtd.xml", "<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"http://127.0.0.1:9/x.dtd\"><r/>"},
      {"billion-laughs.xml", laughs},
      {"deep-300.xml", deep},
      {"deep-100000.xml", veryDeep},
      {"two-roots.xml", "<a/><b/>"},
  };
  for (const auto& [name, content] : cases) {
    BOOST_TEST_CONTEXT(name) {
      writeFile(dir / name, content);
      BOOST_CHECK_EXCEPTION(xades.verify(dir / name, anchored()), Error, hasCategory(Category::Malformed));
      BOOST_CHECK_EXCEPTION(xades.inspect(dir / name), Error, hasCategory(Category::Malformed));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_io_error) {
  BOOST_CHECK_EXCEPTION(xades.verify(dir / "absent.xml", anchored()), Error, hasCategory(Category::Io));
  BOOST_CHECK_EXCEPTION(xades.inspect(dir / "absent.xml"), Error, hasCategory(Category::Io));
}

BOOST_AUTO_TEST_CASE(an_xml_file_without_a_signature_gives_a_report_with_no_signatures) {
  const auto r = xades.verify(dir / "umowa.xml", anchored());
  BOOST_TEST(r.signatures.empty());
  BOOST_TEST(r.indication != Indication::TotalPassed, indicationText(r));
  const auto in = xades.inspect(dir / "umowa.xml");
  BOOST_TEST(in.signatures.empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ============================================================== naming ===

BOOST_FIXTURE_TEST_SUITE(xades_naming, Fixture)

BOOST_AUTO_TEST_CASE(output_names_and_default_packaging_follow_the_content) {
  writeFile(dir / "a.xml", "<a/>");
  writeFile(dir / "scan.tiff", std::string("II*\0binary\xff", 11));
  BOOST_TEST(xades.outputName(dir / "a.xml", Packaging::Enveloped) == dir / "a-signed.xml");
  BOOST_TEST(xades.outputName(dir / "a.xml", Packaging::Default) == dir / "a-signed.xml");
  BOOST_TEST(xades.outputName(dir / "scan.tiff", Packaging::Detached) == dir / "scan.tiff.xades.xml");
  BOOST_TEST(xades.outputName(dir / "scan.tiff", Packaging::Default) == dir / "scan.tiff.xades.xml");
  BOOST_TEST(xades.outputName(dir / "scan.tiff", Packaging::Enveloping) == dir / "scan.tiff-signed.xml");
  BOOST_TEST((xades.packagingFor(ContentSniff::of(dir / "a.xml")) == Packaging::Enveloped));
  BOOST_TEST((xades.packagingFor(ContentSniff::of(dir / "scan.tiff")) == Packaging::Detached));
  // Content decides, not the extension.
  writeFile(dir / "notes.xml", "plain text, not XML");
  BOOST_TEST((xades.packagingFor(ContentSniff::of(dir / "notes.xml")) == Packaging::Detached));
  writeFile(dir / "bom.txt", "\xEF\xBB\xBF  \n<a/>");
  BOOST_TEST((xades.packagingFor(ContentSniff::of(dir / "bom.txt")) == Packaging::Enveloped));
  BOOST_TEST(xades.recognises(ContentSniff::of(dir / "a.xml")));
  BOOST_TEST(!xades.recognises(ContentSniff::of(dir / "scan.tiff")));
  BOOST_TEST(xades.id() == "xades");
}

BOOST_AUTO_TEST_CASE(the_media_type_written_into_a_signature_is_found_by_content_not_by_name) {
  // XAdES DataObjectFormat/MimeType and the enveloping ds:Object's MimeType
  // come from ContentSniff::mediaType: the bytes decide, never the name.
  const std::string odt = std::string("PK\x03\x04\x14\0\0\0\0\0", 10) + std::string(8, '\0') +
                          std::string("\x27\0\0\0\x27\0\0\0\x08\0\0\0", 12) + "mimetype" +
                          "application/vnd.oasis.opendocument.text" + "rest";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("\x89PNG\r\n\x1a\nIHDR", 12), "image/png"},
      {"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", "application/pdf"},
      {std::string(100, ' ') + "%PDF-1.4\n", "application/pdf"},  // header after junk, as readers accept
      {"<?xml version=\"1.0\"?><a/>", "text/xml"},
      {odt, "application/vnd.oasis.opendocument.text"},
      {std::string("PK\x03\x04\x14\0\0\0\x08\0", 10) + std::string(30, 'x'), "application/zip"},
      {"Zażółć gęślą jaźń\n", "text/plain"},
      {std::string("\x30\x82\x01\x00%PDF-1.7", 12), "application/octet-stream"},  // DER carrying a PDF is not one
      {std::string("\0\x01\x02", 3) + "binary", "application/octet-stream"},
      {"", "application/x-zerosize"},
  };
  int n = 0;
  for (const auto& [content, type] : cases) {
    BOOST_TEST_CONTEXT(type << " #" << n) {
      const fs::path f = dir / ("misnamed-" + std::to_string(n++) + ".txt");
      writeFile(f, content);
      BOOST_TEST(ContentSniff::of(f).mediaType() == type);
    }
  }
  // And it is what a signature records: a PNG named like a text file.
  fs::copy_file(dir / "photo.png", dir / "photo-named.txt", fs::copy_options::overwrite_existing);
  const fs::path out = sign("signer-rsa.p12", dir / "photo-named.txt", params(Packaging::Enveloping));
  BOOST_TEST(contains(readText(out), "<xades:MimeType>image/png</xades:MimeType>"));
  fs::remove(out);
}

BOOST_AUTO_TEST_SUITE_END()
