"""Documents (a stored receipt or invoice and what was read from it), their flags, audit trail and batches.

A document has two states: `status` says how far reading it got (queued, processing, processed,
failed) and `state` where it is in the approval workflow (draft ... paid; see workflow.py). The
extracted values are typed columns on the document (so sums, duplicates and the dashboard are SQL);
`DocumentField` keeps, per field, what extraction first read, how sure it was and whether a person
corrected it — which is what the accuracy figures and the vendor templates learn from.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.core.crypto import EncryptedText
from financeapp.core.db import Base, Money, Rate, WorkspaceScoped, utcnow
from financeapp.vendors.models import Vendor

STATUSES = ("queued", "processing", "processed", "failed")
STATES = ("draft", "submitted", "approved", "rejected", "returned", "paid")
KINDS = ("invoice", "receipt")
SOURCES = ("text", "ocr")
FLAG_CODES = ("duplicate", "invalid_gstin", "total_mismatch", "future_date", "unusual_amount", "low_confidence")
# The fields a person reviews, in the order the review page shows them.
FIELDS = ("vendor", "vendor_gstin", "buyer_gstin", "invoice_number", "date", "currency", "subtotal", "tax",
          "round_off", "total")
LongText = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


class DocumentBatch(WorkspaceScoped, Base):
    """Files uploaded together; their progress and summary are counted from the documents."""

    __tablename__ = "document_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Document(WorkspaceScoped, Base):
    """One uploaded receipt or invoice. The file is in UPLOAD_FOLDER/<workspace>/<stored_name>."""

    __tablename__ = "documents"
    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status_known"),
        sa.CheckConstraint(sa.column("state").in_(STATES), name="state_known"),
        sa.Index("ix_documents_ws_state_created", "workspace_id", "state", "created_at"),
        sa.Index("ix_documents_ws_sha256", "workspace_id", "sha256"),
        sa.Index("ix_documents_ws_vendor_date", "workspace_id", "vendor_id", "invoice_date"),
        sa.Index("ix_documents_ws_number", "workspace_id", "invoice_number"),
        sa.Index("ix_documents_ws_gstin_number", "workspace_id", "vendor_gstin", "invoice_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document_batches.id", ondelete="SET NULL"),
                                                 index=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)  # random hex; never user input
    content_type: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    phash: Mapped[str | None] = mapped_column(sa.String(64))  # 256-bit perceptual hash of page 1, hex
    pages: Mapped[int] = mapped_column(default=0)

    status: Mapped[str] = mapped_column(sa.String(12), default="queued")
    message: Mapped[str] = mapped_column(sa.String(500), default="")  # why reading failed, in words
    attempts: Mapped[int] = mapped_column(default=0)
    source: Mapped[str | None] = mapped_column(sa.String(8))  # "text" (PDF text layer) or "ocr"
    kind: Mapped[str] = mapped_column(sa.String(10), default="invoice")
    text: Mapped[str] = mapped_column(LongText, default="")
    seconds: Mapped[Decimal | None] = mapped_column(Rate)  # time spent reading, for the figures
    processed_at: Mapped[datetime | None]
    # When the current (or last) reading began: a "processing" document older than the stale limit
    # belongs to a job that died or timed out (jobs.fail_stale).
    reading_started_at: Mapped[datetime | None]

    vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vendors.id", ondelete="SET NULL"))
    vendor_name: Mapped[str] = mapped_column(sa.String(120), default="")
    vendor_gstin: Mapped[str | None] = mapped_column(sa.String(15))
    buyer_gstin: Mapped[str | None] = mapped_column(sa.String(15))
    gstin_valid: Mapped[bool | None]
    invoice_number: Mapped[str | None] = mapped_column(sa.String(60))
    invoice_date: Mapped[date | None]
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    subtotal: Mapped[Decimal | None] = mapped_column(Money)
    tax_total: Mapped[Decimal | None] = mapped_column(Money)
    round_off: Mapped[Decimal | None] = mapped_column(Money)
    total: Mapped[Decimal | None] = mapped_column(Money)
    bank_details: Mapped[str] = mapped_column(EncryptedText("documents.bank_details"), default="")  # encrypted

    state: Mapped[str] = mapped_column(sa.String(10), default="draft")
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    # The one ledger entry an approval books, and the transaction that paid it.
    transaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transactions.id", ondelete="SET NULL"),
                                                       unique=True)
    payment_transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transactions.id", ondelete="SET NULL"), index=True)

    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic locking: two approvals (or an edit and an approval) racing cannot both win.
    version: Mapped[int] = mapped_column(default=1)

    vendor: Mapped[Vendor | None] = relationship()
    fields: Mapped[list[DocumentField]] = relationship(cascade="all, delete-orphan", order_by="DocumentField.id")
    flags: Mapped[list[DocumentFlag]] = relationship(cascade="all, delete-orphan", order_by="DocumentFlag.id",
                                                     foreign_keys="DocumentFlag.document_id")
    tax_lines: Mapped[list[DocumentTaxLine]] = relationship(cascade="all, delete-orphan",
                                                            order_by="DocumentTaxLine.id")
    items: Mapped[list[DocumentItem]] = relationship(cascade="all, delete-orphan", order_by="DocumentItem.position")

    __mapper_args__ = {"version_id_col": version}

    @property
    def flag_codes(self) -> list[str]:
        return [flag.code for flag in self.flags]

    def field(self, name: str) -> DocumentField | None:
        return next((f for f in self.fields if f.name == name), None)

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.original_name}>"


class DocumentField(WorkspaceScoped, Base):
    """How one field of a document was read: the text extraction found, its confidence, and corrections."""

    __tablename__ = "document_fields"
    __table_args__ = (sa.UniqueConstraint("document_id", "name", name="uq_document_fields_document_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(20))
    extracted: Mapped[str] = mapped_column(sa.String(255), default="")  # "" when nothing was found
    confidence: Mapped[int] = mapped_column(default=0)  # 0-100
    source: Mapped[str] = mapped_column(sa.String(10), default="rule")  # rule, template, qr
    note: Mapped[str] = mapped_column(sa.String(120), default="")  # "corrected", "from QR, unverified"
    corrected: Mapped[bool] = mapped_column(default=False)
    corrected_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    corrected_at: Mapped[datetime | None]


class DocumentFlag(WorkspaceScoped, Base):
    """A reason to look twice at a document, in words; never a silent reject."""

    __tablename__ = "document_flags"
    __table_args__ = (
        sa.CheckConstraint(sa.column("code").in_(FLAG_CODES), name="code_known"),
        sa.Index("ix_document_flags_ws_code", "workspace_id", "code", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(300))
    # The earlier document this one seems to repeat (duplicate flags).
    related_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id", ondelete="SET NULL"))


class DocumentTaxLine(WorkspaceScoped, Base):
    """One tax on a document: CGST, SGST, IGST, CESS, VAT or sales tax, with its rate when printed."""

    __tablename__ = "document_tax_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    rate: Mapped[Decimal | None] = mapped_column(Rate)  # per cent
    amount: Mapped[Decimal] = mapped_column(Money)


class DocumentItem(WorkspaceScoped, Base):
    """A line item, where the layout let extraction read one."""

    __tablename__ = "document_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    description: Mapped[str] = mapped_column(sa.String(255))
    quantity: Mapped[Decimal | None] = mapped_column(Rate)
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)


class DocumentEvent(WorkspaceScoped, Base):
    """The audit trail of the workflow: who did what to a document, when, with their comment."""

    __tablename__ = "document_events"
    __table_args__ = (sa.Index("ix_document_events_document_created", "document_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(120), default="")  # kept when the user is deleted
    action: Mapped[str] = mapped_column(sa.String(12))
    from_state: Mapped[str] = mapped_column(sa.String(10))
    to_state: Mapped[str] = mapped_column(sa.String(10))
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DocumentSettings(WorkspaceScoped, Base):
    """The owner's choices: the account approved expenses are booked to, and the second-approver amount."""

    __tablename__ = "document_settings"
    __table_args__ = (sa.UniqueConstraint("workspace_id", name="uq_document_settings_workspace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"))
    second_approval_above: Mapped[Decimal | None] = mapped_column(Money)


class VendorPattern(WorkspaceScoped, Base):
    """A learned template line for one vendor: the label printed before a field's value (invoice2data style)."""

    __tablename__ = "vendor_patterns"
    __table_args__ = (sa.UniqueConstraint("vendor_id", "field", "label", name="uq_vendor_patterns_vendor_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(sa.String(20))
    label: Mapped[str] = mapped_column(sa.String(80))
    hits: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
