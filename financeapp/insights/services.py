"""Unusual transactions (reading the ledger for the finder, storing its flags, "this is normal", alerts),
and the seasonal patterns and trends of monthly spending (at the end).

The statistics need every spending line of a category or payee: they are read with one query as
(transaction, date, account, payee, category, line amount, amount) tuples of raw integers (the Money
column's thousandths, skipping the Decimal conversion of 100,000 values) and handed to the numpy/pandas
finder in `financeapp.insights.anomalies`. A full scan (`rescan`) runs in a job; a new entry or a
committed import is scored on its own (`score_new`), reading only the groups it belongs to, which gives
the same answer for it as a full scan would.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.db import utcnow
from financeapp.core.errors import Invalid
from financeapp.core.money import amount_text, format_money
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.extensions import db
from financeapp.insights import anomalies, patterns
from financeapp.insights.anomalies import DEFAULT_SENSITIVITY, SENSITIVITIES, Finding, Rows, Sensitivity
from financeapp.insights.models import PatternSnapshot, UnusualException, UnusualTransaction
from financeapp.notifications.services import notify
from financeapp.payees.models import Payee
from financeapp.reports.months import first_day, month_end, month_key, months_between, next_month, previous_month
from financeapp.reports.queries import ReportFilter, category_month_flows, category_names, monthly_flows, rate_book
from financeapp.reports.spending import INCOME
from financeapp.transactions.models import Transaction, TransactionLine
from financeapp.workspaces.models import Workspace

PER_PAGE = 20
MAX_FILTER_VALUES = 500  # beyond this many categories/payees/dates, reading everything is simpler and as fast
MAX_BOUNDED_GROUPS = 40  # up to this many categories + payees, one bounded query each (a typed entry has 2)
MAX_ALERTS = 5  # alerts for one batch of new transactions; the rest are summed up in one more
ORDINALS = {1: "second", 2: "third", 3: "fourth", 4: "fifth"}


def sensitivity(name: str | None = None) -> Sensitivity:
    """The named sensitivity (default "normal")."""
    key = (name or DEFAULT_SENSITIVITY).strip().lower()
    if key not in SENSITIVITIES:
        raise Invalid(f"Choose a sensitivity of {', '.join(SENSITIVITIES)}.", fields={"sensitivity": "Unknown."})
    return SENSITIVITIES[key]


# Reading the ledger -----------------------------------------------------------------------------


def _currencies(workspace: Workspace) -> dict[int, str]:
    return dict(db.session.execute(sa.select(Account.id, Account.currency).where(
        Account.workspace_id == workspace.id)).tuples().all())


def history_start(workspace: Workspace) -> int:
    """The ordinal of the workspace's first transaction (today's when there is none)."""
    first = db.session.scalar(sa.select(sa.func.min(Transaction.on)).where(Transaction.workspace_id == workspace.id))
    return (first or date.today()).toordinal()


def _in(column: Any, values: set, nulls: bool = False) -> sa.ColumnElement[bool]:
    clause: sa.ColumnElement[bool] = column.in_(sorted(v for v in values if v is not None))
    return sa.or_(clause, column.is_(None)) if nulls and None in values else clause


def _spending_lines(workspace: Workspace, *, lines_first: bool = False) -> sa.Select:
    """(transaction, date, account, payee, category, line amount, amount, line id) of spending lines; from
    the lines (an inner join, for a category's window) or from the transactions (a line-less one counts)."""
    raw_line = sa.type_coerce(sa.func.coalesce(TransactionLine.amount, Transaction.amount), sa.BigInteger)
    query = sa.select(Transaction.id, sa.type_coerce(Transaction.on, sa.String), Transaction.account_id,
                      Transaction.payee_id, TransactionLine.category_id, raw_line,
                      sa.type_coerce(Transaction.amount, sa.BigInteger), TransactionLine.id)
    if lines_first:
        query = query.select_from(TransactionLine).join(Transaction, Transaction.id == TransactionLine.transaction_id)
    else:
        query = query.select_from(Transaction).outerjoin(TransactionLine,
                                                         TransactionLine.transaction_id == Transaction.id)
    return query.where(Transaction.workspace_id == workspace.id, Transaction.transfer_key.is_(None),
                       Transaction.amount < 0)


def load_rows(workspace: Workspace, *, categories: set[int | None] | None = None, payees: set[int] | None = None,
              dates: set[date] | None = None) -> Rows:
    """The workspace's spending lines (lines of non-transfer money out, income categories left out) as arrays.

    With filters, only what new transactions in those categories, of those payees and on those days
    need: each category's and payee's HISTORY_WINDOW most recently recorded lines (one bounded query each, so a
    typed entry reads a few thousand rows at most, whatever the size of the history) and the days'
    lines for duplicates. Many groups at once (an import) read everything those groups hold instead.
    """
    query = _spending_lines(workspace)
    connection = db.session.connection()
    filters = [(categories, TransactionLine.category_id, True), (payees, Transaction.payee_id, False),
               (dates, Transaction.on, False)]
    # Core, not the ORM (which would add a second per row), and raw integers; see the module docstring.
    found: list[Any]
    if all(values is None for values, _, _ in filters):
        found = list(connection.execute(query).fetchall())
    elif len(categories or ()) + len(payees or ()) <= MAX_BOUNDED_GROUPS:
        # Newest by id, not by date: the lines' (workspace, category, transaction) index and the payee index
        # then hand over a group's last rows without reading the whole group (anomalies.HISTORY_WINDOW).
        window = anomalies.HISTORY_WINDOW
        lines_first = _spending_lines(workspace, lines_first=True)
        recent = [lines_first.where(TransactionLine.workspace_id == workspace.id, _in(TransactionLine.category_id,
                                                                                      {value}, True))
                  .order_by(TransactionLine.transaction_id.desc()).limit(window)
                  for value in sorted(categories or (), key=str)]
        recent += [query.where(Transaction.payee_id == value).order_by(Transaction.id.desc()).limit(window)
                   for value in sorted(payees or ())]
        if dates:
            # The day's ids first, by the (workspace, date) index: joined with the spending filter, SQLite's
            # planner picks the (workspace, amount) index and reads every payment.
            same_day = list(db.session.scalars(sa.select(Transaction.id).where(
                Transaction.workspace_id == workspace.id, Transaction.on.in_(sorted(dates)))))
            recent.append(query.where(Transaction.id.in_(same_day)))
        seen: dict[tuple[int, int | None], Any] = {}
        for part in recent:
            for row in connection.execute(part):
                seen.setdefault((row[0], row[7]), row)
        found = list(seen.values())
    else:
        if all(values is None or len(values) <= MAX_FILTER_VALUES for values, _, _ in filters):
            query = query.where(sa.or_(*(_in(column, values, nulls) for values, column, nulls in filters
                                         if values), sa.false()))
        found = list(connection.execute(query).fetchall())
    return _as_rows(workspace, found)


def _as_rows(workspace: Workspace, found: list[Any]) -> Rows:
    currency_of = _currencies(workspace)
    currencies = sorted(set(currency_of.values()))
    slot = {code: i for i, code in enumerate(currencies)}
    count = len(found)
    columns = list(zip(*found, strict=True)) if found else [()] * 8
    rows = Rows(
        txn=np.fromiter(columns[0], dtype=np.int64, count=count),
        on=_ordinals(columns[1]),
        account=np.fromiter(columns[2], dtype=np.int64, count=count),
        payee=np.fromiter((-1 if p is None else p for p in columns[3]), dtype=np.int64, count=count),
        category=np.fromiter((-1 if c is None else c for c in columns[4]), dtype=np.int64, count=count),
        currency=np.fromiter((slot[currency_of[a]] for a in columns[2]), dtype=np.int64, count=count),
        line=-np.fromiter(columns[5], dtype=np.int64, count=count),
        amount=-np.fromiter(columns[6], dtype=np.int64, count=count),
        currencies=currencies,
    )
    # Lines in income categories (a clawback of pay) are not spending: dropped here rather than by a
    # join in the query, which costs more than the query itself on SQLite.
    income = np.fromiter(db.session.scalars(sa.select(Category.id).where(
        Category.workspace_id == workspace.id, Category.kind == INCOME)), dtype=np.int64)
    return rows.subset(~np.isin(rows.category, income)) if income.size else rows


EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _ordinals(days: tuple) -> np.ndarray:
    """Dates (date objects, or SQLite's ISO text read raw) as ordinals, converted by numpy in one go."""
    if days and isinstance(days[0], str):
        return np.array(days, dtype="datetime64[D]").astype(np.int64) + EPOCH_ORDINAL
    return np.fromiter((d.toordinal() for d in days), dtype=np.int64, count=len(days))


def exceptions_of(workspace: Workspace) -> dict[tuple[int, str], tuple[int, int]]:
    """The taught ranges: (payee id, currency) -> (low, high) in thousandths."""
    rows = db.session.execute(sa.select(UnusualException.payee_id, UnusualException.currency, UnusualException.low,
                                        UnusualException.high).where(UnusualException.workspace_id == workspace.id))
    return {(payee, currency): (int(low * 1000), int(high * 1000)) for payee, currency, low, high in rows}


def find_unusual(workspace: Workspace, level: Sensitivity | None = None, *, only: set[int] | None = None,
                 rows: Rows | None = None) -> list[Finding]:
    """What the finder flags (nothing is written): in the whole history, or among `only`."""
    if rows is None:
        rows = load_rows(workspace)
    return anomalies.find(rows, level or sensitivity(), history_start=history_start(workspace),
                          exceptions=exceptions_of(workspace), only=only)


# Reasons in words ---------------------------------------------------------------------------------


def _names(model: type[Category] | type[Payee], workspace: Workspace, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None and i >= 0})
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(model.id, model.name).where(
        model.workspace_id == workspace.id, model.id.in_(wanted))).tuples().all())


