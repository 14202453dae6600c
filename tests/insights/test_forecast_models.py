"""The models, the fallback rule and the clipping (no database)."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from financeapp.insights.forecasts import backtest, forecaster, models


def seasonal_series(months: int, seed: int = 3) -> list[Decimal]:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    values = 800 + 3 * t + 250 * (t % 12 == 11) + 60 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 25, months)
    return [Decimal(f"{v:.2f}") for v in values]


def test_seasonal_naive_repeats_last_year():
    y = np.arange(1.0, 25.0)  # 1..24
    f = models.seasonal_naive(y, 14)
    assert f.mean.tolist() == [*range(13, 25), 13, 14]
    assert np.all(f.low <= f.mean) and np.all(f.high >= f.mean)
    assert f.high[12] - f.mean[12] == pytest.approx(math.sqrt(2) * (f.high[0] - f.mean[0]))  # widens per year


def test_the_ensemble_is_seasonal_from_24_months_and_says_which_below():
    assert models.ensemble(np.array([float(v) for v in seasonal_series(36)]), 12)[1] == "ensemble"
    assert models.ensemble(np.array([float(v) for v in seasonal_series(18)]), 12)[1] == "ensemble-nonseasonal"
    assert models.ensemble(np.array([float(v) for v in seasonal_series(8)]), 12)[1] == "naive"


def test_a_long_seasonal_series_is_forecast_by_the_ensemble_with_its_backtest():
    result = forecaster.forecast(seasonal_series(72), "2025-12", "spending", "USD", 12)
    assert result.method == "ensemble"
    assert [p.month for p in result.points][:2] == ["2026-01", "2026-02"]
    assert result.accuracy.folds == 3
    assert result.accuracy.mase is not None and result.accuracy.mase < result.accuracy.baseline_mase
    december = result.points[11]
    assert december.value > result.points[10].value  # the December step is carried forward
    assert all(p.low <= p.value <= p.high for p in result.points)
    assert all(p.value == p.value.quantize(Decimal("0.01")) for p in result.points)


def test_an_ensemble_that_loses_its_backtest_shows_seasonal_naive_and_says_so(monkeypatch):
    def poor(y, h, intervals=True):  # an ensemble that is far off everywhere
        return models._ordered("ensemble", np.full(h, 5.0), np.full(h, 4.0), np.full(h, 6.0)), "ensemble"

    monkeypatch.setattr(models, "ensemble", poor)
    monkeypatch.setattr(backtest, "ensemble", poor)
    monkeypatch.setattr(forecaster, "ensemble", poor)
    history = seasonal_series(60)
    result = forecaster.forecast(history, "2025-12", "spending", "USD", 12)
    assert result.method == "seasonal-naive"
    assert "lost its own backtest" in result.note
    assert [p.value for p in result.points] == [v.quantize(Decimal("0.01")) for v in history[-12:]]
    assert result.accuracy.mase == result.accuracy.baseline_mase  # the shown method's own score


def test_a_short_history_is_naive_and_has_no_backtest():
    result = forecaster.forecast([Decimal("100"), Decimal("120"), Decimal("90")], "2026-03", "spending", "USD", 3)
    assert result.method == "naive"
    assert [p.value for p in result.points] == [Decimal("90.00")] * 3
    assert result.accuracy.folds == 0 and result.accuracy.mase is None


def test_spending_forecasts_are_clipped_at_zero_and_below_twice_the_largest_month(monkeypatch):
    def wild(y, h, seasonal, intervals=True):
        return models._ordered("ets", np.linspace(-500, 50_000, h), np.full(h, -900.0), np.full(h, 90_000.0))

    monkeypatch.setattr(models, "MODELS", (wild,))
    history = [Decimal("100"), Decimal("300")] * 9  # 18 months: the non-seasonal ensemble, no backtest loss rule
    result = forecaster.forecast(history, "2025-06", "spending", "USD", 12)
    assert min(p.low for p in result.points) == Decimal("0.00")
    assert max(p.high for p in result.points) == Decimal("600.00")
    assert result.points[0].value == Decimal("0.00")


def test_a_net_cash_flow_may_be_negative_but_stays_near_its_range():
    b = models.bounds_for(np.array([-200.0, 100.0, 400.0]), "net")
    assert (b.low, b.high) == (-800.0, 1000.0)


def test_rolling_origins_are_a_year_apart_on_a_long_history_and_closer_on_a_short_one():
    assert backtest.origins(120) == [84, 96, 108]
    assert backtest.origins(48) == [24, 30, 36]
    assert backtest.origins(20) == []


def test_an_intermittent_series_forecasts_zero_except_in_a_month_with_an_amount_every_year():
    # A yearly bonus in month 12 of each year, repairs now and then: 4 years.
    history = []
    for year in range(4):
        history += [0.0, 40.0 if year == 1 else 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1000.0 + year]
    forecast, method = models.ensemble(np.array(history), 12)
    assert method == "ensemble"
    assert forecast.mean.tolist() == [0.0] * 11 + [1002.0]  # the median of the last three Decembers
    assert forecast.high[0] > 0  # the interval still says a month may cost something
