"""Conditional GETs for pages that poll: answer 304 before doing the work when nothing changed.

A page names what it depends on (the data version, the user, the workspace, ...); the ETag is a
hash of those parts. The browser revalidates (`Cache-Control: no-cache`), so the same URL serves
a first visit, a reload and an htmx poll, and an unchanged poll costs a few small queries.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Hashable

from flask import Response, current_app, g, request, session

from financeapp.core import versions

# Pages carry CSRF tokens that expire (WTF_CSRF_TIME_LIMIT); a page older than half of that is rendered again.
DEFAULT_CSRF_SECONDS = 3600


def _age_bucket() -> int:
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", DEFAULT_CSRF_SECONDS) or DEFAULT_CSRF_SECONDS
    return int(time.time() // max(60, limit // 2))


def etag_of(*parts: Hashable) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def not_modified(*parts: Hashable, data: bool = True) -> Response | None:
    """A 304 when the client holds this page as of `parts` (plus the data version when `data`), else None.

    Either way the response gets the ETag (set in `finish`), so the next request can be conditional.
    A page with flashed messages waiting is always rendered (a 304 would swallow them) and not stored.
    """
    if request.method != "GET":
        return None
    tag = etag_of(*parts, versions.current() if data else None, _age_bucket())
    g.page_etag = tag  # the page's script polls with it
    if session.get("_flashes"):
        g.page_not_stored = True  # shown once: never kept by the browser to be revalidated later
        return None
    if tag in request.if_none_match:
        response = Response(status=304)
        response.set_etag(tag)
        response.headers["Cache-Control"] = "private, no-cache"
        return response
    return None


def finish(response: Response) -> Response:
    """After a page that called `not_modified`: its ETag, and revalidation every time."""
    tag = g.get("page_etag")
    if g.get("page_not_stored"):
        response.headers["Cache-Control"] = "no-store"
    elif tag and response.status_code == 200 and not response.headers.get("ETag"):
        response.set_etag(tag)
        response.headers["Cache-Control"] = "private, no-cache"
    return response
