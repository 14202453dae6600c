"""Loan arithmetic in exact Decimals: the payment, the amortisation schedule, what-if extra payments.

Flask-free and database-free. Conventions (the same as numpy-financial and spreadsheets, with the
sign flipped so a loan's payment is positive):

- `annual_rate` is a percentage (6.5 means 6.5 % a year); the rate per period is annual / 12 / 100.
- Payments fall at the end of each monthly period.
- The payment is the annuity payment rounded half-even to the currency's minor unit. In the
  contractual schedule (loan_schedule) each period's interest is numpy-financial's ipmt rounded
  half-even; in projections from an actual balance (amortise, what-ifs) it is that balance times
  the periodic rate, rounded half-even. The principal is the rest. The final payment is adjusted
  so the balance closes at exactly zero, which absorbs every rounding difference (for 0 % this
  puts the remainder in the last payment).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

ZERO = Decimal(0)
CENT = Decimal("0.01")
# 100 years of monthly payments: a projection that has not finished by then never will.
MAX_PERIODS = 1200
_PRECISION = 50


class NeverPaidOff(ValueError):
    """The payments do not cover the interest: the balance never reaches zero."""


def unit(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def round_money(value: Decimal, places: int = 2) -> Decimal:
    """Half-even to the currency's minor unit (banker's rounding, as interest is usually booked)."""
    return value.quantize(unit(places), rounding=ROUND_HALF_EVEN)


def periodic_rate(annual_rate: Decimal) -> Decimal:
    """The monthly rate as a fraction: 6 (%) -> 0.005."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return Decimal(annual_rate) / Decimal(1200)


def interest_for(balance: Decimal, annual_rate: Decimal, places: int = 2) -> Decimal:
    """A month's interest on `balance`, half-even to the minor unit.

    Divides last, so a product that is exactly half a cent stays exact and rounds to even (a pre-divided
    rate such as 3.5 / 1200 = 0.0029166... would tip it one way).
    """
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return round_money(Decimal(balance) * Decimal(annual_rate) / Decimal(1200), places)


def annuity_payment(principal: Decimal, rate: Decimal, periods: int) -> Decimal:
    """The exact (unrounded) level payment that repays `principal` over `periods` at `rate` per period.

    Positive for a positive principal: numpy_financial.pmt(rate, periods, principal) with the sign flipped.
    """
    if periods < 1:
        raise ValueError("a loan needs at least one period")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if rate == 0:
            return Decimal(principal) / periods
        growth = (1 + rate) ** periods
        return Decimal(principal) * rate * growth / (growth - 1)


def payment_amount(principal: Decimal, annual_rate: Decimal, periods: int, places: int = 2) -> Decimal:
    """The scheduled payment: the annuity payment rounded half-even to the minor unit."""
    return round_money(annuity_payment(principal, periodic_rate(annual_rate), periods), places)


