#pragma once
// Internal to formats/: what a later revision of a PDF changed relative to a
// signed one, judged by rules (reject by default).
//
// The model, after the difference analysis of pyHanko and the object
// modification detection of EU DSS (our own code):
//  1. Roles come from the SIGNED revision only.  `SignedRoles` walks it from
//     its trailer (/Root, /Info) through the structures ISO 32000-1 defines
//     (page tree §7.7.3, annotations §12.5, interactive form §12.7,
//     signature dictionaries §12.8, DSS ETSI EN 319 142-1 §5.4) and gives
//     every reachable object the roles of every path that reaches it.  What
//     an object says about itself (/Type), or what a later revision points
//     at it from (a new /Info, /DSS, /Names), never gives it a role.
//  2. Every object the later revision defines differently must be explained
//     by a rule for EACH of its roles; an object number that the signed
//     revision referenced without defining it is part of what was signed,
//     so defining it later is a change; deleting a signed object is one too.
//  3. Each rule gives a level: ModificationLevel (report.h).  What no rule
//     explains is `Other`, which nothing allows.
//
// Where to add a rule: `Differ::judgeRole` in pdf_diff.cpp dispatches on the
// role; a structure a rule must understand (a new kind of dictionary the
// signed revision holds) gets a role bit in `SignedRoles`.
#include "pdf_visual.h"

#include <securedoc/formats/report.h>

#include <podofo/podofo.h>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace securedoc::pdf {

/// The roles of the signed revision's objects.
class SignedRoles {
 public:
  enum Bit : std::uint32_t {
    Catalog = 1u << 0,
    PageTree = 1u << 1,           ///< an intermediate /Pages node
    Page = 1u << 2,               ///< a page object
    PageContent = 1u << 3,        ///< anything a page draws or carries: contents, resources, fonts, images
    PageResources = 1u << 4,      ///< a page's resource dictionary (or one of its name dictionaries)
    AnnotationList = 1u << 5,     ///< an indirect /Annots array
    Annotation = 1u << 6,         ///< an annotation other than a widget
    AnnotationContent = 1u << 7,  ///< its appearance and the rest it carries
    Widget = 1u << 8,             ///< a widget annotation (a field's appearance on a page)
    Field = 1u << 9,              ///< a form field dictionary (often merged with its widget)
    FieldContent = 1u << 10,      ///< a field's appearance streams and values
    FieldList = 1u << 11,         ///< an indirect /Fields or /Kids array
    AcroForm = 1u << 12,
    FormContent = 1u << 13,  ///< the form's default resources and the like
    Signature = 1u << 14,    ///< a signature dictionary (a signature field's /V)
    SignatureContent = 1u << 15,
    Dss = 1u << 16,          ///< the document security store and what it holds
    Info = 1u << 17,         ///< the trailer's document information dictionary
    Metadata = 1u << 18,     ///< the catalog's XMP stream
    Permissions = 1u << 19,  ///< the catalog's /Perms
    Other = 1u << 20,        ///< reachable from the catalog by any other key
  };
  static constexpr std::uint32_t kStructural =
      Catalog | PageTree | Page | AnnotationList | Annotation | Widget | Field | FieldList | AcroForm | Signature;

  struct Role {
    std::uint32_t bits = 0;
    int page = 0;                ///< 1-based, the first page it belongs to (0: none)
    PoDoFo::PdfReference field;  ///< the field it belongs to (Field, Widget, FieldContent)
    std::string key;             ///< Other: the catalog entry; FieldList: "Fields" or "Kids"
  };
  struct FieldInfo {
    std::string name;            ///< fully qualified (ISO 32000-1 §12.7.3.2)
    bool signature = false;      ///< /FT /Sig, inherited
    bool signedAlready = false;  ///< has a /V in the signed revision
  };

  explicit SignedRoles(PoDoFo::PdfMemDocument& signedRevision);

  const Role* find(const PoDoFo::PdfReference& r) const;
  const FieldInfo* field(const PoDoFo::PdfReference& r) const;
  /// Referenced by the signed revision but not defined in it: the roles it would have.
  const std::map<PoDoFo::PdfReference, std::uint32_t>& undefined() const { return m_undefined; }
  PoDoFo::PdfReference catalog() const { return m_catalog; }
  std::size_t size() const { return m_roles.size(); }

 private:
  friend class RoleWalker;
  std::map<PoDoFo::PdfReference, Role> m_roles;
  std::map<PoDoFo::PdfReference, FieldInfo> m_fields;
  std::map<PoDoFo::PdfReference, std::uint32_t> m_undefined;
  PoDoFo::PdfReference m_catalog;
};

/// A role's name for reports: "page content", "form field"...
std::string roleName(std::uint32_t bits);

/// FieldMDP (ISO 32000-1 §12.8.2.4, Table 233 /Lock): the fields whose
/// values a signature locks.
struct FieldLock {
  enum class Action { None, All, Include, Exclude };
  Action action = Action::None;
  std::set<std::string> fields;
  bool locks(const std::string& field) const;
};
/// The lock of signature field `fieldName` in `doc`: its /Lock and any
/// FieldMDP reference of its signature dictionary.
FieldLock fieldLockOf(PoDoFo::PdfMemDocument& doc, const std::string& fieldName);

struct DiffResult {
  ModificationLevel level = ModificationLevel::None;
  std::vector<Modification> changes;
  /// Where the allowed changes draw on the pages (for the visual comparison).
  std::vector<Footprint> footprints;
  /// The later revision does not continue the signed one (most signed objects
  /// missing: a broken /Prev chain), so nothing can be concluded.
  bool unreadable = false;
};

/// Whether a signature dictionary of the later revision belongs to a
/// signature in this file whose integrity checks passed.
using SignatureVerified = std::function<bool(const PoDoFo::PdfVecObjects& objects, const PoDoFo::PdfObject* sigDict)>;

/// What `later` changed relative to `signedRevision` (whose roles are `roles`).
/// A signature field that a later revision adds empty and the file as a whole
/// shows signed (`finalDocument`) is judged as signed: co-signers' empty fields
/// are often added a revision before they are signed.
DiffResult diffRevision(const SignedRoles& roles, PoDoFo::PdfMemDocument& signedRevision, PoDoFo::PdfMemDocument& later,
                        PoDoFo::PdfMemDocument& finalDocument, const SignatureVerified& verified,
                        const FieldLock& lock);

/// The most a certification with DocMDP permission `p` allows (ISO 32000-1
/// Table 254; 0: no certification, which tolerates what P=2 does).
ModificationLevel allowedLevel(int p);

/// Adds `m` to `out` unless it is there already.
void addModification(std::vector<Modification>& out, const Modification& m);

}  // namespace securedoc::pdf
