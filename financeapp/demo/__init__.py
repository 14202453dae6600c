"""Demo data so the first `make run` shows a living app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register `flask demo`."""
    from financeapp.demo.cli import demo_cli

    app.cli.add_command(demo_cli)
