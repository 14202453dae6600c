"""The cost-basis engine: lots, sales, income and cash from a sequence of trades. Pure Decimal, no Flask.

The rules, in one place (services, pages, the API and the CLI all read the numbers from here):

- Trades apply in date order, then in the order they were entered (their id).
- A buy's cost is the cash it took (its `amount`, negated): price x quantity plus fees and taxes.
  When `amount` is zero (a hand-built event) the cost is computed from price, fees and taxes.
- A sale's proceeds are the cash it brought in: price x quantity less fees and taxes.
- FIFO takes shares from the oldest lot first; a partly sold lot keeps the rest of its cost in
  proportion. Average cost keeps one pool per security: a sale removes the pool's cost x the share
  of the pool sold, so the per-share cost of what remains does not change.
- A split (`split_from` → `split_to`, e.g. 1 → 2; or, without a ratio, `quantity` shares added)
  multiplies every lot's quantity and keeps its total cost: the per-share cost divides.
- A reinvested dividend is income (price x quantity plus fees) and a buy of the same cost.
- Shares transferred in open a lot at `price` x quantity (their basis, when the statement gives
  one; zero otherwise); shares transferred out leave like a sale's (FIFO or pooled) with no gain.
- Selling or transferring out more shares than are held is a `ShortSale`: this version has none.

Every event may carry `rate`, the rate from the security's currency into the base currency on its
day, so that lots carry their cost in the base currency as it was when they were bought; gains in
the base currency then separate the price effect from the currency effect.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext
from typing import NamedTuple

ZERO = Decimal(0)
ONE = Decimal(1)
QUANTITY_PLACES = Decimal("1e-10")  # the Numeric(28, 10) the database keeps
METHODS = ("fifo", "average")


class Event(NamedTuple):
    """One trade as the engine needs it: a row from SQL maps onto it field by field."""

    id: int
    on: date
    kind: str
    security: int | str | None  # any key: the security's id in the app, a symbol in tests
    quantity: Decimal = ZERO
    price: Decimal | None = None
    fees: Decimal = ZERO
    taxes: Decimal = ZERO
    amount: Decimal = ZERO  # signed cash effect
    split_from: Decimal | None = None
    split_to: Decimal | None = None
    rate: Decimal = ONE  # security currency -> base currency on `on`


class ShortSale(Exception):
    """More shares sold (or sent out) than were held on that day."""

    def __init__(self, security: int | str | None, on: date, held: Decimal, wanted: Decimal, trade_id: int):
        super().__init__(f"{wanted} of {security} wanted on {on}, {held} held")
        self.security, self.on, self.held, self.wanted, self.trade_id = security, on, held, wanted, trade_id


@dataclass
class Lot:
    security: int | str | None
    opened: date
    quantity: Decimal
    cost: Decimal  # total, in the security's currency
    cost_base: Decimal  # total, in the base currency at the rates of the buys
    trade_id: int

    @property
    def unit_cost(self) -> Decimal:
        return self.cost / self.quantity if self.quantity else ZERO


@dataclass(frozen=True)
class Sale:
    """A sell's realized result (transfers out are recorded the same way, with `transfer=True`)."""

    trade_id: int
    security: int | str | None
    on: date
    quantity: Decimal
    proceeds: Decimal
    cost: Decimal
    proceeds_base: Decimal
    cost_base: Decimal
    transfer: bool = False

    @property
    def gain(self) -> Decimal:
        return ZERO if self.transfer else self.proceeds - self.cost

    @property
    def gain_base(self) -> Decimal:
        return ZERO if self.transfer else self.proceeds_base - self.cost_base


@dataclass(frozen=True)
class Income:
    trade_id: int
    security: int | str | None
    on: date
    kind: str  # dividend, interest (a reinvested dividend counts as dividend)
    amount: Decimal
    amount_base: Decimal


