"""The demo workspace's plans: budgets, goals, debts and recurring items over its generated history.

Each seeder leaves alone what the workspace already has, so `flask demo seed` is safe to run twice.
They live here, beside the history generator, rather than in the domains' services: a domain's rules
do not need to know what the demo looks like.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import ROUND_CEILING, Decimal

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from financeapp.accounts.models import Account
from financeapp.accounts.queries import balance_on
from financeapp.budgets.models import BudgetLine
from financeapp.budgets.queries import add_months, category_map, month_start
from financeapp.budgets.services import ZERO, MonthFigures, figures_for_months
from financeapp.categories.models import Category
from financeapp.core.money import minor_units, quantize
from financeapp.core.scoping import scoped
from financeapp.debts import amortization as am
from financeapp.debts.models import Debt
from financeapp.debts.services import LIABILITY_ACCOUNT_TYPES, DebtInput, create_debt
from financeapp.extensions import db
from financeapp.goals.models import Goal, GoalContribution
from financeapp.goals.services import GoalInput, create_goal, progress_on, reached_milestone
from financeapp.recurring.models import RecurringItem
from financeapp.recurring.services import RecurringInput, create_recurring
from financeapp.workspaces.models import Workspace

# Budgets ---------------------------------------------------------------------------------------


DEMO_BUDGET = {
    "Groceries": "450", "Eating out": "150", "Coffee": "40", "Utilities": "180", "Internet and phone": "80",
    "Fuel": "120", "Public transport": "60", "Entertainment": "80", "Subscriptions": "45", "Household supplies": "60",
}


def seed_demo_budgets(workspace: Workspace, today: date | None = None) -> int:
    """Give the demo workspace a budget for last month and this month (unless it has one); lines created.

    Amounts are the category's average spending over the three months before last, rounded up
    to 10, or a plausible default when the history has none.
    """
    this_month = month_start(today or date.today())
    last_month = add_months(this_month, -1)
    has_lines = db.session.scalar(scoped(BudgetLine, workspace).where(
        BudgetLine.month.in_([this_month, last_month])).limit(1))
    if has_lines is not None:
        return 0
    categories = {info.name.split(": ", 1)[-1]: info for info in category_map(workspace).values()
                  if info.kind == "expense" and info.parent_id is not None}
    history = figures_for_months(workspace, add_months(last_month, -3), add_months(last_month, -1))
    created = 0
    for name, default in DEMO_BUDGET.items():
        info = categories.get(name)
        if info is None:
            continue
        average = sum((_unbudgeted_spent(m, info.id) for m in history), ZERO) / 3
        amount = (average / 10).to_integral_value(rounding="ROUND_CEILING") * 10 if average > 0 else Decimal(default)
        for month in (last_month, this_month):
            db.session.add(BudgetLine(workspace_id=workspace.id, category_id=info.id, month=month, period="month",
                                      amount=quantize(amount, workspace.base_currency),
                                      rollover=name == "Groceries"))
            created += 1
    db.session.flush()
    return created


def _unbudgeted_spent(figures: MonthFigures, category_id: int) -> Decimal:
    return sum((row.spent for row in figures.unbudgeted if row.category_id == category_id), ZERO)


# Goals -----------------------------------------------------------------------------------------


def seed_demo_goals(workspace: Workspace, today: date | None = None) -> int:
    """Give the demo workspace two goals (unless it has some): an emergency fund and a holiday."""
    today = today or date.today()
    if db.session.scalar(scoped(Goal, workspace).limit(1)) is not None:
        return 0
    savings = db.session.scalar(scoped(Account, workspace).where(Account.type == "savings", Account.archived.is_(False))
                                .order_by(Account.id).limit(1))
    created = 0
    if savings is not None:
        balance = max(balance_on(savings, today), Decimal(1000))
        target = (balance * Decimal("1.6") / 1000).to_integral_value(rounding=ROUND_CEILING) * 1000
        create_goal(workspace, GoalInput(name="Emergency fund", target_amount=target,
                                         target_date=date(today.year + 1, 12, 31), account_id=savings.id), today)
        created += 1
    holiday = create_goal(workspace, GoalInput(name="Summer holiday", target_amount=Decimal(2400),
                                               target_date=date(today.year + 1, 6, 30)), today)
    for months_ago, amount in ((5, "200"), (4, "200"), (3, "150"), (2, "250"), (1, "200")):
        on = (today - relativedelta(months=months_ago)).replace(day=1)
        db.session.add(GoalContribution(workspace_id=workspace.id, goal_id=holiday.id, on=on,
                                        amount=Decimal(amount), memo="Monthly saving"))
    db.session.flush()
    holiday.milestone = reached_milestone(progress_on(holiday, today), holiday.target_amount)
    db.session.flush()
    return created + 1


# Debts -----------------------------------------------------------------------------------------


def seed_demo_debts(workspace: Workspace, today: date | None = None) -> list[Debt]:
    """A car loan and a credit card, linked to the demo accounts "Car Loan" and "Visa Rewards Card" when present.

    Safe to run twice: a debt that already exists by name is left alone.
    """
    today = today or date.today()
    accounts = {a.name: a for a in db.session.scalars(
        scoped(Account, workspace).where(Account.name.in_(["Car Loan", "Visa Rewards Card"])))}
    car, card = accounts.get("Car Loan"), accounts.get("Visa Rewards Card")
    wanted = [
        DebtInput(name="Car loan", kind="loan", currency=car.currency if car else workspace.base_currency,
                  annual_rate=Decimal("6.9"), account_id=car.id if car and car.type in LIABILITY_ACCOUNT_TYPES
                  else None, principal=Decimal(24000), term_months=60,
                  start_date=am.add_months(today.replace(day=1), -18), payment_day=15,
                  notes="Demo: a five-year car loan."),
        DebtInput(name="Visa Rewards Card", kind="credit_card",
                  currency=card.currency if card else workspace.base_currency, annual_rate=Decimal("22.99"),
                  account_id=card.id if card and card.type in LIABILITY_ACCOUNT_TYPES else None,
                  balance=Decimal(640), min_payment_kind="percent", min_payment=Decimal(35),
                  min_payment_percent=Decimal(2), notes="Demo: 2 % of the balance, at least 35."),
    ]
    existing = set(db.session.scalars(sa.select(Debt.name).where(Debt.workspace_id == workspace.id)))
    return [create_debt(workspace, data) for data in wanted if data.name not in existing]


# Recurring items -------------------------------------------------------------------------------


def _category_named(workspace: Workspace, name: str) -> int | None:
    return db.session.scalar(sa.select(Category.id).where(Category.workspace_id == workspace.id, Category.name == name)
                             .order_by(Category.id).limit(1))


def seed_demo_recurring(workspace: Workspace, *, today: date | None = None) -> int:
    """Salary (monthly, posts itself), rent (monthly, confirm) and two bills (electricity, internet) on the
    "Everyday Checking" account (or the first checking account); returns how many items were added.

    Safe to call twice: items whose names exist already are left alone. Schedules start today, so
    nothing in the past is posted.
    """
    today = today or date.today()
    accounts = list(db.session.scalars(scoped(Account, workspace).where(Account.archived.is_(False))
                                       .order_by(Account.id)))
    account = (next((a for a in accounts if a.name == "Everyday Checking"), None)
               or next((a for a in accounts if a.type == "checking"), None)
               or (accounts[0] if accounts else None))
    if account is None:
        return 0
    existing = set(db.session.scalars(sa.select(RecurringItem.name).where(RecurringItem.workspace_id == workspace.id)))
    unit = Decimal(1).scaleb(-minor_units(account.currency))
    base = RecurringInput(name="", account_id=account.id, amount=Decimal(1), start_date=today)
    wanted = [
        replace(base, name="Salary", direction="in", amount=Decimal("4200"), payee="Brightline Software Inc.",
                category_id=_category_named(workspace, "Salary"), month_day=25, auto_post=True),
        replace(base, name="Rent", amount=Decimal("1650"), payee="Parkside Apartments",
                category_id=_category_named(workspace, "Rent or mortgage"), month_day=1),
        replace(base, name="Electricity", amount=Decimal("95"), payee="City Power & Light",
                category_id=_category_named(workspace, "Utilities"), month_day=12, is_bill=True, tolerance_pct=25),
        replace(base, name="Internet", amount=Decimal("79.99"), payee="Xfinity",
                category_id=_category_named(workspace, "Internet and phone"), month_day=18, is_bill=True,
                tolerance_pct=10),
    ]
    added = 0
    for data in wanted:
        if data.name in existing:
            continue
        amount = max(data.amount.quantize(unit), unit)
        create_recurring(workspace, replace(data, amount=amount))
        added += 1
    return added
