"""Exports: filtered transactions as CSV, the whole workspace as one JSON document, and its restore.

CSV: one row per transaction, in the order the transactions page shows them. A split
transaction says "Split" in the category column and lists its lines in the last column,
`splits` ("Group: Category -12.00; Group: Other -8.00"), so the amount column still adds
up to the account's movement. A transfer names the other account in `transfer`. Text cells
that a spreadsheet would run as a formula (starting with = + - @) get a leading apostrophe.
Rows are read in keyset-paginated chunks (each chunk its own query, so the per-chunk look-ups
of lines, labels and transfer sides can run in between, which a streaming cursor on MySQL
would not allow): 100,000 rows never sit in memory at once.

Workspace document (format "financeapp-workspace", version 1)::

    {"format": "financeapp-workspace", "version": 1, "exported_at": "...Z",
     "workspace": {"name": "...", "base_currency": "USD"},
     "tables": {"accounts": {"columns": ["id", "name", ...], "rows": [[1, "Checking", ...], ...]}, ...}}

Amounts are strings ("-12.340"), dates and times ISO 8601. Encrypted columns (account numbers,
bank details; core/crypto.py) stay encrypted in the document, and its "encryption" section names
the key: a restore opens them with the same ENCRYPTION_KEY (or one still in ENCRYPTION_OLD_KEYS) and
refuses the file, saying so, without it. Which tables, and how ids are
re-mapped, is decided by `financeapp.exports.registry`. A restore writes a NEW workspace
owned by the restoring user; it is all or nothing (the caller rolls back on any error).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from financeapp.accounts.models import Account, number_digest
from financeapp.categories.services import category_choices
from financeapp.core.crypto import DecryptionError, EncryptedText, ring
from financeapp.core.db import Money, utcnow
from financeapp.core.errors import Invalid
from financeapp.core.money import minor_units
from financeapp.exports.registry import Plan, plans
from financeapp.extensions import db
from financeapp.labels.models import Label
from financeapp.payees.models import Payee
from financeapp.reports import totals
from financeapp.transactions.models import Transaction, TransactionLine, transaction_labels
from financeapp.transactions.queries import TransactionFilter, filtered
from financeapp.workspaces.models import Membership, Workspace

if TYPE_CHECKING:
    from financeapp.auth.models import User

FORMAT = "financeapp-workspace"
VERSION = 1
CSV_COLUMNS = ("date", "account", "payee", "category", "memo", "labels", "amount", "currency", "status",
               "transfer", "splits")
CHUNK = 1_000
INSERT_CHUNK = 1_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# -- CSV ---------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return "'" + text if text and text.startswith(_FORMULA_START) else text


def _keyset(f: TransactionFilter) -> tuple[Any, bool]:
    column = Transaction.amount if f.sort.endswith("amount") else Transaction.on
    return column, f.sort.startswith("-")


def transactions_csv(workspace: Workspace, f: TransactionFilter, *, chunk: int | None = None) -> Iterator[str]:
    """CSV text of the filtered transactions, yielded a chunk of rows at a time."""
    chunk = chunk or CHUNK
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    accounts = {a.id: (a.name, a.currency, minor_units(a.currency)) for a in db.session.scalars(
        sa.select(Account).where(Account.workspace_id == workspace.id))}
    categories = {int(value): label for value, label in category_choices(workspace, blank=None)}
    column, descending = _keyset(f)
    base = filtered(workspace, f).with_only_columns(
        Transaction.id, Transaction.on, Transaction.amount, Transaction.account_id, Transaction.payee_id,
        Transaction.memo, Transaction.status, Transaction.transfer_key,
    )
    order = (column.desc(), Transaction.id.desc()) if descending else (column.asc(), Transaction.id.asc())
    last: tuple[Any, int] | None = None
    while True:
        query = base
        if last is not None:
            value, last_id = last
            # The plain range first lets SQLite and MariaDB walk the index; the OR only breaks ties.
            if descending:
                query = query.where(column <= value, sa.or_(column < value, Transaction.id < last_id))
            else:
                query = query.where(column >= value, sa.or_(column > value, Transaction.id > last_id))
        rows = db.session.execute(query.order_by(*order).limit(chunk)).all()
        if not rows:
            return
        last = (rows[-1].amount if column is Transaction.amount else rows[-1].on, rows[-1].id)
        buffer.seek(0)
        buffer.truncate()
        for row in _csv_rows(workspace, rows, accounts, categories):
            writer.writerow(row)
        yield buffer.getvalue()


def _csv_rows(workspace: Workspace, found: Sequence[sa.Row[Any]], accounts: dict[int, tuple[str, str, int]],
              categories: dict[int, str]) -> Iterator[list[str]]:
    rows = [tuple(row) for row in found]  # (id, on, amount, account_id, payee_id, memo, status, transfer_key)
    ids = [row[0] for row in rows]
    lines: dict[int, list[tuple[int | None, Decimal]]] = {}
    for txn_id, category_id, amount in db.session.execute(
        sa.select(TransactionLine.transaction_id, TransactionLine.category_id, TransactionLine.amount)
        .where(TransactionLine.workspace_id == workspace.id, TransactionLine.transaction_id.in_(ids))
        .order_by(TransactionLine.id)
    ):
        lines.setdefault(txn_id, []).append((category_id, amount))
    labels: dict[int, list[str]] = {}
    for txn_id, name in db.session.execute(
        sa.select(transaction_labels.c.transaction_id, Label.name)
        .join(Label, Label.id == transaction_labels.c.label_id)
        .where(transaction_labels.c.transaction_id.in_(ids)).order_by(Label.name)
    ):
        labels.setdefault(txn_id, []).append(name)
    payee_ids = {row[4] for row in rows if row[4]}
    payees: dict[int, str] = {payee_id: name for payee_id, name in db.session.execute(
        sa.select(Payee.id, Payee.name).where(Payee.workspace_id == workspace.id, Payee.id.in_(payee_ids))
    )} if payee_ids else {}
    keys = {row[7] for row in rows if row[7] is not None}
    sides: dict[int, list[tuple[int, int]]] = {}
    if keys:
        for txn_id, key, account_id in db.session.execute(
            sa.select(Transaction.id, Transaction.transfer_key, Transaction.account_id)
            .where(Transaction.workspace_id == workspace.id, Transaction.transfer_key.in_(keys))
        ):
            sides.setdefault(key, []).append((txn_id, account_id))
    no_account = ("", "", 2)
    for txn_id, on, amount, account_id, payee_id, memo, status, transfer_key in rows:
        account, currency, places = accounts.get(account_id, no_account)
        txn_lines = lines.get(txn_id, [])
        transfer = category = splits = ""
        if transfer_key is not None:
            other = next((acc for side, acc in sides.get(transfer_key, []) if side != txn_id), None)
            transfer = accounts.get(other, no_account)[0] if other else ""
        elif len(txn_lines) > 1:
            category = "Split"
            splits = "; ".join(f"{categories.get(cat, 'Uncategorised') if cat else 'Uncategorised'} "
                               f"{part:.{places}f}" for cat, part in txn_lines)
        elif txn_lines and txn_lines[0][0] is not None:
            category = categories.get(txn_lines[0][0], "")
        yield [
            on.isoformat(), _cell(account), _cell(payees.get(payee_id, "")), _cell(category), _cell(memo or ""),
            _cell(", ".join(labels.get(txn_id, []))), f"{amount:.{places}f}", currency, status, _cell(transfer),
            _cell(splits),
        ]


# -- workspace document ------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    """What json cannot write itself: amounts as strings, dates and times in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot export a {type(value).__name__}")


