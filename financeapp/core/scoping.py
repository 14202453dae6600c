"""One way to read workspace data: every query is scoped to the current workspace."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar

import sqlalchemy as sa
from flask import g
from flask_login import login_required

from financeapp.core.errors import Forbidden, NotFound
from financeapp.extensions import db

M = TypeVar("M")


class Workspace(Protocol):
    """What scoping needs of a workspace (the model lives in the workspaces domain; the core imports none)."""

    id: int


def scoped(model: type[M], workspace: Workspace) -> sa.Select[tuple[M]]:
    """A SELECT of `model` limited to the workspace's rows."""
    return sa.select(model).where(model.workspace_id == workspace.id)  # type: ignore[attr-defined]


MAX_ID = 2**63 - 1


def as_id(value: Any) -> int | None:
    """A database id from user input, or None (junk, negative, or beyond BIGINT, which SQLite overflows on)."""
    try:
        key = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return key if 0 < key <= MAX_ID else None


def get_scoped_or_404(model: type[M], ident: Any, workspace: Workspace) -> M:
    """The workspace's row with this id; any other id (or junk) is a 404."""
    key = as_id(ident)
    if key is None:
        raise NotFound(f"No such {model.__name__.lower()}.")
    row = db.session.scalar(scoped(model, workspace).where(model.id == key))  # type: ignore[attr-defined]
    if row is None:
        raise NotFound(f"No such {model.__name__.lower()}.")
    return row


def require_role(needed: str) -> Callable:
    """View decorator: logged in, a member of the current workspace, at least `needed`.

    `g.membership` (set per request by the workspaces package) knows the role order, so the
    core needs no domain import.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            check_role(needed)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def check_role(needed: str) -> None:
    """Raise unless the current user has at least `needed` in the current workspace.

    For views that read with one role and write with another on the same URL.
    """
    membership = g.get("membership")
    if membership is None:
        raise NotFound("You are not a member of any workspace.")
    if not membership.allows(needed):
        raise Forbidden(f"This needs the {needed} role in {g.workspace.name}.")
