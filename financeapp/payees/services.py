"""Payee rules: created on the fly, renamed, merged, given a default category."""

from __future__ import annotations

import sqlalchemy as sa

from financeapp.categories.models import Category
from financeapp.core.db import rows_matched
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.pagination import Page, paginate
from financeapp.core.scoping import get_scoped_or_404, scoped
from financeapp.core.unique import find_or_create
from financeapp.extensions import db
from financeapp.payees.models import Payee
from financeapp.reports import totals
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if len(name) > 120:
        raise Invalid("Payee names have at most 120 characters.", fields={"payee": "At most 120 characters."})
    return name


def find_payee(workspace: Workspace, name: str) -> Payee | None:
    return db.session.scalar(scoped(Payee, workspace).where(Payee.name == clean_name(name)))


def find_or_create_payee(workspace: Workspace, name: str) -> Payee | None:
    """The payee with this name, created when new; None for a blank name."""
    name = clean_name(name or "")
    if not name:
        return None
    return find_or_create(scoped(Payee, workspace).where(Payee.name == name),
                          lambda: Payee(workspace_id=workspace.id, name=name), what="payee")


def payee_names(workspace: Workspace, limit: int = 5000) -> list[str]:
    return list(db.session.scalars(
        sa.select(Payee.name).where(Payee.workspace_id == workspace.id).order_by(Payee.name).limit(limit)
    ))


def payee_default_categories(workspace: Workspace, limit: int = 5000) -> dict[str, int]:
    """Payee name -> default category id, for forms to show the category before saving."""
    rows = db.session.execute(
        sa.select(Payee.name, Payee.default_category_id)
        .where(Payee.workspace_id == workspace.id, Payee.default_category_id.is_not(None))
        .order_by(Payee.name).limit(limit)
    )
    return {name: category_id for name, category_id in rows}


def list_payees(workspace: Workspace, *, search: str = "", page: int = 1, per_page: int = 50) -> Page:
    """A page of (payee, transaction count) rows by name, and the total, by SQL."""
    counts = (
        sa.select(Transaction.payee_id, sa.func.count().label("n"))
        .where(Transaction.workspace_id == workspace.id, Transaction.payee_id.is_not(None))
        .group_by(Transaction.payee_id)
        .subquery()
    )
    query = scoped(Payee, workspace)
    if search:
        query = query.where(Payee.name.contains(search, autoescape=True))
    listed = (query.add_columns(sa.func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.payee_id == Payee.id)
              .order_by(Payee.name, Payee.id))
    return paginate(listed, page, per_page, count=query, rows=True)


def update_payee(workspace: Workspace, payee: Payee, name: str, default_category_id: int | None) -> Payee:
    """Rename a payee and set the category new transactions for it get by default."""
    name = clean_name(name)
    if not name:
        raise Invalid("Give the payee a name.", fields={"name": "Give the payee a name."})
    clash = find_payee(workspace, name)
    if clash is not None and clash.id != payee.id:
        message = f"“{name}” already exists; merge the two instead."
        raise Conflict(message, fields={"name": message})
    payee.name = name
    payee.default_category_id = (
        get_scoped_or_404(Category, default_category_id, workspace).id if default_category_id else None
    )
    db.session.flush()
    return payee


def merge_payees(workspace: Workspace, source: Payee, target: Payee) -> int:
    """Point every transaction of `source` at `target` and delete `source`."""
    if source.id == target.id:
        raise Invalid("Choose a different payee to merge into.")
    totals.lock_accounts(db.session, db.session.scalars(  # writers of transactions lock accounts first
        sa.select(Transaction.account_id).where(Transaction.workspace_id == workspace.id,
                                                Transaction.payee_id == source.id).distinct()))
    result = db.session.execute(
        sa.update(Transaction)
        .where(Transaction.workspace_id == workspace.id, Transaction.payee_id == source.id)
        .values(payee_id=target.id)
        .execution_options(synchronize_session=False)
    )
    if target.default_category_id is None:
        target.default_category_id = source.default_category_id
    db.session.delete(source)
    db.session.flush()
    db.session.expire_all()
    return rows_matched(result)


def delete_payee(workspace: Workspace, payee: Payee) -> None:
    """Delete a payee; its transactions keep their amounts and lose the payee."""
    db.session.delete(payee)
    db.session.flush()
