#include "pdf_diff.h"

#include "pdf_objects.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

namespace securedoc::pdf {

using namespace PoDoFo;
using Bit = SignedRoles::Bit;

namespace {

constexpr int kMaxDepth = 64;                     // page tree and field hierarchy depth
constexpr std::size_t kContentLimit = 16u << 20;  // decoded page content searched for resource names

}  // namespace

// ------------------------------------------------------------------ roles ---

/// Walks the signed revision: first the structures (so that a generic walk
/// below a page or a field stops at other structures instead of giving a
/// page the role of whatever points at it, such as a structure tree), then
/// everything each structure carries.
class RoleWalker {
 public:
  RoleWalker(SignedRoles& out, PdfMemDocument& doc) : m_out(out), m_objects(doc.GetObjects()) {
    const PdfObject* trailer = doc.GetTrailer();
    const PdfObject* rootRef = rawKey(trailer, "Root");
    if (rootRef && rootRef->IsReference()) {
      m_out.m_catalog = rootRef->GetReference();
      catalog(rootRef);
    }
    if (const PdfObject* info = rawKey(trailer, "Info")) m_tasks.push_back({info, Bit::Info, {}});
    for (const auto& t : m_tasks) content(t);
  }

 private:
  struct Context {
    int page = 0;
    PdfReference field;
    std::string key;
  };
  struct Task {
    const PdfObject* value;
    std::uint32_t bit;
    Context ctx;
  };

  SignedRoles& m_out;
  const PdfVecObjects& m_objects;
  std::vector<Task> m_tasks;
  int m_pages = 0;

  /// Gives `ref` the role; false when it had it already.
  bool mark(const PdfReference& ref, std::uint32_t bit, const Context& ctx) {
    auto& r = m_out.m_roles[ref];
    if (r.bits & bit) return false;
    r.bits |= bit;
    if (!r.page && ctx.page) r.page = ctx.page;
    if (r.field == PdfReference() && ctx.field != PdfReference()) r.field = ctx.field;
    if (r.key.empty() && !ctx.key.empty()) r.key = ctx.key;
    return true;
  }

  /// Marks and resolves `value` when it is a reference; null when it was
  /// marked already (a cycle, or a second path with the same role) or is
  /// not defined.
  const PdfObject* enter(const PdfObject* value, std::uint32_t bit, const Context& ctx) {
    if (!value) return nullptr;
    if (!value->IsReference()) return value;
    const PdfReference& ref = value->GetReference();
    const PdfObject* target = m_objects.GetObject(ref);
    if (!target) {
      m_out.m_undefined[ref] |= bit;
      return nullptr;
    }
    return mark(ref, bit, ctx) ? target : nullptr;
  }

  void catalog(const PdfObject* rootRef) {
    const PdfObject* cat = enter(rootRef, Bit::Catalog, {});
    if (!cat || !cat->IsDictionary()) return;
    for (const auto& [k, v] : cat->GetDictionary().GetKeys()) {
      const std::string name = k.GetName();
      if (name == "Pages") {
        pageTree(v, 0);
      } else if (name == "AcroForm") {
        acroForm(v);
      } else if (name == "DSS") {
        m_tasks.push_back({v, Bit::Dss, {}});
      } else if (name == "Metadata") {
        m_tasks.push_back({v, Bit::Metadata, {}});
      } else if (name == "Perms") {
        m_tasks.push_back({v, Bit::Permissions, {}});
      } else {
        m_tasks.push_back({v, Bit::Other, Context{0, {}, name}});
      }
    }
  }

  void pageTree(const PdfObject* nodeValue, int depth) {
    if (depth > kMaxDepth) return;
    // Page or intermediate node (ISO 32000-1 §7.7.3): a node has /Kids.
    const PdfObject* resolved = resolve(m_objects, nodeValue);
    const bool isNode = resolved && resolved->IsDictionary() && resolved->GetDictionary().HasKey("Kids") &&
                        nameOf(key(m_objects, resolved, "Type")) != "Page";
    if (!isNode) {
      page(nodeValue);
      return;
    }
    const PdfObject* node = enter(nodeValue, Bit::PageTree, {});
    if (!node) return;
    for (const auto& [k, v] : node->GetDictionary().GetKeys()) {
      const std::string name = k.GetName();
      if (name == "Parent") continue;
      if (name == "Kids") {
        const PdfObject* kids = enter(v, Bit::PageTree, {});
        if (kids && kids->IsArray()) {
          for (const auto& kid : kids->GetArray()) pageTree(&kid, depth + 1);
        }
      } else {
        // Inherited attributes (/Resources, /MediaBox...) belong to every page below.
        m_tasks.push_back({v, Bit::PageContent, {}});
      }
    }
  }

  void page(const PdfObject* value) {
    const int number = ++m_pages;
    const Context ctx{number, {}, {}};
    const PdfObject* p = enter(value, Bit::Page, ctx);
    if (!p || !p->IsDictionary()) return;
    for (const auto& [k, v] : p->GetDictionary().GetKeys()) {
      const std::string name = k.GetName();
      if (name == "Parent") continue;
      if (name == "Annots") {
        const PdfObject* annots = enter(v, Bit::AnnotationList, ctx);
        if (annots && annots->IsArray()) {
          for (const auto& a : annots->GetArray()) annotation(&a, ctx);
        }
        continue;
      }
      if (name == "Resources") resources(v, ctx);
      m_tasks.push_back({v, Bit::PageContent, ctx});
    }
  }

  /// A resource dictionary and its name dictionaries (ISO 32000-1 §7.8.3),
  /// so that adding a name to them can be told from changing one.
  void resources(const PdfObject* value, const Context& ctx) {
    const PdfObject* res = value && value->IsReference() ? m_objects.GetObject(value->GetReference()) : value;
    if (value && value->IsReference() && res) mark(value->GetReference(), Bit::PageResources, ctx);
    if (!res || !res->IsDictionary()) return;
    for (const auto& [k, v] : res->GetDictionary().GetKeys()) {
      if (v->IsReference() && m_objects.GetObject(v->GetReference())) mark(v->GetReference(), Bit::PageResources, ctx);
    }
  }

