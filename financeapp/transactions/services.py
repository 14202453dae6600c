"""Transaction rules: entries with splits and labels, transfers as one action, bulk edits."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from financeapp.accounts.models import Account
from financeapp.categories.models import Category
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.money import format_money, quantize
from financeapp.core.scoping import get_scoped_or_404
from financeapp.core.validation import checked_amount, checked_day
from financeapp.extensions import db
from financeapp.labels.services import labels_named
from financeapp.payees.services import find_or_create_payee
from financeapp.receipts.services import delete_attachments_of
from financeapp.rules.matching import RuleSubject
from financeapp.rules.services import manual_entry_outcome
from financeapp.transactions.models import STATUSES, Transaction, TransactionLine
from financeapp.transactions.signals import entry_recorded
from financeapp.workspaces.models import Workspace

MAX_LINES = 20


@dataclass(frozen=True)
class LineInput:
    category_id: int | None
    amount: Decimal  # positive, in the direction of the transaction
    memo: str = ""


@dataclass(frozen=True)
class EntryInput:
    """Money in or out of one account, as the user typed it (amount positive)."""

    account_id: int
    on: date
    amount: Decimal | None  # None when nothing was typed: recording refuses it with a message
    direction: str  # "out" or "in"
    payee: str = ""
    category_id: int | None = None
    memo: str = ""
    labels: tuple[str, ...] = ()
    status: str = "uncleared"
    lines: tuple[LineInput, ...] = ()  # two or more make a split; empty uses category_id
    version: int | None = None  # the version the edit form was loaded with
    unlock: bool = False  # the user confirmed editing a reconciled transaction


@dataclass(frozen=True)
class TransferInput:
    from_account_id: int
    to_account_id: int
    on: date
    amount: Decimal  # leaves the source account, in its currency
    to_amount: Decimal | None = None  # arrives in the target account; needed across currencies
    memo: str = ""
    labels: tuple[str, ...] = ()
    status: str = "uncleared"
    version: int | None = None
    unlock: bool = False


@dataclass
class BulkResult:
    changed: int = 0
    skipped: list[str] = field(default_factory=list)


def _field_error(name: str, message: str) -> Invalid:
    return Invalid(message, fields={name: message})


def _check_status(status: str) -> str:
    if status not in STATUSES:
        raise _field_error("status", "Choose uncleared, cleared or reconciled.")
    return status


def _category(workspace: Workspace, category_id: int | None) -> Category | None:
    return get_scoped_or_404(Category, category_id, workspace) if category_id else None


def _build_lines(workspace: Workspace, data: EntryInput, signed: Decimal, currency: str) -> list[TransactionLine]:
    """One line for the category, or the split lines, which must add up to the amount."""
    sign = -1 if signed < 0 else 1
    if len(data.lines) < 2:
        category = _category(workspace, data.category_id)
        return [TransactionLine(workspace_id=workspace.id, category=category, amount=signed)]
    if len(data.lines) > MAX_LINES:
        raise _field_error("lines", f"A transaction can have at most {MAX_LINES} split lines.")
    lines = []
    for line in data.lines:
        checked_amount(line.amount, currency, field="lines")
        lines.append(TransactionLine(
            workspace_id=workspace.id, category=_category(workspace, line.category_id),
            amount=sign * line.amount, memo=line.memo.strip()[:255],
        ))
    total = quantize(sum((line.amount for line in data.lines), Decimal(0)), currency)
    if total != abs(signed):
        gap = abs(signed) - total
        money = functools.partial(format_money, currency=currency)
        left = f"{money(gap)} left to assign" if gap > 0 else f"{money(-gap)} more than the amount"
        raise _field_error(
            "lines", f"The split lines add up to {money(total)} but the transaction is {money(abs(signed))} ({left})."
        )
    return lines


def _guard_edit(txn: Transaction, version: int | None, unlock: bool) -> None:
    if version is not None and version != txn.version:
        raise Conflict("Someone else changed this transaction after you opened it. Reload and try again.")
    if txn.status == "reconciled" and not unlock:
        raise Conflict("This transaction is reconciled and locked. Tick “Unlock” to change it anyway.")


def _flush_versioned() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict("Someone else changed this transaction at the same time. Reload and try again.") from None


def record_entry(workspace: Workspace, data: EntryInput, *, announce: bool = True) -> Transaction:
    """Add money in or out of one of the workspace's accounts.

    It is announced (`entry_recorded`: a payment marks the bill it pays) unless `announce` is False,
    for an entry a schedule posts itself, which is the occurrence it pays."""
    txn = Transaction(workspace_id=workspace.id)
    _apply_entry(workspace, txn, _with_manual_rules(workspace, data) if announce else data)
    db.session.add(txn)
    db.session.flush()
    if announce:
        entry_recorded.send(workspace, transaction=txn)
    return txn


def _with_manual_rules(workspace: Workspace, data: EntryInput) -> EntryInput:
    """The entry with what rules switched on for typed entries set: a payee rename, a category when
    none was chosen (and it is not a split), labels added. Invalid input passes through unchanged
    for `_apply_entry` to refuse."""
    if not isinstance(data.amount, Decimal) or not isinstance(data.account_id, int):
        return data
    signed = data.amount if data.direction == "in" else -data.amount
    outcome = manual_entry_outcome(workspace, RuleSubject(payee=data.payee or "", memo=data.memo or "",
                                                          amount=signed, account_id=data.account_id))
    if outcome.rule_id is None:
        return data
    chosen = data.category_id is not None or bool(data.lines)
    return dataclasses.replace(
        data, payee=outcome.payee or data.payee,
        category_id=data.category_id if chosen else (outcome.category_id or data.category_id),
        labels=tuple(dict.fromkeys([*data.labels, *outcome.labels])),
    )


def update_entry(workspace: Workspace, txn: Transaction, data: EntryInput) -> Transaction:
    """Change an entry; a stale form or a locked (reconciled) transaction is refused."""
    if txn.is_transfer:
        raise Conflict("This is a transfer; edit it as a transfer.")
    _guard_edit(txn, data.version, data.unlock)
    _apply_entry(workspace, txn, data)
    _flush_versioned()
    return txn


def _apply_entry(workspace: Workspace, txn: Transaction, data: EntryInput) -> None:
    account = get_scoped_or_404(Account, data.account_id, workspace)
    if data.direction not in ("in", "out"):
        raise _field_error("direction", "Choose money in or money out.")
    amount = checked_amount(data.amount, account.currency)
    signed = amount if data.direction == "in" else -amount
    checked_day(data.on, field="on")
    payee = find_or_create_payee(workspace, data.payee)
    category_id = data.category_id
    if category_id is None and not data.lines and payee is not None and payee.default_category_id:
        category_id = payee.default_category_id
    lines = _build_lines(workspace, EntryInput(**{**data.__dict__, "category_id": category_id}),
                         signed, account.currency)
    txn.account = account
    txn.on = data.on
    txn.amount = signed
    txn.payee = payee
    txn.memo = data.memo.strip()[:255]
    txn.status = _check_status(data.status)
    txn.lines = lines
    txn.labels = labels_named(workspace, list(data.labels))


def record_transfer(workspace: Workspace, data: TransferInput) -> tuple[Transaction, Transaction]:
    """Move money between two accounts: both sides are written together or not at all."""
    source = Transaction(workspace_id=workspace.id)
    target = Transaction(workspace_id=workspace.id)
    _apply_transfer(workspace, source, target, data)
    db.session.add_all([source, target])
    db.session.flush()
    source.transfer_key = target.transfer_key = source.id
    db.session.flush()
    return source, target


def transfer_sides(workspace: Workspace, txn: Transaction) -> tuple[Transaction, Transaction]:
    """(money out side, money in side) of a transfer."""
    if not txn.is_transfer:
        raise Invalid("This transaction is not a transfer.")
    sides = list(db.session.scalars(
        sa.select(Transaction).where(
            Transaction.workspace_id == workspace.id, Transaction.transfer_key == txn.transfer_key
        ).order_by(Transaction.amount)
    ))
    if len(sides) != 2:
        raise Conflict("The other side of this transfer is missing; edit it as a plain transaction.")
    return sides[0], sides[1]


def update_transfer(workspace: Workspace, txn: Transaction, data: TransferInput) -> tuple[Transaction, Transaction]:
    """Change both sides of a transfer as one."""
    source, target = transfer_sides(workspace, txn)
    _guard_edit(txn, data.version, data.unlock)
    if not data.unlock and "reconciled" in (source.status, target.status):
        raise Conflict("One side of this transfer is reconciled and locked. Tick “Unlock” to change it.")
    _apply_transfer(workspace, source, target, data)
    _flush_versioned()
    return source, target


def _apply_transfer(workspace: Workspace, source: Transaction, target: Transaction,
                    data: TransferInput) -> None:
    from_account = get_scoped_or_404(Account, data.from_account_id, workspace)
    to_account = get_scoped_or_404(Account, data.to_account_id, workspace)
    if from_account.id == to_account.id:
        raise _field_error("to_account_id", "Choose two different accounts.")
    amount = checked_amount(data.amount, from_account.currency)
    checked_day(data.on, field="on")
    if from_account.currency == to_account.currency:
        if data.to_amount is not None and data.to_amount != amount:
            raise _field_error("to_amount", "Both accounts use the same currency: the amounts must match.")
        to_amount = amount
    else:
        if data.to_amount is None:
            raise _field_error(
                "to_amount",
                f"Enter the amount that arrived in {to_account.currency} ({to_account.name}).",
            )
        to_amount = checked_amount(data.to_amount, to_account.currency, field="to_amount")
    status = _check_status(data.status)
    labels = labels_named(workspace, list(data.labels))
    memo = data.memo.strip()[:255]
    for txn, account, signed in ((source, from_account, -amount), (target, to_account, to_amount)):
        txn.account = account
        txn.on = data.on
        txn.amount = signed
        txn.memo = memo
        txn.status = status
        txn.payee = None
        txn.lines = [TransactionLine(workspace_id=workspace.id, amount=signed)]
        txn.labels = list(labels)


def delete_transaction(workspace: Workspace, txn: Transaction, *, unlock: bool = False) -> int:
    """Delete a transaction, or both sides of a transfer. Returns rows deleted."""
    doomed = list(transfer_sides(workspace, txn)) if txn.is_transfer else [txn]
    if not unlock and any(t.status == "reconciled" for t in doomed):
        raise Conflict("This transaction is reconciled and locked; unlock it before deleting.")
    delete_attachments_of(workspace, [t.id for t in doomed])
    for row in doomed:
        db.session.delete(row)
    db.session.flush()
    return len(doomed)


def _selected(workspace: Workspace, ids: Sequence[int]) -> list[Transaction]:
    if not ids:
        raise Invalid("Select at least one transaction.")
    if len(ids) > 500:
        raise Invalid("Select at most 500 transactions at a time.")
    return list(db.session.scalars(
        sa.select(Transaction).where(Transaction.workspace_id == workspace.id, Transaction.id.in_(ids))
    ))


def bulk_set_category(workspace: Workspace, ids: Sequence[int], category_id: int | None) -> BulkResult:
    """Give the selected plain transactions one category (splits and transfers are skipped)."""
    category = _category(workspace, category_id)
    result = BulkResult()
    for txn in _selected(workspace, ids):
        if txn.is_transfer or txn.is_split or txn.status == "reconciled":
            reason = "transfer" if txn.is_transfer else "split" if txn.is_split else "reconciled"
            result.skipped.append(f"#{txn.id} ({reason})")
            continue
        txn.lines[0].category = category
        result.changed += 1
    db.session.flush()
    return result


def bulk_add_labels(workspace: Workspace, ids: Sequence[int], names: list[str]) -> BulkResult:
    labels = labels_named(workspace, names)
    if not labels:
        raise Invalid("Enter at least one label.")
    result = BulkResult()
    for txn in _selected(workspace, ids):
        txn.labels = list({label.id: label for label in [*txn.labels, *labels]}.values())
        result.changed += 1
    db.session.flush()
    return result


def bulk_delete(workspace: Workspace, ids: Sequence[int]) -> BulkResult:
    """Delete the selected transactions (and the other side of selected transfers)."""
    result = BulkResult()
    seen: set[int] = set()
    for txn in _selected(workspace, ids):
        if txn.id in seen:
            continue
        if txn.status == "reconciled":
            result.skipped.append(f"#{txn.id} (reconciled)")
            continue
        sides = list(transfer_sides(workspace, txn)) if txn.is_transfer else [txn]
        delete_attachments_of(workspace, [side.id for side in sides])
        for side in sides:
            seen.add(side.id)
            db.session.delete(side)
        result.changed += len(sides)
    db.session.flush()
    return result
