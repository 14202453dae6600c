"""The budget alert job: one notification per line and month at 80 % and at 100 %, however often it runs."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from financeapp.budgets.jobs import check_budget_alerts
from financeapp.extensions import db
from financeapp.notifications.models import Notification
from tests.budgets.conftest import budget
from tests.factories import add_member, make_transaction, make_user

DAY = date(2026, 3, 20)


def alerts() -> list[tuple[int, str, str]]:
    rows = db.session.execute(sa.select(Notification.user_id, Notification.dedupe_key, Notification.title)
                              .where(Notification.kind == "budget_alert").order_by(Notification.id))
    return [tuple(row) for row in rows]


def test_alerts_fire_at_80_and_100_percent_exactly_once_when_run_twice(home):
    line = budget(home.ws, home.groceries, "100")
    make_transaction(home.checking, "-79.99", on=date(2026, 3, 2), category=home.groceries)
    assert check_budget_alerts(DAY) == 0
    make_transaction(home.checking, "-0.01", on=date(2026, 3, 3), category=home.groceries)
    assert check_budget_alerts(DAY) == 1
    assert check_budget_alerts(DAY) == 0
    db.session.commit()
    assert alerts() == [(home.user.id, f"budget:{line.id}:2026-03:80",
                         "Everyday: Groceries is at 80 % of its March 2026 budget")]
    make_transaction(home.checking, "-20", on=date(2026, 3, 4), category=home.groceries)
    assert check_budget_alerts(DAY) == 1
    assert check_budget_alerts(DAY) == 0
    db.session.commit()
    assert [key for _, key, _ in alerts()] == [f"budget:{line.id}:2026-03:80", f"budget:{line.id}:2026-03:100"]


def test_a_line_that_jumps_past_100_percent_alerts_once_and_every_member_gets_it(home):
    partner = make_user("partner@example.com")
    add_member(home.ws, partner, "viewer")
    line = budget(home.ws, home.fuel, "50")
    make_transaction(home.checking, "-75", on=date(2026, 3, 2), category=home.fuel)
    assert check_budget_alerts(DAY) == 2
    assert check_budget_alerts(DAY) == 0
    db.session.commit()
    assert sorted(alerts()) == sorted([
        (home.user.id, f"budget:{line.id}:2026-03:100", "Transport: Fuel has used up its March 2026 budget"),
        (partner.id, f"budget:{line.id}:2026-03:100", "Transport: Fuel has used up its March 2026 budget"),
    ])
    (url,) = set(db.session.scalars(sa.select(Notification.url)))
    assert url == "/budgets/?month=2026-03"


def test_other_months_and_yearly_lines_are_checked_on_their_own_keys(home):
    budget(home.ws, home.groceries, "100", date(2026, 2, 1))
    yearly = budget(home.ws, home.fuel, "1000", date(2026, 1, 1), period="year")
    make_transaction(home.checking, "-500", on=date(2026, 2, 2), category=home.groceries)
    make_transaction(home.checking, "-850", on=date(2026, 2, 2), category=home.fuel)
    assert check_budget_alerts(DAY) == 1  # March: only the yearly line is checked
    db.session.commit()
    assert [key for _, key, _ in alerts()] == [f"budget:{yearly.id}:2026:80"]
