"""API: categories (the two-level tree, one category, create, change, delete), via categories/services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, jsonify, request, url_for

from financeapp.api import bp
from financeapp.api.docs import crud, nullable, patch_schema, query, ref
from financeapp.api.resources import BadParameter, created, deleted, idempotent, list_response, page_args
from financeapp.api.schemas import fields_of, raise_if, read_json
from financeapp.categories import services
from financeapp.categories.models import KINDS, Category
from financeapp.categories.services import category_tree
from financeapp.core.pagination import page_of_list
from financeapp.core.scoping import as_id, get_scoped_or_404, require_role
from financeapp.extensions import db

FIELDS = frozenset({"name", "kind", "parent_id"})


def category_json(category: Category) -> dict:
    return {"id": category.id, "name": category.name, "kind": category.kind}


def category_detail(category: Category) -> dict:
    """One category with its group (null for a group) and, for a group, its categories."""
    return {**category_json(category), "parent_id": category.parent_id,
            "categories": [category_json(child) for child in category.children]}


@bp.get("/categories")
@require_role("viewer")
def categories_index():
    """Groups (income first, then by name), each with its categories by name; `kind` filters."""
    number, per_page = page_args(request.args)
    kind = (request.args.get("kind") or "").strip()
    if kind and kind not in KINDS:
        raise BadParameter("Check the query parameters: kind.", fields={"kind": f"Choose one of: {', '.join(KINDS)}."})
    groups = [group for group in category_tree(g.workspace) if not kind or group.kind == kind]
    page = page_of_list(groups, number, per_page)
    return list_response(
        ({**category_json(group), "categories": [category_json(child) for child in group.children]}
         for group in page.rows), page)


@bp.get("/categories/<int:category_id>")
@require_role("viewer")
def categories_detail(category_id: int):
    return jsonify(data=category_detail(get_scoped_or_404(Category, category_id, g.workspace)))


def category_input(body: Mapping[str, Any]) -> services.CategoryInput:
    errors: dict[str, str] = {}
    fields = fields_of(body, FIELDS, errors)
    name = fields.text("name", 60)
    kind = fields.choice("kind", KINDS)
    parent_id = fields.identifier("parent_id")
    raise_if(errors)
    return services.CategoryInput(name=name, kind=kind, parent_id=parent_id)


@bp.post("/categories")
@require_role("member")
@idempotent
def categories_create():
    """A group (no parent_id) or a category in a group; a category takes its group's kind by default."""
    body = read_json(request)
    defaults: dict[str, Any] = {"kind": "expense"}
    parent_id = as_id(body.get("parent_id")) if body.get("parent_id") is not None else None
    if parent_id is not None and "kind" not in body:
        parent = db.session.get(Category, parent_id)
        if parent is not None and parent.workspace_id == g.workspace.id:
            defaults["kind"] = parent.kind
    category = services.create_category(g.workspace, category_input({**defaults, **body}))
    out = category_detail(category)
    db.session.commit()
    return created(out, url_for("api.categories_detail", category_id=category.id))


@bp.patch("/categories/<int:category_id>")
@require_role("member")
def categories_update(category_id: int):
    """Rename, change the kind, or move to another group (parent_id; null makes it a group)."""
    category = get_scoped_or_404(Category, category_id, g.workspace)
    current = {"name": category.name, "kind": category.kind, "parent_id": category.parent_id}
    services.update_category(g.workspace, category, category_input({**current, **read_json(request)}))
    out = category_detail(category)
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/categories/<int:category_id>")
@require_role("member")
def categories_delete(category_id: int):
    """Delete a category (a group with its categories); ?reassign_to= moves their lines, else uncategorised."""
    category = get_scoped_or_404(Category, category_id, g.workspace)
    given = (request.args.get("reassign_to") or "").strip()
    target = None
    if given:
        if as_id(given) is None:
            raise BadParameter("Check the query parameters: reassign_to.",
                               fields={"reassign_to": "Send a category id."})
        target = get_scoped_or_404(Category, given, g.workspace)
    services.delete_category(g.workspace, category, target)
    db.session.commit()
    return deleted()


CATEGORY_INPUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 60},
        "kind": {"type": "string", "enum": list(KINDS),
                 "description": "Default: the group's kind for a category, expense for a group."},
        "parent_id": nullable({"type": "integer", "minimum": 1}),
    },
}

OPENAPI: dict[str, Any] = {
    "tags": [],
    "schemas": {
        "CategoryDetail": {
            "allOf": [ref("Category"), {
                "type": "object", "required": ["parent_id", "categories"],
                "properties": {"parent_id": {"type": ["integer", "null"], "description": "Null for a group."},
                               "categories": {"type": "array", "items": ref("Category")}}}],
        },
        "CategoryDetailInput": CATEGORY_INPUT,
        "CategoryDetailPatch": patch_schema(CATEGORY_INPUT),
    },
    "paths": crud(
        "/api/v1/categories", "category_id", "CategoryDetail", "categories", noun="category",
        plural="category groups, each with its categories", list_item="CategoryGroup",
        filters=[query("kind", {"type": "string", "enum": list(KINDS)}, "Only income or only expense groups.")],
        delete_parameters=[query("reassign_to", {"type": "integer", "minimum": 1},
                                 "Move the lines to this category instead of leaving them uncategorised.")],
    ),
}
