"""Routes: the transactions list with filters and bulk actions, entry and transfer forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response

from financeapp.accounts.queries import account_choices
from financeapp.categories.services import category_choices
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.forms import form_status
from financeapp.core.locale import current_locale
from financeapp.core.money import format_money
from financeapp.core.pagination import page_number, page_of_list
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role, scoped
from financeapp.core.security import safe_next_url
from financeapp.core.validation import amount_for_input
from financeapp.core.versions import VersionedCache
from financeapp.core.views import run_action, save_form
from financeapp.extensions import db
from financeapp.imports.models import ImportBatch
from financeapp.labels.models import Label
from financeapp.labels.services import parse_label_names
from financeapp.payees.models import Payee
from financeapp.receipts.services import attachments_for
from financeapp.recurring.services import bill_paid_by
from financeapp.transactions import bp, found_transfers, search, searches, services
from financeapp.transactions.entry_memory import apply_defaults, keep_quick_add_open, quick_add_reopens, remember_entry
from financeapp.transactions.forms import BulkForm, DeleteForm, EntryForm, TransferForm
from financeapp.transactions.models import Transaction
from financeapp.transactions.queries import (
    PER_PAGE_CHOICES,
    TransactionFilter,
    TransactionPage,
    fill_rows,
    transaction_page,
)

T = TypeVar("T")


def categories_for_forms() -> list[tuple[str, str]]:
    """The category select options, built once per request however many forms use them."""
    if "category_options" not in g:
        g.category_options = category_choices(g.workspace)
    return g.category_options


def _entry_form(include_account: int | None = None, **kwargs) -> EntryForm:
    form = EntryForm(**kwargs)
    form.set_choices(account_choices(g.workspace, keep=(include_account,)), categories_for_forms())
    return form


def _transfer_form(include_accounts: tuple[int, ...] = (), **kwargs) -> TransferForm:
    form = TransferForm(**kwargs)
    form.set_choices(account_choices(g.workspace, keep=include_accounts))
    return form


def _back(default: str) -> str:
    return safe_next_url(request.form.get("next") or request.args.get("next")) or default


def _saved(form: FlaskForm, write: Callable[[], T], message: Callable[[T], str]) -> Response | None:
    """A member's posted `form`, written: flash `message(result)` and go back; None re-renders the form."""
    check_role("member")
    if done := save_form(form, write):
        flash(message(done.value), "success")
        return redirect(_back(url_for("transactions.index")))
    return None


@bp.get("/")
@require_role("viewer")
def index():
    f = TransactionFilter.from_args(request.args)
    page = transaction_page(g.workspace, f, rows=False)
    page.list_url = url_for("transactions.index")
    rows_html, rows_shown = _rows_html(page)
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
        "transactions/index.html", page=page, f=f, accounts=account_choices(g.workspace, archived=True),
        quick=quick, bulk=bulk, categories=categories_for_forms()[1:], labels=labels, filter_payee=payee,
        per_page_choices=PER_PAGE_CHOICES, search_operators=search.OPERATORS, quick_open=quick_open,
        rows_html=rows_html, rows_shown=rows_shown,
    )


_rows = VersionedCache(size=512)


def _rows_html(page: TransactionPage) -> tuple[Markup, int]:
    """The list's rows as HTML, and how many: rendered once per data version, address, role and locale.

    Rendering fifty rows (money in the user's locale, links) is most of the page's work; the rows hold
    no CSRF token and nothing of the session, so any request asking for the same can share them.
    """
    key = ("rows", g.workspace.id, request.full_path, g.membership.role, current_locale(), date.today())

    def render() -> tuple[Markup, int]:
        fill_rows(g.workspace, page)
        return Markup(render_template("transactions/_rows.html", page=page, f=page.filter)), len(page.rows)

    return _rows.get_or_compute(key, render)


def _entry_saved(txn: Transaction) -> str:
    remember_entry(g.workspace.id, txn.account_id, txn.on, 1 if txn.amount > 0 else -1)
    if request.form.get("quick"):
        keep_quick_add_open()
    if (bill := bill_paid_by(g.workspace, txn.id)) is not None:
        flash(f"It matched the expected bill “{bill.name}”, which is now marked paid.", "info")
    kind = "income" if txn.amount > 0 else "expense"
    return f"Saved {kind} of {format_money(abs(txn.amount), txn.account.currency)} in {txn.account.name}."


