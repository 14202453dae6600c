"""QIF samples: accounts, splits, transfers, date orders, amounts; bad records raise ParseError with the record."""

from __future__ import annotations

import pytest

from financeapp.imports.parsed import ParsedSplit, ParseError
from financeapp.imports.parsers import parse
from financeapp.imports.parsers.qif import parse_qif

from .helpers import D, day, sample


def test_account_block_names_the_statement_and_records_keep_categories_and_check_numbers() -> None:
    parsed = parse(sample("splits_transfer.qif"), "export.qif")

    assert parsed.format == "qif"
    bank, _investments = parsed.statements
    assert (bank.account_name, bank.account_type, bank.account_number) == ("Joint Checking", "checking", "")
    rent = bank.transactions[0]
    assert (rent.row, rent.on, rent.amount) == (1, day("2023-10-23"), D("-1234.56"))
    assert (rent.payee, rent.memo, rent.category, rent.check_number) == (
        "Landlord Ltd", "October rent", "Housing:Rent", "1001"
    )


def test_an_unambiguous_day_decides_the_order_for_every_date_in_the_file() -> None:
    bank = parse_qif(sample("splits_transfer.qif")).statements[0]

    # 23/10/2023 can only be day/month, so 02/11/2023 is 2 November, and 5/11'23 is 5 November 2023.
    assert [t.on for t in bank.transactions] == [day("2023-10-23"), day("2023-11-02"), day("2023-11-05"),
                                                 day("2023-11-05")]


def test_splits_keep_their_signed_amounts_categories_memos_and_transfer_targets() -> None:
    shop = parse_qif(sample("splits_transfer.qif")).statements[0].transactions[1]

    assert shop.amount == D("-150.00")
    assert shop.category == ""
    assert shop.splits == (
        ParsedSplit(D("-100.00"), "Groceries", "Food"),
        ParsedSplit(D("-30.00"), "Household", ""),  # the class after "/" is not a category
        ParsedSplit(D("-20.00"), "[Cash Wallet]", "cash back"),
    )


def test_a_bracketed_category_is_a_transfer_and_thousands_separators_are_read() -> None:
    bank = parse_qif(sample("splits_transfer.qif")).statements[0]
    transfer, salary = bank.transactions[2], bank.transactions[3]

    assert (transfer.transfer_account, transfer.category, transfer.amount) == ("Savings", "", D("500.00"))
    assert (salary.amount, salary.category) == (D("1000.00"), "Income:Salary")


def test_investment_sections_are_skipped_with_a_note() -> None:
    invest = parse_qif(sample("splits_transfer.qif")).statements[1]

    assert invest.account_type == "investment"
    assert invest.transactions == []
    assert invest.skipped == ["1 investment record (!Type:Invst): investments are not imported yet"]


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["12/31/2023", "1/2/2024"], ["2023-12-31", "2024-01-02"]),  # M/D decided by 12/31
        (["31/12/2023", "1/2/2024"], ["2023-12-31", "2024-02-01"]),  # D/M decided by 31/12
        (["2023-01-02", "2023-12-30"], ["2023-01-02", "2023-12-30"]),  # ISO
        (["23/08/12", "23/3/3"], ["2023-08-12", "2023-03-03"]),  # YY/MM/DD: the smallest span wins
        (["1/ 2'99", "1/ 2'05"], ["2099-01-02", "2005-01-02"]),  # Quicken's apostrophe: 2000s
        (["10.18.23"], ["2023-10-18"]),
        (["03/25/099Share Withdrawal"], ["1999-03-25"]),  # a 3-digit year counts from 1900
    ],
)
def test_date_variants(dates: list[str], expected: list[str]) -> None:
    body = "".join(f"D{d}\nT-1.00\n^\n" for d in dates)
    [bank] = parse_qif(f"!Type:Bank\n{body}".encode()).statements

    assert [t.on for t in bank.transactions] == [day(e) for e in expected]


def test_dates_that_read_both_ways_are_taken_as_month_first_with_a_warning() -> None:
    parsed = parse_qif(b"!Type:CCard\nD01/02/2024\nT-5.00\n^\nD03/04/2024\nT-6.00\n^\n")

    assert [t.on for t in parsed.statements[0].transactions] == [day("2024-01-02"), day("2024-03-04")]
    assert parsed.statements[0].account_type == "credit_card"
    assert "month/day was used" in parsed.warnings[0]


def test_option_mdy_decides_without_a_warning() -> None:
    parsed = parse_qif(b"!Option:MDY\n!Type:Cash\nD01.02.24\nT-5,00\n^\n")

    assert parsed.statements[0].transactions[0].on == day("2024-01-02")
    assert parsed.statements[0].transactions[0].amount == D("-5.00")
    assert parsed.warnings == []


def test_splits_that_do_not_add_up_are_dropped_with_a_warning_and_the_total_kept() -> None:
    parsed = parse_qif(b"!Type:Bank\nD1/15/2024\nT-10.00\nSFood\n$-4.00\nSFun\n$-5.00\n^\n")

    txn = parsed.statements[0].transactions[0]
    assert (txn.amount, txn.splits) == (D("-10.00"), ())
    assert "do not add up" in parsed.warnings[0]


@pytest.mark.parametrize(
    ("body", "message", "row"),
    [
        ("D1/5/2024\nT-1.00\n^\nD1/6/2024\nT12,3x\n^\n", "“12,3x” (line 5) is not an amount", 2),
        ("D1/5/2024\nT-1.00\n^\nDyesterday\nT1.00\n^\n", "“yesterday” (line 5) is not a date", 2),
        ("PNo date here\nT-1.00\n^\n", "has no date (D line)", 1),
    ],
)
def test_bad_records_raise_parse_error_with_the_record_and_line(body: str, message: str, row: int) -> None:
    with pytest.raises(ParseError) as caught:
        parse_qif(f"!Type:Bank\n{body}".encode())
    assert message in caught.value.message
    assert caught.value.row == row


def test_a_file_without_a_qif_header_is_rejected() -> None:
    with pytest.raises(ParseError, match="not a QIF file"):
        parse_qif(b"D1/5/2024\nT-1.00\n^\n")
