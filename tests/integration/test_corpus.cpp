// The verifier on real signed files that other software made
// (../shared/corpus; what each row expects and why is in its README.md and
// MANIFEST.tsv).  Every manifest row is one data-driven test case, so a
// failure names the file and one bad file never hides the others.
//
// Rules, from the corpus README ("Using the corpus in tests"):
//  - a file no registered module recognises (PDF and XML while only CAdES
//    exists) must be refused cleanly with Error(Unsupported); once a PAdES or
//    XAdES module registers, the full checks below apply to it by themselves;
//  - broken rows: TOTAL-FAILED (with the manifest's sub-indication when it
//    gives one), never TOTAL-PASSED;
//  - intact rows: never TOTAL-FAILED, and every signature's digest and value
//    are reported valid;
//  - where the manifest gives an indication: exactly that indication and
//    sub-indication;
//  - the report lists as many signatures as the manifest counts.
//
// A second manifest, tests/data/pades-made/MANIFEST.tsv (made by
// tests/data/make-pades-made.sh with Debian's pdfsig, podofosign and qpdf and
// a test CA of its own), is held to the same rules; its extra column
// `validation_time` is the time to validate at (--validation-time), inside
// its certificates' validity.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <securedoc/app/verification.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/base/error.h>
#include <securedoc/formats/format.h>
#include <securedoc/formats/report.h>

#include "test_support.h"

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace data = boost::unit_test::data;
using namespace securedoc;

/// One line of MANIFEST.tsv, the columns this suite uses.
struct ManifestRow {
  std::size_t line = 0;  ///< 1-based line in MANIFEST.tsv
  std::string file;
  std::string format;
  std::size_t signatures = 0;
  std::string integrity;        ///< "intact" or "broken"
  std::string indication;       ///< "TOTAL-FAILED"... or "-"
  std::string subIndication;    ///< "HASH_FAILURE"... or "-"
  std::string trustAnchor;      ///< path or "-"
  std::string detachedContent;  ///< path or "-"
  std::string notes;
  /// The folder the manifest's paths are relative to.
  fs::path base;
  /// "" or the manifest's `validation_time` (YYYY-MM-DDTHH:MM:SSZ).
  std::string validationTime;
  /// Set only on the placeholder row that stands for an unreadable manifest,
  /// so that the failure shows up in every group instead of an empty suite.
  std::string loadError;
};

// Boost.Test names the sample of a data test case with this on failure.
std::ostream& operator<<(std::ostream& os, const ManifestRow& row) {
  return os << (row.loadError.empty() ? row.file : "(no manifest: " + row.loadError + ")");
}

struct Manifest {
  std::vector<ManifestRow> rows;
  std::string error;
};

std::vector<std::string> splitTabs(const std::string& line) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  for (;;) {
    const auto tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

/// Reads `dir`/MANIFEST.tsv; columns are found by their header name.  Never
/// throws: this runs while the test cases are registered.
Manifest readManifest(const fs::path& dir) {
  Manifest m;
  try {
    const fs::path path = dir / "MANIFEST.tsv";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::string line;
    std::map<std::string, std::size_t> column;
    std::size_t lineNo = 0;
    while (std::getline(in, line)) {
      ++lineNo;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      const auto cells = splitTabs(line);
      if (column.empty()) {
        for (std::size_t i = 0; i < cells.size(); ++i) column[cells[i]] = i;
        for (const char* need : {"file", "format", "signatures", "expected_integrity", "expected_indication",
                                 "subindication", "trust_anchor", "detached_content", "notes"}) {
          if (!column.count(need)) throw std::runtime_error(std::string("MANIFEST.tsv has no column ") + need);
        }
        continue;
      }
      if (cells.size() != column.size()) {
        throw std::runtime_error("MANIFEST.tsv line " + std::to_string(lineNo) + " has " +
                                 std::to_string(cells.size()) + " columns, the header " +
                                 std::to_string(column.size()));
      }
      ManifestRow r;
      r.line = lineNo;
      r.file = cells[column["file"]];
      r.format = cells[column["format"]];
      r.signatures = std::stoul(cells[column["signatures"]]);
      r.integrity = cells[column["expected_integrity"]];
      r.indication = cells[column["expected_indication"]];
      r.subIndication = cells[column["subindication"]];
      r.trustAnchor = cells[column["trust_anchor"]];
      r.detachedContent = cells[column["detached_content"]];
      r.notes = cells[column["notes"]];
      r.base = dir;
      if (column.count("validation_time")) r.validationTime = cells[column["validation_time"]];
      m.rows.push_back(std::move(r));
    }
    if (column.empty()) throw std::runtime_error("MANIFEST.tsv is empty");
  } catch (const std::exception& e) {
    m.rows.clear();
    m.error = e.what();
  }
  return m;
}

const Manifest& manifest() {
  static const Manifest m = readManifest(test::corpusDir());
  return m;
}

/// tests/data/pades-made: PDFs signed by Debian's tools, kept in the repository.
fs::path madeDir() { return test::sourceDir() / "tests" / "data" / "pades-made"; }

const Manifest& madeManifest() {
  static const Manifest m = readManifest(madeDir());
  return m;
}

/// The rows of one format group, or one placeholder row naming why the
/// manifest could not be read.
std::vector<ManifestRow> rowsOf(const std::string& format, const Manifest& from = manifest()) {
  if (!from.error.empty()) {
    ManifestRow placeholder;
    placeholder.loadError = from.error;
    return {placeholder};
  }
  std::vector<ManifestRow> out;
  std::copy_if(from.rows.begin(), from.rows.end(), std::back_inserter(out),
               [&](const ManifestRow& r) { return r.format == format; });
  return out;
}

std::time_t utc(int year, int month, int day, int hour) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  return timegm(&tm);
}

