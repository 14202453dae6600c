"""The M4 accuracy measures against hand-computed values (shared/reference-values.md, section 5)."""

from __future__ import annotations

import pytest

from financeapp.insights.forecasts import metrics


def test_smape_matches_the_reference_worked_example():
    # y = 18, 20; ŷ = 17, 22: 100·(1/35 + 2/42) = 7.619 %
    assert metrics.smape([18, 20], [17, 22]) == pytest.approx(7.619, abs=5e-4)


def test_mase_matches_the_reference_worked_example():
    # x = 10, 12, 14, 16 with m = 1: in-sample MAE 2; forecast MAE 1.5 -> 0.75
    assert metrics.mase([18, 20], [17, 22], [10, 12, 14, 16], m=1) == pytest.approx(0.75)


def test_mase_uses_the_seasonal_difference_with_m_12():
    # 13 months: the only seasonal difference is |x13 - x1| = |30 - 10| = 20; errors 4 and 6 -> MAE 5 -> 0.25
    history = [10.0] + [99.0] * 11 + [30.0]
    assert metrics.mase_scale(history) == pytest.approx(20.0)
    assert metrics.mase([100, 50], [104, 44], history) == pytest.approx(0.25)


def test_smape_of_a_perfect_forecast_is_zero_and_of_zero_against_zero_too():
    assert metrics.smape([5, 0, 7], [5, 0, 7]) == 0.0


def test_smape_is_200_when_one_side_is_zero():
    assert metrics.smape([0, 0], [3, 4]) == pytest.approx(200.0)


def test_mase_is_undefined_on_a_constant_or_too_short_history():
    assert metrics.mase([1], [2], [5.0] * 24) is None
    assert metrics.mase([1], [2], [1.0, 2.0, 3.0]) is None  # not longer than m = 12


@pytest.mark.parametrize("actual,forecast", [([], []), ([1, 2], [1])])
def test_metrics_refuse_mismatched_input(actual, forecast):
    with pytest.raises(ValueError):
        metrics.smape(actual, forecast)
    with pytest.raises(ValueError):
        metrics.mase(actual, forecast, list(range(20)))
