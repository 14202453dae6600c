"""/api/v1/categories: the tree's envelope, one category, create, change, delete via categories/services."""

from __future__ import annotations

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.extensions import db
from financeapp.transactions.models import TransactionLine
from tests.api.fixtures import assert_problem, count
from tests.factories import make_category, make_transaction

URL = "/api/v1/categories"


def test_create_a_group_and_a_category_then_get_change_delete(client, owner):
    group = client.post(URL, json={"name": "Side jobs", "kind": "income"})
    assert group.status_code == 201, group.get_json()
    group_id = group.get_json()["data"]["id"]
    assert group.headers["Location"].endswith(f"{URL}/{group_id}")
    child = client.post(URL, json={"name": "Tutoring", "parent_id": group_id}).get_json()["data"]
    assert child | {"id": 0} == {"id": 0, "name": "Tutoring", "kind": "income", "parent_id": group_id,
                                 "categories": []}  # the group's kind by default
    got = client.get(f"{URL}/{group_id}").get_json()["data"]
    assert got["categories"] == [{"id": child["id"], "name": "Tutoring", "kind": "income"}]

    renamed = client.patch(f"{URL}/{child['id']}", json={"name": "Lessons"}).get_json()["data"]
    assert (renamed["name"], renamed["parent_id"]) == ("Lessons", group_id)
    listed = client.get(f"{URL}?kind=income").get_json()
    assert "Side jobs" in [g["name"] for g in listed["data"]] and {g["kind"] for g in listed["data"]} == {"income"}
    assert listed["meta"] == {"page": 1, "per_page": 50, "total": len(listed["data"]), "pages": 1, "next": None}

    before = count(Category, Category.workspace_id == owner.ws.id)
    assert client.delete(f"{URL}/{group_id}").status_code == 204
    assert count(Category, Category.workspace_id == owner.ws.id) == before - 2  # the group and its category


def test_deleting_moves_lines_to_reassign_to(client, owner):
    food = make_category(owner.ws, "Food")
    other = make_category(owner.ws, "Other")
    make_transaction(db.session.get(Account, owner.account_id), "-3.00", category=food)
    db.session.commit()
    assert client.delete(f"{URL}/{food.id}?reassign_to={other.id}").status_code == 204
    assert count(TransactionLine, TransactionLine.category_id == other.id) == 1
    assert_problem(client.delete(f"{URL}/{other.id}?reassign_to=x"), 400)


def test_invalid_and_clashing_names_write_nothing(client, owner):
    make_category(owner.ws, "Food", group="Everyday")
    before = count(Category)
    body = assert_problem(client.post(URL, json={"name": "", "kind": "gift", "parent_id": "x", "extra": 1}), 422)
    assert set(body["errors"]) == {"kind", "parent_id", "extra"}
    assert_problem(client.post(URL, json={"name": "Everyday"}), 409)
    assert_problem(client.post(URL, json={"name": "  "}), 422)
    assert count(Category) == before


def test_roles_and_isolation(client, viewer, auth):
    mine = make_category(viewer.ws, "Food")
    db.session.commit()
    assert client.get(f"{URL}/{mine.id}").status_code == 200
    assert_problem(client.post(URL, json={"name": "New"}), 403)
    assert_problem(client.patch(f"{URL}/{mine.id}", json={"name": "New"}), 403)
    assert_problem(client.delete(f"{URL}/{mine.id}"), 403)
    theirs = make_category(viewer.other_ws, "Secret")
    db.session.commit()
    assert_problem(client.get(f"{URL}/{theirs.id}"), 404)
    auth.logout()
    auth.login("owner@example.com")
    assert_problem(client.get(f"{URL}/{theirs.id}"), 404)
    assert_problem(client.patch(f"{URL}/{theirs.id}", json={"name": "pwned"}), 404)
    assert_problem(client.delete(f"{URL}/{theirs.id}"), 404)
    assert_problem(client.post(URL, json={"name": "Under theirs", "parent_id": theirs.parent_id}), 404)
    assert count(Category, Category.name == "Secret") == 1 and count(Category, Category.name == "Under theirs") == 0


def test_etag_and_idempotency(client, owner):
    first = client.get(URL)
    assert client.get(URL, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    headers = {"Idempotency-Key": "cat-1"}
    a = client.post(URL, json={"name": "Once"}, headers=headers)
    b = client.post(URL, json={"name": "Once"}, headers=headers)
    assert a.status_code == b.status_code == 201 and a.get_json() == b.get_json()
    assert count(Category, Category.name == "Once") == 1
    assert client.get(URL, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
