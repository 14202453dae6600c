"""Helpers of the investment import tests: a small OFX investment statement, counts, the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.extensions import db
from financeapp.imports.models import ImportBatch
from financeapp.investments import services
from financeapp.investments.models import Price, Security, Trade
from financeapp.workspaces.models import Workspace

SECLIST = (
    "<SECLISTMSGSRSV1><SECLIST>"
    "<STOCKINFO><SECINFO><SECID><UNIQUEID>000000001<UNIQUEIDTYPE>CUSIP</SECID><SECNAME>Acme Corp"
    "<TICKER>ACME</SECINFO></STOCKINFO>"
    "<MFINFO><SECINFO><SECID><UNIQUEID>US0000000002<UNIQUEIDTYPE>ISIN</SECID><SECNAME>Value Fund"
    "<TICKER>VFUND<CURRENCY><CURRATE>1<CURSYM>USD</CURRENCY></SECINFO></MFINFO>"
    "</SECLIST></SECLISTMSGSRSV1>"
)
ACME = "<SECID><UNIQUEID>000000001<UNIQUEIDTYPE>CUSIP</SECID>"
VFUND = "<SECID><UNIQUEID>US0000000002<UNIQUEIDTYPE>ISIN</SECID>"

TRANSACTIONS = (
    "<INVBANKTRAN><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240101<TRNAMT>2000.00<FITID>C1<NAME>Deposit</STMTTRN>"
    "<SUBACCTFUND>CASH</INVBANKTRAN>"
    f"<BUYSTOCK><INVBUY><INVTRAN><FITID>B1<DTTRADE>20240102120000.000[-5:EST]<MEMO>Bought Acme</INVTRAN>{ACME}"
    "<UNITS>10<UNITPRICE>100<COMMISSION>5<TOTAL>-1005.00<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INVBUY>"
    "<BUYTYPE>BUY</BUYSTOCK>"
    f"<INCOME><INVTRAN><FITID>D1<DTTRADE>20240201</INVTRAN>{ACME}<INCOMETYPE>DIV<TOTAL>12.50"
    "<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INCOME>"
    f"<REINVEST><INVTRAN><FITID>R1<DTTRADE>20240215</INVTRAN>{VFUND}<INCOMETYPE>DIV<TOTAL>-20.00"
    "<SUBACCTSEC>CASH<UNITS>2<UNITPRICE>10</REINVEST>"
    f"<SPLIT><INVTRAN><FITID>S1<DTTRADE>20240301</INVTRAN>{ACME}<SUBACCTSEC>CASH<OLDUNITS>10<NEWUNITS>20"
    "<NUMERATOR>2<DENOMINATOR>1</SPLIT>"
    f"<SELLSTOCK><INVSELL><INVTRAN><FITID>S2<DTTRADE>20240310</INVTRAN>{ACME}<UNITS>-5<UNITPRICE>60"
    "<COMMISSION>1<TOTAL>299.00<SUBACCTSEC>CASH<SUBACCTFUND>CASH</INVSELL><SELLTYPE>SELL</SELLSTOCK>"
    f"<TRANSFER><INVTRAN><FITID>T1<DTTRADE>20240312</INVTRAN>{VFUND}<SUBACCTSEC>CASH<UNITS>3"
    "<TFERACTION>IN<POSTYPE>LONG<UNITPRICE>9</TRANSFER>"
)
POSITIONS = (
    f"<POSSTOCK><INVPOS>{ACME}<HELDINACCT>CASH<POSTYPE>LONG<UNITS>15<UNITPRICE>61<MKTVAL>915"
    "<DTPRICEASOF>20240329</INVPOS></POSSTOCK>"
    f"<POSMF><INVPOS>{VFUND}<HELDINACCT>CASH<POSTYPE>LONG<UNITS>8<UNITPRICE>10.5<MKTVAL>84"
    "<DTPRICEASOF>20240329</INVPOS></POSMF>"
)


def statement(transactions: str = TRANSACTIONS, positions: str = POSITIONS, account: str = "BRK-1") -> bytes:
    """An OFX 1.x investment statement (SGML, unclosed leaf tags), as a broker sends it."""
    return (
        "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\n"
        "COMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20240331</SONRS>"
        "</SIGNONMSGSRSV1><INVSTMTMSGSRSV1><INVSTMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>"
        f"<INVSTMTRS><DTASOF>20240331<CURDEF>USD<INVACCTFROM><BROKERID>broker.example<ACCTID>{account}"
        "</INVACCTFROM><INVTRANLIST><DTSTART>20240101<DTEND>20240331"
        f"{transactions}</INVTRANLIST><INVPOSLIST>{positions}</INVPOSLIST></INVSTMTRS></INVSTMTTRNRS>"
        f"</INVSTMTMSGSRSV1>{SECLIST}</OFX>\r\n"
    ).encode("ascii")


def counts(ws: Workspace) -> dict[str, int]:
    """Rows of each kind the imports write, in a workspace."""
    db.session.commit()

    def n(model: Any, *where: Any) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
            model.workspace_id == ws.id, *where)) or 0

    return {"trades": n(Trade), "securities": n(Security), "prices": n(Price),
            "accounts": n(Account, Account.type == "investment"), "batches": n(ImportBatch)}


def holdings(ws: Workspace, account: Account | None = None) -> dict[str, Decimal]:
    """Quantity held per security, keyed by its unique id (CUSIP/ISIN) or else its symbol."""
    found = services.portfolio(ws, accounts=[account] if account else None, stale_after=10**6)
    return {(h.security.unique_id or h.security.symbol): h.quantity for h in found.holdings}


def cli(runner, *args: object, prices: bool = False) -> tuple[int, dict[str, Any] | str]:
    """Run `flask investments import ...` (`flask investments prices import ...`) and read its --json output."""
    command = ["investments", "prices", "import"] if prices else ["investments", "import"]
    result = runner.invoke(args=command + [str(a) for a in args])
    if "--json" in args:
        try:
            return result.exit_code, json.loads(result.output)
        except ValueError:
            raise AssertionError(f"{result.output}\n{result.exception!r}") from result.exception
    return result.exit_code, result.output
