"""An investor records trades in the browser, on a phone: holdings, a security's price chart,
the trade form that shows each kind's fields, and the performance chart; no page scrolls sideways."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from financeapp.extensions import db
from financeapp.investments import services
from tests.browser.conftest import screenshot
from tests.factories import DEFAULT_PASSWORD, make_account, make_user, personal_workspace

pytestmark = pytest.mark.browser
EMAIL = "ivy@example.com"
PHONE = {"width": 390, "height": 844}
WIDE = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"


@pytest.fixture
def investor(app):
    with app.app_context():
        ws = personal_workspace(make_user(EMAIL, name="Ivy"))
        broker = make_account(ws, "Broker", type="investment")
        fund = services.find_or_create_security(ws, "VWRL", name="All-World ETF with a rather long name",
                                                kind="etf", currency="USD")
        services.record_trade(ws, broker, services.NewTrade(kind="deposit", on=date(2026, 1, 2), amount=Decimal(5000)))
        services.record_trade(ws, broker, services.NewTrade(kind="buy", on=date(2026, 1, 2), security_id=fund.id,
                                                            quantity=Decimal("30.12345678"), price=Decimal(100),
                                                            fees=Decimal("4.95")))
        for month, close in ((1, "100"), (3, "104.5"), (6, "99.8"), (9, "111.25")):
            services.record_price(ws, fund, date(2026, month, 2), Decimal(close))
        db.session.commit()
        return fund.id


def test_an_investor_on_a_phone(browser, live_server, investor):
    context = browser.new_context(base_url=live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto("/auth/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("#investments-card")).to_be_visible()

    page.goto("/investments/")
    expect(page.locator('#holdings tr[data-symbol="VWRL"]')).to_be_visible()
    assert not page.evaluate(WIDE), "the holdings page scrolls sideways"

    page.goto(f"/investments/securities/{investor}")
    expect(page.locator("#chart-prices[data-chart-ready=true]")).to_be_attached()
    expect(page.locator("#lots")).to_be_visible()
    assert not page.evaluate(WIDE), "the security page scrolls sideways"
    screenshot(page, "investments-security-phone")

    page.goto("/investments/trades/new")
    page.get_by_label("What happened").select_option("deposit")
    expect(page.get_by_label("Shares", exact=True)).to_be_hidden()  # a deposit is cash only
    page.get_by_label("What happened").select_option("sell")
    expect(page.get_by_label("Shares", exact=True)).to_be_visible()
    page.get_by_label("Date").fill("2026-10-01")
    page.get_by_label("Security (symbol)").fill("VWRL")
    page.get_by_label("Shares", exact=True).fill("40")
    page.get_by_label("Price per share").fill("110")
    page.get_by_role("button", name="Add trade").click()
    expect(page.get_by_text(re.compile("You hold only 30.12345678 shares of VWRL on 2026-10-01"))).to_be_visible()
    page.get_by_label("Shares", exact=True).fill("10")
    page.get_by_role("button", name="Add trade").click()
    expect(page.get_by_text("Sell on 2026-10-01 saved.")).to_be_visible()
    assert not page.evaluate(WIDE), "the account page scrolls sideways"

    page.goto("/investments/performance?start=2026-01-02&end=2026-10-31")
    expect(page.locator("#chart-performance[data-chart-ready=true]")).to_be_attached()
    expect(page.locator("#twr")).to_have_text(re.compile(r"%$"))
    assert not page.evaluate(WIDE), "the performance page scrolls sideways"
    screenshot(page, "investments-performance-phone")
    for path in ("/investments/trades", "/investments/prices"):
        page.goto(path)
        assert not page.evaluate(WIDE), f"{path} scrolls sideways"
    context.close()
