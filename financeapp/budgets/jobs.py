"""The scheduled budget check: one notification per line and month at 80 % and at 100 %."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from financeapp.budgets.models import BudgetLine
from financeapp.budgets.queries import month_start
from financeapp.budgets.services import LineFigures, month_figures
from financeapp.core.money import format_money
from financeapp.extensions import db
from financeapp.notifications.services import notify
from financeapp.workspaces.models import Workspace


def check_budget_alerts(day: date) -> int:
    """Raise the alerts due in `day`'s month across all workspaces; returns how many notifications were new.

    Safe to run twice or concurrently: notify() dedupes on f"budget:{line}:{period}:{level}" in the
    database. A line that jumps past 100 % at once gets the 100 % alert only.
    """
    month = month_start(day)
    workspace_ids = db.session.scalars(
        sa.select(BudgetLine.workspace_id).where(sa.or_(
            sa.and_(BudgetLine.period == "month", BudgetLine.month == month),
            sa.and_(BudgetLine.period == "year", BudgetLine.month == date(month.year, 1, 1)),
        )).distinct().order_by(BudgetLine.workspace_id)
    ).all()
    created = 0
    for workspace_id in workspace_ids:
        workspace = db.session.get(Workspace, workspace_id)
        if workspace is None:
            continue
        figures = month_figures(workspace, month)
        for row in figures.lines:
            created += _alert(workspace, row, f"{month:%Y-%m}", f"{month:%B %Y}", month)
        for row in figures.yearly:
            created += _alert(workspace, row, f"{month.year}", f"{month.year}", month)
    return created


def _alert(workspace: Workspace, row: LineFigures, period_key: str, period_name: str, month: date) -> int:
    level = row.alert_level
    if level is None:
        return 0
    currency = workspace.base_currency
    spent, available = format_money(row.spent, currency), format_money(row.available, currency)
    if level >= 100:
        title = f"{row.name} has used up its {period_name} budget"
        over = -row.remaining
        body = f"{spent} spent of {available}" + (f", {format_money(over, currency)} over." if over > 0 else ".")
    else:
        title = f"{row.name} is at {row.percent} % of its {period_name} budget"
        body = f"{spent} spent of {available}; {format_money(row.remaining, currency)} left."
    rows = notify(workspace, "budget_alert", title, f"budget:{row.line.id}:{period_key}:{level}", body=body,
                  url=f"/budgets/?month={month:%Y-%m}")
    return len(rows)