def _scope(plan: Plan, workspace: Workspace) -> Any:
    via, parent_name = plan.spec.scope_via, plan.scope_table  # the registry sets both or neither
    if via is None or parent_name is None:
        return plan.table.c.workspace_id == workspace.id
    parent = db.metadata.tables[parent_name]
    return plan.table.c[via].in_(sa.select(parent.c.id).where(parent.c.workspace_id == workspace.id))


def _table_rows(plan: Plan, workspace: Workspace, chunk: int) -> Iterator[list[tuple]]:
    """Chunks of the workspace's rows of one table, in primary-key order (keyset, never all at once)."""
    key = list(plan.table.primary_key.columns)
    # Encrypted columns are exported as stored: the backup never holds them in clear.
    columns = [_stored(plan.table.c[name]) for name in plan.columns]
    base = sa.select(*columns, *[k for k in key if k.name not in plan.columns]).where(_scope(plan, workspace))
    last: tuple | None = None
    width = len(columns)
    while True:
        query = base
        if last is not None:
            if len(key) == 1:
                query = query.where(key[0] > last[0])
            else:  # two-column keys (link tables): a range on the first, the second breaks ties
                if len(key) != 2:
                    raise RuntimeError(f"exports: {plan.name} has a primary key of {len(key)} columns")
                query = query.where(key[0] >= last[0], sa.or_(key[0] > last[0], key[1] > last[1]))
        rows = db.session.execute(query.order_by(*key).limit(chunk)).all()
        if not rows:
            return
        row = rows[-1]._mapping
        last = tuple(row[k] for k in key)
        yield [tuple(r)[:width] for r in rows]


