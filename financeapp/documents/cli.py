"""`flask invoices upload PATH... --workspace W [--json]` and `flask invoices reprocess ID`.

Upload reads the files in the order given (inline, one page at a time) and prints one line per
file, or with --json a list with one object per file: file, id, status, fields {vendor,
vendor_gstin, invoice_number, date, currency, subtotal, tax, total}, gstin_valid, flags [codes].
Exit status: 0 when every file was read, 1 when any was refused or failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from financeapp.core.errors import FinanceError
from financeapp.core.money import amount_text
from financeapp.documents import jobs, services
from financeapp.documents.models import Document
from financeapp.extensions import db
from financeapp.imports.cli import resolve_workspace

invoices_cli = AppGroup("invoices", help="Read receipts and invoices (OCR, extraction, checks).")


def _money(value, currency: str | None) -> str | None:
    return None if value is None else amount_text(value, currency or "INR")


def document_json(doc: Document, file: str) -> dict[str, Any]:
    """What the CLI reports for one file (the shape the issue names)."""
    return {
        "file": file, "id": doc.id, "status": doc.status,
        "fields": {"vendor": doc.vendor_name or None, "vendor_gstin": doc.vendor_gstin,
                   "invoice_number": doc.invoice_number,
                   "date": doc.invoice_date.isoformat() if doc.invoice_date else None,
                   "currency": doc.currency, "subtotal": _money(doc.subtotal, doc.currency),
                   "tax": _money(doc.tax_total, doc.currency), "total": _money(doc.total, doc.currency)},
        "gstin_valid": doc.gstin_valid, "flags": doc.flag_codes,
    }


@invoices_cli.command("upload")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--workspace", "workspace_ref", required=True, help="Workspace id, or the e-mail of its owner.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per file.")
def upload(paths: tuple[Path, ...], workspace_ref: str, as_json: bool) -> None:
    """Upload and read files in the order given."""
    workspace, user = resolve_workspace(workspace_ref)
    batch = services.new_batch(workspace, user)
    db.session.commit()
    results: list[dict[str, Any]] = []
    for path in paths:
        try:
            with path.open("rb") as stream:
                doc = services.add_to_batch(workspace, user, batch, services.Upload(path.name, stream))
            db.session.commit()
        except (OSError, FinanceError) as err:
            db.session.rollback()
            message = err.message if isinstance(err, FinanceError) else f"cannot read the file ({err.strerror})"
            results.append({"file": str(path), "id": None, "status": "refused", "message": message, "fields": {},
                            "gstin_valid": None, "flags": []})
            continue
        jobs.run_document(doc.id, workspace.id)
        doc = db.session.get(Document, doc.id)
        row = document_json(doc, str(path))
        if doc.status == "failed":
            row["message"] = doc.message
        results.append(row)
    if as_json:
        click.echo(json.dumps(results, indent=2))
    else:
        for row in results:
            fields = row["fields"]
            summary = (f"{fields.get('vendor') or '?'} {fields.get('invoice_number') or ''} "
                       f"{fields.get('date') or ''} {fields.get('currency') or ''} {fields.get('total') or ''}")
            flags = f" flags: {', '.join(row['flags'])}" if row["flags"] else ""
            click.echo(f"{row['file']}: {row['status']} #{row['id'] or '-'} {summary.strip()}{flags}"
                       + (f" ({row['message']})" if row.get("message") else ""))
    if any(row["status"] != "processed" for row in results):
        sys.exit(1)


@invoices_cli.command("reprocess")
@click.argument("document_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def reprocess(document_id: int, as_json: bool) -> None:
    """Read one document again from its stored file."""
    doc = db.session.get(Document, document_id)
    if doc is None:
        raise click.ClickException(f"No document with id {document_id}.")
    try:
        services.reprocess(doc_workspace(doc), doc)
        db.session.commit()
    except FinanceError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    row = document_json(doc, doc.original_name)
    click.echo(json.dumps(row, indent=2) if as_json else f"#{doc.id} {doc.original_name}: {doc.status} "
               f"flags: {', '.join(row['flags']) or 'none'}")
    if doc.status != "processed":
        sys.exit(1)


def doc_workspace(doc: Document):
    from financeapp.workspaces.models import Workspace

    return db.session.get(Workspace, doc.workspace_id)
