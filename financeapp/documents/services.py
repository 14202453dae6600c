"""Document rules: upload (checked by content, stored like receipts), read, extract, check, correct, delete.

Files live beside the receipts, in ``UPLOAD_FOLDER/<workspace id>/<random hex>`` (outside ``static/``),
written and removed in step with the session's unit of work by the receipts storage helpers. Reading
a document (`process_document`) is the long step: the caller runs it in a job (jobs.py), one
document per call, one page at a time.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import cast

import sqlalchemy as sa
from flask import current_app
from PIL import Image
from sqlalchemy.engine import CursorResult

from financeapp.auth.models import User
from financeapp.core import crypto
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, FinanceError, Invalid, NotFound
from financeapp.core.money import is_currency, quantize
from financeapp.core.scoping import get_scoped_or_404
from financeapp.core.validation import checked_amount, checked_day
from financeapp.documents import checks, extraction, ocr, qr, templates, text
from financeapp.documents.extraction import Extraction, Found
from financeapp.documents.models import (
    FIELDS,
    Document,
    DocumentBatch,
    DocumentField,
    DocumentFlag,
    DocumentItem,
    DocumentTaxLine,
)
from financeapp.extensions import db
from financeapp.ops.metrics import OCR_SECONDS, timed
from financeapp.receipts import services as storage
from financeapp.receipts.services import ACCEPTED, FileKind, Readable
from financeapp.vendors import services as vendors
from financeapp.vendors.models import Vendor
from financeapp.workspaces.models import Workspace

log = logging.getLogger("financeapp.documents")

KINDS = (*ACCEPTED,
         FileKind("image/heic", "a HEIC image", "a HEIC image", b"ftypheic", (".heic",), 4),
         FileKind("image/heic", "a HEIC image", "a HEIC image", b"ftypheix", (".heic",), 4),
         FileKind("image/heif", "a HEIF image", "a HEIF image", b"ftypmif1", (".heif", ".heic"), 4))
ONLY_THESE = "Only PDF, PNG, JPEG and HEIC files can be uploaded"
MAX_FILES = 50  # per batch
MAX_PAGES = 10  # pages read per document (a longer PDF is read up to here, and says so)
QR_DPI = 200
EDITABLE_STATES = ("draft", "returned")


@dataclass(frozen=True)
class Upload:
    name: str
    stream: Readable


def document_path(doc: Document) -> Path:
    """Where the document's file lives on disk (it may be missing)."""
    return storage.stored_path(doc.workspace_id, doc.stored_name)


def upload_documents(workspace: Workspace, user: User | None, files: Sequence[Upload]) -> DocumentBatch:
    """Store a batch of PDF/PNG/JPEG/HEIC files, each checked by its content, queued for reading.

    All or nothing: one refused file refuses the batch (its message names the file), and no file stays.
    """
    if not files:
        raise Invalid("Choose at least one file.", fields={"files": "Choose at least one file."})
    if len(files) > MAX_FILES:
        message = f"Upload at most {MAX_FILES} files at a time ({len(files)} chosen)."
        raise Invalid(message, fields={"files": message})
    batch = new_batch(workspace, user)
    for upload in files:
        add_to_batch(workspace, user, batch, upload)
    return batch


def new_batch(workspace: Workspace, user: User | None) -> DocumentBatch:
    """An empty batch to add uploads to."""
    batch = DocumentBatch(workspace_id=workspace.id, created_by_id=user.id if user else None)
    db.session.add(batch)
    db.session.flush()
    return batch


MAX_MB = 10  # defaults of DOCUMENT_MAX_MB and DOCUMENT_MAX_PAGES (config.py)
MAX_PAGES_UPLOADED = 10


def upload_caps() -> tuple[int, int]:
    """(bytes, pages): the largest document file and the most PDF pages an upload may have."""
    megabytes = int(current_app.config.get("DOCUMENT_MAX_MB") or MAX_MB)
    pages = int(current_app.config.get("DOCUMENT_MAX_PAGES") or MAX_PAGES_UPLOADED)
    return max(1, megabytes) * 1024 * 1024, max(1, pages)


