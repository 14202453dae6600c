"""Transfers between the workspace's own accounts, found among unrelated rows, and linked on request.

Two imported statements of one's own accounts (checking and savings, say) each hold one side of
every transfer between them, as a plain money-out and a plain money-in: the reports would count
them as spending and income. A pair is proposed when:

- a money-out and a money-in of the same amount in two different accounts of the workspace,
  both in one currency (a cross-currency transfer has two amounts and is never guessed);
- dated at most `WINDOW_DAYS` apart, either way round (banks book the two sides on different days);
- neither is a transfer already, nor split, and the user has not refused this pair.

One match each: every row is in at most one proposed pair. Candidates are taken closest dates
first, then the earlier money-out, then the lower money-out id, then the lower money-in id; a
candidate whose side is already taken is passed over. The same data always gives the same pairs.

The candidates are one SQL self-join of the transactions on (workspace, amount = -amount, date
within the window): the money-ins (a range of the (workspace_id, amount) index) each probe the same
index for money-outs of their amount, and refusals are looked up by their unique (out_id, in_id)
key. Python only sorts the candidates and walks them once to keep one match each (bench/transfers.py
and bench/README.md: about 0.1-0.5 s for a 100,000-row workspace on MariaDB).

Linking turns a pair into the app's own transfer (as `services.record_transfer` writes one): both
sides share `transfer_key` (the money-out's id) and their one line loses its category, so reports
leave them out of income and spending; amounts, dates and accounts stay, so balances do not move.
Payee, memo, labels and status are kept (they are what the bank said). The reports' monthly totals
are marked for the rows changed (`totals.mark_where`, which also locks their accounts first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from financeapp.accounts.models import Account
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, NotFound
from financeapp.core.scoping import as_id
from financeapp.extensions import db
from financeapp.payees.models import Payee
from financeapp.reports import totals
from financeapp.transactions.models import Transaction, TransactionLine, TransferRefusal
from financeapp.workspaces.models import Workspace

WINDOW_DAYS = 4  # how far apart the two sides of one transfer may be dated
CHUNK = 1_000  # ids per IN (...) list
LINK_CHUNK = 400  # pairs per UPDATE: 800 ids in the IN list and 1,600 in the CASE


class shifted_date(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """A DATE moved by some days: date(x, n || ' days') on SQLite, DATE_ADD(x, INTERVAL n DAY) on MySQL."""

    type = sa.Date()
    name = "shifted_date"
    inherit_cache = True


def days_after(column: Any, days: int) -> shifted_date:
    # The days are a literal column, not a bound value, so they are part of the statement's cache key.
    return shifted_date(column, sa.literal_column(str(int(days))))


@compiles(shifted_date)
def _shifted_date_sqlite(element: shifted_date, compiler: Any, **kw: Any) -> str:
    column, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"date({column}, ({days}) || ' days')"


@compiles(shifted_date, "mysql")
def _shifted_date_mysql(element: shifted_date, compiler: Any, **kw: Any) -> str:
    column, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"DATE_ADD({column}, INTERVAL {days} DAY)"


@dataclass(frozen=True)
class Pairing:
    """A money-out and a money-in that look like the two sides of one transfer."""

    out_id: int
    in_id: int
    out_on: date
    in_on: date
    amount: Decimal  # positive: what left one account and arrived in the other
    currency: str
    from_account: str
    to_account: str

    @property
    def days_apart(self) -> int:
        return abs((self.in_on - self.out_on).days)

    @property
    def reason(self) -> str:
        """Why it is proposed: "same amount, 2 days apart, Checking → Savings"."""
        gap = self.days_apart
        when = "same day" if gap == 0 else "1 day apart" if gap == 1 else f"{gap} days apart"
        return f"same amount, {when}, {self.from_account} → {self.to_account}"


def _is_split(txn: Any) -> sa.ColumnElement[bool]:
    lines = (sa.select(sa.func.count()).select_from(TransactionLine)
             .where(TransactionLine.transaction_id == txn.id).scalar_subquery())
    return lines > 1


def _candidates(workspace: Workspace) -> sa.Select:
    """Every (money-out, money-in) pair that could be one transfer (unordered: `_one_match_each` sorts)."""
    out = aliased(Transaction, name="money_out")
    into = aliased(Transaction, name="money_in")
    from_account = aliased(Account, name="from_account")
    to_account = aliased(Account, name="to_account")
    refused = sa.exists().where(TransferRefusal.out_id == out.id, TransferRefusal.in_id == into.id)
    return (
        sa.select(out.id, into.id, out.on, into.on, into.amount, from_account.currency, from_account.name,
                  to_account.name)
        # Money-ins are the few rows of a ledger (1,736 of 100,000 in the bench's history): each probes
        # the (workspace_id, amount) index for its money-outs. MariaDB would start from the money-outs.
        .prefix_with("STRAIGHT_JOIN", dialect="mysql")
        .select_from(into)
        .join(out, sa.and_(out.workspace_id == into.workspace_id, out.amount == -into.amount,
                           out.on.between(days_after(into.on, -WINDOW_DAYS), days_after(into.on, WINDOW_DAYS)),
                           out.account_id != into.account_id, out.transfer_key.is_(None)))
        .join(from_account, from_account.id == out.account_id)
        .join(to_account, sa.and_(to_account.id == into.account_id, to_account.currency == from_account.currency))
        .where(into.workspace_id == workspace.id, into.amount > 0, into.transfer_key.is_(None),
               ~refused, ~_is_split(out), ~_is_split(into))
    )


def _one_match_each(rows: Iterable[Sequence[Any]]) -> list[Pairing]:
    """The candidates in tie-break order, each row used once (see the module's docstring)."""
    candidates = sorted((Pairing(*row) for row in rows),
                        key=lambda p: (p.days_apart, p.out_on, p.out_id, p.in_id))
    taken: set[int] = set()
    chosen = []
    for pairing in candidates:
        if pairing.out_id in taken or pairing.in_id in taken:
            continue
        taken.update((pairing.out_id, pairing.in_id))
        chosen.append(pairing)
    return sorted(chosen, key=lambda p: (p.out_on, p.out_id))


def find_transfers(workspace: Workspace, *, batch_id: int | None = None) -> list[Pairing]:
    """The pairs to propose, oldest first; with `batch_id`, only those with a side from that import.

    One match each is decided over the whole workspace, so the pairs of one import are the same
    pairs the unfiltered list shows."""
    pairs = _one_match_each(db.session.execute(_candidates(workspace)).tuples())
    if batch_id is None:
        return pairs
    in_batch = _ids_of_batch(workspace, batch_id, {p.out_id for p in pairs} | {p.in_id for p in pairs})
    return [p for p in pairs if p.out_id in in_batch or p.in_id in in_batch]


def _ids_of_batch(workspace: Workspace, batch_id: int, ids: set[int]) -> set[int]:
    wanted = sorted(ids)
    found: set[int] = set()
    for start in range(0, len(wanted), CHUNK):
        found.update(db.session.scalars(sa.select(Transaction.id).where(
            Transaction.workspace_id == workspace.id, Transaction.import_id == batch_id,
            Transaction.id.in_(wanted[start:start + CHUNK]))))
    return found


def count_for_batch(workspace: Workspace, batch_id: int) -> int:
    """How many pairs touch this import's rows (its result page links to them)."""
    return len(find_transfers(workspace, batch_id=batch_id))


# -- linking and refusing -----------------------------------------------------------------------------


def _link(workspace: Workspace, pairs: Sequence[Pairing]) -> None:
    """Make each pair one transfer, in bulk; the caller has locked the accounts (`totals.mark_where`).

    Both sides get the money-out's id as their key: one UPDATE per chunk of pairs, with the key
    of each money-in given by a CASE on its id."""
    txn, line = Transaction.__table__, TransactionLine.__table__
    bump = {"version": txn.c.version + 1, "updated_at": utcnow()}
    for start in range(0, len(pairs), LINK_CHUNK):
        chunk = pairs[start:start + LINK_CHUNK]
        key_of = {p.out_id: p.out_id for p in chunk} | {p.in_id: p.out_id for p in chunk}
        db.session.execute(
            txn.update().where(txn.c.workspace_id == workspace.id, txn.c.id.in_(list(key_of)),
                               txn.c.transfer_key.is_(None))
            .values(transfer_key=sa.case(key_of, value=txn.c.id), **bump))
        db.session.execute(line.update().where(line.c.workspace_id == workspace.id,
                                               line.c.transaction_id.in_(list(key_of)))
                           .values(category_id=None))
    db.session.expire_all()  # loaded transactions now have other keys and versions


def _lock_and_mark(workspace: Workspace, ids: Sequence[int]) -> None:
    """Lock the rows' accounts (other writers of them wait) and mark their months for the totals."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        totals.mark_where(db.session, Transaction.workspace_id == workspace.id,
                          Transaction.id.in_(wanted[start:start + CHUNK]))


def _lock_workspace_accounts(workspace: Workspace) -> None:
    account_ids = db.session.scalars(sa.select(Account.id).where(Account.workspace_id == workspace.id))
    totals.lock_accounts(db.session, list(account_ids))


def link_all(workspace: Workspace, *, batch_id: int | None = None) -> list[Pairing]:
    """Link every proposed pair (of one import's rows, with `batch_id`); returns them.

    The accounts are locked before the pairs are found, so no other writer changes them between
    finding and linking."""
    _lock_workspace_accounts(workspace)
    pairs = find_transfers(workspace, batch_id=batch_id)
    _lock_and_mark(workspace, [side for p in pairs for side in (p.out_id, p.in_id)])
    _link(workspace, pairs)
    return pairs


def _pair_ids(workspace: Workspace, out_id: Any, in_id: Any) -> tuple[int, int]:
    """Both ids as the workspace's transactions (else 404)."""
    keys = (as_id(out_id), as_id(in_id))
    if None in keys:
        raise NotFound("No such transaction.")
    found = set(db.session.scalars(sa.select(Transaction.id).where(
        Transaction.workspace_id == workspace.id, Transaction.id.in_(keys))))
    if found != set(keys):
        raise NotFound("No such transaction.")
    return keys  # type: ignore[return-value]


def proposed_pair(workspace: Workspace, out_id: Any, in_id: Any) -> Pairing:
    """This pair if it is proposed right now (404 for ids not the workspace's; 409 when no longer proposed)."""
    keys = _pair_ids(workspace, out_id, in_id)
    pairing = next((p for p in find_transfers(workspace) if (p.out_id, p.in_id) == keys), None)
    if pairing is None:
        raise Conflict("These two transactions are no longer proposed as a transfer (one of them was linked, "
                       "changed or refused meanwhile).")
    return pairing


def link_pair(workspace: Workspace, out_id: Any, in_id: Any) -> Pairing:
    """Link one proposed pair as a transfer."""
    keys = _pair_ids(workspace, out_id, in_id)
    _lock_and_mark(workspace, keys)
    pairing = proposed_pair(workspace, *keys)
    _link(workspace, [pairing])
    return pairing


def refuse_pair(workspace: Workspace, out_id: Any, in_id: Any, *, user_id: int | None) -> Pairing:
    """Remember that these two are not one transfer: the pair is never proposed again."""
    pairing = proposed_pair(workspace, out_id, in_id)
    try:
        with db.session.begin_nested():
            db.session.add(TransferRefusal(workspace_id=workspace.id, out_id=pairing.out_id, in_id=pairing.in_id,
                                           refused_by_id=user_id))
    except IntegrityError:  # the same pair refused at the same moment (a double click): refused once is enough
        pass
    return pairing


def unlink_partners_of(workspace: Workspace, doomed: Any) -> None:
    """Before deleting the transactions `doomed` (a SELECT of their ids), make the other side of each
    of their transfers a plain transaction again, so no transfer is left with one side."""
    sides = {txn_id: key for txn_id, key in db.session.execute(sa.select(Transaction.id, Transaction.transfer_key)
             .where(Transaction.workspace_id == workspace.id, Transaction.id.in_(doomed),
                    Transaction.transfer_key.is_not(None)))}
    keys = sorted(set(sides.values()))
    partners: list[int] = []
    for start in range(0, len(keys), CHUNK):
        partners.extend(db.session.scalars(sa.select(Transaction.id).where(
            Transaction.workspace_id == workspace.id, Transaction.transfer_key.in_(keys[start:start + CHUNK]))))
    partners = sorted(set(partners) - sides.keys())
    for start in range(0, len(partners), CHUNK):
        chunk = [Transaction.workspace_id == workspace.id, Transaction.id.in_(partners[start:start + CHUNK])]
        totals.mark_where(db.session, *chunk)
        db.session.execute(sa.update(Transaction).where(*chunk)
                           .values(transfer_key=None, version=Transaction.version + 1)
                           .execution_options(synchronize_session=False))


# -- what the review page shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    id: int
    on: date
    account: str
    amount: Decimal
    payee: str
    memo: str


def sides_of(workspace: Workspace, pairs: Sequence[Pairing]) -> dict[int, Side]:
    """Both rows of each pair as the page shows them (one query for the page's pairs)."""
    ids = sorted({side for p in pairs for side in (p.out_id, p.in_id)})
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Transaction.id, Transaction.on, Account.name, Transaction.amount,
                  sa.func.coalesce(Payee.name, ""), Transaction.memo)
        .join(Account, Account.id == Transaction.account_id)
        .outerjoin(Payee, Payee.id == Transaction.payee_id)
        .where(Transaction.workspace_id == workspace.id, Transaction.id.in_(ids))
    ).tuples()
    return {row[0]: Side(*row) for row in rows}
