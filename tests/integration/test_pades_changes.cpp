// Issue 13: what a PDF signature reports about the revisions appended after
// it.  The verifier gives every PAdES signature a modification level
// (none < lta-updates < form-filling < annotations < other) with coded
// modifications, judged on the roles objects had in the signed revision, and
// passes the signature only when its certification (DocMDP, ISO 32000-1
// §12.8.2.2 Table 254) allows that level: P=1 lta-updates, P=2 or no
// certification form-filling, P=3 annotations; "other" never.
//
// Attacks, each ONE valid incremental update of a PDF signed by
// securedoc-cli (case 8: two), each rendered by pdftoppm before and after so
// that it really changes what the page shows; none may be TOTAL-PASSED, and
// the verifier must answer with a report (exit 1 or 2), never exit 4 or crash:
//   - a content stream that calls itself /Type /Metadata; page trees
//     "whitelisted" by a later trailer's /Info; an object number the signed
//     page referenced but did not define, defined later;
//   - shadow attacks (Mainka, Mladenov, Rohlmann, Schwenk, "Shadow Attacks:
//     Hiding and Replacing Content in Signed PDFs", NDSS 2021): hide, replace
//     and hide-and-replace through /Contents references, an annotation's
//     appearance state, overlaying form fields, a Form XObject and a font;
//   - Sneaky Signature and Evil Annotation attacks (Mainka, Mladenov,
//     Rohlmann, Schwenk, "Breaking the Specification: PDF Certification",
//     IEEE S&P 2021) on plain and certified (P=1, 2, 3) documents;
//   - freed objects, object numbers reused for another role, and a change
//     that a later revision undoes byte for byte.
// Positive controls (TOTAL-PASSED with the demo root as trust anchor): later
// signatures by poppler's pdfsig, podofosign, our CLI and openssl; form
// filling; a document time-stamp and a /DSS; and the corpus's files with
// several signatures (no earlier signature judged "other").
// FieldMDP (ISO 32000-1 §12.8.2.4, Table 233): a /Lock (/All, /Include,
// /Exclude) or a FieldMDP /Reference of an approval signature; locked fields
// filled later are "locked-field-changed", free ones form filling.  DocMDP
// permissions: /Perms removed after a certification, or added after an
// approval signature, are "permissions-changed".
#include <boost/test/unit_test.hpp>

#include "pdf_edit.h"
#include "../../formats/src/pdf_diff.h"
#include "../../formats/src/pdf_objects.h"
#include "../../formats/src/pdf_visual.h"

#include <securedoc/crypto/digest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <vector>

using namespace securedoc::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// The contract's page content with the remuneration raised to 99 999,00 PLN.
std::string forgedAmount(const std::string& content) {
  std::string out = edit(content, R"(12 300,00)", "99 999,00");
  return edit(out, R"(12,300\.00)", "99,999.00");
}

/// A Form XObject of `width` x `height` drawing `ops` with the contract's fonts /F1 and /F2.
std::string form(int width, int height, const std::string& ops) {
  return stream("/Type /XObject /Subtype /Form /BBox [0 0 " + std::to_string(width) + " " + std::to_string(height) +
                    "] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >>",
                ops);
}

/// White over what is below, then `text` in black: the look of a forged line.
std::string whiteOutWith(const std::string& text, int width, int height) {
  return "1 g 0 0 " + std::to_string(width) + " " + std::to_string(height) + " re f BT 0 g /F1 12 Tf 6 " +
         std::to_string(height / 2 - 4) + " Td (" + text + ") Tj ET";
}

const std::map<int, std::string> kCertify{{1, "no-changes"}, {2, "form-filling"}, {3, "annotations"}};

/// What every attack must get: a report, not TOTAL-PASSED, no crash.
void expectNotPassed(const Verdict& v) {
  BOOST_TEST((v.exitCode == 1 || v.exitCode == 2),
             "exit status 1 or 2 (a report; not 0, not 4 \"cannot be read\", no crash): " << dump(v));
  BOOST_TEST(indicationOf(v) != "TOTAL-PASSED", "the document is not TOTAL-PASSED: " << dump(v));
  const json sigs = signaturesOf(v);
  BOOST_TEST_REQUIRE(!sigs.empty(), "the signature is still reported: " << dump(v));
  BOOST_TEST(sigs[0]["indication"] != "TOTAL-PASSED", "the signature is not TOTAL-PASSED");
}

void expectLevel(const json& sig, const std::string& level) {
  BOOST_TEST(modificationLevelOf(sig) == level,
             "modificationLevel is \"" << level << "\": " << sig.value("modificationLevel", json()));
}

/// A level that permission `p` (0: no certification) does not allow.
void expectLevelAbove(const json& sig, int p) {
  BOOST_TEST(levelRank(modificationLevelOf(sig)) > levelRank(allowedLevel(p)),
             "modificationLevel " << sig.value("modificationLevel", json()) << " is above \"" << allowedLevel(p)
                                  << "\", the most P=" << p << " allows");
}

void expectModification(const json& sig, const std::string& code, const std::map<std::string, std::string>& args = {}) {
  std::string wanted = code;
  for (const auto& [k, val] : args) wanted += " " + k + "=" + val;
  BOOST_TEST(hasModification(sig, code, args),
             "a modification " << wanted << " is listed: " << sig.value("modifications", json()));
}

/// Every signature TOTAL-PASSED, exit 0.
json expectTotalPassed(const Verdict& v, std::size_t count) {
  BOOST_TEST(v.exitCode == 0, "exit status 0: " << dump(v));
  BOOST_TEST(indicationOf(v) == "TOTAL-PASSED", "the document is TOTAL-PASSED: " << dump(v));
  const json sigs = signaturesOf(v);
  BOOST_TEST_REQUIRE(sigs.size() == count, count << " signatures are reported: " << dump(v));
  for (const auto& s : sigs) BOOST_TEST(s["indication"] == "TOTAL-PASSED", s["id"] << " is TOTAL-PASSED");
  return sigs;
}

struct Changes : SignedContract {
  Structure s = structureOf(signedPdf);

  /// The contract certified with DocMDP permission `p` (0: signed only).
  std::string certified(int p) const {
    if (p == 0) return signedPdf;
    return signFile(contract, "certified-p" + std::to_string(p) + ".pdf", {"--certify", kCertify.at(p)});
  }

  /// Writes `input` to a file and signs it with the CLI (with `extra` options).
  std::string signBytes(const std::string& input, const std::string& name,
                        const std::vector<std::string>& extra = {}) const {
    writeFile(dir / ("unsigned-" + name), input);
    return signFile(dir / ("unsigned-" + name), name, extra);
  }

  /// An attack on `original`: it looks different, and its first signature is
  /// reported and not TOTAL-PASSED.
  json attack(const std::string& name, const std::string& original, const std::string& attacked) const {
    expectLooksDifferent(original, attacked, name);
    const Verdict v = verify(name, attacked);
    expectNotPassed(v);
    const json sigs = signaturesOf(v);
    return sigs.empty() ? json::object() : sigs[0];
  }

  /// A positive control: `bytes`, written as `name`, passes qpdf --check,
  /// pdfsig lists its `count` signatures, and every one is TOTAL-PASSED.
  json control(const std::string& name, const std::string& bytes, std::size_t count,
               const std::vector<fs::path>& anchors = {}) const {
    writeFile(dir / name, bytes);
    expectQpdfCheckPasses(name);
    expectPdfsigLists(name, count);
    return expectTotalPassed(verify(name, bytes, anchors), count);
  }

