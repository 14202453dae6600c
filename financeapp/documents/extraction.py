"""Generic rules that read an invoice's or receipt's fields from its text, each with a confidence.

The rules know the shapes of GST tax invoices (GSTINs, CGST/SGST/IGST lines, round-off, lakh
grouping `1,23,456.78`), US receipts (MM/DD/YYYY, sales tax) and UK/EU receipts (VAT, £, €). They
look for labelled values line by line; where several candidates compete (a "Total" in the item
table and a "Grand Total" below it), the arithmetic decides: the combination in which taxable
value + taxes + round-off = total wins, and every field in it gains confidence.

Money is Decimal throughout; confidences are whole per cents. Nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import product
from typing import Any

CENT = Decimal("0.01")
PAISA_TOLERANCE = Decimal("0.01")


@dataclass
class Found:
    """One field's value as read, how sure the rules are (0-100), and where it came from."""

    value: Any
    confidence: int
    raw: str = ""
    source: str = "rule"
    note: str = ""


@dataclass(frozen=True)
class TaxLine:
    kind: str  # CGST, SGST, UTGST, IGST, CESS, VAT, SALES_TAX
    rate: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class Item:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass
class Extraction:
    fields: dict[str, Found] = field(default_factory=dict)
    taxes: list[TaxLine] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    kind: str = "invoice"
    bank_details: str = ""

    def value(self, name: str) -> Any:
        found = self.fields.get(name)
        return found.value if found is not None else None


# -- amounts ----------------------------------------------------------------------------------------

# An amount: digits with comma groups (western 1,234,567.89 or Indian 12,34,567.89), a decimal
# point, optional sign or brackets. A trailing % makes it a rate, not an amount.
AMOUNT = re.compile(
    r"(?<![\w.,/])(?P<neg>[-(]\s?)?(?P<num>\d{1,3}(?:,\d{2,3})+|\d+)(?P<dec>[.,]\d{2})?(?P<close>\))?"
    r"(?![\w%/]|[.,]\d)"
)
EURO_AMOUNT = re.compile(r"(?<![\w.,])(?P<num>\d{1,3}(?:\.\d{3})+|\d+),(?P<dec>\d{2})(?![\w%]|[.,]\d)")


@dataclass(frozen=True)
class Amount:
    value: Decimal
    has_decimals: bool
    start: int
    text: str


def _grouping_ok(num: str) -> bool:
    groups = num.split(",")
    if len(groups) == 1:
        return True
    if len(groups[-1]) != 3:
        return False
    middle = groups[1:-1]
    return all(len(g) == 2 for g in middle) or all(len(g) == 3 for g in middle)


def amounts_in(line: str, *, decimal_comma: bool = False) -> list[Amount]:
    """Every amount on a line, in order; `decimal_comma` reads 1.234,56 (euro receipts)."""
    found: list[Amount] = []
    if decimal_comma:
        for match in EURO_AMOUNT.finditer(line):
            value = Decimal(match["num"].replace(".", "") + "." + match["dec"])
            found.append(Amount(value, True, match.start(), match.group(0)))
        if found:
            return found
    for match in AMOUNT.finditer(line):
        num, dec = match["num"], match["dec"] or ""
        if dec.startswith(","):
            if decimal_comma:
                dec = "." + dec[1:]
            else:
                continue  # "12,50" in a dot-decimal document is not an amount
        if not _grouping_ok(num):
            continue
        try:
            value = Decimal(num.replace(",", "") + dec)
        except InvalidOperation:
            continue
        if match["neg"] and (match["neg"].startswith("-") or match["close"]):
            value = -value
        found.append(Amount(value, bool(dec), match.start(), match.group(0)))
    return found


def last_money(line: str, *, decimal_comma: bool = False, after: int = 0) -> Amount | None:
    """The rightmost amount with decimals after position `after` (else the rightmost grouped integer)."""
    amounts = [a for a in amounts_in(line, decimal_comma=decimal_comma) if a.start >= after]
    with_decimals = [a for a in amounts if a.has_decimals]
    if with_decimals:
        return with_decimals[-1]
    grouped = [a for a in amounts if "," in a.text]
    return grouped[-1] if grouped else None


