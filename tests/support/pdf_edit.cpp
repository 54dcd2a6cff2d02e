#include "pdf_edit.h"

#include <securedoc/base/bytes.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <locale>
#include <regex>
#include <sstream>

namespace securedoc::test {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t npos = std::string::npos;

}  // namespace

// ------------------------------------------------------------ PDF bytes ---

std::string ref(int n) { return std::to_string(n) + " 0 R"; }

void overwrite(std::string& pdf, std::size_t from, std::size_t to, const std::string& text) {
  BOOST_TEST_REQUIRE(to >= from, "the replaced span is not reversed");
  BOOST_TEST_REQUIRE(text.size() <= to - from,
                     "\"" << text << "\" fits in the " << (to - from) << " bytes it replaces");
  pdf.replace(from, to - from, text + std::string(to - from - text.size(), ' '));
}

SignatureLayout locateSignature(const std::string& pdf) {
  SignatureLayout s;
  // Our CLI writes "/ByteRange[" and "/Contents<"; withSignatureDictionary
  // (openssl) writes them with a space.
  const std::size_t tight = pdf.rfind("/ByteRange[");
  const std::size_t spaced = pdf.rfind("/ByteRange [");
  const std::size_t br = tight == npos ? spaced : spaced == npos ? tight : std::max(tight, spaced);
  BOOST_TEST_REQUIRE(br != npos, "the signed file has a /ByteRange");
  s.rangeOpen = br == spaced ? br + 11 : br + 10;
  s.rangeClose = pdf.find(']', s.rangeOpen);
  std::istringstream in(pdf.substr(s.rangeOpen + 1, s.rangeClose - s.rangeOpen - 1));
  in.imbue(std::locale::classic());
  for (auto& n : s.range) in >> n;
  BOOST_TEST_REQUIRE(!in.fail(), "the /ByteRange holds four numbers");
  const std::size_t contentsTight = pdf.find("/Contents<", s.rangeClose);
  const std::size_t contentsSpaced = pdf.find("/Contents <", s.rangeClose);
  BOOST_TEST_REQUIRE((contentsTight != npos || contentsSpaced != npos), "the signature dictionary has /Contents");
  s.contentsOpen = contentsTight < contentsSpaced ? contentsTight + 9 : contentsSpaced + 10;
  s.contentsClose = pdf.find('>', s.contentsOpen);
  BOOST_TEST_REQUIRE(s.contentsOpen == s.range[1], "the gap starts at the '<' of /Contents");
  BOOST_TEST_REQUIRE(s.contentsClose + 1 == s.range[2], "the gap ends after its '>'");
  // DER SEQUENCE with a long-form length: 30 8n <n length octets>.
  const std::string hex = pdf.substr(s.contentsOpen + 1, 16);
  BOOST_TEST_REQUIRE((hex.substr(0, 2) == "30" && hex[2] == '8'), "/Contents holds a DER SEQUENCE");
  const std::size_t octets = static_cast<std::size_t>(hex[3] - '0');
  const std::size_t length = std::stoul(hex.substr(4, 2 * octets), nullptr, 16);
  s.derDigits = 2 * (2 + octets + length);
  return s;
}

int refAfter(const std::string& text, const std::string& key) {
  std::smatch m;
  const std::regex re(key + R"(\s*\[?\s*(\d+)\s+\d+\s+R)");
  BOOST_TEST_REQUIRE(std::regex_search(text, m, re), "found " << key << " in " << text.substr(0, 200));
  return std::stoi(m[1].str());
}

std::vector<int> refsIn(const std::string& text, const std::string& key) {
  std::smatch m;
  BOOST_TEST_REQUIRE(std::regex_search(text, m, std::regex(key + R"(\s*\[([^\]]*)\])")), "found " << key << " [...]");
  std::vector<int> out;
  const std::string inner = m[1].str();
  const std::regex r(R"((\d+)\s+\d+\s+R)");
  for (auto it = std::sregex_iterator(inner.begin(), inner.end(), r); it != std::sregex_iterator(); ++it) {
    out.push_back(std::stoi((*it)[1].str()));
  }
  return out;
}

