// The XML reference resolver (formats/src/xades_references.cpp) driven
// directly, without xmlsec computing a digest: what each ds:Reference URI
// names, which ones are refused and with which code (XML-DSig 1.1 §4.4.3.3,
// ETSI EN 319 102-1 §5.2.2).  The end-to-end attacks are in
// test_xades_attacks; here each rule is one line.
#include <boost/test/unit_test.hpp>

#include "printers.h"
#include "test_support.h"

#include "../../formats/src/xades_internal.h"

#include <securedoc/formats/report.h>

#include <string>
#include <vector>

using namespace securedoc;
using securedoc::test::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
constexpr const char* kEnveloped = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// A ds:Reference with `uri` and, when given, one transform.
std::string reference(const std::string& uri, const std::string& transform = "") {
  std::string r = "<ds:Reference URI=\"" + uri + "\">";
  if (!transform.empty()) r += "<ds:Transforms><ds:Transform Algorithm=\"" + transform + "\"/></ds:Transforms>";
  return r + "<ds:DigestMethod Algorithm=\"" + kSha256 + "\"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference>";
}

struct Resolved {
  bool accepted = false;
  std::vector<xades::ResolvedReference> refs;
  SignatureReport report;
};

/// A document `<doc>BODY<ds:Signature>...REFERENCES...</ds:Signature></doc>`
/// written to a file and its signature's references resolved.
Resolved resolve(const TempDir& dir, const std::string& body, const std::string& references) {
  const fs::path file = dir / "doc.xml";
  test::writeFile(file, "<?xml version=\"1.0\"?><doc>" + body +
                            "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
                            "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
                            "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>" +
                            references +
                            "</ds:SignedInfo><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature></doc>");
  const VerifyOptions options;
  xades::SignedDocument doc = xades::parseSigned(file);
  BOOST_TEST_REQUIRE(doc.signatures.size() == 1U);
  xades::SignatureContext sc{doc.signatures[0], "Signature1", doc.census, file, options, {}, std::nullopt};
  Resolved r;
  xmlNode* signedInfo = xml::child(doc.signatures[0], xades::kDsig, "SignedInfo");
  r.accepted = xades::resolveReferences(sc, signedInfo, r.report, r.refs);
  // The targets live in `doc`, freed here: keep only what outlives it.
  for (auto& ref : r.refs) {
    ref.target = nullptr;
    ref.excludeSignaturesXPath.clear();
  }
  return r;
}

std::string problemOf(const Resolved& r) {
  for (const auto& ref : r.refs) {
    if (!ref.problem.empty()) return ref.problem.code;
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(xades_references)

BOOST_AUTO_TEST_CASE(the_whole_document_with_the_enveloped_transform) {
  const TempDir dir;
  for (const std::string uri : {"", "#xpointer(/)"}) {
    BOOST_TEST_CONTEXT("URI \"" << uri << "\"") {
      const Resolved r = resolve(dir, "<a>text</a>", reference(uri, kEnveloped));
      BOOST_TEST_REQUIRE(r.accepted, problemOf(r));
      BOOST_TEST(r.refs.at(0).wholeDocument);
      BOOST_TEST(r.refs.at(0).withoutThisSignature);
      BOOST_TEST(!r.refs.at(0).detached);
      BOOST_TEST(r.refs.at(0).digestLabel == "SHA-256");
    }
  }
}

BOOST_AUTO_TEST_CASE(an_id_names_exactly_one_element) {
  const TempDir dir;
  const Resolved r = resolve(dir, "<a Id=\"x\">text</a>", reference("#x"));
  BOOST_TEST_REQUIRE(r.accepted, problemOf(r));
  BOOST_TEST(r.refs.at(0).id == "x");
  BOOST_TEST(!r.refs.at(0).wholeDocument);
  // The same Id twice: which element xmlsec digests is not what a person
  // sees (signature wrapping), so the reference is refused.
  const Resolved twice = resolve(dir, "<a Id=\"x\">text</a><b Id=\"x\">other</b>", reference("#x"));
  BOOST_TEST(!twice.accepted);
  BOOST_TEST(problemOf(twice) == "reference-id-duplicate");
  const Resolved none = resolve(dir, "<a Id=\"y\">text</a>", reference("#x"));
  BOOST_TEST(!none.accepted);
  BOOST_TEST(problemOf(none) == "reference-id-not-found");
  BOOST_TEST(none.report.indication == Indication::TotalFailed);
}

BOOST_AUTO_TEST_CASE(xpointer_expressions_and_paths_outside_the_folder_are_refused) {
  const TempDir dir;
  const Resolved xp = resolve(dir, "<a Id=\"x\"/>", reference("#xpointer(//a)"));
  BOOST_TEST(problemOf(xp) == "reference-xpointer-refused");
  for (const std::string uri : {"http://example.invalid/doc", "../secret.txt", "sub/doc.txt", "file:///etc/passwd"}) {
    BOOST_TEST_CONTEXT(uri) {
      const Resolved r = resolve(dir, "<a/>", reference(uri));
      BOOST_TEST(!r.accepted);
      BOOST_TEST(problemOf(r) == "reference-outside-folder");
    }
  }
}

BOOST_AUTO_TEST_CASE(a_file_beside_the_signature_is_detached_content) {
  const TempDir dir;
  test::writeFile(dir / "scan%20one.txt", "content");
  const Resolved r = resolve(dir, "<a/>", reference("scan%2520one.txt"));
  BOOST_TEST_REQUIRE(r.accepted, problemOf(r));
  BOOST_TEST(r.refs.at(0).detached);
  BOOST_TEST(r.refs.at(0).fileName == "scan%20one.txt");
}

BOOST_AUTO_TEST_CASE(a_transform_outside_the_policy_is_a_constraint_not_a_forgery) {
  const TempDir dir;
  const Resolved r = resolve(dir, "<a Id=\"x\"/>", reference("#x", "http://www.w3.org/TR/1999/REC-xslt-19991116"));
  BOOST_TEST(!r.accepted);
  BOOST_TEST(problemOf(r) == "transform-refused");
  BOOST_TEST(r.refs.at(0).constraint);
  BOOST_TEST(r.report.indication == Indication::Indeterminate);
  BOOST_TEST(r.report.subIndication == SubIndication::SigConstraintsFailure);
}

BOOST_AUTO_TEST_CASE(a_signature_without_references_is_a_format_failure) {
  const TempDir dir;
  const Resolved r = resolve(dir, "<a/>", "");
  BOOST_TEST(!r.accepted);
  BOOST_TEST(r.refs.empty());
  BOOST_TEST(r.report.subIndication == SubIndication::FormatFailure);
}

BOOST_AUTO_TEST_SUITE_END()