# -- text clean-up -----------------------------------------------------------------------------------

_OCR_DIGIT_FIXES = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "S": "5", "B": "8"})
_AMOUNTISH = re.compile(r"(?<![A-Za-z])[\dOoDlISB][\dOoDlISB,]*[.,][\dOoDlISB]{2}(?![A-Za-z\d])")


def clean_lines(text: str, *, ocr: bool) -> list[str]:
    """The non-empty lines, with OCR's usual slips inside amounts mended ("1,18O.0O" -> "1,180.00")."""
    lines = []
    for raw in text.splitlines():
        line = raw.replace("\u20b9", " Rs. ").replace("\u2014", "-").replace("\u2013", "-").replace("|", " ")
        line = re.sub(r"[ \t]+", " ", line).strip()
        line = re.sub(r"(Rs\.?|INR|\$|£|€)(?=\d)", r"\1 ", line)  # "Rs.106.21": the mark is not part of it
        if ocr:
            line = _AMOUNTISH.sub(lambda m: m.group(0).translate(_OCR_DIGIT_FIXES) if any(
                ch.isdigit() for ch in m.group(0)) else m.group(0), line)
            line = re.sub(r"(\d),\s(\d{2,3}\b)", r"\1,\2", line)  # "1, 180.00"
            line = re.sub(r"(\d,\d{2,3})\s,(\d{2,3}\b)", r"\1,\2", line)  # "4,41 ,090.60"
            line = re.sub(r"(\d)\s\.(\d{2})\b", r"\1.\2", line)  # "180 .00"
        if line:
            lines.append(line)
    return lines


# -- currency ------------------------------------------------------------------------------------------

_CURRENCY_HINTS = (
    ("INR", re.compile(r"\bRs\.?(?=\s|\d)|\bINR\b|\bRupees\b|\bGSTIN\b|\b[CSI]GST\b", re.I)),
    ("USD", re.compile(r"\$|\bUSD\b|\bsales tax\b", re.I)),
    ("EUR", re.compile(r"€|\bEUR\b|\bMwSt\b|\bTVA\b|\bIVA\b", re.I)),
    ("GBP", re.compile(r"£|\bGBP\b", re.I)),
)
_SYMBOLS = {"INR": re.compile(r"\bRs\.|\bINR\b|\u20b9"), "USD": re.compile(r"\$|\bUSD\b"),
            "EUR": re.compile(r"€|\bEUR\b"), "GBP": re.compile(r"£|\bGBP\b")}


def find_currency(text: str) -> Found | None:
    scores = {code: len(pattern.findall(text)) for code, pattern in _CURRENCY_HINTS}
    code = max(scores, key=lambda c: scores[c])
    if scores[code] == 0:
        return None
    sure = bool(_SYMBOLS[code].search(text))
    return Found(code, 92 if sure else 65, raw=code)


# -- dates ---------------------------------------------------------------------------------------------

MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")], start=1) for name in names}
_MONTH = r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"  # noqa: E501
DATE_PATTERNS = (
    ("ymd", re.compile(r"\b(?P<y>(?:19|20|21)\d{2})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\b")),
    ("numeric", re.compile(r"\b(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>(?:19|20|21)?\d{2})\b")),
    ("dmy_text", re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?[\s\-.]*" + _MONTH + r"\.?[\s\-.,']*(?P<y>\d{4}|\d{2})\b",
                            re.I)),
    ("mdy_text", re.compile(r"\b" + _MONTH + r"\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})\b", re.I)),
)


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def dates_in(line: str, *, day_first: bool) -> list[tuple[date, int, str]]:
    """Each date on a line with a confidence: lower when only the locale says which number is the day."""
    found: list[tuple[date, int, str]] = []
    for kind, pattern in DATE_PATTERNS:
        for match in pattern.finditer(line):
            confidence = 90
            if kind == "ymd":
                on = _make_date(int(match["y"]), int(match["m"]), int(match["d"]))
            elif kind == "numeric":
                a, b, year = int(match["a"]), int(match["b"]), _year(match["y"])
                if a > 12 >= b:
                    on = _make_date(year, b, a)
                elif b > 12 >= a:
                    on = _make_date(year, a, b)
                else:
                    on = _make_date(year, b, a) if day_first else _make_date(year, a, b)
                    confidence = 80 if a != b else 90
            else:
                on = _make_date(_year(match["y"]), MONTHS[match["mon"].lower()], int(match["d"]))
                confidence = 92
            if on is not None:
                found.append((on, confidence, match.group(0)))
    found.sort(key=lambda item: line.find(item[2]))
    return found


