"""A notification for one member of a workspace; per-user notification preferences, webhook endpoints,
and the log of deliveries to e-mail and webhooks."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from financeapp.core.crypto import EncryptedText
from financeapp.core.db import Base, WorkspaceScoped, utcnow

KINDS = ("budget_alert", "bill_due", "goal_milestone", "large_transaction", "weekly_digest", "recurring_posted",
         "import_done", "system", "unusual_transaction")


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


# The kinds a user chooses channels for (a subset of KINDS).
PREFERENCE_KINDS = {
    "budget_alert": "Budget alerts",
    "bill_due": "Bills due",
    "goal_milestone": "Goal milestones",
    "large_transaction": "Large transactions",
    "unusual_transaction": "Unusual transactions",
    "weekly_digest": "Weekly digest",
}
CHANNELS = {"in_app": "In the app", "email": "E-mail", "webhook": "Webhook"}
# Without a saved choice: everything in the app, the digest and bills also by e-mail, no webhooks.
DEFAULT_CHANNELS = {
    "in_app": set(PREFERENCE_KINDS),
    "email": {"weekly_digest", "bill_due"},
    "webhook": set(),
}
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class NotificationPreference(Base):
    """Whether one kind of notification goes to one channel; a missing row means the default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "channel", name="uq_notification_preferences_choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    channel: Mapped[str] = mapped_column(sa.String(16))
    enabled: Mapped[bool] = mapped_column(default=True)


class WebhookEndpoint(Base):
    """Where a user's webhook notifications are POSTed, and the secret they are signed with."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    secret: Mapped[str] = mapped_column(EncryptedText("webhook_endpoints.secret"))  # encrypted at rest
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One message to one channel (e-mail or webhook): its attempts, outcome and next retry."""

    __tablename__ = "deliveries"
    __table_args__ = (
        sa.Index("ix_deliveries_user_created", "user_id", "created_at"),
        sa.Index("ix_deliveries_status_next", "status", "next_attempt_at"),
        sa.UniqueConstraint("user_id", "channel", "dedupe_key", name="uq_deliveries_event"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(16))
    kind: Mapped[str] = mapped_column(sa.String(30))
    target: Mapped[str] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    payload: Mapped[str] = mapped_column(sa.Text, default="")
    dedupe_key: Mapped[str] = mapped_column(sa.String(160))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(sa.String(255), default="")
    response_code: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
