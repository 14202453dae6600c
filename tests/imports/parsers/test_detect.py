"""Format detection (content first, extension second) and the parse() entry point."""

from __future__ import annotations

import pytest

from financeapp.imports.parsed import ParseError
from financeapp.imports.parsers import detect_format, parse

from .helpers import sample


@pytest.mark.parametrize(
    ("name", "filename", "fmt"),
    [
        ("ofx1_sgml_1252.ofx", "statement.ofx", "ofx"),
        ("ofx1_sgml_1252.ofx", "download.bin", "ofx"),  # content wins over the extension
        ("ofx2_two_accounts.ofx", "x.xml", "ofx"),
        ("sample.qfx", "bank.QFX", "qfx"),
        ("splits_transfer.qif", "export.txt", "qif"),
        ("german_semicolon_cp1252.csv", "umsaetze.CSV", "csv"),
        ("utf16_tab.csv", "export.txt", "csv"),
        ("debit_credit.csv", "no-extension", "csv"),
        ("camt053_two_statements.xml", "auszug.dat", "camt053"),
    ],
)
def test_format_is_detected_from_the_content(name: str, filename: str, fmt: str) -> None:
    assert detect_format(filename, sample(name)) == fmt


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "x.csv", "The file is empty"),
        (b"%PDF-1.7\x00\x01\x02\x03\x04\x05\x06\x07\x08", "statement.pdf", "Unknown file format (.pdf)"),
        (b"<?xml version='1.0'?><rss><channel/></rss>", "feed.xml", "neither OFX nor CAMT.053 (its root element is"),
        (b"just some words\nwithout any structure\n", "notes", "Unknown file format"),
    ],
)
def test_unknown_formats_raise_a_clear_parse_error(data: bytes, filename: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        detect_format(filename, data)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("name", "fmt", "count"),
    [
        ("ofx1_sgml_1252.ofx", "ofx", 3),
        ("ofx2_two_accounts.ofx", "ofx", 5),
        ("sample.qfx", "qfx", 2),
        ("splits_transfer.qif", "qif", 4),
        ("german_semicolon_cp1252.csv", "csv", 5),
        ("utf16_tab.csv", "csv", 3),
        ("debit_credit.csv", "csv", 4),
        ("camt053_two_statements.xml", "camt053", 5),
    ],
)
def test_parse_dispatches_every_sample_to_its_parser(name: str, fmt: str, count: int) -> None:
    parsed = parse(sample(name), name)

    assert (parsed.format, parsed.transaction_count) == (fmt, count)
