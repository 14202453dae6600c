"""Routes: the category tree, create, edit, merge, delete with reassignment."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.categories import bp, services
from financeapp.categories.forms import CategoryForm, TargetForm
from financeapp.categories.models import Category
from financeapp.core.errors import FinanceError
from financeapp.core.forms import attach_errors
from financeapp.core.scoping import check_role, get_scoped_or_404, require_role, scoped
from financeapp.extensions import db


def _group_choices() -> list[tuple[str, str]]:
    groups = db.session.scalars(scoped(Category, g.workspace).where(Category.parent_id.is_(None))
                                .order_by(Category.name))
    return [("", "— none: this is a group —"), *((str(c.id), c.name) for c in groups)]


def _category_form(**kwargs) -> CategoryForm:
    form = CategoryForm(**kwargs)
    form.parent_id.choices = _group_choices()
    return form


@bp.get("/")
@require_role("viewer")
def index():
    return render_template("categories/index.html", tree=services.category_tree(g.workspace),
                           counts=services.usage_counts(g.workspace), form=_category_form(formdata=None))


@bp.post("/")
@require_role("manager")
def create():
    form = _category_form()
    if form.validate_on_submit():
        try:
            category = services.create_category(g.workspace, form.to_input())
        except FinanceError as err:
            db.session.rollback()
            attach_errors(form, err)
        else:
            db.session.commit()
            flash(f"Added “{category.full_name}”.", "success")
            return redirect(url_for("categories.index"))
    return render_template("categories/index.html", tree=services.category_tree(g.workspace),
                           counts=services.usage_counts(g.workspace), form=form), 422


@bp.route("/<int:category_id>/edit", methods=["GET", "POST"])
@require_role("viewer")
def edit(category_id: int):
    category = get_scoped_or_404(Category, category_id, g.workspace)
    form = _category_form(obj=category if request.method == "GET" else None)
    if request.method == "GET":
        form.parent_id.data = str(category.parent_id or "")
    targets = TargetForm(formdata=None)
    targets.target_id.choices = [c for c in services.category_choices(g.workspace, blank="Uncategorised")
                                 if c[0] != str(category.id)]
    status = 200
    if request.method == "POST":
        check_role("manager")
        if form.validate_on_submit():
            try:
                services.update_category(g.workspace, category, form.to_input())
            except FinanceError as err:
                db.session.rollback()
                attach_errors(form, err)
            else:
                db.session.commit()
                flash("Category saved.", "success")
                return redirect(url_for("categories.index"))
        status = 422
    return render_template("categories/edit.html", category=category, form=form, targets=targets,
                           used=services.usage_counts(g.workspace).get(category.id, 0)), status


def _target(form: TargetForm) -> Category | None:
    value = form.target_id.data or ""
    return get_scoped_or_404(Category, value, g.workspace) if value else None


@bp.post("/<int:category_id>/merge")
@require_role("manager")
def merge(category_id: int):
    source = get_scoped_or_404(Category, category_id, g.workspace)
    target = _target(TargetForm())
    if target is None:
        flash("Choose the category to merge into.", "danger")
        return redirect(url_for("categories.edit", category_id=category_id))
    name = source.name
    try:
        moved = services.merge_categories(g.workspace, source, target)
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("categories.edit", category_id=category_id))
    db.session.commit()
    flash(f"Merged “{name}” into “{target.full_name}” ({moved} lines moved).", "success")
    return redirect(url_for("categories.index"))


@bp.post("/<int:category_id>/delete")
@require_role("manager")
def delete(category_id: int):
    category = get_scoped_or_404(Category, category_id, g.workspace)
    name = category.name
    try:
        moved = services.delete_category(g.workspace, category, _target(TargetForm()))
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("categories.edit", category_id=category_id))
    db.session.commit()
    flash(f"Deleted “{name}”; {moved} transaction lines reassigned.", "success")
    return redirect(url_for("categories.index"))
