"""Fixtures for the debts tests: an owner's workspace with a stranger's beside it, and debt builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from financeapp.debts.models import Debt
from financeapp.debts.services import DebtInput, create_debt
from financeapp.extensions import db
from financeapp.workspaces.models import Workspace
from tests.factories import add_member, make_account, make_user, personal_workspace

OWNER = "debtor@example.com"
STRANGER = "stranger@example.com"
VIEWER = "watcher@example.com"


def make_loan(ws: Workspace, name: str = "Car loan", principal: str = "15000", rate: str = "8", term: int = 60,
              start: date = date(2026, 1, 15), **extra) -> Debt:
    debt = create_debt(ws, DebtInput(name=name, kind="loan", currency=extra.pop("currency", ws.base_currency),
                                     annual_rate=Decimal(rate), principal=Decimal(principal), term_months=term,
                                     start_date=start, **extra))
    db.session.commit()
    return debt


def make_card(ws: Workspace, name: str = "Visa", balance: str = "2000", rate: str = "22.99",
              minimum: str = "50", percent: str | None = None, **extra) -> Debt:
    debt = create_debt(ws, DebtInput(
        name=name, kind="credit_card", currency=extra.pop("currency", ws.base_currency), annual_rate=Decimal(rate),
        balance=Decimal(balance), min_payment_kind="percent" if percent else "fixed", min_payment=Decimal(minimum),
        min_payment_percent=Decimal(percent) if percent else None, **extra))
    db.session.commit()
    return debt


@dataclass
class Books:
    ws: Workspace
    checking_id: int
    other_ws: Workspace
    other_debt_id: int


@pytest.fixture
def books(ctx) -> Books:
    ws = personal_workspace(make_user(OWNER))
    other_ws = personal_workspace(make_user(STRANGER))
    checking = make_account(ws, "Checking", opening_balance="10000")
    other = make_loan(other_ws, "Stranger's mortgage", principal="250000", rate="5", term=360)
    return Books(ws, checking.id, other_ws, other.id)


@pytest.fixture
def owner(books, auth) -> Books:
    """The books, with the client signed in as their owner."""
    assert auth.login(OWNER).status_code == 302
    return books


@pytest.fixture
def viewer(books, auth, client) -> Books:
    """The books, with the client signed in as a viewer of the owner's workspace."""
    add_member(books.ws, make_user(VIEWER), "viewer")
    assert auth.login(VIEWER).status_code == 302
    assert client.post(f"/workspaces/{books.ws.id}/switch").status_code == 302
    return books
