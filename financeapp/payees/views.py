"""Routes: payees list with counts, edit (rename, default category), merge, delete."""

from __future__ import annotations

import math

from flask import flash, g, jsonify, redirect, render_template, request, url_for

from financeapp.categories.services import category_choices
from financeapp.core.errors import FinanceError
from financeapp.core.forms import attach_errors
from financeapp.core.scoping import as_id, check_role, get_scoped_or_404, require_role
from financeapp.extensions import db
from financeapp.payees import bp, services
from financeapp.payees.forms import MergePayeeForm, PayeeForm
from financeapp.payees.models import Payee

PER_PAGE = 50


@bp.get("/")
@require_role("viewer")
def index():
    search = (request.args.get("q") or "").strip()[:100]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = services.list_payees(g.workspace, search=search, page=page, per_page=PER_PAGE)
    return render_template("payees/index.html", rows=rows, total=total, search=search, page=page,
                           pages=max(1, math.ceil(total / PER_PAGE)))


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
    status = 200
    if request.method == "POST":
        check_role("member")
        if form.validate_on_submit():
            value = form.default_category_id.data or ""
            try:
                services.update_payee(g.workspace, payee, form.name.data,
                                      as_id(value) if value else None)
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                flash("Payee saved.", "success")
                return redirect(url_for("payees.index"))
        status = 422
    return render_template("payees/edit.html", payee=payee, form=form,
                           merge_form=MergePayeeForm(formdata=None)), status


@bp.post("/<int:payee_id>/merge")
@require_role("member")
def merge(payee_id: int):
    source = get_scoped_or_404(Payee, payee_id, g.workspace)
    form = MergePayeeForm()
    target = services.find_payee(g.workspace, form.target.data or "") if form.validate_on_submit() else None
    if target is None:
        flash("Enter the name of an existing payee to merge into.", "danger")
        return redirect(url_for("payees.edit", payee_id=payee_id))
    name = source.name
    try:
        moved = services.merge_payees(g.workspace, source, target)
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("payees.edit", payee_id=payee_id))
    db.session.commit()
    flash(f"Merged “{name}” into “{target.name}” ({moved} transactions).", "success")
    return redirect(url_for("payees.index"))


@bp.post("/<int:payee_id>/delete")
@require_role("member")
def delete(payee_id: int):
    payee = get_scoped_or_404(Payee, payee_id, g.workspace)
    name = payee.name
    services.delete_payee(g.workspace, payee)
    db.session.commit()
    flash(f"Deleted payee “{name}”; its transactions keep their amounts.", "success")
    return redirect(url_for("payees.index"))
