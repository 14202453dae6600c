"""Read-only SQL aggregations behind the reports and the dashboard.

Every figure is a GROUP BY in the database; Python only converts and adds up the
aggregates (a few hundred rows at most), never the transactions themselves.

Rules shared by every report:
- Amounts are in the workspace base currency. Each aggregate is grouped by the account, the
  month and (for income and spending) the category, and converted at the rate of the month's last day (the latest
  rate on or before it; a direct rate first, else the reverse pair's, inverted), rounded
  half-even to the base currency's minor units. A missing rate is never 1.0: that part is
  left out and reported in `warnings`.
- Splits count per category line (transaction_lines); what is income and what is spending
  is `financeapp.reports.spending`'s one definition (by the category's kind, net of refunds;
  an uncategorised line by its sign). Transfers are neither.
- Net worth is the opening balances plus all transactions of the accounts marked
  include_in_net_worth; liability accounts and negative balances count as liabilities.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from financeapp.accounts.models import LIABILITY_TYPES, Account
from financeapp.categories.models import Category
from financeapp.core.db import Money
from financeapp.core.money import quantize
from financeapp.extensions import db
from financeapp.payees.models import Payee
from financeapp.rates.models import ExchangeRate
from financeapp.rates.services import invert
from financeapp.reports import spending, totals
from financeapp.reports.models import MonthlyTotal
from financeapp.reports.months import month_end, month_key, month_of, months_between, next_month, previous_month
from financeapp.transactions.models import Transaction, TransactionLine, transaction_labels
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
LIQUID_TYPES = frozenset({"checking", "savings", "cash"})


# Splitting a range for the monthly totals ------------------------------------------------


@dataclass(frozen=True)
class MonthSplit:
    """A date range as the whole months the monthly totals answer and the days at its edges the ledger answers."""

    first: str | None  # first whole month ('YYYY-MM'); None: from the beginning
    last: str | None  # last whole month; None: no whole month in the range
    edges: tuple[tuple[date | None, date], ...]  # inclusive day ranges read from the ledger


def split_months(start: date | None, end: date) -> MonthSplit:
    """Split [start, end] (start None: from the beginning) into whole months and edge days."""
    last = month_key(end) if end == month_end(month_key(end)) else previous_month(month_key(end))
    tail = () if end == month_end(month_key(end)) else ((end.replace(day=1), end),)
    if start is None:
        return MonthSplit(None, last, tail)
    first = month_key(start) if start.day == 1 else next_month(month_key(start))
    if first > last:
        return MonthSplit(None, None, ((start, end),))
    head = () if start.day == 1 else ((start, month_end(month_key(start))),)
    return MonthSplit(first, last, head + tail)


# Filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    """What a report covers: a date range (inclusive), optionally one account and one label."""

    start: date
    end: date
    account_id: int | None = None
    label_id: int | None = None

    @property
    def previous(self) -> ReportFilter:
        """The period of the same length just before this one."""
        days = (self.end - self.start).days
        prev_end = self.start - timedelta(days=1)
        return ReportFilter(prev_end - timedelta(days=days), prev_end, self.account_id, self.label_id)


def _scope(query: sa.Select, workspace: Workspace, f: ReportFilter | None, *, labels: bool = True) -> sa.Select:
    query = query.where(Transaction.workspace_id == workspace.id)
    if f is None:
        return query
    if f.account_id is not None:
        query = query.where(Transaction.account_id == f.account_id)
    if labels and f.label_id is not None:
        query = query.where(Transaction.id.in_(
            sa.select(transaction_labels.c.transaction_id).where(transaction_labels.c.label_id == f.label_id)
        ))
    return query


# Converting aggregates into the base currency -------------------------------------------------


class RateBook:
    """The workspace's rates between `currencies` and the base currency, read in one query.

    The rates table holds a few rows per pair and month, so it is read whole for the pairs in
    use and looked up with bisect; the transactions are never read row by row.
    """

    def __init__(self, workspace: Workspace, currencies: Iterable[str], currency_of: dict[int, str] | None = None):
        self.base = workspace.base_currency
        self.currency_of = currency_of or {}  # account id -> currency, so queries need not join accounts
        self.missing: set[tuple[str, str]] = set()  # (currency, month) left out for want of a rate
        others = sorted({c for c in currencies if c != self.base})
        self._direct: dict[str, tuple[list[date], list[Decimal]]] = {}
        self._reverse: dict[str, tuple[list[date], list[Decimal]]] = {}
        if not others:
            return
        rows = db.session.execute(
            sa.select(ExchangeRate.base, ExchangeRate.quote, ExchangeRate.on, ExchangeRate.rate)
            .where(ExchangeRate.workspace_id == workspace.id,
                   sa.or_(sa.and_(ExchangeRate.base.in_(others), ExchangeRate.quote == self.base),
                          sa.and_(ExchangeRate.base == self.base, ExchangeRate.quote.in_(others))))
            .order_by(ExchangeRate.on)
        )
        for base, quote, on, rate in rows:
            table, code = (self._direct, base) if quote == self.base else (self._reverse, quote)
            dates, rates = table.setdefault(code, ([], []))
            dates.append(on)
            rates.append(rate)

    @staticmethod
    def _latest(table: dict[str, tuple[list[date], list[Decimal]]], currency: str, on: date) -> Decimal | None:
        dates, rates = table.get(currency, ([], []))
        index = bisect.bisect_right(dates, on)
        return rates[index - 1] if index else None

    def rate(self, currency: str, on: date) -> Decimal | None:
        """1 `currency` in the base currency on `on`: the latest direct rate, else the reverse one inverted."""
        if currency == self.base:
            return Decimal(1)
        direct = self._latest(self._direct, currency, on)
        if direct is not None:
            return direct
        reverse = self._latest(self._reverse, currency, on)
        return invert(reverse) if reverse is not None else None

    def convert(self, amount: Decimal, currency: str, month: str) -> Decimal | None:
        """`amount` (an aggregate of `month`) at the month's last day's rate; None (and noted) when missing."""
        if currency == self.base:
            return amount
        rate = self.rate(currency, month_end(month))
        if rate is None:
            self.missing.add((currency, month))
            return None
        with localcontext() as context:
            context.prec = 60  # a 15-digit amount times a 19-digit rate rounds only once, here
            return quantize(amount * rate, self.base)

    @property
    def warnings(self) -> list[str]:
        by_currency: dict[str, list[str]] = defaultdict(list)
        for currency, month in sorted(self.missing):
            by_currency[currency].append(month)
        return [
            f"No {currency}→{self.base} exchange rate on or before the end of {', '.join(months)}: "
            f"{currency} amounts of {'that month' if len(months) == 1 else 'those months'} are left out."
            for currency, months in by_currency.items()
        ]


def conversion_month(book: RateBook) -> Any:
    """The month of a transaction where it needs converting (a foreign-currency account), else a constant.

    Reports that do not show months still group foreign amounts by month for their rates; base-currency
    rows then collapse into one group per key, so fewer rows come back and fewer dates are formatted.
    """
    foreign = sorted(a for a, currency in book.currency_of.items() if currency != book.base)
    if not foreign:
        return sa.literal_column("''")
    return sa.case((Transaction.account_id.in_(foreign), month_of(Transaction.on)), else_=sa.literal_column("''"))


def _currencies(workspace: Workspace) -> dict[int, str]:
    return dict(db.session.execute(
        sa.select(Account.id, Account.currency).where(Account.workspace_id == workspace.id)
    ).all())


def rate_book(workspace: Workspace) -> RateBook:
    """A RateBook for every currency the workspace's accounts use, with each account's currency."""
    currency_of = _currencies(workspace)
    return RateBook(workspace, set(currency_of.values()), currency_of)


def _sum_money(expression: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(expression, type_=Money), 0, type_=Money)


def _money_in(column: Any) -> Any:
    return _sum_money(sa.case((column > 0, column), else_=sa.literal(0, Money)))


def _money_out(column: Any) -> Any:
    return _sum_money(sa.case((column < 0, column), else_=sa.literal(0, Money)))


# Income and spending from the category lines ---------------------------------------------------


@dataclass
class Flow:
    """Money in and out (out as a positive number), in the base currency."""

    income: Decimal = ZERO
    spending: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.income - self.spending

    @property
    def savings_rate(self) -> Decimal | None:
        """(income - spending) / income in percent, one decimal; None without income."""
        if self.income <= 0:
            return None
        return (self.net * 100 / self.income).quantize(Decimal("0.1"))


def _line_flows(workspace: Workspace, f: ReportFilter, *keys: Any, month: Any = None) -> sa.Select:
    """Income and spending per (account, month, *keys) from the non-transfer category lines in the range.

    Read from the ledger: the (workspace, date) index finds the range's transactions and the
    (transaction, workspace, category, amount) index their lines. Grouped by account rather
    than joined to accounts for the currency; the caller maps each account to its currency
    from the RateBook. A transaction without lines counts whole, uncategorised, as in the
    monthly totals.
    """
    month = month_of(Transaction.on) if month is None else month
    amount = sa.func.coalesce(TransactionLine.amount, Transaction.amount, type_=Money)
    kinds = spending.category_kinds()
    query = (
        sa.select(Transaction.account_id, month, *keys, spending.sum_money(spending.line_income(amount, kinds.kind)),
                  spending.sum_money(spending.line_spending(amount, kinds.kind)))
        .select_from(Transaction)
        .outerjoin(TransactionLine, TransactionLine.transaction_id == Transaction.id)
        .outerjoin(kinds, kinds.id == TransactionLine.category_id)
        .where(Transaction.transfer_key.is_(None), Transaction.on >= f.start, Transaction.on <= f.end)
        .group_by(Transaction.account_id, month, *keys)
    )
    return _scope(query, workspace, f)


def _totals_month(book: RateBook | None) -> Any:
    """The monthly totals' month, or (with a book) only where an account needs converting, as conversion_month."""
    if book is None:
        return MonthlyTotal.month
    foreign = sorted(a for a, currency in book.currency_of.items() if currency != book.base)
    if not foreign:
        return sa.literal_column("''")
    return sa.case((MonthlyTotal.account_id.in_(foreign), MonthlyTotal.month), else_=sa.literal_column("''"))