@bp.route("/new", methods=["GET", "POST"])
@require_role("viewer")
def create():
    form = _entry_form()
    if request.method == "GET":
        apply_defaults(form, g.workspace.id, quick=False)
    if request.method == "GET" and request.args.get("direction") == "in":
        form.direction.data = "in"
    if request.method == "POST" and (
            done := _saved(form, lambda: services.record_entry(g.workspace, form.to_input()), _entry_saved)):
        return done
    return render_template("transactions/form.html", form=form, txn=None), form_status(form)


def _transferred(sides: tuple[Transaction, Transaction]) -> str:
    source, target = sides
    return (f"Transferred {format_money(-source.amount, source.account.currency)} from {source.account.name} "
            f"to {target.account.name}.")


@bp.route("/transfer", methods=["GET", "POST"])
@require_role("viewer")
def transfer():
    form = _transfer_form()
    if request.method == "POST" and (
            done := _saved(form, lambda: services.record_transfer(g.workspace, form.to_input()), _transferred)):
        return done
    return render_template("transactions/transfer.html", form=form, txn=None), form_status(form)


def _fill_entry_form(form: EntryForm, txn: Transaction) -> None:
    currency = txn.account.currency
    form.on.data = txn.on
    form.account_id.data = str(txn.account_id)
    form.direction.data = "in" if txn.amount > 0 else "out"
    form.amount.data = amount_for_input(abs(txn.amount), currency)
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
            entry.form.amount.data = amount_for_input(abs(line.amount), currency)
            entry.form.memo.data = line.memo
    else:
        form.category_id.data = str(txn.lines[0].category_id or "") if txn.lines else ""


def _fill_transfer_form(form: TransferForm, source: Transaction, target: Transaction) -> None:
    form.on.data = source.on
    form.from_account_id.data = str(source.account_id)
    form.to_account_id.data = str(target.account_id)
    form.amount.data = amount_for_input(-source.amount, source.account.currency)
    if source.account.currency != target.account.currency:
        form.to_amount.data = amount_for_input(target.amount, target.account.currency)
    form.memo.data = source.memo
    form.labels.data = ", ".join(label.name for label in source.labels)
    form.status.data = source.status
    form.version.data = str(source.version)


