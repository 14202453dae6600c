"""Read-only SQL over documents, shared by the pages, the API and the CSV export.

A filter (state, status, flag, vendor, text) becomes one scoped SELECT; a page of it is a COUNT and a
LIMIT; a batch's progress and the dashboard's figures are GROUP BY queries, never loops over rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from financeapp.core.money import quantize
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import as_id, scoped
from financeapp.documents.models import (
    FIELDS,
    FLAG_CODES,
    STATES,
    STATUSES,
    Document,
    DocumentBatch,
    DocumentField,
    DocumentFlag,
)
from financeapp.extensions import db
from financeapp.workspaces.models import Workspace

PER_PAGE = 50
CSV_CHUNK = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class DocumentFilter:
    """What the list, the API and the export narrow documents by; `errors` names each bad value."""

    state: str = ""
    status: str = ""
    flag: str = ""
    vendor_id: int | None = None
    batch_id: int | None = None
    q: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> DocumentFilter:
        errors: dict[str, str] = {}
        picked = {}
        for name, allowed in (("state", STATES), ("status", STATUSES), ("flag", FLAG_CODES)):
            value = (args.get(name) or "").strip()
            if value and value not in allowed:
                errors[name] = f"Use one of {', '.join(allowed)}."
                value = ""
            picked[name] = value
        ids = {}
        for name in ("vendor_id", "batch_id"):
            raw = (args.get(name) or "").strip()
            ids[name] = as_id(raw) if raw else None
            if raw and ids[name] is None:
                errors[name] = "Send an id."
        return cls(**picked, **ids, q=(args.get("q") or "").strip()[:100], errors=errors)

    def args(self) -> dict[str, str | int]:
        """The filter as query-string arguments (for the pager and the export link)."""
        out = {"state": self.state, "status": self.status, "flag": self.flag, "vendor_id": self.vendor_id,
               "batch_id": self.batch_id, "q": self.q}
        return {k: v for k, v in out.items() if v}


def filtered(workspace: Workspace, f: DocumentFilter) -> sa.Select:
    """The workspace's documents matching the filter (unordered)."""
    query = scoped(Document, workspace)
    if f.state:
        query = query.where(Document.state == f.state)
    if f.status:
        query = query.where(Document.status == f.status)
    if f.flag:
        query = query.where(Document.id.in_(sa.select(DocumentFlag.document_id).where(
            DocumentFlag.workspace_id == workspace.id, DocumentFlag.code == f.flag)))
    if f.vendor_id:
        query = query.where(Document.vendor_id == f.vendor_id)
    if f.batch_id:
        query = query.where(Document.batch_id == f.batch_id)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(Document.vendor_name.ilike(like, escape="\\"),
                                   Document.invoice_number.ilike(like, escape="\\"),
                                   Document.original_name.ilike(like, escape="\\")))
    return query


