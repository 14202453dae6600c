"""A `Query` answered by the same scoped services the reports use, never by SQL of its own.

- totals and comparisons: `reports.queries.monthly_flows` (everything, an account, a label),
  `category_month_flows` (a category, or a group: its own lines and its categories'), `payee_flows`;
  every one counts income and spending by `reports.spending`'s one definition and converts other
  currencies into the base currency with the rate book, as the reports do.
- top categories / payees: the same, sorted; largest transactions: the transactions list's filter;
  a balance: `queries.balance_changes` plus the opening balance; budget left: the budgets' figures.
Each answer states its reading ("Spending on Everyday: Groceries, 1-30 Nov 2026"), the value and
the transactions list's arguments for what it sums (`link_args`), as a report's drill-down does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.budgets.services import month_figures
from financeapp.categories.models import Category
from financeapp.core.money import format_money, quantize
from financeapp.core.scoping import get_scoped_or_404
from financeapp.extensions import db
from financeapp.insights.ask import vocabulary
from financeapp.insights.ask.parser import EXAMPLES, Query, Suggestion, Unreadable, parse
from financeapp.insights.ask.periods import Period, parse_period, unit_containing
from financeapp.insights.ask.vocabulary import Entity
from financeapp.reports import queries
from financeapp.reports.queries import Flow, RateBook, ReportFilter
from financeapp.reports.services import drill
from financeapp.transactions import queries as txn_queries
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
CANNOT = "I can't answer that yet."
MEASURE_WORD = {"spending": "Spending", "income": "Income", "net": "Net (income − spending)"}


@dataclass
class Item:
    """One line of a list answer (top payees, largest transactions, the periods compared)."""

    label: str
    value: Decimal
    currency: str
    link_args: dict[str, Any] | None = None


@dataclass
class Answer:
    """What the page, the CLI and the API show: the answer in words, its reading, the value, the link."""

    answer: str
    value: Decimal | None = None
    currency: str | None = None
    reading: str | None = None
    link_args: dict[str, Any] | None = None
    items: list[Item] = field(default_factory=list)
    suggestions: tuple[Suggestion, ...] = ()
    examples: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        return self.value is not None


def ask(workspace: Workspace, question: str, today: date) -> Answer:
    """Read `question` against the workspace's names and answer it, or say why not (never a guess)."""
    words = vocabulary.load(workspace)
    query = parse(question, words, today)
    if isinstance(query, Unreadable):
        return Answer(f"{CANNOT} {query.reason}", suggestions=query.suggestions, examples=EXAMPLES)
    return answer(workspace, query, today)


def answer(workspace: Workspace, query: Query, today: date) -> Answer:
    """Answer a parsed query from the report services."""
    book = queries.rate_book(workspace)
    handler = {"total": _total, "compare": _compare, "top": _top, "largest": _largest, "average": _average,
               "balance": _balance, "budget": _budget}[query.intent]
    result = handler(workspace, query, today, book)
    if book.warnings:
        result.notes.extend(book.warnings)
    if query.spelling:
        result.notes.append("Read " + ", ".join(f"“{typed}” as {name}" for typed, name in query.spelling) + ".")
    return result


# Helpers -----------------------------------------------------------------------------------------------


def _period(query: Query, today: date, default: str = "month") -> Period:
    if query.periods:
        return query.periods[0]
    if default == "last-12":  # the grammar's "last 12 months": the twelve whole months before this one
        period = parse_period("last 12 months", today)
        assert period is not None
        return period
    return unit_containing(default, today)


def _filter(query: Query, period: Period) -> ReportFilter:
    label = query.subject.id if query.subject is not None and query.subject.kind == "label" else None
    return ReportFilter(period.start, period.end, query.account.id if query.account else None, label)


def _group_ids(workspace: Workspace, group_id: int) -> set[int]:
    children = db.session.scalars(sa.select(Category.id).where(Category.workspace_id == workspace.id,
                                                                Category.parent_id == group_id))
    return {group_id, *children}


def _pick(flow: Flow, measure: str) -> Decimal:
    return flow.spending if measure == "spending" else flow.income if measure == "income" else flow.net


def _flows(workspace: Workspace, query: Query, period: Period, book: RateBook) -> tuple[Flow, int]:
    """The subject's income and spending in the period, and how many months the period touches."""
    f = _filter(query, period)
    subject = query.subject
    total = Flow()
    if subject is None or subject.kind == "label":
        per_month = queries.monthly_flows(workspace, f, book)
        for flow in per_month.values():
            total.income += flow.income
            total.spending += flow.spending
    elif subject.kind in ("category", "group"):
        ids = _group_ids(workspace, subject.id) if subject.kind == "group" else {subject.id}
        for category_id, months in queries.category_month_flows(workspace, f, book).items():
            if category_id in ids:
                for flow in months.values():
                    total.income += flow.income
                    total.spending += flow.spending
    else:  # a payee
        for item in queries.payee_flows(workspace, f, book):
            if item.payee_id == subject.id:
                total = item.flow
    return total, period.months