def _capped(upload: Upload) -> Upload:
    """The upload read into memory, refused with a clear message when it is above the byte cap or (a PDF)
    the page cap: checked before anything is written, so a refused file leaves nothing on disk."""
    max_bytes, max_pages = upload_caps()
    content = upload.stream.read(max_bytes + 1)
    name = storage.display_name(upload.name)
    name = f"“{name}”" if name else "The file"
    if len(content) > max_bytes:
        message = (f"{name} is larger than the {max_bytes // (1024 * 1024)} MB limit for a document "
                   "(DOCUMENT_MAX_MB); nothing was stored.")
        raise Invalid(message, fields={"files": message})
    if content.startswith(b"%PDF"):
        pages = text.pdf_pages_in(content)
        if pages is not None and pages > max_pages:
            message = (f"{name} has {pages} pages; a document may have at most {max_pages} "
                       "(DOCUMENT_MAX_PAGES): split it and upload the parts. Nothing was stored.")
            raise Invalid(message, fields={"files": message})
    return Upload(upload.name, io.BytesIO(content))


def add_to_batch(workspace: Workspace, user: User | None, batch: DocumentBatch, upload: Upload) -> Document:
    """Store one file of a batch, checked by its size, page count and content, queued for reading."""
    upload = _capped(upload)
    try:
        written = storage.write_checked_upload(workspace.id, upload.name, upload.stream, kinds=KINDS,
                                               only=ONLY_THESE, stem="document")
    except Invalid as err:
        raise Invalid(err.message, fields={"files": err.message}) from None
    doc = Document(workspace_id=workspace.id, batch_id=batch.id, original_name=written.name,
                   stored_name=written.stored_name, content_type=written.kind.content_type, size=written.size,
                   sha256=written.sha256, uploaded_by_id=user.id if user else None, status="queued")
    storage.keep_with_row(written, doc)
    return doc


def batch_documents(workspace: Workspace, batch: DocumentBatch) -> list[Document]:
    """The batch's documents in upload order."""
    return list(db.session.scalars(sa.select(Document).where(
        Document.workspace_id == workspace.id, Document.batch_id == batch.id).order_by(Document.id)))


# -- reading ---------------------------------------------------------------------------------------------


@dataclass
class ReadPages:
    text: str
    source: str  # "text" or "ocr"
    pages: int
    first_page: Image.Image | None  # page 1, for the QR and the perceptual hash
    ocr_confidence: int | None = None
    note: str = ""


def read_pages(doc: Document, path: Path) -> ReadPages:
    """The document's text: the PDF text layer where there is one, OCR (page by page) elsewhere."""
    if doc.content_type == "application/pdf":
        count = text.pdf_page_count(path)
        most = max(MAX_PAGES, upload_caps()[1])  # a file stored before the page cap was lowered
        limit = min(count, most)
        note = f"Only the first {most} of {count} pages were read." if count > most else ""
        layer = text.pdf_text_pages(path, limit)
        if layer and all(layer):
            first = next(text.render_pdf_pages(path, 1, dpi=QR_DPI), None)
            return ReadPages("\n".join(layer), "text", count, first, note=note)
        images = text.render_pdf_pages(path, limit)
        return _ocr_pages(images, count, note, layer)
    return _ocr_pages(iter([text.open_image(path)]), 1, "", [])


def _read_stored_pages(doc: Document) -> ReadPages:
    """read_pages on a decrypted temporary copy of the stored (encrypted) file."""
    try:
        with crypto.plain_copy(document_path(doc)) as path:
            return read_pages(doc, path)
    except FileNotFoundError:
        raise Invalid("The file of this document is missing from the server.") from None


def _ocr_pages(images: Iterator[Image.Image], count: int, note: str, layer: list[str]) -> ReadPages:
    problem = ocr.missing()
    if problem:
        raise ocr.OcrUnavailable(problem)
    texts, confidences, first = [], [], None
    with timed(OCR_SECONDS):
        for number, image in enumerate(images, start=1):
            if first is None:
                first = image
            if number <= len(layer) and layer[number - 1]:
                texts.append(layer[number - 1])  # a mixed PDF: this page has its own text
                continue
            page = _ocr_page(image, number)
            texts.append(page.text)
            confidences.append(page.confidence)
    return ReadPages("\n".join(texts), "ocr", count, first,
                     round(sum(confidences) / len(confidences)) if confidences else None, note)


