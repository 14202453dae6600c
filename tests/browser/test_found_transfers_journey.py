"""A user with both sides of three transfers as plain rows links one, refuses one and links the rest."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from financeapp.auth.services import find_user
from tests.browser.conftest import screenshot
from tests.browser.test_ledger_journey import register
from tests.factories import make_account, make_transaction, personal_workspace

pytestmark = pytest.mark.browser


def test_the_pairs_are_reviewed_linked_and_refused_from_the_page(page, app):
    register(page, "fay@example.com")
    with app.app_context():  # two imported statements' rows, as the importer writes them
        ws = personal_workspace(find_user("fay@example.com"))
        checking, savings = make_account(ws, "Checking", opening_balance="900"), make_account(ws, "Savings")
        for n, amount in enumerate(("100.00", "200.00", "300.00")):
            make_transaction(checking, f"-{amount}", on=date(2026, 3, 2 + n * 7), payee="ONLINE TRANSFER")
            make_transaction(savings, amount, on=date(2026, 3, 4 + n * 7), payee="FROM CHECKING")

    page.goto("/transactions/")
    page.get_by_role("link", name="Pair imported rows").click()
    expect(page.get_by_role("heading", name="Transfers found between your accounts")).to_be_visible()
    rows = page.locator("#found-transfers tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("same amount, 2 days apart, Checking → Savings")
    expect(rows.first).to_contain_text("ONLINE TRANSFER")
    expect(rows.first).to_contain_text("FROM CHECKING")
    screenshot(page, "found-transfers-three-pairs")

    rows.first.get_by_role("button", name="Link").click()
    expect(page.get_by_text("Linked $100.00 from Checking to Savings as a transfer.")).to_be_visible()
    expect(rows).to_have_count(2)
    rows.first.get_by_role("button", name="Not a transfer").click()
    expect(page.get_by_text("this pair will not be proposed again")).to_be_visible()
    expect(rows).to_have_count(1)

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Link all 1").click()
    expect(page.get_by_text("Linked 1 transfer.")).to_be_visible()
    expect(page.get_by_text("No transfers to link")).to_be_visible()

    page.goto("/transactions/?kind=transfer")
    expect(page.locator("#transactions")).to_contain_text(re.compile("Transfer"))
    expect(page.locator("#transactions tbody tr")).to_have_count(4)  # two transfers, two sides each
    assert page.console_errors == []
