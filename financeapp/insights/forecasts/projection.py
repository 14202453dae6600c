"""A day-by-day balance projection of one account, with its lowest point.

balance today (opening balance + every transaction up to today, from the reports' balance query)
+ the scheduled items (financeapp/recurring: entries, bills and transfers in or out of the account,
on their dates; overdue ones still waiting for confirmation count today)
+ the unscheduled rest: the account's spending and income forecasts for each month, less what the
  scheduled items already cover that month (the forecast is fitted on history that includes the
  recurring postings, so without this they would count twice), spread evenly over the month's days.

The forecasts are in the base currency; for an account in another currency only the scheduled
items are projected, and the projection says so. Read-only: nothing is fitted here (cached forecasts).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from financeapp.accounts.models import Account
from financeapp.core.money import quantize
from financeapp.insights.forecasts import cache
from financeapp.insights.forecasts.series import SeriesKey, load_series
from financeapp.recurring import services as recurring
from financeapp.reports.months import month_key
from financeapp.reports.queries import balance_changes
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
MAX_DAYS = 366
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Event:
    on: date
    name: str
    amount: Decimal  # signed, from this account's side


@dataclass
class Projection:
    account: Account
    start: date
    opening: Decimal  # the balance today, before the projection
    days: list[tuple[date, Decimal]]
    events: list[Event]
    unscheduled: dict[str, tuple[Decimal, Decimal]]  # month -> (spending, income) spread over its days
    status: str  # ready (forecasts included), computing (scheduled items only, forecasts on their way), foreign
    stale_keys: list[str] = field(default_factory=list)

    @property
    def lowest(self) -> tuple[date, Decimal] | None:
        return min(self.days, key=lambda d: (d[1], d[0])) if self.days else None

    @property
    def currency(self) -> str:
        return self.account.currency


def balance_on(workspace: Workspace, account: Account, day: date) -> Decimal:
    rows = balance_changes(workspace, [account.id], None, day)
    return account.opening_balance + sum((row[2] for row in rows), ZERO)


def _scheduled(workspace: Workspace, account: Account, today: date, days: int) -> list[Event]:
    events = []
    for occurrence in recurring.upcoming(workspace, days, today=today).occurrences:
        item = occurrence.item
        on = max(occurrence.on, today)
        if item.account_id == account.id:
            events.append(Event(on, item.name, item.signed_amount))
        elif item.to_account_id == account.id:
            events.append(Event(on, item.name, item.to_amount if item.to_amount is not None else item.amount))
    return sorted(events, key=lambda e: (e.on, e.name))


def project(workspace: Workspace, account: Account, days: int = DEFAULT_DAYS, today: date | None = None) -> Projection:
    """The account's projected balance for each of the next `days` days (today first)."""
    today = today or date.today()
    days = max(1, min(days, MAX_DAYS))
    last = today + timedelta(days=days - 1)
    balance = balance_on(workspace, account, today)
    events = [e for e in _scheduled(workspace, account, today, days) if e.on <= last]
    unscheduled: dict[str, tuple[Decimal, Decimal]] = {}
    status, stale = "foreign", []
    if account.currency == workspace.base_currency:
        keys = [SeriesKey("spending", None, account.id), SeriesKey("income", None, account.id)]
        series = [load_series(workspace, key, today) for key in keys]
        found = cache.read_many(workspace, [s for s in series if s.values])
        stale = [k for k, c in found.items() if c.status != "ready"]
        status = "computing" if stale else "ready"
        if not stale:
            points = {kind: {p.month: p.value for p in found[f"{kind}:a{account.id}"].forecast.points}  # type: ignore[union-attr]
                      if f"{kind}:a{account.id}" in found else {} for kind in ("spending", "income")}
            for month in sorted({month_key(today + timedelta(days=n)) for n in range(days)}):
                out = sum((-e.amount for e in events if month_key(e.on) == month and e.amount < 0), ZERO)
                into = sum((e.amount for e in events if month_key(e.on) == month and e.amount > 0), ZERO)
                unscheduled[month] = (max(ZERO, points["spending"].get(month, ZERO) - out),
                                      max(ZERO, points["income"].get(month, ZERO) - into))
    by_day: dict[date, Decimal] = {}
    for event in events:
        by_day[event.on] = by_day.get(event.on, ZERO) + event.amount
    result: list[tuple[date, Decimal]] = []
    running = balance
    carry = ZERO  # unrounded share of the unscheduled flow, so the cents add up over a month
    for n in range(days):
        day = today + timedelta(days=n)
        spend, earn = unscheduled.get(month_key(day), (ZERO, ZERO))
        length = calendar.monthrange(day.year, day.month)[1]
        carry += (earn - spend) / length
        step = quantize(carry, account.currency)
        carry -= step
        running += by_day.get(day, ZERO) + step
        result.append((day, running))
    return Projection(account, today, balance, result, events, unscheduled, status, stale)
