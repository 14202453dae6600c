"""API: the workspace's categories as a two-level tree (groups and their categories)."""

from __future__ import annotations

from flask import g, jsonify

from financeapp.api import bp
from financeapp.categories.models import Category
from financeapp.categories.services import category_tree
from financeapp.core.scoping import require_role


def category_json(category: Category) -> dict:
    return {"id": category.id, "name": category.name, "kind": category.kind}


@bp.get("/categories")
@require_role("viewer")
def categories_index():
    """Groups (income first, then by name), each with its categories by name."""
    data = [
        {**category_json(group), "categories": [category_json(child) for child in group.children]}
        for group in category_tree(g.workspace)
    ]
    return jsonify(data=data)
