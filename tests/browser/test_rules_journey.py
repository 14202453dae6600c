"""A user writes a rule, previews it on past transactions, applies it, then exports and restores the workspace."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import finish_sign_up, screenshot

pytestmark = pytest.mark.browser


def register(page, email: str) -> None:
    page.goto("/auth/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Ruth")
    page.get_by_label("Password", exact=True).fill("rules-pass-2026")
    page.get_by_label("Repeat password").fill("rules-pass-2026")
    page.get_by_role("button", name="Create account").click()
    finish_sign_up(page, "rules-pass-2026")


def test_rule_preview_apply_and_workspace_backup(page, tmp_path):
    register(page, "ruth@example.com")
    page.goto("/accounts/new")
    page.get_by_label("Name").fill("Checking")
    page.get_by_role("button", name="Add account").click()
    for payee in ("REWE Markt 0815", "REWE City", "Bakery"):
        page.goto("/transactions/new")
        page.get_by_text("Money out").click()
        page.get_by_label("Amount", exact=True).fill("12.30")
        page.get_by_label("Payee").fill(payee)
        page.get_by_role("button", name="Add transaction").click()

    page.goto("/rules/")
    expect(page.get_by_text("No rules yet")).to_be_visible()
    page.get_by_role("link", name="Add your first rule").click()
    page.get_by_label("Name", exact=True).fill("Supermarket")
    page.get_by_label("How").select_option(label="matches the regular expression")
    page.get_by_label("Text").fill("(re|we)+")
    page.get_by_label("Set the category to").select_option(label="Everyday: Groceries")
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_text("An alternative (|) inside a repeated group")).to_be_visible()
    screenshot(page, "rules-form-error")
    page.get_by_label("Text").fill("^rewe\\b")
    page.get_by_label("Add labels").fill("food")
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_text("Rule “Supermarket” added")).to_be_visible()
    screenshot(page, "rules-index")

    page.get_by_role("link", name="Apply to existing transactions").click()
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#apply-preview")).to_contain_text("2 transactions would change")
    screenshot(page, "rules-apply-preview")
    page.get_by_role("button", name="Change 2 transactions").click()
    expect(page.get_by_text("Changed 2 transactions.")).to_be_visible()

    page.goto("/exports/")
    screenshot(page, "exports-index")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Download all transactions (CSV)").click()
    text = csv_download.value.path().read_text(encoding="utf-8")
    assert text.count("Everyday: Groceries") == 2 and "food" in text
    with page.expect_download() as json_download:
        page.get_by_role("link", name="Download the whole workspace (JSON)").click()
    backup = tmp_path / "backup.json"
    json_download.value.save_as(backup)
    assert json.loads(backup.read_text())["format"] == "financeapp-workspace"

    page.get_by_label("Workspace export (.json)").set_input_files(str(backup))
    page.get_by_role("button", name="Restore into a new workspace").click()
    expect(page.get_by_text("as a new workspace with 3 transactions")).to_be_visible()
    screenshot(page, "exports-restored")
    # The one 422 is the refused regular expression above, as intended.
    assert [e for e in page.console_errors if "422" not in e] == []
