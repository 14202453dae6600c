"""Encryption at rest: which keys hold data, and `flask security` (new-key, rotate-key, key-status)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from financeapp.security import cli

    app.cli.add_command(cli.security_cli)
