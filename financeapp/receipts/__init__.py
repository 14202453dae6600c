"""The receipts domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("receipts", __name__, url_prefix="/receipts")


def init_app(app: Flask) -> None:
    """Register the receipts blueprint."""
    from financeapp.receipts import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
