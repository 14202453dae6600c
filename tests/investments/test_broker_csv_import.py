"""Broker CSV exports (generic, Fidelity, Schwab, Interactive Brokers) and prices CSVs: parsing, import, re-import,
bad lines named one by one with nothing written, undo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.imports import committing
from financeapp.imports.models import ImportBatch
from financeapp.imports.parsers import broker_csv
from financeapp.investments import services
from financeapp.investments.models import Price, Security, Trade
from tests.factories import make_user, personal_workspace
from tests.investments.import_helpers import cli, counts, holdings

D = Decimal

GENERIC = b"""date,action,symbol,description,quantity,price,fees,amount,currency
2024-01-02,Deposit,,Cash in,,,,5000,USD
2024-01-03,Buy,ACME,Acme Corp,10,100.25,1.00,-1003.50,USD
2024-01-03,Buy,ACME,Acme Corp,10,100.25,1.00,-1003.50,USD
2024-02-01,Dividend,ACME,Acme Corp,,,,4.20,USD
2024-02-10,Sell,ACME,Acme Corp,-5,110,1,549,USD
2024-03-01,Stock split,ACME,Acme Corp 2 for 1,15,,,,USD
2024-03-05,Fee,,Account fee,,,,-2.50,USD
2024-03-06,Interest,,Cash interest,,,,0.33,USD
2024-03-07,Withdrawal,,To checking,,,,-100,USD
"""
FIDELITY = b"""

Brokerage

Run Date,Action,Symbol,Security Description,Security Type,Quantity,Price ($),Commission ($),Fees ($),Accrued Interest ($),Amount ($),Settlement Date
 01/16/2024,YOU BOUGHT APPLE INC (AAPL) (Cash),AAPL,APPLE INC,Equity,10,185.5,,0.02,,-1855.02,01/18/2024
 02/15/2024,DIVIDEND RECEIVED APPLE INC (AAPL) (Cash),AAPL,APPLE INC,Equity,,,,,,2.40,
 02/15/2024,REINVESTMENT APPLE INC (AAPL) (Cash),AAPL,APPLE INC,Equity,0.013,184.6,,,,-2.40,
 03/01/2024,YOU SOLD APPLE INC (AAPL) (Cash),AAPL,APPLE INC,Equity,-4,180,,0.01,,719.99,03/05/2024
 03/02/2024,Electronic Funds Transfer Received (Cash), ,No Description,Cash,,,,,,500,


