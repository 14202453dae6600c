"""Which workspace a request acts in, and what the navigation shows of the user's workspaces."""

from __future__ import annotations

from typing import Any

from flask import g, request, session
from flask_login import current_user

from financeapp.auth.loader import bearer_token
from financeapp.core.scoping import as_id
from financeapp.workspaces.roles import has_role
from financeapp.workspaces.services import membership_for, memberships_of


def resolve_workspace() -> None:
    """Before each request: `g.membership` and `g.workspace`, always checked against membership.

    A personal access token names its workspace; a browser session acts in the workspace chosen
    last (kept in the session), else the user's first one.
    """
    g.workspace = None
    g.membership = None
    if not current_user.is_authenticated:
        return
    token = bearer_token()
    if token is not None:
        membership = membership_for(current_user, token.workspace_id)
    else:
        # All of them in one query: the navigation's workspace switcher lists the same rows.
        g.memberships = memberships_of(current_user)
        wanted = as_id(session.get("workspace_id"))
        membership = next((m for m in g.memberships if m.workspace_id == wanted), None) if wanted else None
        if membership is None:
            membership = g.memberships[0] if g.memberships else None
            session["workspace_id"] = membership.workspace_id if membership else None
    if membership is not None:
        g.membership = membership
        g.workspace = membership.workspace


def navigation_context() -> dict[str, Any]:
    """The workspace switcher and role checks every page's layout uses."""
    role = g.membership.role if g.get("membership") else None
    try:
        memberships = (
            g.get("memberships") or memberships_of(current_user)
            if current_user.is_authenticated and not request.path.startswith("/api/")
            else []
        )
    except Exception:  # an error page must render even when the database is down
        memberships = []
    return {
        "current_workspace": g.get("workspace"),
        "current_role": role,
        "can": lambda needed: has_role(role, needed),
        "nav_memberships": memberships,
    }
