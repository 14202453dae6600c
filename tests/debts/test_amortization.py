"""Acceptance 1: loan schedules against numpy-financial's pmt, ipmt and ppmt, and exact closing at 0.00.

The contractual schedule books numpy-financial's ipmt rounded half-even as each period's interest and
the rounded payment less that as the principal, so every period but the last matches ipmt and ppmt to
the cent (interest within half a cent, principal within a cent: the payment's rounding plus the
interest's); the last payment takes the balance that is left and closes it at exactly 0.00.
"""

from __future__ import annotations

import itertools
import math
import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import numpy as np
import numpy_financial as npf
import pytest

from financeapp.debts import amortization as am
from tests.conftest import SHARED

CENT = Decimal("0.01")
AMOUNTS = ("123.45", "1000", "15000", "55000", "300000", "2500000")
RATES = ("0", "0.5", "3.5", "6.25", "8", "10", "18.9", "24.99", "36")
TERMS = (1, 2, 3, 6, 12, 24, 36, 48, 60, 84, 120, 180, 240, 360)
LOANS = list(itertools.product(AMOUNTS, RATES, TERMS))
START = date(2026, 1, 31)


@pytest.fixture(autouse=True)
def _quiet_numpy():
    """numpy-financial divides by the rate before choosing the 0 % branch; that warning is not ours."""
    with np.errstate(divide="ignore", invalid="ignore"):
        yield


def cents(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_EVEN)


def numpy_payment(principal: str, rate: str, term: int) -> float:
    return -float(npf.pmt(float(rate) / 1200, term, float(principal)))


def schedule(principal: str, rate: str, term: int) -> am.Schedule:
    return am.loan_schedule(Decimal(principal), Decimal(rate), term, START)


@pytest.mark.parametrize(("principal", "rate", "term"), LOANS)
def test_payment_is_numpy_pmt_rounded_half_even_to_the_cent(principal, rate, term):
    ours = schedule(principal, rate, term).payment
    exact = am.annuity_payment(Decimal(principal), am.periodic_rate(Decimal(rate)), term)
    assert ours == exact.quantize(CENT, rounding=ROUND_HALF_EVEN)
    # numpy works in floats: at an exact half cent (15000 at 24.99 % for one month is 15312.375) its value
    # lands a hair either side, so "to the cent" means within half a cent of numpy's figure.
    assert abs(float(ours) - numpy_payment(principal, rate, term)) <= 0.005 + 1e-9 * float(ours)


def exact_ipmts(principal: str, rate: str, term: int) -> list[Decimal]:
    """numpy-financial's ipmt (sign flipped) per period in exact Decimals: the annuity balance times the rate."""
    with localcontext() as ctx:
        ctx.prec = 60
        r = Decimal(rate) / 1200
        payment = am.annuity_payment(Decimal(principal), r, term)
        balance = Decimal(principal)
        out = []
        for _ in range(term):
            out.append(balance * r)
            balance = balance + balance * r - payment
        return out


@pytest.mark.parametrize(("principal", "rate", "term"), LOANS)
def test_every_schedule_closes_at_exactly_zero_with_only_the_last_payment_adjusted(principal, rate, term):
    s = schedule(principal, rate, term)
    balance = Decimal(principal)
    for period in s.periods:
        assert period.payment == period.interest + period.principal
        balance -= period.principal
        assert period.balance == balance
    assert s.periods[-1].balance == Decimal("0.00") and str(s.periods[-1].balance) == "0.00"
    assert all(p.payment == s.payment for p in s.periods[:-1])
    assert s.total_paid == Decimal(principal) + s.total_interest
    if len(s) < term:
        # Only a payment rounded up can finish early, by paying a little more than the exact annuity.
        assert s.payment > am.annuity_payment(Decimal(principal), am.periodic_rate(Decimal(rate)), term)
    else:
        assert len(s) == term


