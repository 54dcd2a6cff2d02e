// The cryptographic constraints table (ETSI EN 319 102-1 §5.2.8; algorithms
// after ETSI TS 119 312 "Cryptographic Suites", V1.4.x, 2023).
//
// How to read it: an Acceptable algorithm has no end date; a Legacy one is
// acceptable only for a signature proven to exist (a proof of existence, a
// passed signature time-stamp) before `end`; a Forbidden one never is.
// Where TS 119 312 gives no date of its own for the end of an algorithm it
// no longer recommends, the date used is NIST SP 800-131A Rev. 2's
// transition date for the same algorithm, named in the row.  Change a date
// here and every format (CAdES, PAdES, XAdES) follows.
#include "crypto_policy.h"

#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace securedoc::crypto_policy {

namespace {

/// Seconds since the epoch of 00:00 UTC on y-m-d (proleptic Gregorian;
/// Howard Hinnant's days_from_civil), so the table holds readable dates.
constexpr std::time_t utc(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::time_t>(era * 146097 + static_cast<int>(doe) - 719468) * 86400;
}

struct DigestRow {
  const char* name;  ///< canonical display name
  Status status;
  std::time_t end;  ///< Legacy only
  const char* source;
};

// Hash functions.  TS 119 312 V1.4.x clause 6.2 (hash functions, Table 1 of
// recommended functions) lists SHA-224/256/384/512, SHA-512/256 and the
// SHA3 family; SHA-1 and MD5 are not among them.
constexpr std::array kDigests{
    // MD5: collisions are practical (RFC 6151 §2); no proof of existence
    // makes an MD5 signature trustworthy.
    DigestRow{"MD5", Status::Forbidden, 0, "ETSI TS 119 312 clause 6.2; RFC 6151"},
    // SHA-1: not a recommended hash function for signatures (TS 119 312
    // clause 6.2); signature generation with it is disallowed after
    // 2013-12-31 (NIST SP 800-131A Rev. 2 §9, Table 8).
    DigestRow{"SHA-1", Status::Legacy, utc(2014, 1, 1), "ETSI TS 119 312 clause 6.2; NIST SP 800-131A Rev. 2 Table 8"},
    DigestRow{"SHA-224", Status::Acceptable, 0, "ETSI TS 119 312 clause 6.2"},
    DigestRow{"SHA-256", Status::Acceptable, 0, "ETSI TS 119 312 clause 6.2"},
    DigestRow{"SHA-384", Status::Acceptable, 0, "ETSI TS 119 312 clause 6.2"},
    DigestRow{"SHA-512", Status::Acceptable, 0, "ETSI TS 119 312 clause 6.2"},
    DigestRow{"SHA-512/256", Status::Acceptable, 0, "ETSI TS 119 312 clause 6.2"},
    DigestRow{"SHA3-256", Status::Acceptable, 0, "ETSI TS 119 312 clause 6.2"},
    DigestRow{"SHA3-384", Status::Acceptable, 0, "ETSI TS 119 312 clause 6.2"},
    DigestRow{"SHA3-512", Status::Acceptable, 0, "ETSI TS 119 312 clause 6.2"},
};

// Signature keys.  TS 119 312 clause 7 (signature schemes) and clause 9
// (recommended suites): RSA (PKCS#1 v1.5 and PSS) with a modulus of at least
// 1900 bits; ECDSA / EC-SDSA on the NIST P-256/384/521 and Brainpool
// P256r1/P384r1/P512r1 curves; EdDSA (Ed25519, Ed448).  TS 119 312 V1.4
// recommends 3000-bit RSA for use beyond 2025; that is not enforced here (a
// 2048-bit certificate is still what qualified CAs issue), so RSA >= 1900
// stays Acceptable until the product decides otherwise.
constexpr int kRsaMinBits = 1900;
// Shorter RSA moduli (and EC curves under 250 bits) give less than 112 bits
// of security: disallowed for signature generation after 2013-12-31 (NIST SP
// 800-131A Rev. 2 §3, Table 2).
constexpr std::time_t kWeakKeyEnd = utc(2014, 1, 1);
// DSA: not among TS 119 312's recommended signature schemes; FIPS 186-5
// (2023-02-03) no longer approves it for generating signatures.
constexpr std::time_t kDsaEnd = utc(2023, 2, 3);
constexpr std::array kGoodCurves{"prime256v1",      "secp384r1",       "secp521r1",
                                 "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1"};

std::string squash(std::string_view name) {
  // Lower case, only letters and digits, and only what follows a URI's '#'
  // (XML-DSig and XML-Enc name algorithms by URI).
  const std::size_t hash = name.rfind('#');
  if (hash != std::string_view::npos) name.remove_prefix(hash + 1);
  std::string out;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

std::string canonicalDigestName(std::string_view name) {
  const std::string s = squash(name);
  struct Alias {
    const char* squashed;
    const char* canonical;
  };
  static constexpr Alias kAliases[] = {
      {"md5", "MD5"},          {"sha1", "SHA-1"},       {"sha224", "SHA-224"},        {"sha256", "SHA-256"},
      {"sha384", "SHA-384"},   {"sha512", "SHA-512"},   {"sha512256", "SHA-512/256"}, {"sha3256", "SHA3-256"},
      {"sha3384", "SHA3-384"}, {"sha3512", "SHA3-512"},
  };
  for (const Alias& a : kAliases) {
    if (s == a.squashed) return a.canonical;
  }
  return {};
}

Verdict digest(std::string_view name) {
  const std::string canonical = canonicalDigestName(name);
  for (const DigestRow& row : kDigests) {
    if (canonical == row.name) {
      Verdict v{row.name, row.status, std::nullopt, row.source};
      if (row.status == Status::Legacy) v.end = row.end;
      return v;
    }
  }
  return Verdict{std::string(name), Status::Unknown, std::nullopt, ""};
}

std::optional<Verdict> digestOfSignatureAlgorithm(std::string_view name) {
  // "sha1WithRSAEncryption", "ecdsa-with-SHA1", "RSA-SHA256", "rsa-sha1",
  // "md5WithRSAEncryption": find the digest's name inside.  The longest
  // names first, so "sha1" is not taken from "sha384" (it is not: no such
  // substring) and "sha512" is not mistaken for "sha5122" ones.
  const std::string s = squash(name);
  static constexpr const char* kOrder[] = {"sha3256", "sha3384", "sha3512", "sha512256", "sha224",
                                           "sha256",  "sha384",  "sha512",  "sha1",      "md5"};
  for (const char* d : kOrder) {
    const std::size_t at = s.find(d);
    if (at == std::string::npos) continue;
    // "sha1" inside "sha128..." would be another name; none exists, but do
    // not take "sha1" when a digit follows it.
    const std::size_t after = at + std::char_traits<char>::length(d);
    if (std::string_view(d) == "sha1" && after < s.size() && std::isdigit(static_cast<unsigned char>(s[after])))
      continue;
    return digest(d);
  }
  return std::nullopt;
}

Verdict signingKey(const Certificate& cert) {
  const std::string alg = cert.keyAlgorithm();
  const int bits = cert.keyBits();
  if (alg == "RSA" || alg == "RSA-PSS") {
    Verdict v{alg + "-" + std::to_string(bits), Status::Acceptable, std::nullopt, "ETSI TS 119 312 clause 7, clause 9"};
    if (bits < kRsaMinBits) {
      v.status = Status::Legacy;
      v.end = kWeakKeyEnd;
      v.source = "ETSI TS 119 312 clause 9; NIST SP 800-131A Rev. 2 Table 2";
    }
    return v;
  }
  if (alg == "DSA") {
    return Verdict{"DSA-" + std::to_string(bits), Status::Legacy, kDsaEnd, "ETSI TS 119 312 clause 7; FIPS 186-5"};
  }
  if (alg == "EC") {
    const std::string curve = cert.curveName();
    const int nid = OBJ_sn2nid(curve.c_str());
    const char* nist = nid != NID_undef ? EC_curve_nid2nist(nid) : nullptr;
    Verdict v{"ECDSA " + std::string(nist ? nist : curve), Status::Unknown, std::nullopt, "ETSI TS 119 312 clause 7"};
    if (std::find(kGoodCurves.begin(), kGoodCurves.end(), curve) != kGoodCurves.end()) {
      v.status = Status::Acceptable;
    } else if (bits > 0 && bits < 250) {
      v.status = Status::Legacy;
      v.end = kWeakKeyEnd;
      v.source = "ETSI TS 119 312 clause 7; NIST SP 800-131A Rev. 2 Table 2";
    }
    return v;
  }
  if (alg == "ED25519")
    return Verdict{"Ed25519", Status::Acceptable, std::nullopt, "ETSI TS 119 312 clause 7; RFC 8032"};
  if (alg == "ED448") return Verdict{"Ed448", Status::Acceptable, std::nullopt, "ETSI TS 119 312 clause 7; RFC 8032"};
  return Verdict{alg, Status::Unknown, std::nullopt, ""};
}

}  // namespace securedoc::crypto_policy
