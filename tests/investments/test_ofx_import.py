"""Importing OFX/QFX investment statements: trades, positions, prices; re-import adds nothing; undo.

The acceptance test (issue 16, point 3) runs over every investment fixture in ../shared/fixtures (skipped with
one line when the folder is absent): each imports its trades and positions, the holdings afterwards equal the
statement's INVPOS units (read here from the file with a regular expression, not by the app's parser), and a
second import adds nothing. The other tests use a small statement written in tests/investments/import_helpers.py.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from financeapp.core.errors import Invalid
from financeapp.extensions import db
from financeapp.imports import committing
from financeapp.imports.models import ImportBatch
from financeapp.imports.parsers import parse
from financeapp.investments import importing, services
from financeapp.investments.models import Price, Security, Trade
from tests.conftest import SHARED
from tests.factories import make_account, make_user, personal_workspace
from tests.investments.import_helpers import ACME, TRANSACTIONS, cli, counts, holdings, statement

FIXTURES = SHARED / "fixtures"
D = Decimal


def _investment_fixtures() -> list[Path]:
    found = []
    for folder in ("ofx", "qfx"):
        if (FIXTURES / folder).is_dir():
            found += [p for p in sorted((FIXTURES / folder).iterdir())
                      if p.is_file() and b"INVSTMTRS" in p.read_bytes()]
    return found


FILES = _investment_fixtures()
# Lines each statement holds (investment transactions + INVBANKTRAN), as ../shared/fixtures/README.md counts them,
# less those this version leaves out with a warning (tiaacref's one TRANSFER of 0 units, a balance update).
EXPECTED_LINES = {
    "beancount-import_checking2.ofx": 13, "beancount-import_fidelity_treasury.ofx": 3,
    "beancount-import_investment_buy_sell_income.ofx": 20, "beancount-import_vanguard_xfer_in.ofx": 2,
    "ledger-autosync_cusip.ofx": 2, "ledger-autosync_fidelity_fee.ofx": 5, "ledger-autosync_income.ofx": 1,
    "ofxparse_fidelity-savings.ofx": 4, "ofxparse_fidelity.ofx": 17, "ofxparse_investment_401k.ofx": 3,
    "ofxparse_investment_medium.ofx": 3, "ofxparse_td_ameritrade.ofx": 0, "ofxparse_tiaacref.ofx": 0,
    "ofxparse_vanguard.ofx": 1, "ofxparse_vanguard401k.ofx": 5,
    "ofxstatement_ofx_spec201_invest_transactions_example.xml": 3, "ofxtools_invstmtrs.ofx": 2,
    "beangulp_example.qfx": 18,
}


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("broker@example.com"))


def statement_units(data: bytes) -> dict[str, D]:
    """INVPOS units per security, summed (a security may be held in two sub-accounts), read with a regex."""
    text = data.decode("latin-1")
    units: dict[str, D] = defaultdict(D)
    for block in re.findall(r"<INVPOS>(.*?)</INVPOS>", text, re.DOTALL | re.IGNORECASE):
        uid = re.search(r"<UNIQUEID>\s*([^<\s]+)", block)
        value = re.search(r"<UNITS>\s*([-+]?[\d.]+)", block)
        assert uid and value, block
        units[uid.group(1).upper()] += D(value.group(1))
    return dict(units)


def test_the_fixtures_are_all_counted():
    if not FILES:
        pytest.skip("../shared/fixtures is absent (a clone without the shared fixtures)")
    assert sorted(p.name for p in FILES) == sorted(EXPECTED_LINES)


@pytest.mark.skipif(not FILES, reason="../shared/fixtures is absent (a clone without the shared fixtures)")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_investment_fixture_imports_its_trades_and_positions_and_again_adds_nothing(ws, path):
    data = path.read_bytes()
    result = importing.import_file(ws, None, path.name, data)
    db.session.commit()
    [plan] = result.plans
    lines = plan.counts()
    assert (lines["total"], lines["new"], lines["error"]) == (EXPECTED_LINES[path.name],) * 2 + (0,)
    account = plan.target.account
    assert account is not None and account.type == "investment"
    trades = list(db.session.scalars(sa.select(Trade).where(Trade.account_id == account.id)))
    assert len(trades) == lines["new"] + lines["opening"]
    assert all(t.import_batch_id == result.batch.id for t in trades)

    units = statement_units(data)
    held = holdings(ws, account)
    for uid, quantity in units.items():
        assert held.get(uid, D(0)) == quantity, (uid, held)
    statement_prices = db.session.scalar(sa.select(sa.func.count()).select_from(Price).where(
        Price.workspace_id == ws.id, Price.source == "statement")) or 0
    assert statement_prices == len(plan.prices)

    before = counts(ws)
    again = importing.import_file(ws, None, path.name, data)
    db.session.commit()
    [second] = again.plans
    assert second.counts()["new"] == 0 and second.counts()["opening"] == 0
    assert second.counts()["duplicate"] == EXPECTED_LINES[path.name]
    assert second.target.account is not None and second.target.account.id == account.id
    assert {**counts(ws), "batches": before["batches"]} == before
    assert holdings(ws, account) == held


def test_the_statement_imports_each_kind_with_its_cash_and_holdings(ws):
    result = importing.import_file(ws, None, "march.ofx", statement())
    db.session.commit()
    [plan] = result.plans
    assert plan.counts() == {"new": 7, "duplicate": 0, "error": 0, "skipped": 0, "opening": 1, "total": 7}
    account = plan.target.account
    assert (account.name, account.type, account.currency, account.number) == (
        "Investment BRK-1", "investment", "USD", "BRK-1")
    trades = list(db.session.scalars(sa.select(Trade).where(Trade.account_id == account.id).order_by(Trade.id)))
    assert [(t.kind, t.on.isoformat(), t.quantity.normalize(), t.amount, t.external_id) for t in trades] == [
        ("transfer_in", "2024-02-15", D("3"), D("0"), None),  # the opening position the statement implies
        ("deposit", "2024-01-01", D("0"), D("2000.00"), "C1"),
        ("buy", "2024-01-02", D("10"), D("-1005.00"), "B1"),
        ("dividend", "2024-02-01", D("0"), D("12.50"), "D1"),
        ("reinvest", "2024-02-15", D("2"), D("0"), "R1"),
        ("split", "2024-03-01", D("10"), D("0"), "S1"),
        ("sell", "2024-03-10", D("5"), D("299.00"), "S2"),
        ("transfer_in", "2024-03-12", D("3"), D("0"), "T1"),
    ]
    buy = trades[2]
    assert (buy.price, buy.fees, buy.memo, buy.security.symbol) == (D("100"), D("5"), "Bought Acme", "ACME")
    assert (trades[5].split_from, trades[5].split_to) == (D("1"), D("2"))
    assert trades[0].price == D("10.5") and "Opening position" in trades[0].memo
    acme = db.session.scalar(sa.select(Security).where(Security.symbol == "ACME"))
    fund = db.session.scalar(sa.select(Security).where(Security.symbol == "VFUND"))
    assert (acme.name, acme.kind, acme.unique_id, acme.currency) == ("Acme Corp", "stock", "000000001", "USD")
    assert (fund.kind, fund.unique_id) == ("fund", "US0000000002")
    assert holdings(ws, account) == {"000000001": D("15"), "US0000000002": D("8")}
    book = services.portfolio(ws, accounts=[account], as_of=date(2024, 3, 31))
    assert book.cash == {"USD": D("1306.50")}  # 2000 - 1005 + 12.50 + 299
    prices = {(p.security.symbol, p.on.isoformat(), p.close.normalize(), p.source)
              for p in db.session.scalars(sa.select(Price))}
    assert prices == {("ACME", "2024-03-29", D("61"), "statement"), ("VFUND", "2024-03-29", D("10.5"), "statement")}
    [position_note] = [p.note for p in plan.positions if p.symbol == "VFUND"]
    assert position_note == "opening transfer in of 3 added"


def test_a_second_statement_overlapping_the_first_adds_only_its_new_lines(ws):
    importing.import_file(ws, None, "march.ofx", statement())
    db.session.commit()
    more = TRANSACTIONS + (
        f"<INCOME><INVTRAN><FITID>D2<DTTRADE>20240401</INVTRAN>{ACME}<INCOMETYPE>DIV<TOTAL>7.50</INCOME>")
    result = importing.import_file(ws, None, "april.ofx", statement(more))
    db.session.commit()
    [plan] = result.plans
    assert plan.counts()["new"] == 1 and plan.counts()["duplicate"] == 7 and plan.counts()["opening"] == 0
    assert counts(ws)["trades"] == 9


def test_lines_without_a_statement_id_are_found_again_by_their_date_kind_security_quantity_and_amount(ws):
    lines = re.sub(r"<FITID>[A-Z0-9]+", "", TRANSACTIONS)
    importing.import_file(ws, None, "no-ids.ofx", statement(lines))
    db.session.commit()
    before = counts(ws)["trades"]
    [plan] = importing.import_file(ws, None, "no-ids.ofx", statement(lines)).plans
    db.session.commit()
    assert plan.counts()["duplicate"] == 7 and plan.counts()["new"] == 0
    assert {r.reason for r in plan.rows} == {"same date, kind, security, quantity and amount"}
    assert counts(ws)["trades"] == before


def test_two_identical_lines_in_one_file_stay_two_trades(ws):
    buy = (f"<BUYSTOCK><INVBUY><INVTRAN><DTTRADE>20240102</INVTRAN>{ACME}<UNITS>1<UNITPRICE>10<TOTAL>-10"
           "</INVBUY></BUYSTOCK>")
    importing.import_file(ws, None, "twice.ofx", statement(buy * 2, positions=""))
    db.session.commit()
    assert counts(ws)["trades"] == 2
    [plan] = importing.import_file(ws, None, "twice.ofx", statement(buy * 3, positions="")).plans
    assert plan.counts()["duplicate"] == 2 and plan.counts()["new"] == 1


def test_a_line_that_cannot_be_read_is_named_and_nothing_is_written(ws):
    bad = TRANSACTIONS.replace("<DTTRADE>20240201", "<DTTRADE>yesterday").replace("<UNITS>-5", "<UNITS>five")
    with pytest.raises(Invalid) as caught:
        importing.import_file(ws, None, "bad.ofx", statement(bad))
    db.session.rollback()
    assert "Nothing was imported: 2 lines have errors" in caught.value.message
    assert "line 3: INCOME D1: DTTRADE “yesterday” is not a date" in caught.value.message
    assert "line 6: SELLSTOCK S2: “five” is not a number" in caught.value.message
    assert counts(ws) == {"trades": 0, "securities": 0, "prices": 0, "accounts": 0, "batches": 0}


def test_a_failure_while_writing_leaves_nothing_behind(runner, ws):
    # Passes the plan, then the service refuses the fourth line (a quantity beyond what it keeps).
    huge = TRANSACTIONS.replace("<OLDUNITS>10<NEWUNITS>20<NUMERATOR>2<DENOMINATOR>1",
                                "<OLDUNITS>1<NEWUNITS>9000000000000000")
    code, out = cli(runner, _write(runner, "huge.ofx", statement(huge, positions="")), "--workspace", ws.id,
                    "--json")
    assert code == 1 and out["status"] == "refused"
    assert out["message"].startswith("Nothing was imported: line 5: That number is too large")
    assert counts(ws) == {"trades": 0, "securities": 0, "prices": 0, "accounts": 0, "batches": 0}


def test_a_sale_of_shares_the_account_never_held_opens_the_position_first(ws):
    sell = (f"<SELLSTOCK><INVSELL><INVTRAN><FITID>X1<DTTRADE>20240105</INVTRAN>{ACME}<UNITS>-4<UNITPRICE>50"
            "<TOTAL>200</INVSELL></SELLSTOCK>")
    [plan] = importing.import_file(ws, None, "sale.ofx", statement(sell, positions="")).plans
    db.session.commit()
    [opening] = [r for r in plan.rows if r.status == "opening"]
    assert (opening.kind, opening.quantity, opening.on) == ("transfer_in", D("4"), date(2024, 1, 5))
    assert "sells shares the account did not hold" in opening.reason
    assert holdings(ws) == {}


def test_more_shares_than_the_statement_holds_are_transferred_out_on_its_date(ws):
    account = make_account(ws, "Brokerage", type="investment", currency="USD", number="BRK-1")
    acme = services.find_or_create_security(ws, "ACME", currency="USD", unique_id="000000001")
    services.record_trade(ws, account, services.NewTrade(kind="buy", on=date(2023, 6, 1), security_id=acme.id,
                                                         quantity=D("40"), price=D("50")))
    db.session.commit()
    [plan] = importing.import_file(ws, None, "march.ofx", statement()).plans
    db.session.commit()
    assert plan.target.account.id == account.id and plan.target.how == "number"
    [closing] = [r for r in plan.rows if r.status == "opening" and r.symbol == "ACME"]
    assert (closing.kind, closing.quantity, closing.on) == ("transfer_out", D("80"), date(2024, 3, 29))
    assert holdings(ws, account)["000000001"] == D("15")


def test_undo_removes_the_trades_prices_securities_and_account_the_import_created(ws):
    existing = services.find_or_create_security(ws, "ACME", currency="USD")
    db.session.commit()
    result = importing.import_file(ws, None, "march.ofx", statement())
    db.session.commit()
    batch = db.session.get(ImportBatch, result.batch.id)
    assert (batch.status, batch.rows_total, batch.rows_imported) == ("committed", 7, 7)
    assert committing.undo_import(ws, batch) == 8
    db.session.commit()
    assert counts(ws) == {"trades": 0, "securities": 1, "prices": 0, "accounts": 0, "batches": 1}
    assert db.session.get(Security, existing.id) is not None  # it was there before: it stays
    assert db.session.get(ImportBatch, batch.id).status == "undone"
    with pytest.raises(Exception, match="already been undone"):
        committing.undo_import(ws, db.session.get(ImportBatch, batch.id))


def test_undo_is_refused_when_later_trades_need_the_imported_shares(ws):
    result = importing.import_file(ws, None, "march.ofx", statement())
    db.session.commit()
    account = result.plans[0].target.account
    acme = db.session.scalar(sa.select(Security).where(Security.symbol == "ACME"))
    services.record_trade(ws, account, services.NewTrade(kind="sell", on=date(2024, 4, 2), security_id=acme.id,
                                                         quantity=D("15"), price=D("70")))
    db.session.commit()
    with pytest.raises(Exception, match="later trades need its shares"):
        committing.undo_import(ws, db.session.get(ImportBatch, result.batch.id))
    db.session.rollback()
    assert counts(ws)["trades"] == 9  # eight imported, one typed in


def test_the_cli_creates_the_named_account_and_reports_counts_and_positions(runner, ws, tmp_path):
    path = tmp_path / "march.qfx"
    path.write_bytes(statement())
    code, out = cli(runner, path, "--workspace", "broker@example.com", "--account", "My broker", "--json")
    assert code == 0, out
    assert (out["status"], out["trades_added"], out["duplicates"], out["errors"], out["positions"]) == (
        "committed", 8, 0, 0, 2)
    [account] = out["accounts"]
    assert account["account"] == "My broker" and account["written"]["securities_created"] == 2
    assert account["positions"][1] == {"symbol": "VFUND", "units": "8", "held_after": "8",
                                       "note": "opening transfer in of 3 added"}
    code, again = cli(runner, path, "--workspace", ws.id, "--account", "My broker", "--json")
    assert code == 3 and again["trades_added"] == 0 and again["duplicates"] == 7
    code, text = cli(runner, path, "--workspace", ws.id, "--account", "My broker", "--dry-run")
    assert code == 3 and "duplicates: 7" in text and "Dry run: nothing was written." in text


def test_the_cli_refuses_a_bank_statement_and_an_account_that_is_not_an_investment_account(runner, ws, tmp_path):
    make_account(ws, "Checking")
    path = tmp_path / "march.ofx"
    path.write_bytes(statement())
    code, out = cli(runner, path, "--workspace", ws.id, "--account", "Checking", "--json")
    assert code == 1 and "Checking is not an investment account" in out["message"]
    bank = tmp_path / "bank.ofx"
    bank.write_bytes(b"<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKACCTFROM><ACCTID>1</BANKACCTFROM>"
                     b"</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>")
    code, out = cli(runner, bank, "--workspace", ws.id, "--json")
    assert code == 1 and "holds no investment statement" in out["message"]
    assert counts(ws)["batches"] == 0


def test_the_parser_reads_every_kind_from_the_one_tokenizer():
    parsed = parse(statement(), "march.ofx")
    [st] = parsed.statements
    assert [t.kind for t in st.trades] == ["deposit", "buy", "dividend", "reinvest", "split", "sell", "transfer_in"]
    buy, sell = st.trades[1], st.trades[5]
    assert (buy.quantity, buy.price, buy.fees, buy.amount, buy.security) == (
        D("10"), D("100"), D("5"), D("-1005.00"), "CUSIP:000000001")
    assert (sell.quantity, sell.amount, sell.fees) == (D("5"), D("299.00"), D("1"))
    assert [(p.security, p.units, p.unit_price) for p in st.positions] == [
        ("CUSIP:000000001", D("15"), D("61")), ("ISIN:US0000000002", D("8"), D("10.5"))]
    assert parsed.securities["ISIN:US0000000002"].symbol == "VFUND"
    assert [t.amount for t in st.transactions] == [D("2000.00")]  # the bank import still sees the cash line


def _write(runner, name: str, data: bytes) -> Path:
    path = Path(runner.app.config["UPLOAD_FOLDER"]) / name
    path.write_bytes(data)
    return path


def test_a_statement_id_the_file_reuses_identifies_only_its_first_line(ws):
    reused = TRANSACTIONS.replace("<FITID>D1", "<FITID>B1")
    [plan] = importing.import_file(ws, None, "reused.ofx", statement(reused)).plans
    db.session.commit()
    assert plan.counts()["new"] == 7
    assert "Line 3 has the statement id B1 of line 2" in " ".join(plan.warnings)
    [again] = importing.import_file(ws, None, "reused.ofx", statement(reused)).plans
    assert again.counts()["duplicate"] == 7 and again.counts()["new"] == 0


def test_a_short_sale_is_refused_with_a_message(ws):
    short_sale = TRANSACTIONS.replace("<SELLTYPE>SELL", "<SELLTYPE>SELLSHORT")
    with pytest.raises(Invalid, match="line 6: SELLSTOCK S2: a short sale \\(SELLSHORT\\) is not imported"):
        importing.import_file(ws, None, "short.ofx", statement(short_sale))
    db.session.rollback()
    assert counts(ws)["trades"] == 0
