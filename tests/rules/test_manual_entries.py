"""Rules switched on for typed entries run on the entry form, quick add and the API; others run
only on imports. What the user chose (a category, a split) stays."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.rules.models import Rule
from financeapp.transactions.models import Transaction
from tests.rules.conftest import add_rule


@pytest.fixture
def rita(setup, client, auth):
    auth.login("rita@example.com")
    return setup


def entry_form(account_id: int, **changes) -> dict:
    return {"on": "2026-03-05", "account_id": account_id, "direction": "out", "amount": "23.40",
            "payee": "REWE Markt 118", "category_id": "", "memo": "", "labels": "", "status": "uncleared",
            **changes}


def newest() -> Transaction:
    db.session.rollback()
    return db.session.scalar(sa.select(Transaction).order_by(Transaction.id.desc()).limit(1))


def category_of(txn: Transaction) -> int | None:
    return txn.lines[0].category_id if len(txn.lines) == 1 else None


def supermarket_rule(setup, *, on_manual: bool):
    return add_rule(setup["ws"], "Supermarket", match_text="rewe", set_payee="REWE",
                    set_category_id=setup["groceries"].id, add_labels="food", on_manual=on_manual)


def test_a_rule_switched_on_for_typed_entries_sets_payee_category_and_labels(rita, client):
    supermarket_rule(rita, on_manual=True)
    assert client.post("/transactions/new", data=entry_form(rita["account"].id)).status_code == 302
    txn = newest()
    assert txn.payee.name == "REWE" and category_of(txn) == rita["groceries"].id
    assert [label.name for label in txn.labels] == ["food"] and txn.amount == Decimal("-23.40")


def test_a_rule_left_off_for_typed_entries_does_not_touch_them(rita, client):
    supermarket_rule(rita, on_manual=False)
    assert client.post("/transactions/new", data=entry_form(rita["account"].id)).status_code == 302
    txn = newest()
    assert txn.payee.name == "REWE Markt 118" and category_of(txn) is None and txn.labels == []


def test_the_category_the_user_chose_stays(rita, client):
    supermarket_rule(rita, on_manual=True)
    chosen = entry_form(rita["account"].id, category_id=str(rita["shopping"].id))
    assert client.post("/transactions/new", data=chosen).status_code == 302
    txn = newest()
    assert category_of(txn) == rita["shopping"].id and txn.payee.name == "REWE"


def test_an_inactive_rule_never_runs_on_typed_entries(rita, client):
    rule = supermarket_rule(rita, on_manual=True)
    rule.active = False
    db.session.commit()
    client.post("/transactions/new", data=entry_form(rita["account"].id))
    assert category_of(newest()) is None


def test_quick_add_and_the_api_run_the_rule_too(rita, client):
    supermarket_rule(rita, on_manual=True)
    quick = entry_form(rita["account"].id, quick="1", next="/transactions/")
    assert client.post("/transactions/new", data=quick).status_code == 302
    assert category_of(newest()) == rita["groceries"].id
    response = client.post("/api/v1/transactions", json={
        "account_id": rita["account"].id, "date": "2026-03-06", "amount": "-9.99", "payee": "rewe city"})
    assert response.status_code == 201, response.get_data(as_text=True)
    txn = newest()
    assert txn.payee.name == "REWE" and category_of(txn) == rita["groceries"].id


def test_bad_input_is_still_refused_with_its_message_when_a_rule_is_on(rita, client):
    supermarket_rule(rita, on_manual=True)
    response = client.post("/transactions/new", data=entry_form(rita["account"].id, amount="abc"))
    assert response.status_code == 422 and db.session.scalar(sa.select(sa.func.count(Transaction.id))) == 0


def test_the_switch_is_saved_from_the_rule_form_and_shown_in_the_list(rita, client):
    response = client.post("/rules/new", data={
        "name": "Coffee", "active": "y", "on_manual": "y", "match_field": "payee", "match_op": "contains",
        "match_text": "coffee", "amount_min": "", "amount_max": "", "sign": "any", "account_id": "",
        "set_payee": "", "set_category_id": str(rita["groceries"].id), "add_labels": "",
    })
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Rule.on_manual)) is True
    assert "also typed entries" in client.get("/rules/").get_data(as_text=True)
    rule_id = db.session.scalar(sa.select(Rule.id))
    box = re.search(r'<input[^>]*name="on_manual"[^>]*>', client.get(f"/rules/{rule_id}/edit").get_data(as_text=True))
    assert box and "checked" in box.group(0)
