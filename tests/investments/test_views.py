"""Investment pages: holdings, a security, trades with their form, prices and performance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from financeapp.extensions import db
from financeapp.investments.models import Price, Trade
from tests.conftest import csrf_token_from
from tests.investments.conftest import buy, cash, price


def _token(client, url: str) -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def test_the_holdings_page_shows_each_holding_at_market_value(client, owner):
    buy(owner.ws, owner.broker, owner.acme, "10", "100", date(2026, 1, 2), fees="10")
    price(owner.ws, owner.acme, "120", date.today())
    page = client.get("/investments/").get_data(as_text=True)
    assert 'data-symbol="ACME"' in page
    assert "$1,200.00" in page and "$1,010.00" in page and "$190.00" in page
    assert "THEIRS" not in page


def test_an_empty_workspace_is_told_how_to_start(client, auth, ctx):
    from tests.factories import make_user

    make_user("new@example.com")
    auth.login("new@example.com")
    page = client.get("/investments/").get_data(as_text=True)
    assert "No investment accounts yet" in page


def test_a_holding_without_price_is_flagged(client, owner):
    buy(owner.ws, owner.broker, owner.acme, "10", "100", date(2026, 1, 2))
    page = client.get(f"/investments/accounts/{owner.broker.id}").get_data(as_text=True)
    assert 'id="missing-prices"' in page and "No price yet for ACME" in page


def test_a_trade_is_added_with_a_new_security_through_the_form(client, owner):
    token = _token(client, "/investments/trades/new")
    response = client.post("/investments/trades/new", data={
        "csrf_token": token, "account_id": owner.broker.id, "kind": "buy", "on": "2026-02-03", "symbol": "vti",
        "security_name": "Total market", "security_kind": "etf", "security_currency": "", "quantity": "1.5",
        "price": "200", "fees": "1"})
    assert response.status_code == 302
    trade = db.session.query(Trade).filter_by(workspace_id=owner.ws.id).one()
    assert trade.security.symbol == "VTI" and trade.security.kind == "etf"
    assert trade.amount == Decimal("-301") and trade.quantity == Decimal("1.5")


def test_a_short_sale_on_the_form_keeps_the_input_and_says_why(client, owner):
    buy(owner.ws, owner.broker, owner.acme, "2", "100", date(2026, 1, 2))
    token = _token(client, "/investments/trades/new")
    response = client.post("/investments/trades/new", data={
        "csrf_token": token, "account_id": owner.broker.id, "kind": "sell", "on": "2026-02-03", "symbol": "ACME",
        "quantity": "3", "price": "120"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "You hold only 2 shares of ACME on 2026-02-03" in page
    assert 'value="120"' in page
    assert db.session.query(Trade).filter_by(workspace_id=owner.ws.id, kind="sell").count() == 0


def test_a_trade_is_edited_and_deleted(client, owner):
    trade = buy(owner.ws, owner.broker, owner.acme, "2", "100", date(2026, 1, 2))
    trade_id = trade.id
    form = client.get(f"/investments/trades/{trade.id}/edit").get_data(as_text=True)
    assert 'value="ACME"' in form and 'value="2"' in form
    token = csrf_token_from(form)
    response = client.post(f"/investments/trades/{trade.id}/edit", data={
        "csrf_token": token, "account_id": owner.broker.id, "kind": "buy", "on": "2026-01-02", "symbol": "ACME",
        "quantity": "3", "price": "100"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Trade, trade.id).quantity == 3
    listing = client.get("/investments/trades").get_data(as_text=True)
    assert "data-confirm=" in listing  # deleting asks first
    assert client.post(f"/investments/trades/{trade_id}/delete", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Trade, trade_id) is None


def test_the_trades_list_is_paginated(client, owner):
    for n in range(1, 56):
        db.session.add(Trade(workspace_id=owner.ws.id, account_id=owner.broker.id, on=date(2026, 1, 1), kind="deposit",
                             amount=Decimal(n), currency="USD"))
    db.session.commit()
    page = client.get("/investments/trades").get_data(as_text=True)
    assert "Page 1 of 2" in page and "55 trades" in page


def test_a_price_is_entered_by_hand(client, owner):
    token = _token(client, "/investments/prices")
    response = client.post("/investments/prices", data={"csrf_token": token, "security_id": owner.acme.id,
                                                         "on": "2026-02-01", "close": "12.3456"})
    assert response.status_code == 302
    assert db.session.query(Price).filter_by(workspace_id=owner.ws.id).one().close == Decimal("12.3456")
    bad = client.post("/investments/prices", data={"csrf_token": token, "security_id": owner.acme.id,
                                                   "on": "2026-02-01", "close": "-1"})
    assert bad.status_code == 422 and "more than zero" in bad.get_data(as_text=True)


def test_the_security_page_shows_lots_sales_and_the_price_chart(client, owner):
    buy(owner.ws, owner.broker, owner.acme, "10", "100", date(2026, 1, 2))
    buy(owner.ws, owner.broker, owner.acme, "10", "120", date(2026, 1, 3))
    from tests.investments.conftest import sell

    sell(owner.ws, owner.broker, owner.acme, "15", "130", date(2026, 1, 4))
    price(owner.ws, owner.acme, "130", date(2026, 1, 4))
    page = client.get(f"/investments/securities/{owner.acme.id}").get_data(as_text=True)
    assert 'id="lots"' in page and "$600.00" in page  # FIFO: 5 left of the 120 lot
    assert "$350.00" in page  # realized
    assert 'data-chart="price-history"' in page
    average = client.get(f"/investments/securities/{owner.acme.id}?method=average").get_data(as_text=True)
    assert "$300.00" in average and "$550.00" in average


def test_the_cost_method_is_set_per_account(client, owner):
    token = _token(client, f"/investments/accounts/{owner.broker.id}")
    response = client.post(f"/investments/accounts/{owner.broker.id}/method",
                           data={"csrf_token": token, "cost_method": "average"})
    assert response.status_code == 302
    from financeapp.investments import services

    assert services.cost_methods(owner.ws, [owner.broker.id]) == {owner.broker.id: "average"}


def test_the_performance_page_writes_the_definitions_and_draws_the_chart(client, owner):
    cash(owner.ws, owner.broker, "deposit", "1000", date(2026, 1, 1))
    buy(owner.ws, owner.broker, owner.acme, "10", "100", date(2026, 1, 1))
    price(owner.ws, owner.acme, "100", date(2026, 1, 1))
    price(owner.ws, owner.acme, "110", date(2026, 2, 1))
    page = client.get("/investments/performance?start=2026-01-01&end=2026-02-01").get_data(as_text=True)
    assert 'id="definitions"' in page and "External flows" in page
    assert 'data-chart="investment-performance"' in page
    assert 'id="twr">10.00 %' in page


def test_a_viewer_reads_but_cannot_trade(client, viewer):
    assert client.get("/investments/").status_code == 200
    assert client.get("/investments/trades/new").status_code == 200
    response = client.post("/investments/trades/new", data={"account_id": viewer.broker.id, "kind": "deposit"})
    assert response.status_code == 403


def test_the_dashboard_card_and_net_worth_count_holdings_at_market_value(client, owner):
    from tests.factories import make_account

    make_account(owner.ws, "Checking", opening_balance="500", opening_date=date(2020, 1, 1))
    cash(owner.ws, owner.broker, "deposit", "1000", date(2026, 1, 1))
    buy(owner.ws, owner.broker, owner.acme, "10", "100", date(2026, 1, 1))
    price(owner.ws, owner.acme, "150", date(2026, 1, 5))
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="investments-card"' in page
    assert '<div class="fw-semibold" id="investments-value">$1,500.00</div>' in page
    # Net worth: 500 checking + 1,500 of shares (the deposit bought them: no cash left).
    assert "$2,000.00" in page.split('id="net-worth-now"')[1][:200]


def test_the_dashboard_has_no_investments_card_without_investment_accounts(client, auth, ctx):
    from tests.factories import make_account, make_user, personal_workspace

    ws = personal_workspace(make_user("plain@example.com"))
    make_account(ws, "Checking", opening_balance="10")
    auth.login("plain@example.com")
    assert 'id="investments-card"' not in client.get("/dashboard").get_data(as_text=True)


def test_a_foreign_sale_shows_its_gain_in_the_base_currency_with_the_currency_effect(client, owner):
    from financeapp.investments import services
    from financeapp.rates.services import set_rate
    from tests.investments.conftest import sell

    sap = services.find_or_create_security(owner.ws, "SAP", name="SAP", kind="stock", currency="EUR")
    set_rate(owner.ws, "EUR", "USD", date(2026, 1, 1), Decimal("1.10"))
    set_rate(owner.ws, "EUR", "USD", date(2026, 6, 1), Decimal("1.20"))
    db.session.commit()
    buy(owner.ws, owner.broker, sap, "10", "100", date(2026, 1, 2))
    sell(owner.ws, owner.broker, sap, "10", "110", date(2026, 6, 2))
    page = client.get(f"/investments/securities/{sap.id}").get_data(as_text=True)
    # 100 EUR gain; in USD 1,320 - 1,100 = 220, of which 220 - 100 x 1.20 = 100 is the rate's.
    assert "€100.00" in page and "$220.00" in page and "currency $100.00" in page


def test_realized_gains_and_income_over_a_period(client, owner):
    from tests.investments.conftest import sell

    buy(owner.ws, owner.broker, owner.acme, "10", "100", date(2026, 1, 2))
    sell(owner.ws, owner.broker, owner.acme, "2", "110", date(2026, 2, 2))
    sell(owner.ws, owner.broker, owner.acme, "2", "130", date(2026, 4, 2))
    cash(owner.ws, owner.broker, "dividend", "3.25", date(2026, 1, 15), owner.acme)
    everything = client.get("/investments/?as_of=2026-06-30").get_data(as_text=True)
    assert '<div class="fs-5 fw-semibold" id="realized"><span class="amount ">$80.00</span>' in everything
    spring = client.get("/investments/?as_of=2026-06-30&start=2026-03-01").get_data(as_text=True)
    assert '<div class="fs-5 fw-semibold" id="realized"><span class="amount ">$60.00</span>' in spring
    assert "sales since 2026-03-01" in spring
    assert '<div class="fs-5 fw-semibold" id="income">$0.00</div>' in spring
