"""Workspace switching, settings and roles over HTTP."""

from __future__ import annotations

import pytest

from financeapp.workspaces.services import WorkspaceSettings, create_workspace
from tests.factories import add_member, make_user, personal_workspace


@pytest.fixture
def two_users(ctx):
    ada = make_user("ada@example.com", name="Ada")
    bob = make_user("bob@example.com", name="Bob")
    return ada, bob


def test_user_cannot_switch_into_a_workspace_they_are_not_in(client, auth, two_users):
    _ada, bob = two_users
    bobs = personal_workspace(bob).id
    auth.login("ada@example.com")
    assert client.post(f"/workspaces/{bobs}/switch").status_code == 404
    assert "Bob&#39;s money" not in client.get("/dashboard").get_data(as_text=True)


def test_switcher_lists_only_own_workspaces_and_switches(client, auth, two_users, ctx):
    ada, bob = two_users
    shared = create_workspace(bob, WorkspaceSettings("Household", "EUR"))
    add_member(shared, ada, "member")
    auth.login("ada@example.com")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Household" in page and "Bob&#39;s money" not in page
    assert client.post(f"/workspaces/{shared.id}/switch").status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Household · amounts in EUR" in page


def test_owner_renames_and_sets_base_currency(client, auth, two_users, ctx):
    auth.login("ada@example.com")
    response = client.post("/workspaces/settings", data={"name": "Ada & Co", "base_currency": "GBP"})
    assert response.status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Ada &amp; Co · amounts in GBP" in page


def test_settings_reject_bad_input_and_write_nothing(client, auth, two_users, ctx):
    auth.login("ada@example.com")
    response = client.post("/workspaces/settings", data={"name": "", "base_currency": "XXY"})
    assert response.status_code == 422
    assert "Ada&#39;s money" in client.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize("role", ["viewer", "member", "manager"])
def test_only_owner_changes_settings(client, auth, two_users, ctx, role):
    ada, bob = two_users
    bobs = personal_workspace(bob)
    add_member(bobs, ada, role)
    auth.login("ada@example.com")
    client.post(f"/workspaces/{bobs.id}/switch")
    response = client.post("/workspaces/settings", data={"name": "Taken over", "base_currency": "USD"})
    assert response.status_code == 403
    assert "Taken over" not in client.get("/dashboard").get_data(as_text=True)


def test_viewer_can_read_the_dashboard(client, auth, two_users, ctx):
    ada, bob = two_users
    bobs = personal_workspace(bob)
    add_member(bobs, ada, "viewer")
    auth.login("ada@example.com")
    client.post(f"/workspaces/{bobs.id}/switch")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "viewer" in page.get_data(as_text=True)


def test_removed_membership_falls_back_to_own_workspace(client, auth, two_users, ctx):
    ada, bob = two_users
    bobs = personal_workspace(bob)
    membership = add_member(bobs, ada, "member")
    auth.login("ada@example.com")
    client.post(f"/workspaces/{bobs.id}/switch")
    from financeapp.extensions import db
    db.session.delete(membership)
    db.session.commit()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Ada&#39;s money · amounts in USD" in page


def test_create_workspace(client, auth, two_users):
    auth.login("ada@example.com")
    response = client.post("/workspaces/new", data={"name": "Side business", "base_currency": "CHF"})
    assert response.status_code == 302
    assert "Side business · amounts in CHF" in client.get("/dashboard").get_data(as_text=True)
