"""Investment rules: securities, trades, prices and each account's cost method; the read side
(holdings, gains, income, cash) that pages, the API and the CLI share.

- Trades belong to an investment account (account type "investment"). The user types positive
  numbers; the service signs the cash effect (`amount`): buys, fees and withdrawals take cash,
  sells, dividends, interest and deposits bring it. A buy's or sell's amount, when not given, is
  price x quantity plus (buy) or less (sell) fees and taxes, rounded to the currency's minor units.
- A trade that would leave fewer than zero shares at any date — a sell, a transfer out, a trade
  moved earlier, or a buy deleted — is refused: "You hold only X shares of SYM on DATE". The
  whole history of that security in that account is replayed to check, so a back-dated sale is
  caught too.
- An imported trade carries its statement id (`external_id`, unique per account): the same one
  twice is a Conflict, which importers read as a duplicate.
- Prices: one per security and day; recording one again replaces it (an upsert). The holdings
  use the last price on or before the day, "stale" when older than INVESTMENT_PRICE_STALE_DAYS.
- The read side loads trades as tuples (one SELECT of plain columns) and runs the engine over
  them; no ORM object per trade.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.accounts.queries import balance_on
from financeapp.core.db import Money
from financeapp.core.errors import Conflict, Invalid, NotFound
from financeapp.core.money import is_currency, quantize
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.core.unique import find_or_create
from financeapp.core.validation import MAX_AMOUNT, checked_amount, checked_day
from financeapp.extensions import db
from financeapp.investments import engine, performance
from financeapp.investments.engine import Event, Lot, Sale, ShortSale
from financeapp.investments.models import (
    COST_METHODS,
    MAX_QUANTITY,
    PRICE_SOURCES,
    QUANTITY_SCALE,
    SECURITY_KINDS,
    SHARE_KINDS,
    TRADE_KINDS,
    InvestmentSetting,
    Price,
    Security,
    Trade,
)
from financeapp.rates.models import ExchangeRate
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
ONE = Decimal(1)
PLACES = Decimal("1e-10")
DEFAULT_STALE_DAYS = 7
INCOME_KINDS = frozenset({"dividend", "interest"})
CASH_IN = frozenset({"sell", "dividend", "interest", "deposit"})
CASH_OUT = frozenset({"buy", "fee", "withdrawal"})


class ShortSaleRefused(Invalid):
    """Selling (or sending out) more shares than are held: no short sales in this version."""


# Securities ------------------------------------------------------------------------------------


def _checked_symbol(symbol: str | None) -> str:
    text = " ".join((symbol or "").split()).upper()
    if not text:
        raise Invalid("Enter the security's symbol.", fields={"symbol": "Enter the security's symbol."})
    if len(text) > 32:
        raise Invalid("Use at most 32 characters.", fields={"symbol": "Use at most 32 characters."})
    return text


def _checked_currency(code: str | None, field: str = "currency") -> str:
    text = (code or "").strip().upper()
    if not is_currency(text):
        message = f"“{text[:10]}” is not a currency code (such as USD or EUR)."
        raise Invalid(message, fields={field: message})
    return text


def _checked_kind(kind: str | None) -> str:
    text = (kind or "stock").strip().lower()
    if text not in SECURITY_KINDS:
        message = f"Choose one of: {', '.join(SECURITY_KINDS)}."
        raise Invalid(message, fields={"kind": message})
    return text


def _checked_unique_id(unique_id: str | None) -> str | None:
    text = "".join((unique_id or "").split()).upper()
    if len(text) > 32:
        raise Invalid("Use at most 32 characters.", fields={"unique_id": "Use at most 32 characters."})
    return text or None


def find_or_create_security(workspace: Workspace, symbol: str, *, name: str = "", kind: str = "stock",
                            currency: str, unique_id: str | None = None) -> Security:
    """The workspace's security with this unique id (CUSIP/ISIN) or symbol, created when missing.

    A statement may name a security by CUSIP only the first time and by symbol later: the unique id
    is tried first, then the symbol; a found security gains a unique id it did not have."""
    code = _checked_symbol(symbol)
    uid = _checked_unique_id(unique_id)
    if uid is not None:
        found = db.session.scalar(scoped(Security, workspace).where(Security.unique_id == uid))
        if found is not None:
            return found
    checked_kind, checked_currency = _checked_kind(kind), _checked_currency(currency)
    clean_name = " ".join((name or "").split())[:120]
    security = find_or_create(
        scoped(Security, workspace).where(Security.symbol == code),
        lambda: Security(workspace_id=workspace.id, symbol=code, name=clean_name or code, kind=checked_kind,
                         currency=checked_currency, unique_id=uid),
        what="security",
    )
    if uid is not None and security.unique_id is None:
        security.unique_id = uid
        db.session.flush()
    return security


@dataclass(frozen=True)
class SecurityInput:
    symbol: str
    name: str = ""
    kind: str = "stock"
    currency: str = "USD"
    unique_id: str | None = None


def update_security(workspace: Workspace, security: Security, data: SecurityInput) -> Security:
    """Rename or re-classify a security (its currency stays once it has trades or prices)."""
    symbol = _checked_symbol(data.symbol)
    clash = db.session.scalar(scoped(Security, workspace).where(Security.symbol == symbol, Security.id != security.id))
    if clash is not None:
        raise Invalid(f"{symbol} is another security.", fields={"symbol": f"{symbol} is another security."})
    currency = _checked_currency(data.currency)
    if currency != security.currency and _has_history(workspace, security):
        message = "The currency cannot change once the security has trades or prices."
        raise Invalid(message, fields={"currency": message})
    security.symbol, security.currency = symbol, currency
    security.name = " ".join((data.name or "").split())[:120] or symbol
    security.kind = _checked_kind(data.kind)
    security.unique_id = _checked_unique_id(data.unique_id)
    db.session.flush()
    return security


def _has_history(workspace: Workspace, security: Security) -> bool:
    trades = sa.select(Trade.id).where(Trade.workspace_id == workspace.id, Trade.security_id == security.id)
    prices = sa.select(Price.id).where(Price.workspace_id == workspace.id, Price.security_id == security.id)
    return bool(db.session.scalar(trades.limit(1)) or db.session.scalar(prices.limit(1)))


def securities(workspace: Workspace) -> list[Security]:
    return list(db.session.scalars(scoped(Security, workspace).order_by(Security.symbol)))


# Accounts and their cost method -------------------------------------------------------------------


def investment_accounts(workspace: Workspace, *, archived: bool = False) -> list[Account]:
    query = scoped(Account, workspace).where(Account.type == "investment").order_by(Account.name, Account.id)
    if not archived:
        query = query.where(Account.archived.is_(False))
    return list(db.session.scalars(query))


def investment_account(workspace: Workspace, account_id: object) -> Account:
    """The workspace's investment account with this id (any other id is a 404)."""
    account = get_scoped_or_404(Account, account_id, workspace)
    if account.type != "investment":
        raise NotFound("No such investment account.")
    return account


