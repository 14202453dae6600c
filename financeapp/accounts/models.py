"""Accounts hold money; reconciliations record agreed statement balances."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.crypto import EncryptedText, blind_index
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
        sa.Index("ix_accounts_ws_number_digest", "workspace_id", "number_digest"),
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
    # The bank's account id or IBAN, for imports: encrypted; found by `number_digest` (a keyed hash).
    number: Mapped[str] = mapped_column(EncryptedText("accounts.number"), default="")
    number_digest: Mapped[str | None] = mapped_column(sa.String(64))
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    @property
    def is_liability(self) -> bool:
        return self.type in LIABILITY_TYPES

    @property
    def type_label(self) -> str:
        return ACCOUNT_TYPES[self.type]

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.name}>"


def normalise_number(number: str) -> str:
    """An account number or IBAN as imports compare it: letters and digits only, case-folded."""
    return "".join(c for c in (number or "") if c.isalnum()).casefold()


def number_digest(number: str) -> str | None:
    """The keyed hash beside the encrypted number, by which imports find an account."""
    plain = normalise_number(number)
    return blind_index(plain) if plain else None


@sa.event.listens_for(Account, "before_insert")
@sa.event.listens_for(Account, "before_update")
def _keep_number_digest(_mapper, _connection, account: Account) -> None:
    account.number_digest = number_digest(account.number or "")


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
