"""Build the demo user and workspace, and give the workspace a year of history."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from financeapp.auth.services import Registration, find_user, register_user
from financeapp.core.db import utcnow
from financeapp.demo.generator import generate_history
from financeapp.demo.investments import seed_demo_investments
from financeapp.demo.planning import seed_demo_budgets, seed_demo_debts, seed_demo_goals, seed_demo_recurring
from financeapp.extensions import db
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace
from financeapp.workspaces.services import memberships_of

DEMO_HISTORY_SIZE = 1_300  # about a year of a household's transactions
DEMO_SEED = 2026  # fixed, so every demo install shows the same history


def seed_demo(email: str, password: str) -> bool:
    """Create the demo user with a personal workspace; False when it already exists."""
    if find_user(email) is not None:
        return False
    user = register_user(Registration(email=email, display_name="Demo", password=password))
    user.email_verified_at = utcnow()  # the demo has no inbox to confirm from
    return True


def demo_workspace(email: str) -> Workspace | None:
    user = find_user(email)
    if user is None:
        return None
    return next((m.workspace for m in memberships_of(user) if m.workspace.is_personal), None)


def seed_demo_planning(email: str) -> dict[str, int]:
    """Budgets, goals, debts, recurring items and trades for the demo workspace (each skips what exists)."""
    workspace = demo_workspace(email)
    if workspace is None:
        return {}
    return {
        "budget lines": seed_demo_budgets(workspace),
        "goals": seed_demo_goals(workspace),
        "debts": len(seed_demo_debts(workspace)),
        "recurring items": seed_demo_recurring(workspace),
        "investment trades": seed_demo_investments(workspace),
    }


def seed_demo_history(email: str) -> dict[str, Any] | None:
    """Generate the demo workspace's history unless it has transactions; None when it had."""
    workspace = demo_workspace(email)
    if workspace is None:
        return None
    has_any = db.session.scalar(
        sa.select(Transaction.id).where(Transaction.workspace_id == workspace.id).limit(1)
    )
    if has_any is not None:
        return None
    return generate_history(workspace.id, DEMO_HISTORY_SIZE, seed=DEMO_SEED)
