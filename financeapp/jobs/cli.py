"""`flask jobs ...`: the scheduled work, for cron (`run-due`) or a long-running process (`loop`)."""

from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup

from financeapp.extensions import db
from financeapp.jobs import runner
from financeapp.notifications.cli import send_digests as notify_send_digests

jobs_cli = AppGroup("jobs", help="Scheduled work: due recurring transactions, bill reminders, alerts.")


@jobs_cli.command("run-due")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as of this day (YYYY-MM-DD; default today). Missed days before it are caught up.")
def run_due(day: datetime | None) -> None:
    """Post due recurring transactions, remind of bills, check budgets and goals. Safe to run twice."""
    run = runner.run_due(day.date() if day else date.today())
    click.echo(runner.describe_run(run))
    if run.status != "ok":
        click.echo(run.error, err=True)
        raise click.exceptions.Exit(1)


@jobs_cli.command("loop")
@click.option("--every", default="15m", show_default=True, help="Time between runs: 30s, 15m, 1h.")
@click.option("--max-runs", type=click.IntRange(min=1), default=None, help="Stop after this many runs.")
def loop(every: str, max_runs: int | None) -> None:
    """Run run-due forever, for installs without cron; stops cleanly on SIGTERM or Ctrl-C."""
    try:
        seconds = runner.parse_every(every)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--every") from None
    click.echo(f"Running run-due every {every}; stop with Ctrl-C.")
    runner.run_forever(seconds, max_runs=max_runs, echo=click.echo)


@jobs_cli.command("status")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True)
def status(limit: int) -> None:
    """The latest runs; exits 1 when run-due has not succeeded for more than a day (for monitoring)."""
    runs = runner.recent_runs().rows[:limit]
    if not runs:
        click.echo("No job has run yet. Schedule `flask jobs run-due` in cron, or run `flask jobs loop`.")
    for run in runs:
        click.echo(f"{run.started_at:%Y-%m-%d %H:%M:%S} UTC  {runner.describe_run(run)}")
    stale = runner.is_stale()
    db.session.rollback()
    if stale:
        click.echo("WARNING: run-due has not run successfully in the last day.", err=True)
        raise click.exceptions.Exit(1)


@jobs_cli.command("send-digests")
@click.pass_context
def send_digests(ctx: click.Context) -> None:
    """Send this week's summary e-mail (the same as `flask notify send-digests`). Once a week from cron."""
    ctx.invoke(notify_send_digests)
