#pragma once
// Internal to formats/: small readers over PoDoFo's object model that the
// signature finder and the change analysis share.  None of them throws for
// a missing or mistyped entry: an attacker's PDF is read, never trusted.
#include <securedoc/base/bytes.h>

#include <podofo/podofo.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace securedoc::pdf {

/// Follows references (at most 32 hops, so a cycle of references ends);
/// null for a missing object or an unresolved chain.
const PoDoFo::PdfObject* resolve(const PoDoFo::PdfVecObjects& objects, const PoDoFo::PdfObject* o);
/// `dict`'s entry `name`, resolved; null when `dict` is no dictionary.
const PoDoFo::PdfObject* key(const PoDoFo::PdfVecObjects& objects, const PoDoFo::PdfObject* dict, const char* name);
/// The entry as written (a reference stays a reference); null when absent.
const PoDoFo::PdfObject* rawKey(const PoDoFo::PdfObject* dict, const char* name);
std::string nameOf(const PoDoFo::PdfObject* o);
/// A text string's value as UTF-8 (ISO 32000-1 §7.9.2.2), "" for others.
std::string textOf(const PoDoFo::PdfObject* o);
Bytes bytesOf(const PoDoFo::PdfObject* o);
std::optional<double> numberOf(const PoDoFo::PdfObject* o);
/// The object's compact serialisation (without its stream data).
std::string serialise(const PoDoFo::PdfObject* o);
/// The raw (still filtered) bytes of a stream, "" without one.
std::string streamBytes(const PoDoFo::PdfObject* o);
/// The decoded bytes of a stream, or nothing when it cannot be decoded or
/// would exceed `limit` bytes.
std::optional<std::string> decodedStream(const PoDoFo::PdfObject* o, std::size_t limit);
/// Both views read the object from the same offset of the same file: the
/// same bytes, so unchanged (and cheap to tell).
bool sameDefinition(const PoDoFo::PdfObject* a, const PoDoFo::PdfObject* b);
/// Same dictionary or value and the same stream bytes.
bool sameObject(const PoDoFo::PdfObject* a, const PoDoFo::PdfObject* b);
/// The references an array holds, in order (duplicates kept).
std::vector<PoDoFo::PdfReference> refsIn(const PoDoFo::PdfObject* array);
/// PoDoFo gives a document whose trailer names no /Info dictionary one of
/// its own on loading, dated the second it was loaded (PdfDocument::
/// InitFromParser).  Two loads of one revision then differ, and the change
/// analysis would see a changed /Info that no file holds.  This takes that
/// invented entry out of the trailer again, so the trailer reads as written;
/// the object itself stays (PoDoFo's PdfInfo still points at it) but nothing
/// in the file refers to it.
void forgetInventedInfo(PoDoFo::PdfMemDocument& doc);
/// PoDoFo logs parser details to stderr unless told not to; every entry
/// point that loads a PDF calls this first.
void quietPodofo();
/// A revision (the file's first `bytes`) loaded for reading, with
/// forgetInventedInfo applied: every load the verifier compares goes here.
std::unique_ptr<PoDoFo::PdfMemDocument> loadRevision(const Bytes& bytes);
/// "12 0 R".
std::string describeObject(const PoDoFo::PdfReference& r);

}  // namespace securedoc::pdf
