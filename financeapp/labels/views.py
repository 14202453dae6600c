"""Routes: labels with counts, create, rename, delete."""

from __future__ import annotations

from flask import g, render_template, request, url_for

from financeapp.core.errors import Invalid
from financeapp.core.pagination import page_number
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.core.views import run_action
from financeapp.labels import bp, services
from financeapp.labels.models import Label


@bp.get("/")
@require_role("viewer")
def index():
    page = services.list_labels(g.workspace, page_number(request.args.get("page"))).linked("labels.index")
    return render_template("labels/index.html", page=page)


def _create(text: str) -> list[str]:
    names = services.parse_label_names(text)
    if not names:
        raise Invalid("Enter a label name.")
    services.labels_named(g.workspace, names)
    return names


@bp.post("/")
@require_role("member")
def create():
    return run_action(lambda: _create(request.form.get("name", "")),
                      success=lambda names: f"Added {', '.join(names)}.", then=url_for("labels.index"))


@bp.post("/<int:label_id>/rename")
@require_role("member")
def rename(label_id: int):
    label = get_scoped_or_404(Label, label_id, g.workspace)
    return run_action(lambda: services.rename_label(g.workspace, label, request.form.get("name", "")),
                      success="Label renamed.", then=url_for("labels.index"))


@bp.post("/<int:label_id>/delete")
@require_role("member")
def delete(label_id: int):
    label = get_scoped_or_404(Label, label_id, g.workspace)
    name = label.name
    return run_action(lambda: services.delete_label(g.workspace, label), success=f"Deleted label “{name}”.",
                      then=url_for("labels.index"))
