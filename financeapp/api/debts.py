"""API: a debt's schedule and the payoff plan across all debts, for the charts and for scripts."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g, jsonify, request

from financeapp.api import bp
from financeapp.api.schemas import amount_text
from financeapp.core.errors import FinanceError, NotFound
from financeapp.core.scoping import MAX_ID, get_scoped_or_404, require_role
from financeapp.debts import services
from financeapp.debts.amortization import Schedule
from financeapp.debts.models import Debt
from financeapp.debts.planner import STRATEGY_NAMES, Plan


class BadParameter(FinanceError):
    status = 400
    title = "Bad request"


def _extra(text: str | None, currency: str) -> Decimal:
    if text is None or not text.strip():
        return Decimal(0)
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BadParameter("extra must be an amount such as 150.00.",
                           fields={"extra": "Send an amount such as 150.00."}) from None
    try:
        return services.check_extra(value, currency)
    except FinanceError as err:
        raise BadParameter(err.message, fields=err.fields) from None


def _strategy(text: str | None, default: str) -> str:
    try:
        return services.parse_strategy(text, default)
    except FinanceError as err:
        raise BadParameter(err.message, fields=err.fields) from None


def schedule_json(debt: Debt, schedule: Schedule) -> dict[str, Any]:
    cur = debt.currency
    return {
        "debt": {"id": debt.id, "name": debt.name, "kind": debt.kind},
        "currency": cur,
        "annual_rate": format(debt.annual_rate.normalize(), "f"),
        "payment": amount_text(schedule.payment, cur),
        "total_interest": amount_text(schedule.total_interest, cur),
        "total_paid": amount_text(schedule.total_paid, cur),
        "payoff_date": schedule.payoff_date.isoformat() if schedule.payoff_date else None,
        "periods": [
            {"number": p.number, "date": p.on.isoformat(), "payment": amount_text(p.payment, cur),
             "interest": amount_text(p.interest, cur), "principal": amount_text(p.principal, cur),
             "balance": amount_text(p.balance, cur)}
            for p in schedule.periods
        ],
    }


@bp.get("/debts/<int:debt_id>/schedule")
@require_role("viewer")
def debts_schedule(debt_id: int):
    """A loan's agreed amortisation schedule; for a card, its payoff at the minimum payment."""
    if debt_id > MAX_ID:
        raise NotFound("No such debt.")
    debt = get_scoped_or_404(Debt, debt_id, g.workspace)
    return jsonify(data=schedule_json(debt, services.schedule_for(g.workspace, debt)))


def plan_json(plan: Plan, currency: str, comparison: dict[str, Plan], missing: list[str]) -> dict[str, Any]:
    def money(value: Decimal) -> str:
        return amount_text(value, currency)

    def summary(p: Plan) -> dict[str, Any]:
        return {"finished": p.finished, "months": p.month_count if p.finished else None,
                "debt_free": p.debt_free.isoformat() if p.debt_free else None,
                "total_interest": money(p.total_interest) if p.finished else None,
                "total_paid": money(p.total_paid) if p.finished else None}

    return {
        "strategy": plan.strategy,
        "extra": money(plan.extra),
        "currency": currency,
        "budget": money(plan.budget),
        **summary(plan),
        "message": plan.message or None,
        "missing_rates": missing,
        "debts": [
            {"id": d.id, "name": d.name, "balance": money(d.balance), "annual_rate": format(d.annual_rate.normalize(),
                                                                                            "f"),
             "paid_off_month": plan.paid_off_month(i), "interest": money(plan.interest_of(i))}
            for i, d in enumerate(plan.debts)
        ],
        "rows": [
            {"month": m.number, "date": m.on.isoformat(), "payment": money(m.total_payment),
             "interest": money(m.total_interest), "balance": money(m.total_balance),
             "debts": [{"id": d.id, "payment": money(m.payments[i]), "balance": money(m.balances[i])}
                       for i, d in enumerate(plan.debts)]}
            for m in plan.months
        ],
        "comparison": {name: summary(p) for name, p in comparison.items()},
    }


@bp.get("/debts/plan")
@require_role("viewer")
def debts_plan():
    """The payoff plan across every debt; strategy and extra default to the workspace's saved plan."""
    setting = services.plan_setting(g.workspace)
    strategy = _strategy(request.args.get("strategy"), setting.strategy)
    given = (request.args.get("extra") or "").strip()  # empty (a GET form's `?extra=`) is as if not given
    extra = _extra(given, g.workspace.base_currency) if given else setting.extra
    view = services.build_plan(g.workspace, strategy, extra)
    return jsonify(data=plan_json(view.plan, view.currency, view.comparison, view.missing_rates))


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*statuses: int) -> dict[str, Any]:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 422: "Invalid"}
    return {str(s): {"$ref": f"#/components/responses/{names[s]}"} for s in statuses}


def _envelope(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["data"], "properties": {"data": schema}}


AMOUNT = _ref("Amount")
DATE = {"type": "string", "format": "date"}
RATE = {"type": "string", "pattern": r"^\d+(\.\d+)?$", "description": "Percent a year, such as \"6.9\"."}
SUMMARY_PROPERTIES: dict[str, Any] = {
    "finished": {"type": "boolean", "description": "False when the payments never pay everything off."},
    "months": {"type": ["integer", "null"], "description": "Months until every debt is paid; null when never."},
    "debt_free": {"oneOf": [DATE, {"type": "null"}], "description": "The month of the last payment."},
    "total_interest": {"oneOf": [AMOUNT, {"type": "null"}]},
    "total_paid": {"oneOf": [AMOUNT, {"type": "null"}]},
}

