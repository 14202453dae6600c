"""Small histories for the insights tests, written straight to the database."""

from __future__ import annotations

from datetime import date, timedelta

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from tests.factories import make_transaction

COFFEE = ["4.80", "5.10", "5.50", "5.20", "4.95", "5.60", "5.35", "5.05", "5.45", "5.25", "4.90", "5.75"]


def coffee_history(account: Account, coffee: Category, *, payee: str = "Bean There", days: int = 36,
                   start: date = date(2026, 1, 1)) -> None:
    """A coffee every day for `days` days at about $5, with a little spread."""
    for i in range(days):
        make_transaction(account, f"-{COFFEE[i % len(COFFEE)]}", on=start + timedelta(days=i), category=coffee,
                         payee=payee)
