#include "pdf_revision_analysis.h"

#include "cms_support.h"
#include "pdf_objects.h"
#include "pdf_scanner.h"
#include "signature_checks.h"

#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <openssl/err.h>

#include <algorithm>
#include <set>
#include <utility>

namespace securedoc::pdf {

namespace fs = std::filesystem;
using namespace PoDoFo;

PdfMemDocument& RevisionCache::at(std::uint64_t end) {
  auto& slot = m_revisions[end];
  if (!slot) {
    const Bytes bytes = readFileRange(m_file, 0, end);
    slot = loadRevision(bytes);
  }
  return *slot;
}

namespace {

/// Not TOTAL-PASSED when the changes after the signature cannot be judged.
void demote(SignatureReport& r) {
  if (r.indication == Indication::TotalPassed) {
    r.indication = Indication::Indeterminate;
    r.subIndication = SubIndication::SigConstraintsFailure;
  }
}

/// The changes after the signature cannot (all) be judged: `why` is the
/// modifications check's detail, `message` tells the reader.
void changesNotChecked(SignatureReport& r, Note why, Note message) {
  r.checks.push_back(checks::makeCheck("modifications", Check::Status::NotChecked, std::move(why)));
  r.messages.push_back(std::move(message));
  demote(r);
}

Note laterRevisionUnreadable(const PdfError& e) {
  return Note{"later-revision-unreadable",
              N_("a later revision cannot be read ({error})"),
              {{"error", PdfError::ErrorName(e.GetError())}}};
}

Note changesNotAllChecked() {
  return Note{"changes-not-all-checked", N_("A later revision of the PDF cannot be read, so the changes after this "
                                            "signature cannot all be checked.")};
}

/// Records where the signed revision stands in the file; false when that
/// settles the modifications check (nothing after it, or nothing to compare).
bool needsComparison(SignatureReport& r, const FieldFacts& f, const ChangeInputs& in) {
  r.coversWholeDocument = f.end == in.size;
  r.signedBytes = f.end;
  const auto at = std::find(in.revisionEnds.begin(), in.revisionEnds.end(), f.end);
  if (at != in.revisionEnds.end()) r.signedRevision = static_cast<int>(at - in.revisionEnds.begin()) + 1;
  if (f.end > in.size) {
    // Signed bytes were cut from the file: the signed revision is not in it,
    // so there is nothing to compare the file with (the signature already
    // failed its digest).
    r.checks.push_back(
        checks::makeCheck("modifications", Check::Status::NotChecked,
                          Note{"signed-revision-missing",
                               N_("the signed revision is not in the file: it ends at byte {end}, the file "
                                  "has {size} bytes"),
                               {{"end", std::to_string(f.end)}, {"size", std::to_string(in.size)}}}));
    return false;
  }
  if (f.end == in.size) {
    r.modificationLevel = ModificationLevel::None;
    r.checks.push_back(checks::makeCheck("modifications", Check::Status::Passed));
    return false;
  }
  if (!in.finalDocument) {
    changesNotChecked(
        r, Note{"pdf-unreadable", N_("the PDF's structure cannot be read ({error})"), {{"error", in.loadError}}},
        Note{"changes-not-checked-pdf-unreadable",
             N_("The PDF's structure cannot be read, so the changes after this signature cannot be checked.")});
    return false;
  }
  return true;
}

/// The revision the signature covers, or null (and the check NOT-CHECKED)
/// when it cannot be read.
PdfMemDocument* signedRevisionOf(SignatureReport& r, const FieldFacts& f, const ChangeInputs& in) {
  try {
    return &in.revisions.at(f.end);
  } catch (const PdfError& e) {
    changesNotChecked(r,
                      Note{"signed-revision-unreadable",
                           N_("the signed revision cannot be read ({error})"),
                           {{"error", PdfError::ErrorName(e.GetError())}}},
                      Note{"changes-not-checked-signed-revision-unreadable",
                           N_("The signed revision cannot be read, so the changes after signing cannot be checked.")});
    return nullptr;
  }
}

/// The revision the signature covers, with what it says about later changes.
struct SignedRevision {
  PdfMemDocument& doc;
  const SignedRoles& roles;
  const FieldLock& lock;
};

/// What the later revisions changed, all together.
struct ChangesFound {
  ModificationLevel level = ModificationLevel::None;
  std::vector<Modification> changes;
  std::vector<Footprint> footprints;
  Note unreadable;  ///< the first reason a later revision could not be judged
};

/// The ends of the revisions after the signed one; the last is the whole file.
std::vector<std::uint64_t> laterRevisionEnds(const FieldFacts& f, const ChangeInputs& in) {
  std::vector<std::uint64_t> later;
  for (const auto e : in.revisionEnds) {
    if (e > f.end && e < in.size) later.push_back(e);
  }
  // The last revision (read without the bytes after it) is the final document.
  if (!later.empty() && later.back() == in.revisionEnds.back()) later.pop_back();
  later.push_back(in.size);
  return later;
}

/// Adds to `found` what the revision ending at `e` (the final document when
/// `e` is the file's size) changed from the signed one.
void compareWithRevision(const SignedRevision& s, std::uint64_t e, const ChangeInputs& in, ChangesFound& found) {
  PdfMemDocument* revision = in.finalDocument;
  if (e != in.size) {
    try {
      revision = &in.revisions.at(e);
    } catch (const PdfError& err) {
      if (found.unreadable.empty()) {
        found.unreadable = Note{"revision-unreadable",
                                N_("the revision ending at byte {end} cannot be read ({error})"),
                                {{"end", std::to_string(e)}, {"error", PdfError::ErrorName(err.GetError())}}};
      }
      return;
    }
  }
  DiffResult d;
  try {
    d = diffRevision(s.roles, s.doc, *revision, *in.finalDocument, in.verified, s.lock);
  } catch (const PdfError& err) {
    d.unreadable = true;
    if (found.unreadable.empty()) found.unreadable = laterRevisionUnreadable(err);
  }
  if (d.unreadable && found.unreadable.empty()) {
    found.unreadable = Note{"revisions-not-linked", N_("the later revisions do not link back to the signed one")};
  }
  found.level = std::max(found.level, d.level);
  for (const auto& m : d.changes) addModification(found.changes, m);
  found.footprints.insert(found.footprints.end(), d.footprints.begin(), d.footprints.end());
}

/// The page images of the signed revision and of the file (pdf_visual.h):
/// the "visualComparison" check; what differs is added to `found`.
void compareLooks(SignatureReport& r, const FieldFacts& f, const ChangeInputs& in, ChangesFound& found) {
  const VisualResult v = compareVisually(in.file, f.end, found.footprints);
  if (!v.compared) {
    r.checks.push_back(checks::makeCheck("visualComparison", Check::Status::NotChecked, v.notCompared));
  } else if (v.findings.empty()) {
    r.checks.push_back(checks::makeCheck("visualComparison", Check::Status::Passed));
  } else {
    r.checks.push_back(
        checks::makeCheck("visualComparison", Check::Status::Failed,
                          Note{"page-looks-different", N_("a page does not look like the signed version")}));
    for (const auto& m : v.findings) {
      addModification(found.changes, m);
      found.level = std::max(found.level, m.level);
    }
  }
}

/// The "modifications" check: the most the later revisions change, held to
/// the most the signature allows.
void recordVerdict(SignatureReport& r, ChangesFound& found, ModificationLevel allowed) {
  const ModificationLevel level = found.level;
  // A revision that cannot be read leaves the level unknown, not "none".
  if (found.unreadable.empty() || level > allowed) r.modificationLevel = level;
  r.modifications = std::move(found.changes);
  if (level > allowed) {
    r.checks.push_back(checks::makeCheck(
        "modifications", Check::Status::Failed,
        Note{"changes-beyond-allowed",
             N_("changes after signing reach the level \"{level}\"; this signature allows up to \"{allowed}\""),
             {{"level", modificationLevelCode(level)}, {"allowed", modificationLevelCode(allowed)}}}));
    r.messages.push_back(Note{"changed-after-signing-not-allowed",
                              N_("The document was changed after this signature in a way the signature does not "
                                 "allow; what is shown now is not what was signed.")});
    if (r.indication != Indication::TotalFailed) {
      r.indication = Indication::TotalFailed;
      r.subIndication = SubIndication::FormatFailure;
    }
  } else if (!found.unreadable.empty()) {
    changesNotChecked(r, found.unreadable, changesNotAllChecked());
  } else {
    r.checks.push_back(checks::makeCheck(
        "modifications", Check::Status::Passed,
        level == ModificationLevel::None ? Note{}
                                         : Note{"only-allowed-changes", N_("only allowed changes were made later")}));
  }
  if (level >= ModificationLevel::FormFilling && level <= allowed) {
    r.messages.push_back(
        Note{"possible-shadow-attack",
             N_("Form fields or annotations changed after signing: content hidden in the signed version and revealed "
                "by these changes (a shadow attack) cannot be ruled out; compare with the signed revision.")});
  }
}

}  // namespace

void judgeChangesAfter(SignatureReport& r, const FieldFacts& f, const ChangeInputs& in) {
  if (!needsComparison(r, f, in)) return;
  PdfMemDocument* signedRevision = signedRevisionOf(r, f, in);
  if (!signedRevision) return;
  try {
    const SignedRoles roles(*signedRevision);
    const int permission = docMdpPermission(*signedRevision);
    const FieldLock lock = fieldLockOf(*signedRevision, f.field.name);
    const SignedRevision s{*signedRevision, roles, lock};
    ChangesFound found;
    if (in.objectsAfterLastRevision) {
      found.level = ModificationLevel::Other;
      addModification(found.changes, Modification{ModificationLevel::Other, "objects-after-last-revision", {}});
    }
    for (const auto e : laterRevisionEnds(f, in)) compareWithRevision(s, e, in, found);
    const ModificationLevel allowed = allowedLevel(permission);
    // What the structure allows must also look the same where nothing allowed
    // drew, and nothing allowed may paint over what was signed.  Also when no
    // object changed: a viewer that repairs a damaged cross-reference section
    // may show other objects than PoDoFo reads.
    if (found.level <= allowed && found.unreadable.empty()) compareLooks(r, f, in, found);
    recordVerdict(r, found, allowed);
  } catch (const PdfError& e) {
    // PoDoFo reads objects when first used: a damaged one may surface only
    // here.  What was found so far stays in the report; the verdict cannot
    // be TOTAL-PASSED.
    changesNotChecked(r, laterRevisionUnreadable(e), changesNotAllChecked());
    r.modificationLevel.reset();
  }
}

namespace {

/// What signature field `f` says about itself, before its CMS.
InspectedSignature describeField(const PdfVecObjects& objects, const FieldFacts& f) {
  InspectedSignature s;
  s.id = f.field.name;
  s.level = f.docTimestamp ? "DocTimeStamp" : f.subFilter;
  s.signatureAlgorithm = "/" + f.subFilter;
  if (const auto m = parsePdfDate(textOf(key(objects, f.field.value, "M")))) s.signingTime = m;
  if (!f.byteRange.empty()) {
    std::string br = "ByteRange [";
    for (std::size_t i = 0; i < f.byteRange.size(); ++i) br += (i ? " " : "") + std::to_string(f.byteRange[i]);
    s.signedAttributes.push_back(br + "]");
  }
  for (const char* k : {"Reason", "Location", "ContactInfo", "Name"}) {
    const std::string v = textOf(key(objects, f.field.value, k));
    if (!v.empty()) s.signedAttributes.push_back(std::string(k) + ": " + v);
  }
  if (!f.problem.empty()) s.unsignedAttributes.push_back(f.problem.translated());
  return s;
}

/// What the CMS in /Contents says: its certificates (each once in `in`),
/// the signer, the digest algorithm and the level it claims.
void describeCms(InspectedSignature& s, const FieldFacts& f, const fs::path& file, std::set<std::string>& seenCerts,
                 Inspection& in) {
  try {
    ossl::Cms c = cms::parseDer(f.contents, file.string());
    for (const auto& cert : cms::certificatesOf(c.get())) {
      if (seenCerts.insert(cert.sha256Fingerprint()).second) in.certificates.push_back(cert);
    }
    CMS_set1_signers_certs(c.get(), nullptr, 0);
    ERR_clear_error();
    STACK_OF(CMS_SignerInfo)* sis = CMS_get0_SignerInfos(c.get());
    if (sis && sk_CMS_SignerInfo_num(sis) > 0) {
      CMS_SignerInfo* si = sk_CMS_SignerInfo_value(sis, 0);
      X509* signer = nullptr;
      X509_ALGOR* dig = nullptr;
      CMS_SignerInfo_get0_algs(si, nullptr, &signer, &dig, nullptr);
      if (signer) s.signer.emplace(signer);
      s.digestAlgorithm = cms::algorithmName(dig);
      if (!f.docTimestamp) s.level = cms::levelOf(si) + " (/" + f.subFilter + ")";
    }
  } catch (const Error&) {
    // Inspection holds sentences (format.h), not notes: the code's text, translated.
    s.unsignedAttributes.push_back(
        Note{"contents-unreadable", N_("the signature value in /Contents cannot be read")}.translated());
  }
}

/// Each revision of `file`, what it changed from the one before, and the
/// signatures (`signedEnds`: id, end of its signed range) that end there.
void inspectRevisions(const fs::path& file, const std::vector<std::pair<std::string, std::uint64_t>>& signedEnds,
                      Inspection& in) {
  const auto ends = revisionEnds(file);
  std::unique_ptr<PdfMemDocument> previous;
  for (std::size_t i = 0; i < ends.size(); ++i) {
    Inspection::Revision rev;
    rev.end = ends[i];
    for (const auto& [id, end] : signedEnds) {
      if (end == rev.end) rev.signedBy.push_back(id);
    }
    try {
      const Bytes bytes = readFileRange(file, 0, ends[i]);
      auto current = loadRevision(bytes);
      if (previous) {
        // Inspection validates nothing: every signature counts as signed here.
        const SignedRoles roles(*previous);
        const DiffResult d = diffRevision(
            roles, *previous, *current, *current, [](const PdfVecObjects&, const PdfObject*) { return true; },
            FieldLock{});
        rev.level = d.level;
        rev.changes = d.changes;
      }
      previous = std::move(current);
    } catch (const PdfError& e) {
      rev.unreadable = PdfError::ErrorName(e.GetError());
      previous.reset();
    }
    in.revisions.push_back(std::move(rev));
  }
}

}  // namespace

Inspection inspectPdf(const fs::path& file) {
  Inspection in;
  in.file = file.string();
  in.format = "PAdES";
  in.packaging = "enveloped";
  std::error_code ec;
  const std::uint64_t size = fs::file_size(file, ec);
  PdfMemDocument doc;
  try {
    doc.Load(file.c_str());
    forgetInventedInfo(doc);
  } catch (const PdfError& e) {
    rethrowPdfError(e, file.string());
  }
  const PdfVecObjects& objects = doc.GetObjects();
  std::set<std::string> seenCerts;
  std::vector<std::pair<std::string, std::uint64_t>> signedEnds;  // signature id, end of its signed range
  for (const auto& sf : findSignatures(doc)) {
    const FieldFacts f = inspectField(objects, sf, file, size);
    if (f.end != 0) signedEnds.emplace_back(sf.name, f.end);
    InspectedSignature s = describeField(objects, f);
    describeCms(s, f, file, seenCerts, in);
    in.signatures.push_back(std::move(s));
  }
  // Revisions and what each changed.
  inspectRevisions(file, signedEnds, in);
  return in;
}

}  // namespace securedoc::pdf
