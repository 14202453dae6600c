"""Importing investment statements (OFX/QFX INVSTMTRS, broker CSVs) and prices CSVs into trades and prices.

The same shape as the bank import (financeapp/imports): parse (parsers/ofx.py, parsers/broker_csv.py), plan
every line without writing (`plan_statement`: the account, the securities, de-duplication, validation, the
positions), then `commit_plan` writes it all or raises, and `undo` takes a batch back. The wizard's batches
(imports.ImportBatch) carry these trades by `Trade.import_batch_id`; the undo of a batch removes them.

De-duplication, per account: a line with the statement's id (FITID) is a duplicate of the trade with that id;
a line without one, of a trade with the same date, kind, security, quantity and cash amount (each trade
already there absorbs one line, so two identical buys on a day stay two). Re-importing a file adds nothing.

Positions: a statement's INVPOS units are what the account holds after the import. A statement covers weeks,
not the account's whole history, so when its trades (and the trades already in the account) do not explain
the units, the plan adds an opening transfer-in of the missing shares, dated at the security's first line
(at the statement's unit price as cost basis: the real one is not in the file, and the preview says so), or a
closing transfer-out of the excess on the positions' date. A sale of shares the account never held is
covered the same way. INVPOS unit prices become prices (source "statement").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from hashlib import sha256
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.auth.models import User
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, FinanceError, Invalid
from financeapp.core.money import amount_text, is_currency, quantize
from financeapp.core.scoping import scoped
from financeapp.core.validation import in_date_range
from financeapp.extensions import db
from financeapp.imports.models import ImportBatch
from financeapp.imports.parsed import ParsedFile, ParsedPosition, ParsedSecurity, ParsedStatement, ParsedTrade
from financeapp.imports.parsed import ParseError as FileError
from financeapp.imports.parsers import broker_csv, detect_format, parse_ofx
from financeapp.imports.state import WizardState
from financeapp.imports.targets import NEW, Target, resolve_targets
from financeapp.investments import engine, services
from financeapp.investments.models import SHARE_KINDS, Price, Security, Trade
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
PLACES = Decimal("1e-10")
MAX_PROBLEMS_NAMED = 5
STATUSES = ("new", "duplicate", "error", "skipped", "opening")
_KIND_WORDS = {"transfer_in": "transfer in", "transfer_out": "transfer out"}


# -- reading the file -------------------------------------------------------------------------------


def parse_statement_file(filename: str, data: bytes) -> ParsedFile:
    """An investment statement: OFX/QFX with INVSTMTRS, or a broker CSV. Invalid names what is wrong."""
    try:
        fmt = detect_format(filename, data)
        if fmt in ("ofx", "qfx"):
            parsed = parse_ofx(data, format=fmt)
        elif fmt == "csv":
            parsed = broker_csv.parse_broker_csv(data)
        else:
            raise Invalid(f"{filename}: a {fmt.upper()} file holds no investment trades; import OFX/QFX "
                          "investment statements or a broker CSV here (bank files: flask imports run).")
    except FileError as err:
        raise Invalid(f"{filename}: {err}", fields={"file": str(err)}) from None
    if not investment_statements(parsed):
        raise Invalid(f"{filename}: this file holds no investment statement (INVSTMTRS) with trades or positions; "
                      "a bank statement is imported with flask imports run or the import wizard.")
    return parsed


def investment_statements(parsed: ParsedFile) -> list[int]:
    """Indexes of the file's investment statements (those with trades or positions)."""
    return [i for i, s in enumerate(parsed.statements)
            if s.account_type == "investment" and (s.trades or s.positions)]


def is_investment_file(parsed: ParsedFile) -> bool:
    return bool(investment_statements(parsed))


# -- the plan -----------------------------------------------------------------------------------------


@dataclass
class PlannedTrade:
    """One line of the statement (or a position adjustment the plan adds) and what happens to it."""

    row: int
    status: str  # new | duplicate | error | skipped | opening
    kind: str
    on: date | None
    symbol: str  # "" for cash
    security_key: str | None
    quantity: Decimal
    price: Decimal | None
    fees: Decimal
    taxes: Decimal
    amount: Decimal  # the signed cash effect, as stored
    currency: str
    memo: str
    external_id: str | None
    source: str
    split_from: Decimal | None = None
    split_to: Decimal | None = None
    reason: str = ""
    match_id: int | None = None  # the trade a duplicate matches

    @property
    def description(self) -> str:
        """What the preview shows: "Buy 10 AAPL at 185.5", "Dividend AAPL", "Deposit"."""
        word = _KIND_WORDS.get(self.kind, self.kind).capitalize()
        if self.kind == "split":
            ratio = (f" {services.quantity_text(self.split_from)} → {services.quantity_text(self.split_to)}"
                     if self.split_from and self.split_to else f" +{services.quantity_text(self.quantity)}")
            return f"{word} {self.symbol}{ratio}"
        if self.quantity and self.kind in SHARE_KINDS:
            at = f" at {services.quantity_text(self.price)}" if self.price is not None else ""
            return f"{word} {services.quantity_text(self.quantity)} {self.symbol}{at}"
        return f"{word} {self.symbol}".strip()


@dataclass
class PlannedPosition:
    symbol: str
    security_key: str
    units: Decimal  # the statement's
    held: Decimal  # what the account holds after the import
    unit_price: Decimal | None
    on: date | None
    note: str = ""


@dataclass
class PlannedPrice:
    symbol: str
    security_key: str
    on: date
    close: Decimal
    currency: str
    status: str  # new | replace | same
    row: int = 0
    price_id: int | None = None


