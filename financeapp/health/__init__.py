"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("health", __name__)


def init_app(app: Flask) -> None:
    """Register the health blueprint."""
    from financeapp.health import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
