"""Builders for import tests: parsed files written by hand, and a one-call import."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from financeapp.extensions import db
from financeapp.imports import committing
from financeapp.imports.models import ImportBatch
from financeapp.imports.parsed import ParsedFile, ParsedSplit, ParsedStatement, ParsedTransaction
from tests.factories import make_account, make_user, personal_workspace


def txn(row: int, on: str, amount: str, payee: str = "", memo: str = "", *, fitid: str | None = None,
        category: str = "", splits: tuple[tuple[str, str], ...] = (), transfer: str = "",
        check: str = "") -> ParsedTransaction:
    """A parsed row; `splits` are (amount, category) pairs."""
    return ParsedTransaction(
        row=row, on=date.fromisoformat(on), amount=Decimal(amount), payee=payee, memo=memo, external_id=fitid,
        category=category, splits=tuple(ParsedSplit(Decimal(a), c) for a, c in splits),
        transfer_account=transfer, check_number=check,
    )


def statement(*rows: ParsedTransaction, number: str = "", currency: str | None = None, kind: str = "",
              closing: str | None = None, name: str = "") -> ParsedStatement:
    return ParsedStatement(account_number=number, currency=currency, account_type=kind, account_name=name,
                           transactions=list(rows), closing_balance=Decimal(closing) if closing else None)


def parsed(*statements: ParsedStatement, fmt: str = "ofx") -> ParsedFile:
    return ParsedFile(format=fmt, statements=list(statements))


def run_import(workspace, parsed_file: ParsedFile, *, account=None, choices=None, force=(), skip=(),
               skip_errors=False, user=None, name: str = "bank.ofx"):
    """Commit a parsed file as the wizard would, and commit the session; returns (batch, plan)."""
    options = {"accounts": choices or {}, "account_id": account.id if account else None, "force": list(force),
               "skip": list(skip), "skip_errors": skip_errors}
    batch = ImportBatch(workspace_id=workspace.id, file_name=name, format=parsed_file.format, status="staged",
                        stored_name="", options=json.dumps(options),
                        created_by_id=user.id if user else None)
    db.session.add(batch)
    db.session.flush()
    try:
        plan = committing.commit_import(workspace, batch, parsed=parsed_file)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return batch, plan


@pytest.fixture
def owner(ctx):
    return make_user("owner@example.com", name="Olive")


@pytest.fixture
def ws(owner):
    return personal_workspace(owner)


@pytest.fixture
def checking(ws):
    return make_account(ws, "Checking", number="12345678")


# -- small bank files written for the tests ------------------------------------------------------------

OFX_HEAD = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260401120000<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1>
"""


def ofx_statement(rows, *, acctid: str = "12345678", currency: str = "USD", balance: str = "1000.00") -> str:
    """One SGML (unclosed tags) bank statement; rows are (fitid, yyyymmdd, amount, name)."""
    body = "".join(
        f"<STMTTRN><TRNTYPE>{'DEBIT' if amount.startswith('-') else 'CREDIT'}<DTPOSTED>{on}<TRNAMT>{amount}"
        f"<FITID>{fitid}<NAME>{name}</STMTTRN>\n" for fitid, on, amount, name in rows)
    first = min(on for _, on, _, _ in rows) if rows else "20260301"
    last = max(on for _, on, _, _ in rows) if rows else "20260331"
    return (f"<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>{currency}"
            f"<BANKACCTFROM><BANKID>121000358<ACCTID>{acctid}<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
            f"<BANKTRANLIST><DTSTART>{first}<DTEND>{last}\n{body}</BANKTRANLIST>"
            f"<LEDGERBAL><BALAMT>{balance}<DTASOF>{last}</LEDGERBAL></STMTRS></STMTTRNRS>\n")


def ofx_file(*statements: str) -> bytes:
    return (OFX_HEAD + "".join(statements) + "</BANKMSGSRSV1>\n</OFX>\n").replace("\n", "\r\n").encode("ascii")


MARCH = [("M1", "20260302", "-3.50", "BLUE BOTTLE COFFEE"), ("M2", "20260302", "-3.50", "BLUE BOTTLE COFFEE"),
         ("M3", "20260303", "2500.00", "ACME PAYROLL"), ("M4", "20260310", "-64.99", "XFINITY")]
APRIL = [("M4", "20260310", "-64.99", "XFINITY"), ("A1", "20260402", "-12.00", "CORNER GROCER"),
         ("A2", "20260405", "-40.00", "CITY POWER")]
