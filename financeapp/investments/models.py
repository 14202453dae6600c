"""Investments: securities, trades in investment accounts, prices, and each account's cost-basis method.

Quantities and prices are exact decimals with ten places: fund units come with up to eight. The
columns are NUMERIC(28, 10), exact on MySQL/MariaDB; SQLite has no exact decimal (a NUMERIC there
holds a float), so on SQLite the same column holds a scaled integer of 10^-10 units, exact too
(`Quantity`; range about ±922 million). Money (fees, taxes, the cash effect) uses the Money column
like every other amount.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.core.db import Base, Money, Timestamps, WorkspaceScoped

SECURITY_KINDS = {
    "stock": "Stock",
    "etf": "ETF",
    "fund": "Fund",
    "bond": "Bond",
    "crypto": "Crypto",
    "other": "Other",
}
TRADE_KINDS = {
    "buy": "Buy",
    "sell": "Sell",
    "dividend": "Dividend",
    "interest": "Interest",
    "reinvest": "Reinvested dividend",
    "split": "Split",
    "transfer_in": "Shares transferred in",
    "transfer_out": "Shares transferred out",
    "fee": "Fee",
    "deposit": "Deposit",
    "withdrawal": "Withdrawal",
}
# Kinds that move shares of a security (the others are cash, or income that may name a security).
SHARE_KINDS = frozenset({"buy", "sell", "reinvest", "split", "transfer_in", "transfer_out"})
CASH_KINDS = frozenset({"deposit", "withdrawal", "fee", "interest"})  # security optional
PRICE_SOURCES = ("manual", "csv", "statement")
COST_METHODS = {"fifo": "First in, first out (FIFO)", "average": "Average cost"}

QUANTITY_SCALE = 10
QUANTITY_UNIT = Decimal(1).scaleb(-QUANTITY_SCALE)
MAX_QUANTITY = Decimal(900_000_000)  # below the scaled BIGINT's 922,337,203.68 on SQLite


class Quantity(sa.TypeDecorator):
    """An exact quantity or price with ten decimal places on every database (see the module docstring)."""

    impl = sa.Numeric(28, QUANTITY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(28, QUANTITY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("Quantity never takes a float; pass a Decimal or a string")
        number = Decimal(value)
        if number != number.quantize(QUANTITY_UNIT):
            raise ValueError(f"{value} has more than {QUANTITY_SCALE} decimal places")
        if abs(number) >= MAX_QUANTITY:
            raise ValueError(f"{value} is too large for a quantity or price")
        return int(number.scaleb(QUANTITY_SCALE)) if dialect.name == "sqlite" else number

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-QUANTITY_SCALE)
        return Decimal(value)

    def process_literal_param(self, value: Any, dialect: sa.Dialect) -> str:
        return str(self.process_bind_param(value, dialect))


class Security(WorkspaceScoped, Timestamps, Base):
    __tablename__ = "securities"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "symbol", name="uq_securities_workspace_symbol"),
        # NULLs never clash: a unique id is unique only when set.
        sa.UniqueConstraint("workspace_id", "unique_id", name="uq_securities_workspace_unique_id"),
        sa.CheckConstraint(sa.column("kind").in_(SECURITY_KINDS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    kind: Mapped[str] = mapped_column(sa.String(10), default="stock")
    currency: Mapped[str] = mapped_column(sa.String(3))
    unique_id: Mapped[str | None] = mapped_column(sa.String(32))  # CUSIP or ISIN

    @property
    def kind_label(self) -> str:
        return SECURITY_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Security {self.id} {self.symbol}>"


class Trade(WorkspaceScoped, Timestamps, Base):
    """One event in an investment account. `amount` is the signed effect on the account's cash
    (a buy is negative: price times quantity plus fees and taxes); `quantity` is always positive."""

    __tablename__ = "trades"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "external_id", name="uq_trades_account_external_id"),
        sa.CheckConstraint(sa.column("kind").in_(TRADE_KINDS), name="kind_known"),
        sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        sa.Index("ix_trades_ws_account_date", "workspace_id", "account_id", "date", "id"),
        sa.Index("ix_trades_ws_security_date", "workspace_id", "security_id", "date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    security_id: Mapped[int | None] = mapped_column(sa.ForeignKey("securities.id", ondelete="RESTRICT"))
    on: Mapped[date] = mapped_column("date")
    kind: Mapped[str] = mapped_column(sa.String(12))
    quantity: Mapped[Decimal] = mapped_column(Quantity(), default=Decimal(0))
    price: Mapped[Decimal | None] = mapped_column(Quantity())
    fees: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    taxes: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    currency: Mapped[str] = mapped_column(sa.String(3))
    split_from: Mapped[Decimal | None] = mapped_column(Quantity())
    split_to: Mapped[Decimal | None] = mapped_column(Quantity())
    memo: Mapped[str] = mapped_column(sa.String(255), default="")
    import_batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id", ondelete="SET NULL"), index=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(255))

    security: Mapped[Security | None] = relationship()

    @property
    def kind_label(self) -> str:
        return TRADE_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Trade {self.id} {self.kind} {self.on}>"


class Price(WorkspaceScoped, Timestamps, Base):
    """A security's closing price on a day (one per security and day: a new one replaces it)."""

    __tablename__ = "prices"
    __table_args__ = (
        sa.UniqueConstraint("security_id", "date", name="uq_prices_security_date"),
        sa.CheckConstraint(sa.column("source").in_(PRICE_SOURCES), name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    security_id: Mapped[int] = mapped_column(sa.ForeignKey("securities.id", ondelete="CASCADE"))
    on: Mapped[date] = mapped_column("date")
    close: Mapped[Decimal] = mapped_column(Quantity())
    currency: Mapped[str] = mapped_column(sa.String(3))
    source: Mapped[str] = mapped_column(sa.String(10), default="manual")

    security: Mapped[Security] = relationship()


class InvestmentSetting(WorkspaceScoped, Base):
    """An investment account's cost-basis method (FIFO when the account has no row)."""

    __tablename__ = "investment_settings"

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    cost_method: Mapped[str] = mapped_column(sa.String(10), default="fifo")
