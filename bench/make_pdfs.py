#!/usr/bin/env python3
"""PDF generators for the PAdES benchmarks (bench/pades.sh, bench/pdf_changes.sh).

Usage: make_pdfs.py small DIR N   N one-page PDFs DIR/doc00001.pdf ... (Helvetica text,
                                  40 random lines each, about 2.7 KB)
       make_pdfs.py pages FILE N  one PDF of N text pages (each like a "small" one, its
                                  own content stream, one shared font, a flat page tree),
                                  for the window's preview (bench/gui.sh)
       make_pdfs.py big FILE MIB  one page showing an uncompressed RGB image of random
                                  bytes, MIB MiB, so the file cannot shrink and every
                                  byte must be hashed
       make_pdfs.py flood BASE VARIANT MIB OUT
                                  BASE (a signed PDF) plus one incremental update that
                                  holds MIB MiB of hostile tokens (bench/pdf_changes.sh);
                                  VARIANT is one of FLOODS below
Both write valid PDFs with exact xref offsets (qpdf --check accepts them).
"""
import os, sys

def write_pdf(path, objs):
    with open(path, "wb") as f:
        f.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objs, 1):
            offsets.append(f.tell())
            f.write(b"%d 0 obj\n" % i)
            body(f) if callable(body) else f.write(body)
            f.write(b"\nendobj\n")
        xref = f.tell()
        f.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
        for o in offsets:
            f.write(b"%010d 00000 n \n" % o)
        f.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))

def catalog_and_page(xobjects=b""):
    return [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >>"
            + xobjects + b" >> /Contents 4 0 R >>"]

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"

def stream(data):
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"

def small(path, i):
    ops = [b"BT /F1 18 Tf 56 780 Td (SecureDoc benchmark document no. %d) Tj ET" % i, b"BT /F1 10 Tf 56 750 Td 14 TL"]
    for _ in range(40):
        ops.append(b"(Line of text %s) '" % os.urandom(16).hex().encode())
    ops.append(b"ET")
    write_pdf(path, catalog_and_page() + [stream(b"\n".join(ops) + b"\n"), FONT])

def big(path, mib):
    w = 1024
    h = max(1, mib * 1048576 // (w * 3))
    n = w * h * 3
    def image(f):
        f.write(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (w, h, n))
        left = n
        while left:
            k = min(left, 1 << 20)
            f.write(os.urandom(k))
            left -= k
        f.write(b"\nendstream")
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q\nBT /F1 18 Tf 56 780 Td (SecureDoc large document) Tj ET\n"
    write_pdf(path, catalog_and_page(b" /XObject << /Im1 6 0 R >>") + [stream(content), FONT, image])

def pages(path, n):
    # Objects: 1 catalog, 2 page tree, 3 font, then page k at 4 + 2k and its
    # content at 5 + 2k.
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (4 + 2 * k) for k in range(n)) + b"] /Count %d >>" % n,
            FONT]
    for k in range(n):
        ops = [b"BT /F1 18 Tf 56 780 Td (SecureDoc long document, page %d of %d) Tj ET" % (k + 1, n),
               b"BT /F1 10 Tf 56 750 Td 14 TL"]
        for _ in range(48):
            ops.append(b"(Clause text %s) '" % os.urandom(20).hex().encode())
        ops.append(b"ET")
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>"
                    b" /Contents %d 0 R >>" % (5 + 2 * k))
        objs.append(stream(b"\n".join(ops) + b"\n"))
    write_pdf(path, objs)

import re