_DATE_LABELS = (
    (re.compile(r"\b(?:invoice|inv|bill|receipt|document|doc)\.?\s*date\b|\bdated\b", re.I), 0),
    (re.compile(r"(?<!due )(?<!order )(?<!delivery )(?<!supply )(?<!ack )\bdate\b", re.I), 5),
)
_NOT_INVOICE_DATE = re.compile(r"\b(?:due|order|delivery|supply|ack|expiry|valid|challan|po)\b\.?\s*(?:date|dt)", re.I)


def find_date(lines: list[str], *, day_first: bool) -> Found | None:
    """The document's date: a labelled invoice date first, then any "date", then the first date printed."""
    candidates: list[tuple[int, int, date, int, str]] = []
    for index, line in enumerate(lines):
        found = dates_in(line, day_first=day_first)
        if not found:
            continue
        rank = 20
        for pattern, label_rank in _DATE_LABELS:
            match = pattern.search(line)
            if match:
                on_line = [f for f in found if line.find(f[2]) > match.start()]
                if on_line and not (label_rank and _NOT_INVOICE_DATE.search(line[:line.find(on_line[0][2])])):
                    found, rank = on_line, label_rank
                    break
        if rank == 20 and _NOT_INVOICE_DATE.search(line):
            rank = 30
        on, confidence, raw = found[0]
        candidates.append((rank, index, on, confidence, raw))
    if not candidates:
        return None
    rank, _index, on, confidence, raw = min(candidates, key=lambda c: (c[0], c[1]))
    if rank >= 20:
        confidence -= 25
    return Found(on, confidence, raw=raw)


# -- GSTIN -------------------------------------------------------------------------------------------

GSTIN_TOKEN = re.compile(r"(?<![A-Z0-9])([0-9A-Z]{15})(?![A-Z0-9])")
_DIGITISH = set("0123456789OIlSBZDGQ")
_BUYER_WORDS = re.compile(r"\b(?:bill(?:ed)?\s*to|buyer|customer|recipient|ship(?:ped)?\s*to|consignee|sold\s*to|"
                          r"receiver|party|client)\b", re.I)
# "GSTIN", "GST No.", "GSTIN/UIN:" and the separators after it: where the value starts.
_GSTIN_LABEL = re.compile(r"GST(?:IN)?\b[^0-9A-Z]*(?:(?:NO|NUMBER|UIN)\b|#)?[^0-9A-Z]*")
_SELLER_WORDS = re.compile(r"\b(?:seller|supplier|sold\s*by|from|our\s*gstin|vendor)\b", re.I)


_GSTIN_TOKEN_16 = re.compile(r"(?<![A-Z0-9])([0-9A-Z]{16})(?![A-Z0-9])")


def _one_dropped(token: str) -> list[str]:
    return [token[:i] + token[i + 1:] for i in range(len(token))]


def looks_like_gstin(token: str) -> bool:
    """15 characters in the GSTIN's shape, allowing OCR's usual look-alikes in the digit places."""
    if len(token) != 15 or token[13] not in "Z27":
        return False
    digits = token[0:2] + token[7:11]
    return all(ch in _DIGITISH for ch in digits) and sum(ch.isdigit() for ch in token) >= 4


