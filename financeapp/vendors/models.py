"""Vendors: the issuers of documents, found by GSTIN or name; the payee their expenses are booked to."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.categories.models import Category
from financeapp.core.crypto import EncryptedText
from financeapp.core.db import Base, WorkspaceScoped, utcnow


class Vendor(WorkspaceScoped, Base):
    """One supplier of a workspace. `match_name` is the name folded for matching (case, spaces, punctuation)."""

    __tablename__ = "vendors"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "gstin", name="uq_vendors_workspace_gstin"),
        sa.Index("ix_vendors_ws_match_name", "workspace_id", "match_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    match_name: Mapped[str] = mapped_column(sa.String(120))
    gstin: Mapped[str | None] = mapped_column(sa.String(15))
    gstin_valid: Mapped[bool | None]
    # The bank details printed on its last invoice (account number, IFSC), to notice a change.
    bank_details: Mapped[str] = mapped_column(EncryptedText("vendors.bank_details"), default="")  # encrypted
    bank_details_changed_at: Mapped[datetime | None]
    default_category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    default_category: Mapped[Category | None] = relationship()

    def __repr__(self) -> str:
        return f"<Vendor {self.id} {self.name}>"
