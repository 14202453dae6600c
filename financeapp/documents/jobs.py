"""Reading documents as jobs: one RQ job per document when `REDIS_URL` is set, inline otherwise.

With Redis, `start` enqueues each queued document of a batch on the "financeapp" queue (start a
worker with `rq worker financeapp --url $REDIS_URL`); without it the batch page asks the server to
read the next document (`run_next`), one per request, while it polls the progress — so no request
reads more than one document. The CLI reads its files in order, inline. `run_document` is the whole
job: it claims the document, reads it, commits, and records a failure on the document instead of
losing it.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context

from financeapp.core.db import utcnow
from financeapp.core.scoping import scoped
from financeapp.documents import services
from financeapp.documents.models import Document, DocumentBatch
from financeapp.extensions import db
from financeapp.ops.queue import enqueue
from financeapp.workspaces.models import Workspace

log = logging.getLogger("financeapp.documents")

QUEUE = "financeapp"
JOB_TIMEOUT = 600  # seconds: ten pages at the page timeout, and then some
UNEXPECTED = "Reading stopped because of an unexpected error; it has been logged. Retry the file."


def get_queue(app: Flask) -> Any:
    """The RQ queue of this app, or None when no Redis is configured."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url))


def mode(app: Flask) -> str:
    """"queued" when a worker reads the documents, "page" when the batch page drives the reading."""
    return "page" if not app.config.get("REDIS_URL") else "queued"


def start(workspace: Workspace, documents: list[Document]) -> str:
    """Hand the documents to the queue ("queued") or leave them for the page to run ("page"). Commits."""
    db.session.commit()
    queue = get_queue(current_app)
    if queue is None:
        return "page"
    for doc in documents:
        if not enqueue(queue, document_job, doc.id, workspace.id, job_timeout=JOB_TIMEOUT,
                       description=f"document {doc.id}"):
            return "page"  # Redis is down: the batch page reads what was not enqueued (claims are atomic)
    return "queued"


def _claim(workspace: Workspace, document_id: int) -> bool:
    """Move a queued document to "processing" unless another worker or request got there first."""
    claimed = db.session.execute(sa.update(Document).where(
        Document.workspace_id == workspace.id, Document.id == document_id, Document.status == "queued")
        .values(status="processing", reading_started_at=utcnow(), version=Document.version + 1)).rowcount
    db.session.commit()
    return bool(claimed)


def run_document(document_id: int, workspace_id: int, *, today: date | None = None, reraise: bool = False) -> str:
    """Read one queued document and commit; return its status afterwards."""
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None or not _claim(workspace, document_id):
        return "missing" if workspace is None else "skipped"
    doc = db.session.scalar(scoped(Document, workspace).where(Document.id == document_id))
    try:
        services.process_document(workspace, doc, today=today)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("reading document %s failed", document_id)
        db.session.execute(sa.update(Document).where(Document.id == document_id).values(
            status="failed", message=UNEXPECTED, attempts=Document.attempts + 1, version=Document.version + 1))
        db.session.commit()
        if reraise:
            raise
        return "failed"
    return doc.status


def run_next(workspace: Workspace, batch: DocumentBatch) -> Document | None:
    """Read the batch's next queued document (the page's inline mode); None when none is left."""
    if services.fail_stale_readings(workspace, batch=batch):
        db.session.commit()
    queued = db.session.scalars(sa.select(Document.id).where(
        Document.workspace_id == workspace.id, Document.batch_id == batch.id, Document.status == "queued")
        .order_by(Document.id).limit(3)).all()
    for document_id in queued:
        if run_document(document_id, workspace.id) != "skipped":
            return db.session.get(Document, document_id)
    return None


def retry(workspace: Workspace, doc: Document) -> str:
    """Queue a failed (or already read) draft document again; reading it follows as for a new one.
    A reading stuck past the stale limit counts as failed, so it can be retried too."""
    if doc.status == "processing" and services.fail_stale_readings(workspace):
        db.session.refresh(doc)
    services.reprocess_allowed(doc)
    doc.status, doc.message = "queued", ""
    return start(workspace, [doc])


def document_job(document_id: int, workspace_id: int) -> str:
    """The RQ entry point: read a document inside an app context (a worker has none of its own)."""
    if has_app_context():
        return run_document(document_id, workspace_id, reraise=True)
    from financeapp import create_app

    app = create_app()
    with app.app_context():
        try:
            return run_document(document_id, workspace_id, reraise=True)
        finally:
            db.session.remove()