def cost_methods(workspace: Workspace, account_ids: Iterable[int]) -> dict[int, str]:
    """Each account's cost method (FIFO unless set)."""
    ids = list(account_ids)
    methods = dict.fromkeys(ids, "fifo")
    if ids:
        rows = db.session.execute(sa.select(InvestmentSetting.account_id, InvestmentSetting.cost_method).where(
            InvestmentSetting.workspace_id == workspace.id, InvestmentSetting.account_id.in_(ids)))
        methods.update({account_id: method for account_id, method in rows})
    return methods


def set_cost_method(workspace: Workspace, account: Account, method: str) -> InvestmentSetting:
    """Choose FIFO or average cost for an investment account's gains."""
    if method not in COST_METHODS:
        raise Invalid("Choose FIFO or average cost.", fields={"cost_method": "Choose FIFO or average cost."})
    if account.workspace_id != workspace.id or account.type != "investment":
        raise NotFound("No such investment account.")
    setting = find_or_create(
        scoped(InvestmentSetting, workspace).where(InvestmentSetting.account_id == account.id),
        lambda: InvestmentSetting(workspace_id=workspace.id, account_id=account.id, cost_method=method),
        what="setting",
    )
    setting.cost_method = method
    db.session.flush()
    return setting


# Trades -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewTrade:
    """A trade as typed (or imported). Numbers are positive; the service signs the cash effect.

    `amount` None: computed for buys and sells (price x quantity ± fees and taxes); required for
    dividends, interest, fees, deposits and withdrawals. `currency` None: the security's, else
    the account's. A split gives `split_from` → `split_to` (1 → 2), or `quantity` shares added."""

    kind: str
    on: date | None
    security_id: int | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    fees: Decimal | None = None
    taxes: Decimal | None = None
    amount: Decimal | None = None
    currency: str | None = None
    split_from: Decimal | None = None
    split_to: Decimal | None = None
    memo: str = ""
    import_batch_id: int | None = None
    external_id: str | None = None


def _number(value: Decimal | int | str | None, field: str, *, required: bool, positive: bool = True,
            what: str = "a number") -> Decimal | None:
    if value is None or value == "":
        if required:
            raise Invalid(f"Enter {what}.", fields={field: f"Enter {what}."})
        return None
    try:
        number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise Invalid(f"Enter {what}.", fields={field: f"Enter {what}."}) from None
    if isinstance(value, bool) or not number.is_finite():
        raise Invalid(f"Enter {what}.", fields={field: f"Enter {what}."})
    if (positive and number <= 0) or number < 0:
        message = "Enter a number more than zero." if positive else "Enter zero or more."
        raise Invalid(message, fields={field: message})
    if number >= MAX_QUANTITY:
        message = "That number is too large (the most is 900 million)."
        raise Invalid(message, fields={field: message})
    if number != number.quantize(PLACES, rounding=ROUND_HALF_EVEN):
        raise Invalid("Use at most 10 decimal places.", fields={field: "Use at most 10 decimal places."})
    return number


def _money(value: Decimal | None, currency: str, field: str, *, required: bool = False) -> Decimal:
    if value is None:
        if required:
            raise Invalid("Enter an amount.", fields={field: "Enter an amount."})
        return ZERO
    return checked_amount(value, currency, field=field, sign="positive" if required else "nonnegative")


def _fill(workspace: Workspace, account: Account, trade: Trade, data: NewTrade) -> None:
    """Check `data` and write it onto `trade` (no flush)."""
    kind = (data.kind or "").strip().lower()
    if kind not in TRADE_KINDS:
        raise Invalid("Choose what kind of trade this is.", fields={"kind": "Choose what kind of trade this is."})
    day = checked_day(data.on, field="on")
    security = None
    if data.security_id is not None:
        security = get_scoped_or_404(Security, data.security_id, workspace)
    elif kind in SHARE_KINDS or kind == "dividend":
        raise Invalid("Choose the security.", fields={"security_id": "Choose the security."})
    currency = _checked_currency(data.currency or (security.currency if security else account.currency))
    quantity = price = None
    split_from = split_to = None
    if kind == "split":
        split_from = _number(data.split_from, "split_from", required=False, what="the old number of shares")
        split_to = _number(data.split_to, "split_to", required=False, what="the new number of shares")
        quantity = _number(data.quantity, "quantity", required=False, what="the shares added")
        if (split_from is None) != (split_to is None):
            message = "Give both sides of the ratio (such as 1 → 2)."
            raise Invalid(message, fields={"split_to": message})
        if split_from is None and quantity is None:
            message = "Give the ratio (such as 1 → 2) or the shares added."
            raise Invalid(message, fields={"split_to": message})
    elif kind in SHARE_KINDS:
        quantity = _number(data.quantity, "quantity", required=True, what="the number of shares")
        price = _number(data.price, "price", required=kind in ("buy", "sell", "reinvest"),
                        positive=False, what="the price per share")
    else:
        quantity = _number(data.quantity, "quantity", required=False, positive=False, what="the number of shares")
        price = _number(data.price, "price", required=False, positive=False, what="the price per share")
    fees = _money(data.fees, currency, "fees")
    taxes = _money(data.taxes, currency, "taxes")
    gross = quantize((quantity or ZERO) * (price or ZERO), currency)
    if kind in ("buy", "sell"):
        amount = _money(data.amount, currency, "amount") if data.amount is not None else (
            gross + fees + taxes if kind == "buy" else gross - fees - taxes)
        if kind == "sell" and amount < 0:
            message = "The fees and taxes are more than the sale brings in."
            raise Invalid(message, fields={"fees": message})
    elif kind in ("dividend", "interest", "fee", "deposit", "withdrawal"):
        amount = _money(data.amount, currency, "amount", required=True)
    else:  # reinvest, split, transfers: no cash moves unless the statement says so
        amount = _money(data.amount, currency, "amount") if data.amount is not None else ZERO
        if kind == "reinvest":
            amount = -amount  # cash the statement says left besides the reinvested dividend (rare)
    if abs(amount) >= MAX_AMOUNT:
        raise Invalid("That amount is too large.", fields={"amount": "That amount is too large."})
    signed = -amount if kind in CASH_OUT else amount
    external_id = (data.external_id or "").strip()[:255] or None
    if external_id is not None and external_id != trade.external_id:
        clash = db.session.scalar(sa.select(Trade.id).where(
            Trade.workspace_id == workspace.id, Trade.account_id == account.id, Trade.external_id == external_id))
        if clash is not None:
            raise Conflict(f"A trade with statement id {external_id} is already in {account.name}.")
    trade.workspace_id, trade.account_id = workspace.id, account.id
    trade.security_id, trade.security = (security.id, security) if security else (None, None)
    trade.on, trade.kind, trade.currency = day, kind, currency
    trade.quantity, trade.price = quantity or ZERO, price
    trade.fees, trade.taxes, trade.amount = fees, taxes, signed
    trade.split_from, trade.split_to = split_from, split_to
    trade.memo = (data.memo or "").strip()[:255]
    trade.import_batch_id = data.import_batch_id
    trade.external_id = external_id


