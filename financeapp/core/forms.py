"""Helpers for putting service errors onto forms."""

from __future__ import annotations

from flask_wtf import FlaskForm

from financeapp.core.errors import FinanceError, Invalid


def attach_errors(form: FlaskForm, err: FinanceError, field: str | None = None) -> None:
    """Show a service error at its field when the form has one, else at `field` (a form with one input,
    such as a file), else above the form."""
    form.error_status = err.status
    placed = False
    for name, message in (err.fields or ({field: err.message} if field else {})).items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
            placed = True
    if not placed:
        form.form_errors.append(err.message)


def form_status(form: FlaskForm) -> int:
    """The status to render a form with: the service error's, 422 for field errors, else 200."""
    if getattr(form, "error_status", None):
        return form.error_status
    return 422 if form.errors or form.form_errors else 200


def require_valid(form: FlaskForm, message: str | None = None) -> None:
    """Raise Invalid unless the submitted form validates: for action views (a button that POSTs) whose
    form has no page of its own, so `run_action` flashes the errors and sends the user back.

    The message is `message` (what the action needed) followed by the form's own errors."""
    if not form.validate_on_submit():
        found = "; ".join(e for errors in form.errors.values() for e in errors)
        raise Invalid(" ".join(part for part in (message, found) if part) or "Check the form.")
