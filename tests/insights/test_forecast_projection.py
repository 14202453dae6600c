"""An account's balance projection: scheduled items on their dates, the unscheduled forecast, the lowest point."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from financeapp.extensions import db
from financeapp.insights.forecasts import jobs, projection
from financeapp.recurring.services import RecurringInput, create_recurring
from tests.factories import make_account
from tests.insights.forecast_data import history

TODAY = date(2026, 7, 1)


def test_scheduled_items_move_the_balance_on_their_dates_and_the_lowest_point_is_found(ctx):
    _, ws, account, *_ = history()
    savings = make_account(ws, "Fran savings")
    create_recurring(ws, RecurringInput(name="Rent", account_id=account.id, amount=Decimal("1800"),
                                        start_date=date(2026, 7, 3), auto_post=True))
    create_recurring(ws, RecurringInput(name="To savings", account_id=account.id, amount=Decimal("200"),
                                        kind="transfer", to_account_id=savings.id, start_date=date(2026, 7, 20),
                                        auto_post=True))
    db.session.commit()
    result = projection.project(ws, account, 40, TODAY)
    assert result.status == "computing"  # the forecasts are not fitted yet: scheduled items only
    today = projection.balance_on(ws, account, TODAY)
    assert result.opening == today and result.days[0] == (TODAY, today)
    by_day = dict(result.days)
    assert by_day[date(2026, 7, 3)] == today - Decimal("1800")
    assert by_day[date(2026, 7, 20)] == today - Decimal("2000")
    assert by_day[date(2026, 8, 3)] == today - Decimal("3800")
    assert result.lowest == (date(2026, 8, 3), today - Decimal("3800"))
    into = projection.project(ws, savings, 30, TODAY)
    assert dict(into.days)[date(2026, 7, 20)] == Decimal("200")  # the transfer arrives


def test_the_unscheduled_forecast_is_spread_over_the_days_without_counting_the_scheduled_items_twice(ctx):
    _, ws, account, *_ = history()
    create_recurring(ws, RecurringInput(name="Gym", account_id=account.id, amount=Decimal("100"),
                                        start_date=date(2026, 7, 15), auto_post=True))
    db.session.commit()
    jobs.refresh_workspace(ws.id, [f"spending:a{account.id}", f"income:a{account.id}"], as_of=TODAY, workers=0)
    result = projection.project(ws, account, 31, TODAY)
    assert result.status == "ready"
    spend, earn = result.unscheduled["2026-07"]
    assert spend > 0 and earn > 0
    forecast_spending = spend + Decimal("100")  # the gym is scheduled, the rest is spread
    assert forecast_spending > Decimal("300")
    end = result.days[-1][1]
    expected = result.opening - Decimal("100") + earn - spend
    assert abs(end - expected) <= Decimal("0.01")  # every cent of the month, spread day by day
    assert result.lowest[1] == min(b for _, b in result.days)


def test_the_projection_is_bounded(ctx):
    _, ws, account, *_ = history(months=2)
    assert len(projection.project(ws, account, 10_000, TODAY).days) == projection.MAX_DAYS
    assert projection.project(ws, account, 1, TODAY).days[0][0] == TODAY
