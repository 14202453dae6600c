"""The recurring domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("recurring", __name__, url_prefix="/recurring")


def init_app(app: Flask) -> None:
    """Register the recurring blueprint."""
    from financeapp.recurring import signals, views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
