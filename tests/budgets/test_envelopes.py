"""The envelope budget against independent SQL over the ledger (not the monthly totals it reads):
available = carried + budgeted - spent per category and month, overspending carried, and
"to budget" = on-budget balances - what the envelopes hold. Then moving money, from a cell."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.budgets import envelopes
from financeapp.budgets.models import BudgetLine
from financeapp.extensions import db
from tests.budgets.conftest import budget, split, transfer
from tests.factories import add_member, make_account, make_category, make_transaction, make_user, personal_workspace

JAN, FEB, MAR, APR = (date(2026, m, 1) for m in (1, 2, 3, 4))
THOUSANDTHS = Decimal(1000)  # Money columns hold thousandths


def month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def independent_available(ws_id: int, category_id: int, start: date, month: date) -> Decimal:
    """Budgeted minus spent from `start` to the end of `month`, from budget_lines and the ledger."""
    budgeted = db.session.execute(sa.text(
        "SELECT COALESCE(SUM(amount), 0) FROM budget_lines WHERE workspace_id = :ws AND category_id = :c "
        "AND period = 'month' AND month >= :start AND month <= :month"),
        {"ws": ws_id, "c": category_id, "start": start, "month": month}).scalar()
    lines = db.session.execute(sa.text(
        "SELECT COALESCE(SUM(l.amount), 0) FROM transaction_lines l JOIN transactions t ON t.id = l.transaction_id "
        "JOIN accounts a ON a.id = t.account_id JOIN workspaces w ON w.id = t.workspace_id "
        "WHERE t.workspace_id = :ws AND l.category_id = :c AND t.transfer_key IS NULL "
        "AND a.type IN ('checking', 'savings', 'cash', 'credit_card') AND a.currency = w.base_currency "
        "AND t.date >= :start AND t.date <= :end"),
        {"ws": ws_id, "c": category_id, "start": start, "end": month_end(month)}).scalar()
    return (Decimal(budgeted) + Decimal(lines)) / THOUSANDTHS  # lines are negative when money went out


def independent_balances(ws_id: int, month: date) -> Decimal:
    end = month_end(month)
    opening = db.session.execute(sa.text(
        "SELECT COALESCE(SUM(a.opening_balance), 0) FROM accounts a JOIN workspaces w ON w.id = a.workspace_id "
        "WHERE a.workspace_id = :ws AND a.type IN ('checking', 'savings', 'cash', 'credit_card') "
        "AND a.currency = w.base_currency AND a.opening_date <= :end"), {"ws": ws_id, "end": end}).scalar()
    moved = db.session.execute(sa.text(
        "SELECT COALESCE(SUM(t.amount), 0) FROM transactions t JOIN accounts a ON a.id = t.account_id "
        "JOIN workspaces w ON w.id = t.workspace_id WHERE t.workspace_id = :ws "
        "AND a.type IN ('checking', 'savings', 'cash', 'credit_card') AND a.currency = w.base_currency "
        "AND t.date <= :end"), {"ws": ws_id, "end": end}).scalar()
    return (Decimal(opening) + Decimal(moved)) / THOUSANDTHS


@pytest.fixture
def history(home):
    """Three budgeted months with a split, a refund, overspending, transfers on and off budget,
    uncategorised spending, income, and an account in another currency."""
    ws = home.ws
    card = make_account(ws, "Card", type="credit_card")
    loan = make_account(ws, "Car loan", type="loan", opening_balance="-5000")
    foreign = "EUR" if ws.base_currency != "EUR" else "USD"
    dollars = make_account(ws, "Abroad", currency=foreign, opening_balance="300")
    rent = make_category(ws, "Rent", group="Home")
    for month, groceries, rent_amount in ((JAN, "300", "700"), (FEB, "250", "700"), (MAR, "250", "0")):
        budget(ws, home.groceries, groceries, month)
        if rent_amount != "0":
            budget(ws, rent, rent_amount, month)
    budget(ws, home.fuel, "80", FEB)
    make_transaction(home.checking, "-120.40", on=date(2025, 12, 20), category=home.groceries)  # before the start
    make_transaction(home.checking, "2500", on=date(2026, 1, 1), category=home.salary)
    make_transaction(home.checking, "-700", on=date(2026, 1, 3), category=rent)
    make_transaction(card, "-340.25", on=date(2026, 1, 15), category=home.groceries)  # 40.25 overspent
    make_transaction(card, "15.10", on=date(2026, 1, 20), category=home.groceries)  # a refund
    transfer(home.checking, card, "325.15", date(2026, 1, 28))  # both on budget: no change
    split(home.checking, date(2026, 2, 6), [(home.groceries, "-180.00"), (home.fuel, "-95.50")])
    make_transaction(home.checking, "-60", on=date(2026, 2, 9))  # uncategorised
    transfer(home.checking, loan, "400", date(2026, 2, 25))  # leaves the budget
    make_transaction(dollars, "-50", on=date(2026, 2, 10), category=home.groceries)  # other currency
    make_transaction(home.checking, "-700", on=date(2026, 3, 2), category=rent)  # rent not budgeted in March
    make_transaction(home.checking, "2500", on=date(2026, 3, 1), category=home.salary)
    return {"ws": ws, "rent": rent, "card": card}


def test_every_envelope_is_carried_plus_budgeted_minus_spent_as_independent_sql_says(home, history):
    ws = history["ws"]
    previous: dict[int, Decimal] = {}
    for month in (JAN, FEB, MAR, APR):
        figures = envelopes.envelope_month(ws, month)
        assert figures.start == JAN
        for e in figures.envelopes:
            expected = independent_available(ws.id, e.category_id, JAN, month)
            assert e.available == expected, (month, e.name)
            assert e.carried == previous.get(e.category_id, Decimal(0)), (month, e.name)  # carried = last month's
            assert e.available == e.carried + e.budgeted - e.spent
            previous[e.category_id] = e.available
        assert figures.balances == independent_balances(ws.id, month)
        assert figures.to_budget == figures.balances - sum((e.available for e in figures.envelopes), Decimal(0))


def test_the_figures_a_person_would_check_by_hand(home, history):
    jan = envelopes.envelope_month(history["ws"], JAN)
    groceries = jan.envelope(home.groceries.id)
    assert (groceries.budgeted, groceries.spent, groceries.available) == (
        Decimal("300"), Decimal("325.15"), Decimal("-25.15"))  # the refund reduces spending
    assert [e.name for e in jan.overspent] == ["Groceries"]
    feb = envelopes.envelope_month(history["ws"], FEB)
    assert feb.envelope(home.groceries.id).carried == Decimal("-25.15")  # overspending carried visibly
    assert feb.envelope(home.fuel.id).available == Decimal("-15.50")
    assert feb.left_out == ["EUR" if history["ws"].base_currency != "EUR" else "USD"]
    # 1000 opening - 120.40 in December + 2500 salary - 700 rent - 340.25 + 15.10 on the card
    # (the transfer to the card moves money within the budget)
    assert jan.balances == Decimal("2354.45")
    assert jan.to_budget == Decimal("2379.60")  # groceries hold -25.15, rent 700 - 700, the rest nothing
    mar = envelopes.envelope_month(history["ws"], MAR)
    rent = mar.envelope(history["rent"].id)  # February's unspent rent carries and pays March's
    assert (rent.carried, rent.budgeted, rent.spent, rent.available) == (Decimal("700"), 0, Decimal("700"), 0)


def test_before_the_first_budgeted_month_there_are_no_envelopes_and_everything_is_to_budget(home, history):
    december = envelopes.envelope_month(history["ws"], date(2025, 12, 1))
    assert december.envelopes == [] and december.to_budget == december.balances


def test_every_expense_category_has_an_envelope_income_does_not(home, history):
    names = {e.name for e in envelopes.envelope_month(history["ws"], MAR).envelopes}
    assert {"Groceries", "Eating out", "Fuel", "Rent"} <= names and "Salary" not in names
    assert "Everyday" not in names  # a group with children is a heading, not an envelope


def line_amount(ws, category, month) -> Decimal | None:
    db.session.rollback()
    return db.session.scalar(sa.select(BudgetLine.amount).where(
        BudgetLine.workspace_id == ws.id, BudgetLine.category_id == category.id, BudgetLine.month == month))


@pytest.fixture
def signed_in(client, auth, home, history):
    auth.login("bea@example.com")
    return history


def move(client, source, target, amount, month="2026-02"):
    return client.post("/budgets/envelopes/move", data={"month": month, "source": source, "target": target,
                                                        "amount": amount})


def test_moving_money_covers_an_overspent_envelope_and_keeps_to_budget(client, home, signed_in):
    ws = signed_in["ws"]
    before = envelopes.envelope_month(ws, FEB)
    response = move(client, str(home.groceries.id), str(home.fuel.id), "15.50")
    assert response.status_code == 302
    assert "Moved" in client.get(response.headers["Location"]).get_data(as_text=True)
    after = envelopes.envelope_month(ws, FEB)
    assert after.envelope(home.fuel.id).available == Decimal("0")
    assert after.envelope(home.groceries.id).available == before.envelope(home.groceries.id).available - Decimal(
        "15.50")
    assert after.to_budget == before.to_budget
    assert line_amount(ws, home.fuel, FEB) == Decimal("95.50")


def test_money_from_to_budget_goes_into_an_envelope_that_had_no_line(client, home, signed_in):
    ws = signed_in["ws"]
    before = envelopes.envelope_month(ws, FEB).to_budget
    assert move(client, envelopes.TO_BUDGET, str(home.eating_out.id), "40").status_code == 302
    after = envelopes.envelope_month(ws, FEB)
    assert after.to_budget == before - Decimal("40") and after.envelope(home.eating_out.id).available == Decimal("40")
    assert line_amount(ws, home.eating_out, FEB) == Decimal("40")


@pytest.mark.parametrize(("source", "target", "amount", "message"), [
    ("groceries", "fuel", "5000", "There is only"),
    ("groceries", "groceries", "5", "Choose somewhere else to move it to."),
    ("groceries", "fuel", "-5", ""),
    ("groceries", "fuel", "abc", ""),
    ("salary", "fuel", "5", "Not a valid choice"),  # income holds no envelope
])
def test_a_bad_move_says_why_keeps_the_input_and_writes_nothing(client, home, signed_in, source, target, amount,
                                                                 message):
    ids = {"groceries": home.groceries.id, "fuel": home.fuel.id, "salary": home.salary.id}
    lines = db.session.execute(sa.select(BudgetLine.category_id, BudgetLine.month, BudgetLine.amount)).all()
    response = move(client, str(ids[source]), str(ids[target]), amount)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'class="invalid-feedback"' in page
    assert re.search(rf'name="amount"[^>]*value="{re.escape(amount)}"', page)  # the input is kept
    db.session.rollback()
    assert db.session.execute(sa.select(BudgetLine.category_id, BudgetLine.month, BudgetLine.amount)).all() == lines


def test_another_workspaces_category_is_not_a_choice_and_nothing_is_written(client, auth, home, signed_in):
    other = personal_workspace(make_user("olga@example.com"))
    theirs = make_category(other, "Hidden")
    response = move(client, envelopes.TO_BUDGET, str(theirs.id), "5")
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    assert line_amount(other, theirs, FEB) is None and line_amount(home.ws, theirs, FEB) is None


def test_a_viewer_sees_the_envelopes_but_cannot_move(client, auth, home, signed_in):
    viewer = make_user("vic@example.com")
    add_member(signed_in["ws"], viewer, "viewer")
    auth.logout()
    auth.login("vic@example.com")
    client.post(f"/workspaces/{signed_in['ws'].id}/switch")
    page = client.get("/budgets/envelopes?month=2026-02")
    assert page.status_code == 200
    assert move(client, envelopes.TO_BUDGET, str(home.fuel.id), "5").status_code == 403
    assert line_amount(signed_in["ws"], home.fuel, FEB) == Decimal("80")


def test_the_page_shows_every_envelope_the_overspending_and_links_a_cell_to_the_move_form(client, home, signed_in):
    page = client.get("/budgets/envelopes?month=2026-02").get_data(as_text=True)
    assert 'id="to-budget"' in page and "Overspent" in page and "Fuel" in page
    assert f"target={home.fuel.id}#move-money" in page  # the overspent cell offers to cover it
    covered = client.get(f"/budgets/envelopes?month=2026-02&target={home.fuel.id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{home.fuel.id}"|<option value="{home.fuel.id}" selected', covered)
    assert "The envelopes start" in client.get("/budgets/envelopes?month=2025-11").get_data(as_text=True)
    assert client.get("/budgets/envelopes?month=2026-13").status_code == 302
