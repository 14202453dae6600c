"""The security audit log: what happened to a user's account, when, and from where."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa

from financeapp.auth.models import SecurityEvent, User
from financeapp.core.db import utcnow
from financeapp.core.pagination import Paged
from financeapp.extensions import db

EVENT_LABELS = {
    "login": "Signed in",
    "login_failed": "Failed sign-in",
    "login_delayed": "Sign-in refused: too many failed attempts",
    "two_factor_failed": "Wrong two-factor code",
    "password_changed": "Password changed",
    "password_reset": "Password reset by e-mail",
    "password_reset_requested": "Password reset requested",
    "email_verified": "E-mail address verified",
    "email_change_requested": "E-mail change requested",
    "email_changed": "E-mail address changed",
    "two_factor_enabled": "Two-factor authentication turned on",
    "two_factor_disabled": "Two-factor authentication turned off",
    "recovery_code_used": "Recovery code used",
    "recovery_codes_regenerated": "New recovery codes made",
    "token_created": "API token created",
    "token_revoked": "API token revoked",
    "invite_accepted": "Invitation accepted",
    "workspace_left": "Left a workspace",
    "data_exported": "Downloaded all data",
    "profile_updated": "Profile updated",
    "sign_up_with_existing_address": "Someone tried to sign up with your address",
    "session_revoked": "Signed out a device",
    "sessions_revoked": "Signed out every other device",
}


@dataclass(frozen=True)
class RequestMeta:
    """Where a security event came from; filled in by the view, empty from the CLI."""

    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class EventPage(Paged):
    rows: list[SecurityEvent]
    total: int
    number: int
    per_page: int


def record_event(user: User, kind: str, meta: RequestMeta | None = None, detail: str = "") -> SecurityEvent:
    """Add one line to the user's audit log."""
    if kind not in EVENT_LABELS:
        raise ValueError(f"unknown security event {kind}")
    meta = meta or RequestMeta()
    event = SecurityEvent(user_id=user.id, kind=kind, detail=detail[:255], ip=meta.ip[:45],
                          user_agent=meta.user_agent[:200], created_at=utcnow())
    db.session.add(event)
    db.session.flush()
    return event


def events_page(user: User, number: int = 1, per_page: int = 25) -> EventPage:
    """One page of the user's audit log, newest first."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(SecurityEvent)
                              .where(SecurityEvent.user_id == user.id)) or 0
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, number), pages)
    rows = list(db.session.scalars(
        sa.select(SecurityEvent).where(SecurityEvent.user_id == user.id)
        .order_by(SecurityEvent.created_at.desc(), SecurityEvent.id.desc())
        .limit(per_page).offset((number - 1) * per_page)
    ))
    return EventPage(rows=rows, total=total, number=number, per_page=per_page)
