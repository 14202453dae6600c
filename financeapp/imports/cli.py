"""`flask imports run FILE --workspace WS [--account ACCOUNT] [--dry-run] [--json]`: the wizard's
pipeline for scripts and cron. `flask imports find-transfers --workspace WS [--import ID] [--apply]`:
the two sides of transfers between one's own accounts, imported as unrelated rows, paired and linked.

Exit status: 0 when rows were imported (or would be, on a dry run); 1 when an error stopped the
import (a file that cannot be read, rows with errors, no account for the rows): nothing was
written; 3 when the file held nothing new (every row was already there, or it was empty).
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from financeapp.auth.models import User
from financeapp.core.errors import FinanceError
from financeapp.core.money import quantize
from financeapp.core.scoping import as_id, scoped
from financeapp.extensions import db
from financeapp.imports import committing, planning
from financeapp.imports.models import ImportBatch
from financeapp.imports.planning import Plan
from financeapp.transactions import found_transfers
from financeapp.workspaces.models import Membership, Workspace

imports_cli = AppGroup("imports", help="Import bank files (CSV, OFX, QFX, QIF, CAMT.053).")

EXIT_ERROR = 1
EXIT_NOTHING_NEW = 3


def resolve_workspace(ref: str) -> tuple[Workspace, User | None]:
    """A workspace by id, or the personal workspace of the owner with this e-mail."""
    key = as_id(ref)
    if key is not None and "@" not in ref:
        workspace = db.session.get(Workspace, key)
        if workspace is None:
            raise click.ClickException(f"No workspace with id {key}.")
        return workspace, None
    from financeapp.auth.services import find_user

    user = find_user(ref)
    if user is None:
        raise click.ClickException(f"No workspace id or user e-mail “{ref}”.")
    workspace = db.session.scalar(
        sa.select(Workspace).join(Membership).where(Membership.user_id == user.id, Membership.role == "owner",
                                                    Workspace.is_personal.is_(True))
    )
    if workspace is None:
        raise click.ClickException(f"{user.email} has no personal workspace.")
    return workspace, user


def report(plan: Plan, *, name: str, fmt: str, dry_run: bool, batch_id: int | None, status: str,
           message: str = "") -> dict[str, Any]:
    """What an import did (or would do), as plain data for --json and the text output."""
    counts = plan.counts()
    return {
        "file": name, "format": fmt, "dry_run": dry_run, "status": status, "message": message,
        "batch_id": batch_id,
        "rows": {k: counts[k] for k in ("total", "new", "duplicate", "error", "skipped", "forced")},
        "imported": counts["imported"] if status in ("committed", "dry-run") else 0,
        "duplicates": [{"row": r.row, "reason": r.reason, "matches": {
            "transaction_id": r.match.transaction_id, "date": r.match.on.isoformat(),
            "amount": str(r.match.amount), "payee": r.match.payee}} for r in plan.rows if r.status == "duplicate"],
        "errors": [{"row": r.row, "reason": r.reason} for r in plan.rows if r.status == "error"],
        "accounts": [{"account": account, "currency": currency, "count": n, "sum": str(total)}
                     for account, currency, total, n in plan.sums()],
        "warnings": plan.warnings, "skipped": plan.skipped_notes,
    }


def _print_text(data: dict[str, Any]) -> None:
    rows = data["rows"]
    verb = "would import" if data["dry_run"] else "imported"
    click.echo(f"{data['file']} ({data['format'].upper()}): {rows['total']} rows")
    click.echo(f"  new:        {rows['new']}" + (f" (+{rows['forced']} forced)" if rows["forced"] else ""))
    click.echo(f"  duplicates: {rows['duplicate']}")
    for item in data["duplicates"]:
        match = item["matches"]
        click.echo(f"    row {item['row']}: {item['reason']}; matches #{match['transaction_id']} "
                   f"{match['date']} {match['amount']} {match['payee']}".rstrip())
    click.echo(f"  errors:     {rows['error']}")
    for item in data["errors"]:
        click.echo(f"    row {item['row']}: {item['reason']}")
    for note in data["skipped"]:
        click.echo(f"  left out: {note}")
    for warning in data["warnings"]:
        click.echo(f"  warning: {warning}")
    if data["imported"]:
        click.echo(f"Sum of the rows {verb}, per account:")
        for item in data["accounts"]:
            click.echo(f"  {item['account']}: {item['count']} transactions, {item['sum']} {item['currency']}")
    if data["message"]:
        click.echo(data["message"], err=data["status"] == "refused")
    elif data["dry_run"]:
        click.echo("Dry run: nothing was written.")
    else:
        click.echo(f"Import #{data['batch_id']}: {data['imported']} transactions {verb}.")


@imports_cli.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id, or an owner's e-mail (personal).")
@click.option("--account", "account_ref", help="Account name or id for rows the file does not assign by number.")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
@click.option("--skip-errors", is_flag=True, help="Import the good rows even when some rows have errors.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def run(file: Path, workspace_ref: str, account_ref: str | None, dry_run: bool, skip_errors: bool,
        as_json: bool) -> None:
    """Import FILE into a workspace (or show what would happen with --dry-run)."""
    workspace, user = resolve_workspace(workspace_ref)
    data = file.read_bytes()
    try:
        account = planning.find_account(workspace, account_ref) if account_ref else None
        result = committing.run_file(workspace, user, file.name, data, account=account, dry_run=dry_run,
                                     skip_errors=skip_errors)
    except FinanceError as err:
        db.session.rollback()
        plan = _plan_for_report(workspace, file.name, data, account_ref)
        if plan is None:
            _emit({"file": file.name, "status": "refused", "message": err.message, "dry_run": dry_run,
                   "rows": None, "imported": 0, "errors": [], "duplicates": [], "accounts": []}, as_json)
        else:
            _emit(report(plan, name=file.name, fmt=_format(file.name, data), dry_run=dry_run, batch_id=None,
                         status="refused", message=err.message), as_json)
        sys.exit(EXIT_ERROR)
    if not dry_run:
        db.session.commit()
    errors_stop = bool(result.plan.errors()) and not skip_errors
    status = "dry-run" if dry_run else "committed"
    message = ""
    if dry_run and errors_stop:
        status, message = "refused", committing.refusal(result.plan.errors()).message.replace(
            "Nothing was imported", "Nothing would be imported")
    out = report(result.plan, name=file.name, fmt=result.batch.format if result.batch else _format(file.name, data),
                 dry_run=dry_run, batch_id=result.batch.id if result.batch else None, status=status,
                 message=message)
    _emit(out, as_json)
    if status == "refused":
        sys.exit(EXIT_ERROR)
    if not out["imported"]:
        sys.exit(EXIT_NOTHING_NEW)


def _emit(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif data.get("rows") is None:
        click.echo(f"{data['file']}: {data['message']}", err=True)
    else:
        _print_text(data)


def _format(name: str, data: bytes) -> str:
    try:
        return planning.detect(name, data)
    except FinanceError:
        return "?"


def _plan_for_report(workspace: Workspace, name: str, data: bytes, account_ref: str | None) -> Plan | None:
    """After a refused import, the dry-run plan that shows which rows are at fault (None when the file
    itself cannot be read)."""
    try:
        account = planning.find_account(workspace, account_ref) if account_ref else None
        return committing.run_file(workspace, None, name, data, account=account, dry_run=True).plan
    except FinanceError:
        db.session.rollback()
        return None


@imports_cli.command("find-transfers")
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id, or an owner's e-mail (personal).")
@click.option("--import", "batch_id", type=int, help="Only pairs with a side from this import (its id).")
@click.option("--apply", is_flag=True, help="Link the pairs as transfers (without it nothing is written).")
def find_transfers(workspace_ref: str, batch_id: int | None, apply: bool) -> None:
    """Pair money-outs with money-ins of the same amount in another own account within 4 days.

    Prints each pair with its reason; --apply links them (refused pairs are never proposed)."""
    workspace, _user = resolve_workspace(workspace_ref)
    batch = scoped(ImportBatch, workspace).where(ImportBatch.id == batch_id)
    if batch_id is not None and db.session.scalar(batch) is None:
        raise click.ClickException(f"No import #{batch_id} in workspace {workspace.id}.")
    pairs = (found_transfers.link_all(workspace, batch_id=batch_id) if apply
             else found_transfers.find_transfers(workspace, batch_id=batch_id))
    for p in pairs:
        click.echo(f"#{p.out_id} {p.out_on} -> #{p.in_id} {p.in_on}  {minor_units_text(p.amount, p.currency)} "
                   f"{p.currency}: {p.reason}")
    if apply:
        db.session.commit()
        click.echo(f"Linked {len(pairs)} transfer{'s' if len(pairs) != 1 else ''}.")
    else:
        click.echo(f"{len(pairs)} possible transfer{'s' if len(pairs) != 1 else ''} found."
                   + (" Run again with --apply to link them." if pairs else ""))


def minor_units_text(amount: Decimal, currency: str) -> str:
    """An amount in the currency's minor units, as the JSON outputs write it (75.20, not 75.200)."""
    return str(quantize(amount, currency))
