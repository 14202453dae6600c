"""One way to put work on the RQ queue: the request id travels with the job, and Redis down is an answer.

Every enqueue site calls `enqueue(queue, func, *args, **kwargs)` instead of `queue.enqueue(...)`
(today: financeapp/imports/jobs.py, the only one):
the job's meta gets the id of the request that started it (financeapp/ops/logs.py puts it on the
job's log lines), and a Redis that cannot be reached returns False instead of raising, so the caller
can fall back to running the work another way (imports run on the progress page) instead of failing
the request.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, has_request_context

from financeapp.ops.logs import job_request_id

log = logging.getLogger("financeapp.queue")


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return job_request_id()  # a job that enqueues another passes its own id on


def enqueue(queue: Any, func: Any, *args: Any, **kwargs: Any) -> bool:
    """Enqueue `func(*args)` with the request id in its meta; False when Redis is unreachable."""
    from redis.exceptions import RedisError

    meta = {**kwargs.pop("meta", {}), "request_id": current_request_id()}
    try:
        queue.enqueue(func, *args, meta=meta, **kwargs)
    except (RedisError, OSError) as err:
        log.warning("could not enqueue %s: %s", getattr(func, "__name__", func), type(err).__name__)
        return False
    return True
