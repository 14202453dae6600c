"""OFX 1.x SGML, OFX 2.x XML and QFX samples parse exactly; broken files raise ParseError naming the problem."""

from __future__ import annotations

import pytest

from financeapp.imports.parsed import ParseError
from financeapp.imports.parsers import parse
from financeapp.imports.parsers.ofx import parse_ofx

from .helpers import D, day, sample


def test_sgml_statement_with_unclosed_tags_reads_account_balance_and_windows_1252_text() -> None:
    parsed = parse(sample("ofx1_sgml_1252.ofx"), "statement.ofx")

    assert parsed.format == "ofx"
    assert parsed.warnings == []
    [statement] = parsed.statements
    assert statement.account_number == "DE02120300000000202051"
    assert statement.currency == "EUR"
    assert statement.account_type == "checking"
    assert statement.closing_balance == D("3210.94")
    assert statement.closing_date == day("2024-03-05")
    first, check, salary = statement.transactions
    assert (first.row, first.on, first.amount, first.external_id) == (1, day("2024-03-01"), D("-12.50"), "2024030101")
    assert (first.payee, first.memo) == ("Café Crème Société", "Kartenzahlung 5€")
    assert (check.amount, check.check_number, check.payee) == (D("-1234.56"), "1042", "Hausverwaltung Schmidt")
    assert (salary.on, salary.amount, salary.memo) == (day("2024-03-05"), D("2500.00"), "Gehalt März & Bonus")


def test_decimal_comma_amounts_read_the_same_as_decimal_points() -> None:
    data = sample("ofx1_sgml_1252.ofx").replace(b"<TRNAMT>-1234.56", b"<TRNAMT>-1.234,56")
    data = data.replace(b"<TRNAMT>-12.50", b"<TRNAMT>-12,50").replace(b"<BALAMT>3210.94", b"<BALAMT>3.210,94")

    [statement] = parse_ofx(data).statements

    assert [t.amount for t in statement.transactions] == [D("-12.50"), D("-1234.56"), D("2500.00")]
    assert statement.closing_balance == D("3210.94")


def test_xml_file_with_two_accounts_gives_two_statements() -> None:
    parsed = parse(sample("ofx2_two_accounts.ofx"), "download.ofx")

    savings, card = parsed.statements
    assert (savings.account_number, savings.account_type, savings.currency) == ("999988", "savings", "USD")
    assert (card.account_number, card.account_type, card.currency) == ("4111111111111111", "credit_card", "USD")
    assert [t.amount for t in savings.transactions] == [D("1.07"), D("-200.00")]
    assert [t.amount for t in card.transactions] == [D("-45.99"), D("-3.50"), D("200.00")]
    assert [t.row for t in savings.transactions + card.transactions] == [1, 2, 3, 4, 5]
    assert card.closing_balance == D("-349.49")


def test_payee_aggregate_cdata_memo_and_transfer_target_do_not_leak_into_the_statement() -> None:
    savings = parse(sample("ofx2_two_accounts.ofx"), "download.ofx").statements[0]
    transfer = savings.transactions[1]

    assert transfer.payee == "Ünited Trüst"
    assert transfer.memo == "Transfer <to> card"
    assert transfer.on == day("2024-01-15")  # the date as written, whatever the time zone
    assert savings.account_number == "999988"  # not BANKACCTTO's 555


def test_qfx_keeps_its_format_and_decodes_entities_escaped_twice() -> None:
    parsed = parse(sample("sample.qfx"), "bank.QFX")

    assert parsed.format == "qfx"
    [card] = parsed.statements
    assert (card.account_number, card.currency, card.account_type) == ("5500 0000 0000 0004", "CAD", "credit_card")
    hydro, power = card.transactions
    assert (hydro.payee, hydro.memo, hydro.amount) == ("TPAY <DEFTPYMT>", "B.C. HYDRO & POWER", D("-1.00"))
    assert (power.payee, power.amount, power.on) == ("Montréal Électrique", D("-1234.56"), day("2023-05-20"))
    assert card.closing_balance == D("-1235.56")


