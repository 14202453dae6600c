"""The envelope budget (zero-based, as in Actual and YNAB): every expense category each month with
what was carried in, budgeted, spent and is available, and what is left "to budget".

- An envelope's available is everything budgeted into it minus everything spent from it, from the
  budget's first month on: available = carried + budgeted - spent, where carried is last month's
  available. Overspending is carried too (a negative available), so it shows next month until it
  is covered.
- "To budget" is the money in on-budget accounts (checking, savings, cash and credit cards in the
  base currency) at the month's end minus what all envelopes hold: income raises it, budgeting
  lowers it, and spending outside any envelope (uncategorised) lowers it as the balance falls.
- Spending is net of refunds and leaves transfers out; it is read from the monthly totals
  (reports/totals.py) in two grouped queries, one for the budget lines and one for the activity.
- Monthly lines only: yearly lines (period "year") belong to the limits view and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.budgets.models import BudgetLine
from financeapp.budgets.queries import add_months, month_end, month_start
from financeapp.categories.models import Category
from financeapp.core.db import Money
from financeapp.core.errors import Invalid
from financeapp.core.money import format_money
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.core.validation import checked_amount, checked_day
from financeapp.extensions import db
from financeapp.reports.models import MonthlyTotal
from financeapp.reports.months import month_key
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
ON_BUDGET_TYPES = ("checking", "savings", "cash", "credit_card")
TO_BUDGET = "to-budget"  # the pool, as a source or target of a move


@dataclass(frozen=True)
class Envelope:
    category_id: int
    name: str
    group: str
    carried: Decimal  # available at the end of last month; negative is overspending carried in
    budgeted: Decimal
    spent: Decimal  # money out net of refunds; negative when refunds were larger

    @property
    def available(self) -> Decimal:
        return self.carried + self.budgeted - self.spent


@dataclass
class EnvelopeMonth:
    month: date
    start: date | None  # the budget's first month (its first monthly line); None before any line
    envelopes: list[Envelope] = field(default_factory=list)
    balances: Decimal = ZERO  # on-budget accounts at the month's end
    left_out: list[str] = field(default_factory=list)  # on-budget accounts in other currencies

    @property
    def held(self) -> Decimal:
        return sum((e.available for e in self.envelopes), ZERO)

    @property
    def to_budget(self) -> Decimal:
        return self.balances - self.held

    @property
    def budgeted(self) -> Decimal:
        return sum((e.budgeted for e in self.envelopes), ZERO)

    @property
    def spent(self) -> Decimal:
        return sum((e.spent for e in self.envelopes), ZERO)

    @property
    def overspent(self) -> list[Envelope]:
        return [e for e in self.envelopes if e.available < 0]

    def envelope(self, category_id: int) -> Envelope | None:
        return next((e for e in self.envelopes if e.category_id == category_id), None)


def _on_budget_accounts(workspace: Workspace) -> sa.Select:
    return sa.select(Account.id).where(Account.workspace_id == workspace.id, Account.type.in_(ON_BUDGET_TYPES),
                                       Account.currency == workspace.base_currency)


def _sum_where(condition: sa.ColumnElement[bool], amount: sa.ColumnElement[Decimal]) -> sa.ColumnElement[Decimal]:
    """SUM of `amount` over the rows where `condition` holds, read back as Money (thousandths)."""
    return sa.func.sum(sa.case((condition, amount), else_=sa.literal(0, Money)), type_=Money)


def budget_start(workspace: Workspace) -> date | None:
    """The first month with a monthly line: the envelope budget starts there."""
    return db.session.scalar(sa.select(sa.func.min(BudgetLine.month)).where(
        BudgetLine.workspace_id == workspace.id, BudgetLine.period == "month"))


def _budgeted(workspace: Workspace, start: date, month: date) -> dict[int, tuple[Decimal, Decimal]]:
    """Per category: (budgeted before `month`, budgeted in `month`), from `start` on."""
    earlier = _sum_where(BudgetLine.month < month, BudgetLine.amount)
    this = _sum_where(BudgetLine.month == month, BudgetLine.amount)
    rows = db.session.execute(
        sa.select(BudgetLine.category_id, earlier, this)
        .where(BudgetLine.workspace_id == workspace.id, BudgetLine.period == "month",
               BudgetLine.month >= start, BudgetLine.month <= month)
        .group_by(BudgetLine.category_id)
    )
    return {category_id: (before or ZERO, now or ZERO) for category_id, before, now in rows}


def _spent(workspace: Workspace, start: date, month: date) -> dict[int, tuple[Decimal, Decimal]]:
    """Per expense category: (spent before `month`, spent in `month`) in on-budget accounts, from `start` on."""
    key, first = month_key(month), month_key(start)
    flow = MonthlyTotal.money_in + MonthlyTotal.money_out
    earlier = _sum_where(MonthlyTotal.month < key, flow)
    this = _sum_where(MonthlyTotal.month == key, flow)
    rows = db.session.execute(
        sa.select(MonthlyTotal.category_id, earlier, this)
        .join(Category, Category.id == MonthlyTotal.category_id)
        .where(MonthlyTotal.workspace_id == workspace.id, MonthlyTotal.transfer.is_(False),
               MonthlyTotal.month >= first, MonthlyTotal.month <= key, Category.kind == "expense",
               MonthlyTotal.account_id.in_(_on_budget_accounts(workspace)))
        .group_by(MonthlyTotal.category_id)
    )
    return {category_id: (-(before or ZERO), -(now or ZERO)) for category_id, before, now in rows}


def on_budget_balance(workspace: Workspace, month: date) -> Decimal:
    """The on-budget accounts' balances at the end of `month` (transfers included: they move money)."""
    last = month_end(month)
    opening = db.session.scalar(sa.select(sa.func.sum(Account.opening_balance, type_=Money)).where(
        Account.id.in_(_on_budget_accounts(workspace)), Account.opening_date <= last)) or ZERO
    flows = db.session.scalar(sa.select(sa.func.sum(MonthlyTotal.money_in + MonthlyTotal.money_out, type_=Money)).where(
        MonthlyTotal.workspace_id == workspace.id, MonthlyTotal.month <= month_key(month),
        MonthlyTotal.account_id.in_(_on_budget_accounts(workspace)))) or ZERO
    return opening + flows


