// Attack PDFs against the PAdES verifier, built here byte by byte from a
// contract we sign with the demo PKI through the real CLI:
//   - universal signature forgery: missing, null or malformed /ByteRange and
//     /Contents (Mladenov et al., "1 Trillion Dollar Refund", CCS 2019, §5);
//   - signature wrapping: the excluded bytes are not the /Contents the
//     signature dictionary holds (ibid., §6);
//   - incremental saving that changes what is shown, and shadow attacks
//     (Mainka et al., "Shadow Attacks", NDSS 2021): content changed, hidden or
//     swapped by a later revision.
//   - integrity without a trust anchor (ETSI EN 319 102-1 §5.2.7): a flipped
//     byte of the signature value, a changed or cut signed byte, a swapped
//     certificate; document time-stamps held to the RFC 3161 rules; and
//     certificates given with `verify --certificate`.
// None of them may be TOTAL-PASSED.  Every attack keeps the cross-reference
// table valid (same-length edits, or a correct appended update), so every one
// is a readable PDF: the verifier must answer with a report (exit 1), never
// "cannot be read" (exit 4), and never crash or hang.
#include <boost/test/unit_test.hpp>

#include "pdf_edit.h"

#include <securedoc/app/verification.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/formats/format.h>

#include <nlohmann/json.hpp>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <memory>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace securedoc::test;
using nlohmann::json;

