"""The cards that come from other domains (budgets, goals): shown once those provide their functions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from financeapp.extensions import db
from financeapp.reports.services import optional
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace


@pytest.fixture
def household(ctx, auth):
    ws = personal_workspace(make_user("cards@example.com"))
    account = make_account(ws, "Bank", opening_balance="3000.00", opening_date=date(2020, 1, 1))
    return ws, account


@pytest.mark.skipif(optional("financeapp.budgets.services", "month_figures") is None, reason="no budgets yet")
def test_the_budget_card_shows_this_months_lines_and_overspending(client, auth, household):
    from financeapp.budgets.services import LineInput, set_line

    ws, account = household
    food = make_category(ws, "Food")
    month = date.today().replace(day=1)
    set_line(ws, LineInput(category_id=food.id, month=month, amount=Decimal("100.00")))
    db.session.commit()
    make_transaction(account, "-130.00", on=month, category=food)
    assert auth.login("cards@example.com").status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert "0 of 1 lines within budget" in page
    assert "Over: " in page and "Food" in page
    assert 'data-health-part="budget"' in page


@pytest.mark.skipif(optional("financeapp.goals.services", "goal_page") is None, reason="no goals yet")
def test_the_goals_card_lists_goals_with_progress(client, auth, household):
    from financeapp.goals.services import GoalInput, create_goal

    ws, _account = household
    create_goal(ws, GoalInput(name="New bike", target_amount=Decimal("800.00")))
    db.session.commit()
    assert auth.login("cards@example.com").status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="goals-card"' in page and "New bike" in page and "$800.00" in page
