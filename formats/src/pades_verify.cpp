#include "pades_verify.h"

#include "cms_support.h"
#include "pdf_diff.h"
#include "pdf_objects.h"
#include "pdf_revision_analysis.h"
#include "pdf_scanner.h"
#include "pdf_signature_fields.h"
#include "signature_checks.h"

#include <securedoc/base/error.h>
#include <securedoc/crypto/timestamp.h>
#include <securedoc/i18n.h>

#include <openssl/err.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace securedoc::pdf {

namespace fs = std::filesystem;
using namespace PoDoFo;

namespace {

/// PoDoFo's view of the file, the document as readers show it, when it can
/// be read.
struct ReaderView {
  Bytes revisionsOnly;  ///< the bytes PoDoFo reads when bytes follow the last revision
  PdfMemDocument doc;
  bool loaded = true;
  std::string loadError;
};

/// The document security store (ETSI EN 319 142-1 §5.4.2.2, ISO 32000-2
/// §12.8.4.3): /DSS in the catalog of the final revision, with /Certs,
/// /OCSPs (DER OCSPResponses) and /CRLs, arrays of streams.  /VRI, which
/// only says which of them belong to which signature, is not needed: every
/// signature takes what concerns its own certificates.
struct Dss {
  std::vector<Certificate> certificates;
  checks::ValidationData data;
};

/// The largest validation data stream read (a national CRL is tens of MiB).
constexpr std::size_t kMaxDssStream = std::size_t{64} << 20;

std::vector<Bytes> dssStreams(const PdfVecObjects& objects, const PdfObject* dss, const char* name) {
  std::vector<Bytes> out;
  const PdfObject* array = key(objects, dss, name);
  if (!array || !array->IsArray()) return out;
  for (const auto& item : array->GetArray()) {
    const PdfObject* stream = resolve(objects, &item);
    if (!stream || !stream->HasStream()) continue;
    if (auto data = decodedStream(stream, kMaxDssStream)) out.emplace_back(data->begin(), data->end());
  }
  return out;
}

Dss dssOf(const PdfVecObjects& objects, const PdfObject* catalog) {
  Dss out;
  const PdfObject* dss = key(objects, catalog, "DSS");
  if (!dss || !dss->IsDictionary()) return out;
  for (const Bytes& der : dssStreams(objects, dss, "Certs")) {
    try {
      out.certificates.push_back(Certificate::fromDer(der));
    } catch (const Error&) {
      // an unreadable certificate adds nothing to build paths from
    }
  }
  out.data.ocspResponses = dssStreams(objects, dss, "OCSPs");
  out.data.crls = dssStreams(objects, dss, "CRLs");
  return out;
}

/// Loads `view` from `file` (only up to the last revision end when
/// `trailing`).  A file PoDoFo cannot read is still verified when the scan
/// found signature dictionaries (`scanned`); an encrypted one never is.
void loadReaderView(ReaderView& view, const fs::path& file, const std::vector<std::uint64_t>& ends, bool trailing,
                    bool scanned) {
  try {
    if (trailing) {
      view.revisionsOnly = readFileRange(file, 0, ends.back());
      view.doc.LoadFromBuffer(reinterpret_cast<const char*>(view.revisionsOnly.data()),
                              static_cast<long>(view.revisionsOnly.size()));
    } else {
      view.doc.Load(file.c_str());
    }
    forgetInventedInfo(view.doc);
  } catch (const PdfError& e) {
    if (e.GetError() == ePdfError_InvalidPassword || e.GetError() == ePdfError_UnsupportedFilter) {
      rethrowPdfError(e, file.string());
    }
    if (!scanned) rethrowPdfError(e, file.string());
    view.loaded = false;
    view.loadError = PdfError::ErrorName(e.GetError());
  }
  if (view.loaded && view.doc.GetEncrypted()) {
    throw Error(Category::Malformed, tr("the PDF is encrypted; SecureDoc cannot sign or check encrypted PDFs"),
                file.string());
  }
}

/// Signature dictionaries the reader's view misses (a broken /Prev chain,
/// an unreadable file) are checked too; a field name is used where known.
void addUnlistedSignatures(std::vector<SignatureField>& found, const RawSignatures& raw) {
  for (const auto& obj : raw.objects) {
    const std::string br = serialise(obj->GetDictionary().GetKey("ByteRange"));
    const bool known = std::any_of(found.begin(), found.end(), [&](const SignatureField& sf) {
      return serialise(sf.value->GetDictionary().GetKey("ByteRange")) == br;
    });
    if (!known) {
      // An id is data, the same in every language (ARCHITECTURE.md, "Notes:
      // what a report says, as data": the JSON report is identical in every
      // language): not translated.
      found.push_back(
          SignatureField{"signature in object " + std::to_string(obj->Reference().ObjectNumber()), obj.get()});
    }
  }
}

/// Every signature of the file with its structural facts, ordered by where
/// its signed range ends (those without a usable range last).
std::vector<FieldFacts> signatureFields(ReaderView& view, const PdfVecObjects& objects, const RawSignatures& raw,
                                        const fs::path& file, std::uint64_t size) {
  std::vector<FieldFacts> fields;
  try {
    std::vector<SignatureField> found = view.loaded ? findSignatures(view.doc) : std::vector<SignatureField>();
    addUnlistedSignatures(found, raw);
    if (found.size() > kMaxSignatures) refuseTooManySignatures(file);
    for (const auto& sf : found) fields.push_back(inspectField(objects, sf, file, size));
  } catch (const PdfError& e) {
    rethrowPdfError(e, file.string());
  }
  std::stable_sort(fields.begin(), fields.end(), [](const FieldFacts& a, const FieldFacts& b) {
    return (a.end == 0 ? UINT64_MAX : a.end) < (b.end == 0 ? UINT64_MAX : b.end);
  });
  return fields;
}

/// A document time-stamp (ETSI EN 319 142-1 §5.4, /SubFilter ETSI.RFC3161):
/// an RFC 3161 token whose message imprint is the digest of the byte ranges.
/// It is held to the same rules as a signature time-stamp and as the RFC
/// 3161 client's answers (one check for all three, checkTimestampTokenWith
/// in crypto/timestamp.h): imprint, TSA signature, the TSA certificate with
/// the critical id-kp-timeStamping EKU and nothing else (RFC 3161 §2.3), the
/// ESS reference to it (RFC 3161 §2.4.2, RFC 5816), genTime not after the
/// validation time, then the TSA's chain.  One that breaks a rule is
/// TOTAL-FAILED and proves nothing (EN 319 102-1 §5.4).
void documentTimestamp(SignatureReport& r, const FieldFacts& f, const cms::DigestFn& rangeDigest,
                       const VerifyOptions& options, std::time_t now) {
  r.level = "DocTimeStamp";
  const TimestampCheck tc = checkTimestampTokenWith(
      f.contents,
      [&](const std::string& name) -> std::optional<Bytes> {
        const Bytes* d = rangeDigest(EVP_get_digestbyname(name.c_str()));
        return d ? std::optional<Bytes>(*d) : std::nullopt;
      },
      options.trustAnchors, options.extraCertificates, now);
  VerifyOptions at = options;
  at.time = now;
  TimestampReport t = checks::timestampReport(tc, "document", at);
  if (tc.tsa) r.signer = tc.tsa;
  r.signingTime = tc.genTime;
  r.chain = tc.chain.path;
  const auto checkOf = [&t](const char* id) {
    const auto it = std::find_if(t.checks.begin(), t.checks.end(), [id](const Check& c) { return c.id == id; });
    return it == t.checks.end() ? nullptr : &*it;
  };

  // The signature's checks, in EN 319 102-1 order: format (the token), the
  // signing certificate, integrity (imprint = messageDigest, TSA signature =
  // signatureValue), then the TSA rules and the chain.
  if (!tc.parsed) {
    r.checks.push_back(checks::makeCheck("contents", Check::Status::Failed, checkOf("parsed")->detail));
  } else {
    r.checks.push_back(checks::makeCheck("messageDigest", checkOf("imprint")->status, checkOf("imprint")->detail));
    r.checks.push_back(
        checks::makeCheck("signatureValue", checkOf("signatureValue")->status, checkOf("signatureValue")->detail));
  }
  for (const auto& c : t.checks) {
    if (c.id == "extendedKeyUsage" || c.id == "essCertificate" || c.id == "genTime" || c.id == "certificateChain") {
      r.checks.push_back(c);
    }
  }
  // The time-stamp's verdict is this signature's verdict.
  r.indication = t.indication;
  r.subIndication = t.subIndication;
  r.messages.push_back(
      t.indication == Indication::TotalFailed
          ? Note{"document-timestamp-not-valid",
                 N_("This document time-stamp is not valid: it proves nothing about when the document existed.")}
          : Note{"document-timestamp",
                 N_("This is a document time-stamp: it proves the document existed at that time.")});
  t.indication = r.indication;
  t.subIndication = r.subIndication;
  r.timestamps.push_back(std::move(t));
}

/// The /Contents fails format checking (EN 319 102-1 §5.2.2): `check` is the
/// "contents" check's detail, `message` tells the reader.
void contentsFailed(SignatureReport& r, Note check, Note message) {
  r.indication = Indication::TotalFailed;
  r.subIndication = SubIndication::FormatFailure;
  r.checks.push_back(checks::makeCheck("contents", Check::Status::Failed, std::move(check)));
  r.messages.push_back(std::move(message));
}

/// The CMS in /Contents, or null (and `r` a FORMAT_FAILURE) when it is none.
ossl::Cms parseContents(SignatureReport& r, const FieldFacts& f, const fs::path& file) {
  try {
    return cms::parseDer(f.contents, file.string());
  } catch (const Error& e) {
    contentsFailed(
        r, Note{"contents-not-cms", N_("the /Contents is not a CMS structure: {reason}"), {{"reason", e.detail()}}},
        Note{"contents-unreadable", N_("The signature value in /Contents cannot be read.")});
    return nullptr;
  }
}

/// Identification of the signing certificate (EN 319 102-1 §5.2.3): the
/// certificate in the signature first; only a SignerInfo whose certificate
/// is not embedded looks in the certificates the user gave
/// (VerifyOptions::extraCertificates, never trusted: OpenSSL prefers given
/// certificates to embedded ones, hence two passes).
void identifySigners(CMS_ContentInfo* cmsObj, const VerifyOptions& options) {
  CMS_set1_signers_certs(cmsObj, nullptr, 0);
  if (!options.extraCertificates.empty()) {
    ossl::BorrowedX509Stack given(sk_X509_new_null());
    for (const auto& c : options.extraCertificates) {
      if (given) sk_X509_push(given.get(), c.native());
    }
    if (given) CMS_set1_signers_certs(cmsObj, given.get(), CMS_NOINTERN);
  }
}

/// Whether every SignerInfo is by the first one's certificate.
bool oneSigner(STACK_OF(CMS_SignerInfo) * sis) {
  bool sameSigner = true;
  for (int k = 1; k < sk_CMS_SignerInfo_num(sis); ++k) {
    X509* a = nullptr;
    X509* b = nullptr;
    CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, 0), nullptr, &a, nullptr, nullptr);
    CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, k), nullptr, &b, nullptr, nullptr);
    sameSigner = sameSigner && a && b && X509_cmp(a, b) == 0;
  }
  return sameSigner;
}

