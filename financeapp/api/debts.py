"""API: debts (list, get, create, change, delete) and a loan's payments, a debt's schedule and the payoff plan
across all debts, through debts/services."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import g, jsonify, request, url_for

from financeapp.api import bp, docs
from financeapp.api.resources import created, deleted, idempotent, list_response, page_args
from financeapp.api.schemas import amount_text, fields_of, raise_if, read_json
from financeapp.core.errors import FinanceError, NotFound
from financeapp.core.pagination import page_of_list
from financeapp.core.scoping import MAX_ID, get_scoped_or_404, require_role
from financeapp.debts import services
from financeapp.debts.amortization import Schedule
from financeapp.debts.models import DEBT_KINDS, MIN_PAYMENT_KINDS, Debt, DebtPayment
from financeapp.debts.planner import STRATEGY_NAMES, Plan
from financeapp.extensions import db


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


# --- Debts and payments: CRUD -------------------------------------------------------------------------

FIELDS = frozenset({"name", "kind", "currency", "annual_rate", "account_id", "principal", "term_months",
                    "start_date", "payment_day", "balance", "min_payment_kind", "min_payment",
                    "min_payment_percent", "notes"})
PAYMENT_FIELDS = frozenset({"date", "amount", "from_account_id", "transaction_id", "memo"})


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def debt_json(status: services.DebtStatus) -> dict[str, Any]:
    """A debt's terms and where it stands today (balance, regular payment, projected payoff)."""
    debt, cur = status.debt, status.debt.currency

    def money(value: Decimal | None) -> str | None:
        return None if value is None else amount_text(value, cur)

    return {
        "id": debt.id, "name": debt.name, "kind": debt.kind, "currency": cur, "account_id": debt.account_id,
        "annual_rate": _rate(debt.annual_rate), "principal": money(debt.principal),
        "term_months": debt.term_months, "start_date": debt.start_date.isoformat() if debt.start_date else None,
        "payment_day": debt.payment_day, "min_payment_kind": debt.min_payment_kind,
        "min_payment": money(debt.min_payment), "min_payment_percent": _rate(debt.min_payment_percent),
        "notes": debt.notes,
        "balance": money(status.balance), "payment": money(status.payment),
        "payments_made": status.totals.count, "paid": money(status.totals.paid),
        "payoff_date": status.payoff_date.isoformat() if status.payoff_date else None,
        "projected_interest": money(status.projected_interest), "message": status.message or None,
    }


def payment_json(payment: DebtPayment, currency: str) -> dict[str, Any]:
    return {"id": payment.id, "debt_id": payment.debt_id, "date": payment.on.isoformat(),
            "amount": amount_text(payment.amount, currency), "interest": amount_text(payment.interest, currency),
            "principal": amount_text(payment.principal, currency), "transaction_id": payment.transaction_id,
            "created_transaction": payment.created_transaction, "memo": payment.memo}


def _debt(debt_id: int) -> Debt:
    if debt_id > MAX_ID:
        raise NotFound("No such debt.")
    return get_scoped_or_404(Debt, debt_id, g.workspace)


@bp.get("/debts")
@require_role("viewer")
def debts_index():
    """Every debt by name, each with its balance and projection."""
    number, per_page = page_args(request.args)
    page = page_of_list(services.debt_statuses(g.workspace), number, per_page)
    return list_response((debt_json(status) for status in page.rows), page)


@bp.get("/debts/<int:debt_id>")
@require_role("viewer")
def debts_detail(debt_id: int):
    return jsonify(data=debt_json(services.debt_status(g.workspace, _debt(debt_id))))


def debt_input(body: Mapping[str, Any]) -> services.DebtInput:
    errors: dict[str, str] = {}
    fields = fields_of(body, FIELDS, errors)
    data = services.DebtInput(
        name=fields.text("name", 80), kind=fields.choice("kind", tuple(DEBT_KINDS)),
        currency=fields.text("currency", 3), annual_rate=fields.number("annual_rate"),
        account_id=fields.identifier("account_id"), principal=fields.amount("principal", required=False),
        term_months=fields.integer("term_months", 1, 100_000), start_date=fields.optional_day("start_date"),
        payment_day=fields.integer("payment_day", 1, 31), balance=fields.amount("balance", required=False,
                                                                                 sign="nonnegative"),
        min_payment_kind=fields.choice("min_payment_kind", tuple(MIN_PAYMENT_KINDS), default="fixed"),
        min_payment=fields.amount("min_payment", required=False, sign="nonnegative"),
        min_payment_percent=fields.number("min_payment_percent"), notes=fields.text("notes", 2000),
    )
    raise_if(errors)
    return data


