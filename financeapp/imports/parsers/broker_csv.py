"""Broker CSV exports -> a ParsedFile of one investment statement (trades), and prices CSVs -> ParsedPrices.

Read like the bank CSVs (parsers/csv.py: the same encoding, delimiter, header, date and number detection), with
the columns of a trade instead of a bank booking: date, action, symbol, description, quantity, price, fees,
amount, currency. Presets recognise the header of a few real exports (`PRESETS`); any other file whose header
names the generic columns is read by name, and `BrokerMapping` can be given by hand.

The action text decides the kind of trade (`action_kind`): "YOU BOUGHT", "Buy", "BOT" are buys; "Reinvest
Shares" with shares and cash out is the purchase half of a reinvested dividend (the other half is the
dividend row); a transfer with a symbol moves shares, without one it moves cash. Signs are the kind's, not the
file's (brokers write sold quantities negative or positive): a buy takes cash, a sale brings it.

A row that cannot be read keeps its line number and an `error` (the preview and the CLI list them); lines
that are not trades at all (blank, a disclaimer, a "Total" line after the data) are left out with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from financeapp.imports.parsed import ParsedFile, ParsedSecurity, ParsedStatement, ParsedTrade, ParseError
from financeapp.imports.parsers import csv as bank_csv
from financeapp.imports.parsers._text import short, squash

# The generic columns, by the names a header may give them (normalised as parsers/csv.normalise_header does).
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "date": ("date", "trade date", "tradedate", "run date", "transaction date", "datum", "settlement date"),
    "action": ("action", "type", "transaction type", "activity", "buy sell", "transaction", "side", "code"),
    "symbol": ("symbol", "ticker", "security", "instrument", "isin"),
    "description": ("description", "security description", "name", "security name", "details"),
    "quantity": ("quantity", "shares", "units", "qty", "anzahl"),
    "price": ("price", "tradeprice", "unit price", "share price", "kurs"),
    "fees": ("fees", "fees comm", "fee", "commission", "commissions", "ibcommission", "fees and commissions"),
    "amount": ("amount", "netcash", "net amount", "total", "value", "proceeds", "betrag"),
    "currency": ("currency", "currencyprimary", "ccy", "waehrung", "wahrung"),
    "external_id": ("tradeid", "transaction id", "id", "reference", "trade id"),
    "kind": ("security type", "assetclass", "asset class"),
}
SECOND_FEES = ("fees", "fee")  # a second fees column (Fidelity: Commission ($) and Fees ($))

# Real exports, recognised by their header: the preset's columns by (normalised) name.
PRESETS: dict[str, dict[str, Any]] = {
    # Fidelity "Accounts History": Run Date, Action, Symbol, Security Description, Security Type, Quantity,
    # Price ($), Commission ($), Fees ($), Accrued Interest ($), Amount ($), Settlement Date.
    "Fidelity": {
        "required": ("run date", "action", "symbol", "security description", "quantity", "amount"),
        "columns": {"date": "run date", "action": "action", "symbol": "symbol", "description": "security description",
                    "quantity": "quantity", "price": "price", "fees": "commission", "fees2": "fees",
                    "amount": "amount", "kind": "security type"},
    },
    # Charles Schwab transactions: "Date","Action","Symbol","Description","Quantity","Price","Fees & Comm","Amount".
    "Schwab": {
        "required": ("date", "action", "symbol", "description", "quantity", "price", "fees comm", "amount"),
        "columns": {"date": "date", "action": "action", "symbol": "symbol", "description": "description",
                    "quantity": "quantity", "price": "price", "fees": "fees comm", "amount": "amount"},
    },
    # Interactive Brokers Flex query, Trades section: ClientAccountID, CurrencyPrimary, Symbol, Description,
    # TradeDate, Quantity, TradePrice, IBCommission, NetCash, Buy/Sell, TradeID (in any order, among others).
    "Interactive Brokers": {
        "required": ("currencyprimary", "symbol", "tradedate", "quantity", "tradeprice", "buy sell"),
        "columns": {"date": "tradedate", "action": "buy sell", "symbol": "symbol", "description": "description",
                    "quantity": "quantity", "price": "tradeprice", "fees": "ibcommission", "amount": "netcash",
                    "currency": "currencyprimary", "external_id": "tradeid", "kind": "assetclass"},
    },
}

_KIND_WORDS = (  # first match wins: "Reinvest Dividend" is a reinvestment before it is a dividend
    ("reinvest", ("reinvest", "reinvestment", "drip")),
    ("split", ("split", "stock split", "reverse split")),
    ("sell", ("sell", "sold", "sld", "sale", "sell short", "sell to close", "redemption")),
    ("buy", ("buy", "bought", "bot", "purchase", "buy to open", "buy to close", "buy to cover")),
    ("dividend", ("dividend", "dividends", "div", "distribution", "cap gain", "capital gain", "qual div",
                  "qualified dividend", "cash dividend", "lt cap gain", "st cap gain")),
    ("interest", ("interest", "int", "bank interest", "credit interest")),
    ("fee", ("fee", "fees", "commission", "charge", "tax", "withholding", "adr mgmt fee", "service fee")),
    ("transfer", ("transfer", "transferred", "journal", "moneylink", "wire", "ach", "deposit", "withdrawal",
                  "contribution", "received", "delivered", "eft", "electronic funds transfer")),
)
_WORD = re.compile(r"[a-z]+")
_OUT_WORDS = {"out", "to", "delivered", "withdrawal", "withdraw", "sent", "paid", "disbursement", "debit"}
_IN_WORDS = {"in", "from", "received", "deposit", "contribution", "credit"}
_SECURITY_KINDS = {"equity": "stock", "stock": "stock", "stk": "stock", "etf": "etf", "mutual fund": "fund",
                   "fund": "fund", "bond": "bond", "fixed income": "bond", "bill": "bond", "crypto": "crypto",
                   "crypto currency": "crypto", "cryptocurrency": "crypto"}


@dataclass(frozen=True)
class BrokerMapping:
    """How to read one broker's CSV; columns are 0-based indexes. Stored as JSON via to_dict()/from_dict()."""

    date_column: int
    action_column: int | None = None
    symbol_column: int | None = None
    description_column: int | None = None
    quantity_column: int | None = None
    price_column: int | None = None
    fees_column: int | None = None
    fees2_column: int | None = None
    amount_column: int | None = None
    currency_column: int | None = None
    external_id_column: int | None = None
    kind_column: int | None = None  # the security's type (Equity, Mutual Fund, STK...)
    date_format: str = "%Y-%m-%d"
    decimal_separator: str = "."
    thousands_separator: str = ","
    header_row: int | None = 0
    delimiter: str = ","
    quotechar: str = '"'
    encoding: str = "utf-8"
    preset: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BrokerMapping:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name, value in values.items():
            if (name.endswith("_column") or name == "header_row") and value is not None and (
                    isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"{name} must be a column number or null")
        if values.get("date_column") is None:
            raise ValueError("date_column is required")
        mapping = cls(**values)
        mapping.check()
        return mapping

    def check(self) -> None:
        if self.action_column is None and self.quantity_column is None:
            raise ValueError("Choose an action column (buy, sell, dividend...) or at least a quantity column.")
        if self.amount_column is None and (self.quantity_column is None or self.price_column is None):
            raise ValueError("Choose an amount column, or a quantity and a price column.")
        bank_csv.CsvMapping(date_column=self.date_column, amount_column=0, date_format=self.date_format,
                            decimal_separator=self.decimal_separator, thousands_separator=self.thousands_separator,
                            delimiter=self.delimiter, quotechar=self.quotechar, encoding=self.encoding).check()

    def reader(self) -> bank_csv.CsvMapping:
        """The bank CSV mapping that reads the same records (bank_csv._rows needs only the layout fields)."""
        return bank_csv.CsvMapping(date_column=self.date_column, amount_column=0, header_row=self.header_row,
                                   delimiter=self.delimiter, quotechar=self.quotechar, encoding=self.encoding)