@dataclass
class InvestmentPlan:
    file_name: str
    format: str
    target: Target
    currency: str
    rows: list[PlannedTrade] = field(default_factory=list)
    positions: list[PlannedPosition] = field(default_factory=list)
    prices: list[PlannedPrice] = field(default_factory=list)
    securities: dict[str, ParsedSecurity] = field(default_factory=dict)  # by key, those the rows use
    existing: dict[str, int] = field(default_factory=dict)  # security key -> id, for those already there
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found = {status: 0 for status in STATUSES}
        for row in self.rows:
            found[row.status] += 1
        found["total"] = sum(1 for r in self.rows if r.status != "opening")
        return found

    def errors(self) -> list[PlannedTrade]:
        return [r for r in self.rows if r.status == "error"]

    def to_import(self) -> list[PlannedTrade]:
        return [r for r in self.rows if r.status in ("new", "opening")]

    @property
    def new_securities(self) -> list[str]:
        used = {r.security_key for r in self.to_import() if r.security_key} | {
            p.security_key for p in self.prices if p.status != "same"}
        return sorted(k for k in used if k not in self.existing)


def resolve_target(workspace: Workspace, parsed: ParsedFile, index: int, account: Account | None,
                   account_name: str | None, file_name: str) -> Target:
    """The investment account a statement goes to: --account (created as an investment account when there is
    none of that name), else the one with the statement's number, else a new one named after it."""
    statement = parsed.statements[index]
    currency = (statement.currency or "").upper()
    if account is None and account_name:
        account = db.session.scalar(scoped(Account, workspace).where(Account.name == account_name.strip()[:80]))
    if account is not None:
        target = Target(account, "chosen")
    elif account_name:
        target = Target(None, NEW, account_name.strip()[:80], currency, "investment", statement.account_number[:64])
    else:
        one = ParsedFile(format=parsed.format, statements=[statement])
        target = resolve_targets(workspace, one, None, None, file_name)[0]
        if target.account is not None and target.how == "only" and target.account.type != "investment":
            target = resolve_targets(workspace, one, {"0": NEW}, None, file_name)[0]
        target.new_type = "investment"
    if target.account is None and not is_currency(target.new_currency):
        target.new_currency = workspace.base_currency
    return target


def plan_statement(workspace: Workspace, parsed: ParsedFile, index: int, target: Target, *,
                   file_name: str = "") -> InvestmentPlan:
    """What importing one investment statement would do, line by line; writes nothing."""
    statement = parsed.statements[index]
    account = target.account
    currency = target.currency
    plan = InvestmentPlan(file_name, parsed.format, target, currency, warnings=list(parsed.warnings))
    if account is not None and account.type != "investment":
        message = f"{account.name} is not an investment account; choose or create one for this statement."
        raise Invalid(message, fields={"account": message})
    securities = {key: _with_currency(sec, statement, currency) for key, sec in parsed.securities.items()}
    plan.existing = _existing_securities(workspace, securities)
    rows = [_planned(trade, securities, plan.existing, currency) for trade in statement.trades]
    _reused_ids(rows, plan)
    _dedupe(workspace, account, rows, plan.existing)
    _cover(workspace, account, statement, rows, plan, securities)
    plan.rows = rows
    plan.securities = {k: securities[k] for k in {r.security_key for r in rows if r.security_key}
                       | {p.security_key for p in plan.prices} if k in securities}
    return plan


def _with_currency(security: ParsedSecurity, statement: ParsedStatement, currency: str) -> ParsedSecurity:
    code = (security.currency or statement.currency or currency or "").upper()
    return replace(security, currency=code if is_currency(code) else currency, name=security.name[:120])


def _existing_securities(workspace: Workspace, securities: dict[str, ParsedSecurity]) -> dict[str, int]:
    """The workspace's securities the file's securities are (by unique id, then symbol): key -> id."""
    if not securities:
        return {}
    uids = {s.unique_id.upper() for s in securities.values() if s.unique_id}
    symbols = {s.symbol.upper() for s in securities.values()}
    rows = db.session.execute(sa.select(Security.id, Security.symbol, Security.unique_id).where(
        Security.workspace_id == workspace.id,
        sa.or_(Security.unique_id.in_(sorted(uids)), Security.symbol.in_(sorted(symbols)))))
    by_uid: dict[str, int] = {}
    by_symbol: dict[str, int] = {}
    for security_id, symbol, unique_id in rows:
        by_symbol[symbol.upper()] = security_id
        if unique_id:
            by_uid[unique_id.upper()] = security_id
    found = {}
    for key, security in securities.items():
        security_id = (by_uid.get(security.unique_id.upper()) if security.unique_id else None) \
            or by_symbol.get(security.symbol.upper())
        if security_id is not None:
            found[key] = security_id
    return found


def _reused_ids(rows: list[PlannedTrade], plan: InvestmentPlan) -> None:
    """A statement id the file gives two lines (brokers reuse them) identifies only the first; the others are
    found again by their fingerprint."""
    seen: dict[str, int] = {}
    for row in rows:
        if not row.external_id:
            continue
        if row.external_id in seen:
            plan.warnings.append(f"Line {row.row} has the statement id {row.external_id} of line "
                                 f"{seen[row.external_id]}; it is told apart by its date, kind, security, quantity "
                                 "and amount instead.")
            row.external_id = None
        else:
            seen[row.external_id] = row.row


def _money(value: Decimal, currency: str) -> Decimal:
    return quantize(value, currency) + 0


