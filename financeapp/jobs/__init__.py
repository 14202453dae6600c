"""The jobs domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def init_app(app: Flask) -> None:
    """Register the jobs blueprint, the owners' "jobs are not running" banner and `flask jobs`."""
    from financeapp.jobs import cli, views

    app.context_processor(views.scheduler_status)
    app.register_blueprint(bp)
    app.cli.add_command(cli.jobs_cli)