def _require_investment(workspace: Workspace, account: Account) -> None:
    if account.workspace_id != workspace.id:
        raise NotFound("No such account.")
    if account.type != "investment":
        message = f"{account.name} is not an investment account."
        raise Invalid(message, fields={"account_id": message})


def quantity_text(value: Decimal) -> str:
    """A quantity without trailing zeros: 12.5, 3, 0.12345678."""
    normal = value.normalize()
    return f"{normal + 0:f}"


def check_holdings(workspace: Workspace, account: Account, security_ids: Iterable[int | None]) -> None:
    """Replay each security's trades in the account: no trade may take more shares than are held.

    `record_trade(..., check=False)` leaves this to the caller: an import records all its trades,
    then checks each security once (rather than replaying its history after every row)."""
    for security_id in security_ids:
        if security_id is None:
            continue
        events = list(_events(workspace, [account.id], security_id=security_id))
        try:
            engine.run(events, "fifo", ordered=True)
        except ShortSale as err:
            symbol = db.session.scalar(sa.select(Security.symbol).where(Security.id == security_id)) or "?"
            message = (f"You hold only {quantity_text(err.held)} shares of {symbol} on {err.on.isoformat()}"
                       f" (this would need {quantity_text(err.wanted)}).")
            raise ShortSaleRefused(message, fields={"quantity": message}) from None


def record_trade(workspace: Workspace, account: Account, data: NewTrade, *, check: bool = True) -> Trade:
    """Add a trade to an investment account; a sale of shares not held is refused (with `check=False`,
    by the caller's `check_holdings` once all its trades are in)."""
    _require_investment(workspace, account)
    trade = Trade()
    _fill(workspace, account, trade, data)
    db.session.add(trade)
    db.session.flush()
    if check:
        check_holdings(workspace, account, {trade.security_id})
    return trade


def update_trade(workspace: Workspace, trade: Trade, data: NewTrade) -> Trade:
    """Change a trade (same account); the account's holdings are checked again."""
    if trade.workspace_id != workspace.id:
        raise NotFound("No such trade.")
    account = get_scoped_or_404(Account, trade.account_id, workspace)
    before = trade.security_id
    _fill(workspace, account, trade, data)
    db.session.flush()
    check_holdings(workspace, account, {before, trade.security_id})
    return trade


def delete_trade(workspace: Workspace, trade: Trade) -> None:
    """Remove a trade, unless later sales need its shares."""
    if trade.workspace_id != workspace.id:
        raise NotFound("No such trade.")
    account = get_scoped_or_404(Account, trade.account_id, workspace)
    security_id = trade.security_id
    db.session.delete(trade)
    db.session.flush()
    check_holdings(workspace, account, {security_id})


def list_trades(workspace: Workspace, *, account_id: int | None = None, security_id: int | None = None,
                page: int = 1, per_page: int = 50) -> Page[Trade]:
    """Trades, newest first, one page (the (workspace, account, date, id) index)."""
    query = scoped(Trade, workspace).options(sa.orm.joinedload(Trade.security))
    if account_id is not None:
        query = query.where(Trade.account_id == account_id)
    if security_id is not None:
        query = query.where(Trade.security_id == security_id)
    return paginate(query.order_by(Trade.on.desc(), Trade.id.desc()), page, per_page)


# Prices -----------------------------------------------------------------------------------------


def record_price(workspace: Workspace, security: Security, on: date | None, close: Decimal | None, *,
                 currency: str | None = None, source: str = "manual") -> Price:
    """Set a security's closing price on a day (replacing that day's price)."""
    if security.workspace_id != workspace.id:
        raise NotFound("No such security.")
    day = checked_day(on, field="on")
    value = _number(close, "close", required=True, what="the closing price")
    assert value is not None
    code = _checked_currency(currency or security.currency)
    if source not in PRICE_SOURCES:
        raise ValueError(f"unknown price source {source!r}")
    price = find_or_create(
        scoped(Price, workspace).where(Price.security_id == security.id, Price.on == day),
        lambda: Price(workspace_id=workspace.id, security_id=security.id, on=day, close=value, currency=code,
                      source=source),
        what="price",
    )
    price.close, price.currency, price.source = value, code, source
    db.session.flush()
    return price


