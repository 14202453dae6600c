"""Categories in two levels: a group (no parent) and its categories."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.core.db import Base, Timestamps, WorkspaceScoped

KINDS = ("expense", "income")


class Category(WorkspaceScoped, Timestamps, Base):
    __tablename__ = "categories"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "parent_id", "name", name="uq_categories_workspace_parent_name"),
        # The constraint above never refuses two groups of one name (their NULL parents never clash);
        # this one, on the parent or 0, does, so two writers creating one group cannot both succeed.
        sa.Index("uq_categories_workspace_parent_key_name", "workspace_id", "parent_key", "name", unique=True),
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("categories.id", ondelete="CASCADE"), index=True
    )
    # The parent's id, or 0 for a group: what the unique name constraint compares (read-only, computed).
    parent_key: Mapped[int | None] = mapped_column(sa.Integer, sa.Computed("coalesce(parent_id, 0)", persisted=False))
    name: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[str] = mapped_column(sa.String(10), default="expense")

    parent: Mapped[Category | None] = relationship(remote_side="Category.id", back_populates="children")
    children: Mapped[list[Category]] = relationship(back_populates="parent", order_by="Category.name")

    @property
    def is_group(self) -> bool:
        return self.parent_id is None

    @property
    def full_name(self) -> str:
        return f"{self.parent.name}: {self.name}" if self.parent else self.name

    def __repr__(self) -> str:
        return f"<Category {self.id} {self.full_name}>"