/// A manifest's `validation_time`, "YYYY-MM-DDTHH:MM:SSZ" (as --validation-time takes it).
std::time_t isoTime(const std::string& text) {
  std::tm tm{};
  char zone = 0;
  BOOST_TEST_REQUIRE((std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &zone) == 7 &&
                      zone == 'Z'),
                     "validation_time \"" << text << "\" is YYYY-MM-DDTHH:MM:SSZ");
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

/// The options the README prescribes for a row: its trust anchor and
/// detached content, offline, and for the Phaos XML-DSig vectors a
/// validation time inside their certificates' validity (they expired in
/// 2012; the evidence, xmlsec1 --verification-gmt-time, uses 2009-01-01);
/// the row's own `validation_time` where its manifest has one.
VerifyOptions optionsFor(const ManifestRow& row) {
  VerifyOptions o;
  o.offline = true;
  if (row.trustAnchor != "-") o.trustAnchors = Certificate::loadFile(row.base / row.trustAnchor);
  if (row.detachedContent != "-") o.detachedContent = row.base / row.detachedContent;
  if (row.file.rfind("xmldsig/phaos/", 0) == 0) o.time = utc(2009, 1, 1, 10);
  if (!row.validationTime.empty() && row.validationTime != "-") o.time = isoTime(row.validationTime);
  // XML-DSig vectors that name their key (ds:KeyName) say in `notes` which
  // bare public key verifies them, as xmlsec1 --pubkey-pem did for the evidence.
  const std::string marker = "verify with the bare public key ";
  if (const auto at = row.notes.find(marker); at != std::string::npos) {
    std::string key = row.notes.substr(at + marker.size());
    key = key.substr(0, key.find_first_of(" \t)"));
    o.publicKeys.push_back(row.base / key);
  }
  return o;
}

/// Whether the manifest's `signatures` column counts counter-signatures.
/// The README: "For CMS/XML, the number of top-level signatures,
/// counter-signatures included where `notes` says so".  counterSig.p7m says
/// "(counted in signatures)": 1 signer + 1 counter-signature = 2.
/// signedFile.pdf.p7s says "each with counter-signatures (not counted)": 3
/// parallel signers.  The CAdES verifier lists counter-signatures as extra
/// SignatureReport entries with counterSignatureOf set, so the count to
/// compare is either every entry or the top-level ones only.
bool countsCounterSignatures(const ManifestRow& row) {
  return row.notes.find("counted in signatures") != std::string::npos &&
         row.notes.find("not counted") == std::string::npos;
}

/// The signatures the manifest's count and integrity claim are about.
std::vector<const SignatureReport*> countedSignatures(const VerificationReport& report, const ManifestRow& row) {
  const bool all = countsCounterSignatures(row);
  std::vector<const SignatureReport*> out;
  for (const auto& s : report.signatures) {
    if (all || s.counterSignatureOf.empty()) out.push_back(&s);
  }
  return out;
}