def _total_flows(workspace: Workspace, split: MonthSplit, f: ReportFilter, *, by_category: bool,
                 month: Any) -> sa.Select:
    """The same rows as `_line_flows`, for the whole months of `split`, from the monthly totals."""
    keys = (MonthlyTotal.category_id,) if by_category else ()
    kinds = spending.category_kinds()
    money_in, money_out = MonthlyTotal.money_in, MonthlyTotal.money_out
    query = (
        sa.select(MonthlyTotal.account_id, month, *keys,
                  spending.sum_money(spending.totals_income(money_in, money_out, kinds.kind)),
                  spending.sum_money(spending.totals_spending(money_in, money_out, kinds.kind)))
        .outerjoin(kinds, kinds.id == MonthlyTotal.category_id)
        .where(MonthlyTotal.workspace_id == workspace.id, MonthlyTotal.transfer == sa.false(),
               MonthlyTotal.month <= split.last)
        .group_by(MonthlyTotal.account_id, month, *keys)
    )
    if split.first is not None:
        query = query.where(MonthlyTotal.month >= split.first)
    if f.account_id is not None:
        query = query.where(MonthlyTotal.account_id == f.account_id)
    return query


def flow_rows(workspace: Workspace, f: ReportFilter, book: RateBook, *, by_category: bool = False,
              monthly: bool = True) -> list[Any]:
    """(account, month, [category,] income, spending) rows covering the range; a key may repeat, so add up.

    Whole months come from the monthly totals, the days at the edges of the range from the
    ledger. A label filter reads the ledger throughout (the totals do not know labels).
    Without `monthly`, months are kept only where a rate needs them (conversion_month).
    """
    totals.flush_totals(db.session)  # this transaction's own writes first
    keys = (TransactionLine.category_id,) if by_category else ()
    ledger_month = month_of(Transaction.on) if monthly else conversion_month(book)
    if f.label_id is not None:
        return list(db.session.execute(_line_flows(workspace, f, *keys, month=ledger_month)))
    split = split_months(f.start, f.end)
    rows: list[Any] = []
    if split.last is not None:
        month = _totals_month(None if monthly else book)
        rows.extend(db.session.execute(_total_flows(workspace, split, f, by_category=by_category, month=month)))
    for start, end in split.edges:
        edge = ReportFilter(start or f.start, end, f.account_id, f.label_id)
        rows.extend(db.session.execute(_line_flows(workspace, edge, *keys, month=ledger_month)))
    return rows


