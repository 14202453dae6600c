"""API: labels (list, get, create, rename, delete), via labels/services."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g, jsonify, request, url_for

from financeapp.api import bp
from financeapp.api.docs import crud, patch_schema
from financeapp.api.resources import created, deleted, idempotent, list_response, page_args
from financeapp.api.schemas import fields_of, raise_if, read_json
from financeapp.core.errors import Conflict
from financeapp.core.scoping import get_scoped_or_404, require_role, scoped
from financeapp.extensions import db
from financeapp.labels import services
from financeapp.labels.models import Label

FIELDS = frozenset({"name"})


def label_json(label: Label, transactions: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": label.id, "name": label.name, "colour": label.colour}
    if transactions is not None:
        body["transactions"] = transactions
    return body


@bp.get("/labels")
@require_role("viewer")
def labels_index():
    """Labels by name with their transaction counts."""
    number, per_page = page_args(request.args)
    page = services.list_labels(g.workspace, number, per_page)
    return list_response((label_json(label, n) for label, n in page.rows), page)


@bp.get("/labels/<int:label_id>")
@require_role("viewer")
def labels_detail(label_id: int):
    return jsonify(data=label_json(get_scoped_or_404(Label, label_id, g.workspace)))


def _name(body: dict[str, Any]) -> str:
    errors: dict[str, str] = {}
    fields = fields_of(body, FIELDS, errors)
    name = " ".join(fields.text("name", 40).split())
    if fields.ok("name") and not name:
        fields.error("name", "Give the label a name.")
    elif "," in name:
        fields.error("name", "One name, no commas.")
    raise_if(errors)
    return name


@bp.post("/labels")
@require_role("member")
@idempotent
def labels_create():
    """A new label (a name that exists, in any case, is a 409)."""
    name = _name(read_json(request))
    if db.session.scalar(scoped(Label, g.workspace).where(sa.func.lower(Label.name) == name.lower())) is not None:
        raise Conflict(f"There is already a label “{name}”.", fields={"name": "That name is taken."})
    label = services.labels_named(g.workspace, [name])[0]
    out = label_json(label)
    db.session.commit()
    return created(out, url_for("api.labels_detail", label_id=label.id))


@bp.patch("/labels/<int:label_id>")
@require_role("member")
def labels_update(label_id: int):
    label = get_scoped_or_404(Label, label_id, g.workspace)
    services.rename_label(g.workspace, label, _name({"name": label.name, **read_json(request)}))
    out = label_json(label)
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/labels/<int:label_id>")
@require_role("member")
def labels_delete(label_id: int):
    """Delete a label; it is taken off its transactions, which stay."""
    services.delete_label(g.workspace, get_scoped_or_404(Label, label_id, g.workspace))
    db.session.commit()
    return deleted()


LABEL_INPUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[^,]*$"}},
}

OPENAPI: dict[str, Any] = {
    "tags": ["labels"],
    "schemas": {
        "Label": {
            "type": "object",
            "required": ["id", "name", "colour"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "colour": {"type": "string"},
                "transactions": {"type": "integer", "description": "How many transactions carry it (lists only)."},
            },
        },
        "LabelInput": LABEL_INPUT,
        "LabelPatch": patch_schema(LABEL_INPUT),
    },
    "paths": crud("/api/v1/labels", "label_id", "Label", "labels", noun="label", plural="labels"),
}
