"""API: the filtered transaction list, one transaction, and recording entries and transfers."""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from financeapp.api import bp
from financeapp.api.resources import idempotent
from financeapp.api.schemas import MAX_ID, amount_text, read_json, transaction_filter, transaction_input
from financeapp.core.errors import NotFound
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
