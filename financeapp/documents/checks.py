"""The checks on a read document, each one explained: a flag carries a reason in words, never a silent reject.

- GSTIN structure and check character (python-stdnum). On OCR'd text a character that breaks the
  structure (an O where a digit must be, a 0 where a letter must be) is mended only when exactly one
  mended GSTIN passes the check character; the field is then marked "corrected". A GSTIN that is
  well-formed but fails its check character is never "mended": that is what a wrong GSTIN looks like.
- Arithmetic: taxable value + taxes + round-off = total, within a paisa (a cent).
- Duplicates: the same file; the same vendor (or GSTIN) and invoice number; an image that looks the
  same (perceptual hash) without a contradicting number or total; the same vendor and amount within 3 days.
- Dates in the future or more than two years old; an amount far above the vendor's history; fields
  read with low confidence.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import product

import sqlalchemy as sa

from financeapp.core.money import format_money
from financeapp.documents.extraction import TAX_UNREAD
from financeapp.documents.models import Document
from financeapp.extensions import db

PAISA = Decimal("0.01")
DUPLICATE_DAYS = 3
OLD_AFTER = timedelta(days=730)
UNUSUAL_FACTOR = Decimal(3)  # a total above 3 times the vendor's average ...
UNUSUAL_MIN_HISTORY = 3  # ... once the vendor has at least this many earlier documents
PHASH_DISTANCE = 6  # bits of 256 that may differ for two images to count as the same page
LOW_CONFIDENCE = 50
KEY_FIELDS = ("vendor", "date", "total")
UNCERTAIN_GSTIN = "is uncertain"  # the start of a GSTIN field's note when OCR left it unsure (GstinCheck.could_be)

# Characters OCR mistakes for one another; the structure says which one a position needs.
_AS_DIGIT = {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5", "B": "8", "Z": "2", "G": "6", "T": "7"}
_AS_LETTER = {v: k for k, v in (("O", "0"), ("I", "1"), ("S", "5"), ("B", "8"), ("Z", "2"), ("G", "6"))}
_AMBIGUOUS = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5", "8": "B", "B": "8", "2": "Z", "Z": "2"}
# How much guessing one repair may do. Each guess is one the check character then has to confirm, and a
# one-in-36 check confirms a wrong guess often enough once guesses multiply: with a forced fix plus a
# free swap, an invalid GSTIN (its check character wrong) was seen "repaired" into a valid-looking one.
# A free swap (where the GSTIN allows a letter or a digit) or a dropped split character is a whole guess;
# a forced fix (a letter where the structure demands a digit, or the reverse) half of one, since the
# structure already says the character is wrong and only its look-alike is assumed.
MAX_REPAIRS = 1
_DIGIT_PLACES = {0, 1, 7, 8, 9, 10}
_LETTER_PLACES = {2, 3, 4, 5, 6, 11}


@dataclass(frozen=True)
class GstinCheck:
    value: str
    valid: bool
    corrected: bool = False
    reason: str = ""
    # The one valid GSTIN that more than MAX_REPAIRS look-alike changes would make of it: too many guesses
    # to accept, too likely to call the GSTIN invalid. The document then asks for a check by hand.
    could_be: str = ""


def gstin_is_valid(value: str) -> bool:
    from stdnum.in_ import gstin

    return bool(gstin.is_valid(value))


def check_gstin(raw: str, *, ocr: bool, known: Collection[str] = ()) -> GstinCheck:
    """Whether a GSTIN is valid; on OCR'd text, the one repair of look-alike characters that makes it so,
    else the one GSTIN `known` from earlier documents that it differs from by one character (never the
    check character: a wrong check character is what a wrong GSTIN looks like). A repair of more than
    MAX_REPAIRS characters is only taken when `known` confirms it; otherwise it is `could_be`: neither
    valid nor declared invalid, and the document asks for a check by hand."""
    from stdnum.in_ import gstin

    value = re.sub(r"[\s\-.]", "", raw or "").upper()
    could_be = ""
    if gstin_is_valid(value):
        return GstinCheck(value, True)
    if ocr and len(value) in (15, 16):
        passing = {c for c in _repairs(value) if gstin_is_valid(c)}
        found = {c for c in passing if _changes(value, c) <= MAX_REPAIRS}
        if len(found) == 1:
            mended = found.pop()
            return GstinCheck(mended, True, corrected=True,
                              reason=f"Read as {value}; OCR look-alike characters corrected to {mended}.")
        far = passing - found if not found else set()
        if len(far) == 1:
            mended = far.pop()
            if mended in known:  # a GSTIN already seen in the workspace confirms the guesses
                return GstinCheck(mended, True, corrected=True,
                                  reason=f"Read as {value}; OCR look-alike characters corrected to {mended}, "
                                         "seen on earlier documents.")
            could_be = mended
        if len(value) == 16:
            # No drop of a split character gives a valid GSTIN: keep the one 15-character reading that has
            # the GSTIN's shape (so the flag names the GSTIN as printed), if there is exactly one.
            # A look-alike pair ("O0") is the likelier split than a repeated character (PANs repeat letters).
            for drops in (_dropped(value, repeats=False), _dropped(value)):
                shapes = {c for c in map(_shaped, drops) if _STRUCTURE.match(c)}
                if shapes:
                    if len(shapes) == 1:
                        value = shapes.pop()
                    break
        shaped = _shaped(value) if len(value) == 15 else value
        # (A 16-character reading no drop could shape is compared with nothing: it stays as read.)
        seen = [k for k in known if len(k) == 15 == len(shaped) and _one_slip(shaped, k)]
        if len(seen) == 1:
            return GstinCheck(seen[0], True, corrected=True,
                              reason=f"Read as {value}; one character from {seen[0]}, seen on earlier documents.")
        if shaped != value and not gstin_is_valid(shaped):
            # Only what the structure itself demands (a digit or a letter in that place) is mended; the
            # GSTIN stays invalid and is flagged, but shows as it was printed, not as OCR misread it. (A
            # shaped GSTIN that passes while other readings pass too stays as read: that is no one repair.)
            value = shaped
    try:
        gstin.validate(value)
    except gstin.InvalidChecksum:
        why = "its check character is wrong"
    except gstin.InvalidLength:
        why = f"it has {len(value)} characters instead of 15"
    except gstin.InvalidComponent:
        why = "its state code or PAN part is not possible"
    except gstin.ValidationError:
        why = "it does not have the GSTIN's shape (2 digits, PAN, entity number, Z, check character)"
    else:  # pragma: no cover - is_valid said no
        why = "it does not pass the GSTIN check"
    if could_be:
        return GstinCheck(value, False, could_be=could_be,
                          reason=f"GSTIN read as {value}, which is not valid ({why}); {could_be} would be, if OCR "
                                 "misread several characters: check it on the document.")
    return GstinCheck(value, False, reason=f"GSTIN {value} is not valid: {why}.")


def _changes(read: str, repaired: str) -> float:
    """How much guessing a repair took: 1 per free swap or dropped character, 0.5 per forced fix."""
    def cost(shape: str) -> float:
        return sum(0.5 if place in _DIGIT_PLACES or place in _LETTER_PLACES or place == 13 else 1.0
                   for place, (a, b) in enumerate(zip(shape, repaired, strict=True)) if a != b)
    if len(read) == len(repaired):
        return cost(read)
    return 1 + min(cost(read[:i] + read[i + 1:]) for i in range(len(read)))


def _shaped(value: str) -> str:
    """The GSTIN with only the forced fixes: a look-alike letter in a digit place, a digit in a letter place."""
    out = []
    for place, ch in enumerate(value):
        if place in _DIGIT_PLACES:
            ch = _AS_DIGIT.get(ch, ch)
        elif place in _LETTER_PLACES:
            ch = _AS_LETTER.get(ch, ch)
        elif place == 13 and ch in "27":
            ch = "Z"
        out.append(ch)
    return "".join(out)


def _one_slip(read: str, known: str) -> bool:
    """Whether `read` differs from `known` in exactly one place, and not in the check character."""
    differ = [i for i, (a, b) in enumerate(zip(read, known, strict=True)) if a != b]
    return len(differ) == 1 and differ[0] != 14


_STRUCTURE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][0-9A-Z]Z[0-9A-Z]$")


def _dropped(value: str, *, repeats: bool = True) -> list[str]:
    """The 15-character readings of a 16-character one where OCR split one glyph in two: a character
    dropped where it is its neighbour's look-alike ("O0", "2Z", "1I") or (`repeats`) repeats it."""
    out = []
    for i in range(len(value)):
        neighbours = {value[j] for j in (i - 1, i + 1) if 0 <= j < len(value)}
        if (repeats and value[i] in neighbours) or _AMBIGUOUS.get(value[i]) in neighbours:
            out.append(value[:i] + value[i + 1:])
    return out