def _planned(trade: ParsedTrade, securities: dict[str, ParsedSecurity], existing: dict[str, int],
             account_currency: str) -> PlannedTrade:
    """A parsed line as it would be stored (numbers rounded as the columns keep them), or an error."""
    security = securities.get(trade.security) if trade.security else None
    currency = (trade.currency or (security.currency if security else None) or account_currency or "").upper()
    if not is_currency(currency):
        currency = account_currency
    kind = trade.kind
    memo = trade.memo
    reason = ""
    if kind == "dividend" and security is None:
        kind, reason = "deposit", "a dividend that names no security is imported as a deposit"
    amount = _money(trade.amount, currency)
    row = PlannedTrade(
        row=trade.row, status="new", kind=kind, on=trade.on, symbol=security.symbol if security else "",
        security_key=trade.security if security else None, quantity=trade.quantity,
        price=trade.price.quantize(PLACES) + 0 if trade.price is not None else None,
        fees=_money(trade.fees, currency), taxes=_money(trade.taxes, currency), amount=amount, currency=currency,
        memo=memo, external_id=trade.external_id, source=trade.source, split_from=trade.split_from,
        split_to=trade.split_to, reason=reason)
    problem = trade.error or _problem(row)
    if problem:
        row.status, row.reason = "error", problem
    elif kind in ("dividend", "interest", "fee", "deposit", "withdrawal") and not amount:
        row.status, row.reason = "skipped", "it moves no money (an amount of 0)"
    elif kind == "split" and not (row.split_from and row.split_to) and not row.quantity:
        row.status, row.reason = "skipped", "a split that adds no shares changes nothing"
    # The cash effect as the service stores it: reinvestments, splits and transfers move none.
    if kind in ("reinvest", "transfer_in", "transfer_out"):
        row.amount = ZERO
    return row


def _problem(row: PlannedTrade) -> str:
    if row.on is None:
        return "it has no date"
    if not in_date_range(row.on):
        return f"the date {row.on.isoformat()} is out of range (1900-2199)"
    if row.kind in SHARE_KINDS and not row.security_key:
        return f"a {_KIND_WORDS.get(row.kind, row.kind)} needs a security"
    if row.quantity != row.quantity.quantize(PLACES):
        return f"the quantity {row.quantity} has more than 10 decimal places"
    if row.kind in ("buy", "sell", "reinvest", "transfer_in", "transfer_out") and row.quantity <= 0:
        return "the number of shares is missing"
    if row.kind in ("buy", "sell", "reinvest") and row.price is None:
        return "the price per share is missing"
    if row.kind == "sell" and row.amount < 0:
        return "the fees and taxes are more than the sale brings in"
    if row.kind in ("dividend", "interest") and row.amount < 0:
        return f"a negative {row.kind} ({row.amount}, a reversal) is not imported in this version"
    return ""


def _fingerprint(on: date | None, kind: str, security: int | str | None, quantity: Decimal,
                 amount: Decimal) -> tuple[Any, ...]:
    return (on, kind, security, quantity.normalize() if quantity else ZERO, amount + 0)


def _dedupe(workspace: Workspace, account: Account | None, rows: list[PlannedTrade],
            security_ids: dict[str, int]) -> None:
    """Mark the lines already in the account: by statement id, else by fingerprint (one line per trade)."""
    if account is None:
        return
    wanted = [r for r in rows if r.status == "new" and r.on is not None]
    if not wanted:
        return
    start = min(r.on for r in wanted if r.on) - timedelta(days=1)
    end = max(r.on for r in wanted if r.on) + timedelta(days=1)
    ids = sorted({r.external_id for r in wanted if r.external_id})
    columns = (Trade.id, Trade.on, Trade.kind, Trade.security_id, Trade.quantity, Trade.amount, Trade.external_id)
    base = sa.select(*columns).where(Trade.workspace_id == workspace.id, Trade.account_id == account.id)
    existing: dict[int, tuple] = {found.id: tuple(found) for found in db.session.execute(
        base.where(Trade.on.between(start, end)))}
    for offset in range(0, len(ids), 500):
        for found in db.session.execute(base.where(Trade.external_id.in_(ids[offset:offset + 500]))):
            existing[found.id] = tuple(found)
    by_id = {ext: trade_id for trade_id, *_r, ext in existing.values() if ext}
    by_print: dict[tuple, list[int]] = defaultdict(list)
    for trade_id, on, kind, security_id, quantity, amount, _ext in sorted(existing.values()):
        by_print[_fingerprint(on, kind, security_id, quantity, amount)].append(trade_id)
    used: set[int] = set()
    for row in wanted:
        if row.external_id and row.external_id in by_id:
            match = by_id[row.external_id]
            row.status, row.match_id = "duplicate", match
            row.reason = f"same statement id ({row.external_id})"
            used.add(match)
    for row in wanted:
        if row.status != "new" or (row.security_key and row.security_key not in security_ids):
            continue  # a security the workspace does not have yet has no trades to match
        key = _fingerprint(row.on, row.kind, security_ids.get(row.security_key or ""), row.quantity, row.amount)
        # A line with its own statement id matches only a trade without one (a trade typed in, a CSV's).
        match = next((t for t in by_print.get(key, ())
                      if t not in used and (not row.external_id or existing[t][-1] is None)), None)
        if match is not None:
            used.add(match)
            row.status, row.match_id = "duplicate", match
            row.reason = "same date, kind, security, quantity and amount"


def _holdings_now(workspace: Workspace, account: Account | None) -> dict[int, Decimal]:
    """What the account holds of each security after its last trade (the engine's replay)."""
    if account is None:
        return {}
    rows = services.trade_rows(workspace, [account.id]).get(account.id, [])
    book = engine.run([event for event, _currency in rows], "fifo", ordered=True)
    return {key: book.quantity(key) for key in book.held() if isinstance(key, int)}


