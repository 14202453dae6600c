"""A newly recorded payment marks the bill it pays, whichever way it was recorded (form, API, CLI)."""

from __future__ import annotations

from financeapp.recurring.services import match_bills
from financeapp.transactions.models import Transaction
from financeapp.transactions.signals import entry_recorded
from financeapp.workspaces.models import Workspace


@entry_recorded.connect
def mark_bill_paid(workspace: Workspace, *, transaction: Transaction, **_: object) -> None:
    match_bills(workspace, [transaction.id])
