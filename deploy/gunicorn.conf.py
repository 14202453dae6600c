"""gunicorn settings for financeapp: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Worker class: `sync`. A page is CPU work (SQL results turned into objects, Jinja rendering) with
short database waits, so one process per request in flight is the cheapest model that uses every
core; there is no long-polling on these workers (the optional `/events` stream runs on its own
gevent gunicorn, see deploy/README.md). gthread or gevent would add switching cost without adding
CPU. Count: `WEB_CONCURRENCY`, default 2 per core: while one worker waits on MariaDB, the other
uses the core. Measured on 2 cores (bench/README.md): 2 workers already keep both cores busy when
MariaDB runs on the same machine; more workers only lengthen the queue inside the kernel.

Metrics: every worker writes its Prometheus samples into one directory per instance
(PROMETHEUS_MULTIPROC_DIR, made here before the workers fork and emptied when the instance
starts), so `/metrics` on any worker reports the whole instance; `child_exit` drops a dead
worker's live gauges. With METRICS_ADDRESS=127.0.0.1:9101 the master also serves the same
aggregate there, for a scraper that should not go through the public site.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
worker_class = "sync"
# A request that takes longer than this is stuck (reports answer in well under a second); gunicorn
# replaces the worker. Imports and OCR never run in a request (they are RQ jobs).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Recycle workers now and then so a slow leak in a dependency cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500
# No preload: each worker opens its own database connections after the fork (a pool inherited
# across fork is shared by accident), and the migrations are never run at start (`flask db upgrade`
# is a deploy step).
preload_app = False
# gunicorn's own access log would repeat the app's request line (financeapp/core/http.py).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# X-Forwarded-Proto is honoured from a proxy on this host only (nginx in deploy/nginx.conf).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


_made_here: list[Path] = []


def _metrics_dir(server) -> Path:
    explicit = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if explicit:
        return Path(explicit)
    where = re.sub(r"[^A-Za-z0-9]+", "-", ",".join(str(b) for b in server.cfg.bind)).strip("-")
    return Path(tempfile.gettempdir()) / f"financeapp-metrics-{where}"


def on_starting(server) -> None:
    """Give this instance an empty metrics directory before any worker starts."""
    directory = _metrics_dir(server)
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _made_here.append(directory)
    if directory.exists():
        for path in directory.glob("*.db"):
            path.unlink()
    else:
        directory.mkdir(parents=True, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def when_ready(server) -> None:
    """Serve the aggregate on METRICS_ADDRESS too (from the master), when it is set."""
    address = os.environ.get("METRICS_ADDRESS", "")
    if not address:
        return
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    host, _, port = address.rpartition(":")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(int(port), addr=host or "127.0.0.1", registry=registry)
    server.log.info("metrics on http://%s/metrics", address)


def child_exit(server, worker) -> None:
    """A worker that exited takes its live gauges (pool in use) with it; its counters stay counted."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """Remove the directory this config made (an explicit PROMETHEUS_MULTIPROC_DIR is left alone)."""
    if _made_here:
        shutil.rmtree(_made_here[0], ignore_errors=True)
