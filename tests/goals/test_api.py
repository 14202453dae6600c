"""/api/v1/goals: goals with progress and their contributions, through goals/services; roles, isolation."""

from __future__ import annotations

from financeapp.extensions import db
from financeapp.goals.models import Goal, GoalContribution
from tests.api.fixtures import assert_problem, count

URL = "/api/v1/goals"


def test_round_trip_with_contributions(client, owner):
    made = client.post(URL, json={"name": "Bike", "target_amount": "400", "target_date": "2030-06-01"})
    assert made.status_code == 201, made.get_json()
    goal = made.get_json()["data"]
    assert (goal["currency"], goal["target_amount"], goal["saved"], goal["percent"]) == ("USD", "400.00", "0.00", 0)
    assert client.get(made.headers["Location"]).get_json()["data"] == goal

    contributions = f"{URL}/{goal['id']}/contributions"
    first = client.post(contributions, json={"date": "2026-01-10", "amount": "150"})
    assert first.status_code == 201, first.get_json()
    repair = client.post(contributions, json={"date": "2026-01-20", "amount": "-50", "memo": "repair"})
    listed = client.get(contributions).get_json()
    assert [c["amount"] for c in listed["data"]] == ["-50.00", "150.00"]
    assert listed["meta"]["total"] == 2
    assert client.get(f"{URL}/{goal['id']}").get_json()["data"]["saved"] == "100.00"

    assert client.delete(f"{contributions}/{repair.get_json()['data']['id']}").status_code == 204
    changed = client.patch(f"{URL}/{goal['id']}", json={"target_amount": "10", "target_date": None}).get_json()
    assert (changed["data"]["reached"], changed["data"]["target_date"]) == (True, None)
    assert changed["data"]["name"] == "Bike"
    assert [g["name"] for g in client.get(URL).get_json()["data"]] == ["Bike"]
    assert client.delete(f"{URL}/{goal['id']}").status_code == 204
    assert count(Goal) == 0 and count(GoalContribution) == 0


def test_a_goal_following_an_account_takes_no_contributions(client, owner):
    goal = client.post(URL, json={"name": "Pot", "target_amount": 200, "account_id": owner.account_id})
    body = goal.get_json()["data"]
    assert (body["saved"], body["percent"], body["account_id"]) == ("100.00", 50, owner.account_id)
    assert_problem(client.post(f"{URL}/{body['id']}/contributions", json={"date": "2026-01-01", "amount": 5}), 422)
    assert count(GoalContribution) == 0


def test_invalid_input_is_named_and_writes_nothing(client, owner):
    body = assert_problem(client.post(URL, json={"name": "", "target_amount": "-5", "target_date": "soon",
                                                 "colour": "red"}), 422)
    assert {"target_amount", "target_date", "colour"} <= set(body["errors"])
    assert_problem(client.post(URL, json={"target_amount": "5"}), 422)
    goal = client.post(URL, json={"name": "Ok", "target_amount": "5"}).get_json()["data"]
    body = assert_problem(client.post(f"{URL}/{goal['id']}/contributions", json={"amount": 0}), 422)
    assert set(body["errors"]) == {"date", "amount"}
    assert count(Goal) == 1 and count(GoalContribution) == 0


def test_roles_and_isolation(client, viewer, auth):
    from datetime import date
    from decimal import Decimal

    from financeapp.goals.services import GoalInput, add_contribution, create_goal

    mine = create_goal(viewer.ws, GoalInput("Mine", Decimal(10)))
    theirs = create_goal(viewer.other_ws, GoalInput("Theirs", Decimal(10)))
    their_gift = add_contribution(viewer.other_ws, theirs, date(2026, 1, 1), Decimal(1))
    db.session.commit()
    mine_id, theirs_id, gift_id = mine.id, theirs.id, their_gift.id
    assert client.get(f"{URL}/{mine_id}/contributions").status_code == 200
    assert_problem(client.post(URL, json={"name": "x", "target_amount": 1}), 403)
    assert_problem(client.patch(f"{URL}/{mine_id}", json={"name": "x"}), 403)
    assert_problem(client.delete(f"{URL}/{mine_id}"), 403)
    assert_problem(client.post(f"{URL}/{mine_id}/contributions", json={"date": "2026-01-01", "amount": 1}), 403)
    auth.logout()
    auth.login("owner@example.com")
    for response in (client.get(f"{URL}/{theirs_id}"), client.patch(f"{URL}/{theirs_id}", json={"name": "x"}),
                     client.delete(f"{URL}/{theirs_id}"), client.get(f"{URL}/{theirs_id}/contributions"),
                     client.post(f"{URL}/{theirs_id}/contributions", json={"date": "2026-01-01", "amount": 1}),
                     client.delete(f"{URL}/{theirs_id}/contributions/{gift_id}"),
                     client.delete(f"{URL}/{mine_id}/contributions/{gift_id}")):
        assert_problem(response, 404)
    assert_problem(client.post(URL, json={"name": "x", "target_amount": 1, "account_id": viewer.other_account_id}),
                   404)
    assert count(Goal) == 2 and count(GoalContribution) == 1


def test_etag_and_idempotency(client, owner):
    headers = {"Idempotency-Key": "goal-1"}
    a, b = (client.post(URL, json={"name": "Once", "target_amount": 1}, headers=headers) for _ in range(2))
    assert a.status_code == b.status_code == 201 and a.get_json() == b.get_json() and count(Goal) == 1
    gid = a.get_json()["data"]["id"]
    c, _d = (client.post(f"{URL}/{gid}/contributions", json={"date": "2026-01-01", "amount": 1}, headers=headers)
            for _ in range(2))
    assert c.status_code == 422  # the same key for another request
    etag = client.get(f"{URL}/{gid}").headers["ETag"]
    assert client.get(f"{URL}/{gid}", headers={"If-None-Match": etag}).status_code == 304
    assert count(GoalContribution) == 0


def test_a_goal_at_a_crawl_has_no_projection_rather_than_an_error(client, owner):
    from datetime import date, timedelta

    goal = client.post(URL, json={"name": "Moon", "target_amount": "9999999999"}).get_json()["data"]
    on = (date.today() - timedelta(days=20)).isoformat()
    assert client.post(f"{URL}/{goal['id']}/contributions", json={"date": on, "amount": "0.01"}).status_code == 201
    body = client.get(f"{URL}/{goal['id']}").get_json()["data"]
    assert body["projected"] is None and body["saved"] == "0.01"
    assert client.get("/goals/").status_code == 200  # the page shows the same status


def test_page_numbers_in_other_scripts_are_a_400(client, owner):
    assert_problem(client.get(f"{URL}?page=%C2%B3"), 400)
    assert_problem(client.get("/api/v1/recurring/upcoming?days=%C2%B3"), 400)
