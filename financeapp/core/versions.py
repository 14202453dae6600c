"""One data version for the whole database, bumped by every transaction that writes data.

Figures computed from the data (the dashboard's) can then be cached under the version they were
read at, and conditional GETs can answer 304 while nothing changed: a cached value can never be
stale, because the bump is the last statement of the very transaction that changed the data, so
a reader sees either the old data with the old version or the new data with the new one (both are
read in one transaction, from one snapshot).

One counter rather than one per workspace: every write path (ORM flushes and the bulk statements
of imports, restores and jobs) is covered by watching the statements the connection sends, without
having to know which workspace a bulk UPDATE touched. The price is that a write in one workspace
also refreshes the other workspaces' caches, which for a household or team server is nothing.

The bump runs at the connection's commit, after every statement of the transaction (the monthly
totals' refresh included), so the version row is the last lock a writer takes: two writers can
wait for each other there, never deadlock.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event

from financeapp.core.db import Base
from financeapp.extensions import db

T = TypeVar("T")

TABLE = "data_versions"
_WROTE = "financeapp.wrote_data"
_DML = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b(?:\s+(?:INTO|FROM|IGNORE|LOW_PRIORITY|OR\s+\w+))*\s+"
                  r"[`\"\[]?(\w+)", re.IGNORECASE)

# Writes that change no figure: sign-in records, job bookkeeping, the version itself.
IGNORED_TABLES = frozenset({TABLE, "alembic_version", "user_sessions", "job_runs", "idempotency_keys"})

# One row (id 1), made by migration 1702; never deleted, not even by the tests' clean-up.
versions_table = sa.Table(
    TABLE, Base.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
)
BUMP = f"UPDATE {TABLE} SET version = version + 1 WHERE id = 1"


def written_table(statement: str) -> str | None:
    """The table an INSERT, UPDATE or DELETE writes to, or None for any other statement."""
    match = _DML.match(statement)
    return match.group(1).lower() if match else None


def _note_write(conn: sa.Connection, _cursor: Any, statement: str, _parameters: Any, _context: Any,
                _many: bool) -> None:
    table = written_table(statement)
    if table is not None and table not in IGNORED_TABLES:
        conn.info[_WROTE] = True


def _forget(conn: sa.Connection) -> None:
    conn.info.pop(_WROTE, None)


def _bump_at_commit(conn: sa.Connection) -> None:
    """Just before a transaction that wrote data commits: bump the version in it, as its last statement.

    Through the driver's own cursor: SQLAlchemy is in the middle of committing, and the statement
    needs none of its bookkeeping (nor should it count as a write itself).
    """
    if conn.info.pop(_WROTE, None):
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(BUMP)
        except Exception as error:
            if not _table_missing(error):
                raise  # a version that failed to move must fail the commit, or caches would go stale
        finally:
            cursor.close()


def _table_missing(error: Exception) -> bool:
    """The migrations before this table's own commit too (SQLite: "no such table", MySQL: error 1146)."""
    return TABLE in str(error) and ("no such table" in str(error) or getattr(error, "args", (None,))[0] == 1146)


def current() -> int:
    """The version the current transaction sees (0 before the first write)."""
    return db.session.execute(sa.select(versions_table.c.version).where(versions_table.c.id == 1)).scalar() or 0


def listen(engine: sa.Engine) -> None:
    """Watch an engine's statements and commits (once per engine)."""
    if not event.contains(engine, "before_cursor_execute", _note_write):
        event.listen(engine, "before_cursor_execute", _note_write)
        event.listen(engine, "commit", _bump_at_commit)
        event.listen(engine, "rollback", _forget)


def init_app(app: Any) -> None:
    """Watch the app's engines (the primary, and any replica: it is never written to)."""
    with app.app_context():
        for engine in {db.engine, *db.engines.values()}:
            listen(engine)


class VersionedCache:
    """A small per-process LRU of values computed at a data version; thread-safe."""

    def __init__(self, size: int = 256):
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under (current version, key), computing and keeping it on a miss."""
        full = (current(), key)
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                return self._items[full]
        value = compute()
        with self._lock:
            self._items[full] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
