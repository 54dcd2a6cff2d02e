#pragma once
// Internal to formats/: the validation material a B-LT signature embeds
// (ETSI EN 319 122-1 §5.5 CAdES, EN 319 132-1 §5.5 XAdES, EN 319 142-1 §5.4
// PAdES): every certificate of the signer's path and of each time-stamp
// authority's, and for each of them but a self-signed root revocation data
// that answers at the time of signing.  One home for all three formats;
// each puts the material where its standard says.
#include <securedoc/base/bytes.h>
#include <securedoc/crypto/certificate.h>
#include <securedoc/formats/format.h>

#include <string>
#include <vector>

namespace securedoc::ltv {

struct Material {
  /// Each path's certificates, leaves first, each once.
  std::vector<Certificate> certificates;
  /// DER OCSPResponses and CRLs, each once.
  std::vector<Bytes> ocspResponses;
  std::vector<Bytes> crls;
};

/// Builds the path of each of `leaves` (the signer's certificate first, then
/// the time-stamping authorities') through `pool` and the TSA trust anchors
/// (by issuer and signature, up to a self-issued root) and asks
/// `params.revocation` about every certificate of it but the root, for now.
/// Error(Usage) when params.revocation is unset; Error(Network) when a
/// source named did not answer usably, Error(Policy) when a certificate is
/// revoked or, on the signer's path, names no OCSP responder or CRL: a
/// B-LT signature that could not be validated later is not made.  (A TSA
/// certificate without a source is taken as it is: many TSAs rely on the
/// short life of their certificates, and the verifier does not ask about
/// them; their path ends where the issuer is not at hand.)  With
/// `firstIsSigner` false every leaf is a TSA's (a document time-stamp's).
/// `file` names the input in errors.
Material collect(const std::vector<Certificate>& leaves, const std::vector<Certificate>& pool, const SignParams& params,
                 const std::string& file, bool firstIsSigner = true);

/// The certificates an RFC 3161 token carries (its TSA's and chain);
/// empty for a token that cannot be read.
std::vector<Certificate> tokenCertificates(const Bytes& token);

/// The BasicOCSPResponse inside an OCSPResponse (RFC 6960 §4.2.1
/// responseBytes.response), which CAdES RevocationValues carry; empty when
/// `ocspResponse` holds none.
Bytes basicOcspResponse(const Bytes& ocspResponse);

}  // namespace securedoc::ltv
