"""Document forms: the upload (one file or many), the review of the fields, workflow moves and the owner's settings."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from financeapp.core.fields import MoneyField
from financeapp.core.scoping import as_id
from financeapp.documents.services import FieldsInput

# The type of each file is checked by its content in the service, not by its name here.
FILES_LABEL = "Receipts or invoices (PDF, PNG, JPEG or HEIC)"
ACCEPT = ".pdf,.png,.jpg,.jpeg,.heic,.heif,application/pdf,image/png,image/jpeg,image/heic,image/heif"


def _some_file(form: FlaskForm, field: MultipleFileField) -> None:
    if not [f for f in (field.data or []) if getattr(f, "filename", "")]:
        raise ValidationError("Choose at least one file.")


class UploadForm(FlaskForm):
    files = MultipleFileField(FILES_LABEL, validators=[_some_file], render_kw={"accept": ACCEPT})

    def uploads(self) -> list:
        return [f for f in (self.files.data or []) if getattr(f, "filename", "")]


class FieldsForm(FlaskForm):
    """The review form: every field as read, editable; blank means "not on the document"."""

    vendor = StringField("Vendor", validators=[Length(max=120)])
    vendor_gstin = StringField("Vendor GSTIN", validators=[Length(max=20)], render_kw={"autocomplete": "off"})
    buyer_gstin = StringField("Buyer GSTIN", validators=[Length(max=20)], render_kw={"autocomplete": "off"})
    invoice_number = StringField("Invoice or receipt number", validators=[Length(max=60)])
    date = DateField("Date", validators=[Optional()])
    currency = StringField("Currency", validators=[Length(max=3)], render_kw={"autocomplete": "off",
                                                                                "maxlength": 3})
    subtotal = MoneyField("Taxable value (subtotal)")
    tax = MoneyField("Tax")
    round_off = MoneyField("Round-off")
    total = MoneyField("Total")
    version = HiddenField()

    def to_input(self) -> FieldsInput:
        return FieldsInput(
            vendor=self.vendor.data or "", vendor_gstin=self.vendor_gstin.data or "",
            buyer_gstin=self.buyer_gstin.data or "", invoice_number=self.invoice_number.data or "",
            date=self.date.data, currency=self.currency.data or "", subtotal=self.subtotal.decimal,
            tax=self.tax.decimal, round_off=self.round_off.decimal, total=self.total.decimal,
            version=as_id(self.version.data))


class MoveForm(FlaskForm):
    """A workflow move: the comment (a reason for rejecting or returning) and, to approve, the account."""

    comment = TextAreaField("Comment", validators=[Length(max=500)], render_kw={"rows": 2, "maxlength": 500})
    account_id = SelectField("Book the expense to", default="", validate_choice=False)

    def __init__(self, *args, accounts: Sequence[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.account_id.choices = [("", "— the workspace's default —"), *accounts]


class SettingsForm(FlaskForm):
    account_id = SelectField("Account approved expenses are booked to", default="", validate_choice=False,
                             description="Approvers can choose another account per document.")
    second_approval_above = MoneyField(
        "Second approver above", description="Documents with a total above this need two approvers. "
                                             "Leave empty for one approver always.")

    def __init__(self, *args, accounts: Sequence[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.account_id.choices = [("", "— none: approvers choose —"), *accounts]
