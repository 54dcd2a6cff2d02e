#include "der.h"

#include "cms_support.h"

namespace securedoc::der {

namespace {

/// Reads one element at [p, end); nullopt when it does not fit or is not DER.
std::optional<Element> readOne(const std::uint8_t* p, const std::uint8_t* end) {
  if (end - p < 2) return std::nullopt;
  Element e;
  e.encoding = p;
  e.tag = *p++;
  if ((e.tag & 0x1F) == 0x1F) return std::nullopt;  // high tag numbers: none in the structures read here
  std::size_t len = *p++;
  if (len & 0x80) {
    const std::size_t octets = len & 0x7F;
    // 0x80 is the indefinite form (BER, not DER); more than 4 octets of
    // length is no revocation data anyone sends.
    if (octets == 0 || octets > 4 || static_cast<std::size_t>(end - p) < octets) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < octets; ++i) len = (len << 8) | *p++;
    if (len < 0x80) return std::nullopt;  // X.690 §10.1: the shortest form
  }
  if (static_cast<std::size_t>(end - p) < len) return std::nullopt;
  e.contents = p;
  e.contentsSize = len;
  e.encodingSize = static_cast<std::size_t>(p + len - e.encoding);
  return e;
}

}  // namespace

std::optional<std::vector<Element>> elements(const std::uint8_t* data, std::size_t size) {
  std::vector<Element> out;
  const std::uint8_t* p = data;
  const std::uint8_t* end = data + size;
  while (p < end) {
    auto e = readOne(p, end);
    if (!e) return std::nullopt;
    p = e->contents + e->contentsSize;
    out.push_back(*e);
  }
  return out;
}

std::optional<std::vector<Element>> Element::children() const {
  if ((tag & 0x20) == 0) return std::nullopt;  // primitive
  return elements(contents, contentsSize);
}

std::optional<Element> single(const Bytes& b) {
  auto all = elements(b.data(), b.size());
  if (!all || all->size() != 1) return std::nullopt;
  return all->front();
}

std::optional<Element> first(const Bytes& b) { return readOne(b.data(), b.data() + b.size()); }

Bytes ocspResponseAround(const Bytes& basicOcspResponse) {
  // OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED successful(0),
  //   responseBytes [0] EXPLICIT SEQUENCE { responseType id-pkix-ocsp-basic,
  //   response OCTET STRING (the BasicOCSPResponse) } }
  static const Bytes kIdPkixOcspBasic{0x06, 0x09, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01};
  Bytes responseBytes = kIdPkixOcspBasic;
  const Bytes octets = cms::tlv(0x04, basicOcspResponse);
  responseBytes.insert(responseBytes.end(), octets.begin(), octets.end());
  Bytes body{0x0A, 0x01, 0x00};
  const Bytes tagged = cms::tlv(0xA0, cms::tlv(0x30, responseBytes));
  body.insert(body.end(), tagged.begin(), tagged.end());
  return cms::tlv(0x30, body);
}

Bytes asOcspResponse(const Bytes& b) {
  const auto outer = first(b);
  const auto parts = outer && outer->tag == 0x30 ? outer->children() : std::nullopt;
  if (parts && !parts->empty() && (*parts)[0].tag == 0x30) return ocspResponseAround(b);
  return b;
}

}  // namespace securedoc::der
