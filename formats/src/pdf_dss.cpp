// The document security store of a PAdES B-LT signature (ETSI EN 319 142-1
// §5.4.2.2; ISO 32000-2 §12.8.4.3, Tables 260 and 261): the certificates,
// OCSP responses and CRLs a verifier needs later, each a stream of one DER
// object, in /DSS of the catalog, added by an incremental update after the
// signature (ISO 32000-1 §7.5.6) so that the signed bytes stay as they were.
#include "pdf_dss.h"

#include "pdf_objects.h"

#include <securedoc/base/error.h>
#include <securedoc/i18n.h>

#include <podofo/podofo.h>

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace securedoc::pdf {

using namespace PoDoFo;

namespace {

/// The largest stream of an earlier /DSS read to tell duplicates (as the verifier's limit).
constexpr std::size_t kMaxDssStream = std::size_t{64} << 20;

/// The /VRI key of a signature (ISO 32000-2 §12.8.4.3, Table 260): the
/// upper-case hex SHA-1 of the bytes of its /Contents, the DER without the
/// zero padding.
std::string vriKey(const Bytes& signatureCms, const std::string& file) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(signatureCms.data(), signatureCms.size(), md, &len, EVP_sha1(), nullptr) != 1) {
    throw Error(Category::Crypto, "SHA-1 of the signature failed", file);
  }
  std::string hex = toHex(md, len);
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return hex;
}

/// One array of the store (/Certs, /OCSPs or /CRLs): the earlier entries
/// kept as written, then a FlateDecode stream (ISO 32000-1 §7.4.4) for each
/// new object whose bytes none holds yet.  `refs` gets the reference of the
/// stream holding each of `items`, old or new, for the /VRI entry.
PdfArray mergedArray(PdfMemDocument& doc, const PdfObject* oldDss, const char* name, const std::vector<Bytes>& items,
                     PdfArray& refs) {
  PdfVecObjects& objects = doc.GetObjects();
  PdfArray out;
  std::map<std::string, PdfReference> held;
  if (const PdfObject* old = key(objects, oldDss, name); old && old->IsArray()) {
    for (const auto& entry : old->GetArray()) {
      out.push_back(entry);
      if (!entry.IsReference()) continue;
      if (auto data = decodedStream(resolve(objects, &entry), kMaxDssStream)) held.emplace(*data, entry.GetReference());
    }
  }
  for (const Bytes& der : items) {
    std::string data(der.begin(), der.end());
    auto it = held.find(data);
    if (it == held.end()) {
      PdfObject* stream = objects.CreateObject();
      const TVecFilters flate{ePdfFilter_FlateDecode};
      stream->GetStream()->Set(data.data(), static_cast<pdf_long>(data.size()), flate);
      out.push_back(stream->Reference());
      it = held.emplace(std::move(data), stream->Reference()).first;
    }
    // PdfObject's == compares the objects' own numbers, not their values.
    const PdfReference& ref = it->second;
    const bool listed = std::any_of(refs.begin(), refs.end(),
                                    [&ref](const PdfObject& o) { return o.IsReference() && o.GetReference() == ref; });
    if (!listed) refs.push_back(ref);
  }
  return out;
}

}  // namespace

void appendDss(const std::filesystem::path& pdf, const ltv::Material& m, const Bytes& signatureCms,
               const std::string& file) {
  std::vector<Bytes> certs;
  certs.reserve(m.certificates.size());
  for (const Certificate& c : m.certificates) certs.push_back(c.der());
  const std::string vri = vriKey(signatureCms, file);
  appendIncrementalUpdate(pdf, file, [&](PdfMemDocument& doc) {
    PdfObject* catalog = doc.GetCatalog();
    if (!catalog || !catalog->IsDictionary()) {
      throw Error(Category::Malformed, tr("the PDF has no document catalog"), file);
    }
    const PdfVecObjects& objects = doc.GetObjects();
    const PdfObject* found = key(objects, catalog, "DSS");
    const PdfObject* oldDss = found && found->IsDictionary() ? found : nullptr;

    // ETSI EN 319 142-1 §5.4.2.2: /Certs, /OCSPs, /CRLs, each an array of
    // streams; what an earlier signature's /DSS holds stays.
    PdfArray certRefs, ocspRefs, crlRefs;
    PdfDictionary dss;
    if (oldDss) {
      for (const auto& [k, v] : oldDss->GetDictionary().GetKeys()) dss.AddKey(k, *v);
    }
    dss.AddKey("Certs", mergedArray(doc, oldDss, "Certs", certs, certRefs));
    if (!m.ocspResponses.empty() || (oldDss && oldDss->GetDictionary().HasKey("OCSPs")))
      dss.AddKey("OCSPs", mergedArray(doc, oldDss, "OCSPs", m.ocspResponses, ocspRefs));
    if (!m.crls.empty() || (oldDss && oldDss->GetDictionary().HasKey("CRLs")))
      dss.AddKey("CRLs", mergedArray(doc, oldDss, "CRLs", m.crls, crlRefs));

    // ISO 32000-2 §12.8.4.4, Table 261: what this signature's validation
    // uses, under its key; the other signatures' entries are kept.
    PdfDictionary vris;
    if (const PdfObject* old = key(objects, oldDss, "VRI"); old && old->IsDictionary()) {
      for (const auto& [k, v] : old->GetDictionary().GetKeys()) vris.AddKey(k, *v);
    }
    PdfDictionary entry;
    if (!certRefs.empty()) entry.AddKey("Cert", certRefs);
    if (!ocspRefs.empty()) entry.AddKey("OCSP", ocspRefs);
    if (!crlRefs.empty()) entry.AddKey("CRL", crlRefs);
    vris.AddKey(PdfName(vri), entry);
    dss.AddKey("VRI", vris);

    // A new /DSS object the catalog points to: the earlier one, if any, is
    // left as it was written.  Filled key by key, so that PoDoFo sees it
    // changed and writes it in the update.
    PdfObject* dssObject = doc.GetObjects().CreateObject();
    for (const auto& [k, v] : dss.GetKeys()) dssObject->GetDictionary().AddKey(k, *v);
    catalog->GetDictionary().AddKey("DSS", dssObject->Reference());
  });
}

}  // namespace securedoc::pdf
