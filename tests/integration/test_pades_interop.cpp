// PAdES interoperability both ways: poppler's pdfsig and qpdf read what we
// sign; we verify what pdfsig -add-signature (NSS) and podofosign (PoDoFo
// 0.9.8, OpenSSL PKCS#7) sign.  The tools come from scripts/lib.sh
// (poppler-utils, qpdf, libnss3-tools, libpodofo-utils); a missing tool fails
// the case, it never skips it.
#include <boost/test/unit_test.hpp>

#include "test_support.h"

#include <securedoc/crypto/ossl.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
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

/// The cross-reference section that a PDF's last startxref points to
/// (ISO 32000-1 §7.5.5): a table and its trailer, or a cross-reference
/// stream (§7.5.8) and its dictionary.
struct XrefSection {
  std::uint64_t offset = 0;
  bool stream = false;
  std::string dictionary;  ///< the trailer, or the stream's dictionary
  std::optional<std::uint64_t> prev;
  std::optional<std::uint64_t> size;
};

XrefSection lastSection(const std::string& pdf) {
  const std::size_t kw = pdf.rfind("startxref");
  BOOST_TEST_REQUIRE(kw != std::string::npos, "the PDF ends with startxref");
  XrefSection s;
  s.offset = std::stoull(pdf.substr(kw + 9, 32));
  BOOST_TEST_REQUIRE(s.offset < kw, "startxref points inside the file");
  if (pdf.compare(s.offset, 4, "xref") == 0) {
    const std::size_t trailer = pdf.find("trailer", s.offset);
    BOOST_TEST_REQUIRE(trailer < kw, "the table has a trailer");
    s.dictionary = pdf.substr(trailer, kw - trailer);
  } else {
    s.stream = true;
    const std::size_t data = pdf.find("stream", s.offset);
    BOOST_TEST_REQUIRE(data < kw, "the section is a stream object");
    s.dictionary = pdf.substr(s.offset, data - s.offset);
    BOOST_TEST_REQUIRE(std::regex_search(s.dictionary, std::regex(R"(/Type\s*/XRef\b)")),
                       "startxref points at a cross-reference stream: " << s.dictionary);
  }
  std::smatch m;
  if (std::regex_search(s.dictionary, m, std::regex(R"(/Prev\s+(\d+))"))) s.prev = std::stoull(m[1].str());
  if (std::regex_search(s.dictionary, m, std::regex(R"(/Size\s+(\d+))"))) s.size = std::stoull(m[1].str());
  return s;
}

/// The bytes of the first string in a dictionary's /ID array, hex <...> or
/// literal (...) (ISO 32000-1 §7.3.4); empty without /ID.
std::string firstId(const std::string& dictionary) {
  const std::size_t key = dictionary.find("/ID");
  if (key == std::string::npos) return {};
  std::size_t i = dictionary.find_first_of("<(", key);
  if (i == std::string::npos) return {};
  std::string out;
  if (dictionary[i] == '<') {
    std::string hex;
    for (++i; i < dictionary.size() && dictionary[i] != '>'; ++i) {
      if (std::isxdigit(static_cast<unsigned char>(dictionary[i]))) hex.push_back(dictionary[i]);
    }
    if (hex.size() % 2) hex.push_back('0');
    for (std::size_t k = 0; k < hex.size(); k += 2)
      out.push_back(static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16)));
    return out;
  }
  int depth = 1;
  for (++i; i < dictionary.size(); ++i) {
    char c = dictionary[i];
    if (c == '\\' && i + 1 < dictionary.size()) {
      c = dictionary[++i];
      static const std::map<char, char> escapes{{'n', '\n'}, {'r', '\r'}, {'t', '\t'}, {'b', '\b'}, {'f', '\f'}};
      if (escapes.count(c)) {
        out.push_back(escapes.at(c));
      } else if (c >= '0' && c <= '7') {
        int v = 0;
        for (int d = 0; d < 3 && i < dictionary.size() && dictionary[i] >= '0' && dictionary[i] <= '7'; ++d, ++i) {
          v = v * 8 + (dictionary[i] - '0');
        }
        --i;
        out.push_back(static_cast<char>(v));
      } else if (c != '\n' && c != '\r') {
        out.push_back(c);
      }
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && --depth == 0) break;
    out.push_back(c);
  }
  return out;
}