@bp.route("/<int:txn_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(txn_id: int):
    txn = get_scoped_or_404(Transaction, txn_id, g.workspace)
    if txn.is_transfer:
        return _edit_transfer(txn)
    form = _entry_form(txn.account_id, formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        _fill_entry_form(form, txn)
    elif done := _saved(form, lambda: services.update_entry(g.workspace, txn, form.to_input()),
                        lambda _: "Transaction saved."):
        return done
    return render_template("transactions/form.html", form=form, txn=txn, attachments=attachments_for(g.workspace, txn),
                           delete_form=DeleteForm()), form_status(form)


def _edit_transfer(txn: Transaction):
    try:
        source, target = services.transfer_sides(g.workspace, txn)
    except Conflict as err:  # a side deleted by hand (or by a restore of a broken file): say so, edit nothing
        flash(err.message, "warning")
        return redirect(url_for("transactions.index"))
    form = _transfer_form((source.account_id, target.account_id),
                          formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        _fill_transfer_form(form, source, target)
    elif done := _saved(form, lambda: services.update_transfer(g.workspace, txn, form.to_input()),
                        lambda _: "Transfer saved."):
        return done
    return render_template("transactions/transfer.html", form=form, txn=txn,
                           attachments=attachments_for(g.workspace, txn), delete_form=DeleteForm()), form_status(form)


@bp.post("/<int:txn_id>/delete")
@require_role("member")
def delete(txn_id: int):
    txn = get_scoped_or_404(Transaction, txn_id, g.workspace)
    form = DeleteForm()
    return run_action(
        lambda: services.delete_transaction(g.workspace, txn, unlock=bool(form.unlock.data)),
        success=lambda count: "Transfer deleted (both sides)." if count == 2 else "Transaction deleted.",
        then=_back(url_for("transactions.index")), back=url_for("transactions.edit", txn_id=txn_id))


def _bulk_write(form: BulkForm, ids: list[int]) -> tuple[str, services.BulkResult]:
    if form.action.data == "category":
        category_id = as_id(form.category_id.data) if form.category_id.data else None
        return "Categorised", services.bulk_set_category(g.workspace, ids, category_id)
    if form.action.data == "labels":
        return "Labelled", services.bulk_add_labels(g.workspace, ids, parse_label_names(form.labels.data or ""))
    if form.action.data == "delete":
        return "Deleted", services.bulk_delete(g.workspace, ids)
    raise Invalid("Choose what to do with the selected transactions.")


def _bulk_outcome(outcome: tuple[str, services.BulkResult]) -> tuple[str, str]:
    verb, result = outcome
    message = f"{verb} {result.changed} transaction{'s' if result.changed != 1 else ''}."
    if result.skipped:
        message += f" Skipped {len(result.skipped)}: {', '.join(result.skipped[:10])}."
    return message, "success" if not result.skipped else "warning"


@bp.post("/bulk")
@require_role("member")
def bulk():
    form = BulkForm()
    form.category_id.choices = category_choices(g.workspace)
    ids = [key for key in map(as_id, request.form.getlist("ids")) if key is not None]
    return run_action(lambda: _bulk_write(form, ids), success=_bulk_outcome, then=_back(url_for("transactions.index")))


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


# -- transfers found among unrelated rows (financeapp/transactions/found_transfers.py) -----------------

FOUND_PER_PAGE = 50


def _found_batch() -> ImportBatch | None:
    """The import the found transfers are narrowed to (?batch=ID), the workspace's own or a 404."""
    ref = request.values.get("batch")
    return get_scoped_or_404(ImportBatch, ref, g.workspace) if ref else None


def _found_url(batch: ImportBatch | None) -> str:
    return _back(url_for("transactions.found_transfers_page", batch=batch.id if batch else None))


def _pair_named(pairing: found_transfers.Pairing) -> str:
    return (f"{format_money(pairing.amount, pairing.currency)} from {pairing.from_account} "
            f"to {pairing.to_account}")


@bp.get("/found-transfers")
@require_role("viewer")
def found_transfers_page():
    batch = _found_batch()
    pairs = found_transfers.find_transfers(g.workspace, batch_id=batch.id if batch else None)
    page = page_of_list(pairs, page_number(request.args.get("page")), FOUND_PER_PAGE).linked(
        "transactions.found_transfers_page", batch=batch.id if batch else None)
    return render_template("transactions/found_transfers.html", page=page, batch=batch,
                           sides=found_transfers.sides_of(g.workspace, page.rows), window=found_transfers.WINDOW_DAYS)


@bp.post("/found-transfers")
@require_role("member")
def link_found_transfers():
    """Link every pair proposed (of one import, with batch=ID)."""
    batch = _found_batch()
    return run_action(lambda: found_transfers.link_all(g.workspace, batch_id=batch.id if batch else None),
                      success=lambda pairs: (f"Linked {len(pairs)} transfer{'s' if len(pairs) != 1 else ''}."
                                             if pairs else ("Nothing to link: no pairs are proposed now.", "info")),
                      then=_found_url(batch))


@bp.post("/found-transfers/<int:out_id>/<int:in_id>/link")
@require_role("member")
def link_found_transfer(out_id: int, in_id: int):
    return run_action(lambda: found_transfers.link_pair(g.workspace, out_id, in_id),
                      success=lambda pairing: f"Linked {_pair_named(pairing)} as a transfer.",
                      then=_found_url(_found_batch()))


@bp.post("/found-transfers/<int:out_id>/<int:in_id>/refuse")
@require_role("member")
def refuse_found_transfer(out_id: int, in_id: int):
    return run_action(lambda: found_transfers.refuse_pair(g.workspace, out_id, in_id, user_id=current_user.id),
                      success=lambda pairing: (f"Noted: {_pair_named(pairing)} is not a transfer; "
                                               "this pair will not be proposed again."),
                      then=_found_url(_found_batch()))


def saved_search_menu() -> dict[str, Any]:
    """The user's saved searches for the navigation's search box (one small query per page)."""
    if g.get("workspace") is None or request.path.startswith("/api/") or not current_user.is_authenticated:
        return {"saved_searches": []}
    try:
        return {"saved_searches": searches.saved_searches(g.workspace, current_user.id)}
    except Exception:  # an error page must render even when the database is down
        return {"saved_searches": []}
