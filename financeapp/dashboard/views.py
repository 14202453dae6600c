"""Dashboard routes: the home redirect and the overview of the current workspace."""

from __future__ import annotations

from datetime import date

from flask import g, redirect, render_template, url_for
from flask_login import current_user

from financeapp.core.conditional import not_modified
from financeapp.core.scoping import require_role
from financeapp.dashboard import bp
from financeapp.dashboard.services import dashboard_for


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("dashboard.index"))


@bp.get("/dashboard")
@require_role("viewer")
def index():
    today = date.today()
    unchanged = not_modified("dashboard", current_user.id, g.workspace.id, g.membership.role, today)
    if unchanged is not None:
        return unchanged  # the figures poll (and a reload) while nothing was written: no work
    return render_template("dashboard/index.html", dash=dashboard_for(g.workspace, today))