OPENAPI: dict[str, Any] = {
    "tags": ["debts"],
    "schemas": {
        "DebtSchedule": {
            "type": "object",
            "required": ["debt", "currency", "annual_rate", "payment", "total_interest", "total_paid", "payoff_date",
                         "periods"],
            "properties": {
                "debt": {"type": "object", "required": ["id", "name", "kind"],
                         "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                        "kind": {"type": "string", "enum": ["loan", "credit_card"]}}},
                "currency": _ref("Currency"),
                "annual_rate": RATE,
                "payment": {**AMOUNT, "description": "The regular payment (a card's minimum this month)."},
                "total_interest": AMOUNT,
                "total_paid": AMOUNT,
                "payoff_date": {"oneOf": [DATE, {"type": "null"}]},
                "periods": {"type": "array", "items": _ref("DebtPeriod")},
            },
        },
        "DebtPeriod": {
            "type": "object",
            "required": ["number", "date", "payment", "interest", "principal", "balance"],
            "properties": {
                "number": {"type": "integer", "minimum": 1},
                "date": DATE,
                "payment": AMOUNT,
                "interest": {**AMOUNT, "description": "The balance before it times rate / 12, half-even to the cent."},
                "principal": AMOUNT,
                "balance": {**AMOUNT, "description": "After this payment; the last period's is exactly zero."},
            },
        },
        "DebtPlanSummary": {
            "type": "object",
            "required": list(SUMMARY_PROPERTIES),
            "properties": SUMMARY_PROPERTIES,
        },
        "DebtPlan": {
            "type": "object",
            "required": ["strategy", "extra", "currency", "budget", *SUMMARY_PROPERTIES, "message", "missing_rates",
                         "debts", "rows", "comparison"],
            "properties": {
                "strategy": {"type": "string", "enum": list(STRATEGY_NAMES)},
                "extra": AMOUNT,
                "currency": _ref("Currency"),
                "budget": {**AMOUNT, "description": "Paid every month: the first month's minimums plus extra."},
                **SUMMARY_PROPERTIES,
                "message": {"type": ["string", "null"], "description": "Why the plan never finishes."},
                "missing_rates": {"type": "array", "items": _ref("Currency"),
                                  "description": "Currencies without a rate into the base currency (left out)."},
                "debts": {
                    "type": "array",
                    "description": "In payoff order; `rows[].debts` follows the same order.",
                    "items": {
                        "type": "object",
                        "required": ["id", "name", "balance", "annual_rate", "paid_off_month", "interest"],
                        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "balance": AMOUNT,
                                       "annual_rate": RATE, "paid_off_month": {"type": ["integer", "null"]},
                                       "interest": AMOUNT},
                    },
                },
                "rows": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["month", "date", "payment", "interest", "balance", "debts"],
                        "properties": {
                            "month": {"type": "integer", "minimum": 1}, "date": DATE, "payment": AMOUNT,
                            "interest": AMOUNT, "balance": AMOUNT,
                            "debts": {"type": "array", "items": {
                                "type": "object", "required": ["id", "payment", "balance"],
                                "properties": {"id": {"type": "integer"}, "payment": AMOUNT, "balance": AMOUNT}}},
                        },
                    },
                },
                "comparison": {
                    "type": "object",
                    "required": list(STRATEGY_NAMES),
                    "properties": {name: _ref("DebtPlanSummary") for name in STRATEGY_NAMES},
                },
            },
        },
    },
    "paths": {
        "/api/v1/debts/{debt_id}/schedule": {
            "get": {
                "operationId": "getDebtSchedule",
                "summary": "A debt's payment schedule",
                "description": "For a loan, the agreed amortisation schedule: the payment is the annuity payment "
                               "rounded to the cent, each period's interest is rounded half-even on the balance, and "
                               "the last payment closes the balance at exactly zero. For a credit card, its payoff "
                               "at the minimum payment from today (422 when that never pays it off).",
                "tags": ["debts"],
                "parameters": [{"name": "debt_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "The schedule.",
                            "content": {"application/json": {"schema": _envelope(_ref("DebtSchedule"))}}},
                    **_errors(401, 404, 422),
                },
            },
        },
        "/api/v1/debts/plan": {
            "get": {
                "operationId": "getDebtPlan",
                "summary": "The payoff plan across every debt",
                "description": "Month by month in the base currency. The monthly budget is the first month's "
                               "minimum payments plus `extra`; what a paid-off debt no longer needs goes to the next "
                               "in the strategy's order. A plan that never finishes has finished = false and a "
                               "message. Without parameters, the workspace's saved strategy and extra are used.",
                "tags": ["debts"],
                "parameters": [
                    {"name": "strategy", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": list(STRATEGY_NAMES)},
                     "description": "avalanche (highest rate first), snowball (smallest balance first) or custom."},
                    {"name": "extra", "in": "query", "required": False,
                     "schema": {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
                     "description": "Extra paid each month on top of the minimums, in the base currency."},
                ],
                "responses": {
                    "200": {"description": "The plan and the three strategies' summaries.",
                            "content": {"application/json": {"schema": _envelope(_ref("DebtPlan"))}}},
                    **_errors(400, 401, 404),
                },
            },
        },
    },
}
