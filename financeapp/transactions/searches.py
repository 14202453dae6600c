"""Saved searches: a member's named searches of the transactions list, per workspace."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from financeapp.core.errors import Invalid, NotFound
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.extensions import db
from financeapp.transactions import search
from financeapp.transactions.models import SavedSearch

MAX_SAVED = 50


def saved_searches(workspace: Any, user_id: int) -> list[SavedSearch]:
    """The user's saved searches in the workspace, by name."""
    return list(db.session.scalars(scoped(SavedSearch, workspace).where(SavedSearch.user_id == user_id)
                                   .order_by(SavedSearch.name)))


def save_search(workspace: Any, user_id: int, name: str, query: str) -> SavedSearch:
    """Save (or replace, by name) a search that can be read in this workspace."""
    name, query = " ".join((name or "").split()), (query or "").strip()
    if not name or len(name) > 80:
        raise Invalid("Give the search a name of at most 80 characters.", fields={"name": "Enter a name."})
    if not query or len(query) > 500:
        raise Invalid("Search for something first (at most 500 characters).", fields={"q": "Enter a search."})
    search.conditions(workspace, query)  # a search that cannot be read is refused now, not when opened
    existing = db.session.scalar(scoped(SavedSearch, workspace).where(
        SavedSearch.user_id == user_id, SavedSearch.name == name))
    if existing is not None:
        existing.query = query
        return existing
    count = db.session.scalar(sa.select(sa.func.count(SavedSearch.id)).where(
        SavedSearch.workspace_id == workspace.id, SavedSearch.user_id == user_id))
    if count >= MAX_SAVED:
        raise Invalid(f"You have {MAX_SAVED} saved searches already; delete one first.")
    saved = SavedSearch(workspace_id=workspace.id, user_id=user_id, name=name, query=query)
    db.session.add(saved)
    db.session.flush()
    return saved


def own_search(workspace: Any, user_id: int, search_id: Any) -> SavedSearch:
    """The user's own saved search (anyone else's, in any workspace, is a 404)."""
    saved = get_scoped_or_404(SavedSearch, search_id, workspace)
    if saved.user_id != user_id:
        raise NotFound("No such saved search.")
    return saved


def delete_search(workspace: Any, user_id: int, search_id: Any) -> str:
    """Delete one of the user's saved searches; returns its name."""
    saved = own_search(workspace, user_id, search_id)
    db.session.delete(saved)
    db.session.flush()
    return saved.name
