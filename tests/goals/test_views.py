"""Goal pages: list, create, detail with contributions, edit, delete, roles and scoping."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.goals.models import Goal, GoalContribution
from financeapp.notifications.models import Notification
from tests.factories import add_member, make_account, make_user, personal_workspace
from tests.goals.conftest import goal


@pytest.fixture
def signed_in(saver, client, auth):
    auth.login("gil@example.com")
    return saver


def test_the_list_starts_empty_and_invites_a_first_goal(signed_in, client):
    html = client.get("/goals/").get_data(as_text=True)
    assert "No goals yet" in html and "Add your first goal" in html


def test_creating_a_goal_and_contributing_until_a_milestone(signed_in, client):
    response = client.post("/goals/new", data={"name": "New bike", "target_amount": "800",
                                               "target_date": "2099-12-31", "account_id": ""})
    assert response.status_code == 302
    row = db.session.scalar(sa.select(Goal))
    assert (row.name, row.target_amount, row.currency) == ("New bike", 800, "USD")
    response = client.post(f"/goals/{row.id}/contributions", data={"on": date.today().isoformat(),
                                                                   "amount": "200", "memo": "Birthday"})
    assert response.status_code == 302
    html = client.get(f"/goals/{row.id}").get_data(as_text=True)
    assert "$200.00" in html and "Birthday" in html and "25 %" in html
    assert 'data-width="25"' in html
    assert db.session.scalar(sa.select(Notification.title)) == "New bike is 25 % of the way there"
    listing = client.get("/goals/").get_data(as_text=True)
    assert "New bike" in listing and "a month for" in listing


def test_a_bad_goal_is_shown_again_with_messages(signed_in, client):
    response = client.post("/goals/new", data={"name": "", "target_amount": "lots", "target_date": "31/31/2026"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give the goal a name." in html and "is not an amount" in html and "Not a valid date" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Goal)) == 0


def test_a_bad_contribution_writes_nothing(signed_in, client):
    row = goal(signed_in.ws)
    response = client.post(f"/goals/{row.id}/contributions", data={"on": "2026-03-01", "amount": "0"})
    assert response.status_code == 422 and "other than zero" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GoalContribution)) == 0


def test_editing_linking_an_account_and_deleting(signed_in, client):
    row = goal(signed_in.ws)
    form = client.get(f"/goals/{row.id}/edit").get_data(as_text=True)
    assert 'value="1200.00"' in form
    client.post(f"/goals/{row.id}/edit", data={"name": "Holiday", "target_amount": "1500",
                                               "account_id": signed_in.savings.id})
    db.session.expire_all()
    assert db.session.get(Goal, row.id).account_id == signed_in.savings.id
    html = client.get(f"/goals/{row.id}").get_data(as_text=True)
    assert "Progress is the balance of" in html and "data-confirm" in html
    assert client.post(f"/goals/{row.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Goal)) == 0


@pytest.mark.parametrize(("role", "url", "status"), [
    ("viewer", "/goals/new", 403), ("viewer", "/goals/{goal}/edit", 403), ("viewer", "/goals/{goal}/delete", 403),
    ("viewer", "/goals/{goal}/contributions", 403), ("member", "/goals/{goal}/delete", 403),
    ("member", "/goals/new", 403),
])
def test_viewers_cannot_change_goals(saver, client, auth, role, url, status):
    row = goal(saver.ws)
    helper = make_user("helper@example.com")
    add_member(saver.ws, helper, role)
    auth.login("helper@example.com")
    client.post(f"/workspaces/{saver.ws.id}/switch")
    assert client.get("/goals/").status_code == 200
    response = client.post(url.format(goal=row.id), data={"name": "x", "target_amount": "1", "on": "2026-03-01",
                                                          "amount": "5"})
    assert response.status_code == status
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GoalContribution)) == 0
    assert db.session.scalar(sa.select(Goal.name)) == "Holiday"


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/goals/{goal}"), ("get", "/goals/{goal}/edit"), ("post", "/goals/{goal}/edit"),
    ("post", "/goals/{goal}/delete"), ("post", "/goals/{goal}/contributions"),
    ("post", "/goals/{goal}/contributions/{contribution}/delete"),
])
def test_another_workspaces_goal_is_a_404(saver, client, auth, method, url):
    from financeapp.goals.services import add_contribution

    row = goal(saver.ws)
    contribution = add_contribution(saver.ws, row, date(2026, 3, 1), 5)
    db.session.commit()
    make_user("mallory@example.com")
    auth.login("mallory@example.com")
    response = getattr(client, method)(url.format(goal=row.id, contribution=contribution.id),
                                       data={"name": "pwned", "target_amount": "1", "on": "2026-03-01", "amount": "1"})
    assert response.status_code == 404
    assert db.session.scalar(sa.select(Goal.name)) == "Holiday"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GoalContribution)) == 1


def test_a_contribution_of_another_goal_is_a_404(signed_in, client):
    from financeapp.goals.services import add_contribution

    first, second = goal(signed_in.ws, "One"), goal(signed_in.ws, "Two")
    contribution = add_contribution(signed_in.ws, first, date(2026, 3, 1), 5)
    db.session.commit()
    assert client.post(f"/goals/{second.id}/contributions/{contribution.id}/delete").status_code == 404


def test_linking_another_workspaces_account_is_a_404(signed_in, client):
    theirs = make_account(personal_workspace(make_user("other@example.com")), "Theirs")
    response = client.post("/goals/new", data={"name": "Sneaky", "target_amount": "5", "account_id": theirs.id})
    assert response.status_code == 422  # not one of this workspace's accounts: refused at the field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Goal)) == 0
