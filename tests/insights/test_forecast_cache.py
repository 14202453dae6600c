"""The series from the reports' queries, the cache keyed by their checksum, the job and its invalidation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from financeapp.core.errors import NotFound
from financeapp.extensions import db
from financeapp.insights.forecasts import cache, jobs, services
from financeapp.insights.forecasts.cache import ForecastCache
from financeapp.insights.forecasts.series import SeriesKey, all_series, last_complete_month, load_series
from tests.factories import make_transaction
from tests.insights.forecast_data import AS_OF, MONTHS, history, month_on


def test_the_last_complete_month_is_this_one_only_on_its_last_day():
    assert last_complete_month(date(2026, 6, 30)) == "2026-06"
    assert last_complete_month(date(2026, 6, 29)) == "2026-05"
    assert last_complete_month(date(2026, 1, 5)) == "2025-12"


def test_series_come_from_the_reports_definition_of_spending(ctx):
    _, ws, account, groceries, _ = history()
    spending = load_series(ws, SeriesKey("spending"), AS_OF)
    assert len(spending.values) == MONTHS and spending.last_month == "2026-06"
    assert spending.values[0] == Decimal("300.25")
    assert spending.values[11] == Decimal("300.25") + 7 * 1 + 150  # December 2024
    income = load_series(ws, SeriesKey("income"), AS_OF)
    assert set(income.values) == {Decimal("2500.00")}
    net = load_series(ws, SeriesKey("net"), AS_OF)
    assert net.values[0] == Decimal("2199.75")
    keys = {s.key.text for s in all_series(ws, AS_OF)}
    assert {"spending", "income", "net", f"spending:c{groceries.id}", f"spending:a{account.id}"} <= keys


def test_as_of_uses_only_the_data_up_to_that_date(ctx):
    _, ws, *_ = history()
    series = load_series(ws, SeriesKey("spending"), month_on(20, 15))
    assert series.last_month == "2025-08" and len(series.values) == 20


def test_the_job_caches_each_series_and_a_request_then_reads_it(ctx):
    _, ws, _, groceries, _ = history()
    key = SeriesKey("spending", groceries.id)
    assert services.forecast_view(ws, key, 6, AS_OF).status == "computing"
    assert jobs.refresh_workspace(ws.id, [key.text], as_of=AS_OF) == 1
    view = services.forecast_view(ws, key, 6, AS_OF)
    assert view.status == "ready" and view.forecast.method in ("ensemble", "seasonal-naive")
    assert [p.month for p in view.points] == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    assert jobs.refresh_workspace(ws.id, [key.text], as_of=AS_OF) == 0  # fresh: nothing to fit again


def test_a_changed_transaction_makes_the_cache_stale_until_the_job_refits(ctx):
    _, ws, account, groceries, _ = history()
    key = SeriesKey("spending", groceries.id)
    jobs.refresh_workspace(ws.id, [key.text, "spending"], as_of=AS_OF)
    before = services.forecast_view(ws, key, 12, AS_OF)
    assert before.status == "ready"

    txn = make_transaction(account, "-5000.00", on=month_on(MONTHS - 1, 12), category=groceries)
    stale = services.forecast_view(ws, key, 12, AS_OF)
    assert stale.status == "computing" and stale.stale and stale.forecast is None
    assert services.forecast_view(ws, SeriesKey("spending"), 12, AS_OF).status == "computing"

    assert jobs.refresh_workspace(ws.id, [key.text], as_of=AS_OF) == 1
    after = services.forecast_view(ws, key, 12, AS_OF)
    assert after.status == "ready" and after.forecast != before.forecast

    txn.amount = Decimal("-4000.00")  # an edit, not only a new row
    txn.lines[0].amount = Decimal("-4000.00")
    db.session.commit()
    assert services.forecast_view(ws, key, 12, AS_OF).status == "computing"


def test_a_request_for_a_refresh_is_made_once_per_burst_and_runs_inline_without_redis(ctx):
    _, ws, *_ = history()
    assert jobs.request_refresh(ws, ["spending"], AS_OF) == "ran"  # outside a request: at once
    assert cache.is_fresh(ws, load_series(ws, SeriesKey("spending"), AS_OF))
    db.session.query(ForecastCache).delete()
    db.session.commit()
    assert cache.mark_requested(ws, ["spending"]) == ["spending"]
    assert cache.mark_requested(ws, ["spending"]) == []  # asked already, within PENDING_FOR


def test_another_workspaces_category_or_account_is_not_found(ctx):
    _, _, account, groceries, _ = history()
    _, other, *_ = history("olga@example.com")
    with pytest.raises(NotFound):
        load_series(other, SeriesKey("spending", groceries.id), AS_OF)
    with pytest.raises(NotFound):
        load_series(other, SeriesKey("spending", None, account.id), AS_OF)


def test_cached_forecasts_never_leak_between_workspaces(ctx):
    _, ws, *_ = history()
    _, other, *_ = history("olga@example.com", months=14)
    jobs.refresh_workspace(ws.id, ["spending"], as_of=AS_OF)
    assert services.forecast_view(other, SeriesKey("spending"), 12, AS_OF).status == "computing"
    jobs.refresh_workspace(other.id, ["spending"], as_of=AS_OF)
    mine = services.forecast_view(ws, SeriesKey("spending"), 12, AS_OF).forecast
    theirs = services.forecast_view(other, SeriesKey("spending"), 12, AS_OF).forecast
    assert mine.points[0].value > 250  # Fran's groceries go on
    assert theirs.points[0].value == 0  # Olga's stopped 16 months ago: each sees only its own
    rows = db.session.query(ForecastCache.workspace_id, ForecastCache.series_key).all()
    assert sorted(rows) == sorted([(ws.id, "spending"), (other.id, "spending")])


def test_with_redis_the_refit_is_enqueued_not_run(ctx, monkeypatch):
    _, ws, *_ = history()
    enqueued = []

    class Queue:
        def enqueue(self, func, *args, **kwargs):
            enqueued.append((func.__name__, args))

    monkeypatch.setattr(jobs, "get_queue", lambda app: Queue())
    assert jobs.request_refresh(ws, ["spending"], AS_OF) == "queued"
    assert enqueued == [("forecast_job", (ws.id, ["spending"], AS_OF.isoformat()))]
    assert not cache.is_fresh(ws, load_series(ws, SeriesKey("spending"), AS_OF))  # nothing fitted in the caller
    assert jobs.forecast_job(ws.id, ["spending"], AS_OF.isoformat()) == 1  # what the worker runs
    assert cache.is_fresh(ws, load_series(ws, SeriesKey("spending"), AS_OF))