@dataclass(frozen=True)
class BrokerLayout:
    header: tuple[str, ...]
    suggested: BrokerMapping | None
    problems: tuple[str, ...] = ()
    preset: str = ""


def _layout(data: bytes) -> tuple[bank_csv.CsvLayout, list[str]]:
    layout = bank_csv.sniff(data)
    if layout.header_row is not None:
        return layout, [bank_csv.normalise_header(h) for h in layout.header]
    # A header of broker names only (Symbol, Quantity, TradePrice) may not look like a bank header: find it here.
    text = bank_csv._sample_text(data, layout.encoding)
    records = bank_csv._records(text, layout.delimiter, layout.quotechar)
    names = {n for names in COLUMN_NAMES.values() for n in names}
    for i, record in enumerate(records[:40]):
        norm = [bank_csv.normalise_header(c) for c in record]
        if sum(1 for n in norm if n in names) >= 3:
            rows = [r for r in records[i + 1:] if any(c.strip() for c in r)]
            return bank_csv.CsvLayout(encoding=layout.encoding, delimiter=layout.delimiter,
                                      quotechar=layout.quotechar, header_row=i, header=tuple(record),
                                      sample_rows=tuple(tuple(r) for r in rows[:50]), preamble=(),
                                      column_count=len(record), suggested=None), norm
    return layout, []