def find_gstins(lines: list[str]) -> tuple[Found | None, Found | None]:
    """(vendor GSTIN, buyer GSTIN): a GSTIN near "Bill to", "Buyer" or "Customer" is the buyer's."""
    seen: list[tuple[str, str]] = []
    for index, line in enumerate(lines):
        upper = line.upper()
        label = _GSTIN_LABEL.search(upper)
        if label:
            # OCR splits a GSTIN at a wide letter ("27AABFH0528K1 ZI"): close up the gaps after the label,
            # not between the label and the value ("Our GSTIN 29AB..." must not become "GSTIN29AB...").
            upper = upper[:label.end()] + re.sub(r"(?<=[0-9A-Z]) (?=[0-9A-Z])", "", upper[label.end():])
        tokens = [m for m in GSTIN_TOKEN.finditer(upper.replace(" :", ":")) if looks_like_gstin(m.group(1))]
        if label and not tokens:
            # OCR split one glyph in two ("0" as "O0", "Z" as "2Z"): a 16-character value after the label
            # goes to the GSTIN check, which repairs it only where exactly one reading passes.
            tokens = [m for m in _GSTIN_TOKEN_16.finditer(upper, label.start())
                      if any(looks_like_gstin(c) for c in _one_dropped(m.group(1)))][:1]
        for match in tokens:
            token = match.group(1)
            if any(token == t for t, _ in seen):
                continue
            before = line[: match.start()]
            context = " ".join(lines[max(0, index - 3): index]) + " " + before
            own = before if before.strip() else " ".join(lines[max(0, index - 1): index])
            if _SELLER_WORDS.search(own):
                role = "vendor"
            elif _BUYER_WORDS.search(own) or _BUYER_WORDS.search(context):
                role = "buyer"
            else:
                role = ""
            seen.append((token, role))
    vendor = next((t for t, role in seen if role == "vendor"), None)
    buyer = next((t for t, role in seen if role == "buyer"), None)
    unlabelled = [t for t, role in seen if not role]
    if vendor is None and unlabelled:
        vendor = unlabelled.pop(0)
    if buyer is None and unlabelled:
        buyer = unlabelled.pop(0)
    return (Found(vendor, 90, raw=vendor) if vendor else None,
            Found(buyer, 85, raw=buyer) if buyer else None)


# -- invoice number ----------------------------------------------------------------------------------

_NUMBER_LABELS = (
    re.compile(r"\b(?:tax\s*)?invoice\s*(?:no|number|num|#)\b\.?", re.I),
    re.compile(r"\binv\.?\s*(?:no|#)\b\.?", re.I),
    re.compile(r"\b(?:bill|receipt|document|doc|voucher|memo)\s*(?:no|number|num|#)\b\.?", re.I),
    re.compile(r"\b(?:receipt|invoice|ticket|trans(?:action)?|check|order)\s*#", re.I),
    re.compile(r"\b(?:order|ref(?:erence)?|transaction|trans)\s*(?:no|number|id)\b\.?", re.I),
)
_NUMBER_VALUE = re.compile(r"[\s.:#\-]*([A-Z0-9][A-Z0-9/_.\-]{0,40}[A-Z0-9]|[0-9])", re.I)


# A few digits after the number, then a label or the line's end: the number's own tail, cut off by OCR.
_SPLIT_TAIL = re.compile(r" (\d{1,3})(?= [A-Za-z]|$)")


def find_number(lines: list[str], *, day_first: bool, ocr: bool = False) -> Found | None:
    for rank, pattern in enumerate(_NUMBER_LABELS):
        for line in lines:
            for match in pattern.finditer(line):
                value = _NUMBER_VALUE.match(line, match.end())
                if not value:
                    continue
                token = value.group(1).rstrip(".-/")
                split = _SPLIT_TAIL.match(line, value.end()) if ocr and token[-1].isdigit() else None
                if split:
                    token += split.group(1)  # OCR broke the number at a wide gap: "INV/25-26/31 41"
                if not any(ch.isdigit() for ch in token) or dates_in(token, day_first=day_first):
                    continue
                if token.lower() in ("date", "dt"):
                    continue
                return Found(token, max(60, 90 - rank * 8), raw=token)
    return None


