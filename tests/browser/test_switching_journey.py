"""A new user switches in from another app: one CSV of two years on eight accounts (bench/'s generated
history) goes through the wizard, and the accounts, balances, transfers and the categories report are
what the file says; the same file again adds nothing (issue 10, acceptance 1)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from bench.history_csv import summarise, write_history_csv
from financeapp.auth.services import find_user
from financeapp.workspaces.services import memberships_of
from tests.browser.conftest import finish_sign_up, screenshot
from tests.imports.history import TWO_YEARS, check_import, transaction_count

pytestmark = pytest.mark.browser


def register(page, email: str) -> None:
    page.goto("/auth/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Sasha")
    page.get_by_label("Password", exact=True).fill("switch-pass-2026")
    page.get_by_label("Repeat password").fill("switch-pass-2026")
    page.get_by_role("button", name="Create account").click()
    finish_sign_up(page, "switch-pass-2026")


def upload(page, data: bytes) -> None:
    page.goto("/imports/")
    page.get_by_label("Bank file").set_input_files(
        files=[{"name": "history.csv", "mimeType": "text/csv", "buffer": data}])
    page.get_by_role("button", name="Upload and continue").click()
    page.get_by_role("button", name="Use these columns").click()
    expect(page.get_by_role("heading", name="Which account do these rows go to?")).to_be_visible()


def test_a_whole_history_from_another_app_comes_in_through_the_wizard(page, app, tmp_path):
    path = tmp_path / "history.csv"
    write_history_csv(path, TWO_YEARS, seed=5, end=date(2026, 6, 30))
    expected, data = summarise(path), path.read_bytes()
    register(page, "sasha@example.com")

    upload(page, data)
    statements = page.locator("[data-statement]")
    expect(statements).to_have_count(len(expected.balances))
    expect(statements.first).to_contain_text("Everyday Checking")
    screenshot(page, "switching-accounts")
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", name="Check what will be imported")).to_be_visible()
    expect(page.locator("#count-import")).to_have_text(str(expected.transactions))
    expect(page.locator("#count-error")).to_have_text("0")
    page.get_by_role("button", name=f"Import {expected.transactions} rows").click()
    expect(page.get_by_text(f"Imported {expected.transactions} of {expected.transactions} rows "
                            "from history.csv.")).to_be_visible(timeout=60_000)
    expect(page.locator("#import-sums tbody tr")).to_have_count(len(expected.balances))
    screenshot(page, "switching-result")
    with app.app_context():
        workspace = memberships_of(find_user("sasha@example.com"))[0].workspace
        check_import(workspace, expected)

    # The same file again: every account is found by name and every row is a duplicate.
    upload(page, data)
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#count-import")).to_have_text("0")
    expect(page.locator("#count-duplicate")).to_have_text(str(expected.transactions))
    expect(page.get_by_role("button", name="Finish: nothing to import")).to_be_visible()
    with app.app_context():
        assert transaction_count(memberships_of(find_user("sasha@example.com"))[0].workspace) \
            == expected.transactions
    assert not page.console_errors