def _cover(workspace: Workspace, account: Account | None, statement: ParsedStatement, rows: list[PlannedTrade],
           plan: InvestmentPlan, securities: dict[str, ParsedSecurity]) -> None:
    """Positions and prices: the opening and closing transfers that make the account hold what the statement
    says (or cover a sale of shares never held), and the INVPOS unit prices."""
    held_before = _holdings_now(workspace, account)
    positions: dict[str, ParsedPosition] = {}
    for held in statement.positions:
        if held.units < 0:
            plan.warnings.append(f"The short position of {services.quantity_text(-held.units)} "
                                 f"{_symbol(securities, held.security)} is not imported: this version has "
                                 "no short sales.")
            continue
        if held.security in positions:  # the same security held in two sub-accounts (CASH, MARGIN...)
            before = positions[held.security]
            positions[held.security] = replace(before, units=before.units + held.units)
        else:
            positions[held.security] = held
    importing = [r for r in rows if r.status == "new" and r.security_key]
    keys = list(dict.fromkeys([r.security_key for r in importing if r.security_key] + list(positions)))
    openings: list[PlannedTrade] = []
    closings: list[PlannedTrade] = []
    positions_day = statement.positions_on
    for key in keys:
        security_id = plan.existing.get(key)
        start = held_before.get(security_id, ZERO) if security_id is not None else ZERO
        own = sorted((r for r in importing if r.security_key == key), key=lambda r: (r.on or date.min, r.row))
        running, factor, shortfall = start, Decimal(1), ZERO
        for r in own:
            if r.kind in ("buy", "reinvest", "transfer_in"):
                running += r.quantity
            elif r.kind in ("sell", "transfer_out"):
                running -= r.quantity
                if running < 0:
                    shortfall = max(shortfall, -running / factor)
            elif r.kind == "split":
                if r.split_from and r.split_to:
                    ratio = r.split_to / r.split_from
                    running *= ratio
                    factor *= ratio
                else:
                    running += r.quantity
        position = positions.get(key)
        final = running + shortfall * factor
        opening = shortfall
        closing = ZERO
        if position is not None:
            missing = position.units - final
            if missing > 0:
                opening += missing / factor
            elif missing < 0:
                closing = -missing
        symbol = _symbol(securities, key)
        security = securities.get(key)
        price = position.unit_price if position is not None else None
        first = own[0] if own else None
        if price is None and first is not None:
            price = first.price
        opening = opening.quantize(PLACES)
        day = (first.on if first is not None else None) or (position.on if position else None) or positions_day
        cur = security.currency if security and security.currency else plan.currency
        if opening > 0 and day is not None:
            why = ("the statement holds shares its trades do not explain" if position is not None
                   else "the statement sells shares the account did not hold")
            basis = f"cost basis at the statement's price {services.quantity_text(price)}" if price is not None \
                else "no cost basis known"
            openings.append(PlannedTrade(
                row=0, status="opening", kind="transfer_in", on=day, symbol=symbol, security_key=key,
                quantity=opening, price=price.quantize(PLACES) if price is not None else None, fees=ZERO,
                taxes=ZERO, amount=ZERO, currency=cur,
                memo=f"Opening position from {plan.file_name or 'the statement'}"[:255], external_id=None,
                source="position", reason=f"opening transfer in: {why} ({basis})"))
        close_day = (position.on if position else None) or positions_day or day
        if closing > 0 and close_day is not None:
            closings.append(PlannedTrade(
                row=0, status="opening", kind="transfer_out", on=max(close_day, own[-1].on or close_day)
                if own else close_day, symbol=symbol, security_key=key, quantity=closing.quantize(PLACES),
                price=None, fees=ZERO, taxes=ZERO, amount=ZERO, currency=cur,
                memo=f"Closing position from {plan.file_name or 'the statement'}"[:255], external_id=None,
                source="position", reason="closing transfer out: the account would hold more than the statement"))
        if position is not None:
            note = ""
            if opening > 0 and position is not None:
                note = f"opening transfer in of {services.quantity_text(opening)} added"
            if closing > 0:
                note = f"closing transfer out of {services.quantity_text(closing)} added"
            plan.positions.append(PlannedPosition(symbol, key, position.units, position.units, position.unit_price,
                                                  position.on or positions_day, note))
            on = position.on or positions_day
            if position.unit_price and on is not None and in_date_range(on):
                plan.prices.append(PlannedPrice(symbol, key, on, position.unit_price.quantize(PLACES) + 0,
                                                (position.currency or cur).upper(), "new"))
    rows[:0] = openings
    rows.extend(closings)
    _price_status(workspace, plan)


def _symbol(securities: dict[str, ParsedSecurity], key: str) -> str:
    security = securities.get(key)
    return security.symbol if security else key


def _price_status(workspace: Workspace, plan: InvestmentPlan) -> None:
    """new | replace | same, against the prices already there on those days."""
    ids = {p.security_key: plan.existing[p.security_key] for p in plan.prices if p.security_key in plan.existing}
    if not ids:
        return
    found = {(security_id, day): (price_id, close) for price_id, security_id, day, close in db.session.execute(
        sa.select(Price.id, Price.security_id, Price.on, Price.close).where(
            Price.workspace_id == workspace.id, Price.security_id.in_(sorted(set(ids.values())))))}
    for price in plan.prices:
        security_id = ids.get(price.security_key)
        there = found.get((security_id, price.on)) if security_id is not None else None
        if there is not None:
            price.price_id = there[0]
            price.status = "same" if there[1] == price.close else "replace"


# -- commit ---------------------------------------------------------------------------------------------


def refusal(rows: Sequence[PlannedTrade]) -> Invalid:
    named = "; ".join(f"line {r.row}: {r.reason}" for r in rows[:MAX_PROBLEMS_NAMED])
    more = f" (and {len(rows) - MAX_PROBLEMS_NAMED} more)" if len(rows) > MAX_PROBLEMS_NAMED else ""
    noun = "line has an error" if len(rows) == 1 else "lines have errors"
    return Invalid(f"Nothing was imported: {len(rows)} {noun}: {named}{more}.")