def add_months(start: date, months: int, day: int | None = None) -> date:
    """`start` moved by whole months, on `day` (default: start's day), clamped to the month's end."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day or start.day, last))


def payment_date(start: date, number: int, payment_day: int | None = None) -> date:
    """The due date of payment `number` (1-based): one month after the start for the first."""
    return add_months(start, number, payment_day)


@dataclass(frozen=True)
class Period:
    number: int
    on: date
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal  # after this payment
    extra: Decimal = ZERO  # the part of `payment` beyond the scheduled payment (what-if)


@dataclass(frozen=True)
class Schedule:
    periods: list[Period]
    payment: Decimal  # the regular payment

    @property
    def total_interest(self) -> Decimal:
        return sum((p.interest for p in self.periods), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return sum((p.payment for p in self.periods), ZERO)

    @property
    def payoff_date(self) -> date | None:
        return self.periods[-1].on if self.periods else None

    def __len__(self) -> int:
        return len(self.periods)


def amortise(
    balance: Decimal,
    annual_rate: Decimal,
    payment: Decimal,
    first_due: date,
    *,
    payment_day: int | None = None,
    last_number: int | None = None,
    extra_monthly: Decimal = ZERO,
    one_off: Mapping[date, Decimal] | None = None,
    places: int = 2,
    first_number: int = 1,
) -> Schedule:
    """Pay `balance` down with `payment` a month (plus extras) until it is exactly zero.

    `last_number` is the contractual final period: its payment closes the balance whatever is left.
    One-off amounts are added to the first payment due on or after their date. Raises NeverPaidOff
    when the payments cannot cover the interest or the loan runs past MAX_PERIODS.
    """
    balance = round_money(Decimal(balance), places)
    pending = sorted((on, Decimal(amount)) for on, amount in (one_off or {}).items() if amount > 0)
    periods: list[Period] = []
    number = first_number
    while balance > 0:
        if len(periods) >= MAX_PERIODS:
            raise NeverPaidOff("The loan would not be paid off within 100 years at this payment.")
        on = add_months(first_due, len(periods), payment_day or first_due.day)
        interest = interest_for(balance, annual_rate, places)
        extra = extra_monthly
        while pending and pending[0][0] <= on:
            extra += pending.pop(0)[1]
        due = payment + extra
        principal = due - interest
        if principal <= 0 and last_number is None and not pending:
            raise NeverPaidOff(
                f"A payment of {payment + extra} does not cover the {interest} of interest due on {on}: "
                "the balance would never reach zero."
            )
        if principal >= balance or (last_number is not None and number >= last_number):
            principal = balance
            due = principal + interest
            extra = max(ZERO, min(extra, due - payment))
        balance -= principal
        periods.append(Period(number, on, due, interest, principal, balance, extra))
        number += 1
    return Schedule(periods, payment)


def loan_schedule(
    principal: Decimal, annual_rate: Decimal, term_months: int, start: date,
    payment_day: int | None = None, places: int = 2,
) -> Schedule:
    """The contractual amortisation schedule: `term_months` payments, the last closing at exactly 0.

    Each period's interest is the exact annuity balance times the rate (numpy-financial's ipmt,
    unrounded) rounded half-even, so every line matches ipmt/ppmt to the cent however long or dear
    the loan; rounding the interest on the rounded balance instead would compound the rounding at
    the loan's rate (9 cents after 30 years at 10 %). The principal is the rounded payment less
    that interest; the last payment takes whatever balance is left, so the rounding differences
    end there and the balance closes at exactly zero.
    """
    principal = round_money(Decimal(principal), places)
    rate = periodic_rate(annual_rate)
    exact_payment = annuity_payment(principal, rate, term_months)
    payment = round_money(exact_payment, places)
    first_due = payment_date(start, 1, payment_day)
    day = payment_day or start.day
    exact_balance = Decimal(principal)
    balance = principal
    periods: list[Period] = []
    for number in range(1, term_months + 1):
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            exact_interest = exact_balance * Decimal(annual_rate) / Decimal(1200)
            exact_balance = exact_balance + exact_interest - exact_payment
        interest = round_money(exact_interest, places)
        part = payment - interest
        if number == term_months or part >= balance:
            part = balance
        balance -= part
        periods.append(Period(number, add_months(first_due, number - 1, day), part + interest, interest, part,
                              balance))
        if balance == 0:
            break
    return Schedule(periods, payment)


@dataclass(frozen=True)
class WhatIf:
    base: Schedule
    faster: Schedule

    @property
    def months_saved(self) -> int:
        return len(self.base) - len(self.faster)

    @property
    def interest_saved(self) -> Decimal:
        return self.base.total_interest - self.faster.total_interest


def what_if(
    balance: Decimal, annual_rate: Decimal, payment: Decimal, first_due: date, *,
    payment_day: int | None = None, last_number: int | None = None, first_number: int = 1,
    extra_monthly: Decimal = ZERO, one_off: Iterable[tuple[date, Decimal]] = (), places: int = 2,
) -> WhatIf:
    """The remaining schedule as it stands and with extra payments, to compare months and interest."""
    common = {"payment_day": payment_day, "places": places, "first_number": first_number}
    base = amortise(balance, annual_rate, payment, first_due, last_number=last_number, **common)
    extras: dict[date, Decimal] = {}
    for on, amount in one_off:
        extras[on] = extras.get(on, ZERO) + amount
    faster = amortise(balance, annual_rate, payment, first_due, last_number=last_number,
                      extra_monthly=extra_monthly, one_off=extras, **common)
    return WhatIf(base, faster)
