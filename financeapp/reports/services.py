"""The reports: each turns the SQL aggregates of `queries` into a chart series and a table.

One `ReportResult` feeds the HTML page (table rendered server-side), the JSON API (the
chart series, amounts as strings) and the CSV download, so the three always agree.
"""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from financeapp.core.money import amount_text
from financeapp.reports import queries, spending
from financeapp.reports.months import first_day, month_end, month_key
from financeapp.reports.queries import Flow, RateBook, ReportFilter
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
TOP_CATEGORIES = 8
TOP_PAYEES = 20
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

CONVERSION_NOTE = (
    "Amounts are in the workspace base currency. Accounts in another currency are added up per month "
    "and category and converted at the rate of the month's last day (the latest rate entered on or before it); a "
    "month without a rate is left out and named in a warning, never converted at 1.0."
)


@dataclass(frozen=True)
class Amount:
    """A table cell in a currency other than the base currency."""

    value: Decimal
    currency: str


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text, money (base currency, or an Amount cell), percent, count


# A drill-down: the transactions list's query arguments for the rows a figure sums (see `drill`).
Drill = dict[str, Any] | None


@dataclass
class Dataset:
    label: str
    data: Sequence[Decimal | None]
    type: str | None = None  # a line drawn over bars, for example
    links: list[Drill] | None = None  # per point: the transactions behind it


@dataclass
class ReportResult:
    """A report's chart series and table, in the base currency."""

    slug: str
    title: str
    chart: str  # bar, line, doughnut, bar-horizontal
    labels: list[str]
    datasets: list[Dataset]
    columns: list[Column]
    rows: list[list[Any]]
    currency: str
    totals: list[Any] | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    links: list[list[Drill]] = field(default_factory=list)  # per row and column, like `rows`
    empty_message: str = "No transactions match these filters. Try a longer range or add transactions."
    period: str = ""  # what the report covers, when that is not the range picked (year over year)

    @property
    def empty(self) -> bool:
        return not self.rows


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    description: str
    build: Callable[[Workspace, ReportFilter, RateBook], ReportResult]
    uses_labels: bool = True


def _pct_change(current: Decimal, previous: Decimal) -> Decimal | None:
    if previous == 0:
        return None
    return ((current - previous) * 100 / previous).quantize(Decimal("0.1"))


def _month_label(key: str) -> str:
    return f"{MONTH_NAMES[int(key[5:7]) - 1]} {key[:4]}"


def drill(f: ReportFilter, start: date | None = None, end: date | None = None, **filters: Any) -> dict[str, Any]:
    """The transactions list's arguments for what a figure of report `f` sums: its dates (or `start`
    to `end`), the report's account and label, and `filters` (category, payee, flow...)."""
    args: dict[str, Any] = {"start": (start or f.start).isoformat(), "end": (end or f.end).isoformat()}
    if f.account_id is not None:
        args["account"] = f.account_id
    if f.label_id is not None:
        args["label"] = f.label_id
    args.update({name: value for name, value in filters.items() if value is not None})
    return args


def _month_of(f: ReportFilter, key: str, **filters: Any) -> dict[str, Any]:
    """A drill-down to one month of the report's range (the range's own ends in its first and last month)."""
    return drill(f, max(first_day(key), f.start), min(month_end(key), f.end), **filters)


def _category(category_id: int | None) -> int:
    return -1 if category_id is None else category_id  # -1: the list's "uncategorised"


# The reports ------------------------------------------------------------------------------------


