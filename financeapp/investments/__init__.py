"""The investments domain: securities, trades, prices, lots, gains and returns (DESIGN.md section 13)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Nothing to register yet: the investments pages, API and commands arrive with their slices."""
