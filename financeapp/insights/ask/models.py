"""Learned aliases: a phrase a workspace's members used for one of its categories, groups, payees,
accounts or labels, taught by picking the intended name from a "Did you mean" suggestion."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, Timestamps, WorkspaceScoped

ALIAS_KINDS = ("category", "group", "payee", "account", "label")


class AskAlias(WorkspaceScoped, Timestamps, Base):
    """`phrase` (normalised as the vocabulary compares words) means the `kind` row `target_id`.

    The target is not a foreign key (it is one of five tables); a deleted target leaves an alias
    that the vocabulary ignores, as it only resolves to rows the workspace still has.
    """

    __tablename__ = "ask_aliases"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "phrase", name="uq_ask_aliases_workspace_phrase"),
        sa.CheckConstraint(sa.column("kind").in_(ALIAS_KINDS), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(10))
    target_id: Mapped[int] = mapped_column(sa.Integer)

    def __repr__(self) -> str:
        return f"<AskAlias {self.id} {self.phrase!r} -> {self.kind} {self.target_id}>"
