"""Exchange rates per date and currency pair."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, Rate, Timestamps, WorkspaceScoped


class ExchangeRate(WorkspaceScoped, Timestamps, Base):
    """1 unit of `base` costs `rate` units of `quote` on `on`."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "base", "quote", "date", name="uq_exchange_rates_pair_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[str] = mapped_column(sa.String(3))
    quote: Mapped[str] = mapped_column(sa.String(3))
    on: Mapped[date] = mapped_column("date")
    rate: Mapped[Decimal] = mapped_column(Rate)