namespace {

/// What ISO 32000-1 §12.8 and the issue demand of a forgery, a wrapping or a
/// visible incremental change: TOTAL-FAILED, exit 1, and the reason in the report.
void expectTotalFailed(const Verdict& v, const std::string& reason) {
  BOOST_TEST(finished(v), "the verifier finishes with 1, 2 or 4: " << dump(v));
  BOOST_TEST(v.exitCode == 1, "exit status 1 (TOTAL-FAILED): " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-FAILED", "the document is TOTAL-FAILED: " << dump(v));
  BOOST_TEST(mentions(v, reason), "the report says \"" << reason << "\": " << dump(v));
}

/// A change after signing that the signature does not allow: TOTAL-FAILED,
/// exit 1, and the modification `code` (with `args`) in the report.
void expectChangeRejected(const Verdict& v, const std::string& code,
                          const std::map<std::string, std::string>& args = {}) {
  BOOST_TEST(v.exitCode == 1, "exit status 1 (TOTAL-FAILED): " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-FAILED", "the document is TOTAL-FAILED: " << dump(v));
  const json sigs = signaturesOf(v);
  BOOST_TEST_REQUIRE(!sigs.empty(), "the signature is reported: " << dump(v));
  BOOST_TEST(hasModification(sigs[0], code, args), "the report lists the change " << code << ": " << dump(v));
}

struct Attacks : SignedContract {
  SignatureLayout sig = locateSignature(signedPdf);

  Attacks() {
    BOOST_TEST_REQUIRE(sig.range[2] + sig.range[3] == signedPdf.size(), "the signature covers the whole file");
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
  for (const auto& [name, pdf] :
       std::map<std::string, std::string>{{"byterange-renamed.pdf", renamed}, {"byterange-null.pdf", null}}) {
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
      const auto v =
          verify("byterange-start-" + std::to_string(start) + ".pdf", withByteRange(range(a + start, b - start, c, d)));
      expectTotalFailed(v, "does not start at the beginning of the file");
    }
  }
}

BOOST_AUTO_TEST_CASE(overlapping_byte_ranges_are_total_failed) {
  const auto [a, b, c, d] = sig.range;
  const std::uint64_t size = signedPdf.size();
  const std::vector<std::string> variants{
      range(a, b, b - 1000, size - (b - 1000)),  // the second range starts inside the first
      range(a, b, a, size),                      // both cover the whole file
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

// Verifier bug (formats/src/pdf_signature_fields.cpp, inspectField): `a1 < l0 + 2`
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
      const auto v =
          verify("byterange-short-" + std::to_string(shortBy) + ".pdf", withByteRange(range(a, b, c, d - shortBy)));
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
  const std::string forged =
      "BT /F2 20 Tf 56 790 Td (Umowa / Contract) Tj 0 -40 Td /F1 11 Tf "
      "(Wynagrodzenie wynosi 99 999,00 PLN brutto.) Tj ET";
  const auto v = verify("update-content.pdf", withUpdate(signedPdf, {{s.content, stream("", forged)}}));
  expectChangeRejected(v, "object-changed", {{"object", std::to_string(s.content)}});
  BOOST_TEST(checkStatus(v, 0, "modifications") == "failed", "the modifications check fails");
  BOOST_TEST(checkStatus(v, 0, "messageDigest") == "passed", "the signed revision itself is intact");
  pdfsigFor("update-content.pdf");

  // The same text through a new content object the page now points to.
  const std::string page =
      edit(latestBody(signedPdf, s.page), R"(/Contents\s*\d+\s+0\s+R)", "/Contents " + std::to_string(s.next) + " 0 R");
  const auto p =
      verify("update-page-contents.pdf", withUpdate(signedPdf, {{s.page, page}, {s.next, stream("", forged)}}));
  expectChangeRejected(p, "page-changed", {{"key", "Contents"}});
}

BOOST_AUTO_TEST_CASE(an_annotation_added_over_the_text_is_total_failed_without_a_docmdp_permission) {
  // A FreeText annotation with a white box over the amount: no certification
  // signature, so ISO 32000-1 Table 254's P=2 applies and annotations are not allowed.
  const Structure s = structureOf(signedPdf);
  const int annot = s.next;
  const int appearance = s.next + 1;
  const std::string page =
      edit(latestBody(signedPdf, s.page), R"(/Annots\s*\[([^\]]*)\])", "/Annots[$1 " + std::to_string(annot) + " 0 R]");
  const std::map<int, std::string> objects{
      {s.page, page},
      {annot, "<< /Type /Annot /Subtype /FreeText /Rect [50 500 545 560] /P " + std::to_string(s.page) +
                  " 0 R /F 4 /Contents (Wynagrodzenie: 99 999,00 PLN) /DA (/Helv 14 Tf 0 g) /AP << /N " +
                  std::to_string(appearance) + " 0 R >> >>"},
      {appearance, stream("/Type /XObject /Subtype /Form /BBox [0 0 495 60] /Resources << /Font << /F1 4 0 R >> >>",
                          "1 g 0 0 495 60 re f BT 0 g /F1 14 Tf 6 24 Td (Wynagrodzenie: 99 999,00 PLN) Tj ET")},
  };
  const auto v = verify("update-annotation.pdf", withUpdate(signedPdf, objects));
  expectChangeRejected(v, "annotation-added", {{"subtype", "FreeText"}});
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
      {content,
       stream("",
              "BT /F2 20 Tf 56 790 Td (Umowa / Contract) Tj 0 -40 Td /F1 11 Tf (Wynagrodzenie: 99 999,00 PLN) Tj ET")},
      {page, forgedPage},
      {pages, "<< /Type /Pages /Kids [" + std::to_string(page) + " 0 R " + second + " 0 R] /Count 2 >>"},
      {root, edit(catalog, R"(/Pages\s*\d+\s+0\s+R)", "/Pages " + std::to_string(pages) + " 0 R")},
  };
  BOOST_TEST_CONTEXT("the new catalogue keeps /AcroForm") {
    const auto v = verify("update-root.pdf", withUpdate(signedPdf, objects, root));
    expectChangeRejected(v, "catalog-changed", {{"key", "Pages"}});
  }
  BOOST_TEST_CONTEXT("the new catalogue drops /AcroForm, hiding the signature field") {
    objects[root] = "<< /Type /Catalog /Pages " + std::to_string(pages) + " 0 R >>";
    const auto v = verify("update-root-no-form.pdf", withUpdate(signedPdf, objects, root));
    expectChangeRejected(v, "catalog-changed");
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
      BOOST_TEST(levelRank(modificationLevelOf(s)) <= levelRank("form-filling"),
                 "only allowed changes are listed: " << s.value("modifications", json()));
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
  const std::string info =
      edit(latestBody(signedPdf, s.info), R"(/Producer\s*\([^)]*\))", "/Producer(Some Editor 9.1)");
  const auto v = verify("update-info.pdf", withUpdate(signedPdf, {{s.info, info}}));
  BOOST_TEST(v.exitCode == 0, "exit status 0: " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-PASSED", "a producer change keeps the signature valid");
  BOOST_TEST_REQUIRE(signaturesOf(v).size() == 1u, "one signature");
  BOOST_TEST(hasModification(signaturesOf(v)[0], "info-changed"), "the change is listed: " << dump(v));
  BOOST_TEST(modificationLevelOf(signaturesOf(v)[0]) == "lta-updates", "nothing but the information changed");
}

// Verifier bug (the former pdf_revisions.cpp, now formats/src/pdf_diff.cpp; Classifier::dictionaryChanged):
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
  BOOST_TEST(modificationLevelOf(signaturesOf(v).at(0)) == "other", "the page tree change is not allowed: " << dump(v));
}

// Verifier bug (the former pdf_revisions.cpp, now formats/src/pdf_diff.cpp; compareRevisions and
// Classifier): every object reachable from a /DSS in either revision is
// "validation data", so a new /DSS that refers to a signed object (here the
// page's content stream) whitelists any change to it.  ETSI EN 319 142-1
// §5.4 lets the DSS add certificates, CRLs and OCSP responses; objects that
// existed in the signed revision must still be compared.
BOOST_AUTO_TEST_CASE(a_content_change_hidden_behind_a_new_dss_is_total_failed) {
  const Structure s = structureOf(signedPdf);
  const int dss = s.next;
  const std::string catalog =
      edit(latestBody(signedPdf, s.root), R"(/Pages)", "/DSS " + std::to_string(dss) + " 0 R/Pages");
  const std::map<int, std::string> objects{
      {s.root, catalog},
      {dss, "<< /Certs [" + std::to_string(s.content) + " 0 R] >>"},
      {s.content, stream("", "BT /F1 24 Tf 56 700 Td (Wynagrodzenie: 99 999,00 PLN) Tj ET")},
  };
  const auto v = verify("update-dss-whitelist.pdf", withUpdate(signedPdf, objects));
  BOOST_TEST(v.exitCode == 1, "exit status 1: " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-FAILED", "a content stream changed after signing is TOTAL-FAILED");
  BOOST_TEST(hasModification(signaturesOf(v).at(0), "object-changed", {{"object", std::to_string(s.content)}}),
             "the content change is listed: " << dump(v));
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
    expectChangeRejected(v, "object-changed", {{"object", std::to_string(shadow.shown)}});
  }
  BOOST_TEST_CONTEXT("hide-and-replace: the resource name now points at the signed, unused XObject") {
    const std::string swapped =
        "<< /Amount " + std::to_string(shadow.hidden) + " 0 R /Spare " + std::to_string(shadow.shown) + " 0 R >>";
    const auto v = verify("shadow-swap.pdf", withUpdate(signedShadow, {{shadow.xobjects, swapped}}));
    BOOST_TEST(indicationOf(v) != "TOTAL-PASSED", "not TOTAL-PASSED");
    expectChangeRejected(v, "object-changed", {{"object", std::to_string(shadow.xobjects)}});
  }
  pdfsigFor("shadow-swap.pdf");
}

BOOST_AUTO_TEST_CASE(filling_a_form_field_after_signing_is_allowed_but_flagged_as_a_possible_shadow_attack) {
  // The shadow "hide" variant under an allowed change: a text field whose
  // empty appearance is signed; filling it later (P=2 allows form filling,
  // ISO 32000-1 Table 254) shows new text on the page.  The signature stays
  // valid, so the report must at least warn.
  const TextFieldForm form(readText(contract), "Uwagi");
  writeFile(dir / "form.pdf", form.prepared);
  const std::string signedForm = signFile(dir / "form.pdf", "form-signed.pdf");
  BOOST_TEST_REQUIRE(indicationOf(verify("form-signed.pdf", signedForm)) == "TOTAL-PASSED",
                     "the form signs and verifies");

  const auto v = verify("shadow-form-fill.pdf",
                        withUpdate(signedForm, form.fill("ANULOWANA / VOID", structureOf(signedForm).next)));
  BOOST_TEST(v.exitCode == 0, "form filling is allowed, exit 0: " << dump(v));
  BOOST_TEST(hasModification(signaturesOf(v).at(0), "form-field-filled", {{"field", "Uwagi"}}),
             "the filled field is listed");
  BOOST_TEST(mentions(v, "shadow attack"), "the report warns that a shadow attack cannot be ruled out");
}

// Verifier bug (the former pdf_revisions.cpp, now formats/src/pdf_diff.cpp; Classifier::dictionaryChanged):
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
  BOOST_TEST(hasModification(signaturesOf(v).at(0), "object-changed", {{"object", std::to_string(font)}}),
             "the font change is listed: " << dump(v));
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------ hostile sizes ---
// Floods that made the old backwards scan quadratic, and counts beyond what
// any honest file holds: a clean answer, never a crash or a hang (timing
// lives in bench/pdf_changes.sh, not here).

BOOST_FIXTURE_TEST_SUITE(pades_hostile_sizes, Attacks)

BOOST_AUTO_TEST_CASE(a_flood_of_byte_range_tokens_in_a_comment_leaves_the_signature_total_passed) {
  std::string flood = signedPdf;
  // A comment after %%EOF: no object, no revision, nothing a reader uses.
  flood += "%";
  for (int i = 0; i < 200000; ++i) flood += "/ByteRange [0 1 2 3] obj ";
  flood += "\n";
  const auto v = verify("flood.pdf", flood);
  // Bytes after the last %%EOF change nothing a reader shows.
  BOOST_TEST(v.exitCode == 0, "the signature still passes, exit 0: " << dump(v));
  BOOST_TEST(signaturesOf(v).size() == 1u, "one signature, the real one: " << dump(v));
}

// An attachment that is itself a signed PDF, stored uncompressed: its
// /ByteRange sits in stream data, not in a signature dictionary of ours.
BOOST_AUTO_TEST_CASE(a_signed_pdf_stored_uncompressed_in_a_stream_adds_no_signature) {
  const Structure s = structureOf(signedPdf);
  const auto v = verify("embedded.pdf", withUpdate(signedPdf, {{s.next, stream("/Type /EmbeddedFile", signedPdf)}}));
  BOOST_TEST(v.exitCode == 0, "TOTAL-PASSED, exit 0: " << dump(v));
  BOOST_TEST(signaturesOf(v).size() == 1u, "one signature, not the embedded file's: " << dump(v));
}

BOOST_AUTO_TEST_CASE(more_than_five_hundred_signature_dictionaries_are_refused_with_exit_4) {
  std::string many = signedPdf;
  for (int i = 0; i < 501; ++i) {
    many +=
        "\n" + std::to_string(100000 + i) + " 0 obj\n<< /Type /Sig /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n";
  }
  const auto v = verify("many.pdf", many);
  BOOST_TEST(v.exitCode == 4, "refused as unreadable, exit 4: " << dump(v));
  BOOST_TEST(v.err.find("500") != std::string::npos, "the message names the limit: " << v.err);
}

BOOST_AUTO_TEST_CASE(a_deeply_nested_array_and_a_reference_cycle_in_an_update_are_judged_not_crashed) {
  const Structure s = structureOf(signedPdf);
  // An array nested 100,000 deep hung off the catalogue, and two objects
  // that refer to each other, also reachable.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const int a = s.next;
  const int b = s.next + 1;
  const std::string catalog = withEntries(latestBody(signedPdf, s.root), "/Deep " + ref(a) + " /Loop " + ref(b));
  const auto v = verify("deep.pdf", withUpdate(signedPdf, {{a, deep},
                                                           {b, "<< /Next " + ref(b + 1) + " >>"},
                                                           {b + 1, "<< /Next " + ref(b) + " >>"},
                                                           {s.root, catalog}}));
  BOOST_TEST(v.exitCode == 1, "a changed catalogue is TOTAL-FAILED, exit 1: " << dump(v));
  BOOST_TEST(hasModification(signaturesOf(v).at(0), "catalog-changed", {{"key", "Deep"}}),
             "the change is named: " << dump(v));
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------ what honest tools do ---

BOOST_FIXTURE_TEST_SUITE(pades_honest_tool_changes, Attacks)

// iText's PdfStamper writes its release into the root /Pages node on every
// save (/ITXT); a second signer on iText changes it.  No reader draws it.
BOOST_AUTO_TEST_CASE(an_itext_release_marker_in_the_page_tree_is_an_allowed_change) {
  const Structure s = structureOf(signedPdf);
  const std::string pages = withEntries(latestBody(signedPdf, s.pages), "/ITXT (5.5.13.3)");
  const auto v = verify("itext-marker.pdf", withUpdate(signedPdf, {{s.pages, pages}}));
  BOOST_TEST(v.exitCode == 0, "TOTAL-PASSED, exit 0: " << dump(v));
  BOOST_TEST(hasModification(signaturesOf(v).at(0), "producer-marker-changed", {{"key", "ITXT"}}), dump(v));
  BOOST_TEST(modificationLevelOf(signaturesOf(v).at(0)) == "lta-updates");
}

// A tagged contract (a structure tree with one element, /Alt text) signed
// by our CLI: what a signer that tags its new widget adds is allowed, a
// changed /Alt (what a screen reader says) is not.
struct TaggedContract {
  std::string signedPdf;
  int root = 0, element = 0, parentTree = 0;
};

TaggedContract taggedContract(const Attacks& a) {
  const std::string plain = readText(a.contract);
  const Structure s = structureOf(plain);
  TaggedContract t;
  t.root = s.next;
  t.element = s.next + 1;
  t.parentTree = s.next + 2;
  const std::string catalog =
      withEntries(latestBody(plain, s.root), "/StructTreeRoot " + ref(t.root) + " /MarkInfo << /Marked true >>");
  const std::string tagged = withUpdate(
      plain,
      {{s.root, catalog},
       {t.root, "<< /Type /StructTreeRoot /K [" + ref(t.element) + "] /ParentTree " + ref(t.parentTree) +
                    " /ParentTreeNextKey 1 >>"},
       {t.element, "<< /Type /StructElem /S /P /P " + ref(t.root) + " /Pg " + ref(s.page) + " /K 0 /Alt (Umowa) >>"},
       {t.parentTree, "<< /Nums [0 [" + ref(t.element) + "]] >>"}});
  writeFile(a.dir / "tagged.pdf", tagged);
  t.signedPdf = a.signFile(a.dir / "tagged.pdf", "tagged-signed.pdf");
  return t;
}

BOOST_AUTO_TEST_CASE(entries_added_to_the_structure_tree_are_form_filling_but_a_changed_alt_text_is_not) {
  const TaggedContract t = taggedContract(*this);
  const std::string twice = signFile(dir / "tagged-signed.pdf", "tagged-twice.pdf");
  const Structure s = structureOf(twice);
  const int objr = s.next;
  const std::string element = edit(latestBody(twice, t.element), R"(/K 0)", "/K [0 " + ref(objr) + "]");
  // The new widget's /StructParent 1 points at the element (§14.7.4.4).
  const std::string tree = "<< /Nums [0 [" + ref(t.element) + "] 1 " + ref(t.element) + "] >>";
  const std::string extended =
      withUpdate(twice, {{objr, "<< /Type /OBJR /Obj " + ref(s.root) + " >>"},
                         {t.element, element},
                         {t.parentTree, tree},
                         {t.root, edit(latestBody(twice, t.root), R"(/ParentTreeNextKey 1)", "/ParentTreeNextKey 2")}});
  auto v = verify("tagged-extended.pdf", extended);
  BOOST_TEST(v.exitCode == 0, "TOTAL-PASSED, exit 0: " << dump(v));
  BOOST_TEST(hasModification(signaturesOf(v).at(0), "structure-tree-extended", {}), dump(v));

  const std::string alt = edit(latestBody(twice, t.element), R"(/Alt \(Umowa\))", "/Alt (Aneks)");
  v = verify("tagged-alt.pdf", withUpdate(twice, {{t.element, alt}}));
  BOOST_TEST(v.exitCode == 1, "TOTAL-FAILED, exit 1: " << dump(v));
  BOOST_TEST(hasModification(signaturesOf(v).at(0), "object-changed", {{"key", "StructTreeRoot"}}), dump(v));
}

BOOST_AUTO_TEST_CASE(a_page_tree_change_beside_the_itext_marker_is_not_allowed) {
  const Structure s = structureOf(signedPdf);
  const std::string pages = withEntries(latestBody(signedPdf, s.pages), "/ITXT (5.5.13.3) /Rotate 180");
  const auto v = verify("itext-marker-rotate.pdf", withUpdate(signedPdf, {{s.pages, pages}}));
  BOOST_TEST(v.exitCode == 1, "TOTAL-FAILED, exit 1: " << dump(v));
  BOOST_TEST(hasModification(signaturesOf(v).at(0), "pages-changed", {{"key", "Rotate"}}), dump(v));
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------- integrity without a trust anchor ---
// ETSI EN 319 102-1 §5.2.7: the digest of the signed bytes
// and the signature value are computed with the certificate in the
// signature whether or not it chains to a trust anchor.  A failed digest is
// TOTAL-FAILED / HASH_FAILURE, a failed value TOTAL-FAILED /
// SIG_CRYPTO_FAILURE; an intact signature without a trust anchor is only
// INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND.  Every case here verifies
// with no --trust-anchor at all.

namespace {

std::string unhex(const std::string& hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string hexOf(const std::string& bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string derOf(X509* cert) {
  unsigned char* out = nullptr;
  const int n = i2d_X509(cert, &out);
  std::string der =
      n > 0 ? std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n)) : std::string();
  OPENSSL_free(out);
  return der;
}

std::string subIndicationOf(const Verdict& v, std::size_t index) {
  const json sigs = signaturesOf(v);
  if (sigs.size() <= index || !sigs[index]["subIndication"].is_string()) return {};
  return sigs[index]["subIndication"].get<std::string>();
}

std::string signatureField(const Verdict& v, std::size_t index, const char* field) {
  const json sigs = signaturesOf(v);
  if (sigs.size() <= index || !sigs[index][field].is_string()) return {};
  return sigs[index][field].get<std::string>();
}

using CmsPtr = std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)>;

struct WithoutTrustAnchor : Attacks {
  /// The DER CMS the CLI wrote into /Contents (the rest is zero padding).
  std::string der = unhex(signedPdf.substr(sig.contentsOpen + 1, sig.derDigits));

  CmsPtr parsed() const {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())), CMS_ContentInfo_free);
    BOOST_TEST_REQUIRE(cms != nullptr, "the CLI's /Contents is a CMS");
    return cms;
  }

  /// The signed file with `forged` (a DER CMS as long as the original) in /Contents.
  std::string withCms(const std::string& forged) const {
    BOOST_TEST_REQUIRE(forged.size() == der.size(), "the forged CMS keeps the length: no offset moves");
    std::string pdf = signedPdf;
    overwrite(pdf, sig.contentsOpen + 1, sig.contentsOpen + 1 + sig.derDigits, hexOf(forged));
    return pdf;
  }

  /// The signed file with `text` written over the CMS from byte `at` (same
  /// length: the structure stays a valid SignedData).
  std::string cmsWith(std::size_t at, const std::string& text) const {
    std::string forged = der;
    forged.replace(at, text.size(), text);
    return withCms(forged);
  }
};

void expectIntegrity(const Verdict& v, const std::string& indication, const std::string& subIndication,
                     const std::string& messageDigest, const std::string& signatureValue,
                     const std::string& integrity) {
  BOOST_TEST(finished(v), "the verifier answers: " << dump(v));
  BOOST_TEST(v.exitCode == (indication == "TOTAL-FAILED" ? 1 : 2), "exit status: " << dump(v));
  BOOST_TEST(signatureField(v, 0, "indication") == indication, dump(v));
  BOOST_TEST(subIndicationOf(v, 0) == subIndication, dump(v));
  BOOST_TEST(checkStatus(v, 0, "messageDigest") == messageDigest, "messageDigest: " << dump(v));
  BOOST_TEST(checkStatus(v, 0, "signatureValue") == signatureValue, "signatureValue: " << dump(v));
  BOOST_TEST(signatureField(v, 0, "integrity") == integrity, "integrity: " << dump(v));
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pades_integrity_without_a_trust_anchor, WithoutTrustAnchor)

BOOST_AUTO_TEST_CASE(an_intact_signature_without_a_trust_anchor_is_indeterminate_with_its_integrity_valid) {
  const auto v = verifyWithoutTrustAnchor("untrusted-intact.pdf", signedPdf);
  expectIntegrity(v, "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND", "passed", "passed", "valid");
}

BOOST_AUTO_TEST_CASE(a_flipped_byte_of_the_signature_value_is_sig_crypto_failure) {
  // A bit of the SignerInfo's signature OCTET STRING (RFC 5652 §5.3) turned
  // over: the structure, the signed attributes and the digest are intact.
  const CmsPtr cms = parsed();
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
  const ASN1_OCTET_STRING* value = CMS_SignerInfo_get0_signature(si);
  const std::string valueBytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                               static_cast<std::size_t>(ASN1_STRING_length(value)));
  const std::size_t at = der.rfind(valueBytes);
  BOOST_TEST_REQUIRE(at != std::string::npos, "the signature value is in the DER");
  const std::size_t middle = at + valueBytes.size() / 2;
  const auto v = verifyWithoutTrustAnchor("untrusted-value-flipped.pdf",
                                          cmsWith(middle, std::string(1, static_cast<char>(der[middle] ^ 0x01))));
  expectIntegrity(v, "TOTAL-FAILED", "SIG_CRYPTO_FAILURE", "passed", "failed", "invalid");
  pdfsigFor("untrusted-value-flipped.pdf");
}

BOOST_AUTO_TEST_CASE(a_changed_signed_byte_is_hash_failure) {
  // The header's version (ISO 32000-1 §7.5.2) is inside the first signed
  // range: same length, every offset unchanged, the PDF still reads.
  std::string pdf = signedPdf;
  BOOST_TEST_REQUIRE(pdf.compare(0, 7, "%PDF-1.") == 0, "a PDF header");
  pdf[7] = pdf[7] == '4' ? '5' : '4';
  const auto v = verifyWithoutTrustAnchor("untrusted-signed-byte.pdf", pdf);
  expectIntegrity(v, "TOTAL-FAILED", "HASH_FAILURE", "failed", "passed", "invalid");
  BOOST_TEST(checkStatus(v, 0, "byteRange") == "passed", "the structure is intact: " << dump(v));
}

BOOST_AUTO_TEST_CASE(signed_bytes_cut_from_the_file_are_hash_failure_not_format_failure) {
  // As DSS's pdf-signed-corrupted.pdf: ten bytes cut from the second signed
  // range.  The /ByteRange now reaches past the end of the file, but the
  // signature is well formed (its gap is exactly /Contents): the signed data
  // changed, so the digest decides.
  std::string pdf = signedPdf;
  const std::size_t at = sig.contentsClose + 1 + (pdf.size() - sig.contentsClose) / 2;
  pdf.erase(at, 10);
  const auto v = verifyWithoutTrustAnchor("untrusted-bytes-cut.pdf", pdf);
  expectIntegrity(v, "TOTAL-FAILED", "HASH_FAILURE", "failed", "passed", "invalid");
  BOOST_TEST(checkStatus(v, 0, "byteRange") == "failed",
             "the byteRange check says the range leaves the file: " << dump(v));
  BOOST_TEST(mentions(v, "goes beyond the end of the file"), dump(v));
  // The same with the trust anchor: trust changes nothing.
  const auto trusted = verify("trusted-bytes-cut.pdf", pdf);
  expectIntegrity(trusted, "TOTAL-FAILED", "HASH_FAILURE", "failed", "passed", "invalid");
}

BOOST_AUTO_TEST_CASE(a_swapped_certificate_with_the_signers_name_and_serial_is_sig_crypto_failure) {
  // An attacker's certificate with the signer's issuer, serial number and
  // subject (so the SignerInfo's sid names it) but its own key, signed by a
  // fake CA with the real CA's name; key sizes as the originals', so the
  // DER keeps its length.  The value does not verify with the certificate
  // in the signature, and the ESS signing-certificate-v2 reference (RFC
  // 5035) names the real one.
  const CmsPtr cms = parsed();
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> certs(
      CMS_get1_certs(cms.get()), [](STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); });
  X509* signer = nullptr;
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) {
    if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs.get(), i)) == 0) signer = sk_X509_value(certs.get(), i);
  }
  BOOST_TEST_REQUIRE(signer != nullptr, "the signer's certificate is in the CMS");
  const ASN1_BIT_STRING* caSignature = nullptr;
  X509_get0_signature(&caSignature, nullptr, signer);
  const auto signerBits = static_cast<unsigned>(EVP_PKEY_get_bits(X509_get0_pubkey(signer)));
  const auto caBits = static_cast<unsigned>(8 * ASN1_STRING_length(caSignature));
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(signerBits), EVP_PKEY_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> fakeCa(EVP_RSA_gen(caBits), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> forged(X509_dup(signer), X509_free);
  BOOST_TEST_REQUIRE((key && fakeCa && forged), "keys and a copy of the certificate");
  BOOST_TEST_REQUIRE(X509_set_pubkey(forged.get(), key.get()) == 1);
  BOOST_TEST_REQUIRE(X509_sign(forged.get(), fakeCa.get(), EVP_sha256()) > 0);
  const std::string original = derOf(signer);
  const std::string replacement = derOf(forged.get());
  BOOST_TEST_REQUIRE(original.size() == replacement.size(), "the forged certificate is as long as the original");
  const std::size_t at = der.find(original);
  BOOST_TEST_REQUIRE(at != std::string::npos, "the certificate is in the DER");
  const auto v = verifyWithoutTrustAnchor("untrusted-certificate-swapped.pdf", cmsWith(at, replacement));
  expectIntegrity(v, "TOTAL-FAILED", "SIG_CRYPTO_FAILURE", "passed", "failed", "invalid");
  BOOST_TEST(checkStatus(v, 0, "signingCertificateReference") == "failed",
             "the signed reference names another certificate: " << dump(v));
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------- signing policy (ETSI order) ---
// The certificate must be meant for signatures and the algorithms strong
// enough (ETSI TS 119 312) whatever else is right: a TLS server certificate
// from the same CA, and SHA-1 without a time-stamp from before its end,
// are never TOTAL-PASSED; the integrity is still reported valid.

BOOST_FIXTURE_TEST_SUITE(pades_signing_policy, PdfLab)

BOOST_AUTO_TEST_CASE(a_tls_server_certificate_is_not_meant_for_pdf_signatures) {
  // A TLS certificate from the demo issuing CA, as a PKCS#12 beside its PEM.
  issueTlsServerCertificate(dir.path());
  const std::string d = dir.path().string();
  const std::string pdf = withSignature(readText(contract), {}, "Podpis1", false, d + "/tls.p12");
  const auto v = verify("tls.pdf", pdf);
  BOOST_TEST(signatureField(v, 0, "indication") == "INDETERMINATE", dump(v));
  BOOST_TEST(subIndicationOf(v, 0) == "CHAIN_CONSTRAINTS_FAILURE", dump(v));
  BOOST_TEST(checkStatus(v, 0, "keyUsage") == "failed", dump(v));
  BOOST_TEST(signatureField(v, 0, "integrity") == "valid", dump(v));
}

BOOST_AUTO_TEST_CASE(a_sha1_pdf_signature_without_proof_of_existence_is_not_total_passed) {
  digest = "sha1";
  const std::string pdf = withSignature(readText(contract), {}, "Podpis1");
  const auto v = verify("sha1.pdf", pdf);
  BOOST_TEST(signatureField(v, 0, "indication") == "INDETERMINATE", dump(v));
  BOOST_TEST(subIndicationOf(v, 0) == "CRYPTO_CONSTRAINTS_FAILURE_NO_POE", dump(v));
  BOOST_TEST(checkStatus(v, 0, "cryptographicConstraints") == "failed", dump(v));
  BOOST_TEST(signatureField(v, 0, "integrity") == "valid", dump(v));
}

BOOST_AUTO_TEST_SUITE_END()

// --------------------------------- certificates given on the command line ---
// `verify --certificate` (VerifyOptions::extraCertificates): chain material
// a signature does not embed, never trusted.  A PDF signature by openssl cms
// without the issuing CA, or without any certificate.

BOOST_FIXTURE_TEST_SUITE(pades_certificates_given_by_the_user, PdfLab)

BOOST_AUTO_TEST_CASE(a_missing_issuing_ca_given_with_certificate_completes_the_chain) {
  embeddedCertificates = "signer";
  const std::string pdf = withSignature(readText(contract), {}, "Podpis1");
  const std::string root = (pki / "root-ca.pem").string();
  const auto without = runVerify("no-ca.pdf", pdf, {"--trust-anchor", root});
  BOOST_TEST(signatureField(without, 0, "indication") == "INDETERMINATE", dump(without));
  BOOST_TEST(subIndicationOf(without, 0) == "NO_CERTIFICATE_CHAIN_FOUND", dump(without));
  const auto with =
      runVerify("no-ca-given.pdf", pdf, {"--trust-anchor", root, "--certificate", (pki / "issuing-ca.pem").string()});
  BOOST_TEST(with.exitCode == 0, dump(with));
  BOOST_TEST(signatureField(with, 0, "indication") == "TOTAL-PASSED", dump(with));
  // Given, not trusted: without a trust anchor the chain is still not trusted.
  const auto untrusted = runVerify("no-ca-untrusted.pdf", pdf, {"--certificate", (pki / "issuing-ca.pem").string()});
  BOOST_TEST(subIndicationOf(untrusted, 0) == "NO_CERTIFICATE_CHAIN_FOUND", dump(untrusted));
}

BOOST_AUTO_TEST_CASE(a_signature_without_certificates_finds_its_signer_among_the_given_ones) {
  embeddedCertificates = "none";
  const std::string pdf = withSignature(readText(contract), {}, "Podpis1");
  const std::string root = (pki / "root-ca.pem").string();
  const auto without = runVerify("no-certs.pdf", pdf, {"--trust-anchor", root});
  BOOST_TEST(subIndicationOf(without, 0) == "NO_SIGNING_CERTIFICATE_FOUND", dump(without));
  const auto with = runVerify("no-certs-given.pdf", pdf,
                              {"--trust-anchor", root, "--certificate", (pki / "signer-rsa.pem").string(),
                               "--certificate", (pki / "issuing-ca.pem").string()});
  BOOST_TEST(with.exitCode == 0, dump(with));
  BOOST_TEST(signatureField(with, 0, "indication") == "TOTAL-PASSED", dump(with));
  BOOST_TEST(checkStatus(with, 0, "signatureValue") == "passed", dump(with));
  // A given certificate with another key is not taken for the signer.
  const auto wrong =
      runVerify("no-certs-wrong.pdf", pdf, {"--trust-anchor", root, "--certificate", (pki / "signer-ec.pem").string()});
  BOOST_TEST(subIndicationOf(wrong, 0) == "NO_SIGNING_CERTIFICATE_FOUND", dump(wrong));
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------ document time-stamps ---
// ETSI EN 319 142-1 §5.4: a document time-stamp (/SubFilter ETSI.RFC3161) is
// an RFC 3161 token over the byte ranges.  It is held to the RFC 3161 rules
// (§2.3 TSA certificate, §2.4.2 genTime); one that fails is TOTAL-FAILED and proves nothing.

namespace {

json checkOf(const json& checks, const std::string& id) {
  for (const auto& c : checks) {
    if (c["id"] == id) return c;
  }
  return json();
}

bool hasMessage(const json& signature, const std::string& code) {
  for (const auto& m : signature["messages"]) {
    if (m.is_object() && m["code"] == code) return true;
  }
  return false;
}

struct DocumentTimestamp : WithoutTrustAnchor {
  /// The signed contract with a document time-stamp of the demo TSA after it.
  std::string stamped = withSignature(signedPdf, {}, "Znacznik1", true);
  SignatureLayout ts = locateSignature(stamped);
  std::string token = unhex(stamped.substr(ts.contentsOpen + 1, ts.derDigits));
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pades_document_timestamps, DocumentTimestamp)

BOOST_AUTO_TEST_CASE(an_intact_document_timestamp_passes_every_rfc_3161_check) {
  const auto v = verify("doc-ts-intact.pdf", stamped);
  const json sigs = signaturesOf(v);
  BOOST_TEST_REQUIRE(sigs.size() == 2u, dump(v));
  BOOST_TEST(sigs[1]["level"] == "DocTimeStamp", dump(v));
  BOOST_TEST(sigs[1]["indication"] == "TOTAL-PASSED", dump(v));
  for (const char* id :
       {"messageDigest", "signatureValue", "extendedKeyUsage", "essCertificate", "certificateChain", "genTime"}) {
    BOOST_TEST(checkStatus(v, 1, id) == "passed", id << ": " << dump(v));
  }
  BOOST_TEST_REQUIRE(sigs[1]["timestamps"].size() == 1u, dump(v));
  const json& t = sigs[1]["timestamps"][0];
  BOOST_TEST(t["type"] == "document");
  BOOST_TEST(t["indication"] == "TOTAL-PASSED", dump(v));
  BOOST_TEST(checkOf(t["checks"], "imprint")["status"] == "passed", t.dump());
  BOOST_TEST(hasMessage(sigs[1], "document-timestamp"), dump(v));
  // The contract's signature (B-B: no signature time-stamp) becomes B-T by
  // the document time-stamp over it (ETSI EN 319 142-1 §5.3), not B-LTA:
  // the one time-stamp that gives it a time is not also an archive one.
  BOOST_TEST(sigs[0]["level"] == "B-T", dump(v));
}

BOOST_AUTO_TEST_CASE(a_document_timestamp_with_a_flipped_tsa_signature_is_total_failed_and_proves_nothing) {
  const auto* p = reinterpret_cast<const unsigned char*>(token.data());
  const CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(token.size())), CMS_ContentInfo_free);
  BOOST_TEST_REQUIRE(cms != nullptr, "the token is a CMS SignedData (RFC 3161 §2.4.2)");
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
  const ASN1_OCTET_STRING* value = CMS_SignerInfo_get0_signature(si);
  const std::string valueBytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                               static_cast<std::size_t>(ASN1_STRING_length(value)));
  const std::size_t at = token.rfind(valueBytes);
  BOOST_TEST_REQUIRE(at != std::string::npos);
  std::string forged = token;
  forged[at + valueBytes.size() / 2] = static_cast<char>(forged[at + valueBytes.size() / 2] ^ 0x01);
  std::string pdf = stamped;
  overwrite(pdf, ts.contentsOpen + 1, ts.contentsOpen + 1 + ts.derDigits, hexOf(forged));
  for (const bool trusted : {true, false}) {
    BOOST_TEST_CONTEXT((trusted ? "with" : "without") << " the trust anchor") {
      const auto v = trusted ? verify("doc-ts-value-flipped.pdf", pdf)
                             : verifyWithoutTrustAnchor("doc-ts-value-flipped-untrusted.pdf", pdf);
      const json sigs = signaturesOf(v);
      BOOST_TEST_REQUIRE(sigs.size() == 2u, dump(v));
      BOOST_TEST(v.exitCode == 1, dump(v));
      BOOST_TEST(sigs[1]["indication"] == "TOTAL-FAILED", dump(v));
      BOOST_TEST(sigs[1]["subIndication"] == "SIG_CRYPTO_FAILURE", dump(v));
      BOOST_TEST(checkStatus(v, 1, "messageDigest") == "passed", dump(v));
      BOOST_TEST(checkStatus(v, 1, "signatureValue") == "failed", dump(v));
      BOOST_TEST(sigs[1]["integrity"] == "invalid", dump(v));
      BOOST_TEST_REQUIRE(sigs[1]["timestamps"].size() == 1u, dump(v));
      const json& t = sigs[1]["timestamps"][0];
      BOOST_TEST(t["indication"] == "TOTAL-FAILED", t.dump());
      BOOST_TEST(checkOf(t["checks"], "signatureValue")["status"] == "failed", t.dump());
      BOOST_TEST(hasMessage(sigs[1], "document-timestamp-not-valid"), dump(v));
      BOOST_TEST(!hasMessage(sigs[1], "document-timestamp"), "no claim that it proves anything: " << dump(v));
      // The contract's signature is judged on its own: intact.
      BOOST_TEST(checkStatus(v, 0, "signatureValue") == "passed", dump(v));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_document_timestamp_over_changed_bytes_is_hash_failure) {
  // The new field's name, inside the time-stamped revision (after the
  // contract's signed bytes, before the time-stamp's /Contents).
  std::string pdf = stamped;
  const std::size_t at = pdf.find("Znacznik1", signedPdf.size());
  BOOST_TEST_REQUIRE((at != std::string::npos && at < ts.contentsOpen), "the field name is time-stamped");
  pdf[at + 8] = '2';
  const auto v = verifyWithoutTrustAnchor("doc-ts-changed.pdf", pdf);
  const json sigs = signaturesOf(v);
  BOOST_TEST_REQUIRE(sigs.size() == 2u, dump(v));
  BOOST_TEST(sigs[1]["indication"] == "TOTAL-FAILED", dump(v));
  BOOST_TEST(sigs[1]["subIndication"] == "HASH_FAILURE", dump(v));
  BOOST_TEST(checkStatus(v, 1, "messageDigest") == "failed", dump(v));
  BOOST_TEST(sigs[1]["timestamps"][0]["indication"] == "TOTAL-FAILED", dump(v));
}

BOOST_AUTO_TEST_CASE(a_document_timestamp_from_after_the_validation_time_is_total_failed) {
  // RFC 3161 §2.4.2 genTime, which may not be in the future: a
  // token dated after the validation time proves nothing.  In process, to
  // set the validation time an hour back.
  const std::filesystem::path file = dir / "doc-ts-future.pdf";
  writeFile(file, stamped);
  securedoc::FormatRegistry registry;
  securedoc::registerBuiltinFormats(registry);
  securedoc::VerifyOptions o;
  o.trustAnchors = securedoc::Certificate::loadFile(pki / "root-ca.pem");
  o.time = std::time(nullptr) - 3600;
  const auto r = securedoc::VerificationService(registry).verify(file, o);
  BOOST_TEST_REQUIRE(r.signatures.size() == 2u);
  const auto& t = r.signatures[1];
  BOOST_TEST(t.level == "DocTimeStamp");
  BOOST_TEST((t.indication == securedoc::Indication::TotalFailed));
  BOOST_TEST((t.subIndication == securedoc::SubIndication::SigConstraintsFailure));
  BOOST_TEST_REQUIRE(t.timestamps.size() == 1u);
  BOOST_TEST((t.timestamps[0].indication == securedoc::Indication::TotalFailed));
  const auto genTime =
      std::find_if(t.checks.begin(), t.checks.end(), [](const securedoc::Check& c) { return c.id == "genTime"; });
  BOOST_TEST_REQUIRE((genTime != t.checks.end()), "the genTime check is reported");
  BOOST_TEST((genTime->status == securedoc::Check::Status::Failed));
  BOOST_TEST(genTime->detail.code == "timestamp-gentime-future");
  BOOST_TEST((securedoc::integrityOf(t) == securedoc::Check::Status::Passed), "its bytes and value are intact");
}

BOOST_AUTO_TEST_SUITE_END()

// ETSI EN 319 142-1 §5.4: B-LTA is B-LT with a document time-stamp over it;
// one that failed proves nothing, so the signature stays B-LT.  pyHanko's
// B-LTA test file from the corpus (MIT), its time-stamp's TSA signature
// broken.
BOOST_FIXTURE_TEST_CASE(b_lta_needs_a_document_timestamp_that_did_not_fail, PdfLab) {
  const std::filesystem::path source = corpusDir() / "pades" / "pyhanko" / "pades-lta-dss-indirect-arrs-test.pdf";
  if (!std::filesystem::exists(source)) {
    BOOST_TEST_MESSAGE("no corpus at " << corpusDir() << ": skipped");
    return;
  }
  const std::string original = readText(source);
  const auto intact = verifyWithoutTrustAnchor("lta-intact.pdf", original);
  BOOST_TEST_REQUIRE(signaturesOf(intact).size() == 2u, dump(intact));
  BOOST_TEST(signatureField(intact, 0, "level") == "B-LTA", dump(intact));
  BOOST_TEST(signatureField(intact, 1, "level") == "DocTimeStamp", dump(intact));

  // pyHanko writes /Contents before /ByteRange: the gap of the last
  // /ByteRange is the time-stamp's value (ISO 32000-1 §12.8.1).
  const std::size_t br = original.rfind("/ByteRange");
  BOOST_TEST_REQUIRE(br != std::string::npos);
  std::istringstream numbers(original.substr(original.find('[', br) + 1, 64));
  std::uint64_t range[4] = {};
  numbers >> range[0] >> range[1] >> range[2] >> range[3];
  BOOST_TEST_REQUIRE((!numbers.fail() && original[range[1]] == '<'), "the gap is a hex string");
  const std::size_t hexFrom = range[1] + 1;
  // The DER's own length (30 82 LL LL) leaves out the zero padding.
  const std::string padded = unhex(original.substr(hexFrom, range[2] - 1 - hexFrom));
  BOOST_TEST_REQUIRE((padded.size() > 4 && static_cast<unsigned char>(padded[1]) == 0x82));
  const std::string token = padded.substr(0, 4 + (static_cast<std::size_t>(static_cast<unsigned char>(padded[2])) << 8 |
                                                  static_cast<unsigned char>(padded[3])));
  const auto* p = reinterpret_cast<const unsigned char*>(token.data());
  const CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(token.size())), CMS_ContentInfo_free);
  BOOST_TEST_REQUIRE(cms != nullptr, "the document time-stamp is a CMS SignedData");
  const ASN1_OCTET_STRING* value =
      CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0));
  const std::string valueBytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                               static_cast<std::size_t>(ASN1_STRING_length(value)));
  const std::size_t at = token.rfind(valueBytes);
  BOOST_TEST_REQUIRE(at != std::string::npos);
  const std::size_t digit = hexFrom + 2 * (at + valueBytes.size() / 2);
  std::string broken = original;
  broken[digit] = broken[digit] == '0' ? '1' : '0';
  const auto v = verifyWithoutTrustAnchor("lta-broken-doc-ts.pdf", broken);
  BOOST_TEST_REQUIRE(signaturesOf(v).size() == 2u, dump(v));
  BOOST_TEST(signatureField(v, 1, "indication") == "TOTAL-FAILED", dump(v));
  BOOST_TEST(subIndicationOf(v, 1) == "SIG_CRYPTO_FAILURE", dump(v));
  BOOST_TEST(signatureField(v, 0, "level") == "B-LT", "no B-LTA from a failed time-stamp: " << dump(v));
  BOOST_TEST(checkStatus(v, 0, "signatureValue") == "passed", dump(v));
}

// ------------------------------------------------- fuzzer findings ---
// tests/data/fuzz/: inputs libFuzzer (fuzz_pades) found crashing, kept so
// that they stay answered.

BOOST_AUTO_TEST_SUITE(pades_fuzzer_findings)

// PoDoFo parses an object when it is first used; a damaged one threw from
// the change analysis's walk and ended the program (std::terminate).
BOOST_AUTO_TEST_CASE(an_object_that_throws_when_first_read_gets_an_answer_not_a_crash) {
  const std::filesystem::path input =
      sourceDir() / "tests" / "data" / "fuzz" / "pades-object-throws-when-first-read.pdf";
  for (const char* command : {"verify", "inspect"}) {
    const auto r = run({"timeout", "120", cliPath().string(), command, input.string()});
    BOOST_TEST((r.exitCode >= 0 && r.exitCode <= 4),
               command << " answers with 0-4, not a crash: " << r.exitCode << " " << r.err);
  }
}

BOOST_AUTO_TEST_SUITE_END()
