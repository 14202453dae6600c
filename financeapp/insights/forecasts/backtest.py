"""Rolling-origin backtest: how the ensemble and seasonal-naive would have done on this series' own past.

Three origins, each forecasting HORIZON months from the data before it and scored on the months
that followed (MASE scaled by that origin's own training data, sMAPE; metrics.py). The origins are
a year apart where the history allows (so three different years are scored), closer on a short
history, and an origin that leaves fewer than NONSEASONAL_MIN months of training is dropped.
The ensemble at each origin is the one its training length allows (seasonal from 24 months).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from financeapp.insights.forecasts import metrics
from financeapp.insights.forecasts.models import (
    NONSEASONAL_MIN,
    SEASONAL_MIN,
    Bounds,
    baseline,
    bounds_for,
    clipped,
    ensemble,
)

HORIZON = 12
FOLDS = 3


@dataclass
class Score:
    """Mean MASE and sMAPE over the folds (MASE None when the history's scale is 0 in every fold)."""

    mase: float | None
    smape: float
    mae: float


@dataclass
class Backtest:
    ensemble: Score
    seasonal_naive: Score
    folds: int
    horizon: int
    origins: list[int] = field(default_factory=list)  # training lengths

    @property
    def ensemble_lost(self) -> bool:
        """Whether the ensemble did worse than seasonal-naive: by MASE, by MAE where MASE is undefined."""
        if self.ensemble.mase is not None and self.seasonal_naive.mase is not None:
            return self.ensemble.mase > self.seasonal_naive.mase
        return self.ensemble.mae > self.seasonal_naive.mae


def origins(n: int, horizon: int = HORIZON, folds: int = FOLDS) -> list[int]:
    """The training lengths of the folds, oldest first (empty when the series is too short)."""
    room = n - horizon
    if room < NONSEASONAL_MIN:
        return []
    minimum = SEASONAL_MIN if room >= SEASONAL_MIN else NONSEASONAL_MIN
    step = max(1, min(12, (room - minimum) // max(1, folds - 1)))
    found = [room - step * k for k in range(folds - 1, -1, -1)]
    return [o for o in found if o >= NONSEASONAL_MIN]


def _score(actual: list[np.ndarray], forecast: list[np.ndarray], train: list[np.ndarray]) -> Score:
    mases = [metrics.mase(a.tolist(), f.tolist(), t.tolist()) for a, f, t in zip(actual, forecast, train, strict=True)]
    known = [m for m in mases if m is not None]
    return Score(
        mase=sum(known) / len(known) if known else None,
        smape=sum(metrics.smape(a.tolist(), f.tolist()) for a, f in zip(actual, forecast, strict=True)) / len(actual),
        mae=sum(metrics.mae(a.tolist(), f.tolist()) for a, f in zip(actual, forecast, strict=True)) / len(actual),
    )


def rolling_origin(y: np.ndarray, kind: str, horizon: int = HORIZON, folds: int = FOLDS) -> Backtest | None:
    """The backtest of the ensemble against seasonal-naive, or None on a series too short for one fold.

    Forecasts are clipped as the shown ones are (`bounds_for` of each fold's training data), so the
    backtest measures what the user would have seen.
    """
    y = np.asarray(y, dtype=float)
    lengths = origins(len(y), horizon, folds)
    if not lengths:
        return None
    actual, ours, theirs, train = [], [], [], []
    for length in lengths:
        history = y[:length]
        bounds: Bounds = bounds_for(history, kind)
        forecast, _method = ensemble(history, horizon, intervals=False)
        actual.append(y[length:length + horizon])
        ours.append(clipped(forecast, bounds).mean)
        theirs.append(clipped(baseline(history, horizon), bounds).mean)
        train.append(history)
    return Backtest(_score(actual, ours, train), _score(actual, theirs, train), len(lengths), horizon, lengths)
