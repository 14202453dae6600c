"""Goal rules: create and edit goals, contributions, progress, projections and milestones.

- Progress is the linked account's balance on the day (accounts.queries.balance_on), or else
  the sum of the contributions entered by hand up to the day.
- The monthly saving needed spreads what is missing over the whole months left until the
  target date (at least one), rounded up to the cent.
- The recent rate is the progress made over the last three months, divided by three; the
  goal is reached at that rate after ceil(missing / rate) months. A rate of zero or less means
  "not at the current rate".
- Milestones (25, 50, 75, 100 %) are announced once each, when progress first reaches them;
  the ones a goal already had when it was created or re-targeted are not announced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, Decimal

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from financeapp.accounts.models import Account
from financeapp.accounts.queries import balance_on
from financeapp.core.errors import Invalid, NotFound
from financeapp.core.money import format_money, minor_units
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.core.validation import checked_amount, checked_day
from financeapp.extensions import db
from financeapp.goals.models import MILESTONES, Goal, GoalContribution
from financeapp.notifications.services import notify
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)
RATE_MONTHS = 3


@dataclass(frozen=True)
class GoalInput:
    name: str
    target_amount: Decimal | None
    target_date: date | None = None
    account_id: int | str | None = None  # None: progress comes from contributions
    notes: str = ""


def _apply(workspace: Workspace, goal: Goal, data: GoalInput) -> None:
    name = " ".join((data.name or "").split())
    if not name:
        raise Invalid("Give the goal a name.", fields={"name": "Give the goal a name."})
    if len(name) > 80:
        raise Invalid("Use at most 80 characters.", fields={"name": "Use at most 80 characters."})
    account = None
    if data.account_id not in (None, ""):
        account = get_scoped_or_404(Account, data.account_id, workspace)
    currency = account.currency if account is not None else workspace.base_currency
    goal.name = name
    goal.target_amount = checked_amount(data.target_amount, currency, field="target_amount")
    goal.target_date = checked_day(data.target_date, field="target_date", required=False)
    goal.account_id = account.id if account is not None else None
    goal.account = account
    goal.currency = currency
    goal.notes = (data.notes or "").strip()[:2000]


def create_goal(workspace: Workspace, data: GoalInput, today: date | None = None) -> Goal:
    """Start saving towards a target; milestones already reached are not announced."""
    goal = Goal(workspace_id=workspace.id)
    _apply(workspace, goal, data)
    db.session.add(goal)
    db.session.flush()
    goal.milestone = reached_milestone(progress_on(goal, today or date.today()), goal.target_amount)
    db.session.flush()
    return goal


def update_goal(workspace: Workspace, goal: Goal, data: GoalInput, today: date | None = None) -> Goal:
    """Change a goal; its milestones restart from the progress it has now."""
    _apply(workspace, goal, data)
    goal.milestone = reached_milestone(progress_on(goal, today or date.today()), goal.target_amount)
    db.session.flush()
    return goal


def delete_goal(workspace: Workspace, goal: Goal) -> None:
    """Delete a goal and its contributions (a linked account is untouched)."""
    db.session.execute(sa.delete(GoalContribution).where(
        GoalContribution.workspace_id == workspace.id, GoalContribution.goal_id == goal.id))
    db.session.delete(goal)
    db.session.flush()


def add_contribution(workspace: Workspace, goal: Goal, on: date | None, amount: Decimal | None,
                     memo: str = "") -> GoalContribution:
    """Record money put towards a goal (negative: taken out), then announce a milestone it reaches."""
    if goal.uses_account:
        message = "This goal follows its account's balance; record a transaction or transfer instead."
        raise Invalid(message, fields={"amount": message})
    day = checked_day(on, field="on")
    contribution = GoalContribution(
        workspace_id=workspace.id, goal_id=goal.id, on=day,
        amount=checked_amount(amount, goal.currency, sign="nonzero"), memo=(memo or "").strip()[:255],
    )
    db.session.add(contribution)
    db.session.flush()
    announce_milestone(workspace, goal, max(day, date.today()))
    return contribution


def delete_contribution(workspace: Workspace, contribution: GoalContribution) -> None:
    """Remove a contribution entered by mistake."""
    if contribution.workspace_id != workspace.id:
        raise NotFound("No such contribution.")
    db.session.delete(contribution)
    db.session.flush()


# Progress --------------------------------------------------------------------------------------


def progress_on(goal: Goal, day: date) -> Decimal:
    """What has been saved towards the goal by the end of `day`."""
    if goal.account_id is not None and goal.account is not None:
        # The account was loaded through the workspace's scope when it was linked.
        return balance_on(goal.account, day)
    total = db.session.scalar(sa.select(sa.func.sum(GoalContribution.amount)).where(
        GoalContribution.workspace_id == goal.workspace_id, GoalContribution.goal_id == goal.id,
        GoalContribution.on <= day))
    return total or ZERO


def reached_milestone(saved: Decimal, target: Decimal) -> int:
    """The highest milestone (percent) that `saved` reaches, 0 for none."""
    if target <= 0:
        return 0
    return max((m for m in MILESTONES if saved * 100 >= target * m), default=0)


def whole_months(start: date, end: date) -> int:
    """Months from `start`'s month to `end`'s."""
    return (end.year - start.year) * 12 + end.month - start.month


# Beyond a century at the recent rate the projection says nothing (and dates end in 9999).
MAX_PROJECTED_MONTHS = 1200


@dataclass
class GoalStatus:
    goal: Goal
    today: date
    saved: Decimal
    rate: Decimal  # average progress per month over the last three months

    @property
    def missing(self) -> Decimal:
        return max(ZERO, self.goal.target_amount - self.saved)

    @property
    def reached(self) -> bool:
        return self.saved >= self.goal.target_amount

    @property
    def percent(self) -> int:
        if self.goal.target_amount <= 0:
            return 0
        return max(0, int(self.saved * 100 / self.goal.target_amount))

    @property
    def bar(self) -> int:
        return min(100, self.percent)

    @property
    def overdue(self) -> bool:
        return self.goal.target_date is not None and self.goal.target_date < self.today and not self.reached

    @property
    def months_left(self) -> int | None:
        if self.goal.target_date is None or self.goal.target_date < self.today:
            return None
        return max(1, whole_months(self.today, self.goal.target_date))

    @property
    def monthly_needed(self) -> Decimal | None:
        """The saving per month that reaches the target on its date; None without a (future) date."""
        if self.reached or self.months_left is None:
            return None
        unit = Decimal(1).scaleb(-minor_units(self.goal.currency))
        return (self.missing / self.months_left).quantize(unit, rounding=ROUND_CEILING)

    @property
    def projected(self) -> date | None:
        """When the goal is reached at the recent rate; None when reached already or never at this rate."""
        if self.reached or self.rate <= 0:
            return None
        months = math.ceil(self.missing / self.rate)
        if months > MAX_PROJECTED_MONTHS:  # a crawl of a rate: past any calendar (relativedelta overflows)
            return None
        return self.today + relativedelta(months=months)

    @property
    def on_track(self) -> bool | None:
        if self.goal.target_date is None or self.reached:
            return None
        return self.projected is not None and self.projected <= self.goal.target_date


def goal_status(goal: Goal, today: date | None = None) -> GoalStatus:
    """Progress, the monthly saving needed and the projected date of one goal."""
    today = today or date.today()
    saved = progress_on(goal, today)
    before = progress_on(goal, today - relativedelta(months=RATE_MONTHS))
    rate = (saved - before) / RATE_MONTHS
    return GoalStatus(goal=goal, today=today, saved=saved, rate=rate)


def goal_page(workspace: Workspace, page: int = 1, per_page: int = 24, today: date | None = None) -> Page[GoalStatus]:
    """A page of the workspace's goals with their status, soonest target date first."""
    goals = paginate(scoped(Goal, workspace).where(Goal.archived.is_(False))
                     .order_by(Goal.target_date.is_(None), Goal.target_date, Goal.name, Goal.id), page, per_page)
    return replace(goals, rows=[goal_status(goal, today) for goal in goals.rows])


