"""Reads from a MariaDB replica for reports and list pages, when DATABASE_REPLICA_URL is set.

One mechanism, in one place: `READ_FROM_REPLICA` names the endpoints whose GETs may read from the
replica (the views themselves do not change), and `reading()` turns it on around any other block.
While it is on, a `do_orm_execute` hook on the session sends plain SELECTs to the replica engine.
Everything else stays on the primary:

- every write, and every read after this request wrote (the session flushed) or in a `FOR UPDATE`;
- the tables that decide who may do what (users, tokens, memberships, workspaces, sessions), so a
  revoked session or a removed member never survives on a lagging replica;
- read-your-own-writes: a browser whose request wrote anything reads only from the primary for
  `DATABASE_REPLICA_LAG_SECONDS` afterwards (kept in its session), longer than the replica lags;
- a replica that failed: its connection errors switch it off for `DOWN_SECONDS`; the request that
  met the error gets the usual 503, the ones after it read from the primary.

API requests with a token read reports from the replica too; a script that writes and then reads a
report at once may see the report without its write for the replica's lag (under a second when
replication is healthy).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, request, session
from sqlalchemy.orm import ORMExecuteState

log = logging.getLogger("financeapp.replica")

# Endpoints whose GET requests read from the replica: the dashboard, report pages and JSON, and lists.
READ_FROM_REPLICA = frozenset({
    "dashboard.index",
    "reports.index", "reports.show", "reports.download",
    "api.reports_index", "api.reports_series",
    "transactions.index", "api.transactions_index",
    "accounts.index", "api.accounts_index",
    "api.categories_index",
})
# Tables whose rows grant access: always read where they are written (a sign-out on the primary must
# end the session at once, not after the replica's lag).
PRIMARY_ONLY_TABLES = frozenset({"users", "api_tokens", "memberships", "workspaces", "user_sessions",
                                 "invitations"})
DOWN_SECONDS = 30.0
SESSION_KEY = "primary_until"


class Replica:
    """The replica's engine, and until when it counts as down after a connection error."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.down_until = 0.0

    def usable(self) -> bool:
        return self.down_until <= time.monotonic()


def replica_engine(app: Flask | None = None) -> sa.Engine | None:
    replica: Replica | None = (app or current_app).extensions.get("financeapp_replica")
    return replica.engine if replica is not None and replica.usable() else None


@contextmanager
def reading() -> Iterator[None]:
    """Let the block's plain reads go to the replica (when there is one and this request has not written)."""
    before = g.get("replica_reads", False)
    g.replica_reads = True
    try:
        yield
    finally:
        g.replica_reads = before


def _wants_replica(state: ORMExecuteState) -> bool:
    if not has_request_context() or not g.get("replica_reads") or g.get("wrote_to_primary"):
        return False
    if not state.is_select or state.session.info.get("flushed"):
        return False
    statement = state.statement
    if getattr(statement, "_for_update_arg", None) is not None:
        return False
    tables = {mapper.local_table.name for mapper in state.all_mappers if hasattr(mapper.local_table, "name")}
    tables |= {getattr(f, "name", "") for f in getattr(statement, "get_final_froms", lambda: [])()}
    return not (tables & PRIMARY_ONLY_TABLES)


def _route(state: ORMExecuteState) -> None:
    if not has_request_context():
        return
    engine = replica_engine()
    if engine is None or not _wants_replica(state):
        return
    state.bind_arguments["bind"] = engine


def _note_flush(session, _context) -> None:
    session.info["flushed"] = True
    if has_request_context():
        g.wrote_to_primary = True


def _forget_flush(session, *_args) -> None:
    session.info.pop("flushed", None)


def _start_request() -> None:
    g.wrote_to_primary = False
    if request.method in ("GET", "HEAD") and request.endpoint in READ_FROM_REPLICA:
        g.replica_reads = session.get(SESSION_KEY, 0) < time.time()


def _finish_request(response):
    if g.get("wrote_to_primary") and g.get("api_token") is None:
        session[SESSION_KEY] = time.time() + current_app.config.get("DATABASE_REPLICA_LAG_SECONDS", 10)
    return response


def _failure_listener(replica: Replica):
    def replica_failed(context) -> None:
        """A connection error on the replica: send reads to the primary for a while."""
        if context.is_disconnect or context.connection is None or isinstance(
                context.original_exception, sa.exc.OperationalError | OSError):
            replica.down_until = time.monotonic() + DOWN_SECONDS
            log.warning("replica unavailable: reading from the primary for %.0f s", DOWN_SECONDS)

    return replica_failed


def init_replica(app: Flask) -> None:
    url = app.config.get("DATABASE_REPLICA_URL") or ""
    if not url:
        return
    from config import engine_options, normalise_database_url
    from financeapp.extensions import db

    url = normalise_database_url(url)
    replica = Replica(sa.create_engine(url, **engine_options(url)))
    sa.event.listen(replica.engine, "handle_error", _failure_listener(replica))
    app.extensions["financeapp_replica"] = replica
    factory = db.session.session_factory
    if not getattr(factory, "financeapp_routed", False):  # the session is shared by every app
        sa.event.listen(factory, "do_orm_execute", _route)
        sa.event.listen(factory, "after_flush", _note_flush)
        sa.event.listen(factory, "after_commit", _forget_flush)
        sa.event.listen(factory, "after_rollback", _forget_flush)
        factory.financeapp_routed = True
    app.before_request(_start_request)
    app.after_request(_finish_request)
