"""Recurring items (templates of transactions, some of them bills) and the occurrences that happened.

An occurrence row exists once an occurrence was dealt with: posted (a transaction was created),
paid (a bill matched a transaction that was entered or imported) or skipped. The unique key
(recurring_id, occurrence_date) is what makes posting exactly-once, however often and however
concurrently the job runs: the row is inserted before the transaction, and a duplicate insert fails.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.db import Base, Money, Timestamps, WorkspaceScoped, utcnow
from financeapp.recurring.schedule import Schedule

KINDS = ("entry", "transfer")
DIRECTIONS = ("out", "in")
OCCURRENCE_STATUSES = ("posted", "paid", "skipped")


class RecurringItem(WorkspaceScoped, Timestamps, Base):
    """A transaction (or transfer) that repeats on a schedule; `is_bill` adds reminders and matching."""

    __tablename__ = "recurring_items"
    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name="kind_known"),
        sa.CheckConstraint(sa.column("direction").in_(DIRECTIONS), name="direction_known"),
        sa.Index("ix_recurring_items_ws_paused", "workspace_id", "paused"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(10), default="entry")
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    to_account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(sa.String(3), default="out")
    # Positive; the direction signs it. For a bill this is the expected amount.
    amount: Mapped[Decimal] = mapped_column(Money)
    to_amount: Mapped[Decimal | None] = mapped_column(Money)  # a transfer across currencies
    payee: Mapped[str] = mapped_column(sa.String(120), default="")
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id", ondelete="SET NULL"),
                                                    index=True)
    memo: Mapped[str] = mapped_column(sa.String(255), default="")

    frequency: Mapped[str] = mapped_column(sa.String(10), default="monthly")
    interval: Mapped[int] = mapped_column(default=1)
    weekdays: Mapped[str] = mapped_column(sa.String(20), default="")  # "0,3" = Monday and Thursday
    monthly_mode: Mapped[str] = mapped_column(sa.String(12), default="day")
    month_day: Mapped[int | None]
    nth: Mapped[int | None]
    nth_weekday: Mapped[int | None]
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    count: Mapped[int | None]
    # Occurrences before this date are history: never posted, listed or reminded. It is the start
    # date at first, and moves to today when the schedule is edited, so an edit posts nothing twice.
    effective_from: Mapped[date]

    auto_post: Mapped[bool] = mapped_column(default=False)
    paused: Mapped[bool] = mapped_column(default=False)
    is_bill: Mapped[bool] = mapped_column(default=False)
    remind_days: Mapped[int] = mapped_column(default=3)
    tolerance_pct: Mapped[int | None]  # a matching payment may differ by this many per cent; None: exact

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    to_account: Mapped[Account | None] = relationship(foreign_keys=[to_account_id])
    category: Mapped[Category | None] = relationship()

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            start=self.start_date, frequency=self.frequency, interval=self.interval,
            weekdays=tuple(int(d) for d in self.weekdays.split(",") if d.strip().isdigit()),
            monthly_mode=self.monthly_mode, month_day=self.month_day, nth=self.nth,
            nth_weekday=self.nth_weekday, end=self.end_date, count=self.count,
        )

    @property
    def is_transfer(self) -> bool:
        return self.kind == "transfer"

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.direction == "out" or self.is_transfer else self.amount

    def __repr__(self) -> str:
        return f"<RecurringItem {self.id} {self.name}>"


class RecurringOccurrence(WorkspaceScoped, Base):
    """One dealt-with occurrence of a recurring item; at most one per item and date."""

    __tablename__ = "recurring_occurrences"
    __table_args__ = (
        sa.UniqueConstraint("recurring_id", "occurrence_date", name="uq_recurring_occurrences_item_date"),
        sa.CheckConstraint(sa.column("status").in_(OCCURRENCE_STATUSES), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recurring_id: Mapped[int] = mapped_column(sa.ForeignKey("recurring_items.id", ondelete="CASCADE"))
    occurrence_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(10))
    # The transaction posted (or, for a paid bill, the one that matched); kept when it is deleted.
    transaction_id: Mapped[int | None] = mapped_column(sa.ForeignKey("transactions.id", ondelete="SET NULL"),
                                                       index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[RecurringItem] = relationship()
