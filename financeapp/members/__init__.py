"""The members domain: sharing a workspace, invitations, roles."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("members", __name__, url_prefix="/members")


def init_app(app: Flask) -> None:
    """Register the members blueprint."""
    from financeapp.members import views  # noqa: F401 (importing registers them)

    app.register_blueprint(bp)