Trailer lastTrailer(const std::string& pdf) {
  std::smatch m;
  const std::size_t at = pdf.rfind("startxref");
  BOOST_TEST_REQUIRE(at != npos, "the file has startxref");
  const std::string tail = pdf.substr(at);
  BOOST_TEST_REQUIRE(std::regex_search(tail, m, std::regex(R"(startxref\s+(\d+))")), "startxref has an offset");
  Trailer tr;
  tr.startxref = std::stoull(m[1].str());
  BOOST_TEST_REQUIRE(tr.startxref < pdf.size(), "startxref points into the file");
  // A cross-reference table and its trailer, or a cross-reference stream's dictionary.
  const bool table = pdf.compare(tr.startxref, 4, "xref") == 0;
  const std::size_t from = table ? pdf.find("trailer", tr.startxref) : tr.startxref;
  BOOST_TEST_REQUIRE(from != npos, "the cross-reference table has a trailer");
  const std::string t = pdf.substr(from, (table ? at : pdf.find("stream", from)) - from);
  BOOST_TEST_REQUIRE(std::regex_search(t, m, std::regex(R"(/Size\s*(\d+))")), "the trailer has /Size");
  tr.size = std::stoi(m[1].str());
  tr.root = refAfter(t, "/Root");
  tr.info = refAfter(t, "/Info");
  return tr;
}

std::string latestBody(const std::string& pdf, int n) {
  const std::string head = "\n" + std::to_string(n) + " 0 obj";
  const std::size_t at = pdf.rfind(head);
  BOOST_TEST_REQUIRE(at != npos, "object " << n << " is defined");
  const std::size_t from = at + head.size();
  const std::size_t to = pdf.find("endobj", from);
  BOOST_TEST_REQUIRE(to != npos, "object " << n << " ends with endobj");
  std::string body = pdf.substr(from, to - from);
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.pop_back();
  const std::size_t start = body.find_first_not_of(" \t\r\n");
  return start == npos ? std::string() : body.substr(start);
}

std::string streamData(const std::string& body) {
  const std::size_t from = body.find("stream\n");
  const std::size_t to = body.rfind("\nendstream");
  BOOST_TEST_REQUIRE((from != npos && to != npos && to >= from + 7), "an uncompressed stream: " << body.substr(0, 80));
  return body.substr(from + 7, to - from - 7);
}

std::string stream(const std::string& entries, const std::string& data) {
  return "<< " + entries + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream";
}

std::string edit(const std::string& body, const std::string& re, const std::string& with) {
  BOOST_TEST_REQUIRE(std::regex_search(body, std::regex(re)), re << " matches " << body);
  return std::regex_replace(body, std::regex(re), with, std::regex_constants::format_first_only);
}

std::string withEntries(const std::string& dict, const std::string& entries) {
  const std::size_t end = dict.rfind(">>");
  BOOST_TEST_REQUIRE(end != npos, "a dictionary: " << dict.substr(0, 200));
  std::string out = dict;
  out.insert(end, " " + entries + " ");
  return out;
}

std::string withUpdate(const std::string& pdf, const Update& update) {
  const Trailer prev = lastTrailer(pdf);
  std::string out = pdf;
  if (out.back() != '\n') out += '\n';
  struct Entry {
    bool used = true;
    std::size_t field = 0;  ///< the offset, or the next free object number
    int generation = 0;
  };
  std::map<int, Entry> entries;
  int size = prev.size;
  for (const auto& [n, body] : update.objects) {
    entries[n] = {true, out.size(), 0};
    out += std::to_string(n) + " 0 obj\n" + body + "\nendobj\n";
    size = std::max(size, n + 1);
  }
  // The free list: object 0, then each freed object (next generation 1) to the next.
  std::vector<int> freed = update.freed;
  std::sort(freed.begin(), freed.end());
  for (std::size_t i = 0; i < freed.size(); ++i) {
    BOOST_TEST_REQUIRE(!update.objects.count(freed[i]), "object " << freed[i] << " is either defined or freed");
    entries[freed[i]] = {false, i + 1 < freed.size() ? static_cast<std::size_t>(freed[i + 1]) : 0u, 1};
    size = std::max(size, freed[i] + 1);
  }
  if (!freed.empty()) entries[0] = {false, static_cast<std::size_t>(freed.front()), 65535};
  const std::string trailer = "/Root " + ref(update.root ? update.root : prev.root) + " /Info " +
                              ref(update.info ? update.info : prev.info) + " /Prev " + std::to_string(prev.startxref);
  out += update.unlisted;
  // §7.5.4: each entry exactly 20 bytes, "nnnnnnnnnn ggggg n" and a two-byte end of line.
  const std::size_t xref = out.size();
  out += "xref\n";
  for (const auto& [n, e] : entries) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu %05d %c \n", e.field, e.generation, e.used ? 'n' : 'f');
    out += std::to_string(n) + " 1\n" + line;
  }
  out += "trailer\n<< /Size " + std::to_string(size) + " " + trailer + " >>\n";
  out += "startxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

