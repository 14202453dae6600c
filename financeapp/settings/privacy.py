"""Privacy: download all my data as JSON, and delete my account.

The export holds the user's profile and security settings (never a password hash, TOTP secret,
token hash or recovery code), their audit log and deliveries, and for every workspace they
belong to, every row of that workspace's tables: what they can read in the app anyway.
It is streamed table by table, so a large workspace never sits in memory.

Deleting an account removes the workspaces the user is the only member of (their personal
workspace, usually) with all their data; shared workspaces keep their data and lose only this
member. A workspace others share in which the user is the last owner must get another owner
first, so no workspace is ever left without one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from financeapp.auth.models import ApiToken, SecurityEvent, User
from financeapp.auth.twofactor import check_second_factor
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.security import check_password
from financeapp.extensions import db
from financeapp.notifications.models import Delivery, NotificationPreference, WebhookEndpoint
from financeapp.receipts.services import remove_workspace_files_after_commit
from financeapp.workspaces.models import Membership, Workspace

# Workspace tables left out of the export: credentials, not data.
EXPORT_SKIP_TABLES = {"api_tokens", "invitations"}
USER_FIELDS = ("id", "email", "display_name", "locale", "first_day_of_week", "theme", "is_admin", "created_at",
               "last_login_at", "email_verified_at", "totp_enabled_at")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _dumps(value: Any) -> str:
    return json.dumps(value, default=_plain, ensure_ascii=False)


def _rows(statement: sa.Select) -> Iterator[dict[str, Any]]:
    for row in db.session.execute(statement.execution_options(yield_per=1000)).mappings():
        yield {key: _plain(value) for key, value in row.items()}


def _workspace_tables() -> list[sa.Table]:
    return [table for table in db.metadata.sorted_tables
            if "workspace_id" in table.c and table.name not in EXPORT_SKIP_TABLES]


def export_user_data(user: User, *, now: datetime | None = None) -> Iterator[str]:
    """The whole export as chunks of one JSON document."""
    profile = {field: _plain(getattr(user, field)) for field in USER_FIELDS}
    yield '{"format": "financeapp-personal-export", "version": 1, '
    yield f'"exported_at": {_dumps((now or utcnow()).isoformat() + "Z")}, "user": {_dumps(profile)}'
    tokens = sa.select(ApiToken.id, ApiToken.name, ApiToken.scope, ApiToken.workspace_id, ApiToken.created_at,
                       ApiToken.expires_at, ApiToken.last_used_at, ApiToken.revoked_at)
    tokens = tokens.where(ApiToken.user_id == user.id)
    sections = {
        "security_events": sa.select(SecurityEvent.created_at, SecurityEvent.kind, SecurityEvent.detail,
                                     SecurityEvent.ip, SecurityEvent.user_agent)
        .where(SecurityEvent.user_id == user.id).order_by(SecurityEvent.id),
        "api_tokens": tokens.order_by(ApiToken.id),
        "notification_preferences": sa.select(NotificationPreference.kind, NotificationPreference.channel,
                                              NotificationPreference.enabled)
        .where(NotificationPreference.user_id == user.id),
        "webhooks": sa.select(WebhookEndpoint.url, WebhookEndpoint.created_at)
        .where(WebhookEndpoint.user_id == user.id),
        "deliveries": sa.select(Delivery.created_at, Delivery.channel, Delivery.kind, Delivery.target, Delivery.subject,
                                Delivery.status, Delivery.attempts, Delivery.delivered_at)
        .where(Delivery.user_id == user.id).order_by(Delivery.id),
    }
    for name, statement in sections.items():
        yield f', "{name}": ['
        for i, row in enumerate(_rows(statement)):
            yield ("," if i else "") + _dumps(row)
        yield "]"
    yield ', "workspaces": ['
    memberships = db.session.execute(
        sa.select(Workspace.id, Workspace.name, Workspace.base_currency, Workspace.is_personal, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id).where(Membership.user_id == user.id)
        .order_by(Workspace.id)).all()
    for i, (ws_id, name, currency, personal, role) in enumerate(memberships):
        yield ("," if i else "") + _dumps({"id": ws_id, "name": name, "base_currency": currency,
                                           "is_personal": personal, "role": role})[:-1] + ', "tables": {'
        for j, table in enumerate(_workspace_tables()):
            yield ("," if j else "") + f"{_dumps(table.name)}: ["
            for k, row in enumerate(_rows(sa.select(table).where(table.c.workspace_id == ws_id))):
                yield ("," if k else "") + _dumps(row)
            yield "]"
        yield "}}"
    yield "]}"


def workspaces_to_delete(user: User) -> tuple[list[Workspace], list[Workspace]]:
    """(removed with the account: only member, blocking: shared and the user is the last owner)."""
    removed, blocking = [], []
    for membership in db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id)):
        counts = db.session.execute(
            sa.select(sa.func.count(), sa.func.sum(sa.case((Membership.role == "owner", 1), else_=0)))
            .where(Membership.workspace_id == membership.workspace_id)).one()
        members, owners = counts[0], int(counts[1] or 0)
        if members == 1:
            removed.append(membership.workspace)
        elif membership.role == "owner" and owners == 1:
            blocking.append(membership.workspace)
    return removed, blocking


def delete_account(user: User, password: str, code: str = "", *, at: float | None = None) -> list[str]:
    """Delete the user and the workspaces only they use; returns the removed workspaces' names."""
    if not check_password(password, user.password_hash):
        raise Invalid("Your password is not correct.", fields={"password": "Your password is not correct."})
    if user.two_factor_enabled and check_second_factor(user, code or "", at=at) is None:
        message = "Enter a current two-factor code (or a recovery code)."
        raise Invalid(message, fields={"code": message})
    removed, blocking = workspaces_to_delete(user)
    if blocking:
        names = ", ".join(w.name for w in blocking)
        raise Conflict(f"You are the last owner of {names}, which others share. Make another member an owner "
                       "there first (or remove the other members).")
    names = [w.name for w in removed]
    ids = [w.id for w in removed]
    if ids:
        _purge_workspaces(ids)
    _purge_user(user.id)
    db.session.expire_all()
    return names


