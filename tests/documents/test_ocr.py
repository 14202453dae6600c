"""The OCR path on a small generated subset: a 150-dpi scan, an image-only PDF and a phone photo.

Skipped with the reason when Tesseract is missing; a failure instead with FINANCEAPP_REQUIRE_OCR=1 (CI).
The full accuracy run is bench/documents.py.
"""

from __future__ import annotations

import random

import pytest

from financeapp.documents import ocr
from tests.documents.conftest import upload_and_read
from tests.documents.corpus import image_bytes, one_invoice, one_photo, one_scan, scan

pytestmark = pytest.mark.usefixtures("needs_ocr")


def test_a_150_dpi_scan_is_read_by_ocr(ada):
    user, ws = ada
    content, truth = one_scan(61)
    doc = upload_and_read(ws, user, "scan.png", content)
    assert (doc.status, doc.source) == ("processed", "ocr")
    assert (doc.total, doc.invoice_date, doc.invoice_number) == (truth.total, truth.on, truth.number)
    assert doc.vendor_gstin == truth.vendor_gstin and doc.gstin_valid is True
    assert "total_mismatch" not in doc.flag_codes and "invalid_gstin" not in doc.flag_codes


def test_an_image_only_pdf_goes_to_ocr_page_by_page(ada):
    user, ws = ada
    _spec, pdf, truth = one_invoice(62)
    image_pdf = image_bytes(scan(pdf, random.Random(62)), "PDF", resolution=150.0)
    doc = upload_and_read(ws, user, "scanned.pdf", image_pdf)
    assert (doc.source, doc.pages) == ("ocr", 1)
    assert doc.total == truth.total


def test_a_tilted_noisy_phone_photo_of_a_receipt_is_straightened_and_read(ada):
    user, ws = ada
    content, truth = one_photo(63)
    doc = upload_and_read(ws, user, "photo.jpg", content)
    assert doc.source == "ocr"
    assert (doc.total, doc.currency) == (truth.total, truth.currency)


def test_deskew_finds_the_tilt_of_a_photo():
    from PIL import Image, ImageDraw

    page = Image.new("L", (900, 900), 255)
    draw = ImageDraw.Draw(page)
    for y in range(60, 860, 40):
        draw.rectangle((60, y, 840, y + 12), fill=0)
    tilted = page.rotate(2.5, resample=Image.Resampling.BICUBIC, fillcolor=255)
    assert ocr.skew_angle(tilted) == pytest.approx(-2.5, abs=0.5)


def test_missing_tesseract_is_said_in_words(monkeypatch):
    monkeypatch.setenv("TESSERACT_CMD", "/nonexistent/tesseract")
    assert "apt install tesseract-ocr" in ocr.missing()


def test_a_latin_word_with_a_devanagari_sign_in_it_is_a_misreading():
    assert ocr._mixed_script("1॥/25-26/1131")
    assert not ocr._mixed_script("TI/25-26/1131") and not ocr._mixed_script("रुपये")


def test_key_lines_are_those_of_gstins_numbers_and_dates():
    for line in ("GSTIN: 27AAPFU0939F1ZV", "Invoice # TI/25-26/1131", "Bill No: 42", "Date: 01/02/2026"):
        assert ocr.KEY_LINE.search(line), line
    assert not ocr.KEY_LINE.search("Taxable Value Rs. 85,218.00")
    assert not ocr.KEY_LINE.search("Place of Supply: 27 Due Date: 20/10/2025")  # not a field that is read
