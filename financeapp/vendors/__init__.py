"""The vendors domain: who sent the workspace's invoices and receipts, and how much to trust them."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("vendors", __name__, url_prefix="/vendors")


def init_app(app: Flask) -> None:
    """Register the vendors blueprint."""
    from financeapp.vendors import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