def delete_price(workspace: Workspace, price: Price) -> None:
    """Remove a price entered by mistake."""
    if price.workspace_id != workspace.id:
        raise NotFound("No such price.")
    db.session.delete(price)
    db.session.flush()


def list_prices(workspace: Workspace, *, security_id: int | None = None, page: int = 1,
                per_page: int = 50) -> Page[Price]:
    query = scoped(Price, workspace).options(sa.orm.joinedload(Price.security))
    if security_id is not None:
        query = query.where(Price.security_id == security_id)
    return paginate(query.order_by(Price.on.desc(), Price.id.desc()), page, per_page)


@dataclass(frozen=True)
class Quote:
    close: Decimal
    on: date
    currency: str


def last_prices(workspace: Workspace, security_ids: Iterable[int], on: date) -> dict[int, Quote]:
    """Each security's last price on or before `on` (one query: the newest day per security)."""
    ids = list(set(security_ids))
    if not ids:
        return {}
    newest = (sa.select(Price.security_id, sa.func.max(Price.on).label("day"))
              .where(Price.workspace_id == workspace.id, Price.security_id.in_(ids), Price.on <= on)
              .group_by(Price.security_id).subquery())
    rows = db.session.execute(
        sa.select(Price.security_id, Price.close, Price.on, Price.currency)
        .join(newest, sa.and_(Price.security_id == newest.c.security_id, Price.on == newest.c.day)))
    return {security_id: Quote(close, day, currency) for security_id, close, day, currency in rows}


def price_series(workspace: Workspace, security_ids: Iterable[int], end: date) -> dict[int, list[tuple[date, Decimal]]]:
    """Every price up to `end` per security, by date (for valuations on many days)."""
    ids = list(set(security_ids))
    series: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    if ids:
        # Raw values, decoded here: the type processor's call per price cost more than the rest (see trade_rows).
        scaled = db.session.get_bind().dialect.name == "sqlite"
        raw_type: sa.types.TypeEngine[Any] = sa.BigInteger() if scaled else sa.Numeric(28, 10, asdecimal=True)
        close = sa.type_coerce(Price.close, raw_type)
        rows = db.session.execute(sa.select(Price.security_id, Price.on, close).where(
            Price.workspace_id == workspace.id, Price.security_id.in_(ids), Price.on <= end)
            .order_by(Price.security_id, Price.on))
        shift = -QUANTITY_SCALE
        for security_id, day, value in rows:
            series[security_id].append((day, Decimal(value).scaleb(shift) if scaled else Decimal(value)))
    return series


def price_before(series: Sequence[tuple[date, Decimal]], on: date) -> tuple[date, Decimal] | None:
    """The last (day, close) on or before `on` in a sorted series."""
    index = bisect.bisect_right(series, (on, Decimal("Infinity")))
    return series[index - 1] if index else None


def is_stale(price_on: date, as_of: date, stale_days: int) -> bool:
    """A price older than `stale_days` days on `as_of`."""
    return (as_of - price_on).days > stale_days


# Exchange rates, read once per report ------------------------------------------------------------


class RateTable:
    """Rates into the base currency by date, loaded once (the rates table is small): the latest rate
    on or before a day, the reverse pair inverted when only it exists, as rates.services does."""

    def __init__(self, workspace: Workspace, currencies: Iterable[str]):
        self.base = workspace.base_currency
        self.series: dict[str, list[tuple[date, Decimal]]] = {}
        wanted = {c for c in currencies if c != self.base}
        if not wanted:
            return
        pairs = sa.or_(sa.and_(ExchangeRate.base.in_(wanted), ExchangeRate.quote == self.base),
                       sa.and_(ExchangeRate.quote.in_(wanted), ExchangeRate.base == self.base))
        rows = db.session.execute(
            sa.select(ExchangeRate.base, ExchangeRate.quote, ExchangeRate.on, ExchangeRate.rate)
            .where(ExchangeRate.workspace_id == workspace.id, pairs).order_by(ExchangeRate.on))
        direct: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        reverse: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        for base, quote, day, rate in rows:
            if quote == self.base:
                direct[base].append((day, rate))
            else:
                reverse[quote].append((day, rate))
        self.direct, self.reverse = direct, reverse

    def rate(self, currency: str, on: date) -> Decimal | None:
        """1 `currency` in the base currency on `on`; None when no rate is known yet."""
        if currency == self.base:
            return ONE
        if not hasattr(self, "direct"):
            return None
        found = price_before(self.direct.get(currency, []), on)
        if found is not None:
            return found[1]
        back = price_before(self.reverse.get(currency, []), on)
        if back is not None and back[1]:
            from financeapp.rates.services import invert

            return invert(back[1])
        return None


# Reading trades as engine events -----------------------------------------------------------------


_EVENT_COLUMNS = (Trade.id, Trade.on, Trade.kind, Trade.security_id, Trade.quantity, Trade.price, Trade.fees,
                  Trade.taxes, Trade.amount, Trade.split_from, Trade.split_to)


def _events(workspace: Workspace, account_ids: Sequence[int], *, security_id: int | None = None,
            until: date | None = None) -> Iterable[Event]:
    """The accounts' trades as engine events, in order (plain tuples from one SELECT)."""
    query = sa.select(*_EVENT_COLUMNS).where(Trade.workspace_id == workspace.id, Trade.account_id.in_(account_ids))
    if security_id is not None:
        query = query.where(Trade.security_id == security_id)
    if until is not None:
        query = query.where(Trade.on <= until)
    for row in db.session.execute(query.order_by(Trade.on, Trade.id)):
        yield Event(*row)


