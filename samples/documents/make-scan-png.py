#!/usr/bin/env python3
"""Generate samples/documents/scan.png: a small, deterministic grayscale PNG that
looks vaguely like a scanned page (border, "text" lines, a round stamp, a
signature scribble). Standard library only (zlib + struct).

Usage: make-scan-png.py [OUTPUT]   (default: scan.png next to this script)
"""
import math
import os
import struct
import sys
import zlib

W, H = 420, 300


def render():
    img = [[236] * W for _ in range(H)]  # off-white "paper"

    def rect(x0, y0, x1, y1, v):
        for y in range(max(0, y0), min(H, y1)):
            row = img[y]
            for x in range(max(0, x0), min(W, x1)):
                row[x] = v

    # page border
    rect(10, 10, W - 10, 12, 60); rect(10, H - 12, W - 10, H - 10, 60)
    rect(10, 10, 12, H - 10, 60); rect(W - 12, 10, W - 10, H - 10, 60)
    # heading and "text" lines (deterministic pseudo-random widths)
    rect(30, 26, 230, 38, 30)
    seed = 12345
    y = 56
    while y < 200:
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        width = 220 + seed % 140
        x = 30
        while x < 30 + width:  # words
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            wlen = 12 + seed % 40
            rect(x, y, min(x + wlen, 30 + width), y + 6, 70)
            x += wlen + 6
        y += 14
    # round stamp (ring) bottom-left
    cx, cy, r = 90, 245, 32
    for yy in range(cy - r - 2, cy + r + 3):
        for xx in range(cx - r - 2, cx + r + 3):
            d = math.hypot(xx - cx, yy - cy)
            if r - 3 <= d <= r or d <= 6:
                img[yy][xx] = 110
    # signature scribble bottom-right
    for t in range(0, 1200):
        s = t / 1200.0
        xx = int(250 + 130 * s)
        yy = int(245 + 14 * math.sin(s * 19) * (1 - s * 0.5) + 6 * math.cos(s * 7))
        for dx in (0, 1):
            img[yy][xx + dx] = 20
    rect(240, 268, 395, 269, 90)  # signature line
    return img


def png(img):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + bytes(row) for row in img)  # filter type 0 per row
    ihdr = struct.pack(">IIBBBBB", W, H, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "scan.png")
    with open(path, "wb") as f:
        f.write(png(render()))


if __name__ == "__main__":
    main()
