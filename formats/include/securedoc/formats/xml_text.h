#pragma once
// An XML document as text for people to read (the window's preview).
// libxml2 lives in the XAdES module (ARCHITECTURE.md, "Loaded on first
// use"), which this loads on first call.
#include <cstdint>
#include <filesystem>
#include <string>

namespace securedoc {

/// `file` as UTF-8 text, one element a line, indented two spaces a level,
/// its XML declaration as written.  The document is decoded from the
/// encoding it declares (or its byte-order mark), so an ISO-8859-2 file's
/// "zażółć" reads right.  Parsed as every XML file SecureDoc reads
/// (xml_support.h): no network, a document type declaration refused before
/// it is read, so no entity is expanded and nothing outside the file is
/// loaded.  Throws Error(Malformed) for a file that is not well-formed XML
/// (or has a DTD), Error(Unsupported) for one over `maxBytes` (or when the
/// XAdES module is missing), Error(Io) when it cannot be read.
std::string prettyXml(const std::filesystem::path& file, std::uintmax_t maxBytes);

}  // namespace securedoc
