"""The person who signs in, and what secures their account: API tokens, recovery codes, the audit log."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from financeapp.core.crypto import EncryptedText
from financeapp.core.db import Base, Timestamps, utcnow
from financeapp.workspaces.models import Membership, Workspace


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


THEMES = ("auto", "light", "dark")
TOKEN_SCOPES = ("read", "read-write")


class User(UserMixin, Timestamps, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(80))
    password_hash: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(sa.String(16), default="en_US")
    # Rotated on password change and deactivation: a half-finished two-factor sign-in started before dies.
    session_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_session_token)
    last_login_at: Mapped[datetime | None]

    email_verified_at: Mapped[datetime | None]
    # A new address waiting for its verification link; `email` stays in use until then.
    pending_email: Mapped[str | None] = mapped_column(sa.String(254))
    # Base32 TOTP secret (encrypted at rest); set while enabling, in force once `totp_enabled_at` is set.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText("users.totp_secret"))
    totp_enabled_at: Mapped[datetime | None]
    # The last accepted TOTP time step: a code is never accepted twice.
    totp_last_counter: Mapped[int | None] = mapped_column(sa.BigInteger)
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    last_failed_login_at: Mapped[datetime | None]
    first_day_of_week: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")  # 0 = Monday
    theme: Mapped[str] = mapped_column(sa.String(8), default="auto", server_default="auto")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    def get_id(self) -> str:
        """Flask-Login's id for the cookie: the key of the sign-in this request belongs to (auth/sessions.py).

        Set when the sign-in starts or its cookie is read; a user object without one cannot be signed in."""
        key = getattr(self, "_session_key", None)
        if not key:
            raise RuntimeError("sign in through auth.sessions.sign_in, which starts a server-side session")
        return key

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class ApiToken(Base):
    """A personal access token for the JSON API; it acts as its user in one workspace.

    Only the SHA-256 of the token is stored; the token itself is shown once.
    """

    __tablename__ = "api_tokens"
    __table_args__ = (sa.CheckConstraint(sa.column("scope").in_(TOKEN_SCOPES), name="scope_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    workspace_id: Mapped[int] = mapped_column(sa.ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    scope: Mapped[str] = mapped_column(sa.String(16), default="read")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    workspace: Mapped[Workspace] = relationship()

    @property
    def can_write(self) -> bool:
        return self.scope == "read-write"

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class RecoveryCode(Base):
    """A one-time code that replaces a TOTP code; stored hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]


class SecurityEvent(Base):
    """One line of a user's security audit log."""

    __tablename__ = "security_events"
    __table_args__ = (sa.Index("ix_security_events_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str] = mapped_column(sa.String(255), default="")
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FailedLoginAddress(Base):
    """Failed sign-ins to an e-mail address that has no account.

    Counted like a real account's (`User.failed_logins`), so the growing delay, its 429 and
    its message come alike for every address and never tell whether an account exists. Only
    a digest of the address is kept; rows quiet for 30 days are removed.
    """

    __tablename__ = "failed_login_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    last_failed_login_at: Mapped[datetime | None] = mapped_column(index=True)


class UserSession(Base):
    """One sign-in on one device: the cookie carries a random key, the database only its SHA-256.

    Revoked on sign-out, password change or reset, from the "Signed-in devices" list; idle ones
    expire (SESSION_IDLE_DAYS_REMEMBERED / SESSION_IDLE_HOURS). Every app instance reads the same row.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (sa.Index("ix_user_sessions_user_revoked", "user_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
