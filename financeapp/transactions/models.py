"""Transactions move money in one account; their lines say which category it was for."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.db import Base, Money, Timestamps, WorkspaceScoped, utcnow
from financeapp.labels.models import Label
from financeapp.payees.models import Payee

STATUSES = ("uncleared", "cleared", "reconciled")

transaction_labels = sa.Table(
    "transaction_labels",
    Base.metadata,
    sa.Column("transaction_id", sa.ForeignKey("transactions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("label_id", sa.ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
    # Filtering by label walks from the label to its transactions.
    sa.Index("ix_transaction_labels_label_transaction", "label_id", "transaction_id"),
)


class Transaction(WorkspaceScoped, Timestamps, Base):
    """Signed from the account's side: negative is money out.

    Indexes, chosen from EXPLAIN on MariaDB and SQLite with 100,000 rows per workspace:
    - (workspace_id, date, id): the default page, newest first, and date ranges;
    - (workspace_id, account_id, date, amount, payee_id, memo): an account's page, and covering for
      balances and the count and sum of a filtered set (a text search included), so they read the
      index only;
    - (workspace_id, amount): sorting and ranges by amount.
    """

    __tablename__ = "transactions"
    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="status_known"),
        sa.Index("ix_transactions_ws_date_id", "workspace_id", "date", "id"),
        # payee_id and memo too, so the count and sums of a text search read the index, not the rows.
        sa.Index("ix_transactions_ws_account_date_amount_text", "workspace_id", "account_id", "date", "amount",
                 "payee_id", "memo"),
        sa.Index("ix_transactions_ws_amount", "workspace_id", "amount"),
        sa.Index("ix_transactions_ws_account_external", "workspace_id", "account_id", "external_id"),
        # Reports over a date range read only this index (EXPLAIN: "Using index" for every report query).
        sa.Index("ix_transactions_ws_date_flow", "workspace_id", "date", "transfer_key", "account_id", "payee_id",
                 "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    on: Mapped[date] = mapped_column("date")
    amount: Mapped[Decimal] = mapped_column(Money)
    payee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payees.id", ondelete="SET NULL"), index=True)
    memo: Mapped[str] = mapped_column(sa.String(255), default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="uncleared")
    # Both sides of a transfer share this key (the id of the first side).
    transfer_key: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    # Optimistic locking: an edit made from a stale form fails instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)
    # Where an imported row came from: its import (undone as a whole) and the bank's own id (OFX FITID).
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id", ondelete="SET NULL"),
                                                  index=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(255))

    account: Mapped[Account] = relationship()
    payee: Mapped[Payee | None] = relationship()
    lines: Mapped[list[TransactionLine]] = relationship(
        back_populates="transaction", cascade="all, delete-orphan", order_by="TransactionLine.id"
    )
    labels: Mapped[list[Label]] = relationship(secondary=transaction_labels, order_by=Label.name)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_transfer(self) -> bool:
        return self.transfer_key is not None

    @property
    def kind(self) -> str:
        if self.is_transfer:
            return "transfer"
        return "income" if self.amount > 0 else "expense"

    @property
    def is_split(self) -> bool:
        return len(self.lines) > 1

    def __repr__(self) -> str:
        return f"<Transaction {self.id} {self.on} {self.amount}>"


class TransactionLine(WorkspaceScoped, Base):
    """One category's share of a transaction; the lines add up to its amount."""

    __tablename__ = "transaction_lines"
    __table_args__ = (
        sa.Index("ix_transaction_lines_ws_category_txn", "workspace_id", "category_id", "transaction_id"),
        # Joining lines to their transactions in reports reads only this index.
        sa.Index("ix_transaction_lines_txn_ws_category_amount", "transaction_id", "workspace_id", "category_id",
                 "amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        sa.ForeignKey("transactions.id", ondelete="CASCADE"), index=True
    )
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id", ondelete="SET NULL"))
    amount: Mapped[Decimal] = mapped_column(Money)
    memo: Mapped[str] = mapped_column(sa.String(255), default="")

    transaction: Mapped[Transaction] = relationship(back_populates="lines")
    category: Mapped[Category | None] = relationship()


class SavedSearch(WorkspaceScoped, Base):
    """A member's named search of the transactions list (the search language's text)."""

    __tablename__ = "saved_searches"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id", "name", name="uq_saved_searches_owner_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    query: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TransferRefusal(WorkspaceScoped, Base):
    """A money-out and a money-in the user said are not one transfer: never proposed as a pair again.

    Deleting either transaction deletes the refusal with it (the pair cannot come back then).
    """

    __tablename__ = "transfer_refusals"
    __table_args__ = (sa.UniqueConstraint("out_id", "in_id", name="uq_transfer_refusals_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    out_id: Mapped[int] = mapped_column(sa.ForeignKey("transactions.id", ondelete="CASCADE"))
    in_id: Mapped[int] = mapped_column(sa.ForeignKey("transactions.id", ondelete="CASCADE"), index=True)
    refused_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