def _stored(column: sa.Column) -> sa.ColumnElement:
    return sa.type_coerce(column, sa.Text()).label(column.name) if isinstance(column.type, EncryptedText) else column


def workspace_json(workspace: Workspace, *, chunk: int | None = None) -> Iterator[str]:
    """The workspace as one JSON document, yielded in pieces (a table chunk at a time)."""
    chunk = chunk or CHUNK
    head = {"format": FORMAT, "version": VERSION, "exported_at": utcnow().isoformat() + "Z",
            "workspace": {"name": workspace.name, "base_currency": workspace.base_currency},
            "encryption": {"cipher": "AES-256-GCM", "key_id": ring().current_id,
                           "note": "Account numbers and bank details in this file are encrypted; restore it on a "
                                   "server with the same ENCRYPTION_KEY."}}
    yield json.dumps(head)[:-1] + ', "tables": {'
    for index, plan in enumerate(plans()):
        yield ("" if index == 0 else ", ") + json.dumps(plan.name) + ': {"columns": ' + json.dumps(plan.columns) \
            + ', "rows": ['
        first = True
        for rows in _table_rows(plan, workspace, chunk):
            text = json.dumps(rows, default=_json_default)[1:-1]
            yield ("\n" if first else ",\n") + text
            first = False
        yield "]}"
    yield "}}\n"


def write_workspace_json(workspace: Workspace, out: IO[str]) -> None:
    for piece in workspace_json(workspace):
        out.write(piece)


# -- restore -----------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    workspace: Workspace
    counts: dict[str, int]


def _problem(message: str) -> Invalid:
    return Invalid(message, fields={"file": message})


def load_document(data: bytes | str) -> dict:
    """Parse and check the envelope of a workspace document; Invalid with a clear message otherwise."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _problem("This is not a financeapp workspace export: it is not a UTF-8 JSON file.") from None
    try:
        document = json.loads(data, parse_float=Decimal)
    except (ValueError, RecursionError):
        raise _problem("This is not a financeapp workspace export: it is not valid JSON.") from None
    return check_document(document)


def check_document(document: Any) -> dict:
    """The document when its format and version are ours; Invalid with a clear message otherwise."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _problem(f"This is not a financeapp workspace export (expected format “{FORMAT}”).")
    version = document.get("version")
    if version != VERSION:
        raise _problem(f"This export is format version {str(version)[:20]}, but this financeapp reads only "
                       f"version {VERSION}. Restore it with the financeapp version that wrote it, or a newer one.")
    if not isinstance(document.get("tables"), dict) or not isinstance(document.get("workspace"), dict):
        raise _problem("This workspace export is damaged: it has no tables or no workspace section.")
    return document