# -- vendor name -------------------------------------------------------------------------------------

_TITLE_LINE = re.compile(
    r"^(?:tax\s*invoice|invoice|receipt|sales\s*receipt|cash\s*memo|bill\s*of\s*supply|e-?invoice|"
    r"original(?:\s*for\s*recipient)?|duplicate|triplicate|copy|page\s*\d+|welcome|thank\s*you.*|"
    r"retail\s*invoice|cash\s*receipt|customer\s*copy|store\s*copy)\W*$", re.I)
_NOT_A_NAME = re.compile(r"\b(?:gstin|gst\s*no|pan|cin|phone|ph|tel|mobile|email|e-mail|www\.|http|road|rd\.|"
                         r"street|st\.|nagar|floor|invoice\s*no|date|state\s*code|pin)\b|@", re.I)
_COMPANY = re.compile(r"\b(?:pvt|private|ltd|limited|llp|inc|llc|corp|co\.|company|gmbh|plc|store|stores|mart|"
                      r"traders|enterprises|industries|solutions|services|cafe|café|restaurant|supermarket|"
                      r"pharmacy|foods|bakery|market|technologies|systems|agency|hotel|kitchen)\b", re.I)
_SELLER_LABEL = re.compile(r"^(?:seller|supplier|sold\s*by|from|vendor)\s*[:\-]\s*(.*)$", re.I)


def find_vendor(lines: list[str]) -> Found | None:
    for index, line in enumerate(lines[:40]):
        match = _SELLER_LABEL.match(line)
        if match:
            name = match.group(1).strip() or (lines[index + 1] if index + 1 < len(lines) else "")
            if name and not _NOT_A_NAME.search(name):
                return Found(name[:120], 85, raw=name)
    for line in lines[:8]:
        if _TITLE_LINE.match(line) or _NOT_A_NAME.search(line):
            continue
        letters = sum(ch.isalpha() for ch in line)
        if letters < 3 or letters < len(line) / 2:
            continue
        name = re.sub(r"\s+(?:tax\s*invoice|invoice|receipt)$", "", line, flags=re.I).strip(" -:*;,.'\"_~|")
        return Found(name[:120], 80 if _COMPANY.search(name) else 60, raw=line)
    return None


# -- totals, taxes, round-off ------------------------------------------------------------------------

_TOTAL_LABELS = (
    re.compile(r"\bgrand\s*total\b|\btotal\s*invoice\s*(?:value|amount)\b|\binvoice\s*(?:total|value)\b|"
               r"\b(?:total\s*)?amount\s*(?:payable|due)\b|\bnet\s*payable\b|\btotal\s*payable\b|\bbalance\s*due\b|"
               r"\btotal\s*due\b|\bamount\s*to\s*pay\b", re.I),
    re.compile(r"\btotal\s*amount\b|\bnet\s*amount\b|\btotal\b", re.I),
)
_NOT_TOTAL = re.compile(r"\bsub\s*-?\s*total\b|\btotal\s*(?:tax|gst|cgst|sgst|igst|vat|qty|quantity|items?|before|"
                        r"excl|discount|savings)\b|\btaxable\b|\bin\s*words\b|\bitems?\s*total\b|\bno\.?\s*of\b", re.I)
_SUBTOTAL_LABELS = re.compile(r"\bsub\s*-?\s*total\b|\btaxable\s*(?:value|amount)\b|\btotal\s*taxable\b|"
                              r"\b(?:total\s*)?amount\s*before\s*tax\b|\btotal\s*before\s*tax\b|\bnet\s*total\b|"
                              r"\btotal\s*excl", re.I)
