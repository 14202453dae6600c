"""A small history for the forecast tests: 30 months of groceries and salary in one account."""

from __future__ import annotations

from datetime import date

from tests.factories import make_account, make_category, make_transaction, make_user, personal_workspace

MONTHS = 30
FIRST = date(2024, 1, 1)


def month_on(index: int, day: int = 10) -> date:
    year, month = divmod(FIRST.month - 1 + index, 12)
    return date(FIRST.year + year, month + 1, day)


def history(email: str = "fran@example.com", months: int = MONTHS):
    """(user, workspace, account, groceries, salary); the last complete month is month `months - 1`."""
    user = make_user(email, name="Fran")
    ws = personal_workspace(user)
    account = make_account(ws, "Fran checking", opening_balance="1000", opening_date=FIRST)
    groceries = make_category(ws, "Groceries", group="Everyday")
    salary = make_category(ws, "Salary", group="Income", kind="income")
    for i in range(months):
        december = month_on(i).month == 12
        make_transaction(account, f"-{300 + 7 * (i % 5) + (150 if december else 0)}.25", on=month_on(i),
                         category=groceries, payee="Market")
        make_transaction(account, "2500.00", on=month_on(i, 25), category=salary, payee="Employer")
    return user, ws, account, groceries, salary


AS_OF = month_on(MONTHS - 1, 28).replace(day=30)  # 2026-06-30: the end of the 30th month
