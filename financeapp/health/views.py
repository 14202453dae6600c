"""`/healthz` says the process answers; `/readyz` says its database, Redis, schema and uploads do too."""

from __future__ import annotations

import logging

from flask import jsonify

from financeapp.health import bp
from financeapp.ops.readiness import run_checks

log = logging.getLogger("financeapp.health")


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """200 when every check passed, else 503 with what failed; within a second either way."""
    ready, found = run_checks()
    if not ready:
        log.warning("readiness check failed: %s", ", ".join(f"{k}={v}" for k, v in found.items() if v != "ok"))
        response = jsonify(status="unavailable", **found)
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response
    return jsonify(status="ok", **found)