def looks_like_broker_csv(data: bytes) -> bool:
    """Whether a CSV's header is a broker's (an action or a symbol, and a quantity): the wizard and the CLI
    send such files to the investments import."""
    try:
        _layout_found, norm = _layout(data)
    except ParseError:
        return False
    names = set(norm)
    has = {role for role, options in COLUMN_NAMES.items() if names & set(options)}
    return "quantity" in has and ("symbol" in has or "action" in has) and "date" in has


def sniff_broker(data: bytes) -> BrokerLayout:
    """The columns of a broker CSV: a preset's when the header is one, else by the generic names."""
    layout, norm = _layout(data)
    if not norm:
        return BrokerLayout((), None, ("header row (this file has none: map the columns by hand)",))
    preset = next((name for name, spec in PRESETS.items() if set(spec["required"]) <= set(norm)), "")
    columns: dict[str, int] = {}
    if preset:
        for role, name in PRESETS[preset]["columns"].items():
            if name in norm:
                columns[role] = norm.index(name)
    else:
        used: set[int] = set()
        for role, options in COLUMN_NAMES.items():
            for option in options:
                index = next((i for i, n in enumerate(norm) if n == option and i not in used), None)
                if index is not None:
                    columns[role] = index
                    used.add(index)
                    break
        second = next((i for i, n in enumerate(norm) if n in SECOND_FEES and i not in used), None)
        if second is not None and "fees" in columns:
            columns["fees2"] = second
    problems = [role for role in ("date",) if role not in columns]
    if "action" not in columns and "quantity" not in columns:
        problems.append("action")
    if problems:
        return BrokerLayout(layout.header, None, tuple(problems), preset)
    rows = [list(r) for r in layout.sample_rows]
    if layout.header_row is not None and not rows:
        rows = []
    money = [c for role in ("amount", "price", "fees") if (c := columns.get(role)) is not None]
    decimal, thousands = bank_csv._separators([r[c] for r in rows for c in money if c < len(r)], layout.delimiter)
    dates = [r[columns["date"]].strip() for r in rows if columns["date"] < len(r) and r[columns["date"]].strip()]
    formats = bank_csv._date_formats([_date_text(d) for d in dates], decimal)
    try:
        mapping = BrokerMapping(**{f"{role}_column": index for role, index in columns.items()},
                                date_format=formats[0] if formats else "%Y-%m-%d", decimal_separator=decimal,
                                thousands_separator=thousands, header_row=layout.header_row,
                                delimiter=layout.delimiter, quotechar=layout.quotechar, encoding=layout.encoding,
                                preset=preset)
        mapping.check()
    except ValueError as err:
        return BrokerLayout(layout.header, None, (str(err),), preset)
    return BrokerLayout(layout.header, mapping, (), preset)


