"""Budgets: an amount per category (or category group) per month or per year, and the workspace's style."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.categories.models import Category
from financeapp.core.db import Base, Money, Timestamps, WorkspaceScoped

STYLES = {"limits": "Limits per category", "zero_based": "Zero-based (envelopes)"}
PERIODS = ("month", "year")


class BudgetSetting(WorkspaceScoped, Timestamps, Base):
    """How a workspace budgets; a workspace without a row uses limits."""

    __tablename__ = "budget_settings"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", name="uq_budget_settings_workspace_id"),
        sa.CheckConstraint(sa.column("style").in_(STYLES), name="style_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    style: Mapped[str] = mapped_column(sa.String(12), default="limits")


class BudgetLine(WorkspaceScoped, Timestamps, Base):
    """What may be spent in one category (a group covers its children without their own line).

    `month` is the first day of the month; a yearly line (`period` "year") sits on 1 January
    and is checked against the whole year's spending. `rollover` carries what is left (or
    overspent) at the end of this month into next month's line for the same category.
    """

    __tablename__ = "budget_lines"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "category_id", "month", name="uq_budget_lines_ws_category_month"),
        sa.Index("ix_budget_lines_ws_month", "workspace_id", "month"),
        sa.CheckConstraint(sa.column("period").in_(PERIODS), name="period_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    month: Mapped[date]
    period: Mapped[str] = mapped_column(sa.String(5), default="month")
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    rollover: Mapped[bool] = mapped_column(default=False)

    category: Mapped[Category] = relationship()

    @property
    def is_yearly(self) -> bool:
        return self.period == "year"

    def __repr__(self) -> str:
        return f"<BudgetLine {self.id} {self.category_id} {self.month} {self.amount}>"
