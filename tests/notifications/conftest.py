"""Notification fixtures: two members of one workspace, each with their own notifications; a real SMTP
server on loopback for the e-mail deliveries."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from financeapp.extensions import db
from financeapp.notifications.services import notify
from tests.factories import add_member, make_user, personal_workspace
from tests.mail.smtp import smtp_server  # noqa: F401 (a fixture)


@dataclass
class Household:
    ana: object
    ben: object
    ws: object


@pytest.fixture
def household(ctx) -> Household:
    ana = make_user("ana@example.com", name="Ana")
    ben = make_user("ben@example.com", name="Ben")
    ws = personal_workspace(ana)
    add_member(ws, ben, "viewer")
    return Household(ana, ben, ws)


def note(ws, user, key: str, title: str = "Something happened", url: str = "/budgets/?month=2026-03"):
    (row,) = notify(ws, "budget_alert", title, key, url=url, user_ids=[user.id])
    db.session.commit()
    return row
