"""Routes: the debts list, add/edit/delete, a debt's schedule, payments and what-if, and the payoff planner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.accounts.models import Account
from financeapp.core.errors import FinanceError, NotFound
from financeapp.core.forms import attach_errors, form_status
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role, scoped
from financeapp.debts import bp, services
from financeapp.debts.forms import DebtForm, PaymentForm, PlanQueryForm, PlanSaveForm, WhatIfForm
from financeapp.debts.models import STRATEGIES, Debt, DebtPayment
from financeapp.extensions import db

PER_PAGE = 50
MONTHS_PER_PAGE = 24


@dataclass(frozen=True)
class Pager:
    """What the `pager` macro needs."""

    number: int
    pages: int
    endpoint: str
    args: dict[str, Any]

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def url_for(self, number: int) -> str:
        return url_for(self.endpoint, page=number, **self.args)


@bp.app_template_filter("debt_rate")
def debt_rate(value: Decimal | None) -> str:
    """A percentage without trailing zeros: 6.900000 -> 6.9."""
    return _plain(value) or "0"


def _page_number() -> int:
    return min(as_id(request.args.get("page", "1")) or 1, 1_000_000)


def _paged(rows: list, per_page: int, endpoint: str, **args: Any) -> tuple[list, Pager]:
    pages = max(1, -(-len(rows) // per_page))
    number = min(_page_number(), pages)
    return rows[(number - 1) * per_page:number * per_page], Pager(number, pages, endpoint, args)


def _liability_accounts() -> list[Account]:
    return list(db.session.scalars(
        scoped(Account, g.workspace).where(Account.type.in_(services.LIABILITY_ACCOUNT_TYPES),
                                           Account.archived.is_(False)).order_by(Account.name)))


def _funding_accounts(debt: Debt) -> list[Account]:
    query = scoped(Account, g.workspace).where(Account.archived.is_(False), Account.currency == debt.currency)
    if debt.account_id:
        query = query.where(Account.id != debt.account_id)
    return list(db.session.scalars(query.order_by(Account.name)))


@bp.get("/")
@require_role("viewer")
def index():
    setting = services.plan_setting(g.workspace)
    view = services.build_plan(g.workspace, setting.strategy, setting.extra)
    rows, pager = _paged(view.statuses, PER_PAGE, "debts.index")
    return render_template("debts/index.html", view=view, rows=rows, pager=pager, setting=setting,
                           strategies=STRATEGIES)


def _render_form(form: DebtForm, debt: Debt | None, status: int = 200):
    return render_template("debts/form.html", form=form, debt=debt), status


@bp.route("/new", methods=["GET", "POST"])
@require_role("member")
def create():
    form = DebtForm(accounts=_liability_accounts(), base_currency=g.workspace.base_currency)
    if request.method == "GET" and request.args.get("kind") in ("loan", "credit_card"):
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        try:
            debt = services.create_debt(g.workspace, form.to_input())
        except FinanceError as err:
            db.session.rollback()
            attach_errors(form, err)
        else:
            db.session.commit()
            flash(f"{debt.kind_label} “{debt.name}” added.", "success")
            return redirect(url_for("debts.detail", debt_id=debt.id))
    return _render_form(form, None, form_status(form))


@bp.route("/<int:debt_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(debt_id: int):
    debt = get_scoped_or_404(Debt, debt_id, g.workspace)
    form = DebtForm(obj=debt, accounts=_liability_accounts(), base_currency=g.workspace.base_currency)
    if request.method == "GET":
        form.account_id.data = str(debt.account_id or "")
        form.annual_rate.data = _plain(debt.annual_rate)
        form.min_payment_percent.data = _plain(debt.min_payment_percent)
        for name in ("principal", "balance", "min_payment"):
            value = getattr(debt, name)
            form[name].data = "" if value is None else f"{value:f}"
    if request.method == "POST":
        check_role("member")
        if form.validate_on_submit():
            try:
                services.update_debt(g.workspace, debt, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                flash(f"“{debt.name}” saved.", "success")
                return redirect(url_for("debts.detail", debt_id=debt.id))
    return _render_form(form, debt, form_status(form))


def _plain(value: Decimal | None) -> str:
    """A rate without trailing zeros: 6.500000 -> 6.5."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@bp.post("/<int:debt_id>/delete")
@require_role("member")
def delete(debt_id: int):
    debt = get_scoped_or_404(Debt, debt_id, g.workspace)
    name = debt.name
    services.delete_debt(g.workspace, debt)
    db.session.commit()
    flash(f"Deleted “{name}” and its payment records; ledger transactions were kept.", "success")
    return redirect(url_for("debts.index"))


