"""PATCH and DELETE /api/v1/transactions/<id>: entries, splits and transfers changed through transactions/services."""

from __future__ import annotations

from decimal import Decimal

from financeapp.accounts.models import Account
from financeapp.accounts.queries import balance_on
from financeapp.api.models import IdempotencyKey
from financeapp.extensions import db
from financeapp.transactions.models import Transaction
from tests.api.fixtures import assert_problem, count
from tests.factories import make_account, make_category, make_transaction

URL = "/api/v1/transactions"


def balance(account_id: int) -> Decimal:
    db.session.rollback()
    return balance_on(db.session.get(Account, account_id))


def record(client, **body) -> dict:
    response = client.post(URL, json={"date": "2026-03-05", "amount": "12.50", "direction": "out", **body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"][0]


def test_an_entry_changes_only_what_is_sent(client, owner):
    food = make_category(owner.ws, "Food")
    db.session.commit()
    txn = record(client, account_id=owner.account_id, payee="Market", category_id=food.id, labels=["home"])
    changed = client.patch(f"{URL}/{txn['id']}", json={"memo": "weekly", "amount": "-20.00"})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()["data"]
    assert (body["memo"], body["amount"], body["payee"]["name"], body["labels"]) == ("weekly", "-20.00", "Market",
                                                                                    ["home"])
    assert body["lines"][0]["category"] == {"id": food.id, "name": "Food"} and body["version"] == 2
    assert balance(owner.account_id) == Decimal("80.00")
    assert client.get(f"{URL}/{txn['id']}").get_json()["data"] == body


def test_a_split_is_replaced_by_the_lines_sent(client, owner):
    food, fun = make_category(owner.ws, "Food"), make_category(owner.ws, "Fun")
    db.session.commit()
    txn = record(client, account_id=owner.account_id, category_id=food.id)
    split = client.patch(f"{URL}/{txn['id']}", json={"lines": [{"category_id": food.id, "amount": "10"},
                                                               {"category_id": fun.id, "amount": "2.50"}]})
    assert [line["amount"] for line in split.get_json()["data"]["lines"]] == ["-10.00", "-2.50"]
    refused = assert_problem(client.patch(f"{URL}/{txn['id']}", json={"amount": "15"}), 422)
    assert "lines" in refused["errors"]
    mismatch = assert_problem(client.patch(f"{URL}/{txn['id']}", json={"lines": [
        {"category_id": food.id, "amount": "1"}, {"category_id": fun.id, "amount": "1"}]}), 422)
    assert mismatch["detail"]
    assert balance(owner.account_id) == Decimal("87.50")
    back = client.patch(f"{URL}/{txn['id']}", json={"category_id": fun.id}).get_json()["data"]
    assert back["lines"] == [{"category": {"id": fun.id, "name": "Fun"}, "amount": "-12.50", "memo": ""}]


def test_a_transfer_changes_both_sides(client, owner):
    savings = make_account(owner.ws, "Savings")
    db.session.commit()
    made = client.post(URL, json={"type": "transfer", "from_account_id": owner.account_id,
                                  "to_account_id": savings.id, "date": "2026-03-05", "amount": "30"})
    out_side = made.get_json()["data"][0]
    changed = client.patch(f"{URL}/{out_side['id']}", json={"amount": "40", "memo": "rainy day"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["data"]["amount"] == "-40.00"
    assert balance(owner.account_id) == Decimal("60.00") and balance(savings.id) == Decimal("40.00")
    assert_problem(client.patch(f"{URL}/{out_side['id']}", json={"type": "entry"}), 409)
    assert client.delete(f"{URL}/{out_side['id']}").status_code == 204
    assert count(Transaction, Transaction.workspace_id == owner.ws.id) == 0


def test_a_stale_version_or_a_reconciled_transaction_is_a_conflict(client, owner):
    txn = record(client, account_id=owner.account_id)
    assert client.patch(f"{URL}/{txn['id']}", json={"memo": "one", "version": 1}).status_code == 200
    assert_problem(client.patch(f"{URL}/{txn['id']}", json={"memo": "two", "version": 1}), 409)
    client.patch(f"{URL}/{txn['id']}", json={"status": "reconciled"})
    assert_problem(client.patch(f"{URL}/{txn['id']}", json={"memo": "three"}), 409)
    assert client.patch(f"{URL}/{txn['id']}", json={"memo": "three", "unlock": True}).status_code == 200
    assert_problem(client.delete(f"{URL}/{txn['id']}"), 409)
    assert_problem(client.delete(f"{URL}/{txn['id']}?unlock=maybe"), 400)
    assert client.delete(f"{URL}/{txn['id']}?unlock=true").status_code == 204


def test_invalid_changes_are_all_named_and_write_nothing(client, owner):
    txn = record(client, account_id=owner.account_id)
    body = assert_problem(client.patch(f"{URL}/{txn['id']}", json={
        "date": "2026-13-01", "amount": "x", "status": "lost", "to_account_id": 3, "version": "x"}), 422)
    assert set(body["errors"]) == {"version"}  # the options first; then the fields
    body = assert_problem(client.patch(f"{URL}/{txn['id']}", json={
        "date": "2026-13-01", "amount": "x", "status": "lost", "to_account_id": 3}), 422)
    assert set(body["errors"]) == {"date", "amount", "status", "to_account_id"}
    assert client.get(f"{URL}/{txn['id']}").get_json()["data"]["version"] == 1
    assert balance(owner.account_id) == Decimal("87.50")


def test_roles_and_isolation(client, viewer, auth):
    mine = make_transaction(db.session.get(Account, viewer.account_id), "-1.00")
    theirs = make_transaction(db.session.get(Account, viewer.other_account_id), "-1.00")
    db.session.commit()
    assert_problem(client.patch(f"{URL}/{mine.id}", json={"memo": "x"}), 403)
    assert_problem(client.delete(f"{URL}/{mine.id}"), 403)
    auth.logout()
    auth.login("owner@example.com")
    assert_problem(client.patch(f"{URL}/{theirs.id}", json={"memo": "x"}), 404)
    assert_problem(client.delete(f"{URL}/{theirs.id}"), 404)
    assert_problem(client.patch(f"{URL}/{mine.id}", json={"account_id": viewer.other_account_id}), 404)
    assert count(Transaction) == 2 and balance(viewer.other_account_id) == Decimal("4999.00")


def test_a_repeated_create_key_records_one_entry(client, owner):
    headers = {"Idempotency-Key": "entry-1"}
    body = {"account_id": owner.account_id, "date": "2026-03-05", "amount": "5", "direction": "out"}
    first, second = (client.post(URL, json=body, headers=headers) for _ in range(2))
    assert first.status_code == second.status_code == 201 and first.get_json() == second.get_json()
    assert count(Transaction, Transaction.workspace_id == owner.ws.id) == 1 and count(IdempotencyKey) == 1
    etag = client.get(URL).headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
