"""The debts domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("debts", __name__, url_prefix="/debts")


def init_app(app: Flask) -> None:
    """Register the debts blueprint."""
    from financeapp.debts import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
