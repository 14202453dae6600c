"""Raising notifications exactly once, and reading them."""

from __future__ import annotations

import sqlalchemy as sa
from blinker import Namespace

from financeapp.core.db import rows_matched, utcnow
from financeapp.extensions import db
from financeapp.notifications.models import KINDS, Notification
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
