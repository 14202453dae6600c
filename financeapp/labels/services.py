"""Label rules: parse a comma-separated list, create on the fly, rename, delete."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from financeapp.core.errors import Conflict, Invalid
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import scoped
from financeapp.core.unique import find_or_create
from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.transactions.models import transaction_labels
from financeapp.workspaces.models import Workspace


def parse_label_names(text: str) -> list[str]:
    """“travel, Work ,travel” -> ["travel", "Work"] (order kept, duplicates dropped)."""
    names: list[str] = []
    for part in (text or "").split(","):
        name = " ".join(part.split())
        if not name:
            continue
        if len(name) > 40:
            raise Invalid("Labels have at most 40 characters.", fields={"labels": "At most 40 characters."})
        if name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names


def _new_label(workspace: Workspace, name: str) -> Callable[[], Label]:
    return lambda: Label(workspace_id=workspace.id, name=name)


def labels_named(workspace: Workspace, names: list[str]) -> list[Label]:
    """The labels with these names, creating the missing ones."""
    if not names:
        return []
    existing = {
        label.name.lower(): label
        for label in db.session.scalars(
            scoped(Label, workspace).where(sa.func.lower(Label.name).in_([n.lower() for n in names]))
        )
    }
    labels = []
    for name in names:
        label = existing.get(name.lower())
        if label is None:
            label = find_or_create(
                scoped(Label, workspace).where(sa.func.lower(Label.name) == name.lower()),
                _new_label(workspace, name), what="label")
            existing[name.lower()] = label
        labels.append(label)
    return labels


def list_labels(workspace: Workspace, page: int = 1, per_page: int = 100) -> Page:
    """A page of (label, transaction count) rows by name."""
    counts = (
        sa.select(transaction_labels.c.label_id, sa.func.count().label("n"))
        .where(transaction_labels.c.label_id.in_(sa.select(Label.id).where(Label.workspace_id == workspace.id)))
        .group_by(transaction_labels.c.label_id)
        .subquery()
    )
    listed = (scoped(Label, workspace).add_columns(sa.func.coalesce(counts.c.n, 0))
              .outerjoin(counts, counts.c.label_id == Label.id).order_by(Label.name, Label.id))
    return paginate(listed, page, per_page, count=scoped(Label, workspace), rows=True)


def rename_label(workspace: Workspace, label: Label, name: str) -> Label:
    names = parse_label_names(name)
    if len(names) != 1:
        raise Invalid("Enter one label name (no commas).", fields={"name": "One name, no commas."})
    clash = db.session.scalar(scoped(Label, workspace).where(Label.name == names[0]))
    if clash is not None and clash.id != label.id:
        raise Conflict(f"There is already a label “{names[0]}”.", fields={"name": "That name is taken."})
    label.name = names[0]
    db.session.flush()
    return label


def delete_label(workspace: Workspace, label: Label) -> None:
    """Delete a label; it is removed from its transactions, which stay."""
    db.session.delete(label)
    db.session.flush()
