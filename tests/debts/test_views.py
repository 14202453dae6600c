"""Pages: the list, add/edit/delete, a debt's page with payments and what-if, the planner; roles and scoping."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.debts.models import Debt, DebtPayment, DebtPlanSetting
from financeapp.debts.planner import PlanDebt, compare
from financeapp.extensions import db
from tests.debts.conftest import make_card, make_loan

D = Decimal
LOAN_FORM = {"name": "Family car", "kind": "loan", "currency": "USD", "annual_rate": "6.9", "principal": "24,000.00",
             "term_months": "60", "start_date": "2026-01-15", "payment_day": "", "account_id": "",
             "min_payment_kind": "fixed"}
CARD_FORM = {"name": "Visa", "kind": "credit_card", "currency": "USD", "annual_rate": "22.99", "balance": "2500",
             "min_payment_kind": "percent", "min_payment_percent": "2", "min_payment": "35", "account_id": ""}


def count(model, *conditions) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_empty_list_invites_a_first_loan(client, owner):
    page = text(client.get("/debts/"))
    assert "No debts yet" in page and "Add your first loan" in page


def test_adding_a_loan_and_a_card_through_the_forms(client, owner):
    response = client.post("/debts/new", data=LOAN_FORM)
    assert response.status_code == 302
    loan = db.session.scalar(sa.select(Debt).where(Debt.name == "Family car"))
    assert (loan.principal, loan.annual_rate, loan.payment_day) == (D(24000), D("6.9"), 15)
    assert response.headers["Location"].endswith(f"/debts/{loan.id}")
    assert client.post("/debts/new", data=CARD_FORM).status_code == 302
    page = text(client.get("/debts/"))
    assert "Family car" in page and "Visa" in page
    assert "$26,500.00" in page  # total debt
    assert "22.99 %" in page and "2 %, at least $35.00" in page
    detail = text(client.get(f"/debts/{loan.id}"))
    assert "$474.10" in detail and "15 January 2031" in detail  # pmt(6.9 %/12, 60, 24000) = 474.10


@pytest.mark.parametrize(("changes", "message"), [
    ({"annual_rate": "abc"}, "Enter a percentage such as 6.5."),
    ({"annual_rate": "-2"}, "Enter a rate between 0 and 1000 percent."),
    ({"principal": "NaN"}, "finite"),
    ({"principal": ""}, "Enter an amount."),
    ({"term_months": "0"}, "Enter a term between 1 and 1200 months."),
    ({"term_months": "99999999999999999999"}, "Enter a term between 1 and 1200 months."),
    ({"start_date": "2026-02-31"}, "Not a valid date value."),
    ({"account_id": "999999999999999999999"}, "Not a valid choice."),
])
def test_bad_input_re_renders_the_form_with_the_message_and_writes_nothing(client, owner, changes, message):
    response = client.post("/debts/new", data={**LOAN_FORM, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'value="Family car"' in response.get_data(as_text=True)
    assert count(Debt, Debt.workspace_id == owner.ws.id) == 0


def test_editing_and_deleting_a_debt(client, owner):
    loan = make_loan(owner.ws)
    loan_id = loan.id
    form = text(client.get(f"/debts/{loan.id}/edit"))
    assert 'value="8"' in form and 'value="15000.00"' in form and "data-confirm" in form
    assert client.post(f"/debts/{loan.id}/edit", data={**LOAN_FORM, "name": "Renamed"}).status_code == 302
    assert db.session.get(Debt, loan.id).name == "Renamed"
    assert client.post(f"/debts/{loan.id}/delete").status_code == 302
    assert count(Debt, Debt.id == loan_id) == 0


def test_the_loan_page_shows_schedule_payments_and_what_if(client, owner):
    loan = make_loan(owner.ws)
    response = client.post(f"/debts/{loan.id}/payments", data={"on": "2026-02-15", "amount": "1,304.15",
                                                              "from_account_id": str(owner.checking_id)})
    assert response.status_code == 302
    payment = db.session.scalar(sa.select(DebtPayment))
    assert (payment.interest, payment.principal, payment.created_transaction) == (D("100.00"), D("1204.15"), True)
    page = text(client.get(f"/debts/{loan.id}"))
    assert "$13,795.85" in page  # remaining balance
    assert "Interest paid so far" in page and "$100.00" in page
    assert 'id="schedule-chart"' in page and "<table" in page
    what_if = text(client.get(f"/debts/{loan.id}?extra_monthly=100"))
    assert 'id="months-saved"' in what_if and 'id="interest-saved"' in what_if
    bad = client.get(f"/debts/{loan.id}?extra_monthly=abc")
    assert bad.status_code == 200 and "“abc” is not an amount." in bad.get_data(as_text=True)
    assert 'id="months-saved"' not in bad.get_data(as_text=True)
    assert client.post(f"/debts/{loan.id}/payments/{payment.id}/delete").status_code == 302
    assert count(DebtPayment) == 0


def test_a_bad_payment_re_renders_the_page_with_the_message(client, owner):
    loan = make_loan(owner.ws, principal="1000", rate="12", term=12)
    response = client.post(f"/debts/{loan.id}/payments", data={"on": "2026-02-15", "amount": "5000"})
    assert response.status_code == 422
    assert "payoff amount of $1,010.00" in response.get_data(as_text=True)
    assert count(DebtPayment) == 0


def test_a_card_page_projects_the_minimum_and_warns_when_it_never_ends(client, owner):
    card = make_card(owner.ws, "Stuck card", balance="10000", rate="24", minimum="150")
    page = text(client.get(f"/debts/{card.id}"))
    assert "never be paid off" in page and "payoff planner" in page


def test_the_planner_renders_the_comparison_table_and_chart_with_the_expected_figures(client, owner):
    loan = make_loan(owner.ws, "Car loan", principal="12000", rate="6.9", term=36)
    card = make_card(owner.ws, "Visa", balance="4200", rate="22.99", minimum="35", percent="2")
    store = make_card(owner.ws, "Store card", balance="600", rate="29.9", minimum="25")
    response = client.get("/debts/plan?strategy=snowball&extra=250")
    assert response.status_code == 200
    page = text(response)
    from financeapp.debts.services import loan_payment

    debts = [PlanDebt(loan.id, "Car loan", D(12000), D("6.9"), loan_payment(loan), order=None),
             PlanDebt(card.id, "Visa", D(4200), D("22.99"), D(35), D(2)),
             PlanDebt(store.id, "Store card", D(600), D("29.9"), D(25))]
    expected = compare(debts, D(250), start=date.today())
    for name, plan in expected.items():
        row = re.search(rf'<tr data-strategy="{name}".*?</tr>', page).group(0)
        assert f"<td class=\"num\">{plan.month_count}</td>" in row
        assert f"${plan.total_interest:,.2f}" in row
        assert plan.debt_free.strftime("%B %Y") in row
    assert expected["avalanche"].total_interest <= expected["snowball"].total_interest
    assert 'id="plan-chart"' in page and "/api/v1/debts/plan?strategy=snowball&amp;extra=250.00" in page
    assert 'id="plan-table"' in page and "Store card" in page
    first = expected["snowball"].months[0]
    assert f"${first.total_balance:,.2f}" in page


def test_a_long_plan_is_paginated_by_two_years(client, owner):
    make_loan(owner.ws, "Mortgage", principal="200000", rate="5", term=360)
    page = text(client.get("/debts/plan?page=2"))
    # 360 payments, as the loan's own schedule: its last payment closes what the rounded-down 1073.64 leaves.
    assert "months 25 to 48 of 360" in page and "Page 2 of 15" in page
    assert client.get("/debts/plan?page=999999999999999999999").status_code == 200


def test_the_planner_says_when_the_debts_never_get_paid(client, owner):
    make_card(owner.ws, "Loan shark", balance="10000", rate="60", minimum="100")
    page = text(client.get("/debts/plan"))
    assert 'id="never-message"' in page and "never be paid off" in page
    assert "Never" in text(client.get("/debts/"))


def test_bad_planner_input_is_a_message_not_a_crash(client, owner):
    make_loan(owner.ws)
    assert "Choose avalanche, snowball or custom." in client.get("/debts/plan?strategy=bogus").get_data(as_text=True)
    response = client.get("/debts/plan?extra=-5")
    assert response.status_code == 422 and "Enter zero or more" in response.get_data(as_text=True)
    assert client.get("/debts/plan?extra=NaN").status_code == 422


def test_saving_the_plan_and_the_custom_order(client, owner):
    loan, card = make_loan(owner.ws), make_card(owner.ws)
    response = client.post("/debts/plan", data={"strategy": "custom", "extra": "100", f"order-{card.id}": "1",
                                                f"order-{loan.id}": "2", f"order-{owner.other_debt_id}": "1"})
    assert response.status_code == 302
    setting = db.session.scalar(sa.select(DebtPlanSetting).where(DebtPlanSetting.workspace_id == owner.ws.id))
    assert (setting.strategy, setting.extra) == ("custom", D(100))
    assert db.session.get(Debt, owner.other_debt_id).payoff_order is None
    assert "my own order, $100.00 extra a month" in text(client.get("/debts/"))


READS = ["/debts/{id}", "/debts/{id}/edit"]
WRITES = ["/debts/{id}/edit", "/debts/{id}/delete", "/debts/{id}/payments"]


@pytest.mark.parametrize("url", READS + WRITES)
def test_another_workspaces_debt_is_404_everywhere(client, owner, url):
    method = client.get if url in READS and url != "/debts/{id}/edit" else client.post
    before = count(Debt), count(DebtPayment)
    assert method(url.format(id=owner.other_debt_id), data={**LOAN_FORM, "on": "2026-02-15",
                                                           "amount": "10"}).status_code == 404
    assert client.get(url.format(id=owner.other_debt_id)).status_code in (404, 405)
    assert (count(Debt), count(DebtPayment)) == before


def test_another_workspaces_payment_is_404(client, owner, books):
    from financeapp.debts.services import PaymentInput, record_payment

    theirs = db.session.get(Debt, owner.other_debt_id)
    payment = record_payment(owner.other_ws, theirs, PaymentInput(on=date(2026, 2, 15), amount=D(100)))
    db.session.commit()
    mine = make_loan(owner.ws)
    assert client.post(f"/debts/{mine.id}/payments/{payment.id}/delete").status_code == 404
    assert client.post(f"/debts/{owner.other_debt_id}/payments/{payment.id}/delete").status_code == 404
    assert count(DebtPayment) == 1


def test_a_viewer_reads_everything_and_writes_nothing(client, viewer):
    loan = make_loan(viewer.ws)
    for url in ("/debts/", f"/debts/{loan.id}", f"/debts/{loan.id}/edit", "/debts/plan"):
        assert client.get(url).status_code == 200, url
    assert "Record a payment" not in client.get(f"/debts/{loan.id}").get_data(as_text=True)
    for url in ("/debts/new", f"/debts/{loan.id}/edit", f"/debts/{loan.id}/delete", f"/debts/{loan.id}/payments",
                "/debts/plan"):
        assert client.post(url, data={**LOAN_FORM, "strategy": "snowball", "on": "2026-02-15",
                                      "amount": "10"}).status_code == 403, url
    assert client.get("/debts/new").status_code == 403
    assert (count(Debt), count(DebtPayment), count(DebtPlanSetting)) == (2, 0, 0)


def test_signed_out_visitors_are_sent_to_sign_in(client, books):
    assert client.get("/debts/").status_code == 302


def test_a_loan_behind_its_schedule_says_how_many_payments_are_unrecorded(client, owner):
    loan = make_loan(owner.ws, start=date(2020, 1, 15), term=24)
    page = text(client.get(f"/debts/{loan.id}"))
    assert 'id="unrecorded"' in page and "24 scheduled payments fell due by today and 0 are recorded" in page
    assert "would be <strong>$0.00</strong>" in page


def _column(page: str, debt: str, cls: str) -> str:
    row = re.search(rf'<tr data-debt="{debt}">(.*?)</tr>', page, re.S).group(1)
    return re.sub(r"<[^>]+>", "", re.search(rf'<td class="{cls}[^"]*">(.*?)</td>', row, re.S).group(1)).strip()


def test_each_debts_paid_off_date_names_its_plan_and_never_passes_the_debt_free_date(client, owner):
    from financeapp.debts import services

    make_card(owner.ws, "Store card", balance="2000", rate="22.99", minimum="50")
    make_card(owner.ws, "Old card", balance="500", rate="10", minimum="25")
    services.save_plan(owner.ws, "avalanche", D("200"))
    db.session.commit()
    page = client.get("/debts/").get_data(as_text=True)
    assert "Paid off in your plan" in page and "At its own payment only" in page
    assert "Debt-free in your plan (avalanche: highest rate first, $200.00 extra a month)" in page
    debt_free = re.sub(r"<[^>]+>", "", re.search(r'id="debt-free">(.*?)</div>', page, re.S).group(1)).strip()
    in_plan = {name: _column(page, name, "plan-payoff") for name in ("Store card", "Old card")}
    alone = {name: _column(page, name, "alone-payoff") for name in ("Store card", "Old card")}

    def month(text_: str, fmt: str) -> date:
        from datetime import datetime
        return datetime.strptime(text_, fmt).date()

    plan_dates = [month(value, "%b %Y") for value in in_plan.values()]
    assert max(plan_dates) == month(debt_free, "%B %Y")  # the last debt paid off is the debt-free month
    # At minimum payments alone the store card takes years longer than the plan: labelled, not contradicting.
    assert month(alone["Store card"], "%b %Y") > month(debt_free, "%B %Y")
    detail = client.get(f"/debts/{db.session.scalar(sa.select(Debt.id).where(Debt.name == 'Store card'))}")
    body = detail.get_data(as_text=True)
    assert "Paid off at minimum payments only" in body
    assert f"In your payoff plan: {month(in_plan['Store card'], '%b %Y'):%B %Y}" in body


def test_the_dashboards_debt_free_date_is_the_saved_plans(client, owner):
    from financeapp.debts import services

    make_card(owner.ws, "Store card", balance="2000", rate="22.99", minimum="50")
    make_card(owner.ws, "Old card", balance="1500", rate="5", minimum="25")
    services.save_plan(owner.ws, "snowball", D("100"))
    db.session.commit()
    summary = services.debt_summary(owner.ws)
    view = services.build_plan(owner.ws, "snowball", D("100"))
    assert summary["strategy"] == "snowball" and summary["debt_free"] == view.plan.debt_free
