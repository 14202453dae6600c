"""Read-only SQL for the import pages: recent imports with who ran them, sums per account."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.auth.models import User
from financeapp.extensions import db
from financeapp.imports.models import ImportBatch
from financeapp.transactions.models import Transaction
from financeapp.workspaces.models import Workspace


@dataclass
class BatchPage:
    rows: list[tuple[ImportBatch, str]]  # the batch and who ran it
    number: int
    pages: int
    total: int


def recent_imports(workspace: Workspace, page: int = 1, per_page: int = 20) -> BatchPage:
    """The workspace's imports, newest first, with the name of who ran each."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)
                              .where(ImportBatch.workspace_id == workspace.id)) or 0
    pages = max(1, -(-total // per_page))
    number = min(max(page, 1), pages)
    rows = db.session.execute(
        sa.select(ImportBatch, sa.func.coalesce(User.display_name, ""))
        .outerjoin(User, User.id == ImportBatch.created_by_id)
        .where(ImportBatch.workspace_id == workspace.id)
        .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
        .limit(per_page).offset((number - 1) * per_page)
    ).all()
    return BatchPage([(batch, who) for batch, who in rows], number, pages, total)


@dataclass(frozen=True)
class AccountSum:
    account_id: int
    name: str
    currency: str
    count: int
    total: Decimal


def imported_sums(workspace: Workspace, batch: ImportBatch) -> list[AccountSum]:
    """How many transactions an import wrote to each account, and their sum (GROUP BY in SQL); for an
    investment import, its trades and their cash effect."""
    from financeapp.imports.state import WizardState

    if WizardState.load(batch).investment:
        from financeapp.investments.models import Trade

        rows = db.session.execute(
            sa.select(Account.id, Account.name, Account.currency, sa.func.count(Trade.id), sa.func.sum(Trade.amount))
            .join(Account, Account.id == Trade.account_id)
            .where(Trade.workspace_id == workspace.id, Trade.import_batch_id == batch.id)
            .group_by(Account.id, Account.name, Account.currency).order_by(Account.name)).all()
        return [AccountSum(aid, name, currency, count, total or Decimal(0))
                for aid, name, currency, count, total in rows]
    rows = db.session.execute(
        sa.select(Account.id, Account.name, Account.currency, sa.func.count(Transaction.id),
                  sa.func.sum(Transaction.amount))
        .join(Account, Account.id == Transaction.account_id)
        .where(Transaction.workspace_id == workspace.id, Transaction.import_id == batch.id)
        .group_by(Account.id, Account.name, Account.currency)
        .order_by(Account.name)
    ).all()
    return [AccountSum(aid, name, currency, count, total or Decimal(0))
            for aid, name, currency, count, total in rows]


def who_ran(batch: ImportBatch) -> str:
    """The display name of the user who ran an import ("" once that user is gone)."""
    if batch.created_by_id is None:
        return ""
    return db.session.scalar(sa.select(User.display_name).where(User.id == batch.created_by_id)) or ""
