"""`flask reports totals`: check or rebuild the monthly totals the reports read (see reports/totals.py)."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from financeapp.extensions import db
from financeapp.reports import totals
from financeapp.workspaces.models import Workspace

reports_cli = AppGroup("reports", help="Reports' derived data.")


@reports_cli.command("totals")
@click.option("--workspace", "workspace_id", type=int, default=None, help="Only this workspace id (default: all).")
@click.option("--rebuild", is_flag=True, help="Recompute the totals from the ledger.")
def totals_command(workspace_id: int | None, rebuild: bool) -> None:
    """Compare the monthly totals with the ledger (exit 1 when they differ), or rebuild them."""
    ids = [workspace_id] if workspace_id is not None else list(db.session.scalars(sa.select(Workspace.id)))
    if workspace_id is not None and db.session.get(Workspace, workspace_id) is None:
        raise click.BadParameter(f"no workspace with id {workspace_id}", param_hint="--workspace")
    if rebuild:
        for ws_id in ids:
            totals.rebuild_workspace(db.session, ws_id)
            db.session.commit()
        click.echo(f"Rebuilt the monthly totals of {len(ids)} workspace(s).")
        return
    wrong = {ws_id: totals.differences(db.session, ws_id) for ws_id in ids}
    wrong = {ws_id: rows for ws_id, rows in wrong.items() if rows}
    db.session.rollback()
    if not wrong:
        click.echo(f"The monthly totals of {len(ids)} workspace(s) agree with the ledger.")
        return
    for ws_id, rows in wrong.items():
        click.echo(f"Workspace {ws_id}: {len(rows)} (account, month, category, transfer) totals differ, "
                   f"e.g. account {rows[0][0]}, {rows[0][1]}.", err=True)
    click.echo("Run `flask reports totals --rebuild` to recompute them.", err=True)
    raise click.exceptions.Exit(1)
