"""Imports: each upload is a batch (undone as a whole); CSV column mappings are remembered."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, WorkspaceScoped, utcnow

STATUSES = ("staged", "running", "committed", "undone", "failed")


class ImportBatch(WorkspaceScoped, Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(sa.String(255))
    format: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default="staged")
    stored_name: Mapped[str] = mapped_column(sa.String(64), default="")  # the uploaded file, kept until done
    sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    options: Mapped[str] = mapped_column(sa.Text, default="{}")  # JSON: mapping, account choices, overrides
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_imported: Mapped[int] = mapped_column(default=0)
    rows_duplicate: Mapped[int] = mapped_column(default=0)
    rows_error: Mapped[int] = mapped_column(default=0)
    rows_skipped: Mapped[int] = mapped_column(default=0)  # new rows the user chose not to import
    progress: Mapped[int] = mapped_column(default=0)  # rows processed so far, for the progress bar
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    committed_at: Mapped[datetime | None]
    undone_at: Mapped[datetime | None]


class CsvMapping(WorkspaceScoped, Base):
    """A CSV column mapping, found again by the file's header signature."""

    __tablename__ = "csv_mappings"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "header_signature", name="uq_csv_mappings_header"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    header_signature: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    mapping: Mapped[str] = mapped_column(sa.Text)  # JSON of the parser's CsvMapping
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The account the last file with this header went to: its one statement goes there again.
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"))
