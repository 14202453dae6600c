"""Budget fixtures: a workspace with an owner, accounts and a few expense categories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from financeapp.budgets.services import LineInput, set_line
from financeapp.extensions import db
from financeapp.transactions.models import Transaction, TransactionLine
from tests.api.fixtures import ledger, owner, viewer  # noqa: F401 (fixtures of test_api.py)
from tests.factories import make_account, make_category, make_user, personal_workspace


@dataclass
class Home:
    user: object
    ws: object
    checking: object
    groceries: object
    eating_out: object
    everyday: object
    fuel: object
    salary: object


@pytest.fixture
def home(ctx) -> Home:
    user = make_user("bea@example.com", name="Bea")
    ws = personal_workspace(user)
    checking = make_account(ws, "Checking", opening_balance="1000")
    groceries = make_category(ws, "Groceries")
    eating_out = make_category(ws, "Eating out")
    everyday = groceries.parent
    fuel = make_category(ws, "Fuel", group="Transport")
    salary = make_category(ws, "Salary", group="Income", kind="income")
    return Home(user, ws, checking, groceries, eating_out, everyday, fuel, salary)


def budget(ws, category, amount: str, month: date = date(2026, 3, 1), *, period: str = "month",
           rollover: bool = False):
    line = set_line(ws, LineInput(category_id=category.id, month=month, amount=Decimal(amount), period=period,
                                  rollover=rollover))
    db.session.commit()
    return line


def split(account, on: date, parts: list[tuple[object, str]], memo: str = "split") -> Transaction:
    """A transaction whose lines go to several categories (amounts signed)."""
    total = sum((Decimal(amount) for _, amount in parts), Decimal(0))
    txn = Transaction(workspace_id=account.workspace_id, account=account, on=on, amount=total, memo=memo)
    for category, amount in parts:
        txn.lines.append(TransactionLine(workspace_id=account.workspace_id, category=category, amount=Decimal(amount)))
    db.session.add(txn)
    db.session.commit()
    return txn


def transfer(source, target, amount: str, on: date) -> tuple[Transaction, Transaction]:
    """Both sides of a transfer written straight to the database (the key is the first side's id)."""
    out = Transaction(workspace_id=source.workspace_id, account=source, on=on, amount=-Decimal(amount))
    out.lines.append(TransactionLine(workspace_id=source.workspace_id, amount=-Decimal(amount)))
    db.session.add(out)
    db.session.flush()
    out.transfer_key = out.id
    into = Transaction(workspace_id=target.workspace_id, account=target, on=on, amount=Decimal(amount),
                       transfer_key=out.id)
    into.lines.append(TransactionLine(workspace_id=target.workspace_id, amount=Decimal(amount)))
    db.session.add(into)
    db.session.commit()
    return out, into
