"""What every bank-file parser returns: the shared contract between parsers and the import pipeline.

Parsers (financeapp/imports/parsers/) are pure functions of bytes: no database, no Flask.
The pipeline maps statements to accounts, de-duplicates and applies rules (planning.py),
previews (services.py) and commits (committing.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class ParseError(Exception):
    """The file cannot be read; `row` is the 1-based row or record it failed at, when known."""

    def __init__(self, message: str, *, row: int | None = None):
        super().__init__(message)
        self.message = message
        self.row = row

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}" if self.row else self.message


@dataclass(frozen=True)
class ParsedSplit:
    amount: Decimal  # signed like the transaction
    category: str = ""
    memo: str = ""


@dataclass(frozen=True)
class ParsedTransaction:
    row: int  # 1-based row (CSV line of the record, QIF record, OFX STMTTRN, CAMT entry) for messages
    on: date  # booking date
    amount: Decimal  # signed from the account's side: negative = money out
    payee: str = ""
    memo: str = ""
    external_id: str | None = None  # the bank's id (OFX FITID, CAMT AcctSvcrRef/EndToEndId) when it has one
    category: str = ""  # QIF L field, when the file carries categories
    check_number: str = ""
    splits: tuple[ParsedSplit, ...] = ()
    transfer_account: str = ""  # the other side of a transfer, by account name (QIF [Account], a CSV column)
    labels: tuple[str, ...] = ()  # a CSV tags column


TRADE_KINDS = ("buy", "sell", "dividend", "interest", "reinvest", "split", "transfer_in", "transfer_out", "fee",
               "deposit", "withdrawal")


@dataclass(frozen=True)
class ParsedSecurity:
    """A security as a statement describes it (OFX SECLIST, or a broker CSV's symbol column)."""

    key: str  # how the file's trades and positions refer to it: "CUSIP:123456789", or the symbol
    symbol: str  # the ticker; the unique id when the file gives no ticker
    name: str = ""
    kind: str = "other"  # stock | etf | fund | bond | crypto | other
    currency: str | None = None
    unique_id: str | None = None  # CUSIP / ISIN, when the file gives one


@dataclass(frozen=True)
class ParsedTrade:
    """One investment transaction: a trade, income, a corporate action or a cash movement."""

    row: int  # 1-based: the OFX investment transaction, or the CSV line
    on: date | None  # None only with an error
    kind: str  # one of TRADE_KINDS
    security: str | None = None  # key into ParsedFile.securities; None for cash movements
    quantity: Decimal = Decimal(0)  # positive; the shares added by a split
    price: Decimal | None = None
    fees: Decimal = Decimal(0)
    taxes: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)  # the signed cash effect on the account: negative = cash out
    currency: str | None = None
    memo: str = ""
    external_id: str | None = None  # OFX FITID, a broker's trade id
    split_from: Decimal | None = None  # a split of split_from old shares into split_to new ones
    split_to: Decimal | None = None
    source: str = ""  # the file's own name for it (BUYSTOCK, "YOU BOUGHT"), for the preview
    error: str = ""  # why this line cannot be imported ("" when it can)


@dataclass(frozen=True)
class ParsedPosition:
    """A holding the statement reports (OFX INVPOS): its units are what the account must hold after import."""

    security: str  # key into ParsedFile.securities
    units: Decimal  # negative for a short position
    unit_price: Decimal | None = None
    on: date | None = None  # the price's date (DTPRICEASOF)
    currency: str | None = None
    kind: str = ""  # POSSTOCK, POSMF...


@dataclass
class ParsedStatement:
    """One account's transactions in a file (OFX and CAMT files may hold several)."""

    account_number: str = ""  # as the file states it (OFX ACCTID, CAMT IBAN); "" when absent (CSV, most QIF)
    currency: str | None = None  # ISO 4217 when the file says
    account_type: str = ""  # checking | savings | credit_card | cash | investment | loan | "" (unknown)
    account_name: str = ""  # QIF !Account name, when given
    transactions: list[ParsedTransaction] = field(default_factory=list)
    closing_balance: Decimal | None = None
    closing_date: date | None = None
    skipped: list[str] = field(default_factory=list)  # what was left out and why (e.g. "12 investment trades")
    # Investment statements (OFX INVSTMTRS, broker CSVs): what the investments import reads; the bank import
    # reads only `transactions` (the cash lines) and notes the rest in `skipped`.
    trades: list[ParsedTrade] = field(default_factory=list)
    positions: list[ParsedPosition] = field(default_factory=list)
    positions_on: date | None = None  # the statement's date (DTASOF), the positions' date when they give none


# Where a row is in a file: (statement index, transaction index).
RowRef = tuple[int, int]


@dataclass
class ParsedFile:
    format: str  # "csv" | "ofx" | "qfx" | "qif" | "camt053"
    statements: list[ParsedStatement]
    warnings: list[str] = field(default_factory=list)
    # The two sides of each transfer between the file's accounts (imports/file_transfers.py fills these in).
    transfers: list[tuple[RowRef, RowRef]] = field(default_factory=list)
    made: set[RowRef] = field(default_factory=set)  # sides the file did not hold, written from the other side
    linked: bool = False  # the transfers above are filled in
    securities: dict[str, ParsedSecurity] = field(default_factory=dict)  # by ParsedSecurity.key

    @property
    def trade_count(self) -> int:
        return sum(len(s.trades) for s in self.statements)

    @property
    def transaction_count(self) -> int:
        return sum(len(s.transactions) for s in self.statements)