def _what(query: Query, measure: str | None = None) -> str:
    """'Spending on Everyday: Groceries', 'Income from Acme', 'Spending with label Vacation'."""
    measure = measure or query.measure
    words = MEASURE_WORD[measure]
    subject = query.subject
    if subject is not None:
        if subject.kind == "label":
            words += f" with label {subject.name}"
        elif subject.kind == "payee":
            words += f" {'from' if measure == 'income' else 'at' if measure == 'spending' else 'with'} {subject.name}"
        else:
            words += f" {'from' if measure == 'income' else 'on' if measure == 'spending' else 'of'} {subject.name}"
    if query.account is not None:
        words += f" in {query.account.name}"
    return words


def _link(query: Query, period: Period, measure: str | None = None) -> dict[str, Any]:
    measure = measure or query.measure
    subject = query.subject
    filters: dict[str, Any] = {"flow": measure if measure in ("spending", "income") else None}
    if subject is not None and subject.kind in ("category", "group"):
        filters["category"] = subject.id  # the list's category filter takes a group's categories too
    elif subject is not None and subject.kind == "payee":
        filters["payee"] = subject.id
    return drill(_filter(query, period), **filters)


def _money(value: Decimal, currency: str) -> str:
    return format_money(value, currency)


# The intents ---------------------------------------------------------------------------------------------


def _total(workspace: Workspace, query: Query, today: date, book: RateBook) -> Answer:
    period = _period(query, today)
    flow, _months = _flows(workspace, query, period, book)
    value = _pick(flow, query.measure)
    reading = f"{_what(query)}, {period.label}"
    return Answer(f"{reading}: {_money(value, book.base)}", value, book.base, reading, _link(query, period))


def _compare(workspace: Workspace, query: Query, today: date, book: RateBook) -> Answer:
    first, second = query.periods
    values = [_pick(_flows(workspace, query, p, book)[0], query.measure) for p in (first, second)]
    difference = values[0] - values[1]
    change = f", {(difference * 100 / values[1]).quantize(Decimal('0.1')):+} %" if values[1] else ""
    reading = f"{_what(query)}, {first.label} against {second.label}"
    sign = "+" if difference > 0 else ""
    text = (f"{reading}: {_money(values[0], book.base)} against {_money(values[1], book.base)} "
            f"({sign}{_money(difference, book.base)}{change})")
    items = [Item(p.label, v, book.base, _link(query, p)) for p, v in zip((first, second), values, strict=True)]
    return Answer(text, difference, book.base, reading, _link(query, first), items)


def _top(workspace: Workspace, query: Query, today: date, book: RateBook) -> Answer:
    period = _period(query, today)
    f = _filter(query, period)
    measure = "income" if query.measure == "income" else "spending"
    rows: list[tuple[Decimal, str, dict[str, Any]]] = []
    if query.top_of == "categories":
        totals: dict[int | None, Flow] = {}
        for category_id, months in queries.category_month_flows(workspace, f, book).items():
            target = totals.setdefault(category_id, Flow())
            for flow in months.values():
                target.income += flow.income
                target.spending += flow.spending
        names = queries.category_names(workspace, [key for key in totals if key is not None])
        for category_id, flow in totals.items():
            name, group = names.get(category_id, ("Uncategorised", "")) if category_id else ("Uncategorised", "")
            label = f"{group}: {name}" if group else name
            rows.append((_pick(flow, measure), label,
                         drill(f, category=-1 if category_id is None else category_id, flow=measure)))
    else:
        for payee in queries.payee_flows(workspace, f, book):
            if payee.payee_id is not None:  # "no payee" is not a payee to rank
                rows.append((_pick(payee.flow, measure), payee.name, drill(f, payee=payee.payee_id, flow=measure)))
    rows = sorted((r for r in rows if r[0] > 0), key=lambda r: (-r[0], r[1]))[:query.count]
    scope = _what(Query("top", measure, (), query.subject, query.account)).replace(MEASURE_WORD[measure], "")
    reading = f"Top {len(rows) if rows else query.count} {query.top_of} by {measure}{scope}, {period.label}"
    if not rows:
        return Answer(f"{reading}: none ({_money(ZERO, book.base)})", ZERO, book.base, reading,
                      drill(f, flow=measure))
    items = [Item(label, value, book.base, link) for value, label, link in rows]
    listed = "; ".join(f"{i.label} {_money(i.value, book.base)}" for i in items)
    return Answer(f"{reading}: {listed}", items[0].value, book.base, reading, drill(f, flow=measure), items)


