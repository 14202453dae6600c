"""API: the insights — unusual transactions and seasonal patterns — from the same services as the Insights
page. Amounts are strings with their currency."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, jsonify, request

from financeapp.api import bp
from financeapp.core.errors import FinanceError
from financeapp.core.money import amount_text
from financeapp.core.pagination import page_number
from financeapp.core.scoping import require_role
from financeapp.core.validation import DATE_RANGE_MESSAGE, in_date_range
from financeapp.insights import services
from financeapp.insights.models import FLAG_KINDS
from financeapp.insights.services import UnusualItem

PER_PAGE = 50


class BadParameter(FinanceError):
    status = 400
    title = "Bad request"


def _since(text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        on = date.fromisoformat(text.strip())
    except ValueError:
        raise BadParameter("since must be a date as YYYY-MM-DD.", fields={"since": "Send YYYY-MM-DD."}) from None
    if not in_date_range(on):
        raise BadParameter(DATE_RANGE_MESSAGE, fields={"since": DATE_RANGE_MESSAGE})
    return on


def anomaly_json(item: UnusualItem) -> dict[str, Any]:
    return {"id": item.flag_id, "transaction_id": item.transaction_id, "date": item.on.isoformat(),
            "account": item.account, "payee": item.payee, "amount": amount_text(item.amount, item.currency),
            "currency": item.currency, "score": str(item.score), "kind": item.kind, "reason": item.reason}


@bp.get("/insights/anomalies")
@require_role("viewer")
def insights_anomalies():
    """The open unusual transactions, newest first, a page at a time."""
    since = _since(request.args.get("since"))
    page = services.unusual_page(g.workspace, page_number(request.args.get("page")), since=since, per_page=PER_PAGE)
    return jsonify(data=[anomaly_json(item) for item in page.rows],
                   meta={"page": page.number, "per_page": page.per_page, "total": page.total, "pages": page.pages,
                         "sensitivity": services.sensitivity().name})


@bp.get("/insights/patterns")
@require_role("viewer")
def insights_patterns():
    """The seasonal patterns and trends the last scan computed (computed_at null before the first)."""
    stored = services.stored_patterns(g.workspace)
    empty = {"first": "", "through": "", "currency": g.workspace.base_currency, "months": 0, "seasonal": [],
             "trends": [], "warnings": [], "computed_at": None}
    return jsonify(data=stored or empty)


# OpenAPI ------------------------------------------------------------------------------------------

def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


OPENAPI: dict[str, Any] = {
    "tags": ["insights"],
    "schemas": {
        "Patterns": {
            "type": "object",
            "required": ["first", "through", "currency", "months", "seasonal", "trends", "warnings", "computed_at"],
            "properties": {
                "first": {"type": "string", "description": "First whole month used, YYYY-MM (empty: none)."},
                "through": {"type": "string", "description": "Last whole month used, YYYY-MM."},
                "currency": _ref("Currency"),
                "months": {"type": "integer"},
                "computed_at": {"type": ["string", "null"]},
                "warnings": {"type": "array", "items": {"type": "string"}},
                "seasonal": {"type": "array", "items": {
                    "type": "object", "required": ["series", "category_id", "strength", "amplitude", "average",
                                                   "months"],
                    "properties": {
                        "series": {"type": "string", "description": "“Total spending” or “Group: Category”."},
                        "category_id": {"type": ["integer", "null"]},
                        "strength": {"type": "string", "description": "STL seasonal strength, 0 to 1."},
                        "amplitude": {"type": "string", "description": "The largest month effect, percent."},
                        "average": _ref("Amount"),
                        "months": {"type": "array", "items": {
                            "type": "object", "required": ["month", "name", "percent", "text"],
                            "properties": {"month": {"type": "integer", "minimum": 1, "maximum": 12},
                                           "name": {"type": "string"}, "percent": {"type": "string"},
                                           "text": {"type": "string",
                                                    "description": "“December is 38 % above your average”."}}}},
                    }}},
                "trends": {"type": "array", "items": {
                    "type": "object", "required": ["series", "category_id", "window", "direction", "change",
                                                   "before", "recent", "text"],
                    "properties": {
                        "series": {"type": "string"}, "category_id": {"type": ["integer", "null"]},
                        "window": {"type": "integer", "enum": [6, 12]},
                        "direction": {"type": "string", "enum": ["up", "down"]},
                        "change": {"type": "string", "description": "Percent."},
                        "before": {**_ref("Amount"), "description": "The trend a month, `window` months ago."},
                        "recent": {**_ref("Amount"), "description": "The trend a month, in the last month."},
                        "text": {"type": "string"}}}},
            },
        },
        "Anomaly": {
            "type": "object",
            "required": ["id", "transaction_id", "date", "account", "payee", "amount", "currency", "score", "kind",
                         "reason"],
            "properties": {
                "id": {"type": "integer", "description": "The flag's id."},
                "transaction_id": {"type": "integer"},
                "date": {"type": "string", "format": "date"},
                "account": {"type": "string"},
                "payee": {"type": ["string", "null"]},
                "amount": {**_ref("Amount"), "description": "Signed, in the account's currency."},
                "currency": _ref("Currency"),
                "score": {"type": "string", "pattern": r"^-?\d+\.\d{2}$",
                          "description": "Robust z-score of the log amount against its category or payee."},
                "kind": {"type": "string", "enum": list(FLAG_KINDS),
                         "description": "The main reason: size, new_payee (a first big payment) or duplicate."},
                "reason": {"type": "string", "description": "Why, in words: “12.3× your median Coffee purchase "
                                                            "of $5.50”."},
            },
        },
    },
    "paths": {
        "/api/v1/insights/patterns": {
            "get": {
                "operationId": "getPatterns",
                "summary": "Seasonal patterns and trends of spending",
                "description": "Per category and in total: the calendar months that run above or below the "
                               "average month, shown only where the STL seasonal strength is at least 0.5 and a "
                               "month is at least 15 % off; and the categories whose de-seasoned trend moved 15 % "
                               "or more over the last 6 or 12 months. Computed by the scan job (flask insights "
                               "scan, or the Insights page's button), not per request.",
                "tags": ["insights"],
                "responses": {
                    "200": {"description": "The stored patterns.", "content": {"application/json": {
                        "schema": {"type": "object", "required": ["data"],
                                   "properties": {"data": _ref("Patterns")}}}}},
                },
            },
        },
        "/api/v1/insights/anomalies": {
            "get": {
                "operationId": "listAnomalies",
                "summary": "Unusual transactions",
                "description": "The open flags of the unusual-transaction finder (ones marked normal are left out), "
                               "newest transaction first, 50 a page.",
                "tags": ["insights"],
                "parameters": [
                    {"name": "since", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                     "description": "Only transactions on or after this day."},
                    {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
                ],
                "responses": {
                    "200": {"description": "A page of unusual transactions.", "content": {"application/json": {
                        "schema": {"type": "object", "required": ["data", "meta"], "properties": {
                            "data": {"type": "array", "items": _ref("Anomaly")},
                            "meta": {"type": "object", "required": ["page", "per_page", "total", "pages"],
                                     "properties": {"page": {"type": "integer"}, "per_page": {"type": "integer"},
                                                    "total": {"type": "integer"}, "pages": {"type": "integer"},
                                                    "sensitivity": {"type": "string"}}}}}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                },
            },
        },
    },
}