@pytest.mark.parametrize(("principal", "rate", "term"), LOANS)
def test_interest_and_principal_match_numpy_to_the_cent(principal, rate, term):
    s = schedule(principal, rate, term)
    r = float(rate) / 1200
    exact = exact_ipmts(principal, rate, term)
    for p in s.periods[:-1]:
        assert p.interest == exact[p.number - 1].quantize(CENT, ROUND_HALF_EVEN)
        ipmt = -float(npf.ipmt(r, p.number, term, float(principal))) if r else 0.0
        ppmt = -float(npf.ppmt(r, p.number, term, float(principal)))
        slack = 1e-9 * float(principal) * (1 + r) ** p.number  # float error in numpy's own figures
        assert abs(float(p.interest) - ipmt) <= 0.005 + slack, (p.number, p.interest, ipmt)
        assert abs(float(p.principal) - ppmt) <= 0.01 + slack, (p.number, p.principal, ppmt)
        assert abs(p.principal - cents(ppmt)) <= CENT, (p.number, p.principal, ppmt)
        assert abs(p.interest - cents(ipmt)) <= CENT, (p.number, p.interest, ipmt)
    last = s.periods[-1]
    # The last payment is the regular one give or take the accumulated rounding, and closes at zero.
    assert abs(last.payment - s.payment) <= CENT * term
    assert last.balance == 0


def test_an_interest_free_loan_repays_equal_principal_with_the_remainder_in_the_last_payment():
    thirds = schedule("1000", "0", 3)
    assert [p.payment for p in thirds.periods] == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]
    twelfths = schedule("2000", "0", 12)  # pmt(0, 12, 2000) = -166.67 once rounded
    assert [p.payment for p in twelfths.periods] == [Decimal("166.67")] * 11 + [Decimal("166.63")]
    assert twelfths.total_interest == 0 and twelfths.periods[-1].balance == Decimal("0.00")


def test_payment_dates_follow_the_payment_day_and_clamp_to_short_months():
    s = am.loan_schedule(Decimal(3000), Decimal(5), 3, date(2026, 1, 10), payment_day=31)
    assert [p.on for p in s.periods] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert am.loan_schedule(Decimal(100), Decimal(0), 1, date(2026, 1, 15)).periods[0].on == date(2026, 2, 15)


def test_a_payment_below_the_interest_never_pays_off_and_says_so():
    with pytest.raises(am.NeverPaidOff, match="does not cover"):
        am.amortise(Decimal(10000), Decimal(12), Decimal(50), date(2026, 2, 1))


def test_what_if_extra_payments_save_months_and_interest_computed_from_the_schedules():
    loan = schedule("15000", "8", 60)
    result = am.what_if(Decimal(15000), Decimal(8), loan.payment, loan.periods[0].on, payment_day=31,
                        last_number=60, extra_monthly=Decimal(100))
    # The what-if projects from the actual balance (interest on it, rounded); it runs the same 60 months.
    assert len(result.base) == len(loan) == 60
    assert abs(result.base.total_interest - loan.total_interest) <= CENT * 60
    assert len(result.faster) == math.ceil(npf.nper(8 / 1200, -404.15, 15000)) == 43
    assert result.faster.periods[-1].balance == 0
    assert result.months_saved == 60 - 43
    assert result.interest_saved == result.base.total_interest - result.faster.total_interest
    assert result.interest_saved == Decimal("958.19")
    # Independently, roughly: the level-payment interest at 304.15 over 60 months less at 404.15 over nper months.
    estimate = (60 * 304.15 - 15000) - (404.15 * npf.nper(8 / 1200, -404.15, 15000) - 15000)
    assert abs(float(result.interest_saved) - estimate) < 1.0
    assert all(p.payment == loan.payment + 100 for p in result.faster.periods[:-1])
    assert result.faster.total_paid == Decimal(15000) + result.faster.total_interest


