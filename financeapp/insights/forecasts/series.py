"""Monthly series of spending, income and net cash flow: in total, per category, per account.

Every figure comes from financeapp/reports/queries.py (monthly_flows, category_month_flows) with a
ReportFilter and the workspace's rate book, so "spending" here is financeapp/reports/spending.py's
one definition and the amounts are in the base currency, as on every report. A series covers whole
months only, from its first month with a figure to the last complete month on or before `as_of`.

A series is named by a key: "spending", "income", "net", optionally ":c<category id>" and/or
":a<account id>" ("spending:c12", "net:a3").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.errors import Invalid
from financeapp.core.scoping import get_scoped_or_404
from financeapp.extensions import db
from financeapp.reports.months import month_end, month_key, months_between, previous_month
from financeapp.reports.queries import (
    Flow,
    RateBook,
    ReportFilter,
    category_month_flows,
    category_names,
    monthly_flows,
    rate_book,
)
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace

KINDS = ("spending", "income", "net")
MODEL_VERSION = "1"  # part of every checksum: a change of the models recomputes every cache entry
_KEY = re.compile(r"^(spending|income|net)(?::c(\d{1,12}))?(?::a(\d{1,12}))?$")
ZERO = Decimal(0)


@dataclass(frozen=True)
class SeriesKey:
    kind: str
    category_id: int | None = None
    account_id: int | None = None

    @property
    def text(self) -> str:
        return (self.kind + (f":c{self.category_id}" if self.category_id is not None else "")
                + (f":a{self.account_id}" if self.account_id is not None else ""))

    @classmethod
    def parse(cls, text: str) -> SeriesKey:
        match = _KEY.match(text or "")
        if not match:
            raise Invalid("Name a series: spending, income or net, optionally with a category or account.",
                          fields={"series": "Use spending, income or net."})
        kind, category, account = match.groups()
        return cls(kind, int(category) if category else None, int(account) if account else None)


@dataclass(frozen=True)
class MonthlySeries:
    key: SeriesKey
    label: str
    last_month: str  # the last complete month; the forecast starts after it
    months: list[str]
    values: list[Decimal]
    currency: str

    @property
    def checksum(self) -> str:
        """A digest of everything the forecast depends on: the key, the months and their figures."""
        text = "|".join([MODEL_VERSION, self.key.text, self.last_month, self.currency,
                         *(f"{m}={v:.3f}" for m, v in zip(self.months, self.values, strict=True))])
        return hashlib.sha256(text.encode()).hexdigest()


def last_complete_month(as_of: date) -> str:
    """`as_of`'s month when it is the month's last day, else the month before."""
    key = month_key(as_of)
    return key if as_of == month_end(key) else previous_month(key)


def _first_day(workspace: Workspace, account_id: int | None) -> date | None:
    query = sa.select(sa.func.min(Transaction.on)).where(Transaction.workspace_id == workspace.id)
    if account_id is not None:
        query = query.where(Transaction.account_id == account_id)
    return db.session.scalar(query)


def _value(flow: Flow, kind: str) -> Decimal:
    return flow.spending if kind == "spending" else flow.income if kind == "income" else flow.net


def _trimmed(months: list[str], values: list[Decimal]) -> tuple[list[str], list[Decimal]]:
    """Without the months before the first figure (a category used from some month on)."""
    for index, value in enumerate(values):
        if value:
            return months[index:], values[index:]
    return [], []


def _filter(workspace: Workspace, as_of: date, account_id: int | None) -> tuple[ReportFilter, str] | None:
    last = last_complete_month(as_of)
    first = _first_day(workspace, account_id)
    if first is None or month_key(first) > last:
        return None
    return ReportFilter(first.replace(day=1), month_end(last), account_id=account_id), last


def _label(workspace: Workspace, key: SeriesKey, names: dict[int, tuple[str, str]],
           accounts: dict[int, str]) -> str:
    what = {"spending": "Spending", "income": "Income", "net": "Net cash flow"}[key.kind]
    parts = []
    if key.category_id is not None:
        name, group = names.get(key.category_id, ("Category", ""))
        parts.append(f"{group}: {name}" if group else name)
    if key.account_id is not None:
        parts.append(accounts.get(key.account_id, "Account"))
    return f"{what} · {' · '.join(parts)}" if parts else f"Total {what.lower()}" if key.kind != "net" else what


def _build(workspace: Workspace, key: SeriesKey, last: str, months: Iterable[str], by_month: dict[str, Flow],
           names: dict[int, tuple[str, str]], accounts: dict[int, str]) -> MonthlySeries:
    ordered = list(months)
    values = [_value(by_month.get(m, Flow()), key.kind) for m in ordered]
    ordered, values = _trimmed(ordered, values)
    return MonthlySeries(key, _label(workspace, key, names, accounts), last, ordered, values,
                         workspace.base_currency)


def load_series(workspace: Workspace, key: SeriesKey, as_of: date, book: RateBook | None = None) -> MonthlySeries:
    """One series; its category and account must be the workspace's (else NotFound, a 404)."""
    category = get_scoped_or_404(Category, key.category_id, workspace) if key.category_id is not None else None
    account = get_scoped_or_404(Account, key.account_id, workspace) if key.account_id is not None else None
    names = category_names(workspace, [category.id]) if category else {}
    accounts = {account.id: account.name} if account else {}
    scope = _filter(workspace, as_of, key.account_id)
    if scope is None:
        return MonthlySeries(key, _label(workspace, key, names, accounts), last_complete_month(as_of), [], [],
                             workspace.base_currency)
    f, last = scope
    book = book or rate_book(workspace)
    months = months_between(f.start, f.end)
    if category is not None:
        by_month = category_month_flows(workspace, f, book).get(category.id, {})
    else:
        by_month = monthly_flows(workspace, f, book)
    return _build(workspace, key, last, months, by_month, names, accounts)


def all_series(workspace: Workspace, as_of: date) -> list[MonthlySeries]:
    """Every series the pages use: the three totals, each category's (spending, or income for an income
    category), and each open account's spending and income. One query per account, two for the rest."""
    scope = _filter(workspace, as_of, None)
    if scope is None:
        return []
    f, last = scope
    book = rate_book(workspace)
    months = months_between(f.start, f.end)
    totals = monthly_flows(workspace, f, book)
    per_category = category_month_flows(workspace, f, book)
    kinds: dict[int, str] = {cid: kind for cid, kind in db.session.execute(
        sa.select(Category.id, Category.kind).where(Category.workspace_id == workspace.id))}
    ids = sorted(c for c in per_category if c is not None and c in kinds)
    names = category_names(workspace, ids)
    accounts: dict[int, str] = {aid: name for aid, name in db.session.execute(
        sa.select(Account.id, Account.name).where(Account.workspace_id == workspace.id,
                                                  Account.archived.is_(False)).order_by(Account.name))}
    result = [_build(workspace, SeriesKey(kind), last, months, totals, names, accounts) for kind in KINDS]
    for category_id in ids:
        kind = "income" if kinds[category_id] == "income" else "spending"
        result.append(_build(workspace, SeriesKey(kind, category_id), last, months, per_category[category_id],
                             names, accounts))
    for account_id in accounts:
        flows = monthly_flows(workspace, ReportFilter(f.start, f.end, account_id=account_id), book)
        for kind in ("spending", "income"):
            result.append(_build(workspace, SeriesKey(kind, None, account_id), last, months, flows, names, accounts))
    return [s for s in result if s.values]
