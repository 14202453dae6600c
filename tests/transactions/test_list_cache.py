"""The transactions list's rows are cached per data version (core/versions.py): never stale, nor shared by roles."""

from __future__ import annotations

import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.payees.models import Payee
from tests.conftest import Auth
from tests.factories import add_member, make_account, make_transaction, make_user, personal_workspace


def test_a_renamed_payee_shows_on_the_next_request(app, client, auth):
    with app.app_context():
        user = make_user(email="cache@example.com")
        account = make_account(personal_workspace(user), name="Everyday")
        make_transaction(account, "-12.00", payee="Old Name Cafe")
        db.session.commit()
    auth.login("cache@example.com")
    assert "Old Name Cafe" in client.get("/transactions/").get_data(as_text=True)
    with app.app_context():
        db.session.execute(sa.update(Payee).where(Payee.name == "Old Name Cafe").values(name="New Name Cafe"))
        db.session.commit()
    page = client.get("/transactions/").get_data(as_text=True)
    assert "New Name Cafe" in page and "Old Name Cafe" not in page


def test_a_viewer_never_gets_the_members_rows(app):
    with app.app_context():
        owner = make_user(email="rows-owner@example.com")
        viewer = make_user(email="rows-viewer@example.com")
        workspace = personal_workspace(owner)
        add_member(workspace, viewer, "viewer")
        make_transaction(make_account(workspace, name="Shared"), "-3.00", payee="Shared Shop")
        db.session.commit()
        workspace_id = workspace.id
    owner_client, viewer_client = app.test_client(), app.test_client()
    Auth(owner_client).login("rows-owner@example.com")
    Auth(viewer_client).login("rows-viewer@example.com")
    viewer_client.post(f"/workspaces/{workspace_id}/switch")
    for client in (owner_client, viewer_client):
        client.get("/transactions/")  # each sign-in's message, and the writes of signing in, done
    # Same data version, same address: the owner's rows (with checkboxes) are cached first.
    assert 'name="ids"' in owner_client.get("/transactions/").get_data(as_text=True)
    page = viewer_client.get("/transactions/").get_data(as_text=True)
    assert "Shared Shop" in page and 'name="ids"' not in page
