"""`flask users ...`: administer users from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from financeapp.auth import services
from financeapp.core.errors import FinanceError
from financeapp.extensions import db

users_cli = AppGroup("users", help="Create, list and administer users.")


def _fail(err: FinanceError) -> None:
    db.session.rollback()
    raise click.ClickException(err.message)


@users_cli.command("create")
@click.argument("email")
@click.option("--name", help="Display name (defaults to the part of the email before @).")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.password_option(help="The password; prompted for when not given.")
def create_user(email: str, name: str | None, admin: bool, password: str) -> None:
    """Create a user with a personal workspace."""
    try:
        user = services.register_user(
            services.Registration(email=email, display_name=name or email.split("@")[0],
                                  password=password),
            admin=admin,
        )
    except FinanceError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"Created user {user.email} (id {user.id}){' as admin' if admin else ''}.")


@users_cli.command("list")
def list_users() -> None:
    """List every user."""
    users = services.list_users()
    if not users:
        click.echo("No users yet. Create one with: flask users create EMAIL")
        return
    click.echo(f"{'id':>5}  {'email':<32} {'name':<24} {'admin':<5} active")
    for user in users:
        click.echo(f"{user.id:>5}  {user.email:<32} {user.display_name[:24]:<24} "
                   f"{'yes' if user.is_admin else 'no':<5} {'yes' if user.active else 'no'}")


@users_cli.command("set-password")
@click.argument("email")
@click.password_option(help="The new password; prompted for when not given.")
def set_password(email: str, password: str) -> None:
    """Set a user's password and sign out their sessions."""
    try:
        services.set_password(services.get_user(email), password)
    except FinanceError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"Password changed for {services.normalise_email(email)}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Stop a user from signing in (their data stays)."""
    try:
        services.deactivate(services.get_user(email))
    except FinanceError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"Deactivated {services.normalise_email(email)}.")


@users_cli.command("api-token")
@click.argument("email")
@click.option("--scope", type=click.Choice(["read", "read-write"]), default="read", show_default=True)
@click.option("--name", default="command line", show_default=True)
@click.option("--days", type=int, default=1, show_default=True, help="Days until it expires.")
def api_token(email: str, scope: str, name: str, days: int) -> None:
    """Make a personal access token for the user's personal workspace and print it (for scripts and CI)."""
    from financeapp.auth.tokens import NewToken, create_token

    try:
        user = services.get_user(email)
        workspace = next(m.workspace for m in user.memberships if m.workspace.is_personal)
        _, raw = create_token(user, workspace, NewToken(name=name, scope=scope, expires_in_days=days))
    except FinanceError as err:
        _fail(err)
    except StopIteration:
        raise click.ClickException(f"{email} has no personal workspace.") from None
    db.session.commit()
    click.echo(raw)
