"""The rules domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("rules", __name__, url_prefix="/rules")


def init_app(app: Flask) -> None:
    """Register the rules blueprint."""
    from financeapp.rules import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
