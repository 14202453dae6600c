"""Returns: time-weighted (TWR) and money-weighted (XIRR). Pure functions over Decimal, no Flask.

Definitions (the performance page prints these):

- External flows are money or shares the owner moves in or out: deposits and withdrawals of cash,
  and shares transferred in or out (at their market value on the day). Dividends, interest, fees,
  buys and sells are not flows: they happen inside the portfolio and are part of its return.
- Values are taken at the end of a day, from the last price on or before it. A flow is counted at
  the end of its day: the value just before it is the day's value less the flow.
- Time-weighted return chains the sub-periods between flows:
  (1 + r1) x (1 + r2) x ... - 1, where r = value before the flow / value after the previous one - 1.
  A sub-period that starts from nothing (an empty account) has no return and is skipped.
  It measures the investments, whatever the owner added or took out when.
- Money-weighted return is the XIRR of the owner's cash flows: the starting value and each
  deposit (paid in, negative), each withdrawal (taken out, positive) and the final value (positive).
  It measures the owner's result, timing of the flows included. The root is found by pyxirr.
- Above a year both are annualised ((1 + r) ^ (365 / days) - 1); a year or less they are the return
  over the period (XIRR's annual rate brought back to the period's length).
- A holding with no price on a day it is needed makes the return unknown (None), and the
  security is named: a return is never computed from a guessed price.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

import pyxirr

ZERO = Decimal(0)
ONE = Decimal(1)
YEAR_DAYS = 365
RETURN_PLACES = Decimal("1e-10")


@dataclass(frozen=True)
class Valuation:
    """The portfolio's value at the end of `on`, with the net external flow of that day in it."""

    on: date
    value: Decimal
    flow: Decimal = ZERO  # positive: money or shares in


def time_weighted(points: Sequence[Valuation]) -> Decimal | None:
    """The chained return over the points (the first is the starting value; its flow is ignored)."""
    if len(points) < 2:
        return None
    growth = ONE
    counted = False
    with localcontext() as context:
        context.prec = 40
        for previous, point in itertools.pairwise(points):
            if previous.value <= 0:
                continue  # nothing invested: this stretch has no return to chain
            growth *= (point.value - point.flow) / previous.value
            counted = True
        return (growth - ONE).quantize(RETURN_PLACES) if counted else None


def annualised(period_return: Decimal, days: int) -> Decimal:
    """A return over `days` as a yearly rate, when the period is longer than a year."""
    if days <= YEAR_DAYS or period_return <= -1:
        return period_return
    # float ok: a root of a ratio, rounded back to Decimal
    yearly = (1 + float(period_return)) ** (YEAR_DAYS / days) - 1
    return Decimal(repr(yearly)).quantize(RETURN_PLACES)


def xirr(flows: Sequence[tuple[date, Decimal]]) -> Decimal | None:
    """The annual rate that makes the flows' net present value zero (pyxirr); None when there is none
    (all flows of one sign, or no root)."""
    if len(flows) < 2 or all(a >= 0 for _d, a in flows) or all(a <= 0 for _d, a in flows):
        return None
    # float ok: pyxirr takes floats; the rate is rounded back to Decimal
    rate = pyxirr.xirr([d for d, _a in flows], [float(a) for _d, a in flows], silent=True)
    if rate is None or rate != rate:  # NaN
        return None
    return Decimal(repr(rate)).quantize(RETURN_PLACES)


def money_weighted(flows: Sequence[tuple[date, Decimal]], days: int) -> Decimal | None:
    """XIRR for ranges above a year; for shorter ones, the return at that rate over the time the money
    was in (from the first flow to the last)."""
    rate = xirr(flows)
    if rate is None or days > YEAR_DAYS:
        return rate
    span = (max(d for d, _a in flows) - min(d for d, _a in flows)).days
    # float ok: a ratio, not money
    period = (1 + float(rate)) ** (span / YEAR_DAYS) - 1
    return Decimal(repr(period)).quantize(RETURN_PLACES)


def owner_flows(points: Sequence[Valuation]) -> list[tuple[date, Decimal]]:
    """The owner's cash flows for XIRR: the start value paid in, each flow's opposite, the end value."""
    if len(points) < 2:
        return []
    first, last = points[0], points[-1]
    flows: list[tuple[date, Decimal]] = []
    if first.value:
        flows.append((first.on, -first.value))
    flows.extend((p.on, -p.flow) for p in points[1:] if p.flow)
    if last.value:
        flows.append((last.on, last.value))
    return flows
