"""The documents domain: receipts and invoices read, checked, approved and booked."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("documents", __name__, url_prefix="/documents")


def init_app(app: Flask) -> None:
    """Register the documents blueprint and the `flask invoices` commands."""
    from financeapp.documents import cli, views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
    app.cli.add_command(cli.invoices_cli)