def _raw_columns() -> tuple[list[Any], bool]:
    """The event columns without SQLAlchemy's per-value type processing (decoded by `_decoder`), and
    whether quantities come back as scaled integers (SQLite) rather than decimals.

    A holdings page reads every trade of the accounts; the type processors' call per value cost more
    than the engine itself. Price, fees and taxes are only read where the engine uses them (a trade
    whose cash amount is zero: a reinvestment, a transfer in, a hand-built event)."""
    scaled = db.session.get_bind().dialect.name == "sqlite"
    quantity_type: sa.types.TypeEngine = sa.BigInteger() if scaled else sa.Numeric(28, 10, asdecimal=True)

    def q(column: Any) -> Any:
        return sa.type_coerce(column, quantity_type)

    def money(column: Any) -> Any:
        return sa.type_coerce(column, sa.BigInteger())

    needs = sa.or_(Trade.amount == 0, Trade.kind.in_(("reinvest", "transfer_in")))
    columns = [Trade.account_id, Trade.currency, Trade.id, Trade.on, Trade.kind, Trade.security_id,
               q(Trade.quantity), q(sa.case((needs, Trade.price))), money(sa.case((needs, Trade.fees))),
               money(sa.case((needs, Trade.taxes))), money(Trade.amount), q(Trade.split_from), q(Trade.split_to)]
    return columns, scaled


def trade_rows(workspace: Workspace, account_ids: Sequence[int], until: date | None = None
               ) -> dict[int, list[tuple[Event, str]]]:
    """Per account, its events with the trade's currency (one SELECT of plain columns for all accounts)."""
    columns, scaled = _raw_columns()
    query = sa.select(*columns).where(Trade.workspace_id == workspace.id, Trade.account_id.in_(account_ids))
    if until is not None:
        query = query.where(Trade.on <= until)
    result: dict[int, list[tuple[Event, str]]] = defaultdict(list)
    money_scale, quantity_scale = -Money.SCALE, -QUANTITY_SCALE

    def quantity(value: object) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).scaleb(quantity_scale) if scaled else Decimal(value)  # type: ignore[arg-type]

    # The driver's rows as they come (no Row objects, no processing per value): the statement holds only
    # ids and dates, rendered inline. Flushed first, as a query through the session would be (autoflush).
    db.session.flush()
    connection = db.session.connection()
    sql = str(query.order_by(Trade.on, Trade.id).compile(
        dialect=connection.dialect, compile_kwargs={"literal_binds": True, "render_postcompile": True}))
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql)
        raw = cursor.fetchall()
    finally:
        cursor.close()
    for account_id, currency, trade_id, on, kind, security_id, qty, price, fees, taxes, amount, split_from, \
            split_to in raw:
        if isinstance(on, str):  # SQLite keeps dates as text
            on = date.fromisoformat(on)
        event = Event(trade_id, on, kind, security_id, quantity(qty) or ZERO, quantity(price),
                      ZERO if fees is None else Decimal(fees).scaleb(money_scale),
                      ZERO if taxes is None else Decimal(taxes).scaleb(money_scale),
                      Decimal(amount).scaleb(money_scale), quantity(split_from), quantity(split_to))
        result[account_id].append((event, currency))
    return result


def with_rates(rows: Iterable[tuple[Event, str]], rates: RateTable) -> list[Event]:
    """Events carrying the rate of their currency into the base currency on their day (1 when unknown:
    the report flags the missing rate instead)."""
    events = []
    for event, currency in rows:
        rate = rates.rate(currency, event.on)
        events.append(event._replace(rate=rate) if rate is not None and rate != ONE else event)
    return events


# Holdings ---------------------------------------------------------------------------------------


@dataclass
class Holding:
    security: Security
    quantity: Decimal
    cost: Decimal  # security currency
    cost_base: Decimal  # base currency, at the rates of the buys
    lots: list[Lot]
    price: Decimal | None = None
    price_on: date | None = None
    stale: bool = False
    rate: Decimal | None = ONE  # security currency -> base on the day

    @property
    def currency(self) -> str:
        return self.security.currency

    @property
    def market_value(self) -> Decimal | None:
        return None if self.price is None else quantize(self.quantity * self.price, self.currency)

    @property
    def unrealized(self) -> Decimal | None:
        value = self.market_value
        return None if value is None else value - quantize(self.cost, self.currency)

    @property
    def market_value_base(self) -> Decimal | None:
        value = self.market_value
        return None if value is None or self.rate is None else value * self.rate

    @property
    def unrealized_base(self) -> Decimal | None:
        value = self.market_value_base
        return None if value is None else value - self.cost_base

    @property
    def currency_effect(self) -> Decimal | None:
        """The part of the base-currency gain that the exchange rate made: total minus price effect."""
        total, local = self.unrealized_base, self.unrealized
        if total is None or local is None or self.rate is None:
            return None
        return total - local * self.rate

    @property
    def average_cost(self) -> Decimal:
        return engine.average_cost(self.quantity, self.cost)


@dataclass
class SaleRow:
    sale: Sale
    security: Security
    account_id: int
    rate: Decimal | None  # on the day of the sale

    @property
    def currency_effect(self) -> Decimal | None:
        if self.rate is None:
            return None
        return self.sale.gain_base - self.sale.gain * self.rate


@dataclass
class Portfolio:
    """Holdings, gains, income and cash of some investment accounts on a day."""

    as_of: date
    start: date | None
    base_currency: str
    accounts: list[Account]
    methods: dict[int, str]
    holdings: list[Holding]
    sales: list[SaleRow]
    cash: dict[str, Decimal]  # by currency
    dividends: Decimal  # base currency, start..as_of
    interest: Decimal
    income_rows: list[tuple[engine.Income, Security | None, int]] = field(default_factory=list)
    missing_prices: list[str] = field(default_factory=list)  # symbols held with no price
    stale_prices: list[str] = field(default_factory=list)
    missing_rates: list[str] = field(default_factory=list)
    cash_base: Decimal = ZERO
    cash_rates: dict[str, Decimal | None] = field(default_factory=dict)

    realized: Decimal = ZERO  # base currency, start..as_of (filled whether or not `sales` is)

    @property
    def realized_gain(self) -> Decimal:
        return self.realized

    @property
    def unrealized_gain(self) -> Decimal:
        return sum((h.unrealized_base or ZERO for h in self.holdings), ZERO)

    @property
    def market_value(self) -> Decimal:
        return sum((h.market_value_base or ZERO for h in self.holdings), ZERO)

    @property
    def cost_basis(self) -> Decimal:
        return sum((h.cost_base for h in self.holdings), ZERO)

    @property
    def value(self) -> Decimal:
        """Holdings at market value plus cash, in the base currency (unpriced holdings count nothing)."""
        return self.market_value + self.cash_base

    @property
    def complete(self) -> bool:
        return not self.missing_prices and not self.missing_rates


