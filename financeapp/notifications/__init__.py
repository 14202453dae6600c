"""Notifications: in the app (budget alerts, bills due, goal milestones), and delivered by e-mail and
webhook as each user chose."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def init_app(app: Flask) -> None:
    """Register the notifications blueprint, the `flask notify` commands and the delivery listener."""
    from financeapp.notifications import cli, delivery, views  # noqa: F401 (importing registers them)
    from financeapp.notifications.services import notification_created

    app.register_blueprint(bp)
    app.cli.add_command(cli.notify_cli)
    # Each new notification queues its e-mail and webhook deliveries (connecting twice keeps one).
    notification_created.connect(delivery.on_notification_created)
