"""Notifications: the list, the badge, read, read all and delete, each scoped to the user and the workspace."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.notifications.models import Notification
from financeapp.notifications.queries import notification_page, unread_count
from tests.factories import make_user, personal_workspace
from tests.notifications.conftest import note


def unread_of(user_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))


def test_the_list_is_newest_first_highlights_unread_and_is_paginated(household, client, auth):
    for index in range(30):
        note(household.ws, household.ana, f"k{index}", title=f"Event {index:02d}")
    note(household.ws, household.ben, "ben-only", title="For Ben")
    auth.login("ana@example.com")
    html = client.get("/notifications/").get_data(as_text=True)
    titles = re.findall(r'notification-title">Event (\d\d)', html)
    assert titles[:3] == ["29", "28", "27"] and len(titles) == 25
    assert "For Ben" not in html
    assert html.count("list-group-item-primary unread") == 25
    assert "30 unread" in html and "Page 1 of 2" in html
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert re.findall(r'notification-title">Event (\d\d)', second) == ["04", "03", "02", "01", "00"]
    assert client.get("/notifications/?page=99999999999999999999").status_code == 200


def test_the_badge_counts_unread_and_stops_polling_when_signed_out(household, client, auth):
    note(household.ws, household.ana, "a")
    note(household.ws, household.ana, "b")
    auth.login("ana@example.com")
    badge = client.get("/notifications/badge").get_data(as_text=True)
    assert 'hx-trigger="every 60s"' in badge and ">2<" in badge
    page = client.get("/budgets/").get_data(as_text=True)
    assert 'id="notifications-link"' in page and 'hx-get="/notifications/badge"' in page
    auth.logout()
    assert client.get("/notifications/badge").status_code == 286


def test_following_a_notification_marks_it_read_and_goes_to_its_page(household, client, auth):
    row = note(household.ws, household.ana, "a")
    auth.login("ana@example.com")
    response = client.post(f"/notifications/{row.id}/follow")
    assert response.status_code == 302 and response.headers["Location"] == "/budgets/?month=2026-03"
    assert unread_of(household.ana.id) == 0


def test_an_outside_url_is_never_followed(household, client, auth):
    row = note(household.ws, household.ana, "a", url="https://evil.example/")
    auth.login("ana@example.com")
    assert client.post(f"/notifications/{row.id}/follow").headers["Location"] == "/notifications/"


def test_mark_read_mark_all_read_and_delete(household, client, auth):
    first = note(household.ws, household.ana, "a").id
    second = note(household.ws, household.ana, "b").id
    note(household.ws, household.ana, "c")
    theirs = note(household.ws, household.ben, "d").id
    auth.login("ana@example.com")
    client.post(f"/notifications/{first}/read", data={"next": "/notifications/?page=1"})
    assert unread_of(household.ana.id) == 2
    html = client.get("/notifications/").get_data(as_text=True)
    assert 'data-confirm="Delete this notification?"' in html
    client.post(f"/notifications/{second}/delete")
    assert db.session.get(Notification, second) is None
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "Marked 1 notification read." in response.get_data(as_text=True)
    assert unread_of(household.ana.id) == 0
    assert unread_of(household.ben.id) == 1 and db.session.get(Notification, theirs).read_at is None


@pytest.mark.parametrize("action", ["follow", "read", "delete"])
def test_another_users_notification_is_a_404(household, client, auth, action):
    theirs = note(household.ws, household.ben, "d")
    auth.login("ana@example.com")
    assert client.post(f"/notifications/{theirs.id}/{action}").status_code == 404
    db.session.expire_all()
    row = db.session.get(Notification, theirs.id)
    assert row is not None and row.read_at is None


def test_another_workspaces_notification_is_a_404_even_for_the_same_user(household, client, auth):
    from financeapp.workspaces.models import Membership, Workspace

    team = Workspace(name="Team", base_currency="USD")
    db.session.add(team)
    db.session.flush()
    db.session.add(Membership(workspace=team, user=household.ana, role="owner"))
    db.session.commit()
    elsewhere = note(team, household.ana, "team-event", title="Team news")
    auth.login("ana@example.com")
    client.post(f"/workspaces/{personal_workspace(household.ana).id}/switch")
    assert "Team news" not in client.get("/notifications/").get_data(as_text=True)
    assert client.post(f"/notifications/{elsewhere.id}/read").status_code == 404
    assert client.post("/notifications/read-all").status_code == 302
    db.session.expire_all()
    assert db.session.get(Notification, elsewhere.id).read_at is None


def test_junk_ids_are_404s(household, client, auth):
    auth.login("ana@example.com")
    assert client.post("/notifications/99999999999999999999999/read").status_code == 404


def test_queries_scope_to_user_and_workspace(household):
    note(household.ws, household.ana, "a")
    note(household.ws, household.ben, "b")
    other = personal_workspace(make_user("carl@example.com"))
    assert unread_count(household.ws, household.ana.id) == 1
    assert unread_count(other, household.ana.id) == 0
    page = notification_page(household.ws, household.ben.id)
    assert [row.dedupe_key for row in page.rows] == ["b"] and page.pages == 1