class _Converter:
    """Turns one JSON value into the column's Python value, or says why it cannot."""

    def __init__(self, column: sa.Column):
        self.column = column
        kind = column.type
        self.nullable = column.nullable
        if isinstance(kind, EncryptedText):
            self.kind = "encrypted"
            self.context = kind.context
        elif isinstance(kind, Money):
            self.kind = "money"
            self.scale = kind.SCALE
        elif isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):  # float ok: a type check, no money
            self.kind = "money"
            self.scale = kind.scale if kind.scale is not None else 10
        elif isinstance(kind, sa.Boolean):
            self.kind = "bool"
        elif isinstance(kind, sa.DateTime):
            self.kind = "datetime"
        elif isinstance(kind, sa.Date):
            self.kind = "date"
        elif isinstance(kind, sa.Integer):
            self.kind = "int"
        elif isinstance(kind, sa.String):
            self.kind = "str"
            self.length = kind.length
        else:
            self.kind = "any"

    def __call__(self, value: Any) -> Any:
        if value is None:
            if not self.nullable:
                raise ValueError("must not be empty")
            return None
        kind = self.kind
        if kind == "encrypted":  # opened here; written again under this server's current key
            if not isinstance(value, str):
                raise ValueError("is not text")
            try:
                return ring().decrypt_text(value, self.context)
            except DecryptionError:
                raise ValueError("is encrypted under a key this server does not have: restore the file where "
                                 "ENCRYPTION_KEY is the key it was exported with") from None
        if kind == "money":
            if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
                raise ValueError("is not an amount")
            try:
                amount = Decimal(value)
            except InvalidOperation:
                raise ValueError("is not an amount") from None
            if not amount.is_finite() or amount != amount.quantize(Decimal(1).scaleb(-self.scale)) \
                    or abs(amount) >= Decimal("1e15"):
                raise ValueError("is not an amount this column can hold")
            return amount
        if kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**63 - 1:
                raise ValueError("is not a whole number")
            return value
        if kind == "bool":
            if not isinstance(value, bool):
                raise ValueError("is not true or false")
            return value
        if kind == "date":
            if not isinstance(value, str):
                raise ValueError("is not a date")
            return date.fromisoformat(value)
        if kind == "datetime":
            if not isinstance(value, str):
                raise ValueError("is not a date and time")
            return datetime.fromisoformat(value)
        if kind == "str":
            if not isinstance(value, str):
                raise ValueError("is not text")
            if self.length and len(value) > self.length:
                raise ValueError(f"is longer than {self.length} characters")
            return value
        return value


def _table_part(document: dict, plan: Plan) -> tuple[list[str], list]:
    part = document["tables"].get(plan.name)
    if part is None:
        return list(plan.columns), []
    if not isinstance(part, dict) or not isinstance(part.get("columns"), list) \
            or not isinstance(part.get("rows"), list):
        raise _problem(f"This workspace export is damaged: table “{plan.name}” has no columns or rows list.")
    columns = part["columns"]
    unknown = [c for c in columns if not isinstance(c, str) or c not in plan.columns]
    if unknown:
        raise _problem(f"Table “{plan.name}” has columns this financeapp does not know: "
                       f"{', '.join(map(str, unknown))[:200]}.")
    if len(set(columns)) != len(columns):
        raise _problem(f"Table “{plan.name}” names a column twice.")
    if plan.has_id and "id" not in columns:
        raise _problem(f"Table “{plan.name}” has no id column.")
    for name in plan.columns:
        column = plan.table.c[name]
        if name not in columns and not column.nullable and column.default is None \
                and column.server_default is None and name != "id":
            raise _problem(f"Table “{plan.name}” is missing its “{name}” column.")
    return columns, part["rows"]


NAME_LENGTH = 80  # workspaces.name
_RESTORED = re.compile(r"\s*\(restored \d{4}-\d{2}-\d{2}\)(?: \(\d+\))?$")