@bp.post("/debts")
@require_role("member")
@idempotent
def debts_create():
    """A loan (principal, annual_rate, term_months, start_date) or a credit card (balance or a linked
    account, annual_rate, minimum payment)."""
    body = read_json(request)
    debt = services.create_debt(g.workspace, debt_input({"kind": "loan", "currency": g.workspace.base_currency,
                                                         **body}))
    out = debt_json(services.debt_status(g.workspace, debt))
    db.session.commit()
    return created(out, url_for("api.debts_detail", debt_id=debt.id))


def _as_body(debt: Debt) -> dict[str, Any]:
    return {"name": debt.name, "kind": debt.kind, "currency": debt.currency, "annual_rate": debt.annual_rate,
            "account_id": debt.account_id, "principal": debt.principal, "term_months": debt.term_months,
            "start_date": debt.start_date.isoformat() if debt.start_date else None, "payment_day": debt.payment_day,
            "balance": debt.balance, "min_payment_kind": debt.min_payment_kind, "min_payment": debt.min_payment,
            "min_payment_percent": debt.min_payment_percent, "notes": debt.notes}


@bp.patch("/debts/<int:debt_id>")
@require_role("member")
def debts_update(debt_id: int):
    """Change the fields sent; an unlinked loan's payments are re-split on the new terms."""
    debt = _debt(debt_id)
    services.update_debt(g.workspace, debt, debt_input({**_as_body(debt), **read_json(request)}))
    out = debt_json(services.debt_status(g.workspace, debt))
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/debts/<int:debt_id>")
@require_role("member")
def debts_delete(debt_id: int):
    """Delete a debt and its payment records (ledger transactions stay)."""
    services.delete_debt(g.workspace, _debt(debt_id))
    db.session.commit()
    return deleted()


@bp.get("/debts/<int:debt_id>/payments")
@require_role("viewer")
def debts_payments(debt_id: int):
    """A loan's recorded payments, newest first, each split into interest and principal."""
    debt = _debt(debt_id)
    number, per_page = page_args(request.args)
    page = services.payments_of(g.workspace, debt, number, per_page)
    return list_response((payment_json(p, debt.currency) for p in page.rows), page)


@bp.post("/debts/<int:debt_id>/payments")
@require_role("member")
@idempotent
def debts_pay(debt_id: int):
    """Record a payment on a loan; from_account_id also writes it to the ledger, transaction_id points
    at one already there (its date and amount are the defaults)."""
    debt = _debt(debt_id)
    errors: dict[str, str] = {}
    fields = fields_of(read_json(request), PAYMENT_FIELDS, errors)
    data = services.PaymentInput(on=fields.optional_day("date"), amount=fields.amount("amount", required=False),
                                 from_account_id=fields.identifier("from_account_id"),
                                 transaction_id=fields.identifier("transaction_id"), memo=fields.text("memo", 255))
    raise_if(errors)
    payment = services.record_payment(g.workspace, debt, data)
    out = payment_json(payment, debt.currency)
    db.session.commit()
    return created(out)


@bp.delete("/debts/<int:debt_id>/payments/<int:payment_id>")
@require_role("member")
def debts_payment_delete(debt_id: int, payment_id: int):
    """Remove a payment record and the ledger transaction it wrote (a reconciled one is refused: 409)."""
    debt = _debt(debt_id)
    payment = get_scoped_or_404(DebtPayment, payment_id, g.workspace)
    if payment.debt_id != debt.id:
        raise NotFound("No such payment.")
    services.delete_payment(g.workspace, payment)
    db.session.commit()
    return deleted()


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

DEBT_AMOUNT_IN = {"oneOf": [{"type": "string", "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)\s*$"},
                            {"type": "number", "minimum": 0}]}
NUMBER_IN = {"oneOf": [{"type": "string", "pattern": r"^\s*[+]?(\d+(\.\d*)?|\.\d+)\s*$"},
                       {"type": "number", "minimum": 0}]}
