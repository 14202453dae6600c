"""Debts: loans with an amortisation schedule and credit cards with a minimum payment; payments; the plan."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.accounts.models import Account
from financeapp.core.db import Base, Money, Rate, Timestamps, WorkspaceScoped, utcnow

DEBT_KINDS = {"loan": "Loan", "credit_card": "Credit card"}
MIN_PAYMENT_KINDS = {"fixed": "A fixed amount", "percent": "A percentage of the balance"}
STRATEGIES = {
    "avalanche": "Avalanche: highest rate first",
    "snowball": "Snowball: smallest balance first",
    "custom": "My own order",
}


class Debt(WorkspaceScoped, Timestamps, Base):
    """A loan (principal, rate, term, start) or a credit card (balance, APR, minimum payment).

    The current balance comes from the linked ledger account when there is one; otherwise a
    loan's is its principal less the principal of its recorded payments, and a card's is typed in.
    Rates are annual percentages (24.99 means 24.99 % a year).
    """

    __tablename__ = "debts"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "name", name="uq_debts_workspace_name"),
        sa.CheckConstraint(sa.column("kind").in_(DEBT_KINDS), name="kind_known"),
        sa.CheckConstraint(sa.column("min_payment_kind").in_(MIN_PAYMENT_KINDS), name="min_payment_kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(20), default="loan")
    currency: Mapped[str] = mapped_column(sa.String(3))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    annual_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal(0))
    # Loans
    principal: Mapped[Decimal | None] = mapped_column(Money)
    term_months: Mapped[int | None]
    start_date: Mapped[date | None]
    payment_day: Mapped[int | None]
    # Credit cards
    balance: Mapped[Decimal | None] = mapped_column(Money)
    min_payment_kind: Mapped[str] = mapped_column(sa.String(10), default="fixed")
    min_payment: Mapped[Decimal | None] = mapped_column(Money)  # the fixed amount, or the floor of a percentage
    min_payment_percent: Mapped[Decimal | None] = mapped_column(Rate)
    # The user's own payoff order (the "custom" strategy); lower first, empty last.
    payoff_order: Mapped[int | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    account: Mapped[Account | None] = relationship()

    @property
    def is_loan(self) -> bool:
        return self.kind == "loan"

    @property
    def kind_label(self) -> str:
        return DEBT_KINDS[self.kind]

    def __repr__(self) -> str:
        return f"<Debt {self.id} {self.name}>"


class DebtPayment(WorkspaceScoped, Base):
    """One payment on a loan, split into interest and principal; optionally tied to a ledger transaction."""

    __tablename__ = "debt_payments"
    __table_args__ = (sa.Index("ix_debt_payments_ws_debt_date", "workspace_id", "debt_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debt_id: Mapped[int] = mapped_column(sa.ForeignKey("debts.id", ondelete="CASCADE"), index=True)
    on: Mapped[date] = mapped_column("date")
    amount: Mapped[Decimal] = mapped_column(Money)
    interest: Mapped[Decimal] = mapped_column(Money)
    principal: Mapped[Decimal] = mapped_column(Money)
    transaction_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transactions.id", ondelete="SET NULL"), index=True
    )
    # True when recording the payment wrote the transaction (deleting the payment deletes it too).
    created_transaction: Mapped[bool] = mapped_column(default=False)
    memo: Mapped[str] = mapped_column(sa.String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DebtPlanSetting(WorkspaceScoped, Base):
    """The workspace's chosen payoff strategy and extra monthly amount (one row per workspace)."""

    __tablename__ = "debt_plan_settings"
    __table_args__ = (sa.UniqueConstraint("workspace_id", name="uq_debt_plan_settings_workspace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy: Mapped[str] = mapped_column(sa.String(10), default="avalanche")
    extra: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
