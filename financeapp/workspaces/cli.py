"""`flask workspaces ...`: inspect workspaces from the command line."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from financeapp.auth.services import get_user
from financeapp.core.errors import FinanceError
from financeapp.extensions import db
from financeapp.workspaces.models import Membership, Workspace

workspaces_cli = AppGroup("workspaces", help="Inspect workspaces.")


@workspaces_cli.command("list")
@click.option("--user", "email", help="Only workspaces this user is a member of.")
def list_workspaces(email: str | None) -> None:
    """List workspaces: id, name, owner, members."""
    query = sa.select(Workspace).order_by(Workspace.id)
    if email:
        try:
            user = get_user(email)
        except FinanceError as err:
            raise click.ClickException(err.message) from None
        query = query.join(Membership).where(Membership.user_id == user.id)
    workspaces = list(db.session.scalars(query))
    if not workspaces:
        click.echo("No workspaces.")
        return
    click.echo(f"{'id':>5}  {'name':<32} {'owner':<32} members")
    for ws in workspaces:
        owners = ", ".join(m.user.email for m in ws.memberships if m.role == "owner") or "-"
        click.echo(f"{ws.id:>5}  {ws.name[:32]:<32} {owners[:32]:<32} {len(ws.memberships)}")
