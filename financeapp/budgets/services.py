"""Budget rules: lines per category and month (or year), rollover, the two styles, moving money.

How a month's figures are worked out (`month_figures`, `figures_for_months`):

- A line covers its category; a line on a category group also covers the group's categories
  that have no line of their own. A category's own line wins over its group's.
- A yearly line sits on 1 January and is checked against the year: its "spent" is the
  spending from January to the end of the month shown (it is not spread over the months).
- Rollover: at the end of a month, a line with rollover on passes what is left (or, when
  negative, what was overspent) to next month's line for the same category. Without rollover,
  or without a line next month, nothing is carried.
- Zero-based (envelopes): to assign = income this month + what was left from earlier months
  - what is budgeted this month (a yearly amount counts in full in January). What is left from
  earlier months is last month's to-assign, plus what lines without rollover had left (or
  overspent), minus last month's spending nobody budgeted for. Counting starts at the first
  month with a budget line; money that was in the accounts before then is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from financeapp.budgets.models import STYLES, BudgetLine, BudgetSetting
from financeapp.budgets.queries import (
    ZERO,
    CategoryInfo,
    MonthActivity,
    add_months,
    category_map,
    month_start,
    monthly_activity,
    months_between,
)
from financeapp.categories.models import Category
from financeapp.core.errors import Invalid, NotFound
from financeapp.core.money import format_money, quantize
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.core.validation import checked_amount, checked_day
from financeapp.extensions import db
from financeapp.workspaces.models import Workspace

MAX_REPORT_MONTHS = 120
ALERT_LEVELS = (100, 80)


# Style -----------------------------------------------------------------------------------------


def budget_style(workspace: Workspace) -> str:
    """The workspace's budgeting style: "limits" (the default) or "zero_based"."""
    style = db.session.scalar(sa.select(BudgetSetting.style).where(BudgetSetting.workspace_id == workspace.id))
    return style or "limits"


def set_style(workspace: Workspace, style: str) -> BudgetSetting:
    """Choose how the workspace budgets."""
    if style not in STYLES:
        raise Invalid("Choose limits or zero-based.", fields={"style": "Choose limits or zero-based."})
    setting = db.session.scalar(scoped(BudgetSetting, workspace))
    if setting is None:
        setting = BudgetSetting(workspace_id=workspace.id, style=style)
        db.session.add(setting)
    else:
        setting.style = style
    db.session.flush()
    return setting


# Figures ---------------------------------------------------------------------------------------


@dataclass
class LineFigures:
    line: BudgetLine
    name: str
    budgeted: Decimal
    carried: Decimal
    spent: Decimal

    @property
    def available(self) -> Decimal:
        return self.budgeted + self.carried

    @property
    def remaining(self) -> Decimal:
        return self.available - self.spent

    @property
    def percent(self) -> int | None:
        """Spent as a whole percentage of what was available; None when nothing was."""
        if self.available <= 0:
            return None
        return int(self.spent * 100 / self.available)

    @property
    def bar(self) -> int:
        """The progress bar's width, 0 to 100."""
        if self.percent is None:
            return 100 if self.spent > 0 else 0
        return max(0, min(100, self.percent))

    @property
    def state(self) -> str:
        if self.remaining < 0:
            return "over"
        if self.percent is not None and self.percent >= 80:
            return "warn"
        return "ok"

    @property
    def alert_level(self) -> int | None:
        """100 or 80 once spending reaches that share of what was available."""
        if self.percent is None:
            return None
        return next((level for level in ALERT_LEVELS if self.spent * 100 >= self.available * level), None)


@dataclass
class UnbudgetedRow:
    category_id: int | None
    name: str
    spent: Decimal


@dataclass
class MonthFigures:
    month: date
    style: str
    lines: list[LineFigures] = field(default_factory=list)
    yearly: list[LineFigures] = field(default_factory=list)  # spent = the year's, up to this month
    yearly_month_spent: dict[int, Decimal] = field(default_factory=dict)  # this month's part, per line id
    unbudgeted: list[UnbudgetedRow] = field(default_factory=list)
    income: Decimal = ZERO
    left_over: Decimal = ZERO  # zero-based: left from earlier months
    assigned: Decimal = ZERO  # zero-based: budgeted this month, yearly amounts in January
    missing_rates: list[str] = field(default_factory=list)

    @property
    def budgeted(self) -> Decimal:
        return sum((row.budgeted for row in self.lines), ZERO)

    @property
    def carried(self) -> Decimal:
        return sum((row.carried for row in self.lines), ZERO)

    @property
    def spent(self) -> Decimal:
        return sum((row.spent for row in self.lines), ZERO)

    @property
    def remaining(self) -> Decimal:
        return sum((row.remaining for row in self.lines), ZERO)

    @property
    def unbudgeted_total(self) -> Decimal:
        return sum((row.spent for row in self.unbudgeted), ZERO)

    @property
    def to_assign(self) -> Decimal:
        return self.income + self.left_over - self.assigned

    @property
    def bar(self) -> int:
        available = self.budgeted + self.carried
        if available <= 0:
            return 100 if self.spent > 0 else 0
        return max(0, min(100, int(self.spent * 100 / available)))

    def line(self, line_id: int) -> LineFigures | None:
        return next((row for row in self.lines + self.yearly if row.line.id == line_id), None)


