"""The accounts domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def init_app(app: Flask) -> None:
    """Register the accounts blueprint."""
    from financeapp.accounts import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
