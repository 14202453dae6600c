"""Builders for recurring items, shared by the recurring and jobs tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from financeapp.extensions import db
from financeapp.recurring.models import RecurringItem
from financeapp.recurring.services import RecurringInput, create_recurring
from financeapp.workspaces.models import Workspace


def make_recurring(workspace: Workspace, account_id: int, *, name: str = "Rent", amount: str = "1000",
                   start: date = date(2026, 1, 1), commit: bool = True, **fields) -> RecurringItem:
    data = RecurringInput(name=name, account_id=account_id, amount=Decimal(amount), start_date=start)
    item = create_recurring(workspace, replace(data, **fields))
    if commit:
        db.session.commit()
    return item
