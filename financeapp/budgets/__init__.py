"""The budgets domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("budgets", __name__, url_prefix="/budgets")


def init_app(app: Flask) -> None:
    """Register the budgets blueprint."""
    from financeapp.budgets import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
