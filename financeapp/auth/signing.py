"""Signed links (verification, password reset, invitations): one helper, one set of rules.

A link is an itsdangerous token signed with SECRET_KEY and a salt per purpose, so a token for
one purpose never works for another. It carries its issue time; `read_link` refuses it after
`max_age` seconds. Single use is the caller's job: each payload includes a fingerprint of the
state the link changes (the password hash, the unverified address, the open invitation), so
once used, the same link no longer matches and is refused.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from financeapp.core.errors import FinanceError


class InvalidLink(FinanceError):
    status = 400
    title = "Invalid link"


LINK_INVALID = "This link is not valid. Check that you copied all of it, or ask for a new one."
LINK_EXPIRED = "This link has expired. Ask for a new one."
LINK_USED = "This link has already been used. Ask for a new one if you still need it."


def clock() -> float:
    """The current Unix time (tests replace it to age a link)."""
    return time.time()


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"financeapp-{purpose}")


def fingerprint(*parts: Any) -> str:
    """A short digest of the state a link is valid for."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:20]


def make_link_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_link(purpose: str, token: str, max_age: int, *, now: float | None = None) -> dict[str, Any]:
    """The payload of a valid, unexpired link token for `purpose`; InvalidLink otherwise."""
    if not token or len(token) > 1000:
        raise InvalidLink(LINK_INVALID)
    try:
        payload, issued = _serializer(purpose).loads(token, return_timestamp=True)
    except BadSignature:
        raise InvalidLink(LINK_INVALID) from None
    if not isinstance(payload, dict):
        raise InvalidLink(LINK_INVALID)
    age = (now if now is not None else clock()) - issued.timestamp()
    if age > max_age:
        raise InvalidLink(LINK_EXPIRED)
    return payload
