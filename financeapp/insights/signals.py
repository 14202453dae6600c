"""New transactions are scored for unusualness as they are recorded: a typed entry (form, API, CLI:
`entry_recorded`) and a committed import (`import_committed`), inside the caller's unit of work.

Scoring reads only the new rows' categories, payees and days (services.score_new), so a typed entry
costs a few milliseconds. It runs in a savepoint and never fails the write it follows: an insight is
not worth losing a transaction over, so an unexpected error is logged and the entry is kept (the next
full scan, `flask insights scan`, catches up).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.imports.models import ImportBatch
from financeapp.imports.signals import import_committed
from financeapp.insights import services
from financeapp.transactions.models import Transaction
from financeapp.transactions.signals import entry_recorded
from financeapp.workspaces.models import Workspace

log = logging.getLogger("financeapp.insights")


def _score(workspace: Workspace, ids: list[int]) -> None:
    try:
        with db.session.begin_nested():
            services.score_new(workspace, ids)
    except Exception:  # see the module docstring: the recorded transactions must stand regardless
        log.exception("scoring %d new transactions for unusualness failed", len(ids))


@entry_recorded.connect
def score_entry(workspace: Workspace, *, transaction: Transaction, **_: object) -> None:
    _score(workspace, [transaction.id])


@import_committed.connect
def score_import(workspace: Workspace, *, batch: ImportBatch, **_: object) -> None:
    ids = list(db.session.scalars(sa.select(Transaction.id).where(
        Transaction.workspace_id == workspace.id, Transaction.import_id == batch.id)))
    _score(workspace, ids)