def _left_out_currencies(workspace: Workspace) -> list[str]:
    return list(db.session.scalars(sa.select(Account.currency).distinct().where(
        Account.workspace_id == workspace.id, Account.type.in_(ON_BUDGET_TYPES),
        Account.currency != workspace.base_currency).order_by(Account.currency)))


def _expense_categories(workspace: Workspace) -> list[Category]:
    """Every expense category that can hold money: leaves, and groups without children."""
    categories = list(db.session.scalars(scoped(Category, workspace).where(Category.kind == "expense")))
    parents = {c.parent_id for c in categories if c.parent_id is not None}
    return [c for c in categories if c.id not in parents]


def envelope_month(workspace: Workspace, month: date) -> EnvelopeMonth:
    """Every envelope of `month` (a first day) and what is left to budget."""
    month = month_start(month)
    start = budget_start(workspace)
    result = EnvelopeMonth(month=month, start=start, balances=on_budget_balance(workspace, month),
                           left_out=_left_out_currencies(workspace))
    if start is None or month < start:
        return result
    budgeted, spent = _budgeted(workspace, start, month), _spent(workspace, start, month)
    names = {c.id: c for c in _expense_categories(workspace)}
    for category_id in set(budgeted) | set(spent):  # a group with a line or spending of its own shows too
        if category_id not in names:
            names[category_id] = db.session.get(Category, category_id)
    for category_id, category in names.items():
        (budgeted_before, budgeted_now), (spent_before, spent_now) = (
            budgeted.get(category_id, (ZERO, ZERO)), spent.get(category_id, (ZERO, ZERO)))
        group = category.parent.name if category.parent else ""
        result.envelopes.append(Envelope(category_id, category.name, group, budgeted_before - spent_before,
                                         budgeted_now, spent_now))
    result.envelopes.sort(key=lambda e: (e.group.lower(), e.name.lower()))
    return result


# Moving money ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveInput:
    month: date
    source: str  # a category id, or TO_BUDGET
    target: str
    amount: Decimal | None


def _envelope_category(workspace: Workspace, value: str, field_name: str) -> Category | None:
    """None for the to-budget pool, else the workspace's expense category."""
    if value == TO_BUDGET:
        return None
    if not value:
        raise Invalid("Choose an envelope.", fields={field_name: "Choose an envelope."})
    category = get_scoped_or_404(Category, value, workspace)
    if category.kind != "expense":
        message = "Envelopes are for spending; choose an expense category."
        raise Invalid(message, fields={field_name: message})
    return category


def _month_line(workspace: Workspace, category: Category, month: date) -> BudgetLine:
    line = db.session.scalar(scoped(BudgetLine, workspace).where(
        BudgetLine.category_id == category.id, BudgetLine.month == month))
    if line is not None and line.is_yearly:
        message = f"{category.full_name} has a yearly budget for {month.year}; change it in the limits view."
        raise Invalid(message, fields={"amount": message})
    if line is None:
        line = BudgetLine(workspace_id=workspace.id, category_id=category.id, month=month, period="month",
                          amount=ZERO)
        db.session.add(line)
    return line


def move_money(workspace: Workspace, data: MoveInput) -> tuple[str, str]:
    """Move an amount between two envelopes, or between an envelope and "to budget", in one month.

    It changes the month's budgeted amounts (a line is added when the envelope has none); taking
    more than an envelope holds is refused. Returns the (source, target) names."""
    month = month_start(checked_day(data.month, field="month"))
    amount = checked_amount(data.amount, workspace.base_currency, field="amount", sign="positive")
    if data.source == data.target:
        raise Invalid("Choose two different places.", fields={"target": "Choose somewhere else to move it to."})
    source = _envelope_category(workspace, data.source, "source")
    target = _envelope_category(workspace, data.target, "target")
    figures = envelope_month(workspace, month)
    held = figures.to_budget if source is None else _available(figures, source.id)
    if amount > held:
        where = "to budget" if source is None else f"in {source.full_name}"
        message = f"There is only {format_money(held, workspace.base_currency)} {where} in {month:%B %Y}."
        raise Invalid(message, fields={"amount": message})
    if source is not None:
        line = _month_line(workspace, source, month)
        line.amount -= amount
    if target is not None:
        line = _month_line(workspace, target, month)
        line.amount += amount
    db.session.flush()
    return (source.full_name if source else "To budget", target.full_name if target else "To budget")


def _available(figures: EnvelopeMonth, category_id: int) -> Decimal:
    envelope = figures.envelope(category_id)
    return envelope.available if envelope else ZERO


def months_around(month: date) -> tuple[date, date]:
    """The months before and after, for the page's navigation."""
    return add_months(month, -1), add_months(month, 1)
