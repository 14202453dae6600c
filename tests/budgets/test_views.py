"""Budget pages: the month page and its figures, in-place edits, copy, move, style, report, roles and scoping."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from financeapp.budgets.models import BudgetLine, BudgetSetting
from financeapp.extensions import db
from tests.budgets.conftest import budget, split, transfer
from tests.budgets.test_services import independent_sums
from tests.factories import add_member, make_account, make_category, make_transaction, make_user, personal_workspace

MARCH = date(2026, 3, 1)


@pytest.fixture
def signed_in(home, client, auth):
    auth.login("bea@example.com")
    return home


def row_html(html: str, line_id: int) -> str:
    match = re.search(rf'<tr id="line-{line_id}".*?</tr>', html, re.S)
    assert match, f"no row for line {line_id}"
    return match.group(0)


def cell(row: str, name: str) -> str:
    match = re.search(rf'class="num {name}[^"]*">(.*?)</td>', row, re.S)
    assert match
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_the_month_page_shows_the_same_spending_as_independent_sql(signed_in, client):
    home = signed_in
    savings = make_account(home.ws, "Savings", type="savings")
    line = budget(home.ws, home.groceries, "400")
    split(home.checking, date(2026, 3, 9), [(home.groceries, "-80.25"), (home.fuel, "-45.99")])
    make_transaction(home.checking, "-20", on=date(2026, 3, 10), category=home.groceries)
    transfer(home.checking, savings, "300", date(2026, 3, 11))
    sums = independent_sums(home.ws.id, MARCH)
    html = client.get("/budgets/?month=2026-03").get_data(as_text=True)
    row = row_html(html, line.id)
    assert cell(row, "line-spent") == f"${-sums[home.groceries.id]:,.2f}" == "$100.25"
    assert cell(row, "line-remaining") == "$299.75"
    assert 'data-width="25"' in row
    unbudgeted = html.split('id="budget-unbudgeted"')[1]
    assert "Transport: Fuel" in unbudgeted and "$45.99" in unbudgeted
    assert "Budget for March 2026" in html
    assert "?month=2026-02" in html and "?month=2026-04" in html


def test_a_junk_month_falls_back_to_this_month_with_a_message(signed_in, client):
    response = client.get("/budgets/?month=2026-99")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has no month 99" in page


def test_an_empty_month_invites_a_first_line(signed_in, client):
    html = client.get("/budgets/?month=2026-03").get_data(as_text=True)
    assert "No budget for March 2026" in html
    assert "Every expense this month falls under a budget line." in html


def test_adding_a_line_through_the_form(signed_in, client):
    home = signed_in
    response = client.post("/budgets/lines", data={"category_id": home.groceries.id, "amount": "1,250.50",
                                                   "period": "month", "month": "2026-03", "rollover": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("month=2026-03")
    line = db.session.scalar(sa.select(BudgetLine))
    assert (line.month, line.amount, line.rollover) == (MARCH, 1250.5, True)


@pytest.mark.parametrize(("data", "message"), [
    ({"amount": "12"}, "Choose a category."),
    ({"amount": "abc"}, "is not an amount"),
    ({"amount": "-5"}, "Enter zero or more."),
    ({"amount": ""}, "Enter an amount."),
])
def test_a_bad_line_is_shown_again_with_its_message(signed_in, client, data, message):
    data = {"category_id": signed_in.groceries.id, "period": "month", "month": "2026-03", **data}
    if data["amount"] == "12":
        data["category_id"] = ""
    response = client.post("/budgets/lines", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BudgetLine)) == 0


def test_editing_an_amount_in_place_returns_the_updated_row_and_totals(signed_in, client):
    home = signed_in
    line = budget(home.ws, home.groceries, "100")
    make_transaction(home.checking, "-50", on=date(2026, 3, 2), category=home.groceries)
    htmx = {"HX-Request": "true"}
    form = client.get(f"/budgets/lines/{line.id}/edit", headers=htmx).get_data(as_text=True)
    assert 'name="amount" value="100.00"' in form and f'hx-post="/budgets/lines/{line.id}"' in form
    response = client.post(f"/budgets/lines/{line.id}", data={"amount": "200"}, headers=htmx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert cell(row_html(html, line.id), "line-remaining") == "$150.00"
    assert 'id="budget-summary"' in html and 'hx-swap-oob="true"' in html
    bad = client.post(f"/budgets/lines/{line.id}", data={"amount": "1.999"}, headers=htmx)
    assert bad.status_code == 422 and "could mean 1,999 or 1.999" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(BudgetLine, line.id).amount == 200


def test_editing_works_without_javascript(signed_in, client):
    line = budget(signed_in.ws, signed_in.groceries, "100")
    page = client.get(f"/budgets/lines/{line.id}/edit")
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    response = client.post(f"/budgets/lines/{line.id}", data={"amount": "80", "rollover": "y"})
    assert response.status_code == 302 and "month=2026-03" in response.headers["Location"]
    db.session.expire_all()
    saved = db.session.get(BudgetLine, line.id)
    assert (saved.amount, saved.rollover) == (80, True)


def test_copy_last_month_and_move_money_through_the_page(signed_in, client):
    home = signed_in
    budget(home.ws, home.groceries, "300", date(2026, 2, 1))
    budget(home.ws, home.fuel, "100", date(2026, 2, 1))
    page = client.get("/budgets/?month=2026-03").get_data(as_text=True)
    assert "data-confirm" not in page.split('id="copy-last-month"')[0].rsplit("<form", 1)[1]
    client.post("/budgets/copy", data={"month": "2026-03"})
    lines = {line.category_id: line for line in db.session.scalars(
        sa.select(BudgetLine).where(BudgetLine.month == MARCH))}
    assert {k: v.amount for k, v in lines.items()} == {home.groceries.id: 300, home.fuel.id: 100}
    page = client.get("/budgets/?month=2026-03").get_data(as_text=True)
    assert "already has a budget" in page  # copying again asks first
    response = client.post("/budgets/move", data={"month": "2026-03", "source_id": lines[home.groceries.id].id,
                                                  "target_id": lines[home.fuel.id].id, "amount": "25"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(BudgetLine, lines[home.fuel.id].id).amount == 125
    too_much = client.post("/budgets/move", data={"month": "2026-03", "source_id": lines[home.groceries.id].id,
                                                  "target_id": lines[home.fuel.id].id, "amount": "1000"})
    assert too_much.status_code == 422 and "only" in too_much.get_data(as_text=True)


def test_the_zero_based_style_shows_money_to_assign(signed_in, client):
    home = signed_in
    client.post("/budgets/style", data={"style": "zero_based", "month": "2026-03"})
    assert db.session.scalar(sa.select(BudgetSetting.style)) == "zero_based"
    budget(home.ws, home.groceries, "300")
    make_transaction(home.checking, "1000", on=date(2026, 3, 1), category=home.salary)
    html = client.get("/budgets/?month=2026-03").get_data(as_text=True)
    assert re.search(r'id="to-assign">.*?\$700\.00', html, re.S)
    bad = client.post("/budgets/style", data={"style": "chaos"}, follow_redirects=True)
    assert "Choose limits or zero-based." in bad.get_data(as_text=True)


def test_the_report_shows_budget_against_actual_and_a_csv(signed_in, client):
    home = signed_in
    budget(home.ws, home.groceries, "100", date(2026, 2, 1))
    make_transaction(home.checking, "-60", on=date(2026, 2, 2), category=home.groceries)
    html = client.get("/budgets/report?start=2026-01&end=2026-03").get_data(as_text=True)
    assert "Everyday: Groceries" in html and "$40.00" in html
    csv = client.get("/budgets/report?start=2026-01&end=2026-03&format=csv")
    assert csv.mimetype == "text/csv"
    assert "Everyday: Groceries,100.000,60.000,40.000,USD" in csv.get_data(as_text=True)
    bad = client.get("/budgets/report?start=2026-05&end=2026-01")
    assert bad.status_code == 422 and "before the start" in bad.get_data(as_text=True)
    junk = client.get("/budgets/report?start=garbage")
    assert junk.status_code == 422 and "is not a month" in junk.get_data(as_text=True)


WRITES = ["/budgets/lines", "/budgets/lines/{line}", "/budgets/lines/{line}/delete", "/budgets/copy",
          "/budgets/move", "/budgets/style"]


@pytest.mark.parametrize("role", ["viewer", "member"])
@pytest.mark.parametrize("url", WRITES)
def test_only_managers_change_the_budget(home, client, auth, role, url):
    line = budget(home.ws, home.groceries, "100")
    budget(home.ws, home.groceries, "100", date(2026, 2, 1))
    helper = make_user("helper@example.com")
    add_member(home.ws, helper, role)
    auth.login("helper@example.com")
    client.post(f"/workspaces/{home.ws.id}/switch")
    response = client.post(url.format(line=line.id), data={
        "category_id": home.fuel.id, "amount": "5", "month": "2026-03", "period": "month", "style": "zero_based",
        "source_id": line.id, "target_id": line.id})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BudgetLine)) == 2
    assert client.get("/budgets/?month=2026-03").status_code == 200


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/budgets/lines/{line}/edit"), ("get", "/budgets/lines/{line}"), ("post", "/budgets/lines/{line}"),
    ("post", "/budgets/lines/{line}/delete"),
])
def test_another_workspaces_budget_line_is_a_404(home, client, auth, method, url):
    line = budget(home.ws, home.groceries, "100")
    mallory = make_user("mallory@example.com")
    theirs = personal_workspace(mallory)

    mine = budget(theirs, make_category(theirs, "Groceries"), "5")
    auth.login("mallory@example.com")
    response = getattr(client, method)(url.format(line=line.id), data={"amount": "1", "month": "2026-03"})
    assert response.status_code == 404
    assert mine.amount == 5
    db.session.expire_all()
    assert db.session.get(BudgetLine, line.id).amount == 100


def test_moving_money_into_another_workspaces_line_is_refused(home, client, auth):
    line = budget(home.ws, home.groceries, "100")
    mallory = make_user("mallory@example.com")
    theirs = personal_workspace(mallory)

    a = budget(theirs, make_category(theirs, "Groceries"), "50")
    budget(theirs, make_category(theirs, "Fuel", group="Transport"), "50")
    auth.login("mallory@example.com")
    page = client.get("/budgets/?month=2026-03")
    assert page.status_code == 200
    response = client.post("/budgets/move", data={"month": "2026-03", "source_id": a.id, "target_id": line.id,
                                                  "amount": "1"})
    assert response.status_code == 422  # not one of the month's lines: refused at the field
    db.session.expire_all()
    assert db.session.get(BudgetLine, line.id).amount == 100


def test_deleting_a_line_asks_first_and_removes_it(signed_in, client):
    line = budget(signed_in.ws, signed_in.groceries, "100")
    html = client.get("/budgets/?month=2026-03").get_data(as_text=True)
    assert 'data-confirm="Remove Everyday: Groceries from the budget?"' in html
    assert client.post(f"/budgets/lines/{line.id}/delete", data={"month": "2026-03"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BudgetLine)) == 0


def test_the_page_says_when_a_rate_is_missing_and_shows_yearly_lines(signed_in, client):
    home = signed_in
    euro = make_account(home.ws, "Euro card", currency="EUR")
    make_transaction(euro, "-40", on=date(2026, 3, 5), category=home.groceries)
    yearly = budget(home.ws, home.fuel, "1200", MARCH, period="year")
    make_transaction(home.checking, "-100", on=date(2026, 1, 5), category=home.fuel)
    html = client.get("/budgets/?month=2026-03").get_data(as_text=True)
    assert re.search(r'id="missing-rates">\s*No exchange rate into USD on or before', html)
    assert "EUR" in html.split('id="missing-rates"')[1][:300]
    yearly_table = html.split('id="budget-yearly"')[1]
    assert "Transport: Fuel" in yearly_table and "$1,100.00" in yearly_table
    response = client.post(f"/budgets/lines/{yearly.id}", data={"amount": "1500", "month": "2026-03"},
                           headers={"HX-Request": "true"})
    assert cell(row_html(response.get_data(as_text=True), yearly.id), "line-remaining") == "$1,400.00"
