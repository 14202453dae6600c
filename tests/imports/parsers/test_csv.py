"""CSV: sniffing, auto-detected mappings, stored mappings, amounts, dates and row-numbered errors."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from financeapp.imports.parsed import ParseError
from financeapp.imports.parsers import CsvMapping, header_signature, parse, sniff
from financeapp.imports.parsers.csv import parse_amount, parse_csv, parse_date

from .helpers import D, day, sample


def test_german_export_is_sniffed_through_its_header_lines_in_windows_1252() -> None:
    layout = sniff(sample("german_semicolon_cp1252.csv"))

    assert (layout.encoding, layout.delimiter, layout.quotechar, layout.header_row) == ("cp1252", ";", '"', 5)
    assert layout.header == ("Buchungstag", "Wertstellung", "Auftraggeber/Empfänger", "Verwendungszweck", "Betrag",
                             "Währung")
    assert layout.preamble[0] == "Umsatzanzeige;Girokonto"
    assert layout.sample_rows[1][3] == "Gehalt März\r\nPersonalnummer 4711"  # the file has CRLF line ends
    assert layout.problems == ()
    assert layout.suggested == CsvMapping(
        date_column=0, date_format="%d.%m.%Y", amount_column=4, payee_column=2, memo_column=3, currency_column=5,
        decimal_separator=",", thousands_separator=".", header_row=5, delimiter=";", encoding="cp1252",
    )


def test_german_export_parses_decimal_commas_trailing_minus_and_fields_spanning_lines() -> None:
    parsed = parse(sample("german_semicolon_cp1252.csv"), "umsaetze.csv")

    assert parsed.format == "csv"
    [statement] = parsed.statements
    assert statement.account_number == "" and statement.currency == "EUR"  # the Währung column
    rows = [(t.row, t.on, t.amount, t.payee, t.memo) for t in statement.transactions]
    assert rows == [
        (7, day("2024-03-01"), D("-3.50"), "Bäckerei Müller", "Brötchen"),
        (8, day("2024-03-04"), D("2345.67"), "Arbeitgeber GmbH", "Gehalt März Personalnummer 4711"),
        (10, day("2024-03-05"), D("-89.00"), "Stadtwerke", "Abschlag Strom"),  # line 10: the record above spans 2
        (11, day("2024-03-07"), D("12.30"), "Müller; Söhne", "Rückerstattung €"),
        (12, day("2024-03-08"), D("-1100.00"), "Vermieter", "Miete"),
    ]
    assert parsed.warnings == []  # the empty trailing rows are not worth a word


def test_utf_16_tab_separated_file_with_parentheses_and_currency_symbols() -> None:
    layout = sniff(sample("utf16_tab.csv"))
    assert (layout.encoding, layout.delimiter) == ("utf-16", "\t")

    [statement] = parse(sample("utf16_tab.csv"), "export.txt").statements
    assert [(t.on, t.amount, t.payee) for t in statement.transactions] == [
        (day("2024-01-15"), D("-12.50"), "GROCERY STORE #12"),
        (day("2024-01-16"), D("1234.56"), "PAYROLL ACME INC"),
        (day("2024-01-31"), D("-3.20"), "Zürich Café"),
    ]


def test_debit_and_credit_columns_with_dashes_and_a_transaction_id() -> None:
    layout = sniff(sample("debit_credit.csv"))
    mapping = layout.suggested
    assert mapping is not None
    assert (mapping.amount_column, mapping.debit_column, mapping.credit_column) == (None, 4, 5)
    assert mapping.external_id_column == 0

    [statement] = parse(sample("debit_credit.csv"), "dc.csv").statements
    assert [(t.amount, t.external_id, t.memo) for t in statement.transactions] == [
        (D("-25.00"), "A-100", "Screws, nails"),
        (D("3000.00"), "A-101", "February salary"),
        (D("4.99"), "A-102", ""),
        (D("-0.75"), "A-103", "Fee"),
    ]


def test_a_non_numeric_amount_names_the_csv_line_and_the_value() -> None:
    with pytest.raises(ParseError) as caught:
        parse(sample("malformed_bad_amount.csv"), "bad.csv")

    assert caught.value.row == 9
    assert str(caught.value) == "Row 9: “12,3x” is not an amount."


def test_an_unknown_date_names_the_csv_line_the_value_and_the_expected_format() -> None:
    with pytest.raises(ParseError) as caught:
        parse(sample("malformed_bad_date.csv"), "bad.csv")

    assert caught.value.row == 5
    assert str(caught.value) == "Row 5: “2024/13/45” is not a date in the format DD-MM-YYYY."


def test_dutch_af_bij_column_sets_the_sign() -> None:
    data = sample("malformed_bad_date.csv").replace(b"2024/13/45", b"18-01-2024")
    mapping = sniff(data).suggested
    assert mapping is not None and mapping.sign_column == 3

    amounts = [t.amount for t in parse_csv(data, mapping).statements[0].transactions]
    assert amounts == [D("-12.50"), D("2000.00"), D("-4.10"), D("-19.99")]


def test_mapping_round_trips_through_json() -> None:
    mapping = sniff(sample("german_semicolon_cp1252.csv")).suggested
    assert mapping is not None

    assert CsvMapping.from_dict(json.loads(json.dumps(mapping.to_dict()))) == mapping


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date_format": "%d.%m.%Y", "amount_column": 1}, "date_column is required"),
        ({"date_column": 0}, "amount column"),
        ({"date_column": 0, "amount_column": "2"}, "amount_column must be a column number"),
        ({"date_column": 0, "amount_column": 1, "date_format": "%Q"}, "use %d, %m, %Y"),
        ({"date_column": 0, "amount_column": 1, "encoding": "klingon"}, "Unknown encoding"),
        ({"date_column": 0, "amount_column": 1, "decimal_separator": ",", "thousands_separator": ","}, "differ"),
    ],
)
def test_a_stored_mapping_that_cannot_work_is_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CsvMapping.from_dict(data)


def test_header_signature_ignores_case_accents_and_spacing_but_not_the_columns() -> None:
    a = sniff("Datum;Betrag (EUR);Empfänger\n01.02.2024;1,00;X\n".encode())
    b = sniff(b"DATUM ; Betrag (eur) ; Empfanger\n01.02.2024;1,00;X\n")
    c = sniff(b"Datum;Betrag;Verwendungszweck\n01.02.2024;1,00;X\n")

    assert header_signature(a) == header_signature(b)
    assert header_signature(a) != header_signature(c)
    assert len(header_signature(a)) == 64


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        ("Date,Description,Amount", {"date_column": 0, "payee_column": 1, "amount_column": 2}),
        ("Buchungstag;Auftraggeber/Empfänger;Verwendungszweck;Betrag", {"payee_column": 1, "memo_column": 2}),
        ("Date d'opération;Libellé;Débit;Crédit", {"debit_column": 2, "credit_column": 3, "payee_column": 1}),
        ("Fecha;Concepto;Importe", {"date_column": 0, "payee_column": 1, "amount_column": 2}),
        ("Datum;Naam / Omschrijving;Af Bij;Bedrag (EUR);Mededelingen",
         {"payee_column": 1, "sign_column": 2, "amount_column": 3, "memo_column": 4}),
    ],
)
def test_usual_header_names_are_recognised_in_five_languages(header: str, columns: dict[str, int]) -> None:
    delimiter = ";" if ";" in header else ","
    cells = ["02.01.2024", "Shop", "Af", "12,50", "ref"][: header.count(delimiter) + 1]
    if "Af Bij" not in header:
        cells[2:] = ["12,50"] * (len(cells) - 2)
    mapping = sniff(f"{header}\n{delimiter.join(cells)}\n".encode()).suggested

    assert mapping is not None
    for name, index in columns.items():
        assert getattr(mapping, name) == index, name


def test_without_a_recognisable_header_parse_says_which_columns_are_missing() -> None:
    with pytest.raises(ParseError, match=r"could not be recognised: amount \(or debit and credit\)"):
        parse(b"Date,Who,What\n2024-01-01,A,B\n", "x.csv")
    with pytest.raises(ParseError, match="this file has none"):
        parse(b"2024-01-01,A,1.00\n2024-01-02,B,2.00\n", "x.csv")


@pytest.mark.parametrize(
    ("raw", "decimal", "thousands", "value"),
    [
        ("1.234,56", ",", ".", "1234.56"),
        ("-1.001,00", ",", ".", "-1001.00"),
        ("1,234.56", ".", ",", "1234.56"),
        ("(12.50)", ".", ",", "-12.50"),
        ("12.50-", ".", ",", "-12.50"),
        ("89,00-", ",", ".", "-89.00"),
        ("- $12.01", ".", ",", "-12.01"),
        ("-$123.45", ".", ",", "-123.45"),
        ("+ $73.01", ".", ",", "73.01"),
        ("EUR -5,00", ",", ".", "-5.00"),
        ("1 234,50 €", ",", ".", "1234.50"),
        ("\u062f.\u0627.\u200f4.750", ".", ",", "4.75"),  # YNAB's right-to-left JOD prefix
        ("12.50", ",", ".", "12.50"),  # a stray decimal point in a decimal-comma file
        ("−3,20", ",", ".", "-3.20"),  # U+2212 MINUS SIGN
        ("-0,00", ",", ".", "0.00"),
    ],
)
def test_amounts_as_banks_write_them(raw: str, decimal: str, thousands: str, value: str) -> None:
    assert parse_amount(raw, decimal, thousands) == D(value)
    assert str(parse_amount(raw, decimal, thousands)) == value


@pytest.mark.parametrize("raw", ["12,3x", "abc", "1.2.3", "1,23,4", "", "--", "12.50 EURO"])
def test_non_numbers_are_not_amounts(raw: str) -> None:
    assert parse_amount(raw, ",", ".") is None


@pytest.mark.parametrize(
    ("raw", "fmt", "value"),
    [
        ("28.03.18", "%d.%m.%y", "2018-03-28"),
        ("2017-02-14-11.57.44.235044", "%Y-%m-%d", "2017-02-14"),
        ("09/16/2020 as of 09/15/2020", "%m/%d/%Y", "2020-09-16"),
        ("8/2/2016", "%m/%d/%Y", "2016-08-02"),
        ("20200213", "%Y%m%d", "2020-02-13"),
        ("5 Mär 2024", "%d %b %Y", "2024-03-05"),
        ("Jan 5, 2024", "%b %d, %Y", "2024-01-05"),
    ],
)
def test_dates_in_the_usual_formats(raw: str, fmt: str, value: str) -> None:
    assert parse_date(raw, fmt) == day(value)


def test_ambiguous_slash_dates_are_read_month_first_with_a_note() -> None:
    parsed = parse(b"Date,Payee,Amount\n01/02/2024,A,-1.00\n03/04/2024,B,-2.00\n", "x.csv")

    assert [t.on for t in parsed.statements[0].transactions] == [day("2024-01-02"), day("2024-03-04")]
    assert "MM/DD/YYYY was assumed" in parsed.warnings[0]


def test_lines_without_an_amount_or_a_date_are_skipped_and_reported() -> None:
    data = b"Date,Payee,Amount\nPosted Transactions,,\n2024-01-01,A,-1.00\n2024-01-02,Pending,\nTotal,,-1.00\n"
    parsed = parse(data, "x.csv")

    assert [t.row for t in parsed.statements[0].transactions] == [3]
    assert parsed.warnings == [
        "Row 2 has no amount and was skipped.",
        "Row 4 has no amount and was skipped.",
        "Row 5 was skipped: “Total” is not a date (a title, total or notice line).",
    ]


def test_negate_flips_every_amount() -> None:
    mapping = sniff(sample("debit_credit.csv")).suggested
    assert mapping is not None

    amounts = [t.amount for t in parse_csv(sample("debit_credit.csv"), replace(mapping, negate=True))
               .statements[0].transactions]
    assert amounts == [D("25.00"), D("-3000.00"), D("-4.99"), D("0.75")]


def test_a_mapping_with_the_wrong_encoding_raises_parse_error() -> None:
    mapping = replace(sniff(sample("german_semicolon_cp1252.csv")).suggested, encoding="utf-8")  # type: ignore[type-var]
    with pytest.raises(ParseError, match="not in the utf-8 encoding"):
        parse_csv(sample("german_semicolon_cp1252.csv"), mapping)
