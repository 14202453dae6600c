"""Routes: the accounts overview, create/edit/archive/delete, balance updates, reconciliation."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from financeapp.accounts import bp, queries, services
from financeapp.accounts.forms import AccountForm, BalanceUpdateForm, DeleteAccountForm, ReconcileForm
from financeapp.accounts.models import Account
from financeapp.core.errors import FinanceError
from financeapp.core.forms import attach_errors
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role
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
    if form.validate_on_submit():
        try:
            account = services.create_account(g.workspace, form.to_input())
        except FinanceError as err:
            db.session.rollback()
            attach_errors(form, err)
        else:
            db.session.commit()
            flash(f"Account “{account.name}” added.", "success")
            return redirect(url_for("accounts.index"))
    return render_template("accounts/form.html", form=form, account=None), 422 if form.errors or \
        form.form_errors else 200


@bp.route("/<int:account_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(account_id: int):
    account = get_scoped_or_404(Account, account_id, g.workspace)
    form = AccountForm(obj=account, base_currency=g.workspace.base_currency)
    if request.method == "GET":
        form.opening_balance.data = f"{account.opening_balance:.2f}"
    if request.method == "POST":
        check_role("member")
        if form.validate_on_submit():
            try:
                services.update_account(g.workspace, account, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                flash(f"Account “{account.name}” saved.", "success")
                return redirect(url_for("accounts.index"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("accounts/form.html", form=form, account=account,
                           delete_form=DeleteAccountForm(),
                           balance_form=BalanceUpdateForm(),
                           balance=queries.balance_on(account)), status


@bp.post("/<int:account_id>/archive")
@require_role("member")
def archive(account_id: int):
    account = get_scoped_or_404(Account, account_id, g.workspace)
    services.set_archived(account, not account.archived)
    db.session.commit()
    flash(f"“{account.name}” {'archived' if account.archived else 'restored'}.", "success")
    return redirect(url_for("accounts.index"))


@bp.post("/<int:account_id>/delete")
@require_role("member")
def delete(account_id: int):
    account = get_scoped_or_404(Account, account_id, g.workspace)
    form = DeleteAccountForm()
    name = account.name
    try:
        count = services.delete_account(g.workspace, account,
                                        delete_transactions=bool(form.delete_transactions.data))
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("accounts.edit", account_id=account_id))
    db.session.commit()
    flash(f"Deleted “{name}”" + (f" and its {count} transactions." if count else "."), "success")
    return redirect(url_for("accounts.index"))


@bp.post("/<int:account_id>/balance")
@require_role("member")
def update_balance(account_id: int):
    account = get_scoped_or_404(Account, account_id, g.workspace)
    form = BalanceUpdateForm()
    if not form.validate_on_submit():
        flash("; ".join(e for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for("accounts.edit", account_id=account_id))
    try:
        txn = services.update_balance(g.workspace, account, form.on.data, form.balance.decimal)
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("accounts.edit", account_id=account_id))
    db.session.commit()
    flash("Balance updated." if txn else "The balance already matched; nothing to change.", "success")
    return redirect(url_for("accounts.index"))


@bp.route("/<int:account_id>/reconcile", methods=["GET", "POST"])
@require_role("viewer")
def reconcile(account_id: int):
    account = get_scoped_or_404(Account, account_id, g.workspace)
    # A GET with ?statement_date= previews the cleared balance for that date.
    form = ReconcileForm(request.args) if request.method == "GET" else ReconcileForm()
    status = 200
    if request.method == "POST":
        check_role("member")
        if form.validate_on_submit():
            ids = [key for key in map(as_id, request.form.getlist("cleared")) if key is not None]
            try:
                record = services.reconcile(g.workspace, account, form.to_input(ids), current_user.id)
            except FinanceError as err:
                db.session.rollback()
                form.form_errors.append(err.message)
                status = err.status
            else:
                db.session.commit()
                flash(f"Reconciled {record.transactions_reconciled} transactions of {account.name}"
                      + (f" with an adjustment of {record.adjustment}." if record.adjustment else "."),
                      "success")
                return redirect(url_for("accounts.index"))
        else:
            status = 422
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
    ), status
