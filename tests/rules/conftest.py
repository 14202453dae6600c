"""Rules test helpers: a workspace with an account and categories, and a rule builder."""

from __future__ import annotations

from decimal import Decimal

import pytest

from financeapp.extensions import db
from financeapp.rules.services import RuleInput, create_rule
from tests.api.fixtures import ledger, owner, viewer  # noqa: F401 (fixtures of test_api.py)
from tests.factories import make_account, make_category, make_user, personal_workspace


@pytest.fixture
def setup(ctx):
    """Owner Rita's workspace: a checking account, Groceries and Shopping; returns a namespace dict."""
    rita = make_user("rita@example.com", name="Rita")
    ws = personal_workspace(rita)
    account = make_account(ws, "Checking", opening_balance="100")
    savings = make_account(ws, "Savings")
    groceries = make_category(ws, "Groceries")
    shopping = make_category(ws, "Shopping")
    return {"user": rita, "ws": ws, "account": account, "savings": savings, "groceries": groceries,
            "shopping": shopping}


def add_rule(ws, name: str = "Rule", **kwargs):
    for key in ("amount_min", "amount_max"):
        if isinstance(kwargs.get(key), str):
            kwargs[key] = Decimal(kwargs[key])
    rule = create_rule(ws, RuleInput(name=name, **kwargs))
    db.session.commit()
    return rule