  void annotation(const PdfObject* value, const Context& pageCtx) {
    const PdfObject* a = resolve(m_objects, value);
    if (!a || !a->IsDictionary()) {
      if (value && value->IsReference() && !a) m_out.m_undefined[value->GetReference()] |= Bit::Annotation;
      return;
    }
    const bool widget = nameOf(key(m_objects, a, "Subtype")) == "Widget";
    Context ctx = pageCtx;
    if (widget) {
      // A widget merged with its field is the field; otherwise /Parent is.
      if (a->GetDictionary().HasKey("FT") || a->GetDictionary().HasKey("T") || !rawKey(a, "Parent")) {
        if (value->IsReference()) ctx.field = value->GetReference();
      } else if (const PdfObject* parent = rawKey(a, "Parent"); parent->IsReference()) {
        ctx.field = parent->GetReference();
      }
    }
    const PdfObject* entered = enter(value, widget ? Bit::Widget : Bit::Annotation, ctx);
    if (!entered) return;
    for (const auto& [k, v] : entered->GetDictionary().GetKeys()) {
      const std::string name = k.GetName();
      // Back links to the page, the parent field, the popup's owner: other structures.
      if (name == "P" || name == "Parent" || name == "Popup" || name == "IRT") continue;
      m_tasks.push_back({v, widget ? Bit::FieldContent : Bit::AnnotationContent, ctx});
    }
  }

  void acroForm(const PdfObject* value) {
    const PdfObject* form = enter(value, Bit::AcroForm, {});
    if (!form || !form->IsDictionary()) return;
    for (const auto& [k, v] : form->GetDictionary().GetKeys()) {
      const std::string name = k.GetName();
      if (name == "Fields") {
        const PdfObject* fields = enter(v, Bit::FieldList, Context{0, {}, "Fields"});
        if (fields && fields->IsArray()) {
          for (const auto& f : fields->GetArray()) field(&f, "", false, 0);
        }
      } else if (name == "XFA") {
        // XML forms replace what is shown (ISO 32000-1 §12.7.8): never form filling.
        m_tasks.push_back({v, Bit::Other, Context{0, {}, "AcroForm/XFA"}});
      } else {
        m_tasks.push_back({v, Bit::FormContent, {}});
      }
    }
  }

  void field(const PdfObject* value, const std::string& parentName, bool parentSig, int depth) {
    if (depth > kMaxDepth || !value || !value->IsReference()) return;
    const PdfReference ref = value->GetReference();
    const PdfObject* f = m_objects.GetObject(ref);
    if (!f) {
      m_out.m_undefined[ref] |= Bit::Field;
      return;
    }
    if (!f->IsDictionary()) return;
    const std::string partial = textOf(key(m_objects, f, "T"));
    const std::string name = parentName.empty() ? partial : (partial.empty() ? parentName : parentName + "." + partial);
    const std::string type = nameOf(key(m_objects, f, "FT"));
    const bool sig = type.empty() ? parentSig : type == "Sig";
    const bool isWidget = nameOf(key(m_objects, f, "Subtype")) == "Widget";
    // A kid without /T that is a widget is an appearance of its parent field.
    if (isWidget && partial.empty() && !f->GetDictionary().HasKey("FT") && depth > 0) return;
    const Context ctx{0, ref, {}};
    if (!mark(ref, Bit::Field, ctx)) return;
    SignedRoles::FieldInfo& info = m_out.m_fields[ref];
    info.name = name;
    info.signature = sig;
    info.signedAlready = sig && key(m_objects, f, "V") != nullptr;
    for (const auto& [k, v] : f->GetDictionary().GetKeys()) {
      const std::string n = k.GetName();
      if (n == "Parent" || n == "P") continue;
      if (n == "Kids") {
        const PdfObject* kids = enter(v, Bit::FieldList, Context{0, ref, "Kids"});
        if (!kids || !kids->IsArray()) continue;
        for (const auto& kid : kids->GetArray()) {
          const PdfObject* kd = resolve(m_objects, &kid);
          const bool kidIsWidget = kd && kd->IsDictionary() && nameOf(key(m_objects, kd, "Subtype")) == "Widget" &&
                                   !kd->GetDictionary().HasKey("T") && !kd->GetDictionary().HasKey("FT");
          if (kidIsWidget && kid.IsReference()) {
            mark(kid.GetReference(), Bit::Field, ctx);
            for (const auto& [wk, wv] : kd->GetDictionary().GetKeys()) {
              if (wk.GetName() != "Parent" && wk.GetName() != "P") m_tasks.push_back({wv, Bit::FieldContent, ctx});
            }
          } else {
            field(&kid, name, sig, depth + 1);
          }
        }
      } else if (n == "V" && sig) {
        const PdfObject* sd = enter(v, Bit::Signature, ctx);
        if (sd && sd->IsDictionary()) {
          for (const auto& [sk, sv] : sd->GetDictionary().GetKeys())
            m_tasks.push_back({sv, Bit::SignatureContent, ctx});
        }
      } else {
        m_tasks.push_back({v, Bit::FieldContent, ctx});
      }
    }
  }

