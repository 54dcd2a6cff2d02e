// Attack PDFs against the PAdES verifier, built here byte by byte from a
// contract we sign with the demo PKI through the real CLI:
//   - universal signature forgery: missing, null or malformed /ByteRange and
//     /Contents (Mladenov et al., "1 Trillion Dollar Refund", CCS 2019, §5);
//   - signature wrapping: the excluded bytes are not the /Contents the
//     signature dictionary holds (ibid., §6);
//   - incremental saving that changes what is shown, and shadow attacks
//     (Mainka et al., "Shadow Attacks", NDSS 2021): content changed, hidden or
//     swapped by a later revision.
// None of them may be TOTAL-PASSED.  Every attack keeps the cross-reference
// table valid (same-length edits, or a correct appended update), so every one
// is a readable PDF: the verifier must answer with a report (exit 1), never
// "cannot be read" (exit 4), and never crash or hang.
#include <boost/test/unit_test.hpp>

#include "test_support.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <regex>
#include <sstream>

using namespace securedoc::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t npos = std::string::npos;

// ------------------------------------------------------------ PDF bytes ---

/// Writes `text` over pdf[from, to), padded with spaces: every offset after
/// it (the cross-reference table) stays valid.
void overwrite(std::string& pdf, std::size_t from, std::size_t to, const std::string& text) {
  BOOST_TEST_REQUIRE(to >= from, "the replaced span is not reversed");
  BOOST_TEST_REQUIRE(text.size() <= to - from, "\"" << text << "\" fits in the " << (to - from) << " bytes it replaces");
  pdf.replace(from, to - from, text + std::string(to - from - text.size(), ' '));
}

/// Where the last signature dictionary keeps its /ByteRange and /Contents.
struct SignatureLayout {
  std::size_t rangeOpen = 0;      ///< the '[' of /ByteRange
  std::size_t rangeClose = 0;     ///< its ']'
  std::size_t contentsOpen = 0;   ///< the '<' of /Contents
  std::size_t contentsClose = 0;  ///< its '>'
  std::array<std::uint64_t, 4> range{};
  /// Hex digits of the DER value in /Contents; the rest is zero padding.
  std::size_t derDigits = 0;
};

SignatureLayout locateSignature(const std::string& pdf) {
  SignatureLayout s;
  const std::size_t br = pdf.rfind("/ByteRange[");
  BOOST_TEST_REQUIRE(br != npos, "the signed file has a /ByteRange");
  s.rangeOpen = br + 10;
  s.rangeClose = pdf.find(']', s.rangeOpen);
  std::istringstream in(pdf.substr(s.rangeOpen + 1, s.rangeClose - s.rangeOpen - 1));
  in.imbue(std::locale::classic());
  for (auto& n : s.range) in >> n;
  BOOST_TEST_REQUIRE(!in.fail(), "the /ByteRange holds four numbers");
  s.contentsOpen = pdf.find("/Contents<", s.rangeClose);
  BOOST_TEST_REQUIRE(s.contentsOpen != npos, "the signature dictionary has /Contents");
  s.contentsOpen += 9;
  s.contentsClose = pdf.find('>', s.contentsOpen);
  BOOST_TEST_REQUIRE(s.contentsOpen == s.range[1], "the gap starts at the '<' of /Contents");
  BOOST_TEST_REQUIRE(s.contentsClose + 1 == s.range[2], "the gap ends after its '>'");
  // DER SEQUENCE with a long-form length: 30 8n <n length octets>.
  const std::string hex = pdf.substr(s.contentsOpen + 1, 16);
  BOOST_TEST_REQUIRE((hex.substr(0, 2) == "30" && hex[2] == '8'), "/Contents holds a DER SEQUENCE");
  const std::size_t octets = static_cast<std::size_t>(hex[3] - '0');
  const std::size_t length = std::stoul(hex.substr(4, 2 * octets), nullptr, 16);
  s.derDigits = 2 * (2 + octets + length);
  return s;
}

/// The number after `key` ("/Root 12 0 R" gives 12) in `text`.
int refAfter(const std::string& text, const std::string& key) {
  std::smatch m;
  const std::regex re(key + R"(\s*\[?\s*(\d+)\s+\d+\s+R)");
  BOOST_TEST_REQUIRE(std::regex_search(text, m, re), "found " << key << " in " << text.substr(0, 200));
  return std::stoi(m[1].str());
}

/// The object numbers in the array after `key` ("/Kids [7 0 R 9 0 R]" gives 7, 9).
std::vector<int> refsIn(const std::string& text, const std::string& key) {
  std::smatch m;
  BOOST_TEST_REQUIRE(std::regex_search(text, m, std::regex(key + R"(\s*\[([^\]]*)\])")), "found " << key << " [...]");
  std::vector<int> out;
  const std::string inner = m[1].str();
  const std::regex ref(R"((\d+)\s+\d+\s+R)");
  for (auto it = std::sregex_iterator(inner.begin(), inner.end(), ref); it != std::sregex_iterator(); ++it) {
    out.push_back(std::stoi((*it)[1].str()));
  }
  return out;
}

/// The last trailer: what an appended update must carry forward.
struct Trailer {
  int size = 0;
  int root = 0;
  int info = 0;
  std::uint64_t startxref = 0;
};

