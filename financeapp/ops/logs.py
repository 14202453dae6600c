"""Logs: with `LOG_FORMAT=json`, one JSON object per line (python-json-logger); always redacted.

Each line carries time, level, logger, message and, inside a request, request_id, route, user_id
and workspace_id (the request line adds method, path, status and ms). Inside an RQ job the
request id is the one of the request that enqueued it (financeapp/ops/queue.py puts it in the
job's meta), so a page's request and the job it started share one id.

Secrets never reach a log line: `Redact` rewrites the formatted message and any extra field
whose name says it is secret, in the text format as in JSON. Tokens (`fa_…`, Bearer values,
long random path segments, which core/http.py already masks in paths) and `password=`-style
pairs are replaced by "[redacted]".
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

SECRET_FIELD = re.compile(r"pass(word)?|secret|token|authori[sz]ation|cookie|api[_-]?key|otp|totp", re.I)
REDACTED = "[redacted]"
# (pattern, replacement): what looks like a secret, and what stays of it.
SECRET_TEXT = [
    (re.compile(r"\bfa_[A-Za-z0-9_\-]{8,}"), REDACTED),  # personal access tokens (auth/tokens.py)
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]{8,}"), rf"\1 {REDACTED}"),
    (re.compile(r"(?i)\b(password|passwd|secret|token|api[_-]?key|session)(\"?\s*[=:]\s*\"?)[^\s&\"',;]+"),
     rf"\1\2{REDACTED}"),
    (re.compile(r"(://[^/\s:@]*:)[^@\s/]+@"), rf"\1{REDACTED}@"),  # credentials inside URLs
]
CONTEXT_FIELDS = ("request_id", "route", "user_id", "workspace_id")


def redact(text: str) -> str:
    """The text with anything that looks like a secret replaced."""
    for pattern, replacement in SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


class Redact(logging.Filter):
    """Format the message once, redact it, and redact extra fields named like secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and SECRET_FIELD.search(key) and value not in (None, ""):
                setattr(record, key, REDACTED)
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class RequestContext(logging.Filter):
    """Add the request's (or the job's) id, route, user and workspace to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in context_fields().items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


def context_fields() -> dict[str, Any]:
    if has_request_context():
        user = g.get("_login_user")  # set by Flask-Login once loaded; never load the user just to log
        workspace = g.get("workspace")
        return {
            "request_id": g.get("request_id"),
            "route": request.url_rule.rule if request.url_rule is not None else None,
            "user_id": _row_id(user),
            "workspace_id": _row_id(workspace),
        }
    return {"request_id": job_request_id()}


def _row_id(row: Any) -> int | None:
    """A loaded row's primary key without touching the database: after a rollback (a database outage)
    its attributes are expired, and reading `.id` would query the database that just failed."""
    if row is None:
        return None
    try:
        identity = sa.inspect(row).identity
    except sa.exc.NoInspectionAvailable:
        return getattr(row, "id", None)  # an anonymous user, or a stand-in in tests
    return identity[0] if identity else None


def job_request_id() -> str | None:
    """The id of the request that enqueued the RQ job running now, if any."""
    if "rq" not in sys.modules:
        return None
    from rq import get_current_job

    try:
        job = get_current_job()
    except Exception:  # no job, or no connection to read it from
        return None
    return (job.meta or {}).get("request_id") if job is not None else None


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}", style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


class _Marker:
    """Tags the handler this module installed, so a second create_app replaces it instead of adding one."""


def configure_logging(app: Flask) -> None:
    """Install the JSON handler when LOG_FORMAT=json; add the context and redaction filters either way."""
    root = logging.getLogger()
    level = app.config.get("LOG_LEVEL") or ""
    if level:
        root.setLevel(level.upper())
    if (app.config.get("LOG_FORMAT") or "").lower() == "json":
        for handler in list(root.handlers):
            # basicConfig's plain stream handler (financeapp/__init__.py) or ours from an earlier app
            if getattr(handler, "financeapp", None) is _Marker or type(handler) is logging.StreamHandler:
                root.removeHandler(handler)
        handler = logging.StreamHandler(sys.stderr)
        handler.financeapp = _Marker  # type: ignore[attr-defined]
        handler.setFormatter(json_formatter())
        root.addHandler(handler)
    for handler in root.handlers:
        _add_filters(handler)


def _add_filters(handler: logging.Handler) -> None:
    if not any(isinstance(f, RequestContext) for f in handler.filters):
        handler.addFilter(RequestContext())
        handler.addFilter(Redact())
