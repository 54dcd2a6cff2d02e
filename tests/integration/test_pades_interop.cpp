// PAdES interoperability both ways: poppler's pdfsig and qpdf read what we
// sign; we verify what pdfsig -add-signature (NSS) and podofosign (PoDoFo
// 0.9.8, OpenSSL PKCS#7) sign.  The tools come from scripts/lib.sh
// (poppler-utils, qpdf, libnss3-tools, libpodofo-utils); a missing tool fails
// the case, it never skips it.
#include <boost/test/unit_test.hpp>

#include "test_support.h"

#include <securedoc/crypto/ossl.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <regex>
#include <sstream>

#include <unistd.h>

using namespace securedoc::test;
namespace fs = std::filesystem;
namespace ossl = securedoc::ossl;

namespace {

/// One "Signature #N:" block of `pdfsig` output.
struct PdfsigSignature {
  std::string text;
  bool has(const std::string& line) const { return text.find("  - " + line + "\n") != std::string::npos; }
  bool valid() const { return has("Signature Validation: Signature is Valid."); }
  bool total() const { return has("Total document signed"); }
  bool notTotal() const { return has("Not total document signed"); }
};

std::vector<PdfsigSignature> pdfsigSignatures(const std::string& out) {
  std::vector<PdfsigSignature> blocks;
  for (auto& text : pdfsigBlocks(out)) blocks.push_back({std::move(text)});
  return blocks;
}

/// The two byte ranges pdfsig printed for a signature: [a - b], [c - d].
std::pair<std::size_t, std::size_t> contentsGap(const PdfsigSignature& s) {
  std::smatch m;
  const std::regex ranges(R"(Signed Ranges: \[(\d+) - (\d+)\], \[(\d+) - (\d+)\])");
  BOOST_TEST_REQUIRE(std::regex_search(s.text, m, ranges), "pdfsig prints the signed ranges: " << s.text);
  return {std::stoul(m[2].str()), std::stoul(m[3].str())};
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

struct Interop {
  TempDir dir;
  fs::path pki = pkiDir();
  fs::path contract = dir / "contract.pdf";

  Interop() { fs::copy_file(sourceDir() / "samples/documents/contract.pdf", contract); }

  std::string root() const { return (pki / "root-ca.pem").string(); }
  std::string password() const { return trimmed(readText(pki / "password.txt")); }

  /// securedoc-cli sign (PAdES B-B by default for a PDF) of `in` into `out`.
  void signWithUs(const std::string& p12, const fs::path& in, const fs::path& out) const {
    const auto r = cli({"sign", "--signer", "pkcs12:" + (pki / p12).string(), "--password-file",
                        (pki / "password.txt").string(), "--output", out.string(), in.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "securedoc-cli sign " << p12 << ": " << r.err);
  }

  /// pdfsig without certificate validation: our demo CA is unknown to NSS.
  std::vector<PdfsigSignature> pdfsig(const fs::path& pdf) const {
    const auto r = run({"pdfsig", "-nocert", pdf.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "pdfsig " << pdf.filename() << " exits 0: " << r.out << r.err);
    return pdfsigSignatures(r.out);
  }

  void qpdfCheck(const fs::path& pdf) const {
    const auto r = run({"qpdf", "--check", pdf.string()});
    BOOST_TEST(r.exitCode == 0, "qpdf --check " << pdf.filename() << " exits 0 (no warnings): " << r.out << r.err);
    BOOST_TEST(r.out.find("No syntax or stream encoding errors found") != std::string::npos,
               "qpdf --check " << pdf.filename() << " finds no syntax errors: " << r.out);
  }

  nlohmann::json verify(const fs::path& pdf, const std::vector<std::string>& anchors, int expectedExit) const {
    std::vector<std::string> args{"verify", "--json"};
    for (const auto& a : anchors) {
      args.push_back("--trust-anchor");
      args.push_back(a);
    }
    args.push_back(pdf.string());
    const auto r = cli(args);
    BOOST_TEST(r.exitCode == expectedExit,
               "securedoc-cli verify " << pdf.filename() << " exits " << expectedExit << ": " << r.out << r.err);
    return nlohmann::json::parse(r.out);
  }

  /// Checks that signature `s` of our report names Jan Kowalski and chains
  /// to `chainLength` certificates ending at `lastCa`.
  static void expectKowalski(const nlohmann::json& s, std::size_t chainLength, const std::string& lastCa) {
    BOOST_TEST(s["signer"]["subjectFields"]["CN"] == "Jan Kowalski", "signer is Jan Kowalski: " << s["signer"]);
    BOOST_TEST(s["signer"]["subjectFields"]["serialNumber"] == "PNOPL-80010112345", "signer's PESEL-based serial");
    BOOST_TEST_REQUIRE(s["chain"].size() == chainLength,
                       "chain has " << chainLength << " certificates: " << s["chain"]);
    BOOST_TEST(s["chain"][0].get<std::string>().find("CN=Jan Kowalski") == 0, "chain starts at the signer");
    BOOST_TEST(s["chain"][chainLength - 1].get<std::string>().find("CN=" + lastCa) == 0,
               "chain ends at " << lastCa << ": " << s["chain"]);
    if (chainLength == 3) {
      BOOST_TEST(s["chain"][1].get<std::string>().find("CN=SecureDoc Demo Issuing CA") == 0,
                 "the issuing CA is in the middle of the chain");
    }
  }

  /// A PEM key and certificate out of a demo PKCS#12 (for podofosign).
  std::pair<fs::path, fs::path> extract(const std::string& p12) const {
    const fs::path key = dir / (p12 + ".key.pem");
    const fs::path cert = dir / (p12 + ".cert.pem");
    const auto pass = "pass:" + password();
    auto r = run({"openssl", "pkcs12", "-in", (pki / p12).string(), "-passin", pass, "-nocerts", "-nodes", "-out",
                  key.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "openssl pkcs12 extracts the key: " << r.err);
    r = run({"openssl", "pkcs12", "-in", (pki / p12).string(), "-passin", pass, "-clcerts", "-nokeys", "-out",
             cert.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "openssl pkcs12 extracts the certificate: " << r.err);
    return {key, cert};
  }

  /// podofosign with its defaults (adbe.pkcs7.detached, -digest SHA512).
  fs::path podofoSign() const {
    requireTool("podofosign", "the Debian package libpodofo-utils");
    requireTool("openssl", "the Debian package openssl");
    const auto [key, cert] = extract("signer-rsa.p12");
    const fs::path out = dir / "contract-podofo.pdf";
    const auto r = run(
        {"podofosign", "-in", contract.string(), "-out", out.string(), "-cert", cert.string(), "-pkey", key.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "podofosign exits 0: " << r.out << r.err);
    BOOST_TEST_REQUIRE(fs::exists(out), "podofosign wrote " << out);
    return out;
  }
};

/// The PKCS#7 SignedData in /Contents, between the two signed byte ranges.
struct ContentsSlot {
  std::size_t hexBegin = 0;  // first hex digit after '<'
  std::size_t hexLength = 0;
};

ContentsSlot contentsSlot(const std::string& file, const PdfsigSignature& s) {
  const auto [endOfFirst, startOfSecond] = contentsGap(s);
  BOOST_TEST_REQUIRE(startOfSecond <= file.size(), "byte range inside the file");
  BOOST_TEST_REQUIRE(file[endOfFirst] == '<', "/Contents starts right after the first range");
  BOOST_TEST_REQUIRE(file[startOfSecond - 1] == '>', "/Contents ends right before the second range");
  return {endOfFirst + 1, startOfSecond - endOfFirst - 2};
}

ossl::Pkcs7 parsePkcs7Hex(const std::string& hex) {
  std::string der;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    der.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::Pkcs7 p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
  BOOST_TEST_REQUIRE(p7.get() != nullptr, "/Contents holds DER PKCS#7");
  BOOST_TEST_REQUIRE(PKCS7_type_is_signed(p7.get()), "/Contents holds a SignedData");
  return p7;
}

std::string toHex(const ossl::Pkcs7& p7) {
  unsigned char* raw = nullptr;
  const int n = i2d_PKCS7(p7.get(), &raw);
  BOOST_TEST_REQUIRE(n > 0, "the SignedData re-encodes");
  const ossl::Bytes owned(raw);
  static const char* digits = "0123456789ABCDEF";
  std::string hex;
  for (int i = 0; i < n; ++i) {
    hex.push_back(digits[raw[i] >> 4]);
    hex.push_back(digits[raw[i] & 0xF]);
  }
  return hex;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pades_interop_third_parties_read_ours, Interop)

BOOST_AUTO_TEST_CASE(pdfsig_finds_our_rsa_and_ecdsa_b_b_signatures_valid_over_the_whole_document) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  requireTool("qpdf", "the Debian package qpdf");
  for (const char* p12 : {"signer-rsa.p12", "signer-ec.p12"}) {
    BOOST_TEST_CONTEXT(p12) {
      const fs::path out = dir / (std::string(p12) + "-signed.pdf");
      signWithUs(p12, contract, out);
      const auto sigs = pdfsig(out);
      BOOST_TEST_REQUIRE(sigs.size() == 1u, "pdfsig sees one signature");
      BOOST_TEST(sigs[0].valid(), "pdfsig: Signature is Valid\n" << sigs[0].text);
      BOOST_TEST(sigs[0].total(), "pdfsig: Total document signed\n" << sigs[0].text);
      BOOST_TEST(sigs[0].has("Signature Type: ETSI.CAdES.detached"), "PAdES SubFilter\n" << sigs[0].text);
      BOOST_TEST(sigs[0].has("Signing Hash Algorithm: SHA-256"), "SHA-256 by default\n" << sigs[0].text);
      const std::string cn = std::string(p12) == "signer-rsa.p12" ? "Jan Kowalski" : "Anna Nowak";
      BOOST_TEST(sigs[0].has("Signer Certificate Common Name: " + cn), "pdfsig names " << cn << "\n" << sigs[0].text);
      qpdfCheck(out);
    }
  }
}

BOOST_AUTO_TEST_CASE(three_signatures_in_turn_are_all_valid_and_only_the_last_covers_the_whole_file) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  requireTool("qpdf", "the Debian package qpdf");
  const fs::path first = dir / "1-rsa.pdf";
  const fs::path second = dir / "2-ec.pdf";
  const fs::path third = dir / "3-rsa.pdf";
  signWithUs("signer-rsa.p12", contract, first);
  signWithUs("signer-ec.p12", first, second);
  signWithUs("signer-rsa.p12", second, third);
  for (const auto& f : {first, second, third}) qpdfCheck(f);

  const auto sigs = pdfsig(third);
  BOOST_TEST_REQUIRE(sigs.size() == 3u, "pdfsig sees three signatures");
  for (std::size_t i = 0; i < sigs.size(); ++i) {
    BOOST_TEST_CONTEXT("signature #" << i + 1) {
      BOOST_TEST(sigs[i].valid(), "pdfsig: Signature is Valid\n" << sigs[i].text);
      if (i + 1 < sigs.size()) {
        BOOST_TEST(sigs[i].notTotal(), "pdfsig: Not total document signed\n" << sigs[i].text);
      } else {
        BOOST_TEST(sigs[i].total(), "pdfsig: Total document signed\n" << sigs[i].text);
      }
    }
  }
  BOOST_TEST(sigs[1].has("Signer Certificate Common Name: Anna Nowak"), "the second signature is the ECDSA one");

  const auto report = verify(third, {root()}, 0);
  BOOST_TEST(report["indication"] == "TOTAL-PASSED", "we agree: all three pass");
  BOOST_TEST_REQUIRE(report["signatures"].size() == 3u, "we see three signatures");
  BOOST_TEST(report["signatures"][2]["coversWholeDocument"] == true, "we agree the last one covers the file");
  BOOST_TEST(report["signatures"][0]["coversWholeDocument"] == false, "we agree the first one does not");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(pades_interop_we_read_third_parties, Interop)

BOOST_AUTO_TEST_CASE(a_signature_made_by_pdfsig_with_an_nss_database_is_total_passed) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  requireTool("certutil", "the Debian package libnss3-tools");
  requireTool("pk12util", "the Debian package libnss3-tools");
  // poppler 22.12 signs only through NSS: a database holding the demo
  // signer's key, with the demo root trusted.
  const std::string db = "sql:" + (dir / "nssdb").string();
  fs::create_directory(dir / "nssdb");
  auto r = run({"certutil", "-N", "--empty-password", "-d", db});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "certutil -N creates the NSS database: " << r.out << r.err);
  r = run({"pk12util", "-i", (pki / "signer-rsa.p12").string(), "-d", db, "-W", password()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "pk12util imports signer-rsa.p12: " << r.out << r.err);
  r = run({"certutil", "-A", "-n", "root", "-t", "CT,C,C", "-i", root(), "-d", db});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "certutil -A trusts the demo root: " << r.out << r.err);

  // The nickname of the certificate with a private key (trust "u,u,u").
  r = run({"certutil", "-L", "-d", db});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "certutil -L lists the database: " << r.err);
  std::string nick;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.rfind("u,u,u");
    if (at != std::string::npos && at > 0) nick = trimmed(line.substr(0, at));
  }
  BOOST_TEST_REQUIRE(!nick.empty(), "certutil -L shows a user certificate: " << r.out);
  BOOST_TEST(nick == "Jan Kowalski", "pk12util names it after the certificate's CN");

  const fs::path out = dir / "contract-poppler.pdf";
  r = run({"pdfsig", "-nssdir", db, "-add-signature", "-nick", nick, "-reason", "Zatwierdzam", contract.string(),
           out.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "pdfsig -add-signature exits 0: " << r.out << r.err);
  BOOST_TEST_REQUIRE(fs::exists(out), "pdfsig wrote " << out);

  const auto sigs = pdfsig(out);
  BOOST_TEST_REQUIRE(sigs.size() == 1u, "pdfsig sees its own signature");
  BOOST_TEST(sigs[0].valid(), "pdfsig: its own signature is valid\n" << sigs[0].text);
  BOOST_TEST(sigs[0].has("Signature Type: adbe.pkcs7.detached"), "poppler 22.12 writes adbe.pkcs7.detached");

  const auto report = verify(out, {root()}, 0);
  BOOST_TEST(report["indication"] == "TOTAL-PASSED", "our verdict on pdfsig's signature: " << report.dump(2));
  BOOST_TEST_REQUIRE(report["signatures"].size() == 1u, "we see one signature");
  const auto& s = report["signatures"][0];
  BOOST_TEST(s["indication"] == "TOTAL-PASSED", "signature TOTAL-PASSED");
  BOOST_TEST(s["coversWholeDocument"] == true, "pdfsig's signature covers the file");
  BOOST_TEST(s["digestAlgorithm"] == "SHA-256", "poppler's default digest");
  expectKowalski(s, 3, "SecureDoc Demo Root CA");
}

BOOST_AUTO_TEST_CASE(podofosign_writes_two_signer_infos_which_pdfsig_and_we_both_accept) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  const fs::path out = podofoSign();

  const auto sigs = pdfsig(out);
  BOOST_TEST_REQUIRE(sigs.size() == 1u, "pdfsig sees one signature field");
  BOOST_TEST(sigs[0].valid(), "pdfsig checks only the first SignerInfo and finds it valid\n" << sigs[0].text);
  BOOST_TEST(sigs[0].total(), "podofosign's signature covers the file\n" << sigs[0].text);
  BOOST_TEST(sigs[0].has("Signature Type: adbe.pkcs7.detached"), "podofosign writes adbe.pkcs7.detached");

  // podofosign 0.9.8 calls PKCS7_sign() with the signer, which adds a
  // SignerInfo with the key's default digest (SHA-256), then
  // PKCS7_sign_add_signer() with -digest (SHA-512 by default): the same
  // certificate signs twice, and the intermediate CA is not included.
  const std::string file = readText(out);
  const auto slot = contentsSlot(file, sigs[0]);
  const auto p7 = parsePkcs7Hex(file.substr(slot.hexBegin, slot.hexLength));
  STACK_OF(PKCS7_SIGNER_INFO)* infos = PKCS7_get_signer_info(p7.get());
  BOOST_TEST_REQUIRE(sk_PKCS7_SIGNER_INFO_num(infos) == 2, "podofosign wrote two SignerInfos");
  BOOST_TEST(ASN1_INTEGER_cmp(sk_PKCS7_SIGNER_INFO_value(infos, 0)->issuer_and_serial->serial,
                              sk_PKCS7_SIGNER_INFO_value(infos, 1)->issuer_and_serial->serial) == 0,
             "both SignerInfos name the same certificate");

  // ISO 32000-1 allows one SignerInfo; two by the same certificate that both
  // verify are tolerated and reported (podofosign leaves out the issuing CA,
  // so it is given as a trust anchor too).
  const auto report = verify(out, {root(), (pki / "issuing-ca.pem").string()}, 0);
  BOOST_TEST(report["indication"] == "TOTAL-PASSED", "podofosign's signature passes: " << report.dump(2));
  const auto& s = report["signatures"][0];
  BOOST_TEST(s["messages"].dump().find("2 signer infos") != std::string::npos, "the report says so: " << s["messages"]);
  BOOST_TEST(s["level"] == "-", "adbe.pkcs7.detached is not a PAdES baseline level");
  expectKowalski(s, 3, "SecureDoc Demo Root CA");
}

BOOST_AUTO_TEST_CASE(podofosigns_signature_reduced_to_one_signer_info_is_total_passed_given_the_issuing_ca) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  const fs::path signedByPodofo = podofoSign();
  const auto sigs = pdfsig(signedByPodofo);
  BOOST_TEST_REQUIRE(sigs.size() == 1u, "pdfsig sees one signature field");

  // Keep podofosign's first SignerInfo (SHA-256) and drop the duplicate.
  // /Contents is outside the signed byte ranges, so the document digest and
  // the kept signature are untouched; only the container changes.
  std::string file = readText(signedByPodofo);
  const auto slot = contentsSlot(file, sigs[0]);
  const auto p7 = parsePkcs7Hex(file.substr(slot.hexBegin, slot.hexLength));
  STACK_OF(PKCS7_SIGNER_INFO)* infos = PKCS7_get_signer_info(p7.get());
  BOOST_TEST_REQUIRE(sk_PKCS7_SIGNER_INFO_num(infos) == 2, "podofosign wrote two SignerInfos");
  PKCS7_SIGNER_INFO_free(sk_PKCS7_SIGNER_INFO_delete(infos, 1));
  std::string hex = toHex(p7);
  BOOST_TEST_REQUIRE(hex.size() <= slot.hexLength, "the smaller SignedData fits the placeholder");
  hex.resize(slot.hexLength, '0');
  file.replace(slot.hexBegin, slot.hexLength, hex);
  const fs::path single = dir / "contract-podofo-one-signer.pdf";
  writeFile(single, file);

  const auto again = pdfsig(single);
  BOOST_TEST_REQUIRE(again.size() == 1u, "pdfsig still sees one signature");
  BOOST_TEST(again[0].valid(), "pdfsig: still valid with one SignerInfo\n" << again[0].text);

  // podofosign embeds only the signer's certificate, so the root alone
  // cannot be reached: no AIA fetching, INDETERMINATE.
  auto report = verify(single, {root()}, 2);
  BOOST_TEST(report["indication"] == "INDETERMINATE", "without the issuing CA: " << report.dump(2));
  BOOST_TEST(report["signatures"][0]["subIndication"] == "NO_CERTIFICATE_CHAIN_FOUND", "no chain to the root");

  // So the issuing CA is passed as a trust anchor too (podofosign leaves it out).
  report = verify(single, {root(), (pki / "issuing-ca.pem").string()}, 0);
  BOOST_TEST(report["indication"] == "TOTAL-PASSED", "podofosign's signature passes: " << report.dump(2));
  BOOST_TEST_REQUIRE(report["signatures"].size() == 1u, "we see one signature");
  const auto& s = report["signatures"][0];
  BOOST_TEST(s["coversWholeDocument"] == true, "podofosign's signature covers the file");
  BOOST_TEST(s["digestAlgorithm"] == "SHA-256", "the kept SignerInfo is the SHA-256 one");
  BOOST_TEST(s["signingTime"].is_string(), "podofosign's signingTime attribute is read");
  // The issuing CA is trusted; the path is still shown up to the root.
  expectKowalski(s, 3, "SecureDoc Demo Root CA");
  BOOST_TEST(s["checks"].dump().find("no signing-certificate attribute") != std::string::npos,
             "podofosign adds no ESS signing-certificate attribute, and we say so: " << s["checks"]);
}

BOOST_AUTO_TEST_SUITE_END()