def restored_name(owner: User, exported: str, chosen: str | None = None, today: date | None = None) -> str:
    """The new workspace's name: the one chosen, else "<exported name> (restored <today>)"; never one the
    owner's workspace list already shows (" (2)", " (3)" ... is added), so two rows never look the same."""
    today = today or utcnow().date()
    chosen = " ".join((chosen or "").split())
    if chosen:
        wanted = chosen[:NAME_LENGTH]
    else:
        base = _RESTORED.sub("", " ".join(exported.split())) or "Workspace"  # a restored backup's backup
        suffix = f" (restored {today.isoformat()})"
        wanted = base[:NAME_LENGTH - len(suffix)] + suffix
    taken = {name.casefold() for name in db.session.scalars(
        sa.select(Workspace.name).join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == owner.id))}
    candidate, number = wanted, 1
    while candidate.casefold() in taken and number < 1000:
        number += 1
        counter = f" ({number})"
        candidate = wanted[:NAME_LENGTH - len(counter)] + counter
    return candidate


def restore_workspace(owner: User, document: dict | bytes | str, *, name: str | None = None,
                      today: date | None = None) -> RestoreResult:
    """Write the document into a NEW workspace owned by `owner`; Invalid (writing nothing) on any problem.

    The workspace is named as a restore (`restored_name`) unless `name` is given. Flushes, never
    commits; on Invalid the caller must roll back the session.
    """
    document = check_document(document) if isinstance(document, dict) else load_document(document)
    unknown = sorted(set(document["tables"]) - {plan.name for plan in plans()})
    if unknown:
        raise _problem("This export has tables this financeapp does not know (written by a newer version?): "
                       + ", ".join(map(str, unknown))[:200] + ".")
    meta = document["workspace"]
    exported = meta.get("name")
    currency = meta.get("base_currency")
    if not isinstance(exported, str) or not exported.strip() or not isinstance(currency, str) or len(currency) != 3:
        raise _problem("This workspace export is damaged: the workspace has no name or base currency.")
    workspace = Workspace(name=restored_name(owner, exported, name, today), base_currency=currency.upper(),
                          is_personal=False)
    workspace.memberships.append(Membership(user=owner, role="owner"))
    db.session.add(workspace)
    db.session.flush()
    ids: dict[str, dict[int, int]] = {}
    counts: dict[str, int] = {}
    try:
        for plan in plans():
            counts[plan.name] = _restore_table(plan, document, workspace, owner, ids)
        db.session.flush()
        _index_account_numbers(workspace)
        totals.mark_workspace(db.session, workspace.id)
    except IntegrityError as err:
        raise _problem("This workspace export is inconsistent and was not restored: "
                       f"{str(err.orig)[:200]}") from None
    except DBAPIError as err:  # MySQL refusing a value SQLite would take (a range, a length)
        raise _problem(f"This workspace export has a value the database refused: {str(err.orig)[:200]}") from None
    return RestoreResult(workspace=workspace, counts=counts)


def _index_account_numbers(workspace: Workspace) -> None:
    """The restored accounts' keyed number hashes, under this server's key (they were not in the file)."""
    for account in db.session.scalars(sa.select(Account).where(Account.workspace_id == workspace.id,
                                                               Account.number != "")):
        account.number_digest = number_digest(account.number)
    db.session.flush()


def _new_rows(plan: Plan, workspace: Workspace) -> Any:
    if plan.scope_table is not None:
        raise RuntimeError(f"exports: {plan.name} has ids but no workspace_id; ids cannot be re-mapped")
    return plan.table.c.workspace_id == workspace.id