def contributions_of(workspace: Workspace, goal: Goal, page: int = 1, per_page: int = 50) -> Page[GoalContribution]:
    """A page of a goal's contributions, newest first."""
    return paginate(scoped(GoalContribution, workspace).where(GoalContribution.goal_id == goal.id)
                    .order_by(GoalContribution.on.desc(), GoalContribution.id.desc()), page, per_page)


# Milestones ------------------------------------------------------------------------------------


def announce_milestone(workspace: Workspace, goal: Goal, day: date) -> int:
    """Notify the members when the goal reaches a new milestone on `day`; returns notifications created.

    The dedupe key f"goal:{id}:{milestone}" makes each milestone notify once, even when two
    job runs race; `goal.milestone` keeps lower milestones quiet once a higher one was reached.
    """
    if goal.archived:
        return 0
    saved = progress_on(goal, day)
    reached = reached_milestone(saved, goal.target_amount)
    if reached <= goal.milestone:
        return 0
    saved_text = format_money(saved, goal.currency)
    target_text = format_money(goal.target_amount, goal.currency)
    title = (f"Goal reached: {goal.name}" if reached == 100 else f"{goal.name} is {reached} % of the way there")
    rows = notify(workspace, "goal_milestone", title, f"goal:{goal.id}:{reached}",
                  body=f"{saved_text} saved of {target_text}.", url=f"/goals/{goal.id}")
    goal.milestone = reached
    db.session.flush()
    return len(rows)