_TAX_KINDS = (
    ("CGST", re.compile(r"\bC\.?GST\b", re.I)),
    ("SGST", re.compile(r"\bS\.?GST\b", re.I)),
    ("UTGST", re.compile(r"\bUTGST\b", re.I)),
    ("IGST", re.compile(r"\bI\.?GST\b", re.I)),
    ("CESS", re.compile(r"\bcess\b", re.I)),
    ("VAT", re.compile(r"\bVAT\b", re.I)),
    ("SALES_TAX", re.compile(r"\b(?:sales\s*)?tax\b", re.I)),
)
_NOT_TAX = re.compile(r"\btaxable\b|\btotal\s*(?:tax|gst)\b|\btax\s*(?:amount\s*)?in\s*words\b|\btax\s*invoice\b|"
                      r"\bgstin\b|\binclusive\b|\bincl\b|\bexcl|\breverse\s*charge\b|\btax\s*(?:rate|%)\s*$|"
                      r"\btax\s*id\b|\bvat\s*(?:no|reg|number)\b", re.I)
_TAX_TOTAL = re.compile(r"\btotal\s*(?:tax|gst)(?:\s*amount)?\b", re.I)
_RATE = re.compile(r"(\d{1,2}(?:\.\d{1,3})?)\s*%")
_ROUND_OFF = re.compile(r"\bround(?:ed|ing)?\s*-?\s*off\b|\brounding\b", re.I)


@dataclass(frozen=True)
class Candidate:
    amount: Decimal
    rank: int  # lower is a stronger label
    line: int
    raw: str


def _labelled(lines: list[str], label: re.Pattern, *, decimal_comma: bool, exclude: re.Pattern | None = None,
              rank: int = 0) -> list[Candidate]:
    found = []
    for index, line in enumerate(lines):
        match = label.search(line)
        if not match or (exclude is not None and exclude.search(line) and not _keeps_label(line, label, exclude)):
            continue
        amount = last_money(line, decimal_comma=decimal_comma, after=match.end())
        if amount is not None:
            found.append(Candidate(abs(amount.value), rank, index, amount.text))
    return found


def _keeps_label(line: str, label: re.Pattern, exclude: re.Pattern) -> bool:
    """Whether the line still has the label once the excluded words are taken out ("Sub Total ... Total")."""
    return bool(label.search(exclude.sub(" ", line)))


TAX_UNREAD = "a tax line is printed but its amount could not be read"
_INCLUDED = re.compile(r"\bin(?:c|k)lu", re.I)


@dataclass
class Taxes:
    lines: list[TaxLine]
    printed_total: Decimal | None
    unread: list[str]  # tax lines whose label was read but not their amount ("Sales Tax 7% ee")


def _unread_tax(line: str, label_end: int) -> bool:
    """A tax label followed by a rate or a little OCR noise, but no amount: the tax exists, its figure is lost.
    ("Prices include VAT" says nothing about an amount, so it is not one.)"""
    rest = line[label_end:]
    return not _INCLUDED.search(line) and (bool(_RATE.search(rest)) or len(rest.split()) <= 1)


def find_taxes(lines: list[str], *, decimal_comma: bool, currency: str | None) -> Taxes:
    """The tax lines (kind, rate, amount), a printed tax total, and tax lines whose amount was unreadable."""
    taxes: list[TaxLine] = []
    unread: list[str] = []
    printed_total = None
    for line in lines:
        if _TAX_TOTAL.search(line):
            amount = last_money(line, decimal_comma=decimal_comma, after=_TAX_TOTAL.search(line).end())
            if amount is not None:
                printed_total = abs(amount.value)
            continue
        if _NOT_TAX.search(line) or _SUBTOTAL_LABELS.search(line) or (
                _TOTAL_LABELS[1].search(line) and not re.search(r"^\s*(?:[CSI]GST|VAT|tax)", line, re.I)):
            continue
        for kind, pattern in _TAX_KINDS:
            match = pattern.search(line)
            if not match:
                continue
            amount = last_money(line, decimal_comma=decimal_comma, after=match.end())
            if amount is None:
                if _unread_tax(line, match.end()):
                    unread.append(line.strip()[:60])
                break
            rate_match = _RATE.search(line, match.end())
            rate = Decimal(rate_match.group(1)) if rate_match else None
            if kind == "SALES_TAX" and currency in ("GBP", "EUR"):
                kind = "VAT"
            tax = TaxLine(kind, rate, abs(amount.value))
            if tax not in taxes:
                taxes.append(tax)
            break
    return Taxes(taxes, printed_total, unread)


