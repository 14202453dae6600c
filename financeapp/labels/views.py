"""Routes: labels with counts, create, rename, delete."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from financeapp.core.errors import FinanceError, Invalid
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.extensions import db
from financeapp.labels import bp, services
from financeapp.labels.models import Label


@bp.get("/")
@require_role("viewer")
def index():
    return render_template("labels/index.html", rows=services.list_labels(g.workspace))


@bp.post("/")
@require_role("member")
def create():
    try:
        names = services.parse_label_names(request.form.get("name", ""))
        if not names:
            raise Invalid("Enter a label name.")
        services.labels_named(g.workspace, names)
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("labels.index"))
    db.session.commit()
    flash(f"Added {', '.join(names)}.", "success")
    return redirect(url_for("labels.index"))


@bp.post("/<int:label_id>/rename")
@require_role("member")
def rename(label_id: int):
    label = get_scoped_or_404(Label, label_id, g.workspace)
    try:
        services.rename_label(g.workspace, label, request.form.get("name", ""))
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("labels.index"))
    db.session.commit()
    flash("Label renamed.", "success")
    return redirect(url_for("labels.index"))


@bp.post("/<int:label_id>/delete")
@require_role("member")
def delete(label_id: int):
    label = get_scoped_or_404(Label, label_id, g.workspace)
    name = label.name
    services.delete_label(g.workspace, label)
    db.session.commit()
    flash(f"Deleted label “{name}”.", "success")
    return redirect(url_for("labels.index"))