  /// A second signature by another program (the file `name`) on top of
  /// ours: both pass, and the first reports the new signature field as form filling.
  void expectSecondSignatureAllowed(const std::string& name, const std::vector<fs::path>& anchors = {}) const {
    const json sigs = control(name, readText(dir / name), 2, anchors);
    expectLevel(sigs[0], "form-filling");
    expectModification(sigs[0], "signature-field-added");
    expectLevel(sigs[1], "none");
  }

  /// A new, forged first page (the amount raised) in place of page 1, under `parent`: {content, page}.
  std::map<int, std::string> forgedFirstPage(int content, int page, int parent) const {
    std::string body = edit(latestBody(signedPdf, s.page), R"(/Contents\s*\d+\s+0\s+R)", "/Contents " + ref(content));
    body = edit(body, R"(/Parent\s*\d+\s+0\s+R)", "/Parent " + ref(parent));
    return {{content, stream("", forgedAmount(streamData(latestBody(signedPdf, s.content))))}, {page, body}};
  }

  /// A page tree whose first kid is `page`, then the signed second page.
  std::string pagesWith(int page) const {
    const int second = refsIn(latestBody(signedPdf, s.pages), "/Kids").at(1);
    return "<< /Type /Pages /Kids [" + ref(page) + " " + ref(second) + "] /Count 2 >>";
  }
};

}  // namespace

// ---------------------------------------------------- roles and references ---

BOOST_FIXTURE_TEST_SUITE(pades_changes_roles_and_references, Changes)

BOOST_AUTO_TEST_CASE(a_page_content_stream_that_calls_itself_metadata_is_not_total_passed) {
  // What an object says about itself gives it no role: the signed revision
  // drew it as page 1's contents, whatever its new dictionary claims.
  const std::string forged =
      stream("/Type /Metadata /Subtype /XML", forgedAmount(streamData(latestBody(signedPdf, s.content))));
  const json sig = attack("content-as-metadata.pdf", signedPdf, withUpdate(signedPdf, {{s.content, forged}}));
  expectLevel(sig, "other");
  expectModification(sig, "object-changed", {{"object", std::to_string(s.content)}});
}

BOOST_AUTO_TEST_CASE(a_page_tree_whitelisted_by_a_later_trailers_info_is_not_total_passed) {
  // A later trailer's /Info that names a signed structure must not make a
  // change to it a "document information" change.
  const int content = s.next, page = s.next + 1, pages = s.next + 2, root = s.next + 3;
  BOOST_TEST_CONTEXT("/Info names the signed page tree, whose first page is now a forged copy") {
    Update u{.objects = forgedFirstPage(content, page, s.pages), .info = s.pages};
    u.objects[s.pages] = withEntries(pagesWith(page), "/Producer (Some Editor 9.1)");
    const json sig = attack("pages-as-info.pdf", signedPdf, withUpdate(signedPdf, u));
    expectLevel(sig, "other");
  }
  // A new page tree with the forged page; the catalog numbered `catalog`
  // points at it, and the trailer names `info` (and `newRoot`, when not 0).
  auto redirected = [&](int catalog, int info, int newRoot) {
    Update u{.objects = forgedFirstPage(content, page, pages), .root = newRoot, .info = info};
    u.objects[pages] = pagesWith(page);
    u.objects[catalog] = edit(latestBody(signedPdf, s.root), R"(/Pages\s*\d+\s+0\s+R)", "/Pages " + ref(pages));
    return withUpdate(signedPdf, u);
  };
  BOOST_TEST_CONTEXT("a new page tree that /Info names, and the catalog's /Pages redirected to it") {
    const json sig = attack("new-pages-as-info.pdf", signedPdf, redirected(s.root, pages, 0));
    expectLevel(sig, "other");
    expectModification(sig, "catalog-changed");
  }
  BOOST_TEST_CONTEXT("/Info names the signed catalog, whose /Pages is redirected to a new page tree") {
    const json sig = attack("catalog-as-info.pdf", signedPdf, redirected(s.root, s.root, 0));
    expectLevel(sig, "other");
    expectModification(sig, "catalog-changed");
  }
  BOOST_TEST_CONTEXT("a new catalog (new /Root) with the new page tree, which /Info names") {
    const json sig = attack("new-root-pages-as-info.pdf", signedPdf, redirected(root, pages, root));
    expectLevel(sig, "other");
  }
}

