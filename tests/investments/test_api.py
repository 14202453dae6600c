"""The investments API: holdings, trades and prices (list and create), performance; problem+json on bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from financeapp.extensions import db
from financeapp.investments.models import Trade
from tests.investments.conftest import buy, cash, price


def _csrf(client) -> dict[str, str]:
    from tests.conftest import csrf_token_from

    return {"X-CSRFToken": csrf_token_from(client.get("/investments/").get_data(as_text=True))}


def test_holdings_are_exact_strings(client, owner):
    buy(owner.ws, owner.broker, owner.acme, "1.9887", "88.63", date(2026, 1, 2))
    buy(owner.ws, owner.broker, owner.acme, "0.388", "58.64", date(2026, 1, 3))
    price(owner.ws, owner.acme, "90", date(2026, 1, 5))
    body = client.get("/api/v1/investments/holdings?as_of=2026-01-05&method=average").get_json()["data"]
    [holding] = body["holdings"]
    assert holding["symbol"] == "ACME" and holding["quantity"] == "2.3767"
    assert holding["cost_basis"] == "199.01" and holding["market_value"] == "213.90"
    assert body["value"] == "14.89"  # 213.90 of shares less the 199.01 of cash they took
    assert body["missing_prices"] == []


def test_a_trade_is_created_with_a_new_symbol_and_listed(client, owner):
    cash(owner.ws, owner.broker, "deposit", "1000", date(2026, 1, 1))
    response = client.post("/api/v1/investments/trades", headers=_csrf(client), json={
        "account_id": owner.broker.id, "kind": "buy", "date": "2026-01-02", "symbol": "VTI", "security_kind": "etf",
        "quantity": "0.12345678", "price": 250, "fees": "0.99"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()["data"]
    assert created["quantity"] == "0.12345678" and created["amount"] == "-31.85"
    listing = client.get(f"/api/v1/investments/trades?account={owner.broker.id}").get_json()
    assert listing["meta"]["total"] == 2 and listing["data"][0]["security"]["symbol"] == "VTI"


def test_a_short_sale_is_a_422_problem(client, owner):
    response = client.post("/api/v1/investments/trades", headers=_csrf(client), json={
        "account_id": owner.broker.id, "kind": "sell", "date": "2026-01-02", "security_id": owner.acme.id,
        "quantity": "1", "price": "10"})
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert "You hold only 0 shares of ACME on 2026-01-02" in response.get_json()["detail"]
    assert db.session.query(Trade).filter_by(workspace_id=owner.ws.id).count() == 0


def test_bad_fields_are_named(client, owner):
    response = client.post("/api/v1/investments/trades", headers=_csrf(client), json={
        "account_id": "x", "kind": ["buy"], "date": "2026-02-30", "quantity": "lots", "colour": "red",
        "security_kind": [None]})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"account_id", "kind", "date", "quantity", "colour", "security_kind"}


def test_another_workspaces_account_and_security_are_404(client, owner):
    headers = _csrf(client)
    response = client.post("/api/v1/investments/trades", headers=headers, json={
        "account_id": owner.other_account_id, "kind": "deposit", "date": "2026-01-02", "amount": "5"})
    assert response.status_code == 404
    response = client.post("/api/v1/investments/prices", headers=headers, json={
        "security_id": owner.other_security_id, "date": "2026-01-02", "close": "5"})
    assert response.status_code == 404
    assert client.get(f"/api/v1/investments/holdings?account={owner.other_account_id}").status_code == 404


def test_prices_are_created_and_listed(client, owner):
    response = client.post("/api/v1/investments/prices", headers=_csrf(client), json={
        "security_id": owner.acme.id, "date": "2026-01-02", "close": "101.25"})
    assert response.status_code == 201
    listing = client.get(f"/api/v1/investments/prices?security_id={owner.acme.id}").get_json()
    assert [p["close"] for p in listing["data"]] == ["101.25"]
    assert client.get("/api/v1/investments/prices?per_page=0").status_code == 400


def test_performance_gives_returns_and_the_chart_points(client, owner):
    cash(owner.ws, owner.broker, "deposit", "1000", date(2026, 1, 1))
    buy(owner.ws, owner.broker, owner.acme, "10", "100", date(2026, 1, 1))
    price(owner.ws, owner.acme, "100", date(2026, 1, 1))
    price(owner.ws, owner.acme, "110", date(2026, 2, 1))
    body = client.get("/api/v1/investments/performance?start=2026-01-01&end=2026-02-01").get_json()["data"]
    assert body["twr"] == "0.1000000000" and body["annualised"] is False
    assert body["points"][-1] == {"date": "2026-02-01", "value": "1100.00", "flow": "0.00", "contributed": "1000.00"}
    assert Decimal(body["mwr"]).quantize(Decimal("1e-6")) == Decimal("0.1")
    assert client.get("/api/v1/investments/performance?start=2026-03-01&end=2026-01-01").status_code == 400


def test_a_viewer_cannot_create(client, viewer):
    response = client.post("/api/v1/investments/prices", headers=_csrf(client), json={
        "security_id": viewer.acme.id, "date": "2026-01-02", "close": "1"})
    assert response.status_code == 403


def test_the_openapi_document_has_the_investment_paths(client, owner):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/investments/holdings", "/api/v1/investments/trades", "/api/v1/investments/prices",
                 "/api/v1/investments/performance"):
        assert path in paths


def test_a_page_number_that_is_not_ascii_digits_is_page_one(client, owner):
    """"³" is a digit to str.isdigit but not to int(): it answered 500 (found by schemathesis)."""
    assert client.get("/api/v1/investments/prices?page=%C2%B3").status_code == 200
    assert client.get("/investments/trades?page=%D9%A3").status_code == 200