def _date_text(value: str) -> str:
    # Schwab: "04/15/2024 as of 04/12/2024" is booked on the first date.
    return value.split(" as of ", 1)[0].strip()


def action_kind(action: str, *, has_symbol: bool, quantity: Decimal | None, amount: Decimal | None) -> str | None:
    """The trade kind an action names (None when it names none we know)."""
    text = " ".join(_WORD.findall(action.lower()))
    if text in ("b", "s"):  # Interactive Brokers' and others' one-letter sides
        return "buy" if text == "b" else "sell"
    words = set(text.split())
    for kind, options in _KIND_WORDS:
        if any((" " in o and o in text) or o in words for o in options):
            if kind == "reinvest":
                # Two-row reinvestments (Fidelity, Schwab): the row with shares and cash out is the purchase,
                # the row without shares is the dividend. One row with shares and no cash out is both.
                if not quantity:
                    return "dividend"
                return "buy" if amount is not None and amount < 0 else "reinvest"
            if kind == "transfer":
                out = bool(words & _OUT_WORDS) or (amount is not None and amount < 0 and not words & _IN_WORDS)
                if has_symbol and quantity:
                    return "transfer_out" if out or quantity < 0 else "transfer_in"
                return "withdrawal" if out else "deposit"
            return kind
    return None


def _cell(record: list[str], column: int | None) -> str:
    return record[column].strip() if column is not None and column < len(record) else ""


def _number(record: list[str], column: int | None, mapping: BrokerMapping, what: str) -> Decimal | None:
    raw = _cell(record, column)
    if not raw or raw in ("--", "-", "n/a", "N/A"):
        return None
    value = bank_csv.parse_amount(raw, mapping.decimal_separator, mapping.thousands_separator)
    if value is None:
        raise ValueError(f"the {what} “{short(raw)}” is not a number")
    return value


@dataclass
class _Rows:
    trades: list[ParsedTrade] = field(default_factory=list)
    securities: dict[str, ParsedSecurity] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    currencies: set[str] = field(default_factory=set)


def _records(data: bytes, mapping: BrokerMapping) -> Iterator[tuple[int, list[str]]]:
    for line, record in bank_csv._rows(data, mapping.reader()):
        if line and any(c.strip() for c in record):
            yield line, record


def parse_broker_csv(data: bytes, mapping: BrokerMapping | None = None) -> ParsedFile:
    """Read a broker CSV (with its detected mapping when none is given). Raises ParseError for a file whose
    columns cannot be recognised; rows that cannot be read carry an `error`."""
    if mapping is None:
        layout = sniff_broker(data)
        if layout.suggested is None:
            raise ParseError("The columns of this broker CSV could not be recognised: "
                             f"{', '.join(layout.problems)}. Expected a header with date, action, symbol, "
                             "quantity, price, fees, amount (and currency).")
        mapping = layout.suggested
    out = _Rows()
    for line, record in _records(data, mapping):
        raw_date = _date_text(_cell(record, mapping.date_column))
        on = bank_csv.parse_date(raw_date, mapping.date_format) if raw_date else None
        if on is None:
            if not any(ch.isdigit() for ch in raw_date) or len([c for c in record if c.strip()]) <= 2:
                out.warnings.append(f"Line {line} was left out: “{short(raw_date or ' '.join(record))}” "
                                    "is not a trade (no date).")
                continue
            out.trades.append(ParsedTrade(row=line, on=None, kind="buy", source=_cell(record, mapping.action_column),
                                          error=f"“{short(raw_date)}” is not a date "
                                                f"({bank_csv.human_format(mapping.date_format)})."))
            continue
        out.trades.append(_trade(record, line, on, mapping, out))
    currency = next(iter(out.currencies)) if len(out.currencies) == 1 else None
    statement = ParsedStatement(account_type="investment", currency=currency, trades=out.trades)
    return ParsedFile(format="csv", statements=[statement], warnings=out.warnings, securities=out.securities)


