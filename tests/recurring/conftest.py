"""Fixtures: an owner's workspace with a checking account."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.api.fixtures import ledger, owner, viewer  # noqa: F401 (fixtures of test_api.py)
from tests.factories import make_account, make_user, personal_workspace


@pytest.fixture
def home(ctx):
    """Olga's workspace with a USD checking account and a savings account."""
    user = make_user("olga@example.com", name="Olga")
    ws = personal_workspace(user)
    checking = make_account(ws, "Checking", opening_balance="5000")
    savings = make_account(ws, "Savings", type="savings")
    return SimpleNamespace(user=user, ws=ws, checking=checking, savings=savings)
