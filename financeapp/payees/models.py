"""Payees: who money went to or came from."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.categories.models import Category
from financeapp.core.db import Base, Timestamps, WorkspaceScoped


class Payee(WorkspaceScoped, Timestamps, Base):
    __tablename__ = "payees"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "name", name="uq_payees_workspace_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    default_category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="SET NULL"), index=True
    )

    default_category: Mapped[Category | None] = relationship()

    def __repr__(self) -> str:
        return f"<Payee {self.id} {self.name}>"