def _largest(workspace: Workspace, query: Query, today: date, book: RateBook) -> Answer:
    period = _period(query, today)
    income = query.measure == "income"
    subject = query.subject
    listing = txn_queries.TransactionFilter(
        account=query.account.id if query.account else None,
        category=subject.id if subject is not None and subject.kind in ("category", "group") else None,
        payee=subject.id if subject is not None and subject.kind == "payee" else None,
        label=subject.id if subject is not None and subject.kind == "label" else None,
        kind="income" if income else "expense", start=period.start, end=period.end,
        sort="-amount" if income else "amount", per_page=25)
    rows = list(db.session.scalars(
        txn_queries.filtered(workspace, listing).order_by(*txn_queries.SORTS[listing.sort]).limit(query.count)))
    currencies = dict(db.session.execute(sa.select(Account.id, Account.currency).where(
        Account.workspace_id == workspace.id)).all())
    what = "income" if income else "spending"
    scope = _what(Query("largest", what, (), subject, query.account)).replace(MEASURE_WORD[what], "")
    noun = "transaction" if query.count == 1 else f"{query.count} transactions"
    reading = f"Largest {noun} ({what}){scope}, {period.label}"
    link = listing.to_args(per_page=50)
    if not rows:
        return Answer(f"{reading}: none.", None, book.base, reading, link)
    items = []
    for txn in rows:
        currency = currencies[txn.account_id]
        payee = txn.payee.name if txn.payee else (txn.memo or "no payee")
        items.append(Item(f"{txn.on.isoformat()} {payee}", abs(txn.amount), currency,
                          {"start": txn.on.isoformat(), "end": txn.on.isoformat(), "account": txn.account_id}))
    listed = "; ".join(f"{i.label} {_money(i.value, i.currency)}" for i in items)
    notes = ["Whole transactions in their account's currency, transfers left out."]
    return Answer(f"{reading}: {listed}", items[0].value, items[0].currency, reading, link, items, notes=notes)


def _average(workspace: Workspace, query: Query, today: date, book: RateBook) -> Answer:
    period = _period(query, today, "last-12")
    flow, months = _flows(workspace, query, period, book)
    value = (_pick(flow, query.measure) / months).quantize(Decimal(1).scaleb(-2), rounding=ROUND_HALF_EVEN)
    value = quantize(value, book.base)
    reading = f"{_what(query)}, average per month over {months} month{'s' if months != 1 else ''}, {period.label}"
    return Answer(f"{reading}: {_money(value, book.base)}", value, book.base, reading, _link(query, period),
                  notes=["The total over the period divided by the calendar months it touches."])


def _balance(workspace: Workspace, query: Query, today: date, book: RateBook) -> Answer:
    assert query.account is not None
    account = get_scoped_or_404(Account, query.account.id, workspace)
    day = query.periods[0].end if query.periods else today
    day = min(day, today) if not query.periods else day
    total = sum((amount for _, _, amount in queries.balance_changes(workspace, [account.id], None, day)), ZERO)
    value = total + (account.opening_balance if account.opening_date <= day else ZERO)
    reading = f"Balance of {account.name} at the end of {Period(day, day).label}"
    link = {"account": account.id, "end": day.isoformat()}
    return Answer(f"{reading}: {_money(value, account.currency)}", quantize(value, account.currency),
                  account.currency, reading, link)


def _budget(workspace: Workspace, query: Query, today: date, book: RateBook) -> Answer:
    period = _period(query, today)
    if period.months != 1:
        return Answer(f"{CANNOT} Budgets are per month; ask for one month.", examples=EXAMPLES)
    month = period.start.replace(day=1)
    figures = month_figures(workspace, month)
    label = unit_containing("month", month).label
    subject = query.subject
    if subject is None:
        lines = figures.lines + figures.yearly
        what = "all budgets"
    else:
        ids = _group_ids(workspace, subject.id) if subject.kind == "group" else {subject.id}
        lines = [row for row in figures.lines + figures.yearly if row.line.category_id in ids]
        what = subject.name
    reading = f"Budget left for {what}, {label}"
    link = {"start": month.isoformat(), "end": unit_containing("month", month).end.isoformat(), "flow": "spending"}
    if subject is not None:
        link["category"] = subject.id
    if not lines:
        return Answer(f"There is no budget for {what} in {label}.", reading=reading, link_args=link,
                      currency=book.base)
    value = sum((row.remaining for row in lines), ZERO)
    spent = sum((row.spent for row in lines), ZERO)
    available = sum((row.available for row in lines), ZERO)
    return Answer(f"{reading}: {_money(value, book.base)} ({_money(spent, book.base)} spent of "
                  f"{_money(available, book.base)})", value, book.base, reading, link)


def as_json(result: Answer, link: str | None) -> dict[str, Any]:
    """{answer, value, currency, reading, link} (+ items, suggestions, notes), amounts as strings."""
    from financeapp.core.money import amount_text

    def amount(value: Decimal | None, currency: str | None) -> str | None:
        return None if value is None or currency is None else amount_text(value, currency)

    return {
        "answer": result.answer,
        "value": amount(result.value, result.currency),
        "currency": result.currency if result.value is not None else None,
        "reading": result.reading,
        "link": link if result.value is not None or result.link_args else None,
        "items": [{"label": i.label, "value": amount(i.value, i.currency), "currency": i.currency}
                  for i in result.items],
        "suggestions": [{"phrase": s.phrase, "names": [{"kind": e.kind, "id": e.id, "name": e.name}
                                                       for e in s.candidates]} for s in result.suggestions],
        "notes": result.notes,
    }


__all__ = ["Answer", "Entity", "Item", "answer", "as_json", "ask"]
