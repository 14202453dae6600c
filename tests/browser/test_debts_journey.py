"""A user adds a loan and a credit card in the browser and opens the payoff planner with its chart."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import finish_sign_up, screenshot

pytestmark = pytest.mark.browser


def register(page, email: str) -> None:
    page.goto("/auth/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Dana")
    page.get_by_label("Password", exact=True).fill("debts-pass-2026")
    page.get_by_label("Repeat password").fill("debts-pass-2026")
    page.get_by_role("button", name="Create account").click()
    finish_sign_up(page, "debts-pass-2026")


def test_add_a_loan_and_a_card_and_plan_the_payoff(page):
    register(page, "dana@example.com")
    page.goto("/debts/")
    expect(page.get_by_text("No debts yet")).to_be_visible()

    page.get_by_role("link", name="Add loan").click()
    expect(page.get_by_label("Current balance")).to_be_hidden()  # the card's fields wait for a card
    page.get_by_label("Name").fill("Family car")
    page.get_by_label("Annual interest rate (%)").fill("6.9")
    page.get_by_label("Amount borrowed").fill("24,000")
    page.get_by_label("Term (months)").fill("60")
    page.get_by_label("Start date").fill("2026-01-15")
    page.get_by_role("button", name="Add debt").click()
    expect(page.get_by_text("Loan “Family car” added.")).to_be_visible()
    expect(page.locator("#remaining-balance")).to_have_text("$24,000.00")
    expect(page.locator("#schedule-chart[data-chart-ready=true]")).to_be_attached()
    page.get_by_label("Extra each month").fill("150")
    page.get_by_role("button", name="Show the difference").click()
    expect(page.locator("#months-saved")).to_have_text(re.compile(r"^\d+$"))
    screenshot(page, "debts-loan")

    page.goto("/debts/")
    page.get_by_role("link", name="Add credit card").click()
    expect(page.get_by_label("Amount borrowed")).to_be_hidden()
    page.get_by_label("Name").fill("Visa")
    page.get_by_label("Annual interest rate (%)").fill("22.99")
    page.get_by_label("Current balance").fill("3,200")
    page.get_by_label("Minimum payment", exact=True).select_option(label="A percentage of the balance")
    page.get_by_label("Minimum amount").fill("35")
    page.get_by_label("Minimum percentage of the balance (%)").fill("2")
    page.get_by_role("button", name="Add debt").click()
    expect(page.get_by_text("Credit card “Visa” added.")).to_be_visible()

    page.goto("/debts/")
    expect(page.locator("#total-debt")).to_have_text("$27,200.00")
    screenshot(page, "debts-list")

    page.get_by_role("link", name="Payoff planner").click()
    page.get_by_label("Extra each month").fill("200")
    page.get_by_role("button", name="Show plan").click()
    expect(page.locator("#plan-chart[data-chart-ready=true]")).to_be_attached()
    expect(page.locator("#comparison tr[data-strategy=avalanche]")).to_contain_text("$")
    expect(page.locator("#plan-table tbody tr")).to_have_count(24)
    box = page.locator("#plan-chart").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    screenshot(page, "debts-planner")
    assert page.console_errors == []
