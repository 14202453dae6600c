"""Server-side sign-ins: each one a `UserSession` row, so signing out ends it everywhere.

The session cookie (and the remember-me cookie) carries a random key; the database keeps only
its SHA-256, so a copy of the table signs nobody in. A request is signed in while its row is not
revoked and has been seen within the idle limit: SESSION_IDLE_DAYS_REMEMBERED (default 30) with
"keep me signed in", SESSION_IDLE_HOURS (default 12) without. `last_seen_at` is written at most
once a minute per sign-in, so an ordinary page view costs one indexed read and no write.

Sign-out revokes the row (a cookie copied before still fails: 401 from the API, the sign-in page
in HTML), on every app instance, since they all read the same table.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g

from financeapp.auth.audit import RequestMeta
from financeapp.auth.models import User, UserSession
from financeapp.core.db import utcnow
from financeapp.core.errors import NotFound
from financeapp.extensions import db

TOUCH_EVERY = timedelta(minutes=1)


def clock() -> datetime:
    """Now (UTC); tests freeze it here."""
    return utcnow()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit(remember: bool) -> timedelta:
    config = current_app.config
    if remember:
        return timedelta(days=float(config.get("SESSION_IDLE_DAYS_REMEMBERED", 30)))  # float ok: a duration
    return timedelta(hours=float(config.get("SESSION_IDLE_HOURS", 12)))  # float ok: a duration


def start(user: User, *, remember: bool, meta: RequestMeta) -> UserSession:
    """A new sign-in for `user`; the key for the cookie goes on the user object (User.get_id)."""
    key = secrets.token_urlsafe(32)
    now = clock()
    record = UserSession(user_id=user.id, key_hash=key_hash(key), remember=remember, created_at=now,
                         last_seen_at=now, ip=meta.ip[:45], user_agent=meta.user_agent[:200])
    db.session.add(record)
    _forget_old(user, now)
    db.session.flush()
    user._session_key = key  # type: ignore[attr-defined]
    g.user_session = record
    return record


def load(key: str) -> tuple[User | None, bool]:
    """The active user whose live sign-in `key` names (None: revoked, idle too long, unknown), and
    whether the row changed (expired now, or `last_seen_at` moved on) so the caller commits."""
    record = db.session.scalar(sa.select(UserSession).where(UserSession.key_hash == key_hash(key)))
    if record is None or record.revoked_at is not None:
        return None, False
    now = clock()
    if now - record.last_seen_at > idle_limit(record.remember):
        record.revoked_at = now
        return None, True
    user = record.user
    if not user.active:
        return None, False
    touched = now - record.last_seen_at >= TOUCH_EVERY
    if touched:
        record.last_seen_at = now
    user._session_key = key  # type: ignore[attr-defined]
    g.user_session = record
    return user, touched


def current() -> UserSession | None:
    """The sign-in of this request (None for API tokens and anonymous requests)."""
    return g.get("user_session")


def end_current() -> None:
    """Sign-out: revoke this request's sign-in."""
    record = current()
    if record is not None and record.revoked_at is None:
        record.revoked_at = clock()
        db.session.flush()


def live_of(user: User) -> list[UserSession]:
    """The user's sign-ins that still work, most recently seen first."""
    now = clock()
    rows = db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))
    return [row for row in rows if now - row.last_seen_at <= idle_limit(row.remember)]


def revoke(user: User, session_id: int) -> UserSession:
    """Sign out one of the user's devices; another user's (or an unknown) id is a 404."""
    record = db.session.scalar(sa.select(UserSession).where(
        UserSession.id == session_id, UserSession.user_id == user.id))
    if record is None:
        raise NotFound("No such signed-in device.")
    if record.revoked_at is None:
        record.revoked_at = clock()
        db.session.flush()
    return record


def revoke_all(user: User, *, keep: UserSession | None = None) -> int:
    """End every sign-in of `user` but `keep`; returns how many ended."""
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    ended = db.session.execute(query.values(revoked_at=clock())).rowcount
    db.session.flush()
    return ended


def _forget_old(user: User, now: datetime, *, after: timedelta = timedelta(days=90)) -> None:
    """Delete the user's rows revoked or idle for long, so the table stays small."""
    cutoff = now - after
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id, sa.or_(
        UserSession.revoked_at < cutoff, UserSession.last_seen_at < cutoff)))
