"""Per-request plumbing: request ids, one log line per request, security headers (metrics: financeapp/ops)."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from financeapp.core import conditional

log = logging.getLogger("financeapp.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Bootstrap draws form controls with data: SVGs; charts export as data: images.
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def start_request() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    path = loggable_path()
    log.info(
        "%s %s %s %.1fms rid=%s",
        request.method, path, response.status_code, seconds * 1000, g.get("request_id"),
        extra={"method": request.method, "path": path, "status": response.status_code,
               "ms": round(seconds * 1000, 1)},
    )
    return response


_SECRET_LOOKING = re.compile(r"[^/?&=]{24,}")


def loggable_path() -> str:
    """The path and query for the log, with long tokens (reset, invite, verify links) masked."""
    return _SECRET_LOOKING.sub("[masked]", request.full_path.rstrip("?"))


def init_http(app: Flask) -> None:
    app.before_request(start_request)
    app.after_request(conditional.finish)
    app.after_request(finish_request)
