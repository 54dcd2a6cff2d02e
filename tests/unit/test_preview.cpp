// What the window's preview reads through formats/ (issue 16): PdfPages
// (a PDF opened once, its pages drawn one at a time, /Rotate honoured, the
// page-to-pixel mapping a visible signature will be placed with) and
// prettyXml (an XML file as indented UTF-8 text, decoded from the encoding
// it declares, parsed without network, DTDs or entity expansion).
#include <boost/test/unit_test.hpp>

#include "base_printers.h"
#include "pages_pdf.h"
#include "test_support.h"

#include <securedoc/base/error.h>
#include <securedoc/formats/pdf_render.h>
#include <securedoc/formats/xml_text.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <random>
#include <string>

using namespace securedoc;
using securedoc::test::PagesPdf;
using securedoc::test::TempDir;
using securedoc::test::writeFile;
namespace fs = std::filesystem;

namespace {

/// The category of the Error `f` throws ("none" when it throws none).
template <class F>
std::string thrownCategory(F f) {
  try {
    f();
  } catch (const Error& e) {
    return categoryName(e.category());
  }
  return "none";
}

/// The grey level (0 black .. 255 white) of pixel (x, y).
int grey(const PageImage& img, int x, int y) {
  const auto i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(img.width) + static_cast<std::size_t>(x)) * 3;
  return (img.rgb[i] + img.rgb[i + 1] + img.rgb[i + 2]) / 3;
}

std::size_t darkPixels(const PageImage& img) {
  std::size_t n = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) n += grey(img, x, y) < 128 ? 1 : 0;
  return n;
}

constexpr double kEps = 1e-9;

}  // namespace

BOOST_AUTO_TEST_SUITE(pdf_pages)

BOOST_AUTO_TEST_CASE(pages_sizes_and_renderings_of_a_three_page_pdf) {
  TempDir tmp;
  writeFile(tmp / "three.pdf", test::pagesPdf(PagesPdf{}));
  const PdfPages doc(tmp / "three.pdf");
  BOOST_TEST(doc.pages() == 3);
  const PdfPageBox box = doc.box(1);
  BOOST_TEST(box.shownWidth() == 595.0);
  BOOST_TEST(box.shownHeight() == 842.0);
  BOOST_TEST(box.rotation == 0);
  const PageImage one = doc.render(0, 72.0);
  const PageImage two = doc.render(1, 72.0);
  BOOST_TEST(two.width == 595);
  BOOST_TEST(two.height == 842);
  BOOST_TEST(two.rgb.size() == 595u * 842u * 3u);
  BOOST_TEST(darkPixels(two) > 100u * 100u, "the square and the text are drawn");
  BOOST_TEST((one.rgb != two.rgb), "page 1 says \"Page 1\", page 2 \"Page 2\"");
  const PageImage sharp = doc.render(1, 144.0);
  BOOST_TEST(sharp.width == 1190);
}

BOOST_AUTO_TEST_CASE(a_rotated_page_is_shown_turned_and_the_mapping_finds_its_square) {
  // The square's centre in user space, mapped to pixels, must be black in
  // poppler's rendering, and a point beside it white: the mapping is the one
  // the page is drawn with, for every /Rotate.
  TempDir tmp;
  PagesPdf spec;
  spec.pages = 4;
  spec.rotations = {0, 90, 180, 270};
  writeFile(tmp / "rotated.pdf", test::pagesPdf(spec));
  const PdfPages doc(tmp / "rotated.pdf");
  for (int i = 0; i < 4; ++i) {
    const PdfPageBox box = doc.box(i);
    BOOST_TEST(box.rotation == spec.rotations[static_cast<std::size_t>(i)]);
    const PageImage img = doc.render(i, 36.0);
    const double scale = 0.5;
    BOOST_TEST(img.width == static_cast<int>(std::lround(box.shownWidth() * scale)), "page " << i + 1);
    BOOST_TEST(img.height == static_cast<int>(std::lround(box.shownHeight() * scale)), "page " << i + 1);
    const PagePoint inside = box.toPixels({spec.squareX + 50, spec.squareY + 50}, scale);
    const PagePoint beside = box.toPixels({spec.squareX - 30, spec.squareY + 50}, scale);
    BOOST_TEST(grey(img, static_cast<int>(inside.x), static_cast<int>(inside.y)) < 40, "page " << i + 1);
    BOOST_TEST(grey(img, static_cast<int>(beside.x), static_cast<int>(beside.y)) > 215, "page " << i + 1);
  }
}

