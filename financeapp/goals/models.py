"""Savings goals: a target, and progress from a linked account's balance or from contributions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.accounts.models import Account
from financeapp.core.db import Base, Money, Timestamps, WorkspaceScoped, utcnow

MILESTONES = (25, 50, 75, 100)


class Goal(WorkspaceScoped, Timestamps, Base):
    """Progress is the linked account's balance when there is one, else the sum of contributions.

    `milestone` is the highest milestone (percent) already announced, so a goal that starts
    half-way does not announce 25 % and 50 % at once; the notification's dedupe key makes each
    announcement happen exactly once however often the job runs.
    """

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    target_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3))
    target_date: Mapped[date | None]
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    milestone: Mapped[int] = mapped_column(default=0)
    archived: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    account: Mapped[Account | None] = relationship()

    @property
    def uses_account(self) -> bool:
        return self.account_id is not None

    def __repr__(self) -> str:
        return f"<Goal {self.id} {self.name}>"


class GoalContribution(WorkspaceScoped, Base):
    """Money put towards (or, negative, taken from) a goal by hand."""

    __tablename__ = "goal_contributions"
    __table_args__ = (sa.Index("ix_goal_contributions_goal_date", "goal_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goals.id", ondelete="CASCADE"))
    on: Mapped[date] = mapped_column("date")
    amount: Mapped[Decimal] = mapped_column(Money)
    memo: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
