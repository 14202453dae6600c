"""The one write path of HTML views: run the service, commit once, or roll back and say why.

Form views call `save_form`: a `FinanceError` from the service is rolled back and shown on the
form (at its field when the form has one), so the page re-renders with the user's input and
`form_status(form)`. Action views (a button that POSTs: delete, merge, undo) call `run_action`:
an error is rolled back, flashed, and the user is sent back where they were.

A `NotFound` or `Forbidden` is not the user's typing but an id that is not theirs (another
workspace's, or one deleted meanwhile): the helpers roll back and let it through, so the answer is
the 404 (403) page.

    if request.method == "POST" and (done := save_form(form, lambda: services.record(g.workspace, form.to_input()))):
        flash(f"Saved {done.value.name}.", "success")
        return redirect(url_for(".index"))
    return render_template("x/form.html", form=form), form_status(form)

    return run_action(lambda: services.delete(g.workspace, item), success="Deleted.", then=url_for(".index"))

A form read from the query string (a GET that only computes) uses `read_form` the same way, without a commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash, redirect
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from financeapp.core.errors import FinanceError, Forbidden, NotFound
from financeapp.core.forms import attach_errors
from financeapp.extensions import db

T = TypeVar("T")

# What a successful action flashes: a message, (message, category), or nothing.
Outcome = str | tuple[str, str] | None


@dataclass(frozen=True)
class Done(Generic[T]):
    """A write that succeeded; `value` is what the service returned (always truthy itself)."""

    value: T


def attempt(write: Callable[[], T]) -> Done[T] | FinanceError:
    """Run `write`; a service error is rolled back and returned, not raised. The caller commits on Done.

    NotFound and Forbidden are raised after the rollback: they answer 404 and 403 as anywhere else, so
    a write on another workspace's (or another member's) row is a 404, never a message on a form."""
    try:
        return Done(write())
    except FinanceError as err:
        db.session.rollback()
        if isinstance(err, NotFound | Forbidden):
            raise
        return err


def save_form(form: FlaskForm, write: Callable[[], T], *, validate: bool = True,
              field: str | None = None) -> Done[T] | None:
    """Validate the submitted `form`, run `write`, and commit; on a service error roll back and
    attach it to the form. None means "render the form again" (its errors say why).

    `validate=False` is for views that validated the form themselves before deciding to write;
    `field` is where an error that names no field goes (else above the form).
    """
    if validate and not form.validate_on_submit():
        return None
    outcome = attempt(write)
    if isinstance(outcome, FinanceError):
        attach_errors(form, outcome, field)
        return None
    db.session.commit()
    return outcome


def read_form(form: FlaskForm, compute: Callable[[], T]) -> T | None:
    """Run a read-only `compute` for a form read from the query string (a filter, a what-if question):
    a service error goes on the form, as `save_form` puts it, and None comes back. Nothing is written."""
    outcome = attempt(compute)
    if isinstance(outcome, FinanceError):
        attach_errors(form, outcome)
        return None
    return outcome.value


def run_action(write: Callable[[], T], *, success: Outcome | Callable[[T], Outcome] = None,
               then: str | Callable[[T], str], back: str | None = None, code: int = 302) -> Response:
    """Run `write` and commit, flash `success` and redirect to `then`; on a service error roll back,
    flash the error and redirect to `back` (default: `then`, which must then be a URL).

    `code` is the redirect's status (303 where a page promises "see other" after a POST)."""
    outcome = attempt(write)
    if isinstance(outcome, FinanceError):
        flash(outcome.message, "danger")
        if back is None and callable(then):
            raise TypeError("run_action needs `back` when `then` depends on the result") from outcome
        return redirect(back or then, code)  # type: ignore[arg-type]
    db.session.commit()
    value = outcome.value
    outcome_message = success(value) if callable(success) else success
    if outcome_message:
        message, category = (outcome_message, "success") if isinstance(outcome_message, str) else outcome_message
        flash(message, category)
    return redirect(then(value) if callable(then) else then, code)
