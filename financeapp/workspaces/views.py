"""Routes: list and switch workspaces, create one, edit the current one's settings."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from financeapp.core.forms import form_status
from financeapp.core.scoping import require_role
from financeapp.core.views import save_form
from financeapp.workspaces import bp, services
from financeapp.workspaces.forms import WorkspaceForm


@bp.get("/")
@login_required
def index():
    return render_template(
        "workspaces/index.html", memberships=services.memberships_of(current_user)
    )


@bp.post("/<int:workspace_id>/switch")
@login_required
def switch(workspace_id: int):
    membership = services.require_membership(current_user, workspace_id)
    session["workspace_id"] = membership.workspace_id
    flash(f"Switched to {membership.workspace.name}.", "info")
    return redirect(url_for("dashboard.index"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    form = WorkspaceForm()
    done = save_form(form, lambda: services.create_workspace(current_user, form.to_input()))
    if not done:
        return render_template("workspaces/new.html", form=form), form_status(form)
    session["workspace_id"] = done.value.id
    flash(f"Created {done.value.name}. You are its owner.", "success")
    return redirect(url_for("dashboard.index"))


@bp.route("/settings", methods=["GET"])
@require_role("viewer")
def settings():
    form = WorkspaceForm(obj=g.workspace)
    return render_template("workspaces/settings.html", form=form)


@bp.post("/settings")
@require_role("owner")
def update():
    form = WorkspaceForm()
    if not save_form(form, lambda: services.update_workspace(g.workspace, form.to_input())):
        return render_template("workspaces/settings.html", form=form), form_status(form)
    flash("Workspace settings saved.", "success")
    return redirect(url_for("workspaces.settings"))