def _convert_rows(rows: Iterable[Any], book: RateBook, width: int) -> Iterator[tuple[tuple, Flow]]:
    """(key, Flow) per aggregate row (account id, month, *key[width], income, spending), converted."""
    for row in rows:
        account_id, month, *rest = row
        currency = book.currency_of[account_id]
        key, income, spent = tuple(rest[:width]), rest[width], rest[width + 1]
        income = book.convert(income, currency, month)
        spent = book.convert(spent, currency, month)
        if income is None or spent is None:
            continue
        yield (month, *key), Flow(income, spent)


def has_foreign(book: RateBook) -> bool:
    """Whether any account needs converting; then sums are converted per category (see `monthly_flows`)."""
    return any(currency != book.base for currency in book.currency_of.values())


def monthly_flows(workspace: Workspace, f: ReportFilter, book: RateBook) -> dict[str, Flow]:
    """Income and spending per month ('YYYY-MM'), every month of the range present.

    With accounts in other currencies the sums are converted per (account, month, category), as
    the category reports convert them, so each rounding is the same and every report's total
    spending agrees to the cent; in the base currency there is nothing to round.
    """
    result = {key: Flow() for key in months_between(f.start, f.end)}
    by_category = has_foreign(book)
    rows = flow_rows(workspace, f, book, by_category=by_category)
    for (month, *_category), flow in _convert_rows(rows, book, 1 if by_category else 0):
        target = result.setdefault(month, Flow())
        target.income += flow.income
        target.spending += flow.spending
    return result