@dataclass
class Written:
    trades: int = 0
    account_created: int | None = None
    securities_created: list[int] = field(default_factory=list)
    prices_created: list[int] = field(default_factory=list)
    prices_replaced: int = 0


def commit_plan(workspace: Workspace, plan: InvestmentPlan, batch: ImportBatch, *,
                allow_errors: bool = False) -> Written:
    """Write the plan's new lines, openings, securities and prices; raise (the caller rolls back) on any error
    (`allow_errors`: lines with errors are left out instead). Flushes, never commits."""
    if plan.errors() and not allow_errors:
        raise refusal(plan.errors())
    written = Written()
    target = plan.target
    rows = plan.to_import()
    if target.account is None:
        if not rows and not plan.prices:
            return written
        account = Account(workspace_id=workspace.id, name=target.new_name, type="investment",
                          currency=target.new_currency, opening_balance=ZERO,
                          opening_date=min((r.on for r in rows if r.on), default=date.today()) - timedelta(days=1),
                          number=target.new_number)
        db.session.add(account)
        db.session.flush()
        target.account, written.account_created = account, account.id
    account = target.account
    ids = dict(plan.existing)
    for key in plan.new_securities:
        parsed = plan.securities.get(key) or ParsedSecurity(key=key, symbol=key.split(":")[-1][:32])
        security = services.find_or_create_security(
            workspace, parsed.symbol, name=parsed.name, kind=parsed.kind if parsed.kind else "other",
            currency=parsed.currency or plan.currency, unique_id=parsed.unique_id)
        if security.id not in ids.values() and _is_new(security):
            written.securities_created.append(security.id)
        ids[key] = security.id
    touched: set[int | None] = set()
    for row in rows:
        try:
            trade = services.record_trade(workspace, account, _new_trade(row, ids, batch.id), check=False)
        except FinanceError as err:
            where = f"line {row.row}" if row.row else f"the {row.description.lower()} the positions need"
            raise type(err)(f"Nothing was imported: {where}: {err.message}") from None
        touched.add(trade.security_id)
        written.trades += 1
    try:  # each security's history replayed once, not after every row (that made a long file quadratic)
        services.check_holdings(workspace, account, touched)
    except FinanceError as err:
        raise type(err)(f"Nothing was imported: {err.message}") from None
    for price in plan.prices:
        if price.status == "same":
            continue
        priced = db.session.get(Security, ids[price.security_key])
        assert priced is not None
        recorded = services.record_price(workspace, priced, price.on, price.close,
                                         currency=price.currency if is_currency(price.currency) else None,
                                         source="statement")
        if price.status == "new":
            written.prices_created.append(recorded.id)
        else:
            written.prices_replaced += 1
    return written


def _is_new(security: Security) -> bool:
    return security in db.session.new or not db.session.scalar(
        sa.select(sa.func.count()).select_from(Trade).where(Trade.security_id == security.id))


def _new_trade(row: PlannedTrade, ids: dict[str, int], batch_id: int | None) -> services.NewTrade:
    """The service's input: positive numbers (it signs the cash effect)."""
    amount: Decimal | None = abs(row.amount)
    if row.kind in ("reinvest", "transfer_in", "transfer_out"):
        amount = None
    elif row.kind == "split":
        amount = abs(row.amount) or None
    return services.NewTrade(
        kind=row.kind, on=row.on, security_id=ids.get(row.security_key) if row.security_key else None,
        quantity=row.quantity if row.quantity else None, price=row.price, fees=row.fees or None,
        taxes=row.taxes or None, amount=amount, currency=row.currency, split_from=row.split_from,
        split_to=row.split_to, memo=row.memo, import_batch_id=batch_id, external_id=row.external_id)


# -- one call for the CLI (and the tests) ---------------------------------------------------------------


@dataclass
class ImportResult:
    batch: ImportBatch | None
    plans: list[InvestmentPlan]
    written: list[Written]


def import_file(workspace: Workspace, user: User | None, filename: str, data: bytes, *,
                account: Account | None = None, account_name: str | None = None,
                dry_run: bool = False) -> ImportResult:
    """Parse, plan and (unless a dry run) commit an investment statement as one import batch.
    Raises Invalid (nothing written; the caller rolls back) when a line has an error."""
    name = PurePath(filename).name or "statement"
    parsed = parse_statement_file(name, data)
    indexes = investment_statements(parsed)
    if (account is not None or account_name) and len(indexes) > 1:
        raise Invalid(f"{name} holds {len(indexes)} investment accounts; import it without --account so each "
                      "goes to its own account.")
    plans = []
    for index in indexes:
        target = resolve_target(workspace, parsed, index, account, account_name, name)
        plans.append(plan_statement(workspace, parsed, index, target, file_name=name))
    if dry_run:
        return ImportResult(None, plans, [])
    batch = ImportBatch(workspace_id=workspace.id, file_name=name[:255], format=parsed.format[:10], status="running",
                        stored_name="", sha256=sha256(data).hexdigest(), created_by_id=user.id if user else None)
    db.session.add(batch)
    db.session.flush()
    written = [commit_plan(workspace, plan, batch) for plan in plans]
    finish_batch(batch, plans, written)
    return ImportResult(batch, plans, written)