# Books computed from an account's trades are kept (in this process) under a fingerprint of those
# trades and of the rates table: a holdings page viewed again reads no trade, while any change to a
# trade (added, deleted, edited: its count, largest id, latest update, sums of amounts, quantities
# and dates) or to a rate gives a new key. The books are never changed after they are built.
BOOK_CACHE_SIZE = 64
_BOOKS: OrderedDict[tuple, _CachedBook] = OrderedDict()
_BOOKS_LOCK = threading.Lock()


@dataclass(frozen=True)
class _CachedBook:
    book: engine.Book
    cash: dict[str, Decimal]
    currencies: frozenset[str]


def _book_keys(workspace: Workspace, ids: Sequence[int], methods: dict[int, str], day: date) -> dict[int, tuple]:
    """The cache key of each account's book on `day` (two aggregate queries over indexed columns)."""
    if not ids:
        return {}
    ordinal = sa.extract("year", Trade.on) * 372 + sa.extract("month", Trade.on) * 31 + sa.extract("day", Trade.on)
    rows = db.session.execute(
        sa.select(Trade.account_id, sa.func.count(), sa.func.max(Trade.id), sa.func.max(Trade.updated_at),
                  sa.func.sum(sa.type_coerce(Trade.amount, sa.BigInteger())),
                  sa.func.sum(Trade.quantity), sa.func.sum(ordinal))
        .where(Trade.workspace_id == workspace.id, Trade.account_id.in_(ids), Trade.on <= day)
        .group_by(Trade.account_id))
    prints = {account_id: tuple(str(v) for v in rest) for account_id, *rest in rows}
    rates = db.session.execute(sa.select(sa.func.count(), sa.func.max(ExchangeRate.updated_at)).where(
        ExchangeRate.workspace_id == workspace.id)).one()
    stamp = (workspace.base_currency, str(rates[0]), str(rates[1]))
    return {account_id: (workspace.id, account_id, methods[account_id], day, prints.get(account_id), stamp)
            for account_id in ids}


def stale_days(config: dict | None = None) -> int:
    from flask import current_app

    source = config if config is not None else current_app.config
    return int(source.get("INVESTMENT_PRICE_STALE_DAYS", DEFAULT_STALE_DAYS))


def portfolio(workspace: Workspace, *, accounts: Sequence[Account] | None = None, as_of: date | None = None,
              start: date | None = None, method: str | None = None, stale_after: int | None = None,
              detail: bool = False) -> Portfolio:
    """Holdings at market value, realized gains and income between `start` and `as_of`, and cash.

    `method` None uses each account's own cost method; "fifo" or "average" overrides it for a report.
    `detail` also lists each sale and each income (a security's page); the totals are there either way."""
    day = as_of or date.today()
    if method is not None and method not in COST_METHODS:
        raise Invalid("Choose fifo or average.", fields={"method": "Choose fifo or average."})
    chosen = list(accounts) if accounts is not None else investment_accounts(workspace)
    ids = [a.id for a in chosen]
    methods = cost_methods(workspace, ids)
    if method is not None:
        methods = dict.fromkeys(ids, method)
    keys = _book_keys(workspace, ids, methods, day)
    books: dict[int, _CachedBook] = {}
    with _BOOKS_LOCK:
        for account_id, cache_key in keys.items():
            if (entry := _BOOKS.get(cache_key)) is not None:
                _BOOKS.move_to_end(cache_key)
                books[account_id] = entry
    todo = [account_id for account_id in ids if account_id not in books]
    rows = trade_rows(workspace, todo, day) if todo else {}
    currencies = {currency for account_rows in rows.values() for _e, currency in account_rows}
    for entry in books.values():
        currencies |= entry.currencies
    security_map = {s.id: s for s in securities(workspace)}
    currencies |= {s.currency for s in security_map.values()}
    rates = RateTable(workspace, currencies)
    foreign = any(code != workspace.base_currency for code in currencies)
    for account_id in todo:
        account_rows = rows.get(account_id, [])
        events = with_rates(account_rows, rates) if foreign else [event for event, _c in account_rows]
        account_cash: dict[str, Decimal] = defaultdict(Decimal)
        for event, currency in account_rows:
            account_cash[currency] += event.amount
        entry = _CachedBook(engine.run(events, methods[account_id], ordered=True), dict(account_cash),
                            frozenset(account_cash))
        books[account_id] = entry
        with _BOOKS_LOCK:
            _BOOKS[keys[account_id]] = entry
            while len(_BOOKS) > BOOK_CACHE_SIZE:
                _BOOKS.popitem(last=False)
    held: dict[int, Holding] = {}
    sales: list[SaleRow] = []
    income_rows: list[tuple[engine.Income, Security | None, int]] = []
    cash: dict[str, Decimal] = defaultdict(Decimal)
    realized = ZERO
    for account_id in ids:
        book = books[account_id].book
        for currency, amount in books[account_id].cash.items():
            cash[currency] += amount
        for key in book.held():
            if not isinstance(key, int):
                continue
            holding = held.setdefault(key, Holding(security_map[key], ZERO, ZERO, ZERO, []))
            holding.quantity += book.quantity(key)
            holding.cost += book.cost(key)
            holding.cost_base += book.cost_base(key)
            holding.lots.extend(book.lots[key])
        for sale in book.realized(start, day):
            realized += sale.gain_base
            if detail and isinstance(sale.security, int):
                sold = security_map[sale.security]
                sales.append(SaleRow(sale, sold, account_id, rates.rate(sold.currency, sale.on)))
        for income in book.income_between(start, day):
            paid_by = security_map.get(income.security) if isinstance(income.security, int) else None
            income_rows.append((income, paid_by, account_id))
    for account in chosen:  # the account's own ledger (opening balance, transfers in and out) is its cash too
        ledger = balance_on(account, day)
        if ledger:
            cash[account.currency] += ledger
    quotes = last_prices(workspace, held, day)
    limit = stale_after if stale_after is not None else stale_days()
    result = Portfolio(day, start, workspace.base_currency, chosen, methods, [], sales,
                       {k: v for k, v in cash.items() if v}, ZERO, ZERO, income_rows if detail else [],
                       realized=realized)
    for key, holding in sorted(held.items(), key=lambda item: item[1].security.symbol):
        quote = quotes.get(key)
        if quote is not None:
            holding.price, holding.price_on = quote.close, quote.on
            holding.stale = is_stale(quote.on, day, limit)
            if holding.stale:
                result.stale_prices.append(holding.security.symbol)
        else:
            result.missing_prices.append(holding.security.symbol)
        holding.rate = rates.rate(holding.currency, day)
        if holding.rate is None:
            result.missing_rates.append(holding.currency)
        result.holdings.append(holding)
    for income, _security, _account in income_rows:
        if income.kind == "dividend":
            result.dividends += income.amount_base
        else:
            result.interest += income.amount_base
    for currency, amount in result.cash.items():
        rate = rates.rate(currency, day)
        result.cash_rates[currency] = rate
        if rate is None:
            result.missing_rates.append(currency)
        else:
            result.cash_base += amount * rate
    result.missing_rates = sorted(set(result.missing_rates))
    return result


