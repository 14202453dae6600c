"""The insights domain: unusual transactions, seasonal patterns, budget recommendations, forecasts with
their measured accuracy, and questions in plain words. Read-only over the ledger (DESIGN.md section 11)."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("insights", __name__, url_prefix="/insights")


def init_app(app: Flask) -> None:
    """Register the insights pages and the `flask insights` commands."""
    from financeapp.insights import cli, signals, unusual_cli, unusual_views, views  # noqa: F401 (importing registers them)
    from financeapp.insights.ask import cli as ask_cli  # noqa: F401 (Ask: its command and routes)
    from financeapp.insights.ask import views as ask_views  # noqa: F401
    from financeapp.insights.forecasts import cli as forecast_cli  # noqa: F401
    from financeapp.insights.forecasts import views as forecast_views  # noqa: F401

    app.register_blueprint(bp)
    app.cli.add_command(cli.insights_cli)