BOOST_AUTO_TEST_CASE(an_object_number_the_signed_page_referenced_before_it_existed_is_not_total_passed) {
  // Shadow hide-and-replace through a dangling reference: page 1 is signed
  // with /Contents [8 0 R 60 0 R] while no object 60 exists (a null, so
  // nothing is drawn); defining object 60 later draws whatever it holds.
  const int dangling = 60;
  const std::string original = readText(contract);
  const Structure c = structureOf(original);
  BOOST_TEST_REQUIRE(dangling > c.next + 20, "object " << dangling << " is well past what signing will use");
  const std::string page =
      edit(latestBody(original, c.page), R"(/Contents\s*(\d+\s+0\s+R))", "/Contents [$1 " + ref(dangling) + "]");
  const std::string prepared = signBytes(withUpdate(original, {{c.page, page}}), "dangling-signed.pdf");
  const Verdict base = verify("dangling-signed.pdf", prepared);
  BOOST_TEST_REQUIRE(indicationOf(base) == "TOTAL-PASSED", "the prepared contract signs and verifies: " << dump(base));
  BOOST_TEST(latestBody(prepared, structureOf(prepared).page).find(ref(dangling)) != std::string::npos,
             "the signed page still refers to object " << dangling);

  const std::string drawn = stream("",
                                   "1 g 50 100 500 40 re f BT 0 g /F2 14 Tf 56 114 Td "
                                   "(Aneks / Annex: wynagrodzenie 99 999,00 PLN) Tj ET");
  const json sig = attack("dangling-defined.pdf", prepared, withUpdate(prepared, {{dangling, drawn}}));
  expectLevel(sig, "other");
  expectModification(sig, "signed-object-defined-later", {{"object", std::to_string(dangling)}});
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------ shadow ---

namespace {

/// The contract as a shadow attacker prepares it before it is signed.
/// Page 1 draws an indirect /Contents array [C H O D] (C: its content): H draws two forged
/// lines, O paints white over the first, D draws Form XObject X (the real
/// amount); a white Square annotation covers H's second line; a Stamp shows
/// its empty /Off appearance while its /On appearance says VOID; U is a
/// signed, unused forged copy of the page content.
struct ShadowContract {
  int content = 0, contents = 0, hidden = 0, overlay = 0, unused = 0, xobject = 0, draw = 0, square = 0, stamp = 0;
  std::string prepared;

  explicit ShadowContract(const std::string& contract) {
    const Structure s = structureOf(contract);
    content = s.content;
    contents = s.next;
    hidden = s.next + 1;
    overlay = s.next + 2;
    unused = s.next + 3;
    xobject = s.next + 4;
    draw = s.next + 5;
    square = s.next + 6;
    stamp = s.next + 8;
    std::string page = edit(latestBody(contract, s.page), R"(/Contents\s*\d+\s+0\s+R)", "/Contents " + ref(contents));
    page = edit(page, R"(/Resources\s*<<)", "/Resources << /XObject << /Amount " + ref(xobject) + " >>");
    page = withEntries(page, "/Annots [" + ref(square) + " " + ref(stamp) + "]");
    prepared = withUpdate(
        contract,
        {
            {s.page, page},
            {contents, "[" + ref(s.content) + " " + ref(hidden) + " " + ref(overlay) + " " + ref(draw) + "]"},
            {hidden, stream("",
                            "BT /F2 14 Tf 56 200 Td (Do zaplaty / Amount due: 99 999,00 PLN) Tj ET "
                            "BT /F2 14 Tf 56 250 Td (Termin / Due: 3 dni / days) Tj ET")},
            {overlay, stream("", "q 1 g 50 190 500 30 re f Q")},
            {unused, stream("", forgedAmount(streamData(latestBody(contract, s.content))))},
            {xobject, form(483, 40, "BT /F2 14 Tf 0 12 Td (Do zaplaty / Amount due: 12 300,00 PLN) Tj ET")},
            {draw, stream("", "q 0 g 1 0 0 1 56 300 cm /Amount Do Q")},
            {square, "<< /Type /Annot /Subtype /Square /Rect [50 240 545 270] /F 4 /P " + ref(s.page) +
                         " /C [1 1 1] /IC [1 1 1] /AP << /N " + ref(square + 1) + " >> >>"},
            {square + 1, form(495, 30, "1 g 0 0 495 30 re f")},
            {stamp, "<< /Type /Annot /Subtype /Stamp /Rect [300 330 545 370] /F 4 /P " + ref(s.page) +
                        " /AP << /N << /Off " + ref(stamp + 1) + " /On " + ref(stamp + 2) + " >> >> /AS /Off >>"},
            {stamp + 1, form(245, 40, "")},
            {stamp + 2, form(245, 40, "BT 1 0 0 rg /F2 18 Tf 6 12 Td (ANULOWANA / VOID) Tj ET")},
        });
  }

  std::string contentsArray(const std::vector<int>& parts) const {
    std::string a = "[";
    for (int p : parts) a += ref(p) + " ";
    return a + "]";
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pades_changes_shadow_attacks, Changes)

BOOST_AUTO_TEST_CASE(shadow_attacks_through_references_and_appearance_states_are_not_total_passed) {
  const ShadowContract shadow(readText(contract));
  const std::string prepared = signBytes(shadow.prepared, "shadow-signed.pdf");
  const Verdict base = verify("shadow-signed.pdf", prepared);
  BOOST_TEST_REQUIRE(indicationOf(base) == "TOTAL-PASSED", "the prepared contract signs and verifies: " << dump(base));
  const Structure p = structureOf(prepared);

  BOOST_TEST_CONTEXT("hide: the white overlay dropped from the /Contents array") {
    const json sig = attack(
        "shadow-hide-overlay.pdf", prepared,
        withUpdate(prepared, {{shadow.contents, shadow.contentsArray({shadow.content, shadow.hidden, shadow.draw})}}));
    expectLevel(sig, "other");
  }
  BOOST_TEST_CONTEXT("hide: the white Square annotation over the second line removed") {
    const std::string page = edit(latestBody(prepared, p.page), ref(shadow.square) + R"(\s*)", "");
    const json sig = attack("shadow-hide-annotation.pdf", prepared, withUpdate(prepared, {{p.page, page}}));
    expectLevelAbove(sig, 0);
    expectModification(sig, "annotation-removed");
  }
  BOOST_TEST_CONTEXT("replace: the page content reference swapped for the signed, unused forged copy") {
    const json sig = attack(
        "shadow-replace-reference.pdf", prepared,
        withUpdate(prepared, {{shadow.contents,
                               shadow.contentsArray({shadow.unused, shadow.hidden, shadow.overlay, shadow.draw})}}));
    expectLevel(sig, "other");
  }
  BOOST_TEST_CONTEXT("hide-and-replace: the reference swapped and the overlay dropped") {
    const json sig = attack(
        "shadow-hide-and-replace.pdf", prepared,
        withUpdate(prepared, {{shadow.contents, shadow.contentsArray({shadow.unused, shadow.hidden, shadow.draw})}}));
    expectLevel(sig, "other");
  }
  BOOST_TEST_CONTEXT("changed usage: the Stamp shows its signed /On appearance instead of /Off") {
    const std::string stamp = edit(latestBody(prepared, shadow.stamp), R"(/AS\s*/Off)", "/AS /On");
    const json sig = attack("shadow-appearance-state.pdf", prepared, withUpdate(prepared, {{shadow.stamp, stamp}}));
    expectLevelAbove(sig, 0);
    expectModification(sig, "annotation-changed");
  }
  BOOST_TEST_CONTEXT("replace: the drawn Form XObject overwritten") {
    const std::string forged = form(483, 40, "BT /F2 14 Tf 0 12 Td (Do zaplaty / Amount due: 99 999,00 PLN) Tj ET");
    const json sig = attack("shadow-overwrite-xobject.pdf", prepared, withUpdate(prepared, {{shadow.xobject, forged}}));
    expectLevel(sig, "other");
    expectModification(sig, "object-changed", {{"object", std::to_string(shadow.xobject)}});
  }
}

BOOST_AUTO_TEST_CASE(a_font_encoding_overwritten_to_show_other_digits_is_not_total_passed) {
  // Replace via overwrite: the signed encoding object of /F1 and /F2 now maps
  // the codes of 0, 1, 2 and 3 to the glyph "nine": 12 300,00 reads 99 999,99.
  const int encoding = refAfter(latestBody(signedPdf, refAfter(latestBody(signedPdf, s.page), "/F1")), "/Encoding");
  const std::string nines =
      edit(latestBody(signedPdf, encoding), R"(/Differences\s*\[)", "/Differences [48 /nine /nine /nine /nine ");
  const json sig = attack("shadow-overwrite-font.pdf", signedPdf, withUpdate(signedPdf, {{encoding, nines}}));
  expectLevel(sig, "other");
  expectModification(sig, "object-changed", {{"object", std::to_string(encoding)}});
}

BOOST_AUTO_TEST_CASE(an_overlaying_form_field_changed_beyond_what_is_allowed_is_not_total_passed) {
  // Replace via overlay: a text field over the page.  Filling it is form
  // filling, which a no-changes certification (P=1) forbids; moving it over
  // the signed text is no form filling at all.
  const TextFieldForm field(readText(contract), "Uwagi");
  BOOST_TEST_CONTEXT("filled after a no-changes (P=1) certification") {
    const std::string prepared = signBytes(field.prepared, "field-p1.pdf", {"--certify", "no-changes"});
    const json sig = attack("shadow-field-fill-p1.pdf", prepared,
                            withUpdate(prepared, field.fill("ANULOWANA / VOID", nextObject(prepared))));
    expectLevelAbove(sig, 1);
    expectModification(sig, "form-field-filled", {{"field", "Uwagi"}});
  }
  BOOST_TEST_CONTEXT("moved over the remuneration and filled, no certification") {
    const std::string prepared = signBytes(field.prepared, "field.pdf");
    const int appearance = nextObject(prepared);
    std::map<int, std::string> objects = field.fill("Wynagrodzenie wynosi 99 999,00 PLN brutto", appearance);
    objects[field.widget] = edit(objects[field.widget], R"(/Rect\s*\[[^\]]*\])", "/Rect [56 505 539 535]");
    objects[appearance] = form(483, 30, whiteOutWith("Wynagrodzenie wynosi 99 999,00 PLN brutto", 483, 30));
    const json sig = attack("shadow-field-moved.pdf", prepared, withUpdate(prepared, objects));
    expectLevelAbove(sig, 0);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------ certification ---

BOOST_FIXTURE_TEST_SUITE(pades_changes_certification_attacks, Changes)

BOOST_AUTO_TEST_CASE(an_unsigned_visible_signature_widget_is_never_total_passed) {
  // Sneaky Signature Attack: a signature field without /V whose widget
  // draws over the signed text; on a plain signed document and after each
  // certification.  At P=1 any new signature field is forbidden.
  for (const int p : {0, 1, 2, 3}) {
    BOOST_TEST_CONTEXT((p == 0 ? std::string("signed, not certified") : "certified with P=" + std::to_string(p))) {
      const std::string original = certified(p);
      Update u;
      const int widget = nextObject(original), appearance = widget + 1;
      addFieldWidget(original, u, widget);
      u.objects[widget] = "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Podpis2) /Rect [50 500 545 540] /F 4 /P " +
                          ref(structureOf(original).page) + " /AP << /N " + ref(appearance) + " >> >>";
      u.objects[appearance] = form(495, 40, whiteOutWith("Wynagrodzenie wynosi 99 999,00 PLN brutto", 495, 40));
      const json sig = attack("sneaky-p" + std::to_string(p) + ".pdf", original, withUpdate(original, u));
      // P=3 allows the level "annotations", yet a visible signature widget
      // without a signature imitates one and is never accepted.
      if (p != 3) expectLevelAbove(sig, p);
      if (p != 1) expectModification(sig, "unsigned-signature-widget");
    }
  }
}

BOOST_AUTO_TEST_CASE(an_annotation_over_the_text_is_allowed_only_by_an_annotations_certification) {
  // Evil Annotation Attack: FreeText, Stamp and Square annotations whose
  // appearance paints over the remuneration line with another amount.
  for (const int p : {1, 2, 3}) {
    const std::string original = certified(p);
    for (const std::string subtype : {"FreeText", "Stamp", "Square"}) {
      BOOST_TEST_CONTEXT("P=" << p << ", a " << subtype << " annotation") {
        Update u;
        const int annot = nextObject(original), appearance = annot + 1;
        addAnnotation(original, u, annot);
        u.objects[annot] = "<< /Type /Annot /Subtype /" + subtype + " /Rect [50 500 545 540] /F 4 /P " +
                           ref(structureOf(original).page) +
                           " /Contents (Wynagrodzenie wynosi 99 999,00 PLN brutto) /DA (/Helv 12 Tf 0 g) /C [1 1 1] "
                           "/AP << /N " +
                           ref(appearance) + " >> >>";
        u.objects[appearance] = form(495, 40, whiteOutWith("Wynagrodzenie wynosi 99 999,00 PLN brutto", 495, 40));
        const std::string name = "evil-" + subtype + "-p" + std::to_string(p) + ".pdf";
        const std::string attacked = withUpdate(original, u);
        expectLooksDifferent(original, attacked, name);
        const Verdict v = verify(name, attacked);
        BOOST_TEST((finished(v) || v.exitCode == 0), "the verifier finishes with a report: " << dump(v));
        BOOST_TEST_REQUIRE(!signaturesOf(v).empty(), "the signature is reported: " << dump(v));
        const json sig = signaturesOf(v)[0];
        if (p == 3) {
          // Allowed structurally: the annotation is an "annotations" change.
          // Whether the verdict is TOTAL-PASSED is the analysis's call (it
          // may also judge what the annotation covers), so it is only logged.
          const auto added = modificationsOf(sig, "annotation-added");
          BOOST_TEST(hasModification(sig, "annotation-added", {{"subtype", subtype}}),
                     "the " << subtype << " annotation is named: " << sig.value("modifications", json()));
          BOOST_TEST(std::all_of(added.begin(), added.end(), [](const json& m) { return m["level"] == "annotations"; }),
                     "adding it is an \"annotations\" change: " << sig.value("modifications", json()));
          BOOST_TEST(levelRank(modificationLevelOf(sig)) >= levelRank("annotations"),
                     "modificationLevel is at least \"annotations\": " << sig.value("modificationLevel", json()));
          BOOST_TEST_MESSAGE("P=3 " << subtype << ": the verdict is " << indicationOf(v) << " (exit " << v.exitCode
                                    << ")");
        } else {
          expectNotPassed(v);
          expectLevelAbove(sig, p);
          expectModification(sig, "annotation-added", {{"subtype", subtype}});
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------ deletion, reuse, undoing ---

BOOST_FIXTURE_TEST_SUITE(pades_changes_deletion_and_reuse, Changes)

BOOST_AUTO_TEST_CASE(objects_freed_after_signing_are_not_total_passed) {
  // The update's cross-reference marks a signed object free: a reader that
  // follows it takes the object as null (qpdf: page 1 is blank).  poppler
  // meets the free entry, rebuilds the cross-reference by scanning the file
  // and takes the LAST "n 0 obj" it finds: the update also carries such a
  // definition that no entry lists, so poppler shows a forged object.
  // Readers disagree, and the signed object is gone either way.
  const std::string forged = stream("", forgedAmount(streamData(latestBody(signedPdf, s.content))));
  BOOST_TEST_CONTEXT("page 1's content stream freed") {
    const Update u{.freed = {s.content}, .unlisted = std::to_string(s.content) + " 0 obj\n" + forged + "\nendobj\n"};
    const json sig = attack("freed-content.pdf", signedPdf, withUpdate(signedPdf, u));
    expectLevel(sig, "other");
    expectModification(sig, "object-removed", {{"object", std::to_string(s.content)}});
  }
  BOOST_TEST_CONTEXT("page 2 freed") {
    const int second = refsIn(latestBody(signedPdf, s.pages), "/Kids").at(1);
    const std::string page =
        edit(latestBody(signedPdf, second), R"(/Contents\s*\d+\s+0\s+R)", "/Contents " + ref(s.content));
    const Update u{.freed = {second}, .unlisted = std::to_string(second) + " 0 obj\n" + page + "\nendobj\n"};
    const json sig = attack("freed-page.pdf", signedPdf, withUpdate(signedPdf, u));
    expectLevel(sig, "other");
    expectModification(sig, "object-removed", {{"object", std::to_string(second)}});
  }
}

BOOST_AUTO_TEST_CASE(a_content_stream_number_reused_for_another_role_is_not_total_passed) {
  // The same object number now claims to be an XObject, an embedded file or
  // an image; a viewer still runs it as page 1's contents.
  const std::string forged = forgedAmount(streamData(latestBody(signedPdf, s.content)));
  const std::vector<std::string> roles{
      "/Type /XObject /Subtype /Form /BBox [0 0 595 842]",
      "/Type /EmbeddedFile /Subtype /text#2Fplain",
      "/Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8",
  };
  int i = 0;
  for (const auto& role : roles) {
    BOOST_TEST_CONTEXT(role) {
      const json sig = attack("reused-" + std::to_string(++i) + ".pdf", signedPdf,
                              withUpdate(signedPdf, {{s.content, stream(role, forged)}}));
      expectLevel(sig, "other");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_change_undone_by_a_later_revision_is_still_not_total_passed) {
  // Revision 2 shows a forged amount (and may have been printed, sent or
  // signed by someone else meanwhile); revision 3 restores the content byte
  // for byte.  The signature covers neither, and revision 2 was a change.
  const std::string original = latestBody(signedPdf, s.content);
  const std::string changed = withUpdate(signedPdf, {{s.content, stream("", forgedAmount(streamData(original)))}});
  const std::string restored = withUpdate(changed, {{s.content, original}});
  expectLooksDifferent(signedPdf, changed, "revision 2");
  BOOST_TEST(rendered("signed.pdf", signedPdf) == rendered("restored.pdf", restored),
             "revision 3 looks exactly like the signed revision");
  BOOST_TEST(latestBody(restored, s.content) == original, "revision 3 holds the signed content byte for byte");
  const Verdict v = verify("changed-then-restored.pdf", restored);
  expectNotPassed(v);
  if (!signaturesOf(v).empty()) expectLevel(signaturesOf(v)[0], "other");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------- allowed changes ---

BOOST_FIXTURE_TEST_SUITE(pades_changes_allowed, Changes)

BOOST_AUTO_TEST_CASE(a_second_signature_by_pdfsig_leaves_both_total_passed) {
  requireTool("pdfsig", "the Debian package poppler-utils");
  requireTool("certutil", "the Debian package libnss3-tools");
  requireTool("pk12util", "the Debian package libnss3-tools");
  // poppler signs only through NSS: a database with the demo signer's key
  // (pk12util names it after its CN) and the demo root.
  const std::string db = "sql:" + (dir / "nssdb").string();
  fs::create_directory(dir / "nssdb");
  for (const auto& step : std::vector<std::vector<std::string>>{
           {"certutil", "-N", "--empty-password", "-d", db},
           {"pk12util", "-i", (pki / "signer-rsa.p12").string(), "-d", db, "-w", (pki / "password.txt").string()},
           {"certutil", "-A", "-n", "root", "-t", "CT,C,C", "-i", (pki / "root-ca.pem").string(), "-d", db},
           {"pdfsig", "-nssdir", db, "-add-signature", "-nick", "Jan Kowalski", "-reason", "Zatwierdzam",
            (dir / "signed.pdf").string(), (dir / "signed-pdfsig.pdf").string()}}) {
    const auto r = run(step);
    BOOST_TEST_REQUIRE(r.exitCode == 0, step[0] << " " << step[1] << " exits 0: " << r.out << r.err);
  }
  expectSecondSignatureAllowed("signed-pdfsig.pdf");
}

BOOST_AUTO_TEST_CASE(a_second_signature_by_podofosign_leaves_both_total_passed) {
  requireTool("podofosign", "the Debian package libpodofo-utils");
  requireTool("openssl", "the Debian package openssl");
  const fs::path key = dir / "signer-rsa.key.pem";
  auto r = run({"openssl", "pkey", "-in", (pki / "signer-rsa.p12").string(), "-passin",
                "file:" + (pki / "password.txt").string(), "-out", key.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "openssl pkey takes the key out of signer-rsa.p12: " << r.err);
  r = run({"podofosign", "-in", (dir / "signed.pdf").string(), "-out", (dir / "signed-podofo.pdf").string(), "-cert",
           (pki / "signer-rsa.pem").string(), "-pkey", key.string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "podofosign exits 0: " << r.out << r.err);
  // podofosign leaves out the issuing CA: it is given as a trust anchor too.
  expectSecondSignatureAllowed("signed-podofo.pdf", {pki / "issuing-ca.pem"});
}

BOOST_AUTO_TEST_CASE(a_second_signature_by_our_cli_is_form_filling_for_the_first) {
  signFile(dir / "signed.pdf", "signed-twice.pdf", {}, "signer-ec.p12");
  expectSecondSignatureAllowed("signed-twice.pdf");
}

BOOST_AUTO_TEST_CASE(filling_a_text_field_is_total_passed_alone_and_with_a_new_signature) {
  const TextFieldForm field(readText(contract), "Kwota");
  for (const int p : {0, 2}) {
    BOOST_TEST_CONTEXT((p == 0 ? std::string("not certified") : "certified with P=2")) {
      const std::string suffix = "-p" + std::to_string(p) + ".pdf";
      const std::string prepared =
          signBytes(field.prepared, "form" + suffix,
                    p == 0 ? std::vector<std::string>{} : std::vector<std::string>{"--certify", "form-filling"});
      const auto fill = field.fill("12 300,00 PLN", nextObject(prepared));

      json sigs = control("filled" + suffix, withUpdate(prepared, fill), 1);
      expectLevel(sigs[0], "form-filling");
      expectModification(sigs[0], "form-field-filled", {{"field", "Kwota"}});

      // The fill and a second signature (openssl, adbe.pkcs7.detached) in one update.
      sigs = control("filled-signed" + suffix, withSignature(prepared, Update{.objects = fill}, "Podpis2"), 2);
      expectLevel(sigs[0], "form-filling");
      expectModification(sigs[0], "form-field-filled", {{"field", "Kwota"}});
      expectModification(sigs[0], "signature-field-added", {{"field", "Podpis2"}});
      expectLevel(sigs[1], "none");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_document_timestamp_and_a_dss_are_lta_updates) {
  // ETSI EN 319 142-1 §5.4: validation data (/DSS) and document time-stamps
  // may follow any signature, also a no-changes (P=1) certification.
  for (const int p : {0, 1}) {
    BOOST_TEST_CONTEXT((p == 0 ? std::string("not certified") : "certified with P=1")) {
      const std::string original = certified(p);
      const std::string suffix = "-p" + std::to_string(p) + ".pdf";
      // A /DSS with the issuing and root CA certificates (DER streams).
      auto withDss = [&](const std::string& pdf) {
        const Structure t = structureOf(pdf);
        const int dss = t.next;
        std::map<int, std::string> objects{{t.root, withEntries(latestBody(pdf, t.root), "/DSS " + ref(dss))},
                                           {dss, "<< /Certs [" + ref(dss + 1) + " " + ref(dss + 2) + "] >>"}};
        int n = dss + 1;
        for (const char* ca : {"issuing-ca.pem", "root-ca.pem"}) {
          const auto der = run({"openssl", "x509", "-in", (pki / ca).string(), "-outform", "DER"});
          BOOST_TEST_REQUIRE(der.exitCode == 0, "openssl x509 converts " << ca << ": " << der.err);
          objects[n++] = stream("", der.out);
        }
        return withUpdate(pdf, objects);
      };

      json sigs = control("dss" + suffix, withDss(original), 1);
      expectLevel(sigs[0], "lta-updates");
      expectModification(sigs[0], "dss-added");

      const std::string stamped = withSignature(original, {}, "Znacznik1", true);
      sigs = control("timestamp" + suffix, stamped, 2);
      expectLevel(sigs[0], "lta-updates");
      expectModification(sigs[0], "document-timestamp-added");

      sigs = control("timestamp-dss" + suffix, withDss(stamped), 2);
      expectLevel(sigs[0], "lta-updates");
      expectModification(sigs[0], "dss-added");
      expectLevel(sigs[1], "lta-updates");
      expectModification(sigs[1], "dss-added");
    }
  }
}

BOOST_AUTO_TEST_CASE(earlier_signatures_in_corpus_files_report_the_later_changes_and_none_is_other) {
  // test_corpus checks every file's verdict; this adds only the level of
  // the signatures that later revisions follow (intact files with several
  // signatures: the broken ones were edited after signing on purpose).
  std::ifstream manifest(corpusDir() / "MANIFEST.tsv");
  BOOST_TEST_REQUIRE(manifest.good(), "the corpus has a MANIFEST.tsv");
  std::map<std::string, std::size_t> column;
  std::size_t checked = 0;
  for (std::string line; std::getline(manifest, line);) {
    std::vector<std::string> cells;
    std::size_t from = 0;
    for (std::size_t tab; (tab = line.find('\t', from)) != std::string::npos; from = tab + 1) {
      cells.push_back(line.substr(from, tab - from));
    }
    cells.push_back(line.substr(from));
    if (column.empty()) {
      for (std::size_t i = 0; i < cells.size(); ++i) column[cells[i]] = i;
      continue;
    }
    auto cell = [&](const char* name) {
      return column.count(name) && column[name] < cells.size() ? cells[column[name]] : std::string();
    };
    if (cell("format") != "pades" || cell("expected_integrity") != "intact" ||
        std::atoi(cell("signatures").c_str()) < 2)
      continue;
    BOOST_TEST_CONTEXT(cell("file")) {
      const auto r = run({"timeout", "120", cliPath().string(), "verify", "--json", "--offline",
                          (corpusDir() / cell("file")).string()});
      BOOST_TEST((r.exitCode == 0 || r.exitCode == 1 || r.exitCode == 2),
                 "a report, exit 0, 1 or 2: " << r.exitCode << r.err);
      Verdict v{r.exitCode, json::parse(r.out, nullptr, false), r.err};
      BOOST_TEST_MESSAGE(cell("file") << ": " << dump(v));
      for (const auto& sig : signaturesOf(v)) {
        if (sig.value("coversWholeDocument", true)) continue;
        BOOST_TEST_CONTEXT(sig.value("id", std::string("?"))) {
          // Later revisions exist (at least a later signature or time-stamp),
          // so something is reported, and nothing that no rule explains.
          // A later revision PoDoFo cannot read (a broken /Prev chain) leaves
          // the level unknown: null, and the check says "not checked".
          std::string status;
          for (const auto& c : sig["checks"]) {
            if (c["id"] == "modifications") status = c["status"].get<std::string>();
          }
          if (status == "notChecked") {
            BOOST_TEST(sig["modificationLevel"].is_null(), "an unread revision leaves the level unknown");
          } else {
            BOOST_TEST(levelRank(modificationLevelOf(sig)) > levelRank("none"),
                       "what followed it is reported: " << sig.value("modificationLevel", json()));
          }
          BOOST_TEST(modificationLevelOf(sig) != "other",
                     "what followed it is not \"other\": " << sig.value("modifications", json()));
        }
      }
      ++checked;
    }
  }
  BOOST_TEST(checked >= 5u, "the corpus has several intact PAdES files with more than one signature: " << checked);
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------- FieldMDP locks ---
//
// ISO 32000-1 §12.8.2.4 and Table 233: a signature field's /Lock (/Action
// /All, /Include or /Exclude with /Fields), or a FieldMDP /Reference in its
// signature dictionary (Table 253), names the form fields that must not
// change once that field is signed.  The form: text fields Amount and Notes
// and an empty signature field Approver carrying the lock; Approver is then
// signed itself (openssl, adbe.pkcs7.detached) in one incremental update, so
// the lock is part of the revision the approval covers.  A locked field
// filled later is "locked-field-changed" (level "other"); a field the lock
// leaves free may still be filled ("form-field-filled", form filling).

namespace {

std::string lockOf(const std::string& action, const std::string& fields = "") {
  return "<< /Type /SigFieldLock /Action /" + action + (fields.empty() ? "" : " /Fields [" + fields + "]") + " >>";
}

struct FieldLocks : Changes {
  /// The contract with Amount, Notes and the empty Approver field locked by `lock` ("" for none).
  FormWithFields formWith(const std::string& lock, bool inlineLock = false) const {
    return FormWithFields(readText(contract), {"Amount", "Notes"},
                          {FormWithFields::SignatureField{"Approver", lock, inlineLock}});
  }

  /// `form` with Approver signed (its signature dictionary with `entries`):
  /// the approval alone is TOTAL-PASSED with nothing after it.
  std::string approved(const FormWithFields& form, const std::string& name, const std::string& entries = "") const {
    const std::string bytes = withFieldSigned(form.prepared, {}, form.field("Approver").widget, entries);
    const json sigs = control(name, bytes, 1);
    expectLevel(sigs[0], "none");
    BOOST_TEST(sigs[0].value("id", std::string()).find("Approver") != std::string::npos,
               "the signature is the Approver field's: " << sigs[0].value("id", json()));
    return bytes;
  }

  /// `field` filled after the approval is allowed: TOTAL-PASSED, form filling.
  void expectFillAllowed(const FormWithFields& form, const std::string& approval, const std::string& field,
                         const std::string& name) const {
    BOOST_TEST_CONTEXT(field << " filled after the approval") {
      const json sigs =
          control(name, withUpdate(approval, form.fill(field, "Uwagi / Notes 7", nextObject(approval))), 1);
      expectLevel(sigs[0], "form-filling");
      expectModification(sigs[0], "form-field-filled", {{"field", field}});
      BOOST_TEST(!hasModification(sigs[0], "locked-field-changed"),
                 "no field is reported locked: " << sigs[0].value("modifications", json()));
    }
  }

  /// `field` filled after the approval breaks the lock: not TOTAL-PASSED,
  /// "locked-field-changed" naming it, and not passed off as form filling.
  void expectFillLocked(const FormWithFields& form, const std::string& approval, const std::string& field,
                        const std::string& name) const {
    BOOST_TEST_CONTEXT(field << " filled after the approval") {
      const std::string changed = withUpdate(approval, form.fill(field, "99 999,00 PLN", nextObject(approval)));
      const json sig = attack(name, approval, changed);
      expectLevel(sig, "other");
      expectModification(sig, "locked-field-changed", {{"field", field}});
      BOOST_TEST(!hasModification(sig, "form-field-filled", {{"field", field}}),
                 "a locked field is not reported as plain form filling: " << sig.value("modifications", json()));
    }
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pades_changes_field_locks, FieldLocks)

BOOST_AUTO_TEST_CASE(a_lock_including_amount_forbids_filling_amount_and_allows_notes) {
  for (const bool inlineLock : {false, true}) {
    BOOST_TEST_CONTEXT((inlineLock ? "/Lock written inline" : "/Lock as an indirect object (Table 232)")) {
      const std::string tag = inlineLock ? "-inline" : "";
      const FormWithFields form = formWith(lockOf("Include", "(Amount)"), inlineLock);
      const std::string approval = approved(form, "include" + tag + ".pdf");
      expectFillAllowed(form, approval, "Notes", "include-notes" + tag + ".pdf");
      expectFillLocked(form, approval, "Amount", "include-amount" + tag + ".pdf");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_locked_field_filled_together_with_a_new_signature_is_still_locked) {
  // A second signer's update that also fills Amount: the new signature covers
  // it, but the approval's lock still forbids it.
  const FormWithFields form = formWith(lockOf("Include", "(Amount)"));
  const std::string approval = approved(form, "include-base.pdf");
  const std::string both =
      withSignature(approval, Update{.objects = form.fill("Amount", "99 999,00 PLN", nextObject(approval))}, "Second",
                    false, "signer-ec.p12");
  const Verdict v = verify("include-amount-signed.pdf", both);
  BOOST_TEST(indicationOf(v) != "TOTAL-PASSED", "the document is not TOTAL-PASSED: " << dump(v));
  const json sigs = signaturesOf(v);
  BOOST_TEST_REQUIRE(sigs.size() == 2u, "both signatures are reported: " << dump(v));
  BOOST_TEST(sigs[0]["indication"] != "TOTAL-PASSED", "the approval is not TOTAL-PASSED");
  expectLevel(sigs[0], "other");
  expectModification(sigs[0], "locked-field-changed", {{"field", "Amount"}});
  expectModification(sigs[0], "signature-field-added", {{"field", "Second"}});
  BOOST_TEST(sigs[1]["indication"] == "TOTAL-PASSED",
             "the second signature itself is intact and covers the file: " << dump(v));
}

BOOST_AUTO_TEST_CASE(a_lock_of_all_fields_forbids_filling_either) {
  const FormWithFields form = formWith(lockOf("All"));
  const std::string approval = approved(form, "all.pdf");
  expectFillLocked(form, approval, "Notes", "all-notes.pdf");
  expectFillLocked(form, approval, "Amount", "all-amount.pdf");
}

BOOST_AUTO_TEST_CASE(a_lock_excluding_notes_forbids_amount_and_allows_notes) {
  const FormWithFields form = formWith(lockOf("Exclude", "(Notes)"));
  const std::string approval = approved(form, "exclude.pdf");
  expectFillAllowed(form, approval, "Notes", "exclude-notes.pdf");
  expectFillLocked(form, approval, "Amount", "exclude-amount.pdf");
}

BOOST_AUTO_TEST_CASE(a_fieldmdp_reference_in_the_signature_dictionary_locks_like_a_lock) {
  // No /Lock on the field: the signature dictionary's /Reference carries a
  // signature reference dictionary with /TransformMethod /FieldMDP (Table 253).
  const FormWithFields form = formWith("");
  BOOST_TEST_REQUIRE(form.field("Approver").body.find("/Lock") == std::string::npos, "the field has no /Lock");
  const int root = lastTrailer(form.prepared).root;
  const std::string reference =
      "/Reference [<< /Type /SigRef /TransformMethod /FieldMDP /TransformParams << /Type /TransformParams "
      "/Action /Include /Fields [(Amount)] /V /1.2 >> /Data " +
      ref(root) + " /DigestMethod /SHA256 >>]";
  const std::string approval = approved(form, "reference.pdf", reference);
  expectFillAllowed(form, approval, "Notes", "reference-notes.pdf");
  expectFillLocked(form, approval, "Amount", "reference-amount.pdf");
}

BOOST_AUTO_TEST_CASE(a_lock_of_a_signature_field_under_a_parent_field_is_honoured) {
  // Approver as the kid of a non-terminal field Sigs (fully qualified name
  // Sigs.Approver), its lock an indirect /Include [(Amount)].  ISO 32000-1
  // Table 220: /FT is inheritable, so the kid may leave /FT /Sig to Sigs
  // (this found the lock lookup taking only a field with its own /FT).
  for (const bool inherited : {false, true}) {
    BOOST_TEST_CONTEXT((inherited ? "/FT /Sig only on the parent Sigs" : "/FT /Sig on Approver itself")) {
      const FormWithFields form = formWith("");
      const int approver = form.field("Approver").widget;
      const int parent = nextObject(form.prepared), lock = parent + 1;
      std::string widget = form.field("Approver").body;
      if (inherited) widget = edit(widget, R"(/FT\s*/Sig\s*)", "");
      widget = withEntries(widget, "/Parent " + ref(parent) + " /Lock " + ref(lock));
      const std::string prepared = withUpdate(
          form.prepared,
          {{approver, widget},
           {parent, "<< /T (Sigs) " + std::string(inherited ? "/FT /Sig " : "") + "/Kids [" + ref(approver) + "] >>"},
           {lock, lockOf("Include", "(Amount)")},
           {form.form, edit(latestBody(form.prepared, form.form), ref(approver), ref(parent))}});
      const std::string tag = inherited ? "-inherited" : "-own";
      const std::string approval = withFieldSigned(prepared, {}, approver);
      const json sigs = control("parent" + tag + ".pdf", approval, 1);
      BOOST_TEST(sigs[0].value("id", std::string()) == "Sigs.Approver",
                 "the signature is Sigs.Approver's: " << sigs[0].value("id", json()));
      expectFillAllowed(form, approval, "Notes", "parent-notes" + tag + ".pdf");
      expectFillLocked(form, approval, "Amount", "parent-amount" + tag + ".pdf");
    }
  }
}

BOOST_AUTO_TEST_CASE(without_a_lock_both_fields_may_be_filled) {
  // The control for the cases above: the same form and approval, no lock.
  const FormWithFields form = formWith("");
  const std::string approval = approved(form, "unlocked.pdf");
  expectFillAllowed(form, approval, "Notes", "unlocked-notes.pdf");
  expectFillAllowed(form, approval, "Amount", "unlocked-amount.pdf");
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------- certification permissions ---

BOOST_FIXTURE_TEST_SUITE(pades_changes_permissions, Changes)

BOOST_AUTO_TEST_CASE(removing_perms_after_a_certification_is_never_total_passed) {
  // Certified with P=2 by our CLI; a later revision drops /Perms from the
  // catalog, which would make a reader stop enforcing the certification.
  const std::string original = certified(2);
  const int root = lastTrailer(original).root;
  const std::string catalog = latestBody(original, root);
  BOOST_TEST_REQUIRE(std::regex_search(catalog, std::regex(R"(/Perms\s*(<<[^>]*>>|\d+\s+0\s+R))")),
                     "the certified catalog has /Perms: " << catalog);
  const std::string without = std::regex_replace(catalog, std::regex(R"(/Perms\s*(<<[^>]*>>|\d+\s+0\s+R))"), "",
                                                 std::regex_constants::format_first_only);
  const Verdict v = verify("perms-removed.pdf", withUpdate(original, {{root, without}}));
  expectNotPassed(v);
  const json sigs = signaturesOf(v);
  if (!sigs.empty()) {
    expectLevel(sigs[0], "other");
    expectModification(sigs[0], "permissions-changed");
  }
}

BOOST_AUTO_TEST_CASE(certifying_after_an_approval_signature_is_never_total_passed) {
  // ISO 32000-1 §12.8.2.2: a certification signature must be the first
  // signature of the document.  Here an approval by our CLI, then a later
  // update that adds /Perms /DocMDP and the certification signature it names
  // (openssl, a DocMDP /Reference with P=3).
  // Our CLI refuses to certify a signed document (exit 64, nothing written).
  const auto refused = cli({"sign", "--signer", "pkcs12:" + (pki / "signer-ec.p12").string(), "--password-file",
                            (pki / "password.txt").string(), "--certify", "form-filling", "--output",
                            (dir / "certified-by-cli.pdf").string(), (dir / "signed.pdf").string()});
  BOOST_TEST(refused.exitCode == 64,
             "sign --certify on a signed document is refused: exit " << refused.exitCode << " " << refused.err);
  BOOST_TEST(refused.err.find("first signature") != std::string::npos, "the refusal says why: " << refused.err);
  BOOST_TEST(!fs::exists(dir / "certified-by-cli.pdf"), "nothing is written");

  const int widget = nextObject(signedPdf), value = widget + 1;
  const int root = lastTrailer(signedPdf).root;
  Update u;
  addFieldWidget(signedPdf, u, widget);
  u.objects[widget] = "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Certification) /V " + ref(value) +
                      " /Rect [0 0 0 0] /F 132 /P " + ref(s.page) + " >>";
  const std::string catalog = u.objects.count(root) ? u.objects[root] : latestBody(signedPdf, root);
  BOOST_TEST_REQUIRE(catalog.find("/Perms") == std::string::npos, "the approved document is not certified");
  u.objects[root] = withEntries(catalog, "/Perms << /DocMDP " + ref(value) + " >>");
  const std::string reference =
      "/Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 3 /V /1.2 "
      ">> "
      "/DigestMethod /SHA256 >>]";
  const std::string late = withSignatureDictionary(signedPdf, u, value, reference, false, "signer-ec.p12");
  writeFile(dir / "certified-late.pdf", late);
  expectQpdfCheckPasses("certified-late.pdf");
  expectPdfsigLists("certified-late.pdf", 2);
  const Verdict v = verify("certified-late.pdf", late);
  expectNotPassed(v);
  const json sigs = signaturesOf(v);
  BOOST_TEST_REQUIRE(sigs.size() == 2u, "both signatures are reported: " << dump(v));
  expectLevel(sigs[0], "other");
  expectModification(sigs[0], "permissions-changed");
}

BOOST_AUTO_TEST_SUITE_END()

// ----------------------------------------------- every load reads the same ---

// PoDoFo 0.9.8 gives a document whose trailer names no /Info one of its own
// on loading, dated the second of the load (PdfDocument::InitFromParser).
// The verifier loads each revision on its own, so two loads a second apart
// must still read as the same document: otherwise a report depends on the
// clock (pyHanko's B-LTA file, which has no /Info, sometimes gained an
// "info-changed").  This drives the loader and the change analysis directly.
BOOST_AUTO_TEST_CASE(a_document_without_info_loaded_a_second_apart_reads_as_unchanged) {
  namespace pdf = securedoc::pdf;
  const fs::path file = corpusDir() / "pades/pyhanko/pades-lta-dss-indirect-arrs-test.pdf";
  const securedoc::Bytes bytes = securedoc::readFile(file);
  BOOST_TEST_REQUIRE(std::string(bytes.begin(), bytes.end()).find("/Info") == std::string::npos,
                     "the file names no /Info (the case under test)");
  const auto first = pdf::loadRevision(bytes);
  BOOST_TEST(pdf::rawKey(first->GetTrailer(), "Info") == nullptr, "the trailer reads as written: no /Info");
  const std::time_t loaded = std::time(nullptr);
  while (std::time(nullptr) == loaded) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto second = pdf::loadRevision(bytes);
  const pdf::SignedRoles roles(*first);
  const pdf::DiffResult d = pdf::diffRevision(
      roles, *first, *second, *second, [](const PoDoFo::PdfVecObjects&, const PoDoFo::PdfObject*) { return true; },
      pdf::FieldLock{});
  BOOST_TEST(d.changes.empty(), d.changes.size() << " changes found, the first: "
                                                 << (d.changes.empty() ? std::string() : d.changes[0].code));
  BOOST_TEST((d.level == securedoc::ModificationLevel::None), "the level is none");
}

// --------------------------------------------------- pages compared as seen ---

// The visual comparison (formats/src/pdf_visual.h) driven directly: what a
// later revision draws outside the footprints of its allowed changes is
// "page-looks-different"; what it draws inside them over signed ink is
// "content-covered"; an update that draws nothing new is compared and clean.
// The renderer is a module loaded on first use (formats/src/pdf_renderer.h);
// without it the report says the pages were not compared, and why.
BOOST_FIXTURE_TEST_SUITE(pades_changes_visual, Changes)

BOOST_AUTO_TEST_CASE(a_changed_amount_looks_different_and_an_info_update_does_not) {
  namespace pdf = securedoc::pdf;
  const std::uint64_t signedEnd = signedPdf.size();

  const std::string forged =
      withUpdate(signedPdf, {{s.content, stream("", forgedAmount(streamData(latestBody(signedPdf, s.content))))}});
  writeFile(dir / "visual-forged.pdf", forged);
  const pdf::VisualResult changed = pdf::compareVisually(dir / "visual-forged.pdf", signedEnd, {});
  BOOST_TEST_REQUIRE(changed.compared, "the pages were compared: " << changed.notCompared.code);
  BOOST_TEST_REQUIRE(changed.findings.size() == 1U, changed.findings.size() << " findings");
  BOOST_TEST(changed.findings[0].code == "page-looks-different");
  BOOST_TEST(changed.findings[0].arg("page") == "1");

  // The same change inside the footprint of an allowed change (the whole
  // page, as a field's widget might claim): it paints over signed ink.
  const pdf::VisualResult covered =
      pdf::compareVisually(dir / "visual-forged.pdf", signedEnd, {pdf::Footprint{1, 0, 0, 2000, 2000, "Amount"}});
  BOOST_TEST_REQUIRE(covered.compared);
  BOOST_TEST_REQUIRE(covered.findings.size() == 1U, covered.findings.size() << " findings");
  BOOST_TEST(covered.findings[0].code == "content-covered");
  BOOST_TEST(covered.findings[0].arg("field") == "Amount");

  // A footprint on the other page allows nothing on page 1.
  const pdf::VisualResult elsewhere =
      pdf::compareVisually(dir / "visual-forged.pdf", signedEnd, {pdf::Footprint{2, 0, 0, 2000, 2000, "Amount"}});
  BOOST_TEST_REQUIRE(elsewhere.findings.size() == 1U);
  BOOST_TEST(elsewhere.findings[0].code == "page-looks-different");

  const int info = nextObject(signedPdf);
  writeFile(dir / "visual-info.pdf",
            withUpdate(signedPdf, Update{{{info, "<< /Producer (an editor) >>"}}, {}, 0, info}));
  const pdf::VisualResult same = pdf::compareVisually(dir / "visual-info.pdf", signedEnd, {});
  BOOST_TEST(same.compared);
  BOOST_TEST(same.findings.empty(), same.findings.size() << " findings");
}

BOOST_AUTO_TEST_CASE(without_the_page_renderer_the_report_says_the_pages_were_not_compared) {
  // An allowed update (a new /Info): the pages would be compared next.
  const int info = nextObject(signedPdf);
  const std::string updated = withUpdate(signedPdf, Update{{{info, "<< /Producer (an editor) >>"}}, {}, 0, info});
  writeFile(dir / "visual-no-renderer.pdf", updated);
  auto visualCheck = [&](const std::vector<std::string>& env) {
    const RunResult r = cli({"verify", "--format", "json", "--trust-anchor", (pki / "root-ca.pem").string(),
                             (dir / "visual-no-renderer.pdf").string()},
                            env);
    BOOST_TEST_REQUIRE(r.exitCode == 0, "TOTAL-PASSED: exit " << r.exitCode << " " << r.err);
    const json checks = json::parse(r.out)["signatures"].at(0)["checks"];
    for (const json& c : checks) {
      if (c.value("id", "") == "visualComparison") return c;
    }
    return json{{"absent", checks}};
  };
  const json with = visualCheck({});
  BOOST_TEST(with.value("status", "") == "passed", with.dump());
  const TempDir noPlugins;
  const json without = visualCheck({"SECUREDOC_PLUGINDIR=" + noPlugins.path().string()});
  BOOST_TEST(without.value("status", "") == "notChecked", without.dump());
  BOOST_TEST(without.dump().find("visual-renderer-missing") != std::string::npos, without.dump());
}

BOOST_AUTO_TEST_SUITE_END()
