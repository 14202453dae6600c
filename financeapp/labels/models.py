"""Labels (tags): any number per transaction."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, Timestamps, WorkspaceScoped


class Label(WorkspaceScoped, Timestamps, Base):
    __tablename__ = "labels"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "name", name="uq_labels_workspace_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    colour: Mapped[str] = mapped_column(sa.String(7), default="#6c757d")

    def __repr__(self) -> str:
        return f"<Label {self.id} {self.name}>"
