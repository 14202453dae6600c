"""The one form of the forecasts: applying a month's recommended budget (a POST with CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired, Regexp


class ApplyForm(FlaskForm):
    month = HiddenField(validators=[DataRequired(), Regexp(r"^\d{4}-\d{2}$", message="Choose a month as YYYY-MM.")])
    submit = SubmitField("Apply to the budget")
