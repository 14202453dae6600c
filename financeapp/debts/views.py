"""Routes: the debts list, add/edit/delete, a debt's schedule, payments and what-if, and the payoff planner."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.accounts.models import Account
from financeapp.accounts.queries import account_choices
from financeapp.core.errors import NotFound
from financeapp.core.forms import form_status, require_valid
from financeapp.core.money import format_money
from financeapp.core.pagination import page_number, page_of_list
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role
from financeapp.core.validation import amount_for_input
from financeapp.core.views import read_form, run_action, save_form
from financeapp.debts import bp, services
from financeapp.debts.forms import DebtForm, PaymentForm, PlanQueryForm, PlanSaveForm, WhatIfForm
from financeapp.debts.models import STRATEGIES, Debt, DebtPayment

PER_PAGE = 50
MONTHS_PER_PAGE = 24


@bp.app_template_filter("debt_rate")
def debt_rate(value: Decimal | None) -> str:
    """A percentage without trailing zeros: 6.900000 -> 6.9."""
    return _plain(value) or "0"


def _page_number() -> int:
    return page_number(request.args.get("page"))


def _liability_accounts(debt: Debt | None = None) -> list[tuple[str, str]]:
    return account_choices(g.workspace, where=[Account.type.in_(services.LIABILITY_ACCOUNT_TYPES)],
                           keep=(debt.account_id if debt else None,), blank="— not linked —")


def _funding_accounts(debt: Debt) -> list[tuple[str, str]]:
    return account_choices(g.workspace, where=[Account.currency == debt.currency, Account.id != (debt.account_id or 0)],
                           blank="— only record it here —")


@bp.get("/")
@require_role("viewer")
def index():
    setting = services.plan_setting(g.workspace)
    view = services.build_plan(g.workspace, setting.strategy, setting.extra)
    page = page_of_list(view.statuses, _page_number(), PER_PAGE).linked("debts.index")
    return render_template("debts/index.html", view=view, rows=page.rows, pager=page, setting=setting,
                           strategies=STRATEGIES)


def _render_form(form: DebtForm, debt: Debt | None, status: int = 200):
    return render_template("debts/form.html", form=form, debt=debt), status


@bp.route("/new", methods=["GET", "POST"])
@require_role("member")
def create():
    form = DebtForm(accounts=_liability_accounts(), base_currency=g.workspace.base_currency)
    if request.method == "GET" and request.args.get("kind") in ("loan", "credit_card"):
        form.kind.data = request.args["kind"]
    if done := save_form(form, lambda: services.create_debt(g.workspace, form.to_input())):
        flash(f"{done.value.kind_label} “{done.value.name}” added.", "success")
        return redirect(url_for("debts.detail", debt_id=done.value.id))
    return _render_form(form, None, form_status(form))


@bp.route("/<int:debt_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(debt_id: int):
    debt = get_scoped_or_404(Debt, debt_id, g.workspace)
    form = DebtForm(obj=debt, accounts=_liability_accounts(debt), base_currency=g.workspace.base_currency)
    if request.method == "GET":
        form.account_id.data = str(debt.account_id or "")
        form.annual_rate.data = _plain(debt.annual_rate)
        form.min_payment_percent.data = _plain(debt.min_payment_percent)
        for name in ("principal", "balance", "min_payment"):
            value = getattr(debt, name)
            form[name].data = "" if value is None else amount_for_input(value, debt.currency)
    else:
        check_role("member")
        if save_form(form, lambda: services.update_debt(g.workspace, debt, form.to_input())):
            flash(f"“{debt.name}” saved.", "success")
            return redirect(url_for("debts.detail", debt_id=debt.id))
    return _render_form(form, debt, form_status(form))


def _plain(value: Decimal | None) -> str:
    """A rate without trailing zeros, as the user's locale types it: 6.500000 -> 6.5 (6,5 in de_DE)."""
    return "" if value is None else amount_for_input(value, None)


@bp.post("/<int:debt_id>/delete")
@require_role("member")
def delete(debt_id: int):
    debt = get_scoped_or_404(Debt, debt_id, g.workspace)
    name = debt.name
    return run_action(lambda: services.delete_debt(g.workspace, debt),
                      success=f"Deleted “{name}” and its payment records; ledger transactions were kept.",
                      then=url_for("debts.index"))


