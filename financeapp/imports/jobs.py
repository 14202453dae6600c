"""The long steps of an import (analysing a file for the preview, committing it) as jobs.

With `REDIS_URL` set, a large file's step runs on the RQ queue "financeapp" (start a worker
with `rq worker financeapp --url $REDIS_URL` from the app's directory); otherwise it runs in
a request. Either way the page polls the batch's progress. `run_step` is the whole job: it
loads the batch, runs the step, commits, and records a failure on the batch instead of
losing it; `import_job` is the RQ entry point and builds an app when the worker has none.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context

from financeapp.core.errors import FinanceError
from financeapp.core.scoping import scoped
from financeapp.extensions import db
from financeapp.imports import committing, services, storage
from financeapp.imports.models import ImportBatch
from financeapp.imports.state import WizardState
from financeapp.investments import importing
from financeapp.ops.metrics import count_import_rows
from financeapp.ops.queue import enqueue
from financeapp.workspaces.models import Workspace

log = logging.getLogger("financeapp.imports")

QUEUE = "financeapp"
STEPS = ("analyse", "commit")
BACKGROUND_BYTES = 256 * 1024  # files from this size run as a job with a progress bar (about 3,000 rows)
JOB_TIMEOUT = 1_800  # seconds
UNEXPECTED = ("The import stopped because of an unexpected error; nothing was written. "
              "It has been logged; try again or upload the file again.")


def is_large(batch: ImportBatch) -> bool:
    try:
        return storage.stored_path(batch).stat().st_size >= current_app.config.get(
            "IMPORT_BACKGROUND_BYTES", BACKGROUND_BYTES)
    except (OSError, FinanceError):
        return False


def get_queue(app: Flask) -> Any:
    """The RQ queue of this app, or None when no Redis is configured."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url))


def start(batch: ImportBatch, step: str) -> str:
    """Mark the batch running and hand the step to the queue ("queued"), to the progress page
    ("page": a large file without Redis) or back to the caller to run now ("now"). Commits."""
    if step not in STEPS:
        raise ValueError(step)
    large = is_large(batch)
    queue = get_queue(current_app) if large else None
    mode = "queued" if queue is not None else "page" if large else "now"
    batch.status = "running"
    batch.progress = 0
    batch.message = ""
    WizardState.change(batch, job=step, mode=mode)
    db.session.commit()
    if queue is not None and not enqueue(queue, import_job, batch.id, batch.workspace_id, step,
                                         job_timeout=JOB_TIMEOUT, description=f"import {batch.id} {step}",
                                         retry=_retry()):
        mode = "page"  # Redis is unreachable: the progress page runs the step, as without Redis
        WizardState.change(batch, job=step, mode=mode)
        db.session.commit()
    return mode


def _retry() -> Any:
    """Run a step again when its worker died mid-way: RQ re-queues a job whose heartbeat stopped once its
    registry is cleaned (by the next worker, within ~90 s). A step that was cut off wrote nothing (the
    import is one transaction), and run_step skips a batch that is no longer running that step."""
    from rq import Retry

    return Retry(max=2)  # no interval: an interval needs a worker running with --with-scheduler


def run_step(batch_id: int, workspace_id: int, step: str, *, reraise: bool = False) -> str:
    """Run one step of a batch and commit; return the batch's status afterwards.

    A FinanceError (a row error, a file that no longer parses) puts the batch back to "staged"
    with the message, so the user sees why on the preview; anything else marks it "failed"
    (and is re-raised in a worker, so RQ records it too).
    """
    workspace = db.session.get(Workspace, workspace_id)
    batch = _batch(workspace, batch_id) if workspace is not None else None
    if workspace is None or batch is None:
        return "missing"
    if batch.status != "running" or WizardState.load(batch).job != step:
        return batch.status
    progress = storage.ProgressFile(batch, step)
    try:
        investment = WizardState.load(batch).investment  # trades: the investments import runs the step
        if step == "analyse":
            (importing.analyse_batch if investment else services.analyse_batch)(workspace, batch, progress=progress)
            batch.status = "staged"
        else:
            (importing.commit_batch if investment else committing.commit_import)(workspace, batch, progress=progress)
        WizardState.change(batch, job=None, mode=None)
        db.session.commit()
    except FinanceError as err:
        db.session.rollback()
        _finish(workspace, batch_id, "staged", err.message)
        return "staged"
    except Exception:
        db.session.rollback()
        log.exception("import %s step %s failed", batch_id, step)
        _finish(workspace, batch_id, "failed", UNEXPECTED)
        if reraise:
            raise
        return "failed"
    if batch.status == "committed":
        count_import_rows(batch.rows_imported)
        storage.discard_files(batch)
    return batch.status


def _batch(workspace: Workspace, batch_id: int) -> ImportBatch | None:
    return db.session.scalar(scoped(ImportBatch, workspace).where(ImportBatch.id == batch_id))


def _finish(workspace: Workspace, batch_id: int, status: str, message: str) -> None:
    batch = _batch(workspace, batch_id)
    if batch is None:
        return
    batch.status = status
    batch.message = message
    WizardState.change(batch, job=None, mode=None)
    db.session.commit()


def import_job(batch_id: int, workspace_id: int, step: str) -> str:
    """The RQ entry point: run a step inside an app context (a worker has none of its own)."""
    if has_app_context():
        return run_step(batch_id, workspace_id, step, reraise=True)
    from financeapp import create_app

    app = create_app()
    with app.app_context():
        try:
            return run_step(batch_id, workspace_id, step, reraise=True)
        finally:
            db.session.remove()


ABANDONED_AFTER = timedelta(days=7)


def discard_abandoned(day: date) -> int:
    """Forget imports uploaded more than a week before `day` and never carried out, with their files.

    A step of `flask jobs run-due`: uploads someone walked away from would otherwise stay on
    disk for ever. Returns how many were discarded.
    """
    cutoff = datetime.combine(day, time.min) - ABANDONED_AFTER
    batches = db.session.scalars(sa.select(ImportBatch).where(
        ImportBatch.status.in_(("staged", "failed")), ImportBatch.created_at < cutoff)).all()
    for batch in batches:
        storage.discard_files(batch)
        db.session.delete(batch)
    return len(batches)
