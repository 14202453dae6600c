"""The categories domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("categories", __name__, url_prefix="/categories")


def init_app(app: Flask) -> None:
    """Register the categories blueprint."""
    from financeapp.categories import signals, views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