def _money(thousandths: int | Decimal, currency: str) -> str:
    return format_money(Decimal(thousandths) / 1000 if isinstance(thousandths, int) else thousandths, currency)


def _ratio(value: float) -> str:
    return f"{value:.1f}×" if value < 100 else f"{value:,.0f}×"


def reasons(workspace: Workspace, findings: list[Finding], level: Sensitivity) -> dict[int, str]:
    """Each finding's reason in words, by transaction id."""
    categories = _names(Category, workspace, (f.basis_id for f in findings if f.basis == "category"))
    payees = _names(Payee, workspace, (f.basis_id for f in findings if f.basis == "payee"))
    out = {}
    for f in findings:
        parts = []
        for kind in f.kinds:
            if kind == "duplicate":
                parts.append(f"a {ORDINALS.get(f.duplicate_of, 'further')} charge of the same amount on the same day")
            elif kind == "size" and f.ratio is not None and f.median is not None:
                median = _money(f.median, f.currency)
                if f.basis == "payee":
                    parts.append(f"{_ratio(f.ratio)} your median payment to "
                                 f"{payees.get(f.basis_id or 0, 'this payee')} of {median}")
                else:
                    name = categories.get(f.basis_id or 0, "uncategorised")
                    parts.append(f"{_ratio(f.ratio)} your median {name} purchase of {median}")
            elif kind == "new_payee":
                parts.append(f"first payment to this payee above {_money(level.new_payee_amount, f.currency)}")
        out[f.transaction_id] = "; ".join(parts)[:255]
    return out