def _restore_table(plan: Plan, document: dict, workspace: Workspace, owner: User,
                   ids: dict[str, dict[int, int]]) -> int:
    columns, rows = _table_part(document, plan)
    converters = {name: _Converter(plan.table.c[name]) for name in columns if name != "id"}
    deferred = plan.self_refs
    onupdate = [c.name for c in plan.table.columns if c.onupdate is not None and c.name in columns]
    own: dict[int, int] = {}
    ids[plan.name] = own
    values: list[dict[str, Any]] = []
    old_ids: list[int] = []
    later: list[tuple[int, dict[str, Any]]] = []  # (old id, self references and on-update columns)
    fixed: dict[str, int | None] = {"workspace_id": workspace.id} if "workspace_id" in plan.table.columns else {}
    for column in plan.user_columns:
        fixed[column] = None if plan.table.c[column].nullable else owner.id
    width = len(columns)
    for number, row in enumerate(rows, 1):
        where = f"Table “{plan.name}”, row {number}"
        if not isinstance(row, list) or len(row) != width:
            raise _problem(f"{where}: expected {width} values.")
        record = dict(zip(columns, row, strict=True))
        out: dict[str, Any] = dict(fixed)
        for name, maker in plan.spec.restore_values.items():
            out[name] = maker()
        old_id = None
        if plan.has_id:
            old_id = record.pop("id")
            if isinstance(old_id, bool) or not isinstance(old_id, int) or old_id in own or old_id <= 0:
                raise _problem(f"{where}: the id {str(old_id)[:20]} is missing, not a number or repeated.")
            own[old_id] = 0
        for name, value in record.items():
            try:
                value = converters[name](value)
            except ValueError as err:
                raise _problem(f"{where}, column “{name}”: {str(value)[:40]!r} {err}.") from None
            target = plan.refs.get(name)
            if target is not None and value is not None:
                if target == plan.name:
                    out[name] = None  # self references are written once every row has its new id
                    continue
                new = ids[target].get(value)
                if new is None:
                    raise _problem(f"{where}, column “{name}”: it refers to {target} id {value}, "
                                   "which is not in the file.")
                value = new
            out[name] = value
        if plan.has_id and (deferred or onupdate):
            wanted = {name: record.get(name) for name in deferred if record.get(name) is not None}
            if wanted:
                wanted.update({name: out[name] for name in onupdate if name in out})
                later.append((old_id, wanted))  # type: ignore[arg-type]
        values.append(out)
        if old_id is not None:
            old_ids.append(old_id)
    table = plan.table
    for start in range(0, len(values), INSERT_CHUNK):
        db.session.execute(table.insert(), values[start:start + INSERT_CHUNK])
    if plan.has_id and values:
        # The new workspace's rows of this table are exactly the ones just inserted, in order:
        # auto-increment values rise in insertion order on SQLite and InnoDB (SQLAlchemy relies
        # on the same for MySQL), and no one else can write to a workspace that does not exist
        # for them yet. So the new ids, sorted, pair with the old ids in file order.
        new_ids = db.session.scalars(sa.select(table.c.id).where(_new_rows(plan, workspace)).order_by(table.c.id))
        for old, new in zip(old_ids, new_ids, strict=True):
            own[old] = new
    if later:
        updates = []
        for old, wanted in later:
            params = {"_id": own[old]}
            for name, value in wanted.items():
                if name in deferred:
                    new = own.get(value)
                    if new is None:
                        raise _problem(f"Table “{plan.name}”, column “{name}”: it refers to {plan.name} id "
                                       f"{value}, which is not in the file.")
                    value = new
                params["_" + name] = value
            updates.append(params)
        by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for params in updates:
            by_shape.setdefault(tuple(sorted(params)), []).append(params)
        for shape, batch in by_shape.items():
            statement = table.update().where(table.c.id == sa.bindparam("_id")).values(
                {name[1:]: sa.bindparam(name) for name in shape if name != "_id"})
            db.session.execute(statement, batch)
    return len(values)


def counts_of(workspace: Workspace) -> dict[str, int]:
    """Rows per registered table in a workspace (one COUNT each)."""
    return {plan.name: db.session.scalar(sa.select(sa.func.count()).select_from(plan.table)
                                         .where(_scope(plan, workspace))) or 0
            for plan in plans()}


def iter_chunks(pieces: Iterable[str]) -> Iterator[bytes]:
    for piece in pieces:
        yield piece.encode()
