"""/api/v1/payees: list with search and counts, get, create, change, delete via payees/services; roles, isolation."""

from __future__ import annotations

from financeapp.accounts.models import Account
from financeapp.extensions import db
from financeapp.payees.models import Payee
from financeapp.transactions.models import Transaction
from tests.api.fixtures import assert_problem, count
from tests.factories import make_category, make_transaction

URL = "/api/v1/payees"


def test_round_trip(client, owner):
    food = make_category(owner.ws, "Food")
    db.session.commit()
    made = client.post(URL, json={"name": "  Corner   shop ", "default_category_id": food.id})
    assert made.status_code == 201, made.get_json()
    payee = made.get_json()["data"]
    assert payee | {"id": 0} == {"id": 0, "name": "Corner shop", "default_category_id": food.id}
    assert client.get(made.headers["Location"]).get_json()["data"] == payee
    changed = client.patch(f"{URL}/{payee['id']}", json={"default_category_id": None}).get_json()["data"]
    assert changed == {**payee, "default_category_id": None}
    assert client.delete(f"{URL}/{payee['id']}").status_code == 204
    assert count(Payee) == 0


def test_list_searches_counts_and_pages(client, owner):
    account = db.session.get(Account, owner.account_id)
    make_transaction(account, "-1.00", payee="Bakery")
    make_transaction(account, "-2.00", payee="Bakery")
    make_transaction(account, "-3.00", payee="Butcher")
    body = client.get(f"{URL}?q=bak").get_json()
    assert [(p["name"], p["transactions"]) for p in body["data"]] == [("Bakery", 2)]
    assert body["meta"] == {"page": 1, "per_page": 50, "total": 1, "pages": 1, "next": None}
    assert client.get(f"{URL}?per_page=1").get_json()["meta"]["next"] == 2


def test_deleting_keeps_the_transactions(client, owner):
    txn = make_transaction(db.session.get(Account, owner.account_id), "-1.00", payee="Bakery")
    db.session.commit()
    assert client.delete(f"{URL}/{txn.payee_id}").status_code == 204
    assert count(Transaction, Transaction.id == txn.id, Transaction.payee_id.is_(None)) == 1


def test_invalid_clashing_and_foreign_inputs_write_nothing(client, owner):
    client.post(URL, json={"name": "Bakery"})
    body = assert_problem(client.post(URL, json={"name": "", "default_category_id": "x", "colour": 1}), 422)
    assert set(body["errors"]) == {"name", "default_category_id", "colour"}
    assert_problem(client.post(URL, json={"name": "x" * 121}), 422)
    assert_problem(client.post(URL, json={"name": "Bakery"}), 409)
    theirs = make_category(owner.other_ws, "Secret")
    db.session.commit()
    assert_problem(client.post(URL, json={"name": "Mine", "default_category_id": theirs.id}), 404)
    assert count(Payee) == 1


def test_roles_and_isolation(client, viewer, auth):
    mine = make_transaction(db.session.get(Account, viewer.account_id), "-1.00", payee="Mine").payee_id
    theirs = make_transaction(db.session.get(Account, viewer.other_account_id), "-1.00", payee="Theirs").payee_id
    db.session.commit()
    assert client.get(f"{URL}/{mine}").status_code == 200
    assert_problem(client.post(URL, json={"name": "New"}), 403)
    assert_problem(client.patch(f"{URL}/{mine}", json={"name": "New"}), 403)
    assert_problem(client.delete(f"{URL}/{mine}"), 403)
    auth.logout()
    auth.login("owner@example.com")
    assert [p["name"] for p in client.get(URL).get_json()["data"]] == ["Mine"]
    for response in (client.get(f"{URL}/{theirs}"), client.patch(f"{URL}/{theirs}", json={"name": "x"}),
                     client.delete(f"{URL}/{theirs}")):
        assert_problem(response, 404)
    assert count(Payee, Payee.name == "Theirs") == 1


def test_etag_and_idempotency(client, owner):
    headers = {"Idempotency-Key": "payee-1"}
    a = client.post(URL, json={"name": "Once"}, headers=headers)
    b = client.post(URL, json={"name": "Once"}, headers=headers)
    assert a.status_code == b.status_code == 201 and a.get_json() == b.get_json()
    assert count(Payee) == 1
    etag = client.get(f"{URL}/{a.get_json()['data']['id']}").headers["ETag"]
    assert client.get(f"{URL}/{a.get_json()['data']['id']}", headers={"If-None-Match": etag}).status_code == 304
