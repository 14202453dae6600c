"""Writing an import, and taking it back: the all-or-nothing commit, undo, and the one-call
pipeline for scripts.

`commit_import` re-plans the batch inside the caller's transaction (planning.py), creates the
accounts, payees and labels the rows need, and inserts the transactions, their lines and labels
in bulk through the driver's executemany; `undo_import` deletes an import as a whole. Both keep
the reports' monthly totals (financeapp.reports.totals) current: the insert locks the accounts'
totals (`totals.lock_accounts`) before its first row and marks what it wrote (`totals.mark_where`)
after the last; undo marks the import's rows before it deletes them. Keep that order: it is what
avoids deadlocks between concurrent writers. `run_file` is the whole pipeline in one call (detect,
parse, plan and commit) for the CLI and the benchmark.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from hashlib import sha256
from typing import Any

import sqlalchemy as sa

from financeapp.accounts.models import Account
from financeapp.auth.models import User
from financeapp.categories.models import Category
from financeapp.core.db import utcnow
from financeapp.core.errors import Conflict, Invalid
from financeapp.core.money import quantize
from financeapp.core.scoping import scoped
from financeapp.core.unique import insert_missing, locked_read
from financeapp.extensions import db
from financeapp.imports import dedupe
from financeapp.imports.models import ImportBatch
from financeapp.imports.parsed import ParsedFile
from financeapp.imports.planning import (
    NEW,
    Plan,
    PlannedRow,
    csv_layout,
    detect,
    fold,
    mapping_for_layout,
    parse_batch,
    parse_data,
    plan_batch,
    plan_import,
    record_counts,
    require_staged,
    resolve_targets,
)
from financeapp.imports.signals import import_committed
from financeapp.imports.state import WizardState
from financeapp.imports.storage import ProgressFn, clean_file_name
from financeapp.labels.models import Label
from financeapp.labels.services import labels_named
from financeapp.payees.models import Payee
from financeapp.reports import totals
from financeapp.transactions import found_transfers
from financeapp.transactions.models import Transaction, TransactionLine, transaction_labels
from financeapp.workspaces.models import Workspace

CHUNK = 5_000  # rows per executemany
MAX_ERRORS_NAMED = 5  # rows named in a refusal message
IMPORT_STATUS = "cleared"  # the bank has booked an imported row


# -- commit -----------------------------------------------------------------------------------------


def refusal(errors: list[PlannedRow]) -> Invalid:
    named = "; ".join(f"row {r.row}: {r.reason}" for r in errors[:MAX_ERRORS_NAMED])
    more = f" (and {len(errors) - MAX_ERRORS_NAMED} more)" if len(errors) > MAX_ERRORS_NAMED else ""
    noun = "row has an error" if len(errors) == 1 else "rows have errors"
    return Invalid(f"Nothing was imported: {len(errors)} {noun}: {named}{more}.")


def commit_import(workspace: Workspace, batch: ImportBatch, *, parsed: ParsedFile | None = None,
                  progress: ProgressFn | None = None) -> Plan:
    """Write the batch's rows in one go, or raise and write nothing.

    Re-plans inside the caller's transaction (so the duplicates are current), refuses when a row
    has an error (unless the user chose to leave those out), creates the accounts the file names,
    finds or creates payees and labels, and inserts the transactions, their lines and labels in
    bulk. The caller commits.
    """
    if batch.status not in ("staged", "running"):
        require_staged(batch)
    parsed = parsed if parsed is not None else parse_batch(batch)
    half = (lambda done, total: progress(done // 2, total)) if progress else None
    plan = plan_batch(workspace, batch, parsed, progress=half)
    errors = plan.errors()
    if errors and not WizardState.load(batch).skip_errors:
        raise refusal(errors)
    rows = plan.to_import()
    created = _create_accounts(workspace, plan, rows, parsed)
    created_categories = _create_categories(workspace, plan, rows)
    account_ids = [t.account.id if t.account else None for t in plan.targets]
    payee_ids, defaults = _payee_ids(workspace, {r.payee for r in rows if r.payee})
    label_ids, created_labels = _label_ids(workspace, {name for r in rows for name in r.labels})
    _insert(workspace, batch, plan, rows, account_ids, payee_ids, defaults, label_ids, progress)
    record_counts(batch, plan)
    batch.status = "committed"
    batch.committed_at = utcnow()
    batch.progress = batch.rows_total
    batch.message = ""
    WizardState.change(batch, created_accounts=created, created_categories=created_categories,
                       created_labels=created_labels, sums=[[n, c, str(t), k] for n, c, t, k in plan.sums()],
                       transfers_found=found_transfers.count_for_batch(workspace, batch.id))
    db.session.flush()
    import_committed.send(workspace, batch=batch)
    return plan


def _create_accounts(workspace: Workspace, plan: Plan, rows: list[PlannedRow], parsed: ParsedFile) -> list[int]:
    """The accounts a file names that the workspace does not have yet (only those that get rows)."""
    used = {r.statement for r in rows}
    created = []
    for index, target in enumerate(plan.targets):
        if target.account is not None or target.how != NEW or index not in used:
            continue
        statement_rows = [r for r in plan.rows if r.statement == index]
        first = min((r.on for r in statement_rows), default=date.today())
        opening = Decimal(0)
        closing = parsed.statements[index].closing_balance
        if closing is not None and all(r.status != "error" for r in statement_rows):
            # The file's closing balance less its rows is the balance before the first of them.
            opening = quantize(closing - sum((r.amount for r in statement_rows), Decimal(0)), target.currency)
        account = Account(workspace_id=workspace.id, name=target.new_name, type=target.new_type,
                          currency=target.new_currency, opening_balance=opening,
                          opening_date=first - timedelta(days=1), number=target.new_number)
        db.session.add(account)
        db.session.flush()
        target.account, target.how = account, NEW
        created.append(account.id)
    return created


def _create_categories(workspace: Workspace, plan: Plan, rows: list[PlannedRow]) -> list[int]:
    """The categories the file names that the workspace lacks (only those rows use): a group and its
    category, income when the rows using it add up to money in. Rows get the new ids."""
    wanted: dict[int, Decimal] = {}
    for row in rows:
        for category, amount in ([(c, a) for a, c, _m in row.lines] or [(row.category_id, row.amount)]):
            if category is not None and category < 0:
                wanted[category] = wanted.get(category, Decimal(0)) + amount
    if not wanted:
        return []
    groups = {fold(c.name): c for c in db.session.scalars(scoped(Category, workspace).where(
        Category.parent_id.is_(None)))}
    ids: dict[int, int] = {}
    created: list[int] = []
    for stand_in, total in wanted.items():
        group_name, name = plan.new_categories[stand_in]
        kind = "income" if total > 0 else "expense"
        parent = None
        if group_name:
            parent = groups.get(fold(group_name))
            if parent is None:
                parent = groups[fold(group_name)] = Category(workspace_id=workspace.id, name=group_name, kind=kind)
                db.session.add(parent)
                db.session.flush()
                created.append(parent.id)
            kind = parent.kind
        category = Category(workspace_id=workspace.id, name=name, kind=kind,
                            parent_id=parent.id if parent else None)
        db.session.add(category)
        db.session.flush()
        ids[stand_in] = category.id
        created.append(category.id)
    for row in rows:
        if row.category_id is not None and row.category_id < 0:
            row.category_id = ids[row.category_id]
        if any(c is not None and c < 0 for _a, c, _m in row.lines):
            row.lines = tuple((a, ids[c] if c is not None and c < 0 else c, m) for a, c, m in row.lines)
    return created


def _payee_ids(workspace: Workspace, names: set[str]) -> tuple[dict[str, int], dict[int, int]]:
    """Payee ids by name, creating the missing ones in bulk; and each payee's default category."""
    existing: dict[str, int] = {}
    defaults: dict[int, int] = {}
    for pid, name, default in db.session.execute(sa.select(Payee.id, Payee.name, Payee.default_category_id)
                                                 .where(Payee.workspace_id == workspace.id)):
        existing.setdefault(fold(name), pid)
        if default:
            defaults[pid] = default
    missing: dict[str, str] = {}
    for name in sorted(names):
        key = fold(name)
        if key not in existing:
            missing.setdefault(key, name)
    if missing:
        now = utcnow()
        table = Payee.__table__
        values = [{"workspace_id": workspace.id, "name": name, "default_category_id": None,
                   "created_at": now, "updated_at": now} for name in missing.values()]
        # Another import (or an entry) may create the same payees meanwhile: skip those, then read them back
        # with a locking read, which sees rows committed after this transaction began (core/unique.py).
        insert_missing(table, values, chunk=500)
        wanted = list(missing.values())
        for offset in range(0, len(wanted), dedupe.IN_CHUNK):
            for pid, name in db.session.execute(locked_read(sa.select(Payee.id, Payee.name).where(
                    Payee.workspace_id == workspace.id, Payee.name.in_(wanted[offset:offset + dedupe.IN_CHUNK])))):
                existing.setdefault(fold(name), pid)
    return {name: existing[fold(name)] for name in names}, defaults


