#include <securedoc/app/report_render.h>
#include <securedoc/i18n.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

namespace securedoc {

using json = nlohmann::ordered_json;

namespace {

json certJson(const Certificate& c) {
  json j{{"subject", c.subject()},
         {"issuer", c.issuer()},
         {"serial", c.serialHex()},
         {"notBefore", isoTime(c.notBefore())},
         {"notAfter", isoTime(c.notAfter())},
         {"keyType", c.keyType()},
         {"keyUsage", c.keyUsage()},
         {"policies", c.policies()},
         {"sha256", c.sha256Fingerprint()}};
  json fields = json::object();
  for (const auto& [k, v] : c.subjectFields()) fields[k] = v;
  j["subjectFields"] = fields;
  return j;
}

json nullOr(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

/// A Note for scripts: its code, arguments and English text, never the
/// user's language (README.md "The JSON report, for scripts").
json noteJson(const Note& n) {
  if (n.empty()) return nullptr;
  json args = json::object();
  for (const auto& [k, v] : n.args) args[k] = v;
  return {{"code", n.code.empty() ? json(nullptr) : json(n.code)}, {"args", args}, {"text", n.english()}};
}

json notesJson(const std::vector<Note>& notes) {
  json out = json::array();
  for (const auto& n : notes) out.push_back(noteJson(n));
  return out;
}

json checksJson(const std::vector<Check>& checks) {
  json out = json::array();
  for (const auto& c : checks) {
    out.push_back({{"id", c.id}, {"status", checkStatusCode(c.status)}, {"detail", noteJson(c.detail)}});
  }
  return out;
}

}  // namespace

const char* checkLabel(const std::string& id) {
  if (id == "messageDigest") return tr("the signed content is unchanged");
  if (id == "signatureValue") return tr("the signature value is correct");
  if (id == "signingCertificate") return tr("the signing certificate is present");
  if (id == "signingCertificateReference") return tr("the signature names its certificate");
  if (id == "certificateChain") return tr("the certificate chains to a trust anchor");
  if (id == "keyUsage") return tr("the certificate is meant for signatures");
  if (id == "revocation") return tr("the certificate is not revoked");
  if (id == "digestAlgorithm") return tr("the digest algorithm is supported");
  if (id == "byteRange") return tr("the signed byte ranges are well formed");
  if (id == "contents") return tr("the signature value can be read");
  if (id == "modifications") return tr("later changes are allowed by the signature");
  if (id == "visualComparison") return tr("the pages look as they did when signed");
  if (id == "references") return tr("every signed element and file is unchanged");
  if (id == "signedProperties") return tr("the XAdES properties are signed");
  if (id == "structure") return tr("the signature is complete");
  if (id == "coverage") return tr("the signature covers the whole document");
  if (id == "signingCertificateKeyUsage") return tr("the certificate is meant for signatures");
  if (id == "cryptographicConstraints") return tr("the algorithms are strong enough");
  if (id == "parsed") return tr("the time-stamp token can be read");
  if (id == "imprint") return tr("the time-stamp covers this signature");
  if (id == "tsaCertificate") return tr("the time-stamping authority's certificate is present");
  if (id == "extendedKeyUsage") return tr("the certificate is a time-stamping certificate");
  if (id == "essCertificate") return tr("the time-stamp names its certificate");
  if (id == "genTime") return tr("the time-stamp's time is not in the future");
  return id.c_str();
}

namespace {

const char* statusMark(Check::Status s) {
  switch (s) {
    case Check::Status::Passed:
      return tr("[ok]");
    case Check::Status::Failed:
      return tr("[FAILED]");
    case Check::Status::NotChecked:
      return tr("[not checked]");
    case Check::Status::Warning:
      return tr("[warning]");
  }
  return "";
}

std::string displayName(const Certificate& c) {
  std::string name = c.commonName().empty() ? c.subject() : c.commonName();
  const std::string id = c.subjectField("serialNumber");
  if (!id.empty()) name += " (" + id + ")";
  return name;
}

}  // namespace

std::string timestampTypeName(const std::string& type) {
  if (type == "signature") return tr("signature time-stamp");
  if (type == "archive") return tr("archive time-stamp");
  if (type == "content") return tr("content time-stamp");
  if (type == "document") return tr("document time-stamp");
  return type;
}

std::string modificationLevelName(ModificationLevel l) {
  switch (l) {
    case ModificationLevel::None:
      return tr("no changes");
    case ModificationLevel::LtaUpdates:
      return tr("validation data and time-stamps");
    case ModificationLevel::FormFilling:
      return tr("form filling and signing");
    case ModificationLevel::Annotations:
      return tr("annotations");
    case ModificationLevel::Other:
      return tr("changes nothing allows");
  }
  return {};
}

namespace {

/// The role names pdf_diff.cpp reports (roleName), in words.
std::string roleWords(const std::string& role, bool english) {
  auto T = [english](const char* s) { return english ? s : tr(s); };
  if (role == "catalog") return T("document catalogue");
  if (role == "page-tree") return T("page tree");
  if (role == "page") return T("page");
  if (role == "page-content") return T("page content");
  if (role == "page-resources") return T("page resources");
  if (role == "signature") return T("signature");
  if (role == "form-field") return T("form field");
  if (role == "form-field-appearance") return T("form field appearance");
  if (role == "form-field-list") return T("list of form fields");
  if (role == "form") return T("form");
  if (role == "form-resources") return T("form resources");
  if (role == "annotation") return T("annotation");
  if (role == "annotation-list") return T("list of annotations");
  if (role == "annotation-appearance") return T("annotation appearance");
  if (role == "permissions") return T("permissions");
  if (role == "catalog-entry") return T("document-level entry");
  if (role == "dss") return T("validation data");
  if (role == "metadata") return T("metadata");
  if (role == "info") return T("document information");
  return role;
}

/// A change after signing in words, in English (`english`, for the JSON) or
/// in the user's language.
std::string modificationWords(const Modification& m, bool english) {
  auto T = [english](const char* s) { return english ? s : tr(s); };
  auto a = [&m](const char* name) {
    const std::string v = m.arg(name);
    return v.empty() || v == "0" ? std::string("?") : v;
  };
  const std::string& c = m.code;
  if (c == "dss-added") return T("validation data (DSS) was added");
  if (c == "document-timestamp-added")
    return format(T("a document time-stamp was added (field \"{0}\")"), {a("field")});
  if (c == "info-changed") return T("the document information (producer, dates) changed");
  if (c == "metadata-changed") return T("the document's XMP metadata changed");
  if (c == "extensions-changed") return format(T("the declared PDF version or extensions changed (/{0})"), {a("key")});
  if (c == "invisible-signature-field-added")
    return format(T("an invisible signature field \"{0}\" was added"), {a("field")});
  if (c == "resources-extended")
    return format(T("resources that nothing on page {0} uses were added to it"), {a("page")});
  if (c == "form-flags-changed") return T("the form's signature flags changed");
  if (c == "signature-field-added") return format(T("signature field \"{0}\" was added and signed"), {a("field")});
  if (c == "signature-field-signed") return format(T("the empty signature field \"{0}\" was signed"), {a("field")});
  if (c == "form-field-filled") return format(T("form field \"{0}\" was filled in"), {a("field")});
  if (c == "form-resources-changed") return T("the form's default resources or appearance changed");
  if (c == "annotation-added") return format(T("an annotation ({0}) was added to page {1}"), {a("subtype"), a("page")});
  if (c == "annotation-changed") return format(T("an annotation ({0}) on page {1} changed"), {a("subtype"), a("page")});
  if (c == "annotation-removed")
    return format(T("an annotation ({0}) was removed from page {1}"), {a("subtype"), a("page")});
  if (c == "unsigned-signature-widget") {
    return format(T("a visible signature field \"{0}\" was added without a valid signature: it only looks like one"),
                  {a("field")});
  }
  if (c == "object-changed") {
    return format(T("object {0} ({1}) changed"),
                  {a("object"), roleWords(m.arg("role"), english) +
                                    (m.arg("page").empty() ? "" : ", " + format(T("page {0}"), {m.arg("page")}))});
  }
  if (c == "object-removed")
    return format(T("object {0} ({1}) was removed"), {a("object"), roleWords(m.arg("role"), english)});
  if (c == "signed-object-defined-later") {
    return format(T("object {0}, which the signed version referred to but did not contain, was added later ({1})"),
                  {a("object"), roleWords(m.arg("role"), english)});
  }
  if (c == "object-role-changed") {
    return format(T("object {0} ({1}) was reused as {2}"),
                  {a("object"), roleWords(m.arg("role"), english), roleWords(m.arg("now"), english)});
  }
  if (c == "catalog-changed") return format(T("the document catalogue changed (/{0})"), {a("key")});
  if (c == "pages-changed") return format(T("the page tree changed (/{0})"), {a("key")});
  if (c == "structure-tree-extended") return T("a new field was linked into the document's logical structure (tags)");
  if (c == "producer-marker-changed") return format(T("the producing software's marker changed (/{0})"), {a("key")});
  if (c == "page-changed") return format(T("page {0} changed (/{1})"), {a("page"), a("key")});
  if (c == "form-changed") return format(T("the form dictionary changed (/{0})"), {a("key")});
  if (c == "form-field-added") return format(T("form field \"{0}\" was added"), {a("field")});
  if (c == "field-changed") return format(T("form field \"{0}\" changed (/{1})"), {a("field"), a("key")});
  if (c == "field-removed") return format(T("form field \"{0}\" was removed"), {a("field")});
  if (c == "locked-field-changed")
    return format(T("form field \"{0}\", which this signature locks, was changed"), {a("field")});
  if (c == "signature-changed") return format(T("the existing signature \"{0}\" was changed"), {a("field")});
  if (c == "permissions-changed") return T("the document's permissions (/Perms) changed");
  if (c == "objects-after-last-revision") {
    return T(
        "objects follow the last revision of the file, outside every revision; a viewer that repairs the file may show "
        "them");
  }
  if (c == "page-looks-different") return format(T("page {0} looks different from the signed version"), {a("page")});
  if (c == "content-covered") {
    return m.arg("field").empty()
               ? format(T("an annotation on page {0} is drawn over content of the signed version"), {a("page")})
               : format(T("\"{0}\" on page {1} is drawn over content of the signed version"), {a("field"), a("page")});
  }
  return c;
}

}  // namespace

std::string describe(const Modification& m) { return modificationWords(m, false); }

std::string describe(const Note& n) { return n.translated(); }

std::string integrityWords(Check::Status s) {
  switch (s) {
    case Check::Status::Passed:
      return tr("intact: the signed data and the signature value are correct");
    case Check::Status::Failed:
      return tr("BROKEN: the signed data or the signature value is wrong");
    default:
      return tr("not established");
  }
}

std::string describe(Indication i, SubIndication s) {
  switch (s) {
    case SubIndication::None:
      break;
    case SubIndication::FormatFailure:
      return tr("the signature is not in a valid format");
    case SubIndication::HashFailure:
      return tr("the document was changed after signing");
    case SubIndication::SigCryptoFailure:
      return tr("the signature value is not valid");
    case SubIndication::Revoked:
      return tr("the certificate was revoked");
    case SubIndication::SigConstraintsFailure:
      return tr("the signature does not meet the validation policy");
    case SubIndication::ChainConstraintsFailure:
      return tr("the certificate chain does not meet the validation policy");
    case SubIndication::CertificateChainGeneralFailure:
      return tr("the certificate chain is not acceptable");
    case SubIndication::CryptoConstraintsFailure:
      return tr("an algorithm is not acceptable");
    case SubIndication::CryptoConstraintsFailureNoPoe:
      return tr("an algorithm is no longer strong enough and nothing proves the signature was made while it was");
    case SubIndication::Expired:
      return tr("the certificate has expired");
    case SubIndication::NotYetValid:
      return tr("the certificate is not yet valid");
    case SubIndication::NoSigningCertificateFound:
      return tr("the signing certificate cannot be identified");
    case SubIndication::NoCertificateChainFound:
      return tr("the certificate does not chain to a trusted root");
    case SubIndication::OutOfBoundsNoPoe:
      return tr("the certificate expired and nothing proves the signature is older");
    case SubIndication::OutOfBoundsNotRevoked:
      return tr("the certificate expired after the time-stamped signing time");
    case SubIndication::SignedDataNotFound:
      return tr("the signed content is missing");
    case SubIndication::TryLater:
      return tr("revocation information is not available yet; try later");
    case SubIndication::RevokedNoPoe:
      return tr("the certificate was revoked and nothing proves the signature was made before");
  }
  switch (i) {
    case Indication::TotalPassed:
      return tr("the signature is valid");
    case Indication::TotalFailed:
      return tr("the signature is not valid");
    case Indication::Indeterminate:
      return tr("the signature could not be fully validated");
  }
  return {};
}

namespace {

json timeOrNull(const std::optional<std::time_t>& t) { return t ? json(isoTime(*t)) : json(nullptr); }

json revocationJson(const std::vector<RevocationReport>& list) {
  json out = json::array();
  for (const RevocationReport& r : list) {
    out.push_back({{"subject", r.subject},
                   {"serial", r.serial},
                   {"status", r.status},
                   {"source", nullOr(r.source)},
                   {"origin", nullOr(r.origin)},
                   {"url", nullOr(r.url)},
                   {"thisUpdate", timeOrNull(r.thisUpdate)},
                   {"nextUpdate", timeOrNull(r.nextUpdate)},
                   {"revocationTime", timeOrNull(r.revocationTime)},
                   {"reason", nullOr(r.reason)},
                   {"problems", notesJson(r.problems)}});
  }
  return out;
}

/// One line per certificate: its name and what its revocation data says.
std::string revocationLine(const RevocationReport& r) {
  const std::string source = r.source == "ocsp" ? "OCSP" : r.source == "crl" ? "CRL" : "";
  const std::string where =
      r.url.empty() ? (r.origin == "embedded" ? tr("embedded in the signature") : tr("from the cache")) : r.url;
  if (r.status == "good") {
    return format(tr("{0}: not revoked ({1} of {2}, {3})"),
                  {r.subject, source, r.thisUpdate ? readableTimeAndUtc(*r.thisUpdate) : "?", where});
  }
  if (r.status == "revoked") {
    return format(tr("{0}: REVOKED at {1}{2} ({3}, {4})"),
                  {r.subject, r.revocationTime ? readableTimeAndUtc(*r.revocationTime) : "?",
                   r.reason.empty() ? std::string() : ", " + r.reason, source, where});
  }
  if (r.status == "unknown") return format(tr("{0}: unknown to its issuer's OCSP responder"), {r.subject});
  if (r.status == "no-source") return format(tr("{0}: names no OCSP responder or CRL"), {r.subject});
  return format(tr("{0}: revocation status not available"), {r.subject});
}

}  // namespace

std::string reportToJson(const VerificationReport& r) {
  json j{{"file", r.file},
         {"format", r.format},
         {"indication", indicationCode(r.indication)},
         {"subIndication", nullOr(subIndicationCode(r.subIndication))}};
  if (r.validationTime) j["validationTime"] = isoTime(*r.validationTime);
  json sigs = json::array();
  for (const auto& s : r.signatures) {
    json js{{"id", s.id},
            {"format", s.format},
            {"level", s.level},
            {"indication", indicationCode(s.indication)},
            {"subIndication", nullOr(subIndicationCode(s.subIndication))},
            {"signer", s.signer ? certJson(*s.signer) : json(nullptr)},
            {"signingTime", s.signingTime ? json(isoTime(*s.signingTime)) : json(nullptr)},
            {"digestAlgorithm", s.digestAlgorithm},
            {"signatureAlgorithm", s.signatureAlgorithm}};
    json ts = json::array();
    for (const auto& t : s.timestamps) {
      ts.push_back({{"type", t.type},
                    {"time", t.time ? json(isoTime(*t.time)) : json(nullptr)},
                    {"indication", indicationCode(t.indication)},
                    {"subIndication", nullOr(subIndicationCode(t.subIndication))},
                    {"tsa", t.tsa ? json(t.tsa->subject()) : json(nullptr)},
                    {"detail", noteJson(t.detail)},
                    {"checks", checksJson(t.checks)}});
    }
    js["timestamps"] = ts;
    js["proofOfExistence"] = s.proofOfExistence ? json(isoTime(*s.proofOfExistence)) : json(nullptr);
    json chain = json::array();
    for (const auto& c : s.chain) chain.push_back(c.subject());
    js["chain"] = chain;
    js["revocation"] = revocationJson(s.revocation);
    js["integrity"] = integrityCode(integrityOf(s));
    js["coversWholeDocument"] = s.coversWholeDocument ? json(*s.coversWholeDocument) : json(nullptr);
    if (s.signedBytes) {
      js["signedRevision"] = {{"revision", s.signedRevision}, {"bytes", *s.signedBytes}};
    }
    if (s.appearance) {
      const SignatureAppearance& a = *s.appearance;
      // To 1/100 point: /Rect numbers are decimals, and 82.98 reads better
      // than its nearest double's 82.97999999999999.
      const auto pt = [](double v) { return std::round(v * 100) / 100; };
      js["appearance"] = {{"page", a.page}, {"rect", {pt(a.x), pt(a.y), pt(a.width), pt(a.height)}}};
    }
    js["modificationLevel"] = s.modificationLevel ? json(modificationLevelCode(*s.modificationLevel)) : json(nullptr);
    json mods = json::array();
    for (const auto& m : s.modifications) {
      json args = json::object();
      for (const auto& [k, v] : m.args) args[k] = v;
      mods.push_back({{"level", modificationLevelCode(m.level)}, {"code", m.code}, {"args", args}});
    }
    js["modifications"] = mods;
    // README.md's JSON shape names this list; it is the English wording of
    // "modifications", for people reading the JSON.
    json modText = json::array();
    for (const auto& m : s.modifications) modText.push_back(modificationWords(m, true));
    js["modifiedAfterSigning"] = modText;
    js["signedData"] = notesJson(s.signedData);
    js["messages"] = notesJson(s.messages);
    js["checks"] = checksJson(s.checks);
    if (!s.counterSignatureOf.empty()) js["counterSignatureOf"] = s.counterSignatureOf;
    sigs.push_back(js);
  }
  j["signatures"] = sigs;
  return j.dump(2);
}

std::string certificateToText(const Certificate& c, const std::string& in) {
  std::ostringstream o;
  o << in << tr("Subject:") << ' ' << c.subject() << '\n';
  for (const auto& [k, v] : c.subjectFields()) {
    if (k == "serialNumber") o << in << "  " << tr("Personal/identity number:") << ' ' << v << '\n';
    if (k == "C") o << in << "  " << tr("Country:") << ' ' << v << '\n';
    if (k == "O") o << in << "  " << tr("Organisation:") << ' ' << v << '\n';
  }
  o << in << tr("Issuer:") << ' ' << c.issuer() << '\n';
  o << in << tr("Serial number:") << ' ' << c.serialHex() << '\n';
  o << in << tr("Valid from:") << ' ' << readableTimeAndUtc(c.notBefore()) << ' ' << tr("to") << ' '
    << readableTimeAndUtc(c.notAfter()) << '\n';
  o << in << tr("Key:") << ' ' << c.keyType() << '\n';
  const auto ku = c.keyUsage();
  if (!ku.empty()) {
    o << in << tr("Key usage:") << ' ';
    for (std::size_t i = 0; i < ku.size(); ++i) o << (i ? ", " : "") << ku[i];
    o << '\n';
  }
  const auto pol = c.policies();
  if (!pol.empty()) {
    o << in << tr("Policies:") << ' ';
    for (std::size_t i = 0; i < pol.size(); ++i) o << (i ? ", " : "") << pol[i];
    o << '\n';
  }
  o << in << tr("SHA-256 fingerprint:") << ' ' << c.sha256Fingerprint() << '\n';
  return o.str();
}

std::string reportToText(const VerificationReport& r) {
  std::ostringstream o;
  o << tr("File:") << ' ' << r.file << '\n';
  o << tr("Format:") << ' ' << r.format << '\n';
  if (r.signatures.empty()) {
    o << tr("The file holds no signature.") << '\n';
    return o.str();
  }
  o << tr("Result:") << ' ' << indicationCode(r.indication);
  if (r.subIndication != SubIndication::None) o << " / " << subIndicationCode(r.subIndication);
  o << " - " << describe(r.indication, r.subIndication) << '\n';
  if (r.validationTime) o << tr("Validation time:") << ' ' << readableTimeAndUtc(*r.validationTime) << '\n';
  for (const auto& s : r.signatures) {
    o << '\n';
    if (s.counterSignatureOf.empty()) {
      o << format(tr("Signature {0} ({1} {2})"), {s.id, s.format, s.level}) << '\n';
    } else {
      o << format(tr("Counter-signature {0} of {1} ({2})"), {s.id, s.counterSignatureOf, s.format}) << '\n';
    }
    o << "  " << tr("Result:") << ' ' << indicationCode(s.indication);
    if (s.subIndication != SubIndication::None) o << " / " << subIndicationCode(s.subIndication);
    o << " - " << describe(s.indication, s.subIndication) << '\n';
    if (s.signer) {
      o << "  " << tr("Signed by:") << ' ' << displayName(*s.signer) << '\n';
      o << certificateToText(*s.signer, "    ");
    }
    if (s.signingTime)
      o << "  " << tr("Signing time (claimed by the signer):") << ' ' << readableTimeAndUtc(*s.signingTime) << '\n';
    o << "  " << tr("Digest algorithm:") << ' ' << s.digestAlgorithm << '\n';
    if (s.appearance) o << "  " << format(tr("Visible on page {0}"), {readableCount(s.appearance->page)}) << '\n';
    for (const auto& t : s.timestamps) {
      o << "  " << tr("Time-stamp:") << ' ' << timestampTypeName(t.type) << ' '
        << (t.time ? readableTimeAndUtc(*t.time) : std::string("?")) << ' ' << indicationCode(t.indication);
      if (!t.detail.empty()) o << " (" << describe(t.detail) << ')';
      o << '\n';
      for (const auto& c : t.checks) {
        if (c.status == Check::Status::Passed) continue;
        o << "      " << statusMark(c.status) << ' ' << checkLabel(c.id);
        if (!c.detail.empty()) o << " - " << describe(c.detail);
        o << '\n';
      }
    }
    if (s.proofOfExistence) {
      o << "  " << tr("Proven to exist at (time-stamp):") << ' ' << readableTimeAndUtc(*s.proofOfExistence) << '\n';
    }
    if (!s.chain.empty()) {
      o << "  " << tr("Certificate chain:") << '\n';
      for (const auto& c : s.chain) o << "    - " << c.subject() << '\n';
    }
    if (!s.revocation.empty()) {
      o << "  " << tr("Revocation:") << '\n';
      for (const auto& rv : s.revocation) {
        o << "    - " << revocationLine(rv) << '\n';
        for (const auto& p : rv.problems) o << "        " << describe(p) << '\n';
      }
    }
    o << "  " << tr("Integrity:") << ' ' << integrityWords(integrityOf(s)) << '\n';
    if (s.coversWholeDocument) {
      o << "  "
        << (*s.coversWholeDocument ? tr("Covers the whole document.") : tr("Does NOT cover the whole document."))
        << '\n';
    }
    for (const auto& d : s.signedData) o << "  " << tr("Signed:") << ' ' << describe(d) << '\n';
    if (s.modificationLevel && *s.modificationLevel != ModificationLevel::None) {
      o << "  " << tr("Changed after signing:") << ' ' << modificationLevelName(*s.modificationLevel) << '\n';
      for (const auto& m : s.modifications)
        o << "    - " << describe(m) << " [" << modificationLevelName(m.level) << "]\n";
    }
    o << "  " << tr("Checks:") << '\n';
    for (const auto& c : s.checks) {
      o << "    " << statusMark(c.status) << ' ' << checkLabel(c.id);
      if (!c.detail.empty()) o << " - " << describe(c.detail);
      o << '\n';
    }
    for (const auto& m : s.messages) o << "  * " << describe(m) << '\n';
  }
  return o.str();
}

std::string inspectionToJson(const Inspection& in) {
  json j{{"file", in.file}, {"format", in.format}, {"packaging", in.packaging}};
  j["contentSize"] = in.contentSize ? json(*in.contentSize) : json(nullptr);
  json sigs = json::array();
  for (const auto& s : in.signatures) {
    json js{{"id", s.id},
            {"level", s.level},
            {"signer", s.signer ? certJson(*s.signer) : json(nullptr)},
            {"signingTime", s.signingTime ? json(isoTime(*s.signingTime)) : json(nullptr)},
            {"digestAlgorithm", s.digestAlgorithm},
            {"signatureAlgorithm", s.signatureAlgorithm},
            {"signedAttributes", s.signedAttributes},
            {"unsignedAttributes", s.unsignedAttributes}};
    sigs.push_back(js);
  }
  j["signatures"] = sigs;
  json certs = json::array();
  for (const auto& c : in.certificates) certs.push_back(certJson(c));
  j["certificates"] = certs;
  if (!in.revisions.empty()) {
    json revs = json::array();
    for (const auto& r : in.revisions) {
      json changes = json::array();
      for (const auto& m : r.changes) {
        json args = json::object();
        for (const auto& [k, v] : m.args) args[k] = v;
        changes.push_back({{"level", modificationLevelCode(m.level)},
                           {"code", m.code},
                           {"args", args},
                           {"text", modificationWords(m, true)}});
      }
      revs.push_back({{"end", r.end},
                      {"signedBy", r.signedBy},
                      {"level", modificationLevelCode(r.level)},
                      {"changes", changes},
                      {"unreadable", nullOr(r.unreadable)}});
    }
    j["revisions"] = revs;
  }
  return j.dump(2);
}

std::string inspectionToText(const Inspection& in) {
  std::ostringstream o;
  o << tr("File:") << ' ' << in.file << '\n';
  o << tr("Format:") << ' ' << in.format << " (" << tr(in.packaging.c_str()) << ")\n";
  if (in.contentSize) {
    o << tr("Attached content:") << ' '
      << format(trn("{0} byte", "{0} bytes", *in.contentSize), {readableCount(*in.contentSize)}) << '\n';
  }
  o << format(trn("{0} signature", "{0} signatures", in.signatures.size()), {readableCount(in.signatures.size())})
    << '\n';
  std::string out = o.str();
  std::ostringstream s;
  for (const auto& sig : in.signatures) {
    s << '\n' << format(tr("Signature {0} ({1} {2})"), {sig.id, in.format, sig.level}) << '\n';
    if (sig.signer) s << "  " << tr("Signed by:") << ' ' << displayName(*sig.signer) << '\n';
    if (sig.signingTime)
      s << "  " << tr("Signing time (claimed by the signer):") << ' ' << readableTimeAndUtc(*sig.signingTime) << '\n';
    s << "  " << tr("Digest algorithm:") << ' ' << sig.digestAlgorithm << '\n';
    s << "  " << tr("Signature algorithm:") << ' ' << sig.signatureAlgorithm << '\n';
    s << "  " << tr("Signed attributes:") << ' ';
    for (std::size_t i = 0; i < sig.signedAttributes.size(); ++i) s << (i ? ", " : "") << sig.signedAttributes[i];
    s << '\n';
    if (!sig.unsignedAttributes.empty()) {
      s << "  " << tr("Unsigned attributes:") << ' ';
      for (std::size_t i = 0; i < sig.unsignedAttributes.size(); ++i) s << (i ? ", " : "") << sig.unsignedAttributes[i];
      s << '\n';
    }
  }
  if (!in.revisions.empty()) {
    s << '\n' << tr("Revisions:") << '\n';
    for (std::size_t i = 0; i < in.revisions.size(); ++i) {
      const auto& r = in.revisions[i];
      s << "  " << format(tr("{0}. ends at byte {1}"), {i + 1, r.end});
      if (!r.signedBy.empty()) {
        s << "; " << tr("signed by") << ' ';
        for (std::size_t k = 0; k < r.signedBy.size(); ++k) s << (k ? ", " : "") << r.signedBy[k];
      }
      s << '\n';
      if (i == 0) s << "     " << tr("the original document") << '\n';
      if (!r.unreadable.empty())
        s << "     " << format(tr("this revision cannot be read ({0})"), {r.unreadable}) << '\n';
      for (const auto& c : r.changes) s << "     - " << describe(c) << " [" << modificationLevelName(c.level) << "]\n";
    }
  }
  s << '\n' << tr("Certificates in the file:") << '\n';
  for (const auto& c : in.certificates) s << certificateToText(c, "  ") << '\n';
  return out + s.str();
}

std::string offeredCertificateToText(const OfferedCertificate& oc) {
  std::ostringstream o;
  const bool token = oc.id.rfind("pkcs11:", 0) == 0;
  if (!oc.location.empty()) o << (token ? tr("Token:") : tr("Location:")) << ' ' << oc.location << '\n';
  if (!oc.label.empty() || !oc.keyId.empty()) {
    o << tr("Key object:") << ' ' << oc.label;
    if (!oc.keyId.empty()) o << " (" << format(tr("ID {0}"), {oc.keyId}) << ')';
    o << '\n';
  }
  if (token) o << tr("Select with:") << " --signer '" << oc.id << "'\n";
  o << certificateToText(oc.certificate, "");
  for (const auto& c : oc.chain) o << tr("Issued by (on the token or in the file):") << ' ' << c.subject() << '\n';
  return o.str();
}

std::string certificatesToJson(const std::vector<OfferedCertificate>& certs) {
  json arr = json::array();
  for (const auto& oc : certs) {
    json j = certJson(oc.certificate);
    j["id"] = oc.id;
    j["location"] = oc.location;
    j["label"] = oc.label;
    j["keyId"] = oc.keyId;
    json chain = json::array();
    for (const auto& c : oc.chain) chain.push_back(c.subject());
    j["chain"] = chain;
    arr.push_back(j);
  }
  return arr.dump(2);
}

}  // namespace securedoc