BOOST_AUTO_TEST_CASE(to_pixels_and_back_for_every_rotation) {
  for (const int rotation : {0, 90, 180, 270, -90, 450}) {
    const PdfPageBox box{10, 20, 200, 300, rotation};
    const double scale = 1.5;
    // The crop box's top-left corner before turning lands on the corner the
    // turn takes it to.
    const PagePoint topLeft = box.toPixels({10, 320}, scale);
    const int r = ((rotation % 360) + 360) % 360;
    const PagePoint expected = r == 0     ? PagePoint{0, 0}
                               : r == 90  ? PagePoint{300 * scale, 0}
                               : r == 180 ? PagePoint{200 * scale, 300 * scale}
                                          : PagePoint{0, 200 * scale};
    BOOST_TEST(std::fabs(topLeft.x - expected.x) < kEps, "rotation " << rotation);
    BOOST_TEST(std::fabs(topLeft.y - expected.y) < kEps, "rotation " << rotation);
    for (const PagePoint p : {PagePoint{10, 20}, PagePoint{210, 320}, PagePoint{57.25, 199.5}}) {
      const PagePoint back = box.fromPixels(box.toPixels(p, scale), scale);
      BOOST_TEST(std::fabs(back.x - p.x) < kEps, "rotation " << rotation);
      BOOST_TEST(std::fabs(back.y - p.y) < kEps, "rotation " << rotation);
    }
  }
}

BOOST_AUTO_TEST_CASE(five_hundred_pages_open_without_reading_every_page) {
  TempDir tmp;
  PagesPdf spec;
  spec.pages = 500;
  writeFile(tmp / "long.pdf", test::pagesPdf(spec));
  const auto t0 = std::chrono::steady_clock::now();
  const PdfPages doc(tmp / "long.pdf");
  const PageImage first = doc.render(0, 72.0);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  BOOST_TEST(doc.pages() == 500);
  BOOST_TEST(darkPixels(first) > 0u);
  BOOST_TEST(doc.render(499, 36.0).width == 298);
  // Generous (a loaded CI machine); bench/gui.sh measures it properly.
  BOOST_TEST(std::chrono::duration<double>(elapsed).count() < 2.0);
}

