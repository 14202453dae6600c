"""What the dashboard shows: net worth, this month, charts' tables, cards from other domains, a health score.

Everything comes from the SQL aggregations in `financeapp.reports.queries` (one rate book
shared by all of them). Budgets, goals, debts and bills come from their own domains when
those provide the function named in `optional_cards`; a card is simply left out otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from financeapp.accounts.models import LIABILITY_TYPES, Account
from financeapp.core.versions import VersionedCache
from financeapp.extensions import db
from financeapp.reports import queries, services
from financeapp.reports.forms import preset_range
from financeapp.reports.queries import Flow, ReportFilter
from financeapp.reports.services import ReportResult, optional
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
BILL_DAYS = 14

# The health score: each part scores 0-100 on a straight line between these points.
SAVINGS_TARGET = Decimal(20)  # a savings rate of 20 % or more scores 100
DEBT_YEARS_LIMIT = Decimal(3)  # debt of three years' income or more scores 0
EMERGENCY_MONTHS_TARGET = Decimal(6)  # six months of spending in cash accounts scores 100


@dataclass
class HealthPart:
    key: str
    name: str
    value: str | None  # how it reads ("18.0 %", "2.5 months"); None: not enough data
    score: int | None
    rule: str
    why_missing: str = ""


@dataclass
class Health:
    parts: list[HealthPart]

    @property
    def available(self) -> list[HealthPart]:
        return [p for p in self.parts if p.score is not None]

    @property
    def score(self) -> int | None:
        """The mean of the parts that have data (each weighs the same); None when none has."""
        parts = self.available
        if not parts:
            return None
        return round(sum(p.score for p in parts) / len(parts))  # type: ignore[misc]

    @property
    def verdict(self) -> str:
        score = self.score
        if score is None:
            return "Not enough data yet"
        return "Strong" if score >= 80 else "Good" if score >= 60 else "Fair" if score >= 40 else "Needs attention"


@dataclass
class Dashboard:
    has_accounts: bool
    has_transactions: bool = False
    net_worth: Decimal = ZERO
    assets: Decimal = ZERO
    liabilities: Decimal = ZERO
    this_month: Flow = field(default_factory=Flow)
    year: Flow = field(default_factory=Flow)
    net_worth_report: ReportResult | None = None
    monthly_report: ReportResult | None = None
    categories_report: ReportResult | None = None
    recent: list[Transaction] = field(default_factory=list)
    health: Health | None = None
    debt_total: Decimal = ZERO  # the debts module's total, else liability account balances; positive
    debt_free_on: date | None = None
    debt_source: str = "accounts"  # or "debts", when the debts module provides the summary
    budget: dict[str, Any] | None = None
    bills: list[dict[str, Any]] | None = None
    goals: list[dict[str, Any]] | None = None
    warnings: list[str] = field(default_factory=list)
    ranges: dict[str, tuple[date, date]] = field(default_factory=dict)


def _clamp(value: Decimal) -> int:
    return int(max(ZERO, min(Decimal(100), value)).to_integral_value())


def health_score(year: Flow, debt: Decimal, liquid: Decimal, budget_adherence: Decimal | None) -> Health:
    """The four parts of the score from the last 12 months' flows, debt, cash and budget adherence."""
    parts: list[HealthPart] = []
    rate = year.savings_rate
    parts.append(HealthPart(
        "savings", "Savings rate", f"{rate} %" if rate is not None else None,
        _clamp(rate * 100 / SAVINGS_TARGET) if rate is not None else None,
        f"(income − spending) ÷ income over the last 12 months; {SAVINGS_TARGET} % or more scores 100, "
        "0 % or less scores 0.",
        "" if rate is not None else "No income in the last 12 months.",
    ))
    if year.income > 0:
        ratio = (debt / year.income).quantize(Decimal("0.01"))
        parts.append(HealthPart(
            "debt", "Debt to income", f"{ratio} × a year's income", _clamp((1 - ratio / DEBT_YEARS_LIMIT) * 100),
            f"total debt ÷ the last 12 months' income; no debt scores 100, {DEBT_YEARS_LIMIT} years' income "
            "or more scores 0."))
    else:
        parts.append(HealthPart("debt", "Debt to income", None, None,
                                "total debt ÷ the last 12 months' income.", "No income in the last 12 months."))
    monthly_spending = year.spending / 12
    if monthly_spending > 0:
        months = (max(liquid, ZERO) / monthly_spending).quantize(Decimal("0.1"))
        parts.append(HealthPart(
            "emergency", "Emergency fund", f"{months} months of spending",
            _clamp(months * 100 / EMERGENCY_MONTHS_TARGET),
            f"checking, savings and cash balances ÷ average monthly spending; {EMERGENCY_MONTHS_TARGET} months or "
            "more scores 100."))
    else:
        parts.append(HealthPart("emergency", "Emergency fund", None, None,
                                "checking, savings and cash balances ÷ average monthly spending.",
                                "No spending in the last 12 months."))
    if budget_adherence is not None:
        parts.append(HealthPart("budget", "Budget adherence", f"{budget_adherence.quantize(Decimal('1'))} % of lines",
                                _clamp(budget_adherence),
                                "share of this month's budget lines not overspent; the share is the score."))
    else:
        parts.append(HealthPart("budget", "Budget adherence", None, None,
                                "share of this month's budget lines not overspent.", "No budget for this month."))
    return Health(parts)


