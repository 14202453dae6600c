"""The filtered, sorted, paginated transaction list with its count and sum, all in SQL."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.db import Money
from financeapp.core.pagination import Paged
from financeapp.core.scoping import MAX_ID
from financeapp.core.validation import amount_for_input, checked_amount, gather, parse_amount, parse_day
from financeapp.core.versions import VersionedCache
from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.reports import spending
from financeapp.reports.months import month_of
from financeapp.reports.queries import rate_book
from financeapp.transactions import search
from financeapp.transactions.models import Transaction, TransactionLine, transaction_labels
from financeapp.workspaces.models import Workspace

SORTS = {
    "-date": (Transaction.on.desc(), Transaction.id.desc()),
    "date": (Transaction.on.asc(), Transaction.id.asc()),
    "-amount": (Transaction.amount.desc(), Transaction.id.desc()),
    "amount": (Transaction.amount.asc(), Transaction.id.asc()),
}
KINDS = ("income", "expense", "transfer")
# What a report figure sums (reports/spending.py), so a drill-down's list totals to the figure clicked.
FLOWS = {"spending": spending.line_spending, "income": spending.line_income}
PER_PAGE_CHOICES = (25, 50, 100, 200)
MAX_SEARCH = 500


@dataclass(frozen=True)
class TransactionFilter:
    account: int | None = None
    category: int | None = None  # -1: uncategorised
    label: int | None = None
    payee: int | None = None
    kind: str = ""
    start: date | None = None
    end: date | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    q: str = ""
    flow: str = ""  # "spending" or "income": per line, as the reports count them
    sort: str = "-date"
    page: int = 1
    per_page: int = 50
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_args(cls, args: Mapping[str, str], locale: str | None = None) -> TransactionFilter:
        """Read filters from a query string; bad values are dropped and reported, never a 500.

        Amounts are read in `locale` (the user's by default), as the filter boxes show them."""
        errors: dict[str, str] = {}

        def integer(name: str, *, minimum: int | None = None) -> int | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            try:
                value = int(raw)
            except ValueError:
                errors[name] = f"“{raw[:20]}” is not a valid {name}."
                return None
            if abs(value) > MAX_ID:
                errors[name] = f"“{raw[:20]}” is out of range for {name}."
                return None
            return value if minimum is None or value >= minimum else None

        def day(name: str) -> date | None:
            raw = (args.get(name) or "").strip()
            return gather(errors, lambda: parse_day(raw, field=name)) if raw else None

        def amount(name: str) -> Decimal | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            value = gather(errors, lambda: checked_amount(parse_amount(raw, locale, field=name), None, field=name,
                                                          sign="any"))
            return None if value is None else value.quantize(Decimal("0.001"))

        kind = args.get("kind", "")
        flow = args.get("flow", "")
        sort = args.get("sort", "-date")
        per_page = integer("per_page") or 50
        return cls(
            account=integer("account"), category=integer("category"), label=integer("label"),
            payee=integer("payee"), kind=kind if kind in KINDS else "",
            start=day("start"), end=day("end"), min=amount("min"), max=amount("max"),
            q=(args.get("q") or "").strip()[:MAX_SEARCH], flow=flow if flow in FLOWS else "",
            sort=sort if sort in SORTS else "-date",
            page=min(integer("page", minimum=1) or 1, 1_000_000),
            per_page=per_page if per_page in PER_PAGE_CHOICES else 50,
            errors=errors,
        )

    @functools.cached_property
    def _args(self) -> dict[str, Any]:
        return {name: self._arg(name, getattr(self, name)) for name in ARG_NAMES
                if self._arg(name, getattr(self, name)) is not None}

    @staticmethod
    def _arg(name: str, value: Any) -> Any:
        """The query-string form of one filter value; None when it is the default."""
        if value in (None, "") or value == DEFAULTS[name]:
            return None
        if isinstance(value, Decimal):  # as the user's locale types it, so reading it back gives the same
            return amount_for_input(value, None)
        return value.isoformat() if isinstance(value, date) else value

    def to_args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for this filter (with changes), omitting defaults."""
        args = dict(self._args)
        for name, value in changes.items():
            if name not in DEFAULTS:
                raise TypeError(f"unknown filter {name}")
            arg = self._arg(name, value)
            if arg is None:
                args.pop(name, None)
            else:
                args[name] = arg
        return {name: args[name] for name in ARG_NAMES if name in args}

    def query(self, **changes: Any) -> str:
        """`?a=1&b=2` for this filter with changes ('' when all defaults); cheaper than url_for per row."""
        args = self.to_args(**changes)
        return "?" + urlencode(args) if args else ""

    def text(self, name: str) -> str:
        """One filter as its box shows it ('' when unset)."""
        return str(self._arg(name, getattr(self, name)) or "")

    @property
    def active(self) -> bool:
        return bool(self.to_args(sort="-date", page=1, per_page=50))


def filtered(workspace: Workspace, f: TransactionFilter) -> sa.Select:
    """SELECT of the workspace's transactions matching the filter (no order, no limit)."""
    query = sa.select(Transaction).where(Transaction.workspace_id == workspace.id)
    if f.account is not None:
        query = query.where(Transaction.account_id == f.account)
    if f.payee is not None:
        query = query.where(Transaction.payee_id == f.payee)
    if f.start is not None:
        query = query.where(Transaction.on >= f.start)
    if f.end is not None:
        query = query.where(Transaction.on <= f.end)
    if f.min is not None:
        query = query.where(sa.func.abs(Transaction.amount, type_=Money) >= f.min) if f.min >= 0 else query.where(
            Transaction.amount >= f.min)
    if f.max is not None:
        query = query.where(sa.func.abs(Transaction.amount, type_=Money) <= f.max) if f.max >= 0 else query.where(
            Transaction.amount <= f.max)
    if f.kind == "transfer":
        query = query.where(Transaction.transfer_key.is_not(None))
    elif f.kind == "income":
        query = query.where(Transaction.transfer_key.is_(None), Transaction.amount > 0)
    elif f.kind == "expense":
        query = query.where(Transaction.transfer_key.is_(None), Transaction.amount < 0)
    if f.category is not None:
        if f.category == -1:
            query = query.where(Transaction.transfer_key.is_(None))
        query = query.where(Transaction.id.in_(
            sa.select(TransactionLine.transaction_id).where(_in_category(workspace, f.category))))
    if f.flow:
        query = query.where(Transaction.transfer_key.is_(None), Transaction.id.in_(
            _flow_lines(workspace, f, TransactionLine.transaction_id).where(_flow_amount(f) != 0)))
    if f.label is not None:
        query = query.where(Transaction.id.in_(
            sa.select(transaction_labels.c.transaction_id).where(transaction_labels.c.label_id == f.label)
        ))
    if f.q:
        query = query.where(*search.conditions(workspace, f.q))
    return query


def _in_category(workspace: Workspace, category: int) -> sa.ColumnElement[bool]:
    """Lines of the workspace in `category` or its children (-1: uncategorised lines)."""
    in_workspace = TransactionLine.workspace_id == workspace.id
    if category == -1:
        return sa.and_(in_workspace, TransactionLine.category_id.is_(None))
    children = sa.select(Category.id).where(Category.workspace_id == workspace.id, Category.parent_id == category)
    return sa.and_(in_workspace, sa.or_(TransactionLine.category_id == category,
                                        TransactionLine.category_id.in_(children)))


_LINE_KIND = sa.orm.aliased(Category)


def _flow_amount(f: TransactionFilter) -> Any:
    """A line's part of the filter's flow (its spending or its income)."""
    return FLOWS[f.flow](TransactionLine.amount, _LINE_KIND.kind)


def _flow_lines(workspace: Workspace, f: TransactionFilter, *columns: Any) -> sa.Select:
    """Lines that count for the flow: in the filter's category when it has one, with their category's kind."""
    query = (sa.select(*columns).select_from(TransactionLine)
             .outerjoin(_LINE_KIND, _LINE_KIND.id == TransactionLine.category_id)
             .where(TransactionLine.workspace_id == workspace.id))
    return query.where(_in_category(workspace, f.category)) if f.category is not None else query


@dataclass(frozen=True)
class FlowTotal:
    """The spending (or income) of a list, per currency and in the base currency as the reports convert it."""

    per_currency: dict[str, Decimal]
    in_base: Decimal | None  # None when a rate is missing


def flow_total(workspace: Workspace, f: TransactionFilter, base: sa.Select) -> FlowTotal:
    """The matched transactions' lines summed for the filter's flow, per account, month and category: the
    grouping every report converts foreign amounts by, so the base-currency total equals the report's."""
    matched = base.with_only_columns(Transaction.id).order_by(None)
    month = month_of(Transaction.on)
    rows = db.session.execute(
        _flow_lines(workspace, f, Transaction.account_id, month, spending.sum_money(_flow_amount(f)))
        .join(Transaction, Transaction.id == TransactionLine.transaction_id)
        .where(TransactionLine.transaction_id.in_(matched))
        .group_by(Transaction.account_id, month, TransactionLine.category_id)
    ).all()
    book = rate_book(workspace)
    per_currency: dict[str, Decimal] = {}
    in_base: Decimal | None = Decimal(0)
    for account_id, month_key_, amount in rows:
        currency = book.currency_of[account_id]
        per_currency[currency] = per_currency.get(currency, Decimal(0)) + amount
        converted = book.convert(amount, currency, month_key_)
        in_base = None if converted is None or in_base is None else in_base + converted
    return FlowTotal(dict(sorted(per_currency.items())), in_base)


def load_labels(rows: list[Transaction]) -> None:
    """Attach labels to a page of transactions with two primary-key lookups.

    selectinload joins labels to the association table, and MariaDB then starts from the
    labels and walks every transaction of each label (17 ms at 100,000 rows) instead of
    reading the 50 transactions' keys.
    """
    ids = [txn.id for txn in rows]
    pairs = db.session.execute(
        sa.select(transaction_labels.c.transaction_id, transaction_labels.c.label_id)
        .where(transaction_labels.c.transaction_id.in_(ids))
    ).all() if ids else []
    labels = {label.id: label for label in db.session.scalars(
        sa.select(Label).where(Label.id.in_({label_id for _, label_id in pairs}))
    )} if pairs else {}
    by_txn: dict[int, list[Label]] = {}
    for txn_id, label_id in pairs:
        by_txn.setdefault(txn_id, []).append(labels[label_id])
    for txn in rows:
        set_committed_value(txn, "labels", sorted(by_txn.get(txn.id, []), key=lambda label: label.name))


ARG_NAMES = ("account", "category", "label", "payee", "kind", "start", "end", "min", "max", "q", "flow", "sort",
             "page", "per_page")
DEFAULTS = {name: getattr(TransactionFilter(), name) for name in ARG_NAMES}


def transfer_counterparts(workspace: Workspace, rows: list[Transaction]) -> dict[int, str]:
    """For each transfer on the page, the name of the account on the other side (one query)."""
    keys = {txn.transfer_key: txn for txn in rows if txn.transfer_key is not None}
    if not keys:
        return {}
    others = db.session.execute(
        sa.select(Transaction.id, Transaction.transfer_key, Account.name)
        .join(Account, Account.id == Transaction.account_id)
        .where(Transaction.workspace_id == workspace.id, Transaction.transfer_key.in_(keys))
    ).all()
    names: dict[int, str] = {}
    for txn in rows:
        if txn.transfer_key is None:
            continue
        for other_id, key, name in others:
            if key == txn.transfer_key and other_id != txn.id:
                names[txn.id] = name
    return names


@dataclass
class TransactionPage(Paged):
    rows: list[Transaction]
    total: int
    sums: dict[str, Decimal]  # per currency of the matched transactions' accounts
    filter: TransactionFilter
    counterparts: dict[int, str] = field(default_factory=dict)  # transfer row id -> the other account's name
    flow: FlowTotal | None = None  # the filter's spending or income
    search_error: search.SearchError | None = None
    list_url: str = ""  # the page's own address, which the pager's links add the filter to

    def url_for(self, number: int) -> str:
        return self.list_url + self.filter.query(page=number)

    @property
    def currency(self) -> str | None:
        """The one currency of the matches; None when there are none or they mix currencies."""
        return next(iter(self.sums)) if len(self.sums) == 1 else None

    @property
    def sum(self) -> Decimal | None:
        return self.sums[self.currency] if self.currency else (Decimal(0) if not self.sums else None)

    @property
    def number(self) -> int:  # type: ignore[override]
        return self.filter.page

    @property
    def per_page(self) -> int:  # type: ignore[override]
        return self.filter.per_page


_match_totals = VersionedCache(size=256)


def match_totals(workspace: Workspace, base: sa.Select) -> tuple[int, dict[str, Decimal]]:
    """How many transactions match, and their sum per currency."""
    # Grouped by account (its index covers account, date and amount) so sums never mix currencies.
    per_account = db.session.execute(
        base.with_only_columns(Transaction.account_id, sa.func.count(), sa.func.sum(Transaction.amount))
        .group_by(Transaction.account_id).order_by(None)
    ).all()
    currency_of = dict(db.session.execute(
        sa.select(Account.id, Account.currency).where(Account.workspace_id == workspace.id)
    ).all())
    total = 0
    sums: dict[str, Decimal] = {}
    for account_id, count, amount_sum in per_account:
        total += count
        currency = currency_of[account_id]
        sums[currency] = sums.get(currency, Decimal(0)) + (amount_sum or Decimal(0))
    return total, sums


def transaction_page(workspace: Workspace, f: TransactionFilter, *, rows: bool = True) -> TransactionPage:
    """One page of matching transactions, plus the count and exact sum of all matches.

    A search that cannot be read gives an empty page carrying the error, to show at the search box.
    Without `rows`, only the figures (the list page may have the rows' HTML cached: `fill_rows` later).
    """
    try:
        base = filtered(workspace, f)
    except search.SearchError as err:
        return TransactionPage(rows=[], total=0, sums={}, filter=f, search_error=err)
    # The count, sums and flow scan every match: computed once per data version and filter (never stale).
    key = ("matches", workspace.id, f.query(page=1, sort="-date"), date.today())
    total, sums, flow = _match_totals.get_or_compute(
        key, lambda: (*match_totals(workspace, base), flow_total(workspace, f, base) if f.flow else None))
    page = TransactionPage(rows=[], total=total, sums=dict(sorted(sums.items())), filter=f, flow=flow)
    if rows:
        fill_rows(workspace, page)
    return page


def fill_rows(workspace: Workspace, page: TransactionPage) -> None:
    """The page's own transactions, with their labels and transfer counterparts (none for a bad search)."""
    if page.search_error is not None:
        return
    f = page.filter
    page.rows = list(db.session.scalars(
        filtered(workspace, f).options(
            joinedload(Transaction.account), joinedload(Transaction.payee),
            selectinload(Transaction.lines).joinedload(TransactionLine.category),
        )
        .order_by(*SORTS[f.sort])
        .limit(f.per_page)
        .offset((f.page - 1) * f.per_page)
    ).unique())
    load_labels(page.rows)
    page.counterparts = transfer_counterparts(workspace, page.rows)
