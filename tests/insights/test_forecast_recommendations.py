"""Budget recommendations from the forecasts, scaled to income minus savings goals, applied to a budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from financeapp.budgets import services as budgets
from financeapp.core.errors import Invalid
from financeapp.extensions import db
from financeapp.goals.services import GoalInput, create_goal
from financeapp.insights.forecasts import jobs, recommendations
from financeapp.insights.forecasts.recommendations import Recommendation, _scaled
from tests.conftest import csrf_token_from
from tests.factories import add_member, make_category, make_transaction, make_user
from tests.insights.forecast_data import AS_OF, history, month_on

TODAY = date(2026, 7, 5)  # mid-month: the last complete month is June 2026, "next month" August


def item(point: str, high: str) -> Recommendation:
    return Recommendation(1, "x", "2026-08", Decimal(point), Decimal(high), Decimal(0), Decimal(high), "ensemble")


def test_tops_that_fit_are_kept():
    items, how = _scaled([item("100", "150"), item("50", "80")], Decimal("1000"), "USD")
    assert how == "none" and [i.amount for i in items] == [Decimal("150"), Decimal("80")]


def test_the_headroom_is_cut_by_the_same_share_when_the_tops_do_not_fit():
    items, how = _scaled([item("100", "150"), item("50", "80")], Decimal("190"), "USD")
    # room 190 - points 150 = 40 of headroom 50 + 30: 25 and 15
    assert how == "headroom" and [i.amount for i in items] == [Decimal("125.00"), Decimal("65.00")]
    assert sum(i.amount for i in items) == Decimal("190")


def test_everything_is_scaled_when_even_the_forecasts_do_not_fit():
    items, how = _scaled([item("100", "150"), item("50", "80")], Decimal("90"), "USD")
    assert how == "all" and [i.amount for i in items] == [Decimal("60.00"), Decimal("30.00")]


def _fitted(ws) -> None:
    jobs.refresh_workspace(ws.id, as_of=TODAY, workers=0)


def test_the_plan_starts_next_month_with_the_top_of_the_interval_rounded_up(ctx):
    _, ws, _, groceries, _ = history()
    _fitted(ws)
    plan = recommendations.build_plan(ws, TODAY)
    assert plan.status == "ready" and len(plan.months) == 12
    august = plan.months[0]
    assert august.month == "2026-08" and august.scaling == "none"
    [groceries_item] = [i for i in august.items if i.category_id == groceries.id]
    assert groceries_item.amount >= groceries_item.high > groceries_item.point
    assert groceries_item.amount == groceries_item.amount.to_integral_value()
    assert august.income == Decimal("2500.00")


def test_a_savings_goal_shrinks_the_room_and_the_recommendations_fit_it(ctx):
    _, ws, *_ = history()
    create_goal(ws, GoalInput("Boat", Decimal("52000"), target_date=date(2028, 7, 1)), today=TODAY)
    db.session.commit()
    _fitted(ws)
    august = recommendations.build_plan(ws, TODAY).months[0]
    assert august.savings == Decimal("2166.67")  # 52,000 over 24 months, rounded up to the cent
    assert august.room == Decimal("333.33")
    assert august.scaling in ("headroom", "all") and august.total == august.room


def test_nothing_is_recommended_while_the_forecasts_are_being_computed(ctx):
    _, ws, *_ = history()
    plan = recommendations.build_plan(ws, TODAY)
    assert plan.status == "computing" and plan.stale_keys
    with pytest.raises(Invalid):
        recommendations.apply_month(ws, date(2026, 8, 1), TODAY)


def test_applying_a_month_writes_its_budget_through_the_budgets_services(ctx):
    _, ws, _, groceries, _ = history()
    rent = make_category(ws, "Rent", group="Home")
    _fitted(ws)
    august = date(2026, 8, 1)
    budgets.set_line(ws, budgets.LineInput(rent.id, august, Decimal("900")))  # another line stays
    assert recommendations.apply_month(ws, august, TODAY) == 1
    db.session.commit()
    lines = {line.category_id: line.amount for line in budgets.lines_of_month(ws, august)}
    expected = recommendations.build_plan(ws, TODAY).months[0].items[0].amount
    assert lines == {groceries.id: expected, rent.id: Decimal("900")}
    with pytest.raises(Invalid):
        recommendations.apply_month(ws, date(2030, 1, 1), TODAY)


def test_the_apply_button_needs_a_manager_and_csrf(client, auth, ctx, app, monkeypatch):
    _, ws, *_ = history()
    jobs.refresh_workspace(ws.id, workers=0)
    viewer = make_user("vera@example.com", name="Vera")
    add_member(ws, viewer, "viewer")
    auth.login("fran@example.com")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/insights/").get_data(as_text=True)
    token = csrf_token_from(page)
    month = recommendations.build_plan(ws).months[0].month
    assert client.post("/insights/recommendations/apply", data={"month": month}).status_code == 400  # no token
    response = client.post("/insights/recommendations/apply", data={"month": month, "csrf_token": token})
    assert response.status_code == 302 and f"month={month}" in response.headers["Location"]
    first = date(int(month[:4]), int(month[5:]), 1)
    assert len(budgets.lines_of_month(ws, first)) == 1
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    auth.logout()
    auth.login("vera@example.com")
    client.post(f"/workspaces/{ws.id}/switch")
    page = client.get("/insights/").get_data(as_text=True)
    assert "Apply to that month" not in page  # a viewer sees the recommendations, not the button
    assert client.post("/insights/recommendations/apply", data={"month": month}).status_code == 403


def test_a_changed_transaction_means_new_recommendations_are_computed(ctx):
    _, ws, account, groceries, _ = history()
    _fitted(ws)
    make_transaction(account, "-999.00", on=month_on(29, 20), category=groceries)
    assert recommendations.build_plan(ws, TODAY).status == "computing"
    assert AS_OF < TODAY