BOOST_AUTO_TEST_CASE(errors_say_what_went_wrong) {
  TempDir tmp;
  BOOST_TEST(thrownCategory([&] { PdfPages p(tmp / "missing.pdf"); }) == std::string(categoryName(Category::Io)));
  writeFile(tmp / "garbage.pdf", "%PDF-1.7\nthis is not a PDF at all\n");
  BOOST_TEST(thrownCategory([&] { PdfPages p(tmp / "garbage.pdf"); }) ==
             std::string(categoryName(Category::Malformed)));
  writeFile(tmp / "empty.pdf", "");
  BOOST_TEST(thrownCategory([&] { PdfPages p(tmp / "empty.pdf"); }) == std::string(categoryName(Category::Malformed)));
  writeFile(tmp / "three.pdf", test::pagesPdf(PagesPdf{}));
  const PdfPages doc(tmp / "three.pdf");
  BOOST_TEST(thrownCategory([&] { (void)doc.box(3); }) == std::string(categoryName(Category::Malformed)));
  BOOST_TEST(thrownCategory([&] { (void)doc.render(-1, 72.0); }) == std::string(categoryName(Category::Malformed)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pretty_xml)

constexpr std::uintmax_t kLimit = 1u << 20;

BOOST_AUTO_TEST_CASE(iso_8859_2_is_decoded_and_the_declaration_kept) {
  TempDir tmp;
  // "zażółć gęślą jaźń" in ISO-8859-2: ż 0xBF, ó 0xF3, ł 0xB3, ć 0xE6, ę 0xEA, ś 0xB6, ą 0xB1, ź 0xBC, ń 0xF1.
  writeFile(tmp / "latin2.xml",
            "<?xml version=\"1.0\" encoding=\"ISO-8859-2\"?><faktura><pozycja nazwa=\"za\xbf\xf3\xb3\xe6\">"
            "g\xea\xb6l\xb1 ja\xbc\xf1</pozycja><suma>1</suma></faktura>");
  const std::string text = prettyXml(tmp / "latin2.xml", kLimit);
  BOOST_TEST(text.find("encoding=\"ISO-8859-2\"") != std::string::npos, text);
  BOOST_TEST(text.find("za\u017c\u00f3\u0142\u0107") != std::string::npos, text);  // zażółć in UTF-8
  BOOST_TEST(text.find("g\u0119\u015bl\u0105 ja\u017a\u0144") != std::string::npos, text);
  BOOST_TEST(text.find("\n  <pozycja") != std::string::npos, "one element a line, indented: " << text);
  BOOST_TEST(text.find("\n  <suma>1</suma>") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(utf16_with_a_byte_order_mark_and_no_declaration) {
  TempDir tmp;
  const std::string ascii = "<a><b>x</b></a>";
  std::string utf16 = "\xff\xfe";
  for (const char c : ascii) {
    utf16 += c;
    utf16 += '\0';
  }
  writeFile(tmp / "utf16.xml", utf16);
  const std::string text = prettyXml(tmp / "utf16.xml", kLimit);
  BOOST_TEST(text.rfind("<a>\n  <b>x</b>\n</a>", 0) == 0u, text);
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_with_its_category) {
  TempDir tmp;
  writeFile(tmp / "empty.xml", "");
  BOOST_TEST(thrownCategory([&] { (void)prettyXml(tmp / "empty.xml", kLimit); }) ==
             std::string(categoryName(Category::Malformed)));
  writeFile(tmp / "truncated.xml", "<?xml version=\"1.0\"?><a><b>text</b><c");
  BOOST_TEST(thrownCategory([&] { (void)prettyXml(tmp / "truncated.xml", kLimit); }) ==
             std::string(categoryName(Category::Malformed)));
  std::mt19937 random(16);
  std::string garbage(4096, '\0');
  for (char& c : garbage) c = static_cast<char>(random() & 0xff);
  garbage[0] = '<';
  writeFile(tmp / "garbage.xml", garbage);
  BOOST_TEST(thrownCategory([&] { (void)prettyXml(tmp / "garbage.xml", kLimit); }) ==
             std::string(categoryName(Category::Malformed)));
  BOOST_TEST(thrownCategory([&] { (void)prettyXml(tmp / "missing.xml", kLimit); }) ==
             std::string(categoryName(Category::Io)));
}

BOOST_AUTO_TEST_CASE(a_file_over_the_limit_is_not_parsed) {
  TempDir tmp;
  std::string huge = "<a>";
  huge.append(kLimit, 'x');
  huge += "</a>";
  writeFile(tmp / "huge.xml", huge);
  BOOST_TEST(thrownCategory([&] { (void)prettyXml(tmp / "huge.xml", kLimit); }) ==
             std::string(categoryName(Category::Unsupported)));
  BOOST_TEST(prettyXml(tmp / "huge.xml", 2 * kLimit).size() > kLimit, "under a higher limit it is shown");
}

BOOST_AUTO_TEST_CASE(no_external_entity_is_read_and_no_entity_expanded) {
  TempDir tmp;
  writeFile(tmp / "secret.txt", "TOP-SECRET-CONTENT");
  writeFile(tmp / "xxe.xml", "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file://" +
                                 (tmp / "secret.txt").string() + "\">]><a>&x;</a>");
  BOOST_TEST(thrownCategory([&] { (void)prettyXml(tmp / "xxe.xml", kLimit); }) ==
             std::string(categoryName(Category::Malformed)));
  std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY l0 \"ha\">";
  for (int i = 1; i < 20; ++i)
    laughs += "<!ENTITY l" + std::to_string(i) + " \"&l" + std::to_string(i - 1) + ";&l" + std::to_string(i - 1) +
              ";&l" + std::to_string(i - 1) + ";\">";
  laughs += "]><l>&l19;</l>";
  writeFile(tmp / "laughs.xml", laughs);
  BOOST_TEST(thrownCategory([&] { (void)prettyXml(tmp / "laughs.xml", kLimit); }) ==
             std::string(categoryName(Category::Malformed)));
}

BOOST_AUTO_TEST_SUITE_END()
