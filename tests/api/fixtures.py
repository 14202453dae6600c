"""Fixtures for the JSON API tests (tests/<domain>/test_api.py import them): an owner's workspace, a stranger's,
and problem+json checks."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.workspaces.models import Workspace
from tests.factories import add_member, make_account, make_user, personal_workspace

OWNER = "owner@example.com"
STRANGER = "stranger@example.com"
VIEWER = "viewer@example.com"


@dataclass
class Ledger:
    """The owner's workspace and one account in it, and a stranger's workspace and account."""

    ws: Workspace
    account_id: int
    other_ws: Workspace
    other_account_id: int


@pytest.fixture
def ledger(ctx) -> Ledger:
    ws = personal_workspace(make_user(OWNER))
    other_ws = personal_workspace(make_user(STRANGER))
    account = make_account(ws, "Checking", opening_balance="100.00")
    other = make_account(other_ws, "Stranger's checking", opening_balance="5000.00")
    return Ledger(ws, account.id, other_ws, other.id)


@pytest.fixture
def owner(ledger, auth) -> Ledger:
    """The ledger, with the client signed in as its owner."""
    assert auth.login(OWNER).status_code == 302
    return ledger


@pytest.fixture
def viewer(ledger, auth, client) -> Ledger:
    """The ledger, with the client signed in as a viewer of the owner's workspace."""
    user = make_user(VIEWER)
    add_member(ledger.ws, user, "viewer")
    assert auth.login(VIEWER).status_code == 302
    assert client.post(f"/workspaces/{ledger.ws.id}/switch").status_code == 302
    return ledger


def assert_problem(response, status: int) -> dict:
    """The response is an RFC 9457 problem with this status; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and "detail" in body
    return body


def count(model, *conditions) -> int:
    """Rows in the table as committed (the test's own session starts afresh)."""
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))
