"""Errors a user can cause, and the one handler that answers HTML or problem+json."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from financeapp.extensions import db

log = logging.getLogger("financeapp.errors")

ERROR_PAGES = {400, 401, 403, 404, 405, 413, 422, 429, 500}


class FinanceError(Exception):
    """Base of the errors a user can cause; carries its HTTP status."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class NotFound(FinanceError):
    status = 404
    title = "Not found"


class Forbidden(FinanceError):
    status = 403
    title = "Forbidden"


class Conflict(FinanceError):
    status = 409
    title = "Conflict"


class Invalid(FinanceError):
    status = 422
    title = "Invalid input"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def problem(status: int, title: str, detail: str, fields: dict[str, str] | None = None):
    """An RFC 9457 problem document."""
    body = {"type": f"about:blank#{status}", "title": title, "status": status, "detail": detail}
    if fields:
        body["errors"] = fields
    body["request_id"] = g.get("request_id")
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def render_error(status: int, title: str, detail: str, fields: dict[str, str] | None = None):
    if wants_json():
        return problem(status, title, detail, fields)
    template = f"errors/{status}.html" if status in ERROR_PAGES else "errors/400.html"
    return render_template(template, status=status, title=title, detail=detail), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(FinanceError)
    def handle_finance_error(err: FinanceError):
        db.session.rollback()
        return render_error(err.status, err.title, err.message, err.fields)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(err: CSRFError):
        return render_error(
            400,
            "Security check failed",
            "The form's security token is missing or expired. Reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(err: HTTPException):
        status = err.code or 500
        too_many = "Too many attempts. Please wait a minute and try again."
        detail = too_many if status == 429 else err.description or ""
        response = render_error(status, err.name, detail)
        if status == 405 and err.get_response().headers.get("Allow"):
            response = app.make_response(response)
            response.headers["Allow"] = err.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        db.session.rollback()
        if app.config.get("RAISE_UNEXPECTED"):
            raise err  # tests want the traceback, not the friendly page
        log.exception("unhandled error request_id=%s", g.get("request_id"))
        return render_error(
            500,
            "Something went wrong",
            "An unexpected error occurred; it has been logged. Please try again.",
        )
