"""API: categorisation rules (list in order, get, create, change, move, delete), through rules/services.

Roles as on the Rules page: anyone reads, a manager changes the rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask import g, jsonify, request, url_for

from financeapp.api import bp, docs
from financeapp.api.resources import created, deleted, idempotent, list_response, page_args
from financeapp.api.schemas import fields_of, raise_if, read_json
from financeapp.core.scoping import require_role
from financeapp.extensions import db
from financeapp.rules import services
from financeapp.rules.models import SIGNS, TEXT_FIELDS, TEXT_OPS, Rule

FIELDS = frozenset(f.name for f in dataclasses.fields(services.RuleInput))


def _amount(value: Any) -> str | None:
    """A bound as stored (thousandths, whatever the account's currency), without trailing zeros."""
    return None if value is None else format(value.normalize(), "f")


def rule_json(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id, "name": rule.name, "position": rule.position, "active": rule.active,
        "on_manual": rule.on_manual, "match_field": rule.match_field, "match_op": rule.match_op,
        "match_text": rule.match_text, "amount_min": _amount(rule.amount_min),
        "amount_max": _amount(rule.amount_max), "sign": rule.sign, "account_id": rule.account_id,
        "set_payee": rule.set_payee, "set_category_id": rule.set_category_id,
        "add_labels": [name for name in (part.strip() for part in rule.add_labels.split(",")) if name],
    }


@bp.get("/rules")
@require_role("viewer")
def rules_index():
    """The rules in the order they run (the first that matches wins)."""
    number, per_page = page_args(request.args)
    page = services.list_rules(g.workspace, page=number, per_page=per_page)
    return list_response((rule_json(rule) for rule in page.rows), page)


@bp.get("/rules/<int:rule_id>")
@require_role("viewer")
def rules_detail(rule_id: int):
    return jsonify(data=rule_json(services.rule_or_404(g.workspace, rule_id)))


def rule_input(body: Mapping[str, Any], base: services.RuleInput) -> services.RuleInput:
    """`base` with the fields the body sends; Invalid names every bad field."""
    errors: dict[str, str] = {}
    f = fields_of(body, FIELDS, errors)
    readers = {
        "name": lambda: f.text("name", 80), "match_text": lambda: f.text("match_text", 255),
        "match_field": lambda: f.choice("match_field", tuple(TEXT_FIELDS)),
        "match_op": lambda: f.choice("match_op", tuple(TEXT_OPS)),
        "amount_min": lambda: f.amount("amount_min", required=False, sign="nonnegative"),
        "amount_max": lambda: f.amount("amount_max", required=False, sign="nonnegative"),
        "sign": lambda: f.choice("sign", tuple(SIGNS)), "account_id": lambda: f.identifier("account_id"),
        "set_payee": lambda: f.text("set_payee", 120), "set_category_id": lambda: f.identifier("set_category_id"),
        "add_labels": lambda: _labels(f), "active": lambda: f.boolean("active", True),
        "on_manual": lambda: f.boolean("on_manual", False),
    }
    changes = {name: read() for name, read in readers.items() if name in body}
    raise_if(errors)
    return dataclasses.replace(base, **changes)


def _labels(f: Any) -> str:
    return ", ".join(f.labels("add_labels"))


@bp.post("/rules")
@require_role("manager")
@idempotent
def rules_create():
    """A rule at the end of the list: conditions (text, amount range, sign, account), actions (payee,
    category, labels); it needs at least one condition and one action."""
    data = rule_input(read_json(request), services.RuleInput(name=""))
    rule = services.create_rule(g.workspace, data)
    out = rule_json(rule)
    db.session.commit()
    return created(out, url_for("api.rules_detail", rule_id=rule.id))


@bp.patch("/rules/<int:rule_id>")
@require_role("manager")
def rules_update(rule_id: int):
    rule = services.rule_or_404(g.workspace, rule_id)
    services.update_rule(g.workspace, rule, rule_input(read_json(request), services.rule_input(rule)))
    out = rule_json(rule)
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/rules/<int:rule_id>")
@require_role("manager")
def rules_delete(rule_id: int):
    services.delete_rule(g.workspace, services.rule_or_404(g.workspace, rule_id))
    db.session.commit()
    return deleted()


@bp.post("/rules/<int:rule_id>/move")
@require_role("manager")
def rules_move(rule_id: int):
    """Swap the rule with the one above (`up`) or below (`down`); `moved` is false at either end."""
    rule = services.rule_or_404(g.workspace, rule_id)
    errors: dict[str, str] = {}
    direction = fields_of(read_json(request), frozenset({"direction"}), errors).choice("direction", ("up", "down"))
    raise_if(errors)
    moved = services.move_rule(g.workspace, rule, direction)
    out = {"moved": moved, "rule": rule_json(rule)}
    db.session.commit()
    return jsonify(data=out)


AMOUNT_IN = docs.nullable({"oneOf": [{"type": "string", "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)\s*$"},
                                     {"type": "number", "minimum": 0}]})
RULE_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 80},
    "match_text": {"type": "string", "maxLength": 255, "description": "Empty: no text condition."},
    "match_field": {"type": "string", "enum": list(TEXT_FIELDS), "default": "payee"},
    "match_op": {"type": "string", "enum": list(TEXT_OPS), "default": "contains"},
    "amount_min": {**AMOUNT_IN, "description": "By size, whatever the sign."}, "amount_max": AMOUNT_IN,
    "sign": {"type": "string", "enum": list(SIGNS), "default": "any"},
    "account_id": docs.nullable({"type": "integer", "minimum": 1}),
    "set_payee": {"type": "string", "maxLength": 120},
    "set_category_id": docs.nullable({"type": "integer", "minimum": 1}),
    "add_labels": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 40}, "maxItems": 20},
    "active": {"type": "boolean", "default": True},
    "on_manual": {"type": "boolean", "default": False, "description": "Also run on entries typed in."},
}
RULE_INPUT = {"type": "object", "additionalProperties": False, "required": ["name"], "properties": RULE_PROPERTIES}
NULL_AMOUNT = {"type": ["string", "null"], "pattern": r"^-?\d+(\.\d+)?$"}
PATHS = docs.crud("/api/v1/rules", "rule_id", "Rule", "rules", noun="rule", plural="rules, in order",
                  write_role="manager")
