"""Monthly totals per account, category and transfer flag, kept current beside the ledger.

Why: the dashboard's net worth line needs every account's sum before its 12-month window,
and the income, spending and category reports need a year or two of category lines. Read
from the ledger that is 50,000 to 100,000 index entries per chart on a ten-year history;
read from these totals it is a few thousand rows, whatever the history's length. Reports
still read the ledger itself for the days of a range that do not make a whole month, and
for anything filtered by label (see `financeapp.reports.queries`).

How they stay current: every write marks (account, month) pairs stale and the session
recomputes those pairs from the ledger just before it commits, in the same database
transaction, with one DELETE and one INSERT ... SELECT per run of months of an account.
- ORM writes (forms, the API, recurring postings, debts, reconciliation) are found by the
  flush hooks below: the old account and month of a changed or deleted transaction are read
  before the flush, the new ones at commit.
- Core bulk writes mark what they touch themselves: `mark_where` (imports, undo, rules,
  category merges, account deletion), `mark_workspace` (restore), `rebuild_workspace` (the
  demo generator, on its own connection).
- Every writer locks the accounts it writes to before its first write (`lock_accounts`,
  called by the hooks and by `mark_where`), so two writers of one account queue up
  instead of deadlocking in the refresh's locking read on MariaDB.
- Deleting an account, a category or a workspace cascades to these rows in the database.
The test suite compares the totals with a fresh computation after every test, so a write
path that forgets to mark fails there; `flask reports totals --check/--rebuild` does the
same for a live database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from financeapp.accounts.models import Account
from financeapp.core.db import Money
from financeapp.reports.models import MonthlyTotal
from financeapp.reports.months import first_day, month_end, month_of, next_month
from financeapp.transactions.models import Transaction, TransactionLine

CHUNK = 1_000  # ids per IN (...) list
_STALE = "reports.totals_stale"
_LOCKED = "reports.accounts_locked"  # account ids locked in this database transaction

totals_table = MonthlyTotal.__table__
accounts_table = Account.__table__
txn_table = Transaction.__table__
line_table = TransactionLine.__table__


# Runs of months ---------------------------------------------------------------------------------------


def month_runs(keys: Iterable[str]) -> list[tuple[str, str]]:
    """Consecutive months folded into (first, last) runs: one statement per run, not per month."""
    runs: list[tuple[str, str]] = []
    for key in sorted(set(keys)):
        if runs and next_month(runs[-1][1]) == key:
            runs[-1] = (runs[-1][0], key)
        else:
            runs.append((key, key))
    return runs


# Computing totals from the ledger ----------------------------------------------------------------


def _computed(*where: Any) -> sa.Select:
    """The totals of the transactions matching `where`, grouped as the table stores them.

    A transaction without lines (none is written so, but the ledger does not forbid it)
    counts whole, uncategorised, so balances never depend on lines being present.
    """
    amount = sa.func.coalesce(line_table.c.amount, txn_table.c.amount)
    month = month_of(txn_table.c.date)
    transfer = sa.case((txn_table.c.transfer_key.is_(None), sa.literal_column("0")), else_=sa.literal_column("1"))
    zero = sa.literal_column("0")
    return (
        sa.select(
            txn_table.c.workspace_id, txn_table.c.account_id, month.label("month"), line_table.c.category_id,
            transfer.label("transfer"),
            sa.func.sum(sa.case((amount > zero, amount), else_=zero), type_=Money).label("money_in"),
            sa.func.sum(sa.case((amount < zero, amount), else_=zero), type_=Money).label("money_out"),
            sa.func.count().label("line_count"),
        )
        .select_from(txn_table.outerjoin(line_table, line_table.c.transaction_id == txn_table.c.id))
        .where(*where)
        .group_by(txn_table.c.workspace_id, txn_table.c.account_id, month, line_table.c.category_id, transfer)
    )


_COLUMNS = ["workspace_id", "account_id", "month", "category_id", "transfer", "money_in", "money_out", "line_count"]


def _refill(executor: Any, delete_where: list[Any], compute_where: list[Any]) -> None:
    executor.execute(totals_table.delete().where(*delete_where))
    executor.execute(totals_table.insert().from_select(_COLUMNS, _computed(*compute_where)))


def rebuild_workspace(executor: Any, workspace_id: int) -> None:
    """Recompute every total of a workspace (a Session or a Connection; the caller commits)."""
    _refill(executor, [totals_table.c.workspace_id == workspace_id], [txn_table.c.workspace_id == workspace_id])


def refresh_months(executor: Any, months: Iterable[tuple[int, str]]) -> None:
    """Recompute the totals of these (account id, 'YYYY-MM') pairs."""
    by_account: dict[int, set[str]] = defaultdict(set)
    for account_id, key in months:
        by_account[account_id].add(key)
    for account_id, keys in sorted(by_account.items()):
        for first, last in month_runs(keys):
            _refill(
                executor,
                [totals_table.c.account_id == account_id, totals_table.c.month.between(first, last)],
                [txn_table.c.account_id == account_id, txn_table.c.date.between(first_day(first), month_end(last))],
            )


# Tracking what a session changed -------------------------------------------------------------------


@dataclass
class _Stale:
    workspaces: set[int] = field(default_factory=set)
    months: set[tuple[int, str]] = field(default_factory=set)  # (account id, month)
    transactions: set[int] = field(default_factory=set)  # ids whose account and month are read at commit

    def __bool__(self) -> bool:
        return bool(self.workspaces or self.months or self.transactions)


# The services pass Flask-SQLAlchemy's `db.session` (a scoped session); the hooks get the Session itself.
AnySession = Session | scoped_session[Any]


def _stale(session: AnySession) -> _Stale:
    return session.info.setdefault(_STALE, _Stale())


def _months_where(executor: Any, *criteria: Any) -> set[tuple[int, str]]:
    """(account id, month) of the transactions matching `criteria`."""
    return set(executor.execute(
        sa.select(txn_table.c.account_id, month_of(txn_table.c.date)).where(*criteria).distinct()
    ).tuples())


def _months_of(executor: Any, ids: Iterable[int]) -> set[tuple[int, str]]:
    ids = sorted(set(ids))
    found: set[tuple[int, str]] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(_months_where(executor, txn_table.c.id.in_(ids[start:start + CHUNK])))
    return found


def lock_accounts(session: AnySession, account_ids: Iterable[int]) -> None:
    """Lock these accounts' rows (in id order) until the transaction ends, before writing their transactions.

    Refreshing totals reads an account's month with a locking read, which waits for any
    other transaction that wrote there and has not committed. Two writers of one account
    would then wait for each other (a deadlock on MariaDB); taking the account's lock before
    the first write makes the second writer wait at its start instead. SQLite locks the
    whole database for a writer, so there this is a no-op.
    """
    locked: set[int] = session.info.setdefault(_LOCKED, set())
    wanted = sorted(set(account_ids) - locked)
    if not wanted or session.connection().dialect.name == "sqlite":
        return
    for start in range(0, len(wanted), CHUNK):
        session.connection().execute(
            sa.select(accounts_table.c.id).where(accounts_table.c.id.in_(wanted[start:start + CHUNK]))
            .order_by(accounts_table.c.id).with_for_update()
        ).all()
    locked.update(wanted)


def mark_where(session: AnySession, *criteria: Any) -> None:
    """Mark the months of the transactions matching `criteria`, and lock their accounts.

    Call it before changing, moving or deleting them with a bulk statement (and, for bulk
    inserts, after `lock_accounts` and the insert).
    """
    rows = _months_where(session, *criteria)
    lock_accounts(session, {account_id for account_id, _month in rows})
    _stale(session).months.update(rows)


def mark_workspace(session: AnySession, workspace_id: int) -> None:
    """Recompute the whole workspace at commit (a restore, say)."""
    _stale(session).workspaces.add(workspace_id)


def flush_totals(session: AnySession) -> None:
    """Bring the totals up to date with everything the session has written (runs before each commit)."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # the flush hooks mark what it writes
    stale = session.info.get(_STALE)
    if not stale:
        return
    connection = session.connection()
    stale.months.update(_months_of(connection, stale.transactions))
    stale.transactions.clear()
    for workspace_id in sorted(stale.workspaces):
        rebuild_workspace(connection, workspace_id)
    refresh_months(connection, stale.months)
    session.info.pop(_STALE, None)


