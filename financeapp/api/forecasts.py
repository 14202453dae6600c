"""API: forecasts with their measured accuracy, budget recommendations and balance projections (issue 14).

Nothing here fits a model: a forecast whose cache is missing or stale answers 202 with status
"computing" and asks for the job (financeapp/insights/forecasts/jobs.py); the chart asks again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, jsonify, request

from financeapp.accounts.models import Account
from financeapp.api import bp
from financeapp.core.errors import FinanceError, Invalid, NotFound
from financeapp.core.money import amount_text
from financeapp.core.scoping import MAX_ID, as_id, get_scoped_or_404, require_role
from financeapp.insights.forecasts import jobs, projection, recommendations, services


class BadParameter(FinanceError):
    status = 400
    title = "Bad request"


def _id(name: str) -> int | None:
    text = request.args.get(name)
    if text is None or text == "":
        return None
    key = as_id(text)
    if key is None:
        raise NotFound(f"No such {name.removesuffix('_id')}.")  # junk or another workspace's: the same 404
    return key


def _int(name: str, default: int | None) -> int | None:
    text = request.args.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number.", fields={name: "Send a whole number."}) from None


@bp.get("/forecasts")
@require_role("viewer")
def forecasts_show():
    """A series' forecast, 80 % interval and backtest; 202 while it is being computed."""
    try:
        key = services.series_key(request.args.get("series"), _id("category_id"), _id("account_id"))
        view = services.forecast_view(g.workspace, key, _int("months", None))
    except Invalid as err:
        raise BadParameter(err.message, fields=err.fields) from None
    if view.stale:
        jobs.request_refresh(g.workspace, [key.text], date.today())
    return jsonify(data=services.view_json(view, history=True)), 202 if view.stale else 200


def plan_json(plan: recommendations.Plan) -> dict[str, Any]:
    cur = plan.currency

    def money(value: Any) -> str | None:
        return None if value is None else amount_text(value, cur)

    return {
        "status": plan.status,
        "currency": cur,
        "savings_goals": [{"name": name, "monthly": money(amount)} for name, amount in plan.goals],
        "skipped_goals": plan.skipped_goals,
        "months": [{
            "month": m.month, "expected_income": money(m.income), "savings": money(m.savings),
            "room": money(m.room), "wanted": money(m.wanted), "total": money(m.total), "scaling": m.scaling,
            "note": m.note,
            "categories": [{"category_id": i.category_id, "name": i.name, "amount": money(i.amount),
                            "forecast": money(i.point), "high": money(i.high), "average": money(i.average),
                            "method": i.method, "current": money(i.current)} for i in m.items],
        } for m in plan.months],
    }


@bp.get("/insights/recommendations")
@require_role("viewer")
def recommendations_show():
    """Budget recommendations per category for the next 12 months; 202 while forecasts are computed."""
    plan = recommendations.build_plan(g.workspace)
    if plan.stale_keys:
        jobs.request_refresh(g.workspace, plan.stale_keys, date.today())
    return jsonify(data=plan_json(plan)), 202 if plan.status == "computing" else 200


def projection_json(result: projection.Projection) -> dict[str, Any]:
    cur = result.currency
    lowest = result.lowest
    return {
        "account": {"id": result.account.id, "name": result.account.name},
        "currency": cur,
        "status": result.status,
        "balance_today": amount_text(result.opening, cur),
        "lowest": {"date": lowest[0].isoformat(), "balance": amount_text(lowest[1], cur)} if lowest else None,
        "days": [{"date": day.isoformat(), "balance": amount_text(balance, cur)} for day, balance in result.days],
        "events": [{"date": e.on.isoformat(), "name": e.name, "amount": amount_text(e.amount, cur)}
                   for e in result.events],
        "unscheduled": [{"month": month, "spending": amount_text(out, cur), "income": amount_text(into, cur)}
                        for month, (out, into) in sorted(result.unscheduled.items())],
    }