def _lines_through(workspace: Workspace, last: date) -> list[BudgetLine]:
    return list(db.session.scalars(
        scoped(BudgetLine, workspace).where(BudgetLine.month <= last).order_by(BudgetLine.month, BudgetLine.id)
    ))


def _start_month(style: str, lines: list[BudgetLine], first: date) -> date:
    """The earliest month whose figures feed `first`'s (rollover chains, the year, the envelope pool)."""
    start = first
    if not lines:
        return start
    if style == "zero_based":
        start = min(start, lines[0].month)
    else:
        rolling = {line.month for line in lines if line.rollover and not line.is_yearly}
        while add_months(start, -1) in rolling:
            start = add_months(start, -1)
    if any(line.is_yearly and line.month.year == start.year for line in lines):
        start = date(start.year, 1, 1)
    return start


def _covering(category_id: int | None, categories: dict[int, CategoryInfo],
              monthly: dict[int, BudgetLine], yearly: dict[int, BudgetLine]) -> BudgetLine | None:
    """The line a category's spending counts against: its own, else its group's."""
    if category_id is None:
        return None
    own = monthly.get(category_id) or yearly.get(category_id)
    if own is not None:
        return own
    info = categories.get(category_id)
    if info is None or info.parent_id is None:
        return None
    return monthly.get(info.parent_id) or yearly.get(info.parent_id)


def figures_for_months(workspace: Workspace, first: date, last: date) -> list[MonthFigures]:
    """The figures of every month from `first` to `last` (first days of months)."""
    first, last = month_start(first), month_start(last)
    style = budget_style(workspace)
    lines = _lines_through(workspace, last)
    start = _start_month(style, lines, first)
    pool_start = lines[0].month if lines else first
    monthly: dict[date, dict[int, BudgetLine]] = {}
    yearly: dict[int, dict[int, BudgetLine]] = {}
    for line in lines:
        if line.is_yearly:
            yearly.setdefault(line.month.year, {})[line.category_id] = line
        else:
            monthly.setdefault(line.month, {})[line.category_id] = line
    categories = category_map(workspace)
    activity = monthly_activity(workspace, start, last, categories)

    def name_of(category_id: int | None) -> str:
        if category_id is None:
            return "Uncategorised"
        info = categories.get(category_id)
        return info.name if info else "Deleted category"

    results: list[MonthFigures] = []
    carry: dict[int, Decimal] = {}
    year_spent: dict[int, Decimal] = {}
    pool = ZERO
    month = start
    while month <= last:
        act = activity.get(month, MonthActivity())
        this_month = monthly.get(month, {})
        this_year = yearly.get(month.year, {})
        if month.month == 1:
            year_spent = {}
        line_spent = {line.id: ZERO for line in this_month.values()}
        month_yearly: dict[int, Decimal] = {}
        unbudgeted: dict[int | None, Decimal] = {}
        for category_id, amount in act.spent.items():
            target = _covering(category_id, categories, this_month, this_year)
            if target is None:
                unbudgeted[category_id] = unbudgeted.get(category_id, ZERO) + amount
            elif target.is_yearly:
                year_spent[target.id] = year_spent.get(target.id, ZERO) + amount
                month_yearly[target.id] = month_yearly.get(target.id, ZERO) + amount
            else:
                line_spent[target.id] += amount
        figures = MonthFigures(month=month, style=style, income=act.income, missing_rates=sorted(act.missing_rates),
                               yearly_month_spent=month_yearly)
        figures.lines = sorted(
            (LineFigures(line, name_of(line.category_id), line.amount, carry.get(line.category_id, ZERO),
                         line_spent[line.id]) for line in this_month.values()),
            key=lambda row: row.name.lower(),
        )
        figures.yearly = sorted(
            (LineFigures(line, name_of(line.category_id), line.amount, ZERO, year_spent.get(line.id, ZERO))
             for line in this_year.values()),
            key=lambda row: row.name.lower(),
        )
        figures.unbudgeted = sorted(
            (UnbudgetedRow(category_id, name_of(category_id), amount)
             for category_id, amount in unbudgeted.items() if amount != 0),
            key=lambda row: row.name.lower(),
        )
        figures.assigned = figures.budgeted + (
            sum((line.amount for line in this_year.values()), ZERO) if month.month == 1 else ZERO
        )
        if style == "zero_based" and month >= pool_start:
            figures.left_over = pool
        results.append(figures)

        following = monthly.get(add_months(month, 1), {})
        next_carry: dict[int, Decimal] = {}
        released = ZERO
        for row in figures.lines:
            if row.line.rollover and row.line.category_id in following:
                next_carry[row.line.category_id] = row.remaining
            else:
                released += row.remaining
        if month.month == 12:
            released += sum((row.remaining for row in figures.yearly), ZERO)
        carry = next_carry
        if add_months(month, 1) > pool_start:
            pool = figures.to_assign + released - figures.unbudgeted_total
        month = add_months(month, 1)
    return [figures for figures in results if figures.month >= first]


