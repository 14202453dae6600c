"""The jobs domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def init_app(app: Flask) -> None:
    """Register the jobs blueprint and its `flask` commands."""
    from financeapp.jobs import cli, views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
    app.cli.add_command(cli.jobs_cli)
