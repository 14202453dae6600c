"""Routes: payees list with counts, edit (rename, default category), merge, delete."""

from __future__ import annotations

from flask import flash, g, jsonify, redirect, render_template, request, url_for

from financeapp.categories.services import category_choices
from financeapp.core.errors import Invalid
from financeapp.core.forms import form_status
from financeapp.core.pagination import page_number
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role
from financeapp.core.views import run_action, save_form
from financeapp.payees import bp, services
from financeapp.payees.forms import MergePayeeForm, PayeeForm
from financeapp.payees.models import Payee

PER_PAGE = 50


@bp.get("/")
@require_role("viewer")
def index():
    search = (request.args.get("q") or "").strip()[:100]
    page = services.list_payees(g.workspace, search=search, page=page_number(request.args.get("page")),
                                per_page=PER_PAGE)
    return render_template("payees/index.html", page=page.linked("payees.index", q=search or None), search=search)


@bp.get("/names.json")
@require_role("viewer")
def names():
    """Payee names for the autocomplete list, fetched when a payee box is first focused, with each
    payee's default category so the form shows it before saving (never a silent change on save)."""
    return jsonify(data=services.payee_names(g.workspace), defaults=services.payee_default_categories(g.workspace))


@bp.route("/<int:payee_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(payee_id: int):
    payee = get_scoped_or_404(Payee, payee_id, g.workspace)
    form = PayeeForm(obj=payee if request.method == "GET" else None)
    form.default_category_id.choices = category_choices(g.workspace, blank="None")
    if request.method == "GET":
        form.default_category_id.data = str(payee.default_category_id or "")
    if request.method == "POST":
        check_role("member")
        value = form.default_category_id.data or ""
        if save_form(form, lambda: services.update_payee(g.workspace, payee, form.name.data,
                                                         as_id(value) if value else None)):
            flash("Payee saved.", "success")
            return redirect(url_for("payees.index"))
    return render_template("payees/edit.html", payee=payee, form=form,
                           merge_form=MergePayeeForm(formdata=None)), form_status(form)


def _merge(source: Payee) -> tuple[int, Payee]:
    form = MergePayeeForm()
    target = services.find_payee(g.workspace, form.target.data or "") if form.validate_on_submit() else None
    if target is None:
        raise Invalid("Enter the name of an existing payee to merge into.")
    return services.merge_payees(g.workspace, source, target), target


@bp.post("/<int:payee_id>/merge")
@require_role("member")
def merge(payee_id: int):
    source = get_scoped_or_404(Payee, payee_id, g.workspace)
    name = source.name
    return run_action(lambda: _merge(source),
                      success=lambda done: f"Merged “{name}” into “{done[1].name}” ({done[0]} transactions).",
                      then=url_for("payees.index"), back=url_for("payees.edit", payee_id=payee_id))


@bp.post("/<int:payee_id>/delete")
@require_role("member")
def delete(payee_id: int):
    payee = get_scoped_or_404(Payee, payee_id, g.workspace)
    name = payee.name
    return run_action(lambda: services.delete_payee(g.workspace, payee),
                      success=f"Deleted payee “{name}”; its transactions keep their amounts.",
                      then=url_for("payees.index"))