def _round_off(lines: list[str], *, decimal_comma: bool) -> Candidate | None:
    for index, line in enumerate(lines):
        match = _ROUND_OFF.search(line)
        if match:
            amount = last_money(line, decimal_comma=decimal_comma, after=match.end())
            if amount is not None and abs(amount.value) < 1:
                return Candidate(amount.value, 0, index, amount.text)
    return None


def _within_paisa(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= PAISA_TOLERANCE


def _fit_totals(subtotals: list[Candidate], totals: list[Candidate], tax_sum: Decimal | None,
                round_off: Candidate | None) -> tuple[Candidate | None, Candidate | None, Decimal | None, bool]:
    """The subtotal, total and signed round-off that add up; else the best-labelled ones. Last: whether they fit."""
    offs = [Decimal(0)] if round_off is None else [round_off.amount, -round_off.amount]
    if round_off is not None and round_off.amount == 0:
        offs = [Decimal(0)]
    taxes = tax_sum or Decimal(0)
    for total, sub, off in product(sorted(totals, key=lambda c: (c.rank, -c.line)), subtotals or [None], offs):
        if sub is not None and _within_paisa(sub.amount + taxes + off, total.amount) and sub.line < total.line + 1:
            return sub, total, off if round_off is not None else None, True
    if not subtotals and tax_sum is None and round_off is not None:
        pass
    best_total = min(totals, key=lambda c: (c.rank, -c.line)) if totals else None
    best_sub = min(subtotals, key=lambda c: (c.rank, -c.line)) if subtotals else None
    signed_off = None
    if round_off is not None:
        signed_off = round_off.amount
        if best_total is not None and best_sub is not None and round_off.amount > 0 and \
                best_sub.amount + taxes > best_total.amount:
            signed_off = -round_off.amount
    return best_sub, best_total, signed_off, False


# -- line items --------------------------------------------------------------------------------------

_ITEM = re.compile(
    r"^(?:\d{1,3}[.)]?\s+)?(?P<desc>[A-Za-z][^\d]*?(?:\s\S+)*?)\s+(?:(?P<hsn>\d{4,8})\s+)?"
    r"(?P<qty>\d+(?:\.\d{1,3})?)\s*(?:nos?|pcs|kg|units?|hrs?|x|@)?\s+(?:x\s+|@\s*)?"
    r"(?P<rate>\d{1,3}(?:,\d{2,3})*\.\d{2}|\d+\.\d{2})\s+(?:\d{1,2}(?:\.\d+)?\s*%\s+)?"
    r"(?P<amount>\d{1,3}(?:,\d{2,3})*\.\d{2}|\d+\.\d{2})$", re.I)


def find_items(lines: list[str]) -> list[Item]:
    """Rows where quantity times rate = amount: the only item rows the rules are sure of."""
    items = []
    for line in lines:
        match = _ITEM.match(line)
        if not match:
            continue
        quantity = Decimal(match["qty"])
        rate = Decimal(match["rate"].replace(",", ""))
        amount = Decimal(match["amount"].replace(",", ""))
        if quantity > 0 and _within_paisa((quantity * rate).quantize(CENT), amount):
            items.append(Item(match["desc"].strip()[:255], quantity, rate, amount))
    return items


_BANK = re.compile(r"\b(?:a/?c|account)\s*(?:no|number)?\.?\s*[:\-]?\s*(\d{9,18})\b.*?(?:\bIFSC\b\s*[:\-]?\s*"
                   r"([A-Z]{4}0[A-Z0-9]{6}))?", re.I)


def find_bank_details(lines: list[str]) -> str:
    """The payee's bank account (and IFSC) printed on an invoice, to notice when it changes."""
    text = " ".join(lines)
    match = _BANK.search(text)
    if not match:
        return ""
    ifsc = re.search(r"\bIFSC\b\s*(?:code)?\s*[:\-]?\s*([A-Z]{4}0[A-Z0-9]{6})", text, re.I)
    return f"{match.group(1)} {ifsc.group(1).upper() if ifsc else ''}".strip()


# -- the whole document ------------------------------------------------------------------------------


def _day_first(currency: str | None, text: str) -> bool:
    if currency == "USD":
        return False
    return not re.search(r"\bsales\s*tax\b", text, re.I) or currency in ("INR", "GBP", "EUR")


def extract(text: str, *, ocr: bool = False) -> Extraction:
    """Read the fields of one document's text (all pages, joined)."""
    lines = clean_lines(text, ocr=ocr)
    if ocr and len(re.findall(r"\d\.\d{2}\b", text)) > 2 * len(re.findall(r"\d,\d{2}(?![\d,])", text)):
        # A dot-decimal document: OCR read a point as a comma ("4,39"); 4,39 is no thousands grouping.
        lines = [re.sub(r"(?<=\d),(?=\d{2}(?![\d,]))", ".", line) for line in lines]
    joined = "\n".join(lines)
    result = Extraction()
    currency = find_currency(joined)
    code = currency.value if currency else None
    decimal_comma = code == "EUR" and bool(re.search(r"\d,\d{2}(?!\d)", joined)) and not re.search(
        r"\d\.\d{2}(?![\d.])", joined)
    day_first = _day_first(code, joined)
    if currency:
        result.fields["currency"] = currency
    for name, found in (("vendor", find_vendor(lines)),
                        ("invoice_number", find_number(lines, day_first=day_first, ocr=ocr)),
                        ("date", find_date(lines, day_first=day_first))):
        if found is not None:
            result.fields[name] = found
    vendor_gstin, buyer_gstin = find_gstins(lines)
    if vendor_gstin:
        result.fields["vendor_gstin"] = vendor_gstin
    if buyer_gstin:
        result.fields["buyer_gstin"] = buyer_gstin
    result.kind = "invoice" if (vendor_gstin or re.search(r"\binvoice\b", joined, re.I)) else "receipt"

    taxes = find_taxes(lines, decimal_comma=decimal_comma, currency=code)
    result.taxes = taxes.lines
    result.items = find_items(lines)
    tax_sum = sum((t.amount for t in result.taxes), Decimal(0)) if result.taxes else taxes.printed_total
    if taxes.unread and taxes.printed_total is None:
        tax_sum = None  # part of the tax is unknown: no sum of the readable part poses as the whole
    totals = [c for rank, label in enumerate(_TOTAL_LABELS)
              for c in _labelled(lines, label, decimal_comma=decimal_comma, exclude=_NOT_TOTAL, rank=rank)]
    subtotals = _labelled(lines, _SUBTOTAL_LABELS, decimal_comma=decimal_comma)
    if not subtotals and result.items:
        item_sum = sum((i.amount for i in result.items), Decimal(0))
        subtotals = [Candidate(item_sum, 5, -1, "items")]
    round_off = _round_off(lines, decimal_comma=decimal_comma)
    sub, total, off, fits = _fit_totals(subtotals, totals, tax_sum, round_off)
    bonus = 8 if fits else -15 if (sub is not None and total is not None) else 0
    if total is not None:
        base = 88 if total.rank == 0 else 72
        result.fields["total"] = Found(total.amount, _clip(base + bonus), raw=total.raw)
    if sub is not None:
        result.fields["subtotal"] = Found(sub.amount, _clip(80 + bonus), raw=sub.raw)
    if tax_sum is not None:
        result.fields["tax"] = Found(tax_sum, _clip(80 + bonus), raw=str(tax_sum))
    elif taxes.unread:
        result.fields["tax"] = Found(None, 0, raw=taxes.unread[0], note=TAX_UNREAD)
    if off is not None:
        result.fields["round_off"] = Found(off, _clip(75 + bonus), raw=round_off.raw if round_off else "")
    result.bank_details = find_bank_details(lines)
    if ocr:
        for found in result.fields.values():
            found.confidence = _clip(found.confidence - 5)
    return result


def _clip(value: int) -> int:
    return max(0, min(99, value))
