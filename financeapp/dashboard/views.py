"""Dashboard routes: the home redirect and the overview of the current workspace."""

from __future__ import annotations

from datetime import date

from flask import g, redirect, render_template, url_for
from flask_login import current_user

from financeapp.core.scoping import require_role
from financeapp.dashboard import bp
from financeapp.dashboard.services import build_dashboard


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("dashboard.index"))


@bp.get("/dashboard")
@require_role("viewer")
def index():
    return render_template("dashboard/index.html", dash=build_dashboard(g.workspace, date.today()))
