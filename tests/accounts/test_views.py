"""Accounts: the overview with net worth, the forms, archive, delete, balance updates, reconciliation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.extensions import db
from financeapp.transactions.models import Transaction
from tests.factories import make_account, make_transaction, make_user, personal_workspace


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("acc@example.com"))


def test_create_account_and_see_it_in_its_group(client, auth, ws):
    auth.login("acc@example.com")
    response = client.post("/accounts/new", data={
        "name": "Joint checking", "type": "checking", "currency": "USD", "opening_balance": "2,500.00",
        "opening_date": "2026-01-01", "group_name": "Joint", "colour": "#198754",
        "include_in_net_worth": "y",
    })
    assert response.status_code == 302
    page = client.get("/accounts/").get_data(as_text=True)
    assert "Joint checking" in page and "$2,500.00" in page and "<strong>Joint</strong>" in page


def test_duplicate_name_and_bad_colour_are_field_errors(client, auth, ws):
    make_account(ws, "Wallet")
    auth.login("acc@example.com")
    response = client.post("/accounts/new", data={
        "name": "Wallet", "type": "cash", "currency": "USD", "opening_balance": "0",
        "opening_date": "2026-01-01", "colour": "red",
    })
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "already an account called “Wallet”" in text


def test_net_worth_is_assets_minus_liabilities_in_base_currency(client, auth, ws, ctx):
    make_account(ws, "Checking", opening_balance="1000")
    make_account(ws, "Visa", type="credit_card", opening_balance="-250.50")
    make_account(ws, "Euro savings", currency="EUR", opening_balance="100")
    make_account(ws, "Ignored", opening_balance="999", include_in_net_worth=False)
    auth.login("acc@example.com")
    page = client.get("/accounts/").get_data(as_text=True)
    assert "No exchange rate into USD for EUR" in page, "a missing rate is said, never a silent 1.0"
    from financeapp.rates.services import set_rate
    set_rate(ws, "EUR", "USD", date(2026, 1, 1), Decimal("1.1"))
    db.session.commit()
    page = client.get("/accounts/").get_data(as_text=True)
    assert "No exchange rate" not in page
    assert "$859.50" in page  # 1000 - 250.50 + 110
    assert "$1,110.00" in page and "-$250.50" in page


def test_balance_is_opening_plus_transactions(client, auth, ws, ctx):
    checking = make_account(ws, "Checking", opening_balance="10")
    make_transaction(checking, "-3.33")
    make_transaction(checking, "1.11")
    auth.login("acc@example.com")
    assert "$7.78" in client.get("/accounts/").get_data(as_text=True)


def test_delete_needs_confirmation_when_it_has_transactions(client, auth, ws, ctx):
    checking = make_account(ws, "Checking")
    make_transaction(checking, "-1")
    auth.login("acc@example.com")
    client.post(f"/accounts/{checking.id}/delete")
    assert db.session.get(Account, checking.id) is not None
    account_id = checking.id
    client.post(f"/accounts/{account_id}/delete", data={"delete_transactions": "y"})
    assert db.session.scalar(sa.select(Account).where(Account.id == account_id)) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transaction)) == 0


def test_deleting_one_side_of_a_transfer_keeps_the_other_accounts_balance(ws, ctx):
    from financeapp.accounts.queries import balance_on
    from financeapp.accounts.services import delete_account
    from financeapp.transactions.services import TransferInput, record_transfer
    checking, savings = make_account(ws, "Checking"), make_account(ws, "Savings")
    record_transfer(ws, TransferInput(checking.id, savings.id, date(2026, 2, 1), Decimal("75")))
    db.session.commit()
    delete_account(ws, checking, delete_transactions=True)
    db.session.commit()
    assert balance_on(savings) == Decimal("75")
    remaining = db.session.scalar(sa.select(Transaction))
    assert remaining.transfer_key is None


def test_archive_hides_and_restores(client, auth, ws):
    old = make_account(ws, "Old bank")
    auth.login("acc@example.com")
    client.post(f"/accounts/{old.id}/archive")
    page = client.get("/accounts/").get_data(as_text=True)
    assert "Archived accounts (1)" in page
    client.post(f"/accounts/{old.id}/archive")
    assert "Archived accounts" not in client.get("/accounts/").get_data(as_text=True)


def test_balance_update_records_an_adjustment(client, auth, ws):
    house = make_account(ws, "House", type="other_asset", opening_balance="300000")
    auth.login("acc@example.com")
    response = client.post(f"/accounts/{house.id}/balance", data={"on": "2026-06-30", "balance": "325,000"})
    assert response.status_code == 302
    page = client.get("/accounts/").get_data(as_text=True)
    assert "$325,000.00" in page


def test_reconcile_locks_cleared_transactions_when_the_balance_agrees(client, auth, ws, ctx):
    checking = make_account(ws, "Checking", opening_balance="100")
    a = make_transaction(checking, "-10", on=date(2026, 3, 1))
    b = make_transaction(checking, "-20", on=date(2026, 3, 2))
    make_transaction(checking, "-5", on=date(2026, 3, 3))
    auth.login("acc@example.com")
    url = f"/accounts/{checking.id}/reconcile"
    wrong = client.post(url, data={"statement_date": "2026-03-31", "statement_balance": "70",
                                   "cleared": [a.id]})
    assert wrong.status_code == 409
    assert "a difference of -$20.00" in wrong.get_data(as_text=True)
    ok = client.post(url, data={"statement_date": "2026-03-31", "statement_balance": "70",
                                "cleared": [a.id, b.id]})
    assert ok.status_code == 302
    db.session.expire_all()
    statuses = dict(db.session.execute(sa.select(Transaction.id, Transaction.status)).all())
    assert statuses[a.id] == statuses[b.id] == "reconciled"
    assert sorted(statuses.values()).count("uncleared") == 1


def test_reconcile_can_record_the_difference(client, auth, ws, ctx):
    checking = make_account(ws, "Checking", opening_balance="100")
    txn = make_transaction(checking, "-10", on=date(2026, 3, 1))
    auth.login("acc@example.com")
    response = client.post(f"/accounts/{checking.id}/reconcile", data={
        "statement_date": "2026-03-31", "statement_balance": "89.50", "record_adjustment": "y",
        "cleared": [txn.id]})
    assert response.status_code == 302
    from financeapp.accounts.queries import balance_on
    db.session.expire_all()
    assert balance_on(db.session.get(Account, checking.id)) == Decimal("89.50")