def _detail(debt: Debt, payment_form: PaymentForm | None = None, status: int = 200):
    state = services.debt_status(g.workspace, debt)
    what_form = WhatIfForm(request.args)
    what_if = None
    if debt.is_loan and what_form.validate() and what_form.asked():
        try:
            what_if = services.loan_what_if(state, what_form.to_input())
        except FinanceError as err:
            attach_errors(what_form, err)
    payments, pages = services.payments_of(g.workspace, debt, _page_number()) if debt.is_loan else ([], 1)
    schedule = services.contract_schedule(debt) if debt.is_loan else state.projection
    return render_template(
        "debts/detail.html", debt=debt, state=state, what_form=what_form, what_if=what_if, payments=payments,
        pager=Pager(min(_page_number(), pages), pages, "debts.detail", {"debt_id": debt.id}),
        payment_form=payment_form or PaymentForm(accounts=_funding_accounts(debt)), schedule=schedule,
        today=date.today(),
    ), status


@bp.get("/<int:debt_id>")
@require_role("viewer")
def detail(debt_id: int):
    return _detail(get_scoped_or_404(Debt, debt_id, g.workspace))


@bp.post("/<int:debt_id>/payments")
@require_role("member")
def add_payment(debt_id: int):
    debt = get_scoped_or_404(Debt, debt_id, g.workspace)
    form = PaymentForm(accounts=_funding_accounts(debt))
    if form.validate_on_submit():
        try:
            payment = services.record_payment(g.workspace, debt, form.to_input())
        except FinanceError as err:
            db.session.rollback()
            debt = get_scoped_or_404(Debt, debt_id, g.workspace)
            attach_errors(form, err)
        else:
            db.session.commit()
            flash(f"Payment of {payment.amount} on {payment.on} recorded: {payment.interest} interest, "
                  f"{payment.principal} principal.", "success")
            return redirect(url_for("debts.detail", debt_id=debt.id))
    return _detail(debt, form, form_status(form))


@bp.post("/<int:debt_id>/payments/<int:payment_id>/delete")
@require_role("member")
def delete_payment(debt_id: int, payment_id: int):
    debt = get_scoped_or_404(Debt, debt_id, g.workspace)
    payment = get_scoped_or_404(DebtPayment, payment_id, g.workspace)
    if payment.debt_id != debt.id:
        raise NotFound("No such payment.")
    try:
        services.delete_payment(g.workspace, payment)
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
    else:
        db.session.commit()
        flash("Payment deleted.", "success")
    return redirect(url_for("debts.detail", debt_id=debt_id))


@bp.route("/plan", methods=["GET", "POST"])
@require_role("viewer")
def plan():
    setting = services.plan_setting(g.workspace)
    if request.method == "POST":
        check_role("member")
        return _save_plan()
    query = PlanQueryForm(request.args)
    strategy = request.args.get("strategy") or setting.strategy
    extra = setting.extra
    status = 200
    if "extra" in request.args:
        query.validate()
        if not query.extra.errors:
            extra = query.extra.decimal if query.extra.decimal is not None else Decimal(0)
    try:
        view = services.build_plan(g.workspace, strategy, extra)
    except FinanceError as err:
        attach_errors(query, err)
        status = err.status
        strategy, extra = setting.strategy, setting.extra
        view = services.build_plan(g.workspace, strategy, extra)
    if query.extra.errors:
        status = 422
    extra = view.plan.extra
    query.strategy.data = strategy
    if query.extra.data is None or not query.extra.errors:
        query.extra.data = f"{extra:f}"
    months, pager = _paged(view.plan.months, MONTHS_PER_PAGE, "debts.plan", strategy=strategy, extra=f"{extra:f}")
    return render_template("debts/plan.html", view=view, query=query, strategy=strategy, extra=extra,
                           months=months, pager=pager, setting=setting, strategies=STRATEGIES,
                           save_form=PlanSaveForm(strategy=strategy, extra=f"{extra:f}")), status


def _save_plan():
    form = PlanSaveForm()
    if not form.validate_on_submit():
        flash("; ".join(e for errors in form.errors.values() for e in errors) or "Check the form.", "danger")
        return redirect(url_for("debts.plan"))
    order: dict[int, int | None] = {}
    for key, value in request.form.items():
        if key.startswith("order-") and (debt_id := as_id(key.removeprefix("order-"))) is not None:
            text = value.strip()
            order[debt_id] = int(text) if text.isdigit() and len(text) <= 5 else None
    try:
        setting = services.save_plan(g.workspace, form.strategy.data, form.extra.decimal, order)
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("debts.plan"))
    db.session.commit()
    flash(f"Plan saved: {STRATEGIES[setting.strategy]}, {setting.extra} extra a month.", "success")
    return redirect(url_for("debts.plan", strategy=setting.strategy, extra=f"{setting.extra:f}"))