def categories_report(workspace: Workspace, f: ReportFilter, book: RateBook) -> ReportResult:
    """Spending and income per category, against the period of the same length before."""
    flows = queries.category_flows(workspace, f, book)
    flows.sort(key=lambda c: (-c.current.spending, -c.current.income, c.group, c.name))
    spent = [c for c in flows if c.current.spending > 0]
    top, rest = spent[:TOP_CATEGORIES], spent[TOP_CATEGORIES:]
    labels = [c.name for c in top]
    data: list[Decimal | None] = [c.current.spending for c in top]
    if rest:
        labels.append("Other")
        data.append(sum((c.current.spending for c in rest), ZERO))
    shown = [c for c in flows if c.current.spending or c.current.income or c.previous.spending or c.previous.income]
    rows = [
        [c.name, c.group, c.current.spending, c.previous.spending, _pct_change(c.current.spending,
                                                                            c.previous.spending),
         c.current.income, c.previous.income, _pct_change(c.current.income, c.previous.income)]
        for c in shown
    ]
    previous = f.previous

    def cells(c: queries.CategoryFlow) -> list[Drill]:
        category = _category(c.category_id)
        return [None, None, drill(f, category=category, flow="spending"),
                drill(f, previous.start, previous.end, category=category, flow="spending"), None,
                drill(f, category=category, flow="income"),
                drill(f, previous.start, previous.end, category=category, flow="income"), None]

    cur = Flow(sum((c.current.income for c in flows), ZERO), sum((c.current.spending for c in flows), ZERO))
    prev = Flow(sum((c.previous.income for c in flows), ZERO), sum((c.previous.spending for c in flows), ZERO))
    segment_links: list[Drill] = [drill(f, category=_category(c.category_id), flow="spending") for c in top]
    if rest:
        segment_links.append(None)  # "Other" is several categories: its rows are in the table
    return ReportResult(
        "categories", "Spending and income by category", "doughnut", labels,
        [Dataset("Spending", data, links=segment_links)],
        [Column("Category"), Column("Group"), Column("Spending", "money"), Column("Previous period", "money"),
         Column("Change %", "percent"), Column("Income", "money"), Column("Previous income", "money"),
         Column("Change %", "percent")],
        rows, book.base,
        totals=["Total", "", cur.spending, prev.spending, _pct_change(cur.spending, prev.spending), cur.income,
                prev.income, _pct_change(cur.income, prev.income)],
        notes=[f"The previous period is {previous.start.isoformat()} to {previous.end.isoformat()}, "
               "the same number of days just before."],
        links=[cells(c) for c in shown],
    )


def trends_report(workspace: Workspace, f: ReportFilter, book: RateBook) -> ReportResult:
    """Spending per category per month; the chart shows the eight largest."""
    months = queries.months_between(f.start, f.end)
    by_category = queries.category_month_flows(workspace, f, book)
    names = queries.category_names(workspace, [key for key in by_category if key is not None])
    series = []
    for category_id, per_month in by_category.items():
        values = [per_month[m].spending if m in per_month else ZERO for m in months]
        total = sum(values, ZERO)
        if total:
            name, group = names.get(category_id, ("Uncategorised", "")) if category_id else ("Uncategorised", "")
            series.append((total, name, group, values, category_id))
    series.sort(key=lambda s: (-s[0], s[1]))
    labels = [_month_label(m) for m in months]

    def cells(category_id: int | None) -> list[Drill]:
        return [_month_of(f, m, category=_category(category_id), flow="spending") for m in months]

    return ReportResult(
        "trends", "Spending trends per category", "line", labels,
        [Dataset(name, values, links=cells(category_id))
         for _, name, _, values, category_id in series[:TOP_CATEGORIES]],
        [Column("Category"), Column("Group"), *(Column(label, "money") for label in labels), Column("Total", "money")],
        [[name, group, *values, total] for total, name, group, values, _ in series], book.base,
        totals=["Total", "", *(sum((s[3][i] for s in series), ZERO) for i in range(len(months))),
                sum((s[0] for s in series), ZERO)],
        links=[[None, None, *cells(category_id), drill(f, category=_category(category_id), flow="spending")]
               for *_, category_id in series],
    )


def monthly_report(workspace: Workspace, f: ReportFilter, book: RateBook) -> ReportResult:
    """Income, spending, net and savings rate per month."""
    return monthly_table(queries.monthly_flows(workspace, f, book), book, f)