/// /SubFilter adbe.pkcs7.sha1: the encapsulated content is the SHA-1 of the
/// byte ranges (ISO 32000-1 §12.8.3.3.1) and the SignerInfo signs that
/// content.  The digests of the content; `problem` set when the content is
/// not the ranges' SHA-1.
cms::DigestFn sha1ContentDigest(CMS_ContentInfo* cmsObj, const cms::DigestFn& rangeDigest,
                                std::optional<Note>& problem) {
  Bytes sha1Content;
  ASN1_OCTET_STRING** ec2 = CMS_get0_content(cmsObj);
  if (ec2 && *ec2)
    sha1Content.assign(ASN1_STRING_get0_data(*ec2), ASN1_STRING_get0_data(*ec2) + ASN1_STRING_length(*ec2));
  const Bytes* actual = rangeDigest(EVP_sha1());
  if (!actual || sha1Content != *actual) {
    problem = Note{"sha1-content-mismatch", N_("the SHA-1 digest inside the signature does not match the document")};
  }
  return [sha1Content, cache = std::map<int, Bytes>()](const EVP_MD* md) mutable -> const Bytes* {
    if (!md) return nullptr;
    auto [it2, inserted] = cache.emplace(EVP_MD_get_type(md), Bytes());
    if (inserted) it2->second = cms::ContentDigests::hash(md, sha1Content.data(), sha1Content.size());
    return &it2->second;
  };
}