def _ocr_page(image: Image.Image, number: int) -> ocr.PageText:
    try:
        return ocr.read_page(image)
    except RuntimeError as err:
        if "timeout" in str(err).lower():
            raise Invalid(f"Page {number} took longer than {ocr.PAGE_TIMEOUT} s to read; it was stopped.") from None
        raise


def perceptual_hash(image: Image.Image | None) -> str | None:
    import imagehash

    if image is None:
        return None
    return str(imagehash.phash(image, hash_size=16))


def process_document(workspace: Workspace, doc: Document, *, today: date | None = None) -> Document:
    """Read a queued document, extract its fields, find its vendor and run the checks; flush.

    A file that cannot be read (damaged, a page that times out, no OCR installed) ends "failed"
    with the reason in words; it can be retried.
    """
    started = time.perf_counter()
    doc.status = "processing"
    doc.reading_started_at = utcnow()
    doc.attempts += 1
    try:
        pages = _read_stored_pages(doc)
    except (Invalid, ocr.OcrUnavailable) as err:
        doc.status, doc.message = "failed", (err.message if isinstance(err, Invalid) else str(err))[:500]
        doc.seconds = _seconds(started)
        db.session.flush()
        return doc
    result = extraction.extract(pages.text, ocr=pages.source == "ocr")
    qr_invoice = qr.find_invoice(pages.first_page) if pages.first_page is not None else None
    if qr_invoice is not None:
        _take_qr(result, qr_invoice)
    is_ocr = pages.source == "ocr"
    gstins = _checked_gstins(workspace, result, ocr=is_ocr)
    vendor = _vendor_of(workspace, result, gstins)
    if vendor is not None and templates.apply(workspace, vendor.id, pages.text, result, ocr=is_ocr):
        gstins = _checked_gstins(workspace, result, ocr=is_ocr)
        vendor = _vendor_of(workspace, result, gstins) or vendor
    doc.text, doc.source, doc.pages = pages.text, pages.source, pages.pages
    doc.phash = perceptual_hash(pages.first_page)
    _store_extraction(workspace, doc, result, gstins)
    doc.vendor = vendor
    if vendor is not None:
        vendors.note_bank_details(vendor, doc.bank_details, utcnow())
    doc.status, doc.message = "processed", pages.note
    doc.processed_at = utcnow()
    doc.seconds = _seconds(started)
    db.session.flush()
    recheck(workspace, doc, today=today)
    return doc


def _seconds(started: float) -> Decimal:
    return Decimal(str(round(time.perf_counter() - started, 3)))  # float ok: a duration, not money


def _take_qr(result: Extraction, invoice: qr.QrInvoice) -> None:
    """Values from a signed e-invoice QR replace what the text rules read (marked unverified)."""
    for name, value in (("vendor_gstin", invoice.seller_gstin), ("buyer_gstin", invoice.buyer_gstin),
                        ("invoice_number", invoice.number), ("date", invoice.on), ("total", invoice.total)):
        if value is not None:
            result.fields[name] = Found(value, 97, raw=str(value), source="qr", note=qr.NOTE)
    result.fields.setdefault("currency", Found("INR", 90, raw="INR", source="qr", note=qr.NOTE))


KNOWN_GSTINS = 2000  # the most a workspace's earlier GSTINs are compared with, per OCR'd document


def known_gstins(workspace: Workspace) -> list[str]:
    """Valid GSTINs already seen in the workspace (its vendors', and buyers' on its documents): an OCR'd
    GSTIN one character away from exactly one of them is taken as that one."""
    found = set(db.session.scalars(sa.select(Vendor.gstin).where(
        Vendor.workspace_id == workspace.id, Vendor.gstin_valid.is_(True)).limit(KNOWN_GSTINS)))
    found.update(db.session.scalars(sa.select(Document.buyer_gstin).where(
        Document.workspace_id == workspace.id, Document.buyer_gstin.is_not(None)).distinct().limit(KNOWN_GSTINS)))
    return sorted(g for g in found if g and checks.gstin_is_valid(g))