def finish_batch(batch: ImportBatch, plans: Sequence[InvestmentPlan], written: Sequence[Written]) -> None:
    """The batch's counts and what undo must remove."""
    counts = [p.counts() for p in plans]
    batch.rows_total = sum(c["total"] for c in counts)
    batch.rows_imported = sum(c["new"] for c in counts)
    batch.rows_duplicate = sum(c["duplicate"] for c in counts)
    batch.rows_error = sum(c["error"] for c in counts)
    batch.rows_skipped = sum(c["skipped"] for c in counts)
    batch.progress = batch.rows_total
    batch.status = "committed"
    batch.committed_at = utcnow()
    state = WizardState.load(batch)
    WizardState.change(batch, investment=True,
                       created_accounts=state.created_accounts + [w.account_created for w in written
                                                                  if w.account_created],
                       created_securities=[i for w in written for i in w.securities_created],
                       created_prices=[i for w in written for i in w.prices_created])
    db.session.flush()


# -- undo -------------------------------------------------------------------------------------------------


def undo_trades(workspace: Workspace, batch: ImportBatch) -> int:
    """Remove a batch's trades, then the prices and securities it created that nothing else uses. Refused
    (Conflict) when later trades need the shares it brought. Returns how many trades went."""
    touched = list(db.session.execute(sa.select(Trade.account_id, Trade.security_id).where(
        Trade.workspace_id == workspace.id, Trade.import_batch_id == batch.id).distinct()))
    result = db.session.execute(sa.delete(Trade).where(Trade.workspace_id == workspace.id,
                                                       Trade.import_batch_id == batch.id)
                                .execution_options(synchronize_session=False))
    for account_id, security_id in touched:
        account = db.session.get(Account, account_id)
        if account is None or security_id is None:
            continue
        try:
            services.check_holdings(workspace, account, {security_id})
        except services.ShortSaleRefused as err:
            raise Conflict(f"This import cannot be undone: later trades need its shares. {err.message}") from None
    state = WizardState.load(batch)
    if state.created_prices:
        db.session.execute(sa.delete(Price).where(Price.workspace_id == workspace.id,
                                                  Price.id.in_(state.created_prices))
                           .execution_options(synchronize_session=False))
    for security_id in state.created_securities:
        used = db.session.scalar(sa.select(sa.func.count()).select_from(Trade).where(
            Trade.security_id == security_id)) or db.session.scalar(sa.select(sa.func.count()).select_from(
                Price).where(Price.security_id == security_id))
        if not used:
            db.session.execute(sa.delete(Security).where(Security.workspace_id == workspace.id,
                                                         Security.id == security_id))
    db.session.expire_all()
    return getattr(result, "rowcount", 0) or 0


def account_in_use(workspace: Workspace, account_id: int) -> bool:
    """Whether an account has trades (the bank undo keeps such an account)."""
    return bool(db.session.scalar(sa.select(Trade.id).where(Trade.workspace_id == workspace.id,
                                                            Trade.account_id == account_id).limit(1)))


def undo_import(workspace: Workspace, batch: ImportBatch) -> int:
    """Undo an investment import batch as a whole (the trades, then what it created)."""
    if batch.status == "undone":
        raise Conflict("This import has already been undone.")
    if batch.status != "committed":
        raise Conflict("Only a finished import can be undone.")
    removed = undo_trades(workspace, batch)
    state = WizardState.load(batch)
    for account_id in state.created_accounts:
        account = db.session.scalar(scoped(Account, workspace).where(Account.id == account_id))
        has_rows = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction).where(
            Transaction.workspace_id == workspace.id, Transaction.account_id == account_id))
        if account is not None and not has_rows and not account_in_use(workspace, account_id):
            db.session.delete(account)
    batch.status = "undone"
    batch.undone_at = utcnow()
    db.session.flush()
    return removed


# -- prices CSV ----------------------------------------------------------------------------------------


@dataclass
class PricesResult:
    rows: list[PlannedPrice]
    problems: list[dict[str, Any]]
    created_securities: list[str]
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found = {"new": 0, "replace": 0, "same": 0}
        for row in self.rows:
            found[row.status] += 1
        return {"total": len(self.rows) + len(self.problems), **found, "error": len(self.problems)}


def import_prices(workspace: Workspace, data: bytes, *, currency: str | None = None,
                  dry_run: bool = False) -> PricesResult:
    """A prices CSV (date, symbol, close[, currency]) into prices (source "csv"). A symbol the workspace does not
    have yet becomes a security (kind other) in the file's currency. Any bad line: Invalid, nothing written."""
    try:
        parsed = broker_csv.parse_prices_csv(data)
    except FileError as err:
        raise Invalid(str(err), fields={"file": str(err)}) from None
    problems: list[dict[str, Any]] = [{"row": p.row, "reason": p.error} for p in parsed.prices if p.error]
    default = (currency or workspace.base_currency).upper()
    for p in parsed.prices:
        if not p.error and p.currency and not is_currency(p.currency):
            problems.append({"row": p.row, "reason": f"“{p.currency[:10]}” is not a currency code."})
        elif not p.error and p.on is not None and not in_date_range(p.on):
            problems.append({"row": p.row, "reason": f"the date {p.on.isoformat()} is out of range (1900-2199)."})
    symbols = sorted({p.symbol for p in parsed.prices if p.symbol})
    existing = {s.symbol: s for s in db.session.scalars(scoped(Security, workspace).where(
        Security.symbol.in_(symbols)))} if symbols else {}
    rows: list[PlannedPrice] = []
    seen: dict[tuple[str, date], int] = {}
    bad = {p["row"] for p in problems}
    for p in parsed.prices:
        if p.row in bad or p.on is None or p.close is None:
            continue
        if (p.symbol, p.on) in seen:
            problems.append({"row": p.row, "reason": f"{p.symbol} on {p.on.isoformat()} is also on line "
                                                     f"{seen[(p.symbol, p.on)]}."})
            continue
        seen[(p.symbol, p.on)] = p.row
        security = existing.get(p.symbol)
        code = (p.currency or (security.currency if security else default)).upper()
        if security is not None and code != security.currency:
            problems.append({"row": p.row, "reason": f"{p.symbol} is priced in {security.currency}, not {code}."})
            continue
        rows.append(PlannedPrice(p.symbol, p.symbol, p.on, p.close.quantize(PLACES) + 0, code, "new", row=p.row))
    problems.sort(key=lambda item: item["row"])
    by_id = {s.id: s for s in existing.values()}
    if by_id:
        there = {(security_id, day): (price_id, close) for price_id, security_id, day, close in db.session.execute(
            sa.select(Price.id, Price.security_id, Price.on, Price.close).where(
                Price.workspace_id == workspace.id, Price.security_id.in_(sorted(by_id))))}
        for row in rows:
            security = existing.get(row.symbol)
            found = there.get((security.id, row.on)) if security else None
            if found is not None:
                row.price_id, row.status = found[0], "same" if found[1] == row.close else "replace"
    created = sorted({r.symbol for r in rows} - set(existing))
    result = PricesResult(rows, problems, created, parsed.warnings)
    if problems:
        named = "; ".join(f"line {p['row']}: {p['reason']}" for p in problems[:MAX_PROBLEMS_NAMED])
        raise PricesRefused(f"Nothing was imported: {len(problems)} line{'s' if len(problems) != 1 else ''} "
                            f"with errors: {named}", result)
    if dry_run:
        return result
    for row in rows:
        if row.status == "same":
            continue
        security = existing.get(row.symbol)
        if security is None:
            security = existing[row.symbol] = services.find_or_create_security(
                workspace, row.symbol, name=row.symbol, kind="other", currency=row.currency)
        services.record_price(workspace, security, row.on, row.close, currency=row.currency, source="csv")
    return result


