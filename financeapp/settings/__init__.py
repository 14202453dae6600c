"""The settings domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("settings", __name__, url_prefix="/settings")


def init_app(app: Flask) -> None:
    """Register the settings blueprint."""
    from financeapp.settings import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