def _checked_gstins(workspace: Workspace, result: Extraction, *, ocr: bool) -> dict[str, checks.GstinCheck]:
    """The vendor's and buyer's GSTINs as read, checked (and on OCR'd text, repaired where one repair fits)."""
    raw = {name: result.value(name) for name in ("vendor_gstin", "buyer_gstin") if result.value(name)}
    known: list[str] = []
    if ocr and any(not checks.gstin_is_valid(str(v).upper()) for v in raw.values()):
        known = known_gstins(workspace)
    return {name: checks.check_gstin(value, ocr=ocr, known=known) for name, value in raw.items()}


def _vendor_of(workspace: Workspace, result: Extraction, gstins: dict[str, checks.GstinCheck]):
    checked = gstins.get("vendor_gstin")
    return vendors.vendor_for(workspace, result.value("vendor") or "", checked.value if checked else None,
                              checked.valid if checked else None)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:255]


def _store_extraction(workspace: Workspace, doc: Document, result: Extraction,
                      gstins: dict[str, checks.GstinCheck]) -> None:
    """Put what extraction read on the document: typed columns, one DocumentField per field, taxes, items."""
    currency = result.value("currency")
    doc.currency = currency if currency and is_currency(currency) else None
    doc.kind = result.kind
    doc.vendor_name = (result.value("vendor") or "")[:120]
    doc.invoice_number = (result.value("invoice_number") or None) and str(result.value("invoice_number"))[:60]
    doc.invoice_date = result.value("date")
    doc.bank_details = result.bank_details[:80]
    code = doc.currency or "INR"
    for column, name in (("subtotal", "subtotal"), ("tax_total", "tax"), ("round_off", "round_off"),
                         ("total", "total")):
        value = result.value(name)
        setattr(doc, column, quantize(value, code) if isinstance(value, Decimal) else None)
    notes: dict[str, str] = {}
    doc.gstin_valid = None
    for column in ("vendor_gstin", "buyer_gstin"):
        check = gstins.get(column)
        if check is None:
            setattr(doc, column, None)
            continue
        setattr(doc, column, check.value[:15])
        if check.corrected:
            notes[column] = "corrected"
        if check.could_be:
            notes[column] = f"{checks.UNCERTAIN_GSTIN}: read as {check.value}, could be {check.could_be}"
        if column == "vendor_gstin":
            # Unsure (too many OCR guesses either way): neither accepted as valid nor flagged as invalid.
            doc.gstin_valid = None if check.could_be else check.valid
    existing = {f.name: f for f in doc.fields}  # updated in place: (document, name) is unique
    for name in FIELDS:
        found = result.fields.get(name)
        note = notes.get(name, "")
        if found is not None and found.note:
            note = f"{found.note}; {note}" if note else found.note
        row = existing.get(name)
        if row is None:
            row = DocumentField(workspace_id=workspace.id, name=name)
            doc.fields.append(row)
        row.extracted = _as_text(found.value) if found else ""
        row.confidence = found.confidence if found else 0
        row.source = found.source if found else "rule"
        row.note = note[:120]
        row.corrected, row.corrected_by_id, row.corrected_at = False, None, None
    doc.tax_lines = [DocumentTaxLine(workspace_id=workspace.id, kind=t.kind, rate=t.rate,
                                     amount=quantize(t.amount, code)) for t in result.taxes]
    doc.items = [DocumentItem(workspace_id=workspace.id, position=n, description=i.description,
                              quantity=i.quantity, unit_price=quantize(i.unit_price, code),
                              amount=quantize(i.amount, code)) for n, i in enumerate(result.items[:200], start=1)]


def recheck(workspace: Workspace, doc: Document, *, today: date | None = None) -> list[DocumentFlag]:
    """Run every check again and replace the document's flags with what they find."""
    found = checks.all_flags(doc, today or date.today())
    doc.flags = [DocumentFlag(workspace_id=workspace.id, code=f.code, reason=f.reason[:300], related_id=f.related_id)
                 for f in found]
    db.session.flush()
    return doc.flags


STALE_MINUTES = 15  # default of DOCUMENT_READING_STALE_MINUTES: longer than a job may run (jobs.JOB_TIMEOUT)


