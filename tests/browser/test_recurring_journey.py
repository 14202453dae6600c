"""A user creates a monthly recurring transaction in the browser and confirms an occurrence from the upcoming list."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import finish_sign_up, screenshot

pytestmark = pytest.mark.browser


def test_create_a_monthly_rent_and_confirm_it_from_the_upcoming_list(page):
    page.goto("/auth/register")
    page.get_by_label("Email").fill("rita@example.com")
    page.get_by_label("Display name").fill("Rita")
    page.get_by_label("Password", exact=True).fill("recurring-pass-2026")
    page.get_by_label("Repeat password").fill("recurring-pass-2026")
    page.get_by_role("button", name="Create account").click()
    finish_sign_up(page, "recurring-pass-2026")

    page.goto("/accounts/new")
    page.get_by_label("Name").fill("Everyday checking")
    page.get_by_label("Opening balance").fill("3000")
    page.get_by_role("button", name="Add account").click()

    page.goto("/recurring/")
    expect(page.get_by_text("Nothing recurring yet")).to_be_visible()
    page.get_by_role("link", name="Add recurring").first.click()
    today = date.today()
    page.get_by_label("Name", exact=True).fill("Rent")
    page.get_by_label("Account", exact=True).select_option(label="Everyday checking (USD)")
    expect(page.get_by_label("To account")).to_be_hidden()  # only for transfers
    page.get_by_label("Amount", exact=True).fill("1,450.00")
    page.get_by_label("Payee").fill("Parkside Apartments")
    page.get_by_label("First date").fill(today.isoformat())
    page.get_by_label("Repeats").select_option("monthly")
    page.get_by_label("Day", exact=True).fill(str(today.day))
    expect(page.get_by_label("Number of times", exact=True)).to_be_hidden()
    page.get_by_text("Wait for me to confirm it").click()
    screenshot(page, "recurring-form")
    page.get_by_role("button", name="Add recurring").click()

    expect(page.get_by_text("“Rent” added: monthly on the")).to_be_visible()
    row = page.locator(f'#upcoming-list tr[data-item="Rent"][data-date="{today.isoformat()}"]')
    expect(row).to_contain_text("-$1,450.00")
    # One or two rents fall within the next 30 days, depending on the month.
    expect(page.locator("#upcoming-totals .total-out")).to_have_text(re.compile(r"^\$(1,450|2,900)\.00$"))
    screenshot(page, "recurring-upcoming")

    row.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text(f"Posted “Rent” of $1,450.00 on {today.isoformat()}.")).to_be_visible()
    expect(page.locator(f'#upcoming-list tr[data-item="Rent"][data-date="{today.isoformat()}"]')).to_have_count(0)
    screenshot(page, "recurring-after-confirm")

    page.goto("/transactions/")
    expect(page.locator("#transactions")).to_contain_text("Parkside Apartments")
    assert page.console_errors == []