def _repairs(value: str) -> set[str]:
    """Every GSTIN that OCR could have misread as `value`: forced fixes where the structure demands a
    digit or a letter, both readings where it allows either; one split character dropped if 16 long."""
    shapes = [value] if len(value) == 15 else _dropped(value)
    found: set[str] = set()
    for shape in shapes:
        options: list[tuple[str, ...]] = []
        for place, ch in enumerate(shape):
            if place in _DIGIT_PLACES:
                options.append((_AS_DIGIT.get(ch, ch),))
            elif place in _LETTER_PLACES:
                options.append((_AS_LETTER.get(ch, ch),))
            elif place == 13:
                options.append(("Z",))
            elif ch in _AMBIGUOUS:
                options.append((ch, _AMBIGUOUS[ch]))
            else:
                options.append((ch,))
        found.update("".join(chars) for chars in product(*options))
    found.discard(value)
    return found


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str
    related_id: int | None = None


def money_text(amount: Decimal, currency: str | None) -> str:
    return format_money(amount, currency or "INR", "en_IN" if (currency or "INR") == "INR" else "en_US")


def arithmetic(subtotal: Decimal | None, tax: Decimal | None, round_off: Decimal | None, total: Decimal | None,
               currency: str | None) -> Flag | None:
    """total_mismatch when taxable value + taxes + round-off is not the total (within a paisa)."""
    if subtotal is None or total is None:
        return None
    expected = subtotal + (tax or 0) + (round_off or 0)
    if abs(expected - total) <= PAISA:
        return None
    parts = [f"taxable value {money_text(subtotal, currency)}"]
    if tax:
        parts.append(f"taxes {money_text(tax, currency)}")
    if round_off:
        parts.append(f"round-off {money_text(round_off, currency)}")
    return Flag("total_mismatch", f"{' + '.join(parts)} = {money_text(expected, currency)}, but the total says "
                                  f"{money_text(total, currency)} ({money_text(abs(total - expected), currency)} "
                                  f"apart).")


