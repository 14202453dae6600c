"""The reports domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("reports", __name__, url_prefix="/reports")


def init_app(app: Flask) -> None:
    """Register the reports blueprint and its `flask` commands."""
    from financeapp.reports import cli, spending, totals, views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
    app.jinja_env.globals["spending_definition"] = spending.DEFINITION  # the one wording, on every page
    app.cli.add_command(cli.reports_cli)