class PricesRefused(Invalid):
    """A prices CSV with bad lines: nothing was written; `result` lists them."""

    def __init__(self, message: str, result: PricesResult):
        super().__init__(message)
        self.result = result


# -- reports for --json ----------------------------------------------------------------------------------


def report(result: ImportResult, *, name: str, status: str, message: str = "") -> dict[str, Any]:
    """What an investment import did (or would do), as plain data: counts, per-line problems, positions."""
    accounts: list[dict[str, Any]] = []
    outcomes: list[Written | None] = list(result.written) or [None] * len(result.plans)
    for plan, written in zip(result.plans, outcomes, strict=True):
        counts = plan.counts()
        accounts.append({
            "account": plan.target.label, "currency": plan.currency,
            "trades": {k: counts[k] for k in ("total", "new", "duplicate", "error", "skipped")},
            "opening_adjustments": counts["opening"],
            "positions": [{"symbol": p.symbol, "units": services.quantity_text(p.units),
                           "held_after": services.quantity_text(p.held), "note": p.note} for p in plan.positions],
            "prices": {s: sum(1 for p in plan.prices if p.status == s) for s in ("new", "replace", "same")},
            "new_securities": [plan.securities[k].symbol if k in plan.securities else k
                               for k in plan.new_securities],
            "problems": [{"row": r.row, "reason": r.reason} for r in plan.rows if r.status == "error"],
            "duplicates": [{"row": r.row, "reason": r.reason, "trade_id": r.match_id}
                           for r in plan.rows if r.status == "duplicate"],
            "lines": [{"row": r.row, "status": r.status, "date": r.on.isoformat() if r.on else None,
                       "kind": r.kind, "symbol": r.symbol, "quantity": services.quantity_text(r.quantity),
                       "amount": amount_text(r.amount, r.currency), "currency": r.currency, "reason": r.reason}
                      for r in plan.rows],
            "written": None if written is None else {"trades": written.trades,
                                                     "securities_created": len(written.securities_created),
                                                     "prices_created": len(written.prices_created),
                                                     "prices_replaced": written.prices_replaced},
        })
    total = {k: sum(a["trades"][k] for a in accounts) for k in ("total", "new", "duplicate", "error", "skipped")}
    warnings = list(dict.fromkeys(w for plan in result.plans for w in plan.warnings))
    return {"file": name, "status": status, "message": message,
            "batch_id": result.batch.id if result.batch else None,
            "trades_added": sum(a["written"]["trades"] for a in accounts if a["written"]) if status == "committed"
            else 0,
            "duplicates": total["duplicate"], "errors": total["error"], "lines": total,
            "positions": sum(len(a["positions"]) for a in accounts),
            "problems": [p for a in accounts for p in a["problems"]], "accounts": accounts, "warnings": warnings}


# -- the import wizard (financeapp/imports: upload, accounts, preview, commit, undo) ----------------------


def only_investments(parsed: ParsedFile) -> ParsedFile:
    """The file's investment statements (a bank statement in the same file is left out, with a warning)."""
    keep = investment_statements(parsed)
    warnings = list(parsed.warnings)
    for i, statement in enumerate(parsed.statements):
        if i not in keep and statement.transactions:
            warnings.append(f"The bank statement of account {statement.account_number or '(no number)'} in this file "
                            "is not imported with its investments; import it again as a bank file.")
    return replace(parsed, statements=[parsed.statements[i] for i in keep], warnings=warnings)


def summaries(parsed: ParsedFile) -> list[dict[str, Any]]:
    """What the wizard's account step shows of each investment statement (as imports.services.summarise)."""
    out = []
    for statement in parsed.statements:
        dates = [t.on for t in statement.trades if t.on]
        notes = [f"{len(statement.positions)} position{'s' if len(statement.positions) != 1 else ''}: the account "
                 "will hold them after the import"] if statement.positions else []
        out.append({"number": statement.account_number, "currency": statement.currency or "",
                    "type": "investment", "name": statement.account_name, "count": len(statement.trades),
                    "first": min(dates).isoformat() if dates else "", "last": max(dates).isoformat() if dates else "",
                    "skipped": notes})
    return out


