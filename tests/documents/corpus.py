"""A generated corpus of invoices and receipts with their true fields, from a seed (deterministic).

Kinds, each rendered by us so the truth is known exactly:

- ``text_pdf``: GST tax invoices (CGST+SGST within a state, IGST across states) with a text layer,
  in several layouts, date styles, label words and currency marks; some carry an e-invoice QR;
- ``scan_png`` / ``scan_pdf``: the same kind of invoice rasterised at 150 dpi with a little noise and
  skew, as a PNG and as an image-only PDF;
- ``receipt_clean`` / ``receipt_photo``: till receipts (US, UK, EU, Indian), as a clean image and as a
  phone photo: on a background, rotated 0.5-3.5°, blurred, noisy, unevenly lit, JPEG-compressed.

Planted in every kind: wrong GSTIN check characters, totals that do not add up, and re-uploads
(the same file again, or a new scan/photo of a document already in the set). `Sample.truth` says
what extraction should read and which checks should fire.
"""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from PIL import Image, ImageFilter
from stdnum import luhn

KINDS = ("text_pdf", "scan_png", "scan_pdf", "receipt_clean", "receipt_photo")
REFERENCE_DAY = date(2026, 4, 1)  # "today" for the checks: every generated date is before it
GSTIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CENT = Decimal("0.01")
# Look-alikes OCR confuses: a planted wrong check character is never one of these for the right one,
# so a "wrong" GSTIN is not one OCR could have produced from the right one.
LOOKALIKES = {"0": "OQD", "O": "0QD", "1": "IL7", "I": "1L", "5": "S", "S": "5", "8": "B", "B": "8", "2": "Z",
              "Z": "2", "6": "G", "G": "6"}

VENDOR_NAMES = [
    "Sharma Traders Pvt Ltd", "Kaveri Office Supplies", "Bluewave Technologies LLP", "Annapurna Foods Pvt Ltd",
    "Deccan Steel Industries", "Lotus Print Solutions", "Himalaya Paper Mart", "Coastal Logistics Services",
    "Ganesh Electricals & Co.", "Sunrise Hardware Stores", "Indus Cloud Systems Pvt Ltd", "Meera Textiles",
]
STATES = ["27", "29", "07", "33", "24", "19"]
ITEMS = ["A4 Copier Paper 75 GSM", "Toner Cartridge 88A", "Office Chair Mesh", "LED Panel 18W", "Steel Rod 12mm",
         "Printing Charges", "Cloud Hosting Plan", "Courier Charges", "Copper Wire 2.5 sq mm", "Cotton Fabric",
         "Hand Sanitiser 500ml", "Network Switch 24 Port", "Whiteboard Markers", "Annual Maintenance"]
RECEIPT_SHOPS = {
    "USD": ["Corner Market", "Blue Bottle Cafe", "Walgreens Pharmacy", "Hometown Hardware", "Sunset Diner"],
    "GBP": ["Tesco Express", "Pret A Manger", "Boots Pharmacy", "The Kings Arms"],
    "EUR": ["Cafe Central", "Bio Markt", "Librairie du Parc"],
    "INR": ["Haldiram Restaurant", "Chai Point Cafe", "Apollo Pharmacy"],
}
RECEIPT_ITEMS = ["Coffee", "Bagel", "Milk 1L", "Bread", "Bananas", "Sandwich", "Water", "Batteries AA", "Notebook",
                 "Tea", "Muffin", "Soup", "Salad", "Pens", "Tape"]


def gstin_check(first14: str) -> str:
    return luhn.calc_check_digit(first14, GSTIN_ALPHABET)


def make_gstin(rng: random.Random, state: str) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    pan = "".join(rng.choice(letters) for _ in range(3)) + rng.choice("CPFH") + rng.choice(letters) \
        + "".join(rng.choice("0123456789") for _ in range(4)) + rng.choice(letters)
    first14 = state + pan + rng.choice("123") + "Z"
    return first14 + gstin_check(first14)


def spoil_check(rng: random.Random, gstin: str) -> str:
    """The GSTIN with a wrong check character that is no look-alike of the right one."""
    right = gstin[-1]
    choices = [c for c in GSTIN_ALPHABET if c != right and c not in LOOKALIKES.get(right, "")]
    return gstin[:-1] + rng.choice(choices)


