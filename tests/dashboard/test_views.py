"""The dashboard: a start panel for a new workspace, every card for a full one, the health score."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from financeapp.dashboard.services import Health, HealthPart, health_score
from financeapp.extensions import db
from financeapp.reports.queries import Flow
from tests.factories import add_member, make_account, make_transaction, make_user, personal_workspace


def test_a_new_workspace_gets_a_start_panel_with_links(client, auth, ctx):
    make_user("new@example.com")
    assert auth.login("new@example.com").status_code == 302
    response = client.get("/dashboard")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="start-panel"' in page
    assert 'href="/accounts/new"' in page
    assert "data-report-chart" not in page


def test_a_viewer_of_an_empty_workspace_is_not_offered_to_add_accounts(client, auth, ctx):
    owner = personal_workspace(make_user("own@example.com"))
    add_member(owner, make_user("look@example.com"), "viewer")
    assert auth.login("look@example.com").status_code == 302
    assert client.post(f"/workspaces/{owner.id}/switch").status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="start-panel"' in page and 'href="/accounts/new"' not in page


def test_a_workspace_with_accounts_but_no_transactions_renders(client, auth, ctx):
    ws = personal_workspace(make_user("accounts-only@example.com"))
    make_account(ws, "Wallet", type="cash", opening_balance="40.00", opening_date=date(2020, 1, 1))
    assert auth.login("accounts-only@example.com").status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert "$40.00" in page
    assert "No spending recorded this month yet." in page
    assert "not enough data" in page


def test_the_full_dashboard_shows_every_chart_with_its_table(client, signed_in):
    response = client.get("/dashboard")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for slug in ("net-worth", "monthly"):
        assert f'data-src="/api/v1/reports/{slug}?preset=last-12-months"' in page
    assert page.count("<caption") >= 4
    assert 'id="recent"' in page
    assert "Financial health score" in page and "Savings rate" in page and "Emergency fund" in page
    assert "<script>" not in page and " style=" not in page


def test_the_dashboard_net_worth_equals_the_net_worth_report(client, signed_in):
    page = client.get("/dashboard").get_data(as_text=True)
    shown = re.search(r'id="net-worth-now"><span class="amount[^"]*">([^<]+)<', page).group(1)
    series = client.get("/api/v1/reports/net-worth?preset=last-12-months").get_json()["data"]
    last = Decimal(series["datasets"][0]["data"][-1])
    assert shown.replace("$", "").replace(",", "") == f"{last:.2f}"


def test_this_months_figures_equal_the_monthly_report(client, auth, ctx):
    ws = personal_workspace(make_user("month@example.com"))
    account = make_account(ws, "Bank", opening_date=date(2020, 1, 1))
    today = date.today()
    make_transaction(account, "2000.00", on=today.replace(day=1))
    make_transaction(account, "-500.00", on=today.replace(day=1))
    db.session.commit()
    assert auth.login("month@example.com").status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert re.search(r'id="month-income">\$2,000.00<', page)
    assert re.search(r'id="month-spending">\$500.00<', page)
    assert re.search(r'id="month-savings-rate">75.0 %<', page)


def test_a_viewer_can_read_the_dashboard(client, as_viewer):
    assert client.get("/dashboard").status_code == 200


def test_signed_out_the_dashboard_redirects_to_sign_in(client):
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_health_score_averages_only_the_parts_with_data():
    health = health_score(Flow(Decimal(1000), Decimal(900)), Decimal(0), Decimal(450), None)
    parts = {p.key: p for p in health.parts}
    assert parts["savings"].score == 50  # 10 % of a 20 % target
    assert parts["debt"].score == 100
    assert parts["emergency"].score == 100  # 450 ÷ (900 / 12) = 6 months
    assert parts["budget"].score is None and parts["budget"].value is None
    assert health.score == round((50 + 100 + 100) / 3)


def test_without_income_or_spending_the_score_is_not_enough_data():
    health = health_score(Flow(), Decimal(0), Decimal(0), None)
    assert health.score is None and health.verdict == "Not enough data yet"
    assert all(p.why_missing for p in health.parts)


def test_parts_are_clamped_to_zero_and_a_hundred():
    health = health_score(Flow(Decimal(100), Decimal(300)), Decimal(1000), Decimal(-50), Decimal(40))
    parts = {p.key: p.score for p in health.parts}
    assert parts == {"savings": 0, "debt": 0, "emergency": 0, "budget": 40}
    assert isinstance(health, Health) and isinstance(health.parts[0], HealthPart)
