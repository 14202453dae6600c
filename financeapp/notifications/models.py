"""A notification for one member of a workspace."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.db import Base, WorkspaceScoped, utcnow

KINDS = ("budget_alert", "bill_due", "goal_milestone", "large_transaction", "weekly_digest", "recurring_posted",
         "import_done", "system")


class Notification(WorkspaceScoped, Base):
    """`dedupe_key` makes delivery idempotent: the same event never notifies a user twice,
    however often (or however concurrently) the job that raises it runs."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "user_id", "dedupe_key", name="uq_notifications_event"),
        sa.Index("ix_notifications_user_read", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str] = mapped_column(sa.String(255), default="")
    dedupe_key: Mapped[str] = mapped_column(sa.String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
