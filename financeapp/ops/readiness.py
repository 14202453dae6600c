"""The checks behind `/readyz`, each with its own deadline so the answer always comes within a second.

Checks: the database answers `SELECT 1`; its schema is at the migrations' head(s) (an instance
started before `flask db upgrade` finished is not ready); Redis answers PING (only when REDIS_URL
is set: without it the app needs no Redis); the upload folder takes a file. Each runs in a thread
of its own and the request waits for all of them together at most `DEADLINE` seconds: a check
still running then is reported as "timeout" (a database that accepts the connection but never
answers blocks its driver for its connect timeout, which we do not wait for). While a check of
one kind is still running from an earlier probe, the next probe reports it as timed out at once,
so a load balancer polling a hung database cannot pile threads up.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from financeapp.extensions import db

DEADLINE = 0.8  # seconds for all checks together; the response is written well within 1 s
REDIS_TIMEOUT = 0.5

_in_flight: dict[str, threading.Event] = {}
_in_flight_lock = threading.Lock()


def migration_heads(app: Flask) -> set[str]:
    """The head revision(s) of the migrations folder, read once per app."""
    heads = app.extensions.get("financeapp_migration_heads")
    if heads is None:
        from alembic.script import ScriptDirectory

        heads = set(ScriptDirectory(app.extensions["migrate"].directory).get_heads())
        app.extensions["financeapp_migration_heads"] = heads
    return heads


def database_check(engine: sa.Engine, heads: set[str]) -> Callable[[], dict[str, str]]:
    def check() -> dict[str, str]:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            try:
                current = set(conn.scalars(sa.text("SELECT version_num FROM alembic_version")))
            except sa.exc.DBAPIError:
                current = set()
        migrations = "ok" if current == heads else f"behind (at {', '.join(sorted(current)) or 'none'})"
        return {"database": "ok", "migrations": migrations}

    return check


def redis_check(url: str) -> Callable[[], dict[str, str]]:
    def check() -> dict[str, str]:
        from redis import Redis

        client = Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
        try:
            client.ping()
        finally:
            client.close()
        return {"redis": "ok"}

    return check


def uploads_check(folder: str) -> Callable[[], dict[str, str]]:
    def check() -> dict[str, str]:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".readyz-") as probe:
            probe.write(b"ok")
            probe.flush()
        return {"uploads": "ok"}

    return check


FAILED = {"database": {"database": "unreachable", "migrations": "unknown"}, "redis": {"redis": "unreachable"},
          "uploads": {"uploads": "not writable"}}
TIMED_OUT = {"database": {"database": "timeout", "migrations": "unknown"}, "redis": {"redis": "timeout"},
             "uploads": {"uploads": "timeout"}}


def run_checks() -> tuple[bool, dict[str, str]]:
    """(ready, what each check found); called inside a request."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    checks: dict[str, Callable[[], dict[str, str]]] = {
        "database": database_check(db.engine, migration_heads(app)),
        "uploads": uploads_check(app.config["UPLOAD_FOLDER"]),
    }
    if app.config.get("REDIS_URL"):
        checks["redis"] = redis_check(app.config["REDIS_URL"])
    results: dict[str, dict[str, str]] = {}
    waits = [_start(name, check, results) for name, check in checks.items()]
    end = time.monotonic() + DEADLINE
    for done in waits:
        if done is not None:
            done.wait(max(0.0, end - time.monotonic()))
    found: dict[str, str] = {}
    for name in checks:
        found.update(results.get(name) or TIMED_OUT[name])
    ready = all(value == "ok" for value in found.values())
    return ready, found


def _start(name: str, check: Callable[[], dict[str, str]], results: dict[str, dict[str, str]]
           ) -> threading.Event | None:
    """Run one check in a daemon thread; None when the same check is still running from before."""
    with _in_flight_lock:
        if name in _in_flight and not _in_flight[name].is_set():
            return None
        done = threading.Event()
        _in_flight[name] = done

    def run() -> None:
        try:
            results[name] = check()
        except Exception:  # any failure of the dependency is "not ready", never an error page
            results[name] = FAILED[name]
        finally:
            done.set()

    threading.Thread(target=run, name=f"readyz-{name}", daemon=True).start()
    return done