# Storing the flags --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    """What a scan did."""

    scored: int
    flagged: int
    added: int
    removed: int


def rescan(workspace: Workspace, level: Sensitivity | None = None) -> ScanResult:
    """Score the whole history and bring the stored open flags in line (the job's work; flushes).

    Flags a member marked normal stay as they are; open flags the finder no longer raises go.
    """
    level = level or sensitivity()
    rows = load_rows(workspace)
    findings = find_unusual(workspace, level, rows=rows)
    words = reasons(workspace, findings, level)
    stored = {flag.transaction_id: flag for flag in db.session.scalars(scoped(UnusualTransaction, workspace))}
    added = 0
    for f in findings:
        flag = stored.pop(f.transaction_id, None)
        if flag is None:
            db.session.add(_flag(workspace, f, words[f.transaction_id]))
            added += 1
        elif flag.status == "open":
            flag.kind, flag.score, flag.reason = f.kind, _score(f.score), words[f.transaction_id]
    removed = 0
    for flag in stored.values():
        if flag.status == "open":
            db.session.delete(flag)
            removed += 1
    db.session.flush()
    return ScanResult(scored=len(set(rows.txn.tolist())), flagged=len(findings), added=added, removed=removed)


def _score(value: float) -> Decimal:
    return Decimal(f"{max(-999999.0, min(999999.0, value)):.2f}")