/// Every SignerInfo verified: the first one's report, TOTAL-FAILED as the
/// first failing other one when it fails.
SignatureReport verifySignerInfos(STACK_OF(CMS_SignerInfo) * sis, const FieldFacts& f, const cms::VerifyContext& vc,
                                  const cms::DigestFn& contentDigest) {
  const int signerCount = sk_CMS_SignerInfo_num(sis);
  SignatureReport c = cms::verifySignerInfo(sk_CMS_SignerInfo_value(sis, 0), f.field.name, vc, contentDigest);
  for (int k = 1; k < signerCount; ++k) {
    const SignatureReport extra =
        cms::verifySignerInfo(sk_CMS_SignerInfo_value(sis, k), f.field.name, vc, contentDigest);
    if (extra.indication == Indication::TotalFailed && c.indication != Indication::TotalFailed) {
      c.indication = extra.indication;
      c.subIndication = extra.subIndication;
    }
  }
  if (signerCount > 1) {
    c.messages.push_back(Note{"several-signer-infos",
                              N_("The signature holds {count} signer infos by the same certificate; each was checked."),
                              {{"count", std::to_string(signerCount)}}});
  }
  if (f.subFilter != "ETSI.CAdES.detached") {
    // PAdES baseline levels (EN 319 142-1) need ETSI.CAdES.detached.
    c.level = "-";
    c.messages.push_back(Note{"not-pades-baseline",
                              N_("A PDF signature of type /{subFilter}, not a PAdES baseline signature."),
                              {{"subFilter", f.subFilter}}});
  }
  return c;
}

