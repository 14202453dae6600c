"""The payoff planner across all debts: avalanche, snowball or the user's own order. Flask-free.

The monthly budget is the sum of every debt's minimum payment in the first month plus the
extra amount, and it stays the same until everything is paid: when a debt is gone, its minimum
rolls on to the next debt in the strategy's order (the "snowball"). Each month:

1. interest is added to each balance (balance x annual rate / 12, half-even to the cent);
2. each debt gets its minimum payment (never more than it owes); a loan's last contractual payment
   closes its balance, as its own schedule does (the rounded payment leaves a few cents otherwise);
3. what is left of the budget goes to the debts in the strategy's order, the first still owing first.

A plan that cannot finish (the payments do not cover the interest) stops with a message instead
of looping: at once when the first month's payments are below its interest, and at MAX_MONTHS
(100 years) otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext

from financeapp.debts.amortization import MAX_PERIODS, ZERO, add_months, interest_for, round_money

MAX_MONTHS = MAX_PERIODS
STRATEGY_NAMES = ("avalanche", "snowball", "custom")


@dataclass(frozen=True)
class PlanDebt:
    """A debt as the planner sees it, in the plan's currency."""

    id: int
    name: str
    balance: Decimal
    annual_rate: Decimal  # percent a year
    minimum: Decimal  # a fixed minimum payment, or the floor of a percentage minimum
    minimum_percent: Decimal | None = None  # percent of the balance (after interest) each month
    order: int | None = None  # the user's own order (custom strategy)
    final_month: int | None = None  # a loan's last contractual payment (plan month): it closes the balance

    def minimum_due(self, balance: Decimal, places: int = 2) -> Decimal:
        """This month's minimum payment on `balance`, never more than the balance."""
        due = self.minimum
        if self.minimum_percent is not None:
            with localcontext() as ctx:
                ctx.prec = 50
                due = max(round_money(balance * self.minimum_percent / 100, places), self.minimum)
        return min(due, balance)


def ordered(debts: Sequence[PlanDebt], strategy: str) -> list[PlanDebt]:
    """The debts in the order the strategy pays them off."""
    if strategy == "avalanche":
        return sorted(debts, key=lambda d: (-d.annual_rate, d.balance, d.id))
    if strategy == "snowball":
        return sorted(debts, key=lambda d: (d.balance, -d.annual_rate, d.id))
    if strategy == "custom":
        return sorted(debts, key=lambda d: (d.order is None, d.order or 0, d.id))
    raise ValueError(f"unknown strategy {strategy}")


@dataclass(frozen=True)
class PlanMonth:
    number: int
    on: date
    payments: tuple[Decimal, ...]  # per debt, in the plan's debt order
    balances: tuple[Decimal, ...]  # per debt after this month's payments
    interest: tuple[Decimal, ...]

    @property
    def total_payment(self) -> Decimal:
        return sum(self.payments, ZERO)

    @property
    def total_balance(self) -> Decimal:
        return sum(self.balances, ZERO)

    @property
    def total_interest(self) -> Decimal:
        return sum(self.interest, ZERO)


@dataclass
class Plan:
    strategy: str
    extra: Decimal
    debts: list[PlanDebt]  # in payoff order
    budget: Decimal  # paid every month (the last months pay less as balances run out)
    months: list[PlanMonth] = field(default_factory=list)
    finished: bool = True
    message: str = ""

    @property
    def month_count(self) -> int:
        return len(self.months)

    @property
    def debt_free(self) -> date | None:
        if not self.finished:
            return None
        return self.months[-1].on if self.months else None

    @property
    def total_interest(self) -> Decimal:
        return sum((m.total_interest for m in self.months), ZERO)

    @property
    def total_paid(self) -> Decimal:
        return sum((m.total_payment for m in self.months), ZERO)

    @property
    def starting_balance(self) -> Decimal:
        return sum((d.balance for d in self.debts), ZERO)

    def paid_off_month(self, index: int) -> int | None:
        """The month number in which debt `index` (payoff order) reaches zero."""
        if self.debts[index].balance == 0:
            return 0
        for month in self.months:
            if month.balances[index] == 0:
                return month.number
        return None

    def paid_off_on(self, debt_id: int) -> date | None:
        """The month in which this plan pays the debt off; None when it owes nothing, is not in the plan,
        or the plan never finishes."""
        index = next((i for i, debt in enumerate(self.debts) if debt.id == debt_id), None)
        if index is None or not self.finished:
            return None
        number = self.paid_off_month(index)
        return self.months[number - 1].on if number else None

    def interest_of(self, index: int) -> Decimal:
        return sum((m.interest[index] for m in self.months), ZERO)


def simulate(debts: Sequence[PlanDebt], strategy: str, extra: Decimal = ZERO, *, start: date,
             places: int = 2, max_months: int = MAX_MONTHS) -> Plan:
    """Pay every debt off month by month; month 1 falls one month after `start`."""
    order = ordered(debts, strategy)
    balances = [round_money(d.balance, places) for d in order]
    budget = sum((d.minimum_due(b, places) for d, b in zip(order, balances, strict=True)), ZERO) + extra
    plan = Plan(strategy, extra, order, budget)
    if not any(b > 0 for b in balances):
        return plan
    worse = 0
    previous_total = sum(balances, ZERO)
    for number in range(1, max_months + 1):
        interest = []
        for i, debt in enumerate(order):
            accrued = interest_for(balances[i], debt.annual_rate, places) if balances[i] > 0 else ZERO
            interest.append(accrued)
            balances[i] += accrued
        payments = [(b if d.final_month is not None and number >= d.final_month else d.minimum_due(b, places))
                    if b > 0 else ZERO for d, b in zip(order, balances, strict=True)]
        spare = max(budget, sum(payments, ZERO)) - sum(payments, ZERO)
        for i in range(len(order)):
            if spare <= 0:
                break
            more = min(spare, balances[i] - payments[i])
            if more > 0:
                payments[i] += more
                spare -= more
        for i, paid in enumerate(payments):
            balances[i] -= paid
        plan.months.append(PlanMonth(number, add_months(start, number), tuple(payments), tuple(balances),
                                     tuple(interest)))
        total = sum(balances, ZERO)
        if total == 0:
            return plan
        if number == 1 and sum(payments, ZERO) <= sum(interest, ZERO):
            return _never(plan, f"The payments ({sum(payments, ZERO)} a month) do not cover the interest "
                                f"({sum(interest, ZERO)} in the first month), so the debts would never be paid "
                                "off. Add an extra monthly amount or raise the minimum payments.")
        # A total that keeps growing for two years will not turn around on its own.
        worse = worse + 1 if total >= previous_total else 0
        previous_total = total
        if worse >= 24:
            return _never(plan, "The balances keep growing: the payments do not cover the interest, so the debts "
                                "would never be paid off. Add an extra monthly amount or raise the minimum payments.")
    return _never(plan, f"The debts would not be paid off within {max_months // 12} years at these payments. "
                        "Add an extra monthly amount or raise the minimum payments.")


def _never(plan: Plan, message: str) -> Plan:
    plan.finished = False
    plan.message = message
    return plan


def compare(debts: Sequence[PlanDebt], extra: Decimal = ZERO, *, start: date, places: int = 2) -> dict[str, Plan]:
    """The three strategies side by side."""
    return {name: simulate(debts, name, extra, start=start, places=places) for name in STRATEGY_NAMES}
