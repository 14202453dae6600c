"""Prometheus metrics: what is counted, the helpers other code calls, and the `/metrics` answer.

Under gunicorn every worker writes its samples to files in PROMETHEUS_MULTIPROC_DIR (set by
deploy/gunicorn.conf.py before the workers fork; prometheus_client reads it when it is first
imported), and a scrape of any worker adds up the files of all of them. Without that directory
(the development server, tests) the samples live in this process.

Other code records through the small functions here and never touches prometheus_client:
`count_import_rows(n)` (imports), `timed(OCR_SECONDS)` / `timed(FORECAST_SECONDS)` (the documents
and insights domains), `observe_request(...)` (financeapp/core/http.py, once per request).
The job queue's depth and failures are read from Redis when scraped, since they are facts about
the queue, not about this process.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from financeapp.extensions import db

log = logging.getLogger("financeapp.metrics")

# Request latency: pages answer in tens of milliseconds; a few seconds is already an outage.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# OCR of a page and fitting a forecast take seconds to minutes.
JOB_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)

REQUESTS = Counter("financeapp_http_requests_total", "HTTP requests answered, by route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("financeapp_http_request_duration_seconds", "Time to answer a request, by route template",
                    ["method", "route"], buckets=LATENCY_BUCKETS)
DB_IN_USE = Gauge("financeapp_db_pool_connections_in_use", "Database connections checked out of the pool now",
                  multiprocess_mode="livesum")
DB_OPENED = Counter("financeapp_db_connections_opened_total", "Database connections opened by the pools")
DB_UNAVAILABLE = Counter("financeapp_db_unavailable_total", "Requests answered 503 because the database failed")
IMPORT_ROWS = Counter("financeapp_import_rows_total", "Rows written to the ledger by imports", ["outcome"])
OCR_SECONDS = Histogram("financeapp_ocr_duration_seconds", "Time to extract a document's text with OCR",
                        buckets=JOB_BUCKETS)
FORECAST_SECONDS = Histogram("financeapp_forecast_duration_seconds", "Time to fit and backtest one forecast",
                             buckets=JOB_BUCKETS)

UNMATCHED = "<unmatched>"  # 404s for paths no route knows: one label, not one per scanned URL


def count_import_rows(rows: int, outcome: str = "committed") -> None:
    """Count rows an import wrote (or, with another outcome, skipped)."""
    if rows > 0:
        IMPORT_ROWS.labels(outcome=outcome).inc(rows)


@contextmanager
def timed(histogram: Histogram) -> Iterator[None]:
    """Observe how long the block took, also when it raises."""
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - started)


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    route = route or UNMATCHED
    REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    LATENCY.labels(method=method, route=route).observe(seconds)


def _opened(*_args) -> None:
    DB_OPENED.inc()


def _checked_out(*_args) -> None:
    DB_IN_USE.inc()


def _checked_in(*_args) -> None:
    DB_IN_USE.dec()


def watch_pool(engine: sa.Engine) -> None:
    """Keep the in-use gauge from the pool's own checkout and checkin events (once per engine)."""
    if sa.event.contains(engine, "checkout", _checked_out):
        return
    sa.event.listen(engine, "connect", _opened)
    sa.event.listen(engine, "checkout", _checked_out)
    sa.event.listen(engine, "checkin", _checked_in)


class QueueCollector:
    """The RQ queue's waiting and failed jobs, read from Redis at scrape time (short timeouts)."""

    def __init__(self, redis_url: str, queues: tuple[str, ...]):
        self.redis_url, self.queues = redis_url, queues

    def collect(self):
        depth = GaugeMetricFamily("financeapp_job_queue_depth", "Jobs waiting in the queue", labels=["queue"])
        failed = GaugeMetricFamily("financeapp_job_queue_failed", "Jobs in the queue's failed registry",
                                   labels=["queue"])
        up = GaugeMetricFamily("financeapp_redis_up", "1 when Redis answered this scrape")
        try:
            from redis import Redis
            from rq import Queue

            connection = Redis.from_url(self.redis_url, socket_connect_timeout=0.5, socket_timeout=0.5)
            for name in self.queues:
                queue = Queue(name, connection=connection)
                depth.add_metric([name], queue.count)
                failed.add_metric([name], queue.failed_job_registry.count)
            up.add_metric([], 1)
        except Exception as err:  # Redis down: the scrape still answers, with redis_up 0
            log.warning("metrics: the job queue could not be read: %s", type(err).__name__)
            up.add_metric([], 0)
            return [up]
        return [depth, failed, up]


def exposition(app: Flask) -> bytes:
    """Every sample of this instance (all workers when multiprocess) plus the queue's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if app.config.get("REDIS_URL"):
        from financeapp.imports.jobs import QUEUE

        queue_registry = CollectorRegistry()
        queue_registry.register(QueueCollector(app.config["REDIS_URL"], (QUEUE,)))
        body += generate_latest(queue_registry)
    return body


def metrics_view() -> Response:
    """GET /metrics: only with `Authorization: Bearer $METRICS_TOKEN`; without a token set, no such page."""
    expected = current_app.config.get("METRICS_TOKEN") or ""
    if not expected:
        abort(404)  # the operator chose METRICS_ADDRESS (gunicorn's master) or no metrics at all
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        return Response("metrics need the METRICS_TOKEN as a Bearer token\n", 401,
                        {"WWW-Authenticate": 'Bearer realm="metrics"', "Content-Type": "text/plain"})
    return Response(exposition(current_app), 200, {"Content-Type": CONTENT_TYPE_LATEST,
                                                   "Cache-Control": "no-store"})


def _observe(response: Response) -> Response:
    """One sample per request, timed from core/http.py's start (the core imports no package of ours)."""
    seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule is not None else None
    observe_request(request.method, route, response.status_code, seconds)
    return response


def init_metrics(app: Flask) -> None:
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
    app.after_request(_observe)
    with app.app_context():
        for engine in db.engines.values():
            watch_pool(engine)