/// `qpdf --show-xref`: object number -> "uncompressed" or "compressed".
std::map<unsigned, std::string> xrefKinds(const std::string& showXref) {
  std::map<unsigned, std::string> kinds;
  const std::regex line(R"((\d+)/\d+: (uncompressed|compressed))");
  for (auto it = std::sregex_iterator(showXref.begin(), showXref.end(), line); it != std::sregex_iterator(); ++it) {
    kinds[static_cast<unsigned>(std::stoul((*it)[1].str()))] = (*it)[2].str();
  }
  return kinds;
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
    BOOST_TEST(
        (r.out + r.err).find("WARNING") == std::string::npos,
        "qpdf --check " << pdf.filename() << " warns about nothing (no xref reconstruction): " << r.out << r.err);
  }

  std::string showXref(const fs::path& pdf) const {
    const auto r = run({"qpdf", "--show-xref", pdf.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "qpdf --show-xref " << pdf.filename() << " exits 0: " << r.out << r.err);
    return r.out;
  }

  /// `qpdf --object-streams=generate`: a PDF 1.5 file whose objects sit in
  /// an object stream and whose only section is a cross-reference stream.
  fs::path withObjectStreams(const fs::path& in, const std::string& name,
                             const std::vector<std::string>& extra = {}) const {
    const fs::path out = dir / name;
    std::vector<std::string> args{"qpdf", "--object-streams=generate", in.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(out.string());
    const auto r = run(args);
    BOOST_TEST_REQUIRE(r.exitCode == 0, "qpdf --object-streams=generate exits 0: " << r.out << r.err);
    BOOST_TEST_REQUIRE(lastSection(readText(out)).stream, "qpdf wrote a cross-reference stream");
    const auto kinds = xrefKinds(showXref(out));
    BOOST_TEST_REQUIRE(
        std::count_if(kinds.begin(), kinds.end(), [](const auto& k) { return k.second == "compressed"; }) > 0,
        "qpdf put objects in an object stream");
    return out;
  }

  /// A hybrid-reference file (ISO 32000-1 §7.5.8.4) made from an
  /// xref-stream PDF: its bytes, then a classic table of the uncompressed
  /// objects whose trailer names the cross-reference stream in /XRefStm
  /// (the form Microsoft Word writes).
  fs::path hybrid(const fs::path& xrefStreamPdf, const std::string& name) const {
    const std::string pdf = readText(xrefStreamPdf);
    const XrefSection stream = lastSection(pdf);
    BOOST_TEST_REQUIRE(stream.stream, "the hybrid is made from a cross-reference stream");
    std::map<unsigned, std::uint64_t> offsets;
    const std::string xref = showXref(xrefStreamPdf);
    const std::regex line(R"((\d+)/0: uncompressed; offset = (\d+))");
    for (auto it = std::sregex_iterator(xref.begin(), xref.end(), line); it != std::sregex_iterator(); ++it) {
      offsets[static_cast<unsigned>(std::stoul((*it)[1].str()))] = std::stoull((*it)[2].str());
    }
    offsets[0] = 0;
    const auto r = run({"qpdf", "--show-object=trailer", xrefStreamPdf.string()});
    BOOST_TEST_REQUIRE(r.exitCode == 0, "qpdf --show-object=trailer: " << r.err);
    std::smatch root, info, id;
    BOOST_TEST_REQUIRE(std::regex_search(r.out, root, std::regex(R"(/Root \d+ \d+ R)")), "a /Root: " << r.out);
    BOOST_TEST_REQUIRE(std::regex_search(r.out, info, std::regex(R"(/Info \d+ \d+ R)")), "an /Info: " << r.out);
    BOOST_TEST_REQUIRE(std::regex_search(r.out, id, std::regex(R"(/ID \[[^\]]*\])")), "an /ID: " << r.out);
    BOOST_TEST_REQUIRE(stream.size.has_value(), "the stream has /Size");

    std::string out = pdf.substr(0, pdf.rfind("startxref"));
    const std::size_t tableAt = out.size();
    out += "xref\n";
    for (auto it = offsets.begin(); it != offsets.end();) {
      auto end = it;
      unsigned count = 0;
      while (end != offsets.end() && end->first == it->first + count) {
        ++end;
        ++count;
      }
      out += std::to_string(it->first) + " " + std::to_string(count) + "\n";
      for (; it != end; ++it) {
        char entry[32];
        std::snprintf(entry, sizeof entry, "%010llu %05u %c \n", static_cast<unsigned long long>(it->second),
                      it->first == 0 ? 65535u : 0u, it->first == 0 ? 'f' : 'n');
        out += entry;
      }
    }
    out += "trailer\n<< /Size " + std::to_string(*stream.size) + " " + root.str() + " " + info.str() + " " + id.str() +
           " /XRefStm " + std::to_string(stream.offset) + " >>\nstartxref\n" + std::to_string(tableAt) + "\n%%EOF\n";
    const fs::path made = dir / name;
    writeFile(made, out);
    qpdfCheck(made);
    BOOST_TEST_REQUIRE(!lastSection(out).stream, "the hybrid's last section is a table");
    BOOST_TEST_REQUIRE((xrefKinds(showXref(made)) == xrefKinds(xref)), "qpdf reads the same objects through /XRefStm");
    return made;
  }

  /// The update that signing `before` appended to make `after` chains to
  /// the previous section (ISO 32000-1 §7.5.6, §7.5.8): /Prev, the same
  /// form, the trailer's entries, /Size, the permanent /ID; and the objects
  /// the signature did not change are not written again.
  void expectChainedUpdate(const fs::path& before, const fs::path& after) const {
    const std::string old = readText(before);
    const std::string now = readText(after);
    BOOST_TEST_REQUIRE(now.compare(0, old.size(), old) == 0, "the signed file starts with the input, unchanged");
    const XrefSection prev = lastSection(old);
    const XrefSection update = lastSection(now);
    BOOST_TEST(update.offset > old.size(), "the new section is in the update");
    BOOST_TEST((update.prev && *update.prev == prev.offset),
               "/Prev of the update is the input's startxref " << prev.offset << ": " << update.dictionary);
    BOOST_TEST(update.stream == prev.stream, "the update's section has the form of the input's last section ("
                                                 << (prev.stream ? "a stream" : "a table")
                                                 << "): " << update.dictionary);
    BOOST_TEST(update.dictionary.find("/XRefStm") == std::string::npos, "no /XRefStm copied from a hybrid's trailer");
    BOOST_TEST(update.dictionary.find("/Root") != std::string::npos, "the trailer has /Root: " << update.dictionary);
    if (prev.dictionary.find("/Info") != std::string::npos) {
      BOOST_TEST(update.dictionary.find("/Info") != std::string::npos,
                 "the trailer keeps /Info: " << update.dictionary);
    }
    BOOST_TEST(update.dictionary.find("/ID") != std::string::npos, "the trailer has /ID: " << update.dictionary);
    if (!firstId(prev.dictionary).empty()) {
      BOOST_TEST(firstId(update.dictionary) == firstId(prev.dictionary), "the first /ID string is kept (§14.4)");
    }
    const auto kindsBefore = xrefKinds(showXref(before));
    const auto kindsAfter = xrefKinds(showXref(after));
    BOOST_TEST_REQUIRE(!kindsAfter.empty(), "qpdf lists the objects");
    BOOST_TEST_REQUIRE(update.size.has_value(), "the update has /Size");
    BOOST_TEST(*update.size > kindsAfter.rbegin()->first,
               "/Size " << *update.size << " is past the highest object number");
    if (prev.size) {
      BOOST_TEST(*update.size >= *prev.size, "/Size does not shrink");
    }
    std::size_t kept = 0;
    for (const auto& [n, kind] : kindsBefore) {
      BOOST_TEST(kindsAfter.count(n) == 1u, "object " << n << " is still reachable through the /Prev chain");
      if (kind == "compressed" && kindsAfter.count(n) && kindsAfter.at(n) == "compressed") ++kept;
    }
    const auto compressedBefore =
        std::count_if(kindsBefore.begin(), kindsBefore.end(), [](const auto& k) { return k.second == "compressed"; });
    if (compressedBefore > 0) {
      BOOST_TEST(kept > 0u, "objects the signature did not change stay in their object stream ("
                                << kept << " of " << compressedBefore << ")");
    }
  }

  /// The checks every output of these cases passes: qpdf reads it without
  /// warnings, pdfsig and our verifier find `count` signatures, each with
  /// its digest and value right, and the last one is TOTAL-PASSED over the
  /// whole file.  (The indications of the earlier ones are printed, not
  /// asserted: the change analysis behind them is being rewritten.)
  void expectSignedOutput(const fs::path& pdf, std::size_t count) const {
    qpdfCheck(pdf);
    auto r = run({"qpdf", "--show-npages", pdf.string()});
    BOOST_TEST(r.exitCode == 0, "qpdf --show-npages " << pdf.filename() << " exits 0: " << r.err);
    BOOST_TEST(trimmed(r.out) == "2", "qpdf --show-npages finds the contract's two pages: " << r.out);

    const auto sigs = pdfsig(pdf);
    BOOST_TEST_REQUIRE(sigs.size() == count, "pdfsig lists " << count << " signatures in " << pdf.filename());
    for (std::size_t i = 0; i < sigs.size(); ++i) {
      BOOST_TEST(sigs[i].valid(), "pdfsig: signature #" << i + 1 << " is valid\n" << sigs[i].text);
    }
    BOOST_TEST(sigs.back().total(), "pdfsig: the last signature covers the whole file\n" << sigs.back().text);

    r = cli({"verify", "--json", "--trust-anchor", root(), pdf.string()});
    BOOST_TEST_REQUIRE(!r.out.empty(), "securedoc-cli verify --json prints a report: " << r.err);
    const auto report = nlohmann::json::parse(r.out);
    BOOST_TEST_MESSAGE(pdf.filename() << ": verify exits " << r.exitCode << ", " << report["indication"]);
    BOOST_TEST_REQUIRE(report["signatures"].size() == count, "we see " << count << " signatures: " << report.dump(2));
    for (std::size_t i = 0; i < count; ++i) {
      const auto& s = report["signatures"][i];
      BOOST_TEST_MESSAGE("  signature #" << i + 1 << ": " << s["indication"] << " " << s["subIndication"]);
      for (const char* check : {"messageDigest", "signatureValue"}) {
        bool passed = false;
        for (const auto& c : s["checks"]) passed = passed || (c["id"] == check && c["status"] == "passed");
        BOOST_TEST(passed, "signature #" << i + 1 << ": " << check << " passed: " << s["checks"]);
      }
    }
    const auto& last = report["signatures"][count - 1];
    BOOST_TEST(last["indication"] == "TOTAL-PASSED", "the last signature is TOTAL-PASSED: " << last.dump(2));
    BOOST_TEST(last["coversWholeDocument"] == true, "the last signature covers the file");
  }

  /// An NSS database holding the demo signer's key, with the demo root
  /// trusted (poppler 22.12 signs only through NSS); returns the database
  /// and the signer's nickname.
  std::pair<std::string, std::string> nssSigner() const {
    requireTool("certutil", "the Debian package libnss3-tools");
    requireTool("pk12util", "the Debian package libnss3-tools");
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
    return {db, nick};
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
  expectChainedUpdate(contract, first);
  expectChainedUpdate(first, second);
  expectChainedUpdate(second, third);

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
  const auto [db, nick] = nssSigner();

  const fs::path out = dir / "contract-poppler.pdf";
  const auto r = run({"pdfsig", "-nssdir", db, "-add-signature", "-nick", nick, "-reason", "Zatwierdzam",
                      contract.string(), out.string()});
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

// Issue 13: an input whose last cross-reference section is a stream (PDF 1.5
// object streams) or a hybrid file's table.  PoDoFo 0.9.8's WriteUpdate
// re-listed every object in a table without /Prev there; our update chains
// to the section before it, in its form.
BOOST_FIXTURE_TEST_SUITE(pades_interop_cross_reference_streams, Interop)

BOOST_AUTO_TEST_CASE(
    one_two_and_three_signatures_on_an_xref_stream_pdf_each_chain_a_cross_reference_stream_to_the_last) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  requireTool("qpdf", "the Debian package qpdf");
  fs::path previous = withObjectStreams(contract, "contract-objstm.pdf");
  const char* const signers[] = {"signer-rsa.p12", "signer-ec.p12", "signer-rsa.p12"};
  for (std::size_t n = 1; n <= 3; ++n) {
    BOOST_TEST_CONTEXT("signature " << n << " by " << signers[n - 1]) {
      const fs::path out = dir / ("objstm-" + std::to_string(n) + ".pdf");
      signWithUs(signers[n - 1], previous, out);
      expectChainedUpdate(previous, out);
      expectSignedOutput(out, n);
      previous = out;
    }
  }
}

BOOST_AUTO_TEST_CASE(one_two_and_three_signatures_on_a_hybrid_reference_pdf_each_chain_a_table_to_the_last) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  requireTool("qpdf", "the Debian package qpdf");
  fs::path previous = hybrid(withObjectStreams(contract, "contract-objstm.pdf"), "contract-hybrid.pdf");
  const char* const signers[] = {"signer-ec.p12", "signer-rsa.p12", "signer-ec.p12"};
  for (std::size_t n = 1; n <= 3; ++n) {
    BOOST_TEST_CONTEXT("signature " << n << " by " << signers[n - 1]) {
      const fs::path out = dir / ("hybrid-" + std::to_string(n) + ".pdf");
      signWithUs(signers[n - 1], previous, out);
      expectChainedUpdate(previous, out);
      expectSignedOutput(out, n);
      previous = out;
    }
  }
}

BOOST_AUTO_TEST_CASE(our_signature_after_pdfsigs_on_an_xref_stream_pdf_chains_to_popplers_cross_reference_stream) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  requireTool("qpdf", "the Debian package qpdf");
  const fs::path objstm = withObjectStreams(contract, "contract-objstm.pdf");
  const auto [db, nick] = nssSigner();
  const fs::path poppler = dir / "objstm-poppler.pdf";
  const auto r = run({"pdfsig", "-nssdir", db, "-add-signature", "-nick", nick, objstm.string(), poppler.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "pdfsig -add-signature exits 0: " << r.out << r.err);
  BOOST_TEST_REQUIRE(lastSection(readText(poppler)).stream, "poppler's update is a cross-reference stream too");

  const fs::path out = dir / "objstm-poppler-ours.pdf";
  signWithUs("signer-ec.p12", poppler, out);
  expectChainedUpdate(poppler, out);
  expectSignedOutput(out, 2);
  const auto sigs = pdfsig(out);
  BOOST_TEST(sigs[0].has("Signature Type: adbe.pkcs7.detached"), "the first one is poppler's\n" << sigs[0].text);
  BOOST_TEST(sigs[0].notTotal(), "poppler's signature now covers part of the file\n" << sigs[0].text);
  BOOST_TEST(sigs[1].has("Signature Type: ETSI.CAdES.detached"), "the second one is ours\n" << sigs[1].text);
}

BOOST_AUTO_TEST_CASE(an_xref_stream_pdf_over_2_mib_is_prepared_in_a_scratch_file_that_leaves_nothing_behind) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  requireTool("qpdf", "the Debian package qpdf");
  // 3 MB that do not compress, attached: the input is over the 2 MiB that
  // PadesModule prepares in memory, so the update goes through the scratch
  // file in the output folder (ARCHITECTURE.md "Signing (two phases)").
  std::mt19937 noise(13);
  std::string blob(3u << 20, '\0');
  for (auto& c : blob) c = static_cast<char>(noise() & 0xFF);
  writeFile(dir / "noise.bin", blob);
  const fs::path big =
      withObjectStreams(contract, "contract-big.pdf", {"--add-attachment", (dir / "noise.bin").string(), "--"});
  BOOST_TEST_REQUIRE(fs::file_size(big) > (2u << 20), "the input is over 2 MiB");
  const std::string input = readText(big);

  const fs::path outDir = dir / "out";
  fs::create_directory(outDir);
  const fs::path first = outDir / "big-1.pdf";
  const fs::path second = outDir / "big-2.pdf";
  signWithUs("signer-rsa.p12", big, first);
  signWithUs("signer-ec.p12", first, second);
  expectChainedUpdate(big, first);
  expectChainedUpdate(first, second);
  expectSignedOutput(second, 2);
  BOOST_TEST(readText(big) == input, "the input is untouched");
  const auto left = listDir(outDir);
  std::string names;
  for (const auto& n : left) names += " " + n;
  BOOST_TEST((left == std::vector<std::string>{"big-1.pdf", "big-2.pdf"}),
             "no scratch or temporary file is left in the output folder:" << names);
}

BOOST_AUTO_TEST_SUITE_END()
