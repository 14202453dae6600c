"""Sign-up, sign-in, sign-out, passwords, two-factor, e-mail verification, API tokens."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_app(app: Flask) -> None:
    """Register the auth blueprint, its request hooks (CSRF, tokens) and its `flask` commands."""
    from financeapp.auth import cli, loader, views  # noqa: F401 (importing registers them)
    from financeapp.extensions import login_manager

    loader.init_login(login_manager)
    loader.init_request_hooks(app)
    app.register_blueprint(bp)
    app.cli.add_command(cli.users_cli)