/// The CMS signature in /Contents (EN 319 102-1 from §5.2.2 on), merged into
/// `r`; false when its format fails and nothing more is checked.
bool verifyCmsSignature(SignatureReport& r, const FieldFacts& f, const fs::path& file, const VerifyOptions& options,
                        std::time_t now, const cms::DigestFn& rangeDigest, const Dss& dss,
                        std::optional<std::time_t> laterPoe) {
  const ossl::Cms cmsObj = parseContents(r, f, file);
  if (!cmsObj) return false;
  STACK_OF(CMS_SignerInfo)* sis =
      OBJ_obj2nid(CMS_get0_type(cmsObj.get())) == NID_pkcs7_signed ? CMS_get0_SignerInfos(cmsObj.get()) : nullptr;
  if (!sis || sk_CMS_SignerInfo_num(sis) < 1) {
    contentsFailed(r, Note{"contents-no-signer", N_("the CMS in /Contents holds no SignerInfo")},
                   Note{"contents-no-signer-message", N_("The signature in /Contents holds no signer.")});
    return false;
  }
  identifySigners(cmsObj.get(), options);
  ERR_clear_error();
  // ISO 32000-1 §12.8.3.3.1 allows one SignerInfo.  PoDoFo's podofosign
  // writes two by the same certificate (two digests); that is tolerated
  // when every one verifies, and reported.  Different signers are not.
  if (!oneSigner(sis)) {
    contentsFailed(r,
                   Note{"contents-several-signers",
                        N_("the CMS in /Contents holds {count} SignerInfos by different signers"),
                        {{"count", std::to_string(sk_CMS_SignerInfo_num(sis))}}},
                   Note{"contents-several-signers-message",
                        N_("The signature in /Contents holds several different signers; a PDF signature has one.")});
    return false;
  }
  // The certificates in the signature; checks::signerCertificate and
  // checks::signatureTimestamps add VerifyOptions::extraCertificates as
  // untrusted chain material themselves.
  // The document security store adds chain material and revocation data
  // for every signature (ETSI EN 319 142-1 §5.4.2), beside what the CMS
  // itself carries.
  cms::VerifyContext vc{options, cms::certificatesOf(cmsObj.get()),         now,
                        "PAdES", cms::signedDataValidationData(f.contents), laterPoe};
  for (const Certificate& c : dss.certificates) {
    if (std::find(vc.pool.begin(), vc.pool.end(), c) == vc.pool.end()) vc.pool.push_back(c);
  }
  vc.validation.ocspResponses.insert(vc.validation.ocspResponses.end(), dss.data.ocspResponses.begin(),
                                     dss.data.ocspResponses.end());
  vc.validation.crls.insert(vc.validation.crls.end(), dss.data.crls.begin(), dss.data.crls.end());
  cms::DigestFn contentDigest = rangeDigest;
  std::optional<Note> sha1Problem;
  if (f.subFilter == "adbe.pkcs7.sha1") {
    contentDigest = sha1ContentDigest(cmsObj.get(), rangeDigest, sha1Problem);
  } else if (f.subFilter != "adbe.pkcs7.detached" && f.subFilter != "ETSI.CAdES.detached") {
    r.messages.push_back(
        Note{"unknown-subfilter", N_("Unknown signature SubFilter /{subFilter}."), {{"subFilter", f.subFilter}}});
  }
  SignatureReport c = verifySignerInfos(sis, f, vc, contentDigest);
  c.signingTime = c.signingTime ? c.signingTime : r.signingTime;
  c.checks.insert(c.checks.begin(), r.checks.begin(), r.checks.end());
  c.messages.insert(c.messages.begin(), r.messages.begin(), r.messages.end());
  r = std::move(c);
  if (sha1Problem) {
    // The digest of the document is the encapsulated content here: it is
    // the messageDigest check that fails (EN 319 102-1 §5.2.7).
    for (auto& c2 : r.checks) {
      if (c2.id == "messageDigest") c2 = checks::makeCheck("messageDigest", Check::Status::Failed, *sha1Problem);
    }
    r.indication = Indication::TotalFailed;
    r.subIndication = SubIndication::HashFailure;
    r.messages.push_back(*sha1Problem);
  }
  return true;
}