def months_with_entries(workspace: Workspace, f: ReportFilter) -> set[str]:
    """The months ('YYYY-MM') of the range that hold at least one entry that is not a transfer.

    Whole months from the monthly totals' line counts, the edge days (and any label filter)
    from the ledger, as `flow_rows` reads them.
    """
    totals.flush_totals(db.session)
    found: set[str] = set()
    edges: tuple[tuple[date | None, date], ...] = ((f.start, f.end),)
    if f.label_id is None:
        split = split_months(f.start, f.end)
        edges = split.edges
        if split.last is not None:
            query = (sa.select(MonthlyTotal.month).distinct()
                     .where(MonthlyTotal.workspace_id == workspace.id, MonthlyTotal.transfer == sa.false(),
                            MonthlyTotal.line_count > 0, MonthlyTotal.month <= split.last))
            if split.first is not None:
                query = query.where(MonthlyTotal.month >= split.first)
            if f.account_id is not None:
                query = query.where(MonthlyTotal.account_id == f.account_id)
            found.update(db.session.scalars(query))
    month = month_of(Transaction.on)
    for start, end in edges:
        query = (sa.select(month).distinct()
                 .where(Transaction.transfer_key.is_(None), Transaction.on >= (start or f.start),
                        Transaction.on <= end))
        found.update(db.session.scalars(_scope(query, workspace, f)))
    return found


@dataclass
class CategoryFlow:
    category_id: int | None
    name: str
    group: str
    current: Flow = field(default_factory=Flow)
    previous: Flow = field(default_factory=Flow)


