#include "pdf_objects.h"

namespace securedoc::pdf {

using namespace PoDoFo;

const PdfObject* resolve(const PdfVecObjects& objects, const PdfObject* o) {
  for (int hops = 0; o && o->IsReference() && hops < 32; ++hops) o = objects.GetObject(o->GetReference());
  return o && o->IsReference() ? nullptr : o;
}

const PdfObject* rawKey(const PdfObject* dict, const char* name) {
  if (!dict || !dict->IsDictionary()) return nullptr;
  return dict->GetDictionary().GetKey(PdfName(name));
}

const PdfObject* key(const PdfVecObjects& objects, const PdfObject* dict, const char* name) {
  return resolve(objects, rawKey(dict, name));
}

std::string nameOf(const PdfObject* o) { return o && o->IsName() ? o->GetName().GetName() : std::string(); }

std::string textOf(const PdfObject* o) {
  if (!o || !(o->IsString() || o->IsHexString())) return {};
  return o->GetString().GetStringUtf8();
}

Bytes bytesOf(const PdfObject* o) {
  if (!o || !(o->IsString() || o->IsHexString())) return {};
  const PdfString& s = o->GetString();
  const char* p = s.GetString();
  return p ? Bytes(p, p + s.GetLength()) : Bytes();
}

std::optional<double> numberOf(const PdfObject* o) {
  if (!o) return std::nullopt;
  if (o->IsNumber()) return static_cast<double>(o->GetNumber());
  if (o->IsReal()) return o->GetReal();
  return std::nullopt;
}

std::string serialise(const PdfObject* o) {
  std::string s;
  if (o) o->ToString(s, ePdfWriteMode_Compact);
  return s;
}

std::string streamBytes(const PdfObject* o) {
  if (!o || !o->HasStream()) return {};
  char* buf = nullptr;
  pdf_long len = 0;
  const_cast<PdfObject*>(o)->GetStream()->GetCopy(&buf, &len);
  std::string out(buf ? buf : "", buf ? static_cast<std::size_t>(len) : 0u);
  podofo_free(buf);
  return out;
}

namespace {

/// Collects a decoded stream and stops at a limit (a deflate bomb must not
/// take the memory).
class LimitedStringStream final : public PdfOutputStream {
 public:
  explicit LimitedStringStream(std::size_t limit) : m_limit(limit) {}
  pdf_long Write(const char* buffer, pdf_long length) override {
    if (length < 0 || m_out.size() + static_cast<std::size_t>(length) > m_limit) {
      m_exceeded = true;
      PODOFO_RAISE_ERROR(ePdfError_OutOfMemory);
    }
    m_out.append(buffer, static_cast<std::size_t>(length));
    return length;
  }
  void Close() override {}
  bool exceeded() const { return m_exceeded; }
  std::string& text() { return m_out; }

 private:
  std::size_t m_limit;
  bool m_exceeded = false;
  std::string m_out;
};

}  // namespace

std::optional<std::string> decodedStream(const PdfObject* o, std::size_t limit) {
  if (!o || !o->HasStream()) return std::nullopt;
  LimitedStringStream out(limit);
  try {
    const_cast<PdfObject*>(o)->GetStream()->GetFilteredCopy(&out);
  } catch (const PdfError&) {
    return std::nullopt;
  }
  if (out.exceeded()) return std::nullopt;
  return std::move(out.text());
}

bool sameDefinition(const PdfObject* a, const PdfObject* b) {
  const auto* pa = dynamic_cast<const PdfParserObject*>(a);
  const auto* pb = dynamic_cast<const PdfParserObject*>(b);
  return pa && pb && pa->GetOffset() > 0 && pa->GetOffset() == pb->GetOffset();
}

bool sameObject(const PdfObject* a, const PdfObject* b) {
  if (!a || !b) return a == b;
  if (sameDefinition(a, b)) return true;
  return a->HasStream() == b->HasStream() && serialise(a) == serialise(b) && streamBytes(a) == streamBytes(b);
}

std::vector<PdfReference> refsIn(const PdfObject* a) {
  std::vector<PdfReference> out;
  if (a && a->IsArray()) {
    for (const auto& e : a->GetArray()) {
      if (e.IsReference()) out.push_back(e.GetReference());
    }
  }
  return out;
}

void forgetInventedInfo(PdfMemDocument& doc) {
  auto* trailer = const_cast<PdfObject*>(doc.GetTrailer());
  const PdfObject* info = rawKey(trailer, "Info");
  if (!info) return;
  const PdfObject* target = info->IsReference() ? doc.GetObjects().GetObject(info->GetReference()) : info;
  // Objects read from the file are parser objects; the invented one is not.
  if (target && !dynamic_cast<const PdfParserObject*>(target)) trailer->GetDictionary().RemoveKey(PdfName("Info"));
}

void quietPodofo() {
  static const bool done = [] {
    PdfError::EnableDebug(false);
    PdfError::EnableLogging(false);
    return true;
  }();
  (void)done;
}

std::unique_ptr<PdfMemDocument> loadRevision(const Bytes& bytes) {
  quietPodofo();
  auto doc = std::make_unique<PdfMemDocument>();
  doc->LoadFromBuffer(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
  forgetInventedInfo(*doc);
  return doc;
}

std::string describeObject(const PdfReference& r) {
  return std::to_string(r.ObjectNumber()) + " " + std::to_string(r.GenerationNumber()) + " R";
}

}  // namespace securedoc::pdf