/// The structural failures that still left ranges to hash decide the
/// verdict whatever the cryptography said.
void applyStructuralFailures(SignatureReport& r, const FieldFacts& f) {
  if (!f.missingBytes.empty()) {
    // Signed bytes cut from the file: the digest over what is left cannot
    // match (it failed above); the sub-indication is HASH_FAILURE, the
    // signed data changed, whatever else failed later in the order.
    r.messages.push_back(f.missingBytes);
    if (r.indication != Indication::TotalFailed || r.subIndication != SubIndication::HashFailure) {
      r.indication = Indication::TotalFailed;
      r.subIndication = SubIndication::HashFailure;
    }
  }
  if (!f.suspicious.empty()) {
    for (const auto& m : f.suspicious) r.messages.push_back(m);
    if (r.indication != Indication::TotalFailed) {
      r.indication = Indication::TotalFailed;
      r.subIndication = SubIndication::FormatFailure;
    }
  }
}

/// One signature, everything but the changes after it (verifyPdf's order).
/// `laterPoe`: what valid document time-stamps over it prove.
SignatureReport verifyField(const FieldFacts& f, const PdfVecObjects& objects, const fs::path& file,
                            const VerifyOptions& options, std::time_t now, const Dss& dss,
                            std::optional<std::time_t> laterPoe) {
  SignatureReport r;
  r.id = f.field.name;
  r.format = "PAdES";
  if (const auto m = parsePdfDate(textOf(key(objects, f.field.value, "M")))) r.signingTime = m;
  if (!f.problem.empty()) {
    r.indication = Indication::TotalFailed;
    r.subIndication = SubIndication::FormatFailure;
    r.checks.push_back(checks::makeCheck("byteRange", Check::Status::Failed, f.problem));
    r.messages.push_back(f.problem);
    r.level = f.docTimestamp ? "DocTimeStamp" : "-";
    return r;
  }
  // Format checking (EN 319 102-1 §5.2.2).  Signed bytes cut from the file
  // fail this check too, but the signature itself is well formed: the
  // digest decides (HASH_FAILURE below).
  r.checks.push_back(!f.suspicious.empty() ? checks::makeCheck("byteRange", Check::Status::Failed, f.suspicious.front())
                     : !f.missingBytes.empty() ? checks::makeCheck("byteRange", Check::Status::Failed, f.missingBytes)
                                               : checks::makeCheck("byteRange", Check::Status::Passed));
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges = f.ranges();
  std::map<int, Bytes> digestCache;
  const cms::DigestFn rangeDigest = [&](const EVP_MD* md) -> const Bytes* {
    if (!md) return nullptr;
    auto found = digestCache.find(EVP_MD_get_type(md));
    if (found == digestCache.end()) {
      cms::ContentDigests d;
      d.need(md);
      d.computeFromRanges(file, ranges);
      found = digestCache.emplace(EVP_MD_get_type(md), *d.get(md)).first;
    }
    return &found->second;
  };
  if (f.docTimestamp) {
    documentTimestamp(r, f, rangeDigest, options, now);
  } else if (!verifyCmsSignature(r, f, file, options, now, rangeDigest, dss, laterPoe)) {
    return r;
  }
  applyStructuralFailures(r, f);
  return r;
}

