"""The transactions domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("transactions", __name__, url_prefix="/transactions")


def init_app(app: Flask) -> None:
    """Register the transactions blueprint."""
    from financeapp.transactions import views

    app.context_processor(views.saved_search_menu)
    app.register_blueprint(bp)
