"""Rows found by a unique name and created when missing, safely when two writers race for the same name.

Two requests that both type a new payee (or label, or category) each look it up, find nothing and
insert it; the unique constraint then refuses the second insert. Without care that is a 500. Here:

- the insert runs in a SAVEPOINT, so a refused insert undoes only itself, not the caller's work;
- after a refusal, the row is looked up again with a locking read (`FOR SHARE`/`LOCK IN SHARE MODE`
  on MySQL and MariaDB). A plain SELECT under MariaDB's default REPEATABLE READ reads the
  transaction's first snapshot, from before the other writer committed, and would still find
  nothing; a locking read reads the latest committed row whatever the isolation level. SQLite
  has one writer at a time and ignores the lock clause.

Every place that creates payees, labels or categories by name goes through `find_or_create`
(one row) or `insert_missing` (many, for imports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from financeapp.core.errors import Conflict
from financeapp.extensions import db

T = TypeVar("T")
ATTEMPTS = 3  # a refused insert means the row now exists; more than one retry means something else is wrong


def find_or_create(query: sa.Select, make: Callable[[], T], *, what: str = "record") -> T:
    """The row `query` finds, else the one `make()` builds (added and flushed here, in a savepoint).

    `query` selects one ORM entity by the columns of a unique constraint (one without NULLs: a NULL
    never clashes, hence categories' computed `parent_key`); `make` returns a new, unsaved instance
    with the same values.
    """
    found = db.session.scalar(query)
    for _attempt in range(ATTEMPTS):
        if found is not None:
            return found
        row = make()
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            # Another transaction created it since we looked (and has committed, or the insert would
            # still be waiting on its lock): read the latest committed row, not our snapshot.
            found = db.session.scalar(query.with_for_update(read=True))
            continue
        return row
    raise Conflict(f"The {what} could not be saved because it changed meanwhile; try again.")


def insert_missing(table: sa.Table, values: Sequence[dict[str, Any]], chunk: int = 1000) -> None:
    """INSERT these rows, skipping any whose unique key another writer (or an earlier row) already holds.

    The caller reads the ids back with `locked_read` (see the module docstring for why locking).
    """
    if not values:
        return
    dialect = db.session.connection().dialect.name
    for offset in range(0, len(values), chunk):
        part = list(values[offset:offset + chunk])
        if dialect in ("mysql", "mariadb"):
            first_key = next(iter(table.primary_key.columns)).name
            statement = mysql.insert(table).values(part)
            # A no-op update on a duplicate key: unlike INSERT IGNORE it still fails on bad data.
            db.session.execute(statement.on_duplicate_key_update({first_key: statement.table.c[first_key]}))
        elif dialect == "postgresql":
            db.session.execute(postgresql.insert(table).values(part).on_conflict_do_nothing())
        else:
            db.session.execute(sqlite.insert(table).values(part).on_conflict_do_nothing())


def locked_read(query: sa.Select) -> sa.Select:
    """`query` as a locking read: it sees rows other transactions committed after this one began."""
    return query.with_for_update(read=True)
