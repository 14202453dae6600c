"""The demo user opens the dashboard: every chart draws from the API, without a console error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from financeapp.demo.services import seed_demo, seed_demo_history
from financeapp.extensions import db
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "demo-dash@example.com", "demo-dash-pass-2026"


def all_charts_drawn(page) -> None:
    charts = page.locator("canvas[data-report-chart]")
    expect(charts.first).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-report-chart]')]"
        ".every(c => c.getAttribute('data-drawn') === 'true')", timeout=15_000)


def test_the_demo_dashboard_draws_every_chart(page, app):
    with app.app_context():  # what `flask demo seed` does, on the live server's database
        seed_demo(EMAIL, PASSWORD)
        db.session.commit()
        assert seed_demo_history(EMAIL) is not None
        db.session.commit()

    page.goto("/auth/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    all_charts_drawn(page)
    assert page.locator("canvas[data-report-chart]").count() == 3
    expect(page.locator("#health")).to_contain_text("Savings rate")
    expect(page.locator("#recent tbody tr")).to_have_count(8)
    screenshot(page, "dashboard-demo")

    page.get_by_role("link", name="Reports").first.click()
    page.get_by_role("link", name="Monthly summary").click()
    all_charts_drawn(page)
    expect(page.locator("[data-custom-range]").first).to_be_hidden()
    page.get_by_label("Date range").select_option("custom")
    expect(page.get_by_label("From")).to_be_visible()
    page.get_by_label("Date range").select_option("this-year")
    page.get_by_role("button", name="Show").click()
    all_charts_drawn(page)
    screenshot(page, "reports-monthly")

    page.goto("/reports/categories?preset=last-12-months")
    all_charts_drawn(page)
    screenshot(page, "reports-categories")
    assert page.console_errors == []