def dates(on: date | None, today: date) -> Flag | None:
    """future_date for a date after today, or more than two years before it."""
    if on is None:
        return None
    if on > today:
        return Flag("future_date", f"Dated {on:%d %b %Y}, which is after today ({today:%d %b %Y}).")
    if on < today - OLD_AFTER:
        return Flag("future_date", f"Dated {on:%d %b %Y}, more than two years ago: check the year was read right.")
    return None


def _others(doc: Document) -> sa.Select:
    return sa.select(Document).where(Document.workspace_id == doc.workspace_id, Document.id < doc.id,
                                     Document.status == "processed").order_by(Document.id)


def _norm_number(number: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (number or "").upper()).lstrip("0")


def duplicates(doc: Document) -> list[Flag]:
    """Every reason to think an earlier document of the workspace is this one again (first match each)."""
    flags: list[Flag] = []
    same_file = db.session.scalar(_others(doc).where(Document.sha256 == doc.sha256).limit(1))
    if same_file is not None:
        flags.append(Flag("duplicate", f"The same file was uploaded before as #{same_file.id} "
                                       f"({same_file.original_name}).", same_file.id))
        return flags
    number = _norm_number(doc.invoice_number)
    if number:
        issuer = []
        if doc.vendor_gstin:
            issuer.append(Document.vendor_gstin == doc.vendor_gstin)
        if doc.vendor_id:
            issuer.append(Document.vendor_id == doc.vendor_id)
        if issuer:
            for other in db.session.scalars(_others(doc).where(sa.or_(*issuer), Document.invoice_number.is_not(None))
                                            .limit(200)):
                if _norm_number(other.invoice_number) == number:
                    who = "GSTIN" if doc.vendor_gstin and other.vendor_gstin == doc.vendor_gstin else "vendor"
                    flags.append(Flag("duplicate", f"Invoice number {doc.invoice_number} from the same {who} is "
                                                   f"already #{other.id} ({other.original_name}).", other.id))
                    return flags
    if doc.phash:
        look_alike = _look_alike(doc)
        if look_alike is not None:
            flags.append(Flag("duplicate", f"The page looks the same as #{look_alike.id} ({look_alike.original_name}):"
                                           " a re-scan or another photo of it?", look_alike.id))
            return flags
    if doc.vendor_id and doc.total is not None and doc.invoice_date is not None:
        near = db.session.scalar(_others(doc).where(
            Document.vendor_id == doc.vendor_id, Document.total == doc.total,
            Document.invoice_date.between(doc.invoice_date - timedelta(days=DUPLICATE_DAYS),
                                          doc.invoice_date + timedelta(days=DUPLICATE_DAYS))).limit(1))
        if near is not None and not (number and _norm_number(near.invoice_number) not in ("", number)):
            flags.append(Flag("duplicate", f"#{near.id} from the same vendor has the same total "
                                           f"{money_text(doc.total, doc.currency)} within {DUPLICATE_DAYS} days "
                                           f"({near.invoice_date:%d %b %Y}).", near.id))
    return flags


