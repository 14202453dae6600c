"""The scheduled jobs: `run-due` posts due recurring transactions, reminds of bills, raises budget
alerts and goal milestones, and records what it did as a JobRun.

`run_due` is the top of the job's unit of work, as a view is of a request's: it commits after each
occurrence and each step, so one failure (or a lock held by a concurrent run) never undoes the rest.
Running it twice, or as two processes at once, is safe: posting is claimed in the database
(see financeapp.recurring.services) and notifications are deduplicated there too.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import random
import re
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa

from financeapp.core.db import utcnow
from financeapp.core.errors import FinanceError, NotFound
from financeapp.core.pagination import Page, paginate
from financeapp.extensions import db
from financeapp.jobs.models import JobRun
from financeapp.notifications import delivery
from financeapp.recurring import services as recurring
from financeapp.workspaces.models import Workspace

log = logging.getLogger("financeapp.jobs")

RUN_DUE = "run-due"
STALE_AFTER = timedelta(days=1)
RETRIES = 8
MAX_EVERY_SECONDS = 24 * 3600
PER_PAGE = 25
T = TypeVar("T")

# The planning steps other domains provide; a missing module is skipped, not an error.
OPTIONAL_STEPS = (
    ("budget_alerts", "financeapp.budgets.jobs", "check_budget_alerts", "budgets"),
    ("goal_milestones", "financeapp.goals.jobs", "check_goal_milestones", "goals"),
    ("abandoned_imports", "financeapp.imports.jobs", "discard_abandoned", "imports"),
    ("expired_idempotency_keys", "financeapp.api.resources", "purge_expired_keys", "the API"),
)


def _transient(err: Exception) -> bool:
    """A lock timeout, a deadlock, or a concurrent insert of the same name: worth trying again."""
    if isinstance(err, sa.exc.IntegrityError):
        return True
    text = str(getattr(err, "orig", err)).lower()
    return any(word in text for word in ("locked", "deadlock", "lock wait timeout", "busy"))


def in_unit(work: Callable[[], T]) -> T:
    """Run `work` and commit; on a transient database error roll back and try again (a few times)."""
    for attempt in range(RETRIES):
        try:
            result = work()
            db.session.commit()
            return result
        except (sa.exc.OperationalError, sa.exc.IntegrityError) as err:
            db.session.rollback()
            if attempt == RETRIES - 1 or not _transient(err):
                raise
            log.info("run-due: retrying after %s", type(err).__name__)
            time.sleep(0.05 * (attempt + 1) + random.random() * 0.1)
    raise AssertionError("unreachable")


def _workspace(workspace_id: int) -> Workspace:
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound("The workspace was deleted.")
    return workspace


def _post_item(workspace_id: int, item_id: int, dates: list[date]) -> tuple[dict[str, int], list[str]]:
    """Post one item's due dates in one transaction, each date in its own savepoint."""
    done = {"posted": 0, "already_posted": 0, "post_failed": 0}
    failures: list[str] = []
    posted: list[date] = []
    workspace = _workspace(workspace_id)
    item = recurring.get_item(workspace, item_id)
    recurring.begin_write(immediate=True)
    for on in dates:
        try:
            with db.session.begin_nested():
                occurrence = recurring.post_occurrence(workspace, item, on)
        except FinanceError as err:
            done["post_failed"] += 1
            failures.append(f"recurring item #{item_id} on {on.isoformat()}: {err.message}")
            continue
        done["posted" if occurrence is not None else "already_posted"] += 1
        if occurrence is not None:
            posted.append(on)
    recurring.notify_posted(workspace, item, posted)
    return done, failures


def post_due(day: date, errors: list[str]) -> dict[str, int]:
    """Post every auto-posting occurrence up to `day` not yet posted, in every workspace.

    One transaction per item (its missed dates together), each date in its own savepoint: a date
    that cannot post is rolled back alone, and the commit count stays low when catching up.
    """
    counts = {"posted": 0, "already_posted": 0, "post_failed": 0}
    for workspace_id in recurring.workspaces_with(auto_post=True):
        by_item: dict[int, list[date]] = {}
        for item_id, on in recurring.due_occurrences(_workspace(workspace_id), day):
            by_item.setdefault(item_id, []).append(on)
        db.session.rollback()  # end the read, so each item starts a fresh transaction
        for item_id, dates in by_item.items():
            try:
                done, failures = in_unit(lambda w=workspace_id, i=item_id, d=dates: _post_item(w, i, d))
            except NotFound:
                db.session.rollback()  # deleted while we ran: nothing to post
                continue
            for key, value in done.items():
                counts[key] += value
            for failure in failures:
                log.warning("run-due: not posted: %s", failure)
            errors.extend(failures)
    return counts


def remind_due_bills(day: date) -> int:
    """Bill reminders in every workspace; returns how many were raised (a repeat raises none)."""
    raised = 0
    for workspace_id in recurring.workspaces_with(bills=True):
        raised += in_unit(lambda workspace_id=workspace_id: recurring.remind_bills(_workspace(workspace_id), day))
    return raised


def _optional_step(module_name: str, function: str, label: str, day: date) -> int | str:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name in (module_name, module_name.rpartition(".")[0]):
            return f"skipped: {label} not installed"
        raise
    check = getattr(module, function, None)
    if check is None:
        return f"skipped: {label} not installed"
    return in_unit(lambda: check(day))


