"""What the API itself stores: the first answer to each Idempotency-Key, for 24 hours."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, WorkspaceScoped, utcnow

# A created row's JSON is small, but a transfer or an import answer can pass TEXT's 64 KB on MariaDB.
BODY_TEXT = sa.Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


class IdempotencyKey(WorkspaceScoped, Base):
    """One client key of one user in one workspace: which request it named and what it answered.

    The row is written in the same transaction as the create it guards, so a key is either unknown
    or names a request whose rows were committed; `status` is filled in right after the commit.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "user_id", "key", name="uq_idempotency_keys_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    status: Mapped[int | None] = mapped_column(sa.Integer)
    content_type: Mapped[str] = mapped_column(sa.String(100), default="", nullable=False)
    location: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)
    body: Mapped[str] = mapped_column(BODY_TEXT, default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True, nullable=False)
