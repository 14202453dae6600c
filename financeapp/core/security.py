"""Password hashing and safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

import bcrypt
from flask import current_app

from financeapp.core.errors import Invalid

BCRYPT_MAX_BYTES = 72
PASSWORD_MIN_LENGTH = 10
PASSWORD_RULE = (
    f"At least {PASSWORD_MIN_LENGTH} characters, with at least one letter and one digit "
    f"or symbol; at most {BCRYPT_MAX_BYTES} bytes."
)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None when it is."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Use at least {PASSWORD_MIN_LENGTH} characters."
    if len(password.encode()) > BCRYPT_MAX_BYTES:
        return f"Use at most {BCRYPT_MAX_BYTES} bytes (bcrypt ignores the rest)."
    if not any(c.isalpha() for c in password):
        return "Include at least one letter."
    if all(c.isalpha() for c in password):
        return "Include at least one digit or symbol."
    return None


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise Invalid(problem, fields={"password": problem})
    rounds = current_app.config.get("BCRYPT_ROUNDS", 12)
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def check_password(password: str, hashed: str | None) -> bool:
    """Constant work whether or not the user exists; never raises on long input."""
    encoded = password.encode()
    if len(encoded) > BCRYPT_MAX_BYTES:
        # bcrypt 5 raises on these; no stored password can be this long.
        encoded = encoded[:BCRYPT_MAX_BYTES]
        hashed = None
    target = (hashed or _dummy_hash()).encode()
    try:
        ok = bcrypt.checkpw(encoded, target)
    except ValueError:
        return False
    return ok and hashed is not None


_DUMMY: dict[int, str] = {}


def _dummy_hash() -> str:
    rounds = current_app.config.get("BCRYPT_ROUNDS", 12)
    if rounds not in _DUMMY:
        _DUMMY[rounds] = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds)).decode()
    return _DUMMY[rounds]


def safe_next_url(target: str | None) -> str | None:
    """Return `target` only when it is a path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