Trailer lastTrailer(const std::string& pdf) {
  const std::size_t at = pdf.rfind("trailer");
  BOOST_TEST_REQUIRE(at != npos, "the file has a trailer");
  const std::string t = pdf.substr(at);
  Trailer tr;
  std::smatch m;
  BOOST_TEST_REQUIRE(std::regex_search(t, m, std::regex(R"(/Size\s*(\d+))")), "the trailer has /Size");
  tr.size = std::stoi(m[1].str());
  tr.root = refAfter(t, "/Root");
  tr.info = refAfter(t, "/Info");
  BOOST_TEST_REQUIRE(std::regex_search(t, m, std::regex(R"(startxref\s+(\d+))")), "the file has startxref");
  tr.startxref = std::stoull(m[1].str());
  return tr;
}

/// The body of the newest definition of object `n` (between "obj" and "endobj").
std::string latestBody(const std::string& pdf, int n) {
  const std::string head = "\n" + std::to_string(n) + " 0 obj";
  const std::size_t at = pdf.rfind(head);
  BOOST_TEST_REQUIRE(at != npos, "object " << n << " is defined");
  const std::size_t from = at + head.size();
  const std::size_t to = pdf.find("endobj", from);
  BOOST_TEST_REQUIRE(to != npos, "object " << n << " ends with endobj");
  std::string body = pdf.substr(from, to - from);
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.pop_back();
  return body;
}

/// A stream object body; `entries` go into its dictionary with /Length.
std::string stream(const std::string& entries, const std::string& data) {
  return "<< " + entries + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream";
}

