"""Budget rules without HTTP: figures against independent SQL, rollover, zero-based, moving and copying."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.budgets.models import BudgetLine
from financeapp.budgets.queries import add_months, parse_month
from financeapp.budgets.services import (
    LineInput,
    budget_report,
    copy_previous_month,
    figures_for_months,
    month_figures,
    move_money,
    set_line,
    set_style,
    update_line,
)
from financeapp.core.errors import Invalid, NotFound
from financeapp.demo.planning import seed_demo_budgets
from financeapp.extensions import db
from financeapp.rates.services import set_rate
from tests.budgets.conftest import budget, split, transfer
from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace

MARCH = date(2026, 3, 1)


def independent_sums(ws_id: int, month: date) -> dict[int | None, Decimal]:
    """Category line sums of the month written by hand: splits per line, transfers out, money as thousandths."""
    rows = db.session.execute(sa.text(
        "SELECT tl.category_id, SUM(tl.amount) FROM transaction_lines tl "
        "JOIN transactions t ON t.id = tl.transaction_id "
        "WHERE t.workspace_id = :ws AND tl.workspace_id = :ws AND t.transfer_key IS NULL "
        "AND t.date >= :start AND t.date < :stop GROUP BY tl.category_id"
    ), {"ws": ws_id, "start": month, "stop": add_months(month, 1)}).all()
    return {category_id: Decimal(int(total)).scaleb(-3) for category_id, total in rows}


def test_month_figures_equal_an_independent_sql_sum_with_splits_and_without_transfers(home):
    savings = make_account(home.ws, "Savings", type="savings")
    budget(home.ws, home.groceries, "400")
    budget(home.ws, home.fuel, "150")
    make_transaction(home.checking, "-120.45", on=date(2026, 3, 2), category=home.groceries)
    make_transaction(home.checking, "15.10", on=date(2026, 3, 3), category=home.groceries)  # a refund
    split(home.checking, date(2026, 3, 9), [(home.groceries, "-80.01"), (home.fuel, "-45.99"),
                                            (home.eating_out, "-12.50")])
    split(home.checking, date(2026, 3, 31), [(home.fuel, "-60"), (None, "-7.25")])
    make_transaction(home.checking, "3000", on=date(2026, 3, 25), category=home.salary)
    _, into = transfer(home.checking, savings, "500", date(2026, 3, 10))
    into.lines[0].category_id = home.groceries.id  # even a categorised transfer is not spending
    make_transaction(home.checking, "-999", on=date(2026, 2, 28), category=home.groceries)
    make_transaction(home.checking, "-999", on=date(2026, 4, 1), category=home.groceries)
    other = personal_workspace(make_user("other@example.com"))
    other_groceries = make_category(other, "Groceries")
    make_transaction(make_account(other, "Theirs"), "-50", on=date(2026, 3, 5), category=other_groceries)
    db.session.commit()

    figures = month_figures(home.ws, MARCH)
    sums = independent_sums(home.ws.id, MARCH)
    spent = {row.line.category_id: row.spent for row in figures.lines}
    assert spent == {home.groceries.id: -sums[home.groceries.id], home.fuel.id: -sums[home.fuel.id]}
    assert spent[home.groceries.id] == Decimal("185.36")
    assert {row.category_id: row.spent for row in figures.unbudgeted} == {
        home.eating_out.id: -sums[home.eating_out.id], None: -sums[None]}
    assert figures.income == sums[home.salary.id] == Decimal("3000")
    assert figures.spent + figures.unbudgeted_total == -sum(
        (v for k, v in sums.items() if k != home.salary.id), Decimal(0))
    assert figures.remaining == Decimal("400") + Decimal("150") - figures.spent


def test_a_group_line_covers_its_categories_without_a_line_of_their_own(home):
    budget(home.ws, home.everyday, "500")
    budget(home.ws, home.eating_out, "100")
    make_transaction(home.checking, "-70", on=date(2026, 3, 2), category=home.groceries)
    make_transaction(home.checking, "-30", on=date(2026, 3, 3), category=home.everyday)
    make_transaction(home.checking, "-40", on=date(2026, 3, 4), category=home.eating_out)
    figures = month_figures(home.ws, MARCH)
    assert {row.name: row.spent for row in figures.lines} == {"Everyday": Decimal(100), "Everyday: Eating out": 40}
    assert figures.unbudgeted == []


def test_rollover_carries_what_is_left_or_overspent_across_several_months(home):
    budget(home.ws, home.groceries, "100", date(2026, 1, 1), rollover=True)
    budget(home.ws, home.groceries, "100", date(2026, 2, 1), rollover=True)
    budget(home.ws, home.groceries, "100", date(2026, 3, 1))
    budget(home.ws, home.groceries, "100", date(2026, 4, 1))
    make_transaction(home.checking, "-60", on=date(2026, 1, 15), category=home.groceries)
    make_transaction(home.checking, "-170", on=date(2026, 2, 15), category=home.groceries)
    months = figures_for_months(home.ws, date(2026, 1, 1), date(2026, 4, 1))
    rows = [(m.lines[0].carried, m.lines[0].available, m.lines[0].remaining) for m in months]
    assert rows == [(0, 100, 40), (40, 140, -30), (-30, 70, 70), (0, 100, 100)]
    # Seen on its own, March still starts from February's overspending.
    assert month_figures(home.ws, date(2026, 3, 1)).lines[0].carried == Decimal(-30)


def test_a_yearly_line_is_checked_against_the_year_to_date(home):
    budget(home.ws, home.fuel, "1200", date(2026, 5, 1), period="year")
    make_transaction(home.checking, "-100", on=date(2026, 1, 5), category=home.fuel)
    make_transaction(home.checking, "-250", on=date(2026, 3, 5), category=home.fuel)
    make_transaction(home.checking, "-999", on=date(2025, 12, 5), category=home.fuel)
    figures = month_figures(home.ws, MARCH)
    assert figures.lines == []
    (row,) = figures.yearly
    assert (row.line.month, row.budgeted, row.spent, row.remaining) == (date(2026, 1, 1), 1200, 350, 850)
    assert month_figures(home.ws, date(2026, 2, 1)).yearly[0].spent == Decimal(100)
    with pytest.raises(Invalid, match="yearly budget"):
        set_line(home.ws, LineInput(home.fuel.id, date(2026, 7, 1), Decimal(10)))


def test_zero_based_to_assign_counts_income_leftovers_and_budgets(home):
    set_style(home.ws, "zero_based")
    for month in (date(2026, 1, 1), date(2026, 2, 1)):
        budget(home.ws, home.groceries, "300", month, rollover=True)
        budget(home.ws, home.fuel, "200", month)
        make_transaction(home.checking, "1000", on=month.replace(day=25), category=home.salary)
    make_transaction(home.checking, "-250", on=date(2026, 1, 5), category=home.groceries)
    make_transaction(home.checking, "-220", on=date(2026, 1, 6), category=home.fuel)
    make_transaction(home.checking, "-30", on=date(2026, 1, 7), category=home.eating_out)
    make_transaction(home.checking, "-999", on=date(2025, 12, 7), category=home.salary)  # before budgeting
    january, february = figures_for_months(home.ws, date(2026, 1, 1), date(2026, 2, 1))
    assert (january.income, january.left_over, january.assigned, january.to_assign) == (1000, 0, 500, 500)
    # 500 unassigned + Fuel's -20 (no rollover) - 30 nobody budgeted for; Groceries keeps its 50.
    assert february.left_over == Decimal(450)
    assert february.lines[0].carried == Decimal(50)
    assert february.to_assign == Decimal(1000 + 450 - 500)
    assert month_figures(home.ws, date(2026, 2, 1)).to_assign == Decimal(950)


def test_moving_money_covers_an_overspent_line(home):
    set_style(home.ws, "zero_based")
    groceries = budget(home.ws, home.groceries, "300")
    fuel = budget(home.ws, home.fuel, "100")
    make_transaction(home.checking, "-250", on=date(2026, 3, 5), category=home.groceries)
    make_transaction(home.checking, "-130", on=date(2026, 3, 6), category=home.fuel)
    move_money(home.ws, groceries, fuel, Decimal(30))
    db.session.commit()
    figures = month_figures(home.ws, MARCH)
    assert [(row.budgeted, row.remaining) for row in figures.lines] == [(270, 20), (130, 0)]
    with pytest.raises(Invalid, match=r"only \$20.00"):
        move_money(home.ws, groceries, fuel, Decimal("20.01"))
    with pytest.raises(Invalid):
        move_money(home.ws, groceries, groceries, Decimal(1))
    db.session.rollback()
    assert db.session.get(BudgetLine, groceries.id).amount == Decimal(270)


def test_copying_last_month_sets_its_amounts_and_keeps_other_lines(home):
    budget(home.ws, home.groceries, "300", date(2026, 2, 1), rollover=True)
    budget(home.ws, home.fuel, "120", date(2026, 2, 1))
    budget(home.ws, home.groceries, "999", MARCH)
    budget(home.ws, home.eating_out, "50", MARCH)
    assert copy_previous_month(home.ws, MARCH) == 2
    db.session.commit()
    lines = {row.name: (row.budgeted, row.line.rollover) for row in month_figures(home.ws, MARCH).lines}
    assert lines == {"Everyday: Groceries": (300, True), "Transport: Fuel": (120, False),
                     "Everyday: Eating out": (50, False)}
    with pytest.raises(Invalid, match="December 2025 has no monthly budget"):
        copy_previous_month(home.ws, date(2026, 1, 1))


@pytest.mark.parametrize(("amount", "message"), [
    (Decimal("-1"), "zero or more"), (Decimal("1.001"), "decimal places"), (Decimal("1e14"), "too large"),
    (Decimal("NaN"), "Enter an amount"), (None, "Enter an amount"),
])
def test_bad_amounts_are_refused(home, amount, message):
    with pytest.raises(Invalid, match=message):
        set_line(home.ws, LineInput(home.groceries.id, MARCH, amount))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BudgetLine)) == 0


def test_income_categories_and_other_workspaces_categories_cannot_be_budgeted(home):
    with pytest.raises(Invalid, match="expense category"):
        set_line(home.ws, LineInput(home.salary.id, MARCH, Decimal(1)))
    other = personal_workspace(make_user("other@example.com"))
    with pytest.raises(NotFound):
        set_line(home.ws, LineInput(make_category(other, "Theirs").id, MARCH, Decimal(1)))
    with pytest.raises(NotFound):
        set_line(home.ws, LineInput("99999999999999999999999", MARCH, Decimal(1)))


def test_setting_a_line_twice_changes_its_amount(home):
    first = budget(home.ws, home.groceries, "100")
    second = budget(home.ws, home.groceries, "150", date(2026, 3, 20))
    assert first.id == second.id and second.amount == Decimal(150)
    update_line(home.ws, second, Decimal("175.50"), rollover=True)
    assert (second.amount, second.rollover) == (Decimal("175.50"), True)


def test_spending_in_another_currency_is_converted_at_the_months_last_rate(home):
    euro = make_account(home.ws, "Euro card", currency="EUR")
    budget(home.ws, home.groceries, "500")
    make_transaction(euro, "-100", on=date(2026, 3, 5), category=home.groceries)
    make_transaction(home.checking, "-10", on=date(2026, 3, 5), category=home.groceries)
    figures = month_figures(home.ws, MARCH)
    assert figures.missing_rates == ["EUR"]
    assert figures.lines[0].spent == Decimal(10)  # the euros are left out, and the page says so
    set_rate(home.ws, "EUR", "USD", date(2026, 3, 1), Decimal("1.1"))
    set_rate(home.ws, "EUR", "USD", date(2026, 4, 1), Decimal("9"))  # after the month: not used
    figures = month_figures(home.ws, MARCH)
    assert figures.missing_rates == []
    assert figures.lines[0].spent == Decimal(120)


def test_the_range_report_adds_up_budgets_and_spending(home):
    for month in (date(2026, 1, 1), date(2026, 2, 1), MARCH):
        budget(home.ws, home.groceries, "100", month)
        make_transaction(home.checking, "-90", on=month.replace(day=9), category=home.groceries)
    budget(home.ws, home.fuel, "1200", MARCH, period="year")
    make_transaction(home.checking, "-40", on=date(2026, 2, 3), category=home.fuel)
    make_transaction(home.checking, "-5", on=date(2026, 2, 3), category=home.eating_out)
    report = budget_report(home.ws, date(2026, 2, 1), MARCH)
    rows = {row.name: (row.budgeted, row.spent) for row in report.rows}
    assert rows == {"Everyday: Groceries": (200, 180), "Transport: Fuel": (200, 40),
                    "Everyday: Eating out": (0, 5)}
    with pytest.raises(Invalid, match="before the start"):
        budget_report(home.ws, MARCH, date(2026, 1, 1))
    with pytest.raises(Invalid, match="at most 120"):
        budget_report(home.ws, date(2000, 1, 1), MARCH)


@pytest.mark.parametrize("text", ["", "2026", "2026-13", "2026-00", "26-03", "0001-01", "x" * 500, "2026-03-01"])
def test_junk_months_are_refused_with_a_message(text):
    with pytest.raises(Invalid, match="month"):
        parse_month(text)


def test_parse_month_reads_year_and_month():
    assert parse_month(" 2026-3 ") == MARCH


def test_demo_budgets_cover_this_month_and_last_once(home):
    today = date(2026, 3, 14)
    for month in (date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)):
        make_transaction(home.checking, "-333", on=month.replace(day=3), category=home.groceries)
    assert seed_demo_budgets(home.ws, today) == 20  # ten default categories, two months
    db.session.commit()
    figures = month_figures(home.ws, MARCH)
    amounts = {row.name: row.budgeted for row in figures.lines}
    assert amounts["Everyday: Groceries"] == Decimal(340)
    assert amounts["Everyday: Eating out"] == Decimal(150)
    assert len(month_figures(home.ws, date(2026, 2, 1)).lines) == 10
    assert seed_demo_budgets(home.ws, today) == 0
