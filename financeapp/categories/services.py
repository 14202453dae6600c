"""Category rules: the default set, create, rename, merge, delete with reassignment."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from financeapp.categories.models import KINDS, Category
from financeapp.core.db import rows_matched
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.core.unique import find_or_create
from financeapp.extensions import db
from financeapp.payees.models import Payee
from financeapp.reports import totals
from financeapp.transactions.models import Transaction, TransactionLine
from financeapp.workspaces.models import Workspace

DEFAULT_CATEGORIES: dict[tuple[str, str], list[str]] = {
    ("Income", "income"): ["Salary", "Bonus", "Interest", "Refunds", "Other income"],
    ("Home", "expense"): ["Rent or mortgage", "Utilities", "Internet and phone", "Insurance", "Repairs"],
    ("Everyday", "expense"): ["Groceries", "Eating out", "Coffee", "Household supplies", "Clothing"],
    ("Transport", "expense"): ["Fuel", "Public transport", "Car maintenance", "Parking", "Taxi"],
    ("Health", "expense"): ["Doctor", "Pharmacy", "Fitness"],
    ("Leisure", "expense"): ["Entertainment", "Subscriptions", "Travel", "Hobbies", "Gifts"],
    ("Financial", "expense"): ["Bank fees", "Interest paid", "Taxes"],
    ("Family", "expense"): ["Childcare", "Education", "Pets"],
}


@dataclass(frozen=True)
class CategoryInput:
    name: str
    kind: str = "expense"
    parent_id: int | None = None


def create_default_categories(workspace: Workspace) -> None:
    """Give a new workspace a sensible starting set."""
    for (group_name, kind), names in DEFAULT_CATEGORIES.items():
        group = Category(workspace_id=workspace.id, name=group_name, kind=kind)
        group.children = [Category(workspace_id=workspace.id, name=n, kind=kind) for n in names]
        db.session.add(group)
    db.session.flush()


def category_tree(workspace: Workspace) -> list[Category]:
    """Groups (with their children loaded), income first, then by name."""
    rows = list(db.session.scalars(scoped(Category, workspace).order_by(Category.name)))
    children: dict[int, list[Category]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    groups = [row for row in rows if row.parent_id is None]
    for group in groups:
        sa.orm.attributes.set_committed_value(group, "children", children.get(group.id, []))
    return sorted(groups, key=lambda g: (g.kind != "income", g.name.lower()))


def category_choices(workspace: Workspace, *, blank: str | None = "Uncategorised") -> list[tuple[str, str]]:
    """(id, "Group: Category") pairs for select boxes; groups themselves are choosable too."""
    rows = db.session.execute(
        sa.select(Category.id, Category.parent_id, Category.name, Category.kind)
        .where(Category.workspace_id == workspace.id).order_by(Category.name)
    ).all()
    children: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append((row.id, row.name))
    groups = sorted((r for r in rows if r.parent_id is None), key=lambda r: (r.kind != "income", r.name.lower()))
    choices = [("", blank)] if blank is not None else []
    for group in groups:
        choices.append((str(group.id), group.name))
        choices.extend((str(cid), f"{group.name}: {name}") for cid, name in children.get(group.id, []))
    return choices


def usage_counts(workspace: Workspace) -> dict[int, int]:
    """How many transaction lines use each category (one GROUP BY)."""
    rows = db.session.execute(
        sa.select(TransactionLine.category_id, sa.func.count())
        .where(TransactionLine.workspace_id == workspace.id, TransactionLine.category_id.is_not(None))
        .group_by(TransactionLine.category_id)
    )
    return {category_id: count for category_id, count in rows}


def _clean(workspace: Workspace, data: CategoryInput, current: Category | None = None) -> CategoryInput:
    name = data.name.strip()
    if not name:
        raise Invalid("Give the category a name.", fields={"name": "Give the category a name."})
    if len(name) > 60:
        raise Invalid("Use at most 60 characters.", fields={"name": "Use at most 60 characters."})
    if data.kind not in KINDS:
        raise Invalid("Choose income or expense.", fields={"kind": "Choose income or expense."})
    parent_id = data.parent_id
    if parent_id is not None:
        parent = get_scoped_or_404(Category, parent_id, workspace)
        if parent.parent_id is not None:
            raise Invalid("Categories have two levels: choose a group as the parent.",
                          fields={"parent_id": "Choose a group."})
        if current is not None and (parent.id == current.id or current.children):
            raise Invalid("A group with categories cannot move under another group.",
                          fields={"parent_id": "Not possible for a group with categories."})
    clash = db.session.scalar(_named(workspace, name, parent_id))
    if clash is not None and clash is not current:
        message = f"There is already a category called “{name}” there."
        raise Conflict(message, fields={"name": message})
    return CategoryInput(name=name, kind=data.kind, parent_id=parent_id)


def create_category(workspace: Workspace, data: CategoryInput) -> Category:
    """Add a group (no parent) or a category under a group."""
    clean = _clean(workspace, data)
    category = Category(workspace_id=workspace.id, name=clean.name, kind=clean.kind,
                        parent_id=clean.parent_id)
    try:
        with db.session.begin_nested():  # someone may add the same name between the check and here
            db.session.add(category)
            db.session.flush()
    except IntegrityError:
        message = f"There is already a category called “{clean.name}” there."
        raise Conflict(message, fields={"name": message}) from None
    return category


def _named(workspace: Workspace, name: str, parent_id: int | None) -> sa.Select:
    return scoped(Category, workspace).where(
        Category.name == name, Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id)


def find_or_create_category(workspace: Workspace, name: str, group: str | None = None,
                            kind: str = "expense") -> Category:
    """The category `name` (under the group `group`, when given), creating the group and it when missing.

    For imports and rules that name categories in text ("Group/Name"); safe when two writers create
    the same name at once (core/unique.py). A new category takes its group's kind.
    """
    parent = None
    if group:
        group = _checked_name(group)
        parent = find_or_create(_named(workspace, group, None),
                                lambda: Category(workspace_id=workspace.id, name=group, kind=kind), what="category")
    name = _checked_name(name)
    parent_id = parent.id if parent is not None else None
    return find_or_create(_named(workspace, name, parent_id),
                          lambda: Category(workspace_id=workspace.id, name=name, parent_id=parent_id,
                                           kind=parent.kind if parent is not None else kind), what="category")


def _checked_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid("Give the category a name.", fields={"name": "Give the category a name."})
    if len(name) > 60:
        raise Invalid("Use at most 60 characters.", fields={"name": "Use at most 60 characters."})
    return name


def update_category(workspace: Workspace, category: Category, data: CategoryInput) -> Category:
    """Rename a category, change its kind or move it to another group."""
    clean = _clean(workspace, data, current=category)
    category.name, category.kind, category.parent_id = clean.name, clean.kind, clean.parent_id
    db.session.flush()
    return category


def merge_categories(workspace: Workspace, source: Category, target: Category) -> int:
    """Move everything of `source` to `target`, then delete `source`. Returns lines moved."""
    if source.id == target.id:
        raise Invalid("Choose a different category to merge into.")
    if target.parent_id == source.id:
        raise Invalid("A group cannot be merged into one of its own categories.")
    moved = _reassign(workspace, [source.id], target.id)
    for child in list(source.children):
        child.parent_id = target.parent_id or target.id
    db.session.flush()
    db.session.delete(source)
    db.session.flush()
    return moved


def delete_category(workspace: Workspace, category: Category, reassign_to: Category | None) -> int:
    """Delete a category (and a group's categories), moving their lines to `reassign_to` or none."""
    ids = [category.id, *(child.id for child in category.children)]
    if reassign_to is not None and reassign_to.id in ids:
        raise Invalid("Choose a category outside the one being deleted.")
    moved = _reassign(workspace, ids, reassign_to.id if reassign_to else None)
    for child in list(category.children):
        db.session.delete(child)
    db.session.delete(category)
    db.session.flush()
    return moved


def _reassign(workspace: Workspace, source_ids: list[int], target_id: int | None) -> int:
    totals.mark_where(db.session, Transaction.workspace_id == workspace.id, Transaction.id.in_(
        sa.select(TransactionLine.transaction_id).where(TransactionLine.workspace_id == workspace.id,
                                                        TransactionLine.category_id.in_(source_ids))))
    result = db.session.execute(
        sa.update(TransactionLine)
        .where(TransactionLine.workspace_id == workspace.id, TransactionLine.category_id.in_(source_ids))
        .values(category_id=target_id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Payee)
        .where(Payee.workspace_id == workspace.id, Payee.default_category_id.in_(source_ids))
        .values(default_category_id=target_id)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return rows_matched(result)