  /// Everything below `t.value` that is not a structure gets `t.bit`.
  void content(const Task& t) {
    std::vector<const PdfObject*> stack{t.value};
    while (!stack.empty()) {
      const PdfObject* o = stack.back();
      stack.pop_back();
      if (!o) continue;
      if (o->IsReference()) {
        const PdfReference& ref = o->GetReference();
        const PdfObject* target = m_objects.GetObject(ref);
        if (!target) {
          m_out.m_undefined[ref] |= t.bit;
          continue;
        }
        if (const auto* r = m_out.find(ref); r && (r->bits & SignedRoles::kStructural)) continue;
        if (!mark(ref, t.bit, t.ctx)) continue;
        o = target;
      }
      if (o->IsDictionary()) {
        for (const auto& [k, v] : o->GetDictionary().GetKeys()) stack.push_back(v);
      } else if (o->IsArray()) {
        for (const auto& e : o->GetArray()) stack.push_back(&e);
      }
    }
  }
};

SignedRoles::SignedRoles(PdfMemDocument& signedRevision) { RoleWalker walker(*this, signedRevision); }

const SignedRoles::Role* SignedRoles::find(const PdfReference& r) const {
  const auto it = m_roles.find(r);
  return it == m_roles.end() ? nullptr : &it->second;
}

const SignedRoles::FieldInfo* SignedRoles::field(const PdfReference& r) const {
  const auto it = m_fields.find(r);
  return it == m_fields.end() ? nullptr : &it->second;
}

std::string roleName(std::uint32_t bits) {
  // The most telling role first.
  static const std::pair<std::uint32_t, const char*> names[] = {
      {Bit::Catalog, "catalog"},
      {Bit::PageTree, "page-tree"},
      {Bit::Page, "page"},
      {Bit::PageContent, "page-content"},
      {Bit::PageResources, "page-resources"},
      {Bit::Signature, "signature"},
      {Bit::SignatureContent, "signature"},
      {Bit::Field, "form-field"},
      {Bit::Widget, "form-field"},
      {Bit::FieldContent, "form-field-appearance"},
      {Bit::FieldList, "form-field-list"},
      {Bit::AcroForm, "form"},
      {Bit::FormContent, "form-resources"},
      {Bit::Annotation, "annotation"},
      {Bit::AnnotationList, "annotation-list"},
      {Bit::AnnotationContent, "annotation-appearance"},
      {Bit::Permissions, "permissions"},
      {Bit::Other, "catalog-entry"},
      {Bit::Dss, "dss"},
      {Bit::Metadata, "metadata"},
      {Bit::Info, "info"},
  };
  for (const auto& [bit, name] : names) {
    if (bits & bit) return name;
  }
  return "unused";
}

// ------------------------------------------------------------- FieldMDP ---

bool FieldLock::locks(const std::string& field) const {
  switch (action) {
    case Action::None:
      return false;
    case Action::All:
      return true;
    case Action::Include:
      return fields.count(field) != 0;
    case Action::Exclude:
      return fields.count(field) == 0;
  }
  return false;
}

namespace {

void addLock(const PdfVecObjects& objects, const PdfObject* lockDict, FieldLock& out) {
  if (!lockDict || !lockDict->IsDictionary()) return;
  const std::string action = nameOf(key(objects, lockDict, "Action"));
  std::set<std::string> names;
  if (const PdfObject* fields = key(objects, lockDict, "Fields"); fields && fields->IsArray()) {
    for (const auto& f : fields->GetArray()) names.insert(textOf(resolve(objects, &f)));
  }
  using A = FieldLock::Action;
  // Several locks add up: the strictest union (ISO 32000-1 §12.8.2.4).
  if (action == "All") {
    out.action = A::All;
  } else if (action == "Include" && out.action != A::All) {
    if (out.action == A::Exclude) {
      for (const auto& n : names) out.fields.erase(n);
    } else {
      out.action = A::Include;
      out.fields.insert(names.begin(), names.end());
    }
  } else if (action == "Exclude" && out.action != A::All) {
    if (out.action == A::Include) {
      // Everything but `names`, plus what was included: exclude only names not included.
      std::set<std::string> excluded;
      for (const auto& n : names) {
        if (!out.fields.count(n)) excluded.insert(n);
      }
      out.action = A::Exclude;
      out.fields = excluded;
    } else if (out.action == A::Exclude) {
      std::set<std::string> both;
      for (const auto& n : names) {
        if (out.fields.count(n)) both.insert(n);
      }
      out.fields = both;
    } else {
      out.action = A::Exclude;
      out.fields = names;
    }
  }
}

/// The signature field named `wanted`; /FT is inherited from ancestors
/// (ISO 32000-1 §12.7.3.1 Table 220), as findSignatures does.
void findField(const PdfVecObjects& objects, const PdfObject* f, const std::string& parent,
               const std::string& parentType, const std::string& wanted, int depth, const PdfObject*& found) {
  if (found || !f || !f->IsDictionary() || depth > kMaxDepth) return;
  const std::string partial = textOf(key(objects, f, "T"));
  const std::string name = parent.empty() ? partial : (partial.empty() ? parent : parent + "." + partial);
  std::string type = nameOf(key(objects, f, "FT"));
  if (type.empty()) type = parentType;
  if (name == wanted && type == "Sig") {
    found = f;
    return;
  }
  if (const PdfObject* kids = key(objects, f, "Kids"); kids && kids->IsArray()) {
    for (const auto& k : kids->GetArray())
      findField(objects, resolve(objects, &k), name, type, wanted, depth + 1, found);
  }
}

}  // namespace

FieldLock fieldLockOf(PdfMemDocument& doc, const std::string& fieldName) {
  FieldLock lock;
  const PdfVecObjects& objects = doc.GetObjects();
  const PdfObject* fields = key(objects, key(objects, doc.GetCatalog(), "AcroForm"), "Fields");
  if (!fields || !fields->IsArray()) return lock;
  const PdfObject* field = nullptr;
  for (const auto& f : fields->GetArray()) findField(objects, resolve(objects, &f), "", "", fieldName, 0, field);
  if (!field) return lock;
  addLock(objects, key(objects, field, "Lock"), lock);
  // Table 253: a signature reference with /TransformMethod /FieldMDP.
  if (const PdfObject* refs = key(objects, key(objects, field, "V"), "Reference"); refs && refs->IsArray()) {
    for (const auto& r : refs->GetArray()) {
      const PdfObject* sr = resolve(objects, &r);
      if (nameOf(key(objects, sr, "TransformMethod")) == "FieldMDP")
        addLock(objects, key(objects, sr, "TransformParams"), lock);
    }
  }
  return lock;
}

// ------------------------------------------------------------ the rules ---

ModificationLevel allowedLevel(int p) {
  switch (p) {
    case 1:
      return ModificationLevel::LtaUpdates;
    case 3:
      return ModificationLevel::Annotations;
    default:
      return ModificationLevel::FormFilling;
  }
}

void addModification(std::vector<Modification>& out, const Modification& m) {
  if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
}

namespace {

using Level = ModificationLevel;
using Args = std::vector<std::pair<std::string, std::string>>;

bool isDocTimeStamp(const PdfVecObjects& objects, const PdfObject* sig) {
  return nameOf(key(objects, sig, "Type")) == "DocTimeStamp" ||
         nameOf(key(objects, sig, "SubFilter")) == "ETSI.RFC3161";
}

/// ISO 32000-1 §12.5.2: a zero-area /Rect, or the Hidden (2) or NoView (32)
/// flag, shows nothing.
bool isVisible(const PdfVecObjects& objects, const PdfObject* widget) {
  if (!widget || !widget->IsDictionary()) return false;
  if (const auto flags = numberOf(key(objects, widget, "F"))) {
    const auto f = static_cast<long long>(*flags);
    if (f & (2 | 32)) return false;
  }
  const PdfObject* rect = key(objects, widget, "Rect");
  if (!rect || !rect->IsArray() || rect->GetArray().size() != 4) return false;
  double v[4];
  for (std::size_t i = 0; i < 4; ++i) {
    const auto n = numberOf(resolve(objects, &rect->GetArray()[i]));
    if (!n) return false;
    v[i] = *n;
  }
  return std::fabs(v[2] - v[0]) > 1e-6 && std::fabs(v[3] - v[1]) > 1e-6;
}

bool isNameChar(char c) {
  // ISO 32000-1 §7.2.2: white space and delimiters end a name.
  return !(c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\0' || std::strchr("()<>[]{}/%", c));
}

/// Whether `content` names `/name` as a whole token.
bool usesName(const std::string& content, const std::string& name) {
  const std::string token = "/" + name;
  for (std::size_t at = content.find(token); at != std::string::npos; at = content.find(token, at + 1)) {
    const std::size_t end = at + token.size();
    if (end >= content.size() || !isNameChar(content[end])) return true;
  }
  return false;
}

class Differ {
 public:
  Differ(const SignedRoles& roles, PdfMemDocument& before, PdfMemDocument& after, PdfMemDocument& final,
         const SignatureVerified& verified, const FieldLock& lock)
      : m_roles(roles),
        m_old(before.GetObjects()),
        m_new(after.GetObjects()),
        m_final(final.GetObjects()),
        m_oldDoc(before),
        m_newDoc(after),
        m_verified(verified),
        m_lock(lock) {}

  DiffResult run() {
    if (brokenChain()) {
      m_result.unreadable = true;
      return std::move(m_result);
    }
    trailer();
    for (const PdfObject* now : m_new) {
      const PdfReference& ref = now->Reference();
      const PdfObject* was = m_old.GetObject(ref);
      if (!was) {
        if (const auto it = m_roles.undefined().find(ref); it != m_roles.undefined().end()) {
          // Signed as "nothing here" (a reference to a missing object is
          // null, ISO 32000-1 §7.3.10): giving it a body changes what was signed.
          add(Level::Other, "signed-object-defined-later",
              {{"object", describeObject(ref)}, {"role", roleName(it->second)}});
        }
        continue;
      }
      if (sameObject(was, now)) continue;
      const SignedRoles::Role* role = m_roles.find(ref);
      if (!role) continue;  // not part of the signed document: judged by what refers to it
      judgeChanged(ref, *role, was, now);
    }
    removed();
    return std::move(m_result);
  }

 private:
  const SignedRoles& m_roles;
  const PdfVecObjects& m_old;
  const PdfVecObjects& m_new;
  const PdfVecObjects& m_final;
  PdfMemDocument& m_oldDoc;
  PdfMemDocument& m_newDoc;
  const SignatureVerified& m_verified;
  const FieldLock& m_lock;
  DiffResult m_result;

  void add(Level level, const std::string& code, Args args = {}) {
    m_result.level = std::max(m_result.level, level);
    // One change reached twice (a new signature field through the page's
    // /Annots and the form's /Fields) is told once, with the most detail.
    auto subset = [](const Args& a, const Args& b) {
      return std::all_of(a.begin(), a.end(),
                         [&b](const auto& x) { return std::find(b.begin(), b.end(), x) != b.end(); });
    };
    for (auto& m : m_result.changes) {
      if (m.level != level || m.code != code) continue;
      if (subset(args, m.args)) return;
      if (subset(m.args, args)) {
        m.args = std::move(args);
        return;
      }
    }
    m_result.changes.push_back(Modification{level, code, std::move(args)});
  }

  std::map<PdfReference, int> m_annotationPages;
  bool m_annotationPagesKnown = false;

  /// The page (1-based) whose /Annots lists `r` in the later revision, or 0.
  int pageOfAnnotation(const PdfReference& r) {
    if (!m_annotationPagesKnown) {
      m_annotationPagesKnown = true;
      try {
        const int count = m_newDoc.GetPageCount();
        for (int i = 0; i < count; ++i) {
          const PdfPage* p = m_newDoc.GetPage(i);
          if (!p) continue;
          for (const auto& a : refsIn(key(m_new, p->GetObject(), "Annots"))) m_annotationPages.emplace(a, i + 1);
        }
      } catch (const PdfError&) {
        // A page tree PoDoFo cannot walk: no footprints, so any visible change counts against the signature.
      }
    }
    const auto it = m_annotationPages.find(r);
    return it == m_annotationPages.end() ? 0 : it->second;
  }

  /// Records where an annotation whose change is explained draws.
  void footprint(const PdfObject* annot, int number, const std::string& field) {
    const PdfObject* rect = key(m_new, annot, "Rect");
    if (!rect || !rect->IsArray() || rect->GetArray().size() != 4) return;
    double v[4];
    for (std::size_t i = 0; i < 4; ++i) {
      const auto n = numberOf(resolve(m_new, &rect->GetArray()[i]));
      if (!n) return;
      v[i] = *n;
    }
    int page = annot->Reference().ObjectNumber() ? pageOfAnnotation(annot->Reference()) : 0;
    if (!page) page = number;
    if (page) m_result.footprints.push_back(Footprint{page, v[0], v[1], v[2], v[3], field});
  }

  /// The widget annotations of a field: itself when merged, and its widget kids.
  std::vector<const PdfObject*> widgetsOf(const PdfObject* field) const {
    std::vector<const PdfObject*> out;
    if (nameOf(key(m_new, field, "Subtype")) == "Widget") out.push_back(field);
    if (const PdfObject* kids = key(m_new, field, "Kids"); kids && kids->IsArray()) {
      for (const auto& k : kids->GetArray()) {
        const PdfObject* w = resolve(m_new, &k);
        if (nameOf(key(m_new, w, "Subtype")) == "Widget") out.push_back(w);
      }
    }
    return out;
  }

  static Args objectArgs(const PdfReference& ref, const SignedRoles::Role& role) {
    Args a{{"object", describeObject(ref)}, {"role", roleName(role.bits)}};
    if (role.page) a.emplace_back("page", std::to_string(role.page));
    return a;
  }

  std::string fieldName(const PdfReference& field) const {
    const auto* info = m_roles.field(field);
    return info ? info->name : std::string();
  }

  // ---- the trailer: a new /Root is a new catalogue; /Info is not rendered.
  void trailer() {
    const PdfObject* oldRoot = rawKey(m_oldDoc.GetTrailer(), "Root");
    const PdfObject* newRoot = rawKey(m_newDoc.GetTrailer(), "Root");
    if (oldRoot && newRoot && oldRoot->IsReference() && newRoot->IsReference() &&
        oldRoot->GetReference() != newRoot->GetReference()) {
      if (const auto* r = m_roles.find(newRoot->GetReference()); r && r->bits) {
        add(Level::Other, "object-role-changed",
            {{"object", describeObject(newRoot->GetReference())}, {"role", roleName(r->bits)}, {"now", "catalog"}});
      }
      catalog(resolve(m_old, oldRoot), resolve(m_new, newRoot));
    }
    if (serialise(rawKey(m_oldDoc.GetTrailer(), "Info")) != serialise(rawKey(m_newDoc.GetTrailer(), "Info"))) {
      add(Level::LtaUpdates, "info-changed");
    }
  }

  std::vector<PdfReference> gone() const {
    std::vector<PdfReference> out;
    for (const PdfObject* was : m_old) {
      if (!m_new.GetObject(was->Reference())) out.push_back(was->Reference());
    }
    return out;
  }

  /// Most of the signed objects missing is not an edit but a later
  /// cross-reference section that lost the chain to the earlier ones (a
  /// broken /Prev): the later revision cannot be read as a continuation.
  bool brokenChain() const {
    const std::size_t missing = gone().size();
    return missing > 0 && missing * 2 >= m_old.GetSize();
  }

  void removed() {
    for (const auto& ref : gone()) {
      if (const auto* role = m_roles.find(ref)) add(Level::Other, "object-removed", objectArgs(ref, *role));
    }
  }

  void judgeChanged(const PdfReference& ref, const SignedRoles::Role& role, const PdfObject* was,
                    const PdfObject* now) {
    const std::uint32_t b = role.bits;
    // An object must be allowed to change in every role it has.
    if (b & Bit::Catalog) catalog(was, now);
    if (b & Bit::PageTree) pageTreeNode(ref, role, was, now);
    if (b & Bit::Page) page(was, now, role.page);
    if (b & Bit::AnnotationList) annotationList(was, now, role.page);
    if (b & (Bit::Annotation | Bit::AnnotationContent)) {
      add(Level::Annotations, "annotation-changed",
          {{"page", std::to_string(role.page)}, {"subtype", nameOf(key(m_new, now, "Subtype"))}});
      if (b & Bit::Annotation) footprint(now, role.page, {});
    }
    if (b & (Bit::Field | Bit::Widget)) fieldDictionary(ref, role, was, now);
    if (b & Bit::FieldContent) fieldAppearance(role);
    if (b & Bit::FieldList) fieldList(role, refsIn(was), refsIn(now));
    if (b & Bit::AcroForm) acroForm(was, now);
    if (b & Bit::FormContent) add(Level::FormFilling, "form-resources-changed");
    if (b & (Bit::Signature | Bit::SignatureContent)) {
      add(Level::Other, "signature-changed", {{"field", fieldName(role.field)}});
    }
    if (b & Bit::Dss) add(Level::LtaUpdates, "dss-added");
    if (b & Bit::Info) add(Level::LtaUpdates, "info-changed");
    if (b & Bit::Metadata) add(Level::LtaUpdates, "metadata-changed");
    if (b & Bit::Permissions) add(Level::Other, "permissions-changed");
    if (b & Bit::Other) {
      if (role.key == "StructTreeRoot" && structureExtended(was, now, 0)) {
        // A signer that adds a widget to a tagged PDF links it into the
        // logical structure (ISO 32000-1 §14.7.4.4: an OBJR in an element's
        // /K, an entry in the /ParentTree, /ParentTreeNextKey).  Entries
        // only added are part of adding the field; changing an existing one
        // (an /Alt or /ActualText a screen reader reads) is not.
        add(Level::FormFilling, "structure-tree-extended");
      } else {
        Args a = objectArgs(ref, role);
        a.emplace_back("key", role.key);
        add(Level::Other, "object-changed", a);
      }
    }
    if (b & Bit::PageResources) {
      resourcesExtended(was, now, role.page, ref);
    } else if (b & Bit::PageContent) {
      add(Level::Other, "object-changed", objectArgs(ref, role));
    }
  }

  /// Whether `now` only adds to `was` in the structure tree: the same keys
  /// with the same values but /K, /Kids, /Nums (and /Limits,
  /// /ParentTreeNextKey) that only gained entries, keeping the old ones in
  /// their order.
  bool structureExtended(const PdfObject* was, const PdfObject* now, int depth) const {
    if (!was || !now || depth > 8) return false;
    if (was->IsArray() && now->IsArray()) {
      const auto& a = was->GetArray();
      const auto& b = now->GetArray();
      std::size_t j = 0;
      for (const auto& e : a) {
        const std::string want = serialise(&e);
        while (j < b.size() && serialise(&b[j]) != want) ++j;
        if (j == b.size()) return false;
        ++j;
      }
      return true;
    }
    if (!was->IsDictionary() || !now->IsDictionary() || was->HasStream() || now->HasStream()) return false;
    static const std::set<std::string> growing{"K", "Kids", "Nums"};
    static const std::set<std::string> counters{"Limits", "ParentTreeNextKey"};
    for (const auto& k : changedKeys(was, now)) {
      const PdfObject* a = rawKey(was, k.c_str());
      const PdfObject* b = rawKey(now, k.c_str());
      if (counters.count(k) && b) continue;
      if (!growing.count(k) || !b) return false;
      if (!a) continue;  // a first child
      const PdfObject* ra = resolve(m_old, a);
      const PdfObject* rb = resolve(m_new, b);
      if (a->IsReference() && b->IsReference() && a->GetReference() == b->GetReference())
        continue;  // judged on its own
      if (ra && rb && !ra->IsArray() && rb->IsArray()) {
        // One kid became several: the old one must still be among them.
        const std::string want = serialise(a);
        if (!std::any_of(rb->GetArray().begin(), rb->GetArray().end(),
                         [&](const PdfObject& e) { return serialise(&e) == want; })) {
          return false;
        }
        continue;
      }
      if (!structureExtended(ra, rb, depth + 1)) return false;
    }
    return true;
  }

  /// Keys whose serialised values differ.
  static std::vector<std::string> changedKeys(const PdfObject* was, const PdfObject* now) {
    std::set<std::string> keys;
    if (was && was->IsDictionary()) {
      for (const auto& [k, v] : was->GetDictionary().GetKeys()) keys.insert(k.GetName());
    }
    if (now && now->IsDictionary()) {
      for (const auto& [k, v] : now->GetDictionary().GetKeys()) keys.insert(k.GetName());
    }
    std::vector<std::string> out;
    for (const auto& k : keys) {
      if (serialise(rawKey(was, k.c_str())) != serialise(rawKey(now, k.c_str()))) out.push_back(k);
    }
    return out;
  }

  // ---- an intermediate page tree node (§7.7.3.2): nothing may change but
  // iText's release marker, a text string its PdfStamper writes into the root
  // /Pages node on every save (/ITXT), which no reader draws.
  void pageTreeNode(const PdfReference& ref, const SignedRoles::Role& role, const PdfObject* was,
                    const PdfObject* now) {
    for (const auto& k : changedKeys(was, now)) {
      const PdfObject* v = rawKey(now, k.c_str());
      if (k == "ITXT" && (!v || v->IsString() || v->IsHexString())) {
        add(Level::LtaUpdates, "producer-marker-changed", {{"key", k}});
      } else {
        Args a = objectArgs(ref, role);
        a.emplace_back("key", k);
        add(Level::Other, "pages-changed", a);
      }
    }
  }

  // ---- the catalogue (ISO 32000-1 §7.7.2).
  void catalog(const PdfObject* was, const PdfObject* now) {
    if (!was || !now || !was->IsDictionary() || !now->IsDictionary()) {
      add(Level::Other, "catalog-changed", {{"key", "/"}});
      return;
    }
    for (const auto& k : changedKeys(was, now)) {
      if (k == "AcroForm") {
        acroForm(key(m_old, was, "AcroForm"), key(m_new, now, "AcroForm"));
      } else if (k == "DSS") {
        // ETSI EN 319 142-1 §5.4.2: validation data added after signing.
        add(Level::LtaUpdates, "dss-added");
      } else if (k == "Metadata") {
        add(Level::LtaUpdates, "metadata-changed");
      } else if (k == "Extensions" || k == "Version") {
        // ISO 32000-1 §7.12 and §7.2.2: declarations of what the file uses
        // (PAdES writers add the ESIC extension); nothing is shown by them.
        add(Level::LtaUpdates, "extensions-changed", {{"key", k}});
      } else if (k == "Perms") {
        add(Level::Other, "permissions-changed");
      } else {
        add(Level::Other, "catalog-changed", {{"key", k}});
      }
    }
  }

  // ---- a page (§7.7.3.3): only its annotations and added resources may change.
  void page(const PdfObject* was, const PdfObject* now, int number) {
    for (const auto& k : changedKeys(was, now)) {
      if (k == "Annots") {
        const PdfObject* a = rawKey(was, "Annots");
        const PdfObject* b = rawKey(now, "Annots");
        // The same indirect array: its own change is judged as that object.
        if (a && b && a->IsReference() && b->IsReference() && a->GetReference() == b->GetReference()) continue;
        annotationList(resolve(m_old, a), resolve(m_new, b), number);
      } else if (k == "Resources") {
        const PdfObject* a = rawKey(was, "Resources");
        const PdfObject* b = rawKey(now, "Resources");
        if (a && b && a->IsReference() && b->IsReference() && a->GetReference() == b->GetReference()) continue;
        if (!resourcesAdditive(resolve(m_old, a), resolve(m_new, b), now)) {
          add(Level::Other, "page-changed", {{"page", std::to_string(number)}, {"key", k}});
        } else {
          add(Level::LtaUpdates, "resources-extended", {{"page", std::to_string(number)}});
        }
      } else {
        add(Level::Other, "page-changed", {{"page", std::to_string(number)}, {"key", k}});
      }
    }
  }

  /// The page object of the later revision with number `n` (1-based), or null.
  const PdfObject* laterPage(int n) const {
    if (n <= 0) return nullptr;
    try {
      PdfPage* p = m_newDoc.GetPage(n - 1);
      return p ? p->GetObject() : nullptr;
    } catch (const PdfError&) {
      return nullptr;
    }
  }

  /// Whether the page's content streams use resource name `name`, or a form
  /// XObject of the page that has no resources of its own and so takes the
  /// page's (ISO 32000-1 §7.8.3, "if omitted ... the page's resource dictionary").
  bool pageUses(const PdfObject* pageObj, const std::string& name) const {
    const PdfObject* contents = key(m_new, pageObj, "Contents");
    std::vector<const PdfObject*> streams;
    if (contents && contents->IsArray()) {
      for (const auto& c : contents->GetArray()) streams.push_back(resolve(m_new, &c));
    } else {
      streams.push_back(contents);
    }
    if (const PdfObject* xobjects = key(m_new, key(m_new, pageObj, "Resources"), "XObject");
        xobjects && xobjects->IsDictionary()) {
      for (const auto& [n, x] : xobjects->GetDictionary().GetKeys()) {
        const PdfObject* form = resolve(m_new, x);
        if (form && form->HasStream() && !form->GetDictionary().HasKey("Resources")) streams.push_back(form);
      }
    }
    for (const PdfObject* s : streams) {
      if (!s || !s->HasStream()) continue;
      const auto text = decodedStream(s, kContentLimit);
      if (!text || usesName(*text, name)) return true;  // undecodable: assume it does
    }
    return false;
  }

  /// A resource dictionary that only gained names the page does not use
  /// (ISO 32000-1 §7.8.3): nothing drawn changes.  Writers that add a
  /// signature widget often add its font to the page's resources.
  bool resourcesAdditive(const PdfObject* was, const PdfObject* now, const PdfObject* pageObj) const {
    if (!was || !now || !was->IsDictionary() || !now->IsDictionary()) return false;
    for (const auto& [k, v] : was->GetDictionary().GetKeys()) {
      const PdfObject* nv = now->GetDictionary().GetKey(k);
      if (!nv) return false;
      if (serialise(v) == serialise(nv)) continue;
      // A name dictionary (/Font, /XObject...) that gained entries.
      const PdfObject* a = resolve(m_old, v);
      const PdfObject* b = resolve(m_new, nv);
      if (!a || !b || !a->IsDictionary() || !b->IsDictionary() || a->HasStream() || b->HasStream()) return false;
      if (v->IsReference() && nv->IsReference() && v->GetReference() == nv->GetReference())
        continue;  // judged as its own object
      if (!namesAdded(a, b, pageObj)) return false;
    }
    for (const auto& [k, v] : now->GetDictionary().GetKeys()) {
      if (was->GetDictionary().HasKey(k)) continue;
      const PdfObject* b = resolve(m_new, v);
      if (b && b->IsDictionary() && !b->HasStream()) {
        for (const auto& [name, value] : b->GetDictionary().GetKeys()) {
          if (pageUses(pageObj, name.GetName())) return false;
        }
      }
    }
    return true;
  }

  bool namesAdded(const PdfObject* a, const PdfObject* b, const PdfObject* pageObj) const {
    for (const auto& [name, value] : a->GetDictionary().GetKeys()) {
      const PdfObject* nv = b->GetDictionary().GetKey(name);
      if (!nv || serialise(value) != serialise(nv)) return false;
    }
    for (const auto& [name, value] : b->GetDictionary().GetKeys()) {
      if (!a->GetDictionary().HasKey(name) && pageObj && pageUses(pageObj, name.GetName())) return false;
    }
    return true;
  }

  /// An indirect resource dictionary (or name dictionary) of a page changed.
  void resourcesExtended(const PdfObject* was, const PdfObject* now, int number, const PdfReference& ref) {
    const PdfObject* pageObj = laterPage(number);
    const bool nameDict = was && was->IsDictionary() && !was->GetDictionary().HasKey("Font") &&
                          !was->GetDictionary().HasKey("XObject") && !was->GetDictionary().HasKey("ProcSet") &&
                          !was->GetDictionary().HasKey("ExtGState") && !was->GetDictionary().HasKey("ColorSpace");
    const bool ok =
        pageObj && !(was && was->HasStream()) &&
        (nameDict ? now && now->IsDictionary() && namesAdded(was, now, pageObj) : resourcesAdditive(was, now, pageObj));
    if (ok) {
      add(Level::LtaUpdates, "resources-extended", {{"page", std::to_string(number)}});
    } else {
      add(Level::Other, "object-changed",
          {{"object", describeObject(ref)}, {"role", "page-resources"}, {"page", std::to_string(number)}});
    }
  }

  // ---- annotations on a page (§12.5).
  /// Annotations written into the array itself, serialised and sorted.
  static std::vector<std::string> directEntries(const PdfObject* array) {
    std::vector<std::string> out;
    if (array && array->IsArray()) {
      for (const auto& e : array->GetArray()) {
        if (!e.IsReference()) out.push_back(serialise(&e));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void annotationList(const PdfObject* wasArray, const PdfObject* nowArray, int number) {
    if (directEntries(wasArray) != directEntries(nowArray)) {
      add(Level::Annotations, "annotation-changed", {{"page", std::to_string(number)}});
    }
    const auto was = refsIn(wasArray);
    const auto now = refsIn(nowArray);
    const std::set<PdfReference> before(was.begin(), was.end());
    const std::set<PdfReference> after(now.begin(), now.end());
    for (const auto& r : after) {
      if (!before.count(r)) newAnnotation(r, number);
    }
    for (const auto& r : before) {
      if (after.count(r)) continue;
      const auto* role = m_roles.find(r);
      const auto* field = role ? m_roles.field(role->field) : nullptr;
      if (role && (role->bits & (Bit::Widget | Bit::Field))) {
        add(Level::Other, field && field->signature ? "signature-changed" : "field-changed",
            {{"field", field ? field->name : std::string()}});
      } else {
        add(Level::Annotations, "annotation-removed",
            {{"page", std::to_string(number)}, {"subtype", nameOf(key(m_old, m_old.GetObject(r), "Subtype"))}});
      }
    }
  }

  void newAnnotation(const PdfReference& r, int number) {
    const PdfObject* a = m_new.GetObject(r);
    const std::string subtype = nameOf(key(m_new, a, "Subtype"));
    if (subtype != "Widget") {
      add(Level::Annotations, "annotation-added", {{"page", std::to_string(number)}, {"subtype", subtype}});
      footprint(a, number, {});
      return;
    }
    // The field a widget belongs to: itself when merged, else its /Parent (§12.7.3.1).
    const PdfObject* field = a;
    if (!a->GetDictionary().HasKey("FT") && !a->GetDictionary().HasKey("T")) {
      if (const PdfObject* parent = key(m_new, a, "Parent")) field = parent;
    }
    if (fieldType(field) == "Sig") {
      newSignatureWidget(field, a, number);
    } else {
      add(Level::Other, "form-field-added",
          {{"field", textOf(key(m_new, field, "T"))}, {"page", std::to_string(number)}});
    }
  }

  /// /FT, inherited from ancestors (§12.7.3.1 Table 220).
  std::string fieldType(const PdfObject* field) const {
    for (int depth = 0; field && depth < kMaxDepth; ++depth) {
      std::string t = nameOf(key(m_new, field, "FT"));
      if (!t.empty()) return t;
      field = key(m_new, field, "Parent");
    }
    return {};
  }

  /// A signature field that is new, or was empty when signed: §12.7.4.5.
  /// Signing it is form filling only when its signature verifies; an
  /// unsigned or unverified one that shows something on the page is a mere
  /// annotation that looks like a signature (the "Sneaky Signature Attack",
  /// Mainka et al., IEEE S&P 2021).
  /// The signature dictionary that signs `field` with an intact signature,
  /// in the later revision or else in the final document; null when none.
  const PdfObject* intactSignatureOf(const PdfObject* field) const {
    if (!field) return nullptr;
    if (const PdfObject* v = key(m_new, field, "V"); v && v->IsDictionary() && m_verified(m_new, v)) return v;
    const PdfReference& ref = field->Reference();
    if (!ref.ObjectNumber()) return nullptr;
    const PdfObject* later = m_final.GetObject(ref);
    const PdfObject* v = key(m_final, later, "V");
    return v && v->IsDictionary() && m_verified(m_final, v) ? v : nullptr;
  }

  void newSignatureWidget(const PdfObject* field, const PdfObject* widget, int number) {
    const std::string name = textOf(key(m_new, field, "T"));
    const PdfObject* v = intactSignatureOf(field);
    const bool visible = isVisible(m_new, widget);
    if (visible) footprint(widget, number, name);
    Args args{{"field", name}};
    if (number) args.emplace_back("page", std::to_string(number));
    if (v) {
      if (isDocTimeStamp(m_new, v) && !visible) {
        add(Level::LtaUpdates, "document-timestamp-added", args);
      } else {
        add(Level::FormFilling, "signature-field-added", args);
      }
    } else if (!visible) {
      add(Level::LtaUpdates, "invisible-signature-field-added", args);
    } else {
      // Adding a form field is never among what DocMDP allows (ISO 32000-1
      // Table 254 allows filling and signing); a visible one without a
      // signature only pretends to be one.
      add(Level::Other, "unsigned-signature-widget", args);
    }
  }

  /// The widget of a field: the field itself when merged, else its first kid.
  const PdfObject* widgetOf(const PdfObject* field) const {
    if (nameOf(key(m_new, field, "Subtype")) == "Widget") return field;
    const PdfObject* kids = key(m_new, field, "Kids");
    if (kids && kids->IsArray() && !kids->GetArray().empty()) return resolve(m_new, &kids->GetArray()[0]);
    return nullptr;
  }

  // ---- form fields (§12.7.3).
  void fieldDictionary(const PdfReference& ref, const SignedRoles::Role& role, const PdfObject* was,
                       const PdfObject* now) {
    const PdfReference fieldRef = role.field != PdfReference() ? role.field : ref;
    const auto* info = m_roles.field(fieldRef);
    const std::string name = info ? info->name : std::string();
    static const std::set<std::string> valueKeys{"V", "AP", "AS", "MK"};
    // Signing an empty field also sets its widget's flags (pyHanko sets
    // Print and Locked); whether it then shows is judged on the new state.
    static const std::set<std::string> signingKeys{"V", "AP", "AS", "MK", "DA", "F"};
    for (const auto& k : changedKeys(was, now)) {
      if (k == "Kids") {
        const PdfObject* a = rawKey(was, "Kids");
        const PdfObject* b = rawKey(now, "Kids");
        if (a && b && a->IsReference() && b->IsReference() && a->GetReference() == b->GetReference()) continue;
        kidsChanged(fieldRef, refsIn(resolve(m_old, a)), refsIn(resolve(m_new, b)));
        continue;
      }
      const bool sig = info && info->signature;
      if (!(sig ? signingKeys : valueKeys).count(k)) {
        add(Level::Other, "field-changed", {{"field", name}, {"key", k}});
        continue;
      }
      fieldValueChanged(fieldRef, info);
    }
  }

  /// A field's value or appearance changed: filling, or signing an empty signature field.
  void fieldValueChanged(const PdfReference& fieldRef, const SignedRoles::FieldInfo* info) {
    const std::string name = info ? info->name : std::string();
    if (!info) {
      add(Level::Other, "field-changed", {{"field", name}});
      return;
    }
    if (m_lock.locks(name)) {
      // FieldMDP: this signature locked the field (§12.8.2.4).
      add(Level::Other, "locked-field-changed", {{"field", name}});
      return;
    }
    const PdfObject* field = m_new.GetObject(fieldRef);
    if (!info->signature) {
      add(Level::FormFilling, "form-field-filled", {{"field", name}});
      for (const PdfObject* w : widgetsOf(field)) footprint(w, 0, name);
      return;
    }
    if (info->signedAlready) {
      add(Level::Other, "signature-changed", {{"field", name}});
      return;
    }
    for (const PdfObject* w : widgetsOf(field)) footprint(w, 0, name);
    if (const PdfObject* v = intactSignatureOf(field)) {
      add(isDocTimeStamp(m_new, v) && !isVisible(m_new, widgetOf(field)) ? Level::LtaUpdates : Level::FormFilling,
          "signature-field-signed", {{"field", name}});
    } else if (isVisible(m_new, widgetOf(field))) {
      add(Level::Other, "unsigned-signature-widget", {{"field", name}});
    } else {
      add(Level::LtaUpdates, "invisible-signature-field-added", {{"field", name}});
    }
  }

  void fieldAppearance(const SignedRoles::Role& role) { fieldValueChanged(role.field, m_roles.field(role.field)); }

  void fieldList(const SignedRoles::Role& role, const std::vector<PdfReference>& was,
                 const std::vector<PdfReference>& now) {
    if (role.key == "Kids") {
      kidsChanged(role.field, was, now);
      return;
    }
    fieldsChanged(was, now);
  }

  void kidsChanged(const PdfReference& parent, const std::vector<PdfReference>& was,
                   const std::vector<PdfReference>& now) {
    const std::set<PdfReference> before(was.begin(), was.end());
    for (const auto& r : now) {
      if (before.count(r)) continue;
      const PdfObject* kid = m_new.GetObject(r);
      if (fieldType(kid) == "Sig") {
        newSignatureWidget(kid && kid->GetDictionary().HasKey("T") ? kid : m_new.GetObject(parent), kid, 0);
      } else {
        add(Level::Other, "form-field-added", {{"field", fieldName(parent)}});
      }
    }
    const std::set<PdfReference> after(now.begin(), now.end());
    for (const auto& r : was) {
      if (!after.count(r)) add(Level::Other, "field-removed", {{"field", fieldName(parent)}});
    }
  }

  void fieldsChanged(const std::vector<PdfReference>& was, const std::vector<PdfReference>& now) {
    const std::set<PdfReference> before(was.begin(), was.end());
    const std::set<PdfReference> after(now.begin(), now.end());
    for (const auto& r : after) {
      if (before.count(r)) continue;
      if (const auto* role = m_roles.find(r); role && role->bits) {
        // A signed object listed as a new field: not filling, restructuring.
        add(Level::Other, "object-role-changed",
            {{"object", describeObject(r)}, {"role", roleName(role->bits)}, {"now", "form-field"}});
        continue;
      }
      const PdfObject* f = m_new.GetObject(r);
      if (fieldType(f) == "Sig") {
        newSignatureWidget(f, widgetOf(f), 0);
      } else {
        add(Level::Other, "form-field-added", {{"field", textOf(key(m_new, f, "T"))}});
      }
    }
    for (const auto& r : before) {
      if (!after.count(r)) add(Level::Other, "field-removed", {{"field", fieldName(r)}});
    }
  }

  // ---- the interactive form dictionary (§12.7.2).
  void acroForm(const PdfObject* was, const PdfObject* now) {
    if (!now || !now->IsDictionary()) {
      if (was) add(Level::Other, "form-changed", {{"key", "AcroForm"}});
      return;
    }
    for (const auto& k : changedKeys(was, now)) {
      if (k == "Fields") {
        const PdfObject* a = rawKey(was, "Fields");
        const PdfObject* b = rawKey(now, "Fields");
        if (a && b && a->IsReference() && b->IsReference() && a->GetReference() == b->GetReference()) continue;
        fieldsChanged(refsIn(resolve(m_old, a)), refsIn(resolve(m_new, b)));
      } else if (k == "SigFlags") {
        // Table 219: "SignaturesExist", "AppendOnly": set by every signer.
        add(Level::LtaUpdates, "form-flags-changed");
      } else if (k == "DR" || k == "DA" || k == "NeedAppearances") {
        add(Level::FormFilling, "form-resources-changed");
      } else {
        add(Level::Other, "form-changed", {{"key", k}});
      }
    }
  }
};

}  // namespace

DiffResult diffRevision(const SignedRoles& roles, PdfMemDocument& signedRevision, PdfMemDocument& later,
                        PdfMemDocument& finalDocument, const SignatureVerified& verified, const FieldLock& lock) {
  return Differ(roles, signedRevision, later, finalDocument, verified, lock).run();
}

}  // namespace securedoc::pdf