/// Whether the `k`th field is a document time-stamp over the `i`th
/// signature that holds: well formed, after it, not TOTAL-FAILED.
bool stampsOver(const VerificationReport& report, const std::vector<FieldFacts>& fields, std::size_t k, std::size_t i) {
  return k > i && fields[k].docTimestamp && fields[k].problem.empty() && fields[k].end > fields[i].end &&
         report.signatures[k].indication != Indication::TotalFailed;
}

/// What the document time-stamps over the `i`th signature prove (ETSI EN
/// 319 102-1 §5.6.2.3: a valid time-stamp is a proof of existence of what
/// it covers; ETSI EN 319 142-1 §5.4.3): the earliest genTime of a
/// TOTAL-PASSED one.
std::optional<std::time_t> documentTimestampPoe(const VerificationReport& report, const std::vector<FieldFacts>& fields,
                                                std::size_t i) {
  std::optional<std::time_t> poe;
  for (std::size_t k = i + 1; k < fields.size(); ++k) {
    const SignatureReport& t = report.signatures[k];
    if (stampsOver(report, fields, k, i) && t.indication == Indication::TotalPassed && t.signingTime)
      poe = checks::earliest(poe, t.signingTime);
  }
  return poe;
}

/// PAdES baseline levels (ETSI EN 319 142-1 §5.3, §5.4): B-T needs a
/// signature time-stamp, or a document time-stamp over the signature; one
/// that failed proves nothing, so it does not count; B-LT adds the
/// validation data of a /DSS; B-LTA a document time-stamp over the
/// signature (a later revision) that did not fail, other than the one that
/// gave B-T.  Judged before the changes after each signature: a document
/// time-stamp followed by changes it does not allow still proves the
/// revision it covers.
void assignLevels(VerificationReport& report, const std::vector<FieldFacts>& fields, bool hasDss) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    SignatureReport& r = report.signatures[i];
    if (fields[i].docTimestamp || r.level == "-" || !fields[i].problem.empty()) continue;
    if (r.level != "B-B" && r.level != "B-T" && r.level != "B-LT" && r.level != "B-LTA") continue;
    std::size_t stamps = 0;
    for (std::size_t k = i + 1; k < fields.size(); ++k) stamps += stampsOver(report, fields, k, i) ? 1 : 0;
    const bool ownTimestamp = checks::hasUsableSignatureTimestamp(r);
    if (!ownTimestamp && stamps == 0) {
      r.level = "B-B";
      continue;
    }
    const std::size_t archive = ownTimestamp ? stamps : stamps - 1;
    r.level = !hasDss ? "B-T" : archive > 0 ? "B-LTA" : "B-LT";
  }
}

/// A signature field added later counts as signing only when its
/// signature's integrity holds: not TOTAL-FAILED, or TOTAL-FAILED for a
/// reason other than its digest or value (a document time-stamp by a
/// certificate that is no TSA's still added only a time-stamp; it just
/// proves nothing).  Signatures are told apart by their /ByteRange.
SignatureVerified intactSignatures(const VerificationReport& report, const std::vector<FieldFacts>& fields) {
  std::set<std::vector<std::int64_t>> intact;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].problem.empty() && fields[i].suspicious.empty() && fields[i].missingBytes.empty() &&
        (report.signatures[i].indication != Indication::TotalFailed ||
         integrityOf(report.signatures[i]) == Check::Status::Passed)) {
      intact.insert(fields[i].byteRange);
    }
  }
  return [intact](const PdfVecObjects& objs, const PdfObject* sig) {
    const PdfObject* br = key(objs, sig, "ByteRange");
    if (!br || !br->IsArray()) return false;
    std::vector<std::int64_t> v;
    for (const auto& e : br->GetArray()) {
      const PdfObject* n = resolve(objs, &e);
      if (!n || !n->IsNumber()) return false;
      v.push_back(n->GetNumber());
    }
    return intact.count(v) != 0;
  };
}