const Check* findCheck(const SignatureReport& s, std::string_view id) {
  const auto it = std::find_if(s.checks.begin(), s.checks.end(), [&](const Check& c) { return c.id == id; });
  return it == s.checks.end() ? nullptr : &*it;
}

std::string statusOf(const Check* c) { return c ? checkStatusCode(c->status) : "absent"; }

std::string verdict(Indication i, SubIndication s) {
  std::string out = indicationCode(i);
  if (s != SubIndication::None) out += std::string("/") + subIndicationCode(s);
  return out;
}

/// One line per signature, shown as context when a check fails.
std::string describe(const VerificationReport& report) {
  std::ostringstream os;
  os << "report " << verdict(report.indication, report.subIndication) << " with " << report.signatures.size()
     << " signature(s)";
  for (const auto& s : report.signatures) {
    os << "; " << s.id;
    if (!s.counterSignatureOf.empty()) os << " (counter-signs " << s.counterSignatureOf << ")";
    os << " " << verdict(s.indication, s.subIndication) << " [";
    for (std::size_t i = 0; i < s.checks.size(); ++i) {
      os << (i ? ", " : "") << s.checks[i].id << "=" << checkStatusCode(s.checks[i].status);
      if (s.checks[i].status == Check::Status::Failed && !s.checks[i].detail.empty()) {
        os << " (" << s.checks[i].detail << ")";
      }
    }
    os << "]";
  }
  return os.str();
}

/// For BOOST_CHECK_EXCEPTION: an Error of this category; says what came
/// instead when it is another one.
auto hasCategory(Category expected) {
  return [expected](const Error& e) {
    if (e.category() != expected) {
      BOOST_TEST_MESSAGE("caught Error(" << categoryName(e.category()) << ") instead of Error("
                                         << categoryName(expected) << "): " << e.what());
    }
    return e.category() == expected;
  };
}

/// The integrity claims of an intact row for one signature.  XML signatures
/// report every reference digest as one "references" check; CMS ones the
/// signed-data digest as "messageDigest".
void checkIntegrityReported(const SignatureReport& s) {
  if (s.format == "XAdES" || s.format == "XML-DSig") {
    BOOST_TEST_CONTEXT("signature " << s.id) {
      const Check* value = findCheck(s, "signatureValue");
      const Check* refs = findCheck(s, "references");
      BOOST_TEST((value && value->status == Check::Status::Passed),
                 "the signature value is reported valid (signatureValue is " << statusOf(value) << ")");
      BOOST_TEST((refs && refs->status == Check::Status::Passed),
                 "every reference digest is reported valid (references is " << statusOf(refs) << ")");
    }
    return;
  }
  BOOST_TEST_CONTEXT("signature " << s.id) {
    const Check* value = findCheck(s, "signatureValue");
    BOOST_TEST((value && value->status == Check::Status::Passed),
               "the signature value is reported valid (signatureValue is " << statusOf(value) << ")");
    // A signature without signed attributes (plain PKCS#7, RFC 5652 §5.4)
    // has no message-digest attribute: its value is computed over the
    // content digest itself, so the passed signatureValue check above already
    // proves the content.  The CAdES verifier adds a messageDigest check
    // whenever signed attributes exist, so an absent check next to a passed
    // value means exactly that case; anything else must be Passed.
    const Check* digest = findCheck(s, "messageDigest");
    const bool digestApplies = digest != nullptr || !(value && value->status == Check::Status::Passed);
    if (digestApplies) {
      BOOST_TEST((digest && digest->status == Check::Status::Passed),
                 "the signed-data digest is reported valid (messageDigest is " << statusOf(digest) << ")");
    }
  }
}

/// Rows whose notes say an incremental update changed what is shown.
bool changedVisiblyAfterSigning(const ManifestRow& row) {
  return row.integrity == "intact" &&
         row.notes.find("modified after signing by an incremental update (visible change)") != std::string::npos;
}