def category_flows(workspace: Workspace, f: ReportFilter, book: RateBook) -> list[CategoryFlow]:
    """Income and spending per category line's category, in the range and in the period before it."""
    flows: dict[int | None, CategoryFlow] = {}
    for period, is_current in ((f, True), (f.previous, False)):
        rows = flow_rows(workspace, period, book, by_category=True, monthly=False)
        for (_month, category_id), flow in _convert_rows(rows, book, 1):
            item = flows.setdefault(category_id, CategoryFlow(category_id, "", ""))
            target = item.current if is_current else item.previous
            target.income += flow.income
            target.spending += flow.spending
    names = category_names(workspace, [key for key in flows if key is not None])
    for item in flows.values():
        item.name, item.group = names.get(item.category_id, ("Uncategorised", ""))
    return list(flows.values())


def category_names(workspace: Workspace, ids: list[int]) -> dict[int, tuple[str, str]]:
    """(name, group name) of the workspace's categories with these ids."""
    if not ids:
        return {}
    parent = aliased(Category)
    rows = db.session.execute(
        sa.select(Category.id, Category.name, parent.name)
        .outerjoin(parent, parent.id == Category.parent_id)
        .where(Category.workspace_id == workspace.id, Category.id.in_(ids))
    )
    return {cid: (name, group or "") for cid, name, group in rows}


def category_month_flows(workspace: Workspace, f: ReportFilter, book: RateBook) -> dict[int | None, dict[str, Flow]]:
    """Per category, per month: income and spending."""
    result: dict[int | None, dict[str, Flow]] = defaultdict(dict)
    rows = flow_rows(workspace, f, book, by_category=True)
    for (month, category_id), flow in _convert_rows(rows, book, 1):
        target = result[category_id].setdefault(month, Flow())
        target.income += flow.income
        target.spending += flow.spending
    return dict(result)


# Payees and accounts, from whole transactions ---------------------------------------------------


@dataclass
class PayeeFlow:
    payee_id: int | None
    name: str
    count: int = 0
    flow: Flow = field(default_factory=Flow)


def _lines_with_kinds(query: sa.Select) -> tuple[sa.Select, Any, Any]:
    """`query` over transactions joined to their lines and the lines' categories: (query, amount, kind)."""
    kinds = spending.category_kinds()
    amount = sa.func.coalesce(TransactionLine.amount, Transaction.amount, type_=Money)
    query = (query.select_from(Transaction)
             .outerjoin(TransactionLine, TransactionLine.transaction_id == Transaction.id)
             .outerjoin(kinds, kinds.id == TransactionLine.category_id))
    return query, amount, kinds.kind


def payee_flows(workspace: Workspace, f: ReportFilter, book: RateBook) -> list[PayeeFlow]:
    """Per payee: number of transactions, income and spending (by their lines; transfers left out)."""
    month = conversion_month(book)
    query, amount, kind = _lines_with_kinds(sa.select(
        Transaction.account_id, month, Transaction.payee_id, sa.func.count(sa.distinct(Transaction.id))))
    query = _scope(
        query.add_columns(spending.sum_money(spending.line_income(amount, kind)),
                          spending.sum_money(spending.line_spending(amount, kind)))
        .where(Transaction.transfer_key.is_(None), Transaction.on >= f.start, Transaction.on <= f.end)
        .group_by(Transaction.account_id, month, Transaction.payee_id),
        workspace, f,
    )
    payees: dict[int | None, PayeeFlow] = {}
    for account_id, month_key_, payee_id, count, income, spent in db.session.execute(query):
        currency = book.currency_of[account_id]
        item = payees.setdefault(payee_id, PayeeFlow(payee_id, ""))
        item.count += count
        income, spent = book.convert(income, currency, month_key_), book.convert(spent, currency, month_key_)
        if income is not None and spent is not None:
            item.flow.income += income
            item.flow.spending += spent
    ids = [key for key in payees if key is not None]
    names = dict(db.session.execute(
        sa.select(Payee.id, Payee.name).where(Payee.workspace_id == workspace.id, Payee.id.in_(ids))
    ).all()) if ids else {}
    for item in payees.values():
        item.name = names.get(item.payee_id, "No payee")
    return list(payees.values())