# The flood variants: what MIB MiB of the update are made of.
FLOODS = {
    # "/ByteRange [0 1 2 3]" tokens in comment lines between objects.
    "comment": lambda s: (b"%" + b" /ByteRange [0 1 2 3]" * 200 + b"\n", None),
    # The same comment lines appended after the signed file's %%EOF: no new
    # revision, the file no longer ends with one.
    "appended": lambda s: (b"%" + b" /ByteRange [0 1 2 3]" * 200 + b"\n", "append"),
    # The same tokens as the data of one stream (object S, unreferenced).
    "stream": lambda s: (b"/ByteRange [0 1 2 3]\n", "stream"),
    # Each token in its own signature-like object, numbers S+1, S+2, ...
    "objects": lambda s: (None, "objects"),
    # The same objects, all with the number S+1 (each redefines the one before).
    "objects-one-number": lambda s: (b"%d 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n" % (s + 1), None),
    # One signature-like dictionary (object S) holding all the tokens in an array.
    "one-dictionary": lambda s: (b" /ByteRange [0 1 2 3]", "dict"),
    # Object headers "1 0 obj" (then one /ByteRange, so the scan walks them all).
    "obj": lambda s: (b"1 0 obj\n", "tail-byterange"),
    # One-entry cross-reference sections without trailer.
    "xref": lambda s: (b"xref\n0 1\n0000000000 65535 f \n", None),
    # Revision ends: "startxref P %%EOF" with P the signed revision's own xref,
    # so every prefix ending at one of them is a readable revision.
    "eof": lambda s: (None, "eof"),
}

def flood(base_path, variant, mib, out):
    base = open(base_path, "rb").read()
    kw = base.rfind(b"startxref")
    prev = int(base[kw + 9:].split()[0])
    tail = base[prev:]
    size = int(re.search(rb"/Size\s+(\d+)", tail).group(1))
    root = re.search(rb"/Root\s+(\d+\s+\d+\s+R)", tail).group(1)
    # The trailer's other entries carried over (ISO 32000-1 7.5.6): /Info, /ID.
    extra = b"".join(m.group(0) for m in [re.search(rb"/Info\s*\d+\s+\d+\s+R", tail),
                                           re.search(rb"/ID\s*\[[^\]]*\]", tail)] if m)
    total = int(mib * 1048576)
    unit, kind = FLOODS[variant](size)
    if kind == "objects":
        parts, n, k = [], 0, size + 1
        while n < total:
            p = b"%d 0 obj\n<< /ByteRange [0 1 2 3] /Contents <00> >>\nendobj\n" % k
            parts.append(p); n += len(p); k += 1
        data = b"".join(parts)
    elif kind == "eof":
        unit = b"startxref\n%d\n%%%%EOF\n" % prev
        data = unit * (total // len(unit))
    else:
        data = unit * (total // len(unit))
    with open(out, "wb") as f:
        f.write(base)
        if kind == "append":
            f.write(data)
            return
        if not base.endswith(b"\n"):
            f.write(b"\n")
        if kind == "stream":
            off = f.tell()
            f.write(b"%d 0 obj\n<< /Length %d >>\nstream\n" % (size, len(data)) + data + b"\nendstream\nendobj\n")
        elif kind == "dict":
            off = f.tell()
            f.write(b"%d 0 obj\n<< /Type /Sig /ByteRange [0 1 2 3] /Contents <00> /Flood [" % size + data + b"] >>\nendobj\n")
        else:
            f.write(data)
            if kind == "tail-byterange":
                f.write(b"/ByteRange [0 1 2 3]\n")
            off = f.tell()
            f.write(b"%d 0 obj\n<< /SecureDocBench true >>\nendobj\n" % size)
        xref = f.tell()
        f.write(b"xref\n%d 1\n%010d 00000 n \n" % (size, off))
        f.write(b"trailer\n<< /Size %d /Root %s /Prev %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (size + 1, root, prev, extra, xref))

if sys.argv[1] == "flood":
    flood(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5])
elif sys.argv[1] == "pages":
    pages(sys.argv[2], int(sys.argv[3]))
elif sys.argv[1] == "small":
    for i in range(1, int(sys.argv[3]) + 1):
        small(os.path.join(sys.argv[2], "doc%05d.pdf" % i), i)
else:
    big(sys.argv[2], int(sys.argv[3]))
