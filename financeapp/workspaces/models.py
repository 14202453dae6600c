"""Workspaces own all financial data; memberships give users a role in one."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.core.db import Base, Timestamps
from financeapp.workspaces.roles import ROLES, has_role

if TYPE_CHECKING:
    from financeapp.auth.models import User


class Workspace(Timestamps, Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    base_currency: Mapped[str] = mapped_column(sa.String(3), default="USD")
    is_personal: Mapped[bool] = mapped_column(default=False)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Workspace {self.id} {self.name}>"


class Membership(Timestamps, Base):
    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "workspace_id", name="uq_memberships_user_workspace"),
        sa.CheckConstraint(sa.column("role").in_(ROLES), name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(16), default="member")

    user: Mapped[User] = relationship(back_populates="memberships")
    workspace: Mapped[Workspace] = relationship(back_populates="memberships")

    def allows(self, needed: str) -> bool:
        """Whether this member's role is at least `needed`."""
        return has_role(self.role, needed)
