"""The settings domain."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("settings", __name__, url_prefix="/settings")


def init_app(app: Flask) -> None:
    """Register the settings blueprint and its `flask` commands."""
    from financeapp.settings import cli, views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
    app.cli.add_command(cli.notify_cli)
