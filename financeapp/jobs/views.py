"""The administrators' page of job runs: when they ran, how long, what they did, and a warning when stale."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, render_template, request
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


def cron_lines() -> list[str]:
    """The crontab an operator copies: the same lines as the README, with this install's folder."""
    root = current_app.root_path.rsplit("/", 1)[0]
    return [
        f"*/15 * * * *  cd {root} && FLASK_APP=wsgi .venv/bin/flask jobs run-due",
        f"*    * * * *  cd {root} && FLASK_APP=wsgi .venv/bin/flask notify deliver",
        f"0    7 * * 1  cd {root} && FLASK_APP=wsgi .venv/bin/flask jobs send-digests",
    ]


def scheduler_status() -> dict[str, Any]:
    """For owners' pages: whether scheduled work has never run or stopped running (one indexed query)."""
    membership = g.get("membership")
    if membership is None or membership.role != "owner" or request.path.startswith("/api/"):
        return {"scheduler_stale": False}
    try:
        stale = runner.is_stale()
    except Exception:  # an error page must render even when the database is down
        return {"scheduler_stale": False}
    return {"scheduler_stale": stale, "scheduler_last_ok": runner.last_success() if stale else None,
            "cron_lines": cron_lines}
