"""Routes: the transactions list with filters and bulk actions, entry and transfer forms."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from financeapp.accounts.models import Account
from financeapp.categories.services import category_choices
from financeapp.core.errors import FinanceError
from financeapp.core.forms import attach_errors, form_status
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role, scoped
from financeapp.core.security import safe_next_url
from financeapp.core.views import run_action
from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.labels.services import parse_label_names
from financeapp.payees.models import Payee
from financeapp.recurring.services import match_bills
from financeapp.transactions import bp, search, searches, services
from financeapp.transactions.entry_memory import apply_defaults, keep_quick_add_open, quick_add_reopens, remember_entry
from financeapp.transactions.forms import BulkForm, DeleteForm, EntryForm, TransferForm
from financeapp.transactions.models import Transaction
from financeapp.transactions.queries import PER_PAGE_CHOICES, TransactionFilter, transaction_page


def account_choices(*include_ids: int | None) -> list[tuple[str, str]]:
    """Open accounts, plus archived ones a transaction being edited already uses."""
    accounts = db.session.scalars(scoped(Account, g.workspace).order_by(Account.name))
    return [(str(a.id), f"{a.name} ({a.currency})") for a in accounts
            if not a.archived or a.id in include_ids]


def categories_for_forms() -> list[tuple[str, str]]:
    """The category select options, built once per request however many forms use them."""
    if "category_options" not in g:
        g.category_options = category_choices(g.workspace)
    return g.category_options


def _entry_form(include_account: int | None = None, **kwargs) -> EntryForm:
    form = EntryForm(**kwargs)
    form.set_choices(account_choices(include_account), categories_for_forms())
    return form


def _transfer_form(include_accounts: tuple[int, ...] = (), **kwargs) -> TransferForm:
    form = TransferForm(**kwargs)
    form.set_choices(account_choices(*include_accounts))
    return form


def _back(default: str) -> str:
    return safe_next_url(request.form.get("next") or request.args.get("next")) or default


@bp.get("/")
@require_role("viewer")
def index():
    f = TransactionFilter.from_args(request.args)
    page = transaction_page(g.workspace, f)
    accounts = list(db.session.scalars(scoped(Account, g.workspace).order_by(Account.name)))
    quick = _entry_form(formdata=None)
    quick_open = quick_add_reopens()
    apply_defaults(quick, g.workspace.id, quick=quick_open)
    if f.account is not None:
        quick.account_id.data = str(f.account)
    bulk = BulkForm(formdata=None)
    bulk.category_id.choices = categories_for_forms()
    labels = list(db.session.scalars(scoped(Label, g.workspace).order_by(Label.name)))
    payee = db.session.scalar(scoped(Payee, g.workspace).where(Payee.id == f.payee)) if f.payee else None
    return render_template(
        "transactions/index.html", page=page, f=f, accounts=accounts, quick=quick, bulk=bulk,
        categories=categories_for_forms()[1:], labels=labels, filter_payee=payee,
        per_page_choices=PER_PAGE_CHOICES, search_operators=search.OPERATORS, quick_open=quick_open,
    )


@bp.route("/new", methods=["GET", "POST"])
@require_role("viewer")
def create():
    form = _entry_form()
    if request.method == "GET":
        apply_defaults(form, g.workspace.id, quick=False)
    if request.method == "GET" and request.args.get("direction") == "in":
        form.direction.data = "in"
    if request.method == "POST":
        check_role("member")
        if form.validate_on_submit():
            try:
                txn = services.record_entry(g.workspace, form.to_input())
                paid = match_bills(g.workspace, [txn.id])
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                remember_entry(g.workspace.id, txn.account_id, txn.on, 1 if txn.amount > 0 else -1)
                if request.form.get("quick"):
                    keep_quick_add_open()
                if paid:
                    flash("It matched an expected bill, which is now marked paid.", "info")
                flash(f"Saved {'income' if txn.amount > 0 else 'expense'} of {abs(txn.amount):.2f} "
                      f"{txn.account.currency} in {txn.account.name}.", "success")
                return redirect(_back(url_for("transactions.index")))
    status = form_status(form)
    return render_template("transactions/form.html", form=form, txn=None), status


@bp.route("/transfer", methods=["GET", "POST"])
@require_role("viewer")
def transfer():
    form = _transfer_form()
    if request.method == "POST":
        check_role("member")
        if form.validate_on_submit():
            try:
                source, target = services.record_transfer(g.workspace, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                flash(f"Transferred {-source.amount:.2f} {source.account.currency} from "
                      f"{source.account.name} to {target.account.name}.", "success")
                return redirect(_back(url_for("transactions.index")))
    status = form_status(form)
    return render_template("transactions/transfer.html", form=form, txn=None), status


def _fill_entry_form(form: EntryForm, txn: Transaction) -> None:
    form.on.data = txn.on
    form.account_id.data = str(txn.account_id)
    form.direction.data = "in" if txn.amount > 0 else "out"
    form.amount.data = f"{abs(txn.amount):.{_places(txn)}f}"
    form.payee.data = txn.payee.name if txn.payee else ""
    form.memo.data = txn.memo
    form.labels.data = ", ".join(label.name for label in txn.labels)
    form.status.data = txn.status
    form.version.data = str(txn.version)
    if txn.is_split:
        while len(form.lines) < len(txn.lines):
            form.lines.append_entry()
            form.lines[-1].form.category_id.choices = form.category_id.choices
        for entry, line in zip(form.lines, txn.lines, strict=False):
            entry.form.category_id.data = str(line.category_id or "")
            entry.form.amount.data = f"{abs(line.amount):.{_places(txn)}f}"
            entry.form.memo.data = line.memo
    else:
        form.category_id.data = str(txn.lines[0].category_id or "") if txn.lines else ""


def _places(txn: Transaction) -> int:
    from financeapp.core.money import minor_units

    return minor_units(txn.account.currency)


def _fill_transfer_form(form: TransferForm, source: Transaction, target: Transaction) -> None:
    form.on.data = source.on
    form.from_account_id.data = str(source.account_id)
    form.to_account_id.data = str(target.account_id)
    form.amount.data = f"{-source.amount:.{_places(source)}f}"
    if source.account.currency != target.account.currency:
        form.to_amount.data = f"{target.amount:.{_places(target)}f}"
    form.memo.data = source.memo
    form.labels.data = ", ".join(label.name for label in source.labels)
    form.status.data = source.status
    form.version.data = str(source.version)


def _attachments(txn: Transaction):
    from financeapp.receipts.services import attachments_for

    return attachments_for(g.workspace, txn)


@bp.route("/<int:txn_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(txn_id: int):
    txn = get_scoped_or_404(Transaction, txn_id, g.workspace)
    if txn.is_transfer:
        return _edit_transfer(txn)
    form = _entry_form(txn.account_id, formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        _fill_entry_form(form, txn)
    else:
        check_role("member")
        if form.validate():
            try:
                services.update_entry(g.workspace, txn, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                flash("Transaction saved.", "success")
                return redirect(_back(url_for("transactions.index")))
    status = form_status(form)
    return render_template("transactions/form.html", form=form, txn=txn,
                           attachments=_attachments(txn), delete_form=DeleteForm()), status


def _edit_transfer(txn: Transaction):
    try:
        source, target = services.transfer_sides(g.workspace, txn)
    except FinanceError as err:
        flash(err.message, "warning")
        return redirect(url_for("transactions.index"))
    form = _transfer_form((source.account_id, target.account_id),
                          formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        _fill_transfer_form(form, source, target)
    else:
        check_role("member")
        if form.validate():
            try:
                services.update_transfer(g.workspace, txn, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                flash("Transfer saved.", "success")
                return redirect(_back(url_for("transactions.index")))
    status = form_status(form)
    return render_template("transactions/transfer.html", form=form, txn=txn,
                           attachments=_attachments(txn), delete_form=DeleteForm()), status


@bp.post("/<int:txn_id>/delete")
@require_role("member")
def delete(txn_id: int):
    txn = get_scoped_or_404(Transaction, txn_id, g.workspace)
    form = DeleteForm()
    try:
        count = services.delete_transaction(g.workspace, txn, unlock=bool(form.unlock.data))
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("transactions.edit", txn_id=txn_id))
    db.session.commit()
    flash("Transfer deleted (both sides)." if count == 2 else "Transaction deleted.", "success")
    return redirect(_back(url_for("transactions.index")))


@bp.post("/bulk")
@require_role("member")
def bulk():
    form = BulkForm()
    form.category_id.choices = category_choices(g.workspace)
    ids = [key for key in map(as_id, request.form.getlist("ids")) if key is not None]
    back = _back(url_for("transactions.index"))
    try:
        if form.action.data == "category":
            category_id = as_id(form.category_id.data) if form.category_id.data else None
            result = services.bulk_set_category(g.workspace, ids, category_id)
            verb = "Categorised"
        elif form.action.data == "labels":
            result = services.bulk_add_labels(g.workspace, ids, parse_label_names(form.labels.data or ""))
            verb = "Labelled"
        elif form.action.data == "delete":
            result = services.bulk_delete(g.workspace, ids)
            verb = "Deleted"
        else:
            flash("Choose what to do with the selected transactions.", "danger")
            return redirect(back)
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(back)
    db.session.commit()
    message = f"{verb} {result.changed} transaction{'s' if result.changed != 1 else ''}."
    if result.skipped:
        message += f" Skipped {len(result.skipped)}: {', '.join(result.skipped[:10])}."
    flash(message, "success" if not result.skipped else "warning")
    return redirect(back)


@bp.post("/searches")
@require_role("viewer")
def save_search():
    """Save the search in the box under a name (a viewer may keep searches: they change no data)."""
    name, text = request.form.get("name", ""), request.form.get("q", "")
    return run_action(lambda: searches.save_search(g.workspace, current_user.id, name, text),
                      success=lambda saved: f"Saved the search “{saved.name}”.",
                      then=lambda saved: url_for("transactions.index", q=saved.query),
                      back=url_for("transactions.index", q=text))


@bp.get("/searches/<int:search_id>")
@require_role("viewer")
def open_search(search_id: int):
    saved = searches.own_search(g.workspace, current_user.id, search_id)
    return redirect(url_for("transactions.index", q=saved.query))


@bp.post("/searches/<int:search_id>/delete")
@require_role("viewer")
def delete_search(search_id: int):
    return run_action(lambda: searches.delete_search(g.workspace, current_user.id, search_id),
                      success=lambda name: f"Deleted the saved search “{name}”.",
                      then=_back(url_for("transactions.index")))


def saved_search_menu() -> dict[str, Any]:
    """The user's saved searches for the navigation's search box (one small query per page)."""
    if g.get("workspace") is None or request.path.startswith("/api/") or not current_user.is_authenticated:
        return {"saved_searches": []}
    try:
        return {"saved_searches": searches.saved_searches(g.workspace, current_user.id)}
    except Exception:  # an error page must render even when the database is down
        return {"saved_searches": []}
