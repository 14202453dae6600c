"""A seeded, realistic household history, written straight to the database (demo and bench).

`generate_history()` plans everything in memory from one `random.Random(seed)` (the same
seed and end date always give the same history), then inserts it with SQLAlchemy Core
`executemany` in chunks on the Table objects, so the Money type still converts every
amount. Primary keys are assigned up front from MAX(id), so lines and labels point at
their transactions without a round trip; that is safe for a demo or benchmark database,
not while other writers insert into the same tables.

What a history holds: eight accounts (one in a second currency), forty categories in
eight groups, 500 payees whose popularity falls off like Zipf's law, five labels, and
monthly exchange rates. Transactions: salaries, rent, bills and subscriptions on their
days; day-to-day spending with more gifts in December and a summer holiday abroad;
transfers (card payments, savings, investments, loan payments, cash withdrawals, money
for the holiday), about 3% split over 2-3 categories and 5% labelled; old ones
reconciled, the last weeks mostly uncleared. About 1,300 transactions make a year; a
larger history covers at most ten years, more densely (salaries grow to match).
"""

from __future__ import annotations

import calendar
import math
import random
import time
from bisect import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.db import utcnow
from financeapp.core.errors import NotFound
from financeapp.core.money import minor_units
from financeapp.demo import catalogue as cat
from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.payees.models import Payee
from financeapp.rates.models import ExchangeRate
from financeapp.reports.totals import rebuild_workspace
from financeapp.transactions.models import Transaction, TransactionLine, transaction_labels
from financeapp.workspaces.models import Workspace

PER_YEAR = 1_300  # transactions a household records in a year
MAX_DAYS = 3_653  # a bigger history gets denser, not longer than ten years
MIN_DAYS = 28
CHUNK = 5_000  # rows per executemany
SPLIT_SHARE = 0.03
LABEL_SHARE = 0.05
ZIPF_EXPONENT = 1.1
PAYEE_SEED = 500
# The injected outliers' kinds in turn: 40 % size, 30 % new payee, 30 % duplicate, every kind in a short history.
OUTLIER_MIX = ("size", "new_payee", "duplicate", "size", "new_payee", "duplicate", "size", "new_payee", "duplicate",
               "size")
# Payees of the injected "first big payment" outliers: (category, names); a number makes each one new.
NEW_PAYEES = (
    ("Repairs", ("Summit Roofing Co.", "Allied Plumbing", "Brightway Electric")),
    ("Furniture", ("Oak & Iron Furniture", "Nordic Living Showroom")),
    ("Doctor", ("Lakeside Dental Surgery", "Harbor Orthopedics")),
    ("Car maintenance", ("Precision Transmission", "Metro Collision Center")),
    ("Education", ("Westfield Academy", "Coding Bootcamp Ltd.")),
    ("Travel", ("Azure Cruises", "Highland Lodge")),
)


@dataclass(slots=True)
class _Txn:
    """One planned transaction; `other` is the second side of a transfer."""

    on: date
    account: str
    minor: int  # signed amount in the account currency's minor units (cents)
    payee: str | None = None
    category: str | None = None
    memo: str = ""
    split: list[tuple[str, int, str]] | None = None  # (category, minor, memo) per line
    labels: tuple[str, ...] = ()
    other: _Txn | None = None
    deferred: str = ""  # amount worked out after the day-to-day spending is known
    period: int = 0  # which year (salary, holiday) or half-month (cash) a deferred amount covers
    status: str = "uncleared"
    injected: str = ""  # an outlier put in on purpose (bench/insights_anomalies.py): its kind


@dataclass
class _Plan:
    base: str
    foreign: str
    start: date
    end: date
    events: list[_Txn]
    payees: dict[str, str]  # name -> default category
    rates: list[tuple[date, Decimal]]  # foreign -> base, first of each month
    names: dict[str, str] = field(default_factory=dict)  # account key -> name
    opening: dict[str, int] = field(default_factory=dict)  # account key -> minor units