def remember(batch: ImportBatch, parsed: ParsedFile) -> list[dict[str, Any]]:
    """Keep an investment file's statements on its batch at upload: the wizard's steps then run this module."""
    parsed = only_investments(parsed)
    state = WizardState.change(batch, investment=True, statements=summaries(parsed), warnings=list(parsed.warnings),
                               csv_mapping=None)
    batch.rows_total = parsed.trade_count
    return state.statements or []


def stored_file(batch: ImportBatch) -> ParsedFile:
    from financeapp.imports.storage import read_stored

    return only_investments(parse_statement_file(batch.file_name, read_stored(batch)))


def _wizard_plans(workspace: Workspace, batch: ImportBatch, parsed: ParsedFile) -> list[InvestmentPlan]:
    from financeapp.core.scoping import get_scoped_or_404

    state = WizardState.load(batch)
    plans = []
    for i in range(len(parsed.statements)):
        choice = state.accounts.get(str(i))
        if choice == NEW:
            one = ParsedFile(format=parsed.format, statements=[parsed.statements[i]])
            target = resolve_targets(workspace, one, {"0": NEW}, None, batch.file_name)[0]
            target.new_type = "investment"
        else:
            account = get_scoped_or_404(Account, choice, workspace) if choice not in (None, "") else None
            target = resolve_target(workspace, parsed, i, account, None, batch.file_name)
        plan = plan_statement(workspace, parsed, i, target, file_name=batch.file_name)
        forced, skipped = set(state.force), set(state.skip)
        for row in plan.rows:
            key = row_key(i, row)
            if row.status == "new" and key in skipped:
                row.status, row.reason = "skipped", "left out by you"
            elif row.status == "duplicate" and key in forced:
                row.status, row.reason = "new", f"imported anyway ({row.reason})"
        plans.append(plan)
    return plans


def row_key(statement: int, row: PlannedTrade) -> str:
    """A line's key in the preview, stable between the preview and the commit (an opening by its security)."""
    return f"{statement}:{row.row}" if row.status != "opening" else f"{statement}:{row.kind}:{row.security_key}"


def analyse_batch(workspace: Workspace, batch: ImportBatch, progress: Any = None) -> list[InvestmentPlan]:
    """The wizard's preview of an investment file: one PreviewRow per line (trades, then the adjustments the
    positions need), kept beside the upload as for bank files."""
    from financeapp.imports.planning import require_staged
    from financeapp.imports.state import PreviewRow
    from financeapp.imports.storage import plan_path, write_atomically

    if batch.status != "running":
        require_staged(batch)
    plans = _wizard_plans(workspace, batch, stored_file(batch))
    lines = []
    for i, plan in enumerate(plans):
        for row in plan.rows:
            if row.status == "skipped" and row.reason != "left out by you":
                continue
            status = "new" if row.status == "opening" else row.status
            status = "new" if status == "skipped" else status  # left out by the user: still a new row
            lines.append(PreviewRow(
                key=row_key(i, row), status=status, row=row.row, date=row.on.isoformat() if row.on else "",
                amount=row.amount, currency=row.currency, account=plan.target.label, payee=row.description,
                file_payee="", memo=row.memo, category="", labels=[], rule="",
                reason=row.reason if row.status != "duplicate" or not row.match_id
                else f"{row.reason}: trade #{row.match_id}", split=0).to_line())
    write_atomically(plan_path(batch), "".join(lines).encode(), sealed=True)
    _record(batch, plans)
    notes = [f"{p.target.label}: {pos.symbol} {services.quantity_text(pos.units)} held after the import"
             + (f" ({pos.note})" if pos.note else "") for p in plans for pos in p.positions]
    notes += [f"{r.description} ({r.reason})" for p in plans for r in p.rows
              if r.status == "skipped" and r.reason != "left out by you"]
    WizardState.change(batch, analysed=True, targets=[p.target.label for p in plans],
                       target_how=[p.target.how for p in plans],
                       warnings=list(dict.fromkeys(w for p in plans for w in p.warnings)), skipped_notes=notes,
                       sums=_sums(plans))
    db.session.flush()
    return plans


def _sums(plans: Sequence[InvestmentPlan]) -> list[list[Any]]:
    out = []
    for plan in plans:
        rows = plan.to_import()
        out.append([plan.target.label, plan.currency, str(sum((r.amount for r in rows), ZERO)), len(rows)])
    return out


def _record(batch: ImportBatch, plans: Sequence[InvestmentPlan]) -> None:
    counts = [p.counts() for p in plans]
    batch.rows_total = sum(c["total"] for c in counts)
    batch.rows_imported = sum(c["new"] for c in counts)
    batch.rows_duplicate = sum(c["duplicate"] for c in counts)
    batch.rows_error = sum(c["error"] for c in counts)
    batch.rows_skipped = sum(c["skipped"] for c in counts)


def commit_batch(workspace: Workspace, batch: ImportBatch, progress: Any = None) -> list[InvestmentPlan]:
    """The wizard's commit of an investment file: re-planned inside the caller's transaction with the user's
    choices, written all or nothing (the caller commits or rolls back)."""
    from financeapp.imports.planning import require_staged

    if batch.status not in ("staged", "running"):
        require_staged(batch)
    plans = _wizard_plans(workspace, batch, stored_file(batch))
    errors = [r for p in plans for r in p.errors()]
    if errors and not WizardState.load(batch).skip_errors:
        raise refusal(errors)
    written = [commit_plan(workspace, plan, batch, allow_errors=True) for plan in plans]
    finish_batch(batch, plans, written)
    batch.message = ""
    WizardState.change(batch, sums=_sums(plans))
    return plans
