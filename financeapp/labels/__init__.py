"""The labels domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("labels", __name__, url_prefix="/labels")


def init_app(app: Flask) -> None:
    """Register the labels blueprint."""
    from financeapp.labels import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