def _trade(record: list[str], line: int, on: date, mapping: BrokerMapping, out: _Rows) -> ParsedTrade:
    action = squash(_cell(record, mapping.action_column))
    symbol = squash(_cell(record, mapping.symbol_column)).upper()[:32]
    description = squash(_cell(record, mapping.description_column))
    currency = squash(_cell(record, mapping.currency_column)).upper() or None
    external_id = squash(_cell(record, mapping.external_id_column)) or None
    base: dict[str, Any] = {"row": line, "on": on, "source": action[:60], "currency": currency,
                            "external_id": external_id, "memo": (description or action)[:255]}
    try:
        quantity = _number(record, mapping.quantity_column, mapping, "quantity")
        price = _number(record, mapping.price_column, mapping, "price")
        fees = abs(_number(record, mapping.fees_column, mapping, "fees") or Decimal(0)) + abs(
            _number(record, mapping.fees2_column, mapping, "fees") or Decimal(0))
        amount = _number(record, mapping.amount_column, mapping, "amount")
    except ValueError as err:
        return ParsedTrade(kind="buy", error=f"{str(err)[:1].upper()}{str(err)[1:]}.", **base)
    if mapping.action_column is None:
        kind: str | None = "buy" if (quantity or 0) > 0 else "sell"
    else:
        kind = action_kind(action, has_symbol=bool(symbol), quantity=quantity, amount=amount)
    if kind in ("buy", "sell") and re.search(r"\bsell short\b|\bshort sale\b|\bbuy to cover\b", action.lower()):
        return ParsedTrade(kind=kind, error=f"“{short(action)}” is a short sale: this version has no short sales.",
                           **base)
    if kind is None:
        return ParsedTrade(kind="buy", error=f"The action “{short(action)}” is not one we know (buy, sell, dividend, "
                                             "interest, reinvest, split, transfer, fee, deposit, withdrawal).", **base)
    if currency:
        out.currencies.add(currency)
    needs_security = kind in ("buy", "sell", "reinvest", "split", "transfer_in", "transfer_out")
    if needs_security and not symbol:
        return ParsedTrade(kind=kind, error=f"A {kind.replace('_', ' ')} needs a symbol.", **base)
    if symbol and (needs_security or kind in ("dividend", "interest", "fee")):
        security_kind = _SECURITY_KINDS.get(squash(_cell(record, mapping.kind_column)).lower(), "other")
        known = out.securities.get(symbol)
        if known is None or (not known.name and description):
            out.securities[symbol] = ParsedSecurity(key=symbol, symbol=symbol, name=description[:200],
                                                    kind=security_kind, currency=currency)
        base["security"] = symbol
    units = abs(quantity) if quantity is not None else Decimal(0)
    if kind in ("buy", "sell", "reinvest", "transfer_in", "transfer_out") and not units:
        return ParsedTrade(kind=kind, error=f"A {kind.replace('_', ' ')} needs a quantity.", **base)
    if kind in ("buy", "sell"):
        if amount is None:
            gross = units * abs(price or Decimal(0))
            amount = -(gross + fees) if kind == "buy" else gross - fees
        amount = -abs(amount) if kind == "buy" else abs(amount)
        if price is None:
            price = ((abs(amount) - fees) if kind == "buy" else (abs(amount) + fees)) / units
        return ParsedTrade(kind=kind, quantity=units, price=abs(price), fees=fees, amount=amount, **base)
    if kind == "reinvest":
        gross = abs(amount) if amount else units * abs(price or Decimal(0))
        return ParsedTrade(kind=kind, quantity=units, price=abs(price) if price else gross / units, fees=fees,
                           amount=gross, **base)
    if kind in ("transfer_in", "transfer_out"):
        return ParsedTrade(kind=kind, quantity=units, price=abs(price) if price else None, **base)
    if kind == "split":
        return ParsedTrade(kind=kind, quantity=units, **base)
    if amount is None:
        return ParsedTrade(kind=kind, error=f"A {kind} needs an amount.", **base)
    if kind in ("fee", "withdrawal"):
        amount = -abs(amount)
    elif kind == "deposit":
        amount = abs(amount)
    return ParsedTrade(kind=kind, amount=amount, fees=fees, **base)


