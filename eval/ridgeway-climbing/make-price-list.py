#!/usr/bin/env python3
"""Write docs/price-list.pdf for Ridgeway Climbing Centre.

Standard library only: the PDF objects are written by hand, text is placed
with Td/Tj in Helvetica (WinAnsiEncoding), and the xref offsets are computed
from the bytes actually written.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "docs", "price-list.pdf")

W, H = 595, 842  # A4 in points


def pdf_string(s):
    """Encode text as a PDF literal string in WinAnsi (cp1252)."""
    out = []
    for b in s.encode("cp1252"):
        c = chr(b)
        if c in "()\\":
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append("\\%03o" % b)
    return "(" + "".join(out) + ")"


class Page:
    def __init__(self):
        self.ops = []

    def text(self, x, y, s, font="F1", size=9):
        self.ops.append("BT /%s %g Tf %g %g Td %s Tj ET" % (font, size, x, y, pdf_string(s)))

    def bold(self, x, y, s, size=9):
        self.text(x, y, s, "F2", size)

    def rule(self, x1, y, x2, width=0.5, grey=0.0):
        self.ops.append("%g G %g w %g %g m %g %g l S 0 G" % (grey, width, x1, y, x2, y))

    def band(self, x, y, w, h, grey=0.9):
        self.ops.append("%g g %g %g %g %g re f 0 g" % (grey, x, y, w, h))

    def stream(self):
        return "\n".join(self.ops).encode("latin-1")


# column positions
XL, XP, XO, XM = 50, 318, 398, 478
ROW = 14.5


def table(page, y, title, rows, cols=("Peak", "Off-peak", "Member")):
    page.band(44, y - 4, 507, 16, 0.85)
    page.bold(XL, y, title, 9.5)
    for x, c in zip((XP, XO, XM), cols):
        page.bold(x, y, c, 9)
    y -= ROW + 2
    for label, *cells in rows:
        page.text(XL, y, label)
        for x, c in zip((XP, XO, XM), cells):
            page.text(x, y, c)
        page.rule(44, y - 4, 551, 0.3, 0.6)
        y -= ROW
    return y - 8


p1 = Page()
p1.bold(50, 790, "RIDGEWAY CLIMBING CENTRE", 20)
p1.text(50, 772, "Unit 4, Canal Wharf, Mill Lane, Holmbridge HB3 7QT  \u00b7  01632 960 418  \u00b7  ridgewayclimbing.co.uk", size=8.5)
p1.rule(44, 762, 551, 1.2)
p1.bold(50, 742, "PRICE LIST 2025\u201326", 13)
p1.text(50, 728, "Prices from 1 September 2025 and include VAT. Card and contactless only \u2013 we are a cash-free centre.", size=8.5)

y = 700
y = table(p1, y, "DAY ENTRY", [
    ("Adult (16+)", "\u00a313.50", "\u00a311.00", "Free"),
    ("Student / concession*", "\u00a311.50", "\u00a39.50", "Free"),
    ("Under-16s\u2020", "\u00a39.00", "\u00a37.50", "Free"),
    ("Family (2 adults + 2 under-16s)", "\u00a336.00", "\u00a330.00", "\u2013"),
    ("Bouldering only (adult)", "\u00a310.50", "\u00a38.50", "Free"),
    ("Registration & induction (first visit)", "\u00a34.00", "\u00a34.00", "\u2013"),
    ("Spectator", "Free", "Free", "Free"),
])
y = table(p1, y, "MULTI-VISIT", [
    ("10-visit card, adult\u2021", "\u00a3120.00", "\u00a399.00", "\u2013"),
    ("10-visit card, under-16s\u2021", "\u00a380.00", "\u2013", "\u2013"),
])
y = table(p1, y, "HIRE & SHOP", [
    ("Climbing shoes (hire)", "\u00a34.00", "\u00a34.00", "\u00a32.50"),
    ("Harness (hire)", "\u00a32.00", "\u00a32.00", "Free"),
    ("Chalk bag (hire)", "\u00a31.50", "\u00a31.50", "Free"),
    ("Belay device & karabiner (hire)", "\u00a31.50", "\u00a31.50", "Free"),
    ("Chalk, loose 250 g (to buy)", "\u00a35.00", "\u00a35.00", "\u00a34.50"),
    ("Chalk ball (to buy)", "\u00a33.50", "\u00a33.50", "\u00a33.00"),
    ("Locker", "Free", "Free", "Free"),
])

# small print under the table
notes = [
    "Peak: Saturdays, Sundays, bank holidays, and Monday to Friday from 16:00. Off-peak: Monday to Friday before 16:00.",
    "The price is set by the time you check in at reception.",
    "* Concession: full-time students with valid ID, over-65s and jobseekers (proof needed each visit). Concession",
    "  prices are not available on 10-visit cards.",
    "\u2020 Under-16s must climb with a paying adult (one adult to no more than two under-16s) unless they hold a Junior",
    "  Competence Card. Under-16s using the bouldering wall only pay \u00a36.00 at any time.",
    "\u2021 10-visit cards are valid for 12 months from the date of purchase and are not transferable.",
]
y -= 2
for n in notes:
    p1.text(50, y, n, size=7)
    y -= 9.5
p1.text(50, 40, "Continued overleaf: memberships", size=7.5)
p1.text(480, 40, "Page 1 of 2", size=7.5)

p2 = Page()
p2.bold(50, 790, "RIDGEWAY CLIMBING CENTRE", 14)
p2.text(380, 790, "Price list 2025\u201326 (continued)", size=8.5)
p2.rule(44, 780, 551, 1.2)
y = 750
y = table(p2, y, "MEMBERSHIPS (monthly Direct Debit)", [
    ("Adult", "\u00a348.00", "\u00a325.00", "Unlimited"),
    ("Student / concession*", "\u00a340.00", "\u00a325.00", "Unlimited"),
    ("Off-peak adult", "\u00a336.00", "\u00a325.00", "Off-peak only"),
    ("Junior (8\u201315)", "\u00a327.00", "\u00a310.00", "Unlimited\u00a7"),
    ("Couple (same address)", "\u00a388.00", "\u00a340.00", "Unlimited"),
], cols=("Per month", "Joining fee", "Climbing"))

terms = [
    "Minimum term three months. After that, cancel with one calendar month's notice by email to",
    "members@ridgewayclimbing.co.uk. The joining fee includes your registration and induction.",
    "\u00a7 Junior members must still climb with a paying adult or a member aged 18 or over unless they hold a",
    "  Junior Competence Card.",
    "Members get 10% off courses (not birthday parties) and pay the member prices for hire shown overleaf.",
]
for t in terms:
    p2.text(50, y, t, size=7.5)
    y -= 10.5

y -= 14
p2.bold(50, y, "GROUPS", 9.5)
y -= 14
for t in [
    "Schools, scouts and youth groups of 8 or more: \u00a38.00 per person, off-peak only, booked at least 7 days ahead.",
    "One leader per eight young people climbs free. Instructor-led group sessions are priced on request.",
]:
    p2.text(50, y, t, size=8.5)
    y -= 12
p2.text(50, 40, "Prices may change; the prices on display at reception on the day apply.", size=7.5)
p2.text(480, 40, "Page 2 of 2", size=7.5)

pages = [p1, p2]

# ---- assemble objects -------------------------------------------------
objs = {}
objs[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
kids = " ".join("%d 0 R" % (5 + 2 * i) for i in range(len(pages)))
objs[2] = ("<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages))).encode()
objs[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
objs[4] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
for i, pg in enumerate(pages):
    pnum, cnum = 5 + 2 * i, 6 + 2 * i
    objs[pnum] = (
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
        "/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>" % (W, H, cnum)
    ).encode()
    data = pg.stream()
    objs[cnum] = b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"
info = len(objs) + 1
objs[info] = b"<< /Title (Ridgeway Climbing Centre - Price list 2025-26) /Producer (make-price-list.py) >>"

out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
offsets = {}
for n in sorted(objs):
    offsets[n] = len(out)
    out += b"%d 0 obj\n" % n + objs[n] + b"\nendobj\n"
xref = len(out)
count = max(objs) + 1
out += b"xref\n0 %d\n" % count
out += b"0000000000 65535 f \n"
for n in range(1, count):
    out += b"%010d 00000 n \n" % offsets[n]
out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, info, xref)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "wb") as f:
    f.write(out)
print("wrote %s (%d bytes)" % (OUT, len(out)))