def _detail(debt: Debt, payment_form: PaymentForm | None = None, status: int = 200):
    state = services.debt_status(g.workspace, debt)
    what_form = WhatIfForm(request.args)
    what_if = None
    if debt.is_loan and what_form.validate() and what_form.asked():
        what_if = read_form(what_form, lambda: services.loan_what_if(state, what_form.to_input()))
    payments = (services.payments_of(g.workspace, debt, _page_number()) if debt.is_loan
                else page_of_list([], 1, PER_PAGE)).linked("debts.detail", debt_id=debt.id)
    schedule = services.contract_schedule(debt) if debt.is_loan else state.projection
    setting = services.plan_setting(g.workspace)
    plan = services.build_plan(g.workspace, setting.strategy, setting.extra).plan
    return render_template(
        "debts/detail.html", debt=debt, state=state, what_form=what_form, what_if=what_if, payments=payments.rows,
        pager=payments,
        payment_form=payment_form or PaymentForm(accounts=_funding_accounts(debt)), schedule=schedule,
        today=date.today(), plan_payoff=plan.paid_off_on(debt.id),
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
    if done := save_form(form, lambda: services.record_payment(g.workspace, debt, form.to_input())):
        payment, money = done.value, _money(debt)
        flash(f"Payment of {money(payment.amount)} on {payment.on} recorded: {money(payment.interest)} interest, "
              f"{money(payment.principal)} principal.", "success")
        return redirect(url_for("debts.detail", debt_id=debt.id))
    return _detail(debt, form, form_status(form))


def _money(debt: Debt):
    return lambda amount: format_money(amount, debt.currency)


@bp.post("/<int:debt_id>/payments/<int:payment_id>/delete")
@require_role("member")
def delete_payment(debt_id: int, payment_id: int):
    debt = get_scoped_or_404(Debt, debt_id, g.workspace)
    payment = get_scoped_or_404(DebtPayment, payment_id, g.workspace)
    if payment.debt_id != debt.id:
        raise NotFound("No such payment.")
    return run_action(lambda: services.delete_payment(g.workspace, payment), success="Payment deleted.",
                      then=url_for("debts.detail", debt_id=debt_id))


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
    if "extra" in request.args:
        query.validate()
        if not query.extra.errors:
            extra = query.extra.decimal if query.extra.decimal is not None else Decimal(0)
    view = read_form(query, lambda: services.build_plan(g.workspace, strategy, extra))
    if view is None:  # the message is on the form; the saved plan shows under it
        strategy, extra = setting.strategy, setting.extra
        view = services.build_plan(g.workspace, strategy, extra)
    status = 422 if query.extra.errors else form_status(query)
    extra = view.plan.extra
    query.strategy.data = strategy
    extra_text = amount_for_input(extra, g.workspace.base_currency)
    if query.extra.data is None or not query.extra.errors:
        query.extra.data = extra_text
    months = page_of_list(view.plan.months, _page_number(), MONTHS_PER_PAGE).linked(
        "debts.plan", strategy=strategy, extra=extra_text)
    return render_template("debts/plan.html", view=view, query=query, strategy=strategy, extra=extra,
                           months=months.rows, pager=months, setting=setting, strategies=STRATEGIES,
                           save_form=PlanSaveForm(strategy=strategy, extra=extra_text)), status


def _posted_order() -> dict[int, int | None]:
    """The custom order typed beside each debt (order-<id> fields); a box left empty or odd is None."""
    order: dict[int, int | None] = {}
    for key, value in request.form.items():
        if key.startswith("order-") and (debt_id := as_id(key.removeprefix("order-"))) is not None:
            text = value.strip()
            order[debt_id] = int(text) if text.isdigit() and len(text) <= 5 else None
    return order


def _save_plan():
    form = PlanSaveForm()

    def write():
        require_valid(form)
        return services.save_plan(g.workspace, form.strategy.data, form.extra.decimal, _posted_order())

    base = g.workspace.base_currency
    return run_action(
        write, success=lambda setting: f"Plan saved: {STRATEGIES[setting.strategy]}, "
                                       f"{format_money(setting.extra, base)} extra a month.",
        then=lambda setting: url_for("debts.plan", strategy=setting.strategy,
                                     extra=amount_for_input(setting.extra, base)),
        back=url_for("debts.plan"))
