"""API: budget lines (list a month's, get, set, change, delete) and a month's figures, through budgets/services.

Roles as on the Budgets page: anyone reads, a manager changes the budget.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import g, jsonify, request, url_for

from financeapp.api import bp
from financeapp.api.docs import crud, envelope, errors, json_response, query, ref
from financeapp.api.resources import BadParameter, created, deleted, idempotent, list_response, page_args
from financeapp.api.schemas import amount_text, fields_of, raise_if, read_json
from financeapp.budgets import services
from financeapp.budgets.models import BudgetLine
from financeapp.budgets.queries import month_start, parse_month
from financeapp.core.errors import Invalid
from financeapp.core.pagination import page_of_list
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.extensions import db

FIELDS = frozenset({"category_id", "month", "amount", "period", "rollover"})
PATCH_FIELDS = frozenset({"amount", "rollover"})
PERIODS = ("month", "year")


def _month(name: str = "month") -> date:
    """`?month=YYYY-MM`, this month when absent; a bad one is a 400."""
    text = (request.args.get(name) or "").strip()
    if not text:
        return month_start(date.today())
    try:
        return parse_month(text, name)
    except Invalid as err:
        raise BadParameter(err.message, fields=err.fields) from None


def line_json(line: BudgetLine, currency: str) -> dict[str, Any]:
    return {"id": line.id, "category": {"id": line.category.id, "name": line.category.full_name},
            "month": f"{line.month:%Y-%m}", "period": line.period, "amount": amount_text(line.amount, currency),
            "rollover": line.rollover}


@bp.get("/budgets/lines")
@require_role("viewer")
def budgets_lines():
    """The lines of a month (`?month=YYYY-MM`, default this month), by category; a year's lines with them."""
    month = _month()
    number, per_page = page_args(request.args)
    lines = sorted(services.lines_of_month(g.workspace, month), key=lambda line: line.category.full_name)
    page = page_of_list(lines, number, per_page)
    return list_response((line_json(line, g.workspace.base_currency) for line in page.rows), page,
                         month=f"{month:%Y-%m}")


@bp.get("/budgets/lines/<int:line_id>")
@require_role("viewer")
def budgets_line(line_id: int):
    return jsonify(data=line_json(get_scoped_or_404(BudgetLine, line_id, g.workspace), g.workspace.base_currency))


def _month_field(fields: Any, body: dict[str, Any]) -> date | None:
    value = body.get("month")
    if value is None:
        return month_start(date.today())
    if not isinstance(value, str):
        fields.error("month", "Send the month as YYYY-MM.")
        return None
    try:
        return parse_month(value)
    except Invalid as err:
        fields.error("month", err.message)
        return None


@bp.post("/budgets/lines")
@require_role("manager")
@idempotent
def budgets_line_create():
    """Budget an amount for an expense category in a month (or, period year, the year); an existing line
    for that category and month gets the new amount."""
    body = read_json(request)
    errs: dict[str, str] = {}
    fields = fields_of(body, FIELDS, errs)
    category_id = fields.identifier("category_id", required=True)
    month = _month_field(fields, body)
    amount = fields.amount("amount", sign="nonnegative")
    period = fields.choice("period", PERIODS, default="month")
    rollover = fields.boolean("rollover", False)
    raise_if(errs)
    assert month is not None and amount is not None  # raise_if refused the body otherwise
    line = services.set_line(g.workspace, services.LineInput(category_id=category_id, month=month, amount=amount,
                                                             period=period, rollover=rollover))
    out = line_json(line, g.workspace.base_currency)
    db.session.commit()
    return created(out, url_for("api.budgets_line", line_id=line.id))


@bp.patch("/budgets/lines/<int:line_id>")
@require_role("manager")
def budgets_line_update(line_id: int):
    """Change a line's amount or rollover (a yearly line has no rollover)."""
    line = get_scoped_or_404(BudgetLine, line_id, g.workspace)
    body = read_json(request)
    errs: dict[str, str] = {}
    fields = fields_of({"amount": line.amount, **body}, PATCH_FIELDS, errs)
    amount = fields.amount("amount", sign="nonnegative")
    rollover = fields.boolean("rollover", line.rollover)
    raise_if(errs)
    services.update_line(g.workspace, line, amount, rollover)
    out = line_json(line, g.workspace.base_currency)
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/budgets/lines/<int:line_id>")
@require_role("manager")
def budgets_line_delete(line_id: int):
    services.delete_line(g.workspace, get_scoped_or_404(BudgetLine, line_id, g.workspace))
    db.session.commit()
    return deleted()


def _figures_row(row: services.LineFigures, currency: str, spent: Decimal | None = None) -> dict[str, Any]:
    def money(value: Decimal) -> str:
        return amount_text(value, currency)

    return {"line_id": row.line.id, "category_id": row.line.category_id, "name": row.name,
            "period": row.line.period, "budgeted": money(row.budgeted), "carried": money(row.carried),
            "available": money(row.available), "spent": money(row.spent), "remaining": money(row.remaining),
            "percent": row.percent, "state": row.state,
            "spent_this_month": money(spent) if spent is not None else None}


