"""`flask workspaces export WORKSPACE FILE` and `flask workspaces import FILE --owner EMAIL`."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa

from financeapp.auth.services import get_user
from financeapp.core.errors import FinanceError
from financeapp.core.scoping import as_id
from financeapp.exports import services
from financeapp.extensions import db
from financeapp.workspaces.cli import workspaces_cli
from financeapp.workspaces.models import Membership, Workspace


def _workspace(ref: str) -> Workspace:
    """A workspace by id, or by an owner's e-mail (their personal workspace)."""
    if "@" in ref:
        try:
            user = get_user(ref)
        except FinanceError as err:
            raise click.ClickException(err.message) from None
        workspace = db.session.scalar(
            sa.select(Workspace).join(Membership).where(Membership.user_id == user.id, Membership.role == "owner")
            .order_by(Workspace.is_personal.desc(), Workspace.id).limit(1))
    else:
        key = as_id(ref)
        workspace = db.session.get(Workspace, key) if key else None
    if workspace is None:
        raise click.ClickException(f"No workspace {ref!r} (give its id, or its owner's e-mail).")
    return workspace


@workspaces_cli.command("export")
@click.argument("workspace")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def export_workspace(workspace: str, file: str) -> None:
    """Write WORKSPACE (an id, or an owner's e-mail) as one JSON document to FILE ("-" for stdout)."""
    ws = _workspace(workspace)
    if file == "-":
        services.write_workspace_json(ws, sys.stdout)
        return
    with open(file, "w", encoding="utf-8") as out:
        services.write_workspace_json(ws, out)
    counts = services.counts_of(ws)
    click.echo(f"Exported workspace {ws.id} “{ws.name}” to {file}: "
               + ", ".join(f"{n} {name}" for name, n in counts.items() if n) + ".", err=True)


@workspaces_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--owner", "email", required=True, help="E-mail of the user who will own the new workspace.")
@click.option("--name", help="Name of the new workspace (default: the exported one's with \"(restored <date>)\").")
def import_workspace(file, email: str, name: str | None) -> None:
    """Restore a workspace export FILE into a NEW workspace owned by --owner (all or nothing)."""
    try:
        user = get_user(email)
        result = services.restore_workspace(user, file.read(), name=name)
    except FinanceError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    db.session.commit()
    click.echo(f"Restored into new workspace {result.workspace.id} “{result.workspace.name}” owned by {email}: "
               + ", ".join(f"{n} {table}" for table, n in result.counts.items() if n) + ".")
