"""Acceptance 4 of the documents issue: a member uploads a batch of five invoices and watches them being
read, corrects a field and submits one; a manager approves it; the expense is in the ledger with the
document attached. And the documents pages fit a phone (no sideways scrolling at 390 px)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from financeapp.documents import workflow
from financeapp.extensions import db
from tests.browser.conftest import screenshot
from tests.documents.corpus import one_invoice
from tests.factories import DEFAULT_PASSWORD, add_member, make_account, make_user, personal_workspace

pytestmark = pytest.mark.browser


@pytest.fixture
def team(app):
    with app.app_context():
        olga = make_user("olga@example.com", name="Olga", currency="INR")
        ws = personal_workspace(olga)
        add_member(ws, make_user("mia@example.com", name="Mia"), "member")
        add_member(ws, make_user("max@example.com", name="Max"), "manager")
        account = make_account(ws, "Current account", currency="INR")
        workflow.save_settings(ws, account.id, None)
        db.session.commit()
        return ws.id


def sign_in(page, email: str, ws_id: int) -> None:
    page.goto("/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.locator("#workspace-switcher").click()
    page.get_by_role("button", name=re.compile(r"^Olga")).click()


def sign_out(page) -> None:
    page.locator("#user-menu").click()
    page.locator("#logout").click()


def invoices() -> list[tuple[str, bytes, object]]:
    out = []
    for n in range(5):
        _spec, pdf, truth = one_invoice(60 + n, serial=n + 1)
        out.append((f"invoice-{n + 1}.pdf", pdf, truth))
    return out


def test_a_batch_is_read_corrected_submitted_approved_and_booked(page, team):
    files = invoices()
    sign_in(page, "mia@example.com", team)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Documents").click()
    expect(page.get_by_text("No receipts or invoices yet")).to_be_visible()
    page.get_by_label("Receipts or invoices (PDF, PNG, JPEG or HEIC)").set_input_files(
        files=[{"name": name, "mimeType": "application/pdf", "buffer": pdf} for name, pdf, _truth in files])
    page.get_by_role("button", name="Upload and read").click()

    expect(page.get_by_role("heading", name="Reading 5 uploaded files")).to_be_visible()
    expect(page.locator("#batch-files li")).to_have_count(5)
    # The page reads one file per request and polls the progress until the summary shows.
    expect(page.locator("#batch-summary")).to_be_visible(timeout=60_000)
    expect(page.locator('#batch-summary [data-count="processed"]')).to_have_text("5")
    expect(page.locator('#batch-summary [data-count="failed"]')).to_have_text("0")
    expect(page.locator('#batch-files [data-status="processed"]')).to_have_count(5)
    screenshot(page, "documents-batch")

    name, _pdf, truth = files[0]
    page.get_by_role("link", name=name).click()
    expect(page.locator("#document-image")).to_be_visible()
    expect(page.get_by_label("Total", exact=True)).to_have_value(f"{truth.total:.2f}")
    page.get_by_label("Invoice or receipt number").fill(truth.number + "-A")
    page.get_by_role("button", name="Save corrections").click()
    expect(page.get_by_text("Saved: number.")).to_be_visible()
    expect(page.locator("[data-corrected]")).to_have_count(1)
    screenshot(page, "documents-review")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text(f"Submitted: {name}.")).to_be_visible()
    expect(page.locator('[data-state="submitted"]')).to_be_visible()
    expect(page.get_by_role("button", name="Approve and book")).to_have_count(0)
    sign_out(page)

    sign_in(page, "max@example.com", team)
    page.goto("/documents/?state=submitted")
    page.locator("#documents a").first.click()
    page.get_by_label("Comment (optional)").last.fill("Checked against the order.")
    page.get_by_role("button", name="Approve and book").click()
    expect(page.get_by_text(f"Approved: {name}.")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Checked against the order.")

    page.locator("#booked-link").click()
    expect(page).to_have_url(re.compile(r"/transactions/\d+/edit$"))
    expect(page.locator("#receipts")).to_contain_text(name)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Transactions").click()
    row = page.locator("tbody tr", has_text=truth.vendor)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"{truth.total:,.2f}")
    assert page.console_errors == []


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_documents_pages_fit_a_phone(browser, live_server, team):
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in_phone(page, team)
        _name, pdf, _truth = invoices()[0]
        page.goto("/documents/")
        assert _fits(page), "documents list (empty)"
        page.get_by_label("Receipts or invoices (PDF, PNG, JPEG or HEIC)").set_input_files(
            files=[{"name": "a-long-file-name-from-a-phone-camera-roll-2026-04-01.pdf", "mimeType":
                    "application/pdf", "buffer": pdf}])
        page.get_by_role("button", name="Upload and read").click()
        expect(page.locator("#batch-summary")).to_be_visible(timeout=60_000)
        for url in ("/documents/", "/documents/dashboard", "/vendors/", "/documents/settings"):
            page.goto(url)
            assert _fits(page), url
        page.goto("/documents/")
        page.locator("#documents a").first.click()
        expect(page.locator("#document-image")).to_be_visible()
        assert _fits(page), "review page"
        page.goto("/vendors/")
        page.locator("#vendors a").first.click()
        expect(page.locator("#risk-score")).to_be_visible()
        assert _fits(page), "vendor page"
    finally:
        context.close()


def sign_in_phone(page, ws_id: int) -> None:
    """Sign in as the owner on a phone (the navigation is collapsed, so the workspace is her own first)."""
    page.goto("/auth/login")
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