/// What verifying and extending both read first: the raw scan, the
/// revision ends, PoDoFo's view of the file and its signature fields.
struct OpenedPdf {
  std::uint64_t size = 0;
  RawSignatures raw;
  std::vector<std::uint64_t> ends;
  bool trailing = false;
  ReaderView view;
  std::vector<FieldFacts> fields;
  const PdfVecObjects& objects() const { return view.loaded ? view.doc.GetObjects() : raw.owner; }
};

void openPdf(OpenedPdf& pdf, const fs::path& file) {
  std::error_code ec;
  pdf.size = fs::file_size(file, ec);
  if (ec) throw Error(Category::Io, format(tr("cannot open the file: {0}"), {ec.message()}), file.string());
  scanSignatures(file, pdf.raw);
  pdf.ends = revisionEnds(file);
  // Bytes after the last revision are no part of any revision; PoDoFo would
  // look for the trailer through them a byte at a time, so it reads the
  // revisions alone.  What a repairing viewer might make of such bytes is
  // judged by the verifier (objectsAfterLastRevision) and by the page images.
  pdf.trailing = !pdf.ends.empty() && pdf.ends.back() < pdf.size;
  loadReaderView(pdf.view, file, pdf.ends, pdf.trailing, !pdf.raw.objects.empty());
  pdf.fields = signatureFields(pdf.view, pdf.objects(), pdf.raw, file, pdf.size);
}

}  // namespace

VerificationReport verifyPdf(const fs::path& file, const VerifyOptions& options) {
  VerificationReport report;
  report.file = file.string();
  report.format = "PAdES";
  const std::time_t now = options.time.value_or(std::time(nullptr));
  report.validationTime = now;
  OpenedPdf pdf;
  openPdf(pdf, file);
  const std::uint64_t size = pdf.size;
  const std::vector<std::uint64_t>& ends = pdf.ends;
  const bool trailing = pdf.trailing;
  ReaderView& view = pdf.view;
  const PdfVecObjects& objects = pdf.objects();
  const std::vector<FieldFacts>& fields = pdf.fields;
  if (fields.empty()) return report;
  const bool hasDss = view.loaded && key(objects, view.doc.GetCatalog(), "DSS") != nullptr;

  const Dss dss = view.loaded ? dssOf(objects, view.doc.GetCatalog()) : Dss{};
  // Document time-stamps first: what they prove is the proof of existence
  // of the signatures before them (long-term validation, EN 319 102-1 §5.6).
  report.signatures.resize(fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].docTimestamp) report.signatures[i] = verifyField(fields[i], objects, file, options, now, dss, {});
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].docTimestamp) continue;
    report.signatures[i] =
        verifyField(fields[i], objects, file, options, now, dss, documentTimestampPoe(report, fields, i));
  }
  assignLevels(report, fields, hasDss);

  // What changed after each signature (pdf_revision_analysis.h).
  const SignatureVerified verified = intactSignatures(report, fields);
  const bool objectsAfter = trailing && objectsAfterLastRevision(file, ends.back());
  RevisionCache revisions(file);
  PdfMemDocument* finalDocument = view.loaded ? &view.doc : nullptr;
  const ChangeInputs in{file, size, finalDocument, view.loadError, ends, verified, revisions, objectsAfter};
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].problem.empty()) judgeChangesAfter(report.signatures[i], fields[i], in);
  }
  // Where each signature shows, last: PoDoFo builds its page tree while
  // pages are looked up, and the change analysis above reads the document
  // as the file has it.
  if (view.loaded) {
    for (std::size_t i = 0; i < fields.size(); ++i)
      report.signatures[i].appearance = appearanceOf(view.doc, fields[i].field);
  }
  report.computeOverall();
  return report;
}

std::vector<SignatureContents> signatureContents(const fs::path& file, bool* hasDss) {
  OpenedPdf pdf;
  openPdf(pdf, file);
  if (hasDss) *hasDss = pdf.view.loaded && key(pdf.objects(), pdf.view.doc.GetCatalog(), "DSS") != nullptr;
  std::vector<SignatureContents> out;
  for (const FieldFacts& f : pdf.fields) {
    if (!f.problem.empty() || !f.suspicious.empty()) continue;
    out.push_back(SignatureContents{f.field.name, f.docTimestamp, f.contents});
  }
  return out;
}

}  // namespace securedoc::pdf