def month_figures(workspace: Workspace, month: date) -> MonthFigures:
    """Budgeted, carried, spent and remaining per line for one month, with the month's totals."""
    return figures_for_months(workspace, month, month)[0]


@dataclass
class ReportRow:
    name: str
    budgeted: Decimal = ZERO
    spent: Decimal = ZERO
    category_id: int | None = None

    @property
    def difference(self) -> Decimal:
        return self.budgeted - self.spent


@dataclass
class RangeReport:
    first: date
    last: date
    months: list[MonthFigures]
    rows: list[ReportRow]
    currency: str

    @property
    def budgeted(self) -> Decimal:
        return sum((row.budgeted for row in self.rows), ZERO)

    @property
    def spent(self) -> Decimal:
        return sum((row.spent for row in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.budgeted - self.spent

    @property
    def missing_rates(self) -> list[str]:
        return sorted({code for month in self.months for code in month.missing_rates})


def budget_report(workspace: Workspace, first: date, last: date) -> RangeReport:
    """Budget against actual over a range of months: one row per category, both summed over the months.

    A row is the category of a budget line, or of spending no line covered; a category budgeted in
    some months and not in others keeps one row, its spending of every month included. A yearly
    amount counts a twelfth per month of the range; its spending counts month by month. Spent is
    `financeapp.reports.spending`'s spending (net of refunds; income and transfers never count), so
    the rows add up to the spending of the other reports over the same months.
    """
    first, last = month_start(first), month_start(last)
    if last < first:
        message = "The end month is before the start month."
        raise Invalid(message, fields={"end": message})
    if months_between(first, last) >= MAX_REPORT_MONTHS:
        message = f"Choose at most {MAX_REPORT_MONTHS} months."
        raise Invalid(message, fields={"end": message})
    months = figures_for_months(workspace, first, last)
    base = workspace.base_currency
    rows: dict[int | None, ReportRow] = {}

    def row_of(category_id: int | None, name: str) -> ReportRow:
        return rows.setdefault(category_id, ReportRow(name, category_id=category_id))

    for figures in months:
        for row in figures.lines:
            report_row = row_of(row.line.category_id, row.name)
            report_row.budgeted += row.budgeted
            report_row.spent += row.spent
        for row in figures.yearly:
            report_row = row_of(row.line.category_id, row.name)
            report_row.budgeted += quantize(row.budgeted / 12, base)
            report_row.spent += figures.yearly_month_spent.get(row.line.id, ZERO)
        for unbudgeted in figures.unbudgeted:
            row_of(unbudgeted.category_id, unbudgeted.name).spent += unbudgeted.spent
    ordered = sorted(rows.values(), key=lambda r: (r.category_id is None, r.name.lower()))
    return RangeReport(first, last, months, ordered, base)


# Writing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    category_id: int | str | None
    month: date
    amount: Decimal
    period: str = "month"
    rollover: bool = False


def _amount(workspace: Workspace, amount: Decimal | None) -> Decimal:
    """A budget is zero or more, in the base currency."""
    return checked_amount(amount, workspace.base_currency, sign="nonnegative")


def _expense_category(workspace: Workspace, category_id: int | str | None) -> Category:
    if category_id in (None, ""):
        raise Invalid("Choose a category.", fields={"category_id": "Choose a category."})
    category = get_scoped_or_404(Category, category_id, workspace)
    if category.kind != "expense":
        message = "Budgets are for spending; choose an expense category."
        raise Invalid(message, fields={"category_id": message})
    return category


def _check_period_clash(workspace: Workspace, category: Category, month: date, period: str) -> None:
    """A category has either a yearly line or monthly lines in a year, never both."""
    year_start, year_end = date(month.year, 1, 1), date(month.year, 12, 1)
    query = scoped(BudgetLine, workspace).where(
        BudgetLine.category_id == category.id, BudgetLine.month.between(year_start, year_end),
        BudgetLine.period != period,
    )
    if db.session.scalar(query.limit(1)) is not None:
        message = (f"{category.full_name} has monthly budgets in {month.year}; delete them to budget it by year."
                   if period == "year" else
                   f"{category.full_name} has a yearly budget for {month.year}; change that instead.")
        raise Invalid(message, fields={"category_id": message})


def set_line(workspace: Workspace, data: LineInput) -> BudgetLine:
    """Budget an amount for a category in a month (or a year), replacing that line's amount if it exists."""
    if data.period not in ("month", "year"):
        raise Invalid("Choose per month or per year.", fields={"period": "Choose per month or per year."})
    category = _expense_category(workspace, data.category_id)
    amount = _amount(workspace, data.amount)
    checked_day(data.month, field="month")
    month = date(data.month.year, 1, 1) if data.period == "year" else month_start(data.month)
    _check_period_clash(workspace, category, month, data.period)
    line = db.session.scalar(scoped(BudgetLine, workspace).where(
        BudgetLine.category_id == category.id, BudgetLine.month == month))
    if line is None:
        line = BudgetLine(workspace_id=workspace.id, category_id=category.id, month=month, period=data.period)
        db.session.add(line)
    line.amount = amount
    line.rollover = bool(data.rollover) and data.period == "month"
    db.session.flush()
    return line


def update_line(workspace: Workspace, line: BudgetLine, amount: Decimal | None,
                rollover: bool | None = None) -> BudgetLine:
    """Change a line's amount (and, when given, its rollover)."""
    line.amount = _amount(workspace, amount)
    if rollover is not None and not line.is_yearly:
        line.rollover = rollover
    db.session.flush()
    return line


def delete_line(workspace: Workspace, line: BudgetLine) -> None:
    """Remove a line from the budget."""
    if line.workspace_id != workspace.id:
        raise NotFound("No such budget line.")
    db.session.delete(line)
    db.session.flush()


def copy_previous_month(workspace: Workspace, month: date) -> int:
    """Give `month` last month's amounts and rollover settings; returns how many lines were set.

    Lines this month for the same categories take last month's amounts; other lines stay.
    """
    month = month_start(month)
    previous = add_months(month, -1)
    source = list(db.session.scalars(scoped(BudgetLine, workspace).where(
        BudgetLine.month == previous, BudgetLine.period == "month")))
    if not source:
        raise Invalid(f"{previous:%B %Y} has no monthly budget to copy.")
    existing = {line.category_id: line for line in db.session.scalars(
        scoped(BudgetLine, workspace).where(BudgetLine.month == month))}
    yearly = set(db.session.scalars(sa.select(BudgetLine.category_id).where(
        BudgetLine.workspace_id == workspace.id, BudgetLine.period == "year",
        BudgetLine.month == date(month.year, 1, 1))))
    copied = 0
    for line in source:
        if line.category_id in yearly:
            continue  # budgeted by the year in the new year
        target = existing.get(line.category_id)
        if target is None:
            target = BudgetLine(workspace_id=workspace.id, category_id=line.category_id, month=month, period="month")
            db.session.add(target)
        target.amount = line.amount
        target.rollover = line.rollover
        copied += 1
    db.session.flush()
    return copied


def move_money(workspace: Workspace, source: BudgetLine, target: BudgetLine, amount: Decimal | None) -> None:
    """Cover one line from another in the same month: the source's budget goes down, the target's up."""
    value = _amount(workspace, amount)
    if value == 0:
        raise Invalid("Enter an amount to move.", fields={"amount": "Enter more than zero."})
    if source.id == target.id:
        message = "Choose two different lines."
        raise Invalid(message, fields={"target_id": message})
    if source.is_yearly or target.is_yearly or source.month != target.month:
        message = "Money moves between monthly lines of the same month."
        raise Invalid(message, fields={"target_id": message})
    figures = month_figures(workspace, source.month).line(source.id)
    available = figures.remaining if figures is not None else source.amount
    if value > available:
        message = (f"{figures.name if figures else 'That line'} has only "
                   f"{format_money(available, workspace.base_currency)} left to move.")
        raise Invalid(message, fields={"amount": message})
    source.amount -= value
    target.amount += value
    db.session.flush()


def lines_of_month(workspace: Workspace, month: date) -> list[BudgetLine]:
    """The month's monthly lines, for select boxes."""
    return list(db.session.scalars(scoped(BudgetLine, workspace).where(
        BudgetLine.month == month_start(month), BudgetLine.period == "month")))


def expense_category_choices(workspace: Workspace) -> list[tuple[str, str]]:
    """(id, "Group: Category") for expense categories and groups, for the add-line form."""
    categories = category_map(workspace)
    rows = [info for info in categories.values() if info.kind == "expense"]
    return [(str(info.id), info.name) for info in sorted(rows, key=lambda info: info.name.lower())]

