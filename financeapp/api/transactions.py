"""API: the filtered transaction list, one transaction, recording, changing and deleting entries (with split
lines) and transfers (both sides at once), all through transactions/services."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from flask import g, jsonify, request, url_for

from financeapp.api import bp
from financeapp.api.resources import BadParameter, deleted, idempotent
from financeapp.api.schemas import (
    MAX_ID,
    amount_text,
    entry_input,
    raise_if,
    read_json,
    transaction_filter,
    transaction_input,
    transfer_input,
)
from financeapp.core.errors import Conflict, NotFound
from financeapp.core.scoping import get_scoped_or_404, require_role
from financeapp.extensions import db
from financeapp.transactions import services
from financeapp.transactions.models import Transaction, TransactionLine
from financeapp.transactions.queries import transaction_page
from financeapp.transactions.services import EntryInput


def _ref(row) -> dict | None:
    return {"id": row.id, "name": row.name} if row is not None else None


def line_json(line: TransactionLine, currency: str) -> dict:
    return {"category": _ref(line.category), "amount": amount_text(line.amount, currency), "memo": line.memo}


def transaction_json(txn: Transaction) -> dict:
    """A transaction as the API shows it; load account, payee, lines' categories and labels with it."""
    currency = txn.account.currency
    return {
        "id": txn.id,
        "date": txn.on.isoformat(),
        "account": _ref(txn.account),
        "amount": amount_text(txn.amount, currency),
        "currency": currency,
        "payee": _ref(txn.payee),
        "memo": txn.memo,
        "status": txn.status,
        "kind": txn.kind,
        "transfer_key": txn.transfer_key,
        "labels": [label.name for label in txn.labels],
        "lines": [line_json(line, currency) for line in txn.lines],
        "version": txn.version,
    }


@bp.get("/transactions")
@require_role("viewer")
def transactions_index():
    """A page of transactions with the same filters as the HTML list, and the count and sum of all matches."""
    f = transaction_filter(request.args)
    page = transaction_page(g.workspace, f)
    currency = page.currency
    return jsonify(
        data=[transaction_json(txn) for txn in page.rows],
        meta={
            "page": page.number,
            "per_page": f.per_page,
            "total": page.total,
            "pages": page.pages,
            "next": page.number + 1 if page.number < page.pages else None,
            "sum": amount_text(page.sum, currency) if currency else None,
            "currency": currency,
            "sums": {code: amount_text(total, code) for code, total in page.sums.items()},
        },
    )


@bp.get("/transactions/<int:transaction_id>")
@require_role("viewer")
def transactions_detail(transaction_id: int):
    """One transaction; for a transfer, this side only (transfer_key names the pair)."""
    if transaction_id > MAX_ID:  # larger than any id, and too large for SQLite to compare
        raise NotFound("No such transaction.")
    txn = get_scoped_or_404(Transaction, transaction_id, g.workspace)
    return jsonify(data=transaction_json(txn))


@bp.post("/transactions")
@require_role("member")
@idempotent
def transactions_create():
    """Record an entry (one row) or a transfer (both sides); 201 with what was written."""
    data = transaction_input(read_json(request))
    # A service error rolls back in the app's error handler and answers problem+json.
    if isinstance(data, EntryInput):
        created = [services.record_entry(g.workspace, data)]
    else:
        created = list(services.record_transfer(g.workspace, data))
    body = [transaction_json(txn) for txn in created]  # from the flushed rows, before commit expires them
    db.session.commit()
    response = jsonify(data=body)
    response.status_code = 201
    if isinstance(data, EntryInput):
        response.headers["Location"] = url_for("api.transactions_detail", transaction_id=created[0].id)
    return response


