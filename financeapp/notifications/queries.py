"""Reading a user's notifications in a workspace: a page of them, the unread count, one by id."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for

from financeapp.core.errors import NotFound
from financeapp.core.pagination import Paged
from financeapp.core.scoping import as_id, scoped
from financeapp.extensions import db
from financeapp.notifications.models import Notification
from financeapp.workspaces.models import Workspace

PER_PAGE = 25


def _mine(workspace: Workspace, user_id: int) -> sa.Select[tuple[Notification]]:
    return scoped(Notification, workspace).where(Notification.user_id == user_id)


def unread_count(workspace: Workspace, user_id: int) -> int:
    """How many of the user's notifications in the workspace are unread (the index on user, read_at serves it)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == user_id, Notification.read_at.is_(None),
            Notification.workspace_id == workspace.id)
    ) or 0


def get_notification_or_404(workspace: Workspace, user_id: int, ident: object) -> Notification:
    """The user's own notification in this workspace; anyone else's id (or junk) is a 404."""
    key = as_id(ident)
    row = db.session.scalar(_mine(workspace, user_id).where(Notification.id == key)) if key else None
    if row is None:
        raise NotFound("No such notification.")
    return row


@dataclass
class NotificationPage(Paged):
    rows: list[Notification]
    total: int
    unread: int
    number: int
    per_page: int

    def url_for(self, number: int) -> str:
        return url_for("notifications.index", page=number)


def notification_page(workspace: Workspace, user_id: int, page: int = 1,
                      per_page: int = PER_PAGE) -> NotificationPage:
    """One page of the user's notifications, newest first."""
    query = _mine(workspace, user_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    number = min(max(page, 1), pages)
    rows = list(db.session.scalars(
        query.order_by(Notification.id.desc()).limit(per_page).offset((number - 1) * per_page)))
    return NotificationPage(rows, total, unread_count(workspace, user_id), number, per_page)
