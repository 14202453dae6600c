"""API: recurring items and bills (list, get, create, change, pause, delete), the upcoming occurrences,
and confirming or skipping one occurrence, through recurring/services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, jsonify, request, url_for
from sqlalchemy.orm import selectinload

from financeapp.api import bp, docs
from financeapp.api.resources import BadParameter, created, deleted, idempotent, list_response, paged
from financeapp.api.schemas import amount_text, fields_of, raise_if, read_json
from financeapp.core.scoping import require_role, scoped
from financeapp.extensions import db
from financeapp.recurring import services
from financeapp.recurring.models import KINDS, RecurringItem
from financeapp.recurring.schedule import FREQUENCIES, MONTHLY_MODES

FIELDS = frozenset({"name", "kind", "account_id", "amount", "start_date", "direction", "to_account_id",
                    "to_amount", "payee", "category_id", "memo", "frequency", "interval", "weekdays",
                    "monthly_mode", "month_day", "nth", "nth_weekday", "end_date", "count", "auto_post", "is_bill",
                    "remind_days", "tolerance_pct", "paused"})
TRUE_FALSE = {"true": True, "false": False}


def item_json(item: RecurringItem) -> dict[str, Any]:
    cur = item.account.currency
    return {
        "id": item.id, "name": item.name, "kind": item.kind, "account_id": item.account_id,
        "to_account_id": item.to_account_id, "direction": item.direction, "amount": amount_text(item.amount, cur),
        "to_amount": amount_text(item.to_amount, item.to_account.currency) if item.to_amount is not None
        and item.to_account is not None else None,
        "currency": cur, "payee": item.payee, "category_id": item.category_id, "memo": item.memo,
        "frequency": item.frequency, "interval": item.interval,
        "weekdays": [int(d) for d in item.weekdays.split(",") if d.strip().isascii() and d.strip().isdigit()],
        "monthly_mode": item.monthly_mode, "month_day": item.month_day, "nth": item.nth,
        "nth_weekday": item.nth_weekday, "start_date": item.start_date.isoformat(),
        "end_date": item.end_date.isoformat() if item.end_date else None, "count": item.count,
        "auto_post": item.auto_post, "paused": item.paused, "is_bill": item.is_bill,
        "remind_days": item.remind_days, "tolerance_pct": item.tolerance_pct,
    }


@bp.get("/recurring")
@require_role("viewer")
def recurring_index():
    """Recurring items by name; `bill=true` only bills, `bill=false` only the others."""
    query = scoped(RecurringItem, g.workspace).options(selectinload(RecurringItem.account),
                                                       selectinload(RecurringItem.to_account))
    bill = (request.args.get("bill") or "").strip().lower()
    if bill:
        if bill not in TRUE_FALSE:
            raise BadParameter("Check the query parameters: bill.", fields={"bill": "Send true or false."})
        query = query.where(RecurringItem.is_bill.is_(TRUE_FALSE[bill]))
    page = paged(query.order_by(RecurringItem.name, RecurringItem.id))
    return list_response((item_json(item) for item in page.rows), page)


@bp.get("/recurring/<int:item_id>")
@require_role("viewer")
def recurring_detail(item_id: int):
    return jsonify(data=item_json(services.get_item(g.workspace, item_id)))


def _weekdays(fields: Any, body: Mapping[str, Any]) -> tuple[int, ...]:
    value = body.get("weekdays")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in value) \
            or len(value) > 7:
        fields.error("weekdays", "Send weekdays as a list of numbers, 0 (Monday) to 6 (Sunday).")
        return ()
    return tuple(value)


def recurring_input(body: Mapping[str, Any]) -> tuple[services.RecurringInput, bool]:
    errors: dict[str, str] = {}
    f = fields_of(body, FIELDS, errors)
    data = dict(
        name=f.text("name", 120), kind=f.choice("kind", KINDS, default="entry"),
        account_id=f.identifier("account_id", required=True), amount=f.amount("amount"),
        start_date=f.day("start_date"), direction=f.choice("direction", ("in", "out"), default="out"),
        to_account_id=f.identifier("to_account_id"), to_amount=f.amount("to_amount", required=False),
        payee=f.text("payee", 120), category_id=f.identifier("category_id"), memo=f.text("memo", 255),
        frequency=f.choice("frequency", tuple(FREQUENCIES), default="monthly"),
        interval=f.integer("interval", 1, 1000) or 1, weekdays=_weekdays(f, body),
        monthly_mode=f.choice("monthly_mode", tuple(MONTHLY_MODES), default="day"),
        month_day=f.integer("month_day", 1, 31), nth=f.integer("nth", -1, 5),
        nth_weekday=f.integer("nth_weekday", 0, 6),
        end_date=f.optional_day("end_date"), count=f.integer("count", 1, 1_000_000),
        auto_post=f.boolean("auto_post", False), is_bill=f.boolean("is_bill", False),
        remind_days=f.integer("remind_days", 0, 1000), tolerance_pct=f.integer("tolerance_pct", 0, 1000),
    )
    if data["remind_days"] is None:
        data["remind_days"] = 3
    paused = f.boolean("paused", False)
    raise_if(errors)
    return services.RecurringInput(**data), paused  # type: ignore[arg-type]


@bp.post("/recurring")
@require_role("member")
@idempotent
def recurring_create():
    """A recurring entry or transfer (a bill: is_bill, money out) on a daily/weekly/monthly/yearly schedule."""
    data, paused = recurring_input(read_json(request))
    item = services.create_recurring(g.workspace, data)
    if paused:
        services.set_paused(item, True)
    out = item_json(item)
    db.session.commit()
    return created(out, url_for("api.recurring_detail", item_id=item.id))


def _as_body(item: RecurringItem) -> dict[str, Any]:
    body = {key: value for key, value in item_json(item).items()
            if key in FIELDS and key not in ("amount", "to_amount")}
    body.update(amount=item.amount, to_amount=item.to_amount)
    return body


@bp.patch("/recurring/<int:item_id>")
@require_role("member")
def recurring_update(item_id: int):
    """Change the fields sent (`paused` pauses or resumes); a changed schedule applies from today."""
    item = services.get_item(g.workspace, item_id)
    data, paused = recurring_input({**_as_body(item), **read_json(request)})
    services.update_recurring(g.workspace, item, data)
    if paused != item.paused:
        services.set_paused(item, paused)
    out = item_json(item)
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/recurring/<int:item_id>")
@require_role("member")
def recurring_delete(item_id: int):
    """Delete an item and its occurrence history; the transactions it posted stay."""
    services.delete_recurring(g.workspace, services.get_item(g.workspace, item_id))
    db.session.commit()
    return deleted()


@bp.get("/recurring/upcoming")
@require_role("viewer")
def recurring_upcoming():
    """Occurrences due in the next `days` (default 30, at most 366) not yet dealt with, and those waiting
    for confirmation from the last 60 days; totals in and out per currency."""
    text = (request.args.get("days") or "").strip()
    if text and (not (text.isascii() and text.isdigit()) or len(text) > 3 or int(text) > 366):
        raise BadParameter("Check the query parameters: days.", fields={"days": "Send 0 to 366."})
    upcoming = services.upcoming(g.workspace, int(text) if text else 30)
    return jsonify(data={
        "first": upcoming.first.isoformat(), "last": upcoming.last.isoformat(),
        "occurrences": [{"item_id": o.item.id, "name": o.item.name, "date": o.on.isoformat(),
                         "amount": amount_text(o.amount, o.currency), "currency": o.currency,
                         "is_bill": o.item.is_bill, "overdue": o.overdue, "needs_confirm": o.needs_confirm}
                        for o in upcoming.occurrences],
        "totals": [{"currency": t.currency, "incoming": amount_text(t.incoming, t.currency),
                    "outgoing": amount_text(t.outgoing, t.currency), "net": amount_text(t.net, t.currency)}
                   for t in upcoming.totals],
    })


def _occurrence(item_id: int, action: str):
    item = services.get_item(g.workspace, item_id)
    errors: dict[str, str] = {}
    fields = fields_of(read_json(request), frozenset({"date"}), errors)
    on = fields.day("date")
    raise_if(errors)
    assert on is not None
    act = services.post_occurrence if action == "confirm" else services.skip_occurrence
    done = act(g.workspace, item, on)
    db.session.commit()
    if done is None:
        return jsonify(data={"item_id": item.id, "date": on.isoformat(), "status": "already handled",
                             "transaction_id": None})
    return jsonify(data={"item_id": item.id, "date": on.isoformat(), "status": done.status,
                         "transaction_id": done.transaction_id})


@bp.post("/recurring/<int:item_id>/confirm")
@require_role("member")
def recurring_confirm(item_id: int):
    """Post one occurrence (`date`) as a transaction, exactly once (a repeat answers "already handled")."""
    return _occurrence(item_id, "confirm")


@bp.post("/recurring/<int:item_id>/skip")
@require_role("member")
def recurring_skip(item_id: int):
    """Skip one occurrence (`date`): nothing is posted for it."""
    return _occurrence(item_id, "skip")



AMOUNT = docs.ref("Amount")
DATE = {"type": "string", "format": "date"}
POSITIVE_IN = {"oneOf": [{"type": "string", "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)\s*$"},
                         {"type": "number", "exclusiveMinimum": 0}]}
ID = {"type": "integer", "minimum": 1}
NULL_ID = docs.nullable(ID)
ITEM_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string", "maxLength": 120, "description": "Default: the payee."},
    "kind": {"type": "string", "enum": list(KINDS), "default": "entry"},
    "account_id": ID, "amount": POSITIVE_IN, "start_date": DATE,
    "direction": {"type": "string", "enum": ["in", "out"], "default": "out"},
    "to_account_id": NULL_ID, "to_amount": docs.nullable(POSITIVE_IN),
    "payee": {"type": "string", "maxLength": 120}, "category_id": NULL_ID, "memo": {"type": "string", "maxLength": 255},
    "frequency": {"type": "string", "enum": list(FREQUENCIES), "default": "monthly"},
    "interval": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1},
    "weekdays": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 6}, "maxItems": 7},
    "monthly_mode": {"type": "string", "enum": list(MONTHLY_MODES), "default": "day"},
    "month_day": docs.nullable({"type": "integer", "minimum": 1, "maximum": 31}),
    "nth": docs.nullable({"type": "integer", "minimum": -1, "maximum": 5}),
    "nth_weekday": docs.nullable({"type": "integer", "minimum": 0, "maximum": 6}),
    "end_date": docs.nullable(DATE), "count": docs.nullable({"type": "integer", "minimum": 1}),
    "auto_post": {"type": "boolean", "default": False}, "is_bill": {"type": "boolean", "default": False},
    "remind_days": {"type": "integer", "minimum": 0, "maximum": 60, "default": 3},
    "tolerance_pct": docs.nullable({"type": "integer", "minimum": 0, "maximum": 100}),
    "paused": {"type": "boolean", "default": False},
}
ITEM_INPUT = {"type": "object", "additionalProperties": False, "required": ["account_id", "amount", "start_date"],
              "properties": ITEM_PROPERTIES}
ITEM = {
    "type": "object",
    "required": ["id", "name", "kind", "account_id", "to_account_id", "direction", "amount", "to_amount",
                 "currency", "payee", "category_id", "memo", "frequency", "interval", "weekdays", "monthly_mode",
                 "month_day", "nth", "nth_weekday", "start_date", "end_date", "count", "auto_post", "paused",
                 "is_bill", "remind_days", "tolerance_pct"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string", "enum": list(KINDS)},
        "account_id": {"type": "integer"}, "to_account_id": {"type": ["integer", "null"]},
        "direction": {"type": "string", "enum": ["in", "out"]}, "amount": AMOUNT, "to_amount": docs.nullable(AMOUNT),
        "currency": docs.ref("Currency"), "payee": {"type": "string"}, "category_id": {"type": ["integer", "null"]},
        "memo": {"type": "string"}, "frequency": {"type": "string", "enum": list(FREQUENCIES)},
        "interval": {"type": "integer"}, "weekdays": {"type": "array", "items": {"type": "integer"}},
        "monthly_mode": {"type": "string"}, "month_day": {"type": ["integer", "null"]},
        "nth": {"type": ["integer", "null"]}, "nth_weekday": {"type": ["integer", "null"]}, "start_date": DATE,
        "end_date": docs.nullable(DATE), "count": {"type": ["integer", "null"]}, "auto_post": {"type": "boolean"},
        "paused": {"type": "boolean"}, "is_bill": {"type": "boolean"}, "remind_days": {"type": "integer"},
        "tolerance_pct": {"type": ["integer", "null"]},
    },
}
OCCURRENCE_RESULT = {
    "type": "object", "required": ["item_id", "date", "status", "transaction_id"],
    "properties": {"item_id": {"type": "integer"}, "date": DATE,
                   "status": {"type": "string", "enum": ["posted", "skipped", "already handled"]},
                   "transaction_id": {"type": ["integer", "null"]}},
}
UPCOMING = {
    "type": "object", "required": ["first", "last", "occurrences", "totals"],
    "properties": {
        "first": DATE, "last": DATE,
        "occurrences": {"type": "array", "items": {
            "type": "object",
            "required": ["item_id", "name", "date", "amount", "currency", "is_bill", "overdue", "needs_confirm"],
            "properties": {"item_id": {"type": "integer"}, "name": {"type": "string"}, "date": DATE,
                           "amount": AMOUNT, "currency": docs.ref("Currency"), "is_bill": {"type": "boolean"},
                           "overdue": {"type": "boolean"}, "needs_confirm": {"type": "boolean"}}}},
        "totals": {"type": "array", "items": {
            "type": "object", "required": ["currency", "incoming", "outgoing", "net"],
            "properties": {"currency": docs.ref("Currency"), "incoming": AMOUNT, "outgoing": AMOUNT,
                           "net": AMOUNT}}},
    },
}


def _occurrence_operation(action: str, summary: str) -> dict[str, Any]:
    return {"post": {
        "operationId": f"{action}RecurringOccurrence", "summary": summary, "tags": ["recurring"],
        "description": "Needs the member role. Done once per item and date; a repeat answers \"already handled\".",
        "parameters": [docs.path_id("item_id"), docs.CSRF],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False, "required": ["date"], "properties": {"date": DATE}}}}},
        "responses": {"200": docs.json_response(docs.envelope(docs.ref("RecurringOccurrenceResult")), "Done."),
                      **docs.errors(400, 401, 403, 404, 409, 415, 422)},
    }}


PATHS = docs.crud("/api/v1/recurring", "item_id", "RecurringItem", "recurring", noun="recurring item",
                  plural="recurring items and bills",
                  filters=[docs.query("bill", {"type": "string", "enum": ["true", "false"]}, "Only bills, or none.")])
PATHS["/api/v1/recurring/upcoming"] = {"get": {
    "operationId": "listUpcomingOccurrences", "summary": "What is due soon, and what waits for confirmation",
    "tags": ["recurring"],
    "parameters": [docs.query("days", {"type": "integer", "minimum": 0, "maximum": 366, "default": 30},
                              "How far ahead.")],
    "responses": {"200": docs.json_response(docs.envelope(docs.ref("UpcomingOccurrences")), "The occurrences."),
                  **docs.errors(400, 401, 404)},
}}
PATHS["/api/v1/recurring/{item_id}/confirm"] = _occurrence_operation("confirm", "Post one occurrence")
PATHS["/api/v1/recurring/{item_id}/skip"] = _occurrence_operation("skip", "Skip one occurrence")

OPENAPI: dict[str, Any] = {
    "tags": ["recurring"],
    "schemas": {"RecurringItem": ITEM, "RecurringItemInput": ITEM_INPUT,
                "RecurringItemPatch": docs.patch_schema(ITEM_INPUT), "RecurringOccurrenceResult": OCCURRENCE_RESULT,
                "UpcomingOccurrences": UPCOMING},
    "paths": PATHS,
}
