"""`flask demo seed` (the demo user, workspace and history; idempotent) and `flask demo generate`."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from financeapp.core.errors import FinanceError
from financeapp.demo.generator import generate_history
from financeapp.demo.services import seed_demo, seed_demo_history, seed_demo_planning
from financeapp.extensions import db

demo_cli = AppGroup("demo", help="Demo data.")


def _summary(stats: dict[str, Any]) -> str:
    rate = stats["transactions"] / stats["seconds"] if stats["seconds"] else 0
    return (f"{stats['transactions']:,} transactions ({stats['transfers']:,} transfers, "
            f"{stats['splits']:,} splits) from {stats['start']} to {stats['end']} "
            f"in {stats['seconds']:.2f} s ({rate:,.0f}/s)")


@demo_cli.command("seed")
def seed() -> None:
    """Create the demo user, workspace and a year of history unless they exist."""
    email, password = current_app.config["DEMO_EMAIL"], current_app.config["DEMO_PASSWORD"]
    created = seed_demo(email, password)
    history = seed_demo_history(email)
    planning = seed_demo_planning(email)
    db.session.commit()
    if history:
        click.echo(f"Generated demo history: {_summary(history)}.")
    added = ", ".join(f"{count} {what}" for what, count in planning.items() if count)
    if added:
        click.echo(f"Added demo planning: {added}.")
    state = "Created" if created else "Already present:"
    click.echo(f"{state} demo login {email} / {password}")


@demo_cli.command("generate")
@click.option("--workspace", "workspace_id", type=int, required=True, help="Id of the workspace to fill.")
@click.option("--transactions", "count", type=click.IntRange(min=1), required=True,
              help="How many transactions to add (both sides of a transfer count).")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same history.")
def generate(workspace_id: int, count: int, seed: int) -> None:
    """Add a seeded, realistic history to a workspace (for benchmarks)."""
    try:
        stats = generate_history(workspace_id, count, seed=seed)
    except FinanceError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    db.session.commit()
    click.echo(f"Workspace {workspace_id}: {_summary(stats)}.")