@dataclass
class AccountFlow:
    account: Account
    income: Decimal = ZERO  # in the account's own currency
    spending: Decimal = ZERO
    transfers_in: Decimal = ZERO
    transfers_out: Decimal = ZERO
    net_in_base: Decimal | None = ZERO  # the whole change converted; None when a rate is missing
    income_in_base: Decimal = ZERO
    spending_in_base: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.income - self.spending + self.transfers_in - self.transfers_out


def account_flows(workspace: Workspace, f: ReportFilter, book: RateBook) -> list[AccountFlow]:
    """Per account: income, spending and transfers in the range, in its currency and in the base currency."""
    month = conversion_month(book)
    is_transfer = sa.case((Transaction.transfer_key.is_(None), sa.literal(0)), else_=sa.literal(1))
    # Converted per category too where a rate applies, as `monthly_flows` does (the same roundings).
    keys = (TransactionLine.category_id,) if has_foreign(book) else ()
    query, amount, kind = _lines_with_kinds(sa.select(Transaction.account_id, month, is_transfer))
    query = _scope(
        query.add_columns(spending.sum_money(spending.line_income(amount, kind)),
                          spending.sum_money(spending.line_spending(amount, kind)), _money_in(amount),
                          _money_out(amount))
        .where(Transaction.on >= f.start, Transaction.on <= f.end)
        .group_by(Transaction.account_id, month, is_transfer, *keys),
        workspace, f,
    )
    accounts = {a.id: AccountFlow(a) for a in db.session.scalars(
        sa.select(Account).where(Account.workspace_id == workspace.id).order_by(Account.name))}
    for account_id, month_key_, transfer, income, spent, money_in, money_out in db.session.execute(query):
        item = accounts[account_id]
        if transfer:  # a transfer's sides by their sign, never income or spending
            income, spent = money_in, -money_out
            item.transfers_in += income
            item.transfers_out += spent
        else:
            item.income += income
            item.spending += spent
        converted = [book.convert(value, item.account.currency, month_key_) for value in (income, spent)]
        if None in converted:
            item.net_in_base = None
            continue
        if item.net_in_base is not None:
            item.net_in_base += converted[0] - converted[1]  # type: ignore[operator]
        if not transfer:
            item.income_in_base += converted[0]  # type: ignore[operator]
            item.spending_in_base += converted[1]  # type: ignore[operator]
    active = [a for a in accounts.values()
              if a.income or a.spending or a.transfers_in or a.transfers_out
              or (f.account_id is None and not a.account.archived) or a.account.id == f.account_id]
    return active


# Net worth -------------------------------------------------------------------------------------


def balance_changes(workspace: Workspace, ids: list[int], start: date | None, end: date) -> list[Any]:
    """(account, month, sum of amounts) of these accounts from start (None: the beginning) to end.

    Transfers included; a (account, month) may repeat (whole months and edge days), so add up.
    """
    totals.flush_totals(db.session)
    split = split_months(start, end)
    rows: list[Any] = []
    if split.last is not None:
        query = (
            sa.select(MonthlyTotal.account_id, MonthlyTotal.month,
                      _sum_money(MonthlyTotal.money_in + MonthlyTotal.money_out))
            .where(MonthlyTotal.workspace_id == workspace.id, MonthlyTotal.account_id.in_(ids),
                   MonthlyTotal.month <= split.last)
            .group_by(MonthlyTotal.account_id, MonthlyTotal.month)
        )
        if split.first is not None:
            query = query.where(MonthlyTotal.month >= split.first)
        rows.extend(db.session.execute(query))
    month = month_of(Transaction.on)
    for edge_start, edge_end in split.edges:
        query = (
            sa.select(Transaction.account_id, month, sa.func.sum(Transaction.amount, type_=Money))
            .where(Transaction.workspace_id == workspace.id, Transaction.account_id.in_(ids),
                   Transaction.on <= edge_end)
            .group_by(Transaction.account_id, month)
        )
        if edge_start is not None:
            query = query.where(Transaction.on >= edge_start)
        rows.extend(db.session.execute(query))
    return rows