NULLABLE_AMOUNT = {"oneOf": [AMOUNT, {"type": "null"}]}
DEBT_INPUT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "annual_rate"],
    "description": "A loan needs principal, term_months and start_date; a credit card a balance (or a linked "
                   "liability account) and its minimum payment (fixed: min_payment; percent: "
                   "min_payment_percent, with min_payment as the floor).",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 80},
        "kind": {"type": "string", "enum": list(DEBT_KINDS), "default": "loan"},
        "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "Default: the base currency."},
        "annual_rate": {**NUMBER_IN, "description": "Percent a year, 0 to 1000."},
        "account_id": {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
        "principal": {"oneOf": [DEBT_AMOUNT_IN, {"type": "null"}]},
        "term_months": {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]},
        "start_date": {"oneOf": [DATE, {"type": "null"}]},
        "payment_day": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 31}, {"type": "null"}]},
        "balance": {"oneOf": [DEBT_AMOUNT_IN, {"type": "null"}]},
        "min_payment_kind": {"type": "string", "enum": list(MIN_PAYMENT_KINDS), "default": "fixed"},
        "min_payment": {"oneOf": [DEBT_AMOUNT_IN, {"type": "null"}]},
        "min_payment_percent": {"oneOf": [NUMBER_IN, {"type": "null"}]},
        "notes": {"type": "string", "maxLength": 2000},
    },
}
OPENAPI["schemas"].update({
    "Debt": {
        "type": "object",
        "required": ["id", "name", "kind", "currency", "account_id", "annual_rate", "principal", "term_months",
                     "start_date", "payment_day", "min_payment_kind", "min_payment", "min_payment_percent",
                     "notes", "balance", "payment", "payments_made", "paid", "payoff_date", "projected_interest",
                     "message"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "kind": {"type": "string", "enum": list(DEBT_KINDS)}, "currency": _ref("Currency"),
            "account_id": {"type": ["integer", "null"]}, "annual_rate": RATE, "principal": NULLABLE_AMOUNT,
            "term_months": {"type": ["integer", "null"]}, "start_date": {"oneOf": [DATE, {"type": "null"}]},
            "payment_day": {"type": ["integer", "null"]},
            "min_payment_kind": {"type": "string", "enum": list(MIN_PAYMENT_KINDS)},
            "min_payment": NULLABLE_AMOUNT, "min_payment_percent": {"type": ["string", "null"]},
            "notes": {"type": "string"}, "balance": {**AMOUNT, "description": "What is owed today."},
            "payment": {**AMOUNT, "description": "A loan's scheduled payment; a card's minimum this month."},
            "payments_made": {"type": "integer"}, "paid": AMOUNT,
            "payoff_date": {"oneOf": [DATE, {"type": "null"}]}, "projected_interest": NULLABLE_AMOUNT,
            "message": {"type": ["string", "null"], "description": "Why there is no projection."},
        },
    },
    "DebtInput": DEBT_INPUT,
    "DebtPatch": docs.patch_schema(DEBT_INPUT),
    "DebtPayment": {
        "type": "object",
        "required": ["id", "debt_id", "date", "amount", "interest", "principal", "transaction_id",
                     "created_transaction", "memo"],
        "properties": {
            "id": {"type": "integer"}, "debt_id": {"type": "integer"}, "date": DATE, "amount": AMOUNT,
            "interest": AMOUNT, "principal": AMOUNT, "transaction_id": {"type": ["integer", "null"]},
            "created_transaction": {"type": "boolean",
                                    "description": "The payment wrote its own ledger transaction."},
            "memo": {"type": "string"},
        },
    },
    "DebtPaymentInput": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "date": {**DATE, "description": "Required unless transaction_id gives it."},
            "amount": {**DEBT_AMOUNT_IN, "description": "Required unless transaction_id gives it."},
            "from_account_id": {"type": "integer", "minimum": 1,
                                "description": "Also record the payment in the ledger, from this account."},
            "transaction_id": {"type": "integer", "minimum": 1,
                               "description": "The ledger transaction that is this payment."},
            "memo": {"type": "string", "maxLength": 255},
        },
    },
})
OPENAPI["paths"].update(docs.crud("/api/v1/debts", "debt_id", "Debt", "debts", noun="debt", plural="debts"))
OPENAPI["paths"]["/api/v1/debts/{debt_id}/payments"] = {
    "get": {"operationId": "listDebtPayments", "summary": "A loan's payments, newest first", "tags": ["debts"],
            "parameters": [docs.path_id("debt_id"), *docs.PAGE_PARAMETERS],
            "responses": {"200": docs.many("DebtPayment", "The payments."), **docs.errors(400, 401, 404)}},
    "post": {"operationId": "createDebtPayment", "summary": "Record a payment on a loan", "tags": ["debts"],
             "description": "Needs the member role. A card takes no payments (422): update its balance.",
             "parameters": [docs.path_id("debt_id"), docs.CSRF], "requestBody": docs.body("DebtPaymentInput"),
             "responses": {"201": docs.one("DebtPayment", "The payment."),
                           **docs.errors(400, 401, 403, 404, 409, 415, 422)}},
}
OPENAPI["paths"]["/api/v1/debts/{debt_id}/payments/{payment_id}"] = {
    "delete": {"operationId": "deleteDebtPayment", "summary": "Remove a payment (and the transaction it wrote)",
               "tags": ["debts"], "parameters": [docs.path_id("debt_id"), docs.path_id("payment_id"), docs.CSRF],
               "responses": {"204": {"description": "Deleted."}, **docs.errors(400, 401, 403, 404, 409)}},
}
