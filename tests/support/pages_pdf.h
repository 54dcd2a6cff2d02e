#pragma once
// A PDF of N pages written from scratch, with exact cross-reference offsets:
// page k shows "Page k" large and a filled blue rectangle, so its rendering
// is recognisably that page.  Used by the preview's unit and GUI tests;
// bench/make_pdfs.py "pages" writes the same shape for the benchmark.
#include <cstdio>
#include <string>
#include <vector>

namespace securedoc::test {

struct PagesPdf {
  int pages = 3;
  double width = 595, height = 842;  ///< the /MediaBox (A4 in points)
  std::vector<int> rotations;        ///< /Rotate of page k (index k - 1); 0 when absent
  /// A black square 100 points wide with its lower-left corner here (user
  /// space), on every page: the tests find it in the rendering.
  double squareX = 400, squareY = 100;
  /// More content-stream operators drawn on every page (a slow page).
  std::string extraContent;
};

inline std::string pagesPdf(const PagesPdf& spec) {
  std::vector<std::string> objects;
  objects.emplace_back("<< /Type /Catalog /Pages 2 0 R >>");
  std::string kids;
  for (int k = 0; k < spec.pages; ++k) kids += std::to_string(4 + 2 * k) + " 0 R ";
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(spec.pages) + " >>");
  objects.emplace_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
  char box[128];
  std::snprintf(box, sizeof box, "[0 0 %g %g]", spec.width, spec.height);
  for (int k = 0; k < spec.pages; ++k) {
    const int rotation = k < static_cast<int>(spec.rotations.size()) ? spec.rotations[static_cast<std::size_t>(k)] : 0;
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox " + std::string(box) +
                      (rotation != 0 ? " /Rotate " + std::to_string(rotation) : std::string()) +
                      " /Resources << /Font << /F1 3 0 R >> >> /Contents " + std::to_string(5 + 2 * k) + " 0 R >>");
    char ops[512];
    std::snprintf(
        ops, sizeof ops,
        "0.2 0.4 0.8 rg 56 %g 300 60 re f\nBT 0 g /F1 48 Tf 56 %g Td (Page %d) Tj ET\n0 g %g %g 100 100 re f\n",
        spec.height - 200, spec.height - 120, k + 1, spec.squareX, spec.squareY);
    const std::string data = ops + spec.extraContent;
    objects.push_back("<< /Length " + std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream");
  }
  std::string pdf = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (const std::size_t o : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

}  // namespace securedoc::test