def _account_id(txn: Transaction) -> int | None:
    if txn.account_id is not None:
        return txn.account_id
    return txn.account.id if txn.account is not None else None


@event.listens_for(Session, "before_flush")
def _note_old_months(session: Session, _context: Any, _instances: Any) -> None:
    """Before transactions are written: lock their accounts, and note where changed ones were."""
    ids = set()
    accounts = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Transaction):
            if obj.id is not None:
                ids.add(obj.id)
            accounts.add(_account_id(obj))
        elif isinstance(obj, TransactionLine) and obj.transaction_id is not None:
            ids.add(obj.transaction_id)
    if not ids and not accounts:
        return
    old = _months_of(session.connection(), ids)
    accounts.update(account_id for account_id, _month in old)
    accounts.discard(None)
    lock_accounts(session, accounts)  # type: ignore[arg-type]
    stale = _stale(session)
    stale.months.update(old)
    stale.transactions.update(ids)


@event.listens_for(Session, "after_flush")
def _note_new_transactions(session: Session, _context: Any) -> None:
    """After new transactions and lines are written (ids assigned), note them for commit."""
    ids = set()
    for obj in session.new:
        if isinstance(obj, Transaction):
            ids.add(obj.id)
        elif isinstance(obj, TransactionLine):
            ids.add(obj.transaction_id)
    ids.discard(None)  # type: ignore[arg-type]
    if ids:
        _stale(session).transactions.update(ids)


@event.listens_for(Session, "before_commit")
def _refresh_before_commit(session: Session) -> None:
    flush_totals(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction's end: a savepoint rolled back keeps the outer marks.
    if transaction.parent is None:
        session.info.pop(_STALE, None)
        session.info.pop(_LOCKED, None)


# Checking ------------------------------------------------------------------------------------------------


def differences(executor: Any, workspace_id: int | None = None) -> list[tuple[Any, ...]]:
    """(account, month, category, transfer, stored in/out, computed in/out) wherever they disagree."""
    where_stored = [] if workspace_id is None else [totals_table.c.workspace_id == workspace_id]
    where_ledger = [] if workspace_id is None else [txn_table.c.workspace_id == workspace_id]
    key_columns = (totals_table.c.account_id, totals_table.c.month, totals_table.c.category_id,
                   totals_table.c.transfer)
    stored = {
        (a, m, c, bool(t)): (i, o)
        for a, m, c, t, i, o in executor.execute(
            sa.select(*key_columns, sa.func.sum(totals_table.c.money_in, type_=Money),
                      sa.func.sum(totals_table.c.money_out, type_=Money))
            .where(*where_stored).group_by(*key_columns))
    }
    computed_query = _computed(*where_ledger).subquery()
    computed = {
        (row.account_id, row.month, row.category_id, bool(row.transfer)): (row.money_in, row.money_out)
        for row in executor.execute(sa.select(computed_query))
    }
    found = []
    for key in sorted(stored.keys() | computed.keys(), key=repr):
        if stored.get(key) != computed.get(key):
            found.append((*key, stored.get(key), computed.get(key)))
    return found
