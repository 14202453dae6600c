"""Drill-down: every linked figure of every report and of the dashboard charts opens the transactions
list filtered to exactly what it sums; the list's total (its spending, its income, or its sum for a net
change) equals the figure. Checked on the demo's year of history in one currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from financeapp.demo.services import demo_workspace, seed_demo, seed_demo_history, seed_demo_planning
from financeapp.extensions import db
from financeapp.reports import services
from financeapp.reports.queries import ReportFilter
from financeapp.reports.services import Amount
from financeapp.transactions.queries import TransactionFilter, transaction_page

EMAIL = "drill@example.com"


@pytest.fixture
def workspace(ctx):
    seed_demo(EMAIL, "drill-pass-2026")
    seed_demo_history(EMAIL)
    seed_demo_planning(EMAIL)
    db.session.commit()
    ws = demo_workspace(EMAIL)
    assert ws is not None
    return ws


def list_page(ws, args: dict):
    return transaction_page(ws, TransactionFilter.from_args(MultiDict({k: str(v) for k, v in args.items()})))


def list_total(ws, args: dict, currency: str | None = None) -> Decimal | None:
    """What the transactions list shows for these arguments: its spending or income (in the base
    currency, or in `currency` for a figure in an account's own currency), else its sum."""
    page = list_page(ws, args)
    if args.get("flow"):
        return page.flow.per_currency.get(currency, Decimal(0)) if currency else page.flow.in_base
    assert currency and set(page.sums) <= {currency}
    return page.sums.get(currency, Decimal(0))


def matches(ws, value, link, kind) -> bool:
    if kind == "count":
        return value == list_page(ws, link).total
    if isinstance(value, Amount):
        return value.value == list_total(ws, link, value.currency)
    return value == list_total(ws, link)


def linked_cells(result):
    for row, links in zip(result.rows, result.links, strict=True):
        for value, link, column in zip(row, links, result.columns, strict=True):
            if link is not None and value is not None:
                yield row[0], value, link, column.kind


@pytest.mark.parametrize("slug", ["categories", "trends", "monthly", "budget", "payees", "cash-flow"])
def test_every_linked_figure_of_a_report_equals_its_list_total(workspace, slug):
    end = date.today()
    result = services.run_report(workspace, slug, ReportFilter(date(end.year - 1, end.month, 1), end))
    cells = list(linked_cells(result))
    assert cells, f"{slug} has no linked figure"
    wrong = [(name, value, link) for name, value, link, kind in cells if not matches(workspace, value, link, kind)]
    assert not wrong, f"{len(wrong)} of {len(cells)} figures differ, e.g. {wrong[:3]}"


@pytest.mark.parametrize(("slug", "preset_days"), [("categories", 0), ("monthly", 365)])
def test_every_chart_point_with_a_link_equals_its_list_total(workspace, slug, preset_days):
    end = date.today()
    start = date(end.year, end.month, 1) if not preset_days else date(end.year - 1, end.month, 1)
    result = services.run_report(workspace, slug, ReportFilter(start, end))
    points = [(d.label, value, link) for d in result.datasets for value, link in zip(d.data, d.links or [],
                                                                                      strict=True) if link]
    assert points
    for label, value, link in points:
        assert value == list_total(workspace, link), (label, link)


def test_the_reports_net_worth_has_no_drill_down_because_it_is_a_balance(workspace):
    end = date.today()
    result = services.run_report(workspace, "net-worth", ReportFilter(date(end.year, 1, 1), end))
    assert result.links == [] and all(d.links is None for d in result.datasets)


def test_year_over_year_links_each_month_of_both_years_to_its_transactions(ctx):
    from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace

    ws = personal_workspace(make_user("yoy@example.com"))
    account, food = make_account(ws, "Checking", opening_date=date(2020, 1, 1)), make_category(ws, "Food")
    salary = make_category(ws, "Salary", group="Income", kind="income")
    today = date.today()
    for year in (today.year - 1, today.year):
        for month in range(1, today.month + 1):
            make_transaction(account, f"-{month}0.25", on=date(year, month, 1), category=food)
            make_transaction(account, "15.10", on=date(year, month, 1), category=food)  # a refund
            make_transaction(account, "900", on=date(year, month, 1), category=salary)
    result = services.run_report(ws, "year-over-year", ReportFilter(date(today.year, 1, 1), today))
    cells = list(linked_cells(result))
    assert len(cells) == 4 * today.month
    assert all(matches(ws, value, link, kind) for _, value, link, kind in cells)
