"""/api/v1/budgets: a month's lines (set, change, delete; a manager's) and its figures, through budgets/services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from financeapp.accounts.models import Account
from financeapp.budgets.models import BudgetLine
from financeapp.budgets.services import LineInput, set_line
from financeapp.extensions import db
from tests.api.fixtures import assert_problem, count
from tests.factories import add_member, make_category, make_transaction, make_user

LINES = "/api/v1/budgets/lines"
FIGURES = "/api/v1/budgets/figures"


def test_lines_round_trip_and_the_months_figures(client, owner):
    food = make_category(owner.ws, "Food")
    make_transaction(db.session.get(Account, owner.account_id), "-30.00", category=food, on=date(2026, 3, 4))
    db.session.commit()
    made = client.post(LINES, json={"category_id": food.id, "month": "2026-03", "amount": "100", "rollover": True})
    assert made.status_code == 201, made.get_json()
    line = made.get_json()["data"]
    assert line | {"id": 0} == {"id": 0, "category": {"id": food.id, "name": "Everyday: Food"}, "month": "2026-03",
                                "period": "month", "amount": "100.00", "rollover": True}
    assert client.get(made.headers["Location"]).get_json()["data"] == line
    listed = client.get(f"{LINES}?month=2026-03").get_json()
    assert listed["data"] == [line] and listed["meta"]["month"] == "2026-03" and listed["meta"]["total"] == 1
    assert client.get(f"{LINES}?month=2026-04").get_json()["data"] == []

    figures = client.get(f"{FIGURES}?month=2026-03").get_json()["data"]
    assert (figures["budgeted"], figures["spent"], figures["remaining"]) == ("100.00", "30.00", "70.00")
    [row] = figures["lines"]
    assert (row["line_id"], row["spent"], row["percent"], row["state"]) == (line["id"], "30.00", 30, "ok")

    changed = client.patch(f"{LINES}/{line['id']}", json={"amount": "35"}).get_json()["data"]
    assert (changed["amount"], changed["rollover"]) == ("35.00", True)
    assert client.get(f"{FIGURES}?month=2026-03").get_json()["data"]["lines"][0]["state"] == "warn"
    assert client.delete(f"{LINES}/{line['id']}").status_code == 204
    assert count(BudgetLine) == 0


def test_invalid_input_is_named_and_writes_nothing(client, owner):
    salary = make_category(owner.ws, "Salary", group="Income", kind="income")
    db.session.commit()
    body = assert_problem(client.post(LINES, json={"month": "2026-13", "amount": "-1", "period": "week"}), 422)
    assert set(body["errors"]) == {"category_id", "month", "amount", "period"}
    assert "expense" in assert_problem(client.post(LINES, json={"category_id": salary.id, "amount": 5}), 422)["detail"]
    assert_problem(client.get(f"{FIGURES}?month=March"), 400)
    assert_problem(client.get(f"{LINES}?month=2026-00"), 400)
    assert count(BudgetLine) == 0


def test_a_member_and_a_viewer_read_but_only_a_manager_writes(client, viewer, auth):
    food = make_category(viewer.ws, "Food")
    db.session.commit()
    line = client.get(FIGURES)  # a viewer reads
    assert line.status_code == 200
    for user, role in (("viewer@example.com", "viewer"), ("member@example.com", "member")):
        if role == "member":
            add_member(viewer.ws, make_user(user), "member")
            auth.logout()
            auth.login(user)
            client.post(f"/workspaces/{viewer.ws.id}/switch")
        assert_problem(client.post(LINES, json={"category_id": food.id, "amount": 5}), 403)
    assert count(BudgetLine) == 0


def test_isolation(client, owner):
    theirs = make_category(owner.other_ws, "Secret")
    db.session.commit()

    their_line = set_line(owner.other_ws, LineInput(theirs.id, date(2026, 3, 1), Decimal(9)))
    db.session.commit()
    line_id = their_line.id
    for response in (client.get(f"{LINES}/{line_id}"), client.patch(f"{LINES}/{line_id}", json={"amount": 1}),
                     client.delete(f"{LINES}/{line_id}"),
                     client.post(LINES, json={"category_id": theirs.id, "amount": 1})):
        assert_problem(response, 404)
    assert client.get(f"{LINES}?month=2026-03").get_json()["data"] == []
    assert count(BudgetLine) == 1


def test_etag_and_idempotency(client, owner):
    food = make_category(owner.ws, "Food")
    db.session.commit()
    headers = {"Idempotency-Key": "budget-1"}
    a, b = (client.post(LINES, json={"category_id": food.id, "amount": 5}, headers=headers) for _ in range(2))
    assert a.status_code == b.status_code == 201 and a.get_json() == b.get_json() and count(BudgetLine) == 1
    etag = client.get(FIGURES).headers["ETag"]
    assert client.get(FIGURES, headers={"If-None-Match": etag}).status_code == 304
