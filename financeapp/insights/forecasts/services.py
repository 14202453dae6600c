"""Reading forecasts for pages, the API and the CLI: never fitting in a request.

`forecast_view` loads the series (a GROUP BY over the monthly totals), reads the cache and says
whether the cached forecast was made from exactly these figures; when not, the caller (a view or API
route) asks for a refit with `jobs.request_refresh` and shows "being computed". `compute_now` is the
CLI's way: it fits directly, because a command is not a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.errors import Invalid, NotFound
from financeapp.core.money import amount_text
from financeapp.core.scoping import scoped
from financeapp.extensions import db
from financeapp.insights.forecasts import cache
from financeapp.insights.forecasts.forecaster import MAX_HORIZON, Forecast, forecast
from financeapp.insights.forecasts.series import KINDS, MonthlySeries, SeriesKey, load_series
from financeapp.workspaces.models import Workspace

DEFAULT_MONTHS = 12
HISTORY_SHOWN = 24  # months of actuals drawn before the forecast


@dataclass(frozen=True)
class ForecastView:
    series: MonthlySeries
    status: str  # ready, computing, error, empty (no history at all)
    forecast: Forecast | None
    months: int

    @property
    def stale(self) -> bool:
        return self.status in ("computing", "error") and bool(self.series.values)

    @property
    def points(self) -> list[Any]:
        return self.forecast.points[: self.months] if self.forecast else []


def check_months(months: int | None) -> int:
    """1 to 12 months ahead (default 12)."""
    if months is None:
        return DEFAULT_MONTHS
    if not 1 <= months <= MAX_HORIZON - 1:
        raise Invalid("Forecast 1 to 12 months ahead.", fields={"months": "Choose 1 to 12."})
    return months


def series_key(kind: str | None, category_id: int | None = None, account_id: int | None = None) -> SeriesKey:
    kind = (kind or "spending").strip().lower()
    if kind not in KINDS:
        raise Invalid("Choose spending, income or net.", fields={"series": "Choose spending, income or net."})
    return SeriesKey(kind, category_id, account_id)


def forecast_view(workspace: Workspace, key: SeriesKey, months: int | None = None,
                  today: date | None = None) -> ForecastView:
    """The series and its cached forecast (if still valid); another workspace's category or account is a 404."""
    months = check_months(months)
    series = load_series(workspace, key, today or date.today())
    if not series.values:
        return ForecastView(series, "empty", None, months)
    cached = cache.read(workspace, series)
    return ForecastView(series, cached.status, cached.forecast, months)


def compute_now(workspace: Workspace, key: SeriesKey, months: int, as_of: date) -> ForecastView:
    """Fit the series as of `as_of` right now (the CLI; never a request)."""
    months = check_months(months)
    series = load_series(workspace, key, as_of)
    if not series.values:
        return ForecastView(series, "empty", None, months)
    result = forecast(series.values, series.last_month, key.kind, series.currency)
    return ForecastView(series, "ready", result, months)


def find_category(workspace: Workspace, name: str) -> Category:
    """A category by its name or "Group: Name", ignoring case; an ambiguous name is refused."""
    text = name.strip()
    group, _, leaf = text.rpartition(":")
    rows = list(db.session.scalars(scoped(Category, workspace).where(
        sa.func.lower(Category.name) == (leaf.strip() if group else text).lower())))
    if group:
        rows = [c for c in rows if c.parent is not None and c.parent.name.lower() == group.strip().lower()]
    if not rows:
        raise NotFound(f"No category named “{name}”.")
    if len(rows) > 1:
        raise Invalid(f"More than one category is named “{name}”; write it as “Group: Name”.")
    return rows[0]


def find_account(workspace: Workspace, name: str) -> Account:
    """An account by its name, ignoring case."""
    rows = list(db.session.scalars(scoped(Account, workspace).where(
        sa.func.lower(Account.name) == name.strip().lower())))
    if not rows:
        raise NotFound(f"No account named “{name}”.")
    if len(rows) > 1:
        raise Invalid(f"More than one account is named “{name}”.")
    return rows[0]


def view_json(view: ForecastView, *, history: bool = False) -> dict[str, Any]:
    """The forecast's JSON (the CLI's and the API's): amounts as strings, scores as numbers."""
    series, result, currency = view.series, view.forecast, view.series.currency
    data: dict[str, Any] = {
        "series": series.key.kind,
        "key": series.key.text,
        "label": series.label,
        "category_id": series.key.category_id,
        "account_id": series.key.account_id,
        "currency": currency,
        "status": view.status,
        "last_month": series.last_month,
        "history_months": len(series.values),
        "method": result.method if result else None,
        "method_note": result.note if result else None,
        "points": [{"month": p.month, "value": amount_text(p.value, currency), "low": amount_text(p.low, currency),
                    "high": amount_text(p.high, currency)} for p in view.points],
        "backtest": result.accuracy.as_json() if result else None,
    }
    if history:
        data["history"] = [{"month": m, "value": amount_text(v, currency)}
                           for m, v in list(zip(series.months, series.values, strict=True))[-HISTORY_SHOWN:]]
    return data