def _flag(workspace: Workspace, f: Finding, reason: str) -> UnusualTransaction:
    return UnusualTransaction(workspace_id=workspace.id, transaction_id=f.transaction_id, kind=f.kind,
                              score=_score(f.score), reason=reason, status="open")


def score_new(workspace: Workspace, transaction_ids: Iterable[int], *, alert: bool = True) -> list[UnusualTransaction]:
    """Score just-recorded transactions against their categories' and payees' history; store and
    (with `alert`) announce the unusual ones. Returns the new flags; flushes."""
    ids = set(transaction_ids)
    if not ids:
        return []
    keys = db.session.execute(
        sa.select(Transaction.on, Transaction.payee_id, TransactionLine.category_id)
        .outerjoin(TransactionLine, TransactionLine.transaction_id == Transaction.id)
        .where(Transaction.workspace_id == workspace.id, Transaction.id.in_(sorted(ids)),
               Transaction.transfer_key.is_(None), Transaction.amount < 0)).all()
    if not keys:
        return []
    rows = load_rows(workspace, categories={c for _, _, c in keys}, payees={p for _, p, _ in keys if p is not None},
                     dates={on for on, _, _ in keys})
    level = sensitivity()
    known = set(db.session.scalars(sa.select(UnusualTransaction.transaction_id).where(
        UnusualTransaction.workspace_id == workspace.id, UnusualTransaction.transaction_id.in_(sorted(ids)))))
    findings = [f for f in find_unusual(workspace, level, only=ids, rows=rows) if f.transaction_id not in known]
    words = reasons(workspace, findings, level)
    flags = [_flag(workspace, f, words[f.transaction_id]) for f in findings]
    db.session.add_all(flags)
    db.session.flush()
    if alert and flags:
        _alert(workspace, flags)
    return flags


def _alert(workspace: Workspace, flags: list[UnusualTransaction]) -> None:
    """One notification per unusual transaction (a few at most), the rest in one more."""
    details = {item.flag_id: item for item in _items(workspace, [f.id for f in flags])}
    for flag in flags[:MAX_ALERTS]:
        item = details[flag.id]
        who = item.payee or item.memo or item.account
        title = f"Unusual: {format_money(item.amount, item.currency)} {who}"
        notify(workspace, "unusual_transaction", title, f"unusual:{flag.transaction_id}",
               body=f"{item.on.isoformat()} — {flag.reason}", url="/insights/#unusual")
    rest = flags[MAX_ALERTS:]
    if rest:
        notify(workspace, "unusual_transaction", f"{len(rest)} more unusual transactions",
               f"unusual:more:{rest[0].transaction_id}:{rest[-1].transaction_id}",
               body="See the Insights page for each one and its reason.", url="/insights/#unusual")


# "This is normal" --------------------------------------------------------------------------------


def get_flag(workspace: Workspace, flag_id: int) -> UnusualTransaction:
    """The workspace's flag with this id, or 404."""
    return get_scoped_or_404(UnusualTransaction, flag_id, workspace)