/// Verifies one corpus file and holds the report to what its row expects.
void checkRow(const ManifestRow& row) {
  BOOST_TEST_REQUIRE(row.loadError.empty(), "MANIFEST.tsv can be read: " << row.loadError);
  BOOST_TEST_CONTEXT("corpus file " << row.file << " (MANIFEST.tsv line " << row.line << ", " << row.integrity
                                    << ", expects " << row.indication << "/" << row.subIndication << ")") {
    FormatRegistry reg;
    registerBuiltinFormats(reg);
    const VerificationService svc(reg);
    const fs::path file = row.base / row.file;
    const VerifyOptions opts = optionsFor(row);

    if (reg.forVerifying(ContentSniff::of(file)) == nullptr) {
      // No module for this format in this build: a clean refusal, not a
      // crash and not a verdict.
      BOOST_CHECK_EXCEPTION(svc.verify(file, opts), Error, hasCategory(Category::Unsupported));
      return;
    }

    VerificationReport report;
    try {
      report = svc.verify(file, opts);
    } catch (const std::exception& e) {
      BOOST_TEST(false, "the verifier returns a report instead of throwing: " << e.what());
      return;
    }

    BOOST_TEST_CONTEXT(describe(report)) {
      const auto counted = countedSignatures(report, row);
      BOOST_TEST(
          counted.size() == row.signatures,
          "the report lists " << counted.size() << " signature(s) where the manifest counts " << row.signatures << " ("
                              << (countsCounterSignatures(row) ? "counter-signatures included" : "top-level only")
                              << ")");

      if (row.integrity == "broken") {
        BOOST_TEST((report.indication != Indication::TotalPassed), "a broken file is never TOTAL-PASSED");
        BOOST_TEST((report.indication == Indication::TotalFailed),
                   "a broken file is TOTAL-FAILED, not " << indicationCode(report.indication));
      } else if (changedVisiblyAfterSigning(row)) {
        // The one place the corpus README and the PAdES issue disagree: this
        // row's signature is cryptographically intact, but an incremental
        // update changed what is shown.  Issue 3 wins: "TOTAL-FAILED, with
        // the reason in the report, for incremental-saving attacks that
        // change what is shown".  Integrity must still be reported as valid.
        BOOST_TEST((report.indication == Indication::TotalFailed),
                   "a visible change after signing is TOTAL-FAILED, not " << indicationCode(report.indication));
        for (const SignatureReport* s : counted) {
          checkIntegrityReported(*s);
          const bool reason = std::any_of(s->modifications.begin(), s->modifications.end(),
                                          [](const Modification& m) { return m.level == ModificationLevel::Other; });
          BOOST_TEST(reason, "the report names a change after signing that nothing allows");
        }
      } else {
        BOOST_TEST(row.integrity == "intact", "expected_integrity is intact or broken, not " << row.integrity);
        BOOST_TEST(
            (report.indication != Indication::TotalFailed),
            "an intact file is never TOTAL-FAILED (got " << verdict(report.indication, report.subIndication) << ")");
        for (const SignatureReport* s : counted) {
          checkIntegrityReported(*s);
          // Honest multi-signature files: what later signers, time-stamps
          // and validation data changed is explained by a rule.
          if (row.format == "pades") {
            BOOST_TEST_CONTEXT("signature " << s->id) {
              // A later revision PoDoFo cannot read leaves the level unknown
              // (INDETERMINATE, "modifications" not checked), never "none".
              const auto check = std::find_if(s->checks.begin(), s->checks.end(),
                                              [](const Check& c) { return c.id == "modifications"; });
              BOOST_TEST_REQUIRE((check != s->checks.end()), "the changes after signing were looked at");
              BOOST_TEST((s->modificationLevel.has_value() || check->status == Check::Status::NotChecked),
                         "a PDF signature has a modification level unless a revision cannot be read");
              std::string changes;
              for (const auto& m : s->modifications)
                changes += " " + m.code + "(" + modificationLevelCode(m.level) + ")";
              BOOST_TEST((s->modificationLevel.value_or(ModificationLevel::None) <= ModificationLevel::FormFilling),
                         "the changes after an honest signature are allowed; got" << changes);
            }
          }
        }
      }

      if (row.indication != "-") {
        BOOST_TEST(std::string(indicationCode(report.indication)) == row.indication,
                   "the indication is " << row.indication << ", not " << indicationCode(report.indication));
      }
      // For TOTAL-FAILED the manifest gives the sub-indication only when a
      // tool showed which check fails; "-" then means "not established".
      if (row.subIndication != "-") {
        BOOST_TEST(
            std::string(subIndicationCode(report.subIndication)) == row.subIndication,
            "the sub-indication is " << row.subIndication << ", not " << subIndicationCode(report.subIndication));
      }
    }
  }
}

