"""The imports domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("imports", __name__, url_prefix="/imports")


def init_app(app: Flask) -> None:
    """Register the imports blueprint and its `flask` commands."""
    from financeapp.imports import cli, views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
    app.cli.add_command(cli.imports_cli)
