"""Acceptance 5: set a budget, spend past 80 %, run the alert job, and see the alert in the notifications."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from financeapp.budgets.jobs import check_budget_alerts
from tests.browser.conftest import finish_sign_up, screenshot

pytestmark = pytest.mark.browser


def register(page, email: str) -> None:
    page.goto("/auth/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Bo")
    page.get_by_label("Password", exact=True).fill("budget-pass-2026")
    page.get_by_label("Repeat password").fill("budget-pass-2026")
    page.get_by_role("button", name="Create account").click()
    finish_sign_up(page, "budget-pass-2026")


def test_a_budget_alert_reaches_the_notifications(page, app):
    register(page, "bo@example.com")
    page.goto("/accounts/new")
    page.get_by_label("Name").fill("Everyday checking")
    page.get_by_label("Opening balance").fill("2000")
    page.get_by_role("button", name="Add account").click()

    page.goto("/budgets/")
    expect(page.get_by_text("No budget for")).to_be_visible()
    page.get_by_label("Category").select_option(label="Everyday: Groceries")
    page.get_by_label("Amount").fill("50")
    page.get_by_role("button", name="Save line").click()
    row = page.locator('tr[data-category="Everyday: Groceries"]')
    expect(row.locator(".line-budgeted")).to_have_text("$50.00")

    # Edit the amount in place: the row turns into a form and comes back updated, without a reload.
    row.locator(".budget-amount").click()
    amount_box = page.get_by_label("Budget for Everyday: Groceries", exact=True)
    expect(amount_box).to_be_visible()
    amount_box.fill("100")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(row.locator(".line-budgeted")).to_have_text("$100.00")
    expect(page.locator("#total-budgeted")).to_have_text("$100.00")

    page.goto("/transactions/new")
    page.get_by_label("Account").select_option(label="Everyday checking (USD)")
    page.get_by_text("Money out").click()
    page.get_by_label("Amount", exact=True).fill("85")
    page.get_by_label("Payee").fill("Corner grocer")
    page.get_by_label("Category", exact=True).select_option(label="Everyday: Groceries")
    page.get_by_role("button", name="Add transaction").click()
    expect(page.get_by_text("Saved expense of $85.00")).to_be_visible()

    page.goto("/budgets/")
    expect(row.locator(".line-spent")).to_have_text("$85.00")
    expect(row.locator(".line-percent")).to_have_text("85 %")
    expect(row).to_have_attribute("data-state", "warn")
    expect(page.locator("#notification-badge")).to_have_text("")
    screenshot(page, "budgets-month-85-percent")

    # The job `flask jobs run-due` runs against the live server's database, twice: one alert.
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["jobs", "run-due"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        assert check_budget_alerts(date.today()) == 0, "the job already raised the alert"

    page.reload()
    expect(page.locator("#notification-badge")).to_contain_text("1")
    page.locator("#notifications-link").click()
    alert = page.locator(".notification.unread").first
    expect(alert).to_contain_text("Everyday: Groceries is at 85 % of its")
    expect(alert).to_contain_text("$85.00 spent of $100.00; $15.00 left.")
    screenshot(page, "notifications-with-budget-alert")
    alert.get_by_role("button", name=re.compile("^Everyday: Groceries is at 85 %")).click()
    expect(page).to_have_url(re.compile(r"/budgets/\?month=\d{4}-\d{2}$"))
    expect(page.locator("#notification-badge")).to_have_text("")
    assert page.console_errors == []


def test_a_goal_with_contributions_shows_its_progress_and_milestone(page):
    register(page, "gale@example.com")
    page.goto("/goals/")
    expect(page.get_by_text("No goals yet")).to_be_visible()
    page.get_by_role("link", name="Add your first goal").click()
    page.get_by_label("Name").fill("New bike")
    page.get_by_label("Target amount").fill("800")
    page.get_by_label("Target date").fill(f"{date.today().year + 1}-06-30")
    page.get_by_role("button", name="Add goal").click()
    expect(page.get_by_text("Goal “New bike” added.")).to_be_visible()
    page.get_by_label("Amount").fill("250")
    page.get_by_label("Memo").fill("Birthday money")
    page.get_by_role("button", name="Add contribution").click()
    expect(page.locator("#goal-status .goal-percent")).to_have_text("31 %")
    expect(page.locator("#notification-badge")).to_contain_text("1")
    screenshot(page, "goal-detail")
    page.goto("/goals/")
    expect(page.locator('[data-goal="New bike"]')).to_contain_text("a month for")
    screenshot(page, "goals-list")
    assert page.console_errors == []