std::string withUpdate(const std::string& pdf, const std::map<int, std::string>& objects, int root) {
  return withUpdate(pdf, Update{.objects = objects, .root = root});
}

Structure structureOf(const std::string& pdf) {
  Structure s;
  const Trailer t = lastTrailer(pdf);
  s.root = t.root;
  s.info = t.info;
  s.next = t.size;
  s.pages = refAfter(latestBody(pdf, s.root), "/Pages");
  s.page = refAfter(latestBody(pdf, s.pages), "/Kids");
  s.content = refAfter(latestBody(pdf, s.page), "/Contents");
  return s;
}

int nextObject(const std::string& pdf, const Update& update) {
  return std::max(lastTrailer(pdf).size, update.objects.empty() ? 0 : update.objects.rbegin()->first + 1);
}

namespace {
/// Object `n` as `update` leaves it.
std::string current(const std::string& pdf, const Update& update, int n) {
  const auto it = update.objects.find(n);
  return it != update.objects.end() ? it->second : latestBody(pdf, n);
}
}  // namespace

void addAnnotation(const std::string& pdf, Update& update, int annotation) {
  const int page = structureOf(pdf).page;
  const std::string body = current(pdf, update, page);
  update.objects[page] = std::regex_search(body, std::regex(R"(/Annots\s*\[)"))
                             ? edit(body, R"(/Annots\s*\[)", "/Annots [" + ref(annotation) + " ")
                             : withEntries(body, "/Annots [" + ref(annotation) + "]");
}

void addFieldWidget(const std::string& pdf, Update& update, int widget) {
  addAnnotation(pdf, update, widget);
  const int root = lastTrailer(pdf).root;
  const std::string catalog = current(pdf, update, root);
  std::smatch m;
  if (std::regex_search(catalog, m, std::regex(R"(/AcroForm\s*(\d+)\s+0\s+R)"))) {
    const int form = std::stoi(m[1].str());
    update.objects[form] = edit(current(pdf, update, form), R"(/Fields\s*\[)", "/Fields [" + ref(widget) + " ");
  } else if (std::regex_search(catalog, std::regex(R"(/AcroForm\s*<<)"))) {
    update.objects[root] = edit(catalog, R"(/Fields\s*\[)", "/Fields [" + ref(widget) + " ");
  } else {
    update.objects[root] = withEntries(catalog, "/AcroForm << /Fields [" + ref(widget) + "] /SigFlags 3 >>");
  }
}

TextFieldForm::TextFieldForm(const std::string& pdf, std::string fieldName) : name(std::move(fieldName)) {
  const Structure s = structureOf(pdf);
  page = s.page;
  widget = s.next;
  emptyAppearance = s.next + 1;
  form = s.next + 2;
  prepared = withUpdate(
      pdf, {
               {s.root, withEntries(latestBody(pdf, s.root), "/AcroForm " + ref(form))},
               {s.page, withEntries(latestBody(pdf, s.page), "/Annots [" + ref(widget) + "]")},
               {widget, widgetWith("", emptyAppearance)},
               {emptyAppearance, stream("/Type /XObject /Subtype /Form /BBox [0 0 483 30]", "")},
               {form, "<< /Fields [" + ref(widget) + "] /DA (/F1 12 Tf 0 g) /DR << /Font << /F1 4 0 R >> >> >>"},
           });
}

std::string TextFieldForm::widgetWith(const std::string& extra, int appearance) const {
  return "<< /Type /Annot /Subtype /Widget /FT /Tx /T (" + name + ") /Rect [56 80 539 110] /P " + ref(page) +
         " /F 4 /DA (/F1 12 Tf 0 g) " + extra + "/AP << /N " + ref(appearance) + " >> >>";
}

std::map<int, std::string> TextFieldForm::fill(const std::string& value, int appearance) const {
  return {{widget, widgetWith("/V (" + value + ") ", appearance)},
          {appearance, stream("/Type /XObject /Subtype /Form /BBox [0 0 483 30] /Resources << /Font << /F1 4 0 R >> >>",
                              "BT /F1 20 Tf 4 8 Td (" + value + ") Tj ET")}};
}

