"""Routes: the accounts overview, create/edit/archive/delete, balance updates, reconciliation."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from financeapp.accounts import bp, queries, services
from financeapp.accounts.forms import AccountForm, BalanceUpdateForm, DeleteAccountForm, ReconcileForm
from financeapp.accounts.models import Account, Reconciliation
from financeapp.core.forms import form_status, require_valid
from financeapp.core.money import format_money
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role
from financeapp.core.validation import amount_for_input
from financeapp.core.views import run_action, save_form
from financeapp.extensions import db
from financeapp.rates.services import rates_to
from financeapp.transactions.models import Transaction


def _overview():
    currencies = set(db.session.scalars(
        sa.select(Account.currency).where(Account.workspace_id == g.workspace.id).distinct()
    ))
    rates = rates_to(g.workspace, currencies, g.workspace.base_currency, date.today())
    return queries.accounts_overview(g.workspace, date.today(), rates)


@bp.get("/")
@require_role("viewer")
def index():
    return render_template("accounts/index.html", overview=_overview())


@bp.route("/new", methods=["GET", "POST"])
@require_role("member")
def create():
    form = AccountForm(base_currency=g.workspace.base_currency)
    if done := save_form(form, lambda: services.create_account(g.workspace, form.to_input())):
        flash(f"Account “{done.value.name}” added.", "success")
        return redirect(url_for("accounts.index"))
    return render_template("accounts/form.html", form=form, account=None), form_status(form)


@bp.route("/<int:account_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(account_id: int):
    account = get_scoped_or_404(Account, account_id, g.workspace)
    form = AccountForm(obj=account, base_currency=g.workspace.base_currency)
    if request.method == "GET":
        form.opening_balance.data = amount_for_input(account.opening_balance, account.currency)
    else:
        check_role("member")
        if save_form(form, lambda: services.update_account(g.workspace, account, form.to_input())):
            flash(f"Account “{account.name}” saved.", "success")
            return redirect(url_for("accounts.index"))
    return render_template("accounts/form.html", form=form, account=account, delete_form=DeleteAccountForm(),
                           balance_form=BalanceUpdateForm(), balance=queries.balance_on(account)), form_status(form)


@bp.post("/<int:account_id>/archive")
@require_role("member")
def archive(account_id: int):
    account = get_scoped_or_404(Account, account_id, g.workspace)
    return run_action(lambda: services.set_archived(account, not account.archived),
                      success=lambda _: f"“{account.name}” {'archived' if account.archived else 'restored'}.",
                      then=url_for("accounts.index"))


@bp.post("/<int:account_id>/delete")
@require_role("member")
def delete(account_id: int):
    account = get_scoped_or_404(Account, account_id, g.workspace)
    form = DeleteAccountForm()
    name = account.name
    return run_action(
        lambda: services.delete_account(g.workspace, account, delete_transactions=bool(form.delete_transactions.data)),
        success=lambda count: f"Deleted “{name}”" + (f" and its {count} transactions." if count else "."),
        then=url_for("accounts.index"), back=url_for("accounts.edit", account_id=account_id))


@bp.post("/<int:account_id>/balance")
@require_role("member")
def update_balance(account_id: int):
    account = get_scoped_or_404(Account, account_id, g.workspace)
    form = BalanceUpdateForm()

    def write():
        require_valid(form)
        return services.update_balance(g.workspace, account, form.on.data, form.balance.decimal)

    return run_action(write, success=lambda txn: "Balance updated." if txn else
                      "The balance already matched; nothing to change.",
                      then=url_for("accounts.index"), back=url_for("accounts.edit", account_id=account_id))


def _reconciled(account: Account, record: Reconciliation) -> str:
    adjustment = (f" with an adjustment of {format_money(record.adjustment, account.currency)}."
                  if record.adjustment else ".")
    return f"Reconciled {record.transactions_reconciled} transactions of {account.name}{adjustment}"


@bp.route("/<int:account_id>/reconcile", methods=["GET", "POST"])
@require_role("viewer")
def reconcile(account_id: int):
    account = get_scoped_or_404(Account, account_id, g.workspace)
    # A GET with ?statement_date= previews the cleared balance for that date.
    form = ReconcileForm(request.args) if request.method == "GET" else ReconcileForm()
    if request.method == "POST":
        check_role("member")
        ids = [key for key in map(as_id, request.form.getlist("cleared")) if key is not None]
        if done := save_form(form, lambda: services.reconcile(g.workspace, account, form.to_input(ids),
                                                                current_user.id)):
            flash(_reconciled(account, done.value), "success")
            return redirect(url_for("accounts.index"))
    on = form.statement_date.data or date.today()
    pending = list(db.session.scalars(
        sa.select(Transaction).where(
            Transaction.workspace_id == g.workspace.id, Transaction.account_id == account.id,
            Transaction.on <= on, Transaction.status != "reconciled",
        ).order_by(Transaction.on, Transaction.id).limit(1000)
    ))
    return render_template(
        "accounts/reconcile.html", account=account, form=form, pending=pending,
        cleared=queries.cleared_balance_on(account, on),
    ), form_status(form)
