"""GET /api/v1/accounts: balances exact, converted to the base currency, scoped to the workspace."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.rates.services import set_rate
from tests.api.fixtures import assert_problem
from tests.factories import make_account, make_transaction


def accounts_by_name(client) -> dict[str, dict]:
    response = client.get("/api/v1/accounts")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return {row["name"]: row for row in response.get_json()["data"]}


def test_balance_is_the_opening_balance_plus_every_transaction_exactly(client, owner):
    wallet = make_account(owner.ws, "Purse", type="cash", opening_balance="0.10")
    for _ in range(10):
        make_transaction(wallet, "0.10")
    make_transaction(wallet, "-0.30")

    row = accounts_by_name(client)["Purse"]

    assert row["opening_balance"] == "0.10"
    assert row["balance"] == "0.80"
    assert row["balance_in_base"] == "0.80"
    assert row["missing_rate"] is False
    assert row["currency"] == "USD"


def test_an_account_lists_its_fields(client, owner):
    make_account(owner.ws, "Card", type="credit_card", opening_balance="-250.5", group_name="Cards",
                 include_in_net_worth=False)
    make_account(owner.ws, "Old savings", type="savings", archived=True)

    body = client.get("/api/v1/accounts").get_json()

    assert body["meta"] == {"base_currency": "USD", "total": 3, "page": 1, "per_page": 50, "pages": 1, "next": None}
    # open accounts first (ungrouped, then by group), archived last
    assert [row["name"] for row in body["data"]] == ["Checking", "Card", "Old savings"]
    card = next(row for row in body["data"] if row["name"] == "Card")
    assert card == {
        "id": card["id"], "name": "Card", "type": "credit_card", "currency": "USD", "group": "Cards",
        "archived": False, "include_in_net_worth": False, "opening_balance": "-250.50",
        "opening_date": card["opening_date"], "colour": "#0d6efd", "notes": "", "balance": "-250.50",
        "balance_in_base": "-250.50", "missing_rate": False,
    }


def test_balance_in_base_uses_the_latest_rate_or_says_it_is_missing(client, owner):
    euros = make_account(owner.ws, "Euro account", currency="EUR", opening_balance="100.00")
    make_transaction(euros, "-0.01")
    make_account(owner.ws, "Pounds", currency="GBP", opening_balance="10.00")
    make_account(owner.ws, "Yen", currency="JPY", opening_balance="1500")
    set_rate(owner.ws, "EUR", "USD", date(2026, 1, 1), "1.0856")
    set_rate(owner.ws, "USD", "JPY", date(2026, 1, 1), "150")  # only the reverse pair is known
    db.session.commit()

    rows = accounts_by_name(client)

    assert rows["Euro account"]["balance"] == "99.99"
    assert rows["Euro account"]["balance_in_base"] == "108.55"  # 99.99 x 1.0856 = 108.549144
    assert rows["Pounds"]["balance_in_base"] is None
    assert rows["Pounds"]["missing_rate"] is True
    assert rows["Yen"]["balance"] == "1500"  # JPY has no minor units
    assert rows["Yen"]["balance_in_base"] == "10.00"


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_the_number_of_queries_does_not_grow_with_the_accounts(client, owner):
    with counting_queries() as one_account:
        client.get("/api/v1/accounts")
    for number in range(6):
        account = make_account(owner.ws, f"Account {number}", currency="EUR" if number % 2 else "USD")
        make_transaction(account, "1.00")
    with counting_queries() as seven_accounts:
        assert len(client.get("/api/v1/accounts").get_json()["data"]) == 7

    # one more: the rate look-up, needed once EUR appears; not one per account
    assert len(seven_accounts) == len(one_account) + 1


def test_another_workspaces_accounts_are_never_listed(client, owner):
    names = accounts_by_name(client)
    assert list(names) == ["Checking"]
    assert names["Checking"]["balance"] == "100.00"


def test_a_viewer_can_read_the_accounts(client, viewer):
    assert list(accounts_by_name(client)) == ["Checking"]


def test_signing_in_is_required(client, ledger):
    assert_problem(client.get("/api/v1/accounts"), 401)
