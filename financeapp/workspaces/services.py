"""Workspace rules: creating, renaming, membership look-ups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from financeapp.core.errors import Invalid, NotFound
from financeapp.core.money import is_currency
from financeapp.core.scoping import as_id
from financeapp.extensions import db
from financeapp.workspaces.models import Membership, Workspace
from financeapp.workspaces.signals import workspace_created

if TYPE_CHECKING:
    from financeapp.auth.models import User


@dataclass(frozen=True)
class WorkspaceSettings:
    name: str
    base_currency: str


def membership_for(user: User, workspace_id: object) -> Membership | None:
    key = as_id(workspace_id)
    if key is None:
        return None
    return db.session.scalar(
        sa.select(Membership)
        .options(joinedload(Membership.workspace))
        .where(Membership.user_id == user.id, Membership.workspace_id == key)
    )


def memberships_of(user: User) -> list[Membership]:
    """The user's memberships, personal workspace first, then by name."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .join(Membership.workspace)
            .options(joinedload(Membership.workspace))
            .where(Membership.user_id == user.id)
            .order_by(Workspace.is_personal.desc(), Workspace.name, Workspace.id)
        )
    )


def require_membership(user: User, workspace_id: object) -> Membership:
    membership = membership_for(user, workspace_id)
    if membership is None:
        raise NotFound("No such workspace.")
    return membership


def _validated(settings: WorkspaceSettings) -> WorkspaceSettings:
    name = settings.name.strip()
    currency = settings.base_currency.strip().upper()
    errors = {}
    if not name:
        errors["name"] = "Give the workspace a name."
    elif len(name) > 80:
        errors["name"] = "Use at most 80 characters."
    if not is_currency(currency):
        errors["base_currency"] = "Choose an ISO 4217 currency code such as USD or EUR."
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return WorkspaceSettings(name=name, base_currency=currency)


def create_workspace(owner: User, settings: WorkspaceSettings, *, personal: bool = False) -> Workspace:
    """Create a workspace with `owner` as its owner."""
    clean = _validated(settings)
    workspace = Workspace(name=clean.name, base_currency=clean.base_currency, is_personal=personal)
    workspace.memberships.append(Membership(user=owner, role="owner"))
    db.session.add(workspace)
    db.session.flush()

    workspace_created.send(workspace)
    return workspace


def update_workspace(workspace: Workspace, settings: WorkspaceSettings) -> Workspace:
    """Rename the workspace and set its base currency."""
    clean = _validated(settings)
    workspace.name = clean.name
    workspace.base_currency = clean.base_currency
    db.session.flush()
    return workspace


def owners_of(workspace: Workspace) -> list[User]:
    return [m.user for m in workspace.memberships if m.role == "owner"]