def run_due(day: date) -> JobRun:
    """Everything that is due on `day` (catching up on missed days); returns the recorded run."""
    run = JobRun(name=RUN_DUE, for_date=day, started_at=utcnow(), status="running",
                 host=f"{socket.gethostname()}:{os.getpid()}"[:120])
    in_unit(lambda: db.session.add(run))
    summary: dict[str, Any] = {}
    errors: list[str] = []
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("recurring", lambda: post_due(day, errors)),
        ("bill_reminders", lambda: remind_due_bills(day)),
        *((key, lambda m=module, f=function, label=label: _optional_step(m, f, label, day))
          for key, module, function, label in OPTIONAL_STEPS),
    ]
    for key, step in steps:
        try:
            result = step()
        except Exception as err:  # one failing step must not stop the others; it is logged and recorded
            db.session.rollback()
            log.exception("run-due: step %s failed", key)
            errors.append(f"{key}: {type(err).__name__}: {err}")
            result = "error"
        if isinstance(result, dict):
            summary.update(result)
        else:
            summary[key] = result

    def finish() -> None:
        run.finished_at = utcnow()
        run.status = "error" if errors else "ok"
        run.summary = json.dumps(summary, sort_keys=True)
        run.error = "\n".join(errors)[:20_000]

    in_unit(finish)
    return run


def describe_run(run: JobRun) -> str:
    """One line: what a run did."""
    data = run.summary_data
    parts = [f"posted {data.get('posted', 0)}"
             + (f" ({data['already_posted']} already posted)" if data.get("already_posted") else "")]
    if data.get("post_failed"):
        parts.append(f"{data['post_failed']} failed")
    for key, label in (("bill_reminders", "bill reminders"), ("budget_alerts", "budget alerts"),
                       ("goal_milestones", "goal milestones"), ("abandoned_imports", "abandoned imports discarded")):
        if key in data:
            parts.append(f"{label}: {data[key]}")
    took = f" in {run.seconds:.1f}s" if run.seconds is not None else ""
    return f"{run.name} {run.for_date.isoformat()}: {', '.join(parts)} — {run.status}{took}"


# --- Looping, for installs without cron -------------------------------------------------------

def parse_every(text: str) -> int:
    """Seconds from "90", "30s", "15m" or "1h"."""
    match = re.fullmatch(r"\s*(\d{1,6})\s*([smh]?)\s*", text or "", re.IGNORECASE)
    if not match:
        raise ValueError("Use a number with s, m or h, such as 30s, 15m or 1h.")
    seconds = int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2).lower()]
    if not 1 <= seconds <= MAX_EVERY_SECONDS:
        raise ValueError("Choose an interval from 1 second to 24 hours.")
    return seconds


DIGEST_WEEKDAY = 0  # Monday, as the cron line in the README


def deliver_and_digest(today: date) -> str:
    """What cron runs as separate lines besides run-due: due e-mail and webhook deliveries, and on
    Mondays the weekly digest (raised once per ISO week however often this runs)."""
    attempted = 0
    while (batch := in_unit(delivery.deliver_due)) and attempted < 100 * delivery.BATCH:
        attempted += batch
        if batch < delivery.BATCH:
            break
    digests = in_unit(lambda: delivery.send_digests(today=today)) if today.weekday() == DIGEST_WEEKDAY else 0
    return f"delivered {attempted}, digests {digests}"


def run_forever(every: int, *, max_runs: int | None = None, echo: Callable[[str], Any] = print,
                today: Callable[[], date] = date.today) -> int:
    """The scheduler: run_due, deliveries and digests every `every` seconds until SIGTERM or Ctrl-C
    (or `max_runs`); returns the runs made. `make run` keeps one running beside the dev server."""
    stop = threading.Event()
    watched = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in watched}
    runs = 0
    try:
        while not stop.is_set():
            try:
                day = today()
                run = run_due(day)
                echo(f"{describe_run(run)}; {deliver_and_digest(day)}")
            except Exception:  # the database may be away for a moment: log, wait, try again
                db.session.rollback()
                log.exception("run-due failed")
                echo("run-due failed; see the log. Trying again later.")
            finally:
                db.session.remove()
            runs += 1
            if max_runs is not None and runs >= max_runs:
                break
            stop.wait(every)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if stop.is_set():
        echo("Stopped.")
    return runs


# --- Status -----------------------------------------------------------------------------------

def last_success(name: str = RUN_DUE) -> JobRun | None:
    return db.session.scalar(sa.select(JobRun).where(JobRun.name == name, JobRun.status == "ok")
                             .order_by(JobRun.finished_at.desc(), JobRun.id.desc()).limit(1))


def is_stale(now: datetime | None = None, name: str = RUN_DUE) -> bool:
    """True when the job has not finished successfully within STALE_AFTER (or ever)."""
    last = last_success(name)
    return last is None or last.finished_at is None or (now or utcnow()) - last.finished_at > STALE_AFTER


def recent_runs(number: int = 1) -> Page[JobRun]:
    """A page of job runs, newest first."""
    return paginate(sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()), number, PER_PAGE)