def generate_history(
    workspace_id: int,
    n_transactions: int,
    *,
    seed: int = 1,
    end: date | None = None,
    connection: sa.Connection | None = None,
    outliers: bool = False,
) -> dict[str, Any]:
    """Insert `n_transactions` seeded transactions (and what they need) into a workspace.

    Runs on `connection`, or on the Flask-SQLAlchemy session's connection; commits nothing.
    Accounts, categories, payees and labels that already exist by name are reused.

    With `outliers`, about one transaction in a thousand more is an unusual one put in on purpose (see
    `_Planner.inject_outliers`), and `stats["injected"]` lists each with its id and kind, the truth the
    anomaly benchmark measures against. Off by default: the same seed then gives the same history as ever.
    """
    started = time.perf_counter()
    if n_transactions < 0:
        raise ValueError("n_transactions must not be negative")
    if connection is None:
        connection = db.session.connection()
    workspaces = Workspace.__table__
    base = connection.scalar(sa.select(workspaces.c.base_currency).where(workspaces.c.id == workspace_id))
    if base is None:
        raise NotFound(f"No workspace with id {workspace_id}.")
    plan = _Planner(random.Random(seed), base, n_transactions, end or date.today(),
                    outliers=random.Random(f"outliers-{seed}") if outliers else None).plan()
    stats = _Writer(connection, workspace_id).write(plan)

    rebuild_workspace(connection, workspace_id)  # Core inserts: the session's hooks do not see them
    stats["seconds"] = round(time.perf_counter() - started, 3)
    return stats


def _zipf_cumulative(count: int) -> list[float]:
    return list(accumulate(1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(count)))


