"""Routes: the upcoming list with Confirm / Skip, and create / edit / pause / delete of recurring items."""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.accounts.queries import account_choices
from financeapp.core.forms import form_status, require_valid
from financeapp.core.money import format_money
from financeapp.core.pagination import page_number
from financeapp.core.scoping import as_id, check_role, require_role
from financeapp.core.views import run_action, save_form
from financeapp.recurring import bp, services
from financeapp.recurring.forms import OccurrenceForm, RecurringForm
from financeapp.transactions.views import categories_for_forms

DAY_CHOICES = (7, 14, 30, 60, 90)


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
    page = services.item_page(g.workspace, page_number(request.args.get("page"))).linked("recurring.index", days=days)
    return render_template("recurring/index.html", upcoming=services.upcoming(g.workspace, days), page=page,
                           days=days, day_choices=DAY_CHOICES, today=date.today())


@bp.route("/new", methods=["GET", "POST"])
@require_role("viewer")
def create():
    form = _form()
    if request.method == "POST":
        check_role("member")
        if done := save_form(form, lambda: services.create_recurring(g.workspace, form.to_input())):
            flash(f"“{done.value.name}” added: {done.value.schedule.describe().lower()}.", "success")
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
        if save_form(form, lambda: services.update_recurring(g.workspace, item, form.to_input())):
            flash(f"“{item.name}” saved.", "success")
            return redirect(url_for("recurring.index"))
    return render_template("recurring/form.html", form=form, item=item,
                           history=services.recent_occurrences(g.workspace, item)), form_status(form)


@bp.post("/<int:item_id>/pause")
@require_role("member")
def pause(item_id: int):
    item = services.get_item(g.workspace, item_id)
    return run_action(lambda: services.set_paused(item, not item.paused),
                      success=lambda _: f"“{item.name}” " + ("paused: nothing posts or reminds until you resume it."
                                                              if item.paused else "resumed."),
                      then=url_for("recurring.index"))


@bp.post("/<int:item_id>/delete")
@require_role("member")
def delete(item_id: int):
    item = services.get_item(g.workspace, item_id)
    name = item.name
    return run_action(lambda: services.delete_recurring(g.workspace, item),
                      success=f"Deleted “{name}”. The transactions it posted stay.", then=url_for("recurring.index"))


def _occurrence_action(item_id: int, action: str):
    item = services.get_item(g.workspace, item_id)
    form = OccurrenceForm()

    def write():
        require_valid(form, f"Choose an occurrence to {action}.")
        post = services.post_occurrence if action == "confirm" else services.skip_occurrence
        return post(g.workspace, item, form.on.data)

    def outcome(done) -> tuple[str, str]:
        on = form.on.data.isoformat()
        if done is None:
            return f"“{item.name}” on {on} was already dealt with.", "info"
        if action == "confirm":
            return f"Posted “{item.name}” of {format_money(item.amount, item.account.currency)} on {on}.", "success"
        return f"Skipped “{item.name}” on {on}.", "success"

    return run_action(write, success=outcome, then=url_for("recurring.index"))


@bp.post("/<int:item_id>/confirm")
@require_role("member")
def confirm(item_id: int):
    return _occurrence_action(item_id, "confirm")


@bp.post("/<int:item_id>/skip")
@require_role("member")
def skip(item_id: int):
    return _occurrence_action(item_id, "skip")
