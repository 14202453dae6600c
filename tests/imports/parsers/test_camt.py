"""CAMT.053: statements per account, signs, batch entries, references, balances, Latin-1, malformed XML."""

from __future__ import annotations

import pytest

from financeapp.imports.parsed import ParseError
from financeapp.imports.parsers import parse
from financeapp.imports.parsers.camt import parse_camt

from .helpers import D, day, sample


def test_each_stmt_is_a_statement_with_its_iban_or_other_id_currency_and_closing_balance() -> None:
    parsed = parse(sample("camt053_two_statements.xml"), "auszug.xml")

    assert parsed.format == "camt053"
    eur, chf = parsed.statements
    assert (eur.account_number, eur.currency, eur.closing_balance, eur.closing_date) == (
        "DE89370400440532013000", "EUR", D("1920.45"), day("2024-03-31")
    )
    assert (chf.account_number, chf.currency, chf.closing_balance) == ("0035-2915203-10-000", "CHF", D("-50.00"))


def test_entries_read_sign_counterparty_memo_and_the_banks_reference() -> None:
    eur = parse_camt(sample("camt053_two_statements.xml")).statements[0]
    power = eur.transactions[0]

    assert (power.row, power.on, power.amount) == (1, day("2024-03-04"), D("-79.55"))
    assert power.payee == "Stadtwerke München"  # the creditor of a debit
    assert power.memo == "Abschlag März Kunde 4711"  # Ustrd lines joined
    assert power.external_id == "BANKREF-0001"  # AcctSvcrRef before NtryRef and EndToEndId


def test_a_batch_entry_becomes_one_transaction_per_detail_with_ids_of_their_own() -> None:
    eur = parse_camt(sample("camt053_two_statements.xml")).statements[0]
    rent_a, rent_b = eur.transactions[1], eur.transactions[2]

    assert [(t.row, t.amount, t.payee, t.memo) for t in (rent_a, rent_b)] == [
        (2, D("600.00"), "Mieter A", "Miete A"),
        (2, D("400.00"), "Mieter B", "Miete B"),
    ]
    assert rent_a.on == rent_b.on == day("2024-03-15")  # DtTm with an offset: the date as written
    assert rent_a.external_id == "BANKREF-0002/1"  # NOTPROVIDED is no reference
    assert rent_b.external_id == "E2E-MIETE-B"


def test_value_date_stands_in_for_a_missing_booking_date_and_zero_is_not_negative() -> None:
    fee = parse_camt(sample("camt053_two_statements.xml")).statements[0].transactions[3]

    assert (fee.on, str(fee.amount), fee.memo, fee.external_id) == (day("2024-03-31"), "0.00", "Kontoführung", None)


def test_structured_reference_is_the_memo_when_there_is_no_unstructured_one() -> None:
    sbb = parse_camt(sample("camt053_two_statements.xml")).statements[1].transactions[0]

    assert (sbb.row, sbb.amount, sbb.payee, sbb.memo, sbb.external_id) == (
        4, D("-50.00"), "SBB CFF FFS", "RF18539007547034", "E2E-CHF-1"
    )


def test_latin_1_files_are_read_by_their_xml_declaration() -> None:
    data = sample("camt053_two_statements.xml").decode("utf-8").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    parsed = parse_camt(data.encode("latin-1"))

    assert parsed.statements[0].transactions[0].payee == "Stadtwerke München"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (sample("camt053_two_statements.xml")[:1500], "not well-formed XML"),
        (b"<?xml version='1.0'?><Document xmlns='urn:weird'><X/></Document>", "urn:weird is not an ISO 20022"),
        (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Document>&a;</Document>', "forbidden construct"),
        (sample("camt053_two_statements.xml").replace(b"<Amt Ccy=\"EUR\">79.55", b"<Amt Ccy=\"EUR\">79,5x"),
         "“79,5x” is not an amount"),
        (sample("camt053_two_statements.xml").replace(b"<BookgDt><Dt>2024-03-04</Dt></BookgDt><ValDt><Dt>2024-03-05"
                                                      b"</Dt></ValDt>", b""), "has no booking date"),
    ],
)
def test_malformed_files_raise_parse_error(data: bytes, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_camt(data)
    assert message in str(caught.value)
