"""/api/v1/notifications and /api/v1/settings/notifications: a user's own notifications and preferences."""

from __future__ import annotations

from financeapp.notifications.models import Notification, NotificationPreference
from tests.api.fixtures import assert_problem, count
from tests.notifications.conftest import note

URL = "/api/v1/notifications"


def test_list_count_read_and_delete_ones_own(client, auth, household):
    first = note(household.ws, household.ben, "a", "First")
    second = note(household.ws, household.ben, "b", "Second")
    anas = note(household.ws, household.ana, "c", "Ana's")
    first_id, second_id, anas_id = first.id, second.id, anas.id
    auth.login("ben@example.com")
    client.post(f"/workspaces/{household.ws.id}/switch")

    listed = client.get(URL).get_json()
    assert [n["title"] for n in listed["data"]] == ["Second", "First"]
    assert listed["meta"]["unread"] == 2 and listed["meta"]["total"] == 2
    badge = client.get(f"{URL}/unread-count")
    assert badge.get_json()["data"] == {"unread": 2}
    assert client.get(f"{URL}/unread-count", headers={"If-None-Match": badge.headers["ETag"]}).status_code == 304

    read = client.post(f"{URL}/{first_id}/read").get_json()["data"]  # a viewer may: they are Ben's own
    assert read["read_at"] is not None
    assert client.get(f"{URL}/unread-count").get_json()["data"] == {"unread": 1}
    assert client.post(f"{URL}/read-all").get_json()["data"] == {"marked": 1, "unread": 0}
    assert client.get(f"{URL}/{second_id}").get_json()["data"]["read_at"] is not None
    assert client.delete(f"{URL}/{second_id}").status_code == 204

    for response in (client.get(f"{URL}/{anas_id}"), client.post(f"{URL}/{anas_id}/read"),
                     client.delete(f"{URL}/{anas_id}")):
        assert_problem(response, 404)  # another member's notification
    assert count(Notification) == 2 and count(Notification, Notification.read_at.is_(None)) == 1


def test_preferences_change_only_the_channels_sent(client, auth, household):
    auth.login("ben@example.com")
    prefs = client.get("/api/v1/settings/notifications").get_json()["data"]
    assert prefs["channels"]["email"] == ["bill_due", "weekly_digest"] and prefs["channels"]["webhook"] == []
    changed = client.patch("/api/v1/settings/notifications", json={"channels": {"email": ["budget_alert"]}})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["data"]["channels"]["email"] == ["budget_alert"]
    assert changed.get_json()["data"]["channels"]["in_app"] == prefs["channels"]["in_app"]
    before = count(NotificationPreference)
    for bad in ({"channels": {"pigeon": []}}, {"channels": {"email": ["spam"]}}, {"channels": []}, {"x": 1}):
        assert_problem(client.patch("/api/v1/settings/notifications", json=bad), 422)
    assert count(NotificationPreference) == before


def test_settings_round_trip_and_validation(client, auth, household):
    auth.login("ben@example.com")
    me = client.get("/api/v1/settings").get_json()["data"]
    assert me["email"] == "ben@example.com"
    changed = client.patch("/api/v1/settings", json={"locale": "de_DE", "theme": "dark"}).get_json()["data"]
    assert (changed["locale"], changed["theme"], changed["display_name"]) == ("de_DE", "dark", "Ben")
    body = assert_problem(client.patch("/api/v1/settings", json={"locale": "../../etc", "theme": "neon",
                                                                 "first_day_of_week": 9, "display_name": ""}), 422)
    assert set(body["errors"]) == {"locale", "theme", "first_day_of_week"}
    assert "display_name" in assert_problem(client.patch("/api/v1/settings", json={"display_name": " "}),
                                            422)["errors"]
    assert client.get("/api/v1/settings").get_json()["data"] == changed


def test_signed_out_is_401(client):
    for url in ("/api/v1/settings", "/api/v1/settings/notifications", f"{URL}/unread-count"):
        assert_problem(client.get(url), 401)