def monthly_table(flows: dict[str, Flow], book: RateBook, f: ReportFilter | None = None) -> ReportResult:
    """The monthly summary from already computed flows (with drill-downs when `f` is given)."""
    months = sorted(flows)
    total = Flow(sum((flows[m].income for m in months), ZERO), sum((flows[m].spending for m in months), ZERO))

    def month_links(flow: str) -> list[Drill]:
        return [_month_of(f, m, flow=flow) if f else None for m in months]

    income_links, spending_links = month_links("income"), month_links("spending")
    return ReportResult(
        "monthly", "Monthly summary", "bar", [_month_label(m) for m in months],
        [Dataset("Income", [flows[m].income for m in months], links=income_links),
         Dataset("Spending", [flows[m].spending for m in months], links=spending_links)],
        [Column("Month"), Column("Income", "money"), Column("Spending", "money"), Column("Net", "money"),
         Column("Savings rate %", "percent")],
        [[_month_label(m), flows[m].income, flows[m].spending, flows[m].net, flows[m].savings_rate] for m in months],
        book.base, totals=["Total", total.income, total.spending, total.net, total.savings_rate],
        notes=["Savings rate = (income − spending) ÷ income."],
        links=[[None, income, spent, None, None] for income, spent in zip(income_links, spending_links, strict=True)],
    )


