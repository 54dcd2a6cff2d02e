#!/usr/bin/env python3
"""Generate samples/documents/contract.pdf: a small, deterministic 2-page PDF.

Only the Python standard library is used. The PDF uses the standard Helvetica
font with a custom /Differences encoding so that Polish letters render and are
extractable (pdftotext). Output is byte-for-byte reproducible (no timestamps).

Usage: make-contract-pdf.py [OUTPUT]   (default: contract.pdf next to this script)
"""
import os
import sys

# Byte codes 128.. are remapped to Polish glyphs (names from the Adobe Glyph List).
POLISH = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"
GLYPHS = ["aogonek", "cacute", "eogonek", "lslash", "nacute", "oacute", "sacute",
          "zacute", "zdotaccent", "Aogonek", "Cacute", "Eogonek", "Lslash",
          "Nacute", "Oacute", "Sacute", "Zacute", "Zdotaccent"]
CODE = {ch: 128 + i for i, ch in enumerate(POLISH)}


def encode_text(s):
    """Encode text to a PDF literal string in our custom single-byte encoding."""
    out = bytearray()
    for ch in s:
        if ch in CODE:
            out.append(CODE[ch])
        elif 32 <= ord(ch) < 127:
            if ch in "()\\":
                out.append(ord("\\"))
            out.append(ord(ch))
        else:
            raise ValueError(f"unsupported character {ch!r}")
    return b"(" + bytes(out) + b")"


def page_content(lines):
    """lines: list of (font, size, text) or None (blank line); returns a content stream."""
    ops = [b"0.2 0.2 0.5 RG 1.5 w 56 781 m 539 781 l S",  # rule under the header
           b"BT", b"56 790 Td"]
    first = True
    for item in lines:
        if item is None:
            ops.append(b"0 -10 Td")
            continue
        font, size, text = item
        lead = size * 1.45
        if not first:
            ops.append(b"0 -%.1f Td" % lead)
        first = False
        ops.append(b"/%s %d Tf" % (font.encode(), size))
        ops.append(encode_text(text) + b" Tj")
    ops.append(b"ET")
    return b"\n".join(ops) + b"\n"


PAGES = [
    [
        ("F2", 20, "Umowa / Contract"),
        None,
        ("F1", 11, "Nr umowy / Contract no.: SD/2024/0042"),
        ("F1", 11, "Zawarta w Warszawie dnia 15 marca 2024 r. pomiędzy:"),
        ("F1", 11, "Concluded in Warsaw on 15 March 2024 between:"),
        None,
        ("F2", 12, "Zamawiający / Client:"),
        ("F1", 11, "Przedsiębiorstwo Usługowe \"Źródło\" Sp. z o.o., ul. Żółkiewskiego 12, 00-950 Łódź"),
        None,
        ("F2", 12, "Wykonawca / Contractor:"),
        ("F1", 11, "Jan Kowalski, ul. Świętokrzyska 7/3, 31-123 Kraków"),
        None,
        ("F2", 12, "Par. 1. Przedmiot umowy / Subject of the contract"),
        ("F1", 11, "Wykonawca zobowiązuje się do przygotowania dokumentacji technicznej"),
        ("F1", 11, "systemu podpisu elektronicznego SecureDoc."),
        ("F1", 11, "The Contractor undertakes to prepare the technical documentation"),
        ("F1", 11, "of the SecureDoc electronic signature system."),
        None,
        ("F2", 12, "Par. 2. Wynagrodzenie / Remuneration"),
        ("F1", 11, "Wynagrodzenie wynosi 12 300,00 PLN brutto (słownie: dwanaście tysięcy"),
        ("F1", 11, "trzysta złotych), płatne w terminie 14 dni od doręczenia faktury."),
        ("F1", 11, "The remuneration is PLN 12,300.00 gross, payable within 14 days of invoice."),
        None,
        ("F3", 9, "Strona 1 z 2 / Page 1 of 2"),
    ],
    [
        ("F2", 14, "Umowa / Contract - ciąg dalszy / continued"),
        None,
        ("F2", 12, "Par. 3. Termin / Deadline"),
        ("F1", 11, "Dzieło zostanie wykonane do dnia 30 czerwca 2024 r."),
        ("F1", 11, "The work shall be completed by 30 June 2024."),
        None,
        ("F2", 12, "Par. 4. Postanowienia końcowe / Final provisions"),
        ("F1", 11, "Umowę sporządzono w formie elektronicznej i opatrzono kwalifikowanymi"),
        ("F1", 11, "podpisami elektronicznymi Stron (art. 78(1) Kodeksu cywilnego)."),
        ("F1", 11, "This contract is executed electronically and signed with qualified"),
        ("F1", 11, "electronic signatures of the Parties."),
        None, None, None,
        ("F1", 11, "Zamawiający / Client:                         Wykonawca / Contractor:"),
        None, None,
        ("F1", 11, "......................................        ......................................"),
        None,
        ("F3", 9, "Strona 2 z 2 / Page 2 of 2"),
    ],
]


def build_pdf():
    objects = {}  # number -> bytes (body without "n 0 obj"/"endobj")
    diffs = b"[128 " + b" ".join(b"/" + g.encode() for g in GLYPHS) + b"]"
    objects[3] = (b"<< /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences "
                  + diffs + b" >>")
    fonts = {"F1": ("Helvetica", 4), "F2": ("Helvetica-Bold", 5), "F3": ("Helvetica-Oblique", 6)}
    for name, (base, num) in fonts.items():
        objects[num] = (b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding 3 0 R >>"
                        % base.encode())
    font_res = b" ".join(b"/%s %d 0 R" % (n.encode(), num) for n, (_, num) in fonts.items())

    page_nums = []
    next_num = 7
    for lines in PAGES:
        content = page_content(lines)
        page_num, content_num = next_num, next_num + 1
        next_num += 2
        objects[content_num] = (b"<< /Length %d >>\nstream\n" % len(content)
                                + content + b"endstream")
        objects[page_num] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                             b"/Resources << /Font << " + font_res + b" >> >> "
                             b"/Contents %d 0 R >>" % content_num)
        page_nums.append(page_num)

    kids = b" ".join(b"%d 0 R" % n for n in page_nums)
    objects[2] = b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(page_nums)
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    info_num = next_num
    objects[info_num] = (b"<< /Title (Umowa / Contract SD/2024/0042) "
                         b"/Author (SecureDoc samples) /Producer (make-contract-pdf.py) >>")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    size = max(objects) + 1
    xref_pos = len(out)
    out += b"xref\n0 %d\n" % size
    out += b"0000000000 65535 f \n"
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num]
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, info_num, xref_pos))
    return bytes(out)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "contract.pdf")
    with open(path, "wb") as f:
        f.write(build_pdf())


if __name__ == "__main__":
    main()
