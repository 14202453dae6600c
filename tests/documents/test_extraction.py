"""The generic extraction rules on text, without files or a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from financeapp.documents import extraction

GST_INVOICE = """Sharma Traders Pvt Ltd                                TAX INVOICE
14 Industrial Estate, Phase 2
GSTIN: 27AAPFU0939F1ZV
Invoice No: INV/25-26/0042                         Invoice Date: 03-03-2025
Due Date: 02-04-2025
Bill To:
Acme Retail Pvt Ltd
GSTIN: 29AAGCA1234B1Z5
Description HSN Qty Rate Amount
1. Steel Rod 12mm 7214 10 9,500.00 95,000.00
2. Printing Charges 9983 2 14,228.50 28,457.00
Taxable Value ₹ 1,23,457.00
CGST @ 9% ₹ 11,111.13
SGST @ 9% ₹ 11,111.13
Round Off (0.26)
Grand Total ₹ 1,45,679.00
Amount in words: Rupees One Lakh Forty Five Thousand Six Hundred Seventy Nine Only
"""

US_RECEIPT = """Blue Bottle Cafe
12 High Street
Date: 03/04/2026 10:42
Receipt #: 4411-0007
Coffee x2 7.00
Bagel 3.25
Subtotal $10.25
Sales Tax 8.875% 0.91
TOTAL $11.16
Visa 11.16
"""


def test_a_gst_invoice_is_read_with_lakh_grouping_and_the_arithmetic_fits():
    result = extraction.extract(GST_INVOICE)
    assert result.value("vendor") == "Sharma Traders Pvt Ltd"
    assert result.value("vendor_gstin") == "27AAPFU0939F1ZV"
    assert result.value("buyer_gstin") == "29AAGCA1234B1Z5"
    assert result.value("invoice_number") == "INV/25-26/0042"
    assert result.value("date") == date(2025, 3, 3)  # DD-MM-YYYY, not the due date below it
    assert result.value("currency") == "INR"
    assert result.value("subtotal") == Decimal("123457.00")
    assert [(t.kind, t.rate, t.amount) for t in result.taxes] == [
        ("CGST", Decimal(9), Decimal("11111.13")), ("SGST", Decimal(9), Decimal("11111.13"))]
    assert result.value("tax") == Decimal("22222.26")
    assert result.value("round_off") == Decimal("-0.26")
    assert result.value("total") == Decimal("145679.00")
    assert result.fields["total"].confidence >= 90  # the arithmetic agreed
    assert [(i.quantity, i.amount) for i in result.items] == [(10, Decimal("95000.00")), (2, Decimal("28457.00"))]
    assert result.kind == "invoice"


def test_a_us_receipt_reads_month_first_and_sales_tax():
    result = extraction.extract(US_RECEIPT)
    assert result.value("currency") == "USD"
    assert result.value("date") == date(2026, 3, 4)
    assert result.value("invoice_number") == "4411-0007"
    assert (result.value("subtotal"), result.value("tax"), result.value("total")) == (
        Decimal("10.25"), Decimal("0.91"), Decimal("11.16"))
    assert result.taxes[0].kind == "SALES_TAX"
    assert result.kind == "receipt"


@pytest.mark.parametrize(("line", "currency", "expected"), [
    ("Date: 03 Mar 2025", "INR", date(2025, 3, 3)),
    ("Date: Mar 3, 2025", "USD", date(2025, 3, 3)),
    ("Date: 03-Mar-2025", "GBP", date(2025, 3, 3)),
    ("Date: 04/03/2025", "GBP", date(2025, 3, 4)),
    ("Date: 04/03/2025", "USD", date(2025, 4, 3)),
    ("Date: 25/03/2025", "USD", date(2025, 3, 25)),  # 25 cannot be a month, whatever the locale
    ("Date: 2025-03-04", "USD", date(2025, 3, 4)),
])
def test_dates_follow_the_vendors_locale(line, currency, expected):
    mark = {"INR": "Rs.", "USD": "$", "GBP": "£"}[currency]
    result = extraction.extract(f"Shop Ltd\n{line}\nTotal {mark} 10.00\n")
    assert result.value("date") == expected


@pytest.mark.parametrize(("text", "amount"), [
    ("1,23,456.78", Decimal("123456.78")),
    ("12,34,56,789.00", Decimal("123456789.00")),
    ("123,456.78", Decimal("123456.78")),
    ("1,180.00", Decimal("1180.00")),
    ("(0.40)", Decimal("-0.40")),
])
def test_amounts_in_indian_and_western_grouping(text, amount):
    assert extraction.last_money(f"Total {text}").value == amount


def test_a_rate_is_not_an_amount_and_bad_grouping_is_not_either():
    assert extraction.last_money("CGST 9.00%") is None
    assert extraction.last_money("Code 1,2345.00") is None


def test_euro_receipts_with_decimal_commas():
    result = extraction.extract("Cafe Central\nDatum 04.03.2026\nZwischensumme\nTotal € 1.234,50\n")
    assert result.value("currency") == "EUR"
    assert result.value("total") == Decimal("1234.50")
    assert result.value("date") == date(2026, 3, 4)


def test_ocr_slips_inside_amounts_are_mended():
    result = extraction.extract("Shop Pvt Ltd\nSubtotal Rs. 1,0O0.00\nTax 18O.0O\nTOTAL Rs. 1, 180.00\n", ocr=True)
    assert (result.value("subtotal"), result.value("tax"), result.value("total")) == (
        Decimal("1000.00"), Decimal("180.00"), Decimal("1180.00"))


def test_a_grand_total_wins_over_the_item_tables_total():
    text = "Vendor Ltd\nTotal 1,000.00\nIGST @ 18% 180.00\nGrand Total 1,180.00\n"
    assert extraction.extract(text).value("total") == Decimal("1180.00")


def test_nothing_found_means_no_field_rather_than_a_guess():
    result = extraction.extract("hello world\n")
    assert result.value("total") is None and result.value("date") is None and result.value("vendor_gstin") is None


@pytest.mark.parametrize("line", [
    "Our GSTIN 29DPAHN9074X1ZY",  # no colon: the label must not be glued to the value
    "GSTIN: 29DPAHN9074X1ZY",
    "GST No. 29DPAHN9074X1ZY",
    "GSTIN/UIN 29DPAHN9074X1ZY",
    "GSTIN : 29DPAHN9074X1 ZY",  # OCR split the value at a wide letter
])
def test_the_vendor_gstin_is_read_after_any_label(line):
    vendor, _buyer = extraction.find_gstins(["Kaveri Office Supplies", line])
    assert vendor is not None and vendor.value == "29DPAHN9074X1ZY"


def test_a_tax_line_whose_amount_is_unreadable_leaves_the_tax_unknown_not_zero():
    text = US_RECEIPT.replace("Sales Tax 8.875% 0.91", "Sales Tax 8.875% ee")
    result = extraction.extract(text, ocr=True)
    assert result.value("subtotal") == Decimal("10.25") and result.value("total") == Decimal("11.16")
    assert result.value("tax") is None
    assert result.fields["tax"].note == extraction.TAX_UNREAD


def test_prices_that_include_vat_are_no_unread_tax():
    text = US_RECEIPT.replace("Sales Tax 8.875% 0.91\n", "").replace("TOTAL $11.16", "TOTAL $10.25") \
        + "Prices include VAT\n"
    result = extraction.extract(text)
    assert "tax" not in result.fields


def test_a_gstin_that_ocr_read_sixteen_characters_long_is_still_found_after_its_label():
    from financeapp.documents.extraction import find_gstins

    vendor, buyer = find_gstins(["GSTIN: 24ZEQPNO0759R1ZY", "Bill To:", "GSTIN: 27KOTCZ3289F1ZG"])
    assert vendor.value == "24ZEQPNO0759R1ZY" and buyer.value == "27KOTCZ3289F1ZG"


def test_a_space_ocr_put_before_a_comma_group_is_closed_up():
    from financeapp.documents.extraction import clean_lines

    assert clean_lines("Taxable Value INR 4,41 ,090.60", ocr=True) == ["Taxable Value INR 4,41,090.60"]
    assert clean_lines("Qty 4 ,090", ocr=True) == ["Qty 4 ,090"]  # no grouping before it: left as read


def test_a_number_ocr_broke_at_a_wide_gap_is_joined_but_only_in_ocr_text():
    from financeapp.documents.extraction import find_number

    line = ["Invoice # INV/25-26/31 41 Invoice Date: 23-02-2026"]
    assert find_number(line, day_first=True, ocr=True).value == "INV/25-26/3141"
    assert find_number(line, day_first=True, ocr=False).value == "INV/25-26/31"
    assert find_number(["Receipt No: 4783-1171 10:42"], day_first=True, ocr=True).value == "4783-1171"
