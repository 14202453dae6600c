"""API: the series behind every report and dashboard chart, at /api/v1/reports/<report>.

Each endpoint takes the same filter as the report page (preset or start/end, account,
label) and answers {"data": ReportSeries, "meta": {...}}; amounts are strings in the
workspace base currency. Only the chart JavaScript turns them into numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, jsonify, request, url_for

from financeapp.api import bp
from financeapp.core.errors import NotFound
from financeapp.core.scoping import require_role
from financeapp.reports import services
from financeapp.reports.forms import PRESETS, read_filter, require_valid


@bp.get("/reports")
@require_role("viewer")
def reports_index():
    """The reports this install offers, with their endpoints."""
    data = [{"slug": r.slug, "title": r.title, "description": r.description, "url": f"/api/v1/reports/{r.slug}"}
            for r in services.available_reports()]
    return jsonify(data=data)


@bp.get("/reports/<slug>")
@require_role("viewer")
def reports_series(slug: str):
    """One report's chart series and table for the filter in the query string."""
    if services.get_report(slug) is None:
        raise NotFound(f"No report called “{slug[:40]}”.")
    form = require_valid(read_filter(request.args, date.today()))
    result = services.run_report(g.workspace, slug, form.filter)
    meta = {"base_currency": g.workspace.base_currency, "start": form.start.isoformat(),
            "end": form.end.isoformat(), "preset": form.preset, "account": form.account_id, "label": form.label_id}
    return jsonify(data=services.series_json(result, lambda args: url_for("transactions.index", **args)),
                   meta=meta)


# OpenAPI ------------------------------------------------------------------------------------------

_AMOUNT = {"$ref": "#/components/schemas/Amount"}
_NULLABLE_AMOUNT = {"oneOf": [_AMOUNT, {"type": "null"}]}
_CELL = {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}
_FILTERS: list[dict[str, Any]] = [
    {"name": "preset", "in": "query", "required": False, "schema": {"type": "string", "enum": list(PRESETS)},
     "description": "The date range; `custom` uses start and end. Default: last-12-months (custom when dates "
                    "are given)."},
    {"name": "start", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
     "description": "First day (YYYY-MM-DD) of a custom range; alone, the range runs to today."},
    {"name": "end", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
     "description": "Last day (YYYY-MM-DD) of a custom range; alone, the twelve whole months up to it. "
                    "The year over year report uses its year."},
    {"name": "account", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1},
     "description": "Only this account's transactions (another workspace's account matches nothing)."},
    {"name": "label", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1},
     "description": "Only transactions with this label (not applied to net worth)."},
]


def _error(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{name}"}


OPENAPI: dict[str, Any] = {
    "tags": ["reports"],
    "schemas": {
        "ReportSeries": {
            "type": "object",
            "required": ["report", "title", "chart", "currency", "labels", "datasets", "table", "warnings"],
            "properties": {
                "report": {"type": "string", "examples": ["monthly"]},
                "title": {"type": "string"},
                "chart": {"type": "string", "enum": ["bar", "line", "doughnut", "bar-horizontal"]},
                "currency": {"$ref": "#/components/schemas/Currency"},
                "labels": {"type": "array", "items": {"type": "string"},
                           "description": "The x axis (months, categories, payees or accounts)."},
                "datasets": {"type": "array", "items": {
                    "type": "object", "required": ["label", "data"],
                    "properties": {"label": {"type": "string"},
                                   "data": {"type": "array", "items": _NULLABLE_AMOUNT,
                                            "description": "One amount per label, in the base currency."},
                                   "links": {"type": "array",
                                             "items": {"oneOf": [{"type": "string"}, {"type": "null"}]},
                                             "description": "Per point: the transactions list of what it "
                                                            "sums (null where a point is several rows)."}},
                }},
                "table": {
                    "type": "object", "required": ["columns", "rows", "totals"],
                    "description": "The same numbers as the chart, as the page's accessible table shows them.",
                    "properties": {
                        "columns": {"type": "array", "items": {
                            "type": "object", "required": ["title", "kind"],
                            "properties": {"title": {"type": "string"},
                                           "kind": {"type": "string",
                                                    "enum": ["text", "money", "percent", "count"]}}}},
                        "rows": {"type": "array", "items": {"type": "array", "items": _CELL}},
                        "totals": {"oneOf": [{"type": "array", "items": _CELL}, {"type": "null"}]},
                    },
                },
                "warnings": {"type": "array", "items": {"type": "string"},
                             "description": "Missing exchange rates: those amounts are left out, never taken as 1.0."},
            },
        },
        "ReportMeta": {
            "type": "object",
            "required": ["base_currency", "start", "end", "preset", "account", "label"],
            "properties": {
                "base_currency": {"$ref": "#/components/schemas/Currency"},
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
                "preset": {"type": "string", "enum": list(PRESETS)},
                "account": {"oneOf": [{"type": "integer"}, {"type": "null"}]},
                "label": {"oneOf": [{"type": "integer"}, {"type": "null"}]},
            },
        },
        "ReportInfo": {
            "type": "object",
            "required": ["slug", "title", "description", "url"],
            "properties": {"slug": {"type": "string"}, "title": {"type": "string"},
                           "description": {"type": "string"}, "url": {"type": "string"}},
        },
    },
    "paths": {
        "/api/v1/reports": {
            "get": {
                "operationId": "listReports",
                "summary": "The reports on offer",
                "tags": ["reports"],
                "responses": {
                    "200": {"description": "The reports.", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["data"],
                        "properties": {"data": {"type": "array",
                                                "items": {"$ref": "#/components/schemas/ReportInfo"}}}}}}},
                    "401": _error("Unauthorized"),
                    "404": _error("NotFound"),
                },
            },
        },
        "/api/v1/reports/{slug}": {
            "get": {
                "operationId": "getReportSeries",
                "summary": "One report's chart series and table",
                "description": "slug is one of categories, trends, monthly, year-over-year, net-worth, payees, "
                               "cash-flow (and budget where budgets exist). Amounts are in the base currency, "
                               "converted per month at the month's last day's rate.",
                "tags": ["reports"],
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"},
                     "description": "Which report."},
                    *_FILTERS,
                ],
                "responses": {
                    "200": {"description": "The series.", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["data", "meta"],
                        "properties": {"data": {"$ref": "#/components/schemas/ReportSeries"},
                                       "meta": {"$ref": "#/components/schemas/ReportMeta"}}}}}},
                    "401": _error("Unauthorized"),
                    "404": _error("NotFound"),
                    "422": _error("Invalid"),
                },
            },
        },
    },
}