PATHS["/api/v1/rules/{rule_id}/move"] = {"post": {
    "operationId": "moveRule", "summary": "Move a rule up or down the list", "tags": ["rules"],
    "description": "Needs the manager role.", "parameters": [docs.path_id("rule_id"), docs.CSRF],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": False, "required": ["direction"],
        "properties": {"direction": {"type": "string", "enum": ["up", "down"]}}}}}},
    "responses": {"200": docs.json_response(docs.envelope({
        "type": "object", "required": ["moved", "rule"],
        "properties": {"moved": {"type": "boolean"}, "rule": docs.ref("Rule")}}), "Where it is now."),
        **docs.errors(400, 401, 403, 404, 415, 422)},
}}
OPENAPI: dict[str, Any] = {
    "tags": ["rules"],
    "schemas": {
        "Rule": {
            "type": "object",
            "required": ["id", "name", "position", "active", "on_manual", "match_field", "match_op", "match_text",
                         "amount_min", "amount_max", "sign", "account_id", "set_payee", "set_category_id",
                         "add_labels"],
            "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"}, "position": {"type": "integer"},
                "active": {"type": "boolean"}, "on_manual": {"type": "boolean"},
                "match_field": {"type": "string", "enum": list(TEXT_FIELDS)},
                "match_op": {"type": "string", "enum": list(TEXT_OPS)}, "match_text": {"type": "string"},
                "amount_min": NULL_AMOUNT, "amount_max": NULL_AMOUNT, "sign": {"type": "string", "enum": list(SIGNS)},
                "account_id": {"type": ["integer", "null"]}, "set_payee": {"type": "string"},
                "set_category_id": {"type": ["integer", "null"]},
                "add_labels": {"type": "array", "items": {"type": "string"}},
            },
        },
        "RuleInput": RULE_INPUT,
        "RulePatch": docs.patch_schema(RULE_INPUT),
    },
    "paths": PATHS,
}