"The data and information in this spreadsheet is provided to you solely for your use."
"Date downloaded 04/01/2024 10:00 am"
"""  # noqa: E501
SCHWAB = b""""Date","Action","Symbol","Description","Quantity","Price","Fees & Comm","Amount"
"04/15/2024 as of 04/12/2024","Buy","VTI","VANGUARD TOTAL STOCK MARKET ETF","5","$250.10","$0.00","-$1,250.50"
"04/20/2024","Qualified Dividend","VTI","VANGUARD TOTAL STOCK MARKET ETF","","","","$8.12"
"04/25/2024","Sell","VTI","VANGUARD TOTAL STOCK MARKET ETF","2","$260.00","$0.05","$519.95"
"04/30/2024","Bank Interest","","BANK INT 040124-043024 SCHWAB BANK","","","","$0.42"
"05/01/2024","MoneyLink Transfer","","Tfr BANK OF AMERICA","","","","-$100.00"
"Transactions Total","","","","","","","-$822.01"
"""
IBKR = b""""ClientAccountID","CurrencyPrimary","AssetClass","Symbol","Description","TradeDate","Quantity","TradePrice","IBCommission","NetCash","Buy/Sell","TradeID"
"U1234567","USD","STK","MSFT","MICROSOFT CORP","20240110","3","375.5","-1","-1127.5","BUY","111"
"U1234567","USD","STK","MSFT","MICROSOFT CORP","20240212","-1","405","-1","404","SELL","112"
"""  # noqa: E501


@pytest.fixture
def ws(ctx):
    return personal_workspace(make_user("csv@example.com"))


def kinds(data: bytes) -> list[tuple]:
    [statement] = broker_csv.parse_broker_csv(data).statements
    return [(t.row, t.kind, t.security, t.quantity, t.amount, t.error) for t in statement.trades]


def test_the_generic_columns_map_each_action_to_a_trade_kind():
    assert kinds(GENERIC) == [
        (2, "deposit", None, D(0), D("5000"), ""),
        (3, "buy", "ACME", D("10"), D("-1003.50"), ""),
        (4, "buy", "ACME", D("10"), D("-1003.50"), ""),
        (5, "dividend", "ACME", D(0), D("4.20"), ""),
        (6, "sell", "ACME", D("5"), D("549"), ""),
        (7, "split", "ACME", D("15"), D(0), ""),
        (8, "fee", None, D(0), D("-2.50"), ""),
        (9, "interest", None, D(0), D("0.33"), ""),
        (10, "withdrawal", None, D(0), D("-100"), ""),
    ]


def test_fidelity_history_with_its_preamble_footer_and_two_row_reinvestment():
    layout = broker_csv.sniff_broker(FIDELITY)
    assert layout.preset == "Fidelity" and layout.suggested.date_format == "%m/%d/%Y"
    parsed = broker_csv.parse_broker_csv(FIDELITY)
    assert kinds(FIDELITY) == [
        (6, "buy", "AAPL", D("10"), D("-1855.02"), ""),
        (7, "dividend", "AAPL", D(0), D("2.40"), ""),
        (8, "buy", "AAPL", D("0.013"), D("-2.40"), ""),  # the purchase half of the reinvested dividend
        (9, "sell", "AAPL", D("4"), D("719.99"), ""),
        (10, "deposit", None, D(0), D("500"), ""),
    ]
    assert parsed.securities["AAPL"].kind == "stock" and parsed.securities["AAPL"].name == "APPLE INC"
    assert len(parsed.warnings) == 2 and "Line 13 was left out" in parsed.warnings[0]


def test_schwab_dollar_amounts_as_of_dates_and_total_line():
    assert broker_csv.sniff_broker(SCHWAB).preset == "Schwab"
    parsed = broker_csv.parse_broker_csv(SCHWAB)
    assert [(t.on, t.kind, t.quantity, t.price, t.fees, t.amount) for t in parsed.statements[0].trades] == [
        (date(2024, 4, 15), "buy", D("5"), D("250.10"), D("0.00"), D("-1250.50")),
        (date(2024, 4, 20), "dividend", D(0), None, D(0), D("8.12")),
        (date(2024, 4, 25), "sell", D("2"), D("260.00"), D("0.05"), D("519.95")),
        (date(2024, 4, 30), "interest", D(0), None, D(0), D("0.42")),
        (date(2024, 5, 1), "withdrawal", D(0), None, D(0), D("-100.00")),
    ]
    assert parsed.warnings == ["Line 7 was left out: “Transactions Total” is not a trade (no date)."]


def test_interactive_brokers_trades_with_ids_currency_and_negative_commission():
    assert broker_csv.sniff_broker(IBKR).preset == "Interactive Brokers"
    parsed = broker_csv.parse_broker_csv(IBKR)
    buy, sell = parsed.statements[0].trades
    assert (buy.kind, buy.quantity, buy.price, buy.fees, buy.amount, buy.external_id, buy.currency) == (
        "buy", D("3"), D("375.5"), D("1"), D("-1127.5"), "111", "USD")
    assert (sell.kind, sell.quantity, sell.amount) == ("sell", D("1"), D("404"))
    assert parsed.statements[0].currency == "USD" and parsed.securities["MSFT"].kind == "stock"


def test_a_broker_csv_is_told_from_a_bank_csv():
    assert broker_csv.looks_like_broker_csv(GENERIC) and broker_csv.looks_like_broker_csv(IBKR)
    assert not broker_csv.looks_like_broker_csv(b"Date,Payee,Amount\n2024-01-02,Shop,-5.00\n")


def test_a_generic_csv_imports_into_a_new_investment_account_and_again_adds_nothing(runner, ws, tmp_path):
    path = tmp_path / "trades.csv"
    path.write_bytes(GENERIC)
    code, out = cli(runner, path, "--workspace", ws.id, "--account", "Broker", "--json")
    assert code == 0, out
    assert (out["trades_added"], out["duplicates"], out["errors"]) == (9, 0, 0)
    account = db.session.scalar(sa.select(Trade)).account_id
    assert holdings(ws) == {"ACME": D("30")}  # 20 bought, 5 sold, 15 added by the split
    book = services.portfolio(ws, as_of=date(2024, 3, 31))
    assert book.cash == {"USD": D("3444.03")}  # 5000 - 2 x 1003.50 + 4.20 + 549 - 2.50 + 0.33 - 100
    code, again = cli(runner, path, "--workspace", ws.id, "--account", "Broker", "--json")
    assert code == 3 and (again["trades_added"], again["duplicates"]) == (0, 9)
    assert counts(ws)["trades"] == 9 and db.session.scalar(sa.select(Trade.account_id).limit(1)) == account


def test_bad_lines_are_each_named_and_nothing_is_written(runner, ws, tmp_path):
    bad = GENERIC.replace(b"2024-02-01,Dividend", b"2024-02-31,Dividend").replace(b",Sell,", b",Swap,") \
        .replace(b"100.25,1.00,-1003.50,USD\n2024-02", b"lots,1.00,-1003.50,USD\n2024-02")
    path = tmp_path / "bad.csv"
    path.write_bytes(bad)
    code, out = cli(runner, path, "--workspace", ws.id, "--account", "Broker", "--json")
    assert code == 1 and out["status"] == "refused"
    assert out["problems"] == [
        {"row": 4, "reason": "The price “lots” is not a number."},
        {"row": 5, "reason": "“2024-02-31” is not a date (YYYY-MM-DD)."},
        {"row": 6, "reason": "The action “Swap” is not one we know (buy, sell, dividend, interest, reinvest, "
                             "split, transfer, fee, deposit, withdrawal)."},
    ]
    assert out["message"].startswith("Nothing was imported: 3 lines have errors: line 4: The price “lots”")
    assert counts(ws) == {"trades": 0, "securities": 0, "prices": 0, "accounts": 0, "batches": 0}


def test_undo_of_a_csv_import_removes_its_trades_and_the_securities_it_created(runner, ws, tmp_path):
    path = tmp_path / "ibkr.csv"
    path.write_bytes(IBKR)
    code, out = cli(runner, path, "--workspace", ws.id, "--account", "IB", "--json")
    assert code == 0, out
    batch = db.session.get(ImportBatch, out["batch_id"])
    assert committing.undo_import(ws, batch) == 2
    db.session.commit()
    assert counts(ws) == {"trades": 0, "securities": 0, "prices": 0, "accounts": 0, "batches": 1}


# -- prices ----------------------------------------------------------------------------------------------

PRICES = b"""date,symbol,close,currency
2024-01-31,ACME,184.40,USD
2024-02-29,ACME,180.75,USD
2024-02-29,NEWCO,12.5,EUR
"""


def prices_cli(runner, *args):
    return cli(runner, *args, prices=True)


def test_a_prices_csv_imports_prices_and_new_securities_and_again_changes_nothing(runner, ws, tmp_path):
    acme = services.find_or_create_security(ws, "ACME", currency="USD")
    db.session.commit()
    path = tmp_path / "prices.csv"
    path.write_bytes(PRICES)
    code, out = prices_cli(runner, path, "--workspace", ws.id, "--json")
    assert code == 0, out
    assert (out["added"], out["replaced"], out["new_securities"]) == (3, 0, ["NEWCO"])
    rows = {(p.security.symbol, p.on.isoformat(), p.close.normalize(), p.currency, p.source)
            for p in db.session.scalars(sa.select(Price))}
    assert rows == {("ACME", "2024-01-31", D("184.4"), "USD", "csv"), ("ACME", "2024-02-29", D("180.75"), "USD", "csv"),
                    ("NEWCO", "2024-02-29", D("12.5"), "EUR", "csv")}
    assert db.session.scalar(sa.select(Security.currency).where(Security.symbol == "NEWCO")) == "EUR"
    code, again = prices_cli(runner, path, "--workspace", ws.id, "--json")
    assert code == 3 and again["prices"]["same"] == 3 and again["added"] == 0
    path.write_bytes(PRICES.replace(b"180.75", b"181.00"))
    code, changed = prices_cli(runner, path, "--workspace", ws.id, "--json")
    assert code == 0 and changed["replaced"] == 1
    assert services.last_prices(ws, [acme.id], date(2024, 3, 1))[acme.id].close == D("181")


def test_a_prices_csv_with_bad_lines_names_each_and_writes_nothing(runner, ws, tmp_path):
    services.find_or_create_security(ws, "ACME", currency="USD")
    db.session.commit()
    path = tmp_path / "prices.csv"
    path.write_bytes(PRICES + b"2024-02-30,ACME,1,USD\n2024-03-01,,12,USD\n2024-03-01,ACME,abc,USD\n"
                              b"2024-03-02,ACME,-1,USD\n2024-03-03,ACME,5,GBP\n2024-01-31,ACME,184.40,USD\n")
    code, out = prices_cli(runner, path, "--workspace", ws.id, "--json")
    assert code == 1 and out["status"] == "refused"
    assert [(p["row"], p["reason"]) for p in out["problems"]] == [
        (5, "“2024-02-30” is not a date."),
        (6, "The symbol is missing."),
        (7, "The close “abc” is not a number."),
        (8, "The close -1 is not a price (it must be more than 0)."),
        (9, "ACME is priced in USD, not GBP."),
        (10, "ACME on 2024-01-31 is also on line 2."),
    ]
    assert counts(ws)["prices"] == 0 and counts(ws)["securities"] == 1


def test_a_prices_csv_without_its_columns_is_refused(runner, ws, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_bytes(b"day,ticker,open\n2024-01-02,ACME,1\n")
    code, out = prices_cli(runner, path, "--workspace", ws.id, "--json")
    assert code == 1 and "needs the columns date, symbol and close" in out["message"]


def test_an_account_named_twice_is_the_same_account_and_the_second_import_adds_nothing(ws):
    from financeapp.investments import importing

    first = importing.import_file(ws, None, "trades.csv", GENERIC, account_name="Broker")
    db.session.commit()
    again = importing.import_file(ws, None, "trades.csv", GENERIC, account_name="Broker")
    db.session.commit()
    assert again.plans[0].target.account.id == first.plans[0].target.account.id
    assert again.plans[0].counts()["duplicate"] == 9 and counts(ws)["accounts"] == 1


def test_a_short_sale_in_a_csv_is_refused():
    data = b"date,action,symbol,quantity,price,amount\n2024-01-02,Sell Short,ACME,5,10,50\n"
    [trade] = broker_csv.parse_broker_csv(data).statements[0].trades
    assert trade.error == "“Sell Short” is a short sale: this version has no short sales."
