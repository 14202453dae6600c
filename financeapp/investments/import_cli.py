"""`flask investments import FILE --workspace W [--account NAME] [--dry-run] [--json]` and
`flask investments prices import FILE --workspace W [--currency C] [--dry-run] [--json]`.

The statement import reads OFX/QFX investment statements and broker CSVs (importing.py): the account named by
--account is created as an investment account when there is none of that name; without it, the statement's
account number finds the account (or names a new one). Everything is one import batch, undone as a whole
(`flask imports` undo, the import history page). --json prints the counts of trades added and duplicates, the
positions, and the problems per line.

Exit status, as `flask imports run`: 0 when something was imported, 1 when an error stopped the import
(nothing was written), 3 when the file held nothing new.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from financeapp.core.errors import FinanceError
from financeapp.extensions import db
from financeapp.imports.cli import EXIT_ERROR, EXIT_NOTHING_NEW, resolve_workspace
from financeapp.imports.targets import find_account
from financeapp.investments import importing


def register(group: click.Group) -> None:
    """Add the import commands to the `flask investments` group (and `import` to its `prices` group)."""
    group.add_command(import_statement, "import")
    prices = group.commands.get("prices")
    if not isinstance(prices, click.Group):
        prices = AppGroup("prices", help="Security prices.")
        group.add_command(prices, "prices")
    prices.add_command(import_prices, "import")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id, or an owner's e-mail (personal).")
@click.option("--account", "account_ref", help="Investment account name or id (created when no account has "
                                                "that name).")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_appcontext
def import_statement(file: Path, workspace_ref: str, account_ref: str | None, dry_run: bool, as_json: bool) -> None:
    """Import an OFX/QFX investment statement or a broker CSV (trades, positions, prices)."""
    workspace, user = resolve_workspace(workspace_ref)
    data = file.read_bytes()
    account = None
    account_name = None
    if account_ref:
        try:
            account = find_account(workspace, account_ref)
        except FinanceError:
            account_name = account_ref
    try:
        result = importing.import_file(workspace, user, file.name, data, account=account,
                                       account_name=account_name, dry_run=dry_run)
    except FinanceError as err:
        db.session.rollback()
        out: dict[str, Any] = {"file": file.name, "status": "refused", "message": err.message, "batch_id": None,
                               "trades_added": 0, "duplicates": 0, "errors": 0, "positions": 0, "problems": [],
                               "accounts": [], "warnings": []}
        try:  # the dry-run plan names the lines at fault
            plan = importing.import_file(workspace, None, file.name, data, account=account,
                                         account_name=account_name, dry_run=True)
            out = importing.report(plan, name=file.name, status="refused", message=err.message)
        except FinanceError:
            db.session.rollback()
        _emit(out, as_json)
        sys.exit(EXIT_ERROR)
    if not dry_run:
        db.session.commit()
    out = importing.report(result, name=file.name, status="dry-run" if dry_run else "committed")
    _emit(out, as_json)
    new = sum(a["trades"]["new"] + a["opening_adjustments"] + a["prices"]["new"] + a["prices"]["replace"]
              for a in out["accounts"])
    if not new:
        sys.exit(EXIT_NOTHING_NEW)


def _emit(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        return
    if data["status"] == "refused":
        click.echo(f"{data['file']}: {data['message']}", err=True)
    for account in data["accounts"]:
        trades = account["trades"]
        click.echo(f"{data['file']} -> {account['account']}: {trades['total']} lines")
        click.echo(f"  new:        {trades['new']}")
        click.echo(f"  duplicates: {trades['duplicate']}")
        click.echo(f"  errors:     {trades['error']}")
        for problem in account["problems"]:
            click.echo(f"    line {problem['row']}: {problem['reason']}")
        if trades["skipped"]:
            click.echo(f"  left out:   {trades['skipped']}")
        if account["opening_adjustments"]:
            click.echo(f"  position adjustments: {account['opening_adjustments']}")
        for position in account["positions"]:
            note = f" ({position['note']})" if position["note"] else ""
            click.echo(f"  position {position['symbol']}: {position['units']}{note}")
        prices = account["prices"]
        if any(prices.values()):
            click.echo(f"  prices: {prices['new']} new, {prices['replace']} replaced, {prices['same']} unchanged")
    for warning in data["warnings"]:
        click.echo(f"  warning: {warning}")
    if data["status"] == "committed":
        click.echo(f"Import #{data['batch_id']}: {data['trades_added']} trades imported.")
    elif data["status"] == "dry-run":
        click.echo("Dry run: nothing was written.")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id, or an owner's e-mail (personal).")
@click.option("--currency", help="Currency of lines that name none, for new securities (default: the base).")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@with_appcontext
def import_prices(file: Path, workspace_ref: str, currency: str | None, dry_run: bool, as_json: bool) -> None:
    """Import a prices CSV: date, symbol, close[, currency]."""
    workspace, _user = resolve_workspace(workspace_ref)
    try:
        result = importing.import_prices(workspace, file.read_bytes(), currency=currency, dry_run=dry_run)
    except importing.PricesRefused as err:
        db.session.rollback()
        _emit_prices(file.name, "refused", err.result, as_json, err.message)
        sys.exit(EXIT_ERROR)
    except FinanceError as err:
        db.session.rollback()
        _emit_prices(file.name, "refused", None, as_json, err.message)
        sys.exit(EXIT_ERROR)
    if not dry_run:
        db.session.commit()
    _emit_prices(file.name, "dry-run" if dry_run else "committed", result, as_json)
    counts = result.counts()
    if not counts["new"] + counts["replace"]:
        sys.exit(EXIT_NOTHING_NEW)


def _emit_prices(name: str, status: str, result: importing.PricesResult | None, as_json: bool,
                 message: str = "") -> None:
    counts = result.counts() if result else {"total": 0, "new": 0, "replace": 0, "same": 0, "error": 0}
    data: dict[str, Any] = {"file": name, "status": status, "message": message, "prices": counts,
            "added": counts["new"] if status == "committed" else 0,
            "replaced": counts["replace"] if status == "committed" else 0,
            "new_securities": result.created_securities if result else [],
            "problems": result.problems if result else [], "warnings": result.warnings if result else []}
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if message:
        click.echo(f"{name}: {message}", err=True)
    click.echo(f"{name}: {counts['total']} lines: {counts['new']} new, {counts['replace']} replaced, "
               f"{counts['same']} unchanged, {counts['error']} with errors")
    for problem in data["problems"]:
        click.echo(f"  line {problem['row']}: {problem['reason']}")
    if result and result.created_securities:
        click.echo(f"  new securities: {', '.join(result.created_securities)}")
