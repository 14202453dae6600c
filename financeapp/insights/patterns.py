"""Seasonal patterns and trends of monthly spending: pure arithmetic over monthly totals, no database.

Seasons come from an STL decomposition (statsmodels, period 12, robust) of a series of whole months:
the seasonal strength is max(0, 1 - var(remainder) / var(seasonal + remainder)) (Wang, Smith & Hyndman),
on the amounts or on their logs (whichever is stronger; seasons in spending multiply),
and each calendar month's effect is the mean of its seasonal component as a share of the series' average
month. A pattern is shown only when it is both strong (the remainder does not swamp it) and material (its
largest month effect is a real share of the average): a yearly rent step is perfectly regular but tiny,
and a constant subscription has no seasonal variance at all, so neither is a season.

Trends read the same decomposition's trend component (robust, so one huge purchase does not make a
trend, and free of the season, so December is never mistaken for one): a category trends up or down
when its trend moved 15 % or more over the last 6 or 12 months.

Money stays Decimal: floats appear only inside the decomposition, and percentages come back as Decimal
with one place.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

MIN_MONTHS = 24  # two full years before a season can be told from noise
MIN_STRENGTH = 0.50  # seasonal strength below this: the pattern does not stand out of the noise (seed 1)
MIN_EFFECT = 0.15  # and the largest month effect must be at least 15 % of the average month
SHOWN_EFFECT = 0.10  # months within 10 % of the average are not named
TREND_WINDOWS = (6, 12)
MIN_TREND = Decimal("0.15")  # a change of 15 % or more is a trend
TREND_NOISE = 2.0
MIN_ACTIVE_MONTHS = 10  # of the last 12: a category bought from only now and then has no trend to speak of

ONE_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class MonthEffect:
    """How far one calendar month runs above (positive) or below the average month, in percent."""

    month: int
    percent: Decimal

    @property
    def name(self) -> str:
        return calendar.month_name[self.month]

    @property
    def text(self) -> str:
        side = "above" if self.percent > 0 else "below"
        return f"{self.name} is {abs(self.percent):.0f} % {side} your average"


@dataclass(frozen=True)
class Season:
    """A series' seasonal profile; `shown` says whether it is strong and material enough to mention."""

    strength: float
    amplitude: float  # the largest month effect as a share of the average month
    average: Decimal  # the average month of the series
    effects: list[MonthEffect] = field(default_factory=list)  # the months worth naming, largest first

    @property
    def shown(self) -> bool:
        return self.strength >= MIN_STRENGTH and self.amplitude >= MIN_EFFECT and bool(self.effects)


@dataclass(frozen=True)
class Trend:
    """How far the series' trend moved over its last `window` months: from `before` to `recent` a month."""

    window: int
    before: Decimal
    recent: Decimal
    change: Decimal  # percent, one place

    @property
    def direction(self) -> str:
        return "up" if self.change > 0 else "down"

    @property
    def text(self) -> str:
        return f"trending {self.direction} {abs(self.change):.0f} % over the last {self.window} months"


def _percent(value: float) -> Decimal:
    return Decimal(repr(round(value * 100, 6))).quantize(ONE_PLACE, rounding=ROUND_HALF_EVEN)


def _strength(seasonal: np.ndarray, resid: np.ndarray, scale: float) -> float:
    """max(0, 1 - var(remainder) / var(seasonal + remainder)); 0 for a constant series (no 0/0)."""
    # float ok: a variance for the seasonal strength, not money
    spread = float(np.var(seasonal + resid))
    return 0.0 if spread <= (scale * 1e-6) ** 2 else max(0.0, 1.0 - float(np.var(resid)) / spread)


def _money(value: float) -> Decimal:
    return Decimal(repr(round(value, 2))).quantize(Decimal("0.01"))


def analyse(values: list[Decimal], first_month: int) -> tuple[Season | None, list[Trend]]:
    """The seasonal profile and the material trends of consecutive monthly values starting in calendar
    month `first_month`; (None, []) with fewer than MIN_MONTHS values or no spending to speak of."""
    if len(values) < MIN_MONTHS:
        return None, []
    series = np.array([float(v) for v in values])
    average = float(series.mean())
    if average <= 0 or not math.isfinite(average):
        return None, []
    from statsmodels.tsa.seasonal import STL  # heavy import, only where a season is computed

    fit = STL(series, period=12, robust=True).fit()
    seasonal, resid, trend = np.asarray(fit.seasonal), np.asarray(fit.resid), np.asarray(fit.trend)
    strength = _strength(seasonal, resid, average)
    if series.min() > 0:
        # Spending's seasons multiply (December's gifts scale with the household), and one huge purchase is
        # a smaller outlier in logs: the strength of the log series counts too, when every month has some.
        logs = STL(np.log(series), period=12, robust=True).fit()
        strength = max(strength, _strength(np.asarray(logs.seasonal), np.asarray(logs.resid), 1.0))
    months = (np.arange(len(series)) + first_month - 1) % 12 + 1
    # An additive fit of one spiky month (April's tax bill) puts the others below -100 %: nothing is the floor.
    shares = {int(m): max(-1.0, float(seasonal[months == m].mean()) / average) for m in range(1, 13)}
    amplitude = max(abs(share) for share in shares.values())
    effects = [MonthEffect(m, _percent(share)) for m, share in shares.items() if abs(share) >= SHOWN_EFFECT]
    effects.sort(key=lambda e: -abs(e.percent))
    found = Season(strength=strength, amplitude=amplitude, average=_money(average), effects=effects)
    return found, _trends(trend, resid, values)


def _trends(trend: np.ndarray, resid: np.ndarray, values: list[Decimal]) -> list[Trend]:
    """Where the (robust, season-free) trend component moved by MIN_TREND or more over a window, and by
    more than TREND_NOISE times the month-to-month noise (the end of a lumpy category's trend wanders by
    that much on its own); a category bought only now and then has no trend to speak of."""
    if sum(1 for v in values[-12:] if v > 0) < MIN_ACTIVE_MONTHS:
        return []
    noise = 1.4826 * float(np.median(np.abs(resid - np.median(resid))))
    found = []
    for window in TREND_WINDOWS:
        before, recent = float(trend[-1 - window]), float(trend[-1])
        if before <= 0:
            continue
        change = _percent(recent / before - 1)
        if abs(change) >= MIN_TREND * 100 and abs(recent - before) > TREND_NOISE * noise:
            found.append(Trend(window, _money(before), _money(recent), change))
    return found