/// securedoc-cli's arguments for the options optionsFor() gives a row.
std::vector<std::string> cliVerifyArgs(const ManifestRow& row) {
  std::vector<std::string> args{"verify", "--format", "json"};
  if (row.trustAnchor != "-") args.insert(args.end(), {"--trust-anchor", (row.base / row.trustAnchor).string()});
  if (row.detachedContent != "-") {
    args.insert(args.end(), {"--detached-content", (row.base / row.detachedContent).string()});
  }
  const VerifyOptions o = optionsFor(row);
  if (o.time) {
    char text[32];
    std::tm tm{};
    gmtime_r(&*o.time, &tm);
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    args.insert(args.end(), {"--validation-time", text});
  }
  for (const auto& key : o.publicKeys) args.insert(args.end(), {"--public-key", key.string()});
  args.push_back((row.base / row.file).string());
  return args;
}

/// The JSON without its "validationTime" line: the one thing README.md
/// lets differ between two runs.
std::string withoutValidationTime(const std::string& json) {
  std::istringstream in(json);
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    if (line.find("\"validationTime\"") == std::string::npos) out += line + "\n";
  }
  return out;
}

/// The environment of a person working in `language`: the C.UTF-8 locale
/// (always present) and LANGUAGE, as the CLI's catalog lookup uses it.
std::vector<std::string> languageEnv(const std::string& language) {
  return {"LC_ALL=C.UTF-8", "LANG=C.UTF-8", "LANGUAGE=" + language};
}

