"""Category forms."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from financeapp.categories.models import KINDS
from financeapp.categories.services import CategoryInput
from financeapp.core.scoping import as_id


class CategoryForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=60)])
    kind = SelectField("Kind", choices=[(k, k.capitalize()) for k in KINDS], default="expense")
    parent_id = SelectField("Group", choices=[], validate_choice=False,
                            description="Leave empty to make a new group.")

    def to_input(self) -> CategoryInput:
        parent = self.parent_id.data
        return CategoryInput(name=self.name.data or "", kind=self.kind.data,
                             parent_id=as_id(parent) if parent else None)


class TargetForm(FlaskForm):
    """Choose the category that receives transactions (merge, or delete with reassignment)."""

    target_id = SelectField("Move its transactions to", choices=[], validate_choice=False)
