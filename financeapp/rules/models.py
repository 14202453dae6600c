"""Categorisation rules: an ordered list per workspace of conditions and the actions they trigger."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.db import Base, Money, Timestamps, WorkspaceScoped

TEXT_FIELDS = {"payee": "Payee", "memo": "Memo", "any": "Payee or memo"}
TEXT_OPS = {"contains": "contains", "equals": "equals", "regex": "matches the regular expression"}
SIGNS = {"any": "Money in or out", "in": "Money in", "out": "Money out"}


class Rule(WorkspaceScoped, Timestamps, Base):
    """When a transaction matches every condition given, the actions given apply.

    Conditions left empty match anything. The amount range is on the absolute value,
    so "between 10 and 50" reads the same for money in and money out; `sign` picks
    the direction. A rule whose account is deleted is deleted with it (widening it to
    every account would be a surprise).
    """

    __tablename__ = "rules"
    __table_args__ = (
        sa.CheckConstraint(sa.column("match_field").in_(TEXT_FIELDS), name="match_field_known"),
        sa.CheckConstraint(sa.column("match_op").in_(TEXT_OPS), name="match_op_known"),
        sa.CheckConstraint(sa.column("sign").in_(SIGNS), name="sign_known"),
        sa.Index("ix_rules_ws_position", "workspace_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # Also run when someone types an entry (the form, quick add, the API); imports always run rules.
    on_manual: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    match_field: Mapped[str] = mapped_column(sa.String(8), default="payee")
    match_op: Mapped[str] = mapped_column(sa.String(8), default="contains")
    match_text: Mapped[str] = mapped_column(sa.String(255), default="")  # empty: no text condition
    amount_min: Mapped[Decimal | None] = mapped_column(Money)
    amount_max: Mapped[Decimal | None] = mapped_column(Money)
    sign: Mapped[str] = mapped_column(sa.String(3), default="any")
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    set_payee: Mapped[str] = mapped_column(sa.String(120), default="")
    set_category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )
    add_labels: Mapped[str] = mapped_column(sa.String(255), default="")  # comma-separated label names

    account: Mapped[Account | None] = relationship()
    set_category: Mapped[Category | None] = relationship()

    @property
    def label_names(self) -> list[str]:
        return [name.strip() for name in self.add_labels.split(",") if name.strip()]

    @property
    def has_action(self) -> bool:
        return bool(self.set_payee or self.set_category_id or self.label_names)

    def __repr__(self) -> str:
        return f"<Rule {self.id} {self.name}>"
