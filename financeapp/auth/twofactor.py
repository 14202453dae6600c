"""Two-factor authentication: TOTP (RFC 6238, via pyotp) and ten one-time recovery codes.

Every function that reads the clock takes `at` (a Unix time) so tests can freeze it. A TOTP code
is accepted within one 30-second step either side, and never twice: the last accepted step is
stored, so a code seen over someone's shoulder cannot be replayed. Recovery codes are stored as
HMAC-SHA256 (keyed with SECRET_KEY, salted with the user id), shown once, and each works once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app

from financeapp.auth.models import RecoveryCode, User
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.security import check_password
from financeapp.extensions import db

ISSUER = "financeapp"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
WRONG_CODE = "That code is not right. Check your authenticator app's clock, or use a recovery code."


def new_secret() -> str:
    return pyotp.random_base32()


def start_setup(user: User) -> str:
    """A fresh secret for the user to scan; not in force until confirmed with a code."""
    if user.two_factor_enabled:
        raise Conflict("Two-factor authentication is already on.")
    user.totp_secret = new_secret()
    db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The otpauth:// URI as a QR code, an SVG data: URI for an <img> (the CSP allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, light="#ffffff", border=4)


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _totp_step(user: User, code: str, at: float) -> int | None:
    """The time step this code belongs to (previous, current or next), or None."""
    digits = _clean(code)
    if not user.totp_secret or len(digits) != 6 or not (digits.isascii() and digits.isdigit()):
        return None
    totp = pyotp.TOTP(user.totp_secret)
    now_step = int(at) // totp.interval
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def verify_totp(user: User, code: str, *, at: float | None = None) -> bool:
    """Accept a current TOTP code once (a replayed step is refused)."""
    step = _totp_step(user, code, at if at is not None else time.time())
    if step is None or (user.totp_last_counter is not None and step <= user.totp_last_counter):
        return False
    user.totp_last_counter = step
    db.session.flush()
    return True


def _hash_recovery(user: User, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{user.id}:{_clean(code)}".encode(), hashlib.sha256).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def replace_recovery_codes(user: User) -> list[str]:
    """Ten new codes (the old ones stop working); the only time they are readable."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(user, code)) for code in codes)
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str, *, now: datetime | None = None) -> bool:
    """Spend one unused recovery code."""
    cleaned = _clean(code)
    if len(cleaned) != 10:
        return False
    row = db.session.scalar(sa.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery(user, cleaned),
        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = now or utcnow()
    db.session.flush()
    return True


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def check_second_factor(user: User, code: str, *, at: float | None = None) -> str | None:
    """'totp' or 'recovery' when the code is right (a recovery code is used up), else None."""
    if verify_totp(user, code, at=at):
        return "totp"
    if use_recovery_code(user, code):
        return "recovery"
    return None


def confirm_setup(user: User, code: str, *, at: float | None = None) -> list[str]:
    """Turn two-factor on once the user proves their app has the secret; returns the recovery codes."""
    if user.two_factor_enabled:
        raise Conflict("Two-factor authentication is already on.")
    if not user.totp_secret:
        raise Invalid("Start again: no secret was set up.")
    if not verify_totp(user, code, at=at):
        raise Invalid(WRONG_CODE, fields={"code": WRONG_CODE})
    user.totp_enabled_at = utcnow()
    # The setup code may sign in right away (only the user saw it); later codes are single-use.
    user.totp_last_counter = None
    return replace_recovery_codes(user)


def disable(user: User, password: str, code: str, *, at: float | None = None) -> None:
    """Turn two-factor off; needs the password and a current code (or a recovery code)."""
    errors = {}
    if not check_password(password, user.password_hash):
        errors["password"] = "Your password is not correct."
    elif check_second_factor(user, code, at=at) is None:
        errors["code"] = WRONG_CODE
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