/// Appends an incremental update (ISO 32000-1 §7.5.6): the objects, a
/// cross-reference section with a subsection per object, and a trailer whose
/// /Prev is the previous cross-reference section.  `root` replaces /Root.
std::string withUpdate(const std::string& pdf, const std::map<int, std::string>& objects, int root = 0) {
  const Trailer prev = lastTrailer(pdf);
  std::string out = pdf;
  if (out.back() != '\n') out += '\n';
  std::map<int, std::size_t> offsets;
  int size = prev.size;
  for (const auto& [n, body] : objects) {
    offsets[n] = out.size();
    out += std::to_string(n) + " 0 obj\n" + body + "\nendobj\n";
    size = std::max(size, n + 1);
  }
  const std::size_t xref = out.size();
  out += "xref\n";
  for (const auto& [n, offset] : offsets) {
    char entry[32];
    // §7.5.4: each entry exactly 20 bytes, "nnnnnnnnnn ggggg n" and a two-byte end of line.
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
    out += std::to_string(n) + " 1\n" + entry;
  }
  out += "trailer\n<< /Size " + std::to_string(size) + " /Root " + std::to_string(root ? root : prev.root) +
         " 0 R /Info " + std::to_string(prev.info) + " 0 R /Prev " + std::to_string(prev.startxref) +
         " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

/// Object numbers of the parts of the (first) page an attack touches.
struct Structure {
  int root = 0;
  int info = 0;
  int pages = 0;
  int page = 0;     ///< the first page
  int content = 0;  ///< its content stream
  int next = 0;     ///< the first free object number
};

Structure structureOf(const std::string& pdf) {
  Structure s;
  const Trailer t = lastTrailer(pdf);
  s.root = t.root;
  s.info = t.info;
  s.next = t.size;
  s.pages = refAfter(latestBody(pdf, s.root), "/Pages");
  s.page = refAfter(latestBody(pdf, s.pages), "/Kids");
  s.content = refAfter(latestBody(pdf, s.page), "/Contents");
  return s;
}

/// `body` with the first match of `re` replaced.
std::string edit(const std::string& body, const std::string& re, const std::string& with) {
  BOOST_TEST_REQUIRE(std::regex_search(body, std::regex(re)), re << " matches " << body);
  return std::regex_replace(body, std::regex(re), with, std::regex_constants::format_first_only);
}

// ---------------------------------------------------------------- report ---

struct Verdict {
  int exitCode = -1;
  json report;  ///< null when the verifier printed no report
  std::string err;
};

/// The report's signatures (an empty array when there is no report).
json signaturesOf(const Verdict& v) {
  return v.report.is_object() && v.report.contains("signatures") ? v.report["signatures"] : json::array();
}

std::string indicationOf(const Verdict& v) {
  return v.report.is_object() ? v.report.value("indication", std::string()) : std::string();
}

/// The strings of every signature's messages, modifiedAfterSigning and check details.
std::vector<std::string> reasons(const Verdict& v) {
  std::vector<std::string> out;
  if (!v.report.is_object()) return out;
  for (const auto& s : signaturesOf(v)) {
    for (const auto& m : s["messages"]) out.push_back(m.get<std::string>());
    for (const auto& m : s["modifiedAfterSigning"]) out.push_back(m.get<std::string>());
    for (const auto& c : s["checks"]) {
      if (c["detail"].is_string()) out.push_back(c["id"].get<std::string>() + ": " + c["detail"].get<std::string>());
    }
  }
  return out;
}

bool mentions(const Verdict& v, const std::string& fragment) {
  const auto all = reasons(v);
  return std::any_of(all.begin(), all.end(), [&](const std::string& s) { return s.find(fragment) != npos; });
}

std::string dump(const Verdict& v) {
  std::string s;
  for (const auto& r : reasons(v)) s += "\n    " + r;
  return "exit " + std::to_string(v.exitCode) + " " + indicationOf(v) + s + (v.err.empty() ? "" : "\n    stderr: " + v.err);
}

/// The status of check `id` of signature `index`, or "" when it is absent.
std::string checkStatus(const Verdict& v, std::size_t index, const std::string& id) {
  const json sigs = signaturesOf(v);
  if (sigs.size() <= index) return {};
  for (const auto& c : sigs[index]["checks"]) {
    if (c["id"] == id) return c["status"].get<std::string>();
  }
  return {};
}

/// Neither crashed (128+n), hung (124 from timeout), nor failed internally (70).
bool finished(const Verdict& v) { return v.exitCode == 1 || v.exitCode == 2 || v.exitCode == 4; }

/// What ISO 32000-1 §12.8 and the issue demand of a forgery, a wrapping or a
/// visible incremental change: TOTAL-FAILED, exit 1, and the reason in the report.
void expectTotalFailed(const Verdict& v, const std::string& reason) {
  BOOST_TEST(finished(v), "the verifier finishes with 1, 2 or 4: " << dump(v));
  BOOST_TEST(v.exitCode == 1, "exit status 1 (TOTAL-FAILED): " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-FAILED", "the document is TOTAL-FAILED: " << dump(v));
  BOOST_TEST(mentions(v, reason), "the report says \"" << reason << "\": " << dump(v));
}

struct Attacks {
  TempDir dir;
  fs::path pki = pkiDir();
  fs::path contract = sourceDir() / "samples" / "documents" / "contract.pdf";
  std::string signedPdf;  ///< the contract, signed once with signer-rsa.p12
  SignatureLayout sig;

  Attacks() {
    signedPdf = signFile(contract, "signed.pdf");
    sig = locateSignature(signedPdf);
    BOOST_TEST_REQUIRE(sig.range[2] + sig.range[3] == signedPdf.size(), "the signature covers the whole file");
  }

  /// Signs `input` through the CLI and returns the signed bytes.
  std::string signFile(const fs::path& input, const std::string& name, const std::vector<std::string>& extra = {},
                       const std::string& p12 = "signer-rsa.p12") const {
    std::vector<std::string> args{"sign", "--signer", "pkcs12:" + (pki / p12).string(), "--password-file",
                                  (pki / "password.txt").string(), "--output", (dir / name).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(input.string());
    const auto r = cli(args);
    BOOST_TEST_REQUIRE(r.exitCode == 0, "signing " << input << ": " << r.err);
    return readText(dir / name);
  }

  /// Writes `bytes` as `name` and verifies it with the demo root as the trust anchor.
  Verdict verify(const std::string& name, const std::string& bytes) const {
    writeFile(dir / name, bytes);
    // timeout(1) turns a hang into exit 124 instead of stalling the suite.
    const auto r = run({"timeout", "120", cliPath().string(), "verify", "--json", "--trust-anchor",
                        (pki / "root-ca.pem").string(), (dir / name).string()});
    Verdict v{r.exitCode, json(), r.err};
    if (!r.out.empty()) v.report = json::parse(r.out, nullptr, false);
    if (v.report.is_discarded()) v.report = json();
    BOOST_TEST_MESSAGE(name << ": " << dump(v));
    return v;
  }

  /// pdfsig (poppler) as a second opinion, for the log only.
  void pdfsigFor(const std::string& name) const {
    try {
      const auto r = run({"pdfsig", (dir / name).string()});
      BOOST_TEST_MESSAGE("pdfsig " << name << " (exit " << r.exitCode << "):\n" << r.out << r.err);
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("pdfsig is not available: " << e.what());
    }
  }

  /// The signed file with its /ByteRange array holding `numbers`.
  std::string withByteRange(const std::string& numbers) const {
    std::string pdf = signedPdf;
    overwrite(pdf, sig.rangeOpen + 1, sig.rangeClose, numbers);
    return pdf;
  }

  std::string range(std::uint64_t a, std::uint64_t b, std::uint64_t c, std::uint64_t d) const {
    return std::to_string(a) + " " + std::to_string(b) + " " + std::to_string(c) + " " + std::to_string(d);
  }
};

}  // namespace

// ------------------------------------------------- universal forgery ---

BOOST_FIXTURE_TEST_SUITE(pades_universal_signature_forgery, Attacks)

BOOST_AUTO_TEST_CASE(an_untouched_signed_contract_is_total_passed) {
  const auto v = verify("signed.pdf", signedPdf);
  BOOST_TEST(v.exitCode == 0, "exit status 0: " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-PASSED", "the baseline every attack starts from passes");
}

BOOST_AUTO_TEST_CASE(a_signature_without_a_byte_range_is_total_failed) {
  // The key renamed (same length) and the value replaced by null.
  std::string renamed = signedPdf;
  renamed[sig.rangeOpen - 1] = 'X';  // /ByteRange -> /ByteRangX
  std::string null = signedPdf;
  overwrite(null, sig.rangeOpen, sig.rangeClose + 1, " null");
  for (const auto& [name, pdf] : std::map<std::string, std::string>{{"byterange-renamed.pdf", renamed},
                                                                    {"byterange-null.pdf", null}}) {
    BOOST_TEST_CONTEXT(name) {
      const auto v = verify(name, pdf);
      expectTotalFailed(v, "the signature has no /ByteRange");
      BOOST_TEST(checkStatus(v, 0, "byteRange") == "failed", "the byteRange check fails");
    }
  }
  pdfsigFor("byterange-renamed.pdf");
}

BOOST_AUTO_TEST_CASE(a_byte_range_without_exactly_four_integers_is_total_failed) {
  const auto [a, b, c, d] = sig.range;
  const std::vector<std::pair<std::string, std::string>> variants{
      {std::to_string(a) + " " + std::to_string(b) + " " + std::to_string(c), "has 3 numbers instead of 4"},
      {range(a, b, c, d) + " 0 0", "has 6 numbers instead of 4"},
      {std::to_string(a) + " " + std::to_string(b) + " /Next " + std::to_string(d), "something other than integers"},
      {std::to_string(a) + " " + std::to_string(b) + " (" + std::to_string(c) + ") " + std::to_string(d),
       "something other than integers"},
      {std::to_string(a) + " " + std::to_string(b) + ".5 " + std::to_string(c) + " " + std::to_string(d),
       "something other than integers"},
  };
  int i = 0;
  for (const auto& [numbers, reason] : variants) {
    BOOST_TEST_CONTEXT("/ByteRange [" << numbers << "]") {
      expectTotalFailed(verify("byterange-shape-" + std::to_string(++i) + ".pdf", withByteRange(numbers)), reason);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_byte_range_not_starting_at_zero_is_total_failed) {
  const auto [a, b, c, d] = sig.range;
  for (const std::uint64_t start : {std::uint64_t{1}, std::uint64_t{9}}) {
    BOOST_TEST_CONTEXT("first range starts at " << start) {
      const auto v = verify("byterange-start-" + std::to_string(start) + ".pdf", withByteRange(range(a + start, b - start, c, d)));
      expectTotalFailed(v, "does not start at the beginning of the file");
    }
  }
}

BOOST_AUTO_TEST_CASE(overlapping_byte_ranges_are_total_failed) {
  const auto [a, b, c, d] = sig.range;
  const std::uint64_t size = signedPdf.size();
  const std::vector<std::string> variants{
      range(a, b, b - 1000, size - (b - 1000)),  // the second range starts inside the first
      range(a, b, a, size),                       // both cover the whole file
      range(a, b, b + 1, size - b - 1),          // a one-byte gap: no room for a <...> value
  };
  int i = 0;
  for (const auto& numbers : variants) {
    BOOST_TEST_CONTEXT("/ByteRange [" << numbers << "]") {
      expectTotalFailed(verify("byterange-overlap-" + std::to_string(++i) + ".pdf", withByteRange(numbers)),
                        "overlap or leave no room for the signature");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_byte_range_beyond_the_end_of_the_file_is_total_failed) {
  const auto [a, b, c, d] = sig.range;
  const std::vector<std::string> variants{
      range(a, b, c, d + 1),
      range(a, b, c, 9223372036854775807ULL - c),
      range(a, b, 9223372036854775000ULL, 1000),
  };
  int i = 0;
  for (const auto& numbers : variants) {
    BOOST_TEST_CONTEXT("/ByteRange [" << numbers << "]") {
      expectTotalFailed(verify("byterange-beyond-" + std::to_string(++i) + ".pdf", withByteRange(numbers)),
                        "goes beyond the end of the file");
    }
  }
}

// Verifier bug (formats/src/pdf_revisions.cpp, inspectField): `a1 < l0 + 2`
// overflows a signed 64-bit integer when l0 is INT64_MAX (undefined
// behaviour; in practice it wraps negative and the check passes), nothing
// checks l0 against the file size, and readRange(file, l0, a1 - l0) is then
// asked for ~2^63 bytes: "internal error: cannot create std::vector larger
// than max_size()", exit 70 instead of TOTAL-FAILED.
BOOST_AUTO_TEST_CASE(a_first_range_longer_than_any_file_is_total_failed_not_an_internal_error) {
  const auto [a, b, c, d] = sig.range;
  const auto v = verify("byterange-int64-max.pdf", withByteRange(range(a, 9223372036854775807ULL, c, d)));
  expectTotalFailed(v, "the /ByteRange");
}

BOOST_AUTO_TEST_CASE(a_byte_range_that_stops_before_its_revision_ends_is_total_failed) {
  // The signed range stops short of "%%EOF": a reader sees bytes no signature covers.
  const auto [a, b, c, d] = sig.range;
  for (const std::uint64_t shortBy : {std::uint64_t{6}, std::uint64_t{40}}) {
    BOOST_TEST_CONTEXT("the second range ends " << shortBy << " bytes early") {
      const auto v = verify("byterange-short-" + std::to_string(shortBy) + ".pdf", withByteRange(range(a, b, c, d - shortBy)));
      expectTotalFailed(v, "does not end at the end of a revision");
      BOOST_TEST(checkStatus(v, 0, "byteRange") == "failed", "the byteRange check names it: " << dump(v));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_signature_without_contents_is_total_failed) {
  std::string renamed = signedPdf;
  renamed[sig.contentsOpen - 1] = 'z';  // /Contents -> /Contentz
  std::string empty = signedPdf;
  overwrite(empty, sig.contentsOpen, sig.contentsClose + 1, "<>");
  std::string null = signedPdf;
  overwrite(null, sig.contentsOpen, sig.contentsClose + 1, " null");
  const std::vector<std::tuple<std::string, std::string, std::string>> variants{
      {"contents-renamed.pdf", renamed, "the signature has no /Contents"},
      {"contents-empty.pdf", empty, "the /Contents of the signature is empty"},
      {"contents-null.pdf", null, "the signature has no /Contents"},
  };
  for (const auto& [name, pdf, reason] : variants) {
    BOOST_TEST_CONTEXT(name) { expectTotalFailed(verify(name, pdf), reason); }
  }
  pdfsigFor("contents-empty.pdf");
}

BOOST_AUTO_TEST_CASE(a_signature_whose_contents_are_all_zeros_is_total_failed) {
  std::string pdf = signedPdf;
  overwrite(pdf, sig.contentsOpen + 1, sig.contentsClose, std::string(sig.contentsClose - sig.contentsOpen - 1, '0'));
  expectTotalFailed(verify("contents-zeros.pdf", pdf), "the /Contents of the signature is empty");
}

BOOST_AUTO_TEST_CASE(a_signature_whose_contents_are_not_a_cms_is_total_failed) {
  std::string garbage;
  while (garbage.size() < sig.contentsClose - sig.contentsOpen - 1) garbage += "DEADBEEF";
  garbage.resize(sig.contentsClose - sig.contentsOpen - 1);
  std::string pdf = signedPdf;
  overwrite(pdf, sig.contentsOpen + 1, sig.contentsClose, garbage);
  const auto v = verify("contents-garbage.pdf", pdf);
  expectTotalFailed(v, "cannot be read");
  BOOST_TEST(checkStatus(v, 0, "contents") == "failed", "the contents check fails: " << dump(v));
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------ wrapping ---

BOOST_FIXTURE_TEST_SUITE(pades_signature_wrapping, Attacks)

BOOST_AUTO_TEST_CASE(bytes_smuggled_into_the_excluded_gap_are_total_failed_though_the_hash_still_matches) {
  // The gap is not signed: after the DER value (and some of its zero
  // padding) the string is closed and a new key opened, so the dictionary
  // holds /Contents <DER> /Wrapped (...) /Padding <00...>.  The signed bytes
  // are untouched: digest and signature value verify; only the structural
  // check can catch it.
  std::string pdf = signedPdf;
  const std::size_t at = sig.contentsOpen + 1 + sig.derDigits + 64;
  const std::string smuggled = ">/Wrapped(Wynagrodzenie / Remuneration: 99 999,00 PLN)/Padding<";
  overwrite(pdf, at, at + smuggled.size(), smuggled);
  const auto v = verify("wrapping-smuggled.pdf", pdf);
  expectTotalFailed(v, "not exactly the signature's /Contents");
  BOOST_TEST(checkStatus(v, 0, "byteRange") == "failed", "the byteRange check fails");
  BOOST_TEST(checkStatus(v, 0, "messageDigest") == "passed", "the signed bytes are unchanged: the digest matches");
  BOOST_TEST(checkStatus(v, 0, "signatureValue") == "passed", "the value is valid: only the structure gives it away");
  pdfsigFor("wrapping-smuggled.pdf");
}

BOOST_AUTO_TEST_CASE(a_gap_moved_onto_a_decoy_value_is_total_failed_as_wrapping) {
  // A decoy hex string in the padding becomes the excluded gap; the real
  // /Contents (the DER) is now inside the first signed range, so the value a
  // reader takes from /Contents is not the excluded bytes.
  std::string pdf = signedPdf;
  const std::size_t at = sig.contentsOpen + 1 + sig.derDigits + 64;
  overwrite(pdf, at, at + 8, ">/Decoy<");
  const std::uint64_t decoy = at + 7;
  overwrite(pdf, sig.rangeOpen + 1, sig.rangeClose, range(0, decoy, sig.range[2], sig.range[3]));
  const auto v = verify("wrapping-decoy.pdf", pdf);
  expectTotalFailed(v, "signature wrapping");
  BOOST_TEST(checkStatus(v, 0, "byteRange") == "failed", "the byteRange check fails");
}

BOOST_AUTO_TEST_CASE(a_second_range_starting_inside_the_contents_is_total_failed) {
  const auto [a, b, c, d] = sig.range;
  const auto v = verify("wrapping-inside.pdf", withByteRange(range(a, b, c - 200, d + 200)));
  expectTotalFailed(v, "not exactly the signature's /Contents");
  BOOST_TEST(checkStatus(v, 0, "byteRange") == "failed", "the byteRange check fails");
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------ incremental saving ---

BOOST_FIXTURE_TEST_SUITE(pades_incremental_saving, Attacks)

BOOST_AUTO_TEST_CASE(a_new_version_of_the_page_content_is_total_failed) {
  const Structure s = structureOf(signedPdf);
  const std::string forged = "BT /F2 20 Tf 56 790 Td (Umowa / Contract) Tj 0 -40 Td /F1 11 Tf "
                             "(Wynagrodzenie wynosi 99 999,00 PLN brutto.) Tj ET";
  const auto v = verify("update-content.pdf", withUpdate(signedPdf, {{s.content, stream("", forged)}}));
  expectTotalFailed(v, "NOT allowed: content or resource stream " + std::to_string(s.content) + " 0 R changed");
  BOOST_TEST(checkStatus(v, 0, "modifications") == "failed", "the modifications check fails");
  BOOST_TEST(checkStatus(v, 0, "messageDigest") == "passed", "the signed revision itself is intact");
  pdfsigFor("update-content.pdf");

  // The same text through a new content object the page now points to.
  const std::string page = edit(latestBody(signedPdf, s.page), R"(/Contents\s*\d+\s+0\s+R)",
                                "/Contents " + std::to_string(s.next) + " 0 R");
  const auto p = verify("update-page-contents.pdf", withUpdate(signedPdf, {{s.page, page}, {s.next, stream("", forged)}}));
  expectTotalFailed(p, "NOT allowed: a page changed (/Contents)");
}

BOOST_AUTO_TEST_CASE(an_annotation_added_over_the_text_is_total_failed_without_a_docmdp_permission) {
  // A FreeText annotation with a white box over the amount: no certification
  // signature, so ISO 32000-1 Table 254's P=2 applies and annotations are not allowed.
  const Structure s = structureOf(signedPdf);
  const int annot = s.next;
  const int appearance = s.next + 1;
  const std::string page = edit(latestBody(signedPdf, s.page), R"(/Annots\s*\[([^\]]*)\])",
                                "/Annots[$1 " + std::to_string(annot) + " 0 R]");
  const std::map<int, std::string> objects{
      {s.page, page},
      {annot, "<< /Type /Annot /Subtype /FreeText /Rect [50 500 545 560] /P " + std::to_string(s.page) +
                  " 0 R /F 4 /Contents (Wynagrodzenie: 99 999,00 PLN) /DA (/Helv 14 Tf 0 g) /AP << /N " +
                  std::to_string(appearance) + " 0 R >> >>"},
      {appearance, stream("/Type /XObject /Subtype /Form /BBox [0 0 495 60] /Resources << /Font << /F1 4 0 R >> >>",
                          "1 g 0 0 495 60 re f BT 0 g /F1 14 Tf 6 24 Td (Wynagrodzenie: 99 999,00 PLN) Tj ET")},
  };
  const auto v = verify("update-annotation.pdf", withUpdate(signedPdf, objects));
  expectTotalFailed(v, "NOT allowed: an annotation (FreeText) was added to a page");
  BOOST_TEST(mentions(v, "shadow attack"), "annotations changed: the report warns of a shadow attack");
}

BOOST_AUTO_TEST_CASE(a_new_catalog_with_other_pages_is_total_failed) {
  // A new /Root: a new page tree whose first page is a forged copy.
  const Structure s = structureOf(signedPdf);
  const std::string catalog = latestBody(signedPdf, s.root);
  const int content = s.next, page = s.next + 1, pages = s.next + 2, root = s.next + 3;
  std::string forgedPage = edit(latestBody(signedPdf, s.page), R"(/Contents\s*\d+\s+0\s+R)",
                                "/Contents " + std::to_string(content) + " 0 R");
  forgedPage = edit(forgedPage, R"(/Parent\s*\d+\s+0\s+R)", "/Parent " + std::to_string(pages) + " 0 R");
  const std::string second = std::to_string(refsIn(latestBody(signedPdf, s.pages), "/Kids").at(1));
  std::map<int, std::string> objects{
      {content, stream("", "BT /F2 20 Tf 56 790 Td (Umowa / Contract) Tj 0 -40 Td /F1 11 Tf (Wynagrodzenie: 99 999,00 PLN) Tj ET")},
      {page, forgedPage},
      {pages, "<< /Type /Pages /Kids [" + std::to_string(page) + " 0 R " + second + " 0 R] /Count 2 >>"},
      {root, edit(catalog, R"(/Pages\s*\d+\s+0\s+R)", "/Pages " + std::to_string(pages) + " 0 R")},
  };
  BOOST_TEST_CONTEXT("the new catalogue keeps /AcroForm") {
    const auto v = verify("update-root.pdf", withUpdate(signedPdf, objects, root));
    expectTotalFailed(v, "NOT allowed: the document catalogue changed (/Pages)");
  }
  BOOST_TEST_CONTEXT("the new catalogue drops /AcroForm, hiding the signature field") {
    objects[root] = "<< /Type /Catalog /Pages " + std::to_string(pages) + " 0 R >>";
    const auto v = verify("update-root-no-form.pdf", withUpdate(signedPdf, objects, root));
    expectTotalFailed(v, "NOT allowed: the document catalogue changed");
    BOOST_TEST(signaturesOf(v).size() == 1u, "the signature is still found, by scanning the file");
  }
  pdfsigFor("update-root-no-form.pdf");
}

BOOST_AUTO_TEST_CASE(a_second_signature_by_our_cli_leaves_both_total_passed) {
  writeFile(dir / "signed.pdf", signedPdf);
  const std::string twice = signFile(dir / "signed.pdf", "signed-twice.pdf", {}, "signer-ec.p12");
  const auto v = verify("signed-twice.pdf", twice);
  BOOST_TEST(v.exitCode == 0, "exit status 0: " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-PASSED", "both signatures pass: " << dump(v));
  const json sigs = signaturesOf(v);
  BOOST_TEST_REQUIRE(sigs.size() == 2u, "two signatures");
  for (const auto& s : sigs) {
    BOOST_TEST_CONTEXT(s["id"].get<std::string>()) {
      BOOST_TEST(s["indication"] == "TOTAL-PASSED", "this signature passes");
      for (const auto& m : s["modifiedAfterSigning"]) {
        BOOST_TEST(m.get<std::string>().rfind("allowed: ", 0) == 0, "only allowed changes are listed: " << m);
      }
    }
  }
  const auto& first = sigs[0];
  BOOST_TEST(first["coversWholeDocument"] == false, "the first signature covers its own revision only");
  BOOST_TEST(!first["modifiedAfterSigning"].empty(), "the second signature's revision is listed as a change");
}

BOOST_AUTO_TEST_CASE(a_new_producer_in_the_document_information_is_an_allowed_change) {
  // /Info is metadata, not what is shown; EN 319 142-1 and ISO 32000-1
  // leave it to the validator, and ours lists it as allowed.
  const Structure s = structureOf(signedPdf);
  const std::string info = edit(latestBody(signedPdf, s.info), R"(/Producer\s*\([^)]*\))", "/Producer(Some Editor 9.1)");
  const auto v = verify("update-info.pdf", withUpdate(signedPdf, {{s.info, info}}));
  BOOST_TEST(v.exitCode == 0, "exit status 0: " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-PASSED", "a producer change keeps the signature valid");
  BOOST_TEST(mentions(v, "allowed: the document information (producer, dates) changed"), "the change is listed as allowed");
  BOOST_TEST(!mentions(v, "NOT allowed"), "nothing is listed as not allowed");
}

// Verifier bug (formats/src/pdf_revisions.cpp, Classifier::dictionaryChanged):
// any changed dictionary with a /Producer or /ModDate key is taken for the
// document information dictionary and allowed; the /Info object is the one
// the trailer names (ISO 32000-1 §14.3.3), not any dictionary that looks like
// it.  Here the page tree loses its first page.
BOOST_AUTO_TEST_CASE(a_page_tree_change_disguised_as_document_information_is_total_failed) {
  const Structure s = structureOf(signedPdf);
  const std::string second = std::to_string(refsIn(latestBody(signedPdf, s.pages), "/Kids").at(1));
  const std::string pages = "<< /Type /Pages /Kids [" + second + " 0 R] /Count 1 /Producer (x) >>";
  const auto v = verify("update-pages-as-info.pdf", withUpdate(signedPdf, {{s.pages, pages}}));
  BOOST_TEST(v.exitCode == 1, "exit status 1: " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-FAILED", "a page removed after signing is TOTAL-FAILED");
  BOOST_TEST(mentions(v, "NOT allowed"), "the page tree change is listed as not allowed");
}

// Verifier bug (formats/src/pdf_revisions.cpp, compareRevisions and
// Classifier): every object reachable from a /DSS in either revision is
// "validation data", so a new /DSS that refers to a signed object (here the
// page's content stream) whitelists any change to it.  ETSI EN 319 142-1
// §5.4 lets the DSS add certificates, CRLs and OCSP responses; objects that
// existed in the signed revision must still be compared.
BOOST_AUTO_TEST_CASE(a_content_change_hidden_behind_a_new_dss_is_total_failed) {
  const Structure s = structureOf(signedPdf);
  const int dss = s.next;
  const std::string catalog = edit(latestBody(signedPdf, s.root), R"(/Pages)", "/DSS " + std::to_string(dss) + " 0 R/Pages");
  const std::map<int, std::string> objects{
      {s.root, catalog},
      {dss, "<< /Certs [" + std::to_string(s.content) + " 0 R] >>"},
      {s.content, stream("", "BT /F1 24 Tf 56 700 Td (Wynagrodzenie: 99 999,00 PLN) Tj ET")},
  };
  const auto v = verify("update-dss-whitelist.pdf", withUpdate(signedPdf, objects));
  BOOST_TEST(v.exitCode == 1, "exit status 1: " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-FAILED", "a content stream changed after signing is TOTAL-FAILED");
  BOOST_TEST(mentions(v, "NOT allowed: content or resource stream"), "the content change is listed as not allowed");
  pdfsigFor("update-dss-whitelist.pdf");
}

BOOST_AUTO_TEST_SUITE_END()

// -------------------------------------------------------------- shadow ---

namespace {

/// The contract as a shadow attacker prepares it before it is signed: page 1
/// also draws the form XObject /Amount (via an indirect /XObject dictionary),
/// and a second XObject with another amount sits signed but unused.
struct ShadowXObject {
  int shown = 0, hidden = 0, xobjects = 0, draw = 0;
  std::string prepared;

  explicit ShadowXObject(const std::string& contract) {
    const Structure s = structureOf(contract);
    shown = s.next;
    hidden = s.next + 1;
    xobjects = s.next + 2;
    draw = s.next + 3;
    auto amount = [](const std::string& text) {
      return stream("/Type /XObject /Subtype /Form /BBox [0 0 483 40] /Resources << /Font << /F2 5 0 R >> >>",
                    "BT /F2 14 Tf 0 12 Td (Do zaplaty / Amount due: " + text + ") Tj ET");
    };
    std::string page = edit(latestBody(contract, s.page), R"(/Resources\s*<<)",
                            "/Resources << /XObject " + std::to_string(xobjects) + " 0 R");
    page = edit(page, R"(/Contents\s*(\d+\s+0\s+R))", "/Contents [$1 " + std::to_string(draw) + " 0 R]");
    prepared = withUpdate(contract, {
                                        {s.page, page},
                                        {shown, amount("12 300,00 PLN")},
                                        {hidden, amount("99 999,00 PLN")},
                                        {xobjects, "<< /Amount " + std::to_string(shown) + " 0 R /Spare " +
                                                       std::to_string(hidden) + " 0 R >>"},
                                        {draw, stream("", "q 1 0 0 1 56 110 cm /Amount Do Q")},
                                    });
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pades_shadow_attacks, Attacks)

BOOST_AUTO_TEST_CASE(swapping_the_form_xobject_a_page_draws_is_not_total_passed) {
  const ShadowXObject shadow(readText(contract));
  writeFile(dir / "prepared.pdf", shadow.prepared);
  const std::string signedShadow = signFile(dir / "prepared.pdf", "prepared-signed.pdf");
  const auto base = verify("prepared-signed.pdf", signedShadow);
  BOOST_TEST_REQUIRE(indicationOf(base) == "TOTAL-PASSED", "the prepared contract signs and verifies: " << dump(base));

  BOOST_TEST_CONTEXT("replace: a new version of the drawn XObject") {
    const std::string other = latestBody(signedShadow, shadow.hidden);
    const auto v = verify("shadow-replace.pdf", withUpdate(signedShadow, {{shadow.shown, other}}));
    BOOST_TEST(indicationOf(v) != "TOTAL-PASSED", "not TOTAL-PASSED");
    expectTotalFailed(v, "NOT allowed: content or resource stream " + std::to_string(shadow.shown) + " 0 R changed");
  }
  BOOST_TEST_CONTEXT("hide-and-replace: the resource name now points at the signed, unused XObject") {
    const std::string swapped = "<< /Amount " + std::to_string(shadow.hidden) + " 0 R /Spare " +
                                std::to_string(shadow.shown) + " 0 R >>";
    const auto v = verify("shadow-swap.pdf", withUpdate(signedShadow, {{shadow.xobjects, swapped}}));
    BOOST_TEST(indicationOf(v) != "TOTAL-PASSED", "not TOTAL-PASSED");
    expectTotalFailed(v, "NOT allowed: object " + std::to_string(shadow.xobjects) + " 0 R changed");
  }
  pdfsigFor("shadow-swap.pdf");
}

BOOST_AUTO_TEST_CASE(filling_a_form_field_after_signing_is_allowed_but_flagged_as_a_possible_shadow_attack) {
  // The shadow "hide" variant under an allowed change: a text field whose
  // empty appearance is signed; filling it later (P=2 allows form filling,
  // ISO 32000-1 Table 254) shows new text on the page.  The signature stays
  // valid, so the report must at least warn.
  const std::string original = readText(contract);
  const Structure s = structureOf(original);
  const int widget = s.next, empty = s.next + 1, form = s.next + 2;
  std::string catalog = latestBody(original, s.root);
  catalog.insert(catalog.rfind(">>"), "/AcroForm " + std::to_string(form) + " 0 R ");
  std::string page = latestBody(original, s.page);
  page.insert(page.rfind(">>"), "/Annots [" + std::to_string(widget) + " 0 R] ");
  auto widgetWith = [&](const std::string& extra, int appearance) {
    return "<< /Type /Annot /Subtype /Widget /FT /Tx /T (Uwagi) /Rect [56 80 539 110] /P " + std::to_string(s.page) +
           " 0 R /F 4 /DA (/F1 12 Tf 0 g) " + extra + "/AP << /N " + std::to_string(appearance) + " 0 R >> >>";
  };
  const std::string prepared = withUpdate(
      original, {
                    {s.root, catalog},
                    {s.page, page},
                    {widget, widgetWith("", empty)},
                    {empty, stream("/Type /XObject /Subtype /Form /BBox [0 0 483 30]", "")},
                    {form, "<< /Fields [" + std::to_string(widget) + " 0 R] /DA (/F1 12 Tf 0 g) /DR << /Font << /F1 4 0 R >> >> >>"},
                });
  writeFile(dir / "form.pdf", prepared);
  const std::string signedForm = signFile(dir / "form.pdf", "form-signed.pdf");
  BOOST_TEST_REQUIRE(indicationOf(verify("form-signed.pdf", signedForm)) == "TOTAL-PASSED", "the form signs and verifies");

  const int filled = structureOf(signedForm).next;
  const auto v = verify("shadow-form-fill.pdf",
                        withUpdate(signedForm, {{widget, widgetWith("/V (ANULOWANA / VOID) ", filled)},
                                                {filled, stream("/Type /XObject /Subtype /Form /BBox [0 0 483 30] "
                                                                "/Resources << /Font << /F1 4 0 R >> >>",
                                                                "BT /F1 20 Tf 4 8 Td (ANULOWANA / VOID) Tj ET")}}));
  BOOST_TEST(v.exitCode == 0, "form filling is allowed, exit 0: " << dump(v));
  BOOST_TEST(mentions(v, "allowed: form field \"Uwagi\" was filled"), "the filled field is listed");
  BOOST_TEST(mentions(v, "shadow attack"), "the report warns that a shadow attack cannot be ruled out");
}

// Verifier bug (formats/src/pdf_revisions.cpp, Classifier::dictionaryChanged):
// `type == "Annot" || !subtype.empty()` takes every dictionary with a
// /Subtype for an annotation, so with DocMDP P=3 a font (/Subtype /Type1)
// may be replaced: the page then shows other glyphs.  Table 254 P=3 adds
// "annotation creation, deletion, and modification" only.
BOOST_AUTO_TEST_CASE(a_font_change_is_not_an_annotation_change_even_when_annotations_are_allowed) {
  const std::string certified = signFile(contract, "certified.pdf", {"--certify", "annotations"});
  const Structure s = structureOf(certified);
  const int font = refAfter(latestBody(certified, s.page), "/F1");
  const std::string courier = edit(latestBody(certified, font), R"(/BaseFont\s*/[A-Za-z-]+)", "/BaseFont /Courier");
  const auto v = verify("update-font.pdf", withUpdate(certified, {{font, courier}}));
  BOOST_TEST(v.exitCode == 1, "exit status 1: " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-FAILED", "a font replaced after certification is TOTAL-FAILED");
  BOOST_TEST(mentions(v, "NOT allowed"), "the font change is listed as not allowed");
}

BOOST_AUTO_TEST_SUITE_END()
