#pragma once
// Internal to formats/: a reader of DER (ITU-T X.690 §8, §10) for the few
// structures OpenSSL has no API for: RevocationValues (ETSI EN 319 122-1
// §5.5.2), Adobe's RevocationInfoArchival, SignedData's RevocationInfoChoices
// (RFC 5652 §10.2.1) with OCSP responses in them (RFC 5940).  Definite
// lengths only (DER), low tag numbers only; anything else is malformed.
#include <securedoc/base/bytes.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace securedoc::der {

/// One element: its identifier octet, its contents and its whole encoding.
struct Element {
  std::uint8_t tag = 0;
  const std::uint8_t* contents = nullptr;
  std::size_t contentsSize = 0;
  const std::uint8_t* encoding = nullptr;
  std::size_t encodingSize = 0;

  Bytes contentBytes() const { return Bytes(contents, contents + contentsSize); }
  Bytes encodingBytes() const { return Bytes(encoding, encoding + encodingSize); }
  /// The elements inside a constructed element; nullopt when they do not
  /// fill its contents exactly.
  std::optional<std::vector<Element>> children() const;
};

/// The elements that exactly fill [data, data + size); nullopt when malformed
/// (truncated, indefinite or overlong length, high tag number).
std::optional<std::vector<Element>> elements(const std::uint8_t* data, std::size_t size);
/// Exactly one element spanning all of `b`.
std::optional<Element> single(const Bytes& b);
/// The element `b` starts with, whatever follows it (a PDF's /Contents is
/// padded with zeros after the CMS).
std::optional<Element> first(const Bytes& b);

/// RFC 6960 §4.2.1: an OCSPResponse with status successful around a
/// BasicOCSPResponse (as RevocationValues carries them).
Bytes ocspResponseAround(const Bytes& basicOcspResponse);
/// An OCSPResponse as it is, a BasicOCSPResponse wrapped in one: writers
/// disagree on which of the two some containers hold (an OCSPResponse
/// starts with its ENUMERATED status, a BasicOCSPResponse with a SEQUENCE).
Bytes asOcspResponse(const Bytes& der);

}  // namespace securedoc::der
