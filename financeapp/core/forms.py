"""Helpers for putting service errors onto forms."""

from __future__ import annotations

from flask_wtf import FlaskForm

from financeapp.core.errors import FinanceError


def attach_errors(form: FlaskForm, err: FinanceError) -> None:
    """Show a service error at its field when the form has one, else above the form."""
    form.error_status = err.status  # type: ignore[attr-defined]
    placed = False
    for name, message in err.fields.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
            placed = True
    if not placed:
        form.form_errors.append(err.message)


def form_status(form: FlaskForm) -> int:
    """The status to render a form with: the service error's, 422 for field errors, else 200."""
    if getattr(form, "error_status", None):
        return form.error_status  # type: ignore[attr-defined]
    return 422 if form.errors or form.form_errors else 200
