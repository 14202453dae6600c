"""The forecasting models, fitted by statsmodels (never by hand), on floats at this boundary only.

Each model takes the history as a float array (one value a month, oldest first) and a horizon h,
and returns h point forecasts with an 80 % interval. The ensemble is the median of three models:

- exponential smoothing: statsmodels ETSModel, additive error, damped additive trend, additive
  season of 12 (heuristic initial states: they need two full years, and fit in a few
  hundredths of a second where estimated ones take a second on these 2 cores);
- Theta: statsmodels ThetaModel, deseasonalised (its own test decides whether the series is seasonal);
- a linear trend plus month-of-year dummies: statsmodels OLS, intervals from its prediction.

With fewer than SEASONAL_MIN months the three run without a season; seasonal-naive (the same
month last year) is the baseline every forecast is measured against, and the fallback.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

SEASON = 12
SEASONAL_MIN = 24  # months of history before any model may use a season
NONSEASONAL_MIN = 12  # below this the forecast is naive (the last month repeated)
ALPHA = 0.2  # an 80 % interval
Z80 = 1.2815515655446004  # the standard normal's 90th percentile


@dataclass(frozen=True)
class ModelForecast:
    """h forecasts and their 80 % interval, as floats."""

    name: str
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray

    def ok(self) -> bool:
        return bool(np.all(np.isfinite(self.mean)))

    @property
    def has_interval(self) -> bool:
        return bool(np.all(np.isfinite(self.low)) and np.all(np.isfinite(self.high)))


def _series(y: np.ndarray) -> pd.Series:
    # A monthly PeriodIndex: ETSModel's prediction needs an index; where it starts does not matter.
    return pd.Series(np.asarray(y, dtype=float), index=pd.period_range("2000-01", periods=len(y), freq="M"))


def _ordered(name: str, mean: np.ndarray, low: np.ndarray, high: np.ndarray) -> ModelForecast:
    mean, low, high = (np.asarray(a, dtype=float) for a in (mean, low, high))
    with np.errstate(invalid="ignore"):  # a NaN bound (no interval) stays NaN
        return ModelForecast(name, mean, np.fmin(low, mean) if np.all(np.isfinite(low)) else low,
                             np.fmax(high, mean) if np.all(np.isfinite(high)) else high)


def ets(y: np.ndarray, h: int, seasonal: bool, intervals: bool = True) -> ModelForecast:
    """Exponential smoothing (ETS A,Ad,A or A,Ad,N) with its analytic 80 % interval."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # type: ignore[import-untyped]

    model = ETSModel(_series(y), error="add", trend="add", damped_trend=True,
                     seasonal="add" if seasonal else None, seasonal_periods=SEASON if seasonal else None,
                     initialization_method="heuristic" if seasonal else "estimated")
    result = model.fit(disp=False, maxiter=200)
    if not intervals:
        mean = np.asarray(result.forecast(h))
        return _ordered("ets", mean, mean, mean)
    prediction = result.get_prediction(len(y), len(y) + h - 1)
    bounds = np.asarray(prediction.pred_int(alpha=ALPHA))
    return _ordered("ets", np.asarray(prediction.predicted_mean), bounds[:, 0], bounds[:, 1])


def theta(y: np.ndarray, h: int, seasonal: bool, intervals: bool = False) -> ModelForecast:
    """The Theta method (Assimakopoulos & Nikolopoulos) as statsmodels fits it.

    Its interval only on request: statsmodels computes it by fitting a second, state-space model,
    which takes ten times as long as the forecast itself (half a second a series on these cores), so
    the ensemble's interval comes from the other two models."""
    from statsmodels.tsa.forecasting.theta import ThetaModel  # type: ignore[import-untyped]

    model = ThetaModel(np.asarray(y, dtype=float), period=SEASON, deseasonalize=seasonal,
                       method="auto" if np.min(y) > 0 else "additive")
    result = model.fit()
    mean = np.asarray(result.forecast(h))
    if not intervals:
        return _ordered("theta", mean, np.full(h, np.nan), np.full(h, np.nan))
    bounds = np.asarray(result.prediction_intervals(h, alpha=ALPHA))
    return _ordered("theta", mean, bounds[:, 0], bounds[:, 1])


def _design(start: int, count: int, seasonal: bool) -> np.ndarray:
    t = np.arange(start, start + count, dtype=float)
    columns = [np.ones(count), t]
    if seasonal:
        # Month-of-year relative to the first month: a relabelling of the calendar months, the same fit.
        columns += [(t.astype(int) % SEASON == k).astype(float) for k in range(1, SEASON)]
    return np.column_stack(columns)


def regression(y: np.ndarray, h: int, seasonal: bool, intervals: bool = True) -> ModelForecast:
    """A linear trend plus month-of-year dummies by OLS, with its prediction interval."""
    import statsmodels.api as sm  # type: ignore[import-untyped]

    n = len(y)
    result = sm.OLS(np.asarray(y, dtype=float), _design(0, n, seasonal)).fit()
    if not intervals:
        mean = result.predict(_design(n, h, seasonal))
        return _ordered("regression", mean, mean, mean)
    frame = result.get_prediction(_design(n, h, seasonal)).summary_frame(alpha=ALPHA)
    return _ordered("regression", frame["mean"].to_numpy(), frame["obs_ci_lower"].to_numpy(),
                    frame["obs_ci_upper"].to_numpy())


