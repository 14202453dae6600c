"""Fitting forecasts as a job: on the RQ queue "financeapp" when `REDIS_URL` is set, inline otherwise.

A request never fits a model. When a page or the API finds a series' cache stale it calls
`request_refresh`, which notes the request and either enqueues `forecast_job` (start a worker with
`rq worker financeapp --url $REDIS_URL`) or, without Redis, runs the job after the response has
been sent (`call_on_close`), in its own app context, so the request that asked does not wait.
Outside a request (the CLI, a test, cron's `flask insights refresh-forecasts`) it runs at once.

`refresh_workspace` is the whole job: it loads the series, skips those whose cache is fresh, fits
the rest and commits after each, so a failure in one series (recorded on its cache row) loses none
of the others.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask, after_this_request, current_app, has_app_context, has_request_context

from financeapp.extensions import db
from financeapp.insights.forecasts import cache, forecaster
from financeapp.insights.forecasts.series import MonthlySeries, SeriesKey, all_series, load_series
from financeapp.ops.queue import enqueue
from financeapp.workspaces.models import Workspace

log = logging.getLogger("financeapp.insights")

QUEUE = "financeapp"
JOB_TIMEOUT = 900  # seconds: a few hundred series at well under a second each


def get_queue(app: Flask) -> Any:
    """The RQ queue of this app, or None when no Redis is configured."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url))


def _wanted(workspace: Workspace, keys: list[str] | None, as_of: date) -> list[MonthlySeries]:
    every = all_series(workspace, as_of)
    if keys is None:
        return every
    by_key = {s.key.text: s for s in every}
    return [by_key.get(key) or load_series(workspace, SeriesKey.parse(key), as_of) for key in dict.fromkeys(keys)]


def _fit(values: list[Decimal], last_month: str, kind: str, currency: str) -> tuple[Any, float]:
    """One series' forecast and how long it took; pure, so it can run in a worker process."""
    started = time.perf_counter()
    return forecaster.forecast(values, last_month, kind, currency), time.perf_counter() - started


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
POOL_MIN = 6  # fewer stale series are fitted in-process: starting a worker costs a few seconds


def _workers(count: int, workers: int | None) -> int:
    """How many worker processes fit the series: FORECAST_WORKERS (default the core count); 0 = in-process."""
    wanted = workers if workers is not None else int(current_app.config.get("FORECAST_WORKERS", os.cpu_count() or 1))
    if count < POOL_MIN:
        return 0
    return max(0, min(wanted, count, os.cpu_count() or 1))


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Worker processes start with one BLAS thread each. These fits are many small matrices: OpenBLAS's own
    threads only contend with each other (measured on the bench: 8 series in 13.4 s with them, 5.5 s
    without, on 2 busy cores). Spawned children read the variables when they import numpy."""
    saved = {name: os.environ.get(name) for name in BLAS_THREADS}
    os.environ.update({name: "1" for name in BLAS_THREADS})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def refresh_workspace(workspace_id: int, keys: list[str] | None = None, *, as_of: date | None = None,
                      force: bool = False, workers: int | None = None) -> int:
    """Fit and cache every stale series of the workspace (or only `keys`); returns how many were fitted.

    The fits are pure and independent, so with several cores they run in that many worker processes
    (FORECAST_WORKERS, default the core count); the database is only touched here, in this process.
    """
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None:
        return 0
    stale = [s for s in _wanted(workspace, keys, as_of or date.today())
             if s.values and (force or not cache.is_fresh(workspace, s))]
    db.session.commit()  # end the read before the long part
    count = _workers(len(stale), workers)
    arguments = [(s.values, s.last_month, s.key.kind, s.currency) for s in stale]
    if count:
        # "spawn", not "fork": safe from a threaded web server, and the children get one BLAS thread.
        with _one_blas_thread():
            pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"))
            futures = [pool.submit(_fit, *a) for a in arguments]
        with pool:
            outcomes = [_outcome(f.result) for f in futures]
    else:
        outcomes = [_outcome(lambda a=a: _fit(*a)) for a in arguments]
    done = 0
    for series, outcome in zip(stale, outcomes, strict=True):
        if isinstance(outcome, Exception):  # one series that cannot be fitted must not stop the others
            log.error("forecast of %s in workspace %s failed: %r", series.key.text, workspace_id, outcome)
            cache.store_failure(workspace, series, f"{type(outcome).__name__}: {outcome}")
        else:
            cache.store(workspace, series, *outcome)
            done += 1
        db.session.commit()
    return done


def _outcome(call: Any) -> Any:
    try:
        return call()
    except Exception as err:  # returned, not raised: recorded on the series' cache row
        return err


def forecast_job(workspace_id: int, keys: list[str] | None, as_of: str) -> int:
    """The RQ entry point: refresh inside an app context (a worker has none of its own)."""
    day = date.fromisoformat(as_of)
    if has_app_context():
        return refresh_workspace(workspace_id, keys, as_of=day)
    from financeapp import create_app

    app = create_app()
    with app.app_context():
        try:
            return refresh_workspace(workspace_id, keys, as_of=day)
        finally:
            db.session.remove()


def _after_response(app: Flask, workspace_id: int, keys: list[str], as_of: date) -> None:
    @after_this_request
    def run_later(response: Any) -> Any:
        def run() -> None:
            with app.app_context():
                try:
                    refresh_workspace(workspace_id, keys, as_of=as_of)
                except Exception:  # after the response nobody can be told; the cache row stays "computing"
                    log.exception("inline forecast job for workspace %s failed", workspace_id)
                finally:
                    db.session.remove()

        response.call_on_close(run)
        return response


def request_refresh(workspace: Workspace, keys: list[str], as_of: date) -> str:
    """Ask for these series to be refitted: "queued", "after-response", "ran" or "already-asked".

    Commits (the request marker must be visible to the job and to the next request)."""
    try:
        fresh = cache.mark_requested(workspace, keys)
        db.session.commit()
    except sa.exc.IntegrityError:  # another request inserted the same series' row first: it asked already
        db.session.rollback()
        return "already-asked"
    if not fresh:
        return "already-asked"
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue = get_queue(app)
    if queue is not None and enqueue(queue, forecast_job, workspace.id, fresh, as_of.isoformat(),
                                     job_timeout=JOB_TIMEOUT, description=f"forecasts of workspace {workspace.id}"):
        return "queued"
    if has_request_context():
        _after_response(app, workspace.id, fresh, as_of)
        return "after-response"
    refresh_workspace(workspace.id, fresh, as_of=as_of)
    return "ran"