/// Every row of both manifests, for the language comparison.
std::vector<ManifestRow> allRows() {
  std::vector<ManifestRow> out;
  for (const char* format : {"cades", "pades", "xades", "xmldsig"}) {
    for (auto& r : rowsOf(format)) out.push_back(std::move(r));
  }
  for (auto& r : rowsOf("pades", madeManifest())) out.push_back(std::move(r));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(corpus)

BOOST_AUTO_TEST_CASE(the_manifest_has_rows_for_every_format) {
  BOOST_TEST_REQUIRE(manifest().error.empty(), "MANIFEST.tsv can be read: " << manifest().error);
  for (const char* format : {"cades", "pades", "xades", "xmldsig"}) {
    BOOST_TEST_CONTEXT("format " << format) {
      BOOST_TEST(!rowsOf(format).empty(), "the manifest has rows for this format");
    }
  }
  for (const auto& row : manifest().rows) {
    BOOST_TEST_CONTEXT("MANIFEST.tsv line " << row.line << ": " << row.file) {
      BOOST_TEST((row.format == "cades" || row.format == "pades" || row.format == "xades" || row.format == "xmldsig"),
                 "the format is one this suite tests, not " << row.format);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_file_the_manifest_names_exists) {
  BOOST_TEST_REQUIRE(manifest().error.empty(), "MANIFEST.tsv can be read: " << manifest().error);
  for (const auto& row : manifest().rows) {
    BOOST_TEST_CONTEXT("MANIFEST.tsv line " << row.line << ": " << row.file) {
      BOOST_TEST(fs::is_regular_file(test::corpusDir() / row.file), "the signed file exists");
      if (row.trustAnchor != "-") {
        BOOST_TEST(fs::is_regular_file(test::corpusDir() / row.trustAnchor),
                   "the trust anchor " << row.trustAnchor << " exists");
      }
      if (row.detachedContent != "-") {
        BOOST_TEST(fs::is_regular_file(test::corpusDir() / row.detachedContent),
                   "the detached content " << row.detachedContent << " exists");
      }
    }
  }
}

BOOST_DATA_TEST_CASE(cades_files_get_the_verdict_the_manifest_expects, data::make(rowsOf("cades")), row) {
  checkRow(row);
}

BOOST_DATA_TEST_CASE(pades_files_get_the_verdict_the_manifest_expects, data::make(rowsOf("pades")), row) {
  checkRow(row);
}

BOOST_DATA_TEST_CASE(xades_files_get_the_verdict_the_manifest_expects, data::make(rowsOf("xades")), row) {
  checkRow(row);
}

BOOST_DATA_TEST_CASE(xmldsig_files_get_the_verdict_the_manifest_expects, data::make(rowsOf("xmldsig")), row) {
  checkRow(row);
}

BOOST_AUTO_TEST_CASE(the_made_manifest_names_existing_files_and_a_validation_time) {
  // tests/data/pades-made: honest files TOTAL-PASSED with its ca.pem, one attack TOTAL-FAILED.
  BOOST_TEST_REQUIRE(madeManifest().error.empty(),
                     "tests/data/pades-made/MANIFEST.tsv can be read: " << madeManifest().error);
  BOOST_TEST(madeManifest().rows.size() >= 6u, "the made manifest has its six files");
  std::size_t attacks = 0;
  for (const auto& row : madeManifest().rows) {
    BOOST_TEST_CONTEXT("tests/data/pades-made/MANIFEST.tsv line " << row.line << ": " << row.file) {
      BOOST_TEST(row.format == "pades");
      BOOST_TEST(fs::is_regular_file(row.base / row.file), "the signed file exists");
      BOOST_TEST(fs::is_regular_file(row.base / row.trustAnchor), "the trust anchor " << row.trustAnchor << " exists");
      BOOST_TEST((row.indication == "TOTAL-PASSED" || row.indication == "TOTAL-FAILED"),
                 "every row expects a definite verdict, not " << row.indication);
      BOOST_TEST(!row.validationTime.empty(), "the row has a validation_time");
      if (row.indication == "TOTAL-FAILED") ++attacks;
    }
  }
  BOOST_TEST(attacks >= 1u, "at least one attack row");
}

BOOST_DATA_TEST_CASE(made_pades_files_get_the_verdict_the_manifest_expects, data::make(rowsOf("pades", madeManifest())),
                     row) {
  checkRow(row);
}

// README.md "The JSON report": JSON is for scripts, so it never depends on the language.
// Every check detail, message and scope entry is a code with arguments (and
// English text); only the CLI's and the window's words are translated.
BOOST_DATA_TEST_CASE(verify_json_is_the_same_in_english_and_polish, data::make(allRows()), row) {
  BOOST_TEST_REQUIRE(row.loadError.empty(), "the manifest can be read: " << row.loadError);
  BOOST_TEST_CONTEXT("corpus file " << row.file) {
    const auto args = cliVerifyArgs(row);
    const auto en = test::cli(args, languageEnv("en"));
    const auto pl = test::cli(args, languageEnv("pl"));
    BOOST_TEST(en.exitCode == pl.exitCode,
               "the exit status is the same (" << en.exitCode << " / " << pl.exitCode << ")");
    BOOST_TEST_REQUIRE(en.out.find("\"signatures\"") != std::string::npos,
                       "a JSON report came out: " << en.out << en.err);
    const std::string a = withoutValidationTime(en.out);
    const std::string b = withoutValidationTime(pl.out);
    if (a != b) {
      // Name the first line that differs rather than dumping both reports.
      std::istringstream ia(a), ib(b);
      std::string la, lb;
      int line = 0;
      while (std::getline(ia, la) && std::getline(ib, lb) && la == lb) ++line;
      BOOST_TEST(false, "the JSON differs first at line " << line + 1 << ":\n  en: " << la << "\n  pl: " << lb);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_polish_catalog_is_active_in_that_comparison) {
  // The comparison above proves nothing if LANGUAGE=pl still printed
  // English: the text report of the same file must be Polish.
  const auto rows = rowsOf("xades");
  BOOST_TEST_REQUIRE(rows.front().loadError.empty());
  auto args = cliVerifyArgs(rows.front());
  args[2] = "text";
  const auto pl = test::cli(args, languageEnv("pl"));
  BOOST_TEST(pl.out.find("Wynik:") != std::string::npos, "the Polish text report says \"Wynik:\": " << pl.out);
  const auto en = test::cli(args, languageEnv("en"));
  BOOST_TEST(en.out.find("Result:") != std::string::npos, "the English one says \"Result:\": " << en.out);
}

BOOST_AUTO_TEST_SUITE_END()