def stale_minutes() -> int:
    """After how many minutes a reading that has not finished counts as failed (DOCUMENT_READING_STALE_MINUTES)."""
    return max(1, int(current_app.config.get("DOCUMENT_READING_STALE_MINUTES") or STALE_MINUTES))


def fail_stale_readings(workspace: Workspace, *, now: datetime | None = None, batch: DocumentBatch | None = None
                        ) -> int:
    """Mark as failed, with the reason, every document of the workspace (or batch) still "processing" after
    the stale limit: its job died or timed out without a word (a killed worker, a request cut off), and
    nothing else would ever move it on. It can then be retried like any failed read. Flushes; returns how many."""
    minutes = stale_minutes()
    cutoff = (now or utcnow()) - timedelta(minutes=minutes)
    started = sa.func.coalesce(Document.reading_started_at, Document.created_at)
    where = [Document.workspace_id == workspace.id, Document.status == "processing", started < cutoff]
    if batch is not None:
        where.append(Document.batch_id == batch.id)
    message = (f"Reading did not finish within {minutes} minutes (the job stopped or timed out); "
               "retry the file.")
    result = cast(CursorResult, db.session.execute(sa.update(Document).where(*where).values(
        status="failed", message=message, version=Document.version + 1)
        .execution_options(synchronize_session=False)))
    count = result.rowcount
    if count:
        db.session.expire_all()  # loaded documents pick up their new status
    return int(count or 0)


def reprocess_allowed(doc: Document) -> None:
    """Conflict unless the document may be read again: a draft or returned one, not being read right now."""
    if doc.state not in EDITABLE_STATES:
        raise Conflict(f"This document is {doc.state}; only drafts and returned documents can be read again.")
    if doc.status in ("queued", "processing"):
        raise Conflict("This document is being read already.")


def reprocess(workspace: Workspace, doc: Document, *, today: date | None = None) -> Document:
    """Read a document again from its file (after a failure, or with templates learned since)."""
    if doc.status == "processing" and fail_stale_readings(workspace):
        db.session.refresh(doc)
    reprocess_allowed(doc)
    return process_document(workspace, doc, today=today)


# -- corrections -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldsInput:
    """The review form's fields as typed; blank means "not on the document"."""

    vendor: str = ""
    vendor_gstin: str = ""
    buyer_gstin: str = ""
    invoice_number: str = ""
    date: date | None = None
    currency: str = ""
    subtotal: Decimal | None = None
    tax: Decimal | None = None
    round_off: Decimal | None = None
    total: Decimal | None = None
    version: int | None = None


FIELD_LABELS = {"vendor": "vendor", "vendor_gstin": "vendor GSTIN", "buyer_gstin": "buyer GSTIN",
                "invoice_number": "number", "date": "date", "currency": "currency", "subtotal": "taxable value",
                "tax": "tax", "round_off": "round-off", "total": "total"}
AMOUNT_FIELDS = ("subtotal", "tax", "round_off", "total")
COLUMNS = {"vendor": "vendor_name", "vendor_gstin": "vendor_gstin", "buyer_gstin": "buyer_gstin",
           "invoice_number": "invoice_number", "date": "invoice_date", "currency": "currency",
           "subtotal": "subtotal", "tax": "tax_total", "round_off": "round_off", "total": "total"}


def _checked_fields(data: FieldsInput) -> dict[str, object]:
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    currency = (data.currency or "").strip().upper()
    if currency and not is_currency(currency):
        errors["currency"] = "Use a three-letter currency code such as INR, USD or EUR."
    code = currency if not errors.get("currency") and currency else "INR"
    values["currency"] = currency or None
    for name in ("vendor_gstin", "buyer_gstin"):
        gstin = re.sub(r"\s", "", getattr(data, name) or "").upper()
        if gstin and len(gstin) != 15:
            errors[name] = "A GSTIN has 15 characters."
        values[name] = gstin or None
    vendor = " ".join((data.vendor or "").split())
    if len(vendor) > 120:
        errors["vendor"] = "At most 120 characters."
    values["vendor"] = vendor
    number = (data.invoice_number or "").strip()
    if len(number) > 60:
        errors["invoice_number"] = "At most 60 characters."
    values["invoice_number"] = number or None
    try:
        values["date"] = checked_day(data.date, field="date", required=False)
    except FinanceError as err:
        errors.update(err.fields)
    for name, sign in (("subtotal", "nonnegative"), ("tax", "nonnegative"), ("round_off", "any"),
                       ("total", "nonnegative")):
        value = getattr(data, name)
        try:
            values[name] = checked_amount(value, code, field=name, sign=sign) if value is not None else None
        except FinanceError as err:
            errors.update(err.fields or {name: err.message})
    if errors:
        raise Invalid("Some fields need attention.", fields=errors)
    return values