def mark_normal(workspace: Workspace, flag: UnusualTransaction, user_id: int | None) -> int:
    """Say a flagged transaction is normal: the flag is closed and, when it has a payee, the payee's
    normal range grows to include its amount, which also closes the payee's other open flags within it.
    Returns how many flags were closed."""
    if flag.workspace_id != workspace.id:
        raise Invalid("This flag belongs to another workspace.")
    txn = flag.transaction
    now = utcnow()
    closed = [flag]
    if txn.payee_id is not None:
        currency = txn.account.currency
        amount = -txn.amount if txn.amount < 0 else txn.amount
        rule = db.session.scalar(scoped(UnusualException, workspace).where(
            UnusualException.payee_id == txn.payee_id, UnusualException.currency == currency))
        if rule is None:
            rule = UnusualException(workspace_id=workspace.id, payee_id=txn.payee_id, currency=currency,
                                    low=amount, high=amount, taught_by_id=user_id)
            db.session.add(rule)
        else:
            rule.low, rule.high, rule.taught_by_id = min(rule.low, amount), max(rule.high, amount), user_id
        margin = 1 + anomalies.EXCEPTION_MARGIN
        cent = Decimal("0.001")  # the Money column's scale
        low, high = (rule.low / margin).quantize(cent), (rule.high * margin).quantize(cent)
        closed += db.session.scalars(
            scoped(UnusualTransaction, workspace).join(Transaction, Transaction.id == UnusualTransaction.transaction_id)
            .join(Account, Account.id == Transaction.account_id)
            .where(UnusualTransaction.status == "open", UnusualTransaction.id != flag.id,
                   Transaction.payee_id == txn.payee_id, Account.currency == currency,
                   Transaction.amount <= -low, Transaction.amount >= -high)).all()
    for row in closed:
        row.status, row.reviewed_at, row.reviewed_by_id = "normal", now, user_id
    db.session.flush()
    return len(closed)


# Reading the flags --------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnusualItem:
    """An open flag with what the list shows of its transaction."""

    flag_id: int
    transaction_id: int
    on: date
    account: str
    currency: str
    payee: str | None
    memo: str
    amount: Decimal
    score: Decimal
    kind: str
    reason: str


def _item_query(workspace: Workspace) -> sa.Select:
    return (
        sa.select(UnusualTransaction.id, Transaction.id, Transaction.on, Account.name, Account.currency, Payee.name,
                  Transaction.memo, Transaction.amount, UnusualTransaction.score, UnusualTransaction.kind,
                  UnusualTransaction.reason)
        .join(Transaction, Transaction.id == UnusualTransaction.transaction_id)
        .join(Account, Account.id == Transaction.account_id)
        .outerjoin(Payee, Payee.id == Transaction.payee_id)
        .where(UnusualTransaction.workspace_id == workspace.id, Transaction.workspace_id == workspace.id)
    )


def _items(workspace: Workspace, flag_ids: list[int]) -> list[UnusualItem]:
    rows = db.session.execute(_item_query(workspace).where(UnusualTransaction.id.in_(flag_ids))).all()
    return [UnusualItem(*row) for row in rows]


def _open(workspace: Workspace, since: date | None) -> sa.Select:
    query = _item_query(workspace).where(UnusualTransaction.status == "open")
    if since is not None:
        query = query.where(Transaction.on >= since)
    return query.order_by(Transaction.on.desc(), Transaction.id.desc())


def unusual_page(workspace: Workspace, number: int = 1, *, since: date | None = None,
                 per_page: int = PER_PAGE) -> Page[UnusualItem]:
    """A page of the open flags, newest transaction first."""
    page = paginate(_open(workspace, since), number, per_page, rows=True)
    return Page(rows=[UnusualItem(*row) for row in page.rows], total=page.total, number=page.number,
                per_page=page.per_page)


def unusual_list(workspace: Workspace, *, since: date | None = None, limit: int | None = None) -> list[UnusualItem]:
    """The open flags, newest transaction first (all of them, or the first `limit`)."""
    query = _open(workspace, since)
    if limit is not None:
        query = query.limit(limit)
    return [UnusualItem(*row) for row in db.session.execute(query)]


# Seasonal patterns and trends -----------------------------------------------------------------------
# The monthly spending comes from the reports' queries (financeapp/reports/queries.py): the one spending
# definition (financeapp/reports/spending.py), converted into the base currency with the rate book.

PATTERN_YEARS = 10


@dataclass(frozen=True)
class SeriesPatterns:
    """One series (total spending, or a category's): its season and trends."""

    name: str
    category_id: int | None
    season: patterns.Season | None
    trends: list[patterns.Trend]


