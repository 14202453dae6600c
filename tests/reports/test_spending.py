"""Spending means one thing in every report: budget against actual, the category and monthly reports and
year over year agree with each other and with SQL written here by hand, on a small history with a
refund, an uncategorised salary, a transfer and a category budgeted in some months only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.budgets.services import LineInput, budget_report, set_line
from financeapp.extensions import db
from financeapp.reports.services import same_day_a_year_before
from financeapp.transactions import services as ledger
from financeapp.transactions.services import TransferInput
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace
from tests.reports.conftest import LINE_INCOME, LINE_SPENDING, money, text

OWNER = "spending-owner@example.com"


@dataclass
class History:
    ws: object
    groceries: object
    eating_out: object
    salary: object


@pytest.fixture
def history(ctx, auth) -> History:
    ws = personal_workspace(make_user(OWNER))
    checking = make_account(ws, "Checking", opening_date=date(2024, 1, 1))
    savings = make_account(ws, "Savings", type="savings", opening_date=date(2024, 1, 1))
    groceries = make_category(ws, "Groceries")
    eating_out = make_category(ws, "Eating out")
    salary = make_category(ws, "Salary", group="Income", kind="income")
    entries = [
        ("-200.00", date(2026, 1, 4), groceries), ("30.00", date(2026, 1, 9), groceries),  # a refund
        ("3582.60", date(2026, 1, 25), None),  # a salary nobody categorised
        ("2000.00", date(2026, 1, 28), salary), ("-150.00", date(2026, 2, 6), groceries),
        ("-40.00", date(2026, 2, 7), eating_out), ("-12.00", date(2026, 2, 8), None),
        ("-100.00", date(2026, 3, 5), groceries), ("10.00", date(2026, 3, 6), eating_out),
        ("-60.00", date(2026, 3, 18), groceries),
        # the year before: nothing in February
        ("-90.00", date(2025, 1, 4), groceries), ("1500.00", date(2025, 1, 28), salary),
        ("-50.00", date(2025, 3, 5), groceries), ("-70.00", date(2025, 3, 20), groceries),
    ]
    for amount, on, category in entries:
        make_transaction(checking, amount, on=on, category=category)
    ledger.record_transfer(ws, TransferInput(from_account_id=checking.id, to_account_id=savings.id,
                                             on=date(2026, 1, 15), amount=Decimal("500.00")))
    for month in (date(2026, 1, 1), date(2026, 3, 1)):  # no groceries budget in February
        set_line(ws, LineInput(category_id=groceries.id, month=month, amount=Decimal("250.00")))
    set_line(ws, LineInput(category_id=eating_out.id, month=date(2026, 2, 1), amount=Decimal("50.00")))
    db.session.commit()
    assert auth.login(OWNER).status_code == 302
    return History(ws, groceries, eating_out, salary)


def spending_by_category(ws_id: int, start: date, end: date) -> dict[int | None, Decimal]:
    """Spending per category by hand-written SQL (transfers left out)."""
    rows = db.session.execute(sa.text(f"""
        SELECT l.category_id, SUM({LINE_SPENDING}) FROM transaction_lines l
        JOIN transactions t ON t.id = l.transaction_id LEFT JOIN categories c ON c.id = l.category_id
        WHERE t.workspace_id = :ws AND t.transfer_key IS NULL AND t.date >= :s AND t.date <= :e
        GROUP BY l.category_id"""), {"ws": ws_id, "s": start, "e": end})
    return {category: money(total) for category, total in rows if money(total)}


def flow_of_days(ws_id: int, start: date, end: date) -> tuple[Decimal, Decimal]:
    """(income, spending) of the days start..end, by hand-written SQL."""
    income, spent = db.session.execute(sa.text(f"""
        SELECT SUM({LINE_INCOME}), SUM({LINE_SPENDING}) FROM transaction_lines l
        JOIN transactions t ON t.id = l.transaction_id LEFT JOIN categories c ON c.id = l.category_id
        WHERE t.workspace_id = :ws AND t.transfer_key IS NULL AND t.date >= :s AND t.date <= :e"""),
        {"ws": ws_id, "s": start, "e": end}).one()
    return money(income), money(spent)


def budgeted_by_category(ws_id: int, start: date, end: date) -> dict[int, Decimal]:
    rows = db.session.execute(sa.text(
        "SELECT category_id, SUM(amount) FROM budget_lines WHERE workspace_id = :ws AND month >= :s "
        "AND month <= :e GROUP BY category_id"), {"ws": ws_id, "s": start, "e": end})
    return {category: money(total) for category, total in rows}


def report(client, slug: str, start: str, end: str) -> dict:
    response = client.get(f"/api/v1/reports/{slug}?preset=custom&start={start}&end={end}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def test_budget_against_actual_has_one_row_per_category_summed_over_the_months(history, client):
    ws = history.ws
    spent = spending_by_category(ws.id, date(2026, 1, 1), date(2026, 3, 31))
    budgeted = budgeted_by_category(ws.id, date(2026, 1, 1), date(2026, 3, 1))
    result = budget_report(ws, date(2026, 1, 1), date(2026, 3, 1))
    names = [row.name for row in result.rows]
    assert len(names) == len(set(names)) and not any("not budgeted" in name for name in names)
    by_id = {row.category_id: row for row in result.rows}
    assert set(by_id) == set(spent) | set(budgeted)
    for category_id, row in by_id.items():
        assert (row.budgeted, row.spent) == (budgeted.get(category_id, 0), spent.get(category_id, 0))
    # The figures the brief names: the refund reduces groceries, the uncategorised salary is not spending.
    assert by_id[history.groceries.id].spent == Decimal("480.00")
    assert by_id[history.eating_out.id].spent == Decimal("30.00")
    assert by_id[None].spent == Decimal("12.00")
    assert history.salary.id not in by_id

    data = report(client, "budget", "2026-01-01", "2026-03-31")
    assert [row[0] for row in data["table"]["rows"]] == names
    assert data["table"]["totals"][2] == text(sum(spent.values(), Decimal(0)))


def test_every_report_gives_the_same_spending_and_leaves_income_and_transfers_out(history, client):
    ws = history.ws
    income, spent = flow_of_days(ws.id, date(2026, 1, 1), date(2026, 3, 31))
    assert (income, spent) == (Decimal("5582.60"), Decimal("522.00"))
    categories = report(client, "categories", "2026-01-01", "2026-03-31")
    monthly = report(client, "monthly", "2026-01-01", "2026-03-31")
    budget = report(client, "budget", "2026-01-01", "2026-03-31")
    payees = report(client, "payees", "2026-01-01", "2026-03-31")
    cash_flow = report(client, "cash-flow", "2026-01-01", "2026-03-31")
    assert categories["table"]["totals"][2] == monthly["table"]["totals"][2] == budget["table"]["totals"][2] \
        == text(spent)
    assert categories["table"]["totals"][5] == monthly["table"]["totals"][1] == text(income)
    assert sum(Decimal(row[2]) for row in payees["table"]["rows"]) == spent
    assert sum(Decimal(row[2]) for row in cash_flow["table"]["rows"]) == spent
    assert sum(Decimal(row[1]) for row in cash_flow["table"]["rows"]) == income
    rows = {(row[0], row[1]): row for row in categories["table"]["rows"]}
    assert rows[("Uncategorised", "")][2] == "12.00" and rows[("Uncategorised", "")][5] == "3582.60"
    assert rows[("Groceries", "Everyday")][2] == "480.00" and rows[("Groceries", "Everyday")][5] == "0.00"


def test_year_over_year_compares_month_to_date_with_the_same_days_last_year(history, client):
    ws = history.ws
    data = report(client, "year-over-year", "2026-01-01", "2026-03-10")
    # February 2025 has no entries: February is left out rather than compared with nothing.
    assert data["labels"] == ["Jan", "Mar 1–10"]
    expected = [
        (flow_of_days(ws.id, date(2025, 1, 1), date(2025, 1, 31)), flow_of_days(ws.id, date(2026, 1, 1),
                                                                                date(2026, 1, 31))),
        (flow_of_days(ws.id, date(2025, 3, 1), date(2025, 3, 10)), flow_of_days(ws.id, date(2026, 3, 1),
                                                                                date(2026, 3, 10))),
    ]
    assert data["datasets"][0]["data"] == [text(last[1]) for last, _this in expected]
    assert data["datasets"][1]["data"] == [text(this[1]) for _last, this in expected]
    assert data["datasets"][0]["data"] == ["90.00", "50.00"]  # not the 70.00 of 20 March 2025
    rows = data["table"]["rows"]
    assert [row[4] for row in rows] == [text(last[0]) for last, _this in expected]
    totals = defaultdict(Decimal)
    for last, this in expected:
        totals["last"] += last[1]
        totals["this"] += this[1]
    assert data["table"]["totals"][1:3] == [text(totals["last"]), text(totals["this"])]


def test_year_over_year_of_a_whole_month_is_not_to_date(history, client):
    data = report(client, "year-over-year", "2026-01-01", "2026-03-31")
    assert data["labels"] == ["Jan", "Mar"]
    assert data["datasets"][0]["data"] == ["90.00", "120.00"]


def test_the_29th_of_february_a_year_before_is_the_28th():
    assert same_day_a_year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert same_day_a_year_before(date(2026, 12, 3)) == date(2025, 12, 3)


def test_the_year_over_year_page_names_the_days_it_compares(history, client):
    page = client.get("/reports/year-over-year?preset=custom&start=2026-01-01&end=2026-03-10").get_data(as_text=True)
    assert "2026-01-01 to 2026-03-10 against 2025-01-01 to 2025-03-10" in page
    assert "Mar is month to date: days 1 to 10 of both years" in page
    assert "Left out for want of entries in both years: Feb." in page
