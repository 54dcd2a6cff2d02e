#pragma once
// Editing signed PDFs byte by byte for the PAdES attack and change suites
// (test_pades_attacks, test_pades_changes): appending correct incremental
// updates (ISO 32000-1 §7.5.6), finding objects by number, and a workbench
// that signs through the real securedoc-cli, verifies with
// `verify --json --trust-anchor root-ca.pem`, renders pages with pdftoppm
// and signs or time-stamps an update with openssl (an independent signer).
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace securedoc::test {

// ------------------------------------------------------------ PDF bytes ---

/// An indirect reference to object `n`, generation 0: "12 0 R".
std::string ref(int n);

/// Writes `text` over pdf[from, to), padded with spaces: every offset after
/// it (the cross-reference table) stays valid.
void overwrite(std::string& pdf, std::size_t from, std::size_t to, const std::string& text);

/// Where the last signature dictionary keeps its /ByteRange and /Contents.
struct SignatureLayout {
  std::size_t rangeOpen = 0;      ///< the '[' of /ByteRange
  std::size_t rangeClose = 0;     ///< its ']'
  std::size_t contentsOpen = 0;   ///< the '<' of /Contents
  std::size_t contentsClose = 0;  ///< its '>'
  std::array<std::uint64_t, 4> range{};
  /// Hex digits of the DER value in /Contents; the rest is zero padding.
  std::size_t derDigits = 0;
};
SignatureLayout locateSignature(const std::string& pdf);

/// The number after `key` ("/Root 12 0 R" gives 12) in `text`.
int refAfter(const std::string& text, const std::string& key);
/// The object numbers in the array after `key` ("/Kids [7 0 R 9 0 R]" gives 7, 9).
std::vector<int> refsIn(const std::string& text, const std::string& key);

/// The last trailer (or cross-reference stream dictionary): what an appended update must carry forward.
struct Trailer {
  int size = 0;
  int root = 0;
  int info = 0;
  std::uint64_t startxref = 0;
};
Trailer lastTrailer(const std::string& pdf);

/// The body of the newest definition of object `n` (between "obj" and "endobj").
std::string latestBody(const std::string& pdf, int n);
/// The data of a stream object's body (written with "stream\n" ... "\nendstream", unfiltered).
std::string streamData(const std::string& body);
/// A stream object body; `entries` go into its dictionary with /Length.
std::string stream(const std::string& entries, const std::string& data);
/// `body` with the first match of `re` replaced.
std::string edit(const std::string& body, const std::string& re, const std::string& with);
/// A dictionary body ("<< ... >>") with `entries` added before its last ">>".
std::string withEntries(const std::string& dict, const std::string& entries);

/// One incremental update.
struct Update {
  std::map<int, std::string> objects{};  ///< object number -> body (generation 0)
  std::vector<int> freed{};              ///< object numbers marked free (ISO 32000-1 §7.5.4)
  int root = 0;                          ///< a new trailer /Root; 0 keeps the previous one
  int info = 0;                          ///< a new trailer /Info; 0 keeps the previous one
  /// Bytes written after the objects that no cross-reference entry points
  /// at (a reader that rebuilds the cross-reference by scanning finds them).
  std::string unlisted{};
};

/// Appends `update`: its objects, a cross-reference section with a
/// subsection per object (free entries chained from object 0), and a trailer
/// whose /Prev is the previous cross-reference section.  `pdf` may end with a
/// cross-reference table or stream.
std::string withUpdate(const std::string& pdf, const Update& update);
std::string withUpdate(const std::string& pdf, const std::map<int, std::string>& objects, int root = 0);

/// The first object number neither `pdf` nor `update` uses.
int nextObject(const std::string& pdf, const Update& update = {});
/// Puts `annotation` into the first page's /Annots, taking the page from
/// `update` when it already changes it.
void addAnnotation(const std::string& pdf, Update& update, int annotation);
/// Puts annotation `widget` into the first page's /Annots and, as a field,
/// into the form's /Fields (an /AcroForm is made when there is none), taking
/// the page, catalog and form from `update` when it already changes them.
void addFieldWidget(const std::string& pdf, Update& update, int widget);

/// Object numbers of the parts of the (first) page an attack touches.
struct Structure {
  int root = 0;
  int info = 0;
  int pages = 0;
  int page = 0;     ///< the first page
  int content = 0;  ///< its content stream
  int next = 0;     ///< the first free object number
};
Structure structureOf(const std::string& pdf);

/// The contract with one empty text field on page 1 (a widget merged with its
/// field, an empty appearance, an /AcroForm), as one incremental update of
/// the unsigned file: the document a form-filling test signs.
struct TextFieldForm {
  std::string name;
  int page = 0, widget = 0, emptyAppearance = 0, form = 0;
  std::string prepared;

  TextFieldForm(const std::string& pdf, std::string fieldName);
  /// The widget with `extra` entries and the normal appearance `appearance`.
  std::string widgetWith(const std::string& extra, int appearance) const;
  /// The objects that fill the field with `value`: the widget with /V and a
  /// new appearance, numbered `appearance`, drawing the value.
  std::map<int, std::string> fill(const std::string& value, int appearance) const;
};

/// The contract with several form fields on page 1, as one incremental
/// update of the unsigned file: text fields (widgets merged with their
/// fields, empty appearances, one above the other) and empty, invisible
/// signature fields, each with an optional FieldMDP /Lock (ISO 32000-1
/// Table 232/233): the document a FieldMDP test signs.
struct FormWithFields {
  struct SignatureField {
    std::string name;
    /// The lock dictionary ("<< /Type /SigFieldLock /Action /All >>"), "" for none.
    std::string lock{};
    /// The lock written into the field dictionary instead of as an indirect
    /// object (Table 232 says "shall be an indirect reference").
    bool inlineLock = false;
  };
  struct Field {
    std::string name;
    int widget = 0;
    int y = 0;         ///< text fields: the bottom of the widget's /Rect
    std::string body;  ///< the widget (= field) dictionary as prepared
  };
  int page = 0, form = 0, emptyAppearance = 0;
  std::vector<Field> fields;
  std::string prepared;

  FormWithFields(const std::string& pdf, const std::vector<std::string>& textFields,
                 const std::vector<SignatureField>& signatureFields);
  const Field& field(const std::string& name) const;
  /// The objects that fill text field `name` with `value`: the widget with
  /// /V and a new appearance, numbered `appearance`, drawing the value.
  std::map<int, std::string> fill(const std::string& name, const std::string& value, int appearance) const;

 private:
  std::string textWidget(const Field& f, const std::string& extra, int appearance) const;
};

// ---------------------------------------------------------------- report ---

struct Verdict {
  int exitCode = -1;
  nlohmann::json report;  ///< null when the verifier printed no report
  std::string err;
};

/// The report's signatures (an empty array when there is no report).
nlohmann::json signaturesOf(const Verdict& v);
std::string indicationOf(const Verdict& v);
/// The strings of every signature's messages, modifiedAfterSigning and check details.
std::vector<std::string> reasons(const Verdict& v);
bool mentions(const Verdict& v, const std::string& fragment);
/// Exit status, indication, every reason and every modification code, for messages.
std::string dump(const Verdict& v);
/// The status of check `id` of signature `index`, or "" when it is absent.
std::string checkStatus(const Verdict& v, std::size_t index, const std::string& id);
/// Neither crashed (128+n), hung (124 from timeout), nor failed internally (70).
bool finished(const Verdict& v);

/// A signature's "modificationLevel", or "" when it has none.
std::string modificationLevelOf(const nlohmann::json& signature);
/// The place of `level` in none < lta-updates < form-filling < annotations <
/// other; -1 for anything else.
int levelRank(const std::string& level);
/// The highest level DocMDP permission `p` allows (0: no certification).
std::string allowedLevel(int p);
/// The signature's modifications with code `code` (every one when `code` is "").
std::vector<nlohmann::json> modificationsOf(const nlohmann::json& signature, const std::string& code = "");
/// Whether a modification has code `code` and every argument in `args`
/// (an object number "12" also matches "12 0 R").
bool hasModification(const nlohmann::json& signature, const std::string& code,
                     const std::map<std::string, std::string>& args = {});

// ------------------------------------------------------------ workbench ---

/// A temporary folder, the demo PKI and the sample contract; signs with the
/// CLI, verifies with the CLI, renders with pdftoppm.
struct PdfLab {
  TempDir dir;
  std::filesystem::path pki = pkiDir();
  std::filesystem::path contract = sourceDir() / "samples" / "documents" / "contract.pdf";
  /// The certificates openssl cms puts into the signatures withSignature
  /// makes: "chain" (the signer's and the issuing CA's), "signer" (no CA),
  /// "none" (-nocerts: a verifier must find the signer elsewhere).
  std::string embeddedCertificates = "chain";
  /// The digest openssl cms uses for the signatures withSignature makes.
  std::string digest = "sha256";

  /// Signs `input` through the CLI into `name` and returns the signed bytes.
  std::string signFile(const std::filesystem::path& input, const std::string& name,
                       const std::vector<std::string>& extra = {}, const std::string& p12 = "signer-rsa.p12") const;
  /// Writes `bytes` as `name` and verifies it with the demo root (and
  /// `extraAnchors`) as trust anchors; the verdict goes to the log.
  Verdict verify(const std::string& name, const std::string& bytes,
                 const std::vector<std::filesystem::path>& extraAnchors = {}) const;
  /// Writes `bytes` as `name` and verifies it with no trust anchor at all:
  /// integrity (digest, signature value) is still judged (ETSI EN 319
  /// 102-1 §5.2.7: whatever the trust status).
  Verdict verifyWithoutTrustAnchor(const std::string& name, const std::string& bytes) const;
  /// Writes `bytes` as `name` and verifies it with exactly the `verify`
  /// options `options` ("--trust-anchor", "--certificate"...).
  Verdict runVerify(const std::string& name, const std::string& bytes, const std::vector<std::string>& options) const;
  /// pdfsig (poppler) as a second opinion, for the log only.
  void pdfsigFor(const std::string& name) const;

  /// The pages of `pdf` rendered by `pdftoppm -r 50 -png`, concatenated:
  /// equal strings mean the pages look the same.
  std::string rendered(const std::string& name, const std::string& pdf) const;
  /// Fails the case unless `changed` looks different from `original`: an
  /// attack that shows nothing new would prove nothing.
  void expectLooksDifferent(const std::string& original, const std::string& changed, const std::string& what) const;

  /// `qpdf --check` finds no error in the file `name` (when qpdf is installed).
  void expectQpdfCheckPasses(const std::string& name) const;
  /// `pdfsig -nocert` lists `count` signatures in the file `name`.
  void expectPdfsigLists(const std::string& name, std::size_t count) const;

  /// An incremental update of `pdf` holding `update` and a new invisible
  /// signature field `field` on the first page, signed by openssl cms with
  /// `p12` (adbe.pkcs7.detached, issuing CA included); with `timestamp` a
  /// document time-stamp (ETSI.RFC3161) of the demo TSA instead.
  std::string withSignature(const std::string& pdf, Update update, const std::string& field, bool timestamp = false,
                            const std::string& p12 = "signer-rsa.p12") const;
  /// An incremental update of `pdf` holding `update` and signing the empty
  /// signature field whose (merged) widget is object `field`: its dictionary,
  /// from `update` or else from `pdf`, gets /V, a new signature dictionary
  /// with `entries` added (a FieldMDP /Reference, say); signed as by
  /// withSignature.
  std::string withFieldSigned(const std::string& pdf, Update update, int field, const std::string& entries = "",
                              const std::string& p12 = "signer-rsa.p12") const;
  /// The primitive under both: appends `update`, in which some signature
  /// field's /V already refers to object `value`, plus `value` itself, a
  /// signature dictionary (with `entries` added) whose /ByteRange and
  /// /Contents are then filled: a CMS by openssl with `p12`, or with
  /// `timestamp` a document time-stamp of the demo TSA.
  std::string withSignatureDictionary(const std::string& pdf, Update update, int value, const std::string& entries = "",
                                      bool timestamp = false, const std::string& p12 = "signer-rsa.p12") const;

 private:
  std::string cmsSign(const std::string& data, const std::string& p12) const;
  std::string timestampToken(const std::string& data) const;
};

/// The workbench with the contract signed once by the CLI (signer-rsa.p12)
/// as signed.pdf.
struct SignedContract : PdfLab {
  std::string signedPdf = signFile(contract, "signed.pdf");
};

}  // namespace securedoc::test
