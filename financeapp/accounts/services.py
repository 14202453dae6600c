"""Account rules: create, edit, archive, delete, balance updates and reconciliation."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from financeapp.accounts.models import ACCOUNT_TYPES, Account, Reconciliation
from financeapp.accounts.queries import balance_on, cleared_balance_on
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.money import format_money, is_currency
from financeapp.core.scoping import scoped
from financeapp.core.validation import checked_amount, checked_day, gather
from financeapp.extensions import db
from financeapp.receipts.services import delete_attachments_of
from financeapp.reports import totals
from financeapp.transactions.models import Transaction, TransactionLine, transaction_labels
from financeapp.workspaces.models import Workspace

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class AccountInput:
    name: str
    type: str
    currency: str
    opening_balance: Decimal
    opening_date: date
    group_name: str = ""
    colour: str = "#0d6efd"
    include_in_net_worth: bool = True
    number: str = ""
    notes: str = ""


def _validated(workspace: Workspace, data: AccountInput, current: Account | None = None) -> AccountInput:
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name:
        errors["name"] = "Give the account a name."
    elif len(name) > 80:
        errors["name"] = "Use at most 80 characters."
    else:
        clash = db.session.scalar(scoped(Account, workspace).where(Account.name == name))
        if clash is not None and clash is not current:
            errors["name"] = f"There is already an account called “{name}”."
    if data.type not in ACCOUNT_TYPES:
        errors["type"] = "Choose an account type."
    currency = data.currency.strip().upper()
    if not is_currency(currency):
        errors["currency"] = "Choose an ISO 4217 currency such as USD or EUR."
    elif current is not None and currency != current.currency and has_transactions(current):
        errors["currency"] = "The currency cannot change once the account has transactions."
    if not COLOUR.match(data.colour or ""):
        errors["colour"] = "Choose a colour like #0d6efd."
    if len(data.group_name.strip()) > 40:
        errors["group_name"] = "Use at most 40 characters."
    opening_balance = gather(errors, lambda: checked_amount(data.opening_balance, currency if "currency" not in errors
                                                              else None, field="opening_balance", sign="any"))
    gather(errors, lambda: checked_day(data.opening_date, field="opening_date"))
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    assert opening_balance is not None  # gather gives None only with an error, and there is none
    return AccountInput(
        name=name, type=data.type, currency=currency,
        opening_balance=opening_balance, opening_date=data.opening_date,
        group_name=data.group_name.strip(), colour=data.colour.lower(),
        include_in_net_worth=data.include_in_net_worth, number=data.number.strip()[:64],
        notes=data.notes.strip(),
    )


def create_account(workspace: Workspace, data: AccountInput) -> Account:
    """Open an account in the workspace."""
    clean = _validated(workspace, data)
    account = Account(workspace_id=workspace.id, **clean.__dict__)
    db.session.add(account)
    db.session.flush()
    return account


def update_account(workspace: Workspace, account: Account, data: AccountInput) -> Account:
    """Change an account's details (its currency only while it has no transactions)."""
    clean = _validated(workspace, data, current=account)
    for key, value in clean.__dict__.items():
        setattr(account, key, value)
    db.session.flush()
    return account


def set_archived(account: Account, archived: bool) -> None:
    account.archived = archived
    db.session.flush()


def has_transactions(account: Account) -> bool:
    return db.session.scalar(
        sa.select(sa.literal(True)).where(
            Transaction.workspace_id == account.workspace_id, Transaction.account_id == account.id
        ).limit(1)
    ) is not None