def holding_of(workspace: Workspace, security: Security, *, accounts: Sequence[Account] | None = None,
               as_of: date | None = None, method: str | None = None) -> Holding | None:
    """One security's holding across the accounts (None when none is held)."""
    found = portfolio(workspace, accounts=accounts, as_of=as_of, method=method)
    return next((h for h in found.holdings if h.security.id == security.id), None)


def allocation(result: Portfolio) -> dict[str, list[tuple[str, Decimal]]]:
    """Market value in the base currency by security, by kind and by currency (largest first)."""
    by: dict[str, dict[str, Decimal]] = {"security": defaultdict(Decimal), "kind": defaultdict(Decimal),
                                         "currency": defaultdict(Decimal)}
    for holding in result.holdings:
        value = holding.market_value_base
        if value is None:
            continue
        by["security"][holding.security.symbol] += value
        by["kind"][holding.security.kind_label] += value
        by["currency"][holding.currency] += value
    if result.cash_base:
        by["kind"]["Cash"] += result.cash_base
        for currency, amount in result.cash.items():
            by["currency"][currency] += amount * (result.cash_rates.get(currency) or ZERO)
    return {name: sorted(values.items(), key=lambda item: item[1], reverse=True) for name, values in by.items()}


def market_value_by_account(workspace: Workspace, as_of: date) -> dict[int, Decimal]:
    """Each investment account's holdings at market value plus its trade cash, in the base currency
    (for net worth; unpriced holdings count nothing and are flagged on the investments pages)."""
    values: dict[int, Decimal] = {}
    for account in investment_accounts(workspace, archived=True):
        values[account.id] = portfolio(workspace, accounts=[account], as_of=as_of, stale_after=10**6).value
    return values


def days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# Performance ------------------------------------------------------------------------------------

EXTERNAL_CASH = frozenset({"deposit", "withdrawal"})
EXTERNAL_SHARES = frozenset({"transfer_in", "transfer_out"})


@dataclass
class Performance:
    """Returns of some investment accounts over a range, in the base currency, with the series the
    chart draws (value and net contributions at each point)."""

    start: date
    end: date
    base_currency: str
    points: list[performance.Valuation]
    contributions: list[Decimal]  # cumulative net flows at each point
    twr: Decimal | None
    xirr: Decimal | None  # annual rate
    mwr: Decimal | None  # over the period (annualised above a year)
    missing: list[tuple[str, date]]  # (symbol or currency, day) a value needed and did not have

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def annualised(self) -> bool:
        return self.days > performance.YEAR_DAYS

    @property
    def start_value(self) -> Decimal:
        return self.points[0].value if self.points else ZERO

    @property
    def end_value(self) -> Decimal:
        return self.points[-1].value if self.points else ZERO

    @property
    def net_flows(self) -> Decimal:
        return sum((p.flow for p in self.points[1:]), ZERO)

    @property
    def gain(self) -> Decimal:
        return self.end_value - self.start_value - self.net_flows


