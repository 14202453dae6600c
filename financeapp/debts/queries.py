"""Read-only SQL for debts: payment totals per debt and linked account balances, one GROUP BY each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.accounts.queries import transaction_sums
from financeapp.debts.models import Debt, DebtPayment
from financeapp.extensions import db
from financeapp.workspaces.models import Workspace

ZERO = Decimal(0)


@dataclass(frozen=True)
class PaymentTotals:
    count: int = 0
    paid: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO
    last: date | None = None


def payment_totals(workspace: Workspace, debt_id: int | None = None) -> dict[int, PaymentTotals]:
    """Count and sums of the recorded payments per debt (one debt when `debt_id` is given)."""
    query = (
        sa.select(DebtPayment.debt_id, sa.func.count(), sa.func.sum(DebtPayment.amount),
                  sa.func.sum(DebtPayment.interest), sa.func.sum(DebtPayment.principal), sa.func.max(DebtPayment.on))
        .where(DebtPayment.workspace_id == workspace.id)
        .group_by(DebtPayment.debt_id)
    )
    if debt_id is not None:
        query = query.where(DebtPayment.debt_id == debt_id)
    return {
        row[0]: PaymentTotals(row[1], row[2] or ZERO, row[3] or ZERO, row[4] or ZERO, row[5])
        for row in db.session.execute(query)
    }


def linked_balances(workspace: Workspace) -> dict[int, Decimal]:
    """Each linked account's balance (opening balance plus its transactions), by account id."""
    rows = db.session.execute(
        sa.select(Debt.account_id).where(Debt.workspace_id == workspace.id, Debt.account_id.is_not(None))
    ).scalars().all()
    if not rows:
        return {}

    sums = transaction_sums(workspace)
    openings = db.session.execute(
        sa.select(Account.id, Account.opening_balance).where(Account.workspace_id == workspace.id,
                                                              Account.id.in_(set(rows)))
    )
    return {account_id: opening + sums.get(account_id, ZERO) for account_id, opening in openings}
