"""Routes: the upcoming list with Confirm / Skip, and create / edit / pause / delete of recurring items."""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.accounts.queries import account_choices
from financeapp.core.errors import FinanceError
from financeapp.core.forms import attach_errors, form_status
from financeapp.core.money import quantize
from financeapp.core.scoping import as_id, check_role, require_role
from financeapp.extensions import db
from financeapp.recurring import bp, services
from financeapp.recurring.forms import OccurrenceForm, RecurringForm
from financeapp.transactions.views import categories_for_forms

DAY_CHOICES = (7, 14, 30, 60, 90)


class _Pager:
    """What the `pager` macro needs."""

    def __init__(self, page: services.ItemPage, days: int):
        self.number, self.pages = page.number, page.pages
        self.has_prev, self.has_next = page.has_prev, page.has_next
        self.days = days

    def url_for(self, number: int) -> str:
        return url_for("recurring.index", page=number, days=self.days)


def _form(item=None, **kwargs) -> RecurringForm:
    form = RecurringForm(**kwargs)
    include = (item.account_id, item.to_account_id) if item else ()
    form.set_choices(account_choices(g.workspace, keep=include), categories_for_forms())
    if not form.to_account_id.data and len(form.to_account_id.choices) > 1 and request.method == "GET":
        form.to_account_id.data = form.to_account_id.choices[1][0]
    return form


@bp.get("/")
@require_role("viewer")
def index():
    days = as_id(request.args.get("days")) or 30
    days = days if days in DAY_CHOICES else 30
    page = services.item_page(g.workspace, as_id(request.args.get("page")) or 1)
    return render_template("recurring/index.html", upcoming=services.upcoming(g.workspace, days), page=page,
                           pager=_Pager(page, days), days=days, day_choices=DAY_CHOICES, today=date.today())


@bp.route("/new", methods=["GET", "POST"])
@require_role("viewer")
def create():
    form = _form()
    if request.method == "POST":
        check_role("member")
        if form.validate_on_submit():
            try:
                item = services.create_recurring(g.workspace, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                flash(f"“{item.name}” added: {item.schedule.describe().lower()}.", "success")
                return redirect(url_for("recurring.index"))
    return render_template("recurring/form.html", form=form, item=None), form_status(form)


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(item_id: int):
    item = services.get_item(g.workspace, item_id)
    form = _form(item)
    if request.method == "GET":
        form.fill_from(item)
    else:
        check_role("member")
        if form.validate_on_submit():
            try:
                services.update_recurring(g.workspace, item, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                flash(f"“{item.name}” saved.", "success")
                return redirect(url_for("recurring.index"))
    return render_template("recurring/form.html", form=form, item=item,
                           history=services.recent_occurrences(g.workspace, item)), form_status(form)


@bp.post("/<int:item_id>/pause")
@require_role("member")
def pause(item_id: int):
    item = services.get_item(g.workspace, item_id)
    services.set_paused(item, not item.paused)
    db.session.commit()
    flash(f"“{item.name}” {'paused: nothing posts or reminds until you resume it' if item.paused else 'resumed'}.",
          "success")
    return redirect(url_for("recurring.index"))


@bp.post("/<int:item_id>/delete")
@require_role("member")
def delete(item_id: int):
    item = services.get_item(g.workspace, item_id)
    name = item.name
    services.delete_recurring(g.workspace, item)
    db.session.commit()
    flash(f"Deleted “{name}”. The transactions it posted stay.", "success")
    return redirect(url_for("recurring.index"))


def _occurrence_action(item_id: int, action: str):
    item = services.get_item(g.workspace, item_id)
    form = OccurrenceForm()
    if not form.validate_on_submit():
        flash("Choose an occurrence to " + action + ".", "danger")
        return redirect(url_for("recurring.index"))
    on = form.on.data
    try:
        if action == "confirm":
            done = services.post_occurrence(g.workspace, item, on)
        else:
            done = services.skip_occurrence(g.workspace, item, on)
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("recurring.index"))
    db.session.commit()
    if done is None:
        flash(f"“{item.name}” on {on.isoformat()} was already dealt with.", "info")
    elif action == "confirm":
        currency = item.account.currency
        flash(f"Posted “{item.name}” of {quantize(item.amount, currency)} {currency} on {on.isoformat()}.", "success")
    else:
        flash(f"Skipped “{item.name}” on {on.isoformat()}.", "success")
    return redirect(url_for("recurring.index"))


@bp.post("/<int:item_id>/confirm")
@require_role("member")
def confirm(item_id: int):
    return _occurrence_action(item_id, "confirm")


@bp.post("/<int:item_id>/skip")
@require_role("member")
def skip(item_id: int):
    return _occurrence_action(item_id, "skip")
