"""When the database cannot be reached: 503 with Retry-After, never a 500.

Connection failures surface as SQLAlchemy's OperationalError / InterfaceError (a refused or lost
connection, a server restarting, "gone away") or a pool timeout, from wherever the request touched
the database: loading the user, resolving the workspace, the view, a context processor. One
handler answers them all: problem+json for the API, `errors/503.html` for pages. The page is
rendered without the context processors, because they read the database too.
"""

from __future__ import annotations

import contextlib
import logging

import sqlalchemy as sa
from flask import Flask, Response, current_app, g
from flask_login import AnonymousUserMixin

from financeapp.core.errors import problem, wants_json
from financeapp.extensions import db
from financeapp.ops.metrics import DB_UNAVAILABLE

log = logging.getLogger("financeapp.outages")

RETRY_AFTER_SECONDS = 5
TITLE = "Service unavailable"
DETAIL = "The database cannot be reached right now. Please try again in a few seconds."
OUTAGE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError, sa.exc.DisconnectionError)


def database_code(err: Exception) -> str:
    """The driver's error code (2003: refused, 2013: lost...) for the log; never the message's values."""
    orig = getattr(err, "orig", None)
    args = getattr(orig, "args", ())
    return str(args[0]) if args and isinstance(args[0], int) else type(orig or err).__name__


def unavailable(err: Exception) -> Response:
    with contextlib.suppress(sa.exc.SQLAlchemyError):  # the connection is gone; teardown discards the session
        db.session.rollback()
    DB_UNAVAILABLE.inc()
    log.warning("database unavailable (%s): answering 503", database_code(err))
    if wants_json():
        response = problem(503, TITLE, DETAIL)
    else:
        html = current_app.jinja_env.get_template("errors/503.html").render(
            status=503, title=TITLE, detail=DETAIL, g=g, current_user=AnonymousUserMixin(),
            current_workspace=None, nav_items=[], nav_more=[])
        response = Response(html, 503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_outages(app: Flask) -> None:
    for error in OUTAGE_ERRORS:
        app.register_error_handler(error, unavailable)
