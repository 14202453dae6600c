"""/api/v1/labels: list with counts, get, create, rename, delete via labels/services; roles, isolation."""

from __future__ import annotations

from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.labels.services import labels_named
from tests.api.fixtures import assert_problem, count

URL = "/api/v1/labels"


def test_round_trip(client, owner):
    made = client.post(URL, json={"name": " travel  plans "})
    assert made.status_code == 201, made.get_json()
    label = made.get_json()["data"]
    assert label | {"id": 0} == {"id": 0, "name": "travel plans", "colour": "#6c757d"}
    assert client.get(made.headers["Location"]).get_json()["data"] == label
    listed = client.get(URL).get_json()
    assert listed["data"] == [{**label, "transactions": 0}]
    assert listed["meta"] == {"page": 1, "per_page": 50, "total": 1, "pages": 1, "next": None}
    assert client.patch(f"{URL}/{label['id']}", json={"name": "trips"}).get_json()["data"]["name"] == "trips"
    assert client.delete(f"{URL}/{label['id']}").status_code == 204
    assert count(Label) == 0


def test_invalid_and_clashing_names_write_nothing(client, owner):
    client.post(URL, json={"name": "Work"})
    for body in ({"name": ""}, {"name": "a,b"}, {"name": "x" * 41}, {"name": 3}, {"title": "x"}):
        assert "errors" in assert_problem(client.post(URL, json=body), 422), body
    assert_problem(client.post(URL, json={"name": "work"}), 409)
    other = client.post(URL, json={"name": "Home"}).get_json()["data"]["id"]
    assert_problem(client.patch(f"{URL}/{other}", json={"name": "Work"}), 409)
    assert count(Label) == 2


def test_roles_and_isolation(client, viewer, auth):
    mine = labels_named(viewer.ws, ["mine"])[0].id
    theirs = labels_named(viewer.other_ws, ["theirs"])[0].id
    db.session.commit()
    assert client.get(f"{URL}/{mine}").status_code == 200
    assert_problem(client.post(URL, json={"name": "new"}), 403)
    assert_problem(client.patch(f"{URL}/{mine}", json={"name": "new"}), 403)
    assert_problem(client.delete(f"{URL}/{mine}"), 403)
    auth.logout()
    auth.login("owner@example.com")
    assert [label["name"] for label in client.get(URL).get_json()["data"]] == ["mine"]
    for response in (client.get(f"{URL}/{theirs}"), client.patch(f"{URL}/{theirs}", json={"name": "x"}),
                     client.delete(f"{URL}/{theirs}")):
        assert_problem(response, 404)
    assert count(Label, Label.name == "theirs") == 1


def test_etag_and_idempotency(client, owner):
    headers = {"Idempotency-Key": "label-1"}
    a = client.post(URL, json={"name": "once"}, headers=headers)
    b = client.post(URL, json={"name": "once"}, headers=headers)
    assert a.status_code == b.status_code == 201 and a.get_json() == b.get_json()
    assert count(Label) == 1
    etag = client.get(URL).headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
