"""API: payees (list with a text search, get, create, rename / default category, delete), via payees/services."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request, url_for

from financeapp.api import bp
from financeapp.api.docs import crud, nullable, patch_schema, query
from financeapp.api.resources import created, deleted, idempotent, list_response, page_args
from financeapp.api.schemas import fields_of, raise_if, read_json
from financeapp.categories.models import Category
from financeapp.core.errors import Conflict
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.extensions import db
from financeapp.payees import services
from financeapp.payees.models import Payee

FIELDS = frozenset({"name", "default_category_id"})


def payee_json(payee: Payee, transactions: int | None = None) -> dict[str, Any]:
    """A payee; `transactions` (its transaction count) when listed."""
    body: dict[str, Any] = {"id": payee.id, "name": payee.name, "default_category_id": payee.default_category_id}
    if transactions is not None:
        body["transactions"] = transactions
    return body


@bp.get("/payees")
@require_role("viewer")
def payees_index():
    """Payees by name with their transaction counts; `q` searches the name as the Payees page does."""
    number, per_page = page_args(request.args)
    search = (request.args.get("q") or "").strip()[:100]
    page = services.list_payees(g.workspace, search=search, page=number, per_page=per_page)
    return list_response((payee_json(payee, n) for payee, n in page.rows), page)


@bp.get("/payees/<int:payee_id>")
@require_role("viewer")
def payees_detail(payee_id: int):
    return jsonify(data=payee_json(get_scoped_or_404(Payee, payee_id, g.workspace)))


def _read(body: dict[str, Any]) -> tuple[str, int | None]:
    errors: dict[str, str] = {}
    fields = fields_of(body, FIELDS, errors)
    name = fields.text("name", 120)
    if fields.ok("name") and not name.strip():
        fields.error("name", "Give the payee a name.")
    category_id = fields.identifier("default_category_id")
    raise_if(errors)
    return name, category_id


@bp.post("/payees")
@require_role("member")
@idempotent
def payees_create():
    """A new payee (an existing name is a 409: payees are unique by name)."""
    name, category_id = _read(read_json(request))
    if category_id is not None:  # checked before the payee is written (update_payee checks it again)
        get_scoped_or_404(Category, category_id, g.workspace)
    if services.find_payee(g.workspace, name) is not None:
        message = f"“{services.clean_name(name)}” already exists."
        raise Conflict(message, fields={"name": message})
    payee = services.find_or_create_payee(g.workspace, name)
    assert payee is not None  # the name is not blank
    services.update_payee(g.workspace, payee, payee.name, category_id)
    out = payee_json(payee)
    db.session.commit()
    return created(out, url_for("api.payees_detail", payee_id=payee.id))


@bp.patch("/payees/<int:payee_id>")
@require_role("member")
def payees_update(payee_id: int):
    payee = get_scoped_or_404(Payee, payee_id, g.workspace)
    current = {"name": payee.name, "default_category_id": payee.default_category_id}
    name, category_id = _read({**current, **read_json(request)})
    services.update_payee(g.workspace, payee, name, category_id)
    out = payee_json(payee)
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/payees/<int:payee_id>")
@require_role("member")
def payees_delete(payee_id: int):
    """Delete a payee; its transactions stay, without a payee."""
    services.delete_payee(g.workspace, get_scoped_or_404(Payee, payee_id, g.workspace))
    db.session.commit()
    return deleted()


PAYEE_INPUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "default_category_id": nullable({"type": "integer", "minimum": 1}),
    },
}

OPENAPI: dict[str, Any] = {
    "tags": ["payees"],
    "schemas": {
        "Payee": {
            "type": "object",
            "required": ["id", "name", "default_category_id"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "default_category_id": {"type": ["integer", "null"],
                                        "description": "The category new transactions for this payee get."},
                "transactions": {"type": "integer", "description": "How many transactions name it (lists only)."},
            },
        },
        "PayeeInput": PAYEE_INPUT,
        "PayeePatch": patch_schema(PAYEE_INPUT),
    },
    "paths": crud("/api/v1/payees", "payee_id", "Payee", "payees", noun="payee", plural="payees",
                  filters=[query("q", {"type": "string", "maxLength": 100}, "Text in the payee's name.")]),
}