@dataclass
class Book:
    """The state after applying trades: open lots per security, sales, income, cash."""

    method: str = "fifo"
    lots: dict[int | str | None, deque[Lot]] = field(default_factory=dict)
    held_quantity: dict[int | str | None, Decimal] = field(default_factory=dict)  # running, per security
    sales: list[Sale] = field(default_factory=list)
    income: list[Income] = field(default_factory=list)
    cash: Decimal = ZERO
    fees: Decimal = ZERO  # standalone fee trades (buy and sell fees are in cost and proceeds)

    def quantity(self, security: int | str | None) -> Decimal:
        return self.held_quantity.get(security, ZERO)

    def cost(self, security: int | str | None) -> Decimal:
        return sum((lot.cost for lot in self.lots.get(security, ())), ZERO)

    def cost_base(self, security: int | str | None) -> Decimal:
        return sum((lot.cost_base for lot in self.lots.get(security, ())), ZERO)

    def held(self) -> list[int | str | None]:
        """The securities with shares held, in the order they were first bought."""
        return [key for key, quantity in self.held_quantity.items() if quantity]

    def realized(self, start: date | None = None, end: date | None = None) -> list[Sale]:
        return [s for s in self.sales if not s.transfer and _within(s.on, start, end)]

    def income_between(self, start: date | None = None, end: date | None = None) -> list[Income]:
        return [i for i in self.income if _within(i.on, start, end)]

    # -------------------------------------------------------------------------------- applying

    def apply(self, event: Event) -> None:
        """Apply one trade (in order); raises ShortSale."""
        kind = event.kind
        self.cash += event.amount
        if kind in ("buy", "reinvest", "transfer_in"):
            cost = _buy_cost(event)
            if kind == "reinvest":
                self.income.append(Income(event.id, event.security, event.on, "dividend", cost, cost * event.rate))
            self._open(event, cost)
        elif kind in ("sell", "transfer_out"):
            self._close(event)
        elif kind == "split":
            self._split(event)
        elif kind in ("dividend", "interest"):
            self.income.append(Income(event.id, event.security, event.on, kind, event.amount,
                                      event.amount * event.rate))
        elif kind == "fee":
            self.fees += -event.amount
        elif kind not in ("deposit", "withdrawal", "ledger"):  # "ledger": the account's own cash entries
            raise ValueError(f"unknown trade kind {kind!r}")

    def _open(self, event: Event, cost: Decimal) -> None:
        key = event.security
        self.held_quantity[key] = self.held_quantity.get(key, ZERO) + event.quantity
        lots = self.lots.get(key)
        if lots is None:
            lots = self.lots[key] = deque()
        if self.method == "average" and lots:
            pool = lots[0]
            pool.quantity += event.quantity
            pool.cost += cost
            pool.cost_base += cost * event.rate
        else:
            lots.append(Lot(event.security, event.on, event.quantity, cost, cost * event.rate, event.id))

    def _close(self, event: Event) -> None:
        key = event.security
        lots = self.lots.get(key) or deque()
        held = self.held_quantity.get(key, ZERO)
        wanted = event.quantity
        if wanted > held:
            raise ShortSale(key, event.on, held, wanted, event.id)
        self.held_quantity[key] = held - wanted
        cost = cost_base = ZERO
        remaining = wanted
        while remaining > 0:
            lot = lots[0]
            take = min(remaining, lot.quantity)
            if take == lot.quantity:
                part, part_base = lot.cost, lot.cost_base
                lots.popleft()
            else:
                # A partial lot divides: `run` keeps 40 digits, far more than any display needs.
                part = lot.cost * take / lot.quantity
                part_base = lot.cost_base * take / lot.quantity
                lot.quantity -= take
                lot.cost -= part
                lot.cost_base -= part_base
            cost += part
            cost_base += part_base
            remaining -= take
        transfer = event.kind == "transfer_out"
        proceeds = ZERO if transfer else _sale_proceeds(event)
        self.sales.append(Sale(event.id, event.security, event.on, wanted, proceeds, cost,
                               proceeds * event.rate, cost_base, transfer))

    def _split(self, event: Event) -> None:
        lots = self.lots.get(event.security) or deque()
        held = self.held_quantity.get(event.security, ZERO)
        if event.split_from and event.split_to:
            numerator, denominator = event.split_to, event.split_from
        elif event.quantity and held:
            numerator, denominator = held + event.quantity, held  # "shares added"
        else:
            return
        for lot in lots:
            lot.quantity = (lot.quantity * numerator / denominator).quantize(QUANTITY_PLACES)
        self.held_quantity[event.security] = sum((lot.quantity for lot in lots), ZERO)


def _within(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def _buy_cost(event: Event) -> Decimal:
    if event.kind == "buy" and event.amount:
        return -event.amount
    gross = event.quantity * (event.price or ZERO)
    return gross + event.fees + event.taxes if gross else ZERO


def _sale_proceeds(event: Event) -> Decimal:
    if event.amount:
        return event.amount
    return event.quantity * (event.price or ZERO) - event.fees - event.taxes


def order_key(event: Event) -> tuple[date, int]:
    return (event.on, event.id)


def run(events: Iterable[Event], method: str = "fifo", until: date | None = None, *,
        ordered: bool = False) -> Book:
    """Apply `events` (sorted here unless `ordered`) up to and including `until`."""
    if method not in METHODS:
        raise ValueError(f"unknown cost method {method!r}")
    book = Book(method=method)
    sequence = events if ordered else sorted(events, key=order_key)
    with localcontext() as context:
        context.prec = 40  # partial lots divide; keep far more digits than any display needs
        for event in sequence:
            if until is not None and event.on > until:
                break
            book.apply(event)
    return book


def average_cost(quantity: Decimal, cost: Decimal) -> Decimal:
    """The cost per share of a holding (zero when none is held)."""
    return cost / quantity if quantity else ZERO
