"""The goals domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("goals", __name__, url_prefix="/goals")


def init_app(app: Flask) -> None:
    """Register the goals blueprint."""
    from financeapp.goals import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
