"""Routes: the category tree, create, edit, merge, delete with reassignment."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.categories import bp, services
from financeapp.categories.forms import CategoryForm, TargetForm
from financeapp.categories.models import Category
from financeapp.core.errors import Invalid
from financeapp.core.forms import form_status
from financeapp.core.scoping import check_role, get_scoped_or_404, require_role, scoped
from financeapp.core.views import run_action, save_form
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
    if done := save_form(form, lambda: services.create_category(g.workspace, form.to_input())):
        flash(f"Added “{done.value.full_name}”.", "success")
        return redirect(url_for("categories.index"))
    return render_template("categories/index.html", tree=services.category_tree(g.workspace),
                           counts=services.usage_counts(g.workspace), form=form), form_status(form)


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
    if request.method == "POST":
        check_role("manager")
        if save_form(form, lambda: services.update_category(g.workspace, category, form.to_input())):
            flash("Category saved.", "success")
            return redirect(url_for("categories.index"))
    return render_template("categories/edit.html", category=category, form=form, targets=targets,
                           used=services.usage_counts(g.workspace).get(category.id, 0)), form_status(form)


def _target(form: TargetForm) -> Category | None:
    value = form.target_id.data or ""
    return get_scoped_or_404(Category, value, g.workspace) if value else None


def _merge(source: Category) -> tuple[int, Category]:
    target = _target(TargetForm())
    if target is None:
        raise Invalid("Choose the category to merge into.")
    return services.merge_categories(g.workspace, source, target), target


@bp.post("/<int:category_id>/merge")
@require_role("manager")
def merge(category_id: int):
    source = get_scoped_or_404(Category, category_id, g.workspace)
    name = source.name
    return run_action(lambda: _merge(source),
                      success=lambda done: f"Merged “{name}” into “{done[1].full_name}” ({done[0]} lines moved).",
                      then=url_for("categories.index"), back=url_for("categories.edit", category_id=category_id))


@bp.post("/<int:category_id>/delete")
@require_role("manager")
def delete(category_id: int):
    category = get_scoped_or_404(Category, category_id, g.workspace)
    name = category.name
    return run_action(lambda: services.delete_category(g.workspace, category, _target(TargetForm())),
                      success=lambda moved: f"Deleted “{name}”; {moved} transaction lines reassigned.",
                      then=url_for("categories.index"), back=url_for("categories.edit", category_id=category_id))