FormWithFields::FormWithFields(const std::string& pdf, const std::vector<std::string>& textFields,
                               const std::vector<SignatureField>& signatureFields) {
  const Structure s = structureOf(pdf);
  page = s.page;
  int n = s.next;
  form = n++;
  emptyAppearance = n++;
  std::map<int, std::string> objects{{emptyAppearance, stream("/Type /XObject /Subtype /Form /BBox [0 0 483 30]", "")}};
  int y = 80;
  for (const auto& name : textFields) {
    Field f{name, n++, y, {}};
    f.body = textWidget(f, "", emptyAppearance);
    fields.push_back(f);
    y += 50;
  }
  for (const auto& sf : signatureFields) {
    Field f{sf.name, n++, 0, {}};
    std::string lock;
    if (!sf.lock.empty() && sf.inlineLock) {
      lock = "/Lock " + sf.lock + " ";
    } else if (!sf.lock.empty()) {
      objects[n] = sf.lock;
      lock = "/Lock " + ref(n++) + " ";
    }
    f.body = "<< /Type /Annot /Subtype /Widget /FT /Sig /T (" + sf.name + ") /Rect [0 0 0 0] /F 132 /P " + ref(page) +
             " " + lock + ">>";
    fields.push_back(f);
  }
  std::string refs;
  for (const auto& f : fields) {
    objects[f.widget] = f.body;
    refs += ref(f.widget) + " ";
  }
  objects[s.root] = withEntries(latestBody(pdf, s.root), "/AcroForm " + ref(form));
  objects[s.page] = withEntries(latestBody(pdf, s.page), "/Annots [" + refs + "]");
  objects[form] = "<< /Fields [" + refs + "] /DA (/F1 12 Tf 0 g) /DR << /Font << /F1 4 0 R >> >> >>";
  prepared = withUpdate(pdf, objects);
}

const FormWithFields::Field& FormWithFields::field(const std::string& name) const {
  const auto it = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.name == name; });
  BOOST_TEST_REQUIRE((it != fields.end()), "the form has a field " << name);
  return *it;
}

std::string FormWithFields::textWidget(const Field& f, const std::string& extra, int appearance) const {
  return "<< /Type /Annot /Subtype /Widget /FT /Tx /T (" + f.name + ") /Rect [56 " + std::to_string(f.y) + " 539 " +
         std::to_string(f.y + 30) + "] /P " + ref(page) + " /F 4 /DA (/F1 12 Tf 0 g) " + extra + "/AP << /N " +
         ref(appearance) + " >> >>";
}

std::map<int, std::string> FormWithFields::fill(const std::string& name, const std::string& value,
                                                int appearance) const {
  const Field& f = field(name);
  return {{f.widget, textWidget(f, "/V (" + value + ") ", appearance)},
          {appearance, stream("/Type /XObject /Subtype /Form /BBox [0 0 483 30] /Resources << /Font << /F1 4 0 R >> >>",
                              "BT /F1 20 Tf 4 8 Td (" + value + ") Tj ET")}};
}

// ---------------------------------------------------------------- report ---

json signaturesOf(const Verdict& v) {
  return v.report.is_object() && v.report.contains("signatures") ? v.report["signatures"] : json::array();
}

std::string indicationOf(const Verdict& v) {
  return v.report.is_object() ? v.report.value("indication", std::string()) : std::string();
}

std::vector<std::string> reasons(const Verdict& v) {
  std::vector<std::string> out;
  if (!v.report.is_object()) return out;
  for (const auto& s : signaturesOf(v)) {
    // Messages and details are Notes: a code, arguments and the English text.
    for (const auto& m : s.value("messages", json::array())) {
      out.push_back((m["code"].is_string() ? m["code"].get<std::string>() + ": " : std::string()) +
                    m["text"].get<std::string>());
    }
    for (const auto& m : s.value("modifiedAfterSigning", json::array())) out.push_back(m.get<std::string>());
    for (const auto& c : s.value("checks", json::array())) {
      if (c["detail"].is_object()) {
        out.push_back(c["id"].get<std::string>() + ": " + c["detail"].value("text", std::string()));
      }
    }
  }
  return out;
}

