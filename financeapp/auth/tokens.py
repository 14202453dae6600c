"""Personal access tokens for the JSON API.

A token is created by a user for ONE workspace they belong to and always acts there, as that
user, with the lower of the token's scope and the user's current role: a read token never
writes, and a read-write token of a viewer still gets 403 on writes. Leaving the workspace (or
being removed, or deactivated) makes the token stop working. The token is `fa_` followed by 43
random URL-safe characters (256 bits); only its SHA-256 is stored, so it is shown once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from financeapp.auth.models import TOKEN_SCOPES, ApiToken, User
from financeapp.core.db import utcnow
from financeapp.core.errors import Invalid, NotFound
from financeapp.core.scoping import as_id
from financeapp.extensions import db
from financeapp.workspaces.models import Membership, Workspace

TOKEN_PREFIX = "fa_"
MAX_EXPIRY_DAYS = 3650
MAX_TOKENS_PER_USER = 50
# Writing last_used_at on every request would turn every API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    name: str
    scope: str = "read"
    expires_in_days: int | None = None


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user: User, workspace: Workspace, data: NewToken, *, now: datetime | None = None
                 ) -> tuple[ApiToken, str]:
    """Make a token; returns the row and the token text, which is never available again."""
    now = now or utcnow()
    name = " ".join(data.name.split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the token a name, such as the script that uses it."
    elif len(name) > 80:
        errors["name"] = "Use at most 80 characters."
    if data.scope not in TOKEN_SCOPES:
        errors["scope"] = "Choose read or read-write."
    if data.expires_in_days is not None and not 1 <= data.expires_in_days <= MAX_EXPIRY_DAYS:
        errors["expires_in_days"] = f"Choose between 1 and {MAX_EXPIRY_DAYS} days, or no expiry."
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    if db.session.scalar(sa.select(Membership.id).where(
            Membership.user_id == user.id, Membership.workspace_id == workspace.id)) is None:
        raise NotFound("No such workspace.")
    active = db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))) or 0
    if active >= MAX_TOKENS_PER_USER:
        raise Invalid(f"You have {MAX_TOKENS_PER_USER} tokens; revoke one you no longer use first.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    token = ApiToken(user_id=user.id, workspace_id=workspace.id, name=name, scope=data.scope,
                     token_hash=hash_token(raw), created_at=now, expires_at=expires)
    db.session.add(token)
    db.session.flush()
    return token, raw


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, with their workspaces."""
    return list(db.session.scalars(
        sa.select(ApiToken).options(joinedload(ApiToken.workspace))
        .where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def get_token(user: User, token_id: object) -> ApiToken:
    """The user's own token; anyone else's id is a 404."""
    key = as_id(token_id)
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == key, ApiToken.user_id == user.id)) \
        if key else None
    if token is None:
        raise NotFound("No such token.")
    return token


def revoke_token(user: User, token_id: object, *, now: datetime | None = None) -> ApiToken:
    """Stop a token from working (idempotent)."""
    token = get_token(user, token_id)
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()
    return token


def token_for_bearer(raw: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token with this text: not revoked or expired, its user active and still a member."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    now = now or utcnow()
    token = db.session.scalar(
        sa.select(ApiToken).options(joinedload(ApiToken.user)).where(ApiToken.token_hash == hash_token(raw))
    )
    if token is None or not token.is_usable(now) or not token.user.active:
        return None
    member = db.session.scalar(sa.select(Membership.id).where(
        Membership.user_id == token.user_id, Membership.workspace_id == token.workspace_id))
    return token if member is not None else None


def mark_used(token: ApiToken, *, now: datetime | None = None) -> bool:
    """Note when a token was last used (at most once a minute); True when something changed."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    token.last_used_at = now
    db.session.flush()
    return True
