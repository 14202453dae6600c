"""The payees domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("payees", __name__, url_prefix="/payees")


def init_app(app: Flask) -> None:
    """Register the payees blueprint."""
    from financeapp.payees import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