bool mentions(const Verdict& v, const std::string& fragment) {
  const auto all = reasons(v);
  return std::any_of(all.begin(), all.end(), [&](const std::string& s) { return s.find(fragment) != npos; });
}

std::string dump(const Verdict& v) {
  std::string s;
  for (const auto& sig : signaturesOf(v)) {
    s += "\n    " + sig.value("id", std::string("?")) + ": " + sig.value("indication", std::string()) +
         ", modificationLevel " + (sig.contains("modificationLevel") ? sig["modificationLevel"].dump() : "(absent)");
    for (const auto& m : modificationsOf(sig)) s += "\n      " + m.dump();
  }
  for (const auto& r : reasons(v)) s += "\n    " + r;
  return "exit " + std::to_string(v.exitCode) + " " + indicationOf(v) + s +
         (v.err.empty() ? "" : "\n    stderr: " + v.err);
}

std::string checkStatus(const Verdict& v, std::size_t index, const std::string& id) {
  const json sigs = signaturesOf(v);
  if (sigs.size() <= index) return {};
  for (const auto& c : sigs[index]["checks"]) {
    if (c["id"] == id) return c["status"].get<std::string>();
  }
  return {};
}

bool finished(const Verdict& v) { return v.exitCode == 1 || v.exitCode == 2 || v.exitCode == 4; }

