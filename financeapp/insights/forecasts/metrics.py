"""Forecast accuracy by the M4 competition's definitions (shared/reference-values.md, section 5).

These are scores, not money: they take and return floats. sMAPE is in percent;
MASE is scaled by the in-sample mean absolute error of the seasonal-naive forecast
(m = 12 for monthly data), so 1.0 means "as good as repeating last year's month" on
the history, and below 1.0 is better.
"""

from __future__ import annotations

from collections.abc import Sequence

SEASON = 12


def smape(actual: Sequence[float], forecast: Sequence[float]) -> float:
    """200/h · Σ |y - ŷ| / (|y| + |ŷ|), in percent; a month where both are 0 counts as a perfect 0."""
    if len(actual) != len(forecast) or not actual:
        raise ValueError("sMAPE needs actuals and forecasts of the same, non-zero length")
    total = 0.0
    for y, f in zip(actual, forecast, strict=True):
        denominator = abs(y) + abs(f)
        if denominator:
            total += abs(y - f) / denominator
    return 200.0 * total / len(actual)


def mase_scale(insample: Sequence[float], m: int = SEASON) -> float | None:
    """(1/(n-m)) Σₜ₌ₘ₊₁..ₙ |xₜ - xₜ₋ₘ|; None when the history is not longer than m or the scale is 0."""
    n = len(insample)
    if n <= m:
        return None
    scale = sum(abs(insample[t] - insample[t - m]) for t in range(m, n)) / (n - m)
    return scale or None


def mase(actual: Sequence[float], forecast: Sequence[float], insample: Sequence[float],
         m: int = SEASON) -> float | None:
    """mean |y - ŷ| / mase_scale(insample, m); None where the scale is undefined (a constant history)."""
    if len(actual) != len(forecast) or not actual:
        raise ValueError("MASE needs actuals and forecasts of the same, non-zero length")
    scale = mase_scale(insample, m)
    if scale is None:
        return None
    return mae(actual, forecast) / scale


def mae(actual: Sequence[float], forecast: Sequence[float]) -> float:
    """Mean absolute error."""
    return sum(abs(y - f) for y, f in zip(actual, forecast, strict=True)) / len(actual)
