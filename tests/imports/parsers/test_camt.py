"""CAMT.053: statements per account, signs, batch entries, references, balances, Latin-1, malformed XML, memory."""

from __future__ import annotations

import tracemalloc

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


CAMT053 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def camt(*statements: str, namespace: str = CAMT053) -> bytes:
    """A CAMT.053 document with one Stmt per argument (its inner XML)."""
    body = "".join(f"<Stmt>{inner}</Stmt>" for inner in statements)
    return (f'<?xml version="1.0"?><Document xmlns="{namespace}"><BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr>'
            f"{body}</BkToCstmrStmt></Document>").encode()


def entry(amount: str = "1.00", currency: str = "EUR", extra: str = "") -> str:
    return (f'<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
            f"<BookgDt><Dt>2024-01-02</Dt></BookgDt>{extra}</Ntry>")


def closing(amount: str, currency: str = "EUR") -> str:
    return (f'<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="{currency}">{amount}</Amt>'
            "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-31</Dt></Dt></Bal>")


def test_account_and_closing_balance_count_wherever_they_stand_in_the_statement() -> None:
    data = camt(entry(currency="USD") + closing("10.00", currency="CHF") + "<Acct><Id><IBAN>DE1</IBAN></Id></Acct>")
    statement = parse_camt(data).statements[0]

    # No Acct/Ccy: the closing balance's currency comes before the entries', as when the tree was searched.
    assert (statement.account_number, statement.currency, statement.closing_balance) == ("DE1", "CHF", D("10.00"))
    assert [t.amount for t in statement.transactions] == [D("-1.00")]


def test_a_namespace_less_document_is_unsupported() -> None:
    with pytest.raises(ParseError) as caught:
        parse_camt(b"<Document><BkToCstmrStmt><Stmt/></BkToCstmrStmt></Document>")
    assert "the root element <Document> in no namespace is not an ISO 20022" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # A bad closing balance is reported before a bad entry of the same statement, whichever comes first.
        (camt(entry("1,5x") + closing("9,9y")), "The closing balance “9,9y” is not an amount"),
        # An error in an early entry or in the root does not hide that the file is cut short further on.
        (camt(entry("1,5x") + entry() + entry())[:-40], "not well-formed XML"),
        (camt(entry(), namespace="urn:weird")[:-40], "not well-formed XML"),
        (camt(entry(), entry("zz")), "Row 2: The entry amount “zz” is not an amount"),
    ],
)
def test_the_error_reported_is_the_one_the_whole_document_shows_first(data: bytes, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_camt(data)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
        '<!DOCTYPE d [<!ENTITY c SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["billion-laughs", "external-entity"],
)
def test_entity_declarations_are_refused(doctype: str) -> None:
    data = camt(entry(extra="<AddtlNtryInf>&c;</AddtlNtryInf>")).replace(b"?>", f"?>{doctype}".encode(), 1)

    with pytest.raises(ParseError) as caught:
        parse_camt(data)
    assert "forbidden construct (EntitiesForbidden)" in str(caught.value)


def test_entries_are_read_one_at_a_time_not_held_as_a_tree() -> None:
    # 1,000 entries carrying 5 kB each that no transaction keeps: a 5 MB file. Holding its tree costs more than
    # the file; reading entry by entry costs one entry and the 1,000 small transactions (~0.4 MB when written).
    ignored = f"<BkTxCd><Prtry><Cd>{'x' * 5000}</Cd></Prtry></BkTxCd>"
    data = camt("<Acct><Id><IBAN>DE1</IBAN></Id></Acct>" + entry(extra=ignored) * 1000)

    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        parsed = parse_camt(data)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        if not was_tracing:
            tracemalloc.stop()

    assert parsed.transaction_count == 1000
    assert peak < len(data) / 4, f"peak {peak:,} bytes for a {len(data):,}-byte file"