def _pick(rng: random.Random, items: list[str] | tuple[str, ...], cumulative: list[float]) -> str:
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def _months(start: date, end: date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


class _Planner:
    """Plans a whole history in memory; the only source of randomness is `rng`."""

    def __init__(self, rng: random.Random, base: str, n: int, end: date, *, outliers: random.Random | None = None):
        self.rng = rng
        self.outlier_rng = outliers  # a stream of its own, so the rest of the history is the seed's as ever
        self.n = n
        self.base = base
        self.foreign = "EUR" if base != "EUR" else "USD"
        days = min(MAX_DAYS, max(MIN_DAYS, round(n * 365.25 / PER_YEAR)))
        self.end = end
        self.start = end - timedelta(days=days - 1)
        self.years = days / 365.25
        # A denser history is a bigger household: its income and saving grow with its spending.
        self.scale = max(1.0, n / self.years / PER_YEAR)
        self.currency = {key: (self.foreign if abroad else base) for key, _, _, abroad, *_ in cat.ACCOUNTS}
        self.names = {key: f"{self.foreign} {name}" if abroad else name
                      for key, name, _, abroad, *_ in cat.ACCOUNTS}
        self.digits = {code: minor_units(code) for code in {base, self.foreign}}
        self.events: list[_Txn] = []
        self.new_payees: dict[str, str] = {}  # payees only the injected outliers use

    # -- amounts -----------------------------------------------------------------------

    def minor(self, usd: float, account: str, step: float = 0.0) -> int:
        """A dollar magnitude in the account currency's minor units, rounded to `step` units."""
        code = self.currency[account]
        value = usd * cat.PER_USD.get(code, 1.0)
        if step:
            value = max(step, round(value / step) * step)
        return round(value * 10 ** self.digits[code])

    def to_base(self, minor: int, rate: Decimal) -> int:
        value = Decimal(minor).scaleb(-self.digits[self.foreign]) * rate
        return int(value.scaleb(self.digits[self.base]).to_integral_value())

    # -- the plan ----------------------------------------------------------------------

    def plan(self) -> _Plan:
        rates = self.exchange_rates()
        self.rate_by_month = {(d.year, d.month): r for d, r in rates}
        self.holidays = self.holiday_windows()
        payees, self.day_to_day, self.abroad = self.payees()
        if self.n:
            fixed = self.fixed_life()
            self.events = self.within_budget(fixed)
            self.spend(self.n - sum(2 if e.other else 1 for e in self.events))
            if self.outlier_rng is not None:
                self.inject_outliers(self.outlier_rng)
            self.events.sort(key=lambda e: e.on)  # stable: a duplicate stays after its original
            self.settle()
            self.set_statuses()
        opening = {key: self.minor(amount, key) for key, _, _, _, amount, _, _ in cat.ACCOUNTS}
        return _Plan(self.base, self.foreign, self.start, self.end, self.events, {**payees, **self.new_payees},
                     rates, self.names, opening)

    def exchange_rates(self) -> list[tuple[date, Decimal]]:
        """A random walk of the foreign currency's price in the base currency, monthly."""
        parity = cat.PER_USD.get(self.base, 1.0) / cat.PER_USD.get(self.foreign, 1.0)
        drift, rates = 1.0, []
        for year, month in _months(self.start, self.end):
            drift = min(1.15, max(0.87, drift * math.exp(self.rng.gauss(0, 0.012))))
            rates.append((date(year, month, 1), Decimal(f"{parity * drift:.6g}")))
        return rates

    def holiday_windows(self) -> set[date]:
        """Twelve days abroad each summer, starting between late June and early August."""
        days = set()
        for year in range(self.start.year, self.end.year + 1):
            first = date(year, 6, 20) + timedelta(days=self.rng.randrange(45))
            days.update(first + timedelta(days=i) for i in range(12))
        return days

    def payees(self) -> tuple[dict[str, str], dict[str, tuple[list[str], list[float]]],
                              dict[str, tuple[list[str], list[float]]]]:
        """500 payees: fixed ones, known chains, places abroad, then a long tail of local shops.

        The names come from their own fixed seed, so every history reuses the same 500.
        """
        names_rng = random.Random(PAYEE_SEED)
        registry = dict(cat.FIXED_PAYEES)
        lists: dict[str, list[str]] = {}
        for category, names in cat.PAYEES.items():
            lists[category] = list(names)
            for name in names:
                registry.setdefault(name, category)
        for category, names in cat.PAYEES_ABROAD.items():
            for name in names:
                registry.setdefault(name, category)
        shares = {c: share for c, (share, _) in cat.LOCAL_KINDS.items()}
        missing = cat.PAYEE_COUNT - len(registry)
        quota = {c: math.floor(missing * s / sum(shares.values())) for c, s in shares.items()}
        quota["Eating out"] += missing - sum(quota.values())
        prefixes = cat.LOCAL_WORDS + cat.LOCAL_SURNAMES
        for category, count in quota.items():
            kinds = cat.LOCAL_KINDS[category][1]
            for _ in range(count):
                name = f"{names_rng.choice(prefixes)} {names_rng.choice(kinds)}"
                tries = 0
                while name in registry:
                    tries += 1
                    name = f"{names_rng.choice(prefixes)} {names_rng.choice(kinds)}"
                    if tries > 20:
                        name = f"{name} {names_rng.choice(prefixes)}"
                registry[name] = category
                lists.setdefault(category, []).append(name)
        day_to_day = {c: (names, _zipf_cumulative(len(names))) for c, names in lists.items()}
        abroad = {c: (list(n), _zipf_cumulative(len(n))) for c, n in cat.PAYEES_ABROAD.items()}
        return registry, day_to_day, abroad

    def fixed_life(self) -> list[_Txn]:
        """Salaries, rent, bills, subscriptions and the monthly transfers, on their days."""
        out: list[_Txn] = []
        rng, k = self.rng, self.scale

        def within(when: date) -> date | None:
            return when if self.start <= when <= self.end else None

        def on(year: int, month: int, day: int) -> date | None:
            return within(date(year, month, min(day, calendar.monthrange(year, month)[1])))

        def first_of_half(year: int, month: int, day: int) -> date | None:
            # Cash for a half-month is drawn on its first day, or on the first day of the history.
            last = date(year, month, 15 if day == 1 else calendar.monthrange(year, month)[1])
            return within(max(self.start, date(year, month, day))) if last >= self.start else None

        def bill(when: date | None, account: str, payee: str, category: str, usd: float,
                 memo: str = "", step: float = 0.0) -> None:
            if when:
                out.append(_Txn(when, account, -self.minor(usd, account, step), payee, category, memo))

        def transfer(when: date | None, source: str, target: str, minor: int = 0,
                     deferred: str = "", period: int = 0) -> None:
            if when:
                out.append(_Txn(when, source, -minor, memo=f"Transfer to {self.names[target]}",
                                deferred=deferred, period=period,
                                other=_Txn(when, target, minor, memo=f"Transfer from {self.names[source]}")))

        loan = -self.minor(-18_500, "loan")
        loan_payment = self.minor(420, "loan")
        for year, month in _months(self.start, self.end):
            grown = 1.03 ** (year - self.start.year)  # prices and pay rise 3% a year
            winter = month in (12, 1, 2)
            hot = month in (7, 8)
            bill(on(year, month, 1), "checking", "Parkside Apartments", "Rent or mortgage", 1_850 * grown,
                 f"Rent {calendar.month_name[month]} {year}", step=5)
            bill(on(year, month, 1), "checking", "Little Acorns Daycare", "Childcare", 780 * grown, step=5)
            bill(on(year, month, 2), "card", "Planet Fitness", "Fitness", 24.99)
            transfer(on(year, month, 3), "checking", "brokerage", self.minor(300 * k, "brokerage", step=50))
            half_month = year * 100 + month * 2  # cash for days 1-15, then (+1) for the rest
            transfer(first_of_half(year, month, 1), "checking", "cash", deferred="cash", period=half_month)
            when = on(year, month, 5)
            if when and loan > 0:
                interest = round(loan * 0.059 / 12)
                loan += interest
                payment = min(loan_payment, loan)
                loan -= payment
                out.append(_Txn(when, "loan", -interest, "Capital Auto Finance", "Interest paid",
                                "Monthly interest"))
                transfer(when, "checking", "loan", payment)
            electricity = 85 * (1.5 if hot else 1.25 if winter else 1.0) * rng.lognormvariate(0, 0.12)
            bill(on(year, month, 7), "checking", "City Power & Light", "Utilities", electricity * grown)
            internet = 64.99 if grown < 1.06 else 69.99
            bill(on(year, month, 9), "checking", "Xfinity", "Internet and phone", internet)
            bill(on(year, month, 10), "checking", "Lemonade Insurance", "Insurance", 16.50)
            bill(on(year, month, 12), "card", "Verizon Wireless", "Internet and phone", 45.00)
            heating = 140 if winter else 75 if month in (3, 11) else 25
            bill(on(year, month, 14), "checking", "Metro Gas Co.", "Utilities",
                 heating * rng.lognormvariate(0, 0.15) * grown)
            self.income(out, on(year, month, 15), "Riverside Unified School District", "salary2", year)
            bill(on(year, month, 16), "card", "Netflix", "Subscriptions", 15.49 if grown < 1.05 else 17.99)
            if month % 2 == 0:
                bill(on(year, month, 18), "checking", "County Water Utility", "Utilities",
                     48 * rng.lognormvariate(0, 0.15) * grown)
            transfer(first_of_half(year, month, 16), "checking", "cash", deferred="cash",
                     period=half_month + 1)
            bill(on(year, month, 20), "checking", "GEICO", "Car insurance", 118 * grown)
            bill(on(year, month, 21), "card", "Spotify", "Subscriptions", 10.99)
            transfer(on(year, month, 22), "checking", "card", deferred="card")
            bill(on(year, month, 24), "checking", "Blue Cross Blue Shield", "Health insurance", 236 * grown)
            self.income(out, on(year, month, 25), "Brightline Software Inc.", "salary1", year)
            transfer(on(year, month, 26), "checking", "savings", self.minor(400 * k, "savings", step=50))
            bill(on(year, month, 27), "card", "Apple iCloud", "Subscriptions", 2.99)
            when = on(year, month, 31)
            if when:
                out.append(_Txn(when, "savings", 0, "First Federal Bank", "Interest", "Interest earned",
                                deferred="interest"))
            if month in (3, 6, 9, 12) and (when := on(year, month, 28)):
                out.append(_Txn(when, "brokerage", 0, "Vanguard", "Dividends", "Quarterly dividend",
                                deferred="dividend"))
            if month == 3:
                self.income(out, on(year, month, 15), "Brightline Software Inc.", "bonus", year)
            if month == 4:
                bill(on(year, month, 14), "checking", "Internal Revenue Service", "Taxes",
                     rng.uniform(300, 1_600) * k, "Federal income tax")
            if month == self.start.month:
                bill(on(year, month, 1), "card", "Visa Rewards", "Bank fees", 95, "Annual card fee")
        for year in range(self.start.year, self.end.year + 1):
            first_day = min(d for d in self.holidays if d.year == year)
            transfer(within(first_day - timedelta(days=1)), "checking", "foreign", deferred="holiday",
                     period=year)
        return out

    def income(self, out: list[_Txn], when: date | None, payee: str, kind: str, year: int) -> None:
        if when:
            memo = "Annual bonus" if kind == "bonus" else "Payroll"
            out.append(_Txn(when, "checking", 0, payee, "Bonus" if kind == "bonus" else "Salary", memo,
                            deferred=kind, period=year))

    def within_budget(self, fixed: list[_Txn]) -> list[_Txn]:
        """At most 45% of the rows are fixed life; a tiny history keeps a random few."""
        rows = sum(2 if e.other else 1 for e in fixed)
        budget = int(self.n * 0.45)
        if rows <= budget:
            return fixed
        order = list(range(len(fixed)))
        self.rng.shuffle(order)
        kept, used = set(), 0
        for i in order:
            size = 2 if fixed[i].other else 1
            if used + size <= budget:
                kept.add(i)
                used += size
        return [e for i, e in enumerate(fixed) if i in kept]

    def spend(self, count: int) -> None:
        """Day-to-day spending: more at weekends, in December and on the summer holiday."""
        if count <= 0:
            return
        rng = self.rng
        season = {12: 1.35, 11: 1.1, 7: 1.15, 8: 1.15, 1: 0.85, 2: 0.9}
        days = [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]
        day_weights = accumulate(
            season.get(d.month, 1.0)
            * (1.25 if d.weekday() >= 5 else 1.0)
            * (1.3 if d in self.holidays else 1.0)
            for d in days
        )
        dates = rng.choices(days, cum_weights=list(day_weights), k=count)
        names = list(cat.SPENDING)
        by_month = {
            m: list(accumulate(s.weight * s.season.get(m, 1.0) for s in cat.SPENDING.values()))
            for m in range(1, 13)
        }
        account_mix = {c: ([a for a, _ in s.accounts], list(accumulate(w for _, w in s.accounts)))
                       for c, s in cat.SPENDING.items()}
        # Fixed life has no splits or labels, so day-to-day carries the whole share.
        p_split = min(0.5, SPLIT_SHARE * self.n / count)
        p_label = min(0.5, LABEL_SHARE * self.n / count)
        label_names = list(cat.LABELS)
        for when in dates:
            category = _pick(rng, names, by_month[when.month])
            spend = cat.SPENDING[category]
            abroad = spend.abroad and when in self.holidays and rng.random() < 0.7
            if abroad:
                account = "foreign"
                payee = _pick(rng, *self.abroad[category]) if category in self.abroad else None
            else:
                account = _pick(rng, *account_mix[category])
                payee = _pick(rng, *self.day_to_day[category])
            usd = min(spend.median * rng.lognormvariate(0, spend.sigma), spend.median * 40)
            usd *= 1.03 ** (when.year - self.start.year)
            amount = self.minor(usd, account) or 1
            if spend.income:
                txn = _Txn(when, account, amount, payee, category)
            elif category in cat.REFUNDABLE and rng.random() < 0.02:
                txn = _Txn(when, account, amount, payee, "Refunds", "Return")
            else:
                txn = _Txn(when, account, -amount, payee, category)
                if rng.random() < p_split and amount >= 300:
                    txn.split = self.split_lines(category, -amount)
            if rng.random() < 0.06 and category in cat.MEMOS:
                txn.memo = rng.choice(cat.MEMOS[category])
            if rng.random() < p_label:
                first = "Vacation" if abroad else cat.LABEL_FOR.get(category) or rng.choice(label_names)
                txn.labels = (first,)
                if rng.random() < 0.12:
                    second = rng.choice(label_names)
                    txn.labels = (first, second) if second != first else (first,)
            self.events.append(txn)

    def inject_outliers(self, rng: random.Random) -> None:
        """Unusual transactions a careful user would want pointed out, about one per thousand rows:

        - 40 % huge purchases: a category's median times exp(k sigma) with k from 4.5 to 7 (at least 10x,
          at most 120x, and at least $75), at one of the category's usual payees;
        - 30 % first big payments to a payee never seen before ($800 to $6,000, a roofer, a dentist...),
          after the history's first four months;
        - 30 % same-day duplicate charges of a purchase of $25 or more (same account, payee and amount).
        """
        spending = [e for e in self.events if e.other is None and e.minor < 0 and e.category in cat.SPENDING
                    and not e.split and e.account != "foreign"]
        if not spending:
            return
        count = max(6, round(self.n / 1000))
        names = [c for c, s in cat.SPENDING.items() if not s.income]
        weights = list(accumulate(cat.SPENDING[c].weight for c in names))
        days = (self.end - self.start).days
        for number in range(count):
            kind = OUTLIER_MIX[number % len(OUTLIER_MIX)]
            when = self.start + timedelta(days=rng.randrange(min(days, 120), days + 1) if days > 120 else 0)
            if kind == "size":
                category = _pick(rng, names, weights)
                spend = cat.SPENDING[category]
                grown = 1.03 ** (when.year - self.start.year)
                multiple = min(120.0, max(10.0, math.exp(rng.uniform(4.5, 7.0) * spend.sigma)))
                usd = max(75.0, spend.median * multiple * grown)
                account = "card" if rng.random() < 0.7 else "checking"
                payee = _pick(rng, *self.day_to_day[category])
                txn = _Txn(when, account, -self.minor(usd, account), payee, category, injected="size")
            elif kind == "new_payee":
                category, names_for = rng.choice(NEW_PAYEES)
                payee = f"{rng.choice(names_for)} #{number + 1}"
                account = "checking" if rng.random() < 0.6 else "card"
                txn = _Txn(when, account, -self.minor(rng.uniform(800, 6_000), account), payee, category,
                           injected="new_payee")
                self.new_payees[payee] = category
            else:
                original = rng.choice([e for e in spending if e.minor <= -self.minor(25, e.account)] or spending)
                txn = _Txn(original.on, original.account, original.minor, original.payee, original.category,
                           original.memo, injected="duplicate")
            self.events.append(txn)

    def split_lines(self, category: str, total: int) -> list[tuple[str, int, str]]:
        """2-3 lines in different categories that add up exactly to `total`."""
        rng = self.rng
        companions = [c for c in cat.SPLIT_WITH.get(category, cat.SPLIT_ANYWHERE) if c != category]
        others = rng.sample(companions, min(len(companions), 2 if rng.random() < 0.3 else 1))
        size = abs(total)
        cuts = sorted(rng.sample(range(1, size), len(others)))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, size], strict=True)]
        sign = -1 if total < 0 else 1
        return [(c, sign * p, "") for c, p in zip([category, *others], parts, strict=True)]

    def settle(self) -> None:
        """Work out the amounts that depend on the spending: in date order, like a bank would."""
        rng = self.rng
        cash_spent: dict[int, int] = defaultdict(int)
        abroad_spent: dict[int, int] = defaultdict(int)
        outflow = 0  # base-currency money out, for the salary
        for e in self.events:
            if e.other is None and e.minor < 0 and e.account != "loan":
                if e.account == "foreign":
                    rate = self.rate_by_month[(e.on.year, e.on.month)]
                    abroad_spent[e.on.year] -= e.minor
                    outflow -= self.to_base(e.minor, rate)
                else:
                    outflow -= e.minor
                if e.account == "cash":
                    cash_spent[e.on.year * 100 + e.on.month * 2 + (e.on.day > 15)] -= e.minor
            elif e.other and e.other.account in ("savings", "brokerage", "loan"):
                outflow += e.other.minor
        months = max(1.0, self.years * 12)
        # Two salaries cover the spending, raised 3% a year like prices; the bonus is the saving.
        monthly = outflow / months / 1.03 ** (self.years / 2)
        unit = 10 ** self.digits[self.base]
        twenty = 20 * unit * cat.PER_USD.get(self.base, 1.0)
        card = self.opening_minor("card")
        savings = self.opening_minor("savings")
        invested = self.opening_minor("brokerage")
        card_at_month_end, month = card, (0, 0)
        for e in self.events:
            if (e.on.year, e.on.month) != month:
                month, card_at_month_end = (e.on.year, e.on.month), card
            if not e.deferred:
                pass
            elif e.deferred in ("salary1", "salary2", "bonus"):
                share = 0.4 if e.deferred == "salary2" else 0.6
                pay = monthly * share * 1.03 ** (e.period - self.start.year)
                e.minor = round(pay * rng.uniform(0.5, 1.5) if e.deferred == "bonus" else pay)
            elif e.deferred == "interest":
                e.minor = max(1, round(savings * 0.04 / 12))
            elif e.deferred == "dividend":
                e.minor = max(1, round(invested * 0.016 / 4))
            elif e.deferred == "card":
                self.set_transfer(e, -card_at_month_end if card_at_month_end < 0 else 25 * unit)
            elif e.deferred == "cash":
                spent = cash_spent.get(e.period, 0)
                self.set_transfer(e, max(2, math.ceil(spent / twenty)) * round(twenty))
            elif e.deferred == "holiday":
                spent = abroad_spent.get(e.period, 0)
                hundred = 100 * 10 ** self.digits[self.foreign] * cat.PER_USD.get(self.foreign, 1.0)
                foreign = max(3, math.ceil(spent / hundred) + 1) * round(hundred)
                e.other.minor = foreign  # type: ignore[union-attr]
                e.minor = -self.to_base(foreign, self.rate_by_month[(e.on.year, e.on.month)])
            for side in (e, e.other):
                if side is None:
                    continue
                if side.account == "card":
                    card += side.minor
                elif side.account == "savings":
                    savings += side.minor
                elif side.account == "brokerage":
                    invested += side.minor

    def opening_minor(self, key: str) -> int:
        return next(self.minor(amount, k) for k, _, _, _, amount, _, _ in cat.ACCOUNTS if k == key)

    @staticmethod
    def set_transfer(e: _Txn, amount: int) -> None:
        e.minor = -amount
        e.other.minor = amount  # type: ignore[union-attr]

    def set_statuses(self) -> None:
        """Reconciled long ago, cleared lately, uncleared in the last two weeks."""
        rng = self.rng
        for e in self.events:
            age = (self.end - e.on).days
            draw = rng.random()
            if age <= 14:
                status = "uncleared" if draw < 0.8 else "cleared"
            elif age <= 45:
                status = "cleared" if draw < 0.9 else "uncleared"
            else:
                status = "reconciled" if draw < 0.9 else "cleared"
            e.status = status
            if e.other:
                e.other.status = status


