"""Budget recommendations per category, from the forecasts, that fit the expected income.

For each expense category with a forecast and each of the next 12 months (from next month on):

1. start from the top of the forecast's 80 % interval, the 90th percentile of what the month may
   cost, so the budget holds in about nine months out of ten (the point forecast alone would be
   overspent every other month);
2. the month's room is the total income forecast minus what the savings goals need per month
   (financeapp/goals: each dated goal's monthly saving to reach its target on time);
3. when the categories' tops add up to more than the room, the headroom above each point forecast is
   cut by the same share (largest-remainder cents, so the total is exactly the room); when even the
   point forecasts exceed the room, every category gets its point forecast scaled to the room, and
   the plan says that the expected spending does not fit.

Applying a month writes its amounts through financeapp/budgets/services.set_line, the budgets' own
write path (its checks, its one line per category and month).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal

from financeapp.budgets import services as budgets
from financeapp.categories.models import Category
from financeapp.core.errors import Invalid
from financeapp.core.money import allocate, minor_units
from financeapp.core.scoping import scoped
from financeapp.extensions import db
from financeapp.goals.models import Goal
from financeapp.goals.services import goal_status
from financeapp.insights.forecasts import cache
from financeapp.insights.forecasts.forecaster import Forecast
from financeapp.insights.forecasts.series import MonthlySeries, SeriesKey, all_series
from financeapp.reports.months import month_key, next_month
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
MONTHS = 12


@dataclass(frozen=True)
class Recommendation:
    category_id: int
    name: str
    month: str
    point: Decimal  # the forecast
    high: Decimal  # the top of its 80 % interval
    average: Decimal  # the last 12 months' mean, for comparison
    amount: Decimal  # what is recommended
    method: str
    current: Decimal | None = None  # the month's budget now, if any


@dataclass
class MonthPlan:
    month: str
    items: list[Recommendation]
    income: Decimal
    savings: Decimal
    wanted: Decimal  # the tops added up
    scaling: str  # "none", "headroom" or "all"

    @property
    def room(self) -> Decimal:
        return self.income - self.savings

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.items), ZERO)

    @property
    def note(self) -> str:
        if self.scaling == "headroom":
            return ("The tops of the intervals add up to more than the expected income minus your savings goals, "
                    "so the margin above each forecast was cut by the same share.")
        if self.scaling == "all":
            return ("Even the expected spending is more than the expected income minus your savings goals: every "
                    "recommendation was scaled down to fit, and will likely be overspent.")
        return "The tops of the intervals fit within the expected income minus your savings goals."


@dataclass
class Plan:
    status: str  # ready, computing, empty
    currency: str
    months: list[MonthPlan] = field(default_factory=list)
    stale_keys: list[str] = field(default_factory=list)
    goals: list[tuple[str, Decimal]] = field(default_factory=list)
    skipped_goals: list[str] = field(default_factory=list)

    def month(self, key: str) -> MonthPlan | None:
        return next((m for m in self.months if m.month == key), None)


def _whole(amount: Decimal, currency: str) -> Decimal:
    """Up to the whole unit: budgets read better as 240 than 237.18, and rounding up keeps the quantile."""
    return amount.quantize(Decimal(1), rounding=ROUND_CEILING).quantize(Decimal(1).scaleb(-minor_units(currency)))


def _savings(workspace: Workspace, today: date) -> tuple[Decimal, list[tuple[str, Decimal]], list[str]]:
    total, used, skipped = ZERO, [], []
    for goal in db.session.scalars(scoped(Goal, workspace).where(Goal.archived.is_(False)).order_by(Goal.name)):
        needed = goal_status(goal, today).monthly_needed
        if needed is None or needed <= 0:
            continue
        if goal.currency != workspace.base_currency:
            skipped.append(goal.name)  # no conversion of a goal's future savings: named, not guessed
            continue
        total += needed
        used.append((goal.name, needed))
    return total, used, skipped


def _scaled(items: list[Recommendation], room: Decimal, currency: str) -> tuple[list[Recommendation], str]:
    wanted = sum((i.amount for i in items), ZERO)
    if wanted <= room or not items:
        return items, "none"
    points = sum((i.point for i in items), ZERO)
    if room > points:
        headroom = [i.amount - i.point for i in items]
        parts = allocate(room - points, headroom, currency) if sum(headroom) > 0 else [ZERO] * len(items)
        return [_with(i, i.point + part) for i, part in zip(items, parts, strict=True)], "headroom"
    weights = [i.point for i in items]
    parts = allocate(max(room, ZERO), weights, currency) if sum(weights) > 0 else [ZERO] * len(items)
    return [_with(i, part) for i, part in zip(items, parts, strict=True)], "all"


def _with(item: Recommendation, amount: Decimal) -> Recommendation:
    return Recommendation(item.category_id, item.name, item.month, item.point, item.high, item.average,
                          max(amount, ZERO), item.method, item.current)


def build_plan(workspace: Workspace, today: date | None = None) -> Plan:
    """The recommendations for the next 12 months from the cached forecasts (no fitting here)."""
    today = today or date.today()
    currency = workspace.base_currency
    every = all_series(workspace, today)
    expense_ids = {c.id: c for c in db.session.scalars(scoped(Category, workspace).where(Category.kind == "expense"))}
    wanted: list[MonthlySeries] = [s for s in every if s.key == SeriesKey("income")
                                   or (s.key.kind == "spending" and s.key.account_id is None
                                       and s.key.category_id in expense_ids)]
    if not any(s.key.category_id for s in wanted):
        return Plan("empty", currency)
    cached = cache.read_many(workspace, wanted)
    stale = [s.key.text for s in wanted if cached[s.key.text].status != "ready"]
    savings, goals, skipped = _savings(workspace, today)
    plan = Plan("computing" if stale else "ready", currency, stale_keys=stale, goals=goals, skipped_goals=skipped)
    if stale:
        return plan
    forecasts: dict[str, Forecast] = {k: c.forecast for k, c in cached.items() if c.forecast is not None}
    income = forecasts.get("income")
    first = next_month(month_key(today))
    months = [first]
    while len(months) < MONTHS:
        months.append(next_month(months[-1]))
    for month in months:
        current = {line.category_id: line.amount for line in budgets.lines_of_month(
            workspace, date(int(month[:4]), int(month[5:]), 1)) if not line.is_yearly}
        items = []
        for series in wanted:
            if series.key.category_id is None:
                continue
            point = next((p for p in forecasts[series.key.text].points if p.month == month), None)
            if point is None:
                continue
            recent = series.values[-12:]
            category = expense_ids[series.key.category_id]
            items.append(Recommendation(
                category.id, category.full_name, month, point.value, point.high,
                (sum(recent, ZERO) / len(recent)).quantize(Decimal("0.01")) if recent else ZERO,
                _whole(max(point.high, ZERO), currency), forecasts[series.key.text].method,
                current.get(category.id)))
        expected = next((p.value for p in income.points if p.month == month), ZERO) if income else ZERO
        unscaled = sum((i.amount for i in items), ZERO)
        items, scaling = _scaled(items, expected - savings, currency)
        items.sort(key=lambda i: (-i.amount, i.name))
        plan.months.append(MonthPlan(month, items, expected, savings, unscaled, scaling))
    return plan


def parse_month(text: str | None) -> date:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        raise Invalid("Choose a month as YYYY-MM.", fields={"month": "Choose a month as YYYY-MM."}) from None


def apply_month(workspace: Workspace, month: date, today: date | None = None) -> int:
    """Set the month's budget to the recommendations (through the budgets' own write path); returns
    how many lines were set. Flushes, never commits."""
    plan = build_plan(workspace, today)
    if plan.status != "ready":
        raise Invalid("The forecasts are still being computed; try again in a minute.")
    found = plan.month(month_key(month))
    if found is None:
        message = "Recommendations exist for the next 12 months only."
        raise Invalid(message, fields={"month": "Choose one of the next 12 months."})
    for item in found.items:
        budgets.set_line(workspace, budgets.LineInput(item.category_id, month, item.amount))
    return len(found.items)