@bp.get("/budgets/figures")
@require_role("viewer")
def budgets_figures():
    """A month's budget as the Budgets page shows it: each line's budgeted, carried, spent and remaining,
    the yearly lines, spending without a budget, income and (zero-based style) what is left to assign."""
    month = _month()
    figures = services.month_figures(g.workspace, month)
    cur = g.workspace.base_currency

    def money(value: Decimal) -> str:
        return amount_text(value, cur)

    return jsonify(data={
        "month": f"{month:%Y-%m}", "style": figures.style, "currency": cur,
        "budgeted": money(figures.budgeted), "carried": money(figures.carried), "spent": money(figures.spent),
        "remaining": money(figures.remaining), "income": money(figures.income),
        "unbudgeted_total": money(figures.unbudgeted_total), "left_over": money(figures.left_over),
        "assigned": money(figures.assigned), "to_assign": money(figures.to_assign),
        "missing_rates": figures.missing_rates,
        "lines": [_figures_row(row, cur) for row in figures.lines],
        "yearly": [_figures_row(row, cur, figures.yearly_month_spent.get(row.line.id, Decimal(0)))
                   for row in figures.yearly],
        "unbudgeted": [{"category_id": row.category_id, "name": row.name, "spent": money(row.spent)}
                       for row in figures.unbudgeted],
    })


AMOUNT = ref("Amount")
MONTH = {"type": "string", "pattern": r"^\d{4}-\d{2}$", "examples": ["2026-03"]}
MONTH_QUERY = query("month", MONTH, "The month, YYYY-MM (default: this month).")
FIGURES_ROW = {
    "type": "object",
    "required": ["line_id", "category_id", "name", "period", "budgeted", "carried", "available", "spent",
                 "remaining", "percent", "state", "spent_this_month"],
    "properties": {
        "line_id": {"type": "integer"}, "category_id": {"type": "integer"}, "name": {"type": "string"},
        "period": {"type": "string", "enum": list(PERIODS)}, "budgeted": AMOUNT,
        "carried": {**AMOUNT, "description": "Rolled over from earlier months (rollover lines)."},
        "available": AMOUNT, "spent": {**AMOUNT, "description": "A yearly line: the year's, up to this month."},
        "remaining": AMOUNT, "percent": {"type": ["integer", "null"]},
        "state": {"type": "string", "enum": ["ok", "warn", "over"]},
        "spent_this_month": {"oneOf": [AMOUNT, {"type": "null"}], "description": "Yearly lines only."},
    },
}
LINE_INPUT = {
    "type": "object", "additionalProperties": False, "required": ["category_id", "amount"],
    "properties": {
        "category_id": {"type": "integer", "minimum": 1, "description": "An expense category."},
        "month": {**MONTH, "description": "Default: this month (a yearly line: its year)."},
        "amount": {"oneOf": [{"type": "string", "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)\s*$"},
                             {"type": "number", "minimum": 0}]},
        "period": {"type": "string", "enum": list(PERIODS), "default": "month"},
        "rollover": {"type": "boolean", "default": False},
    },
}

PATHS = crud("/api/v1/budgets/lines", "line_id", "BudgetLine", "budgets", noun="budget line",
             plural="budget lines of a month", filters=[MONTH_QUERY], write_role="manager",
             list_meta={"type": "object", "required": ["month"], "properties": {"month": MONTH}})
PATHS["/api/v1/budgets/figures"] = {
    "get": {
        "operationId": "getBudgetFigures", "summary": "A month's budget figures", "tags": ["budgets"],
        "parameters": [MONTH_QUERY],
        "responses": {"200": json_response(envelope(ref("BudgetFigures")), "The month's figures."),
                      **errors(400, 401, 404)},
    },
}

OPENAPI: dict[str, Any] = {
    "tags": ["budgets"],
    "schemas": {
        "BudgetLine": {
            "type": "object", "required": ["id", "category", "month", "period", "amount", "rollover"],
            "properties": {"id": {"type": "integer"}, "category": ref("Reference"), "month": MONTH,
                           "period": {"type": "string", "enum": list(PERIODS)}, "amount": AMOUNT,
                           "rollover": {"type": "boolean"}},
        },
        "BudgetLineInput": LINE_INPUT,
        "BudgetLinePatch": {
            "type": "object", "additionalProperties": False,
            "properties": {"amount": LINE_INPUT["properties"]["amount"], "rollover": {"type": "boolean"}},
        },
        "BudgetFiguresRow": FIGURES_ROW,
        "BudgetFigures": {
            "type": "object",
            "required": ["month", "style", "currency", "budgeted", "carried", "spent", "remaining", "income",
                         "unbudgeted_total", "left_over", "assigned", "to_assign", "missing_rates", "lines",
                         "yearly", "unbudgeted"],
            "properties": {
                "month": MONTH, "style": {"type": "string"}, "currency": ref("Currency"),
                "budgeted": AMOUNT, "carried": AMOUNT, "spent": AMOUNT, "remaining": AMOUNT, "income": AMOUNT,
                "unbudgeted_total": AMOUNT, "left_over": AMOUNT, "assigned": AMOUNT,
                "to_assign": {**AMOUNT, "description": "Zero-based style: income and left over, less assigned."},
                "missing_rates": {"type": "array", "items": ref("Currency")},
                "lines": {"type": "array", "items": ref("BudgetFiguresRow")},
                "yearly": {"type": "array", "items": ref("BudgetFiguresRow")},
                "unbudgeted": {"type": "array", "items": {
                    "type": "object", "required": ["category_id", "name", "spent"],
                    "properties": {"category_id": {"type": ["integer", "null"]}, "name": {"type": "string"},
                                   "spent": AMOUNT}}},
            },
        },
    },
    "paths": PATHS,
}
