"""The scheduled goal check: announce milestones (25, 50, 75, 100 %) reached across all workspaces."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from financeapp.extensions import db
from financeapp.goals.models import Goal
from financeapp.goals.services import announce_milestone
from financeapp.workspaces.models import Workspace


def check_goal_milestones(day: date) -> int:
    """Announce each goal's newly reached milestone as of `day`; returns how many notifications were new.

    Safe to run twice or concurrently: notify() dedupes on f"goal:{id}:{milestone}" in the database.
    """
    goals = db.session.scalars(
        sa.select(Goal).where(Goal.archived.is_(False), Goal.milestone < 100).order_by(Goal.workspace_id, Goal.id)
    ).all()
    workspaces: dict[int, Workspace | None] = {}
    created = 0
    for goal in goals:
        if goal.workspace_id not in workspaces:
            workspaces[goal.workspace_id] = db.session.get(Workspace, goal.workspace_id)
        workspace = workspaces[goal.workspace_id]
        if workspace is not None:
            created += announce_milestone(workspace, goal, day)
    return created
