"""Which workspace a request acts in, and what the navigation shows of the user's workspaces."""

from __future__ import annotations

from typing import Any

from flask import g, request, session
from flask_login import current_user

from financeapp.auth.loader import bearer_token
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
        wanted = session.get("workspace_id")
        membership = membership_for(current_user, wanted) if wanted is not None else None
        if membership is None:
            memberships = memberships_of(current_user)
            membership = memberships[0] if memberships else None
            session["workspace_id"] = membership.workspace_id if membership else None
    if membership is not None:
        g.membership = membership
        g.workspace = membership.workspace


def navigation_context() -> dict[str, Any]:
    """The workspace switcher and role checks every page's layout uses."""
    role = g.membership.role if g.get("membership") else None
    try:
        memberships = (
            memberships_of(current_user)
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