def document_page(workspace: Workspace, f: DocumentFilter, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """A page of matching documents, newest first, with their flags and vendors loaded."""
    return paginate(filtered(workspace, f).options(selectinload(Document.flags), selectinload(Document.vendor))
                    .order_by(Document.created_at.desc(), Document.id.desc()), number, per_page,
                    count=filtered(workspace, f))


# -- batches ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchProgress:
    total: int
    queued: int
    processing: int
    processed: int
    failed: int
    flagged: int  # processed documents with at least one flag

    @property
    def done(self) -> int:
        return self.processed + self.failed

    @property
    def finished(self) -> bool:
        return self.done == self.total


def batch_progress(workspace: Workspace, batch: DocumentBatch) -> BatchProgress:
    """How far reading the batch got: documents per status, and how many read ones carry a flag."""
    mine = (Document.workspace_id == workspace.id, Document.batch_id == batch.id)
    counts = dict(db.session.execute(sa.select(Document.status, sa.func.count()).where(*mine)
                                     .group_by(Document.status)).all())
    flagged = db.session.scalar(sa.select(sa.func.count(sa.distinct(Document.id))).join(
        DocumentFlag, DocumentFlag.document_id == Document.id).where(*mine, Document.status == "processed")) or 0
    return BatchProgress(total=sum(counts.values()), queued=counts.get("queued", 0),
                         processing=counts.get("processing", 0), processed=counts.get("processed", 0),
                         failed=counts.get("failed", 0), flagged=flagged)


def batch_rows(workspace: Workspace, batch: DocumentBatch) -> list[Document]:
    """The batch's documents in upload order with their flags (a batch holds at most 50)."""
    return list(db.session.scalars(scoped(Document, workspace).where(Document.batch_id == batch.id)
                                   .options(selectinload(Document.flags)).order_by(Document.id)))


# -- the dashboard ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldAccuracy:
    name: str
    reviewed: int  # fields of documents a person has submitted (so looked at)
    corrected: int

    @property
    def percent(self) -> Decimal | None:
        if not self.reviewed:
            return None
        return (Decimal(self.reviewed - self.corrected) * 100 / self.reviewed).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Dashboard:
    processed: int
    failed: int
    reading: int  # queued or being read
    awaiting_approval: int
    approved_this_month: dict[str, Decimal]  # per currency
    approved_count_this_month: int
    average_hours_to_approval: Decimal | None
    accuracy: list[FieldAccuracy]
    month_start: date


def _seconds_between(start: sa.ColumnElement, end: sa.ColumnElement) -> sa.ColumnElement:
    """end - start in seconds, in the database's own date arithmetic."""
    if db.engine.dialect.name == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400
    return sa.func.timestampdiff(sa.text("SECOND"), start, end)


def field_accuracy(workspace: Workspace) -> list[FieldAccuracy]:
    """Per field: of documents a person submitted (and so checked), how many fields were right as read.

    A field counts when it was read or entered; a corrected one counts as a miss of extraction.
    """
    rows = db.session.execute(
        sa.select(DocumentField.name, sa.func.count(),
                  sa.func.sum(sa.case((DocumentField.corrected.is_(True), 1), else_=0)))
        .join(Document, Document.id == DocumentField.document_id)
        .where(DocumentField.workspace_id == workspace.id, Document.submitted_at.is_not(None),
               sa.or_(DocumentField.extracted != "", DocumentField.corrected.is_(True)))
        .group_by(DocumentField.name)).all()
    found = {name: (count, int(corrected or 0)) for name, count, corrected in rows}
    return [FieldAccuracy(name, *found.get(name, (0, 0))) for name in FIELDS]


def dashboard(workspace: Workspace, today: date) -> Dashboard:
    """The documents dashboard's figures, each one SQL aggregate."""
    statuses = dict(db.session.execute(sa.select(Document.status, sa.func.count()).where(
        Document.workspace_id == workspace.id).group_by(Document.status)).all())
    awaiting = db.session.scalar(sa.select(sa.func.count()).where(
        Document.workspace_id == workspace.id, Document.state == "submitted")) or 0
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    approved = db.session.execute(
        sa.select(Document.currency, sa.func.sum(Document.total), sa.func.count())
        .where(Document.workspace_id == workspace.id, Document.approved_at.is_not(None),
               Document.approved_at >= datetime.combine(month_start, datetime.min.time()),
               Document.approved_at < datetime.combine(next_month, datetime.min.time()))
        .group_by(Document.currency)).all()
    average = db.session.scalar(sa.select(sa.func.avg(_seconds_between(Document.created_at, Document.approved_at)))
                                .where(Document.workspace_id == workspace.id, Document.approved_at.is_not(None)))
    hours = None if average is None else (Decimal(str(average)) / 3600).quantize(Decimal("0.01"))
    return Dashboard(
        processed=statuses.get("processed", 0), failed=statuses.get("failed", 0),
        reading=statuses.get("queued", 0) + statuses.get("processing", 0), awaiting_approval=awaiting,
        approved_this_month={(code or workspace.base_currency): total or Decimal(0) for code, total, _n in approved},
        approved_count_this_month=sum(n for _c, _t, n in approved),
        average_hours_to_approval=hours, accuracy=field_accuracy(workspace), month_start=month_start)


# -- CSV ----------------------------------------------------------------------------------------------

CSV_COLUMNS = ("id", "file", "kind", "status", "state", "vendor", "vendor_gstin", "gstin_valid", "buyer_gstin",
               "invoice_number", "date", "currency", "subtotal", "tax", "round_off", "total", "flags",
               "flag_reasons", "uploaded_at", "approved_at", "transaction_id")


def _cell(value: object) -> str:
    """A CSV cell; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, (date, Decimal, int)):
        return str(value) if not isinstance(value, Decimal) else format(value, "f")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(doc: Document) -> list[str]:
    def amount(value: Decimal | None) -> Decimal | None:
        return None if value is None else quantize(value, doc.currency or "INR")

    return [_cell(v) for v in (
        doc.id, doc.original_name, doc.kind, doc.status, doc.state, doc.vendor.name if doc.vendor else doc.vendor_name,
        doc.vendor_gstin, doc.gstin_valid, doc.buyer_gstin, doc.invoice_number, doc.invoice_date, doc.currency,
        amount(doc.subtotal), amount(doc.tax_total), amount(doc.round_off), amount(doc.total),
        " ".join(doc.flag_codes), " | ".join(flag.reason for flag in doc.flags), doc.created_at, doc.approved_at,
        doc.transaction_id)]


def invoices_csv(workspace: Workspace, f: DocumentFilter, *, chunk: int = CSV_CHUNK) -> Iterator[str]:
    """CSV text of the filtered documents with their fields and flags, oldest first, a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    base = filtered(workspace, f).options(selectinload(Document.flags), selectinload(Document.vendor))
    last_id = 0
    while True:
        rows = list(db.session.scalars(base.where(Document.id > last_id).order_by(Document.id).limit(chunk)))
        if not rows:
            return
        last_id = rows[-1].id
        buffer.seek(0)
        buffer.truncate()
        for doc in rows:
            writer.writerow(_csv_row(doc))
        yield buffer.getvalue()
