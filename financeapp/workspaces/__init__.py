"""Workspaces: the switcher, creating one, and the owner's settings."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("workspaces", __name__, url_prefix="/workspaces")


def init_app(app: Flask) -> None:
    """Register the workspaces blueprint, the per-request workspace, the switcher and `flask workspaces`."""
    from financeapp.workspaces import cli, context, views  # noqa: F401 (importing registers them)

    app.before_request(context.resolve_workspace)
    app.context_processor(context.navigation_context)
    app.register_blueprint(bp)
    app.cli.add_command(cli.workspaces_cli)
