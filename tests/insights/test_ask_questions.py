"""200 generated questions answered to the cent against SQL written here, and 50 it must refuse.

The history is the demo generator's (seed 23; Ask was tried on seed 5 while it was written, and this test's
first run, on seed 11, found two faults that were fixed before this seed was first run);
the questions come from templates over its category, group, payee, account and label names, written
exactly, in other cases, misspelt (one letter dropped or two swapped) or by a synonym, and over
periods whose ranges are written out by hand below for today = 3 Dec 2026.

The expected figures never go through Ask or the report services: raw SQL reads the lines of the
range, and Python adds them by the rules the reports document (reports/spending.py: income and
spending by the category's kind, net of refunds, an uncategorised line by its sign, transfers
neither; other currencies converted per account, month and category, or per payee for payees, at
the latest rate on or before the month's last day, the reverse pair inverted when there is no direct
one, rounded half-even to cents). A question counts as right only when its value equals that figure.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import pytest
import sqlalchemy as sa

from financeapp.demo.generator import generate_history
from financeapp.extensions import db
from financeapp.insights.ask.answer import ask
from tests.factories import make_user, personal_workspace

TODAY = date(2026, 12, 3)
SEED = 23
QUESTION_SEED = 4242
CENT = Decimal("0.01")
PERIODS: list[tuple[str, str, str]] = [  # words, first day, last day (by hand, for TODAY)
    ("last month", "2026-11-01", "2026-11-30"),
    ("this month", "2026-12-01", "2026-12-31"),
    ("in March 2026", "2026-03-01", "2026-03-31"),
    ("in October", "2026-10-01", "2026-10-31"),
    ("in 2025", "2025-01-01", "2025-12-31"),
    ("last year", "2025-01-01", "2025-12-31"),
    ("this year", "2026-01-01", "2026-12-31"),
    ("last 6 months", "2026-06-01", "2026-11-30"),
    ("in the last 3 months", "2026-09-01", "2026-11-30"),
    ("since 1 May", "2026-05-01", "2026-12-03"),
    ("between 1 March and 15 April 2026", "2026-03-01", "2026-04-15"),
    ("last quarter", "2026-07-01", "2026-09-30"),
    ("Q1 2026", "2026-01-01", "2026-03-31"),
    ("last week", "2026-11-23", "2026-11-29"),
    ("year to date", "2026-01-01", "2026-12-03"),
    ("from 10 June 2026 to 20 August 2026", "2026-06-10", "2026-08-20"),
]
SYNONYMS = {  # the test's own words for some demo categories
    "Eating out": ("restaurants", "dining out", "takeaway"),
    "Groceries": ("supermarket",),
    "Fuel": ("petrol", "gas"),
    "Clothing": ("clothes",),
    "Fitness": ("gym",),
    "Taxi": ("cabs",),
    "Travel": ("holidays",),
    "Salary": ("wages", "paycheck"),
}
OUTSIDE = [
    "what is the weather", "what's the weather like tomorrow", "how much will I spend next year on unicorns",
    "how much did I spend on unicorns last month", "tell me a joke", "who is the president", "hello",
    "what is the meaning of life", "should I buy bitcoin", "how much will I earn next month",
    "predict my spending for next year", "delete all my transactions", "what is my credit score",
    "how much did I spend on zebras", "spending on qwertyuiop in 2025", "convert 100 dollars to euros",
    "what is 2 plus 2", "how many days until christmas", "write me a poem about money",
    "what is the capital of France", "how much did I spend on dragons this year", "income from lottery wins",
    "how tall is mount everest", "book a flight to paris", "what time is it", "who won the world cup",
    "how much did I spend on spaceships last quarter", "how much is my house worth",
    "what is the stock price of apple", "am I going to be rich", "is it going to rain",
    "what are my unicorn expenses", "how much did my cat spend", "give me a recipe for pancakes",
    "how much did I spend on xylophones since 1 May", "balance of my unicorn account",
    "how much budget is left for rockets", "top 5 planets this year", "largest 3 asteroids in 2025",
    "average spending per month on moon rocks", "spending with label nonexistent-label-xyz",
    "what did I spend on flibbertigibbet last week", "how much do I owe the tooth fairy",
    "compare unicorns this month vs last month", "what will my balance be next month",
    "how much did I spend on blorf in March 2026", "expected income next quarter",
    "how much should I save", "translate hello into french", "open the pod bay doors",
]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _money(value: Any) -> Decimal:
    return Decimal(int(value)).scaleb(-3)  # Money columns hold thousandths


class Ledger:
    """The generated workspace read straight from its tables, with the reports' rules in plain Python."""

    def __init__(self, ws_id: int, base: str):
        self.ws, self.base = ws_id, base
        run = db.session.execute
        self.accounts = {row.id: row for row in run(sa.text(
            "SELECT id, name, currency, opening_balance, opening_date FROM accounts WHERE workspace_id = :ws"),
            {"ws": ws_id})}
        self.categories = {row.id: row for row in run(sa.text(
            "SELECT id, name, kind, parent_id FROM categories WHERE workspace_id = :ws"), {"ws": ws_id})}
        self.rates: dict[tuple[str, str], list[tuple[date, Decimal]]] = defaultdict(list)
        for base_code, quote, on, rate in run(sa.text(
                "SELECT base, quote, date, rate FROM exchange_rates WHERE workspace_id = :ws ORDER BY date"),
                {"ws": ws_id}):
            self.rates[(base_code, quote)].append((_day(on), Decimal(int(rate)).scaleb(-10)))

    def lines(self, start: date, end: date, *, label: int | None = None) -> list[Any]:
        """(account, date, category, payee, amount, kind) of every non-transfer line in [start, end]."""
        label_where = ("AND t.id IN (SELECT transaction_id FROM transaction_labels WHERE label_id = :label)"
                       if label is not None else "")
        return db.session.execute(sa.text(f"""
            SELECT t.account_id, t.date, l.category_id, t.payee_id, COALESCE(l.amount, t.amount) AS amount, c.kind
            FROM transactions t
            LEFT JOIN transaction_lines l ON l.transaction_id = t.id
            LEFT JOIN categories c ON c.id = l.category_id
            WHERE t.workspace_id = :ws AND t.transfer_key IS NULL AND t.date >= :start AND t.date <= :end
            {label_where}"""), {"ws": self.ws, "start": start, "end": end, "label": label}).all()

    @staticmethod
    def spending(amount: Decimal, kind: str | None) -> Decimal:
        if kind == "income":
            return Decimal(0)
        if kind is not None:
            return -amount
        return -amount if amount < 0 else Decimal(0)

    @staticmethod
    def income(amount: Decimal, kind: str | None) -> Decimal:
        if kind == "income":
            return amount
        return amount if kind is None and amount > 0 else Decimal(0)

    def rate(self, currency: str, month: str) -> Decimal:
        year, number = int(month[:4]), int(month[5:])
        last = date(year + number // 12, number % 12 + 1, 1).toordinal() - 1
        day = date.fromordinal(last)
        direct = [rate for on, rate in self.rates[(currency, self.base)] if on <= day]
        if direct:
            return direct[-1]
        reverse = [rate for on, rate in self.rates[(self.base, currency)] if on <= day]
        with localcontext() as context:
            context.prec = 50
            return (Decimal(1) / reverse[-1]).quantize(Decimal(1).scaleb(-10), rounding=ROUND_HALF_EVEN)

    def convert(self, groups: dict[tuple, Decimal]) -> dict[Any, Decimal]:
        """Sum groups keyed (account, month, key) into key, converting foreign groups one by one."""
        result: dict[Any, Decimal] = defaultdict(Decimal)
        for (account, month, key), amount in groups.items():
            currency = self.accounts[account].currency
            if currency != self.base:
                with localcontext() as context:
                    context.prec = 60
                    amount = (amount * self.rate(currency, month)).quantize(CENT, rounding=ROUND_HALF_EVEN)
            result[key] += amount
        return result

    def flows(self, start: date, end: date, measure: str, *, by: str = "category", label: int | None = None,
              account: int | None = None) -> dict[Any, Decimal]:
        """Per category (or payee): the measure in the base currency."""
        groups: dict[tuple, Decimal] = defaultdict(Decimal)
        for account_id, on, category, payee, amount, kind in self.lines(start, end, label=label):
            if account is not None and account_id != account:
                continue
            value = _money(amount)
            part = {"spending": self.spending(value, kind), "income": self.income(value, kind),
                    "net": self.income(value, kind) - self.spending(value, kind)}[measure]
            key = category if by == "category" else payee
            groups[(account_id, _day(on).isoformat()[:7], key)] += part
        return self.convert(groups)

    def group_members(self, group: int) -> set[int]:
        return {group} | {cid for cid, row in self.categories.items() if row.parent_id == group}

    def balance(self, account: int, day: date) -> Decimal:
        total = db.session.scalar(sa.text(
            "SELECT COALESCE(SUM(amount), 0) FROM transactions WHERE workspace_id = :ws AND account_id = :a "
            "AND date <= :day"), {"ws": self.ws, "a": account, "day": day})
        row = self.accounts[account]
        opening = _money(row.opening_balance) if _day(row.opening_date) <= day else Decimal(0)
        return _money(total) + opening

    def largest(self, start: date, end: date) -> Decimal:
        lowest = db.session.scalar(sa.text(
            "SELECT MIN(amount) FROM transactions WHERE workspace_id = :ws AND transfer_key IS NULL "
            "AND amount < 0 AND date >= :start AND date <= :end"), {"ws": self.ws, "start": start, "end": end})
        return -_money(lowest)


def _variant(rng: random.Random, name: str) -> tuple[str, str]:
    """The name as typed: exactly, in lower case, misspelt, or (when the test knows one) a synonym."""
    roll = rng.random()
    if name in SYNONYMS and roll < 0.5:
        return rng.choice(SYNONYMS[name]), "synonym"
    if len(name) >= 7 and roll < 0.6:
        letters = [i for i, ch in enumerate(name) if ch.isalpha() and 0 < i < len(name) - 1]
        i = rng.choice(letters)
        if rng.random() < 0.5:
            return name[:i] + name[i + 1:], "misspelt"
        if name[i + 1].isalpha() and name[i] != name[i + 1]:
            return name[:i] + name[i + 1] + name[i] + name[i + 2:], "misspelt"
    return (name.lower() if roll < 0.8 else name), "exact"


@pytest.fixture
def history(ctx):
    user = make_user("quiz@example.com", name="Quinn")
    ws = personal_workspace(user)
    generate_history(ws.id, 3000, seed=SEED, end=TODAY)
    db.session.commit()
    return ws, Ledger(ws.id, ws.base_currency)


def _questions(ledger: Ledger, rng: random.Random) -> list[tuple[str, Any, str]]:
    """(question, expected value, how the name was typed) x 200."""
    cats = ledger.categories
    names = defaultdict(list)
    for cid, row in cats.items():
        names[row.name.lower()].append(cid)
    # A name two categories share has no one true answer: such categories are left out of the questions.
    spend_cats = [cid for cid, row in cats.items() if row.parent_id is not None and row.kind == "expense"
                  and len(names[row.name.lower()]) == 1]
    income_cats = [cid for cid, row in cats.items() if row.parent_id is not None and row.kind == "income"
                   and len(names[row.name.lower()]) == 1]
    groups = [cid for cid, row in cats.items() if row.parent_id is None and row.kind == "expense"
              and len(names[row.name.lower()]) == 1]
    payees = [(pid, name) for pid, name in db.session.execute(sa.text(
        "SELECT p.id, p.name FROM payees p JOIN transactions t ON t.payee_id = p.id WHERE p.workspace_id = :ws "
        "AND t.transfer_key IS NULL GROUP BY p.id, p.name ORDER BY COUNT(*) DESC, p.id LIMIT 80"),
        {"ws": ledger.ws})]
    labels = list(db.session.execute(sa.text("SELECT id, name FROM labels WHERE workspace_id = :ws"),
                                     {"ws": ledger.ws}))
    accounts = [a for a in ledger.accounts.values() if a.name != "Car (2021 Honda CR-V)"]

    def period() -> tuple[str, date, date]:
        words, start, end = rng.choice(PERIODS)
        return words, date.fromisoformat(start), date.fromisoformat(end)

    def category_total(cid: int, start: date, end: date, measure: str = "spending") -> Decimal:
        members = ledger.group_members(cid) if cats[cid].parent_id is None else {cid}
        flows = ledger.flows(start, end, measure)
        return sum((v for k, v in flows.items() if k in members), Decimal(0))

    out: list[tuple[str, Any, str]] = []
    while len(out) < 200:
        kind = rng.choices(["cat", "group", "payee", "account", "label", "income", "total", "compare",
                            "average", "top_cat", "top_payee", "largest", "balance"],
                           weights=[30, 8, 16, 8, 6, 8, 6, 8, 6, 4, 4, 3, 5])[0]
        words, start, end = period()
        if kind == "cat":
            with_synonym = [c for c in spend_cats if cats[c].name in SYNONYMS]
            cid = rng.choice(with_synonym if rng.random() < 0.25 else spend_cats)
            typed, how = _variant(rng, cats[cid].name)
            template = rng.choice(["How much did I spend on {n} {p}?", "{n} spending {p}", "what did {n} cost {p}",
                                   "spent on {n} {p}"])
            out.append((template.format(n=typed, p=words), category_total(cid, start, end), how))
        elif kind == "group":
            cid = rng.choice(groups)
            typed, how = _variant(rng, cats[cid].name)
            out.append((f"total spending on {typed} {words}", category_total(cid, start, end), how))
        elif kind == "payee":
            pid, name = rng.choice(payees)
            typed, how = _variant(rng, name)
            flows = ledger.flows(start, end, "spending", by="payee")
            out.append((f"how much did I spend at {typed} {words}", flows.get(pid, Decimal(0)), how))
        elif kind == "account":
            account = rng.choice(accounts)
            typed, how = _variant(rng, account.name)
            total = sum(ledger.flows(start, end, "spending", account=account.id).values(), Decimal(0))
            out.append((f"spending in {typed} account {words}" if rng.random() < 0.5 else
                        f"how much did I spend from {typed} {words}", total, how))
        elif kind == "label":
            lid, name = rng.choice(labels)
            typed, how = _variant(rng, name)
            total = sum(ledger.flows(start, end, "spending", label=lid).values(), Decimal(0))
            out.append((f"spending tagged {typed} {words}", total, how))
        elif kind == "income":
            if rng.random() < 0.5:
                total = sum(ledger.flows(start, end, "income").values(), Decimal(0))
                out.append((f"how much did I earn {words}", total, "exact"))
            else:
                cid = rng.choice(income_cats)
                typed, how = _variant(rng, cats[cid].name)
                out.append((f"income from {typed} {words}", category_total(cid, start, end, "income"), how))
        elif kind == "total":
            total = sum(ledger.flows(start, end, "spending").values(), Decimal(0))
            out.append((rng.choice(["how much did I spend {p}", "total spending {p}"]).format(p=words), total,
                        "exact"))
        elif kind == "compare":
            cid = rng.choice(spend_cats)
            typed, how = _variant(rng, cats[cid].name)
            other_words, other_start, other_end = period()
            if other_words == words:
                continue
            difference = category_total(cid, start, end) - category_total(cid, other_start, other_end)
            out.append((f"{typed} {words} vs {other_words}", difference, how))
        elif kind == "average":
            cid = rng.choice(spend_cats)
            typed, how = _variant(rng, cats[cid].name)
            months = (end.year - start.year) * 12 + end.month - start.month + 1
            value = (category_total(cid, start, end) / months).quantize(CENT, rounding=ROUND_HALF_EVEN)
            out.append((f"average monthly spending on {typed} {words}", value, how))
        elif kind == "top_cat":
            flows = ledger.flows(start, end, "spending")
            best = max((v for k, v in flows.items()), default=Decimal(0))
            out.append((f"top 3 categories {words}", best if best > 0 else Decimal(0), "exact"))
        elif kind == "top_payee":
            flows = ledger.flows(start, end, "spending", by="payee")
            best = max((v for k, v in flows.items() if k is not None), default=Decimal(0))
            out.append((f"top 5 payees {words}", best if best > 0 else Decimal(0), "exact"))
        elif kind == "largest":
            out.append((f"largest transaction {words}", ledger.largest(start, end), "exact"))
        else:
            account = rng.choice(accounts)
            typed, how = _variant(rng, account.name)
            day = min(end, TODAY)
            words_day = rng.choice([("", TODAY), (f" on {day.day} {day.strftime('%B %Y')}", day)])
            out.append((f"balance of {typed}{words_day[0]}", ledger.balance(account.id, words_day[1]), how))
    return out


def test_two_hundred_generated_questions_are_answered_to_the_cent(history):
    ws, ledger = history
    questions = _questions(ledger, random.Random(QUESTION_SEED))
    assert len(questions) == 200
    wrong = []
    kinds: dict[str, int] = defaultdict(int)
    for text, expected, how in questions:
        kinds[how] += 1
        result = ask(ws, text, TODAY)
        if result.value is None or Decimal(result.value) != Decimal(expected).quantize(CENT):
            wrong.append((text, how, expected, result.value, result.answer))
    accuracy = 1 - len(wrong) / len(questions)
    report = "\n".join(f"  {q!r} ({how}): expected {e}, got {v}: {a}" for q, how, e, v, a in wrong)
    print(f"\nAsk accuracy {accuracy:.1%} over {len(questions)} questions {dict(kinds)}\n{report}")
    assert kinds["misspelt"] >= 20 and kinds["synonym"] >= 5  # the names really vary
    assert accuracy >= 0.98, report


def test_fifty_questions_outside_the_grammar_get_no_number(history):
    ws, _ledger = history
    assert len(OUTSIDE) == 50
    answered = [(q, ask(ws, q, TODAY)) for q in OUTSIDE]
    numbers = [(q, a.answer) for q, a in answered if a.value is not None]
    assert numbers == []
    assert all(a.answer.startswith("I can't answer that yet") for _, a in answered)
