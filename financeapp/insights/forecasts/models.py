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
import pandas as pd

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
        return bool(np.all(np.isfinite(self.mean)) and np.all(np.isfinite(self.low))
                    and np.all(np.isfinite(self.high)))


def _series(y: np.ndarray) -> pd.Series:
    # A monthly PeriodIndex: ETSModel's prediction needs an index; where it starts does not matter.
    return pd.Series(np.asarray(y, dtype=float), index=pd.period_range("2000-01", periods=len(y), freq="M"))


def _ordered(name: str, mean: np.ndarray, low: np.ndarray, high: np.ndarray) -> ModelForecast:
    mean, low, high = (np.asarray(a, dtype=float) for a in (mean, low, high))
    return ModelForecast(name, mean, np.minimum(low, mean), np.maximum(high, mean))


def ets(y: np.ndarray, h: int, seasonal: bool) -> ModelForecast:
    """Exponential smoothing (ETS A,Ad,A or A,Ad,N) with its analytic 80 % interval."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    model = ETSModel(_series(y), error="add", trend="add", damped_trend=True,
                     seasonal="add" if seasonal else None, seasonal_periods=SEASON if seasonal else None,
                     initialization_method="heuristic" if seasonal else "estimated")
    result = model.fit(disp=False, maxiter=200)
    prediction = result.get_prediction(len(y), len(y) + h - 1)
    bounds = np.asarray(prediction.pred_int(alpha=ALPHA))
    return _ordered("ets", np.asarray(prediction.predicted_mean), bounds[:, 0], bounds[:, 1])


def theta(y: np.ndarray, h: int, seasonal: bool) -> ModelForecast:
    """The Theta method (Assimakopoulos & Nikolopoulos) as statsmodels fits it."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    model = ThetaModel(np.asarray(y, dtype=float), period=SEASON, deseasonalize=seasonal,
                       method="auto" if np.min(y) > 0 else "additive")
    result = model.fit()
    bounds = np.asarray(result.prediction_intervals(h, alpha=ALPHA))
    return _ordered("theta", np.asarray(result.forecast(h)), bounds[:, 0], bounds[:, 1])


def _design(start: int, count: int, seasonal: bool) -> np.ndarray:
    t = np.arange(start, start + count, dtype=float)
    columns = [np.ones(count), t]
    if seasonal:
        # Month-of-year relative to the first month: a relabelling of the calendar months, the same fit.
        columns += [(t.astype(int) % SEASON == k).astype(float) for k in range(1, SEASON)]
    return np.column_stack(columns)


def regression(y: np.ndarray, h: int, seasonal: bool) -> ModelForecast:
    """A linear trend plus month-of-year dummies by OLS, with its prediction interval."""
    import statsmodels.api as sm

    n = len(y)
    result = sm.OLS(np.asarray(y, dtype=float), _design(0, n, seasonal)).fit()
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


MODELS: tuple[Callable[[np.ndarray, int, bool], ModelForecast], ...] = (ets, theta, regression)


def _fit_quietly(model: Callable[[np.ndarray, int, bool], ModelForecast], y: np.ndarray, h: int,
                 seasonal: bool) -> ModelForecast | None:
    """One model's forecast, or None when it fails or gives non-finite numbers (it is left out)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # Convergence and "no frequency" warnings are expected on short, flat or lumpy household series.
        warnings.simplefilter("ignore")
        try:
            forecast = model(y, h, seasonal)
        except (ValueError, np.linalg.LinAlgError, ZeroDivisionError, IndexError):
            return None
    return forecast if forecast.ok() else None


def ensemble(y: np.ndarray, h: int) -> tuple[ModelForecast, str]:
    """The median of the models that fit, and the method's name:

    "ensemble" (seasonal, at least SEASONAL_MIN months), "ensemble-nonseasonal" (NONSEASONAL_MIN to
    SEASONAL_MIN), "naive" (shorter, or when no model fits: "seasonal-naive" where a year exists).
    The interval is the median of the models' bounds.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    if n < NONSEASONAL_MIN:
        return naive(y, h), "naive"
    seasonal = n >= SEASONAL_MIN
    fits = [f for f in (_fit_quietly(model, y, h, seasonal) for model in MODELS) if f is not None]
    if not fits:
        return seasonal_naive(y, h), "seasonal-naive"
    name = "ensemble" if seasonal else "ensemble-nonseasonal"
    stack = lambda attr: np.median(np.vstack([getattr(f, attr) for f in fits]), axis=0)  # noqa: E731
    return _ordered(name, stack("mean"), stack("low"), stack("high")), name


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
