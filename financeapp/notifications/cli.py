"""`flask notify ...`: deliver queued notifications (with retries) and send the weekly digest. For cron."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from financeapp.extensions import db
from financeapp.notifications import delivery

notify_cli = AppGroup("notify", help="Deliver notifications by e-mail and webhook; send the weekly digest.")


@notify_cli.command("deliver")
def deliver() -> None:
    """Send every due e-mail and webhook delivery (first tries and retries). Run every minute."""
    total = 0
    while True:
        attempted = delivery.deliver_due()
        db.session.commit()
        total += attempted
        if attempted < delivery.BATCH:
            break
    click.echo(f"Attempted {total} deliver{'y' if total == 1 else 'ies'}.")


@notify_cli.command("send-digests")
def send_digests() -> None:
    """Raise this week's digest for everyone who wants it (once per week), then deliver it."""
    raised = delivery.send_digests()
    db.session.commit()
    attempted = delivery.deliver_due()
    db.session.commit()
    click.echo(f"Raised {raised} digest{'' if raised == 1 else 's'}; attempted {attempted} deliveries.")