@dataclass(frozen=True)
class PatternReport:
    """Every series' patterns over whole months `first`..`through` (YYYY-MM), in `currency`."""

    first: str
    through: str
    currency: str
    series: list[SeriesPatterns]
    warnings: list[str]

    def to_json(self) -> dict[str, Any]:
        """What the page, the API and the CLI show (amounts as strings in the base currency)."""
        seasonal, trends = [], []
        for s in self.series:
            if s.season is not None and s.season.shown:
                seasonal.append({
                    "series": s.name, "category_id": s.category_id, "strength": f"{s.season.strength:.2f}",
                    "amplitude": f"{s.season.amplitude * 100:.1f}", "average": amount_text(s.season.average,
                                                                                          self.currency),
                    "months": [{"month": e.month, "name": e.name, "percent": str(e.percent), "text": e.text}
                               for e in s.season.effects]})
            trends += [{"series": s.name, "category_id": s.category_id, "window": t.window, "direction": t.direction,
                        "change": str(t.change), "before": amount_text(t.before, self.currency),
                        "recent": amount_text(t.recent, self.currency),
                        "text": f"{s.name}: {t.text}, from {format_money(t.before, self.currency)} to "
                                f"{format_money(t.recent, self.currency)} a month"}
                       for t in s.trends]
        trends.sort(key=lambda t: (t["window"], -abs(Decimal(str(t["change"])))))
        return {"first": self.first, "through": self.through, "currency": self.currency,
                "months": len(months_between(first_day(self.first), month_end(self.through))) if self.first else 0,
                "seasonal": seasonal, "trends": trends, "warnings": self.warnings}


def compute_patterns(workspace: Workspace, today: date | None = None) -> PatternReport:
    """Seasons and trends of total spending and of each category's, over up to ten years of whole months."""
    today = today or date.today()
    through = previous_month(month_key(today))
    first_txn = db.session.scalar(sa.select(sa.func.min(Transaction.on)).where(
        Transaction.workspace_id == workspace.id, Transaction.transfer_key.is_(None)))
    currency = workspace.base_currency
    if first_txn is None or month_key(first_txn) > through:
        return PatternReport("", through, currency, [], [])
    first = month_key(first_txn) if first_txn.day == 1 else next_month(month_key(first_txn))
    earliest = month_key(date(today.year - PATTERN_YEARS, today.month, 1))
    first = max(first, earliest)
    if first > through:
        return PatternReport("", through, currency, [], [])
    report_filter = ReportFilter(first_day(first), month_end(through))
    book = rate_book(workspace)
    keys = months_between(report_filter.start, report_filter.end)
    start_month = int(first[5:7])
    totals = monthly_flows(workspace, report_filter, book)
    series = [_series_patterns("Total spending", None, [totals[k].spending for k in keys], start_month)]
    by_category = category_month_flows(workspace, report_filter, book)
    names = category_names(workspace, [c for c in by_category if c is not None])
    for category_id, flows in by_category.items():
        values = [flows[k].spending if k in flows else Decimal(0) for k in keys]
        if sum(values, Decimal(0)) <= 0:
            continue  # income, or refunds only: not spending
        name, group = names.get(category_id, ("Uncategorised", "")) if category_id is not None else (
            "Uncategorised", "")
        series.append(_series_patterns(f"{group}: {name}" if group else name, category_id, values, start_month))
    return PatternReport(first, through, currency, series, book.warnings)


def _series_patterns(name: str, category_id: int | None, values: list[Decimal], start_month: int) -> SeriesPatterns:
    season, trends = patterns.analyse(values, start_month)
    return SeriesPatterns(name, category_id, season, trends)


def refresh_patterns(workspace: Workspace, today: date | None = None) -> PatternSnapshot:
    """Compute the patterns and store them for the page and the API (the scan job's work; flushes)."""
    report = compute_patterns(workspace, today)
    snapshot = db.session.scalar(scoped(PatternSnapshot, workspace))
    if snapshot is None:
        snapshot = PatternSnapshot(workspace_id=workspace.id)
        db.session.add(snapshot)
    snapshot.computed_at, snapshot.through = utcnow(), report.through
    snapshot.data = json.dumps(report.to_json())
    db.session.flush()
    return snapshot


def stored_patterns(workspace: Workspace) -> dict[str, Any] | None:
    """The patterns last stored, with when they were computed; None before the first scan."""
    snapshot = db.session.scalar(scoped(PatternSnapshot, workspace))
    if snapshot is None:
        return None
    return {**json.loads(snapshot.data), "computed_at": snapshot.computed_at.isoformat(timespec="seconds") + "Z"}
