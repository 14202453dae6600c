"""`flask insights ...`: each part of the domain adds its commands to this group."""

from __future__ import annotations

from flask.cli import AppGroup

insights_cli = AppGroup("insights", help="Unusual transactions, patterns, forecasts and questions in plain words.")
