"""Linking two plain rows as a transfer takes them out of the reports' income and spending."""

from __future__ import annotations

from datetime import date

import pytest

from financeapp.extensions import db
from financeapp.transactions import found_transfers
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace


@pytest.fixture
def two_accounts(ctx, auth):
    ws = personal_workspace(make_user("rae@example.com", name="Rae"))
    checking, savings = make_account(ws, "Checking", opening_balance="2000"), make_account(ws, "Savings")
    salary, rent = make_category(ws, "Salary", group="Income", kind="income"), make_category(ws, "Rent")
    make_transaction(checking, "1500.00", on=date(2026, 4, 1), category=salary)
    make_transaction(checking, "-700.00", on=date(2026, 4, 3), category=rent)
    # Both sides of a move to savings, imported as plain rows (a rule had filed the money-out as rent).
    make_transaction(checking, "-400.00", on=date(2026, 4, 14), category=rent, payee="ONLINE TRANSFER")
    make_transaction(savings, "400.00", on=date(2026, 4, 16), payee="FROM CHECKING")
    auth.login("rae@example.com")
    return ws


def monthly(client, start: str, end: str) -> tuple[str, str]:
    data = client.get(f"/api/v1/reports/monthly?preset=custom&start={start}&end={end}").get_json()["data"]
    return data["table"]["totals"][1], data["table"]["totals"][2]  # income, spending


def categories(client) -> dict[str, str]:
    data = client.get("/api/v1/reports/categories?preset=custom&start=2026-04-01&end=2026-04-30").get_json()["data"]
    return dict(zip(data["labels"], data["datasets"][0]["data"], strict=True))


@pytest.mark.parametrize(("start", "end", "before", "after"), [
    ("2026-04-01", "2026-04-30", ("1900.00", "1100.00"), ("1500.00", "700.00")),  # a whole month: the totals
    ("2026-04-02", "2026-04-20", ("400.00", "1100.00"), ("0.00", "700.00")),  # days of a month: the ledger
])
def test_income_and_spending_before_and_after_linking(client, two_accounts, start, end, before, after):
    assert monthly(client, start, end) == before
    found_transfers.link_all(two_accounts)
    db.session.commit()
    assert monthly(client, start, end) == after


def test_the_linked_money_out_leaves_its_category(client, two_accounts):
    assert "1100.00" in categories(client).values()
    found_transfers.link_all(two_accounts)
    db.session.commit()
    assert "1100.00" not in categories(client).values() and "700.00" in categories(client).values()
