// The verification report as an ETSI TS 119 102-2 validation report.
//
// Element names, their order and the URIs follow the standard's XML schema
// (1910202xmlSchema.xsd, namespace http://uri.etsi.org/19102/v1.2.1#; a copy
// is in tests/data/etsi/ when the unit test validates against it).  The
// document is written here, not through libxml2: libxml2 is loaded only by
// the XAdES module (ARCHITECTURE.md "Loaded on first use"), and securedoc_app
// must not link it.  So every text and attribute goes through esc(), which
// also turns bytes that are not UTF-8 and characters XML 1.0 forbids into
// U+FFFD; the unit test parses every document with libxml2.
//
// What the report model does not carry is left out rather than invented:
// the signature value (so SignatureIdentifier has an id, no
// DigestAlgAndValue), the time-stamp tokens, OCSP responses and CRLs (so
// only certificates become validation objects), a signature quality URI
// (TS 119 102-2 defines none for the baseline levels B-B...B-LTA).
#include <securedoc/app/report_etsi.h>
#include <securedoc/base/bytes.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace securedoc {

namespace {

constexpr const char* kNamespace = "http://uri.etsi.org/19102/v1.2.1#";

/// Appends U+FFFD, what an unusable character becomes.
void replacement(std::string& out) { out += "\xEF\xBF\xBD"; }

/// XML 1.0 §2.2 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
bool xmlChar(std::uint32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

/// Text or an attribute value from anywhere (names and ids come from the
/// verified file): markup characters escaped, quotes too (attributes are
/// double-quoted), CR escaped so a parser does not normalise it away; UTF-8
/// decoded strictly (RFC 3629: no overlong forms, no surrogates).
std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::uint32_t c = 0;
    std::size_t len = 0;
    if (b < 0x80) {
      c = b;
      len = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      c = b & 0x1Fu;
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      c = b & 0x0Fu;
      len = 3;
    } else if (b >= 0xF0 && b <= 0xF4) {
      c = b & 0x07u;
      len = 4;
    } else {
      replacement(out);
      ++i;
      continue;
    }
    bool ok = i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const auto cb = static_cast<unsigned char>(s[i + k]);
      if ((cb & 0xC0u) != 0x80u) {
        ok = false;
      } else {
        c = (c << 6) | (cb & 0x3Fu);
      }
    }
    if (ok && len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ok = false;
    if (ok && len == 4 && (c < 0x10000 || c > 0x10FFFF)) ok = false;
    if (!ok) {
      replacement(out);
      ++i;  // resynchronise on the next byte
      continue;
    }
    if (!xmlChar(c)) {
      replacement(out);
    } else if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else if (c == '\r') {
      out += "&#13;";
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

/// A small forward-only writer: start(), attributes, then text or children,
/// end().  Element and attribute names are ours (constants); attribute values
/// are ours too (ids, URIs, booleans) and text may come from the file: both
/// go through esc().
class Writer {
 public:
  Writer& start(std::string_view name) {
    closeStartTag();
    indent();
    m_out += '<';
    m_out.append(name);
    m_open.emplace_back(name);
    m_startOpen = true;
    return *this;
  }
  Writer& attr(std::string_view name, std::string_view value) {
    m_out += ' ';
    m_out.append(name);
    m_out += "=\"";
    m_out += esc(value);
    m_out += '"';
    return *this;
  }
  /// Text content, then the element ends.
  void text(std::string_view value) {
    m_out += '>';
    m_out += esc(value);
    m_startOpen = false;
    m_out += "</";
    m_out += m_open.back();
    m_out += '>';
    m_open.pop_back();
  }
  void end() {
    const std::string name = m_open.back();
    m_open.pop_back();
    if (m_startOpen) {
      m_out += "/>";
      m_startOpen = false;
    } else {
      indent();  // it had children: text() closes an element itself
      m_out += "</";
      m_out += name;
      m_out += '>';
    }
  }
  /// <name>value</name>
  void element(std::string_view name, std::string_view value) { start(name).text(value); }
  std::string finish() {
    while (!m_open.empty()) end();
    m_out += '\n';
    return std::move(m_out);
  }

 private:
  void closeStartTag() {
    if (m_startOpen) {
      m_out += '>';
      m_startOpen = false;
    }
  }
  void indent() {
    if (m_out.empty()) return;
    m_out += '\n';
    m_out.append(m_open.size() * 2, ' ');
  }

  std::string m_out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
  std::vector<std::string> m_open;
  bool m_startOpen = false;
};

// TS 119 102-2 URIs, as its tables define them (the urn:etsi:019102: names
// other validators, e.g. DSS, emit too).
constexpr const char* kProcessBasic = "urn:etsi:019102:validationprocess:Basic";  // EN 319 102-1 §5.3
constexpr const char* kProcessLtvm = "urn:etsi:019102:validationprocess:LTVM";    // EN 319 102-1 §5.5
constexpr const char* kProcessLta = "urn:etsi:019102:validationprocess:LTA";      // EN 319 102-1 §5.6
constexpr const char* kProofValidation = "urn:etsi:019102:poetype:validation";
constexpr const char* kObjectCertificate = "urn:etsi:019102:validationObject:certificate";

const char* mainIndicationUri(Indication i) {
  switch (i) {
    case Indication::TotalPassed:
      return "urn:etsi:019102:mainindication:total-passed";
    case Indication::TotalFailed:
      return "urn:etsi:019102:mainindication:total-failed";
    case Indication::Indeterminate:
      return "urn:etsi:019102:mainindication:indeterminate";
  }
  return "urn:etsi:019102:mainindication:indeterminate";
}

/// Our sub-indications are EN 319 102-1's (Table 5); TS 119 102-2 names
/// each by its EN 319 102-1 name under urn:etsi:019102:subindication:.
std::string subIndicationUri(SubIndication s) {
  return std::string("urn:etsi:019102:subindication:") + subIndicationCode(s);
}

/// RFC 5280 §5.3.1 reason names, as our revocation report spells them,
/// under urn:etsi:019102:revocationReason:; "" for none.
std::string revocationReasonUri(const std::string& reason) {
  static const char* const kKnown[] = {
      "unspecified",          "keyCompromise",   "cACompromise",  "affiliationChanged", "superseded",
      "cessationOfOperation", "certificateHold", "removeFromCRL", "privilegeWithdrawn", "aACompromise"};
  for (const char* k : kKnown) {
    if (reason == k) return std::string("urn:etsi:019102:revocationReason:") + k;
  }
  return {};
}

/// The certificates every signature refers to, once each (a shared CA is
/// one validation object), with an xs:ID made from the SHA-256 of the DER so
/// that ids are stable and never collide with anything from the file.
class Objects {
 public:
  /// The id of `cert`'s validation object, adding it on first use.
  std::string add(const Certificate& cert) {
    const std::string fp = cert.sha256Fingerprint();
    auto it = m_ids.find(fp);
    if (it != m_ids.end()) return it->second;
    std::string id = "C-" + fp;
    m_ids.emplace(fp, id);
    m_certs.push_back({id, toBase64(cert.der())});
    return id;
  }
  bool empty() const { return m_certs.empty(); }

  /// SignatureValidationObjects (TS 119 102-2 §4.4): ObjectType, then the
  /// object itself as base64 DER in ValidationObjectRepresentation.
  void write(Writer& w) const {
    if (m_certs.empty()) return;  // the list needs at least one entry
    w.start("SignatureValidationObjects");
    for (const auto& c : m_certs) {
      w.start("ValidationObject").attr("id", c.id);
      w.element("ObjectType", kObjectCertificate);
      w.start("ValidationObjectRepresentation");
      w.element("base64", c.base64);
      w.end();
      w.end();
    }
    w.end();
  }

 private:
  struct Entry {
    std::string id;
    std::string base64;
  };
  std::map<std::string, std::string> m_ids;  // fingerprint -> id
  std::vector<Entry> m_certs;                // in order of first use
};

bool hasTimestamp(const SignatureReport& s, std::initializer_list<std::string_view> types) {
  for (const auto& t : s.timestamps) {
    for (const auto type : types) {
      if (t.type == type) return true;
    }
  }
  return false;
}

/// Which EN 319 102-1 process the verifier ran for this signature, as far as
/// the signature allowed: an archive or document time-stamp was processed →
/// long-term availability (§5.6), a signature or content time-stamp → with
/// time and long-term validation material (§5.5), else the basic one (§5.3).
const char* processUri(const SignatureReport& s) {
  if (hasTimestamp(s, {"archive", "document"})) return kProcessLta;
  if (hasTimestamp(s, {"signature", "content"})) return kProcessLtvm;
  return kProcessBasic;
}

/// The chain check passed, so the path ends at a trust anchor (crypto/chain.h:
/// "anchor last when found").
bool chainReachedAnchor(const SignatureReport& s) {
  for (const auto& c : s.checks) {
    if (c.id == "certificateChain") return c.status == Check::Status::Passed;
  }
  return false;
}

/// SignatureAttributes (TS 119 102-2 Annex A): the claimed signing time and
/// one entry per time-stamp with a time.  A time-stamp whose time could not
/// be read has no TimeStampValue, which the schema requires: it is left out
/// here (the JSON report still lists it).
void writeAttributes(Writer& w, const SignatureReport& s) {
  bool any = s.signingTime.has_value();
  for (const auto& t : s.timestamps) any = any || t.time.has_value();
  if (!any) return;  // the element needs at least one attribute
  w.start("SignatureAttributes");
  if (s.signingTime) {
    // A signed attribute: a claim of the signer, not a proof of existence.
    w.start("SigningTime").attr("Signed", "true");
    w.element("Time", isoTime(*s.signingTime));
    w.end();
  }
  for (const auto& t : s.timestamps) {
    if (!t.time) continue;
    const char* name = nullptr;
    const char* isSigned = nullptr;
    if (t.type == "signature") {
      name = "SignatureTimeStamp";  // A.12, an unsigned attribute
      isSigned = "false";
    } else if (t.type == "archive") {
      name = "ArchiveTimeStamp";  // A.24, unsigned
      isSigned = "false";
    } else if (t.type == "document") {
      name = "DocTimeStamp";  // A.29, a PDF document time-stamp: no attribute of the signature
    } else if (t.type == "content") {
      name = "AllDataObjectsTimeStamp";  // A.6, a signed attribute
      isSigned = "true";
    } else {
      continue;
    }
    w.start(name);
    if (isSigned) w.attr("Signed", isSigned);
    w.element("TimeStampValue", isoTime(*t.time));
    w.end();
  }
  w.end();
}

/// AssociatedValidationReportData: the certificate chain, then one entry per
/// revoked certificate of the path (RevocationStatusInformation occurs once
/// per entry).
void writeReportData(Writer& w, const SignatureReport& s, const std::vector<std::string>& chainIds, Objects& objects) {
  if (!chainIds.empty()) {
    w.start("AssociatedValidationReportData");
    w.start("CertificateChain");
    w.start("SigningCertificate").attr("VOReference", chainIds.front()).end();
    const bool anchored = chainReachedAnchor(s) && chainIds.size() > 1;
    const std::size_t intermediates = anchored ? chainIds.size() - 1 : chainIds.size();
    for (std::size_t i = 1; i < intermediates; ++i) {
      w.start("IntermediateCertificate").attr("VOReference", chainIds[i]).end();
    }
    if (anchored) w.start("TrustAnchor").attr("VOReference", chainIds.back()).end();
    w.end();
    w.end();
  }
  for (const auto& rev : s.revocation) {
    if (rev.status != "revoked" || !rev.revocationTime) continue;
    // The certificate the entry is about, by serial and subject.
    std::string id;
    for (const auto& c : s.chain) {
      if (c.serialHex() == rev.serial && c.subject() == rev.subject) id = objects.add(c);  // added already
    }
    if (id.empty()) continue;  // ValidationObjectId is required
    w.start("AssociatedValidationReportData");
    w.start("RevocationStatusInformation");
    w.start("ValidationObjectId").attr("VOReference", id).end();
    w.element("RevocationTime", isoTime(*rev.revocationTime));
    const std::string reason = revocationReasonUri(rev.reason);
    if (!reason.empty()) w.element("RevocationReason", reason);
    w.end();
    w.end();
  }
}

void writeSignature(Writer& w, const SignatureReport& s, std::size_t index, std::time_t validationTime,
                    Objects& objects) {
  // The certificates first, so that references and objects agree.
  std::vector<std::string> chainIds;
  for (const auto& c : s.chain) chainIds.push_back(objects.add(c));
  std::string signerId;
  if (s.signer) signerId = objects.add(*s.signer);
  if (!chainIds.empty() && s.signer && !(s.chain.front() == *s.signer)) {
    chainIds.insert(chainIds.begin(), signerId);  // a chain that does not start at the signer
  }

  w.start("SignatureValidationReport");

  // SignatureIdentifier: no signature value in the report model, so an id;
  // the signature's own name (PDF field, XML Id, CMS index), which the text
  // and JSON reports use, as DAIdentifier so a reader can match them.
  w.start("SignatureIdentifier").attr("id", "S-" + std::to_string(index));
  w.element("HashOnly", "false");
  w.element("DocHashOnly", "false");
  if (!s.id.empty()) w.element("DAIdentifier", s.id);
  w.end();

  // ValidationTimeInfo: BestSignatureTime is the proof of existence a
  // time-stamp gave; without one EN 319 102-1 §5.6.2.1 starts the
  // best-signature-time at the validation time, which is then the POE.
  w.start("ValidationTimeInfo");
  w.element("ValidationTime", isoTime(validationTime));
  w.start("BestSignatureTime");
  w.element("POETime", isoTime(s.proofOfExistence.value_or(validationTime)));
  w.element("TypeOfProof", kProofValidation);
  w.end();
  w.end();

  writeAttributes(w, s);

  if (s.signer) {
    w.start("SignerInformation");
    w.start("SignerCertificate").attr("VOReference", signerId).end();
    w.element("Signer", s.signer->subject());
    w.end();
  }

  w.start("SignatureValidationProcess");
  w.element("SignatureValidationProcessID", processUri(s));
  w.end();

  w.start("SignatureValidationStatus");
  w.element("MainIndication", mainIndicationUri(s.indication));
  if (s.subIndication != SubIndication::None) w.element("SubIndication", subIndicationUri(s.subIndication));
  writeReportData(w, s, chainIds, objects);
  w.end();

  w.end();
}

}  // namespace

std::string etsiValidationReport(const VerificationReport& report, std::time_t now) {
  const std::time_t validationTime = report.validationTime.value_or(now);
  Writer w;
  w.start("ValidationReport").attr("xmlns", kNamespace);
  Objects objects;
  std::size_t index = 0;
  for (const auto& s : report.signatures) writeSignature(w, s, ++index, validationTime, objects);
  objects.write(w);
  w.end();
  return w.finish();
}

}  // namespace securedoc
