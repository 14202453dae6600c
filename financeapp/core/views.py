"""The one write path of HTML views: run the service, commit once, or roll back and say why.

Form views call `save_form`: a `FinanceError` from the service is rolled back and shown on the
form (at its field when the form has one), so the page re-renders with the user's input and
`form_status(form)`. Action views (a button that POSTs: delete, merge, undo) call `run_action`:
an error is rolled back, flashed, and the user is sent back where they were.

    if request.method == "POST" and (done := save_form(form, lambda: services.record(g.workspace, form.to_input()))):
        flash(f"Saved {done.value.name}.", "success")
        return redirect(url_for(".index"))
    return render_template("x/form.html", form=form), form_status(form)

    return run_action(lambda: services.delete(g.workspace, item), success="Deleted.", then=url_for(".index"))
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
    """A write that was committed; `value` is what the service returned (always truthy itself)."""

    value: T


def save_form(form: FlaskForm, write: Callable[[], T], *, validate: bool = True) -> Done[T] | None:
    """Validate the submitted `form`, run `write`, and commit; on a service error roll back and
    attach it to the form. None means "render the form again" (its errors say why).

    `validate=False` is for views that validated the form themselves before deciding to write.
    """
    if validate and not form.validate_on_submit():
        return None
    try:
        value = write()
    except FinanceError as err:
        db.session.rollback()
        attach_errors(form, err)
        return None
    db.session.commit()
    return Done(value)


def run_action(write: Callable[[], T], *, success: Outcome | Callable[[T], Outcome] = None,
               then: str | Callable[[T], str], back: str | None = None) -> Response:
    """Run `write` and commit, flash `success` and redirect to `then`; on a service error roll back,
    flash the error and redirect to `back` (default: `then`, which must then be a URL).

    NotFound and Forbidden are not flashed: they answer 404 and 403 as anywhere else, so an action on
    another workspace's (or another member's) row is a 404, never a redirect.
    """
    try:
        value = write()
    except (NotFound, Forbidden):
        raise
    except FinanceError as err:
        db.session.rollback()
        flash(err.message, "danger")
        if back is None and callable(then):
            raise TypeError("run_action needs `back` when `then` depends on the result") from err
        return redirect(back or then)  # type: ignore[arg-type]
    db.session.commit()
    outcome = success(value) if callable(success) else success
    if outcome:
        message, category = (outcome, "success") if isinstance(outcome, str) else outcome
        flash(message, category)
    return redirect(then(value) if callable(then) else then)
