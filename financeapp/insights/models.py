"""What the insights store: the unusual-transaction finder's flagged transactions (with score and reason),
the per-payee exceptions a member taught with "this is normal", and the last computed seasonal patterns.

Flags are derived from the ledger (a full rescan recomputes the open ones); exceptions are what a member
said, and survive rescans.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.core.db import Base, Money, Timestamps, WorkspaceScoped, utcnow
from financeapp.payees.models import Payee
from financeapp.transactions.models import Transaction

FLAG_KINDS = ("size", "new_payee", "duplicate")
FLAG_STATUSES = ("open", "normal")


class UnusualTransaction(WorkspaceScoped, Base):
    """A transaction the finder flagged; `status` "normal" once a member said it is (kept, so a rescan
    does not flag it again)."""

    __tablename__ = "unusual_transactions"
    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(FLAG_KINDS), name="kind_known"),
        sa.CheckConstraint(sa.column("status").in_(FLAG_STATUSES), name="status_known"),
        sa.UniqueConstraint("transaction_id", name="uq_unusual_transactions_transaction_id"),
        # The page: a workspace's open flags, newest transaction first (joined on transaction_id).
        sa.Index("ix_unusual_transactions_ws_status_txn", "workspace_id", "status", "transaction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(sa.ForeignKey("transactions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    score: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2))  # robust z-score of the log amount
    reason: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    transaction: Mapped[Transaction] = relationship()


class UnusualException(WorkspaceScoped, Timestamps, Base):
    """A payee's amounts a member called normal (in one currency): later ones in [low, high], with a
    margin, are not flagged. Marking another of its transactions normal widens the range."""

    __tablename__ = "unusual_exceptions"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "payee_id", "currency", name="uq_unusual_exceptions_payee_currency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payee_id: Mapped[int] = mapped_column(sa.ForeignKey("payees.id", ondelete="CASCADE"), index=True)
    currency: Mapped[str] = mapped_column(sa.String(3))
    low: Mapped[Decimal] = mapped_column(Money)  # magnitudes (money out as a positive amount)
    high: Mapped[Decimal] = mapped_column(Money)
    taught_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    payee: Mapped[Payee] = relationship()


class PatternSnapshot(WorkspaceScoped, Base):
    """The seasonal patterns and trends last computed for a workspace (by the scan job), as the JSON the
    page, the API and the CLI show; derived from the monthly totals, so never backed up."""

    __tablename__ = "pattern_snapshots"
    __table_args__ = (sa.UniqueConstraint("workspace_id", name="uq_pattern_snapshots_workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    through: Mapped[str] = mapped_column(sa.String(7))  # the last whole month used, YYYY-MM
    data: Mapped[str] = mapped_column(sa.Text)
