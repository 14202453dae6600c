"""The checks that need no database: GSTIN validity and OCR repair, arithmetic, dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from financeapp.documents import checks

VALID = "27AAPFU0939F1ZV"


def test_a_valid_gstin_passes():
    assert checks.check_gstin(VALID, ocr=False) == checks.GstinCheck(VALID, True)


@pytest.mark.parametrize("read", ["27AAPFUO939F1ZV", "2TAAPFU0939F1ZV", "27AAPFU0939F12V", "27AAPFU0939F1ZV "])
def test_an_ocr_look_alike_is_corrected_when_one_candidate_passes(read):
    check = checks.check_gstin(read, ocr=True)
    assert (check.value, check.valid) == (VALID, True)
    assert check.corrected == (read.strip() != VALID)


def test_the_same_look_alike_in_a_text_pdf_is_invalid_not_corrected():
    check = checks.check_gstin("27AAPFUO939F1ZV", ocr=False)
    assert not check.valid and not check.corrected
    assert "not valid" in check.reason


def test_a_wrong_check_character_is_never_mended():
    check = checks.check_gstin("27AAPFU0939F1ZK", ocr=True)
    assert not check.valid and not check.corrected
    assert check.reason == "GSTIN 27AAPFU0939F1ZK is not valid: its check character is wrong."


def test_a_wrong_length_is_explained():
    assert "14 characters instead of 15" in checks.check_gstin("27AAPFU0939F1Z", ocr=False).reason


def test_the_arithmetic_holds_within_a_paisa_and_is_explained_when_not():
    assert checks.arithmetic(Decimal("1000"), Decimal("180"), Decimal("-0.40"), Decimal("1179.60"), "INR") is None
    assert checks.arithmetic(Decimal("1000"), Decimal("180"), None, Decimal("1180.01"), "INR") is None
    flag = checks.arithmetic(Decimal("1000"), Decimal("180"), None, Decimal("1190"), "INR")
    assert flag.code == "total_mismatch"
    assert "₹1,180.00" in flag.reason and "₹1,190.00" in flag.reason and "₹10.00 apart" in flag.reason


def test_without_a_taxable_value_there_is_no_arithmetic_to_check():
    assert checks.arithmetic(None, Decimal("180"), None, Decimal("1190"), "INR") is None


def test_future_and_very_old_dates_are_flagged():
    today = date(2026, 4, 1)
    assert checks.dates(date(2026, 4, 1), today) is None
    assert checks.dates(date(2026, 4, 2), today).code == "future_date"
    old = checks.dates(date(2023, 1, 1), today)
    assert old.code == "future_date" and "more than two years ago" in old.reason


def test_a_wrong_gstin_read_by_ocr_shows_the_characters_its_structure_demands():
    # 07EWBFK5266O3ZW has a wrong check character; OCR read the leading 0 as O and the PAN's last O as 0.
    check = checks.check_gstin("O7EWBFK526603ZW", ocr=True)
    assert (check.value, check.valid) == ("07EWBFK5266O3ZW", False)
    assert "check character is wrong" in check.reason


def test_a_gstin_seen_before_is_recognised_through_one_ocr_slip():
    # "J" read as "U": no look-alike repair fits, but the workspace knows 27AAPFJ0939F1Z? from earlier documents.
    right = next(f"27AAPFJ0939F1Z{c}" for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 if checks.gstin_is_valid(f"27AAPFJ0939F1Z{c}"))
    misread = right[:6] + "U" + right[7:]
    assert not checks.check_gstin(misread, ocr=True).valid
    check = checks.check_gstin(misread, ocr=True, known=[VALID, right])
    assert (check.value, check.valid, check.corrected) == (right, True, True)
    assert not checks.check_gstin(misread, ocr=False, known=[right]).valid  # a text layer is taken as printed


def test_a_wrong_check_character_is_not_mended_into_a_known_gstin():
    check = checks.check_gstin("27AAPFU0939F1ZK", ocr=True, known=[VALID])
    assert (check.value, check.valid, check.corrected) == ("27AAPFU0939F1ZK", False, False)


@pytest.mark.parametrize(("read", "why"), [("27AAPFUO0939F1ZV", "a 0 read as O0"), ("27AAPFU0939F12ZV", "Z read as 2Z"),
                                           ("227AAPFU0939F1ZV", "a doubled 2")])
def test_one_glyph_read_as_two_is_mended_when_one_reading_passes(read, why):
    check = checks.check_gstin(read, ocr=True)
    assert (check.value, check.valid, check.corrected) == (VALID, True, True), why


def test_a_split_glyph_in_a_gstin_with_a_wrong_check_character_stays_invalid_as_printed():
    check = checks.check_gstin("27AAPFUO0939F1ZK", ocr=True)
    assert (check.value, check.valid, check.corrected) == ("27AAPFU0939F1ZK", False, False)
    assert "check character is wrong" in check.reason


def test_sixteen_characters_without_a_look_alike_pair_are_not_guessed_at():
    check = checks.check_gstin("27AAPFU0939F1ZVX", ocr=True)  # X is no look-alike of V
    assert not check.valid and "16 characters" in check.reason


def test_a_repair_that_needs_two_guesses_is_not_made():
    # "27AAPFU0939F1ZV" misread in two places: two changes would be needed, and a one-in-36 check
    # character confirms a wrong pair of guesses too often to trust.
    check = checks.check_gstin("27AAPFUO939FIZV", ocr=True)
    assert not check.valid and not check.corrected
    assert check.could_be == VALID and "check it on the document" in check.reason


def test_a_two_guess_repair_is_taken_when_the_workspace_has_seen_that_gstin():
    check = checks.check_gstin("27AAPFUO939FIZV", ocr=True, known=[VALID])
    assert (check.value, check.valid, check.corrected) == (VALID, True, True)


def test_two_forced_fixes_are_one_guess_and_are_made():
    # O in a digit place and 0 in a letter place: the structure says both are wrong.
    assert checks.check_gstin("2TAAPFUO939F1ZV", ocr=True).value == VALID
    check = checks.check_gstin("O7EYUHT149302ZL", ocr=True)
    assert (check.value, check.valid, check.corrected) == ("07EYUHT1493O2ZL", True, True)


def test_a_forced_fix_and_a_free_swap_together_are_too_many_guesses():
    check = checks.check_gstin("27BTTCM958401ZI", ocr=True)  # printed 27BTTCM9584Q1ZI, its check character wrong
    assert not check.valid and check.could_be == "27BTTCM9584OIZI"


def test_a_sixteen_character_reading_is_checked_against_known_gstins_without_an_error():
    check = checks.check_gstin("27AAPFU0939F1ZVX", ocr=True, known=[VALID])
    assert not check.valid and "16 characters" in check.reason