def _month_ends(start: date, end: date) -> list[date]:
    days, year, month = [], start.year, start.month
    for _ in range(12 * 250):  # bounded: the date range is at most 1900-2199
        following = date(year + month // 12, month % 12 + 1, 1)
        last = following - timedelta(days=1)
        if last >= end:
            break
        if last >= start:
            days.append(last)
        year, month = following.year, following.month
    return days


def first_trade_day(workspace: Workspace, account_ids: Sequence[int]) -> date | None:
    if not account_ids:
        return None
    return db.session.scalar(sa.select(sa.func.min(Trade.on)).where(
        Trade.workspace_id == workspace.id, Trade.account_id.in_(account_ids)))


def ledger_events(accounts: Sequence[Account], until: date) -> dict[int, list[tuple[Event, str]]]:
    """The accounts' own ledger as cash events, so returns value the cash the holdings page shows.

    The opening balance and transfers from and to the workspace's other accounts are external flows
    (a deposit or a withdrawal); any other ledger entry (interest booked by hand, a fee) is cash that
    stays inside. Ids are negative, so they never meet a trade's and come first on their day."""
    found: dict[int, list[tuple[Event, str]]] = defaultdict(list)
    by_id = {account.id: account for account in accounts}
    for account in accounts:
        if account.opening_balance and account.opening_date <= until:
            kind = "deposit" if account.opening_balance > 0 else "withdrawal"
            found[account.id].append((Event(-(10**15) - account.id, account.opening_date, kind, None,
                                            amount=account.opening_balance), account.currency))
    if not by_id:
        return found
    rows = db.session.execute(
        sa.select(Transaction.id, Transaction.account_id, Transaction.on, Transaction.amount,
                  Transaction.transfer_key)
        .where(Transaction.account_id.in_(list(by_id)), Transaction.on <= until)
        .order_by(Transaction.on, Transaction.id))
    for txn_id, account_id, on, amount, transfer_key in rows:
        kind = "ledger" if transfer_key is None else "deposit" if amount > 0 else "withdrawal"
        found[account_id].append((Event(-txn_id, on, kind, None, amount=amount), by_id[account_id].currency))
    return found


def performance_of(workspace: Workspace, *, accounts: Sequence[Account] | None = None, start: date | None = None,
                   end: date | None = None) -> Performance:
    """TWR and XIRR of the accounts (all investment accounts when None) from `start` to `end`, in the
    base currency (see financeapp/investments/performance.py for the definitions)."""
    last = end or date.today()
    chosen = list(accounts) if accounts is not None else investment_accounts(workspace)
    ids = [a.id for a in chosen]
    first = start or first_trade_day(workspace, ids) or last
    if first > last:
        raise Invalid("The start is after the end.", fields={"start": "The start is after the end."})
    rows = trade_rows(workspace, ids, last) if ids else {}
    for account_id, entries in ledger_events(chosen, last).items():
        rows.setdefault(account_id, []).extend(entries)
    merged = sorted(((event, currency, account_id) for account_id, account_rows in rows.items()
                     for event, currency in account_rows), key=lambda item: (item[0].on, item[0].id))
    security_map = {s.id: s for s in securities(workspace)}
    rates = RateTable(workspace, {c for _e, c, _a in merged} | {s.currency for s in security_map.values()})
    prices = price_series(workspace, security_map, last)
    before_start = first - timedelta(days=1)
    flow_days = sorted({e.on for e, _c, _a in merged if first <= e.on <= last
                        and (e.kind in EXTERNAL_CASH or e.kind in EXTERNAL_SHARES)})
    checkpoints = sorted({before_start, last, *flow_days, *_month_ends(first, last)})
    books: dict[int, engine.Book] = {account_id: engine.Book() for account_id in ids}
    cash: dict[str, Decimal] = defaultdict(Decimal)
    missing: list[tuple[str, date]] = []
    points: list[performance.Valuation] = []
    contributions: list[Decimal] = []
    contributed = ZERO
    index = 0

    def value_of(security_id: int, quantity: Decimal, day: date) -> Decimal | None:
        security = security_map[security_id]
        found = price_before(prices.get(security_id, []), day)
        rate = rates.rate(security.currency, day)
        if found is None or rate is None:
            missing.append((security.symbol if found is None else security.currency, day))
            return None
        return quantity * found[1] * rate

    for checkpoint in checkpoints:
        flow = ZERO
        while index < len(merged) and merged[index][0].on <= checkpoint:
            event, currency, account_id = merged[index]
            index += 1
            books[account_id].apply(event)
            cash[currency] += event.amount
            if event.on < first:
                continue
            if event.kind in EXTERNAL_CASH:
                rate = rates.rate(currency, event.on)
                if rate is None:
                    missing.append((currency, event.on))
                else:
                    flow += event.amount * rate
            elif event.kind in EXTERNAL_SHARES and isinstance(event.security, int):
                moved = value_of(event.security, event.quantity, event.on)
                if moved is not None:
                    flow += moved if event.kind == "transfer_in" else -moved
        total = ZERO
        for book in books.values():
            for key in book.held():
                if isinstance(key, int):
                    total += value_of(key, book.quantity(key), checkpoint) or ZERO
        for currency, amount in cash.items():
            rate = rates.rate(currency, checkpoint)
            if amount and rate is None:
                missing.append((currency, checkpoint))
            total += amount * (rate or ZERO)
        if checkpoint == before_start:
            contributed = total
        else:
            contributed += flow
        points.append(performance.Valuation(checkpoint, total, flow))
        contributions.append(contributed)
    days = (last - first).days + 1
    twr = mwr = rate = None
    if not missing:
        period_twr = performance.time_weighted(points)
        twr = None if period_twr is None else performance.annualised(period_twr, days)
        flows = performance.owner_flows(points)
        rate = performance.xirr(flows)
        mwr = performance.money_weighted(flows, days)
    return Performance(first, last, workspace.base_currency, points, contributions, twr, rate, mwr,
                       list(dict.fromkeys(missing)))


def values_on(workspace: Workspace, account_ids: Sequence[int], days: Sequence[date]) -> dict[int, dict[date, Decimal]]:
    """Each investment account's holdings at market value plus its trade cash, in the base currency, at
    the end of each day (for net worth). A holding without a price or rate counts nothing here; the
    investments pages flag it."""
    ids = list(account_ids)
    wanted = sorted(set(days))
    values: dict[int, dict[date, Decimal]] = {account_id: {} for account_id in ids}
    if not ids or not wanted:
        return values
    rows = trade_rows(workspace, ids, wanted[-1])
    if not rows:
        return {account_id: dict.fromkeys(wanted, ZERO) for account_id in ids}
    merged = sorted(((event, currency, account_id) for account_id, account_rows in rows.items()
                     for event, currency in account_rows), key=lambda item: (item[0].on, item[0].id))
    security_map = {s.id: s for s in securities(workspace)}
    rates = RateTable(workspace, {c for _e, c, _a in merged} | {s.currency for s in security_map.values()})
    prices = price_series(workspace, security_map, wanted[-1])
    books = {account_id: engine.Book() for account_id in ids}
    cash: dict[int, dict[str, Decimal]] = {account_id: defaultdict(Decimal) for account_id in ids}
    index = 0
    for day in wanted:
        while index < len(merged) and merged[index][0].on <= day:
            event, currency, account_id = merged[index]
            index += 1
            books[account_id].apply(event)
            cash[account_id][currency] += event.amount
        for account_id in ids:
            total = ZERO
            book = books[account_id]
            for key in book.held():
                if not isinstance(key, int):
                    continue
                found = price_before(prices.get(key, []), day)
                rate = rates.rate(security_map[key].currency, day)
                if found is not None and rate is not None:
                    total += book.quantity(key) * found[1] * rate
            for currency, amount in cash[account_id].items():
                total += amount * (rates.rate(currency, day) or ZERO)
            values[account_id][day] = quantize(total, workspace.base_currency)
    return values
