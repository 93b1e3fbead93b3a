#!/usr/bin/env python3
"""Draws the sample content-pack images (small PNG charts and title cards).

Standard library only (zlib + struct): no PIL. Run from anywhere:
    python3 samples/tools/make_images.py
It writes samples/content/<date>/<file>.png next to each pack.json. The figures here are the same
invented figures the pack texts quote, so the charts and the captions agree.
"""
import os
import struct
import zlib

W, H = 320, 180
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "content")

# 5x7 bitmap font: each glyph is 7 rows of 5 bits ("#" = ink).
FONT_ROWS = {
    "A": [" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
    "B": ["#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "],
    "C": [" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "],
    "D": ["#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "],
    "E": ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"],
    "F": ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "],
    "G": [" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"],
    "H": ["#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
    "I": [" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
    "J": ["  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "],
    "K": ["#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"],
    "L": ["#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"],
    "M": ["#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"],
    "N": ["#   #", "#   #", "##  #", "# # #", "#  ##", "#   #", "#   #"],
    "O": [" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "],
    "P": ["#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "],
    "Q": [" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"],
    "R": ["#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"],
    "S": [" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "],
    "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "],
    "U": ["#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "],
    "V": ["#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "],
    "W": ["#   #", "#   #", "#   #", "# # #", "# # #", "# # #", " # # "],
    "X": ["#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"],
    "Y": ["#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "],
    "Z": ["#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"],
    "0": [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
    "1": ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
    "2": [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
    "3": ["#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "],
    "4": ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
    "5": ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
    "6": ["  ## ", " #   ", "#    ", "#### ", "#   #", "#   #", " ### "],
    "7": ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
    "8": [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
    "9": [" ### ", "#   #", "#   #", " ####", "    #", "   # ", " ##  "],
    ".": ["     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "],
    ",": ["     ", "     ", "     ", "     ", " ##  ", "  #  ", " #   "],
    "%": ["##   ", "##  #", "   # ", "  #  ", " #   ", "#  ##", "   ##"],
    "-": ["     ", "     ", "     ", "#####", "     ", "     ", "     "],
    "+": ["     ", "  #  ", "  #  ", "#####", "  #  ", "  #  ", "     "],
    ":": ["     ", " ##  ", " ##  ", "     ", " ##  ", " ##  ", "     "],
    "/": ["     ", "    #", "   # ", "  #  ", " #   ", "#    ", "     "],
    "(": ["   # ", "  #  ", " #   ", " #   ", " #   ", "  #  ", "   # "],
    ")": [" #   ", "  #  ", "   # ", "   # ", "   # ", "  #  ", " #   "],
    "'": ["  #  ", "  #  ", " #   ", "     ", "     ", "     ", "     "],
    "&": [" ##  ", "#  # ", "# #  ", " #   ", "# # #", "#  # ", " ## #"],
    " ": ["     "] * 7,
}

NAVY = (18, 40, 84)
WHITE = (255, 255, 255)
GOLD = (240, 180, 40)
GREEN = (40, 160, 90)
RED = (210, 60, 60)
GREY = (120, 130, 150)
LIGHT = (232, 238, 247)


class Canvas:
    def __init__(self, bg):
        self.px = [[bg] * W for _ in range(H)]

    def rect(self, x0, y0, x1, y1, c):
        for y in range(max(0, y0), min(H, y1)):
            row = self.px[y]
            for x in range(max(0, x0), min(W, x1)):
                row[x] = c

    def line(self, x0, y0, x1, y1, c, t=2):
        n = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(n + 1):
            x = round(x0 + (x1 - x0) * i / n)
            y = round(y0 + (y1 - y0) * i / n)
            self.rect(x - t // 2, y - t // 2, x - t // 2 + t, y - t // 2 + t, c)

    def text(self, x, y, s, c, scale=2):
        for ch in s.upper():
            rows = FONT_ROWS.get(ch, FONT_ROWS[" "])
            for ry, row in enumerate(rows):
                for rx, bit in enumerate(row):
                    if bit == "#":
                        self.rect(x + rx * scale, y + ry * scale, x + (rx + 1) * scale, y + (ry + 1) * scale, c)
            x += 6 * scale

    def text_width(self, s, scale=2):
        return len(s) * 6 * scale - scale

    def png(self):
        raw = b"".join(b"\x00" + bytes(v for p in row for v in p) for row in self.px)

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def header(cv, title, subtitle):
    cv.rect(0, 0, W, 30, NAVY)
    cv.text(8, 8, title, WHITE, 2)
    cv.text(8, H - 14, subtitle, GREY, 1)


def line_chart(title, subtitle, labels, values, fmt):
    cv = Canvas(LIGHT)
    header(cv, title, subtitle)
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.15 or 1
    lo, hi = lo - pad, hi + pad
    x0, x1, y0, y1 = 30, W - 30, 48, H - 40
    cv.rect(x0, y1, x1, y1 + 1, GREY)
    pts = []
    for i, v in enumerate(values):
        x = x0 + (x1 - x0) * i // max(1, len(values) - 1)
        y = y1 - int((v - lo) / (hi - lo) * (y1 - y0))
        pts.append((x, y))
    for a, b in zip(pts, pts[1:]):
        cv.line(a[0], a[1], b[0], b[1], GREEN if b[1] <= a[1] else RED, 2)
    for (x, y), lab, v in zip(pts, labels, values):
        cv.rect(x - 2, y - 2, x + 3, y + 3, NAVY)
        cv.text(x - cv.text_width(lab, 1) // 2, y1 + 5, lab, NAVY, 1)
        s = fmt(v)
        cv.text(min(max(2, x - cv.text_width(s, 1) // 2), W - cv.text_width(s, 1) - 2), y - 12, s, NAVY, 1)
    return cv


def bar_chart(title, subtitle, labels, values, fmt, color=GOLD):
    cv = Canvas(LIGHT)
    header(cv, title, subtitle)
    top = max(values) * 1.1
    n = len(values)
    x0, x1, y0, y1 = 16, W - 16, 52, H - 34
    slot = (x1 - x0) // n
    for i, (lab, v) in enumerate(zip(labels, values)):
        h = int(v / top * (y1 - y0))
        bx = x0 + i * slot + slot // 6
        bw = slot * 2 // 3
        cv.rect(bx, y1 - h, bx + bw, y1, color)
        cv.text(bx + bw // 2 - cv.text_width(lab, 1) // 2, y1 + 5, lab, NAVY, 1)
        s = fmt(v)
        cv.text(bx + bw // 2 - cv.text_width(s, 1) // 2, y1 - h - 10, s, NAVY, 1)
    cv.rect(x0, y1, x1, y1 + 1, GREY)
    return cv


def card(title, lines, subtitle, accent=GOLD):
    cv = Canvas(NAVY)
    cv.rect(0, 0, 8, H, accent)
    cv.text(22, 18, title, accent, 3)
    y = 58
    for ln in lines:
        cv.text(22, y, ln, WHITE, 2)
        y += 22
    cv.text(22, H - 16, subtitle, LIGHT, 1)
    return cv


# The week's invented figures (the pack texts quote the same numbers).
NIFTY = [("20 NOV", 26112.40), ("23 NOV", 26184.65), ("24 NOV", 26041.20), ("25 NOV", 26098.90),
         ("26 NOV", 26276.35), ("27 NOV", 26318.05)]
SENSEX = [("20 NOV", 85420.15), ("23 NOV", 85671.30), ("24 NOV", 85198.75), ("25 NOV", 85402.10),
          ("26 NOV", 85955.60), ("27 NOV", 86087.45)]
SIP = [("MAY", 26480), ("JUN", 27120), ("JUL", 27950), ("AUG", 28310), ("SEP", 29160), ("OCT", 29870)]
GSEC = [("23 NOV", 6.44), ("24 NOV", 6.46), ("25 NOV", 6.45), ("26 NOV", 6.41), ("27 NOV", 6.40)]
FOOT = "FOR INFORMATION ONLY. NOT INVESTMENT ADVICE."


def nifty_upto(day):
    pts = NIFTY[: [d for d, _ in NIFTY].index(day) + 1][-5:]
    return [d for d, _ in pts], [v for _, v in pts]


IMAGES = {
    "2026-11-23": {
        "nifty-week.png": lambda: line_chart("NIFTY 50: 20 NOV", FOOT, ["16 NOV", "17 NOV", "18 NOV", "19 NOV", "20 NOV"],
                                             [25968.30, 26034.75, 25991.10, 26077.55, 26112.40], lambda v: f"{v:,.0f}"),
        "monday-card.png": lambda: card("WEEK AHEAD", ["NIFTY 26,112 (20 NOV)", "10Y G-SEC 6.43%", "STAY INVESTED"], FOOT),
    },
    "2026-11-24": {
        "sip-inflows.png": lambda: bar_chart("SIP INFLOWS RS CR", "MONTHLY SIP CONTRIBUTIONS, 2026. NOT INVESTMENT ADVICE.",
                                             [m for m, _ in SIP], [v for _, v in SIP], lambda v: f"{v:,}"),
        "sip-habit.png": lambda: card("SIP HABIT", ["RS 5,000 A MONTH", "FOR 15 YEARS", "180 INSTALMENTS"], FOOT),
    },
    "2026-11-25": {
        "elss-80c.png": lambda: card("SAVE TAX: ELSS", ["80C LIMIT RS 1.5 LAKH", "3 YEAR LOCK-IN", "OLD TAX REGIME ONLY"], FOOT),
        "nifty-24nov.png": lambda: line_chart("NIFTY 50: 24 NOV", FOOT, *nifty_upto("24 NOV"), lambda v: f"{v:,.0f}"),
    },
    "2026-11-26": {
        "term-cover.png": lambda: card("TERM INSURANCE", ["COVER: 10-15X", "ANNUAL INCOME", "REVIEW EVERY YEAR"], FOOT, GREEN),
        "gsec-yield.png": lambda: line_chart("10Y G-SEC YIELD %", FOOT, [d for d, _ in GSEC[:3]],
                                             [v for _, v in GSEC[:3]], lambda v: f"{v:.2f}%"),
    },
    "2026-11-27": {
        "nifty-26nov.png": lambda: line_chart("NIFTY 50: 26 NOV", FOOT, *nifty_upto("26 NOV"), lambda v: f"{v:,.0f}"),
        "debt-funds.png": lambda: card("DEBT FUNDS", ["10Y G-SEC 6.41%", "MATCH DURATION", "TO YOUR GOAL"], FOOT),
    },
    "2026-11-28": {
        "sensex-week.png": lambda: line_chart("SENSEX: WEEK", FOOT, [d for d, _ in SENSEX[1:]],
                                              [v for _, v in SENSEX[1:]], lambda v: f"{v:,.0f}"),
        "step-up-sip.png": lambda: card("STEP-UP SIP", ["RAISE YOUR SIP 10%", "EVERY YEAR", "AS INCOME GROWS"], FOOT),
    },
    "2026-11-29": {
        "nifty-week.png": lambda: line_chart("NIFTY 50: THE WEEK", FOOT, *nifty_upto("27 NOV"), lambda v: f"{v:,.0f}"),
        "week-card.png": lambda: card("WEEK IN NUMBERS", ["NIFTY +0.79%", "SENSEX +0.78%", "10Y G-SEC 6.40%"], FOOT),
    },
}


def main():
    for day, files in IMAGES.items():
        folder = os.path.join(ROOT, day)
        os.makedirs(folder, exist_ok=True)
        for name, draw in files.items():
            data = draw().png()
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
            print(f"{day}/{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
