"""Fixtures: a workspace with auto-posting items and a bill."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from tests.factories import make_account, make_user, personal_workspace
from tests.recurring.helpers import make_recurring


@pytest.fixture
def planned(ctx):
    """Salary posts itself on the 25th, rent waits for confirmation, a daily coffee posts itself,
    and electricity is a bill due on the 12th."""
    user = make_user("olga@example.com", name="Olga")
    ws = personal_workspace(user)
    checking = make_account(ws, "Checking", opening_balance="5000")
    start = date(2026, 1, 1)
    salary = make_recurring(ws, checking.id, name="Salary", direction="in", amount="3000", month_day=25,
                            auto_post=True, start=start)
    rent = make_recurring(ws, checking.id, name="Rent", amount="1200", month_day=1, start=start)
    coffee = make_recurring(ws, checking.id, name="Coffee", amount="3.50", frequency="daily", auto_post=True,
                            start=date(2026, 3, 1), payee="Corner café")
    bill = make_recurring(ws, checking.id, name="Electricity", amount="95", month_day=12, is_bill=True,
                          start=start, payee="City Power")
    return SimpleNamespace(user=user, ws=ws, checking=checking, salary=salary, rent=rent, coffee=coffee, bill=bill)
