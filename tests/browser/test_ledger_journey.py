"""A user adds accounts, an expense and a transfer through the forms and sees the balances change."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import finish_sign_up, screenshot

pytestmark = pytest.mark.browser


def register(page, email: str) -> None:
    page.goto("/auth/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Lena")
    page.get_by_label("Password", exact=True).fill("ledger-pass-2026")
    page.get_by_label("Repeat password").fill("ledger-pass-2026")
    page.get_by_role("button", name="Create account").click()
    finish_sign_up(page, "ledger-pass-2026")


def add_account(page, name: str, opening: str, type_label: str = "Checking") -> None:
    page.goto("/accounts/")
    page.get_by_role("link", name="Add account").first.click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Type").select_option(label=type_label)
    page.get_by_label("Opening balance").fill(opening)
    page.get_by_role("button", name="Add account").click()
    expect(page.get_by_text(f"Account “{name}” added.")).to_be_visible()


def balance_of(page, name: str):
    return page.locator(f'tr[data-account="{name}"] .account-balance')


def test_account_expense_and_transfer_change_balances(page):
    register(page, "lena@example.com")
    page.goto("/accounts/")
    expect(page.get_by_text("No accounts yet")).to_be_visible()

    add_account(page, "Everyday checking", "1,000.00")
    add_account(page, "Rainy day savings", "0", type_label="Savings")
    expect(balance_of(page, "Everyday checking")).to_have_text("$1,000.00")
    expect(page.locator("#net-worth")).to_contain_text("$1,000.00")

    page.goto("/transactions/new")
    page.get_by_label("Account").select_option(label="Everyday checking (USD)")
    page.get_by_text("Money out").click()
    page.get_by_label("Amount", exact=True).fill("42.50")
    page.get_by_label("Payee").fill("Corner grocer")
    page.get_by_label("Category", exact=True).select_option(label="Everyday: Groceries")
    page.get_by_role("button", name="Add transaction").click()
    expect(page.get_by_text("Saved expense of $42.50 in Everyday checking.")).to_be_visible()
    expect(page.locator("#transactions")).to_contain_text("Corner grocer")

    page.get_by_role("link", name="Transfer").click()
    page.get_by_label("From account").select_option(label="Everyday checking (USD)")
    page.get_by_label("To account").select_option(label="Rainy day savings (USD)")
    page.get_by_label("Amount sent").fill("200")
    page.get_by_role("button", name="Save transfer").click()
    expect(page.get_by_text("Transferred $200.00 from Everyday checking to Rainy day savings.")).to_be_visible()
    screenshot(page, "transactions-after-transfer")

    page.goto("/accounts/")
    expect(balance_of(page, "Everyday checking")).to_have_text("$757.50")
    expect(balance_of(page, "Rainy day savings")).to_have_text("$200.00")
    expect(page.locator("#net-worth")).to_contain_text("$957.50")
    screenshot(page, "accounts-after-transfer")
    assert page.console_errors == []
