"""The exports domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("exports", __name__, url_prefix="/exports")


def init_app(app: Flask) -> None:
    """Register the exports blueprint and its `flask` commands."""
    from financeapp.exports import cli, views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