# --- prices -----------------------------------------------------------------------------------------------------

PRICE_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "as of", "price date", "datum", "day"),
    "symbol": ("symbol", "ticker", "security", "isin"),
    "close": ("close", "closing price", "price", "adj close", "last", "value", "kurs"),
    "currency": ("currency", "ccy", "currency code", "waehrung", "wahrung"),
}


@dataclass(frozen=True)
class ParsedPrice:
    row: int  # the CSV line
    on: date | None
    symbol: str
    close: Decimal | None
    currency: str | None
    error: str = ""


@dataclass
class ParsedPrices:
    prices: list[ParsedPrice]
    warnings: list[str] = field(default_factory=list)


def parse_prices_csv(data: bytes) -> ParsedPrices:
    """A prices CSV: date, symbol, close[, currency]. Raises ParseError when the columns are not there."""
    layout, norm = _layout(data)
    columns: dict[str, int] = {}
    for role, options in PRICE_COLUMNS.items():
        index = next((norm.index(o) for o in options if o in norm), None)
        if index is not None:
            columns[role] = index
    missing = [role for role in ("date", "symbol", "close") if role not in columns]
    if missing:
        raise ParseError(f"A prices CSV needs the columns date, symbol and close; this one has no "
                         f"{' and no '.join(missing)} column (header: {', '.join(layout.header) or 'none'}).")
    rows = [list(r) for r in layout.sample_rows]
    decimal, thousands = bank_csv._separators([r[columns["close"]] for r in rows if columns["close"] < len(r)],
                                              layout.delimiter)
    formats = bank_csv._date_formats([r[columns["date"]].strip() for r in rows if columns["date"] < len(r)],
                                     decimal)
    mapping = BrokerMapping(date_column=columns["date"], symbol_column=columns["symbol"],
                            amount_column=columns["close"], quantity_column=0,
                            currency_column=columns.get("currency"), date_format=formats[0] if formats else "%Y-%m-%d",
                            decimal_separator=decimal, thousands_separator=thousands, header_row=layout.header_row,
                            delimiter=layout.delimiter, quotechar=layout.quotechar, encoding=layout.encoding)
    out: list[ParsedPrice] = []
    for line, record in _records(data, mapping):
        raw_date = _cell(record, mapping.date_column)
        symbol = squash(_cell(record, mapping.symbol_column)).upper()[:32]
        currency = squash(_cell(record, mapping.currency_column)).upper() or None
        raw_close = _cell(record, mapping.amount_column)
        on = bank_csv.parse_date(raw_date, mapping.date_format) if raw_date else None
        close = bank_csv.parse_amount(raw_close, decimal, thousands) if raw_close else None
        error = ""
        if on is None:
            error = f"“{short(raw_date)}” is not a date." if raw_date else "The date is missing."
        elif not symbol:
            error = "The symbol is missing."
        elif close is None:
            error = f"The close “{short(raw_close)}” is not a number." if raw_close else "The close is missing."
        elif close <= 0:
            error = f"The close {close} is not a price (it must be more than 0)."
        out.append(ParsedPrice(row=line, on=on, symbol=symbol, close=close, currency=currency, error=error))
    return ParsedPrices(out)