# Explicit deletes, children first, rather than trusting ON DELETE CASCADE: SQLite enforces foreign
# keys only per connection (PRAGMA), and the result must be the same on every database.

def _purge_workspaces(ids: list[int]) -> None:
    for ws_id in ids:  # the rows go below; their files (receipts, invoices) once the caller commits
        remove_workspace_files_after_commit(ws_id)
    for table in reversed(db.metadata.sorted_tables):
        if table.name == "workspaces":
            continue
        if "workspace_id" in table.c:
            db.session.execute(table.delete().where(table.c.workspace_id.in_(ids)))
            continue
        for fk in table.foreign_keys:  # link tables (e.g. labels on transactions) carry no workspace_id
            parent = fk.column.table
            if "workspace_id" in parent.c and parent.name != "workspaces":
                owned = sa.select(fk.column).where(parent.c.workspace_id.in_(ids))
                db.session.execute(table.delete().where(fk.parent.in_(owned)))
    db.session.execute(sa.delete(Workspace).where(Workspace.id.in_(ids)))


def _purge_user(user_id: int) -> None:
    users = User.__table__
    for table in reversed(db.metadata.sorted_tables):
        for fk in table.foreign_keys:
            if fk.column.table is not users:
                continue
            if (fk.ondelete or "").upper() == "CASCADE":
                db.session.execute(table.delete().where(fk.parent == user_id))
            elif fk.parent.nullable:
                db.session.execute(table.update().where(fk.parent == user_id).values({fk.parent.name: None}))
    db.session.execute(sa.delete(User).where(User.id == user_id))
