"""Raising notifications exactly once, reading them, and the channels each user chose for them."""

from __future__ import annotations

import sqlalchemy as sa
from blinker import Namespace

from financeapp.auth.models import User
from financeapp.core.db import rows_matched, utcnow
from financeapp.core.errors import Invalid
from financeapp.extensions import db
from financeapp.notifications.models import (
    CHANNELS,
    DEFAULT_CHANNELS,
    KINDS,
    PREFERENCE_KINDS,
    Notification,
    NotificationPreference,
)
from financeapp.workspaces.models import Membership, Workspace
from financeapp.workspaces.roles import ROLE_RANK

_signals = Namespace()
# Sent with each new Notification (after its row exists); e-mail and webhook delivery listen.
notification_created = _signals.signal("notification-created")


def recipients(workspace: Workspace, min_role: str = "viewer") -> list[int]:
    rows = db.session.execute(
        sa.select(Membership.user_id, Membership.role).where(Membership.workspace_id == workspace.id)
    ).all()
    return [user_id for user_id, role in rows if ROLE_RANK[role] >= ROLE_RANK[min_role]]


def notify(workspace: Workspace, kind: str, title: str, dedupe_key: str, *, body: str = "", url: str = "",
           user_ids: list[int] | None = None) -> list[Notification]:
    """Notify each recipient (default: every member) once per `dedupe_key`; returns the new rows.

    Uniqueness is enforced by the database (workspace, user, key), so two job runs racing on
    the same event create one row: the loser's insert fails inside its own savepoint and is skipped.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind}")
    created: list[Notification] = []
    for user_id in user_ids if user_ids is not None else recipients(workspace):
        exists = db.session.scalar(sa.select(Notification.id).where(
            Notification.workspace_id == workspace.id, Notification.user_id == user_id,
            Notification.dedupe_key == dedupe_key))
        if exists is not None:
            continue
        row = Notification(workspace_id=workspace.id, user_id=user_id, kind=kind, title=title[:200],
                           body=body, url=url[:255], dedupe_key=dedupe_key[:160])
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except sa.exc.IntegrityError:
            continue  # another process raised the same event first
        created.append(row)
    for row in created:
        notification_created.send(row)
    return created


def mark_read(notification: Notification) -> None:
    """Mark one notification read (reading it again changes nothing)."""
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(workspace: Workspace, user_id: int) -> int:
    """Mark all of the user's unread notifications in the workspace read; returns how many."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.workspace_id == workspace.id, Notification.user_id == user_id,
               Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return rows_matched(result)


def delete_notification(notification: Notification) -> None:
    """Remove one notification for good."""
    db.session.delete(notification)
    db.session.flush()


# Channels per kind: in the app, e-mail, webhook ------------------------------------------------------

def channel_choices(user: User) -> dict[str, set[str]]:
    """For each channel, the kinds the user gets there (saved choices over the defaults)."""
    chosen = {channel: set(kinds) for channel, kinds in DEFAULT_CHANNELS.items()}
    rows = db.session.execute(sa.select(NotificationPreference.kind, NotificationPreference.channel,
                                        NotificationPreference.enabled)
                              .where(NotificationPreference.user_id == user.id)).all()
    for kind, channel, enabled in rows:
        if channel in chosen:
            (chosen[channel].add if enabled else chosen[channel].discard)(kind)
    return chosen


def wants(user_id: int, kind: str, channel: str) -> bool:
    """Whether this user gets `kind` notifications on `channel`.

    Kinds without a preference (system messages, posted recurring transactions, finished imports)
    always show in the app and go nowhere else.
    """
    if kind not in PREFERENCE_KINDS:
        return channel == "in_app"
    enabled = db.session.scalar(sa.select(NotificationPreference.enabled).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind,
        NotificationPreference.channel == channel))
    if enabled is None:
        return kind in DEFAULT_CHANNELS.get(channel, set())
    return enabled


def save_preferences(user: User, chosen: set[tuple[str, str]]) -> None:
    """Store a full grid of (kind, channel) choices; unknown pairs are refused."""
    unknown = [pair for pair in chosen if pair[0] not in PREFERENCE_KINDS or pair[1] not in CHANNELS]
    if unknown:
        raise Invalid("Choose from the listed notification types and channels.")
    existing = {(row.kind, row.channel): row for row in db.session.scalars(
        sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    for kind in PREFERENCE_KINDS:
        for channel in CHANNELS:
            enabled = (kind, channel) in chosen
            row = existing.get((kind, channel))
            if row is None:
                db.session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel, enabled=enabled))
            else:
                row.enabled = enabled
    db.session.flush()