def indian(amount: Decimal) -> str:
    """1,23,456.78"""
    sign = "-" if amount < 0 else ""
    whole, frac = f"{abs(amount):.2f}".split(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        whole = ",".join([*groups, tail])
    return f"{sign}{whole}.{frac}"


def western(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Truth:
    vendor: str
    vendor_gstin: str | None
    buyer_gstin: str | None
    gstin_valid: bool | None
    number: str
    on: date
    currency: str
    subtotal: Decimal | None
    tax: Decimal | None
    round_off: Decimal | None
    total: Decimal
    consistent: bool = True  # the printed figures add up
    duplicate_of: int | None = None  # index of the earlier sample this one repeats


@dataclass
class Sample:
    index: int
    kind: str
    name: str
    content: bytes
    truth: Truth
    pages: int = 1
    tags: list[str] = field(default_factory=list)

    @property
    def planted(self) -> bool:
        return (not self.truth.consistent or self.truth.gstin_valid is False
                or self.truth.duplicate_of is not None)


# -- invoices as PDFs ----------------------------------------------------------------------------------

@dataclass
class InvoiceSpec:
    vendor: str
    vendor_gstin: str
    vendor_state: str
    buyer: str
    buyer_gstin: str
    number: str
    on: date
    items: list[tuple[str, str, Decimal, Decimal]]  # description, HSN, quantity, rate
    gst_rate: Decimal
    layout: int
    date_style: int
    mark: str  # "Rs. ", "INR ", ""
    wrong_total: Decimal = Decimal(0)
    qr: bool = False
    bank: str = ""

    @property
    def intra(self) -> bool:
        return self.vendor_gstin[:2] == self.buyer_gstin[:2]

    def figures(self) -> dict[str, Decimal]:
        taxable = sum((money(q * r) for _d, _h, q, r in self.items), Decimal(0))
        if self.intra:
            half = money(taxable * self.gst_rate / 200)
            taxes = {"CGST": half, "SGST": half}
        else:
            taxes = {"IGST": money(taxable * self.gst_rate / 100)}
        exact = taxable + sum(taxes.values())
        rounded = exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return {"taxable": taxable, **taxes, "round_off": rounded - exact, "total": rounded + self.wrong_total}


DATE_STYLES = ("%d-%m-%Y", "%d/%m/%Y", "%d %b %Y", "%d-%b-%Y", "%d.%m.%Y")
NUMBER_LABELS = ("Invoice No:", "Invoice No.", "Invoice #", "Bill No:", "Tax Invoice No:")
TOTAL_LABELS = ("Grand Total", "Total Amount Payable", "Invoice Total", "Grand Total (INR)")


def _jwt(spec: InvoiceSpec, total: Decimal) -> str:
    import jwt

    payload = {"data": json.dumps({
        "SellerGstin": spec.vendor_gstin, "BuyerGstin": spec.buyer_gstin, "DocNo": spec.number, "DocTyp": "INV",
        "DocDt": spec.on.strftime("%d/%m/%Y"), "TotInvVal": float(total), "ItemCnt": len(spec.items),  # float ok
        "MainHsnCode": spec.items[0][1], "Irn": f"{abs(hash(spec.number)):064x}"[:64], "IrnDt": "2025-04-01"}),
        "iss": "NIC"}
    return jwt.encode(payload, "generated-test-key-not-the-irp-key-32b", algorithm="HS256")


def render_invoice(spec: InvoiceSpec) -> bytes:
    """A one-page GST tax invoice with a text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    width, height = A4
    figures = spec.figures()
    mark = spec.mark
    y = height - 50

    def text(x: float, line: str, size: int = 10, bold: bool = False, right: bool = False) -> None:
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        if right:
            pdf.drawRightString(x, y, line)
        else:
            pdf.drawString(x, y, line)

    if spec.layout == 1:
        text(width / 2 - 40, "TAX INVOICE", 14, bold=True)
        y -= 28
    text(40, spec.vendor, 15, bold=True)
    if spec.layout != 1:
        text(width - 40, "TAX INVOICE", 13, bold=True, right=True)
    y -= 16
    text(40, f"{10 + len(spec.vendor)} Industrial Estate, Phase {spec.layout + 1}")
    y -= 14
    text(40, f"GSTIN: {spec.vendor_gstin}" if spec.layout != 2 else f"Our GSTIN {spec.vendor_gstin}")
    y -= 14
    text(40, f"State Code: {spec.vendor_state}  Phone: +91 98{spec.layout}00 1{len(spec.items)}345")
    y -= 28
    number_label = NUMBER_LABELS[spec.layout % len(NUMBER_LABELS)]
    date_text = spec.on.strftime(DATE_STYLES[spec.date_style])
    date_label = "Invoice Date:" if spec.layout % 2 == 0 else "Date:"
    text(40, f"{number_label} {spec.number}", bold=True)
    text(width - 40, f"{date_label} {date_text}", right=True)
    y -= 14
    text(width - 40, f"Due Date: {(spec.on + timedelta(days=30)).strftime(DATE_STYLES[spec.date_style])}",
         right=True)
    text(40, f"Place of Supply: {spec.buyer_gstin[:2]}")
    y -= 26
    text(40, "Bill To:", bold=True)
    y -= 14
    text(40, spec.buyer)
    y -= 14
    text(40, f"GSTIN: {spec.buyer_gstin}")
    y -= 28
    columns = (40, 250, 310, 360, 450, width - 40)
    for x, head in zip(columns, ("Description", "HSN", "Qty", "Rate", "Amount"), strict=False):
        text(x, head, bold=True)
    text(columns[-1], "Amount", bold=True, right=True)
    y -= 16
    for number, (description, hsn, quantity, rate) in enumerate(spec.items, start=1):
        text(columns[0], f"{number}. {description}"[:36])
        text(columns[1], hsn)
        text(columns[2], f"{quantity}")
        text(columns[3], indian(rate))
        text(columns[-1], indian(money(quantity * rate)), right=True)
        y -= 14
    y -= 12
    rows = [("Taxable Value" if spec.layout != 3 else "Sub Total", figures["taxable"])]
    half = (spec.gst_rate / 2).normalize()
    if spec.intra:
        rows += [(f"CGST @ {half}%", figures["CGST"]), (f"SGST @ {half}%", figures["SGST"])]
    else:
        rows += [(f"IGST @ {spec.gst_rate.normalize()}%", figures["IGST"])]
    if figures["round_off"]:
        rows.append(("Round Off", figures["round_off"]))
    rows.append((TOTAL_LABELS[spec.layout % len(TOTAL_LABELS)], figures["total"]))
    for label, amount in rows:
        bold = label in TOTAL_LABELS
        text(340, label, bold=bold)
        text(width - 40, f"{mark}{indian(amount)}", bold=bold, right=True)
        y -= 15
    y -= 12
    text(40, "Amount in words: Rupees as per total above only")
    if spec.bank:
        y -= 14
        text(40, f"Bank: A/c No. {spec.bank}")
    if spec.qr:
        from reportlab.graphics import renderPDF
        from reportlab.graphics.barcode.qr import QrCodeWidget
        from reportlab.graphics.shapes import Drawing

        widget = QrCodeWidget(_jwt(spec, figures["total"]), barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        size = 130
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, width - 40 - size, 60)
    pdf.setFont("Helvetica", 8)
    pdf.drawString(40, 40, "This is a computer generated invoice.")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def rasterise(pdf_bytes: bytes, dpi: int) -> Image.Image:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        page = pdf[0]
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        page.close()
        return image
    finally:
        pdf.close()


def _noise(image: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    array = np.asarray(image, dtype=np.int16)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, sigma, array.shape)
    return Image.fromarray(np.clip(array + noise, 0, 255).astype(np.uint8))


def scan(pdf_bytes: bytes, rng: random.Random) -> Image.Image:
    """A 150-dpi scan: slightly skewed, a little noise."""
    image = rasterise(pdf_bytes, 150)
    image = image.rotate(rng.uniform(-0.8, 0.8), resample=Image.Resampling.BICUBIC, fillcolor=255)
    return _noise(image, rng, 6)


def photo(pdf_bytes: bytes, rng: random.Random) -> Image.Image:
    """A phone photo of a receipt: background, tilt, blur, noise, uneven light."""
    paper = rasterise(pdf_bytes, rng.choice((170, 190, 210))).convert("L")
    margin = 80
    canvas = Image.new("L", (paper.width + 2 * margin, paper.height + 2 * margin), rng.randrange(70, 120))
    canvas.paste(paper, (margin + rng.randrange(-20, 20), margin + rng.randrange(-20, 20)))
    canvas = canvas.rotate(rng.choice((-1, 1)) * rng.uniform(0.5, 3.5), resample=Image.Resampling.BICUBIC,
                           fillcolor=rng.randrange(70, 120))
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0)))
    array = np.asarray(canvas, dtype=np.float32)
    ramp = np.linspace(rng.uniform(0.75, 0.9), 1.0, array.shape[1], dtype=np.float32)
    array = array * (ramp if rng.random() < 0.5 else ramp[::-1])[None, :]
    canvas = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    return _noise(canvas, rng, rng.uniform(6, 12))


def image_bytes(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


# -- receipts ------------------------------------------------------------------------------------------

@dataclass
class ReceiptSpec:
    shop: str
    currency: str
    number: str
    on: date
    items: list[tuple[str, int, Decimal]]
    tax_rate: Decimal
    wrong_total: Decimal = Decimal(0)
    gstin: str | None = None

    def figures(self) -> dict[str, Decimal]:
        subtotal = sum((money(q * p) for _n, q, p in self.items), Decimal(0))
        tax = money(subtotal * self.tax_rate / 100)
        return {"subtotal": subtotal, "tax": tax, "total": subtotal + tax + self.wrong_total}


SYMBOL = {"USD": "$", "GBP": "£", "EUR": "€", "INR": "Rs."}
RECEIPT_DATE = {"USD": "%m/%d/%Y", "GBP": "%d/%m/%Y", "EUR": "%d.%m.%Y", "INR": "%d-%m-%Y"}
TAX_LABEL = {"USD": "Sales Tax", "GBP": "VAT", "EUR": "VAT", "INR": "GST"}


def render_receipt(spec: ReceiptSpec) -> bytes:
    """A till receipt, 80 mm wide."""
    from reportlab.pdfgen import canvas

    width = 240
    lines = 14 + len(spec.items)
    height = 60 + lines * 17
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(width, height), invariant=1)
    y = height - 30
    symbol = SYMBOL[spec.currency]
    # Helvetica has no rupee, pound or euro in every build: £ and € are in WinAnsi, which reportlab uses.
    figures = spec.figures()

    def row(left: str, right: str = "", size: int = 10, bold: bool = False) -> None:
        nonlocal y
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        pdf.drawString(14, y, left)
        if right:
            pdf.drawRightString(width - 14, y, right)
        y -= 17

    pdf.setFont("Helvetica-Bold", 13)
    pdf.drawCentredString(width / 2, y, spec.shop)
    y -= 17
    row("12 High Street")
    if spec.gstin:
        row(f"GSTIN: {spec.gstin}")
    row(f"Date: {spec.on.strftime(RECEIPT_DATE[spec.currency])}", "10:42")
    row(f"Receipt No: {spec.number}")
    y -= 4
    for name, quantity, price in spec.items:
        label = f"{name} x{quantity}" if quantity > 1 else name
        row(label, f"{money(quantity * price):.2f}")
    y -= 4
    row("Subtotal", f"{symbol}{figures['subtotal']:.2f}")
    if spec.currency == "INR":
        half = money(figures["subtotal"] * spec.tax_rate / 200)
        row(f"CGST {(spec.tax_rate / 2).normalize()}%", f"{half:.2f}")
        row(f"SGST {(spec.tax_rate / 2).normalize()}%", f"{figures['tax'] - half:.2f}")
    else:
        row(f"{TAX_LABEL[spec.currency]} {spec.tax_rate.normalize()}%", f"{figures['tax']:.2f}")
    row("TOTAL", f"{symbol}{figures['total']:.2f}", size=12, bold=True)
    row("Card", f"{figures['total']:.2f}")
    row("Thank you for shopping!")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


# -- the corpus ----------------------------------------------------------------------------------------

def _invoice_spec(rng: random.Random, vendors: list[tuple[str, str, str]], buyer_gstin: str, serial: int
                  ) -> InvoiceSpec:
    vendor, gstin, state = rng.choice(vendors)
    big = rng.random() < 0.3
    items = []
    for _ in range(rng.randint(1, 5)):
        rate = Decimal(rng.randint(2_000, 90_000 if big else 9_000)) / Decimal(10 if rng.random() < 0.5 else 1)
        items.append((rng.choice(ITEMS), str(rng.choice((4802, 8443, 9403, 8539, 7214, 9983, 8544, 5208, 3808))),
                      Decimal(rng.randint(1, 12)), money(rate)))
    prefix = rng.choice(("INV", "SI", "GST", "TI"))
    number = rng.choice((f"{prefix}/25-26/{serial:04d}", f"{prefix}-{serial:05d}", f"{serial:06d}",
                         f"{prefix}{2500 + serial}"))
    on = REFERENCE_DAY - timedelta(days=rng.randint(5, 300))
    return InvoiceSpec(vendor=vendor, vendor_gstin=gstin, vendor_state=state, buyer="Acme Retail Pvt Ltd",
                       buyer_gstin=buyer_gstin, number=number, on=on, items=items,
                       gst_rate=Decimal(rng.choice((5, 12, 18, 18, 28))), layout=rng.randrange(4),
                       date_style=rng.randrange(len(DATE_STYLES)), mark=rng.choice(("Rs. ", "INR ", "")),
                       qr=rng.random() < 0.2,
                       bank=f"{rng.randrange(10**11, 10**12)} IFSC HDFC0{rng.randrange(10**5, 10**6)}")


def _invoice_truth(spec: InvoiceSpec, printed_gstin: str) -> Truth:
    f = spec.figures()
    tax = sum((f[k] for k in ("CGST", "SGST", "IGST") if k in f), Decimal(0))
    return Truth(vendor=spec.vendor, vendor_gstin=printed_gstin, buyer_gstin=spec.buyer_gstin,
                 gstin_valid=printed_gstin == spec.vendor_gstin, number=spec.number, on=spec.on, currency="INR",
                 subtotal=f["taxable"], tax=tax, round_off=f["round_off"] or None, total=f["total"],
                 consistent=spec.wrong_total == 0)


def _receipt_spec(rng: random.Random, serial: int) -> ReceiptSpec:
    currency = rng.choice(("USD", "USD", "GBP", "EUR", "INR"))
    items = [(rng.choice(RECEIPT_ITEMS), rng.choice((1, 1, 1, 2, 3)), money(Decimal(rng.randint(99, 2499)) / 100))
             for _ in range(rng.randint(2, 6))]
    rate = {"USD": Decimal(rng.choice(("6.25", "8.875", "7"))), "GBP": Decimal(20), "EUR": Decimal(rng.choice((19, 7))),
            "INR": Decimal(5)}[currency]
    gstin = None
    if currency == "INR":
        first14 = rng.choice(STATES) + "AAB" + rng.choice("CF") + "H" + f"{rng.randrange(10**4):04d}" + "K1Z"
        gstin = first14 + gstin_check(first14)
    return ReceiptSpec(shop=rng.choice(RECEIPT_SHOPS[currency]), currency=currency,
                       number=f"{rng.randrange(1000, 9999)}-{serial:04d}",
                       on=REFERENCE_DAY - timedelta(days=rng.randint(1, 200)), items=items, tax_rate=rate, gstin=gstin)


def _receipt_truth(spec: ReceiptSpec) -> Truth:
    f = spec.figures()
    return Truth(vendor=spec.shop, vendor_gstin=spec.gstin, buyer_gstin=None, gstin_valid=True if spec.gstin else None,
                 number=spec.number, on=spec.on, currency=spec.currency, subtotal=f["subtotal"], tax=f["tax"],
                 round_off=None, total=f["total"], consistent=spec.wrong_total == 0)


def generate(seed: int, per_kind: dict[str, int] | None = None, *, duplicates: int = 2) -> list[Sample]:
    """The corpus for one seed: `per_kind` originals of each kind (default 24 invoices, 16 receipts) plus,
    per kind, `duplicates` re-uploads of earlier samples of that kind (half the same file, half a new render)."""
    rng = random.Random(seed)
    counts = {"text_pdf": 24, "scan_png": 16, "scan_pdf": 16, "receipt_clean": 16, "receipt_photo": 16}
    counts.update(per_kind or {})
    vendors = []
    for name in VENDOR_NAMES:
        state = rng.choice(STATES)
        vendors.append((name, make_gstin(rng, state), state))
    buyer_gstin = make_gstin(rng, "27")
    samples: list[Sample] = []
    serial = 100 + seed * 1000
    for kind in KINDS:
        first = len(samples)
        specs: list[InvoiceSpec | ReceiptSpec] = []
        for n in range(counts[kind]):
            serial += 1
            plant = rng.random()
            if kind.startswith("receipt"):
                spec: InvoiceSpec | ReceiptSpec = _receipt_spec(rng, serial)
                if plant < 0.12:
                    spec.wrong_total = money(Decimal(rng.randint(100, 900)) / 100)
                truth = _receipt_truth(spec)
            else:
                spec = _invoice_spec(rng, vendors, buyer_gstin, serial)
                printed = spec.vendor_gstin
                if plant < 0.12:
                    spec.wrong_total = Decimal(rng.randint(10, 500))
                elif plant < 0.24:
                    printed = spoil_check(rng, spec.vendor_gstin)
                spec.vendor_gstin, real = printed, spec.vendor_gstin
                truth = _invoice_truth(spec, printed)
                truth.gstin_valid = printed == real
            specs.append(spec)
            samples.append(_render(kind, spec, truth, len(samples), rng, f"{kind}-{n + 1:03d}"))
        for d in range(duplicates if counts[kind] >= 2 else 0):
            original = samples[first + rng.randrange(counts[kind])]
            if original.truth.duplicate_of is not None:
                continue
            truth = Truth(**{**original.truth.__dict__, "duplicate_of": original.index})
            if d % 2 == 0 or kind in ("text_pdf",):
                sample = Sample(len(samples), kind, f"{kind}-again-{d + 1}{_suffix(original.name)}", original.content,
                                truth, tags=["same-file"])
            else:
                sample = _render(kind, specs[original.index - first], truth, len(samples), rng,
                                 f"{kind}-rescan-{d + 1}")
                sample.tags.append("new-render")
            samples.append(sample)
    return samples


def _suffix(name: str) -> str:
    return name[name.rfind("."):]


def _render(kind: str, spec: InvoiceSpec | ReceiptSpec, truth: Truth, index: int, rng: random.Random,
            stem: str) -> Sample:
    if isinstance(spec, InvoiceSpec):
        pdf = render_invoice(spec)
        if kind == "text_pdf":
            return Sample(index, kind, f"{stem}.pdf", pdf, truth, tags=["qr"] if spec.qr else [])
        image = scan(pdf, rng)
        if kind == "scan_png":
            return Sample(index, kind, f"{stem}.png", image_bytes(image, "PNG", optimize=False), truth)
        return Sample(index, kind, f"{stem}.pdf", image_bytes(image, "PDF", resolution=150.0), truth)
    pdf = render_receipt(spec)
    if kind == "receipt_clean":
        return Sample(index, kind, f"{stem}.png", image_bytes(rasterise(pdf, 200), "PNG"), truth)
    return Sample(index, kind, f"{stem}.jpg", image_bytes(photo(pdf, rng), "JPEG", quality=rng.randrange(65, 85)),
                  truth)


def one_invoice(seed: int, *, wrong_total: int = 0, spoil_gstin: bool = False, qr: bool = False,
                serial: int = 1) -> tuple[InvoiceSpec, bytes, Truth]:
    """One text-layer GST invoice for a test: its spec, PDF bytes and truth."""
    rng = random.Random(seed)
    vendors = [(VENDOR_NAMES[seed % len(VENDOR_NAMES)], make_gstin(rng, "27"), "27")]
    spec = _invoice_spec(rng, vendors, make_gstin(rng, rng.choice(("27", "29"))), serial)
    spec.qr, spec.wrong_total = qr, Decimal(wrong_total)
    printed = spoil_check(rng, spec.vendor_gstin) if spoil_gstin else spec.vendor_gstin
    real, spec.vendor_gstin = spec.vendor_gstin, printed
    truth = _invoice_truth(spec, printed)
    truth.gstin_valid = printed == real
    return spec, render_invoice(spec), truth


def one_scan(seed: int) -> tuple[bytes, Truth]:
    """One 150-dpi scan (PNG) of a generated invoice."""
    _spec, pdf, truth = one_invoice(seed)
    return image_bytes(scan(pdf, random.Random(seed)), "PNG"), truth


def one_photo(seed: int) -> tuple[bytes, Truth]:
    """One phone photo (JPEG) of a generated receipt."""
    rng = random.Random(seed)
    spec = _receipt_spec(rng, seed)
    return image_bytes(photo(render_receipt(spec), rng), "JPEG", quality=75), _receipt_truth(spec)
