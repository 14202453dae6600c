"""Operations: metrics, structured logs, answers during outages, readiness checks, read replicas.

Not a domain with pages: `init_app` adds `/metrics`, the JSON log handler and the 503 handlers,
and the replica routing when DATABASE_REPLICA_URL is set. The probes themselves are in
financeapp/health/ (they call readiness.py here). deploy/ shows how the processes fit together.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install logging, metrics, the outage handlers and the replica routing."""
    from financeapp.ops import logs, metrics, outages, replica

    logs.configure_logging(app)
    metrics.init_metrics(app)
    outages.init_outages(app)
    replica.init_replica(app)