def same_day_a_year_before(day: date) -> date:
    """The same calendar day a year earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def year_over_year_report(workspace: Workspace, f: ReportFilter, book: RateBook) -> ReportResult:
    """Month by month, this year up to the range's end (or today, if earlier) against the same days a year before.

    The last month, when not over, is month to date against the same days of last year's month.
    Only months with entries in both years are compared: a month one year has no data for would
    read as a fall to zero (or a rise from it) that never happened.
    """
    cutoff = min(f.end, date.today())
    year = cutoff.year
    cutoff_before = same_day_a_year_before(cutoff)
    this_range = ReportFilter(date(year, 1, 1), cutoff, f.account_id, f.label_id)
    last_range = ReportFilter(date(year - 1, 1, 1), cutoff_before, f.account_id, f.label_id)
    this_flows, last_flows = queries.monthly_flows(workspace, this_range, book), queries.monthly_flows(
        workspace, last_range, book)
    with_data = queries.months_with_entries(workspace, this_range), queries.months_with_entries(workspace,
                                                                                                 last_range)
    to_date = cutoff != month_end(month_key(cutoff))
    compared: list[int] = []
    skipped: list[str] = []
    for number in range(1, cutoff.month + 1):
        if f"{year:04d}-{number:02d}" in with_data[0] and f"{year - 1:04d}-{number:02d}" in with_data[1]:
            compared.append(number)
        else:
            skipped.append(MONTH_NAMES[number - 1])
    this = [this_flows[f"{year:04d}-{m:02d}"] for m in compared]
    last = [last_flows[f"{year - 1:04d}-{m:02d}"] for m in compared]

    def label(number: int) -> str:
        name = MONTH_NAMES[number - 1]
        return f"{name} 1–{cutoff.day}" if to_date and number == cutoff.month else name

    labels = [label(m) for m in compared]
    rows = [[labels[i], last[i].spending, this[i].spending, _pct_change(this[i].spending, last[i].spending),
             last[i].income, this[i].income] for i in range(len(compared))]
    before = [_month_of(last_range, f"{year - 1:04d}-{m:02d}") for m in compared]
    now = [_month_of(this_range, f"{year:04d}-{m:02d}") for m in compared]
    links: list[list[Drill]] = [
        [None, {**b, "flow": "spending"}, {**n, "flow": "spending"}, None, {**b, "flow": "income"},
         {**n, "flow": "income"}] for b, n in zip(before, now, strict=True)]
    totals_last = Flow(sum((x.income for x in last), ZERO), sum((x.spending for x in last), ZERO))
    totals_this = Flow(sum((x.income for x in this), ZERO), sum((x.spending for x in this), ZERO))
    notes = [f"Compares {year} up to {cutoff.isoformat()} (the range's end or today, whichever is earlier) "
             f"with the same months of {year - 1}, whatever the range's start."]
    if to_date:
        notes.append(f"{MONTH_NAMES[cutoff.month - 1]} is month to date: days 1 to {cutoff.day} of both years "
                     f"(to {cutoff_before.isoformat()} in {year - 1}).")
    if skipped:
        notes.append(f"Left out for want of entries in both years: {', '.join(skipped)}.")
    return ReportResult(
        "year-over-year", f"Year over year: {year} against {year - 1}", "bar", labels,
        [Dataset(f"Spending {year - 1}", [x.spending for x in last], links=[row[1] for row in links]),
         Dataset(f"Spending {year}", [x.spending for x in this], links=[row[2] for row in links])],
        [Column("Month"), Column(f"Spending {year - 1}", "money"), Column(f"Spending {year}", "money"),
         Column("Change %", "percent"), Column(f"Income {year - 1}", "money"), Column(f"Income {year}", "money")],
        rows, book.base,
        totals=["Total", totals_last.spending, totals_this.spending,
                _pct_change(totals_this.spending, totals_last.spending), totals_last.income, totals_this.income],
        notes=notes,
        period=f"{year}-01-01 to {cutoff.isoformat()} against {year - 1}-01-01 to {cutoff_before.isoformat()}",
        empty_message=f"No month up to {cutoff.isoformat()} has entries in both {year} and {year - 1} "
                      f"(to the same day), so there is nothing to compare yet.",
        links=links,
    )


def net_worth_report(workspace: Workspace, f: ReportFilter, book: RateBook) -> ReportResult:
    """Assets, liabilities and net worth at the end of each month."""
    return net_worth_table(queries.net_worth(workspace, f, book), book)


def net_worth_table(worth: queries.NetWorth, book: RateBook) -> ReportResult:
    """The net worth report from an already computed NetWorth."""
    return ReportResult(
        "net-worth", "Net worth over time", "line", [_month_label(p.month) for p in worth.points],
        [Dataset("Net worth", [p.net_worth for p in worth.points])],
        [Column("Month end"), Column("Assets", "money"), Column("Liabilities", "money"), Column("Net worth", "money")],
        [[_month_label(p.month), p.assets, p.liabilities, p.net_worth] for p in worth.points], book.base,
        notes=["Balances are the opening balance (from its opening date) plus every transaction up to the "
               "month's end, for accounts included in net worth. Labels do not apply to balances."],
    )


def payees_report(workspace: Workspace, f: ReportFilter, book: RateBook) -> ReportResult:
    """The payees the most money went to."""
    payees = [p for p in queries.payee_flows(workspace, f, book) if p.flow.spending > 0]
    payees.sort(key=lambda p: (-p.flow.spending, p.name))
    top = payees[:TOP_PAYEES]

    def cells(p: queries.PayeeFlow) -> list[Drill]:
        if p.payee_id is None:  # the list has no "without a payee" filter
            return [None, None, None, None]
        return [None, drill(f, payee=p.payee_id), drill(f, payee=p.payee_id, flow="spending"),
                drill(f, payee=p.payee_id, flow="income")]

    links = [cells(p) for p in top]
    return ReportResult(
        "payees", "Top payees", "bar-horizontal", [p.name for p in top[:10]],
        [Dataset("Spending", [p.flow.spending for p in top[:10]], links=[row[2] for row in links[:10]])],
        [Column("Payee"), Column("Transactions", "count"), Column("Spending", "money"), Column("Income", "money")],
        [[p.name, p.count, p.flow.spending, p.flow.income] for p in top], book.base,
        notes=[f"The {TOP_PAYEES} payees with the most spending; whole transactions, transfers left out."],
        links=links,
    )


def cash_flow_report(workspace: Workspace, f: ReportFilter, book: RateBook) -> ReportResult:
    """Per account: income, spending and transfers, in its own currency, and the net in the base currency."""
    flows = queries.account_flows(workspace, f, book)
    rows = [[a.account.name, Amount(a.income, a.account.currency), Amount(a.spending, a.account.currency),
             Amount(a.transfers_in, a.account.currency), Amount(a.transfers_out, a.account.currency),
             Amount(a.net, a.account.currency), a.net_in_base] for a in flows]
    links: list[list[Drill]] = [
        [None, drill(f, account=a.account.id, flow="income"), drill(f, account=a.account.id, flow="spending"),
         None, None, drill(f, account=a.account.id), None] for a in flows]
    return ReportResult(
        "cash-flow", "Cash flow by account", "bar", [a.account.name for a in flows],
        [Dataset("Income", [a.income_in_base for a in flows], links=[row[1] for row in links]),
         Dataset("Spending", [a.spending_in_base for a in flows], links=[row[2] for row in links])],
        [Column("Account"), Column("Income", "money"), Column("Spending", "money"), Column("Transfers in", "money"),
         Column("Transfers out", "money"), Column("Net change", "money"),
         Column(f"Net change in {book.base}", "money")],
        rows, book.base,
        notes=["Columns in the account's own currency; the chart and the last column in the base currency. "
               "Transfers between your accounts move money but are not income or spending."],
        links=links,
    )


def budget_report(workspace: Workspace, f: ReportFilter, book: RateBook) -> ReportResult:
    """Budgeted against spent per budget line, from the budgets module's own report (whole months)."""
    provider = budget_provider()
    if provider is None:  # pragma: no cover (the report is only listed when it exists)
        raise LookupError("budgets are not available")
    report = provider(workspace, f.start, f.end)
    rows = [[r.name, r.budgeted, r.spent, r.difference] for r in report.rows]
    whole_months = {"start": first_day(month_key(f.start)), "end": month_end(month_key(f.end))}
    spent_links: list[Drill] = [drill(f, **whole_months, category=_category(r.category_id), flow="spending")
                                for r in report.rows]
    return ReportResult(
        "budget", "Budget against actual", "bar", [r.name for r in report.rows],
        [Dataset("Budgeted", [r.budgeted for r in report.rows]),
         Dataset("Spent", [r.spent for r in report.rows], links=spent_links)],
        [Column("Category"), Column("Budgeted", "money"), Column("Spent", "money"), Column("Remaining", "money")],
        rows, book.base, totals=["Total", report.budgeted, report.spent, report.difference],
        warnings=[f"No exchange rate for {code}: its spending is left out." for code in report.missing_rates],
        notes=["From the budgets: whole months from the start's month to the end's, one row per category; a "
               "yearly amount counts a twelfth per month. Spent is net of refunds; income and transfers are "
               "never spending."],
        links=[[None, None, link, None] for link in spent_links],
    )


