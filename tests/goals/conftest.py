"""Goal fixtures: a workspace with a checking and a savings account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from financeapp.extensions import db
from financeapp.goals.services import GoalInput, create_goal
from tests.api.fixtures import ledger, owner, viewer  # noqa: F401 (fixtures of test_api.py)
from tests.factories import make_account, make_user, personal_workspace

TODAY = date(2026, 3, 15)


@dataclass
class Saver:
    user: object
    ws: object
    checking: object
    savings: object


@pytest.fixture
def saver(ctx) -> Saver:
    user = make_user("gil@example.com", name="Gil")
    ws = personal_workspace(user)
    return Saver(user, ws, make_account(ws, "Checking", opening_balance="5000"),
                 make_account(ws, "Rainy day", type="savings", opening_balance="0"))


def goal(ws, name: str = "Holiday", target: str = "1200", *, target_date: date | None = None,
         account=None, today: date = TODAY):
    row = create_goal(ws, GoalInput(name=name, target_amount=Decimal(target), target_date=target_date,
                                    account_id=account.id if account else None), today)
    db.session.commit()
    return row