def _debt_summary(workspace: Workspace) -> dict[str, Any] | None:
    """financeapp.debts.services.debt_summary(workspace) -> dict, when it exists."""
    provider = optional("financeapp.debts.services", "debt_summary")
    return provider(workspace) if provider else None


def _budget_status(workspace: Workspace, month: date) -> dict[str, Any] | None:
    """This month's budget from financeapp.budgets.services.month_figures(workspace, month), when it exists."""
    provider = optional("financeapp.budgets.services", "month_figures")
    if provider is None:
        return None
    figures = provider(workspace, month)
    lines = [*figures.lines, *figures.yearly]
    over = [row for row in lines if row.remaining < 0]
    return {"lines": len(lines), "within": len(lines) - len(over), "budgeted": figures.budgeted + figures.carried,
            "spent": figures.spent, "bar": figures.bar, "over": [row.name for row in over][:5],
            "unbudgeted": figures.unbudgeted_total}


def _bills(workspace: Workspace) -> list[dict[str, Any]] | None:
    """Bills due soon from financeapp.recurring.services.upcoming(workspace, days=14), when it exists."""
    provider = optional("financeapp.recurring.services", "upcoming")
    if provider is None:
        return None
    found = provider(workspace, days=BILL_DAYS)
    return [{"name": o.item.name, "on": o.on, "amount": -o.amount if o.amount < 0 else o.amount,
             "currency": o.currency, "overdue": o.overdue} for o in found.bills]


def _goals(workspace: Workspace, today: date) -> list[dict[str, Any]] | None:
    """The first goals from financeapp.goals.services.goal_page(workspace, per_page=5, today=today), when it exists."""
    provider = optional("financeapp.goals.services", "goal_page")
    if provider is None:
        return None
    return [{"name": status.goal.name, "percent": status.percent, "bar": status.bar, "saved": status.saved,
             "target": status.goal.target_amount, "currency": status.goal.currency, "reached": status.reached,
             "on_track": status.on_track}
            for status in provider(workspace, per_page=5, today=today).rows]


_figures = VersionedCache(size=128)


def dashboard_for(workspace: Workspace, today: date) -> Dashboard:
    """The dashboard, its figures computed once per data version (core/versions.py: never stale).

    The recent transactions are ORM rows, which must not outlive their session, so they are read
    fresh each time (one query) into a copy of the cached figures.
    """
    figures = _figures.get_or_compute(("dashboard", workspace.id, today), lambda: build_dashboard(workspace, today))
    if not figures.has_accounts:
        return figures
    return replace(figures, recent=queries.recent_transactions(workspace))


def build_dashboard(workspace: Workspace, today: date) -> Dashboard:
    """Everything the dashboard page shows, from a handful of grouped queries."""
    has_accounts = db.session.scalar(
        sa.select(Account.id).where(Account.workspace_id == workspace.id).limit(1)) is not None
    if not has_accounts:
        return Dashboard(has_accounts=False)
    book = queries.rate_book(workspace)
    year_start, year_end = preset_range("last-12-months", today)
    month_start, month_end = preset_range("this-month", today)
    year_filter = ReportFilter(year_start, year_end)
    month_filter = ReportFilter(month_start, month_end)

    worth = queries.net_worth(workspace, year_filter, book)
    flows = queries.monthly_flows(workspace, year_filter, book)
    monthly = services.monthly_table(flows, book, year_filter)
    categories = services.categories_report(workspace, month_filter, book)
    net_worth_result = services.net_worth_table(worth, book)
    year = Flow(sum((f.income for f in flows.values()), ZERO), sum((f.spending for f in flows.values()), ZERO))
    this_month = flows.get(queries.month_key(today), Flow())
    last = worth.points[-1]

    debt = ZERO
    liquid = ZERO
    for account_id, account in worth.accounts.items():
        value = worth.converted.get(account_id)
        if value is None:
            continue
        if account.type in LIABILITY_TYPES or value < 0:
            debt -= value
        elif account.type in {"checking", "savings", "cash"}:
            liquid += value

    dash = Dashboard(
        has_accounts=True,
        has_transactions=db.session.scalar(
            sa.select(Transaction.id).where(Transaction.workspace_id == workspace.id).limit(1)) is not None,
        net_worth=last.net_worth, assets=last.assets, liabilities=last.liabilities,
        this_month=this_month, year=year, net_worth_report=net_worth_result, monthly_report=monthly,
        categories_report=categories, debt_total=debt,
        ranges={"year": (year_start, year_end), "month": (month_start, month_end)},
    )
    summary = _debt_summary(workspace)
    if summary and summary.get("count"):
        dash.debt_total, dash.debt_source = Decimal(summary["total_debt"]), "debts"
        dash.debt_free_on = summary.get("debt_free")

    dash.budget = _budget_status(workspace, month_start)
    adherence = None
    if dash.budget and dash.budget["lines"]:
        adherence = Decimal(dash.budget["within"] * 100) / dash.budget["lines"]
    dash.bills = _bills(workspace)
    dash.goals = _goals(workspace, today)
    dash.health = health_score(year, dash.debt_total, liquid, adherence)
    dash.warnings = book.warnings
    return dash
