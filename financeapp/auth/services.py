"""Account rules: registering, authenticating (with a growing delay), passwords, e-mail links."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from financeapp.auth.models import FailedLoginAddress, User, new_session_token
from financeapp.auth.signing import LINK_INVALID, LINK_USED, InvalidLink, fingerprint, make_link_token, read_link
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, FinanceError, Invalid, NotFound
from financeapp.core.security import check_password, hash_password
from financeapp.extensions import db
from financeapp.workspaces.services import WorkspaceSettings, create_workspace

BAD_CREDENTIALS = "Email or password is incorrect."
# After this many failed sign-ins in a row, each further attempt waits longer (and the owner is told).
DELAY_AFTER_FAILURES = 5
FIRST_DELAY_SECONDS = 15
MAX_DELAY_SECONDS = 3600
FORGET_FAILURES_AFTER = timedelta(days=30)
VERIFY_MAX_AGE = 3 * 86400
RESET_MAX_AGE = 3600
EMAIL_CHANGE_MAX_AGE = 3 * 86400


class InactiveAccount(FinanceError):
    status = 403
    title = "Account deactivated"


class BadCredentials(Invalid):
    """A wrong password for a known account carries the account, so the caller can log it."""

    def __init__(self, message: str, *, user: User | None = None, warn_owner: bool = False):
        super().__init__(message)
        self.user = user
        self.warn_owner = warn_owner


class LoginDelayed(FinanceError):
    status = 429
    title = "Too many failed sign-ins"

    def __init__(self, message: str, *, user: User | None, seconds: int):
        super().__init__(message)
        self.user = user
        self.seconds = seconds


@dataclass(frozen=True)
class Registration:
    email: str
    display_name: str
    password: str
    currency: str = "USD"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def get_user(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise NotFound(f"No user with email {normalise_email(email)}.")
    return user


def register_user(data: Registration, *, admin: bool = False) -> User:
    """Create a user with a personal workspace they own; the first user of an install administers it."""
    email = normalise_email(data.email)
    name = data.display_name.strip()
    if not name:
        raise Invalid("Enter a display name.", fields={"display_name": "Enter a display name."})
    if find_user(email) is not None:
        message = "An account with this email already exists."
        raise Conflict(message, fields={"email": message})
    first = db.session.scalar(sa.select(User.id).limit(1)) is None
    user = User(
        email=email, display_name=name, password_hash=hash_password(data.password), is_admin=admin or first
    )
    db.session.add(user)
    db.session.flush()
    create_workspace(
        user, WorkspaceSettings(name=f"{name}'s money", base_currency=data.currency), personal=True
    )
    return user


# Signing in, with a growing delay after repeated failures ----------------------------------------

def delay_for(failures: int) -> int:
    """Seconds to wait after `failures` failed sign-ins in a row: 0 below the threshold, then doubling."""
    if failures < DELAY_AFTER_FAILURES:
        return 0
    return min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** (failures - DELAY_AFTER_FAILURES))


def seconds_to_wait(user: User | FailedLoginAddress, now: datetime) -> int:
    if user.last_failed_login_at is None:
        return 0
    ready = user.last_failed_login_at + timedelta(seconds=delay_for(user.failed_logins))
    return max(0, int((ready - now).total_seconds() + 0.999))


def record_failed_login(user: User | FailedLoginAddress, *, now: datetime | None = None) -> bool:
    """Count a failed sign-in (password or second factor); True when the owner should be warned.

    A count left alone for FORGET_FAILURES_AFTER starts again, for accounts and unknown
    addresses alike (those rows are then deleted), so the two never behave differently.
    """
    now = now or utcnow()
    if user.last_failed_login_at is not None and now - user.last_failed_login_at > FORGET_FAILURES_AFTER:
        user.failed_logins = 0
    user.failed_logins = (user.failed_logins or 0) + 1
    user.last_failed_login_at = now
    db.session.flush()
    return user.failed_logins == DELAY_AFTER_FAILURES or (
        user.failed_logins > DELAY_AFTER_FAILURES and user.failed_logins % 10 == 0)


def _address_digest(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def address_counter(email: str) -> FailedLoginAddress:
    """The failure count of an address without an account (a new, unsaved one when it has none)."""
    digest = _address_digest(email)
    found = db.session.scalar(sa.select(FailedLoginAddress).where(FailedLoginAddress.email_digest == digest))
    return found or FailedLoginAddress(email_digest=digest, failed_logins=0)


def _record_unknown_address(counter: FailedLoginAddress, now: datetime) -> None:
    """Count a failure for an address without an account, and forget addresses quiet for long."""
    try:
        with db.session.begin_nested():
            db.session.add(counter)
            record_failed_login(counter, now=now)
    except IntegrityError:  # the same new address failing in two requests at once: counted once
        pass
    db.session.execute(sa.delete(FailedLoginAddress).where(
        FailedLoginAddress.last_failed_login_at < now - FORGET_FAILURES_AFTER))


def authenticate(email: str, password: str, *, now: datetime | None = None) -> User:
    """The user with these credentials; one message for unknown email and wrong password.

    While an account is in its delay, attempts are refused without checking the password, so
    guessing gets slower and slower; the count resets on a successful sign-in.
    """
    now = now or utcnow()
    user = find_user(email)
    counter = user if user is not None else address_counter(email)
    wait = seconds_to_wait(counter, now)
    if wait:
        raise LoginDelayed(f"Too many failed sign-ins for this account. Try again in {_duration(wait)}.",
                           user=user, seconds=wait)
    if not check_password(password, user.password_hash if user else None) or user is None:
        if user is None:
            _record_unknown_address(counter, now)
            raise BadCredentials(BAD_CREDENTIALS)
        raise BadCredentials(BAD_CREDENTIALS, user=user, warn_owner=record_failed_login(user, now=now))
    if not user.active:
        raise InactiveAccount("This account has been deactivated. Ask an administrator.")
    return user


def complete_login(user: User, *, now: datetime | None = None) -> None:
    """Both factors passed: reset the failure count and note the time."""
    user.failed_logins = 0
    user.last_failed_login_at = None
    user.last_login_at = now or utcnow()
    db.session.flush()


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{(seconds + 59) // 60} minutes"


# Passwords -------------------------------------------------------------------------------------

def change_password(user: User, current: str, new: str) -> None:
    """Set a new password and end every other session of this user."""
    if not check_password(current, user.password_hash):
        message = "Your current password is not correct."
        raise Invalid(message, fields={"current_password": message})
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    db.session.flush()


def deactivate(user: User) -> None:
    user.active = False
    user.session_token = new_session_token()
    db.session.flush()


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.id)))


# E-mail links: verification, password reset, e-mail change -------------------------------------

def _user_from(payload: dict) -> User:
    key = payload.get("u")
    user = db.session.get(User, key) if isinstance(key, int) else None
    if user is None or not user.active:
        raise InvalidLink(LINK_INVALID)
    return user


def verification_token(user: User) -> str:
    return make_link_token("verify", {"u": user.id, "f": fingerprint(user.email, user.email_verified_at)})


def verify_email(token: str, *, now: float | None = None) -> User:
    """Mark the address verified; the link works once and for VERIFY_MAX_AGE seconds."""
    payload = read_link("verify", token, VERIFY_MAX_AGE, now=now)
    user = _user_from(payload)
    if payload.get("f") != fingerprint(user.email, user.email_verified_at):
        raise InvalidLink(LINK_USED)
    user.email_verified_at = utcnow()
    db.session.flush()
    return user


def reset_token(user: User) -> str:
    return make_link_token("reset", {"u": user.id, "f": fingerprint(user.password_hash)})


def user_for_reset(token: str, *, now: float | None = None) -> User:
    """The user a reset link is for, while it is unused and fresh."""
    payload = read_link("reset", token, RESET_MAX_AGE, now=now)
    user = _user_from(payload)
    if payload.get("f") != fingerprint(user.password_hash):
        raise InvalidLink(LINK_USED)
    return user


def reset_password(token: str, new: str, *, now: float | None = None) -> User:
    """Set a new password from a reset link: the link dies with the old hash, sessions end,
    the failure count clears, and the address counts as verified (the link arrived there)."""
    user = user_for_reset(token, now=now)
    set_password(user, new)
    user.failed_logins = 0
    user.last_failed_login_at = None
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    return user


def request_email_change(user: User, new_email: str, password: str) -> str:
    """Remember the new address until its link is followed; the old one stays in use meanwhile."""
    email = normalise_email(new_email)
    if not check_password(password, user.password_hash):
        raise Invalid("Your password is not correct.", fields={"password": "Your password is not correct."})
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise Invalid("Enter an e-mail address.", fields={"email": "Enter an e-mail address."})
    if email == user.email:
        raise Invalid("That is already your address.", fields={"email": "That is already your address."})
    if find_user(email) is not None:
        message = "Another account uses this address."
        raise Conflict(message, fields={"email": message})
    user.pending_email = email
    db.session.flush()
    return email


def email_change_token(user: User) -> str:
    return make_link_token("email-change", {"u": user.id, "e": user.pending_email,
                                            "f": fingerprint(user.email, user.pending_email)})


def confirm_email_change(token: str, *, now: float | None = None) -> User:
    """Switch to the new address once its link is followed (once)."""
    payload = read_link("email-change", token, EMAIL_CHANGE_MAX_AGE, now=now)
    user = _user_from(payload)
    if not user.pending_email or payload.get("f") != fingerprint(user.email, user.pending_email):
        raise InvalidLink(LINK_USED)
    if find_user(user.pending_email) is not None:
        raise Conflict("Another account started using this address meanwhile.")
    user.email = user.pending_email
    user.pending_email = None
    user.email_verified_at = utcnow()
    db.session.flush()
    return user
