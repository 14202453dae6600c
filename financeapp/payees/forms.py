"""Payee forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class PayeeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    default_category_id = SelectField("Default category", choices=[], validate_choice=False,
                                      description="New transactions for this payee get it when none is chosen.")


class MergePayeeForm(FlaskForm):
    target = StringField("Merge into (payee name)", validators=[DataRequired(), Length(max=120)],
                         render_kw={"list": "payee-names", "autocomplete": "off"})
