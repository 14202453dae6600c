"""What counts as income and what counts as spending: the one definition behind every figure that says so.

The reports, the budgets (spent, income to assign), the dashboard and the weekly digest all
read these expressions, so "spending" means the same on every page:

- A transfer between the workspace's own accounts (transfer_key set) is neither.
- A line in an income category is income; a negative one (a clawback) reduces the income.
- A line in an expense category, or on a group, is spending net of refunds: money coming back
  on that category (a refund) reduces the category's spending, as in Actual and YNAB. A
  category's spending can so be negative in a period with more refunds than purchases.
- An uncategorised line counts by its sign: money in is income, money out is spending (it has
  no category whose spending a refund could reduce). So an uncategorised salary is never
  "negative spending".

Whatever a line is, income - spending equals its amount: the net of a period is its change.

Two shapes of input, each with the category's kind (NULL for an uncategorised line):
- ledger lines: one signed amount per line (`line_income`, `line_spending`);
- the monthly totals: money in and out per account, month and category (`totals_income`,
  `totals_spending`), which give the same sums, since a category's kind is the same for every line.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from financeapp.categories.models import Category
from financeapp.core.db import Money

INCOME = "income"
DEFINITION = ("Income is a line in an income category, or money coming in without a category; spending is a "
              "line in any other category, net of refunds (a refund lowers its own category's spending), or "
              "money going out without a category. A split counts per line. Transfers between your accounts "
              "are neither.")


def _zero() -> Any:
    return sa.literal(0, Money)


def category_kinds() -> Any:
    """A fresh alias of the categories table, to outer-join on a line's category for its `kind`."""
    return aliased(Category)


def line_income(amount: Any, kind: Any) -> Any:
    """A ledger line's income: the line in an income category, or an uncategorised line's money in."""
    return sa.case(
        (kind == INCOME, amount),
        (sa.and_(kind.is_(None), amount > 0), amount),
        else_=_zero(),
    )


def line_spending(amount: Any, kind: Any) -> Any:
    """A ledger line's spending (positive = money out): any other category's line negated, net of refunds."""
    return sa.case(
        (kind == INCOME, _zero()),
        (kind.is_not(None), -amount),
        (amount < 0, -amount),
        else_=_zero(),
    )


def totals_income(money_in: Any, money_out: Any, kind: Any) -> Any:
    """`line_income` summed, from a monthly total's money in and out."""
    return sa.case(
        (kind == INCOME, money_in + money_out),
        (kind.is_(None), money_in),
        else_=_zero(),
    )


def totals_spending(money_in: Any, money_out: Any, kind: Any) -> Any:
    """`line_spending` summed, from a monthly total's money in and out."""
    return sa.case(
        (kind == INCOME, _zero()),
        (kind.is_not(None), -(money_in + money_out)),
        else_=-money_out,
    )


def sum_money(expression: Any) -> Any:
    """SUM of a Money expression, 0 when there are no rows."""
    return sa.func.coalesce(sa.func.sum(expression, type_=Money), 0, type_=Money)
