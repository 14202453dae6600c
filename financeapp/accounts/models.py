"""Accounts hold money; reconciliations record agreed statement balances."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, Money, Timestamps, WorkspaceScoped, utcnow

ACCOUNT_TYPES = {
    "checking": "Checking",
    "savings": "Savings",
    "credit_card": "Credit card",
    "cash": "Cash",
    "loan": "Loan",
    "investment": "Investment",
    "other_asset": "Other asset",
    "other_liability": "Other liability",
}
LIABILITY_TYPES = frozenset({"credit_card", "loan", "other_liability"})


class Account(WorkspaceScoped, Timestamps, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "name", name="uq_accounts_workspace_name"),
        sa.CheckConstraint(sa.column("type").in_(ACCOUNT_TYPES), name="type_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    type: Mapped[str] = mapped_column(sa.String(20), default="checking")
    currency: Mapped[str] = mapped_column(sa.String(3))
    opening_balance: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    opening_date: Mapped[date]
    group_name: Mapped[str] = mapped_column(sa.String(40), default="")
    colour: Mapped[str] = mapped_column(sa.String(7), default="#0d6efd")
    include_in_net_worth: Mapped[bool] = mapped_column(default=True)
    archived: Mapped[bool] = mapped_column(default=False)
    number: Mapped[str] = mapped_column(sa.String(64), default="")  # bank's account id, for imports
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def is_liability(self) -> bool:
        return self.type in LIABILITY_TYPES

    @property
    def type_label(self) -> str:
        return ACCOUNT_TYPES[self.type]

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.name}>"


class Reconciliation(WorkspaceScoped, Base):
    __tablename__ = "reconciliations"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    statement_date: Mapped[date]
    statement_balance: Mapped[Decimal] = mapped_column(Money)
    cleared_balance: Mapped[Decimal] = mapped_column(Money)
    adjustment: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    transactions_reconciled: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