def seasonal_naive(y: np.ndarray, h: int, m: int = SEASON) -> ModelForecast:
    """ŷₙ₊ₖ = yₙ₊ₖ₋ₘ·⌈k/m⌉; the interval from the in-sample seasonal differences, widening per year ahead."""
    y = np.asarray(y, dtype=float)
    if len(y) < m:
        return naive(y, h)
    steps = np.arange(1, h + 1)
    mean = y[len(y) - m + (steps - 1) % m]
    diffs = y[m:] - y[:-m]
    sigma = float(np.sqrt(np.mean(diffs ** 2))) if len(diffs) else 0.0
    width = Z80 * sigma * np.sqrt(np.ceil(steps / m))
    return _ordered("seasonal-naive", mean, mean - width, mean + width)


def naive(y: np.ndarray, h: int) -> ModelForecast:
    """The last month repeated; the interval from the month-to-month changes (random walk)."""
    y = np.asarray(y, dtype=float)
    last = float(y[-1]) if len(y) else 0.0
    diffs = np.diff(y)
    sigma = float(np.sqrt(np.mean(diffs ** 2))) if len(diffs) else abs(last) * 0.25
    steps = np.arange(1, h + 1)
    mean = np.full(h, last)
    width = Z80 * sigma * np.sqrt(steps)
    return _ordered("naive", mean, mean - width, mean + width)


Model = Callable[..., ModelForecast]
MODELS: tuple[Model, ...] = (ets, theta, regression)
INTERMITTENT_SHARE = 0.4  # of the last three years' months at zero (tuned on bench seed 1: 0.5 and 0.4 tried)
INTERMITTENT_YEARS = 3


def _fit_quietly(model: Model, y: np.ndarray, h: int, seasonal: bool, intervals: bool) -> ModelForecast | None:
    """One model's forecast, or None when it fails or gives non-finite numbers (it is left out)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # Convergence and "no frequency" warnings are expected on short, flat or lumpy household series.
        warnings.simplefilter("ignore")
        try:
            forecast = model(y, h, seasonal, intervals=intervals)
        except (ValueError, np.linalg.LinAlgError, ZeroDivisionError, IndexError):
            return None
    return forecast if forecast.ok() else None


def ensemble(y: np.ndarray, h: int, *, intervals: bool = True) -> tuple[ModelForecast, str]:
    """The median of the models that fit, and the method's name:

    "ensemble" (seasonal, at least SEASONAL_MIN months), "ensemble-nonseasonal" (NONSEASONAL_MIN to
    SEASONAL_MIN), "naive" (shorter; "seasonal-naive" when no model fits). The interval is the
    median of the bounds of the models that give one. On an intermittent series (over INTERMITTENT_SHARE
    of the last three years' months at zero: repairs, refunds, a yearly bonus) a month's point forecast
    is 0, what such a month most often holds, unless that calendar month had an amount in each of
    the last three years (the bonus month, the tax month): then the median of those three. The
    models' smooth average would be wrong in every month: too high in the empty ones, far too low
    in the one that counts. The interval still shows what a month may cost.
    Without `intervals` (the backtest) only the points are computed.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < NONSEASONAL_MIN:
        return naive(y, h), "naive"
    seasonal = n >= SEASONAL_MIN
    fits = [f for f in (_fit_quietly(model, y, h, seasonal, intervals) for model in MODELS) if f is not None]
    if not fits:
        return seasonal_naive(y, h), "seasonal-naive"
    name = "ensemble" if seasonal else "ensemble-nonseasonal"
    mean = np.median(np.vstack([f.mean for f in fits]), axis=0)
    bounded = [f for f in fits if f.has_interval] if intervals else []
    low = np.median(np.vstack([f.low for f in bounded]), axis=0) if bounded else mean
    high = np.median(np.vstack([f.high for f in bounded]), axis=0) if bounded else mean
    if intermittent(y):
        mean = regular_months(y, h)
    return _ordered(name, mean, low, high), name


def intermittent(y: np.ndarray) -> bool:
    recent = np.asarray(y, dtype=float)[-SEASON * INTERMITTENT_YEARS:]
    return bool(len(recent) and np.mean(recent == 0) > INTERMITTENT_SHARE)


def regular_months(y: np.ndarray, h: int) -> np.ndarray:
    """Per month ahead: the median of the same calendar month in the last years when it had an amount in
    every one of them, else 0 (a statistic of the history, not a fitted model)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    out = np.zeros(h)
    for step in range(h):
        same = [n - SEASON * k + step % SEASON for k in range(1, INTERMITTENT_YEARS + 1)]
        values = y[[i for i in same if 0 <= i < n]]
        if len(values) and np.all(values != 0):
            out[step] = float(np.median(values))
    return out


def baseline(y: np.ndarray, h: int) -> ModelForecast:
    """Seasonal-naive where a full year exists, naive before that."""
    return seasonal_naive(y, h) if len(y) >= SEASON else naive(y, h)


CLIP_MULTIPLE = 2.0  # no month forecast above twice the largest month seen (in size)


@dataclass(frozen=True)
class Bounds:
    low: float
    high: float


def bounds_for(history: np.ndarray, kind: str) -> Bounds:
    """Sane bounds of a forecast: spending and income are never negative and never above
    CLIP_MULTIPLE x the largest month; a net cash flow stays within its history's range widened
    by that range on each side."""
    y = np.asarray(history, dtype=float)
    top = float(np.max(np.abs(y))) if len(y) else 0.0
    if kind in ("spending", "income"):
        return Bounds(0.0, CLIP_MULTIPLE * top)
    low, high = (float(np.min(y)), float(np.max(y))) if len(y) else (0.0, 0.0)
    span = max(high - low, top * 0.1)
    return Bounds(low - span, high + span)


def clipped(forecast: ModelForecast, bounds: Bounds) -> ModelForecast:
    """The forecast and its interval held within `bounds`."""
    clip = lambda a: np.clip(a, bounds.low, bounds.high)  # noqa: E731
    return _ordered(forecast.name, clip(forecast.mean), clip(forecast.low), clip(forecast.high))