def update_fields(workspace: Workspace, user: User | None, doc: Document, data: FieldsInput, *,
                  today: date | None = None) -> list[str]:
    """Save the reviewer's corrections; each changed field is marked corrected, teaches the vendor's
    template and counts in the accuracy figures. The checks run again. Returns the changed fields."""
    if doc.state not in EDITABLE_STATES:
        raise Conflict(f"This document is {doc.state}; its fields can only change while it is a draft or returned.")
    if data.version is not None and data.version != doc.version:
        raise Conflict("Someone else changed this document after you opened it. Reload and try again.")
    values = _checked_fields(data)
    changed = [name for name in FIELDS if getattr(doc, COLUMNS[name]) != values[name]
               and not (name == "vendor" and (doc.vendor_name or "") == values[name])]
    if not changed:
        return []
    for name in changed:
        setattr(doc, COLUMNS[name], values[name])
    if "vendor_gstin" in changed:
        doc.gstin_valid = checks.gstin_is_valid(doc.vendor_gstin) if doc.vendor_gstin else None
    if {"vendor", "vendor_gstin"} & set(changed):
        doc.vendor = vendors.vendor_for(workspace, doc.vendor_name, doc.vendor_gstin if doc.gstin_valid else None,
                                        doc.gstin_valid)
    now = utcnow()
    for name in changed:
        field = doc.field(name)
        if field is None:
            field = DocumentField(workspace_id=workspace.id, name=name, extracted="", confidence=0)
            doc.fields.append(field)
        field.corrected = _as_text(values[name]) != field.extracted
        field.corrected_by_id = user.id if user else None
        field.corrected_at = now
        if field.corrected and field.note == "corrected":
            field.note = ""
        if field.corrected:
            templates.learn(workspace, doc, name, values[name])
    try:
        db.session.flush()
    except sa.orm.exc.StaleDataError:
        raise Conflict("Someone else changed this document at the same time. Reload and try again.") from None
    recheck(workspace, doc, today=today)
    return changed


# -- reading back ---------------------------------------------------------------------------------------------


def get_document(workspace: Workspace, document_id: object) -> Document:
    """The workspace's document with this id; any other id is a 404."""
    return get_scoped_or_404(Document, document_id, workspace)


def find_document(workspace: Workspace, document_id: int | None) -> Document | None:
    """The workspace's document with this id, or None (a flag's earlier document may have been deleted)."""
    if document_id is None:
        return None
    return db.session.scalar(sa.select(Document).where(Document.workspace_id == workspace.id,
                                                       Document.id == document_id))


def delete_document(workspace: Workspace, doc: Document) -> None:
    """Delete a document (not one already booked to the ledger); its file goes once the caller commits."""
    if doc.transaction_id is not None:
        raise Conflict("This document is booked to the ledger; delete the transaction first, or keep it.")
    path = document_path(doc)
    db.session.delete(doc)
    db.session.flush()
    storage.remove_after_commit(path)


def preview(doc: Document, page: int) -> bytes:
    """A page of the document as a JPEG for the review page; NotFound when the file or page is not there."""
    path = document_path(doc)
    if not path.exists():
        raise NotFound("The file of this document is missing.")
    try:
        with crypto.plain_copy(path) as plain:
            return text.preview_jpeg(plain, doc.content_type, page)
    except Invalid as err:
        raise NotFound(err.message) from None


def field_rows(doc: Document) -> list[tuple[str, object, DocumentField | None]]:
    """(field, current value, how it was read) in review order."""
    return [(name, getattr(doc, COLUMNS[name]), doc.field(name)) for name in FIELDS]


def processed_at(doc: Document) -> datetime | None:
    return doc.processed_at