def _field(item: Any, *names: str) -> Any:
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value is not None:
            return value
    return None


def optional(module: str, name: str) -> Callable[..., Any] | None:
    """Another domain's function when its module defines it yet, else None (they are built in parallel)."""
    try:
        found = importlib.import_module(module)
    except ImportError:
        return None
    function = getattr(found, name, None)
    return function if callable(function) else None


def budget_provider() -> Callable[..., Any] | None:
    """financeapp.budgets.services.budget_report(workspace, first, last) -> RangeReport, when it exists."""
    return optional("financeapp.budgets.services", "budget_report")


REPORTS: dict[str, Report] = {r.slug: r for r in (
    Report("categories", "Spending and income by category",
           "Where the money went and came from, with the change against the period before.", categories_report),
    Report("trends", "Trends per category", "Each category's spending month by month.", trends_report),
    Report("monthly", "Monthly summary", "Income, spending, net and savings rate per month.", monthly_report),
    Report("year-over-year", "Year over year", "This year's months against last year's.", year_over_year_report),
    Report("budget", "Budget against actual", "What you planned against what you spent.", budget_report),
    Report("net-worth", "Net worth over time", "Assets, liabilities and net worth at each month's end.",
           net_worth_report, uses_labels=False),
    Report("payees", "Top payees", "Who received the most of your money.", payees_report),
    Report("cash-flow", "Cash flow by account", "Money in, out and between accounts, per account.", cash_flow_report),
)}


