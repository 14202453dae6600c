"""In-app notifications: budget alerts, bills due, goal milestones."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def init_app(app: Flask) -> None:
    """Register the notifications blueprint."""
    from financeapp.notifications import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