def _label_ids(workspace: Workspace, names: set[str]) -> tuple[dict[str, int], list[int]]:
    """Label ids by name, creating the missing ones; and the ids of those created (for undo)."""
    if not names:
        return {}, []
    before = set(db.session.scalars(sa.select(Label.id).where(Label.workspace_id == workspace.id)))
    labels = labels_named(workspace, sorted(names))
    by_fold = {label.name.casefold(): label.id for label in labels}
    return {name: by_fold[name.casefold()] for name in names}, sorted(set(by_fold.values()) - before)


class _BulkInsert:
    """INSERT ... VALUES of many rows through the driver's executemany, in chunks.

    Values go through their column's own bind processor (the Money type's scaling, SQLite's date
    strings), resolved once per column, and only for the columns that vary per row and need one;
    a Core insert would redo that work per value, which is most of a 100,000-row import's time.
    """

    def __init__(self, table: sa.Table, columns: Sequence[str], processed: Sequence[str] = ()):
        connection = db.session.connection()
        dialect = connection.dialect
        self.connection = connection
        self.dialect = dialect
        self.table = table
        self.processors = [(columns.index(name), processor) for name in processed
                           if (processor := table.c[name].type._cached_bind_processor(dialect)) is not None]
        quote = dialect.identifier_preparer.quote
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        self.sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in columns)}) "
                    f"VALUES ({', '.join(marker for _ in columns)})")
        self.pending: list[tuple | list] = []

    def constant(self, name: str, value: Any) -> Any:
        """A value that is the same for every row, processed once."""
        processor = self.table.c[name].type._cached_bind_processor(self.dialect)
        return processor(value) if processor is not None and value is not None else value

    def add(self, values: list[Any]) -> None:
        for index, processor in self.processors:
            if values[index] is not None:
                values[index] = processor(values[index])
        self.pending.append(values)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.connection.exec_driver_sql(self.sql, [tuple(v) for v in self.pending])
            self.pending = []


