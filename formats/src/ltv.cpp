#include "ltv.h"

#include "der.h"

#include <securedoc/base/error.h>
#include <securedoc/crypto/chain.h>
#include <securedoc/crypto/ossl.h>
#include <securedoc/crypto/revocation.h>
#include <securedoc/i18n.h>

#include <openssl/err.h>

#include <algorithm>
#include <ctime>

namespace securedoc::ltv {

namespace {

template <class T>
void addOnce(std::vector<T>& list, const T& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

/// Revocation data about `cert` (issued by `issuer`) that answers now, into `m`.
void revocationOf(const Certificate& cert, const Certificate& issuer, const std::vector<Certificate>& pool,
                  RevocationChecker& checker, const std::string& file, bool strict, Material& m) {
  RevocationQuery q{cert, issuer, std::time(nullptr), std::nullopt, {}, {}, pool, {}};
  const RevocationResult r = checker.check(q);
  if (r.outcome == RevocationResult::Outcome::NoSource && !strict) return;
  if (r.outcome == RevocationResult::Outcome::NoSource) {
    throw Error(Category::Policy,
                format(tr("cannot make a long-term signature: the certificate {0} names no OCSP responder or CRL"),
                       {cert.subject()}),
                file);
  }
  if (!r.evidence || r.outcome == RevocationResult::Outcome::Unknown) {
    std::string why;
    for (const Note& n : r.problems) why += (why.empty() ? "" : "; ") + n.english();
    throw Error(Category::Network,
                format(tr("cannot make a long-term signature: no usable revocation data for {0}"), {cert.subject()}),
                file, why);
  }
  if (r.outcome == RevocationResult::Outcome::Revoked) {
    throw Error(Category::Policy,
                format(tr("cannot make a long-term signature: the certificate {0} is revoked"), {cert.subject()}),
                file);
  }
  const RevocationEvidence& e = *r.evidence;
  if (e.kind == RevocationEvidence::Kind::Ocsp) {
    addOnce(m.ocspResponses, *e.der);
  } else {
    addOnce(m.crls, *e.der);
  }
  // The responder's certificate, so the response can be checked later
  // without the network.
  if (e.signer) addOnce(m.certificates, *e.signer);
}

}  // namespace

Material collect(const std::vector<Certificate>& leaves, const std::vector<Certificate>& pool, const SignParams& params,
                 const std::string& file, bool firstIsSigner) {
  if (!params.revocation) {
    throw Error(Category::Usage, tr("a long-term signature needs a source of revocation data"), file);
  }
  Material m;
  // The TSA's trust anchors may be the roots the paths end at.
  std::vector<Certificate> material = pool;
  material.insert(material.end(), params.tsaTrustAnchors.begin(), params.tsaTrustAnchors.end());
  for (std::size_t k = 0; k < leaves.size(); ++k) {
    const bool signer = k == 0 && firstIsSigner;
    const std::vector<Certificate> path = buildPath(leaves[k], material);
    for (const Certificate& c : path) addOnce(m.certificates, c);
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
      revocationOf(path[i], path[i + 1], material, *params.revocation, file, signer, m);
    }
    if (signer && !path.back().selfIssued()) {
      throw Error(
          Category::Policy,
          format(tr("cannot make a long-term signature: the issuer of {0} is not at hand"), {path.back().subject()}),
          file);
    }
  }
  return m;
}

std::vector<Certificate> tokenCertificates(const Bytes& token) {
  const unsigned char* p = token.data();
  ossl::Cms cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(token.size())));
  std::vector<Certificate> out;
  ossl::X509Stack certs(cms ? CMS_get1_certs(cms.get()) : nullptr);
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) out.emplace_back(sk_X509_value(certs.get(), i));
  ERR_clear_error();
  return out;
}

Bytes basicOcspResponse(const Bytes& ocspResponse) {
  // OCSPResponse ::= SEQUENCE { responseStatus, responseBytes [0] EXPLICIT
  //   SEQUENCE { responseType, response OCTET STRING } }
  const auto outer = der::single(ocspResponse);
  const auto fields = outer ? outer->children() : std::nullopt;
  if (!fields || fields->size() != 2 || (*fields)[1].tag != 0xA0) return {};
  const auto rb = (*fields)[1].children();
  const auto rbFields = rb && rb->size() == 1 ? (*rb)[0].children() : std::nullopt;
  if (!rbFields || rbFields->size() != 2 || (*rbFields)[1].tag != 0x04) return {};
  return (*rbFields)[1].contentBytes();
}

}  // namespace securedoc::ltv