def _as_entry_body(txn: Transaction) -> dict[str, Any]:
    """An entry's current values as a POST body (amount positive, with its direction)."""
    body: dict[str, Any] = {
        "account_id": txn.account_id, "date": txn.on.isoformat(), "amount": abs(txn.amount),
        "direction": "in" if txn.amount > 0 else "out", "payee": txn.payee.name if txn.payee else "",
        "memo": txn.memo, "labels": [label.name for label in txn.labels], "status": txn.status,
    }
    if len(txn.lines) > 1:
        body["lines"] = [{"category_id": line.category_id, "amount": abs(line.amount), "memo": line.memo}
                         for line in txn.lines]
    else:
        body["category_id"] = txn.lines[0].category_id if txn.lines else None
    return body


def _as_transfer_body(source: Transaction, target: Transaction) -> dict[str, Any]:
    return {"type": "transfer", "from_account_id": source.account_id, "to_account_id": target.account_id,
            "date": source.on.isoformat(), "amount": abs(source.amount), "to_amount": target.amount,
            "memo": source.memo, "labels": [label.name for label in source.labels], "status": source.status}


def _negative(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().startswith("-")
    return isinstance(value, int | Decimal) and not isinstance(value, bool) and value < 0


def _edit_options(body: dict[str, Any]) -> tuple[int | None, bool]:
    """`version` (refuse the change when someone else saved since) and `unlock` (change a reconciled one)."""
    errors: dict[str, str] = {}
    version, unlock = body.pop("version", None), body.pop("unlock", False)
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        errors["version"] = "Send the version from GET (a positive integer)."
    if not isinstance(unlock, bool):
        errors["unlock"] = "Send true or false."
    raise_if(errors)
    return version, bool(unlock)


@bp.patch("/transactions/<int:transaction_id>")
@require_role("member")
def transactions_update(transaction_id: int):
    """Change the fields sent of an entry (lines replace the split) or a transfer (both sides change)."""
    if transaction_id > MAX_ID:
        raise NotFound("No such transaction.")
    txn = get_scoped_or_404(Transaction, transaction_id, g.workspace)
    body = dict(read_json(request))
    version, unlock = _edit_options(body)
    if txn.is_transfer:
        if body.get("type", "transfer") != "transfer":
            raise Conflict("A transfer stays a transfer; delete it and record an entry instead.")
        source, target = services.transfer_sides(g.workspace, txn)
        current = _as_transfer_body(source, target)
        if "amount" in body and "to_amount" not in body:
            current.pop("to_amount")  # within one currency it follows the amount; across, it must be sent
        transfer = transfer_input({**current, **body})
        services.update_transfer(g.workspace, txn, dataclasses.replace(transfer, version=version, unlock=unlock))
    else:
        if body.get("type", "entry") != "entry":
            raise Conflict("An entry stays an entry; delete it and record a transfer instead.")
        body.pop("type", None)
        current = _as_entry_body(txn)
        if "lines" in body:
            current.pop("category_id", None)
        if "category_id" in body:
            current.pop("lines", None)
        if "amount" in body and "direction" not in body and _negative(body["amount"]):
            current.pop("direction")  # a signed amount, as GET shows it, says the direction itself
        if "amount" in body and "lines" not in body and "lines" in current:
            raise_if({"lines": "Send the split lines with the new amount (they must add up to it)."})
        entry = entry_input({**current, **body})
        services.update_entry(g.workspace, txn, dataclasses.replace(entry, version=version, unlock=unlock))
    out = transaction_json(txn)
    db.session.commit()
    return jsonify(data=out)


@bp.delete("/transactions/<int:transaction_id>")
@require_role("member")
def transactions_delete(transaction_id: int):
    """Delete an entry, or both sides of a transfer; a reconciled one needs ?unlock=true (else 409)."""
    if transaction_id > MAX_ID:
        raise NotFound("No such transaction.")
    txn = get_scoped_or_404(Transaction, transaction_id, g.workspace)
    unlock = (request.args.get("unlock") or "").strip().lower()
    if unlock not in ("", "true", "false"):
        raise BadParameter("Check the query parameters: unlock.", fields={"unlock": "Send true or false."})
    services.delete_transaction(g.workspace, txn, unlock=unlock == "true")
    db.session.commit()
    return deleted()