@contextlib.contextmanager
def _big_cache() -> Iterator[None]:
    """On SQLite, a larger page cache while inserting: the transactions table's eight indexes
    outgrow the default 2 MB and every insert would then wait for pages to be spilled and re-read."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA cache_size = -131072")  # 128 MB, in KiB
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _insert(workspace: Workspace, batch: ImportBatch, plan: Plan, rows: list[PlannedRow],
            account_ids: list[int | None], payee_ids: dict[str, int], defaults: dict[int, int],
            label_ids: dict[str, int], progress: ProgressFn | None) -> None:
    """Transactions, then their lines and labels, with executemany in chunks; then the transfers' keys.

    Ids are not pre-assigned (other imports may be writing): the rows of this batch are read back
    by import_id in id order, which is insertion order on SQLite and MySQL alike.
    """
    with _big_cache():
        ids = _insert_rows(workspace, batch, rows, account_ids, payee_ids, defaults, label_ids, progress,
                           len(plan.rows))
        _link_transfers(workspace, plan, dict(zip(map(id, rows), ids, strict=True)))
    totals.mark_where(db.session, Transaction.workspace_id == workspace.id, Transaction.import_id == batch.id)
    if progress:
        progress(len(plan.rows), len(plan.rows))


def _link_transfers(workspace: Workspace, plan: Plan, inserted: dict[int, int]) -> None:
    """Give both sides of each transfer the same key (the id of the money-out side, as a transfer
    entered by hand has). A side that was already there (a duplicate) is linked to the new one when
    it is not part of a transfer yet."""
    links: list[tuple[int, int]] = []  # (key, transaction id)
    existing: dict[int, int] = {}  # duplicate's transaction id -> the new side's id
    for a, b in plan.pairs:
        one, other = plan.rows[a], plan.rows[b]
        one_id, other_id = inserted.get(id(one)), inserted.get(id(other))
        if one_id is not None and other_id is not None:
            key = one_id if one.amount < 0 else other_id
            links += [(key, one_id), (key, other_id)]
        elif (one_id is None) != (other_id is None):
            new_id, old = (one_id, other) if one_id is not None else (other_id, one)
            if old.match is not None:
                existing[old.match.transaction_id] = new_id  # type: ignore[assignment]
    if existing:
        unlinked = set(db.session.scalars(sa.select(Transaction.id).where(
            Transaction.workspace_id == workspace.id, Transaction.id.in_(list(existing)),
            Transaction.transfer_key.is_(None))))
        totals.mark_where(db.session, Transaction.workspace_id == workspace.id, Transaction.id.in_(list(unlinked)))
        links += [pair for old_id in unlinked for pair in ((old_id, old_id), (old_id, existing[old_id]))]
    if links:
        table = Transaction.__table__
        db.session.execute(table.update().where(table.c.id == sa.bindparam("txn_id"))
                           .values(transfer_key=sa.bindparam("key")),
                           [{"key": key, "txn_id": txn_id} for key, txn_id in links])


def _insert_rows(workspace: Workspace, batch: ImportBatch, rows: list[PlannedRow], account_ids: list[int | None],
                 payee_ids: dict[str, int], defaults: dict[int, int], label_ids: dict[str, int],
                 progress: ProgressFn | None, total: int) -> list[int]:
    ws = workspace.id
    totals.lock_accounts(db.session, {account_id for account_id in account_ids if account_id is not None})
    txns = _BulkInsert(Transaction.__table__, (
        "workspace_id", "account_id", "date", "amount", "payee_id", "memo", "status", "transfer_key", "version",
        "import_id", "external_id", "created_at", "updated_at"), processed=("date", "amount"))
    now = txns.constant("created_at", utcnow())
    for n, r in enumerate(rows, 1):
        txns.add([ws, account_ids[r.statement], r.on, r.amount, payee_ids.get(r.payee) if r.payee else None, r.memo,
                  IMPORT_STATUS, None, 1, batch.id, r.external_id or dedupe.fingerprint(r.text), now, now])
        if progress and n % CHUNK == 0:
            progress(total // 2 + n * (total - total // 2) // len(rows), total)
    txns.flush()
    ids = list(db.session.scalars(sa.select(Transaction.id).where(
        Transaction.workspace_id == ws, Transaction.import_id == batch.id).order_by(Transaction.id)))
    if len(ids) != len(rows):
        raise Conflict("The import was interrupted by another change to these transactions; try again.")
    lines = _BulkInsert(TransactionLine.__table__, ("workspace_id", "transaction_id", "category_id", "amount", "memo"),
                        processed=("amount",))
    tags = _BulkInsert(transaction_labels, ("transaction_id", "label_id"))
    for txn_id, r in zip(ids, rows, strict=True):
        if r.lines:
            for amount, category, memo in r.lines:
                lines.add([ws, txn_id, category, amount, memo])
        else:
            category = r.category_id
            if category is None and r.payee and r.pair is None:
                category = defaults.get(payee_ids.get(r.payee, 0))
            lines.add([ws, txn_id, category, r.amount, ""])
        for name in dict.fromkeys(r.labels):
            tags.add([txn_id, label_ids[name]])
    lines.flush()
    tags.flush()
    return ids


# -- undo -----------------------------------------------------------------------------------------


def undo_import(workspace: Workspace, batch: ImportBatch) -> int:
    """Remove every transaction of an import (lines, labels, attachments too), and the accounts it
    created when they are left empty. Returns how many transactions went."""
    if batch.status == "undone":
        raise Conflict("This import has already been undone.")
    if batch.status != "committed":
        raise Conflict("Only a finished import can be undone.")
    if WizardState.load(batch).investment:  # trades, not transactions: the investments import takes them back
        from financeapp.investments import importing

        return importing.undo_import(workspace, batch)
    from financeapp.receipts.services import delete_attachments_of

    ids = sa.select(Transaction.id).where(Transaction.workspace_id == workspace.id,
                                         Transaction.import_id == batch.id)
    delete_attachments_of(workspace, ids)
    found_transfers.unlink_partners_of(workspace, ids)  # a transfer linked with a row of another import
    totals.mark_where(db.session, Transaction.workspace_id == workspace.id, Transaction.import_id == batch.id)
    db.session.execute(sa.delete(transaction_labels).where(transaction_labels.c.transaction_id.in_(ids)))
    db.session.execute(sa.delete(TransactionLine).where(TransactionLine.workspace_id == workspace.id,
                                                        TransactionLine.transaction_id.in_(ids))
                       .execution_options(synchronize_session=False))
    result = db.session.execute(sa.delete(Transaction).where(Transaction.workspace_id == workspace.id,
                                                             Transaction.import_id == batch.id)
                                .execution_options(synchronize_session=False))
    state = WizardState.load(batch)
    _remove_unused_accounts(workspace, state.created_accounts)
    _remove_unused_categories(workspace, state.created_categories)
    _remove_unused_labels(workspace, state.created_labels)
    batch.status = "undone"
    batch.undone_at = utcnow()
    db.session.flush()
    db.session.expire_all()
    return result.rowcount or 0


def _remove_unused_accounts(workspace: Workspace, ids: list[int]) -> None:
    for account_id in ids:
        account = db.session.scalar(scoped(Account, workspace).where(Account.id == account_id))
        still_used = db.session.scalar(sa.select(sa.func.count()).select_from(Transaction).where(
            Transaction.workspace_id == workspace.id, Transaction.account_id == account_id))
        if account is not None and not still_used and not _has_trades(workspace, account_id):
            db.session.delete(account)


def _has_trades(workspace: Workspace, account_id: int) -> bool:
    """An account holding trades (an investment import's) stays when a bank import into it is undone."""
    from financeapp.investments.importing import account_in_use

    return account_in_use(workspace, account_id)


def _remove_unused_categories(workspace: Workspace, ids: list[int]) -> None:
    """The categories an import created, once nothing uses them (categories before their groups)."""
    if not ids:
        return
    db.session.flush()
    used = set(db.session.scalars(sa.select(TransactionLine.category_id).where(
        TransactionLine.workspace_id == workspace.id, TransactionLine.category_id.in_(ids)).distinct()))
    created = list(db.session.scalars(scoped(Category, workspace).where(Category.id.in_(ids))))
    parents = {c.parent_id for c in db.session.scalars(scoped(Category, workspace).where(
        Category.parent_id.in_(ids), Category.id.not_in(ids)))}  # groups that gained other categories since
    for category in sorted(created, key=lambda c: c.parent_id is None):
        if category.id not in used and category.id not in parents:
            db.session.delete(category)
            db.session.flush()


def _remove_unused_labels(workspace: Workspace, ids: list[int]) -> None:
    if not ids:
        return
    used = set(db.session.scalars(sa.select(transaction_labels.c.label_id).where(
        transaction_labels.c.label_id.in_(ids)).distinct()))
    for label in db.session.scalars(scoped(Label, workspace).where(Label.id.in_(ids))):
        if label.id not in used:
            db.session.delete(label)


# -- one call for scripts: the CLI and the benchmark -----------------------------------------------


@dataclass
class RunResult:
    batch: ImportBatch | None
    plan: Plan
    committed: bool


def run_file(workspace: Workspace, user: User | None, filename: str, data: bytes, *,
             account: Account | None = None, dry_run: bool = False, skip_errors: bool = False,
             progress: ProgressFn | None = None) -> RunResult:
    """Detect, parse (a CSV with its saved or detected mapping), plan and, unless a dry run, commit."""
    name = clean_file_name(filename)
    fmt = detect(name, data)
    mapping = None
    if fmt == "csv":
        layout = csv_layout(data)
        mapping, saved = mapping_for_layout(workspace, layout)
        if account is None and saved is not None and saved.account_id is not None:
            account = db.session.get(Account, saved.account_id)  # the account this header's file went to
        if mapping is None:
            problems = "; ".join(getattr(layout, "problems", ()) or ())
            raise Invalid("The columns of this CSV file could not be recognised" + (f" ({problems})" if problems
                                                                                     else "")
                          + ". Import it once in the web wizard to map them; the mapping is saved and used here "
                            "from then on.")
    parsed = parse_data(data, name, mapping)
    state = WizardState(csv_mapping=mapping, account_id=account.id if account else None, skip_errors=skip_errors)
    if dry_run:
        targets = resolve_targets(workspace, parsed, None, state.account_id, name)
        return RunResult(None, plan_import(workspace, parsed, targets, progress=progress), False)
    batch = ImportBatch(workspace_id=workspace.id, file_name=name, format=fmt[:10], status="running",
                        stored_name="", sha256=sha256(data).hexdigest(),
                        created_by_id=user.id if user else None)
    state.save(batch)
    db.session.add(batch)
    db.session.flush()
    plan = commit_import(workspace, batch, parsed=parsed, progress=progress)
    return RunResult(batch, plan, True)
