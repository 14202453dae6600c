"""The administrators' page of job runs: when they ran, how long, what they did, and a warning when stale."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from financeapp.core.errors import Forbidden
from financeapp.core.pagination import page_number
from financeapp.jobs import bp, runner


@bp.get("/")
@login_required
def index():
    if not current_user.is_admin:
        raise Forbidden("Only administrators can see the scheduled jobs.")
    page = runner.recent_runs(page_number(request.args.get("page"))).linked("jobs.index")
    return render_template("jobs/index.html", page=page, stale=runner.is_stale(),
                           last_ok=runner.last_success())