@bp.get("/accounts/<int:account_id>/projection")
@require_role("viewer")
def accounts_projection(account_id: int):
    """An account's day-by-day projected balance with its lowest point; scheduled items only (status
    "computing") until the account's forecasts are ready."""
    if account_id > MAX_ID:
        raise NotFound("No such account.")
    account = get_scoped_or_404(Account, account_id, g.workspace)
    days = _int("days", projection.DEFAULT_DAYS) or projection.DEFAULT_DAYS
    if not 1 <= days <= projection.MAX_DAYS:
        raise BadParameter("days must be 1 to 366.", fields={"days": "Choose 1 to 366 days."})
    result = projection.project(g.workspace, account, days)
    if result.stale_keys:
        jobs.request_refresh(g.workspace, result.stale_keys, date.today())
    return jsonify(data=projection_json(result))


# OpenAPI ------------------------------------------------------------------------------------------

def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*statuses: int) -> dict[str, Any]:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 422: "Invalid"}
    return {str(s): {"$ref": f"#/components/responses/{names[s]}"} for s in statuses}


def _envelope(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["data"], "properties": {"data": schema}}


AMOUNT = _ref("Amount")
NULLABLE_AMOUNT = {"oneOf": [AMOUNT, {"type": "null"}]}
MONTH = {"type": "string", "pattern": r"^\d{4}-\d{2}$"}
SCORE = {"type": ["number", "null"]}
STATUS = {"type": "string", "enum": ["ready", "computing", "error", "empty"]}