def _look_alike(doc: Document) -> Document | None:
    """An earlier document whose first page has nearly the same perceptual hash, unless its number or total differ."""
    import imagehash

    mine = imagehash.hex_to_hash(doc.phash)
    candidates = db.session.execute(
        sa.select(Document.id, Document.phash).where(Document.workspace_id == doc.workspace_id, Document.id < doc.id,
                                                     Document.status == "processed", Document.phash.is_not(None))
        .order_by(Document.id.desc()).limit(2000)).all()
    number = _norm_number(doc.invoice_number)
    for other_id, phash in candidates:
        if mine - imagehash.hex_to_hash(phash) > PHASH_DISTANCE:
            continue
        other = db.session.get(Document, other_id)
        if number and _norm_number(other.invoice_number) not in ("", number):
            continue
        if doc.total is not None and other.total is not None and other.total != doc.total:
            continue
        return other
    return None


def unusual_amount(doc: Document) -> Flag | None:
    """unusual_amount when the total is far above the vendor's average of earlier documents."""
    if doc.vendor_id is None or doc.total is None:
        return None
    count, summed = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(Document.total)).where(
            Document.workspace_id == doc.workspace_id, Document.vendor_id == doc.vendor_id, Document.id != doc.id,
            Document.status == "processed", Document.total.is_not(None), Document.id < doc.id)).one()
    if count < UNUSUAL_MIN_HISTORY or summed is None:
        return None
    average = summed / count
    if doc.total > average * UNUSUAL_FACTOR:
        return Flag("unusual_amount", f"The total {money_text(doc.total, doc.currency)} is more than "
                                      f"{UNUSUAL_FACTOR} × this vendor's average of "
                                      f"{money_text(average.quantize(PAISA), doc.currency)} over {count} documents.")
    return None


def tax_unread(doc: Document) -> bool:
    """Whether a tax is printed on the document but its amount could not be read (and nobody entered it)."""
    field = doc.field("tax")
    return doc.tax_total is None and field is not None and field.note == TAX_UNREAD


def low_confidence(doc: Document) -> Flag | None:
    """low_confidence when a key field is missing or was read with little certainty."""
    weak = []
    gstin_field = doc.field("vendor_gstin")
    if doc.vendor_gstin and doc.gstin_valid is None and gstin_field is not None and not gstin_field.corrected \
            and UNCERTAIN_GSTIN in gstin_field.note:
        weak.append(f"the vendor GSTIN {gstin_field.note}")
    if tax_unread(doc):
        weak.append(f"{TAX_UNREAD}, so the arithmetic was not checked")
    for name in KEY_FIELDS:
        field = doc.field(name)
        if field is None or (not field.extracted and not field.corrected):
            weak.append(f"{name.replace('_', ' ')} not found")
        elif field.confidence < LOW_CONFIDENCE and not field.corrected:
            weak.append(f"{name.replace('_', ' ')} read with {field.confidence}% confidence")
    if not weak:
        return None
    return Flag("low_confidence", "Check by hand: " + "; ".join(weak) + ".")


def all_flags(doc: Document, today: date) -> list[Flag]:
    """Every check on a read document, in the order the review page lists them."""
    flags = duplicates(doc)
    if doc.vendor_gstin and doc.gstin_valid is False:
        flags.append(Flag("invalid_gstin", check_gstin(doc.vendor_gstin, ocr=False).reason))
    buyer = doc.field("buyer_gstin")
    if doc.buyer_gstin and not gstin_is_valid(doc.buyer_gstin) and not (
            buyer is not None and not buyer.corrected and UNCERTAIN_GSTIN in buyer.note):
        flags.append(Flag("invalid_gstin", "Buyer " + check_gstin(doc.buyer_gstin, ocr=False).reason))
    # An unreadable tax line is unknown, not zero: claiming a mismatch from it would be a guess.
    sums = None if tax_unread(doc) else arithmetic(doc.subtotal, doc.tax_total, doc.round_off, doc.total, doc.currency)
    for flag in (sums,
                 dates(doc.invoice_date, today), unusual_amount(doc), low_confidence(doc)):
        if flag is not None:
            flags.append(flag)
    return flags