def test_a_header_claiming_latin_1_for_utf_8_bytes_is_read_as_utf_8_with_a_warning() -> None:
    data = sample("sample.qfx").replace(b"ENCODING:UTF-8", b"ENCODING:USASCII").replace(b"CHARSET:NONE",
                                                                                       b"CHARSET:8859-1")
    parsed = parse_ofx(data)

    assert parsed.statements[0].transactions[1].payee == "Montréal Électrique"
    assert "declares CHARSET:8859-1 but the file is UTF-8" in parsed.warnings[0]


def test_truncated_file_raises_parse_error_naming_where_it_stops() -> None:
    with pytest.raises(ParseError, match=r"cut short: it ends inside <STMTTRN> without the closing </OFX>"):
        parse(sample("malformed_truncated.ofx"), "truncated.ofx")


@pytest.mark.parametrize(
    ("old", "new", "message", "row"),
    [
        (b"<TRNAMT>-1234.56", b"<TRNAMT>$1234.56", "TRNAMT “$1234.56” of the transaction with FITID 2024030202", 2),
        (b"<DTPOSTED>20240302", b"<DTPOSTED>20240231", "DTPOSTED “20240231”", 2),
        (b"<DTPOSTED>20240302\r\n", b"", "the transaction with FITID 2024030202 has no posting date", 2),
        (b"<SEVERITY>INFO</STATUS><DTSERVER>", b"<SEVERITY>ERROR</STATUS><DTSERVER>", "refused the sign-on", None),
    ],
)
def test_broken_values_raise_parse_error_with_the_transaction_number(
    old: bytes, new: bytes, message: str, row: int | None
) -> None:
    data = sample("ofx1_sgml_1252.ofx")
    assert old in data
    with pytest.raises(ParseError) as caught:
        parse_ofx(data.replace(old, new, 1))
    assert message in str(caught.value)
    assert caught.value.row == row


@pytest.mark.parametrize("junk", [b"", b"\x00\x01\x02binary", b"<html><body>Login</body></html>"])
def test_files_that_are_not_ofx_raise_parse_error(junk: bytes) -> None:
    with pytest.raises(ParseError, match="not an OFX file"):
        parse_ofx(junk)


def test_investment_statement_imports_cash_lines_and_lists_what_it_skipped() -> None:
    data = (
        b"<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS></SONRS></SIGNONMSGSRSV1>"
        b"<INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS><CURDEF>USD<INVACCTFROM><BROKERID>b.com<ACCTID>77"
        b"</INVACCTFROM><INVTRANLIST><BUYSTOCK><INVBUY><INVTRAN><FITID>1<DTTRADE>20240102</INVTRAN>"
        b"<TOTAL>-100</INVBUY><BUYTYPE>BUY</BUYSTOCK><INCOME><INVTRAN><FITID>2<DTTRADE>20240103</INVTRAN>"
        b"<TOTAL>5</INCOME><INVBANKTRAN><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240104<TRNAMT>250.00<FITID>3"
        b"<NAME>Deposit</STMTTRN><SUBACCTFUND>CASH</INVBANKTRAN></INVTRANLIST><INVPOSLIST><POSSTOCK><INVPOS>"
        b"<UNITS>1</INVPOS></POSSTOCK></INVPOSLIST></INVSTMTRS></INVSTMTTRNRS></INVSTMTMSGSRSV1></OFX>"
    )
    [statement] = parse_ofx(data).statements

    assert (statement.account_number, statement.account_type) == ("77", "investment")
    assert [(t.amount, t.payee, t.external_id) for t in statement.transactions] == [(D("250.00"), "Deposit", "3")]
    assert statement.skipped == [
        "2 investment transactions (1 BUYSTOCK, 1 INCOME): a bank import reads only the cash lines (INVBANKTRAN); "
        "the trades import with flask investments import or the import wizard",
        "1 position (holdings)",
    ]