def delete_account(workspace: Workspace, account: Account, *, delete_transactions: bool) -> int:
    """Delete an account; one with transactions needs explicit confirmation.

    The other side of a transfer into another account stays (that account's
    balance must not change) and becomes a plain transaction.
    """
    count = db.session.scalar(
        sa.select(sa.func.count()).where(
            Transaction.workspace_id == workspace.id, Transaction.account_id == account.id
        )
    ) or 0
    if count and not delete_transactions:
        raise Conflict(
            f"{account.name} has {count} transactions. Confirm deleting them too, or archive the account."
        )
    keys = sa.select(Transaction.transfer_key).where(
        Transaction.workspace_id == workspace.id, Transaction.account_id == account.id,
        Transaction.transfer_key.is_not(None),
    )
    totals.mark_where(db.session, Transaction.workspace_id == workspace.id, Transaction.account_id != account.id,
                      Transaction.transfer_key.in_(keys))  # the account's own totals go with it (cascade)
    db.session.execute(
        sa.update(Transaction)
        .where(Transaction.workspace_id == workspace.id, Transaction.account_id != account.id,
               Transaction.transfer_key.in_(keys))
        .values(transfer_key=None, version=Transaction.version + 1)
        .execution_options(synchronize_session=False)
    )
    doomed = sa.select(Transaction.id).where(
        Transaction.workspace_id == workspace.id, Transaction.account_id == account.id
    )
    # Bulk deletes skip ORM cascades, so remove children explicitly (SQLite may lack FK enforcement).
    db.session.execute(sa.delete(transaction_labels).where(transaction_labels.c.transaction_id.in_(doomed)))
    db.session.execute(sa.delete(TransactionLine).where(TransactionLine.transaction_id.in_(doomed))
                       .execution_options(synchronize_session=False))
    delete_attachments_of(workspace, doomed)  # rows now, files once the caller commits
    db.session.execute(sa.delete(Reconciliation).where(Reconciliation.account_id == account.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(Transaction).where(Transaction.id.in_(doomed.scalar_subquery()))
                       .execution_options(synchronize_session=False))
    db.session.delete(account)
    db.session.flush()
    db.session.expire_all()
    return count


def _adjustment(workspace: Workspace, account: Account, on: date, amount: Decimal, memo: str) -> Transaction:
    txn = Transaction(workspace_id=workspace.id, account_id=account.id, on=on, amount=amount,
                      memo=memo, status="reconciled")
    txn.lines.append(TransactionLine(workspace_id=workspace.id, amount=amount))
    db.session.add(txn)
    db.session.flush()
    return txn


def update_balance(workspace: Workspace, account: Account, on: date, new_balance: Decimal) -> Transaction | None:
    """Bring an account (a house, a pension) to a known value on a date with an adjustment."""
    checked_day(on, field="on")
    difference = checked_amount(new_balance, account.currency, field="balance", sign="any") - balance_on(account, on)
    if difference == 0:
        return None
    return _adjustment(workspace, account, on, difference, "Balance update")


@dataclass(frozen=True)
class ReconcileInput:
    statement_date: date
    statement_balance: Decimal
    cleared_ids: frozenset[int]
    record_adjustment: bool = False


def reconcile(workspace: Workspace, account: Account, data: ReconcileInput, user_id: int | None) -> Reconciliation:
    """Mark the ticked transactions cleared; when the balance agrees, lock them as reconciled.

    A remaining difference is an error unless the user asks to record it as an adjustment.
    """
    checked_day(data.statement_date, field="statement_date")
    statement = checked_amount(data.statement_balance, account.currency, field="statement_balance", sign="any")
    open_rows = list(db.session.scalars(
        sa.select(Transaction).where(
            Transaction.workspace_id == workspace.id, Transaction.account_id == account.id,
            Transaction.on <= data.statement_date, Transaction.status != "reconciled",
        )
    ))
    for txn in open_rows:
        txn.status = "cleared" if txn.id in data.cleared_ids else "uncleared"
    db.session.flush()
    cleared = cleared_balance_on(account, data.statement_date)
    difference = statement - cleared
    if difference != 0 and not data.record_adjustment:
        money = functools.partial(format_money, currency=account.currency)
        raise Conflict(
            f"The cleared balance is {money(cleared)} but the statement says {money(statement)}: a difference of "
            f"{money(difference)}. Tick the missing transactions, or record the difference as an adjustment."
        )
    locked = 0
    for txn in open_rows:
        if txn.status == "cleared":
            txn.status = "reconciled"
            locked += 1
    if difference != 0:
        _adjustment(workspace, account, data.statement_date, difference, "Reconciliation adjustment")
    record = Reconciliation(
        workspace_id=workspace.id, account_id=account.id, statement_date=data.statement_date,
        statement_balance=statement, cleared_balance=cleared, adjustment=difference,
        transactions_reconciled=locked, created_by_id=user_id,
    )
    db.session.add(record)
    db.session.flush()
    return record
