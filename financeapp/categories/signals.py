"""Every new workspace starts with the default categories."""

from __future__ import annotations

from financeapp.categories.services import create_default_categories
from financeapp.workspaces.models import Workspace
from financeapp.workspaces.signals import workspace_created


@workspace_created.connect
def add_default_categories(workspace: Workspace, **_: object) -> None:
    create_default_categories(workspace)