@dataclass
class NetWorthPoint:
    month: str
    assets: Decimal = ZERO
    liabilities: Decimal = ZERO  # zero or negative

    @property
    def net_worth(self) -> Decimal:
        return self.assets + self.liabilities


@dataclass
class NetWorth:
    points: list[NetWorthPoint]
    balances: dict[int, Decimal]  # per account, at the end of the range, in the account currency
    converted: dict[int, Decimal | None]  # the same in the base currency (None: no rate)
    accounts: dict[int, Account]


def net_worth(workspace: Workspace, f: ReportFilter, book: RateBook) -> NetWorth:
    """Assets, liabilities and net worth at the end of each month of the range.

    Sums per account before the range and per account and month inside it, from the monthly
    totals and, for the days that do not make a whole month, the covering index (workspace,
    account, date, amount). An account's opening balance counts from its opening date.
    Labels do not apply to balances.
    """
    accounts = {a.id: a for a in db.session.scalars(
        sa.select(Account).where(Account.workspace_id == workspace.id, Account.include_in_net_worth.is_(True)))}
    if f.account_id is not None:
        accounts = {k: v for k, v in accounts.items() if k == f.account_id}
    ids = list(accounts)
    months = months_between(f.start, f.end)
    before: dict[int, Decimal] = defaultdict(Decimal)
    changes: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    if ids:
        for account_id, _key, total in balance_changes(workspace, ids, None, f.start - timedelta(days=1)):
            before[account_id] += total
        for account_id, key, total in balance_changes(workspace, ids, f.start, f.end):
            changes[(account_id, key)] += total
    running = {account_id: before.get(account_id, ZERO) for account_id in ids}
    points: list[NetWorthPoint] = []
    converted: dict[int, Decimal | None] = {}
    holdings = _investment_values(workspace, [a for a in accounts.values() if a.type == "investment"], months, f.end)
    for key in months:
        point = NetWorthPoint(key)
        last_day = min(month_end(key), f.end) if key == months[-1] else month_end(key)
        for by_day in holdings.values():  # holdings at market value and trade cash, already in the base currency
            point.assets += by_day.get(last_day, ZERO)
        for account_id, account in accounts.items():
            running[account_id] += changes.get((account_id, key), ZERO)
            balance = running[account_id] + (account.opening_balance if account.opening_date <= last_day else ZERO)
            value = book.convert(balance, account.currency, key)
            converted[account_id] = value
            if value is None:
                continue
            if account.type in LIABILITY_TYPES or value < 0:
                point.liabilities += value
            else:
                point.assets += value
        points.append(point)
    balances = {
        account_id: running[account_id] + (account.opening_balance if account.opening_date <= f.end else ZERO)
        for account_id, account in accounts.items()
    }
    return NetWorth(points, balances, converted, accounts)


def _investment_values(workspace: Workspace, accounts: list[Account], months: list[str], end: date
                       ) -> dict[int, dict[date, Decimal]]:
    """Investment accounts' holdings (at the last price on or before each month end) and trade cash."""
    if not accounts:
        return {}
    from financeapp.investments.services import values_on  # late: investments imports accounts, which imports reports

    days = [min(month_end(key), end) if key == months[-1] else month_end(key) for key in months]
    return values_on(workspace, [a.id for a in accounts], days)


# Recent transactions ----------------------------------------------------------------------------


def recent_transactions(workspace: Workspace, limit: int = 8) -> list[Transaction]:
    """The newest transactions, with account and payee loaded (the (workspace, date, id) index)."""
    return list(db.session.scalars(
        sa.select(Transaction)
        .where(Transaction.workspace_id == workspace.id)
        .options(joinedload(Transaction.account), joinedload(Transaction.payee))
        .order_by(Transaction.on.desc(), Transaction.id.desc())
        .limit(limit)
    ))
