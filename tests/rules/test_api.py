"""/api/v1/rules: rules in order (create, get, change, move, delete; a manager's), through rules/services."""

from __future__ import annotations

from financeapp.extensions import db
from financeapp.rules.models import Rule
from tests.api.fixtures import assert_problem, count
from tests.factories import add_member, make_category, make_user

URL = "/api/v1/rules"


def test_round_trip_and_order(client, owner):
    food = make_category(owner.ws, "Food")
    db.session.commit()
    made = client.post(URL, json={"name": "Market", "match_text": "market", "set_category_id": food.id,
                                  "add_labels": ["home", "food"], "amount_max": "200.5"})
    assert made.status_code == 201, made.get_json()
    rule = made.get_json()["data"]
    assert (rule["position"], rule["match_field"], rule["add_labels"], rule["amount_max"]) == (
        1, "payee", ["home", "food"], "200.5")
    assert client.get(made.headers["Location"]).get_json()["data"] == rule
    second = client.post(URL, json={"name": "Big", "amount_min": 1000, "add_labels": ["big"]}).get_json()["data"]
    moved = client.post(f"{URL}/{second['id']}/move", json={"direction": "up"}).get_json()["data"]
    assert moved["moved"] is True
    assert [r["name"] for r in client.get(URL).get_json()["data"]] == ["Big", "Market"]
    assert client.post(f"{URL}/{second['id']}/move", json={"direction": "up"}).get_json()["data"]["moved"] is False
    changed = client.patch(f"{URL}/{rule['id']}", json={"active": False, "match_op": "equals"}).get_json()["data"]
    assert (changed["active"], changed["match_op"], changed["match_text"]) == (False, "equals", "market")
    assert client.delete(f"{URL}/{rule['id']}").status_code == 204
    assert count(Rule) == 1


def test_invalid_rules_write_nothing(client, owner):
    body = assert_problem(client.post(URL, json={"name": "", "match_op": "like", "sign": "both", "z": 0}), 422)
    assert set(body["errors"]) == {"match_op", "sign", "z"}
    body = assert_problem(client.post(URL, json={"name": "Everything", "set_payee": "x"}), 422)
    assert "condition" in body["errors"]["match_text"]
    body = assert_problem(client.post(URL, json={"name": "Bad", "match_op": "regex", "match_text": "(",
                                                 "set_payee": "x"}), 422)
    assert "match_text" in body["errors"]
    assert_problem(client.post(f"{URL}/1/move", json={"direction": "sideways"}), 404)
    assert count(Rule) == 0


def test_roles_and_isolation(client, viewer, auth):
    from tests.rules.conftest import add_rule

    mine = add_rule(viewer.ws, "Mine", match_text="x", set_payee="y").id
    theirs = add_rule(viewer.other_ws, "Theirs", match_text="x", set_payee="y").id
    db.session.commit()
    assert client.get(f"{URL}/{mine}").status_code == 200
    add_member(viewer.ws, make_user("member@example.com"), "member")
    for who in ("viewer", "member"):
        if who == "member":
            auth.logout()
            auth.login("member@example.com")
            client.post(f"/workspaces/{viewer.ws.id}/switch")
        assert_problem(client.post(URL, json={"name": "n", "match_text": "a", "set_payee": "b"}), 403)
        assert_problem(client.patch(f"{URL}/{mine}", json={"name": "n"}), 403)
        assert_problem(client.delete(f"{URL}/{mine}"), 403)
        assert_problem(client.post(f"{URL}/{mine}/move", json={"direction": "up"}), 403)
    auth.logout()
    auth.login("owner@example.com")
    for response in (client.get(f"{URL}/{theirs}"), client.patch(f"{URL}/{theirs}", json={"name": "x"}),
                     client.delete(f"{URL}/{theirs}"), client.post(f"{URL}/{theirs}/move", json={"direction": "up"})):
        assert_problem(response, 404)
    body = assert_problem(client.post(URL, json={"name": "n", "account_id": viewer.other_account_id,
                                                 "set_payee": "b"}), 422)
    assert "account_id" in body["errors"]  # as on the page: "Choose one of your accounts."
    assert [r["name"] for r in client.get(URL).get_json()["data"]] == ["Mine"]
    assert count(Rule) == 2


def test_etag_and_idempotency(client, owner):
    headers = {"Idempotency-Key": "rule-1"}
    body = {"name": "Once", "match_text": "a", "set_payee": "b"}
    a, b = (client.post(URL, json=body, headers=headers) for _ in range(2))
    assert a.status_code == b.status_code == 201 and a.get_json() == b.get_json() and count(Rule) == 1
    etag = client.get(URL).headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