def available_reports() -> list[Report]:
    """The reports this install offers (budget against actual only when the budgets module provides it)."""
    return [r for r in REPORTS.values() if r.slug != "budget" or budget_provider() is not None]


def get_report(slug: str) -> Report | None:
    return next((r for r in available_reports() if r.slug == slug), None)


def run_report(workspace: Workspace, slug: str, f: ReportFilter) -> ReportResult:
    """Build one report; the rate warnings gathered while converting go with it."""
    report = get_report(slug)
    if report is None:
        raise KeyError(slug)
    book = queries.rate_book(workspace)
    result = report.build(workspace, f, book)
    result.warnings = [*result.warnings, *book.warnings]
    result.notes = [spending.DEFINITION, *result.notes, CONVERSION_NOTE]
    return result


# Output -------------------------------------------------------------------------------------------


def cell_text(value: Any, kind: str, currency: str) -> str:
    """A cell as the API and the CSV send it: amounts exact with the currency's minor units."""
    if value is None:
        return ""
    if isinstance(value, Amount):
        return amount_text(value.value, value.currency)
    if kind == "money" and isinstance(value, Decimal):
        return amount_text(value, currency)
    if isinstance(value, Decimal):
        return f"{value + 0:f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(result: ReportResult) -> str:
    """The table as CSV (a header row, the rows, the totals), amounts as plain numbers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = [c.title for c in result.columns]
    writer.writerow(header)
    for row in [*result.rows, *([result.totals] if result.totals else [])]:
        writer.writerow([_csv_safe(cell_text(v, c.kind, result.currency)) for v, c in zip(row, result.columns,
                                                                                          strict=True)])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Names starting with = + - @ would run as formulas in a spreadsheet; numbers stay as they are."""
    if text and text[0] in "=+-@\t\r" and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def series_json(result: ReportResult, link: Callable[[dict[str, Any]], str] | None = None) -> dict[str, Any]:
    """The chart series and the table, amounts as strings, for /api/v1/reports/<slug>."""
    def amount(value: Decimal | None) -> str | None:
        return None if value is None else amount_text(value, result.currency)

    return {
        "report": result.slug,
        "title": result.title,
        "chart": result.chart,
        "currency": result.currency,
        "labels": result.labels,
        "datasets": [_dataset_json(d, amount, link) for d in result.datasets],
        "table": {
            "columns": [{"title": c.title, "kind": c.kind} for c in result.columns],
            "rows": [[_json_cell(v, c, result.currency) for v, c in zip(row, result.columns, strict=True)]
                     for row in result.rows],
            "totals": [_json_cell(v, c, result.currency) for v, c in zip(result.totals, result.columns,
                                                                          strict=True)] if result.totals else None,
        },
        "warnings": result.warnings,
    }


def _dataset_json(dataset: Dataset, amount: Callable[[Decimal | None], str | None],
                  link: Callable[[dict[str, Any]], str] | None) -> dict[str, Any]:
    data: dict[str, Any] = {"label": dataset.label, "data": [amount(v) for v in dataset.data]}
    if link is not None and dataset.links is not None:
        data["links"] = [link(args) if args else None for args in dataset.links]
    return data


def _json_cell(value: Any, column: Column, currency: str) -> str | int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return cell_text(value, column.kind, currency)
