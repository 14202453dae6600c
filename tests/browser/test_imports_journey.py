"""A user imports an OFX bank statement through the wizard and sees its rows on the transactions page;
importing the same file again adds nothing, and the import can be undone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

OFX = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260401120000<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>121000358<ACCTID>987654321<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20260301<DTEND>20260331
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260302<TRNAMT>-4.75<FITID>J-1<NAME>Harbor Coffee Roasters</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260302<TRNAMT>-4.75<FITID>J-2<NAME>Harbor Coffee Roasters</STMTTRN>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260305<TRNAMT>3100.00<FITID>J-3<NAME>Northwind Payroll<MEMO>March salary</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260311<TRNAMT>-86.40<FITID>J-4<NAME>Lakeside Electric</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>3504.10<DTASOF>20260331</LEDGERBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1>
</OFX>
""".replace("\n", "\r\n").encode("ascii")


def register(page, email: str) -> None:
    page.goto("/auth/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Jonas")
    page.get_by_label("Password", exact=True).fill("import-pass-2026")
    page.get_by_label("Repeat password").fill("import-pass-2026")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def upload(page) -> None:
    page.goto("/imports/")
    page.get_by_label("Bank file").set_input_files(
        files=[{"name": "march-2026.ofx", "mimeType": "application/x-ofx", "buffer": OFX}])
    page.get_by_role("button", name="Upload and continue").click()
    expect(page.get_by_role("heading", name="Which account do these rows go to?")).to_be_visible()


def test_an_ofx_statement_is_imported_through_the_wizard(page):
    register(page, "jonas@example.com")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="More").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    expect(page.get_by_text("No imports yet")).to_be_visible()

    upload(page)
    expect(page.get_by_label("Account")).to_have_value("new")
    expect(page.locator("[data-statement]")).to_contain_text("account 987654321")
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", name="Check what will be imported")).to_be_visible()
    rows = page.locator("#preview-rows tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator('tr[data-status="new"]')).to_have_count(4)
    expect(page.locator("#count-import")).to_have_text("4")
    screenshot(page, "imports-preview")
    page.get_by_role("button", name="Import 4 rows").click()

    expect(page.get_by_text("Imported 4 of 4 rows from march-2026.ofx.")).to_be_visible()
    expect(page.locator("#import-sums")).to_contain_text("Checking 987654321")
    expect(page.locator("#import-sums")).to_contain_text("$3,004.10")
    screenshot(page, "imports-result")

    page.get_by_role("link", name="Transactions").first.click()
    table = page.locator("#transactions")
    expect(table).to_contain_text("Harbor Coffee Roasters")
    expect(table).to_contain_text("Northwind Payroll")
    expect(table).to_contain_text("Lakeside Electric")

    # The same file again: every row is recognised, and the preview says which transaction it matches.
    upload(page)
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator('tr[data-status="duplicate"]')).to_have_count(4)
    expect(page.locator(".duplicate-why").first).to_contain_text("same bank transaction id (J-1)")
    expect(page.locator("#count-import")).to_have_text("0")
    expect(page.get_by_role("button", name="Finish: nothing to import")).to_be_visible()
    screenshot(page, "imports-duplicates")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel this import").click()
    expect(page.get_by_text("Discarded march-2026.ofx.")).to_be_visible()

    # Undo the first import from the list.
    page.locator("#imports").get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Undone: removed the 4 transactions imported from march-2026.ofx.")).to_be_visible()
    screenshot(page, "imports-list")
    page.goto("/transactions/")
    expect(page.get_by_text("Harbor Coffee Roasters")).to_have_count(0)
    assert not page.console_errors
