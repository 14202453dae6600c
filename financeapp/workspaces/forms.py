"""Workspace forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from financeapp.core.money import currency_choices
from financeapp.workspaces.services import WorkspaceSettings


class WorkspaceForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    base_currency = SelectField(
        "Base currency", default="USD",
        description="Reports and net worth are shown in this currency.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.base_currency.choices = currency_choices()

    def to_input(self) -> WorkspaceSettings:
        return WorkspaceSettings(name=self.name.data, base_currency=self.base_currency.data)