OPENAPI: dict[str, Any] = {
    "tags": ["forecasts"],
    "schemas": {
        "Forecast": {
            "type": "object",
            "required": ["series", "key", "label", "currency", "status", "last_month", "history_months", "method",
                         "method_note", "points", "backtest", "history"],
            "properties": {
                "series": {"type": "string", "enum": ["spending", "income", "net"]},
                "key": {"type": "string", "description": "The cache's name of the series, e.g. spending:c12:a3."},
                "label": {"type": "string"},
                "category_id": {"type": ["integer", "null"]},
                "account_id": {"type": ["integer", "null"]},
                "currency": _ref("Currency"),
                "status": STATUS,
                "last_month": {**MONTH, "description": "The last complete month of history; points follow it."},
                "history_months": {"type": "integer"},
                "method": {"type": ["string", "null"],
                           "enum": ["ensemble", "ensemble-nonseasonal", "seasonal-naive", "naive", None],
                           "description": "seasonal-naive: the ensemble lost its own backtest."},
                "method_note": {"type": ["string", "null"]},
                "points": {"type": "array", "items": {
                    "type": "object", "required": ["month", "value", "low", "high"],
                    "properties": {"month": MONTH, "value": AMOUNT, "low": AMOUNT, "high": AMOUNT}}},
                "backtest": {"oneOf": [{"type": "null"}, {
                    "type": "object", "required": ["mase", "smape", "folds", "baseline"],
                    "properties": {
                        "mase": SCORE, "smape": {**SCORE, "description": "In percent (M4)."},
                        "folds": {"type": "integer"},
                        "baseline": {"type": "object", "required": ["seasonal_naive"], "properties": {
                            "seasonal_naive": {"type": "object", "required": ["mase", "smape"],
                                               "properties": {"mase": SCORE, "smape": SCORE}}}}}}]},
                "history": {"type": "array", "items": {"type": "object", "required": ["month", "value"],
                                                       "properties": {"month": MONTH, "value": AMOUNT}}},
            },
        },
        "BudgetRecommendations": {
            "type": "object",
            "required": ["status", "currency", "savings_goals", "skipped_goals", "months"],
            "properties": {
                "status": STATUS,
                "currency": _ref("Currency"),
                "savings_goals": {"type": "array", "items": {"type": "object", "required": ["name", "monthly"],
                                                             "properties": {"name": {"type": "string"},
                                                                            "monthly": AMOUNT}}},
                "skipped_goals": {"type": "array", "items": {"type": "string"},
                                  "description": "Goals in another currency, not counted."},
                "months": {"type": "array", "items": {
                    "type": "object",
                    "required": ["month", "expected_income", "savings", "room", "wanted", "total", "scaling", "note",
                                 "categories"],
                    "properties": {
                        "month": MONTH, "expected_income": AMOUNT, "savings": AMOUNT, "room": AMOUNT,
                        "wanted": AMOUNT, "total": AMOUNT,
                        "scaling": {"type": "string", "enum": ["none", "headroom", "all"]},
                        "note": {"type": "string"},
                        "categories": {"type": "array", "items": {
                            "type": "object",
                            "required": ["category_id", "name", "amount", "forecast", "high", "average", "method",
                                         "current"],
                            "properties": {"category_id": {"type": "integer"}, "name": {"type": "string"},
                                           "amount": AMOUNT, "forecast": AMOUNT, "high": AMOUNT,
                                           "average": AMOUNT, "method": {"type": "string"},
                                           "current": NULLABLE_AMOUNT}}},
                    }}},
            },
        },
        "BalanceProjection": {
            "type": "object",
            "required": ["account", "currency", "status", "balance_today", "lowest", "days", "events", "unscheduled"],
            "properties": {
                "account": {"type": "object", "required": ["id", "name"],
                            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
                "currency": _ref("Currency"),
                "status": {"type": "string", "enum": ["ready", "computing", "foreign"]},
                "balance_today": AMOUNT,
                "lowest": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["date", "balance"],
                                                        "properties": {"date": {"type": "string", "format": "date"},
                                                                       "balance": AMOUNT}}]},
                "days": {"type": "array", "items": {"type": "object", "required": ["date", "balance"],
                                                    "properties": {"date": {"type": "string", "format": "date"},
                                                                   "balance": AMOUNT}}},
                "events": {"type": "array", "items": {"type": "object", "required": ["date", "name", "amount"],
                                                      "properties": {"date": {"type": "string", "format": "date"},
                                                                     "name": {"type": "string"}, "amount": AMOUNT}}},
                "unscheduled": {"type": "array", "items": {"type": "object",
                                                           "required": ["month", "spending", "income"],
                                                           "properties": {"month": MONTH, "spending": AMOUNT,
                                                                          "income": AMOUNT}}},
            },
        },
    },
    "paths": {
        "/api/v1/forecasts": {
            "get": {
                "operationId": "getForecast",
                "summary": "A monthly series' forecast with its 80 % interval and measured accuracy",
                "description": "Spending, income or net cash flow, in total or for one category and/or account, "
                               "1-12 months after the last complete month. The backtest is a rolling origin (3 "
                               "folds, 12 months ahead) with MASE and sMAPE (M4) against seasonal-naive. 202 with "
                               "status computing while the forecast is being fitted (a job; ask again).",
                "tags": ["forecasts"],
                "parameters": [
                    {"name": "series", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["spending", "income", "net"]}},
                    {"name": "category_id", "in": "query", "required": False, "schema": {"type": "integer"}},
                    {"name": "account_id", "in": "query", "required": False, "schema": {"type": "integer"}},
                    {"name": "months", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 12}},
                ],
                "responses": {
                    "200": {"description": "The forecast.",
                            "content": {"application/json": {"schema": _envelope(_ref("Forecast"))}}},
                    "202": {"description": "Being computed; the series and history without points.",
                            "content": {"application/json": {"schema": _envelope(_ref("Forecast"))}}},
                    **_errors(400, 401, 404),
                },
            },
        },
        "/api/v1/insights/recommendations": {
            "get": {
                "operationId": "getBudgetRecommendations",
                "summary": "Budget recommendations per category for the next 12 months",
                "description": "The top of each category's 80 % forecast interval, rounded up to the whole unit, "
                               "scaled so the total fits the expected income minus the savings goals' monthly "
                               "needs. 202 while forecasts are being computed.",
                "tags": ["forecasts"],
                "responses": {
                    "200": {"description": "The recommendations.",
                            "content": {"application/json": {"schema": _envelope(_ref("BudgetRecommendations"))}}},
                    "202": {"description": "Being computed.",
                            "content": {"application/json": {"schema": _envelope(_ref("BudgetRecommendations"))}}},
                    **_errors(401),
                },
            },
        },
        "/api/v1/accounts/{account_id}/projection": {
            "get": {
                "operationId": "getBalanceProjection",
                "summary": "An account's projected balance, day by day, with its lowest point",
                "description": "Today's balance plus the scheduled items (recurring entries, bills, transfers) plus "
                               "the forecast of the unscheduled spending and income, spread over each month's days.",
                "tags": ["forecasts"],
                "parameters": [
                    {"name": "account_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "days", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 366}},
                ],
                "responses": {
                    "200": {"description": "The projection.",
                            "content": {"application/json": {"schema": _envelope(_ref("BalanceProjection"))}}},
                    **_errors(400, 401, 404),
                },
            },
        },
    },
}