std::string modificationLevelOf(const json& signature) {
  const auto it = signature.find("modificationLevel");
  return it != signature.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int levelRank(const std::string& level) {
  static const std::vector<std::string> order{"none", "lta-updates", "form-filling", "annotations", "other"};
  const auto it = std::find(order.begin(), order.end(), level);
  return it == order.end() ? -1 : static_cast<int>(it - order.begin());
}

std::string allowedLevel(int p) {
  // ISO 32000-1 Table 254; no certification is treated as P=2.
  return p == 1 ? "lta-updates" : p == 3 ? "annotations" : "form-filling";
}

std::vector<json> modificationsOf(const json& signature, const std::string& code) {
  std::vector<json> out;
  const auto it = signature.find("modifications");
  if (it == signature.end() || !it->is_array()) return out;
  for (const auto& m : *it) {
    if (code.empty() || (m.contains("code") && m["code"] == code)) out.push_back(m);
  }
  return out;
}

bool hasModification(const json& signature, const std::string& code, const std::map<std::string, std::string>& args) {
  const auto found = modificationsOf(signature, code);
  return std::any_of(found.begin(), found.end(), [&](const json& m) {
    const json a = m.value("args", json::object());
    return std::all_of(args.begin(), args.end(), [&](const auto& kv) {
      if (!a.contains(kv.first) || !a[kv.first].is_string()) return false;
      // An object is named "12" or "12 0 R".
      const std::string got = a[kv.first].template get<std::string>();
      return got == kv.second || got == kv.second + " 0 R";
    });
  });
}

// ------------------------------------------------------------ workbench ---

std::string PdfLab::signFile(const fs::path& input, const std::string& name, const std::vector<std::string>& extra,
                             const std::string& p12) const {
  std::vector<std::string> args{"sign",
                                "--signer",
                                "pkcs12:" + (pki / p12).string(),
                                "--password-file",
                                (pki / "password.txt").string(),
                                "--output",
                                (dir / name).string()};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(input.string());
  const auto r = cli(args);
  BOOST_TEST_REQUIRE(r.exitCode == 0, "signing " << input << ": " << r.err);
  return readText(dir / name);
}

Verdict PdfLab::verify(const std::string& name, const std::string& bytes,
                       const std::vector<fs::path>& extraAnchors) const {
  std::vector<std::string> options{"--trust-anchor", (pki / "root-ca.pem").string()};
  for (const auto& a : extraAnchors) {
    options.push_back("--trust-anchor");
    options.push_back(a.string());
  }
  return runVerify(name, bytes, options);
}

Verdict PdfLab::verifyWithoutTrustAnchor(const std::string& name, const std::string& bytes) const {
  return runVerify(name, bytes, {});
}

Verdict PdfLab::runVerify(const std::string& name, const std::string& bytes,
                          const std::vector<std::string>& options) const {
  writeFile(dir / name, bytes);
  // timeout(1) turns a hang into exit 124 instead of stalling the suite.
  std::vector<std::string> argv{"timeout", "120", cliPath().string(), "verify", "--json"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back((dir / name).string());
  const auto r = run(argv);
  Verdict v{r.exitCode, json(), r.err};
  if (!r.out.empty()) v.report = json::parse(r.out, nullptr, false);
  if (v.report.is_discarded()) v.report = json();
  BOOST_TEST_MESSAGE(name << ": " << dump(v));
  return v;
}

void PdfLab::pdfsigFor(const std::string& name) const {
  try {
    const auto r = run({"pdfsig", (dir / name).string()});
    BOOST_TEST_MESSAGE("pdfsig " << name << " (exit " << r.exitCode << "):\n" << r.out << r.err);
  } catch (const std::exception& e) {
    BOOST_TEST_MESSAGE("pdfsig is not available: " << e.what());
  }
}

std::string PdfLab::rendered(const std::string& name, const std::string& pdf) const {
  requireTool("pdftoppm", "the Debian package poppler-utils");
  const fs::path file = dir / ("render-" + name);
  const fs::path images = dir / ("render-" + name + "-pages");
  fs::remove_all(images);
  fs::create_directory(images);
  writeFile(file, pdf);
  const auto r = run({"pdftoppm", "-r", "50", "-png", file.string(), (images / "page").string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "pdftoppm renders " << name << ": " << r.err);
  std::string all;
  for (const auto& page : listDir(images)) all += page + ":" + readText(images / page);
  fs::remove_all(images);
  fs::remove(file);
  return all;
}

void PdfLab::expectLooksDifferent(const std::string& original, const std::string& changed,
                                  const std::string& what) const {
  BOOST_TEST(rendered("original.pdf", original) != rendered("changed.pdf", changed),
             what << ": the pages rendered by pdftoppm look different after the change (the attack is not a no-op)");
}

void PdfLab::expectQpdfCheckPasses(const std::string& name) const {
  if (!onPath("qpdf")) {
    BOOST_TEST_MESSAGE("qpdf is not installed: " << name << " is not checked with qpdf --check");
    return;
  }
  const auto r = run({"qpdf", "--check", (dir / name).string()});
  BOOST_TEST(r.exitCode == 0, "qpdf --check " << name << " exits 0 (no warnings): " << r.out << r.err);
  BOOST_TEST(r.out.find("No syntax or stream encoding errors found") != npos,
             "qpdf --check " << name << " finds no syntax errors: " << r.out);
}

void PdfLab::expectPdfsigLists(const std::string& name, std::size_t count) const {
  requireTool("pdfsig", "the Debian package poppler-utils");
  const auto r = run({"pdfsig", "-nocert", (dir / name).string()});
  BOOST_TEST(r.exitCode == 0, "pdfsig " << name << " exits 0: " << r.out << r.err);
  BOOST_TEST(pdfsigBlocks(r.out).size() == count, "pdfsig lists " << count << " signatures in " << name << ":\n"
                                                                  << r.out);
}

std::string PdfLab::withSignature(const std::string& pdf, Update update, const std::string& field, bool timestamp,
                                  const std::string& p12) const {
  const int widget = nextObject(pdf, update);
  const int value = widget + 1;
  const int page = structureOf(pdf).page;
  addFieldWidget(pdf, update, widget);
  update.objects[widget] = "<< /Type /Annot /Subtype /Widget /FT /Sig /T (" + field + ") /V " + ref(value) +
                           " /Rect [0 0 0 0] /F 132 /P " + ref(page) + " >>";
  return withSignatureDictionary(pdf, std::move(update), value, "", timestamp, p12);
}

std::string PdfLab::withFieldSigned(const std::string& pdf, Update update, int field, const std::string& entries,
                                    const std::string& p12) const {
  const int value = nextObject(pdf, update);
  const auto it = update.objects.find(field);
  const std::string body = it != update.objects.end() ? it->second : latestBody(pdf, field);
  BOOST_TEST_REQUIRE(!std::regex_search(body, std::regex(R"(/V\s*\d+\s+0\s+R)")),
                     "field " << field << " is not signed yet: " << body);
  update.objects[field] = withEntries(body, "/V " + ref(value));
  return withSignatureDictionary(pdf, std::move(update), value, entries, false, p12);
}

std::string PdfLab::withSignatureDictionary(const std::string& pdf, Update update, int value,
                                            const std::string& entries, bool timestamp, const std::string& p12) const {
  const std::size_t hexDigits = 16384;
  const std::string rangeHole(44, ' ');
  update.objects[value] =
      std::string("<< /Type ") + (timestamp ? "/DocTimeStamp" : "/Sig") + " /Filter /Adobe.PPKLite /SubFilter " +
      (timestamp ? "/ETSI.RFC3161" : "/adbe.pkcs7.detached") + " " + (entries.empty() ? "" : entries + " ") +
      "/ByteRange [" + rangeHole + "] /Contents <" + std::string(hexDigits, '0') + "> >>";
  std::string out = withUpdate(pdf, update);

  // ISO 32000-1 §12.8.1: the byte range is the whole file but the /Contents value.
  const std::size_t dict = out.rfind("\n" + std::to_string(value) + " 0 obj\n");
  const std::size_t rangeOpen = out.find("/ByteRange [", dict) + 11;
  const std::size_t lt = out.find("/Contents <", dict) + 10;
  const std::size_t gt = lt + 1 + hexDigits;
  BOOST_TEST_REQUIRE(out[gt] == '>', "the /Contents placeholder ends where it should");
  std::ostringstream numbers;
  numbers.imbue(std::locale::classic());
  numbers << "0 " << lt << " " << gt + 1 << " " << out.size() - gt - 1;
  overwrite(out, rangeOpen + 1, rangeOpen + 1 + rangeHole.size(), numbers.str());
  const std::string signedBytes = out.substr(0, lt) + out.substr(gt + 1);
  const std::string der = timestamp ? timestampToken(signedBytes) : cmsSign(signedBytes, p12);
  const std::string hex = toHex(reinterpret_cast<const std::uint8_t*>(der.data()), der.size());
  BOOST_TEST_REQUIRE(hex.size() <= hexDigits, "the signature fits its /Contents placeholder");
  out.replace(lt + 1, hex.size(), hex);
  return out;
}

std::string PdfLab::cmsSign(const std::string& data, const std::string& p12) const {
  requireTool("openssl", "the Debian package openssl");
  writeFile(dir / "cms-data.bin", data);
  const std::string cert = (pki / fs::path(p12).replace_extension(".pem")).string();
  std::vector<std::string> argv{"openssl",
                                "cms",
                                "-sign",
                                "-binary",
                                "-nosmimecap",
                                "-md",
                                digest,
                                "-in",
                                (dir / "cms-data.bin").string(),
                                "-signer",
                                cert,
                                "-inkey",
                                (pki / p12).string(),
                                "-passin",
                                "file:" + (pki / "password.txt").string(),
                                "-outform",
                                "DER",
                                "-out",
                                (dir / "cms.der").string()};
  if (embeddedCertificates == "chain") {
    argv.push_back("-certfile");
    argv.push_back((pki / "issuing-ca.pem").string());
  } else if (embeddedCertificates == "none") {
    argv.push_back("-nocerts");
  }
  const auto r = run(argv);
  BOOST_TEST_REQUIRE(r.exitCode == 0, "openssl cms -sign: " << r.out << r.err);
  return readText(dir / "cms.der");
}

std::string PdfLab::timestampToken(const std::string& data) const {
  requireTool("openssl", "the Debian package openssl");
  // openssl ts -reply as the demo TSA (RFC 3161, ESS signing-certificate-v2).
  writeFile(dir / "tsa.cnf", "[tsa]\ndefault_tsa = demo\n[demo]\nserial = " + (dir / "tsa-serial").string() +
                                 "\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\n"
                                 "ess_cert_id_alg = sha256\naccuracy = secs:1\n");
  writeFile(dir / "tsa-serial", "01\n");
  writeFile(dir / "ts-data.bin", data);
  auto r = run({"openssl", "ts", "-query", "-data", (dir / "ts-data.bin").string(), "-sha256", "-cert", "-out",
                (dir / "ts.tsq").string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "openssl ts -query: " << r.err);
  r = run({"openssl", "ts", "-reply", "-config", (dir / "tsa.cnf").string(), "-queryfile", (dir / "ts.tsq").string(),
           "-signer", (pki / "tsa.pem").string(), "-inkey", (pki / "tsa.key").string(), "-chain",
           (pki / "issuing-ca.pem").string(), "-token_out", "-out", (dir / "ts.der").string()});
  BOOST_TEST_REQUIRE(r.exitCode == 0, "openssl ts -reply: " << r.err);
  return readText(dir / "ts.der");
}

}  // namespace securedoc::test
