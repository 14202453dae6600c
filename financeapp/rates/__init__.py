"""The rates domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("rates", __name__, url_prefix="/rates")


def init_app(app: Flask) -> None:
    """Register the rates blueprint."""
    from financeapp.rates import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
