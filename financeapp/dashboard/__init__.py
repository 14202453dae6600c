"""The home page: an overview of the current workspace."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("dashboard", __name__)


def init_app(app: Flask) -> None:
    """Register the dashboard blueprint."""
    from financeapp.dashboard import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
