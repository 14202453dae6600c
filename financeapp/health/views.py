"""`/healthz` says the process answers; `/readyz` says the database does too."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import jsonify

from financeapp.extensions import db
from financeapp.health import bp

log = logging.getLogger("financeapp.health")


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as err:
        db.session.rollback()
        log.warning("readiness check failed: %s", err.__class__.__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
