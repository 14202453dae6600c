"""Vendor forms: rename and default category, and merging one vendor into another."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from financeapp.core.scoping import as_id
from financeapp.vendors.services import VendorInput


class VendorForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the vendor's name."), Length(max=120)])
    default_category_id = SelectField("Category its expenses are booked to", default="", validate_choice=False)

    def to_input(self) -> VendorInput:
        return VendorInput(name=self.name.data or "", default_category_id=as_id(self.default_category_id.data))


class MergeForm(FlaskForm):
    target_id = SelectField("Merge into", validators=[DataRequired("Choose the vendor to merge into.")],
                            validate_choice=False)
