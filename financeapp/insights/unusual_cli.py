"""`flask insights anomalies`, `flask insights patterns` and `flask insights scan`: the unusual transactions
and the seasonal patterns from the command line."""

from __future__ import annotations

import json
from datetime import date, datetime

import click
import sqlalchemy as sa

from financeapp.core.money import amount_text, format_money
from financeapp.extensions import db
from financeapp.insights.cli import insights_cli
from financeapp.insights.jobs import run_scan
from financeapp.insights.services import refresh_patterns, stored_patterns, unusual_list
from financeapp.workspaces.models import Workspace


def workspace_option(value: str) -> Workspace:
    """A workspace by id or exact name."""
    found = db.session.get(Workspace, int(value)) if value.isdigit() else db.session.scalar(
        sa.select(Workspace).where(Workspace.name == value))
    if found is None:
        raise click.BadParameter(f"no workspace {value!r}", param_hint="--workspace")
    return found


def _day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD") from None


@insights_cli.command("anomalies")
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id or name.")
@click.option("--since", callback=_day, default=None, help="Only transactions on or after YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a list of items).")
def anomalies_command(workspace_ref: str, since: date | None, as_json: bool) -> None:
    """List the unusual transactions found, newest first (new ones are found as they are recorded;
    `flask insights scan` checks the whole history)."""
    items = unusual_list(workspace_option(workspace_ref), since=since)
    if as_json:
        click.echo(json.dumps([{"transaction_id": i.transaction_id, "date": i.on.isoformat(), "account": i.account,
                                "payee": i.payee, "amount": amount_text(i.amount, i.currency),
                                "currency": i.currency, "score": str(i.score), "reason": i.reason}
                               for i in items], indent=2))
        return
    for i in items:
        click.echo(f"{i.on.isoformat()}  {format_money(i.amount, i.currency):>14}  {i.payee or i.memo or '-'}"
                   f" ({i.account}): {i.reason} [score {i.score}]")
    click.echo(f"{len(items)} unusual transaction(s).")


@insights_cli.command("scan")
@click.option("--workspace", "workspace_ref", default=None, help="Workspace id or name (default: every workspace).")
def scan_command(workspace_ref: str | None) -> None:
    """Score the whole history for unusual transactions (safe to run again; meant for cron)."""
    ids = [workspace_option(workspace_ref).id] if workspace_ref else list(db.session.scalars(sa.select(Workspace.id)))
    for workspace_id in ids:
        result = run_scan(workspace_id)
        if result is not None:
            click.echo(f"workspace {workspace_id}: scanned {result.scored:,} transactions, {result.flagged:,} unusual "
                       f"({result.added:,} new, {result.removed:,} no longer)")


@insights_cli.command("patterns")
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id or name.")
@click.option("--today", callback=_day, default=None, help="Compute as on YYYY-MM-DD (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def patterns_command(workspace_ref: str, today: date | None, as_json: bool) -> None:
    """Compute (and store) the seasonal patterns and trends of spending, in total and per category."""
    workspace = workspace_option(workspace_ref)
    refresh_patterns(workspace, today)
    db.session.commit()
    data = stored_patterns(workspace) or {}
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Whole months {data.get('first') or '-'} to {data.get('through')}:")
    for item in data.get("seasonal", []):
        click.echo(f"{item['series']} (strength {item['strength']}): "
                   + "; ".join(month["text"] for month in item["months"]))
    for item in data.get("trends", []):
        click.echo(item["text"])
    if not data.get("seasonal") and not data.get("trends"):
        click.echo("No material seasons or trends (two years of whole months are needed).")
