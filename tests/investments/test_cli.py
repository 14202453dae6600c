"""`flask investments report`: the JSON the issue names, per account and for all, with a method switch."""

from __future__ import annotations

import json
from datetime import date

from tests.investments.conftest import OWNER, buy, cash, price, sell


def test_the_report_gives_holdings_gains_income_cash_value_and_returns(runner, books):
    ws, broker, acme = books.ws, books.broker, books.acme
    cash(ws, broker, "deposit", "3000", date(2026, 1, 1))
    buy(ws, broker, acme, "10", "100", date(2026, 1, 1))
    buy(ws, broker, acme, "10", "120", date(2026, 1, 2))
    price(ws, acme, "100", date(2026, 1, 1))
    price(ws, acme, "120", date(2026, 1, 2))
    sell(ws, broker, acme, "15", "130", date(2026, 1, 3))
    cash(ws, broker, "dividend", "7.50", date(2026, 1, 4), acme)
    price(ws, acme, "140", date(2026, 1, 5))
    args = ["investments", "report", "--workspace", OWNER, "--account", "broker", "--as-of", "2026-01-05", "--json"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["holdings"] == [{**data["holdings"][0], "symbol": "ACME", "quantity": "5", "cost_basis": "600.00",
                                 "market_value": "700.00", "unrealized_gain": "100.00"}]
    assert data["realized_gain"] == "350.00" and data["unrealized_gain"] == "100.00"
    assert data["dividends"] == "7.50"
    assert data["cash"] == "2757.50"  # 3,000 - 1,000 - 1,200 + 1,950 + 7.50
    assert data["value"] == "3457.50"
    assert data["twr"] is not None and data["xirr"] is not None
    average = json.loads(runner.invoke(args=[*args, "--method", "average"]).output)
    assert average["realized_gain"] == "300.00" and average["holdings"][0]["cost_basis"] == "550.00"


def test_an_unknown_account_is_an_error(runner, books):
    result = runner.invoke(args=["investments", "report", "--workspace", OWNER, "--account", "Nope"])
    assert result.exit_code != 0 and "No investment account" in result.output


def test_the_text_report_says_when_a_price_is_missing(runner, books):
    buy(books.ws, books.broker, books.acme, "1", "10", date(2026, 1, 2))
    result = runner.invoke(args=["investments", "report", "--workspace", OWNER, "--as-of", "2026-01-10"])
    assert result.exit_code == 0
    assert "(no price)" in result.output and "unknown" in result.output
