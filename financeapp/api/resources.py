"""What every API resource shares: the list envelope and its pages, ETags on reads, Idempotency-Key on creates.

- Lists answer `{"data": [...], "meta": {"page", "per_page", "total", "pages", "next", ...}}`; `next` is the
  next page's number, or null on the last page. `?page=` from 1, `?per_page=` up to MAX_PER_PAGE.
- Every 200 GET carries a strong `ETag` (a hash of the body) and answers 304 to a matching `If-None-Match`,
  so a polling client downloads nothing when nothing changed.
- A create with an `Idempotency-Key` header is done once per user, workspace and key: a repeat answers the
  first response (status and body) and writes nothing; the same key with another request is a 422.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import Response, g, jsonify, request
from flask_login import current_user

from financeapp.api import bp
from financeapp.api.models import IdempotencyKey
from financeapp.core.db import rows_matched, utcnow
from financeapp.core.errors import Conflict, FinanceError, Invalid
from financeapp.core.pagination import MAX_PAGE, Page, paginate
from financeapp.extensions import db

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
KEY_LIFETIME = timedelta(hours=24)
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII: what a UUID, a ULID or a hash looks like


class BadParameter(FinanceError):
    status = 400
    title = "Bad request"


# --- Lists ---------------------------------------------------------------------------------------------


def _positive(args: Mapping[str, str], name: str, default: int, maximum: int, errors: dict[str, str]) -> int:
    text = (args.get(name) or "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 7 or not 1 <= int(text) <= maximum:
        errors[name] = f"Send a whole number from 1 to {maximum}."
        return default
    return int(text)


def page_args(args: Mapping[str, str]) -> tuple[int, int]:
    """`page` and `per_page` from the query string; junk or out of range is a 400 naming the parameter."""
    errors: dict[str, str] = {}
    number = _positive(args, "page", 1, MAX_PAGE, errors)
    per_page = _positive(args, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE, errors)
    if errors:
        raise BadParameter(f"Check the query parameters: {', '.join(errors)}.", fields=errors)
    return number, per_page


def list_meta(page: Page | Any, **extra: Any) -> dict[str, Any]:
    """The meta every list sends: where this page is and how many rows match in all."""
    return {"page": page.number, "per_page": page.per_page, "total": page.total, "pages": page.pages,
            "next": page.number + 1 if page.has_next else None, **extra}


def list_response(data: Iterable[Any], page: Page | Any, **extra: Any) -> Response:
    return jsonify(data=list(data), meta=list_meta(page, **extra))


def paged(query: sa.Select, args: Mapping[str, str] | None = None) -> Page:
    """One page of an ordered select, by the request's `page` and `per_page`."""
    number, per_page = page_args(request.args if args is None else args)
    return paginate(query, number, per_page)


def created(body: Any, location: str | None = None) -> Response:
    response = jsonify(data=body)
    response.status_code = 201
    if location:
        response.headers["Location"] = location
    return response


def deleted() -> Response:
    return Response(status=204)


# --- ETags ---------------------------------------------------------------------------------------------


@bp.after_request
def _etag(response: Response) -> Response:
    """A strong ETag on every successful JSON read, and 304 when the client already has it."""
    if request.method in ("GET", "HEAD") and response.status_code == 200 and response.is_json \
            and not response.direct_passthrough:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        response.headers.setdefault("Cache-Control", "private, no-cache")  # revalidate, never reuse blindly
        response.make_conditional(request)
    return response


# --- Idempotency-Key -----------------------------------------------------------------------------------


def _fingerprint() -> str:
    """The request a key names: method, path and body (a multipart body by its fields and files, since
    a client's retry picks a new boundary)."""
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.mimetype or ""):
        digest.update(part.encode() + b"\0")
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"{name}={value}".encode() + b"\0")
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: (item[0], item[1].filename)):
            digest.update(f"{name}:{upload.filename}".encode() + b"\0")
            digest.update(hashlib.sha256(upload.stream.read()).digest())
            upload.stream.seek(0)  # the view reads it again
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _replay(row: IdempotencyKey, fingerprint: str) -> Response:
    if row.fingerprint != fingerprint:
        raise Invalid("This Idempotency-Key was already used for a different request; send a new key.",
                      fields={"Idempotency-Key": "Already used with another body or URL."})
    if row.status is None:
        raise Conflict("A request with this Idempotency-Key is still being processed; retry in a moment.")
    response = Response(row.body, status=row.status, content_type=row.content_type or "application/json")
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _existing(key: str) -> IdempotencyKey | None:
    row = db.session.scalar(sa.select(IdempotencyKey).where(
        IdempotencyKey.workspace_id == g.workspace.id, IdempotencyKey.user_id == current_user.id,
        IdempotencyKey.key == key))
    if row is not None and row.created_at < utcnow() - KEY_LIFETIME:
        db.session.delete(row)  # expired (the nightly purge had not run yet): the key is free again
        db.session.flush()
        return None
    return row


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Create views (below `require_role`): an `Idempotency-Key` makes the create happen at most once.

    The key's row is added before the view runs, in the same transaction as what the view writes, so
    the view's commit records both or (on any error, which rolls back) neither.
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not _KEY.match(key):
            raise BadParameter("Send an Idempotency-Key of 1 to 255 visible ASCII characters (a UUID, say).",
                               fields={"Idempotency-Key": "1 to 255 visible ASCII characters."})
        fingerprint = _fingerprint()
        if (row := _existing(key)) is not None:
            return _replay(row, fingerprint)
        row = IdempotencyKey(workspace_id=g.workspace.id, user_id=current_user.id, key=key,
                             fingerprint=fingerprint)
        db.session.add(row)
        try:
            db.session.flush()
        except sa.exc.IntegrityError:  # the same key at the same moment: the other request won
            db.session.rollback()
            if (row := _existing(key)) is not None:
                return _replay(row, fingerprint)
            raise Conflict("A request with this Idempotency-Key is still being processed; retry in a moment.") \
                from None
        row_id = row.id
        try:
            response = view(*args, **kwargs)
        except Exception:
            _forget(row_id)
            raise
        response = response if isinstance(response, Response) else jsonify(response)
        stored = db.session.get(IdempotencyKey, row_id)
        if stored is None:  # the view rolled back without raising: nothing was written, nothing to replay
            return response
        if response.status_code >= 300:
            db.session.delete(stored)  # only a success is remembered; a fixed request may reuse the key
        else:
            stored.status = response.status_code
            stored.content_type = response.content_type or ""
            stored.location = response.headers.get("Location", "")[:500]
            stored.body = response.get_data(as_text=True)
        db.session.commit()
        return response

    return wrapped


def _forget(row_id: int) -> None:
    """After a failed create: the rollback removes the key's row, unless something committed it meanwhile
    (SQLite's driver commits on releasing a savepoint); then it goes here, so the key can be retried."""
    db.session.rollback()
    if rows_matched(db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.id == row_id,
                                                                       IdempotencyKey.status.is_(None)))):
        db.session.commit()


def purge_expired_keys(day: date | None = None) -> int:
    """Forget keys older than 24 hours (run-due, daily); returns how many were removed."""
    return rows_matched(db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEY_LIFETIME)))
