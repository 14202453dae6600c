"""The whole-history scan as a job — unusual transactions, then the seasonal patterns and trends — on RQ
when `REDIS_URL` is set, inline otherwise.

`start_scan` is what the Insights page's button and `flask insights scan` call: with Redis it enqueues
`scan_job` on the "financeapp" queue (start a worker with `rq worker financeapp --url $REDIS_URL`) and
answers "queued"; without Redis (or with Redis down) it runs the scan now and answers "done", as the
imports do for a small file. `run_scan` is the whole job: it loads the workspace, rescans, commits.
A scan of 100,000 transactions takes about a second (bench/insights_anomalies.py).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, has_app_context

from financeapp.extensions import db
from financeapp.insights import services
from financeapp.insights.services import ScanResult
from financeapp.ops.queue import enqueue
from financeapp.workspaces.models import Workspace

log = logging.getLogger("financeapp.insights")

QUEUE = "financeapp"
JOB_TIMEOUT = 600  # seconds


def get_queue(app: Flask) -> Any:
    """The RQ queue of this app, or None when no Redis is configured."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url))


def start_scan(workspace: Workspace) -> tuple[str, ScanResult | None]:
    """Queue a full scan ("queued", None) or run it now ("done", its result). Commits."""
    queue = get_queue(current_app)
    if queue is not None and enqueue(queue, scan_job, workspace.id, job_timeout=JOB_TIMEOUT,
                                     description=f"unusual transactions scan {workspace.id}"):
        return "queued", None
    return "done", run_scan(workspace.id)


def run_scan(workspace_id: int) -> ScanResult | None:
    """Rescan one workspace's history, recompute its patterns, and commit; None when the workspace is gone."""
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None:
        return None
    try:
        result = services.rescan(workspace)
        services.refresh_patterns(workspace)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("unusual transactions scan of workspace %s failed", workspace_id)
        raise
    log.info("unusual transactions scan of workspace %s: %s", workspace_id, result)
    return result


def scan_job(workspace_id: int) -> str:
    """The RQ entry point: scan inside an app context (a worker has none of its own)."""
    if has_app_context():
        return repr(run_scan(workspace_id))
    from financeapp import create_app

    app = create_app()
    with app.app_context():
        try:
            return repr(run_scan(workspace_id))
        finally:
            db.session.remove()
