"""Per-vendor templates learned from corrections, in the spirit of invoice2data.

invoice2data keeps, per issuer, keywords that recognise the issuer's invoices and a regex per field.
Here the issuer is the vendor (recognised by GSTIN or name before a template applies), and a field's
pattern is learned when a person corrects it: the words printed before the corrected value on its
line become the vendor's label for that field ("Bill Ref" for the number, "Net Payable" for the
total). Next time, the label is looked for first and the value after it wins over the generic rules.
"""

from __future__ import annotations

import re
from decimal import Decimal

import sqlalchemy as sa

from financeapp.core.scoping import scoped
from financeapp.documents import extraction
from financeapp.documents.extraction import Extraction, Found
from financeapp.documents.models import Document, VendorPattern
from financeapp.extensions import db
from financeapp.workspaces.models import Workspace

AMOUNT_FIELDS = ("subtotal", "tax", "round_off", "total")
TEXT_FIELDS = ("invoice_number", "vendor_gstin", "buyer_gstin")
LEARNABLE = (*AMOUNT_FIELDS, *TEXT_FIELDS, "date")
TEMPLATE_CONFIDENCE = 95
MAX_LABEL_WORDS = 4
_CURRENCY_WORDS = {"RS", "INR", "USD", "EUR", "GBP"}
_TOKEN = re.compile(r"[\s.:#\-]*([A-Z0-9][A-Z0-9/_.\-]{0,40}[A-Z0-9]|[0-9])", re.I)


def _label_before(line: str, position: int) -> str:
    """The last few words before `position`, without separators or numbers: the field's label."""
    words = re.findall(r"[A-Za-z][A-Za-z.&/()%-]*", line[:position])
    while words and words[-1].strip(".").upper() in _CURRENCY_WORDS:
        words.pop()
    label = " ".join(words[-MAX_LABEL_WORDS:]).strip(" .:-#")
    return label[:80]


def _find_value(field: str, value: object, lines: list[str], decimal_comma: bool, day_first: bool
                ) -> tuple[str, int] | None:
    """The line holding the value and where on it the value starts."""
    for line in lines:
        if field in AMOUNT_FIELDS:
            for amount in extraction.amounts_in(line, decimal_comma=decimal_comma):
                if abs(amount.value) == abs(Decimal(str(value))) and amount.has_decimals:
                    return line, amount.start
        elif field == "date":
            for on, _confidence, raw in extraction.dates_in(line, day_first=day_first):
                if on == value:
                    return line, line.find(raw)
        else:
            position = line.upper().find(str(value).upper())
            if position >= 0:
                return line, position
    return None


def learn(workspace: Workspace, document: Document, field: str, value: object) -> VendorPattern | None:
    """Remember the label the vendor prints before this field's (corrected) value; None if none is found."""
    if document.vendor_id is None or field not in LEARNABLE or value in (None, ""):
        return None
    lines = extraction.clean_lines(document.text, ocr=document.source == "ocr")
    found = _find_value(field, value, lines, document.currency == "EUR", document.currency != "USD")
    if found is None:
        return None
    label = _label_before(*found)
    if not re.search(r"[A-Za-z]{2}", label):
        return None
    pattern = db.session.scalar(scoped(VendorPattern, workspace).where(
        VendorPattern.vendor_id == document.vendor_id, VendorPattern.field == field, VendorPattern.label == label))
    if pattern is None:
        pattern = VendorPattern(workspace_id=workspace.id, vendor_id=document.vendor_id, field=field, label=label)
        db.session.add(pattern)
    else:
        pattern.hits += 1
    db.session.flush()
    return pattern


def _label_regex(label: str) -> re.Pattern:
    return re.compile(r"\s*".join(re.escape(word) for word in label.split()), re.I)


def _value_after(field: str, line: str, end: int, decimal_comma: bool, day_first: bool) -> object | None:
    if field in AMOUNT_FIELDS:
        amount = extraction.last_money(line, decimal_comma=decimal_comma, after=end)
        if amount is None:
            return None
        return amount.value if field == "round_off" else abs(amount.value)
    if field == "date":
        found = extraction.dates_in(line[end:], day_first=day_first)
        return found[0][0] if found else None
    match = _TOKEN.match(line, end)
    if not match or not any(ch.isdigit() for ch in match.group(1)):
        return None
    token = match.group(1).rstrip(".-/")
    return token.upper() if field.endswith("gstin") else token


def apply(workspace: Workspace, vendor_id: int, text: str, result: Extraction, *, ocr: bool) -> list[str]:
    """Let the vendor's learned labels override the generic rules; returns the fields they set."""
    patterns = list(db.session.scalars(scoped(VendorPattern, workspace).where(VendorPattern.vendor_id == vendor_id)
                                       .order_by(VendorPattern.hits.desc(), VendorPattern.id.desc())))
    if not patterns:
        return []
    lines = extraction.clean_lines(text, ocr=ocr)
    currency = result.value("currency")
    decimal_comma, day_first = currency == "EUR", currency != "USD"
    applied: list[str] = []
    for pattern in patterns:
        if pattern.field in applied:
            continue
        label = _label_regex(pattern.label)
        for line in lines:
            match = label.search(line)
            if not match:
                continue
            value = _value_after(pattern.field, line, match.end(), decimal_comma, day_first)
            if value is None:
                continue
            result.fields[pattern.field] = Found(value, TEMPLATE_CONFIDENCE, raw=str(value), source="template",
                                                 note=f"vendor template: “{pattern.label}”")
            applied.append(pattern.field)
            break
    return applied


def patterns_of(workspace: Workspace, vendor_id: int) -> list[VendorPattern]:
    return list(db.session.scalars(scoped(VendorPattern, workspace).where(VendorPattern.vendor_id == vendor_id)
                                   .order_by(VendorPattern.field, VendorPattern.hits.desc())))


def pattern_count(workspace: Workspace) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(VendorPattern).where(
        VendorPattern.workspace_id == workspace.id)) or 0
