"""Invitations into a workspace: by e-mail, with a role, single-use and expiring."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.core.db import Base, WorkspaceScoped, utcnow
from financeapp.workspaces.models import Workspace
from financeapp.workspaces.roles import ROLES


class Invitation(WorkspaceScoped, Base):
    """The link carries a signed token naming this row; accepting (or revoking) it ends the link."""

    __tablename__ = "invitations"
    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(ROLES), name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[str] = mapped_column(sa.String(16), default="member")
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # A random part of the signed link, so a revoked and re-sent invite gets a new link.
    nonce: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]

    workspace: Mapped[Workspace] = relationship()

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now