class _Writer:
    """Inserts a plan with Core executemany, reusing rows that exist by name."""

    def __init__(self, conn: sa.Connection, workspace_id: int):
        self.conn = conn
        self.ws = workspace_id
        self.now = utcnow()

    def next_id(self, table: sa.Table) -> int:
        return (self.conn.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1

    def insert(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        for i in range(0, len(rows), CHUNK):
            self.conn.execute(table.insert(), rows[i : i + CHUNK])

    def by_name(self, table: sa.Table, *columns: str) -> dict[Any, int]:
        cols = [table.c[c] for c in columns]
        rows = self.conn.execute(sa.select(table.c.id, *cols).where(table.c.workspace_id == self.ws))
        return {(tuple(r[1:]) if len(cols) > 1 else r[1]): r[0] for r in rows}

    def stamped(self, **row: Any) -> dict[str, Any]:
        return {"workspace_id": self.ws, "created_at": self.now, "updated_at": self.now, **row}

    def write(self, plan: _Plan) -> dict[str, Any]:
        accounts = self.accounts(plan)
        categories = self.categories()
        payees = self.payees(plan.payees, categories)
        labels = self.labels()
        rates = self.rates(plan)
        counts = self.transactions(plan, accounts, categories, payees, labels)
        return {
            "accounts": len(accounts),
            "categories": len(categories),
            "category_groups": len(cat.CATEGORIES),
            "payees": len(payees),
            "labels": len(labels),
            "exchange_rates": rates,
            **counts,
            "start": plan.start.isoformat(),
            "end": plan.end.isoformat(),
        }

    def accounts(self, plan: _Plan) -> dict[str, int]:
        table = Account.__table__
        existing = self.by_name(table, "name")
        ids, rows, next_id = {}, [], self.next_id(table)
        for key, _, kind, abroad, _, group, colour in cat.ACCOUNTS:
            currency = plan.foreign if abroad else plan.base
            name = plan.names[key]
            if name in existing:
                ids[key] = existing[name]
                continue
            ids[key] = next_id
            digits = minor_units(currency)
            rows.append(self.stamped(
                id=next_id, name=name, type=kind, currency=currency,
                opening_balance=Decimal(plan.opening[key]).scaleb(-digits),
                opening_date=plan.start - timedelta(days=1), group_name=group, colour=colour,
                include_in_net_worth=True, archived=False, number="", notes="",
            ))
            next_id += 1
        self.insert(table, rows)
        return ids

    def categories(self) -> dict[str, int]:
        table = Category.__table__
        existing = self.by_name(table, "parent_id", "name")
        ids, groups, leaves, next_id = {}, [], [], self.next_id(table)
        for (group, kind), names in cat.CATEGORIES.items():
            group_id = existing.get((None, group))
            if group_id is None:
                group_id = next_id
                next_id += 1
                groups.append(self.stamped(id=group_id, parent_id=None, name=group, kind=kind))
            for name in names:
                leaf_id = existing.get((group_id, name))
                if leaf_id is None:
                    leaf_id = next_id
                    next_id += 1
                    leaves.append(self.stamped(id=leaf_id, parent_id=group_id, name=name, kind=kind))
                ids[name] = leaf_id
        self.insert(table, groups)
        self.insert(table, leaves)
        return ids

    def payees(self, registry: dict[str, str], categories: dict[str, int]) -> dict[str, int]:
        table = Payee.__table__
        existing = self.by_name(table, "name")
        ids, rows, next_id = {}, [], self.next_id(table)
        for name, category in registry.items():
            if name in existing:
                ids[name] = existing[name]
                continue
            ids[name] = next_id
            rows.append(self.stamped(id=next_id, name=name, default_category_id=categories[category]))
            next_id += 1
        self.insert(table, rows)
        return ids

    def labels(self) -> dict[str, int]:
        table = Label.__table__
        existing = self.by_name(table, "name")
        ids, rows, next_id = {}, [], self.next_id(table)
        for name, colour in cat.LABELS.items():
            if name in existing:
                ids[name] = existing[name]
                continue
            ids[name] = next_id
            rows.append(self.stamped(id=next_id, name=name, colour=colour))
            next_id += 1
        self.insert(table, rows)
        return ids

    def rates(self, plan: _Plan) -> int:
        table = ExchangeRate.__table__
        have = {
            d for (d,) in self.conn.execute(
                sa.select(table.c.date).where(table.c.workspace_id == self.ws, table.c.base == plan.foreign,
                                              table.c.quote == plan.base)
            )
        }
        rows = [self.stamped(base=plan.foreign, quote=plan.base, date=on, rate=rate)
                for on, rate in plan.rates if on not in have]
        self.insert(table, rows)
        return len(rows)

    def transactions(self, plan: _Plan, accounts: dict[str, int], categories: dict[str, int],
                     payees: dict[str, int], labels: dict[str, int]) -> dict[str, int]:
        txn_table, line_table = Transaction.__table__, TransactionLine.__table__
        txn_id, line_id = self.next_id(txn_table), self.next_id(line_table)
        digits = {key: minor_units(plan.foreign if abroad else plan.base)
                  for key, _, _, abroad, *_ in cat.ACCOUNTS}
        txns: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        tags: list[dict[str, Any]] = []
        counts: dict[str, Any] = {"transactions": 0, "lines": 0, "transfers": 0, "splits": 0, "labelled": 0}
        injected: list[dict[str, Any]] = []
        ws = self.ws

        def flush() -> None:
            # Parents first: MariaDB checks the foreign keys row by row.
            self.conn.execute(txn_table.insert(), txns)
            self.conn.execute(line_table.insert(), lines)
            if tags:
                self.conn.execute(transaction_labels.insert(), tags)
            counts["transactions"] += len(txns)
            counts["lines"] += len(lines)
            txns.clear()
            lines.clear()
            tags.clear()

        for event in plan.events:
            key = txn_id if event.other else None
            if key:
                counts["transfers"] += 1
            for side in _sides(event):
                places = digits[side.account]
                amount = Decimal(side.minor).scaleb(-places)
                stamp = datetime(side.on.year, side.on.month, side.on.day, 19)
                txns.append({
                    "id": txn_id, "workspace_id": ws, "account_id": accounts[side.account], "date": side.on,
                    "amount": amount, "payee_id": payees[side.payee] if side.payee else None,
                    "memo": side.memo, "status": side.status, "transfer_key": key, "version": 1,
                    "created_at": stamp, "updated_at": stamp,
                })
                if side.split:
                    counts["splits"] += 1
                    for category, minor, memo in side.split:
                        lines.append({"id": line_id, "workspace_id": ws, "transaction_id": txn_id,
                                      "category_id": categories[category],
                                      "amount": Decimal(minor).scaleb(-places), "memo": memo})
                        line_id += 1
                else:
                    lines.append({"id": line_id, "workspace_id": ws, "transaction_id": txn_id,
                                  "category_id": categories[side.category] if side.category else None,
                                  "amount": amount, "memo": ""})
                    line_id += 1
                if side.injected:
                    injected.append({"id": txn_id, "kind": side.injected, "date": side.on.isoformat(),
                                     "account": plan.names[side.account], "payee": side.payee,
                                     "category": side.category, "amount": str(amount)})
                if side.labels:
                    counts["labelled"] += 1
                    tags.extend({"transaction_id": txn_id, "label_id": labels[name]} for name in side.labels)
                txn_id += 1
            if len(txns) >= CHUNK:
                flush()
        if txns:
            flush()
        if injected:
            counts["injected"] = injected
        return counts


def _sides(event: _Txn) -> Iterable[_Txn]:
    yield event
    if event.other is not None:
        yield event.other
