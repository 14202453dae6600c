"""One series in, one forecast out: the models, the clipping, the backtest and the rule that picks
what is shown. Pure (no database): the job, the CLI and the bench call it the same way.

The rule: the ensemble is shown unless it lost its own backtest against seasonal-naive, in which
case seasonal-naive is shown and the method says so. Floats exist only between the Decimal history
going in and the Decimal cents coming out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from financeapp.core.money import quantize
from financeapp.insights.forecasts.backtest import Backtest, rolling_origin
from financeapp.insights.forecasts.models import (
    NONSEASONAL_MIN,
    SEASONAL_MIN,
    baseline,
    bounds_for,
    clipped,
    ensemble,
)
from financeapp.reports.months import next_month

MAX_HORIZON = 13  # twelve months after the current (incomplete) one

NOTES = {
    "ensemble": "Median of exponential smoothing, Theta and a trend + month-of-year regression.",
    "ensemble-nonseasonal": (f"Median of exponential smoothing, Theta and a trend regression, without a season: "
                             f"fewer than {SEASONAL_MIN} months of history."),
    "seasonal-naive": "Seasonal-naive (the same month last year): the ensemble lost its own backtest to it.",
    "naive": f"Naive (the last month repeated): fewer than {NONSEASONAL_MIN} months of history.",
}


@dataclass(frozen=True)
class Point:
    month: str  # YYYY-MM
    value: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class Accuracy:
    """The backtest in the JSON's shape; None figures where the series is too short to measure."""

    mase: float | None
    smape: float | None
    baseline_mase: float | None
    baseline_smape: float | None
    folds: int

    def as_json(self) -> dict[str, Any]:
        return {"mase": _rounded(self.mase), "smape": _rounded(self.smape), "folds": self.folds,
                "baseline": {"seasonal_naive": {"mase": _rounded(self.baseline_mase),
                                                "smape": _rounded(self.baseline_smape)}}}


@dataclass(frozen=True)
class Forecast:
    points: list[Point]
    method: str
    accuracy: Accuracy
    history_months: int

    @property
    def note(self) -> str:
        return NOTES[self.method]

    def to_data(self) -> dict[str, Any]:
        """A JSON-safe dict for the cache (amounts as strings)."""
        return {"method": self.method, "history_months": self.history_months,
                "accuracy": asdict(self.accuracy),
                "points": [{"month": p.month, "value": str(p.value), "low": str(p.low), "high": str(p.high)}
                           for p in self.points]}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Forecast:
        return cls(points=[Point(p["month"], Decimal(p["value"]), Decimal(p["low"]), Decimal(p["high"]))
                           for p in data["points"]],
                   method=data["method"], accuracy=Accuracy(**data["accuracy"]),
                   history_months=data["history_months"])


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _cents(value: float, currency: str) -> Decimal:
    return quantize(Decimal(repr(float(value))), currency)


def _accuracy(backtest: Backtest | None, shown: str) -> Accuracy:
    if backtest is None:
        return Accuracy(None, None, None, None, 0)
    score = backtest.seasonal_naive if shown == "seasonal-naive" else backtest.ensemble
    return Accuracy(score.mase, score.smape, backtest.seasonal_naive.mase, backtest.seasonal_naive.smape,
                    backtest.folds)


def forecast(values: list[Decimal], last_month: str, kind: str, currency: str,
             horizon: int = MAX_HORIZON) -> Forecast:
    """Forecast `horizon` months after `last_month` from `values` (one per month, oldest first)."""
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValueError("horizon out of range")
    y = np.array([float(v) for v in values], dtype=float)  # the float boundary
    if len(y) == 0:
        y = np.zeros(1)
    bounds = bounds_for(y, kind)
    shown, method = ensemble(y, horizon)
    backtest = rolling_origin(y, kind) if len(y) >= NONSEASONAL_MIN else None
    if method.startswith("ensemble") and backtest is not None and backtest.ensemble_lost:
        shown, method = baseline(y, horizon), "seasonal-naive"
    shown = clipped(shown, bounds)
    months, month = [], last_month
    for _ in range(horizon):
        month = next_month(month)
        months.append(month)
    points = [Point(m, _cents(v, currency), _cents(lo, currency), _cents(hi, currency))
              for m, v, lo, hi in zip(months, shown.mean, shown.low, shown.high, strict=True)]
    return Forecast(points, method, _accuracy(backtest, method), len(values))