def test_a_one_off_payment_is_added_to_the_first_payment_due_on_or_after_its_date():
    loan = schedule("15000", "8", 60)
    result = am.what_if(Decimal(15000), Decimal(8), loan.payment, loan.periods[0].on, payment_day=31,
                        last_number=60, one_off=[(date(2026, 6, 1), Decimal(5000))])
    june = next(p for p in result.faster.periods if p.on == date(2026, 6, 30))
    assert june.payment == loan.payment + 5000 and june.extra == 5000
    assert result.months_saved > 0 and result.interest_saved > 0
    nothing = am.what_if(Decimal(15000), Decimal(8), loan.payment, loan.periods[0].on, payment_day=31,
                         last_number=60)
    assert nothing.months_saved == 0 and nothing.interest_saved == 0


def test_an_extra_larger_than_the_loan_pays_it_off_at_once():
    result = am.what_if(Decimal(1000), Decimal(5), Decimal("85.61"), date(2026, 2, 1), last_number=12,
                        extra_monthly=Decimal(5000))
    assert len(result.faster) == 1
    only = result.faster.periods[0]
    assert only.payment == Decimal("1004.17") and only.balance == 0 and only.extra == only.payment - Decimal("85.61")


# ------------------------------------------------------------------ the shared reference values


REFERENCE = SHARED / "reference-values.md"
needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason=f"{REFERENCE} is absent (no /work/shared here)")


def _rate(expression: str) -> Decimal:
    """'0.08/12' or '0.3' from the reference table, as an exact Decimal."""
    top, _, bottom = expression.partition("/")
    return Decimal(top) / Decimal(bottom or 1)


@needs_reference
def test_pmt_reference_values():
    text = REFERENCE.read_text()
    rows = re.findall(r"\| `pmt\(([\d./]+), (\d+), (\d+)\)` \| (-?[\d.]+)(?: \(Decimal `(-?[\d.]+)`\))?", text)
    assert len(rows) >= 5
    for rate, periods, principal, expected, exact in rows:
        ours = am.annuity_payment(Decimal(principal), _rate(rate), int(periods))
        assert abs(-ours - Decimal(expected)) <= Decimal("1e-6") * max(1, abs(Decimal(expected)))
        if exact:
            assert abs(-ours - Decimal(exact)) <= Decimal("1e-20")
    decimal_row = re.search(r"same with Decimal .*? \| `(-?[\d.]+)`", text)
    assert decimal_row
    assert abs(-am.annuity_payment(Decimal(15000), Decimal("0.08") / 12, 60) - Decimal(decimal_row.group(1))) \
        <= Decimal("1e-22")


def _numbers(cell: str) -> list[Decimal]:
    return [Decimal(n) for n in re.findall(r"-?\d+\.\d+", cell)]


@needs_reference
def test_ipmt_and_ppmt_reference_values_agree_with_the_schedule_to_the_cent():
    text = REFERENCE.read_text()
    ipmt = re.search(r"\| `ipmt\(0\.1/12, per, 24, 2000\)` for per = 0,1,2,3,4 \| \[nan, ([^\]]+)\]", text)
    ppmt = re.search(r"\| `ppmt\(0\.1/12, per, 24, 2000, 0\)` per = 1\.\.4 \| \[([^\]]+)\]", text)
    first = re.search(r"\| `ppmt\(0\.1/12, 1, 60, 55000\)` \| (-?[\d.]+)", text)
    assert ipmt and ppmt and first
    loan = am.loan_schedule(Decimal(2000), Decimal(10), 24, START)
    for period, interest, principal in zip(loan.periods, _numbers(ipmt.group(1)), _numbers(ppmt.group(1)),
                                           strict=False):
        assert abs(period.interest + interest) <= CENT
        assert abs(period.principal + principal) <= CENT
    big = am.loan_schedule(Decimal(55000), Decimal(10), 60, START)
    assert abs(big.periods[0].principal + Decimal(first.group(1))) <= CENT
