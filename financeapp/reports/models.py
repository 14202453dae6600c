"""Models of the reports domain: monthly totals kept beside the ledger (see `financeapp.reports.totals`)."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, Money, WorkspaceScoped


class MonthlyTotal(WorkspaceScoped, Base):
    """Money in and out of one account in one month, per category line's category and transfer flag.

    Derived data: rebuilt from transactions and their lines, never edited by hand, not in
    backups. Category deletions set category_id to NULL here as they do on the lines, so a
    key may repeat; readers always GROUP BY.
    """

    __tablename__ = "monthly_totals"
    __table_args__ = (
        # Reports read a month range of a workspace from this index alone.
        sa.Index("ix_monthly_totals_ws_month_flow", "workspace_id", "month", "transfer", "account_id",
                 "category_id", "money_in", "money_out"),
        # Refreshing one account's months deletes by this.
        sa.Index("ix_monthly_totals_account_month", "account_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(sa.String(7))  # 'YYYY-MM'
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("categories.id", ondelete="SET NULL"),
                                                    index=True)
    transfer: Mapped[bool] = mapped_column(default=False)
    money_in: Mapped[Decimal] = mapped_column(Money)  # the lines above zero
    money_out: Mapped[Decimal] = mapped_column(Money)  # the lines below zero (zero or negative)
    line_count: Mapped[int] = mapped_column(default=0)
