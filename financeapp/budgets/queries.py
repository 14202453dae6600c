"""Read-only SQL for budgets: months, and each month's spending and income per category.

Spending is summed in SQL from transaction lines joined to their transaction (splits count
per line, transfers are left out), grouped by month, category and the account's currency;
amounts in another currency are converted into the workspace's base currency at the rate of
the month's last day. A missing rate leaves that currency out and is reported, never 1.0.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.errors import Invalid
from financeapp.core.money import quantize
from financeapp.extensions import db
from financeapp.rates.services import rates_to
from financeapp.reports import spending
from financeapp.transactions.models import Transaction, TransactionLine
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """How many months from `first`'s to `last`'s (0 when the same month)."""
    return (last.year - first.year) * 12 + last.month - first.month


def parse_month(text: str | None, name: str = "month") -> date:
    """Read YYYY-MM (as in ?month=2026-03) into the month's first day."""
    shown = (text or "").strip()
    match = _MONTH.fullmatch(shown)
    if not match:
        message = f"“{shown[:20]}” is not a month. Use the form 2026-03."
        raise Invalid(message, fields={name: message})
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        message = f"“{shown[:20]}” has no month {month}. Use 01 to 12."
        raise Invalid(message, fields={name: message})
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        message = f"Use a month between {EARLIEST_YEAR} and {LATEST_YEAR}."
        raise Invalid(message, fields={name: message})
    return date(year, month, 1)


@dataclass
class CategoryInfo:
    id: int
    parent_id: int | None
    kind: str
    name: str  # "Group: Category", or the group's own name


def category_map(workspace: Workspace) -> dict[int, CategoryInfo]:
    """Every category of the workspace with its full name (one query; categories are few)."""
    rows = db.session.execute(
        sa.select(Category.id, Category.parent_id, Category.kind, Category.name)
        .where(Category.workspace_id == workspace.id)
    ).all()
    names = {row.id: row.name for row in rows}
    return {
        row.id: CategoryInfo(row.id, row.parent_id, row.kind,
                             f"{names[row.parent_id]}: {row.name}" if row.parent_id in names else row.name)
        for row in rows
    }


@dataclass
class MonthActivity:
    """A month's money in the base currency: spending per category (positive = money out) and income."""

    spent: dict[int | None, Decimal] = field(default_factory=dict)
    income: Decimal = ZERO
    missing_rates: set[str] = field(default_factory=set)


def monthly_activity(workspace: Workspace, first: date, last: date,
                     categories: dict[int, CategoryInfo]) -> dict[date, MonthActivity]:
    """Each month's activity from `first`'s month to `last`'s, in one GROUP BY.

    Income and spending as `financeapp.reports.spending` defines them for every figure: lines in
    income categories are income; lines in expense categories and groups are spending, net of
    refunds; an uncategorised line is income or spending by its sign; transfers are neither.
    """
    year = sa.extract("year", Transaction.on)
    month = sa.extract("month", Transaction.on)
    kinds = spending.category_kinds()
    rows = db.session.execute(
        sa.select(year, month, TransactionLine.category_id, Account.currency, Transaction.account_id,
                  spending.sum_money(spending.line_income(TransactionLine.amount, kinds.kind)),
                  spending.sum_money(spending.line_spending(TransactionLine.amount, kinds.kind)))
        .select_from(TransactionLine)
        .join(Transaction, Transaction.id == TransactionLine.transaction_id)
        .join(Account, Account.id == Transaction.account_id)
        .outerjoin(kinds, kinds.id == TransactionLine.category_id)
        .where(
            TransactionLine.workspace_id == workspace.id,
            Transaction.workspace_id == workspace.id,
            Transaction.transfer_key.is_(None),
            Transaction.on >= month_start(first),
            Transaction.on <= month_end(last),
        )
        # Per account, as the reports convert, so a foreign currency's roundings (and totals) agree with theirs.
        .group_by(year, month, TransactionLine.category_id, Account.currency, Transaction.account_id)
    ).all()
    base = workspace.base_currency
    foreign: dict[date, set[str]] = {}
    for row in rows:
        if row[3] != base:
            foreign.setdefault(date(int(row[0]), int(row[1]), 1), set()).add(row[3])
    rates = {m: rates_to(workspace, codes, base, month_end(m)) for m, codes in foreign.items()}
    result: dict[date, MonthActivity] = {}
    for row_year, row_month, category_id, currency, _account_id, income, spent in rows:
        key = date(int(row_year), int(row_month), 1)
        activity = result.setdefault(key, MonthActivity())
        if currency != base:
            rate = rates[key].get(currency)
            if rate is None:
                activity.missing_rates.add(currency)
                continue
            income, spent = quantize(income * rate, base), quantize(spent * rate, base)
        activity.income += income
        if spent:
            activity.spent[category_id] = activity.spent.get(category_id, ZERO) + spent
    return result
